//! Headers an episode's requests carry beyond the fetcher's own: a
//! playback grant's token headers, or `play --header`. Checked when made:
//! a header that would change how HTTP itself works (Host, lengths,
//! connection handling, ranges) is refused, and sizes are bounded. Values
//! are credentials: `Debug` does not print them.

use reqwest::header::{HeaderName, HeaderValue};

/// Headers per episode, at most.
pub const MAX_HEADERS: usize = 16;
/// Bytes of one header value, at most.
pub const MAX_VALUE_BYTES: usize = 4096;

/// Headers the fetcher sets itself, or that would change the request's
/// framing: never taken from outside.
const RESERVED: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "range",
    "if-none-match",
    "if-modified-since",
    "proxy-authorization",
    "proxy-connection",
    "expect",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("header {0:?} is not a valid header name")]
    Name(String),
    #[error("header {0}: the value is not printable ASCII of at most {MAX_VALUE_BYTES} bytes")]
    Value(String),
    #[error("header {0}: pillarbox sets it itself")]
    Reserved(String),
    #[error("more than {MAX_HEADERS} headers")]
    TooMany,
    #[error("{0:?} is not NAME:VALUE")]
    Syntax(String),
}

#[derive(Clone, Default, PartialEq, Eq)]
pub struct RequestHeaders(Vec<(HeaderName, HeaderValue)>);

impl RequestHeaders {
    pub const EMPTY: RequestHeaders = RequestHeaders(Vec::new());

    pub fn new() -> RequestHeaders {
        RequestHeaders::default()
    }

    /// Adds `name: value`, checked.
    pub fn push(&mut self, name: &str, value: &str) -> Result<(), HeaderError> {
        if self.0.len() >= MAX_HEADERS {
            return Err(HeaderError::TooMany);
        }
        let shown: String = name.chars().take(64).collect();
        let header =
            HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| HeaderError::Name(shown))?;
        if RESERVED.contains(&header.as_str()) {
            return Err(HeaderError::Reserved(header.as_str().to_owned()));
        }
        let printable = value.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
        if value.len() > MAX_VALUE_BYTES || !printable {
            return Err(HeaderError::Value(header.as_str().to_owned()));
        }
        let mut value = HeaderValue::from_str(value.trim())
            .map_err(|_| HeaderError::Value(header.as_str().to_owned()))?;
        value.set_sensitive(true);
        self.0.push((header, value));
        Ok(())
    }

    /// `NAME:VALUE`, as `play --header` takes it.
    pub fn push_line(&mut self, line: &str) -> Result<(), HeaderError> {
        let Some((name, value)) = line.split_once(':') else {
            return Err(HeaderError::Syntax(line.chars().take(64).collect()));
        };
        self.push(name, value)
    }

    /// These headers, then `more`'s (both already checked).
    pub fn merged(&self, more: &RequestHeaders) -> RequestHeaders {
        RequestHeaders(self.0.iter().chain(&more.0).cloned().collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> {
        self.0.iter().map(|(n, v)| (n, v))
    }

    /// Adds the headers to a request.
    pub(super) fn apply(&self, mut req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        for (name, value) in &self.0 {
            req = req.header(name.clone(), value.clone());
        }
        req
    }
}

impl std::fmt::Debug for RequestHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(n, _)| format!("{n}: <hidden>")))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_checked_and_values_never_printed() {
        let mut h = RequestHeaders::new();
        h.push_line("Authorization: Bearer s3cret").unwrap();
        h.push("X-Token", "abc").unwrap();
        assert_eq!(h.iter().count(), 2);
        assert!(!format!("{h:?}").contains("s3cret"));
        assert!(matches!(
            h.push("Host", "evil.example"),
            Err(HeaderError::Reserved(_))
        ));
        assert!(matches!(h.push("Bad Name", "x"), Err(HeaderError::Name(_))));
        assert!(matches!(h.push("X-A", "a\nb"), Err(HeaderError::Value(_))));
        assert!(matches!(
            h.push("X-A", &"a".repeat(MAX_VALUE_BYTES + 1)),
            Err(HeaderError::Value(_))
        ));
        assert!(matches!(
            h.push_line("nocolon"),
            Err(HeaderError::Syntax(_))
        ));
        for i in 0..14 {
            h.push(&format!("X-{i}"), "v").unwrap();
        }
        assert!(matches!(h.push("X-Last", "v"), Err(HeaderError::TooMany)));
    }
}
