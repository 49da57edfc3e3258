//! Which URLs the player may fetch: enforced on the episode URL, on every
//! playlist and segment URL inside it, and on every redirect.

use std::net::IpAddr;

use url::{Host, Url};

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("not a valid URL: {url:?}: {reason}")]
    Invalid { url: String, reason: String },
    #[error("scheme {scheme:?} is not allowed in {url} (only https, and http where configured)")]
    Scheme { scheme: String, url: String },
    #[error("plain http to {host} is not allowed in {url} (only https, http to loopback{extra})")]
    PlainHttp {
        host: String,
        url: String,
        extra: &'static str,
    },
}

/// The URL policy. https is always allowed; http only to loopback
/// (tests, the built-in demo) unless `allow_http` is set; nothing else ever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Allow plain http to any host (a partner's LAN head-end, say).
    pub allow_http: bool,
    /// Allow plain http to 127.0.0.0/8, ::1 and localhost.
    pub allow_loopback_http: bool,
}

impl Default for UrlPolicy {
    fn default() -> Self {
        UrlPolicy {
            allow_http: false,
            allow_loopback_http: true,
        }
    }
}

impl UrlPolicy {
    /// Parses `text` and checks it.
    pub fn parse(&self, text: &str) -> Result<Url, PolicyError> {
        let url = Url::parse(text).map_err(|e| PolicyError::Invalid {
            url: text.to_owned(),
            reason: e.to_string(),
        })?;
        self.check(&url)?;
        Ok(url)
    }

    /// Resolves `reference` (as found inside a playlist) against `base` and checks it.
    pub fn join(&self, base: &Url, reference: &str) -> Result<Url, PolicyError> {
        let url = base.join(reference).map_err(|e| PolicyError::Invalid {
            url: reference.to_owned(),
            reason: e.to_string(),
        })?;
        self.check(&url)?;
        Ok(url)
    }

    pub fn check(&self, url: &Url) -> Result<(), PolicyError> {
        match url.scheme() {
            "https" => Ok(()),
            "http" => {
                if self.allow_http || (self.allow_loopback_http && is_loopback(url)) {
                    Ok(())
                } else {
                    Err(PolicyError::PlainHttp {
                        host: url.host_str().unwrap_or("").to_owned(),
                        url: url.to_string(),
                        extra: if self.allow_loopback_http {
                            ""
                        } else {
                            " is off too"
                        },
                    })
                }
            }
            other => Err(PolicyError::Scheme {
                scheme: other.to_owned(),
                url: url.to_string(),
            }),
        }
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_always_allowed() {
        let p = UrlPolicy::default();
        assert!(p.parse("https://cdn.example.com/ep1.m3u8").is_ok());
    }

    #[test]
    fn http_only_to_loopback_by_default() {
        let p = UrlPolicy::default();
        assert!(p.parse("http://127.0.0.1:8080/a.m3u8").is_ok());
        assert!(p.parse("http://127.8.9.1/a.m3u8").is_ok());
        assert!(p.parse("http://[::1]:80/a.m3u8").is_ok());
        assert!(p.parse("http://localhost/a.mp4").is_ok());
        let err = p.parse("http://cdn.example.com/a.mp4").unwrap_err();
        assert!(matches!(err, PolicyError::PlainHttp { .. }), "{err}");
        let strict = UrlPolicy {
            allow_http: false,
            allow_loopback_http: false,
        };
        assert!(strict.parse("http://127.0.0.1/a.mp4").is_err());
        let lan = UrlPolicy {
            allow_http: true,
            allow_loopback_http: false,
        };
        assert!(lan.parse("http://10.0.0.2/a.mp4").is_ok());
    }

    #[test]
    fn other_schemes_refused_even_when_http_allowed() {
        let p = UrlPolicy {
            allow_http: true,
            allow_loopback_http: true,
        };
        for bad in [
            "file:///etc/passwd",
            "data:video/mp4;base64,AAAA",
            "v4l2:///dev/video0",
            "rtsp://127.0.0.1/x",
            "ftp://127.0.0.1/x.ts",
            "javascript:alert(1)",
        ] {
            let err = p.parse(bad).unwrap_err();
            assert!(matches!(err, PolicyError::Scheme { .. }), "{bad}: {err}");
            assert!(err.to_string().contains("not allowed"), "{err}");
        }
    }

    #[test]
    fn relative_references_resolve_then_get_checked() {
        let p = UrlPolicy::default();
        let base = p.parse("https://cdn.example.com/s/ep1/index.m3u8").unwrap();
        assert_eq!(
            p.join(&base, "seg1.ts").unwrap().as_str(),
            "https://cdn.example.com/s/ep1/seg1.ts"
        );
        assert!(p.join(&base, "file:///etc/passwd").is_err());
        assert!(p.join(&base, "http://evil.example/x.ts").is_err());
        assert!(p.parse("not a url").is_err());
    }
}
