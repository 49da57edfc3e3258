//! Parental control: a PIN (kept as a slow salted hash) and, per rating
//! system, the highest rating that plays without it.

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::catalog::model::Rating;
pub use crate::catalog::model::UnknownRatings as Unknown;

/// Rating systems the box knows, each a scale from the mildest level up;
/// a level may have several spellings.
pub const SYSTEMS: &[(&str, &[&[&str]])] = &[
    (
        "us-tv",
        &[
            &["TV-Y"],
            &["TV-Y7", "TV-Y7-FV"],
            &["TV-G"],
            &["TV-PG"],
            &["TV-14"],
            &["TV-MA"],
        ],
    ),
    ("mpaa", &[&["G"], &["PG"], &["PG-13"], &["R"], &["NC-17"]]),
    // Kenya Film Classification Board.
    ("kfcb", &[&["GE"], &["PG"], &["16"], &["18"], &["R"]]),
];

/// The limit a PIN starts with: family viewing.
const FIRST_LIMITS: &[(&str, &str)] = &[("us-tv", "TV-PG"), ("mpaa", "PG"), ("kfcb", "PG")];

/// PIN digits.
pub const PIN_LENGTH: usize = 4;
/// Wrong PINs in a row before the box waits.
pub const TRIES: u32 = 5;
/// How long it waits then, ms.
pub const WAIT_MS: u64 = 60_000;
// Slow enough that the file alone does not give the PIN away at a glance,
// fast enough on a small ARM box (about 0.1 s); five wrong tries and a
// wait are what stop guessing.
const ROUNDS: u32 = 20_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Parental {
    /// `pbkdf2-sha256$ROUNDS$SALT$HASH` (base64); None: parental control
    /// is off.
    pub pin: Option<String>,
    /// Per rating system, the highest rating that plays without the PIN;
    /// a known system not listed has no limit.
    pub max: BTreeMap<String, String>,
}

/// The scale of `system`, if the box knows it.
pub fn scale(system: &str) -> Option<&'static [&'static [&'static str]]> {
    SYSTEMS
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(system))
        .map(|(_, scale)| *scale)
}

/// Where `value` sits on `system`'s scale.
pub fn level(system: &str, value: &str) -> Option<usize> {
    scale(system)?.iter().position(|spellings| {
        spellings
            .iter()
            .any(|v| v.eq_ignore_ascii_case(value.trim()))
    })
}

impl Parental {
    pub fn on(&self) -> bool {
        self.pin.is_some()
    }

    /// Sets a new PIN (and, on first use, family limits).
    pub fn set_pin(&mut self, pin: &str) {
        let salt: [u8; 16] = std::array::from_fn(|_| fastrand::u8(..));
        self.pin = Some(hash(pin, &salt, ROUNDS));
        if self.max.is_empty() {
            for (system, value) in FIRST_LIMITS {
                self.max.insert((*system).into(), (*value).into());
            }
        }
    }

    /// Whether `pin` is the PIN. False when none is set or the stored one
    /// cannot be read.
    pub fn check(&self, pin: &str) -> bool {
        let Some(stored) = &self.pin else {
            return false;
        };
        let parts: Vec<&str> = stored.split('$').collect();
        let b64 = base64::engine::general_purpose::STANDARD;
        let [scheme, rounds, salt, _] = parts[..] else {
            return false;
        };
        let (Ok(rounds), Ok(salt)) = (rounds.parse::<u32>(), b64.decode(salt)) else {
            return false;
        };
        // A file edited to a cheap (or absurd) cost is not a PIN.
        if scheme != "pbkdf2-sha256" || !(10_000..=10_000_000).contains(&rounds) {
            return false;
        }
        // Equal strings of public length: no secret leaks through timing
        // that the hash itself does not already hide.
        hash(pin, &salt, rounds) == *stored
    }

