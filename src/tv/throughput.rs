//! What the link carried, remembered per network: an episode starts on the
//! rung that recent viewing's throughput supports on the network the box is
//! on now, not on a fixed guess (a 2 Mbit/s guess started a 800 kbit/s
//! hotspot too high, and it stalled). A network is the interface of the
//! default route and its gateway: a home's router and a phone's hotspot
//! differ. Kept in `throughput.json`; every value read back is checked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const THROUGHPUT_FILE: &str = "throughput.json";

/// Networks remembered; the least recently seen goes first.
const MAX_NETWORKS: usize = 16;
/// A figure older than this says little about the link today.
const MAX_AGE_S: i64 = 14 * 24 * 3600;
/// What a figure may say, bit/s: below, nothing plays anyway; above, the
/// ladder's top is reached long before.
const MIN_BPS: u64 = 100_000;
const MAX_BPS: u64 = 200_000_000;
/// A network's name as the file holds it, at most.
const MAX_NAME: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Throughput {
    pub networks: BTreeMap<String, Seen>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Seen {
    /// The estimate when an episode last ended there, bit/s.
    pub bps: u64,
    /// When, Unix seconds.
    pub at: i64,
}

impl Throughput {
    /// What to start at on `network` at `now` (Unix seconds): its recent
    /// figure within bounds; None for a network not seen lately.
    pub fn start_bps(&self, network: &str, now: i64) -> Option<u64> {
        let seen = self.networks.get(network)?;
        let age = now - seen.at;
        ((0..=MAX_AGE_S).contains(&age) && seen.bps >= MIN_BPS).then_some(seen.bps.min(MAX_BPS))
    }

    /// `bps` measured on `network` at `now`.
    pub fn remember(&mut self, network: &str, bps: u64, now: i64) {
        if network.is_empty() || network.len() > MAX_NAME || bps < MIN_BPS {
            return;
        }
        self.networks.insert(
            network.to_owned(),
            Seen {
                bps: bps.min(MAX_BPS),
                at: now,
            },
        );
        while self.networks.len() > MAX_NETWORKS {
            let oldest = self
                .networks
                .iter()
                .min_by_key(|(_, s)| s.at)
                .map(|(n, _)| n.clone());
            match oldest {
                Some(n) => self.networks.remove(&n),
                None => break,
            };
        }
    }

    /// As read from the file: names and counts within bounds.
    pub fn checked(mut self) -> Throughput {
        self.networks.retain(|n, s| {
            !n.is_empty() && n.len() <= MAX_NAME && (MIN_BPS..=MAX_BPS).contains(&s.bps)
        });
        while self.networks.len() > MAX_NETWORKS {
            let Some(n) = self.networks.keys().next().cloned() else {
                break;
            };
            self.networks.remove(&n);
        }
        self
    }
}

/// Whether `url` is served from this box (loopback: the embedded demo).
pub fn on_this_box(url: &str) -> bool {
    if url.starts_with("stored:") {
        return true;
    }
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => true,
    }
}

/// The network the box is on: "IFACE/GATEWAY" of its default route; None
/// without one, or without a gateway.
pub fn this_network() -> Option<String> {
    let route = crate::default_route::default_route()?;
    Some(format!("{}/{}", route.iface, route.gateway?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recent_figure_of_this_network_is_where_episodes_start() {
        let mut t = Throughput::default();
        let now = 1_800_000_000;
        t.remember("wlan0/192.168.43.1", 900_000, now);
        t.remember("eth0/192.168.1.1", 40_000_000, now);
        assert_eq!(t.start_bps("wlan0/192.168.43.1", now + 60), Some(900_000));
        assert_eq!(t.start_bps("eth0/192.168.1.1", now), Some(40_000_000));
        // Another network, an old figure, a clock gone back: no figure.
        assert_eq!(t.start_bps("wlan0/10.0.0.1", now), None);
        assert_eq!(t.start_bps("wlan0/192.168.43.1", now + MAX_AGE_S + 1), None);
        assert_eq!(t.start_bps("wlan0/192.168.43.1", now - 10), None);
        // Figures out of bounds are not kept, or are capped.
        t.remember("wlan0/192.168.43.1", 10, now);
        assert_eq!(t.start_bps("wlan0/192.168.43.1", now), Some(900_000));
        t.remember("x/1.2.3.4", u64::MAX, now);
        assert_eq!(t.start_bps("x/1.2.3.4", now), Some(MAX_BPS));
        t.remember(&"n".repeat(65), 1_000_000, now);
        assert_eq!(t.networks.len(), 3);
        // At most MAX_NETWORKS: the least recently seen go.
        for i in 0..40 {
            t.remember(&format!("wlan{i}/10.0.0.1"), 1_000_000, now + 100 + i);
        }
        assert_eq!(t.networks.len(), MAX_NETWORKS);
        assert!(!t.networks.contains_key("eth0/192.168.1.1"));
        assert!(t.networks.contains_key("wlan39/10.0.0.1"));
    }

    #[test]
    fn loopback_is_this_box() {
        for url in [
            "http://127.0.0.1:8080/media/a/1/index.m3u8",
            "http://[::1]/x.m3u8",
            "http://LOCALHOST/x",
            "not a url",
        ] {
            assert!(on_this_box(url), "{url}");
        }
        for url in [
            "https://cdn.example.com/a.m3u8",
            "http://192.168.1.20/a.mp4",
        ] {
            assert!(!on_this_box(url), "{url}");
        }
    }

    #[test]
    fn a_file_read_back_is_checked() {
        let text = format!(
            r#"{{"networks": {{"a/1.1.1.1": {{"bps": 5, "at": 1}}, "{}": {{"bps": 1000000, "at": 1}}, "ok/1.1.1.1": {{"bps": 2000000, "at": 7}}}}}}"#,
            "n".repeat(100)
        );
        let t: Throughput = serde_json::from_str::<Throughput>(&text).unwrap().checked();
        assert_eq!(t.networks.len(), 1);
        assert_eq!(t.start_bps("ok/1.1.1.1", 8), Some(2_000_000));
    }
}
