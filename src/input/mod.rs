//! Remote-control actions and the keymaps that produce them.
//!
//! Two sources: keyboard keys as Slint names them (winit on a desktop, or a
//! keyboard on a box) and raw Linux evdev key codes from the linuxkms
//! backend's libinput hook (remotes send KEY_OK, KEY_BACK, colour keys, which
//! have no keyboard equivalent). Which key does what is data: a keymap file.

mod evdev;
pub mod repeat;

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use evdev::evdev_code;

/// What the viewer asked for, whatever the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Up,
    Down,
    Left,
    Right,
    Ok,
    Back,
    PlayPause,
    Play,
    Pause,
    Next,
    Previous,
    Red,
    Green,
    Yellow,
    Blue,
    /// Leave to the home screen (the remote's Exit or Home key).
    Exit,
    /// Number keys (a PIN, an episode number).
    Digit0,
    Digit1,
    Digit2,
    Digit3,
    Digit4,
    Digit5,
    Digit6,
    Digit7,
    Digit8,
    Digit9,
}

impl Action {
    /// The number of a number key.
    pub fn digit(self) -> Option<u8> {
        use Action::*;
        [
            Digit0, Digit1, Digit2, Digit3, Digit4, Digit5, Digit6, Digit7, Digit8, Digit9,
        ]
        .iter()
        .position(|d| *d == self)
        .map(|i| i as u8)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeymapError {
    #[error("keymap {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("keymap {path}: {message}")]
    Parse { path: String, message: String },
    #[error("keymap {path}: [{section}] {key:?} is not a known key")]
    UnknownKey {
        path: String,
        section: &'static str,
        key: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    keyboard: HashMap<String, Action>,
    #[serde(default)]
    evdev: HashMap<String, Action>,
    #[serde(default)]
    repeat: repeat::RepeatConfig,
}

/// Key → action tables for both input paths.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    /// Keyed by the text Slint puts in a key event.
    keyboard: HashMap<String, Action>,
    evdev: HashMap<u32, Action>,
    /// Key repeat for evdev keys (libinput sends none).
    repeat: repeat::RepeatConfig,
}

/// A keymap file is a page of text; anything much larger is not one.
pub const MAX_KEYMAP_BYTES: usize = 64 * 1024;

/// The keymap shipped in `platform/keymaps/default.toml`.
pub const DEFAULT_KEYMAP: &str = include_str!("../../platform/keymaps/default.toml");

impl Keymap {
    pub fn builtin() -> Keymap {
        Keymap::parse(DEFAULT_KEYMAP, "built-in keymap").expect("the built-in keymap is valid")
    }

    pub fn load(path: &Path) -> Result<Keymap, KeymapError> {
        use std::io::Read;
        let read = |source| KeymapError::Read {
            path: path.display().to_string(),
            source,
        };
        let mut text = String::new();
        std::fs::File::open(path)
            .map_err(read)?
            .take(MAX_KEYMAP_BYTES as u64 + 1)
            .read_to_string(&mut text)
            .map_err(read)?;
        Keymap::parse(&text, &path.display().to_string())
    }

    /// `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Keymap, KeymapError> {
        if text.len() > MAX_KEYMAP_BYTES {
            return Err(KeymapError::Parse {
                path: origin.into(),
                message: format!("larger than {MAX_KEYMAP_BYTES} bytes"),
            });
        }
        let file: KeymapFile = toml::from_str(text).map_err(|e| KeymapError::Parse {
            path: origin.into(),
            message: e.to_string(),
        })?;
        if let Some(message) = file.repeat.problem() {
            return Err(KeymapError::Parse {
                path: origin.into(),
                message,
            });
        }
        let mut map = Keymap {
            repeat: file.repeat,
            ..Keymap::default()
        };
        for (name, action) in file.keyboard {
            let text = keyboard_text(&name).ok_or_else(|| KeymapError::UnknownKey {
                path: origin.into(),
                section: "keyboard",
                key: name.clone(),
            })?;
            map.keyboard.insert(text, action);
        }
        for (name, action) in file.evdev {
            let code = evdev_code(&name).ok_or_else(|| KeymapError::UnknownKey {
                path: origin.into(),
                section: "evdev",
                key: name.clone(),
            })?;
            map.evdev.insert(code, action);
        }
        Ok(map)
    }

    /// The action of a Slint key event's text, if any.
    pub fn keyboard(&self, text: &str) -> Option<Action> {
        self.keyboard
            .get(text)
            .or_else(|| self.keyboard.get(&text.to_lowercase()))
            .copied()
    }

    pub fn repeat(&self) -> repeat::RepeatConfig {
        self.repeat
    }

    /// The action of an evdev key code (linux/input-event-codes.h), if any.
    pub fn evdev(&self, code: u32) -> Option<Action> {
        self.evdev.get(&code).copied()
    }
}

/// Slint's names of special keys and the private-use characters it puts
/// in their key events (`slint::platform::Key`; a test checks the two
/// agree). Written out so that the keymap parser needs no UI (it is fuzzed
/// without one).
const SPECIAL_KEYS: &[(&str, char)] = &[
    ("Backspace", '\u{0008}'),
    ("Tab", '\u{0009}'),
    ("Return", '\u{000a}'),
    ("Escape", '\u{001b}'),
    ("Space", '\u{0020}'),
    ("Delete", '\u{007f}'),
    ("UpArrow", '\u{F700}'),
    ("DownArrow", '\u{F701}'),
    ("LeftArrow", '\u{F702}'),
    ("RightArrow", '\u{F703}'),
    ("F1", '\u{F704}'),
    ("F2", '\u{F705}'),
    ("F3", '\u{F706}'),
    ("F4", '\u{F707}'),
    ("F5", '\u{F708}'),
    ("F6", '\u{F709}'),
    ("F7", '\u{F70A}'),
    ("F8", '\u{F70B}'),
    ("F9", '\u{F70C}'),
    ("F10", '\u{F70D}'),
    ("F11", '\u{F70E}'),
    ("F12", '\u{F70F}'),
    ("Insert", '\u{F727}'),
    ("Home", '\u{F729}'),
    ("End", '\u{F72B}'),
    ("PageUp", '\u{F72C}'),
    ("PageDown", '\u{F72D}'),
    ("Pause", '\u{F730}'),
    ("Stop", '\u{F734}'),
    ("Menu", '\u{F735}'),
    ("Back", '\u{F748}'),
];

/// The text Slint gives a key: a special key's private-use character for the
/// names of `slint::platform::Key`, or a single character as itself.
fn keyboard_text(name: &str) -> Option<String> {
    if let Some((_, c)) = SPECIAL_KEYS.iter().find(|(n, _)| *n == name) {
        return Some(c.to_string());
    }
    let mut chars = name.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Some(c.to_lowercase().collect()),
        _ => None,
    }
}

