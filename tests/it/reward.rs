//! "Watch an ad to unlock" against the demo partner over real TLS: the
//! unlock service asks `POST reward` for a box that is not paired, keeps
//! the document made for this device, plays the episode under a grant
//! without a token, and the partner counts each ad once, five a day.

use pillarbox::demo::partner;
use pillarbox::unlock::reward::RewardClaim;
use pillarbox::unlock::{Failure, UnlockCommand as C, UnlockReport as R};

use crate::common::Fault;
use crate::unlock::{PartnerOverTls, wait_for};

fn claim(episode: u32) -> RewardClaim {
    RewardClaim::new(
        "ceo-secret",
        episode,
        Some("demo-ad-1"),
        Some("demo-creative-1"),
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}

/// The outcome of a reward: the episodes the device's document unlocks in
/// the series, or why there was none.
fn outcome(rx: &std::sync::mpsc::Receiver<R>) -> Result<Vec<u32>, Failure> {
    let mut unlocked = None;
    wait_for(rx, |r| match r {
        R::DeviceEntitlements(Some(d)) => {
            unlocked = d
                .episodes
                .get("ceo-secret")
                .map(|e| e.iter().copied().collect());
            None
        }
        R::Rewarded { .. } => Some(Ok(unlocked.clone().expect("the document came first"))),
        R::RewardFailed(f) => Some(Err(f.clone())),
        _ => None,
    })
}

#[test]
fn a_rewarded_ad_unlocks_an_episode_for_this_device_once_per_ad_five_a_day() {
    let p = PartnerOverTls::start("reward");
    let (server, state) = (&p.server, &p.state);
    let (mut unlock, rx) = p.connect();
    // Nothing earned yet.
    assert!(wait_for(&rx, |r| match r {
        R::DeviceEntitlements(d) => Some(d.is_none()),
        _ => None,
    }));

    // The partner's first answer is lost (a 503): the retry carries the
    // same key, and the episode is unlocked for this device, unpaired.
    server.fault("/reward", Fault::Status(503), Some(1));
    let first = claim(9);
    unlock.run(C::Reward(first.clone()));
    assert_eq!(outcome(&rx), Ok(vec![9]));
    let keys: Vec<String> = server
        .seen("/reward")
        .iter()
        .map(|s| s.headers["idempotency-key"].clone())
        .collect();
    assert_eq!(keys, [first.key.clone(), first.key.clone()]);
    assert!(
        server
            .seen("/reward")
            .iter()
            .all(|s| !s.headers.contains_key("authorization"))
    );
    // The same claim sent again (a resend) is answered as before: counted once.
    unlock.run(C::Reward(first));
    assert_eq!(outcome(&rx), Ok(vec![9]));

    // Episode 9 is protected: its grant comes without a token.
    unlock.run(C::Grant {
        series: "ceo-secret".into(),
        episode: 9,
    });
    let grant = wait_for(&rx, |r| match r {
        R::Granted { grant, .. } => Some(grant.clone()),
        _ => None,
    });
    assert!(grant.is_ok(), "{grant:?}");

    // Four more ads today (five with the first), then the partner says no:
    // nothing more unlocked, the viewer told it could not be done.
    for episode in 10..=13 {
        unlock.run(C::Reward(claim(episode)));
        let got = outcome(&rx).expect("rewarded");
        assert!(got.contains(&episode), "{got:?}");
    }
    unlock.run(C::Reward(claim(14)));
    let refused = outcome(&rx);
    assert!(
        matches!(&refused, Err(Failure::Server(why)) if why.contains("daily_limit")),
        "{refused:?}"
    );
    // A free episode earns nothing either.
    unlock.run(C::Reward(claim(3)));
    assert!(matches!(outcome(&rx), Err(Failure::Server(_))));

    // A restart: the device's document is read back, checked, and counts.
    drop(unlock);
    let (mut unlock, rx) = p.connect();
    let kept = wait_for(&rx, |r| match r {
        R::DeviceEntitlements(d) => Some(d.clone()),
        _ => None,
    })
    .expect("the device's document is kept");
    assert_eq!(kept.episodes["ceo-secret"], (9..=13).collect());
    // Signing out forgets it with the device id.
    unlock.run(C::SignOut);
    wait_for(&rx, |r| {
        matches!(r, R::DeviceEntitlements(None)).then_some(())
    });
    assert!(!state.path().join("device-entitlements.json").exists());
}

#[test]
fn a_paired_box_earns_the_episode_for_the_account() {
    let p = PartnerOverTls::start("reward-paired");
    let (mut unlock, rx) = p.connect();
    p.pair(&mut unlock, &rx);
    // The reward carries the token and comes back as the account's
    // document: the episode is the account's, its coins untouched.
    unlock.run(C::Reward(claim(9)));
    let (coins, episodes) = wait_for(&rx, |r| match r {
        R::Entitlements { doc: Some(d), .. } => Some((
            d.coins,
            d.episodes.get("ceo-secret").cloned().unwrap_or_default(),
        )),
        R::DeviceEntitlements(Some(_)) => panic!("a paired reward is the account's"),
        _ => None,
    });
    assert_eq!(coins, partner::STARTING_COINS);
    assert!(episodes.contains(&9), "{episodes:?}");
    wait_for(&rx, |r| match r {
        R::Rewarded { episode: 9, .. } => Some(()),
        R::RewardFailed(f) => panic!("{f:?}"),
        _ => None,
    });
    assert!(
        p.server.seen("/reward")[0]
            .headers
            .contains_key("authorization")
    );
    assert!(!p.state.path().join("device-entitlements.json").exists());
}
