//! Any bytes given to the catalog parser (pillarbox format or Roku feed)
//! yield a catalog or problems, never a panic; a catalog that parses
//! serializes and parses again to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pillarbox::catalog::{self, RokuOptions};
use pillarbox::net::UrlPolicy;

fuzz_target!(|data: &[u8]| {
    let policy = UrlPolicy::default();
    let roku = RokuOptions {
        licence: Some("FUZZ".into()),
    };
    if let Ok((parsed, _)) = catalog::parse_any(data, &policy, &roku) {
        let again = serde_json::to_vec(&parsed).expect("a parsed catalog serializes");
        let reparsed = catalog::parse(&again, &policy).expect("and parses again");
        assert_eq!(parsed, reparsed);
    }
});