// The tests name keys as Slint does, so they need the UI.
#[cfg(all(test, feature = "tv"))]
mod tests {
    use super::*;
    use slint::platform::Key;

    #[test]
    fn special_key_names_give_the_characters_slint_sends() {
        use Key::*;
        let keys = [
            Backspace, Tab, Return, Escape, Space, Delete, UpArrow, DownArrow, LeftArrow,
            RightArrow, F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12, Insert, Home, End,
            PageUp, PageDown, Pause, Stop, Menu, Back,
        ];
        assert_eq!(keys.len(), SPECIAL_KEYS.len());
        for (key, (name, c)) in keys.into_iter().zip(SPECIAL_KEYS) {
            assert_eq!(char::from(key), *c, "{name}");
            assert_eq!(format!("{key:?}"), *name);
        }
    }

    #[test]
    fn builtin_keymap_covers_remote_and_keyboard() {
        let map = Keymap::builtin();
        let k = |key: Key| map.keyboard(&char::from(key).to_string());
        assert_eq!(k(Key::UpArrow), Some(Action::Up));
        assert_eq!(k(Key::Escape), Some(Action::Back));
        assert_eq!(k(Key::Backspace), Some(Action::Back));
        assert_eq!(k(Key::Return), Some(Action::Ok));
        assert_eq!(k(Key::Space), Some(Action::PlayPause));
        assert_eq!(k(Key::PageUp), Some(Action::Next));
        assert_eq!(map.keyboard("P"), Some(Action::PlayPause));
        for (name, action) in [
            ("KEY_OK", Action::Ok),
            ("KEY_BACK", Action::Back),
            ("KEY_EXIT", Action::Exit),
            ("KEY_PLAYPAUSE", Action::PlayPause),
            ("KEY_CHANNELUP", Action::Next),
            ("KEY_CHANNELDOWN", Action::Previous),
            ("KEY_RED", Action::Red),
            ("KEY_BLUE", Action::Blue),
        ] {
            assert_eq!(map.evdev(evdev_code(name).unwrap()), Some(action), "{name}");
        }
        assert_eq!(evdev_code("KEY_OK"), Some(0x160));
    }

    #[test]
    fn bad_keymaps_name_the_problem() {
        let e = Keymap::parse("[evdev]\nKEY_NOPE = \"ok\"\n", "box.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "keymap box.toml: [evdev] \"KEY_NOPE\" is not a known key"
        );
        let e = Keymap::parse("[keyboard]\nEscape = \"jump\"\n", "box.toml").unwrap_err();
        assert!(e.to_string().contains("jump"), "{e}");
        // Numeric codes work for keys without a name here.
        let map = Keymap::parse("[evdev]\n\"0x2c0\" = \"red\"\n\"705\" = \"blue\"\n", "x")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(map.evdev(0x2c0), Some(Action::Red));
        assert_eq!(map.evdev(705), Some(Action::Blue));
        // Key repeat: the built-in timing, a file's own, a bad one named.
        assert_eq!(Keymap::builtin().repeat().delay_ms, 400);
        let map = Keymap::parse("[repeat]\ninterval_ms = 60\n", "x").unwrap();
        assert_eq!((map.repeat().delay_ms, map.repeat().interval_ms), (400, 60));
        let e = Keymap::parse("[repeat]\ndelay_ms = 5\n", "box.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "keymap box.toml: [repeat] delay_ms = 5: between 100 and 2000"
        );
        // Number keys, from a keyboard and a remote.
        let map = Keymap::builtin();
        assert_eq!(map.keyboard("5"), Some(Action::Digit5));
        assert_eq!(map.evdev(0x205), Some(Action::Digit5));
        assert_eq!(Action::Digit5.digit(), Some(5));
    }
}
