//! What comes up over a screen and takes the keys until it goes: the PIN
//! dialog, a yes-or-no question (leave, reset), "Are you still watching?",
//! and the player's error panel (which the player owns).

pub mod error;
pub mod pin;
pub mod question;
pub mod still_watching;

pub use pin::PinDialog;
pub use question::{Question, QuestionDialog};
pub use still_watching::StillWatching;

/// The overlay up over the screens, if any (one at a time: each comes from
/// a screen the others do not show on).
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Pin(PinDialog),
    Question(QuestionDialog),
    StillWatching(StillWatching),
}
