//! Names of Linux input key codes (linux/input-event-codes.h) that remotes
//! and keyboards send, so keymaps can say `KEY_OK` instead of `352`.

const CODES: &[(&str, u32)] = &[
    ("KEY_ESC", 1),
    ("KEY_1", 2),
    ("KEY_2", 3),
    ("KEY_3", 4),
    ("KEY_4", 5),
    ("KEY_5", 6),
    ("KEY_6", 7),
    ("KEY_7", 8),
    ("KEY_8", 9),
    ("KEY_9", 10),
    ("KEY_0", 11),
    ("KEY_KP7", 71),
    ("KEY_KP8", 72),
    ("KEY_KP9", 73),
    ("KEY_KP4", 75),
    ("KEY_KP5", 76),
    ("KEY_KP6", 77),
    ("KEY_KP1", 79),
    ("KEY_KP2", 80),
    ("KEY_KP3", 81),
    ("KEY_KP0", 82),
    ("KEY_BACKSPACE", 14),
    ("KEY_ENTER", 28),
    ("KEY_SPACE", 57),
    ("KEY_F1", 59),
    ("KEY_F2", 60),
    ("KEY_F3", 61),
    ("KEY_F4", 62),
    ("KEY_HOME", 102),
    ("KEY_UP", 103),
    ("KEY_PAGEUP", 104),
    ("KEY_LEFT", 105),
    ("KEY_RIGHT", 106),
    ("KEY_DOWN", 108),
    ("KEY_PAGEDOWN", 109),
    ("KEY_PAUSE", 119),
    ("KEY_STOP", 128),
    ("KEY_MENU", 139),
    ("KEY_BACK", 158),
    ("KEY_NEXTSONG", 163),
    ("KEY_PLAYPAUSE", 164),
    ("KEY_PREVIOUSSONG", 165),
    ("KEY_STOPCD", 166),
    ("KEY_HOMEPAGE", 172),
    ("KEY_EXIT", 174),
    ("KEY_PLAYCD", 200),
    ("KEY_PAUSECD", 201),
    ("KEY_PLAY", 207),
    ("KEY_OK", 0x160),
    ("KEY_SELECT", 0x161),
    ("KEY_RED", 0x18e),
    ("KEY_GREEN", 0x18f),
    ("KEY_YELLOW", 0x190),
    ("KEY_BLUE", 0x191),
    ("KEY_CHANNELUP", 0x192),
    ("KEY_CHANNELDOWN", 0x193),
    ("KEY_NUMERIC_0", 0x200),
    ("KEY_NUMERIC_1", 0x201),
    ("KEY_NUMERIC_2", 0x202),
    ("KEY_NUMERIC_3", 0x203),
    ("KEY_NUMERIC_4", 0x204),
    ("KEY_NUMERIC_5", 0x205),
    ("KEY_NUMERIC_6", 0x206),
    ("KEY_NUMERIC_7", 0x207),
    ("KEY_NUMERIC_8", 0x208),
    ("KEY_NUMERIC_9", 0x209),
    ("KEY_NEXT", 0x197),
    ("KEY_PREVIOUS", 0x19c),
];

/// The code of `KEY_*`, or a number written in decimal or `0x` hex.
pub fn evdev_code(name: &str) -> Option<u32> {
    if let Some(hex) = name.strip_prefix("0x") {
        return u32::from_str_radix(hex, 16).ok();
    }
    if let Ok(n) = name.parse() {
        return Some(n);
    }
    CODES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}
