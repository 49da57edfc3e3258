//! What comes up over a screen and takes the keys until it goes: the PIN
//! dialog, the leave question, "Are you still watching?", and the player's
//! error panel (which the player owns).

pub mod error;
pub mod leave;
pub mod pin;
pub mod still_watching;

pub use leave::LeaveDialog;
pub use pin::PinDialog;
pub use still_watching::StillWatching;

/// The overlay up over the screens, if any (one at a time: each comes from
/// a screen the others do not show on).
#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    Pin(PinDialog),
    Leave(LeaveDialog),
    StillWatching(StillWatching),
}
