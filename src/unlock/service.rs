//! The unlock service: carries out the app core's unlock commands on the
//! network runtime (pairing polls, purchases, grants, entitlement
//! refreshes) and reports what happened back (the TV shell queues the
//! reports as events). What it keeps lives in the state directory, written
//! atomically ([`super::state`]); the envelope is checked against the
//! catalog's key, this box's device and account whenever it is read, so an
//! edited or copied file unlocks nothing.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::client::PurchaseAttempt;
use super::progress::{self, ProgressItem};
use super::reward::RewardClaim;
use super::state::{self, TokenFile};
use super::{
    Entitlements, Failure, SignedEntitlements, TokenPoll, UnlockClient, UnlockCommand, UnlockError,
    UnlockReport,
};
use crate::catalog::model::UnlockApi;
use crate::catalog::verify::CatalogKey;
use crate::net::Net;

/// Where the service's reports go (the TV shell's queue), from any thread.
pub type Reports = Arc<dyn Fn(UnlockReport) + Send + Sync>;

struct Api {
    config: UnlockApi,
    client: UnlockClient,
    key: CatalogKey,
}

/// Shared with the tasks.
struct Shared {
    reports: Reports,
    state_dir: PathBuf,
    api: Api,
    device: Mutex<String>,
    token: Mutex<TokenFile>,
    /// The last checked entitlements (kept when a refresh fails).
    doc: Mutex<Option<Arc<Entitlements>>>,
    /// What rewarded ads unlocked for this device while it was unpaired.
    device_doc: Mutex<Option<Arc<Entitlements>>>,
    floor: Mutex<Option<DateTime<Utc>>>,
    purchasing: AtomicBool,
    rewarding: AtomicBool,
    /// Progress waiting to be sent (also in the state directory).
    queue: Mutex<Vec<ProgressItem>>,
    flushing: AtomicBool,
}

pub struct UnlockService {
    net: Net,
    state_dir: PathBuf,
    reports: Reports,
    shared: Option<Arc<Shared>>,
    pairing: Option<tokio::task::JoinHandle<()>>,
}

impl UnlockService {
    pub fn new(net: Net, state_dir: PathBuf, reports: Reports) -> UnlockService {
        UnlockService {
            net,
            state_dir,
            reports,
            shared: None,
            pairing: None,
        }
    }

    pub fn run(&mut self, command: UnlockCommand) {
        match command {
            UnlockCommand::Connect(config) => self.connect(config),
            UnlockCommand::Pair { series, episode } => {
                self.stop_pairing();
                let Some(shared) = self.shared.clone() else {
                    (self.reports)(UnlockReport::PairingFailed(Failure::Server(
                        "the catalog names no unlock API".into(),
                    )));
                    return;
                };
                self.pairing = Some(self.net.spawn(pair(shared, series, episode)));
            }
            UnlockCommand::StopPairing => self.stop_pairing(),
            UnlockCommand::Purchase {
                series,
                episode,
                price,
            } => {
                let Some(shared) = self.shared.clone() else {
                    (self.reports)(UnlockReport::PurchaseFailed(Failure::NotPaired));
                    return;
                };
                // A second purchase while one is out is dropped here too.
                if shared.purchasing.swap(true, Ordering::SeqCst) {
                    return;
                }
                self.net.spawn(async move {
                    let r = purchase(&shared, &series, episode, price).await;
                    shared.purchasing.store(false, Ordering::SeqCst);
                    match r {
                        Ok(()) => shared.report(UnlockReport::Purchased { series, episode }),
                        Err(f) => shared.report(UnlockReport::PurchaseFailed(f)),
                    }
                });
            }
            UnlockCommand::Grant { series, episode } => {
                let Some(shared) = self.shared.clone() else {
                    (self.reports)(UnlockReport::Granted {
                        series,
                        episode,
                        grant: Err(Failure::Server("the catalog names no unlock API".into())),
                    });
                    return;
                };
                self.net.spawn(async move {
                    let grant = grant(&shared, &series, episode).await;
                    shared.report(UnlockReport::Granted {
                        series,
                        episode,
                        grant,
                    });
                });
            }
            UnlockCommand::Reward(claim) => {
                let Some(shared) = self.shared.clone() else {
                    (self.reports)(UnlockReport::RewardFailed(Failure::Server(
                        "the catalog names no unlock API".into(),
                    )));
                    return;
                };
                if shared.rewarding.swap(true, Ordering::SeqCst) {
                    return;
                }
                self.net.spawn(async move {
                    let r = reward(&shared, &claim).await;
                    shared.rewarding.store(false, Ordering::SeqCst);
                    shared.report(match r {
                        Ok(()) => UnlockReport::Rewarded {
                            series: claim.series,
                            episode: claim.episode,
                        },
                        Err(f) => UnlockReport::RewardFailed(f),
                    });
                });
            }
            UnlockCommand::Progress(item) => {
                let Some(shared) = self.shared.clone() else {
                    return;
                };
                // Kept only for an account: nothing about the viewer
                // leaves the box unpaired.
                if !shared.paired() {
                    return;
                }
                if let Ok(mut q) = shared.queue.lock() {
                    progress::enqueue(&mut q, item);
                }
                self.net.spawn(flush(shared));
            }
            UnlockCommand::SignOut => self.sign_out(),
        }
    }

