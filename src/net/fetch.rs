//! Our own HTTP(S) fetcher for playlists, segments and byte ranges:
//! reqwest + rustls, the URL policy on every request and redirect, size
//! caps, stall detection between body chunks, retries with backoff and jitter.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, RANGE};
use url::Url;

use super::cmcd::{CmcdData, CmcdMode};
use super::config::{Limits, NetConfig, NetError};
use super::headers::RequestHeaders;
use super::link::{BodyReading, LinkMeter};
use super::policy::UrlPolicy;
use super::ranges::{RangeProblem, check_range, content_range};

mod open;
mod to_file;
pub use open::{Body, Opened};
pub use to_file::{Downloaded, remove_part};

/// The most of a collector's answer read (its status is what counts).
const REPORT_REPLY_BYTES: usize = 16 << 10;

/// Per-episode network counters.
#[derive(Debug, Default)]
pub struct FetchStats {
    pub requests: AtomicU64,
    pub retries: AtomicU64,
    pub bytes: AtomicU64,
}

/// HTTP validators of a copy held: sent back to ask whether it changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    /// Those a response carries.
    fn of(resp: &reqwest::Response) -> Validators {
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        }
    }
}

/// The answer to a conditional GET.
pub enum Fetched {
    NotModified,
    Body {
        bytes: Bytes,
        validators: Validators,
    },
}

#[derive(Debug)]
enum Attempt {
    Status(StatusCode),
    Failed(String),
    TooLarge,
    Refused(String),
    RangeIgnored,
    /// A 206 whose Content-Range or length is not what was asked.
    BadRange(String),
    /// The peer's certificate was refused: retrying cannot help.
    Tls(String),
    /// No connection could be made (refused, unreachable, no name, timed
    /// out): the network is down, or the server.
    Unreachable(String),
    /// A file being downloaded could not be written: (path, cause).
    Disk(String, String),
}

impl Attempt {
    /// The resource is not there (404, 410).
    fn missing(&self) -> bool {
        matches!(self, Attempt::Status(s) if matches!(s.as_u16(), 404 | 410))
    }

    fn retryable(&self) -> bool {
        match self {
            Attempt::Status(s) => {
                s.is_server_error() || matches!(s.as_u16(), 404 | 408 | 425 | 429)
            }
            Attempt::Failed(_) | Attempt::Unreachable(_) => true,
            Attempt::TooLarge
            | Attempt::Refused(_)
            | Attempt::RangeIgnored
            | Attempt::BadRange(_)
            | Attempt::Disk(..)
            | Attempt::Tls(_) => false,
        }
    }
}

/// A media request (playlist, segment, init section, key): what it is, for
/// messages, where, which bytes, and what it carries.
#[derive(Debug, Clone, Copy)]
pub struct MediaGet<'a> {
    pub what: &'a str,
    pub url: &'a Url,
    pub range: Option<(u64, u64)>,
    pub max_bytes: usize,
    pub cmcd: Option<&'a CmcdData>,
    pub headers: &'a RequestHeaders,
    /// A 404 or 410 is final, not retried (an ad's media: the break moves on).
    pub missing_is_final: bool,
}

static NO_HEADERS: RequestHeaders = RequestHeaders::EMPTY;

/// A request to a partner API: a GET, or a POST of form fields.
#[derive(Debug, Clone, Copy)]
pub struct ApiCall<'a> {
    pub url: &'a Url,
    pub form: Option<&'a [(&'a str, &'a str)]>,
    /// A JSON body to POST (when there is no form).
    pub json: Option<&'a [u8]>,
    pub bearer: Option<&'a str>,
    pub headers: &'a [(&'static str, String)],
    pub max_bytes: usize,
}

/// An API's answer: any status but 429 and 5xx (those are retried, then
/// an error).
#[derive(Debug, Clone)]
pub struct ApiReply {
    pub status: u16,
    pub body: Bytes,
    /// The server's `Date` header, when it sent a valid one: a time the
    /// box knows has passed (its own clock may be behind).
    pub date: Option<chrono::DateTime<chrono::Utc>>,
}

pub struct Fetcher {
    client: reqwest::Client,
    config: NetConfig,
    /// Body bytes received over every request so far (the data a metered
    /// connection counts, headers aside), the time spent receiving them,
    /// and media servers' time to first byte.
    link: Arc<LinkMeter>,
}

impl Fetcher {
    /// Body bytes received so far, over every request.
    pub fn bytes_received(&self) -> u64 {
        self.link.received()
    }

    /// What the link carried, for throughput estimates.
    pub fn link(&self) -> &LinkMeter {
        &self.link
    }

