//! The client of a partner's unlock API, over the process's one network
//! stack. Every answer is checked and bounded before use; docs/unlock.md
//! is the contract.

use serde::Deserialize;
use url::Url;

use super::entitlements::{MAX_ENVELOPE_BYTES, SignedEntitlements};
use crate::net::{ApiCall, ApiReply, FetchStats, Net, NetError};

/// Answers other than entitlements are small JSON objects.
const MAX_REPLY_BYTES: usize = 64 << 10;
/// The client id a box sends (RFC 8628 §3.1).
pub const CLIENT_ID: &str = "pillarbox";
const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Bounds on what a server may ask of the box.
const MAX_CODE: usize = 512;
const MAX_USER_CODE: usize = 16;
const MAX_URI: usize = 512;
pub const MIN_INTERVAL_S: u64 = 1;
pub const MAX_INTERVAL_S: u64 = 60;
const MAX_EXPIRES_S: u64 = 3_600;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UnlockError {
    #[error("unlock API {url} is not a usable URL: {reason}")]
    BadApi { url: String, reason: String },
    #[error(transparent)]
    Network(#[from] NetError),
    #[error("{what}: the server refused this box's token (HTTP 401): pair again")]
    SignedOut { what: String },
    #[error("{what}: this account does not own the episode (HTTP 403)")]
    NotEntitled { what: String },
    #[error("{what}: no such episode (HTTP 404)")]
    NotFound { what: String },
    #[error("{what}: {balance} coins, the price is {price}")]
    NotEnoughCoins {
        what: String,
        balance: u64,
        price: u64,
    },
    #[error("{what}: HTTP {status}: {error}")]
    Refused {
        what: String,
        status: u16,
        error: String,
    },
    #[error("{what}: malformed answer: {reason}")]
    Malformed { what: String, reason: String },
    #[error(transparent)]
    Entitlements(#[from] super::EntitlementError),
}

/// RFC 8628 §3.2, checked and bounded.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: Url,
    pub verification_uri_complete: Option<Url>,
    pub expires_in_s: u64,
    pub interval_s: u64,
}

/// One poll of the token endpoint (RFC 8628 §3.5).
#[derive(Debug, Clone, PartialEq)]
pub enum TokenPoll {
    Granted(String),
    /// Not yet: ask again after the interval.
    Pending,
    /// Ask again, 5 s more slowly from now on.
    SlowDown,
    Expired,
    Denied,
}

#[derive(Deserialize)]
struct DeviceCodeReply {
    device_code: String,
    user_code: String,
    verification_uri: String,
    verification_uri_complete: Option<String>,
    expires_in: u64,
    interval: Option<u64>,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    token_type: String,
}

#[derive(Deserialize, Default)]
pub(super) struct ErrorReply {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    balance: Option<u64>,
}

pub struct UnlockClient {
    pub(super) net: Net,
    base: Url,
    stats: FetchStats,
    /// The latest `Date` a server answer carried (the time floor).
    latest_date: std::sync::Mutex<Option<chrono::DateTime<chrono::Utc>>>,
}

impl UnlockClient {
    /// A client of the API at `base` (its URL ends with '/': endpoint names
    /// are joined to it).
    pub fn new(net: Net, base: &str) -> Result<UnlockClient, UnlockError> {
        let bad = |reason: String| UnlockError::BadApi {
            url: base.into(),
            reason,
        };
        let mut url = net.policy().parse(base).map_err(|e| bad(e.to_string()))?;
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Ok(UnlockClient {
            net,
            base: url,
            stats: FetchStats::default(),
            latest_date: std::sync::Mutex::new(None),
        })
    }

    /// The API's base URL (ends with '/').
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The latest server `Date` seen, taken (a time that has passed).
    pub fn take_date(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        self.latest_date.lock().ok()?.take()
    }

    fn endpoint(&self, name: &str) -> Result<Url, UnlockError> {
        self.base.join(name).map_err(|e| UnlockError::BadApi {
            url: self.base.to_string(),
            reason: e.to_string(),
        })
    }

    pub(super) async fn call(
        &self,
        what: &str,
        name: &str,
        body: Body<'_>,
        bearer: Option<&str>,
        headers: &[(&'static str, String)],
        max_bytes: usize,
    ) -> Result<ApiReply, UnlockError> {
        let url = self.endpoint(name)?;
        let (form, json) = match body {
            Body::None => (None, None),
            Body::Form(f) => (Some(f), None),
            Body::Json(j) => (None, Some(j)),
        };
        let call = ApiCall {
            url: &url,
            form,
            json,
            bearer,
            headers,
            max_bytes,
        };
        let reply = self.net.fetcher().call(what, &call, &self.stats).await?;
        if let Some(date) = reply.date
            && let Ok(mut latest) = self.latest_date.lock()
            && latest.is_none_or(|l| l < date)
        {
            *latest = Some(date);
        }
        Ok(reply)
    }

    /// Starts pairing (RFC 8628 §3.1), naming the episode the viewer wants
    /// and this box's device id.
    pub async fn device_code(
        &self,
        series: &str,
        episode: u32,
        device: &str,
    ) -> Result<DeviceAuthorization, UnlockError> {
        const WHAT: &str = "device authorization";
        let episode = episode.to_string();
        let form = [
            ("client_id", CLIENT_ID),
            ("series", series),
            ("episode", &episode),
            ("device", device),
        ];
        let reply = self
            .call(
                WHAT,
                "device/code",
                Body::Form(&form),
                None,
                &[],
                MAX_REPLY_BYTES,
            )
            .await?;
        let r: DeviceCodeReply = success(WHAT, &reply)?;
        let malformed = |reason: String| UnlockError::Malformed {
            what: WHAT.into(),
            reason,
        };
        if r.device_code.is_empty() || r.device_code.len() > MAX_CODE {
            return Err(malformed("device_code empty or over 512 bytes".into()));
        }
        let user_code_ok = !r.user_code.is_empty()
            && r.user_code.len() <= MAX_USER_CODE
            && r.user_code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if !user_code_ok {
            return Err(malformed(format!(
                "user_code {:?}: 1 to 16 of A-Z, 0-9 and '-' expected",
                r.user_code.chars().take(20).collect::<String>()
            )));
        }
        let uri = |field: &str, text: &str| -> Result<Url, UnlockError> {
            if text.len() > MAX_URI {
                return Err(malformed(format!("{field} over {MAX_URI} bytes")));
            }
            // Shown to a viewer, opened on a phone: https (http only where
            // the URL policy allows it: loopback, a LAN catalog), and on
            // the API's own site, so that a catalog or answer cannot send
            // the viewer to someone else's page.
            let url = self
                .net
                .policy()
                .parse(text)
                .map_err(|e| malformed(format!("{field}: {e}")))?;
            if site(&url) != site(&self.base) {
                return Err(malformed(format!(
                    "{field} is on {}, not on the API's site {}",
                    site(&url).unwrap_or_default(),
                    site(&self.base).unwrap_or_default()
                )));
            }
            Ok(url)
        };
        let verification_uri = uri("verification_uri", &r.verification_uri)?;
        let verification_uri_complete = r
            .verification_uri_complete
            .as_deref()
            .map(|t| uri("verification_uri_complete", t))
            .transpose()?;
        if r.expires_in == 0 {
            return Err(malformed("expires_in is 0".into()));
        }
        Ok(DeviceAuthorization {
            device_code: r.device_code,
            user_code: r.user_code,
            verification_uri,
            verification_uri_complete,
            expires_in_s: r.expires_in.min(MAX_EXPIRES_S),
            // RFC 8628 §3.2: 5 s when the server names no interval.
            interval_s: r
                .interval
                .unwrap_or(5)
                .clamp(MIN_INTERVAL_S, MAX_INTERVAL_S),
        })
    }

    /// One poll for the token (RFC 8628 §3.4, §3.5).
    pub async fn poll_token(&self, device_code: &str) -> Result<TokenPoll, UnlockError> {
        const WHAT: &str = "device token";
        let form = [
            ("grant_type", GRANT_TYPE),
            ("device_code", device_code),
            ("client_id", CLIENT_ID),
        ];
        let reply = self
            .call(WHAT, "token", Body::Form(&form), None, &[], MAX_REPLY_BYTES)
            .await?;
        if reply.status == 200 {
            let t: TokenReply = parse(WHAT, &reply)?;
            if !t.token_type.eq_ignore_ascii_case("bearer") {
                return Err(UnlockError::Malformed {
                    what: WHAT.into(),
                    reason: format!("token_type {:?}, expected Bearer", t.token_type),
                });
            }
            let printable = t.access_token.chars().all(|c| c.is_ascii_graphic());
            if t.access_token.is_empty() || t.access_token.len() > 4096 || !printable {
                return Err(UnlockError::Malformed {
                    what: WHAT.into(),
                    reason: "access_token empty, over 4096 bytes or not printable".into(),
                });
            }
            return Ok(TokenPoll::Granted(t.access_token));
        }
        let e = error_reply(&reply);
        Ok(match e.error.as_str() {
            "authorization_pending" => TokenPoll::Pending,
            "slow_down" => TokenPoll::SlowDown,
            "expired_token" => TokenPoll::Expired,
            "access_denied" => TokenPoll::Denied,
            _ => return Err(refused(WHAT, &reply, e)),
        })
    }

    /// The account's entitlements for this device, signed (checked by the
    /// caller, who holds the key).
    pub async fn entitlements(
        &self,
        token: &str,
        device: &str,
    ) -> Result<SignedEntitlements, UnlockError> {
        const WHAT: &str = "entitlements";
        let name = format!("entitlements?device={}", encode(device));
        let reply = self
            .call(
                WHAT,
                &name,
                Body::None,
                Some(token),
                &[],
                MAX_ENVELOPE_BYTES,
            )
            .await?;
        envelope(WHAT, &reply)
    }

    /// Spends coins on an episode as `attempt` says; its key is the same
    /// for every sending of it: the server charges once.
    pub async fn purchase(
        &self,
        token: &str,
        attempt: &PurchaseAttempt,
        device: &str,
    ) -> Result<SignedEntitlements, UnlockError> {
        const WHAT: &str = "purchase";
        let price = attempt.price;
        let (episode, price_text) = (attempt.episode.to_string(), price.to_string());
        let form = [
            ("series", attempt.series.as_str()),
            ("episode", episode.as_str()),
            ("price", price_text.as_str()),
            ("device", device),
        ];
        let headers = [("Idempotency-Key", attempt.key.clone())];
        let reply = self
            .call(
                WHAT,
                "purchase",
                Body::Form(&form),
                Some(token),
                &headers,
                MAX_ENVELOPE_BYTES,
            )
            .await?;
        if reply.status == 402 {
            let e = error_reply(&reply);
            return Err(UnlockError::NotEnoughCoins {
                what: WHAT.into(),
                balance: e.balance.unwrap_or(0),
                price,
            });
        }
        envelope(WHAT, &reply)
    }
}

/// One purchase the viewer confirmed: what, at which price, and the
/// idempotency key every sending of it carries (a retry after a timeout,
/// a resend after a crash), until a final answer (docs/unlock.md).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PurchaseAttempt {
    pub series: String,
    pub episode: u32,
    pub price: u64,
    pub key: String,
}

impl PurchaseAttempt {
    /// A new attempt: a fresh random key.
    pub fn new(series: &str, episode: u32, price: u64) -> PurchaseAttempt {
        PurchaseAttempt {
            series: series.into(),
            episode,
            price,
            key: random_hex(16),
        }
    }
}

pub use crate::store::random_hex;

/// What a request sends.
#[derive(Debug, Clone, Copy)]
pub(super) enum Body<'a> {
    None,
    Form(&'a [(&'a str, &'a str)]),
    Json(&'a [u8]),
}

/// `text` percent-encoded for a query value.
pub(super) fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// Where the public suffix list is (Debian's package `publicsuffix`).
const SUFFIX_LIST: &str = "/usr/share/publicsuffix/public_suffix_list.dat";

/// The public suffix list, read once. Without it (missing, too large,
/// unreadable) every host is a site of its own: stricter, never looser.
fn suffixes() -> Option<&'static publicsuffix::List> {
    static LIST: std::sync::OnceLock<Option<publicsuffix::List>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        let read = crate::store::read_bounded(std::path::Path::new(SUFFIX_LIST), 4 << 20)
            .map_err(|e| e.to_string())
            .and_then(|b| String::from_utf8(b).map_err(|e| e.to_string()))
            .and_then(|t| t.parse::<publicsuffix::List>().map_err(|e| e.to_string()));
        match read {
            Ok(list) => Some(list),
            Err(e) => {
                tracing::warn!(path = SUFFIX_LIST, error = %e, "no public suffix list: each host is its own site");
                None
            }
        }
    })
    .as_ref()
}

