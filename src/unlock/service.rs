//! The unlock service: carries out the app core's unlock commands on the
//! network runtime (pairing polls, purchases, entitlement refreshes) and
//! reports what happened back (the TV shell queues the reports as events). The token and the last good
//! entitlement envelope live in the state directory, written atomically;
//! the envelope is checked against the catalog's key whenever it is read,
//! so an edited file unlocks nothing.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::client::idempotency_key;
use super::{
    ENTITLEMENTS_FILE, Entitlements, Failure, SignedEntitlements, TOKEN_FILE, TokenPoll,
    UnlockClient, UnlockCommand, UnlockError, UnlockReport,
};
use crate::catalog::model::UnlockApi;
use crate::catalog::verify::CatalogKey;
use crate::net::Net;
use crate::store::Store;

/// Where the service's reports go (the TV shell's queue), from any thread.
pub type Reports = Arc<dyn Fn(UnlockReport) + Send + Sync>;

/// What the box keeps of its pairing.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct TokenFile {
    token: Option<String>,
    /// The account the first entitlements named: later ones must match.
    account: Option<String>,
}

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
    token: Mutex<TokenFile>,
    /// The last checked entitlements (kept when a refresh fails).
    doc: Mutex<Option<Arc<Entitlements>>>,
    purchasing: AtomicBool,
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
        }
    }

    fn stop_pairing(&mut self) {
        if let Some(task) = self.pairing.take() {
            task.abort();
        }
    }

    /// Uses `config` from now on: the cached entitlements at once, then
    /// fresh ones from the server if the box is paired.
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
        let store = Store::new(&self.state_dir).ok();
        let token: TokenFile = store
            .as_ref()
            .map(|s| s.load(TOKEN_FILE))
            .unwrap_or_default();
        let cached = cached_entitlements(&self.state_dir, &api.key, token.account.as_deref());
        let paired = token.token.is_some();
        let shared = Arc::new(Shared {
            reports: self.reports.clone(),
            state_dir: self.state_dir.clone(),
            api,
            token: Mutex::new(token),
            doc: Mutex::new(cached.clone()),
            purchasing: AtomicBool::new(false),
        });
        shared.report(UnlockReport::Entitlements {
            doc: cached,
            paired,
        });
        self.shared = Some(shared.clone());
        if paired {
            self.net.spawn(async move {
                if let Err(e) = refresh(&shared).await {
                    tracing::warn!(error = %e, "entitlements not refreshed; the cached ones stay");
                }
            });
        }
    }
}

/// The envelope in the state directory, if it is there, signed by `key`
/// for `account` and not expired. A bad one is set aside.
fn cached_entitlements(
    dir: &std::path::Path,
    key: &CatalogKey,
    account: Option<&str>,
) -> Option<Arc<Entitlements>> {
    let path = dir.join(ENTITLEMENTS_FILE);
    let bytes = std::fs::read(&path).ok()?;
    let doc = SignedEntitlements::parse(&bytes).and_then(|env| env.open(key, account));
    match doc {
        Ok(doc) if doc.current(chrono::Utc::now()) => Some(Arc::new(doc)),
        Ok(_) => {
            tracing::info!("cached entitlements expired");
            None
        }
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cached entitlements refused; set aside");
            let _ = std::fs::rename(&path, dir.join(format!("{ENTITLEMENTS_FILE}.bad")));
            None
        }
    }
}

impl Shared {
    fn report(&self, r: UnlockReport) {
        (self.reports)(r);
    }

    fn token(&self) -> Option<String> {
        self.token.lock().ok()?.token.clone()
    }

    fn paired(&self) -> bool {
        self.token().is_some()
    }

    /// Saves the token file (atomically, off the runtime's threads).
    async fn save_token(&self) {
        let Some(file) = self.token.lock().ok().map(|t| t.clone()) else {
            return;
        };
        let dir = self.state_dir.clone();
        let saved = tokio::task::spawn_blocking(move || Store::new(&dir)?.save(TOKEN_FILE, &file))
            .await
            .map_err(std::io::Error::other)
            .and_then(|r| r);
        if let Err(e) = saved {
            tracing::error!(error = %e, "cannot save the unlock token");
        }
    }

    /// Checks an envelope from the server, keeps it, saves it and tells
    /// the app. Nothing is kept from a document that fails its checks.
    async fn accept(&self, env: SignedEntitlements) -> Result<(), UnlockError> {
        let account = self.token.lock().ok().and_then(|t| t.account.clone());
        let doc = Arc::new(env.open(&self.api.key, account.as_deref())?);
        if account.is_none()
            && let Ok(mut t) = self.token.lock()
        {
            t.account = Some(doc.account.clone());
        }
        self.save_token().await;
        let dir = self.state_dir.clone();
        let saved = tokio::task::spawn_blocking(move || {
            let json = serde_json::to_vec(&env).map_err(std::io::Error::other)?;
            crate::store::write_atomic(&dir, ENTITLEMENTS_FILE, &json)
        })
        .await
        .map_err(std::io::Error::other)
        .and_then(|r| r);
        if let Err(e) = saved {
            tracing::error!(error = %e, "cannot save entitlements");
        }
        if let Ok(mut d) = self.doc.lock() {
            *d = Some(doc.clone());
        }
        self.report(UnlockReport::Entitlements {
            doc: Some(doc),
            paired: self.paired(),
        });
        Ok(())
    }

