//! The demo partner's side of the unlock API (docs/unlock.md), served by
//! the demo server: pairing (RFC 8628), a verification page where a phone,
//! or a browser on the same machine, approves a purchase or adds coins,
//! coin purchases with idempotency keys, and entitlements signed with the
//! demo key. One demo account, in memory: it starts with
//! [`STARTING_COINS`] coins each time the demo starts.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signer, SigningKey};
use serde::Deserialize;
use serde_json::json;
use url::Url;

mod reward;

use super::catalog as demo_catalog;
use super::keys::DEMO_SEED;
pub use super::keys::{API_PATH, public_key};
use crate::unlock::entitlements::{Entitlements, FORMAT, SignedEntitlements};
pub use crate::unlock::progress::ProgressItem;

/// The verification page.
pub const PAGE_PATH: &str = "activate";
/// The demo viewer's coins when the demo starts.
pub const STARTING_COINS: u64 = 120;
/// Coins the page's "Add coins" button adds.
pub const COINS_PACK: u64 = 100;
const ACCOUNT: &str = "demo-viewer";
/// Seconds between polls the box is asked to keep (short: a demo).
const INTERVAL_S: u64 = 2;
const CODE_LIFETIME: Duration = Duration::from_secs(600);
const ENTITLEMENTS_DAYS: i64 = 7;
/// Letters without vowels or look-alikes (RFC 8628 section 6.1).
const USER_CODE_ALPHABET: &[u8] = b"BCDFGHJKLMNPQRSTVWXZ";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Approval {
    Pending,
    Approved,
    Denied,
}

struct DeviceRequest {
    /// The box's device id, as it sent it.
    device: String,
    user_code: String,
    series: String,
    episode: u32,
    expires: Instant,
    approval: Approval,
    last_poll: Option<Instant>,
}

#[derive(Default)]
struct Account {
    coins: u64,
    series: BTreeSet<String>,
    episodes: BTreeMap<String, BTreeSet<u32>>,
}

impl Account {
    fn owns(&self, series: &str, episode: u32) -> bool {
        self.series.contains(series)
            || self
                .episodes
                .get(series)
                .is_some_and(|e| e.contains(&episode))
    }

    /// Spends `price` on an episode, once: owning it already costs nothing.
    /// Err: the balance, too low.
    fn buy(&mut self, series: &str, episode: u32, price: u64) -> Result<(), u64> {
        if self.owns(series, episode) {
            return Ok(());
        }
        if self.coins < price {
            return Err(self.coins);
        }
        self.coins -= price;
        self.episodes
            .entry(series.to_owned())
            .or_default()
            .insert(episode);
        Ok(())
    }
}

/// A playback grant handed out: its key token opens the episode's key
/// while the grant lasts and the account owns the episode.
struct GrantRecord {
    series: String,
    episode: u32,
    /// The box token it was granted to (revoking it ends the grant); empty
    /// for a device's reward.
    token: String,
    /// The device it was granted to.
    device: String,
    expires: Instant,
}

#[derive(Default)]
struct Ledger {
    account: Account,
    /// device_code → request.
    devices: HashMap<String, DeviceRequest>,
    /// Token → the device it was issued to.
    tokens: HashMap<String, String>,
    /// Idempotency key → the answer given: a repeat gets it again.
    purchases: HashMap<String, (StatusCode, String)>,
    /// Key token → grant.
    grants: HashMap<String, GrantRecord>,
    /// The account's progress, by series (the latest episode's).
    progress: BTreeMap<String, ProgressItem>,
    /// What unpaired devices earned with rewarded ads.
    rewards: reward::Rewards,
}

/// Grants outstanding at most (the demo's memory is bounded too).
const MAX_GRANTS: usize = 10_000;
/// How long the box may keep an episode the account bought.
const KEEP_FOR: Duration = Duration::from_secs(7 * 86_400);
/// Progress items kept, and accepted in one report.
const MAX_PROGRESS: usize = 1_000;