/// The site of `url`: its registrable domain (`tv.partner.example` is on
/// `partner.example`), or its address when it is an IP.
pub fn site(url: &Url) -> Option<String> {
    use publicsuffix::Psl;
    match url.host()? {
        url::Host::Domain(d) => {
            let d = d.to_ascii_lowercase();
            let domain = suffixes()
                .and_then(|l| l.domain(d.as_bytes()))
                .and_then(|dom| std::str::from_utf8(dom.as_bytes()).ok().map(str::to_owned));
            Some(domain.unwrap_or(d))
        }
        url::Host::Ipv4(ip) => Some(ip.to_string()),
        url::Host::Ipv6(ip) => Some(ip.to_string()),
    }
}

pub(super) fn parse<'a, T: Deserialize<'a>>(
    what: &str,
    reply: &'a ApiReply,
) -> Result<T, UnlockError> {
    serde_json::from_slice(&reply.body).map_err(|e| UnlockError::Malformed {
        what: what.into(),
        reason: e.to_string(),
    })
}

pub(super) fn error_reply(reply: &ApiReply) -> ErrorReply {
    serde_json::from_slice(&reply.body).unwrap_or_default()
}

pub(super) fn refused(what: &str, reply: &ApiReply, e: ErrorReply) -> UnlockError {
    match reply.status {
        401 => return UnlockError::SignedOut { what: what.into() },
        403 => return UnlockError::NotEntitled { what: what.into() },
        404 => return UnlockError::NotFound { what: what.into() },
        _ => {}
    }
    refused_as_said(what, reply, e)
}

