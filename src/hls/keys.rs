//! `EXT-X-KEY` (RFC 8216 4.3.2.4): which key and IV decrypt each segment
//! and each `EXT-X-MAP` init section. Read by a scan of the playlist's
//! lines rather than from m3u8-rs, because the order of the tags matters
//! (an init section is encrypted with the key in force at its `EXT-X-MAP`,
//! not at the segment after it) and m3u8-rs refuses `METHOD=NONE` without
//! an IV, which RFC 8216 allows.

use url::Url;

use super::PlaylistError;
use crate::net::UrlPolicy;

/// How a segment or init section is encrypted: whole, AES-128-CBC with
/// PKCS7 padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encryption {
    /// Where the 16-byte key is (resolved against the playlist).
    pub key: Url,
    /// The `IV` attribute; without it, the segment's media sequence number.
    pub iv: Option<[u8; 16]>,
}

impl Encryption {
    /// The IV of the segment with media sequence number `sequence`.
    pub fn iv_for(&self, sequence: u64) -> [u8; 16] {
        self.iv
            .unwrap_or_else(|| u128::from(sequence).to_be_bytes())
    }
}

/// The key in force at each segment (by URI line) and at each `EXT-X-MAP`,
/// in playlist order.
#[derive(Debug, Default)]
pub(super) struct KeyScan {
    pub segments: Vec<Option<Encryption>>,
    pub maps: Vec<Option<Encryption>>,
}

/// Attributes of one tag line, at most this many.
const MAX_ATTRIBUTES: usize = 32;

/// Scans `text`'s lines for keys; refuses methods other than NONE and
/// AES-128 (SAMPLE-AES and DRM key systems) with an error naming the line.
pub(super) fn scan(text: &str, url: &Url, policy: &UrlPolicy) -> Result<KeyScan, PlaylistError> {
    let mut scan = KeyScan::default();
    let mut current: Option<Encryption> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if let Some(attrs) = line.strip_prefix("#EXT-X-KEY:") {
            current = key(attrs, n, url, policy)?;
        } else if line.starts_with("#EXT-X-MAP:") {
            scan.maps.push(current.clone());
        } else if !line.is_empty() && !line.starts_with('#') {
            scan.segments.push(current.clone());
        }
    }
    Ok(scan)
}

/// Whether `text` names any key at all (the common case is none: no scan).
pub(super) fn mentions_keys(text: &str) -> bool {
    text.contains("#EXT-X-KEY:")
}

fn key(
    attrs: &str,
    line: usize,
    url: &Url,
    policy: &UrlPolicy,
) -> Result<Option<Encryption>, PlaylistError> {
    let malformed = |reason: String| PlaylistError::Malformed {
        url: url.to_string(),
        reason: format!("line {line}: EXT-X-KEY {reason}"),
    };
    let attrs = attributes(attrs).map_err(|e| malformed(e.to_string()))?;
    let get = |name: &str| attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    let Some(method) = get("METHOD") else {
        return Err(malformed("has no METHOD".into()));
    };
    match method.as_str() {
        "NONE" => return Ok(None),
        "AES-128" => {}
        other => {
            return Err(PlaylistError::Unsupported(format!(
                "{url}: line {line}: segments encrypted with METHOD={} (pillarbox plays \
                 AES-128 whole-segment encryption only, not SAMPLE-AES or DRM)",
                other.chars().take(40).collect::<String>()
            )));
        }
    }
    if let Some(format) = get("KEYFORMAT")
        && format != "identity"
    {
        return Err(PlaylistError::Unsupported(format!(
            "{url}: line {line}: KEYFORMAT {:?} (a DRM key system; pillarbox fetches plain \
             AES-128 keys only)",
            format.chars().take(60).collect::<String>()
        )));
    }
    let Some(uri) = get("URI") else {
        return Err(malformed("METHOD=AES-128 has no URI".into()));
    };
    let key = policy.join(url, uri)?;
    let iv = match get("IV") {
        None => None,
        Some(text) => Some(iv(text).ok_or_else(|| {
            malformed(format!(
                "IV {:?} is not a hexadecimal number of 128 bits",
                text.chars().take(40).collect::<String>()
            ))
        })?),
    };
    Ok(Some(Encryption { key, iv }))
}

