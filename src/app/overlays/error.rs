//! The player's error panel: a broken episode says so in plain words and
//! offers a way on (try again, the next episode when it can play); the
//! technical line (what failed, where) shows only behind Details. Back
//! still leaves.

use crate::input::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorChoice {
    Retry,
    Next,
    Details,
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
    /// What happened, for the viewer, in the UI language.
    pub message: String,
    /// What failed and where (the log and QA have it too); shown behind
    /// Details. Empty: nothing more to say, no Details.
    pub detail: String,
    /// The next episode can play: Next is offered.
    pub next: bool,
    pub choice: ErrorChoice,
    /// Details was chosen: the technical line shows.
    pub details_shown: bool,
}

impl ErrorPanel {
    pub fn new(message: String, detail: String, next: bool) -> ErrorPanel {
        ErrorPanel {
            message,
            detail,
            next,
            choice: ErrorChoice::Retry,
            details_shown: false,
        }
    }

    /// What failed, as the log and QA report it: the technical line when
    /// there is one.
    pub fn technical(&self) -> &str {
        if self.detail.is_empty() {
            &self.message
        } else {
            &self.detail
        }
    }

    /// The choices offered, in screen order.
    pub fn choices(&self) -> Vec<ErrorChoice> {
        let mut v = vec![ErrorChoice::Retry];
        if self.next {
            v.push(ErrorChoice::Next);
        }
        if !self.detail.is_empty() {
            v.push(ErrorChoice::Details);
        }
        v
    }

    /// Keys on the panel; `rtl`: a right-to-left UI, where Left goes
    /// forward.
    pub fn on_action(&mut self, action: Action, rtl: bool) -> ErrorOutcome {
        let choices = self.choices();
        let at = choices.iter().position(|c| *c == self.choice).unwrap_or(0);
        match action {
            Action::Left | Action::Right => {
                let forward = (action == Action::Right) != rtl;
                let to = if forward {
                    (at + 1).min(choices.len() - 1)
                } else {
                    at.saturating_sub(1)
                };
                self.choice = choices[to];
                ErrorOutcome::Open
            }
            Action::Ok => match self.choice {
                ErrorChoice::Retry => ErrorOutcome::Retry,
                ErrorChoice::Next => ErrorOutcome::Next,
                ErrorChoice::Details => {
                    self.details_shown = !self.details_shown;
                    ErrorOutcome::Open
                }
            },
            Action::Next if self.next => ErrorOutcome::Next,
            Action::Previous => ErrorOutcome::Previous,
            _ => ErrorOutcome::Open,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_first_then_next_then_details_and_the_channel_keys_go_on() {
        let mut p = ErrorPanel::new("Can't play".into(), "HTTP 503".into(), true);
        assert_eq!(p.on_action(Action::Ok, false), ErrorOutcome::Retry);
        assert_eq!(p.on_action(Action::Right, false), ErrorOutcome::Open);
        assert_eq!(p.on_action(Action::Ok, false), ErrorOutcome::Next);
        p.on_action(Action::Right, false);
        assert_eq!(p.choice, ErrorChoice::Details);
        assert!(!p.details_shown);
        assert_eq!(p.on_action(Action::Ok, false), ErrorOutcome::Open);
        assert!(p.details_shown);
        // At the end it stays; in a right-to-left UI Left goes forward.
        p.on_action(Action::Right, false);
        assert_eq!(p.choice, ErrorChoice::Details);
        p.on_action(Action::Right, true);
        assert_eq!(p.choice, ErrorChoice::Next);
        assert_eq!(p.on_action(Action::Previous, false), ErrorOutcome::Previous);
        assert_eq!(p.on_action(Action::Up, false), ErrorOutcome::Open);
    }

    #[test]
    fn next_only_when_the_next_episode_can_play() {
        let mut p = ErrorPanel::new("Can't play".into(), "HTTP 503".into(), false);
        assert_eq!(p.choices(), [ErrorChoice::Retry, ErrorChoice::Details]);
        p.on_action(Action::Right, false);
        assert_eq!(p.choice, ErrorChoice::Details);
        assert_eq!(p.on_action(Action::Next, false), ErrorOutcome::Open);
        let p = ErrorPanel::new("No stream".into(), String::new(), false);
        assert_eq!(p.choices(), [ErrorChoice::Retry]);
    }
}
