//! Playback grants: asked for before a granted episode plays or is
//! preloaded, refreshed while in use, a refusal on the Locked screen.

use super::*;
use crate::unlock::Grant;

/// The app paired with episodes 9 to 12 of The CEO's Secret bought, on
/// the series page with episode 9 focused.
fn owner() -> App {
    let mut app = app();
    app.handle(entitlements(100, &[9, 10, 11, 12]));
    press(&mut app, &[Ok, Digit9]);
    app
}

fn refused(series: &str, episode: u32, f: Failure) -> Event {
    Event::Unlock(UnlockReport::Granted {
        series: series.into(),
        episode,
        grant: Err(f),
    })
}

#[test]
fn a_granted_episode_asks_its_grant_once_then_plays_under_it() {
    let mut app = owner();
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(app.screen(), Screen::Player);
    assert!(cmds.contains(&Command::Stop), "{cmds:?}");
    assert_eq!(grants_asked(&cmds), [("ceo-secret".into(), 9)]);
    assert!(played(&cmds).is_empty(), "no Play before the grant");
    let cmds = app.handle(granted("ceo-secret", 9, 300));
    match &cmds[..] {
        [Command::Play { source, .. }] => assert!(source.url.contains("sig="), "{source:?}"),
        other => panic!("{other:?}"),
    }
    // Another grant for it would be a refresh of the episode playing.
    let cmds = app.handle(granted("ceo-secret", 9, 300));
    assert!(matches!(&cmds[..], [Command::Refresh { .. }]), "{cmds:?}");
}

#[test]
fn a_refused_grant_lands_on_the_locked_screen_saying_why() {
    for (failure, text) in [
        (
            Failure::NotEntitled,
            "This episode is not unlocked for the account this TV is signed in to.",
        ),
        (
            Failure::Unavailable,
            "Drama Shorts does not offer this episode now.",
        ),
        (Failure::NotPaired, "Sign in on your phone first."),
    ] {
        let mut app = owner();
        press(&mut app, &[Ok]);
        app.handle(refused("ceo-secret", 9, failure));
        assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
        assert_eq!(app.locked_message(), text);
        // Back: the series page, the player gone.
        press(&mut app, &[Back]);
        assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    }
}

#[test]
fn a_grant_that_cannot_be_asked_is_an_error_to_retry_not_a_lock() {
    let mut app = owner();
    press(&mut app, &[Ok]);
    app.handle(refused(
        "ceo-secret",
        9,
        Failure::Network("cannot connect".into()),
    ));
    assert_eq!(app.screen(), Screen::Player);
    let panel = app.player().unwrap().failed().expect("the error panel");
    assert!(
        !panel.message.contains("cannot connect"),
        "{}",
        panel.message
    );
    // Retry asks again.
    let cmds = press(&mut app, &[Ok]);
    assert_eq!(grants_asked(&cmds), [("ceo-secret".into(), 9)]);
}

#[test]
fn grants_are_refreshed_while_in_use_for_the_episode_and_the_next_one() {
    let mut app = owner();
    press(&mut app, &[Ok]);
    tick(&mut app, 1_000);
    app.handle(granted("ceo-secret", 9, 100));
    app.handle(pb(&app, Playback::Started));
    // The next episode's grant is asked for when its preload is due, and
    // it is preloaded with the grant.
    tick(&mut app, 1_000 + NEXT_PRELOAD_AFTER_MS + 10);
    let cmds = app.handle(pb(
        &app,
        Playback::Position {
            position_ms: 1_500,
            duration_ms: Some(12_000),
        },
    ));
    assert_eq!(grants_asked(&cmds), [("ceo-secret".into(), 10)]);
    let cmds = app.handle(granted("ceo-secret", 10, 100));
    match &cmds[..] {
        [Command::Preload { source, .. }] => assert!(source.url.contains("/10/")),
        other => panic!("{other:?}"),
    }
    // Three quarters into the grants' lives, both are asked again.
    assert!(grants_asked(&tick(&mut app, 60_000)).is_empty());
    let mut asked = grants_asked(&tick(&mut app, 80_000));
    asked.sort();
    assert_eq!(asked, [("ceo-secret".into(), 9), ("ceo-secret".into(), 10)]);
    // The new ones: the episode goes on under its own, the next one is
    // preloaded again under its own.
    let cmds = app.handle(granted("ceo-secret", 9, 100));
    assert!(matches!(&cmds[..], [Command::Refresh { .. }]), "{cmds:?}");
    let cmds = app.handle(granted("ceo-secret", 10, 100));
    assert!(matches!(&cmds[..], [Command::Preload { .. }]), "{cmds:?}");
    // The binge goes on to episode 10 with its grant held: played at once.
    let cmds = app.handle(pb(&app, Playback::Ended));
    assert_eq!(played(&cmds), [("ceo-secret".into(), 10)]);
    assert!(grants_asked(&cmds).is_empty());
}

