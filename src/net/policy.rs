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
    #[error("plain http to {host} is not allowed in {url} (only https{extra})")]
    PlainHttp {
        host: String,
        url: String,
        extra: &'static str,
    },
    #[error(
        "{url} points into {network} ({host}), which is only allowed for a catalog served from there or when the box is configured for it"
    )]
    Internal {
        host: String,
        url: String,
        network: &'static str,
    },
    #[error("{from} redirects to {to}, from https down to {scheme}")]
    Downgrade {
        from: String,
        to: String,
        scheme: String,
    },
}

/// The URL policy. https to public hosts is always allowed. Plain http is
/// allowed to loopback only where loopback is (the built-in demo, tests),
/// and to other hosts only when `allow_http` is set. Loopback and private
/// addresses are allowed only where a catalog served from there names
/// them ([`UrlPolicy::following`]) or the box is configured for them:
/// otherwise a remote catalog could make the box probe its own services or
/// its LAN. Other schemes never.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UrlPolicy {
    /// Allow plain http to any host the address rules allow (a partner's
    /// LAN head-end, say).
    pub allow_http: bool,
    /// Allow 127.0.0.0/8, ::1 and localhost, over http or https.
    pub allow_loopback: bool,
    /// Allow private, link-local and shared addresses (10/8, 172.16/12,
    /// 192.168/16, 169.254/16, 100.64/10, fc00::/7, fe80::/10).
    pub allow_private: bool,
    /// Allow `stored:` URLs, episodes kept on the box (the TV's player):
    /// only as what the app starts, or relative to another stored URL;
    /// never what a catalog, a grant or a remote playlist names.
    pub allow_stored: bool,
}

/// Where an address is, as far as the policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    Public,
    Loopback,
    Private,
}

impl Network {
    pub fn of_ip(ip: IpAddr) -> Network {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match ip {
            IpAddr::V4(v4) => {
                let [a, b, ..] = v4.octets();
                if v4.is_loopback() {
                    Network::Loopback
                } else if v4.is_private()
                    || v4.is_link_local()
                    || v4.is_unspecified()
                    || v4.is_broadcast()
                    || (a == 100 && (64..128).contains(&b))
                {
                    Network::Private
                } else {
                    Network::Public
                }
            }
            IpAddr::V6(v6) => {
                let first = v6.segments()[0];
                if v6.is_loopback() {
                    Network::Loopback
                } else if v6.is_unspecified()
                    || (first & 0xfe00) == 0xfc00
                    || (first & 0xffc0) == 0xfe80
                {
                    Network::Private
                } else {
                    Network::Public
                }
            }
        }
    }

    /// The network of a URL's host: IP literals by their address,
    /// `localhost` (and names under it) as loopback, other names public
    /// (their addresses are checked again when resolved).
    pub fn of_url(url: &Url) -> Network {
        match url.host() {
            Some(Host::Domain(d)) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                if d == "localhost" || d.ends_with(".localhost") {
                    Network::Loopback
                } else {
                    Network::Public
                }
            }
            Some(Host::Ipv4(ip)) => Network::of_ip(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Network::of_ip(IpAddr::V6(ip)),
            None => Network::Public,
        }
    }
}

impl UrlPolicy {
    /// For the built-in demo and tests, which serve on loopback.
    pub fn loopback() -> UrlPolicy {
        UrlPolicy {
            allow_loopback: true,
            ..UrlPolicy::default()
        }
    }

    /// The policy for what a catalog (or an episode URL given by hand) at
    /// `origin` names: what `configured` allows, plus the origin's own
    /// network: a loopback catalog may name loopback URLs (over http too),
    /// a LAN catalog LAN ones. A public catalog gets nothing more.
    pub fn following(origin: &Url, configured: UrlPolicy) -> UrlPolicy {
        let mut p = configured.remote();
        match Network::of_url(origin) {
            Network::Loopback => p.allow_loopback = true,
            Network::Private => {
                p.allow_private = true;
                // A LAN head-end serving its catalog over http serves media so too.
                p.allow_http |= origin.scheme() == "http";
            }
            Network::Public => {}
        }
        p
    }

