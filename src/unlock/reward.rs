//! `POST reward` (docs/unlock.md): a rewarded ad was watched to its end;
//! the partner answers with a signed entitlement document that unlocks
//! the episode: the account's when the box is paired, else one made for
//! this device alone.

use super::SignedEntitlements;
use super::client::{Body, UnlockClient, UnlockError, random_hex};
use super::entitlements::MAX_ENVELOPE_BYTES;

/// What the box reports of a rewarded ad it showed to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewardClaim {
    pub series: String,
    pub episode: u32,
    /// The VAST `Ad id` and the creative's id, as the ad server gave them
    /// (empty when it gave none).
    pub ad_id: String,
    pub creative_id: String,
    /// When the ad's first frame was on screen (RFC 3339, UTC).
    pub impression_at: String,
    /// One key per ad watched: every sending of this claim carries it.
    pub key: String,
}

impl RewardClaim {
    pub fn new(
        series: &str,
        episode: u32,
        ad_id: Option<&str>,
        creative_id: Option<&str>,
        impression_at: String,
    ) -> RewardClaim {
        // Ids from an ad server: bounded before they go anywhere.
        let id = |v: Option<&str>| v.unwrap_or_default().chars().take(256).collect();
        RewardClaim {
            series: series.into(),
            episode,
            ad_id: id(ad_id),
            creative_id: id(creative_id),
            impression_at,
            key: random_hex(16),
        }
    }
}

impl UnlockClient {
    /// Asks what `claim` unlocks: with the token when the box is paired.
    pub async fn reward(
        &self,
        token: Option<&str>,
        claim: &RewardClaim,
        device: &str,
    ) -> Result<SignedEntitlements, UnlockError> {
        const WHAT: &str = "reward";
        let episode = claim.episode.to_string();
        let form = [
            ("series", claim.series.as_str()),
            ("episode", episode.as_str()),
            ("device", device),
            ("ad_id", claim.ad_id.as_str()),
            ("creative_id", claim.creative_id.as_str()),
            ("impression", claim.impression_at.as_str()),
        ];
        let headers = [("Idempotency-Key", claim.key.clone())];
        let reply = self
            .call(
                WHAT,
                "reward",
                Body::Form(&form),
                token,
                &headers,
                MAX_ENVELOPE_BYTES,
            )
            .await?;
        if reply.status != 200 {
            let e = super::client::error_reply(&reply);
            return Err(super::client::refused_as_said(WHAT, &reply, e));
        }
        Ok(SignedEntitlements::parse(&reply.body)?)
    }
}