/// A refusal with its status and the server's error code, whatever the
/// status (the log says what the server said).
pub(super) fn refused_as_said(what: &str, reply: &ApiReply, e: ErrorReply) -> UnlockError {
    if reply.status == 401 {
        return UnlockError::SignedOut { what: what.into() };
    }
    let mut error: String = e.error.chars().take(80).collect();
    if let Some(d) = e.error_description {
        error = format!("{error} ({})", d.chars().take(200).collect::<String>());
    }
    if error.is_empty() {
        error = "no error code".into();
    }
    UnlockError::Refused {
        what: what.into(),
        status: reply.status,
        error,
    }
}

fn success<'a, T: Deserialize<'a>>(what: &str, reply: &'a ApiReply) -> Result<T, UnlockError> {
    if reply.status != 200 {
        return Err(refused(what, reply, error_reply(reply)));
    }
    parse(what, reply)
}

fn envelope(what: &str, reply: &ApiReply) -> Result<SignedEntitlements, UnlockError> {
    if reply.status != 200 {
        return Err(refused(what, reply, error_reply(reply)));
    }
    Ok(SignedEntitlements::parse(&reply.body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_confirmed_attempt_has_a_key_of_its_own() {
        let a = PurchaseAttempt::new("ceo", 9, 49);
        let b = PurchaseAttempt::new("ceo", 9, 49);
        assert_ne!(a.key, b.key);
        assert_eq!(a.key.len(), 32);
    }

    #[test]
    fn sites_are_registrable_domains() {
        let site = |u: &str| site(&Url::parse(u).unwrap());
        assert_eq!(
            site("https://tv.partner.example/a").as_deref(),
            Some("partner.example")
        );
        assert_eq!(
            site("https://partner.example/").as_deref(),
            Some("partner.example")
        );
        assert_eq!(site("https://a.b.co.uk/").as_deref(), Some("b.co.uk"));
        assert_ne!(
            site("https://partner.example.evil.com/"),
            site("https://partner.example/")
        );
        assert_eq!(site("http://127.0.0.1:8080/").as_deref(), Some("127.0.0.1"));
    }
}
