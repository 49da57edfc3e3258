//! "Watch an ad to unlock": the Locked screen's choice, the ad in the
//! player, Back asking first, the reward and its failures.

use std::time::Duration;

use super::*;
use crate::ads::chain::{PlayableAd, Resolved, tests::playable};
use crate::app::screens::locked::LockedChoice;
use crate::app::screens::player::rewarded::RewardStage;

fn ad() -> PlayableAd {
    let mut ad = playable(Duration::from_secs(6));
    ad.media.url = "https://cdn.example/reward.mp4".into();
    ad.ad_id = Some("demo-ad-1".into());
    ad.creative_id = Some("demo-creative-1".into());
    ad
}

/// Up to the ad, OK: the rewarded tag asked for. Its request id.
fn ask_for_the_ad(app: &mut App) -> crate::episode::EpisodeId {
    to_locked_episode_9(app);
    press(app, &[Up]);
    assert_eq!(app.locked_state().choice, LockedChoice::Ad);
    assert!(
        app.describe().contains("Unlock with an ad (5 left today)"),
        "{}",
        app.describe()
    );
    let cmds = press(app, &[Ok]);
    let request = cmds
        .iter()
        .find_map(|c| match c {
            Command::AskBreak {
                request,
                tag,
                content_id,
            } => {
                assert!(tag.contains("ads/inline/1"), "{tag}");
                assert_eq!(content_id, "ceo-secret/9");
                Some(*request)
            }
            _ => None,
        })
        .expect("the rewarded tag is asked for");
    assert_eq!(app.screen(), Screen::Player);
    assert_eq!(
        app.player().and_then(|p| p.reward_stage()),
        Some(RewardStage::Asking)
    );
    request
}

/// The ad server answers with one ad; it starts and shows its first frame.
fn watch(app: &mut App, request: crate::episode::EpisodeId) {
    let resolved = Resolved {
        ads: vec![ad(), ad()],
        failures: vec![],
    };
    let cmds = app.handle(Event::AdBreak { request, resolved });
    assert!(cmds.iter().any(|c| matches!(c, Command::PlayAd { .. })));
    let play = app.player().and_then(|p| p.ad()).expect("the ad plays");
    // One ad earns one reward; it cannot be skipped.
    assert_eq!(play.count, 1);
    app.handle(pb(app, Playback::Started));
    assert!(!app.player().unwrap().ad().unwrap().can_skip());
}

fn left_today(app: &App) -> u32 {
    app.ctx().rewarded_left()
}

#[test]
fn a_rewarded_ad_watched_to_its_end_unlocks_the_episode() {
    let mut app = app();
    let mut settings = app.settings().clone();
    settings.spoken.on = true;
    app.handle(Event::Settings(Box::new(settings)));
    let request = ask_for_the_ad(&mut app);
    watch(&mut app, request);
    // Neither OK nor Next leaves the ad early.
    press(&mut app, &[Ok, Next]);
    assert!(app.player().unwrap().ad().is_some());
    let cmds = app.handle(pb(&app, Playback::Ended));
    // The spoken UI says what happens now.
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Speak { text, .. } if text.contains("Unlocking"))),
        "{cmds:?}"
    );
    let claims: Vec<_> = unlock_commands(&cmds)
        .into_iter()
        .filter_map(|u| match u {
            UnlockCommand::Reward(c) => Some(c.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(claims.len(), 1, "{cmds:?}");
    assert_eq!(
        (claims[0].series.as_str(), claims[0].episode),
        ("ceo-secret", 9)
    );
    assert_eq!(claims[0].ad_id, "demo-ad-1");
    assert_eq!(claims[0].creative_id, "demo-creative-1");
    assert_eq!(claims[0].key.len(), 32);
    assert_eq!(
        app.player().and_then(|p| p.reward_stage()),
        Some(RewardStage::Unlocking)
    );
    assert!(app.describe().contains("Unlocking"), "{}", app.describe());
    // Not counted until the partner rewards it.
    assert_eq!(left_today(&app), 5);

    // The partner's document for this device, then the reward.
    let Event::Unlock(UnlockReport::Entitlements { doc, .. }) = entitlements(0, &[9]) else {
        unreachable!()
    };
    app.handle(Event::Unlock(UnlockReport::DeviceEntitlements(doc)));
    let cmds = app.handle(Event::Unlock(UnlockReport::Rewarded {
        series: "ceo-secret".into(),
        episode: 9,
    }));
    assert_eq!(left_today(&app), 4);
    assert!(cmds.iter().any(|c| matches!(c, Command::SaveAdLedger(_))));
    // Episode 9 starts (its grant asked for first), and Back goes to the
    // series page, not to a Locked screen for an episode now unlocked.
    assert_eq!(grants_asked(&cmds), [("ceo-secret".to_string(), 9)]);
    let p = app.player().expect("the episode's player");
    assert!(p.reward.is_none());
    assert_eq!(p.episode, 9);
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    // Unpaired: the device's document unlocks it all the same.
    let series = app.ctx().series("ceo-secret").unwrap().clone();
    assert!(app.playable(&series, 9));
    assert!(!app.playable(&series, 10));
}

#[test]
fn back_asks_first_and_leaving_earns_and_costs_nothing() {
    let mut app = app();
    let request = ask_for_the_ad(&mut app);
    watch(&mut app, request);
    let cmds = press(&mut app, &[Back]);
    assert!(cmds.contains(&Command::SetPaused(true)));
    let p = app.player().unwrap();
    assert_eq!(p.reward_leave(), Some(false));
    assert!(app.describe().contains("Leave without unlocking?"));
    // Keep watching (focused first): the ad goes on.
    let cmds = press(&mut app, &[Ok]);
    assert!(cmds.contains(&Command::SetPaused(false)));
    assert_eq!(app.player().unwrap().reward_leave(), None);
    // Back again, Leave: the Locked screen, nothing asked of the partner.
    let cmds = press(&mut app, &[Back, Right, Ok]);
    assert!(unlock_commands(&cmds).is_empty());
    assert!(cmds.contains(&Command::Stop));
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
    assert_eq!(left_today(&app), 5);
}

#[test]
fn no_ad_and_a_refused_reward_say_so_on_the_locked_screen() {
    let mut app = app();
    let request = ask_for_the_ad(&mut app);
    app.handle(Event::AdBreak {
        request,
        resolved: Resolved::default(),
    });
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
    assert!(
        app.locked_message()
            .contains("No ad is available right now"),
        "{}",
        app.locked_message()
    );
    // One Locked screen, not two: Back goes to the series page.
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));

    let mut app = super::app();
    let request = ask_for_the_ad(&mut app);
    watch(&mut app, request);
    app.handle(pb(&app, Playback::Ended));
    app.handle(Event::Unlock(UnlockReport::RewardFailed(Failure::Server(
        "reward: HTTP 403: daily_limit".into(),
    ))));
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
    let message = app.locked_message();
    assert!(message.contains("Nothing was spent"), "{message}");
    assert!(!message.contains("429"), "{message}");
    assert_eq!(left_today(&app), 5);
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
}

#[test]
fn the_choice_goes_when_todays_ads_are_used_up() {
    let mut app = app();
    let mut ledger = crate::ads::ledger::AdLedger::default();
    for _ in 0..5 {
        ledger.rewarded_watched(app.ctx().local_day());
    }
    app.set_ad_ledger(ledger);
    to_locked_episode_9(&mut app);
    press(&mut app, &[Up, Up]);
    assert_eq!(app.locked_state().choice, LockedChoice::Phone);
    assert!(!app.describe().contains("with an ad"));
}
