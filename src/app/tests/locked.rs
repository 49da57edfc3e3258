//! The Locked screen: coins, pairing, failures, entitlements.

use super::*;

#[test]
fn coins_unlock_after_a_confirmation_once_and_the_episode_starts_by_itself() {
    let mut app = app();
    app.handle(entitlements(120, &[]));
    to_locked_episode_9(&mut app);
    assert_eq!(
        app.locked_state().choice,
        screens::locked::LockedChoice::Coins
    );
    assert!(
        app.describe().contains("Unlock episode 9 for 49 coins"),
        "{}",
        app.describe()
    );
    // OK asks first; Cancel (Right, OK) spends nothing.
    let cmds = press(&mut app, &[Ok]);
    assert!(unlock_commands(&cmds).is_empty());
    assert_eq!(app.locked_state().confirm, Some(true));
    assert!(app.describe().contains("Spend 49 of your 120 coins"));
    let cmds = press(&mut app, &[Right, Ok]);
    assert!(unlock_commands(&cmds).is_empty());
    assert_eq!(app.locked_state().confirm, None);
    // Unlock: one purchase, however often OK is pressed while it is out.
    let cmds = press(&mut app, &[Ok, Ok, Ok, Ok]);
    assert_eq!(
        unlock_commands(&cmds),
        [&UnlockCommand::Purchase {
            series: "ceo-secret".into(),
            episode: 9,
            price: 49
        }]
    );
    assert!(app.locked_state().waiting);
    // The balance changes only with the server's document.
    assert_eq!(app.coins(), Some(120));
    // Episode 9 plays under a grant: asked for, then played.
    let cmds = app.handle(entitlements(71, &[9]));
    assert_eq!(grants_asked(&cmds), [("ceo-secret".to_string(), 9)]);
    assert_eq!(app.screen(), Screen::Player);
    let cmds = app.handle(granted("ceo-secret", 9, 300));
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 9)]);
    assert_eq!(app.coins(), Some(71));
    app.handle(Event::Unlock(UnlockReport::Purchased {
        series: "ceo-secret".into(),
        episode: 9,
    }));
    // Back from the player: the page, no Locked screen in between.
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
}

#[test]
fn too_few_coins_says_so_and_points_at_the_phone() {
    let mut app = app();
    app.handle(entitlements(20, &[]));
    to_locked_episode_9(&mut app);
    let cmds = press(&mut app, &[Ok]);
    assert!(unlock_commands(&cmds).is_empty());
    assert_eq!(
        app.locked_state().choice,
        screens::locked::LockedChoice::Phone
    );
    assert_eq!(
        app.locked_message(),
        "Not enough coins: you have 20, this costs 49. Add coins on your phone."
    );
}

#[test]
fn pairing_shows_a_code_and_the_phones_purchase_plays_the_episode() {
    let mut app = app();
    to_locked_episode_9(&mut app);
    // Not paired: the phone is the only choice.
    assert_eq!(app.coin_price(app.series("ceo-secret").unwrap()), None);
    let cmds = press(&mut app, &[Right, Ok]);
    assert_eq!(
        unlock_commands(&cmds),
        [&UnlockCommand::Pair {
            series: "ceo-secret".into(),
            episode: 9
        }]
    );
    app.handle(Event::Unlock(UnlockReport::Pairing {
        host: "partner.example".into(),
        user_code: "BCDF-GHJK".into(),
        uri: "http://127.0.0.1:9/activate".into(),
        uri_complete: Some("http://127.0.0.1:9/activate?user_code=BCDF-GHJK".into()),
        expires_in_s: 600,
    }));
    assert_eq!(
        app.locked_state().pairing.as_ref().unwrap().user_code,
        "BCDF-GHJK"
    );
    assert!(
        app.describe().contains("B C D F, G H J K"),
        "{}",
        app.describe()
    );
    app.handle(Event::Unlock(UnlockReport::Paired));
    let cmds = app.handle(entitlements(71, &[9]));
    assert_eq!(grants_asked(&cmds), [("ceo-secret".to_string(), 9)]);
    let cmds = app.handle(granted("ceo-secret", 9, 300));
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 9)]);
    assert_eq!(app.screen(), Screen::Player);
}

#[test]
fn failures_are_explained_and_back_stops_pairing() {
    let mut app = app();
    to_locked_episode_9(&mut app);
    press(&mut app, &[Ok]);
    app.handle(Event::Unlock(UnlockReport::PairingFailed(Failure::Expired)));
    assert_eq!(
        app.locked_message(),
        "The code has expired. Press OK for a new one."
    );
    app.handle(Event::Unlock(UnlockReport::PairingFailed(
        Failure::Network("cannot connect".into()),
    )));
    assert!(
        app.locked_message()
            .starts_with("No connection to Drama Shorts. Nothing was spent")
    );
    press(&mut app, &[Ok]);
    app.handle(Event::Unlock(UnlockReport::Pairing {
        host: "partner.example".into(),
        user_code: "BCDF-GHJK".into(),
        uri: "http://127.0.0.1:9/activate".into(),
        uri_complete: None,
        expires_in_s: 600,
    }));
    let cmds = press(&mut app, &[Back]);
    assert_eq!(unlock_commands(&cmds), [&UnlockCommand::StopPairing]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));

    // A revoked token: coins are no longer offered, what was bought stays.
    let mut app = self::app();
    app.handle(entitlements(120, &[10]));
    to_locked_episode_9(&mut app);
    press(&mut app, &[Ok, Ok]);
    app.handle(Event::Unlock(UnlockReport::PurchaseFailed(
        Failure::SignedOut,
    )));
    assert_eq!(app.coins(), None);
    assert_eq!(
        app.locked_state().choice,
        screens::locked::LockedChoice::Phone
    );
    assert!(app.locked_message().starts_with("This TV was signed out."));
    assert!(app.playable(app.series("ceo-secret").unwrap(), 10));
}

#[test]
fn entitlements_unlock_episodes_until_they_expire() {
    let mut app = app();
    let series = app.series("ceo-secret").unwrap().clone();
    assert!(!app.playable(&series, 9));
    app.handle(entitlements(0, &[9]));
    assert!(app.playable(&series, 9));
    assert!(!app.playable(&series, 10));
    // An expired document unlocks nothing.
    app.handle(Event::Clock(
        "12:00".into(),
        chrono::DateTime::parse_from_rfc3339("2099-01-02T00:00:00Z")
            .unwrap()
            .into(),
    ));
    assert!(!app.playable(&series, 9));
}

// ---- long sessions ----
