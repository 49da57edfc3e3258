//! From an ad tag to the ads a break plays: the tag is fetched, wrappers
//! are followed (at most [`MAX_WRAPPERS`], a loop refused, one time budget
//! for the whole chain), each inline ad gets the trackers of the wrappers
//! that led to it, and its media file is chosen. What fails is reported
//! with the IAB's code to every error URL met on the way.

use std::time::Duration;

use super::choose::{Container, MediaCaps, choose};
use super::vast::{Ad, ErrorCode, InLine, MediaFile, Offset, Tracking, Vast, Wrapper};
use crate::net::UrlPolicy;

/// Wrappers followed before an inline ad (VAST 4.1 recommends at least 5).
pub const MAX_WRAPPERS: usize = 5;

/// An ad the player can play, with everything reported for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayableAd {
    /// The `<Ad id>` of the inline ad.
    pub ad_id: Option<String>,
    /// The creative's `id`, else its `adId`.
    pub creative_id: Option<String>,
    pub universal_ad_id: Option<(String, String)>,
    pub title: String,
    pub ad_system: String,
    pub duration: Duration,
    /// When "Skip ad" may show; `None`: the ad cannot be skipped.
    pub skip_after: Option<Duration>,
    pub media: MediaFile,
    pub container: Container,
    /// The inline ad's, then each wrapper's, from the tag's down.
    pub impressions: Vec<String>,
    pub errors: Vec<String>,
    pub tracking: Vec<Tracking>,
    /// It had an interactive unit the box does not run (reports 409).
    pub interactive: bool,
}

/// An ad that could not be played: its code, the error URLs met on the
/// way to it, and what happened (for the log and the QA report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdFailure {
    pub code: ErrorCode,
    pub errors: Vec<String>,
    pub reason: String,
}

/// What a tag gave: the ads to play in order, and the failures to report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    pub ads: Vec<PlayableAd>,
    pub failures: Vec<AdFailure>,
}

/// What the wrappers above an ad add to it.
#[derive(Debug, Clone, Default)]
pub struct Inherited {
    pub impressions: Vec<String>,
    pub errors: Vec<String>,
    pub tracking: Vec<Tracking>,
}

impl Inherited {
    pub fn with_wrapper(&self, w: &Wrapper) -> Inherited {
        let mut next = self.clone();
        next.impressions
            .extend(w.reporting.impressions.iter().cloned());
        next.errors.extend(w.reporting.errors.iter().cloned());
        next.tracking.extend(w.tracking.iter().cloned());
        next
    }
}

/// The ads of a response in the order a break plays them: a pod (ads with
/// a `sequence`) in sequence order, else the first stand-alone ad.
pub fn in_play_order(vast: &Vast) -> Vec<&Ad> {
    let mut pod: Vec<&Ad> = vast.ads.iter().filter(|a| a.sequence.is_some()).collect();
    if pod.is_empty() {
        return vast.ads.iter().take(1).collect();
    }
    pod.sort_by_key(|a| a.sequence);
    pod
}

/// An inline ad as the player plays it, with what the wrappers above it
/// add, or why it cannot be played.
pub fn playable(
    ad: &Ad,
    inline: &InLine,
    above: &Inherited,
    caps: MediaCaps,
    policy: &UrlPolicy,
) -> Result<PlayableAd, AdFailure> {
    let mut errors = kept(&inline.reporting.errors, policy, "error");
    errors.extend(above.errors.iter().cloned());
    let fail = |code, reason: String| AdFailure {
        code,
        errors: errors.clone(),
        reason,
    };
    let Some((creative, linear)) = inline
        .creatives
        .iter()
        .find_map(|c| c.linear.as_ref().map(|l| (c, l)))
    else {
        return Err(fail(
            ErrorCode::Linearity,
            "the ad has no linear (video) creative".into(),
        ));
    };
    // Media URLs the URL policy refuses are not candidates.
    let mut files = Vec::new();
    let mut refused = Vec::new();
    for f in &linear.media_files {
        match policy.parse(&f.url) {
            Ok(_) => files.push(f.clone()),
            Err(e) => refused.push(e.to_string()),
        }
    }
    let (index, container) = choose(&files, caps).map_err(|mut e| {
        e.refused.extend(refused);
        fail(ErrorCode::NoSupportedMedia, e.to_string())
    })?;
    let mut impressions = kept(&inline.reporting.impressions, policy, "impression");
    impressions.extend(above.impressions.iter().cloned());
    let mut tracking: Vec<Tracking> = linear
        .tracking
        .iter()
        .filter(|t| allowed(&t.url, policy, t.event.name()))
        .cloned()
        .collect();
    tracking.extend(above.tracking.iter().cloned());
    Ok(PlayableAd {
        ad_id: ad.id.clone(),
        creative_id: creative.id.clone().or_else(|| creative.ad_id.clone()),
        universal_ad_id: creative.universal_ad_id.clone(),
        title: inline.title.clone(),
        ad_system: inline.ad_system.clone(),
        duration: linear.duration,
        skip_after: linear
            .skip_offset
            .map(|o: Offset| o.within(linear.duration)),
        media: files.swap_remove(index),
        container,
        impressions,
        errors,
        tracking,
        interactive: linear.interactive,
    })
}