/// The partner's state; clone freely.
#[derive(Clone)]
pub struct Partner {
    ledger: Arc<Mutex<Ledger>>,
    base: Url,
    key: Arc<SigningKey>,
    /// How long playback grants last.
    grant_seconds: u64,
}

/// How long the demo's grants (and the signed URLs in them) last, unless
/// told otherwise: a few minutes, refreshed by the box as it plays.
pub const GRANT_SECONDS: u64 = 300;

#[derive(Deserialize)]
struct DeviceCodeForm {
    client_id: String,
    series: String,
    episode: u32,
    device: String,
}

#[derive(Deserialize)]
struct PlaybackForm {
    series: String,
    episode: u32,
    device: String,
}

#[derive(Deserialize)]
struct DeviceQuery {
    device: Option<String>,
}

#[derive(Deserialize)]
struct ProgressReport {
    device: String,
    items: Vec<ProgressItem>,
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    device_code: String,
}

#[derive(Deserialize)]
struct PurchaseForm {
    series: String,
    episode: u32,
    price: u64,
    device: String,
}

#[derive(Deserialize)]
struct PageQuery {
    user_code: Option<String>,
}

#[derive(Deserialize)]
struct PageForm {
    user_code: String,
    action: String,
}

fn oauth_error(status: StatusCode, error: &str) -> Response {
    (status, axum::Json(json!({ "error": error }))).into_response()
}

impl Partner {
    /// The demo partner of the demo server at `base`.
    pub fn new(base: &Url) -> Partner {
        Partner::with_grants(base, GRANT_SECONDS)
    }

    /// The demo partner, its grants lasting `grant_seconds`.
    pub fn with_grants(base: &Url, grant_seconds: u64) -> Partner {
        Partner {
            grant_seconds,
            ledger: Arc::new(Mutex::new(Ledger {
                account: Account {
                    coins: STARTING_COINS,
                    ..Default::default()
                },
                ..Default::default()
            })),
            base: base.clone(),
            key: Arc::new(SigningKey::from_bytes(&DEMO_SEED)),
        }
    }

    /// The API's routes (under [`API_PATH`]) and the page (at [`PAGE_PATH`]).
    pub fn router(&self) -> axum::Router {
        let api = format!("/{API_PATH}");
        axum::Router::new()
            .route(&format!("{api}device/code"), post(device_code))
            .route(&format!("{api}token"), post(token))
            .route(&format!("{api}entitlements"), get(entitlements))
            .route(&format!("{api}purchase"), post(purchase))
            .route(&format!("{api}playback"), post(playback))
            .route(&format!("{api}reward"), post(reward::reward))
            .route(&format!("{api}key/{{series}}/{{episode}}"), get(key))
            .route(
                &format!("{api}progress"),
                get(get_progress).post(post_progress),
            )
            .route(&format!("/{PAGE_PATH}"), get(page).post(page_action))
            .with_state(self.clone())
    }

    /// Tests: the demo account's coins now.
    pub fn coins(&self) -> u64 {
        self.lock().account.coins
    }

    /// Tests: coins added to the account, as the page's "Add coins" does.
    pub fn add_coins(&self, coins: u64) {
        self.lock().account.coins += coins;
    }

    /// Tests: forgets every token, as a partner revoking this box would.
    pub fn revoke_tokens(&self) {
        self.lock().tokens.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        // A panicked handler leaves the ledger as it was at the panic: usable.
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn signed(&self, account: &Account, device: &str) -> SignedEntitlements {
        let now = chrono::Utc::now();
        let doc = Entitlements {
            format: FORMAT.into(),
            account: ACCOUNT.into(),
            device: device.into(),
            issued: now.to_rfc3339(),
            expires: (now + chrono::Duration::days(ENTITLEMENTS_DAYS)).to_rfc3339(),
            coins: account.coins,
            vip_until: None,
            series: account.series.clone(),
            episodes: account.episodes.clone(),
        };
        let payload = serde_json::to_vec(&doc).expect("entitlements serialise");
        SignedEntitlements {
            entitlements: STANDARD.encode(&payload),
            signature: STANDARD.encode(self.key.sign(&payload).to_bytes()),
        }
    }

    /// The request's bearer token and the device it was issued to, if the
    /// token is one this partner issued.
    fn bearer(&self, headers: &HeaderMap) -> Option<(String, String)> {
        let token = bearer_token(headers)?;
        let device = self.lock().tokens.get(token)?.clone();
        Some((token.to_owned(), device))
    }

    /// The catalog's price of an episode, or None when it is free or unknown.
    fn price(series: &str, episode: u32) -> Option<u64> {
        let s = demo_catalog::series(series)?;
        (episode > s.free && episode <= s.episodes).then_some(demo_catalog::PRICE)
    }

    fn page_url(&self, user_code: Option<&str>) -> Url {
        let mut url = self.base.join(PAGE_PATH).expect("a fixed relative path");
        if let Some(code) = user_code {
            url.query_pairs_mut().append_pair("user_code", code);
        }
        url
    }
}

fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
}

