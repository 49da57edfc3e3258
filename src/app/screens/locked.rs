//! The Locked screen: what the catalog and the viewer's entitlements allow
//! for an episode that is not free. Coins (with a confirmation), or a code
//! to finish on a phone, or a rewarded ad; the app notices the outcome by
//! itself (the unlock service polls) and plays the episode.

use crate::i18n::tr;
use crate::input::Action;
use crate::unlock::{Failure, UnlockCommand, UnlockReport};

use super::Nav;
use crate::app::Command;
use crate::app::context::Ctx;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LockedChoice {
    /// "Unlock EP 9 for 49 coins".
    Coins,
    /// "Unlock with an ad (3 left today)".
    Ad,
    /// "Unlock on your phone": QR and code.
    #[default]
    Phone,
}

/// A code on screen for the viewer's phone.
#[derive(Debug, Clone, PartialEq)]
pub struct PairingCode {
    pub user_code: String,
    pub uri: String,
    /// The page's host, shown in plain letters.
    pub host: String,
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
    /// A rewarded ad was asked for and none came, or it did not play.
    NoAd,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Locked {
    pub series: String,
    pub number: u32,
    pub choice: LockedChoice,
    /// The coins confirmation is up: `Some(true)` with Unlock focused,
    /// `Some(false)` with Cancel.
    pub confirm: Option<bool>,
    pub pairing: Option<PairingCode>,
    /// Asked the server (a purchase, a code) and waiting for its answer.
    pub waiting: bool,
    pub message: Option<LockedMessage>,
}

impl Locked {
    /// The Locked screen for an episode, fresh: coins first when the TV
    /// can pay them.
    pub fn new(ctx: &Ctx, series: &str, number: u32) -> Locked {
        Locked {
            series: series.into(),
            number,
            choice: default_choice(ctx, series),
            confirm: None,
            pairing: None,
            waiting: false,
            message: None,
        }
    }

    /// The screen goes: a pairing it started stops.
    pub fn leave(&self, out: &mut Vec<Command>) {
        if self.pairing.is_some() || self.waiting {
            out.push(Command::Unlock(UnlockCommand::StopPairing));
        }
    }

    pub fn on_action(&mut self, ctx: &Ctx, action: Action, out: &mut Vec<Command>) -> Nav {
        let Some(series) = ctx.series(&self.series) else {
            return Nav::Back;
        };
        let price = ctx.coin_price(series);
        if let Some(unlock) = self.confirm {
            match action {
                Action::Left | Action::Right | Action::Up | Action::Down => {
                    self.confirm = Some(!unlock);
                }
                Action::Ok if unlock => {
                    self.confirm = None;
                    if let Some(price) = price {
                        self.waiting = true;
                        self.message = None;
                        out.push(Command::Unlock(UnlockCommand::Purchase {
                            series: self.series.clone(),
                            episode: self.number,
                            price,
                        }));
                    }
                }
                Action::Ok | Action::Back => self.confirm = None,
                _ => {}
            }
            return Nav::Stay;
        }
        let offered = choices(ctx, &self.series);
        match action {
            Action::Back => return Nav::Back,
            Action::Ok if !ctx.unlock_available() => return Nav::Back,
            Action::Left | Action::Right | Action::Up | Action::Down => {
                // The choices are a column: Up (and the start side) goes up.
                let up = action == Action::Up
                    || (matches!(action, Action::Left | Action::Right) && ctx.toward_start(action));
                let i = offered.iter().position(|c| *c == self.choice).unwrap_or(0);
                let i = if up {
                    i.saturating_sub(1)
                } else {
                    (i + 1).min(offered.len() - 1)
                };
                self.choice = offered[i];
            }
            // One purchase at a time: a second OK while the first is out
            // sends nothing (the server would not charge twice anyway: the
            // same idempotency key).
            Action::Ok | Action::Play if self.waiting => {}
            Action::Ok | Action::Play => match (self.choice, price) {
                (LockedChoice::Ad, _) if offered.contains(&LockedChoice::Ad) => {
                    self.message = None;
                    return Nav::WatchAd {
                        series: self.series.clone(),
                        episode: self.number,
                    };
                }
                (LockedChoice::Coins, Some(price)) => {
                    let balance = ctx.coins().unwrap_or(0);
                    if balance < price {
                        self.message = Some(LockedMessage::Failed(Failure::NotEnoughCoins {
                            balance,
                            price,
                        }));
                        self.choice = LockedChoice::Phone;
                    } else {
                        self.message = None;
                        self.confirm = Some(true);
                    }
                }
                _ => {
                    self.waiting = true;
                    self.pairing = None;
                    self.message = None;
                    out.push(Command::Unlock(UnlockCommand::Pair {
                        series: self.series.clone(),
                        episode: self.number,
                    }));
                }
            },
            _ => {}
        }
        Nav::Stay
    }