    /// The policy for what the URL `text` names (a catalog's, or an
    /// episode's given by hand), as [`UrlPolicy::following`] says, with
    /// `text` itself checked against `configured` widened so.
    pub fn for_origin(configured: UrlPolicy, text: &str) -> Result<UrlPolicy, PolicyError> {
        let url = Url::parse(text).map_err(|e| PolicyError::Invalid {
            url: text.to_owned(),
            reason: e.to_string(),
        })?;
        let policy = UrlPolicy::following(&url, configured);
        policy.check(&url)?;
        Ok(policy)
    }

    /// The policy for several URLs given by hand: what each one's origin
    /// allows, together.
    pub fn for_origins(
        configured: UrlPolicy,
        urls: impl IntoIterator<Item = impl AsRef<str>>,
    ) -> Result<UrlPolicy, PolicyError> {
        let mut policy = configured;
        for url in urls {
            let p = UrlPolicy::for_origin(configured, url.as_ref())?;
            policy.allow_http |= p.allow_http;
            policy.allow_loopback |= p.allow_loopback;
            policy.allow_private |= p.allow_private;
        }
        Ok(policy)
    }

    /// This policy for what comes from outside: no `stored:` URL.
    pub fn remote(self) -> UrlPolicy {
        UrlPolicy {
            allow_stored: false,
            ..self
        }
    }