/// A device id as boxes send them: 1 to 64 letters, digits and '-'.
fn device_ok(device: &str) -> bool {
    (1..=64).contains(&device.len())
        && device
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn random_text(alphabet: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| alphabet[fastrand::usize(..alphabet.len())] as char)
        .collect()
}

/// "bcdf-ghjk", "BCDFGHJK" → "BCDF-GHJK".
fn normal_user_code(text: &str) -> String {
    let letters: String = text
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(8)
        .collect();
    if letters.len() == 8 {
        format!("{}-{}", &letters[..4], &letters[4..])
    } else {
        letters
    }
}

async fn device_code(State(p): State<Partner>, Form(f): Form<DeviceCodeForm>) -> Response {
    if f.client_id != crate::unlock::client::CLIENT_ID {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_client");
    }
    if demo_catalog::series(&f.series).is_none() || !device_ok(&f.device) {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let device_code = random_text(b"0123456789abcdef", 32);
    let user_code = normal_user_code(&random_text(USER_CODE_ALPHABET, 8));
    let mut ledger = p.lock();
    ledger.devices.retain(|_, d| d.expires > Instant::now());
    ledger.devices.insert(
        device_code.clone(),
        DeviceRequest {
            device: f.device,
            user_code: user_code.clone(),
            series: f.series,
            episode: f.episode,
            expires: Instant::now() + CODE_LIFETIME,
            approval: Approval::Pending,
            last_poll: None,
        },
    );
    axum::Json(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": p.page_url(None).to_string(),
        "verification_uri_complete": p.page_url(Some(&user_code)).to_string(),
        "expires_in": CODE_LIFETIME.as_secs(),
        "interval": INTERVAL_S,
    }))
    .into_response()
}

async fn token(State(p): State<Partner>, Form(f): Form<TokenForm>) -> Response {
    if f.grant_type != "urn:ietf:params:oauth:grant-type:device_code" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let mut ledger = p.lock();
    let Some(request) = ledger.devices.get_mut(&f.device_code) else {
        return oauth_error(StatusCode::BAD_REQUEST, "expired_token");
    };
    let now = Instant::now();
    if request.expires <= now {
        return oauth_error(StatusCode::BAD_REQUEST, "expired_token");
    }
    // Polled faster than asked (a little slack for timers): slow down.
    let too_fast = request
        .last_poll
        .is_some_and(|last| now.duration_since(last) < Duration::from_millis(INTERVAL_S * 800));
    request.last_poll = Some(now);
    match request.approval {
        Approval::Denied => oauth_error(StatusCode::BAD_REQUEST, "access_denied"),
        Approval::Pending if too_fast => oauth_error(StatusCode::BAD_REQUEST, "slow_down"),
        Approval::Pending => oauth_error(StatusCode::BAD_REQUEST, "authorization_pending"),
        Approval::Approved => {
            let device = request.device.clone();
            ledger.devices.remove(&f.device_code);
            let token = random_text(b"0123456789abcdef", 40);
            ledger.tokens.insert(token.clone(), device);
            axum::Json(json!({ "access_token": token, "token_type": "Bearer" })).into_response()
        }
    }
}