    fn stop_pairing(&mut self) {
        if let Some(task) = self.pairing.take() {
            task.abort();
        }
    }

    /// Forgets the token, the cached entitlements and pending purchases,
    /// and takes a new device id: this TV is no one's any more.
    fn sign_out(&mut self) {
        self.stop_pairing();
        state::forget_account(&self.state_dir);
        let device = state::device_id(&self.state_dir);
        if let Some(shared) = &self.shared {
            if let Ok(mut t) = shared.token.lock() {
                *t = TokenFile::default();
            }
            if let Ok(mut d) = shared.doc.lock() {
                *d = None;
            }
            if let Ok(mut d) = shared.device_doc.lock() {
                *d = None;
            }
            if let Ok(mut d) = shared.device.lock() {
                *d = device;
            }
            if let Ok(mut q) = shared.queue.lock() {
                q.clear();
            }
        }
        tracing::info!("signed out of this TV");
        (self.reports)(UnlockReport::DeviceEntitlements(None));
        (self.reports)(UnlockReport::Entitlements {
            doc: None,
            paired: false,
            floor: state::clock_floor(&self.state_dir),
        });
    }

    /// Uses `config` from now on: the cached entitlements at once, then
    /// fresh ones from the server if the box is paired to this API.
    fn connect(&mut self, config: UnlockApi) {
        if self.shared.as_ref().is_some_and(|s| s.api.config == config) {
            return;
        }
        self.stop_pairing();
        let api = CatalogKey::from_base64(&config.key)
            .map_err(|e| e.to_string())
            .and_then(|key| {
                let client =
                    UnlockClient::new(self.net.clone(), &config.url).map_err(|e| e.to_string())?;
                Ok(Api {
                    config,
                    client,
                    key,
                })
            });
        let api = match api {
            Ok(api) => api,
            Err(e) => {
                tracing::error!(error = %e, "unlock API unusable");
                self.shared = None;
                return;
            }
        };
        let dir = &self.state_dir;
        let device = state::device_id(dir);
        let mut token = state::load_token(dir);
        if token.token.is_some() && !token.issued_by(&api.config) {
            // A token goes only to the API that issued it: a catalog naming
            // another API (or key) means pairing again, not sending it there.
            tracing::warn!(
                "the catalog names another unlock API than the one this TV was paired with; \
                 pair again"
            );
            state::forget_account(dir);
            token = TokenFile::default();
        }
        let floor = state::clock_floor(dir);
        let now = later(Utc::now(), floor);
        let cached =
            state::cached_entitlements(dir, &api.key, token.account.as_deref(), &device, now)
                // A cached document is used only while the box is paired.
                .filter(|_| token.token.is_some());
        let paired = token.token.is_some();
        // The device's own document counts paired or not: it names no
        // account, only this box.
        let device_doc = state::cached_envelope(
            dir,
            super::DEVICE_ENTITLEMENTS_FILE,
            &api.key,
            None,
            &device,
            now,
        );
        let shared = Arc::new(Shared {
            reports: self.reports.clone(),
            state_dir: self.state_dir.clone(),
            api,
            device: Mutex::new(device),
            token: Mutex::new(token),
            doc: Mutex::new(cached.clone()),
            device_doc: Mutex::new(device_doc.clone()),
            floor: Mutex::new(floor),
            purchasing: AtomicBool::new(false),
            rewarding: AtomicBool::new(false),
            queue: Mutex::new(state::progress_queue(dir)),
            flushing: AtomicBool::new(false),
        });
        shared.report(UnlockReport::DeviceEntitlements(device_doc));
        shared.report(UnlockReport::Entitlements {
            doc: cached,
            paired,
            floor,
        });
        self.shared = Some(shared.clone());
        if paired {
            self.net.spawn(async move {
                if let Err(e) = refresh(&shared).await {
                    tracing::warn!(error = %e, "entitlements not refreshed; the cached ones stay");
                }
                read_progress(&shared).await;
                flush(shared).await;
            });
        }
    }
}