    /// The server no longer knows the token: forget it, keep what was
    /// unlocked (the cached document, until it expires).
    async fn signed_out(&self) {
        if let Ok(mut t) = self.token.lock() {
            t.token = None;
        }
        self.save_token().await;
        let doc = self.doc.lock().ok().and_then(|d| d.clone());
        self.report(UnlockReport::Entitlements { doc, paired: false });
    }
}

async fn refresh(shared: &Shared) -> Result<(), UnlockError> {
    let Some(token) = shared.token() else {
        return Ok(());
    };
    match shared.api.client.entitlements(&token).await {
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
        UnlockError::NotEnoughCoins { balance, price, .. } => Failure::NotEnoughCoins {
            balance: *balance,
            price: *price,
        },
        other => Failure::Server(other.to_string()),
    }
}

/// RFC 8628 on the box: a code, then polls at the server's interval (5 s
/// slower after `slow_down`) until the phone approves or refuses, or the
/// code expires; network failures are retried until then.
async fn pair(shared: Arc<Shared>, series: String, episode: u32) {
    let client = &shared.api.client;
    let auth = match client.device_code(&series, episode).await {
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
            Ok(TokenPoll::SlowDown) => interval += Duration::from_secs(5),
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
                shared.report(UnlockReport::PairingFailed(failure(&e)));
                return;
            }
        }
    };
    if let Ok(mut t) = shared.token.lock() {
        // A new pairing may be another account: its first document says.
        *t = TokenFile {
            token: Some(token),
            account: None,
        };
    }
    shared.save_token().await;
    shared.report(UnlockReport::Paired);
    if let Err(e) = refresh(&shared).await {
        tracing::warn!(error = %e, "entitlements after pairing");
        shared.report(UnlockReport::PairingFailed(failure(&e)));
    }
}

/// Spends coins: one idempotency key for the purchase however often it is
/// sent; the balance shown changes only with the server's signed answer.
async fn purchase(shared: &Shared, series: &str, episode: u32, price: u64) -> Result<(), Failure> {
    let Some(token) = shared.token() else {
        return Err(Failure::NotPaired);
    };
    let key = idempotency_key(&token, series, episode);
    let result = shared
        .api
        .client
        .purchase(&token, series, episode, price, &key)
        .await;
    match result {
        Ok(env) => shared.accept(env).await.map_err(|e| {
            tracing::error!(error = %e, "purchase answer refused");
            failure(&e)
        }),
        Err(e) => {
            tracing::warn!(error = %e, series, episode, "purchase failed");
            if matches!(e, UnlockError::SignedOut { .. }) {
                shared.signed_out().await;
            }
            Err(failure(&e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use ed25519_dalek::{Signer, SigningKey};

    fn envelope(signing: &SigningKey, payload: &str) -> Vec<u8> {
        serde_json::to_vec(&SignedEntitlements {
            entitlements: STANDARD.encode(payload),
            signature: STANDARD.encode(signing.sign(payload.as_bytes()).to_bytes()),
        })
        .unwrap()
    }

    #[test]
    fn an_edited_cached_file_unlocks_nothing_and_is_set_aside() {
        let dir = tempfile::tempdir().unwrap();
        let signing = SigningKey::from_bytes(&[5u8; 32]);
        let key =
            CatalogKey::from_base64(&STANDARD.encode(signing.verifying_key().as_bytes())).unwrap();
        let doc = r#"{"format":"pillarbox-entitlements","account":"a1","issued":"2026-01-01T00:00:00Z","expires":"2099-01-01T00:00:00Z","coins":3,"episodes":{"s":[9]}}"#;
        let path = dir.path().join(ENTITLEMENTS_FILE);
        std::fs::write(&path, envelope(&signing, doc)).unwrap();
        let cached = cached_entitlements(dir.path(), &key, Some("a1")).expect("a good file");
        assert_eq!(cached.coins, 3);
        // Another account's file (copied from another box) is refused.
        assert!(cached_entitlements(dir.path(), &key, Some("a2")).is_none());
        std::fs::write(&path, envelope(&signing, doc)).unwrap();

        // Unlocking more by editing the payload breaks the signature.
        let text = std::fs::read_to_string(&path).unwrap();
        let env: SignedEntitlements = serde_json::from_str(&text).unwrap();
        let edited = String::from_utf8(STANDARD.decode(&env.entitlements).unwrap())
            .unwrap()
            .replace("[9]", "[9,10,11]");
        let forged = SignedEntitlements {
            entitlements: STANDARD.encode(edited),
            signature: env.signature,
        };
        std::fs::write(&path, serde_json::to_vec(&forged).unwrap()).unwrap();
        assert!(cached_entitlements(dir.path(), &key, Some("a1")).is_none());
        assert!(!path.exists());
        assert!(dir.path().join(format!("{ENTITLEMENTS_FILE}.bad")).exists());

        // An expired one is not used (and kept: the server may renew it).
        let old = doc.replace("2099", "2001");
        std::fs::write(&path, envelope(&signing, &old)).unwrap();
        assert!(cached_entitlements(dir.path(), &key, None).is_none());
        assert!(path.exists());
    }
}