/// The URLs the policy allows; the rest are logged and left out (a tracker
/// into the box's LAN is not requested).
fn kept(urls: &[String], policy: &UrlPolicy, what: &str) -> Vec<String> {
    urls.iter()
        .filter(|u| allowed(u, policy, what))
        .cloned()
        .collect()
}

fn allowed(url: &str, policy: &UrlPolicy, what: &str) -> bool {
    // Macros are expanded when fired: parse with them stood in for.
    match policy.parse(&url.replace(['[', ']'], "_")) {
        Ok(_) => true,
        Err(e) => {
            tracing::warn!("VAST {what} URL left out: {e}");
            false
        }
    }
}

#[cfg(feature = "player")]
pub use fetch::{ChainLimits, resolve};

#[cfg(feature = "player")]
mod fetch {
    use std::collections::HashSet;
    use std::time::Duration;

    use tokio::time::Instant;
    use url::Url;

    use super::{AdFailure, Inherited, MAX_WRAPPERS, Resolved, in_play_order, playable};
    use crate::ads::choose::MediaCaps;
    use crate::ads::macros::{MacroValues, expand};
    use crate::ads::vast::{self, AdBody, ErrorCode, Vast};
    use crate::ads::xml::MAX_DOCUMENT;
    use crate::net::{FetchStats, Fetcher};

    /// How long and how deep a chain may go.
    #[derive(Debug, Clone, Copy)]
    pub struct ChainLimits {
        /// For the whole chain, every wrapper's request together.
        pub budget: Duration,
        pub max_wrappers: usize,
    }

    impl Default for ChainLimits {
        fn default() -> Self {
            ChainLimits {
                budget: Duration::from_secs(5),
                max_wrappers: MAX_WRAPPERS,
            }
        }
    }