    pub fn new(config: NetConfig) -> Result<Fetcher, NetError> {
        let policy = config.policy;
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.limits.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("pillarbox/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(PolicyResolver { policy }))
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                let from = attempt.previous().last().cloned();
                if attempt.previous().len() >= 8 {
                    attempt.error("more than 8 redirects")
                } else if let Some(Err(e)) = from.map(|f| policy.check_redirect(&f, attempt.url()))
                {
                    attempt.error(e)
                } else {
                    attempt.follow()
                }
            }));
        if config.spki_pins.is_empty() {
            for pem in &config.extra_roots_pem {
                let cert = reqwest::Certificate::from_pem(pem).map_err(|e| {
                    NetError::Config(format!("extra CA certificate is not valid PEM: {e}"))
                })?;
                builder = builder.add_root_certificate(cert);
            }
        } else {
            builder = builder.use_preconfigured_tls(super::pinning::pinned_client_config(
                &config.spki_pins,
                &config.extra_roots_pem,
            )?);
        }
        let client = builder
            .build()
            .map_err(|e| NetError::Config(format!("HTTP client: {}", error_chain(&e))))?;
        #[cfg(feature = "qa")]
        super::counters::count_client();
        Ok(Fetcher {
            client,
            config,
            link: Arc::default(),
        })
    }

    pub fn policy(&self) -> &UrlPolicy {
        &self.config.policy
    }

    pub fn limits(&self) -> &Limits {
        &self.config.limits
    }

    /// Where `stored:` URLs are read (none configured: an error naming `url`).
    fn stored_root(&self, url: &Url) -> Result<&std::path::Path, NetError> {
        self.config
            .stored_root
            .as_deref()
            .ok_or_else(|| NetError::Stored {
                url: url.to_string(),
                cause: "no episodes are stored on this box".into(),
            })
    }

    /// Fetches a whole resource or one byte range of it, with retries.
    pub async fn get(
        &self,
        what: &str,
        url: &Url,
        range: Option<(u64, u64)>,
        max_bytes: usize,
        stats: &FetchStats,
    ) -> Result<Bytes, NetError> {
        let get = MediaGet {
            what,
            url,
            range,
            max_bytes,
            cmcd: None,
            headers: &NO_HEADERS,
            missing_is_final: false,
        };
        self.get_media(&get, stats).await
    }

    /// A media request: [`Fetcher::get`] with CMCD, as configured, and the
    /// episode's own headers.
    pub async fn get_media(
        &self,
        get: &MediaGet<'_>,
        stats: &FetchStats,
    ) -> Result<Bytes, NetError> {
        let MediaGet {
            what,
            url,
            range,
            max_bytes,
            missing_is_final,
            ..
        } = *get;
        self.config.policy.check(url)?;
        if url.scheme() == super::stored::SCHEME {
            return super::stored::read(self.stored_root(url)?, url, range, max_bytes);
        }
        if let Some((_, len)) = range
            && len > max_bytes as u64
        {
            return Err(self.too_large(what, url, max_bytes));
        }
        self.with_retries(what, url, stats, max_bytes, missing_is_final, || {
            self.get_once(get, stats)
        })
        .await
    }

    /// Runs `once` until it succeeds, fails for good, runs out of attempts,
    /// or the next attempt would start past the deadline.
    async fn with_retries<T, F, Fut>(
        &self,
        what: &str,
        url: &Url,
        stats: &FetchStats,
        max_bytes: usize,
        missing_is_final: bool,
        mut once: F,
    ) -> Result<T, NetError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Attempt>>,
    {
        let retry = &self.config.retry;
        let first = std::time::Instant::now();
        let mut attempt = 1;
        loop {
            stats.requests.fetch_add(1, Ordering::Relaxed);
            let result = tokio::time::timeout(self.config.limits.request_timeout, once())
                .await
                .unwrap_or_else(|_| {
                    Err(Attempt::Failed(format!(
                        "no complete response within {:?}",
                        self.config.limits.request_timeout
                    )))
                });
            let e = match result {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            let delay = retry.delay(attempt);
            if !e.retryable()
                || (missing_is_final && e.missing())
                || attempt >= retry.attempts
                || first.elapsed() + delay >= retry.deadline
            {
                return Err(self.final_error(what, url, attempt, e, max_bytes));
            }
            tracing::warn!(what, %url, attempt, ?delay, error = ?e, "retrying");
            stats.retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn get_once(&self, get: &MediaGet<'_>, stats: &FetchStats) -> Result<Bytes, Attempt> {
        let MediaGet {
            url,
            range,
            max_bytes,
            cmcd,
            headers,
            ..
        } = *get;
        let req = match (self.config.cmcd, cmcd) {
            (CmcdMode::Query, Some(data)) => {
                let mut with_query = url.clone();
                with_query
                    .query_pairs_mut()
                    .append_pair("CMCD", &data.query_value());
                self.client.get(with_query)
            }
            (CmcdMode::Headers, Some(data)) => {
                let mut req = self.client.get(url.clone());
                for (name, value) in data.headers() {
                    req = req.header(name, value);
                }
                req
            }
            _ => self.client.get(url.clone()),
        };
        let mut req = headers.apply(req);
        if let Some((offset, len)) = range {
            req = req.header(RANGE, format!("bytes={}-{}", offset, offset + len - 1));
        }
        let (resp, shaping) = self.send_media(req, url).await?;
        let status = resp.status();
        if !status.is_success() {
            return Err(Attempt::Status(status));
        }
        let mut expected = None;
        if let Some((offset, len)) = range {
            if status == StatusCode::PARTIAL_CONTENT {
                let bad = |e: RangeProblem| Attempt::BadRange(e.to_string());
                let got = content_range(&resp).map_err(bad)?;
                expected = Some(check_range((offset, len), got).map_err(bad)?);
            } else if offset != 0 || resp.content_length() != Some(len) {
                // A server that ignores Range sends the whole file: usable
                // only when the range was the whole file from the start.
                return Err(Attempt::RangeIgnored);
            }
        }
        let body = self.read_body(resp, max_bytes, stats, shaping).await?;
        match expected {
            Some(n) if body.len() as u64 != n => Err(Attempt::BadRange(format!(
                "{} bytes in a response whose Content-Range says {n}",
                body.len()
            ))),
            _ => Ok(body),
        }
    }

    /// Reads a whole body within `max_bytes`, detecting stalls and truncation.
    async fn read_body(
        &self,
        mut resp: reqwest::Response,
        max_bytes: usize,
        stats: &FetchStats,
        shaping: Shaping,
    ) -> Result<Bytes, Attempt> {
        let expected = resp.content_length();
        if expected.is_some_and(|n| n > max_bytes as u64) {
            return Err(Attempt::TooLarge);
        }
        let mut buf =
            BytesMut::with_capacity(expected.unwrap_or(64 << 10).min(max_bytes as u64) as usize);
        let reading = self.link.body();
        loop {
            let chunk = tokio::time::timeout(self.config.limits.stall_timeout, resp.chunk())
                .await
                .map_err(|_| {
                    Attempt::Failed(format!(
                        "stalled: no data for {:?} after {} bytes",
                        self.config.limits.stall_timeout,
                        buf.len()
                    ))
                })?
                .map_err(|e| {
                    Attempt::Failed(format!(
                        "connection broken: {}",
                        error_chain(&e.without_url())
                    ))
                })?;
            let Some(chunk) = chunk else { break };
            count_chunk(&reading, &shaping, stats, buf.len(), chunk.len()).await?;
            if buf.len() + chunk.len() > max_bytes {
                return Err(Attempt::TooLarge);
            }
            buf.extend_from_slice(&chunk);
        }
        if let Some(n) = expected
            && n != buf.len() as u64
        {
            return Err(Attempt::Failed(format!(
                "truncated: {} of {} bytes",
                buf.len(),
                n
            )));
        }
        Ok(buf.freeze())
    }

    /// A conditional GET: `NotModified` when the server answers 304 to the
    /// validators of the copy the caller holds. With retries.
    pub async fn get_if_changed(
        &self,
        what: &str,
        url: &Url,
        held: &Validators,
        max_bytes: usize,
        stats: &FetchStats,
    ) -> Result<Fetched, NetError> {
        self.config.policy.check(url)?;
        self.with_retries(what, url, stats, max_bytes, false, || async {
            let mut req = self.client.get(url.clone());
            if let Some(etag) = &held.etag {
                req = req.header(IF_NONE_MATCH, etag);
            }
            if let Some(date) = &held.last_modified {
                req = req.header(IF_MODIFIED_SINCE, date);
            }
            let (resp, shaping) = self.send(req, url).await?;
            let status = resp.status();
            if status == StatusCode::NOT_MODIFIED {
                return Ok(Fetched::NotModified);
            }
            if !status.is_success() {
                return Err(Attempt::Status(status));
            }
            let validators = Validators::of(&resp);
            let bytes = self.read_body(resp, max_bytes, stats, shaping).await?;
            Ok(Fetched::Body { bytes, validators })
        })
        .await
    }

    /// A call to a partner's JSON API (the unlock API): the reply's status
    /// and body whatever the status, since such APIs answer errors in JSON.
    /// Network failures, 429 and 5xx are retried: callers only send calls
    /// that are safe to repeat (idempotency keys, RFC 8628 polls).
    pub async fn call(
        &self,
        what: &str,
        call: &ApiCall<'_>,
        stats: &FetchStats,
    ) -> Result<ApiReply, NetError> {
        self.config.policy.check(call.url)?;
        self.with_retries(what, call.url, stats, call.max_bytes, false, || async {
            let mut req = match (call.form, call.json) {
                (Some(form), _) => self.client.post(call.url.clone()).form(form),
                (None, Some(json)) => self
                    .client
                    .post(call.url.clone())
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(json.to_vec()),
                (None, None) => self.client.get(call.url.clone()),
            };
            if let Some(token) = call.bearer {
                req = req.bearer_auth(token);
            }
            for (name, value) in call.headers {
                req = req.header(*name, value);
            }
            let req = req.header(reqwest::header::ACCEPT, "application/json");
            let (resp, shaping) = self.send(req, call.url).await?;
            let status = resp.status();
            if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                return Err(Attempt::Status(status));
            }
            let date = resp
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|v| v.to_str().ok())
                .and_then(|t| chrono::DateTime::parse_from_rfc2822(t).ok())
                .map(|t| t.with_timezone(&chrono::Utc));
            let body = self.read_body(resp, call.max_bytes, stats, shaping).await?;
            Ok(ApiReply {
                status: status.as_u16(),
                body,
                date,
            })
        })
        .await
    }

    /// POSTs a report batch (partner insight) once, and says the status.
    /// No retries here: the caller backs off on its own schedule. The
    /// answer's body is not wanted: at most `REPORT_REPLY_BYTES` of it are
    /// read, then the connection is dropped, so a collector that answers
    /// megabytes costs nothing.
    pub async fn report(
        &self,
        url: &Url,
        content_type: &str,
        content_encoding: Option<&str>,
        body: Vec<u8>,
    ) -> Result<u16, NetError> {
        self.config.policy.check(url)?;
        let attempt = async {
            let mut req = self
                .client
                .post(url.clone())
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body);
            if let Some(enc) = content_encoding {
                req = req.header(reqwest::header::CONTENT_ENCODING, enc);
            }
            let (mut resp, _) = self.send(req, url).await?;
            let status = resp.status().as_u16();
            let mut read = 0;
            while read < REPORT_REPLY_BYTES {
                match tokio::time::timeout(self.config.limits.stall_timeout, resp.chunk()).await {
                    Ok(Ok(Some(chunk))) => {
                        read += chunk.len();
                        self.link.count(chunk.len());
                    }
                    _ => break,
                }
            }
            Ok::<u16, Attempt>(status)
        };
        let result = tokio::time::timeout(self.config.limits.request_timeout, attempt)
            .await
            .unwrap_or_else(|_| {
                Err(Attempt::Failed(format!(
                    "no answer within {:?}",
                    self.config.limits.request_timeout
                )))
            });
        match result {
            Ok(status) => Ok(status),
            Err(Attempt::Status(s)) => Ok(s.as_u16()),
            Err(e) => Err(self.final_error("report", url, 1, e, REPORT_REPLY_BYTES)),
        }
    }

    fn too_large(&self, what: &str, url: &Url, limit: usize) -> NetError {
        NetError::TooLarge {
            what: what.to_owned(),
            url: url.to_string(),
            limit,
        }
    }

    fn final_error(
        &self,
        what: &str,
        url: &Url,
        attempts: u32,
        e: Attempt,
        max_bytes: usize,
    ) -> NetError {
        match e {
            Attempt::Status(status) => NetError::Http {
                what: what.to_owned(),
                url: url.to_string(),
                status: status.as_u16(),
                attempts,
            },
            Attempt::Failed(cause) => NetError::Network {
                what: what.to_owned(),
                url: url.to_string(),
                attempts,
                cause,
            },
            Attempt::TooLarge => self.too_large(what, url, max_bytes),
            Attempt::Refused(reason) => NetError::RefusedRedirect {
                url: url.to_string(),
                reason,
            },
            Attempt::Tls(cause) => NetError::Network {
                what: what.to_owned(),
                url: url.to_string(),
                attempts,
                cause,
            },
            Attempt::Unreachable(cause) => NetError::Unreachable {
                what: what.to_owned(),
                url: url.to_string(),
                attempts,
                cause,
            },
            Attempt::RangeIgnored => NetError::RangeIgnored {
                url: url.to_string(),
            },
            Attempt::BadRange(reason) => NetError::BadRange {
                url: url.to_string(),
                reason,
            },
            Attempt::Disk(path, cause) => NetError::Disk {
                what: what.to_owned(),
                url: url.to_string(),
                path,
                cause,
            },
        }
    }
}

