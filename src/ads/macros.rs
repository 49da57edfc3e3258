//! VAST macros in ad tag and tracking URLs (VAST 4.1 section 6): `[NAME]`
//! replaced by its value, URL-encoded. A macro the box does not know is
//! replaced by `-1`, as the IAB asks, so no bracket reaches a server.

use chrono::{DateTime, SecondsFormat, Utc};
use std::time::Duration;

/// What the box knows when it expands a URL.
#[derive(Debug, Clone, Default)]
pub struct MacroValues {
    /// `[CACHEBUSTING]`: a random 8-digit number, new for each request.
    pub cache_busting: u32,
    /// `[TIMESTAMP]`: when the request is made.
    pub timestamp: Option<DateTime<Utc>>,
    /// `[CONTENTID]`: the episode the ad plays around or unlocks.
    pub content_id: Option<String>,
    /// `[DEVICEIFA]`: the box's advertising id when the viewer allowed
    /// tracking, else a random id for this request alone.
    pub device_ifa: String,
    /// `[LIMITADTRACKING]`: 1 without the viewer's consent to tracking.
    pub limit_ad_tracking: bool,
    /// `[ERRORCODE]`, in error URLs.
    pub error_code: Option<u16>,
    /// `[ADPLAYHEAD]`: where in the ad the event happened.
    pub ad_playhead: Option<Duration>,
    /// `[ASSETURI]`: the media file playing.
    pub asset_uri: Option<String>,
}

impl MacroValues {
    /// What every request of a viewing starts from. The box's advertising
    /// id goes out only with the viewer's consent to tracking (`Some`);
    /// without it each request gets an id made up for it alone, and
    /// `[LIMITADTRACKING]` is 1.
    pub fn new(consented_ifa: Option<&str>, content_id: Option<String>) -> MacroValues {
        MacroValues {
            device_ifa: consented_ifa.map(str::to_owned).unwrap_or_default(),
            limit_ad_tracking: consented_ifa.is_none(),
            content_id,
            ..MacroValues::default()
        }
    }

    /// These values for one request: a new cache-busting number, the time
    /// now and, without consent, a new made-up id.
    pub fn for_request(&self) -> MacroValues {
        let mut v = self.clone();
        v.cache_busting = (random() % 100_000_000) as u32;
        v.timestamp = Some(Utc::now());
        if v.limit_ad_tracking {
            v.device_ifa = random_uuid();
        }
        v
    }
}

/// Not for secrets: numbers no server can predict or link to each other
/// (std's SipHash keys, random per process, stepped per use).
fn random() -> u64 {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(0u8)
}

/// A version 4 UUID, the form an advertising id takes.
fn random_uuid() -> String {
    let (a, b) = (random(), random());
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 48) & 0x3fff | 0x8000,
        b & 0xffff_ffff_ffff
    )
}

/// The longest URL after expansion: a tag whose values would make it
/// longer is sent with them cut short rather than not at all.
pub const MAX_EXPANDED: usize = 8192;

/// `text` with every `[MACRO]` replaced.
pub fn expand(text: &str, values: &MacroValues) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find(']').filter(|&end| {
            end > 0
                && after[..end]
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        });
        match close {
            Some(end) => {
                out.push_str(&encode(&value(&after[..end], values)));
                rest = &after[end + 1..];
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
        if out.len() > MAX_EXPANDED {
            break;
        }
    }
    out.push_str(rest);
    if out.len() > MAX_EXPANDED {
        let mut cut = MAX_EXPANDED;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

fn value(name: &str, v: &MacroValues) -> String {
    let unknown = || "-1".to_owned();
    match name {
        "CACHEBUSTING" => format!("{:08}", v.cache_busting % 100_000_000),
        "TIMESTAMP" => v
            .timestamp
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
            .unwrap_or_else(unknown),
        "CONTENTID" => v.content_id.clone().unwrap_or_else(unknown),
        "DEVICEIFA" => v.device_ifa.clone(),
        "LIMITADTRACKING" => if v.limit_ad_tracking { "1" } else { "0" }.to_owned(),
        "ERRORCODE" => v.error_code.map(|c| c.to_string()).unwrap_or_else(unknown),
        "ADPLAYHEAD" => v.ad_playhead.map(playhead).unwrap_or_else(unknown),
        "ASSETURI" => v.asset_uri.clone().unwrap_or_else(unknown),
        _ => unknown(),
    }
}

/// `HH:MM:SS.mmm`.
fn playhead(t: Duration) -> String {
    let ms = t.as_millis();
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// RFC 3986 unreserved characters kept, everything else percent-encoded.
fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        // form encoding writes a space as '+', which a path would keep.
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn replaces_known_macros_encoded_and_unknown_with_minus_one() {
        let values = MacroValues {
            cache_busting: 42,
            timestamp: Some(Utc.with_ymd_and_hms(2026, 12, 5, 1, 2, 3).unwrap()),
            content_id: Some("ceo secret/9".into()),
            device_ifa: "d-1".into(),
            limit_ad_tracking: true,
            error_code: Some(403),
            ad_playhead: Some(Duration::from_millis(3_723_004)),
            asset_uri: None,
        };
        let url = "https://a.example/t?cb=[CACHEBUSTING]&ts=[TIMESTAMP]&c=[CONTENTID]\
                   &ifa=[DEVICEIFA]&lat=[LIMITADTRACKING]&e=[ERRORCODE]&p=[ADPLAYHEAD]\
                   &a=[ASSETURI]&x=[GDPRCONSENT]&keep=[lower]&b=[]&open=[";
        assert_eq!(
            expand(url, &values),
            "https://a.example/t?cb=00000042&ts=2026-12-05T01%3A02%3A03.000Z\
             &c=ceo%20secret%2F9&ifa=d-1&lat=1&e=403&p=01%3A02%3A03.004\
             &a=-1&x=-1&keep=[lower]&b=[]&open=["
        );
    }

    #[test]
    fn the_advertising_id_only_with_consent() {
        let with = MacroValues::new(Some("ifa-1"), None);
        let (a, b) = (with.for_request(), with.for_request());
        assert_eq!(
            (a.device_ifa.as_str(), a.limit_ad_tracking),
            ("ifa-1", false)
        );
        assert_ne!(a.cache_busting, b.cache_busting);
        assert!(a.timestamp.is_some());

        let without = MacroValues::new(None, None);
        let (a, b) = (without.for_request(), without.for_request());
        assert!(a.limit_ad_tracking);
        // A made-up id per request, shaped as an advertising id is.
        assert_ne!(a.device_ifa, b.device_ifa);
        let parts: Vec<_> = a.device_ifa.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12], "{}", a.device_ifa);
        assert_eq!(&a.device_ifa[14..15], "4");
        assert_eq!(
            expand("[DEVICEIFA]|[LIMITADTRACKING]", &a),
            format!("{}|1", a.device_ifa)
        );
    }

    #[test]
    fn bounds_the_result() {
        let values = MacroValues {
            content_id: Some("x".repeat(4000)),
            ..MacroValues::default()
        };
        let url = "https://a/?".to_owned() + &"[CONTENTID]".repeat(10);
        assert_eq!(expand(&url, &values).len(), MAX_EXPANDED);
    }
}
