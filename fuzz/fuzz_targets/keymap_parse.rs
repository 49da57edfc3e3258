//! Any text given to the keymap parser yields a keymap or an error, never
//! a panic; a keymap it accepts has a usable repeat and answers lookups.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pillarbox::input::{Keymap, MAX_KEYMAP_BYTES};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Keymap::parse(text, "fuzz") {
        Ok(map) => {
            assert!(text.len() <= MAX_KEYMAP_BYTES);
            assert!(map.repeat().problem().is_none());
            for word in text.split_whitespace().take(64) {
                let _ = map.keyboard(word);
                let _ = map.evdev(word.len() as u32);
            }
        }
        Err(e) => assert!(e.to_string().starts_with("keymap fuzz")),
    }
});