    /// Fetches `tag` (macros expanded with `values`, made anew for each
    /// request: [`MacroValues::for_request`]) and follows it to the
    /// ads a break plays. Never fails as a whole: no fill is no ads, and
    /// each ad that cannot play is a failure to report.
    pub async fn resolve(
        fetcher: &Fetcher,
        tag: &str,
        values: &MacroValues,
        caps: MediaCaps,
        limits: ChainLimits,
    ) -> Resolved {
        let deadline = Instant::now() + limits.budget;
        let mut out = Resolved::default();
        let mut seen = HashSet::new();
        let top = match get(fetcher, tag, values, deadline, &mut seen).await {
            Ok(vast) => vast,
            Err((code, reason)) => {
                // Nothing to report to: the tag itself failed.
                out.failures.push(AdFailure {
                    code,
                    errors: Vec::new(),
                    reason,
                });
                return out;
            }
        };
        let policy = *fetcher.policy();
        for ad in in_play_order(&top) {
            let mut chain_seen = seen.clone();
            match follow(
                fetcher,
                ad.clone(),
                Inherited::default(),
                values,
                caps,
                limits,
                deadline,
                &mut chain_seen,
                &policy,
            )
            .await
            {
                Ok(ad) => out.ads.push(ad),
                Err(f) => out.failures.push(f),
            }
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    async fn follow(
        fetcher: &Fetcher,
        mut ad: vast::Ad,
        mut above: Inherited,
        values: &MacroValues,
        caps: MediaCaps,
        limits: ChainLimits,
        deadline: Instant,
        seen: &mut HashSet<String>,
        policy: &crate::net::UrlPolicy,
    ) -> Result<super::PlayableAd, AdFailure> {
        let mut depth = 0;
        loop {
            let wrapper = match &ad.body {
                AdBody::InLine(inline) => return playable(&ad, inline, &above, caps, policy),
                AdBody::Wrapper(w) => w.clone(),
            };
            above = above.with_wrapper(&wrapper);
            let fail = |code, reason: String| AdFailure {
                code,
                errors: above.errors.clone(),
                reason,
            };
            depth += 1;
            if depth > limits.max_wrappers {
                return Err(fail(
                    ErrorCode::WrapperLimit,
                    format!("more than {} wrappers", limits.max_wrappers),
                ));
            }
            let next = get(fetcher, &wrapper.tag_uri, values, deadline, seen)
                .await
                .map_err(|(code, reason)| fail(code, reason))?;
            let Some(first) = in_play_order(&next).into_iter().next() else {
                let mut f = fail(
                    ErrorCode::NoAdAfterWrapper,
                    format!("no ad after wrapper {depth}"),
                );
                f.errors.extend(next.errors.iter().cloned());
                return Err(f);
            };
            if !wrapper.follow_additional_wrappers && matches!(first.body, AdBody::Wrapper(_)) {
                return Err(fail(
                    ErrorCode::Wrapper,
                    "a wrapper that allows no further wrappers led to one".into(),
                ));
            }
            ad = first.clone();
        }
    }

    /// One VAST request within the chain's deadline; a URL already
    /// requested in this chain is a loop.
    async fn get(
        fetcher: &Fetcher,
        tag: &str,
        values: &MacroValues,
        deadline: Instant,
        seen: &mut HashSet<String>,
    ) -> Result<Vast, (ErrorCode, String)> {
        // The tag as written identifies it: expanded, cache-busting makes
        // every request different.
        if !seen.insert(tag.to_owned()) {
            return Err((
                ErrorCode::Wrapper,
                format!("the wrappers loop back to {tag}"),
            ));
        }
        let expanded = expand(tag, &values.for_request());
        let url: Url = fetcher
            .policy()
            .parse(&expanded)
            .map_err(|e| (ErrorCode::WrapperTimeout, e.to_string()))?;
        let stats = FetchStats::default();
        let body = match tokio::time::timeout_at(
            deadline,
            fetcher.get("VAST", &url, None, MAX_DOCUMENT, &stats),
        )
        .await
        {
            Ok(Ok(body)) => body,
            Ok(Err(e)) => return Err((ErrorCode::WrapperTimeout, e.to_string())),
            Err(_) => {
                return Err((
                    ErrorCode::WrapperTimeout,
                    format!("{url}: no answer within the chain's time budget"),
                ));
            }
        };
        let text = std::str::from_utf8(&body)
            .map_err(|_| (ErrorCode::Xml, format!("{url}: the answer is not UTF-8")))?;
        vast::parse(text).map_err(|e| (e.code, format!("{url}: {e}")))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ads::vast::{self, AdBody, Delivery, Event};

    /// An ad with a tracker of every kind, and a wrapper's on top.
    pub(crate) fn playable(duration: Duration) -> PlayableAd {
        let t = |event, offset, name: &str| Tracking {
            event,
            offset,
            url: format!("https://t.example/{name}"),
        };
        PlayableAd {
            ad_id: Some("ad".into()),
            creative_id: Some("cr".into()),
            universal_ad_id: None,
            title: "t".into(),
            ad_system: "s".into(),
            duration,
            skip_after: Some(Duration::from_secs(5)),
            media: MediaFile {
                url: "https://cdn.example/a.mp4".into(),
                delivery: Delivery::Progressive,
                mime: "video/mp4".into(),
                width: 1080,
                height: 1920,
                bitrate: Some(1000),
                codec: None,
                api_framework: None,
            },
            container: Container::Mp4,
            impressions: vec![
                "https://t.example/imp".into(),
                "https://w.example/w-imp".into(),
            ],
            errors: vec![
                "https://t.example/err".into(),
                "https://w.example/w-err".into(),
            ],
            tracking: vec![
                t(Event::Start, None, "start"),
                t(Event::CreativeView, None, "view"),
                t(Event::Midpoint, None, "mid"),
                t(Event::FirstQuartile, None, "q1"),
                t(Event::ThirdQuartile, None, "q3"),
                t(
                    Event::Progress,
                    Some(Offset::Time(Duration::from_secs(5))),
                    "p5s",
                ),
                t(Event::Complete, None, "done"),
                t(Event::Pause, None, "pause"),
                t(Event::Resume, None, "resume"),
                t(Event::Skip, None, "skip"),
                t(Event::Close, None, "close"),
                t(Event::Start, None, "w-start"),
                t(Event::Complete, None, "w-done"),
            ],
            interactive: false,
        }
    }

    const CAPS: MediaCaps = MediaCaps {
        max_kbps: 4000,
        screen_height: 1080,
    };

    #[test]
    fn a_pod_plays_in_sequence_order_else_the_first_ad() {
        let wrapper = |id: &str, seq: Option<u32>| {
            let seq = seq
                .map(|s| format!(" sequence=\"{s}\""))
                .unwrap_or_default();
            format!(
                "<Ad id=\"{id}\"{seq}><Wrapper><VASTAdTagURI>https://a/{id}</VASTAdTagURI></Wrapper></Ad>"
            )
        };
        let doc = format!(
            "<VAST version=\"4.1\">{}{}{}{}</VAST>",
            wrapper("s1", None),
            wrapper("b", Some(2)),
            wrapper("a", Some(1)),
            wrapper("s2", None)
        );
        let vast = vast::parse(&doc).unwrap();
        let ids: Vec<_> = in_play_order(&vast)
            .iter()
            .map(|a| a.id.clone().unwrap())
            .collect();
        assert_eq!(ids, ["a", "b"]);
        let doc = format!(
            "<VAST version=\"4.1\">{}{}</VAST>",
            wrapper("s1", None),
            wrapper("s2", None)
        );
        let vast = vast::parse(&doc).unwrap();
        assert_eq!(in_play_order(&vast).len(), 1);
    }

    #[test]
    fn an_inline_ad_gets_the_wrappers_trackers_and_loses_refused_urls() {
        let vast = vast::parse(crate::ads::vast::tests::INLINE).unwrap();
        let ad = &vast.ads[0];
        let AdBody::InLine(inline) = &ad.body else {
            panic!()
        };
        let above = Inherited {
            impressions: vec!["https://w.example/imp".into()],
            errors: vec!["https://w.example/err".into()],
            tracking: vec![Tracking {
                event: Event::Complete,
                offset: None,
                url: "https://w.example/done".into(),
            }],
        };
        let policy = UrlPolicy::default();
        let p = super::playable(ad, inline, &above, CAPS, &policy).unwrap();
        assert_eq!(p.creative_id.as_deref(), Some("cr-1"));
        assert_eq!(p.media.url, "https://cdn.example/ad-v.mp4");
        assert_eq!(p.skip_after, Some(Duration::from_secs(5)));
        assert_eq!(
            p.impressions,
            [
                "https://t.example/imp?c=[CACHEBUSTING]",
                "https://w.example/imp"
            ]
        );
        assert_eq!(p.tracking.last().unwrap().url, "https://w.example/done");

        // A tracker or media file into the box's own network is not kept.
        let lan = crate::ads::vast::tests::INLINE
            .replace("https://t.example/start", "http://192.168.1.1/start")
            .replace("https://cdn.example/ad-v.mp4", "https://10.0.0.1/ad-v.mp4");
        let p = first_inline(&lan, &policy).unwrap();
        assert!(p.tracking.iter().all(|t| !t.url.contains("192.168")));
        // The landscape HLS is what is left.
        assert_eq!(p.container, Container::Hls);
    }

    /// The first ad of `doc`, an inline one, as the player would get it
    /// with nothing above it.
    fn first_inline(doc: &str, policy: &UrlPolicy) -> Result<PlayableAd, AdFailure> {
        let vast = vast::parse(doc).unwrap();
        let AdBody::InLine(inline) = &vast.ads[0].body else {
            panic!("not an inline ad")
        };
        super::playable(&vast.ads[0], inline, &Inherited::default(), CAPS, policy)
    }

    #[test]
    fn no_linear_creative_or_no_media_is_a_failure_with_its_code() {
        let doc = "<VAST version=\"4.1\"><Ad><InLine><Error>https://e/[ERRORCODE]</Error><Creatives><Creative><NonLinearAds/></Creative></Creatives></InLine></Ad></VAST>";
        let f = first_inline(doc, &UrlPolicy::default()).unwrap_err();
        assert_eq!((f.code, f.errors.len()), (ErrorCode::Linearity, 1));

        let doc = crate::ads::vast::tests::INLINE
            .replace("video/mp4", "video/webm")
            .replace("application/x-mpegURL", "video/ogg");
        let f = first_inline(&doc, &UrlPolicy::default()).unwrap_err();
        assert_eq!(f.code, ErrorCode::NoSupportedMedia);
        assert!(f.reason.contains("webm"), "{}", f.reason);
    }
}