    /// Whether an address a host name resolved to may be connected to.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        match Network::of_ip(ip) {
            Network::Public => true,
            Network::Loopback => self.allow_loopback,
            Network::Private => self.allow_private,
        }
    }

    /// Parses `text` from outside (a catalog, a grant, an ad server, a
    /// command line) and checks it: never a `stored:` URL.
    pub fn parse(&self, text: &str) -> Result<Url, PolicyError> {
        self.remote().parse_episode(text)
    }

    /// Parses the URL of an episode the app starts and checks it: a
    /// `stored:` one too, where allowed.
    pub fn parse_episode(&self, text: &str) -> Result<Url, PolicyError> {
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
        if url.scheme() == "stored" && base.scheme() != "stored" {
            return Err(PolicyError::Scheme {
                scheme: "stored".into(),
                url: url.to_string(),
            });
        }
        self.check(&url)?;
        Ok(url)
    }

    pub fn check(&self, url: &Url) -> Result<(), PolicyError> {
        let network = Network::of_url(url);
        let host = || url.host_str().unwrap_or("").to_owned();
        match url.scheme() {
            "stored" if self.allow_stored => return Ok(()),
            "https" => {}
            "http" => {
                let loopback_http = network == Network::Loopback && self.allow_loopback;
                if !(self.allow_http || loopback_http) {
                    return Err(PolicyError::PlainHttp {
                        host: host(),
                        url: url.to_string(),
                        extra: if self.allow_loopback {
                            ", and http to loopback"
                        } else {
                            ""
                        },
                    });
                }
            }
            other => {
                return Err(PolicyError::Scheme {
                    scheme: other.to_owned(),
                    url: url.to_string(),
                });
            }
        }
        match network {
            Network::Loopback if !self.allow_loopback => Err(PolicyError::Internal {
                host: host(),
                url: url.to_string(),
                network: "this box (loopback)",
            }),
            Network::Private if !self.allow_private => Err(PolicyError::Internal {
                host: host(),
                url: url.to_string(),
                network: "a private network",
            }),
            _ => Ok(()),
        }
    }

    /// A redirect from `from` to `to`: checked like any URL, and never
    /// from https down to http.
    pub fn check_redirect(&self, from: &Url, to: &Url) -> Result<(), PolicyError> {
        if to.scheme() == "stored" {
            return Err(PolicyError::Scheme {
                scheme: "stored".into(),
                url: to.to_string(),
            });
        }
        if from.scheme() == "https" && to.scheme() != "https" {
            return Err(PolicyError::Downgrade {
                from: from.to_string(),
                to: to.to_string(),
                scheme: to.scheme().into(),
            });
        }
        self.check(to)
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
    fn loopback_only_where_allowed() {
        let demo = UrlPolicy::loopback();
        assert!(demo.parse("http://127.0.0.1:8080/a.m3u8").is_ok());
        assert!(demo.parse("http://127.8.9.1/a.m3u8").is_ok());
        assert!(demo.parse("http://[::1]:80/a.m3u8").is_ok());
        assert!(demo.parse("http://localhost/a.mp4").is_ok());
        let err = demo.parse("http://cdn.example.com/a.mp4").unwrap_err();
        assert!(matches!(err, PolicyError::PlainHttp { .. }), "{err}");
        let strict = UrlPolicy::default();
        for url in [
            "http://127.0.0.1/a.mp4",
            "https://127.0.0.1/a.mp4",
            "https://localhost:8443/a.mp4",
            "https://[::ffff:127.0.0.1]/a.mp4",
        ] {
            assert!(strict.parse(url).is_err(), "{url}");
        }
        let lan = UrlPolicy {
            allow_http: true,
            allow_private: true,
            ..UrlPolicy::default()
        };
        assert!(lan.parse("http://10.0.0.2/a.mp4").is_ok());
        assert!(lan.parse("http://127.0.0.1/a.mp4").is_err());
    }

    #[test]
    fn the_policy_follows_the_catalog_origin() {
        let configured = UrlPolicy::default();
        let remote = UrlPolicy::following(
            &Url::parse("https://partner.example/catalog.json").unwrap(),
            configured,
        );
        for url in [
            "http://127.0.0.1:8080/ep.m3u8",
            "https://127.0.0.1/ep.m3u8",
            "http://localhost/poster.jpg",
            "https://192.168.1.1/admin",
            "https://10.1.2.3/x.ts",
            "https://169.254.169.254/latest/meta-data",
            "https://[fd00::1]/x.ts",
            "https://100.64.0.1/x.ts",
        ] {
            let err = remote.parse(url).unwrap_err();
            assert!(
                matches!(
                    err,
                    PolicyError::Internal { .. } | PolicyError::PlainHttp { .. }
                ),
                "{url}: {err}"
            );
        }
        assert!(remote.parse("https://cdn.partner.example/ep.m3u8").is_ok());
        let local = UrlPolicy::following(
            &Url::parse("http://127.0.0.1:9000/catalog.json").unwrap(),
            configured,
        );
        assert!(local.parse("http://127.0.0.1:9000/ep.m3u8").is_ok());
        assert!(local.parse("https://192.168.1.1/x").is_err());
        let lan = UrlPolicy::following(
            &Url::parse("http://192.168.1.20/catalog.json").unwrap(),
            configured,
        );
        assert!(lan.parse("http://192.168.1.20/ep.m3u8").is_ok());
        assert!(lan.parse("http://127.0.0.1/x").is_err());
        // Configured: a box on a LAN head-end may reach private addresses.
        let configured_lan = UrlPolicy::following(
            &Url::parse("https://partner.example/catalog.json").unwrap(),
            UrlPolicy {
                allow_private: true,
                ..configured
            },
        );
        assert!(configured_lan.parse("https://10.1.2.3/x.ts").is_ok());
    }

    #[test]
    fn redirects_never_go_from_https_to_http() {
        let p = UrlPolicy {
            allow_http: true,
            ..UrlPolicy::loopback()
        };
        let from = Url::parse("https://cdn.example.com/a.ts").unwrap();
        let err = p
            .check_redirect(&from, &Url::parse("http://cdn.example.com/a.ts").unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("from https down to http"), "{err}");
        assert!(
            p.check_redirect(&from, &Url::parse("https://cdn2.example.com/a.ts").unwrap())
                .is_ok()
        );
    }

    #[test]
    fn other_schemes_refused_even_when_http_allowed() {
        let p = UrlPolicy {
            allow_http: true,
            allow_loopback: true,
            allow_private: true,
            allow_stored: true,
        };
        for bad in [
            "stored://episodes/e1/index.m3u8",
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
    fn stored_urls_only_from_the_app_or_a_stored_playlist() {
        let p = UrlPolicy {
            allow_stored: true,
            ..UrlPolicy::default()
        };
        let stored = p.parse_episode("stored://episodes/e1/index.m3u8").unwrap();
        assert_eq!(
            p.join(&stored, "v.m3u8").unwrap().as_str(),
            "stored://episodes/e1/v.m3u8"
        );
        let remote = Url::parse("https://cdn.example/ep/index.m3u8").unwrap();
        assert!(p.join(&remote, "stored://episodes/e1/s0.ts").is_err());
        assert!(p.check_redirect(&remote, &stored).is_err());
        assert!(
            UrlPolicy::default()
                .parse_episode("stored://episodes/e1/index.m3u8")
                .is_err()
        );
        let following = UrlPolicy::following(&remote, p);
        assert!(!following.allow_stored, "a catalog names no stored URL");
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
        assert!(p.join(&base, "https://127.0.0.1/x.ts").is_err());
        assert!(p.parse("not a url").is_err());
    }
}
