//! Parental control: a PIN (kept as a slow salted hash) and, per rating
//! system, the highest rating that plays without it. Kept in a file of its
//! own (`parental.json`), with the wrong PINs in a row and the wait they
//! earned, so that a restart does not reset them. It fails closed: a file
//! that cannot be read leaves parental control on, and no PIN opens it
//! until the file is removed (a reset, docs/integrating.md).

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
/// How long it waits the first time, ms; each wait after it twice as long.
pub const WAIT_MS: u64 = 60_000;
/// The longest wait, ms.
pub const MAX_WAIT_MS: u64 = 3_600_000;
/// The file in the state directory.
pub const PARENTAL_FILE: &str = "parental.json";
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
    /// Wrong PINs since the last right one or the last wait.
    pub failures: u32,
    /// Waits earned so far (each doubles the next); 0 after a right PIN.
    pub waits: u32,
    /// The end of the current wait, RFC 3339.
    pub wait_until: Option<String>,
    /// The file could not be read: on, and no PIN opens it.
    #[serde(skip)]
    pub broken: bool,
}

/// A wrong PIN's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failed {
    /// This many tries left before a wait.
    Left(u32),
    /// Wait this long, ms.
    Wait(u64),
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
        self.pin.is_some() || self.broken
    }

    /// Parental control from a file that cannot be trusted: on, locked.
    pub fn locked_shut() -> Parental {
        Parental {
            broken: true,
            ..Parental::default()
        }
    }

    /// A right PIN: the count starts again.
    pub fn succeeded(&mut self) {
        self.failures = 0;
        self.waits = 0;
        self.wait_until = None;
    }

    /// A wrong PIN at wall time `now`: tries left, or a wait (each longer
    /// than the one before, up to an hour).
    pub fn failed(&mut self, now: chrono::DateTime<chrono::Utc>) -> Failed {
        self.failures += 1;
        if self.failures < TRIES {
            return Failed::Left(TRIES - self.failures);
        }
        self.failures = 0;
        let wait = WAIT_MS
            .saturating_mul(1u64 << self.waits.min(16))
            .min(MAX_WAIT_MS);
        self.waits = self.waits.saturating_add(1);
        let until = now + chrono::Duration::milliseconds(wait as i64);
        self.wait_until = Some(until.to_rfc3339());
        Failed::Wait(wait)
    }

    /// How long the box still waits at wall time `now`, ms: none once the
    /// wait is over; never more than the longest wait (a clock set back).
    pub fn wait_left(&self, now: chrono::DateTime<chrono::Utc>) -> Option<u64> {
        let until = chrono::DateTime::parse_from_rfc3339(self.wait_until.as_deref()?).ok()?;
        let left = (until.with_timezone(&chrono::Utc) - now).num_milliseconds();
        (left > 0).then(|| (left as u64).min(MAX_WAIT_MS))
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
        // A file edited to a cheap cost is not a PIN, nor one edited to a
        // cost above this build's (a PIN check would hang the box).
        if scheme != "pbkdf2-sha256" || !(10_000..=ROUNDS).contains(&rounds) {
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

/// Parental control as kept in `dir`: its own file; else (a box updated
/// from a version that kept it in settings.json) `legacy`, moved into its
/// own file; else off. A file that cannot be read or parsed: locked shut.
pub fn load(dir: &std::path::Path, legacy: Parental) -> Parental {
    let path = dir.join(PARENTAL_FILE);
    let bytes = match crate::store::read_bounded(&path, 64 << 10) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if legacy.on()
                && let Err(e) = save(dir, &legacy)
            {
                tracing::error!(error = %e, "cannot move parental control to its own file");
            }
            return legacy;
        }
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "parental control unreadable: locked");
            return Parental::locked_shut();
        }
    };
    match serde_json::from_slice::<Parental>(&bytes) {
        Ok(mut p) => {
            let fixed = p.checked();
            if !fixed.is_empty() {
                tracing::warn!(?fixed, "parental limits corrected");
            }
            p
        }
        Err(e) => {
            tracing::error!(path = %path.display(), error = %e, "parental control file invalid: locked");
            Parental::locked_shut()
        }
    }
}

/// Saves parental control in its own file, atomically. A locked-shut one
/// is never written over the file it could not read.
pub fn save(dir: &std::path::Path, p: &Parental) -> std::io::Result<()> {
    if p.broken {
        return Ok(());
    }
    let json = serde_json::to_vec_pretty(p).map_err(std::io::Error::other)?;
    crate::store::write_atomic(dir, PARENTAL_FILE, &json)
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
        // A stored PIN edited to a cheap cost, a cost above the build's,
        // or garbage opens nothing.
        p.pin = Some(stored.replacen("$20000$", "$1$", 1));
        assert!(!p.check("1234"));
        p.pin = Some(stored.replacen("$20000$", "$2000000000$", 1));
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

    fn at(t: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(t)
            .unwrap()
            .with_timezone(&chrono::Utc)
    }

    #[test]
    fn wrong_pins_earn_growing_waits_that_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let mut p = Parental::default();
        p.set_pin("1234");
        let now = at("2026-12-04T10:00:00Z");
        for left in (1..TRIES).rev() {
            assert_eq!(p.failed(now), Failed::Left(left));
        }
        assert_eq!(p.failed(now), Failed::Wait(WAIT_MS));
        save(dir.path(), &p).unwrap();
        // A restart: the wait is still there.
        let mut back = load(dir.path(), Parental::default());
        assert_eq!(back.wait_left(now), Some(WAIT_MS));
        assert_eq!(back.wait_left(at("2026-12-04T10:01:00Z")), None);
        // The next round waits twice as long, and so on up to an hour.
        for _ in 0..TRIES {
            back.failed(now);
        }
        assert_eq!(back.wait_left(now), Some(2 * WAIT_MS));
        for _ in 0..10 * TRIES {
            back.failed(now);
        }
        assert_eq!(back.wait_left(now), Some(MAX_WAIT_MS));
        // A clock set far back does not make the wait longer than an hour.
        assert_eq!(
            back.wait_left(at("2020-01-01T00:00:00Z")),
            Some(MAX_WAIT_MS)
        );
        back.succeeded();
        assert_eq!(back.wait_left(now), None);
    }

    #[test]
    fn a_file_that_cannot_be_read_leaves_parental_control_on_and_shut() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PARENTAL_FILE), b"{\"pin\": [").unwrap();
        let p = load(dir.path(), Parental::default());
        assert!(p.on());
        assert!(!p.check("1234") && !p.check("0000"));
        // Nothing is written over it: it stays shut until removed.
        save(dir.path(), &p).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join(PARENTAL_FILE)).unwrap(),
            b"{\"pin\": ["
        );
        std::fs::remove_file(dir.path().join(PARENTAL_FILE)).unwrap();
        assert!(!load(dir.path(), Parental::default()).on());
        // A PIN kept in settings.json by an older version moves over.
        let mut legacy = Parental::default();
        legacy.set_pin("4321");
        let moved = load(dir.path(), legacy);
        assert!(moved.check("4321"));
        assert!(load(dir.path(), Parental::default()).check("4321"));
    }
}
