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

use serde::Deserialize;

pub use evdev::evdev_code;

/// What the viewer asked for, whatever the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
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

/// The keymap shipped in `platform/keymaps/default.toml`.
pub const DEFAULT_KEYMAP: &str = include_str!("../../platform/keymaps/default.toml");

impl Keymap {
    pub fn builtin() -> Keymap {
        Keymap::parse(DEFAULT_KEYMAP, "built-in keymap").expect("the built-in keymap is valid")
    }

    pub fn load(path: &Path) -> Result<Keymap, KeymapError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeymapError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Keymap::parse(&text, &path.display().to_string())
    }

    /// `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Keymap, KeymapError> {
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

/// The text Slint gives a key: a special key's private-use character for the
/// names of `slint::platform::Key`, or a single character as itself.
fn keyboard_text(name: &str) -> Option<String> {
    use slint::platform::Key;
    let key = match name {
        "Backspace" => Key::Backspace,
        "Tab" => Key::Tab,
        "Return" => Key::Return,
        "Escape" => Key::Escape,
        "Space" => Key::Space,
        "Delete" => Key::Delete,
        "UpArrow" => Key::UpArrow,
        "DownArrow" => Key::DownArrow,
        "LeftArrow" => Key::LeftArrow,
        "RightArrow" => Key::RightArrow,
        "F1" => Key::F1,
        "F2" => Key::F2,
        "F3" => Key::F3,
        "F4" => Key::F4,
        "F5" => Key::F5,
        "F6" => Key::F6,
        "F7" => Key::F7,
        "F8" => Key::F8,
        "F9" => Key::F9,
        "F10" => Key::F10,
        "F11" => Key::F11,
        "F12" => Key::F12,
        "Insert" => Key::Insert,
        "Home" => Key::Home,
        "End" => Key::End,
        "PageUp" => Key::PageUp,
        "PageDown" => Key::PageDown,
        "Pause" => Key::Pause,
        "Stop" => Key::Stop,
        "Menu" => Key::Menu,
        "Back" => Key::Back,
        other => {
            let mut chars = other.chars();
            return match (chars.next(), chars.next()) {
                (Some(c), None) => Some(c.to_lowercase().collect()),
                _ => None,
            };
        }
    };
    Some(char::from(key).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use slint::platform::Key;

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