/// The account's progress, reported to the app (at start, after pairing).
async fn read_progress(shared: &Shared) {
    let Some(token) = shared.token() else {
        return;
    };
    match shared.api.client.get_progress(&token).await {
        Ok(items) => shared.report(UnlockReport::Progress(items)),
        Err(e) => tracing::warn!(error = %e, "the account's progress was not read"),
    }
}

/// How long a progress report that failed waits before the next try.
const PROGRESS_RETRY: Duration = Duration::from_secs(60);

/// Sends the queued progress in batches until the queue is empty, the
/// box is signed out, or the API refuses it; a network failure waits and
/// tries again (the queue is kept on disk meanwhile). One at a time.
async fn flush(shared: Arc<Shared>) {
    if shared.flushing.swap(true, Ordering::SeqCst) {
        return;
    }
    loop {
        let batch: Vec<ProgressItem> = shared
            .queue
            .lock()
            .map(|q| q.iter().take(progress::BATCH).cloned().collect())
            .unwrap_or_default();
        let Some(token) = shared.token().filter(|_| !batch.is_empty()) else {
            break;
        };
        match shared
            .api
            .client
            .post_progress(&token, &shared.device(), &batch)
            .await
        {
            Ok(()) => {
                if let Ok(mut q) = shared.queue.lock() {
                    q.retain(|i| !batch.contains(i));
                }
            }
            Err(UnlockError::Network(e)) => {
                tracing::info!(error = %e, "progress not sent; kept for later");
                save_queue(&shared).await;
                tokio::time::sleep(PROGRESS_RETRY).await;
                continue;
            }
            Err(e) => {
                // Refused: sending it again would be refused again.
                tracing::warn!(error = %e, "progress refused; dropped");
                if let Ok(mut q) = shared.queue.lock() {
                    q.retain(|i| !batch.contains(i));
                }
                if matches!(e, UnlockError::SignedOut { .. }) {
                    shared.signed_out().await;
                }
            }
        }
    }
    save_queue(&shared).await;
    shared.flushing.store(false, Ordering::SeqCst);
}

async fn save_queue(shared: &Shared) {
    let queue = shared.queue.lock().map(|q| q.clone()).unwrap_or_default();
    let dir = shared.state_dir.clone();
    let saved = tokio::task::spawn_blocking(move || state::save_progress_queue(&dir, &queue)).await;
    if !matches!(saved, Ok(Ok(()))) {
        tracing::error!("cannot keep the progress queue");
    }
}

/// A document issued before the one held is an old answer (a refresh sent
/// before a purchase and answered after it): refused.
fn not_older(held: Option<Arc<Entitlements>>, doc: &Entitlements) -> Result<(), UnlockError> {
    if let Some(held) = held
        && let (Some(h), Some(n)) = (held.issued_at(), doc.issued_at())
        && n < h
    {
        return Err(super::EntitlementError::Older {
            held: held.issued.clone(),
            got: doc.issued.clone(),
        }
        .into());
    }
    Ok(())
}

/// The later of the box's clock and the floor.
fn later(now: DateTime<Utc>, floor: Option<DateTime<Utc>>) -> DateTime<Utc> {
    floor.map_or(now, |f| f.max(now))
}

impl Shared {
    fn report(&self, r: UnlockReport) {
        (self.reports)(r);
    }

    fn token(&self) -> Option<String> {
        self.token.lock().ok()?.token.clone()
    }

    fn device(&self) -> String {
        self.device.lock().map(|d| d.clone()).unwrap_or_default()
    }

    fn paired(&self) -> bool {
        self.token().is_some()
    }

    fn floor(&self) -> Option<DateTime<Utc>> {
        self.floor.lock().ok().and_then(|f| *f)
    }