async fn entitlements(
    State(p): State<Partner>,
    headers: HeaderMap,
    Query(q): Query<DeviceQuery>,
) -> Response {
    let Some((_, device)) = p.bearer(&headers) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token");
    };
    // The token was issued to one box: another device's request is refused.
    if q.device.as_deref() != Some(device.as_str()) {
        return oauth_error(StatusCode::FORBIDDEN, "wrong_device");
    }
    let doc = p.signed(&p.lock().account, &device);
    axum::Json(doc).into_response()
}

async fn purchase(
    State(p): State<Partner>,
    headers: HeaderMap,
    Form(f): Form<PurchaseForm>,
) -> Response {
    let Some((_, device)) = p.bearer(&headers) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token");
    };
    if f.device != device {
        return oauth_error(StatusCode::FORBIDDEN, "wrong_device");
    }
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 128)
    else {
        return oauth_error(StatusCode::BAD_REQUEST, "idempotency_key_required");
    };
    let mut ledger = p.lock();
    if let Some((status, body)) = ledger.purchases.get(key) {
        return (
            *status,
            [("content-type", "application/json")],
            body.clone(),
        )
            .into_response();
    }
    let (status, body) = match Partner::price(&f.series, f.episode) {
        None => (StatusCode::BAD_REQUEST, json!({ "error": "not_for_sale" })),
        Some(price) if price != f.price => (
            StatusCode::CONFLICT,
            json!({ "error": "price_changed", "price": price }),
        ),
        Some(price) => match ledger.account.buy(&f.series, f.episode, price) {
            Ok(()) => (StatusCode::OK, json!(p.signed(&ledger.account, &device))),
            Err(balance) => (
                StatusCode::PAYMENT_REQUIRED,
                json!({ "error": "insufficient_coins", "balance": balance }),
            ),
        },
    };
    let body = body.to_string();
    ledger
        .purchases
        .insert(key.to_owned(), (status, body.clone()));
    (status, [("content-type", "application/json")], body).into_response()
}

/// `POST playback`: a grant for an episode on this device. Protected
/// episodes need a token (401), issued to this device (403), whose account
/// owns the episode (403), unless the device earned it with a rewarded
/// ad; others are granted to anyone.
async fn playback(
    State(p): State<Partner>,
    headers: HeaderMap,
    Form(f): Form<PlaybackForm>,
) -> Response {
    let Some(series) = demo_catalog::series(&f.series) else {
        return oauth_error(StatusCode::NOT_FOUND, "unknown_episode");
    };
    if !(1..=series.episodes).contains(&f.episode) {
        return oauth_error(StatusCode::NOT_FOUND, "unknown_episode");
    }
    let path = format!("/media/{}/{}/index.m3u8", f.series, f.episode);
    let mut url = p.base.join(&path[1..]).expect("a fixed relative path");
    if !super::keys::protected(&f.series, f.episode) {
        return axum::Json(json!({ "url": url.to_string(), "expires_in": 86_400 })).into_response();
    }
    let mut ledger = p.lock();
    // An episode this device earned with an ad plays without a token.
    let rewarded = ledger.rewards.owns(&f.device, &f.series, f.episode);
    let token = match bearer_token(&headers) {
        None if rewarded => String::new(),
        None => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token"),
        Some(t) => t.to_owned(),
    };
    if !token.is_empty() {
        match ledger.tokens.get(&token) {
            None => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token"),
            Some(device) if *device != f.device => {
                return oauth_error(StatusCode::FORBIDDEN, "wrong_device");
            }
            Some(_) => {}
        }
    }
    if !rewarded && !ledger.account.owns(&f.series, f.episode) {
        return oauth_error(StatusCode::FORBIDDEN, "not_entitled");
    }
    let now = Instant::now();
    ledger.grants.retain(|_, g| g.expires > now);
    if ledger.grants.len() >= MAX_GRANTS {
        return oauth_error(StatusCode::SERVICE_UNAVAILABLE, "too_many_grants");
    }
    let exp = unix_now() + p.grant_seconds;
    url.set_query(Some(&super::protect::signed_query(&path, exp)));
    let key_token = random_text(b"0123456789abcdef", 40);
    ledger.grants.insert(
        key_token.clone(),
        GrantRecord {
            series: f.series.clone(),
            episode: f.episode,
            token,
            device: f.device.clone(),
            expires: now + Duration::from_secs(p.grant_seconds),
        },
    );
    let mut grant = json!({
        "url": url.to_string(),
        "key_url": p.key_url(&f.series, f.episode).to_string(),
        "key_headers": { "Authorization": format!("Bearer {key_token}") },
        "expires_in": p.grant_seconds,
    });
    // An episode the account bought may be kept on the box for a week; one
    // a rewarded ad unlocked plays online only.
    if !rewarded || ledger.account.owns(&f.series, f.episode) {
        grant["keep_for"] = json!(KEEP_FOR.as_secs());
    }
    axum::Json(grant).into_response()
}

