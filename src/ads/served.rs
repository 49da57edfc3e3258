//! The ad client against a real ad server on loopback (axum): wrapper
//! chains, loops, limits, the time budget, no fill, and beacons sent once,
//! in order, again after a failure that may pass.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;

use super::chain::{ChainLimits, resolve};
use super::choose::MediaCaps;
use super::macros::MacroValues;
use super::sender::BeaconSender;
use super::tracking::{AdEvent, AdTracker};
use super::vast::ErrorCode;
use crate::net::{Net, NetConfig, UrlPolicy};

#[derive(Clone, Default)]
struct Hits(Arc<Mutex<Vec<String>>>);

struct Server {
    net: Net,
    base: String,
    hits: Hits,
}

fn wrapper(base: &str, next: &str, name: &str) -> String {
    format!(
        r#"<VAST version="4.1"><Ad id="{name}"><Wrapper><AdSystem>w</AdSystem>
        <VASTAdTagURI><![CDATA[{base}/vast/{next}?cb=[CACHEBUSTING]]]></VASTAdTagURI>
        <Impression>{base}/t/{name}-imp</Impression>
        <Error>{base}/t/{name}-err?e=[ERRORCODE]</Error>
        <Creatives><Creative><Linear><TrackingEvents>
          <Tracking event="complete">{base}/t/{name}-complete</Tracking>
        </TrackingEvents></Linear></Creative></Creatives>
        </Wrapper></Ad></VAST>"#
    )
}

fn inline(base: &str) -> String {
    format!(
        r#"<VAST version="4.1"><Ad id="ad-1"><InLine><AdSystem>demo</AdSystem><AdTitle>Tea</AdTitle>
        <Impression>{base}/t/imp?c=[CONTENTID]&amp;lat=[LIMITADTRACKING]</Impression>
        <Error>{base}/t/err?e=[ERRORCODE]</Error>
        <Creatives><Creative id="cr-1"><Linear>
          <Duration>00:00:08</Duration>
          <TrackingEvents>
            <Tracking event="start">{base}/t/start</Tracking>
            <Tracking event="firstQuartile">{base}/t/q1</Tracking>
            <Tracking event="midpoint">{base}/t/mid</Tracking>
            <Tracking event="thirdQuartile">{base}/t/q3</Tracking>
            <Tracking event="complete">{base}/t/complete?p=[ADPLAYHEAD]</Tracking>
          </TrackingEvents>
          <MediaFiles><MediaFile delivery="progressive" type="video/mp4" width="540" height="960" bitrate="900">{base}/media/ad.mp4</MediaFile></MediaFiles>
        </Linear></Creative></Creatives></InLine></Ad></VAST>"#
    )
}

async fn vast(
    State((base, hits)): State<(String, Hits)>,
    Path(name): Path<String>,
) -> axum::response::Response {
    hits.0.lock().unwrap().push(format!("vast/{name}"));
    let doc = match name.as_str() {
        "inline" => inline(&base),
        "w1" => wrapper(&base, "w2", "w1"),
        "w2" => wrapper(&base, "inline", "w2"),
        "loop-a" => wrapper(&base, "loop-b", "loop-a"),
        "loop-b" => wrapper(&base, "loop-a", "loop-b"),
        n if n.starts_with("deep") => {
            let depth: u32 = n[4..].parse().unwrap_or(0);
            if depth == 0 {
                inline(&base)
            } else {
                wrapper(&base, &format!("deep{}", depth - 1), n)
            }
        }
        "to-empty" => wrapper(&base, "empty", "to-empty"),
        "empty" => r#"<VAST version="4.1"><Error>http://127.0.0.1:1/never</Error></VAST>"#.to_owned(),
        "to-slow" => wrapper(&base, "slow", "to-slow"),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            inline(&base)
        }
        "to-missing" => wrapper(&base, "missing", "to-missing"),
        "to-huge" => wrapper(&base, "huge", "to-huge"),
        // Ten megabytes of a valid start: refused as it arrives.
        "huge" => format!("<VAST version=\"4.1\">{}</VAST>", "<!-- padding -->".repeat(10 << 16)),
        "bomb" => "<!DOCTYPE VAST [<!ENTITY a \"aaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><VAST version=\"4.1\">&b;</VAST>".to_owned(),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    ([("content-type", "application/xml")], doc).into_response()
}

