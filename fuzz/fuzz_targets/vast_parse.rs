//! Any text given to the VAST reader yields a document within its bounds or
//! an error with an IAB code, never a panic; what a break would play of it
//! (media choice, macro expansion) holds the same bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pillarbox::ads::chain::in_play_order;
use pillarbox::ads::choose::{MediaCaps, choose};
use pillarbox::ads::macros::{MAX_EXPANDED, MacroValues, expand};
use pillarbox::ads::vast::{self, AdBody, MAX_AD_DURATION, MAX_ADS, MAX_MEDIA_FILES, MAX_URL};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let doc = match vast::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            assert!(matches!(e.code.code(), 100 | 101 | 102), "{e}");
            return;
        }
    };
    assert!(doc.ads.len() <= MAX_ADS);
    let values = MacroValues {
        content_id: Some("x".into()),
        ..MacroValues::default()
    };
    let caps = MediaCaps {
        max_kbps: 4000,
        screen_height: 1080,
    };
    for ad in in_play_order(&doc) {
        let creatives = match &ad.body {
            AdBody::InLine(inline) => &inline.creatives,
            AdBody::Wrapper(w) => {
                assert!(w.tag_uri.len() <= MAX_URL);
                assert!(expand(&w.tag_uri, &values).len() <= MAX_EXPANDED);
                continue;
            }
        };
        for linear in creatives.iter().filter_map(|c| c.linear.as_ref()) {
            assert!(linear.duration <= MAX_AD_DURATION);
            assert!(linear.media_files.len() <= MAX_MEDIA_FILES);
            if let Ok((i, _)) = choose(&linear.media_files, caps) {
                assert!(i < linear.media_files.len());
            }
            for t in &linear.tracking {
                assert!(t.url.len() <= MAX_URL);
                assert!(expand(&t.url, &values).len() <= MAX_EXPANDED);
            }
        }
    }
});