/// `0x` and up to 32 hexadecimal digits, as a 128-bit big-endian number.
fn iv(text: &str) -> Option<[u8; 16]> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    if digits.is_empty() || digits.len() > 32 {
        return None;
    }
    u128::from_str_radix(digits, 16).ok().map(u128::to_be_bytes)
}

/// What is wrong with an attribute list (texts quoted from it are cut short).
#[derive(Debug, thiserror::Error)]
pub(crate) enum AttributeError {
    #[error("has more than {MAX_ATTRIBUTES} attributes")]
    TooMany,
    #[error("attribute {0:?} has no value")]
    NoValue(String),
    #[error("attribute name {0:?} is not A-Z, 0-9 and '-'")]
    Name(String),
    #[error("attribute {0}: unterminated quoted string")]
    Unterminated(String),
    #[error("attribute {name}: unexpected {after:?} after its value")]
    Trailing { name: String, after: String },
}

/// An attribute list (RFC 8216 4.2): `NAME=value` pairs separated by
/// commas, values quoted strings (which may hold commas) or bare tokens.
/// Quotes are removed.
pub(crate) fn attributes(text: &str) -> Result<Vec<(String, String)>, AttributeError> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if out.len() >= MAX_ATTRIBUTES {
            return Err(AttributeError::TooMany);
        }
        let Some((name, after)) = rest.split_once('=') else {
            return Err(AttributeError::NoValue(rest.chars().take(40).collect()));
        };
        let name = name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(AttributeError::Name(name.chars().take(40).collect()));
        }
        let (value, after) = if let Some(quoted) = after.strip_prefix('"') {
            let Some(end) = quoted.find('"') else {
                return Err(AttributeError::Unterminated(name.to_owned()));
            };
            (&quoted[..end], &quoted[end + 1..])
        } else {
            match after.find(',') {
                Some(end) => (after[..end].trim(), &after[end..]),
                None => (after.trim(), ""),
            }
        };
        out.push((name.to_owned(), value.to_owned()));
        let after = after.trim_start();
        rest = match after.strip_prefix(',') {
            Some(r) => r.trim_start(),
            None if after.is_empty() => "",
            None => {
                return Err(AttributeError::Trailing {
                    name: name.to_owned(),
                    after: after.chars().take(20).collect(),
                });
            }
        };
    }
    Ok(out)
}

/// `text` with its `EXT-X-KEY` tags made comments, for m3u8-rs (this
/// module reads them), keeping line numbers.
pub(super) fn without_keys(text: &str) -> String {
    text.replace("#EXT-X-KEY:", "# EXT-X-KEY:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_lists_with_commas_in_quotes() {
        let a = attributes(r#"METHOD=AES-128,URI="k?a=1,b=2",IV=0x0A"#).unwrap();
        assert_eq!(a[1], ("URI".into(), "k?a=1,b=2".into()));
        assert_eq!(a[2], ("IV".into(), "0x0A".into()));
        assert!(attributes(r#"URI="open"#).is_err());
        assert!(attributes("lower=1").is_err());
        assert!(attributes("A").is_err());
        let many: Vec<String> = (0..40).map(|i| format!("A{i}=1")).collect();
        assert!(attributes(&many.join(",")).is_err());
    }

    #[test]
    fn ivs() {
        assert_eq!(iv("0x1").unwrap()[15], 1);
        assert_eq!(
            iv("0x000102030405060708090a0b0c0d0e0f").unwrap(),
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        );
        assert!(iv("0x").is_none());
        assert!(iv("12").is_none());
        assert!(iv(&format!("0x{}", "f".repeat(33))).is_none());
        let e = Encryption {
            key: Url::parse("https://k.example/").unwrap(),
            iv: None,
        };
        assert_eq!(e.iv_for(7)[15], 7);
    }
}