async fn tracker(
    State((_, hits)): State<(String, Hits)>,
    Path(name): Path<String>,
    uri: axum::http::Uri,
) -> StatusCode {
    let mut h = hits.0.lock().unwrap();
    let entry = match uri.query() {
        Some(q) => format!("t/{name}?{q}"),
        None => format!("t/{name}"),
    };
    // The first request for "flaky" fails as a server does when it is
    // restarting: the sender must try it again.
    let first_flaky = name == "flaky" && !h.iter().any(|e| e == "t/flaky!");
    if first_flaky {
        h.push("t/flaky!".into());
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    h.push(entry);
    StatusCode::NO_CONTENT
}

fn serve() -> Server {
    let net = Net::new(NetConfig {
        policy: UrlPolicy::loopback(),
        retry: crate::net::RetryPolicy {
            attempts: 1,
            ..Default::default()
        },
        ..NetConfig::default()
    })
    .unwrap();
    let listener = net
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Hits::default();
    let app = Router::new()
        .route("/vast/{name}", get(vast))
        .route("/t/{name}", get(tracker))
        .with_state((base.clone(), hits.clone()));
    net.spawn(async move { axum::serve(listener, app).await });
    Server { net, base, hits }
}

const CAPS: MediaCaps = MediaCaps {
    max_kbps: 4000,
    screen_height: 1080,
};

fn values() -> MacroValues {
    MacroValues::new(None, Some("ceo-secret/9".into()))
}

impl Server {
    fn resolve(&self, tag: &str, limits: ChainLimits) -> super::chain::Resolved {
        let tag = format!("{}/vast/{tag}", self.base);
        self.net
            .block_on(resolve(self.net.fetcher(), &tag, &values(), CAPS, limits))
    }

    fn hits(&self) -> Vec<String> {
        self.hits.0.lock().unwrap().clone()
    }
}

#[test]
fn wrappers_lead_to_an_inline_ad_with_their_trackers() {
    let s = serve();
    let r = s.resolve("w1", ChainLimits::default());
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    let ad = &r.ads[0];
    assert_eq!(ad.ad_id.as_deref(), Some("ad-1"));
    assert_eq!(ad.media.url, format!("{}/media/ad.mp4", s.base));
    let imps: Vec<_> = ad
        .impressions
        .iter()
        .map(|u| u.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(
        imps,
        [
            "imp?c=[CONTENTID]&lat=[LIMITADTRACKING]",
            "w1-imp",
            "w2-imp"
        ]
    );
    assert_eq!(s.hits(), ["vast/w1", "vast/w2", "vast/inline"]);

    // Played to its end, every tracker reaches the server once, in the
    // order fired, with its macros filled in; one that fails is tried
    // again later, without holding back those fired after it.
    let sender = BeaconSender::start(&s.net);
    let mut ad = ad.clone();
    ad.tracking.insert(
        1,
        super::vast::Tracking {
            event: super::vast::Event::CreativeView,
            offset: None,
            url: format!("{}/t/flaky", s.base),
        },
    );
    let mut tracker = AdTracker::new(ad);
    for e in [
        AdEvent::Shown,
        AdEvent::Position(Duration::from_secs(3)),
        AdEvent::Position(Duration::from_secs(7)),
        AdEvent::Completed,
        AdEvent::Completed,
    ] {
        sender.send(&tracker.on(e), &values());
    }
    let want = [
        "t/imp?c=ceo-secret%2F9&lat=1",
        "t/w1-imp",
        "t/w2-imp",
        "t/flaky!",
        "t/start",
        "t/q1",
        "t/mid",
        "t/q3",
        "t/complete?p=00%3A00%3A08.000",
        "t/w1-complete",
        "t/w2-complete",
        "t/flaky",
    ];
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let sent = loop {
        let sent: Vec<_> = s
            .hits()
            .into_iter()
            .filter(|h| h.starts_with("t/"))
            .collect();
        if sent.len() >= want.len() || std::time::Instant::now() > deadline {
            break sent;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(sent, want);
    let counts = sender.counts();
    assert_eq!(
        (counts.sent, counts.waiting, counts.dropped),
        (want.len() as u64 - 1, 0, 0)
    );
}

#[test]
fn loops_limits_timeouts_and_no_fill_are_failures_with_their_codes() {
    let s = serve();
    let one = |tag: &str, limits| {
        let r = s.resolve(tag, limits);
        assert!(r.ads.is_empty(), "{tag}: {:?}", r.ads);
        assert_eq!(r.failures.len(), 1, "{tag}");
        r.failures[0].clone()
    };
    let f = one("loop-a", ChainLimits::default());
    assert_eq!(f.code, ErrorCode::Wrapper, "{}", f.reason);
    assert!(f.reason.contains("loop"), "{}", f.reason);

    assert!(
        s.resolve("deep5", ChainLimits::default())
            .failures
            .is_empty()
    );
    let f = one("deep6", ChainLimits::default());
    assert_eq!(f.code, ErrorCode::WrapperLimit);
    // Every wrapper on the way hears of it, the sixth included.
    assert_eq!(f.errors.len(), 6, "{:?}", f.errors);

    let f = one("to-empty", ChainLimits::default());
    assert_eq!(f.code, ErrorCode::NoAdAfterWrapper);

    let f = one("to-missing", ChainLimits::default());
    assert_eq!(f.code, ErrorCode::WrapperTimeout);
    assert!(f.reason.contains("404"), "{}", f.reason);

    let f = one("to-huge", ChainLimits::default());
    assert_eq!(f.code, ErrorCode::WrapperTimeout);
    assert!(f.reason.contains("too large"), "{}", f.reason);

    let started = std::time::Instant::now();
    let f = one(
        "to-slow",
        ChainLimits {
            budget: Duration::from_millis(800),
            ..ChainLimits::default()
        },
    );
    assert_eq!(f.code, ErrorCode::WrapperTimeout);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the budget holds"
    );

    let f = one("bomb", ChainLimits::default());
    assert_eq!(f.code, ErrorCode::Xml, "{}", f.reason);

    // A tag that answers nothing is no fill, not a failure.
    let r = s.resolve("empty", ChainLimits::default());
    assert!(r.ads.is_empty() && r.failures.is_empty());
}
