//! Byte ranges: what a 206 answer says it holds (`Content-Range`), and
//! whether that is the range asked for.

use reqwest::header::CONTENT_RANGE;

/// What is wrong with a 206 answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(super) enum RangeProblem {
    #[error("a 206 response without Content-Range")]
    Missing,
    #[error("Content-Range {0:?} is not valid")]
    Invalid(String),
    #[error("asked bytes {offset}-{want_end}, the server sent {start}-{end}{}", .total.map(|t| format!(" of {t}")).unwrap_or_default())]
    Other {
        offset: u64,
        want_end: u64,
        start: u64,
        end: u64,
        total: Option<u64>,
    },
}

/// `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`).
pub(super) fn content_range(
    resp: &reqwest::Response,
) -> Result<(u64, u64, Option<u64>), RangeProblem> {
    let text = resp
        .headers()
        .get(CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .ok_or(RangeProblem::Missing)?;
    parse_content_range(text).ok_or_else(|| RangeProblem::Invalid(text.to_owned()))
}

fn parse_content_range(text: &str) -> Option<(u64, u64, Option<u64>)> {
    let (span, total) = text.trim().strip_prefix("bytes ")?.split_once('/')?;
    let (start, end) = span.split_once('-')?;
    let (start, end) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse::<u64>().ok()?),
    };
    let valid = start <= end && total.is_none_or(|t| end < t);
    valid.then_some((start, end, total))
}

/// Checks a 206 against the range asked, `(offset, len)`: same start, and
/// the same end unless the file ends before it. The body length to expect.
pub(super) fn check_range(
    asked: (u64, u64),
    got: (u64, u64, Option<u64>),
) -> Result<u64, RangeProblem> {
    let (offset, len) = asked;
    let (start, end, total) = got;
    let want_end = offset + len - 1;
    let short_at_eof = end < want_end && total == Some(end + 1);
    if start != offset || !(end == want_end || short_at_eof) {
        return Err(RangeProblem::Other {
            offset,
            want_end,
            start,
            end,
            total,
        });
    }
    Ok(end - start + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_must_match_the_request() {
        assert_eq!(
            parse_content_range("bytes 0-99/1000"),
            Some((0, 99, Some(1000)))
        );
        assert_eq!(parse_content_range("bytes 5-9/*"), Some((5, 9, None)));
        for bad in [
            "bytes 9-5/100",
            "bytes 0-100/100",
            "0-9/10",
            "bytes a-b/c",
            "",
        ] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
        assert_eq!(check_range((0, 100), (0, 99, Some(1000))), Ok(100));
        // The last range of a file may be shorter: it ends with the file.
        assert_eq!(check_range((900, 200), (900, 999, Some(1000))), Ok(100));
        // Shorter without reaching the end, another start, a longer one.
        assert!(check_range((0, 100), (0, 49, Some(1000))).is_err());
        assert!(check_range((0, 100), (0, 49, None)).is_err());
        assert!(check_range((100, 100), (0, 99, Some(1000))).is_err());
        assert!(check_range((0, 100), (0, 199, Some(1000))).is_err());
    }
}