    /// A report of the unlock service (the app has already taken its
    /// entitlements): the episode plays once it is unlocked.
    pub fn on_unlock(&mut self, ctx: &Ctx, report: &UnlockReport) -> Nav {
        match report {
            UnlockReport::Entitlements { .. } | UnlockReport::DeviceEntitlements(_) => {
                let series = ctx.series(&self.series);
                // Bought on the phone or with coins, or unlocked elsewhere:
                // the episode starts without another key.
                if series.is_some_and(|s| ctx.playable(s, self.number)) {
                    return Nav::Play {
                        series: self.series.clone(),
                        episode: self.number,
                    };
                }
                // Coins may be payable now (paired).
                if series.is_some_and(|s| ctx.coin_price(s).is_some())
                    && self.pairing.is_none()
                    && !self.waiting
                {
                    self.choice = LockedChoice::Coins;
                }
                if !choices(ctx, &self.series).contains(&self.choice) {
                    self.choice = default_choice(ctx, &self.series);
                }
            }
            UnlockReport::Pairing {
                user_code,
                uri,
                host,
                uri_complete,
                expires_in_s,
            } => {
                self.waiting = false;
                self.pairing = Some(PairingCode {
                    user_code: user_code.clone(),
                    uri: uri.clone(),
                    host: host.clone(),
                    uri_complete: uri_complete.clone(),
                    until_ms: ctx.now_ms + expires_in_s * 1000,
                });
            }
            UnlockReport::Paired => {
                self.pairing = None;
                self.message = Some(LockedMessage::SignedIn);
            }
            UnlockReport::PairingFailed(f) | UnlockReport::PurchaseFailed(f) => {
                self.waiting = false;
                self.pairing = None;
                if matches!(
                    f,
                    Failure::NotEnoughCoins { .. } | Failure::SignedOut | Failure::NotPaired
                ) {
                    self.choice = LockedChoice::Phone;
                }
                self.message = Some(LockedMessage::Failed(f.clone()));
            }
            UnlockReport::Purchased { .. } => self.waiting = false,
            UnlockReport::RewardFailed(f) => self.message = Some(LockedMessage::Failed(f.clone())),
            UnlockReport::Granted { .. }
            | UnlockReport::Progress(_)
            | UnlockReport::Rewarded { .. } => {}
        }
        Nav::Stay
    }

    /// What the screen says in words: which episodes are free and what
    /// the others cost, then what happened or how to go on.
    pub fn texts(&self, ctx: &Ctx) -> LockedTexts {
        let l = ctx.lang();
        let Some(series) = ctx.series(&self.series) else {
            return LockedTexts::default();
        };
        let title = ctx.text(&series.title);
        let (first, last) = (series.free_episodes + 1, series.episodes.len() as u32);
        let count = last.saturating_sub(first) + 1;
        let rest = match &series.unlock {
            Some(u) => tr(
                l,
                "locked-price",
                &[
                    ("first", first.into()),
                    ("last", last.into()),
                    ("count", count.into()),
                    ("price", crate::i18n::price(l, u.price, &u.currency).into()),
                ],
            ),
            None => tr(
                l,
                "locked-not-free",
                &[
                    ("first", first.into()),
                    ("last", last.into()),
                    ("count", count.into()),
                ],
            ),
        };
        let free = tr(
            l,
            "locked-free",
            &[
                ("free", series.free_episodes.into()),
                ("title", title.into()),
            ],
        );
        LockedTexts {
            title: tr(l, "locked-title", &[("number", self.number.into())]),
            text: format!("{free} {rest}"),
            message: self.message(ctx),
            detail: if ctx.unlock_available() {
                tr(l, "locked-how", &[])
            } else {
                tr(l, "locked-unavailable", &[])
            },
        }
    }

    /// What happened, worded for the screen and the spoken UI.
    pub fn message(&self, ctx: &Ctx) -> String {
        match &self.message {
            _ if self.waiting => tr(ctx.lang(), "locked-waiting", &[]),
            None => String::new(),
            Some(LockedMessage::SignedIn) => tr(ctx.lang(), "locked-signed-in", &[]),
            Some(LockedMessage::NoAd) => tr(ctx.lang(), "reward-no-ad", &[]),
            Some(LockedMessage::Failed(f)) => failure_text(ctx, f),
        }
    }

