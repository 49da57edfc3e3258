//! Any bytes given to the HLS playlist parser yield a plan or an error,
//! never a panic; every number in a plan is within the parser's bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pillarbox::hls::{self, MAX_PLAYLIST_SECONDS, MAX_SEGMENTS, MAX_VARIANTS, Parsed};
use pillarbox::net::UrlPolicy;

fuzz_target!(|data: &[u8]| {
    let base = url::Url::parse("https://cdn.example.com/show/ep1/index.m3u8").unwrap();
    let _ = hls::ts_first_pts(data);
    match hls::parse(data, &base, &UrlPolicy::default()) {
        Ok(Parsed::Master {
            variants,
            audio,
            subtitles,
        }) => {
            assert!(!variants.is_empty() && variants.len() <= MAX_VARIANTS);
            assert!(audio.len() + subtitles.len() <= MAX_VARIANTS);
        }
        Ok(Parsed::Media(plan)) => {
            assert!(plan.segments.len() <= MAX_SEGMENTS);
            assert!(plan.duration().as_secs_f64() <= MAX_PLAYLIST_SECONDS + 1.0);
            for s in &plan.segments {
                if let Some((offset, len)) = s.source.range {
                    assert!(offset.checked_add(len).is_some() && len > 0);
                }
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