    /// Whether a series rated `rating` plays without the PIN.
    pub fn allows(&self, rating: &Rating, unknown: Unknown) -> bool {
        if !self.on() {
            return true;
        }
        let Some(value) = level(&rating.system, &rating.value) else {
            return unknown == Unknown::Allowed;
        };
        match self
            .max
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(&rating.system))
        {
            None => true,
            Some((system, max)) => level(system, max).is_none_or(|max| value <= max),
        }
    }

    /// Steps the limit of `system` one level (past the top: no limit).
    pub fn step_limit(&mut self, system: &str, step: i32) {
        let Some(scale) = scale(system) else { return };
        // Levels 0..len, and len for "no limit".
        let now = match self.max.get(system) {
            Some(v) => level(system, v).unwrap_or(scale.len()),
            None => scale.len(),
        } as i32;
        let next = (now + step).clamp(0, scale.len() as i32) as usize;
        match scale.get(next) {
            Some(spellings) => {
                self.max.insert(system.into(), spellings[0].into());
            }
            None => {
                self.max.remove(system);
            }
        }
    }

    /// Values read from the settings file made sane: a limit that is not
    /// on its scale becomes the family limit (never no limit), limits of
    /// systems the box does not know are dropped; a PIN that cannot be read
    /// is kept (parental control stays on, and no PIN opens it).
    pub fn checked(&mut self) -> Vec<String> {
        let mut fixed = Vec::new();
        let systems: Vec<String> = self.max.keys().cloned().collect();
        for system in systems {
            let value = self.max[&system].clone();
            if level(&system, &value).is_some() {
                continue;
            }
            match FIRST_LIMITS.iter().find(|(s, _)| *s == system) {
                Some((_, family)) => {
                    fixed.push(format!("parental.max.{system}: {value:?} is now {family}"));
                    self.max.insert(system, (*family).into());
                }
                None => {
                    fixed.push(format!(
                        "parental.max.{system}: not a rating system this box knows"
                    ));
                    self.max.remove(&system);
                }
            }
        }
        fixed
    }
}

fn hash(pin: &str, salt: &[u8], rounds: u32) -> String {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pin.as_bytes(), salt, rounds, &mut out);
    let b64 = base64::engine::general_purpose::STANDARD;
    format!(
        "pbkdf2-sha256${rounds}${}${}",
        b64.encode(salt),
        b64.encode(out)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rated(system: &str, value: &str) -> Rating {
        Rating {
            value: value.into(),
            system: system.into(),
            extra: Default::default(),
        }
    }

    #[test]
    fn the_pin_is_kept_hashed_and_checked() {
        let mut p = Parental::default();
        assert!(!p.check("1234"));
        p.set_pin("1234");
        let stored = p.pin.clone().unwrap();
        assert!(!stored.contains("1234"), "{stored}");
        assert!(p.check("1234") && !p.check("1235") && !p.check(""));
        // A new salt each time: the same PIN hashes differently.
        let mut q = Parental::default();
        q.set_pin("1234");
        assert_ne!(q.pin, p.pin);
        // A stored PIN edited to a cheap cost or garbage opens nothing.
        p.pin = Some(stored.replacen("$20000$", "$1$", 1));
        assert!(!p.check("1234"));
        p.pin = Some("nonsense".into());
        assert!(!p.check("1234") && p.on());
    }

    #[test]
    fn ratings_above_the_limit_need_the_pin() {
        let mut p = Parental::default();
        assert!(p.allows(&rated("us-tv", "TV-MA"), Unknown::Locked));
        p.set_pin("0000");
        assert!(p.allows(&rated("us-tv", "TV-PG"), Unknown::Locked));
        assert!(p.allows(&rated("us-tv", "tv-y7-fv"), Unknown::Locked));
        assert!(!p.allows(&rated("us-tv", "TV-14"), Unknown::Locked));
        assert!(!p.allows(&rated("mpaa", "PG-13"), Unknown::Locked));
        assert!(p.allows(&rated("kfcb", "GE"), Unknown::Locked));
        assert!(!p.allows(&rated("kfcb", "16"), Unknown::Locked));
        // Unknown systems and values: as the partner says.
        assert!(!p.allows(&rated("bbfc", "12A"), Unknown::Locked));
        assert!(p.allows(&rated("bbfc", "12A"), Unknown::Allowed));
        assert!(!p.allows(&rated("us-tv", "TV-99"), Unknown::Locked));
        // Up past the top: no limit; down to the bottom and no further.
        p.step_limit("us-tv", 1);
        assert_eq!(p.max["us-tv"], "TV-14");
        p.step_limit("us-tv", 1);
        p.step_limit("us-tv", 1);
        assert!(!p.max.contains_key("us-tv"));
        assert!(p.allows(&rated("us-tv", "TV-MA"), Unknown::Locked));
        for _ in 0..10 {
            p.step_limit("us-tv", -1);
        }
        assert_eq!(p.max["us-tv"], "TV-Y");
        p.max.insert("mpaa".into(), "XXX".into());
        p.max.insert("nowhere".into(), "X".into());
        assert_eq!(p.checked().len(), 2);
        assert_eq!(p.max["mpaa"], "PG");
        assert!(!p.max.contains_key("nowhere"));
    }
}