    /// Raises the time floor to `seen` (a server's Date, a document's
    /// issue time) and keeps it when it moved by a minute or more.
    async fn saw_time(&self, seen: Option<DateTime<Utc>>) {
        let Some(seen) = seen else {
            return;
        };
        let save = {
            let Ok(mut floor) = self.floor.lock() else {
                return;
            };
            let moved = floor.is_none_or(|f| seen > f + chrono::Duration::minutes(1));
            if floor.is_none_or(|f| seen > f) {
                *floor = Some(seen);
            }
            moved
        };
        if save {
            let dir = self.state_dir.clone();
            let _ = tokio::task::spawn_blocking(move || state::save_clock_floor(&dir, seen)).await;
        }
    }

    /// Saves the token file (atomically, off the runtime's threads).
    async fn save_token(&self) {
        let Some(file) = self.token.lock().ok().map(|t| t.clone()) else {
            return;
        };
        let dir = self.state_dir.clone();
        let saved = tokio::task::spawn_blocking(move || state::save_token(&dir, &file)).await;
        if !matches!(saved, Ok(Ok(()))) {
            tracing::error!("cannot save the unlock token");
        }
    }

    /// Checks an envelope from the server, keeps it, saves it and tells
    /// the app. Nothing is kept from a document that fails its checks, nor
    /// from one older than the one held (a refresh answered before a
    /// purchase, arriving after it).
    async fn accept(&self, env: SignedEntitlements) -> Result<(), UnlockError> {
        self.saw_time(self.api.client.take_date()).await;
        let account = self.token.lock().ok().and_then(|t| t.account.clone());
        let doc = Arc::new(env.open(&self.api.key, account.as_deref(), &self.device())?);
        not_older(self.doc.lock().ok().and_then(|d| d.clone()), &doc)?;
        self.saw_time(doc.issued_at()).await;
        if account.is_none()
            && let Ok(mut t) = self.token.lock()
        {
            t.account = Some(doc.account.clone());
        }
        self.save_token().await;
        let dir = self.state_dir.clone();
        let saved = tokio::task::spawn_blocking(move || state::save_entitlements(&dir, &env)).await;
        if !matches!(saved, Ok(Ok(()))) {
            tracing::error!("cannot save entitlements");
        }
        if let Ok(mut d) = self.doc.lock() {
            *d = Some(doc.clone());
        }
        self.report(UnlockReport::Entitlements {
            doc: Some(doc),
            paired: self.paired(),
            floor: self.floor(),
        });
        Ok(())
    }

    /// Checks a document made for this device alone (a reward while
    /// unpaired), keeps it, saves it and tells the app. Its account is the
    /// partner's name for the device: not compared with a pairing's.
    async fn accept_device(
        &self,
        env: SignedEntitlements,
    ) -> Result<Arc<Entitlements>, UnlockError> {
        self.saw_time(self.api.client.take_date()).await;
        let doc = Arc::new(env.open(&self.api.key, None, &self.device())?);
        not_older(self.device_doc.lock().ok().and_then(|d| d.clone()), &doc)?;
        self.saw_time(doc.issued_at()).await;
        let dir = self.state_dir.clone();
        let saved = tokio::task::spawn_blocking(move || {
            state::save_envelope(&dir, super::DEVICE_ENTITLEMENTS_FILE, &env)
        })
        .await;
        if !matches!(saved, Ok(Ok(()))) {
            tracing::error!("cannot save the device's entitlements");
        }
        if let Ok(mut d) = self.device_doc.lock() {
            *d = Some(doc.clone());
        }
        self.report(UnlockReport::DeviceEntitlements(Some(doc.clone())));
        Ok(doc)
    }

    /// The server no longer knows the token: forget it and what it
    /// unlocked (a cached document is used only while paired).
    async fn signed_out(&self) {
        if let Ok(mut t) = self.token.lock() {
            t.token = None;
        }
        self.save_token().await;
        if let Ok(mut d) = self.doc.lock() {
            *d = None;
        }
        self.report(UnlockReport::Entitlements {
            doc: None,
            paired: false,
            floor: self.floor(),
        });
    }
}

