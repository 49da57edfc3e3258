//! The Locked screen: what the catalog and the viewer's entitlements allow
//! for an episode that is not free. Coins (with a confirmation), or a code
//! to finish on a phone; the app notices the outcome by itself (the unlock
//! service polls) and plays the episode.

use std::sync::Arc;

use super::{App, Command, Screen};
use crate::catalog::model::Series;
use crate::i18n::tr;
use crate::input::Action;
use crate::unlock::{Entitlements, Failure, UnlockCommand, UnlockReport};

/// The currency whose prices the TV can pay from the account's balance.
pub const COINS: &str = "coins";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockedChoice {
    /// "Unlock EP 9 for 49 coins".
    Coins,
    /// "Unlock on your phone": QR and code.
    #[default]
    Phone,
}

/// A code on screen for the viewer's phone.
#[derive(Debug, Clone, PartialEq)]
pub struct PairingCode {
    pub user_code: String,
    pub uri: String,
    /// The address with the code in it: the QR code.
    pub uri_complete: Option<String>,
    /// The code stops working at this tick.
    pub until_ms: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LockedMessage {
    Failed(Failure),
    /// The phone signed this TV in (the episode was not bought there).
    SignedIn,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LockedState {
    pub choice: LockedChoice,
    /// The coins confirmation is up: `Some(true)` with Unlock focused,
    /// `Some(false)` with Cancel.
    pub confirm: Option<bool>,
    pub pairing: Option<PairingCode>,
    /// Asked the server (a purchase, a code) and waiting for its answer.
    pub waiting: bool,
    pub message: Option<LockedMessage>,
}

impl App {
    /// Whether episode `number` of `series` plays: free, or unlocked by
    /// the viewer's (current) entitlements.
    pub fn playable(&self, series: &Series, number: u32) -> bool {
        number <= series.free_episodes
            || self
                .entitlements
                .as_ref()
                .is_some_and(|e| e.allows(&series.id, number, self.wall))
    }

    /// The account's coins, once the box is paired and has entitlements.
    pub fn coins(&self) -> Option<u64> {
        self.entitlements
            .as_ref()
            .filter(|e| self.paired && e.current(self.wall))
            .map(|e| e.coins)
    }

    /// Whether the catalog names an unlock API (else the Locked screen can
    /// only say what unlocks an episode).
    pub fn unlock_available(&self) -> bool {
        self.catalog
            .as_ref()
            .is_some_and(|c| c.unlock_api.is_some())
    }

    pub fn locked_state(&self) -> &LockedState {
        &self.locked
    }

    /// The coin price of `series`' locked episodes, when the TV can pay it:
    /// an unlock API, a price in coins, and a paired account.
    pub fn coin_price(&self, series: &Series) -> Option<u64> {
        let unlock = series.unlock.as_ref()?;
        (self.unlock_available() && unlock.currency == COINS && self.coins().is_some())
            .then_some(unlock.price)
    }

    /// Shows the Locked screen for an episode, fresh.
    pub(super) fn push_locked(&mut self, series: &str, number: u32) {
        let coins = self
            .series(series)
            .and_then(|s| self.coin_price(s))
            .is_some();
        self.locked = LockedState {
            choice: if coins {
                LockedChoice::Coins
            } else {
                LockedChoice::Phone
            },
            ..Default::default()
        };
        self.stack.push(Screen::Locked(series.into(), number));
    }

    /// Leaves the Locked screen, stopping a pairing it started.
    fn pop_locked(&mut self, out: &mut Vec<Command>) {
        if self.locked.pairing.is_some() || self.locked.waiting {
            out.push(Command::Unlock(UnlockCommand::StopPairing));
        }
        self.locked = LockedState::default();
        self.stack.pop();
    }

    pub(super) fn locked_action(
        &mut self,
        id: &str,
        number: u32,
        action: Action,
        out: &mut Vec<Command>,
    ) {
        let Some(series) = self.series(id).cloned() else {
            self.pop_locked(out);
            return;
        };
        let price = self.coin_price(&series);
        if let Some(unlock) = self.locked.confirm {
            match action {
                Action::Left | Action::Right | Action::Up | Action::Down => {
                    self.locked.confirm = Some(!unlock);
                }
                Action::Ok if unlock => {
                    self.locked.confirm = None;
                    if let Some(price) = price {
                        self.locked.waiting = true;
                        self.locked.message = None;
                        out.push(Command::Unlock(UnlockCommand::Purchase {
                            series: id.into(),
                            episode: number,
                            price,
                        }));
                    }
                }
                Action::Ok | Action::Back => self.locked.confirm = None,
                _ => {}
            }
            return;
        }
        match action {
            Action::Back => self.pop_locked(out),
            Action::Ok if !self.unlock_available() => self.pop_locked(out),
            Action::Left | Action::Right | Action::Up | Action::Down if price.is_some() => {
                self.locked.choice = match self.locked.choice {
                    LockedChoice::Coins => LockedChoice::Phone,
                    LockedChoice::Phone => LockedChoice::Coins,
                };
            }
            // One purchase at a time: a second OK while the first is out
            // sends nothing (the server would not charge twice anyway: the
            // same idempotency key).
            Action::Ok | Action::Play if self.locked.waiting => {}
            Action::Ok | Action::Play => match (self.locked.choice, price) {
                (LockedChoice::Coins, Some(price)) => {
                    let balance = self.coins().unwrap_or(0);
                    if balance < price {
                        self.locked.message =
                            Some(LockedMessage::Failed(Failure::NotEnoughCoins {
                                balance,
                                price,
                            }));
                        self.locked.choice = LockedChoice::Phone;
                    } else {
                        self.locked.message = None;
                        self.locked.confirm = Some(true);
                    }
                }
                _ => {
                    self.locked.waiting = true;
                    self.locked.pairing = None;
                    self.locked.message = None;
                    out.push(Command::Unlock(UnlockCommand::Pair {
                        series: id.into(),
                        episode: number,
                    }));
                }
            },
            _ => {}
        }
    }

    pub(super) fn on_unlock(&mut self, report: UnlockReport, out: &mut Vec<Command>) {
        let locked = match self.screen() {
            Screen::Locked(id, n) => Some((id.clone(), *n)),
            _ => None,
        };
        match report {
            UnlockReport::Entitlements { doc, paired } => {
                self.paired = paired;
                self.set_entitlements(doc);
                // Bought on the phone or with coins, or unlocked elsewhere:
                // the episode starts without another key.
                if let Some((id, n)) = &locked
                    && self.series(id).is_some_and(|s| self.playable(s, *n))
                {
                    let (id, n) = (id.clone(), *n);
                    self.pop_locked(out);
                    self.start_episode(&id, n, out);
                } else if locked.is_some() {
                    // Coins may be payable now (paired).
                    if let Some(s) = locked.as_ref().and_then(|(id, _)| self.series(id))
                        && self.coin_price(s).is_some()
                        && self.locked.pairing.is_none()
                        && !self.locked.waiting
                    {
                        self.locked.choice = LockedChoice::Coins;
                    }
                }
            }
            UnlockReport::Pairing {
                user_code,
                uri,
                uri_complete,
                expires_in_s,
            } => {
                if locked.is_none() {
                    out.push(Command::Unlock(UnlockCommand::StopPairing));
                    return;
                }
                self.locked.waiting = false;
                self.locked.pairing = Some(PairingCode {
                    user_code,
                    uri,
                    uri_complete,
                    until_ms: self.now_ms + expires_in_s * 1000,
                });
            }
            UnlockReport::Paired => {
                self.locked.pairing = None;
                self.locked.message = Some(LockedMessage::SignedIn);
            }
            UnlockReport::PairingFailed(f) | UnlockReport::PurchaseFailed(f) => {
                self.locked.waiting = false;
                self.locked.pairing = None;
                if matches!(f, Failure::SignedOut | Failure::NotPaired) {
                    self.paired = false;
                }
                if matches!(
                    f,
                    Failure::NotEnoughCoins { .. } | Failure::SignedOut | Failure::NotPaired
                ) {
                    self.locked.choice = LockedChoice::Phone;
                }
                if locked.is_some() {
                    self.locked.message = Some(LockedMessage::Failed(f));
                }
            }
            UnlockReport::Purchased { .. } => self.locked.waiting = false,
        }
    }

    /// What happened, worded for the screen and the spoken UI.
    pub fn locked_message(&self) -> String {
        let l = self.lang.as_str();
        let provider = self
            .catalog
            .as_ref()
            .map(|c| super::shelf::localized(&c.channel.name, l, &c.default_language))
            .unwrap_or_default();
        match &self.locked.message {
            _ if self.locked.waiting => tr(l, "locked-waiting", &[]),
            None => String::new(),
            Some(LockedMessage::SignedIn) => tr(l, "locked-signed-in", &[]),
            Some(LockedMessage::Failed(f)) => match f {
                Failure::Expired => tr(l, "locked-expired", &[]),
                Failure::Denied => tr(l, "locked-denied", &[]),
                Failure::NotEnoughCoins { balance, price } => tr(
                    l,
                    "locked-not-enough",
                    &[("balance", (*balance).into()), ("price", (*price).into())],
                ),
                Failure::SignedOut => tr(l, "locked-signed-out", &[]),
                Failure::NotPaired => tr(l, "locked-not-paired", &[]),
                Failure::Network(_) => tr(l, "locked-network", &[("provider", provider.into())]),
                Failure::Server(_) => tr(l, "locked-server", &[("provider", provider.into())]),
            },
        }
    }

    /// The Locked screen read aloud: the focused choice, the code letter
    /// by letter, what happened.
    pub(super) fn describe_locked(&self, id: &str, number: u32) -> Vec<String> {
        let l = self.lang.as_str();
        let mut parts = vec![tr(l, "locked-title", &[("number", number.into())])];
        let Some(series) = self.series(id) else {
            return parts;
        };
        let price = self.coin_price(series);
        if let (Some(unlock), Some(price)) = (self.locked.confirm, price) {
            let coins = self.coins().unwrap_or(0);
            parts.push(tr(
                l,
                "locked-confirm",
                &[
                    ("number", number.into()),
                    ("price", price.into()),
                    ("coins", coins.into()),
                ],
            ));
            parts.push(tr(
                l,
                if unlock {
                    "locked-unlock"
                } else {
                    "locked-cancel"
                },
                &[],
            ));
            return parts;
        }
        if let Some(coins) = self.coins() {
            parts.push(tr(l, "locked-balance", &[("coins", coins.into())]));
        }
        if !self.unlock_available() {
            parts.push(tr(l, "back", &[]));
            return parts;
        }
        parts.push(match (self.locked.choice, price) {
            (LockedChoice::Coins, Some(price)) => tr(
                l,
                "locked-coins",
                &[("number", number.into()), ("price", price.into())],
            ),
            _ => tr(l, "locked-phone", &[]),
        });
        if let Some(p) = &self.locked.pairing {
            parts.push(spell_code(&p.user_code));
        }
        let message = self.locked_message();
        if !message.is_empty() {
            parts.push(message);
        }
        parts
    }

    fn set_entitlements(&mut self, e: Option<Arc<Entitlements>>) {
        self.entitlements = e;
        // Padlocks on the series grids and the next-episode card change.
        self.rows_generation += 1;
    }
}

/// "BCDF-GHJK" → "B C D F, G H J K": letter by letter, for viewers who
/// read it out or type it on a phone (and for the spoken UI).
pub fn spell_code(code: &str) -> String {
    code.split('-')
        .map(|part| part.chars().map(String::from).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(", ")
}
