//! The demo's ad server (docs/ads.md): a VAST 4.2 pod of two wrappers, each
//! leading to an inline ad whose vertical creative is made with GStreamer
//! (labelled AD; the second skippable), and tracking endpoints that count
//! every hit, so what a box fires can be read back at `GET /ads/hits`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use url::Url;

/// The creatives' lengths, seconds, in pod order.
pub const AD_SECONDS: [u32; 2] = [6, 8];
/// The second creative may be skipped after this many seconds.
pub const SKIP_AFTER_S: u32 = 3;
/// The creatives' picture size (vertical, as the episodes).
pub const AD_SIZE: (u32, u32) = (540, 960);

/// The tracking events each creative names (VAST 4.2 section 3.14.1).
const EVENTS: [&str; 11] = [
    "creativeView",
    "start",
    "firstQuartile",
    "midpoint",
    "thirdQuartile",
    "complete",
    "pause",
    "resume",
    "skip",
    "closeLinear",
    "progress-5",
];

/// The ad server's state: tracking hits by name ("1/start",
/// "wrapper-1/impression", "2/error:405").
#[derive(Clone)]
pub struct AdServer {
    base: Url,
    hits: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl AdServer {
    pub fn new(base: &Url) -> AdServer {
        AdServer {
            base: base.clone(),
            hits: Default::default(),
        }
    }

    /// Hits so far, by tracker.
    pub fn hits(&self) -> BTreeMap<String, u64> {
        self.hits.lock().map(|h| h.clone()).unwrap_or_default()
    }

    /// The ad tag a catalog names (macros the box fills in).
    pub fn tag(base: &Url) -> String {
        format!("{base}ads/vast?content=[CONTENTID]&cb=[CACHEBUSTING]&lat=[LIMITADTRACKING]")
    }

    /// The rewarded tag a catalog names: creative 1's inline ad itself
    /// (not skippable).
    pub fn rewarded_tag(base: &Url) -> String {
        format!("{base}ads/inline/1?content=[CONTENTID]&cb=[CACHEBUSTING]&lat=[LIMITADTRACKING]")
    }

    pub fn router(&self) -> axum::Router {
        axum::Router::new()
            .route("/ads/vast", axum::routing::get(pod))
            .route("/ads/inline/{n}", axum::routing::get(inline))
            .route("/ads/track/{who}/{what}", axum::routing::get(track))
            .route(
                "/ads/hits",
                axum::routing::get(|State(s): State<AdServer>| async move { axum::Json(s.hits()) }),
            )
            .with_state(self.clone())
    }

    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The tag's answer: a pod of two ads, each a wrapper leading to the
    /// inline ad of its creative (as ad networks chain them).
    fn pod_xml(&self) -> String {
        let mut ads = String::new();
        for n in 1..=AD_SECONDS.len() {
            ads.push_str(&format!(
                r#"  <Ad id="demo-wrapper-{n}" sequence="{n}">
    <Wrapper followAdditionalWrappers="true">
      <AdSystem>pillarbox demo network</AdSystem>
      <VASTAdTagURI><![CDATA[{inline}]]></VASTAdTagURI>
      <Impression><![CDATA[{imp}]]></Impression>
      <Error><![CDATA[{err}]]></Error>
      <Creatives>
        <Creative>
          <Linear>
            <TrackingEvents>
              <Tracking event="start"><![CDATA[{start}]]></Tracking>
              <Tracking event="complete"><![CDATA[{complete}]]></Tracking>
            </TrackingEvents>
          </Linear>
        </Creative>
      </Creatives>
    </Wrapper>
  </Ad>
"#,
                inline = self.at(&format!("ads/inline/{n}?cb=[CACHEBUSTING]")),
                imp = self.at(&format!("ads/track/wrapper-{n}/impression")),
                err = self.at(&format!("ads/track/wrapper-{n}/error?code=[ERRORCODE]")),
                start = self.at(&format!("ads/track/wrapper-{n}/start")),
                complete = self.at(&format!("ads/track/wrapper-{n}/complete")),
            ));
        }
        vast_document(&ads)
    }

    /// Creative `n`'s inline ad (1-based), or no ad for another number.
    fn inline_xml(&self, n: usize) -> String {
        let Some(seconds) = n.checked_sub(1).and_then(|i| AD_SECONDS.get(i)) else {
            return vast_document("");
        };
        let tracking: String = EVENTS
            .iter()
            .map(|e| {
                let (event, offset) = match e.strip_prefix("progress-") {
                    Some(s) => ("progress", format!(r#" offset="00:00:0{s}""#)),
                    None => (*e, String::new()),
                };
                format!(
                    "              <Tracking event=\"{event}\"{offset}><![CDATA[{}]]></Tracking>\n",
                    self.at(&format!("ads/track/{n}/{e}"))
                )
            })
            .collect();
        let skip = if n == 2 {
            format!(r#" skipoffset="00:00:{SKIP_AFTER_S:02}""#)
        } else {
            String::new()
        };
        let (w, h) = AD_SIZE;
        vast_document(&format!(
            r#"  <Ad id="demo-ad-{n}">
    <InLine>
      <AdSystem version="1">pillarbox demo</AdSystem>
      <AdTitle>Demo advertiser {n}</AdTitle>
      <Impression id="demo"><![CDATA[{imp}]]></Impression>
      <Error><![CDATA[{err}]]></Error>
      <Creatives>
        <Creative id="demo-creative-{n}" sequence="1">
          <UniversalAdId idRegistry="demo">demo-{n}</UniversalAdId>
          <Linear{skip}>
            <Duration>00:00:{seconds:02}</Duration>
            <TrackingEvents>
{tracking}            </TrackingEvents>
            <MediaFiles>
              <MediaFile delivery="progressive" type="video/mp4" width="{w}" height="{h}" bitrate="1200" codec="avc1.42c01f,mp4a.40.2"><![CDATA[{media}]]></MediaFile>
            </MediaFiles>
          </Linear>
        </Creative>
      </Creatives>
    </InLine>
  </Ad>
"#,
            imp = self.at(&format!("ads/track/{n}/impression")),
            err = self.at(&format!("ads/track/{n}/error?code=[ERRORCODE]")),
            media = self.at(&format!("ads/media/{n}/episode.mp4")),
        ))
    }
}

fn vast_document(ads: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <VAST version=\"4.2\" xmlns=\"http://www.iab.com/VAST\">\n{ads}</VAST>\n"
    )
}

fn xml(body: String) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/xml")], body)
}

async fn pod(State(s): State<AdServer>) -> impl IntoResponse {
    xml(s.pod_xml())
}

async fn inline(State(s): State<AdServer>, Path(n): Path<usize>) -> impl IntoResponse {
    xml(s.inline_xml(n))
}

/// A tracker fired: counted (an error with its code).
async fn track(
    State(s): State<AdServer>,
    Path((who, what)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let mut key = format!("{who}/{what}");
    if let Some(code) = query.get("code") {
        key = format!("{key}:{code}");
    }
    // Bounded: the names come from the box's requests.
    key.truncate(64);
    if let Ok(mut hits) = s.hits.lock()
        && (hits.len() < 256 || hits.contains_key(&key))
    {
        *hits.entry(key).or_default() += 1;
    }
    axum::http::StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ads::chain::{in_play_order, playable};
    use crate::ads::vast::{self, AdBody};

    #[test]
    fn the_demo_documents_parse_as_a_pod_of_wrappers_and_their_inline_ads() {
        let s = AdServer::new(&Url::parse("http://127.0.0.1:9/").unwrap());
        let pod = vast::parse(&s.pod_xml()).expect("the pod");
        let wrappers = in_play_order(&pod);
        assert_eq!(wrappers.len(), 2);
        assert!(matches!(wrappers[1].body, AdBody::Wrapper(_)));
        let second = vast::parse(&s.inline_xml(2)).expect("the second inline ad");
        let AdBody::InLine(inline) = &second.ads[0].body else {
            panic!("an inline ad")
        };
        let caps = crate::ads::choose::MediaCaps {
            max_kbps: 8000,
            screen_height: 1080,
        };
        let policy = crate::net::UrlPolicy::loopback();
        let ad =
            playable(&second.ads[0], inline, &Default::default(), caps, &policy).expect("playable");
        assert_eq!(ad.duration.as_secs(), u64::from(AD_SECONDS[1]));
        assert_eq!(
            ad.skip_after.map(|d| d.as_secs()),
            Some(u64::from(SKIP_AFTER_S))
        );
        assert_eq!(ad.media.url, "http://127.0.0.1:9/ads/media/2/episode.mp4");
        // Any other number: no ad.
        assert!(vast::parse(&s.inline_xml(3)).unwrap().ads.is_empty());
    }
}