    /// The screen read aloud: the focused choice, the code letter by
    /// letter, what happened.
    pub fn describe(&self, ctx: &Ctx) -> String {
        crate::app::context::join(&self.describe_parts(ctx))
    }

    fn describe_parts(&self, ctx: &Ctx) -> Vec<String> {
        let l = ctx.lang();
        let number = self.number;
        let mut parts = vec![tr(l, "locked-title", &[("number", number.into())])];
        let Some(series) = ctx.series(&self.series) else {
            return parts;
        };
        let price = ctx.coin_price(series);
        if let (Some(unlock), Some(price)) = (self.confirm, price) {
            let coins = ctx.coins().unwrap_or(0);
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
        if let Some(coins) = ctx.coins() {
            parts.push(tr(l, "locked-balance", &[("coins", coins.into())]));
        }
        if !ctx.unlock_available() {
            parts.push(tr(l, "back", &[]));
            return parts;
        }
        parts.push(match (self.choice, price) {
            (LockedChoice::Ad, _) => ad_choice_text(ctx),
            (LockedChoice::Coins, Some(price)) => tr(
                l,
                "locked-coins",
                &[("number", number.into()), ("price", price.into())],
            ),
            _ => tr(l, "locked-phone", &[]),
        });
        if let Some(p) = &self.pairing {
            parts.push(spell_code(&p.user_code));
            parts.push(tr(l, "locked-site", &[("host", p.host.as_str().into())]));
        }
        let message = self.message(ctx);
        if !message.is_empty() {
            parts.push(message);
        }
        parts
    }
}

/// The ways to unlock `series`' episodes the TV offers now, top to bottom:
/// coins when it can pay them, a rewarded ad while today's are not used
/// up, the phone.
pub fn choices(ctx: &Ctx, series: &str) -> Vec<LockedChoice> {
    let mut v = Vec::with_capacity(3);
    if ctx.series(series).and_then(|s| ctx.coin_price(s)).is_some() {
        v.push(LockedChoice::Coins);
    }
    if ctx.rewarded_left() > 0 {
        v.push(LockedChoice::Ad);
    }
    v.push(LockedChoice::Phone);
    v
}

/// Where the focus starts: coins when the TV can pay them, else the phone
/// (the ad is one key away).
pub fn default_choice(ctx: &Ctx, series: &str) -> LockedChoice {
    if choices(ctx, series).contains(&LockedChoice::Coins) {
        LockedChoice::Coins
    } else {
        LockedChoice::Phone
    }
}

/// "Unlock with an ad (3 left today)".
pub fn ad_choice_text(ctx: &Ctx) -> String {
    let count = ctx.rewarded_ads().map_or(1, |r| r.episodes_per_ad);
    tr(
        ctx.lang(),
        "locked-ad",
        &[
            ("count", count.into()),
            ("left", ctx.rewarded_left().into()),
        ],
    )
}

/// The Locked screen's words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LockedTexts {
    pub title: String,
    /// Which episodes are free, what the others cost.
    pub text: String,
    /// What happened (empty when nothing did).
    pub message: String,
    /// How to go on.
    pub detail: String,
}

impl LockedTexts {
    /// Everything, as one line (QA's `locked_message`).
    pub fn all(&self) -> String {
        crate::app::context::join(&[
            self.title.clone(),
            self.text.clone(),
            self.message.clone(),
            self.detail.clone(),
        ])
    }
}

/// Why unlocking (or a grant) did not happen, in plain words: no codes,
/// no addresses (those are in the log).
pub fn failure_text(ctx: &Ctx, f: &Failure) -> String {
    let l = ctx.lang();
    let provider = ctx.channel_name();
    match f {
        Failure::Expired => tr(l, "locked-expired", &[]),
        Failure::Denied => tr(l, "locked-denied", &[]),
        Failure::NotEnoughCoins { balance, price } => tr(
            l,
            "locked-not-enough",
            &[("balance", (*balance).into()), ("price", (*price).into())],
        ),
        Failure::SignedOut => tr(l, "locked-signed-out", &[]),
        Failure::NotPaired => tr(l, "locked-not-paired", &[]),
        Failure::NotEntitled => tr(l, "locked-not-entitled", &[]),
        Failure::Unavailable => tr(l, "locked-episode-gone", &[("provider", provider.into())]),
        Failure::Network(_) => tr(l, "locked-network", &[("provider", provider.into())]),
        Failure::Server(_) => tr(l, "locked-server", &[("provider", provider.into())]),
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