async fn refresh(shared: &Shared) -> Result<(), UnlockError> {
    let Some(token) = shared.token() else {
        return Ok(());
    };
    match shared
        .api
        .client
        .entitlements(&token, &shared.device())
        .await
    {
        Ok(env) => shared.accept(env).await,
        Err(e @ UnlockError::SignedOut { .. }) => {
            shared.signed_out().await;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

fn failure(e: &UnlockError) -> Failure {
    match e {
        UnlockError::Network(n) => Failure::Network(n.to_string()),
        UnlockError::SignedOut { .. } => Failure::SignedOut,
        UnlockError::NotEntitled { .. } => Failure::NotEntitled,
        UnlockError::NotFound { .. } => Failure::Unavailable,
        UnlockError::NotEnoughCoins { balance, price, .. } => Failure::NotEnoughCoins {
            balance: *balance,
            price: *price,
        },
        other => Failure::Server(other.to_string()),
    }
}

/// RFC 8628 on the box: a code, then polls at the server's interval (5 s
/// slower after each `slow_down`) until the phone approves or refuses, or
/// the code expires; network failures are retried until then.
async fn pair(shared: Arc<Shared>, series: String, episode: u32) {
    let client = &shared.api.client;
    let device = shared.device();
    let auth = match client.device_code(&series, episode, &device).await {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(error = %e, "pairing did not start");
            shared.report(UnlockReport::PairingFailed(failure(&e)));
            return;
        }
    };
    tracing::info!(user_code = auth.user_code, uri = %auth.verification_uri, "pairing code shown");
    shared.report(UnlockReport::Pairing {
        user_code: auth.user_code.clone(),
        uri: auth.verification_uri.to_string(),
        host: auth
            .verification_uri
            .host_str()
            .unwrap_or_default()
            .to_owned(),
        uri_complete: auth
            .verification_uri_complete
            .as_ref()
            .map(|u| u.to_string()),
        expires_in_s: auth.expires_in_s,
    });
    let deadline = Instant::now() + Duration::from_secs(auth.expires_in_s);
    let mut interval = Duration::from_secs(auth.interval_s);
    let token = loop {
        tokio::time::sleep(interval).await;
        if Instant::now() >= deadline {
            shared.report(UnlockReport::PairingFailed(Failure::Expired));
            return;
        }
        match client.poll_token(&auth.device_code).await {
            Ok(TokenPoll::Granted(token)) => break token,
            Ok(TokenPoll::Pending) => {}
            // RFC 8628 3.5: each slow_down adds 5 s, and they add up.
            Ok(TokenPoll::SlowDown) => {
                interval = (interval + Duration::from_secs(5))
                    .min(Duration::from_secs(super::client::MAX_INTERVAL_S));
            }
            Ok(TokenPoll::Expired) => {
                shared.report(UnlockReport::PairingFailed(Failure::Expired));
                return;
            }
            Ok(TokenPoll::Denied) => {
                shared.report(UnlockReport::PairingFailed(Failure::Denied));
                return;
            }
            Err(UnlockError::Network(e)) => {
                tracing::warn!(error = %e, "pairing poll failed; polling on");
            }
            Err(e) => {
                // invalid_grant, invalid_client (a 401 here is one too):
                // the server could not finish pairing.
                tracing::warn!(error = %e, "pairing refused");
                shared.report(UnlockReport::PairingFailed(Failure::Server(e.to_string())));
                return;
            }
        }
    };
    if let Ok(mut t) = shared.token.lock() {
        // A new pairing may be another account: its first document says.
        *t = TokenFile::issued(token, &shared.api.config);
    }
    if let Ok(mut d) = shared.doc.lock() {
        *d = None;
    }
    shared.save_token().await;
    shared.report(UnlockReport::Paired);
    if let Err(e) = refresh(&shared).await {
        tracing::warn!(error = %e, "entitlements after pairing");
        shared.report(UnlockReport::PairingFailed(failure(&e)));
    }
    read_progress(&shared).await;
}

/// Spends coins. The attempt (with its idempotency key) is kept in the
/// state directory from before the first sending until a final answer, so
/// a retry, or a resend after a crash, is charged once; a final answer
/// (bought, not enough coins, price changed) ends it, and the next
/// confirmation is a new attempt. The balance shown changes only with the
/// server's signed answer; after a 402 the entitlements are fetched again,
/// so that the balance shown is the server's.
async fn purchase(shared: &Shared, series: &str, episode: u32, price: u64) -> Result<(), Failure> {
    let Some(token) = shared.token() else {
        return Err(Failure::NotPaired);
    };
    let dir = shared.state_dir.clone();
    let attempt = {
        let (series, dir) = (series.to_owned(), dir.clone());
        tokio::task::spawn_blocking(move || state::begin_purchase(&dir, &series, episode, price))
            .await
            .map_err(|e| Failure::Server(e.to_string()))?
    };
    let result = shared
        .api
        .client
        .purchase(&token, &attempt, &shared.device())
        .await;
    let end = |attempt: PurchaseAttempt| {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || state::end_purchase(&dir, &attempt))
    };
    match result {
        Ok(env) => {
            let _ = end(attempt).await;
            shared.accept(env).await.map_err(|e| {
                tracing::error!(error = %e, "purchase answer refused");
                failure(&e)
            })
        }
        // Not final: the same key goes with the next sending.
        Err(e @ UnlockError::Network(_)) => {
            tracing::warn!(error = %e, series, episode, "purchase not answered; kept");
            Err(failure(&e))
        }
        Err(e) => {
            let _ = end(attempt).await;
            tracing::warn!(error = %e, series, episode, "purchase refused");
            match &e {
                UnlockError::SignedOut { .. } => shared.signed_out().await,
                UnlockError::NotEnoughCoins { .. } => {
                    if let Err(e) = refresh(shared).await {
                        tracing::warn!(error = %e, "entitlements after a 402");
                    }
                }
                _ => {}
            }
            Err(match &e {
                // Another device's token, a refused request: the server
                // could not finish the purchase (nothing is "not owned").
                UnlockError::NotEntitled { .. } | UnlockError::NotFound { .. } => {
                    Failure::Server(e.to_string())
                }
                _ => failure(&e),
            })
        }
    }
}

/// A playback grant for this device, with the token when there is one.
async fn grant(shared: &Shared, series: &str, episode: u32) -> Result<super::Grant, Failure> {
    let token = shared.token();
    let result = shared
        .api
        .client
        .playback(token.as_deref(), series, episode, &shared.device())
        .await;
    shared.saw_time(shared.api.client.take_date()).await;
    match result {
        Ok(g) => Ok(g),
        Err(e) => {
            tracing::warn!(error = %e, series, episode, "no playback grant");
            match (&e, &token) {
                // Asked without a token: the episode needs an account.
                (UnlockError::SignedOut { .. }, None) => Err(Failure::NotPaired),
                (UnlockError::SignedOut { .. }, Some(_)) => {
                    shared.signed_out().await;
                    Err(Failure::SignedOut)
                }
                _ => Err(failure(&e)),
            }
        }
    }
}

/// Asks the partner what a rewarded ad unlocks: the account's document
/// when paired, else the device's. Retries (network, 5xx) carry the same
/// key, so the partner counts the ad once; a document that does not
/// unlock the episode is a refusal.
async fn reward(shared: &Shared, claim: &RewardClaim) -> Result<(), Failure> {
    let token = shared.token();
    let result = shared
        .api
        .client
        .reward(token.as_deref(), claim, &shared.device())
        .await;
    let (series, episode) = (claim.series.as_str(), claim.episode);
    let env = match result {
        Ok(env) => env,
        Err(e) => {
            tracing::warn!(error = %e, series, episode, "reward refused");
            if token.is_some() && matches!(e, UnlockError::SignedOut { .. }) {
                shared.signed_out().await;
                return Err(Failure::SignedOut);
            }
            return Err(match &e {
                UnlockError::Network(_) => failure(&e),
                _ => Failure::Server(e.to_string()),
            });
        }
    };
    let now = later(Utc::now(), shared.floor());
    let doc = if token.is_some() {
        shared.accept(env).await.map_err(|e| {
            tracing::error!(error = %e, "reward answer refused");
            failure(&e)
        })?;
        shared.doc.lock().ok().and_then(|d| d.clone())
    } else {
        let doc = shared.accept_device(env).await.map_err(|e| {
            tracing::error!(error = %e, "reward answer refused");
            failure(&e)
        })?;
        Some(doc)
    };
    if doc.is_some_and(|d| d.allows(series, episode, now)) {
        tracing::info!(series, episode, "unlocked by a rewarded ad");
        Ok(())
    } else {
        Err(Failure::Server(format!(
            "reward: the document does not unlock {series} {episode}"
        )))
    }
}
