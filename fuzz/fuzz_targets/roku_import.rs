//! Any JSON given to the Roku Direct Publisher import converts or fails
//! with a message, never a panic; what converts serializes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pillarbox::catalog::{RokuOptions, roku};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let options = RokuOptions {
        licence: Some("FUZZ".into()),
    };
    if let Ok(imported) = roku::convert(&value, &options) {
        serde_json::to_vec(&imported.catalog).expect("an imported catalog serializes");
    }
});