/// Seconds since 1970, now.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Partner {
    /// Where the key of a protected episode is served.
    pub fn key_url(&self, series: &str, episode: u32) -> Url {
        self.base
            .join(&format!("{API_PATH}key/{series}/{episode}"))
            .expect("a fixed relative path")
    }
}

/// `GET key/SERIES/N`: the episode's AES-128 key, for a grant's key token
/// that has not expired, whose box token is still valid and whose account
/// owns the episode now (or whose device earned it with an ad).
async fn key(
    State(p): State<Partner>,
    headers: HeaderMap,
    axum::extract::Path((series, episode)): axum::extract::Path<(String, u32)>,
) -> Response {
    let Some(token) = bearer_token(&headers) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token");
    };
    let ledger = p.lock();
    let allowed = ledger.grants.get(token).is_some_and(|g| {
        g.series == series
            && g.episode == episode
            && g.expires > Instant::now()
            && ((ledger.tokens.contains_key(&g.token) && ledger.account.owns(&series, episode))
                || ledger.rewards.owns(&g.device, &series, episode))
    });
    if !allowed {
        return oauth_error(StatusCode::FORBIDDEN, "not_entitled");
    }
    (
        [
            ("content-type", "application/octet-stream"),
            ("cache-control", "no-store"),
        ],
        super::protect::episode_key(&series, episode).to_vec(),
    )
        .into_response()
}

/// `POST progress`: a box's batch of progress (JSON), merged by time.
async fn post_progress(
    State(p): State<Partner>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some((_, device)) = p.bearer(&headers) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token");
    };
    let report: ProgressReport = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => return oauth_error(StatusCode::BAD_REQUEST, "invalid_request"),
    };
    if report.device != device || report.items.len() > MAX_PROGRESS {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let mut ledger = p.lock();
    for item in report.items {
        let newer = ledger
            .progress
            .get(&item.series)
            .is_none_or(|held| held.at < item.at);
        if newer && ledger.progress.len() < MAX_PROGRESS {
            ledger.progress.insert(item.series.clone(), item);
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `GET progress`: the account's progress, from every device.
async fn get_progress(State(p): State<Partner>, headers: HeaderMap) -> Response {
    if p.bearer(&headers).is_none() {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token");
    }
    let items: Vec<ProgressItem> = p.lock().progress.values().cloned().collect();
    axum::Json(json!({ "items": items })).into_response()
}

impl Partner {
    /// Tests and the demo page: the account's progress as a phone would
    /// report it.
    pub fn record_progress(&self, item: ProgressItem) {
        self.lock().progress.insert(item.series.clone(), item);
    }
}

/// HTML text: `<`, `>`, `&` and quotes escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn html_page(body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Drama Shorts: unlock on your phone</title><style>\
         body{{font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em;font-size:1.2em}}\
         button,input{{font-size:1.1em;padding:.6em 1em;margin:.3em 0;width:100%}}\
         .balance{{font-weight:bold}}</style></head><body>\
         <h1>Drama Shorts</h1>{body}</body></html>"
    ))
}

fn code_form(message: &str) -> Html<String> {
    html_page(&format!(
        "<p>{}</p><form method=\"get\"><label>Code shown on your TV \
         <input name=\"user_code\" autocomplete=\"off\" autocapitalize=\"characters\"></label>\
         <button id=\"continue\">Continue</button></form>",
        escape(message)
    ))
}