#[test]
fn a_server_refusing_the_episode_mid_way_gets_a_new_grant_once() {
    let mut app = owner();
    press(&mut app, &[Ok]);
    app.handle(granted("ceo-secret", 9, 300));
    app.handle(pb(&app, Playback::Started));
    app.handle(pb(
        &app,
        Playback::Position {
            position_ms: 6_000,
            duration_ms: Some(12_000),
        },
    ));
    let denied = |app: &App| {
        pb(
            app,
            Playback::Failed {
                message: "HTTP 403 for segment 4".into(),
                denied: true,
                network: true,
            },
        )
    };
    let cmds = app.handle(denied(&app));
    assert_eq!(grants_asked(&cmds), [("ceo-secret".into(), 9)]);
    assert!(app.player().unwrap().failed().is_none());
    // Played on from where it was.
    let cmds = app.handle(Event::Unlock(UnlockReport::Granted {
        series: "ceo-secret".into(),
        episode: 9,
        grant: Result::Ok(Grant {
            source: crate::playback::StreamSource::plain("http://127.0.0.1:9/new.m3u8"),
            expires_in_s: 300,
            keep_for_s: None,
        }),
    }));
    match &cmds[..] {
        [Command::Play { start_ms, .. }] => assert_eq!(*start_ms, 6_000),
        other => panic!("{other:?}"),
    }
    // A second refusal is an error.
    app.handle(denied(&app));
    assert!(app.player().unwrap().failed().is_some());
}

fn account_item(series: &str, episode: u32, at: &str) -> crate::unlock::progress::ProgressItem {
    crate::unlock::progress::ProgressItem {
        series: series.into(),
        episode,
        position_ms: 4_000,
        duration_ms: 12_000,
        watched: false,
        at: at.into(),
    }
}

#[test]
fn the_accounts_progress_merges_by_time_and_goes_with_sign_out() {
    let mut app = app();
    app.handle(entitlements(100, &[]));
    // Watched here: The Last Letter, episode 2, long ago.
    app.ctx.history.record_position_at(
        "the-last-letter",
        2,
        3_000,
        12_000,
        Some("2026-01-01T00:00:00.000Z".into()),
    );
    // On the phone since: Midnight Bakery, and The Last Letter further on.
    let cmds = app.handle(Event::Unlock(UnlockReport::Progress(vec![
        account_item("midnight-bakery", 5, "2026-06-01T00:00:00.000Z"),
        account_item("the-last-letter", 4, "2026-05-01T00:00:00.000Z"),
    ])));
    assert!(cmds.iter().any(|c| matches!(c, Command::SaveHistory(_))));
    let h = app.history();
    assert_eq!(h.series["the-last-letter"].episode, 4);
    assert_eq!(h.resume_episode("midnight-bakery", 12), 5);
    // Continue Watching: the latest first, whichever device.
    let order = h.continue_watching(|_| Some(12));
    assert_eq!(order, ["midnight-bakery", "the-last-letter"]);
    // Older news from the account changes nothing.
    app.handle(Event::Unlock(UnlockReport::Progress(vec![account_item(
        "the-last-letter",
        1,
        "2025-01-01T00:00:00.000Z",
    )])));
    assert_eq!(app.history().series["the-last-letter"].episode, 4);

    // Sign out: Settings, the last row, OK twice.
    press(&mut app, &[Red]);
    press(&mut app, &[Down; 40]);
    press(&mut app, &[Up]);
    assert_eq!(app.settings_row(), SettingRow::Account);
    assert!(
        app.describe().contains("Press OK to sign out"),
        "{}",
        app.describe()
    );
    let cmds = press(&mut app, &[Ok]);
    assert!(unlock_commands(&cmds).is_empty(), "asks again first");
    assert!(app.describe().contains("again"), "{}", app.describe());
    let cmds = press(&mut app, &[Ok]);
    assert!(
        unlock_commands(&cmds).contains(&&UnlockCommand::SignOut),
        "{cmds:?}"
    );
    assert!(!app.ctx().paired);
    assert_eq!(app.coins(), None);
    // What came from the account went; nothing watched here did.
    assert!(!app.history().series.contains_key("midnight-bakery"));
    assert!(!app.history().series.contains_key("the-last-letter"));
}

#[test]
fn progress_goes_to_the_account_only_when_paired() {
    for paired in [false, true] {
        let mut app = app();
        if paired {
            app.handle(entitlements(100, &[]));
        }
        // The Last Letter (free), episode 1, played a while, then left.
        press(&mut app, &[Down, Down]);
        let focused = app.focused_series().map(|s| s.id.clone());
        press(&mut app, &[Ok, Ok]);
        app.handle(pb(&app, Playback::Started));
        app.handle(pb(
            &app,
            Playback::Position {
                position_ms: 6_000,
                duration_ms: Some(12_000),
            },
        ));
        let cmds = press(&mut app, &[Back]);
        let sent: Vec<_> = unlock_commands(&cmds)
            .into_iter()
            .filter(|c| matches!(c, UnlockCommand::Progress(_)))
            .collect();
        assert_eq!(sent.len(), usize::from(paired), "{focused:?} {cmds:?}");
        if let Some(UnlockCommand::Progress(item)) = sent.first() {
            assert_eq!(item.position_ms, 6_000);
            assert!(item.at.ends_with('Z'), "{}", item.at);
        }
    }
}
