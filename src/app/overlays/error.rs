//! The player's error panel: a broken episode says so and offers a way on
//! (try again, or the next episode); Back still leaves.

use crate::input::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorChoice {
    Retry,
    Next,
}

/// What the viewer chose on the panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorOutcome {
    /// Still deciding.
    Open,
    Retry,
    Next,
    Previous,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorPanel {
    /// What went wrong, as the player said it.
    pub message: String,
    pub choice: ErrorChoice,
}

impl ErrorPanel {
    pub fn new(message: String) -> ErrorPanel {
        ErrorPanel {
            message,
            choice: ErrorChoice::Retry,
        }
    }

    pub fn on_action(&mut self, action: Action) -> ErrorOutcome {
        match action {
            Action::Left | Action::Right => {
                self.choice = match self.choice {
                    ErrorChoice::Retry => ErrorChoice::Next,
                    ErrorChoice::Next => ErrorChoice::Retry,
                };
                ErrorOutcome::Open
            }
            Action::Ok => match self.choice {
                ErrorChoice::Retry => ErrorOutcome::Retry,
                ErrorChoice::Next => ErrorOutcome::Next,
            },
            Action::Next => ErrorOutcome::Next,
            Action::Previous => ErrorOutcome::Previous,
            _ => ErrorOutcome::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_first_then_next_and_the_channel_keys_go_on() {
        let mut p = ErrorPanel::new("HTTP 503".into());
        assert_eq!(p.on_action(Action::Ok), ErrorOutcome::Retry);
        assert_eq!(p.on_action(Action::Left), ErrorOutcome::Open);
        assert_eq!(p.on_action(Action::Ok), ErrorOutcome::Next);
        assert_eq!(p.on_action(Action::Previous), ErrorOutcome::Previous);
        assert_eq!(p.on_action(Action::Up), ErrorOutcome::Open);
    }
}