/// The page for a code: what the TV asks for, the balance, the choices.
fn request_page(ledger: &Ledger, user_code: &str, note: &str) -> Html<String> {
    let Some(request) = ledger
        .devices
        .values()
        .find(|d| d.user_code == user_code && d.expires > Instant::now())
    else {
        return code_form("That code is unknown or has expired: check the code on your TV.");
    };
    let title = demo_catalog::series(&request.series).map_or("", |s| s.title);
    let price = Partner::price(&request.series, request.episode);
    let owned = ledger.account.owns(&request.series, request.episode);
    let done = match request.approval {
        Approval::Approved => "<p id=\"done\">Done. Your TV carries on by itself.</p>",
        Approval::Denied => "<p id=\"done\">Refused. You can close this page.</p>",
        Approval::Pending => "",
    };
    let buy = match (price, owned, request.approval) {
        (_, _, Approval::Approved | Approval::Denied) => String::new(),
        (Some(price), false, _) if ledger.account.coins >= price => format!(
            "<button id=\"buy\" name=\"action\" value=\"buy\">Unlock for {price} coins</button>"
        ),
        (Some(price), false, _) => {
            format!("<p>Unlocking costs {price} coins: add coins first.</p>")
        }
        _ => "<button id=\"approve\" name=\"action\" value=\"approve\">Watch on the TV</button>"
            .into(),
    };
    let pending = request.approval == Approval::Pending;
    let more = if pending {
        format!(
            "<button id=\"add-coins\" name=\"action\" value=\"coins\">Add {COINS_PACK} coins</button>\
             <button id=\"deny\" name=\"action\" value=\"deny\">Not me: refuse</button>"
        )
    } else {
        String::new()
    };
    let note = if note.is_empty() {
        String::new()
    } else {
        format!("<p id=\"note\">{}</p>", escape(note))
    };
    html_page(&format!(
        "<p>Your TV asks to unlock <b id=\"title\">{}</b>, episode {}.</p>\
         <p>Balance: <span class=\"balance\" id=\"balance\">{} coins</span></p>{}{}\
         <form method=\"post\"><input type=\"hidden\" name=\"user_code\" value=\"{}\">{}{}</form>",
        escape(title),
        request.episode,
        ledger.account.coins,
        note,
        done,
        escape(user_code),
        buy,
        more
    ))
}

async fn page(State(p): State<Partner>, Query(q): Query<PageQuery>) -> Html<String> {
    match q.user_code.as_deref().map(normal_user_code) {
        Some(code) if !code.is_empty() => request_page(&p.lock(), &code, ""),
        _ => code_form("Type the code your TV shows."),
    }
}

async fn page_action(State(p): State<Partner>, Form(f): Form<PageForm>) -> Html<String> {
    let code = normal_user_code(&f.user_code);
    let mut ledger = p.lock();
    let ledger = &mut *ledger;
    let Some(request) = ledger
        .devices
        .values_mut()
        .find(|d| d.user_code == code && d.expires > Instant::now())
    else {
        return code_form("That code is unknown or has expired: check the code on your TV.");
    };
    if request.approval != Approval::Pending {
        return request_page(ledger, &code, "");
    }
    let note = match f.action.as_str() {
        "buy" => match Partner::price(&request.series, request.episode) {
            Some(price) => match ledger.account.buy(&request.series, request.episode, price) {
                Ok(()) => {
                    request.approval = Approval::Approved;
                    ""
                }
                Err(_) => "Not enough coins.",
            },
            None => {
                request.approval = Approval::Approved;
                ""
            }
        },
        "approve" => {
            request.approval = Approval::Approved;
            ""
        }
        "coins" => {
            ledger.account.coins += COINS_PACK;
            ""
        }
        "deny" => {
            request.approval = Approval::Denied;
            ""
        }
        _ => "Unknown choice.",
    };
    request_page(ledger, &code, note)
}

#[cfg(test)]
mod tests;
