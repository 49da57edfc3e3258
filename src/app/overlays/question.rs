//! A yes-or-no question over the screens: "Leave pillarbox?" (Back on
//! Home) and "Reset this box?" (Settings). The choice that keeps things as
//! they are comes first and has the focus first.

use crate::i18n::tr;
use crate::input::Action;

use crate::app::context::{Ctx, join};

/// What is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// "Leave <partner>?": Stay or Exit.
    Leave,
    /// "Reset this box?": Cancel or Reset (everything the box keeps about
    /// the viewer goes).
    ResetBox,
    /// OK on a drama channel: "Continue here" (the series goes on from
    /// this episode, off the channel) or "Watch this series from episode
    /// 1"; Back stays on the channel.
    OnChannel,
}

/// The two answers: keep things as they are, or go ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Keep,
    Go,
}

/// How a key left the dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionOutcome {
    Open,
    /// Back: nothing changes.
    Cancel,
    Keep,
    Go,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionDialog {
    pub question: Question,
    /// Keep has the focus first: one stray OK must change nothing.
    pub choice: Choice,
    /// What it is about, when it names something (a series).
    pub subject: String,
}

impl QuestionDialog {
    pub fn new(question: Question) -> QuestionDialog {
        QuestionDialog {
            question,
            choice: Choice::Keep,
            subject: String::new(),
        }
    }

    /// A question about `subject` (its name, as shown).
    pub fn about(question: Question, subject: String) -> QuestionDialog {
        QuestionDialog {
            subject,
            ..QuestionDialog::new(question)
        }
    }

    pub fn on_action(&mut self, action: Action) -> QuestionOutcome {
        match action {
            Action::Left | Action::Right => {
                self.choice = match self.choice {
                    Choice::Keep => Choice::Go,
                    Choice::Go => Choice::Keep,
                };
                QuestionOutcome::Open
            }
            Action::Ok if self.choice == Choice::Go => QuestionOutcome::Go,
            Action::Ok => QuestionOutcome::Keep,
            Action::Back => QuestionOutcome::Cancel,
            _ => QuestionOutcome::Open,
        }
    }

    /// The question, a line under it (may be empty) and the two answers'
    /// words, in the UI language.
    pub fn texts(&self, ctx: &Ctx) -> QuestionTexts {
        let lang = ctx.lang();
        match self.question {
            Question::Leave => {
                // The partner's name as the catalog gives it.
                let name = Some(ctx.channel_name())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| "pillarbox".into());
                QuestionTexts {
                    title: tr(lang, "leave-app", &[("name", name.into())]),
                    body: String::new(),
                    keep: tr(lang, "stay", &[]),
                    go: tr(lang, "exit", &[]),
                }
            }
            Question::ResetBox => QuestionTexts {
                title: tr(lang, "reset-question", &[]),
                body: tr(lang, "reset-body", &[]),
                keep: tr(lang, "reset-cancel", &[]),
                go: tr(lang, "reset-go", &[]),
            },
            Question::OnChannel => QuestionTexts {
                title: self.subject.clone(),
                body: tr(lang, "channel-question", &[]),
                keep: tr(lang, "channel-continue", &[]),
                go: tr(lang, "channel-from-start", &[]),
            },
        }
    }

    pub fn describe(&self, ctx: &Ctx) -> String {
        let t = self.texts(ctx);
        let button = match self.choice {
            Choice::Keep => t.keep,
            Choice::Go => t.go,
        };
        join(&[t.title, t.body, button])
    }
}

/// What the dialog shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionTexts {
    pub title: String,
    pub body: String,
    pub keep: String,
    pub go: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_has_the_focus_and_one_stray_ok_changes_nothing() {
        for q in [Question::Leave, Question::ResetBox] {
            let mut d = QuestionDialog::new(q);
            assert_eq!(d.on_action(Action::Ok), QuestionOutcome::Keep);
            assert_eq!(d.on_action(Action::Right), QuestionOutcome::Open);
            assert_eq!(d.choice, Choice::Go);
            assert_eq!(d.on_action(Action::Down), QuestionOutcome::Open);
            assert_eq!(d.on_action(Action::Ok), QuestionOutcome::Go);
            let mut d = QuestionDialog::new(q);
            d.on_action(Action::Left);
            assert_eq!(d.on_action(Action::Back), QuestionOutcome::Cancel);
        }
    }
}
