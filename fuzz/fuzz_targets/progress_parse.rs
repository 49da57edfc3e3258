//! Any bytes given as the account's progress (`GET progress`, what a
//! partner's server sends) yield checked items or an error naming the
//! field, never a panic; items that pass stay within the parser's bounds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pillarbox::unlock::progress::{MAX_ITEMS, parse};

fuzz_target!(|data: &[u8]| {
    if let Ok(items) = parse(data) {
        assert!(items.len() <= MAX_ITEMS);
        for i in &items {
            assert!(!i.series.is_empty() && i.series.len() <= 256);
            assert!(i.episode >= 1);
            assert!(i.at.ends_with('Z'));
        }
    }
});
