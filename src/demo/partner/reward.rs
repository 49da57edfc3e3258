//! The demo partner's `POST reward` (docs/unlock.md): a box reports a
//! rewarded ad watched to its end and gets a signed document that unlocks
//! the episode. A paired box's reward goes to the account (its document
//! comes back); an unpaired box's to its device id alone, in a document
//! made for that device. At most [`REWARDS_PER_DAY`] a device a day, each
//! idempotency key answered once.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::Signer;
use serde::Deserialize;
use serde_json::json;

use super::{ENTITLEMENTS_DAYS, Partner, device_ok, oauth_error};
use crate::demo::catalog::{self as demo_catalog, REWARD_EPISODES, REWARDS_PER_DAY};
use crate::unlock::entitlements::{Entitlements, FORMAT, SignedEntitlements};

/// Devices remembered at most (the demo's memory is bounded too).
const MAX_DEVICES: usize = 10_000;
/// Answers kept for repeated keys, at most.
const MAX_KEYS: usize = 10_000;

/// What one device earned with rewarded ads.
#[derive(Default)]
struct DeviceRewards {
    episodes: BTreeMap<String, BTreeSet<u32>>,
    /// The UTC day `today` counts (days since 1970).
    day: u64,
    today: u32,
}

#[derive(Default)]
pub(super) struct Rewards {
    devices: HashMap<String, DeviceRewards>,
    /// Idempotency key → the answer given.
    answers: HashMap<String, (StatusCode, String)>,
}

impl Rewards {
    /// Whether `device` earned episode `episode` of `series` with an ad.
    pub(super) fn owns(&self, device: &str, series: &str, episode: u32) -> bool {
        self.devices
            .get(device)
            .and_then(|d| d.episodes.get(series))
            .is_some_and(|e| e.contains(&episode))
    }
}

#[derive(Deserialize)]
pub(super) struct RewardForm {
    series: String,
    episode: u32,
    device: String,
    ad_id: String,
    #[serde(default)]
    creative_id: String,
    impression: String,
}

/// The episodes one ad unlocks from `episode`: the asked one and those
/// after it, within the series.
fn unlocked(series: &demo_catalog::DemoSeries, episode: u32) -> std::ops::RangeInclusive<u32> {
    episode..=(episode + REWARD_EPISODES - 1).min(series.episodes)
}

impl Partner {
    /// A document for `device` alone: what its ads earned.
    fn signed_device(&self, device: &str, earned: &DeviceRewards) -> SignedEntitlements {
        let now = chrono::Utc::now();
        let doc = Entitlements {
            format: FORMAT.into(),
            account: format!("device:{device}"),
            device: device.into(),
            issued: now.to_rfc3339(),
            expires: (now + chrono::Duration::days(ENTITLEMENTS_DAYS)).to_rfc3339(),
            coins: 0,
            vip_until: None,
            series: BTreeSet::new(),
            episodes: earned.episodes.clone(),
        };
        let payload = serde_json::to_vec(&doc).expect("entitlements serialise");
        SignedEntitlements {
            entitlements: STANDARD.encode(&payload),
            signature: STANDARD.encode(self.key.sign(&payload).to_bytes()),
        }
    }
}

pub(super) async fn reward(
    State(p): State<Partner>,
    headers: HeaderMap,
    Form(f): Form<RewardForm>,
) -> Response {
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty() && k.len() <= 128)
        .map(str::to_owned)
    else {
        return oauth_error(StatusCode::BAD_REQUEST, "idempotency_key_required");
    };
    // A token, when sent, must be one this partner issued, to this device.
    let paired = match headers.get("authorization") {
        None => false,
        Some(_) => match p.bearer(&headers) {
            None => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_token"),
            Some((_, device)) if device != f.device => {
                return oauth_error(StatusCode::FORBIDDEN, "wrong_device");
            }
            Some(_) => true,
        },
    };
    if !device_ok(&f.device) || f.ad_id.is_empty() || f.ad_id.len() > 256 {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    if chrono::DateTime::parse_from_rfc3339(&f.impression).is_err() {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_impression");
    }
    let mut ledger = p.lock();
    if let Some((status, body)) = ledger.rewards.answers.get(&key) {
        return (
            *status,
            [("content-type", "application/json")],
            body.clone(),
        )
            .into_response();
    }
    let (status, body) = match demo_catalog::series(&f.series) {
        Some(series) if Partner::price(&f.series, f.episode).is_some() => {
            let day = super::unix_now() / 86_400;
            let known = ledger.rewards.devices.contains_key(&f.device);
            if !known && ledger.rewards.devices.len() >= MAX_DEVICES {
                return oauth_error(StatusCode::SERVICE_UNAVAILABLE, "too_many_devices");
            }
            let earned = ledger.rewards.devices.entry(f.device.clone()).or_default();
            if earned.day != day {
                earned.day = day;
                earned.today = 0;
            }
            if earned.today >= REWARDS_PER_DAY {
                (StatusCode::FORBIDDEN, json!({ "error": "daily_limit" }))
            } else {
                earned.today += 1;
                tracing::info!(
                    device = f.device,
                    ad = f.ad_id,
                    creative = f.creative_id,
                    impression = f.impression,
                    series = f.series,
                    episode = f.episode,
                    "reward"
                );
                let range = unlocked(series, f.episode);
                if paired {
                    let episodes = ledger.account.episodes.entry(f.series.clone());
                    episodes.or_default().extend(range);
                    (StatusCode::OK, json!(p.signed(&ledger.account, &f.device)))
                } else {
                    earned
                        .episodes
                        .entry(f.series.clone())
                        .or_default()
                        .extend(range);
                    let earned = &ledger.rewards.devices[&f.device];
                    (StatusCode::OK, json!(p.signed_device(&f.device, earned)))
                }
            }
        }
        _ => (
            StatusCode::BAD_REQUEST,
            json!({ "error": "not_for_reward" }),
        ),
    };
    let body = body.to_string();
    if ledger.rewards.answers.len() >= MAX_KEYS {
        ledger.rewards.answers.clear();
    }
    ledger.rewards.answers.insert(key, (status, body.clone()));
    (status, [("content-type", "application/json")], body).into_response()
}