/// Resolves host names with the system resolver, then keeps only the
/// addresses the URL policy allows: a public name that resolves to
/// loopback or a private address (DNS rebinding) reaches nothing the
/// policy would refuse as an IP literal.
struct PolicyResolver {
    policy: UrlPolicy,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let all: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<std::net::SocketAddr> = all
                .iter()
                .copied()
                .filter(|a| policy.allows_ip(a.ip()))
                .collect();
            if allowed.is_empty() && !all.is_empty() {
                return Err(format!(
                    "{host} resolves to {}, an address this box may not reach (URL policy)",
                    all[0].ip()
                )
                .into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(feature = "qa")]
use super::faults::Shaping;

/// Without the `qa` feature no fault shapes a body: nothing to check.
#[cfg(not(feature = "qa"))]
#[derive(Default)]
struct Shaping;

/// What cannot happen without the `qa` feature: a fault breaking a body.
#[cfg(not(feature = "qa"))]
#[derive(Debug, thiserror::Error)]
#[error("no fault")]
enum Never {}

#[cfg(not(feature = "qa"))]
impl Shaping {
    fn start(&mut self) {}
    async fn pass(&self, _before: u64, _len: usize) -> Result<(), Never> {
        Ok(())
    }
}

/// A chunk of a body read to its end, counted where it counts: the link
/// meter (data used and the link's measure), a QA plan's shaping of the
/// body (which may hold it back or cut it there), the episode's stats.
async fn count_chunk(
    reading: &BodyReading<'_>,
    shaping: &Shaping,
    stats: &FetchStats,
    before: usize,
    len: usize,
) -> Result<(), Attempt> {
    reading.add(len);
    shaping
        .pass(before as u64, len)
        .await
        .map_err(|e| Attempt::Failed(e.to_string()))?;
    stats.bytes.fetch_add(len as u64, Ordering::Relaxed);
    Ok(())
}

impl Fetcher {
    /// [`Fetcher::send`] for media, whose time to first byte the link
    /// meter keeps (other servers' would say nothing of the CDN's).
    async fn send_media(
        &self,
        req: reqwest::RequestBuilder,
        url: &Url,
    ) -> Result<(reqwest::Response, Shaping), Attempt> {
        let asked = std::time::Instant::now();
        let sent = self.send(req, url).await?;
        self.link.first_byte(asked.elapsed());
        Ok(sent)
    }

    /// Sends `req` for `url`, unless a fault a QA run injected answers for
    /// the network (see [`super::faults`]); the body is shaped as it says.
    async fn send(
        &self,
        req: reqwest::RequestBuilder,
        url: &Url,
    ) -> Result<(reqwest::Response, Shaping), Attempt> {
        #[cfg(feature = "qa")]
        let mut shaping = match &self.config.faults {
            Some(plan) => plan.apply(url).await.map_err(|refusal| match refusal {
                super::faults::Refusal::Status(code) => Attempt::Status(
                    StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                ),
                super::faults::Refusal::Offline => {
                    Attempt::Unreachable("cannot connect: no network (injected fault)".into())
                }
            })?,
            None => Shaping::default(),
        };
        #[cfg(not(feature = "qa"))]
        let mut shaping = {
            let _ = url;
            Shaping
        };
        let resp = req.send().await.map_err(send_error)?;
        shaping.start();
        Ok((resp, shaping))
    }
}

fn send_error(e: reqwest::Error) -> Attempt {
    // Our messages name the URL already.
    let e = e.without_url();
    if e.is_redirect() {
        Attempt::Refused(error_chain(&e))
    } else if let Some(tls) = tls_error(&e) {
        Attempt::Tls(format!("TLS: {tls}"))
    } else if e.is_connect() {
        Attempt::Unreachable(format!("cannot connect: {}", error_chain(&e)))
    } else {
        Attempt::Failed(error_chain(&e))
    }
}

/// The rustls error behind a failed connection, if any. hyper wraps it in
/// an io::Error, whose `source()` skips the wrapped error itself.
fn tls_error<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(t);
        }
        cur = match err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => err.source(),
        };
    }
    None
}

/// An error with its causes, which reqwest keeps in `source()`.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let cs = c.to_string();
        if !s.contains(&cs) {
            s.push_str(": ");
            s.push_str(&cs);
        }
        cur = c.source();
    }
    s
}
