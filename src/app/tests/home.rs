//! Home: rows, focus, the leave question, jumps from a script.

use super::*;

#[test]
fn home_rows_follow_the_catalog_rails() {
    let app = app();
    let ids: Vec<_> = app.rows().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["featured", "new", "romance", "drama"]);
    // "new": newest first, limited to 3.
    let catalog = app.catalog().unwrap();
    let new: Vec<_> = app.rows()[1]
        .series
        .iter()
        .map(|&i| catalog.series[i].id.as_str())
        .collect();
    assert_eq!(new, ["love-at-gate-9", "midnight-bakery", "ceo-secret"]);
    assert_eq!(app.focused_series().unwrap().id, "ceo-secret");
}

#[test]
fn arrows_move_predictably_and_rows_remember_their_column() {
    let mut app = app();
    press(&mut app, &[Right, Right]);
    assert_eq!(app.focused_series().unwrap().id, "midnight-bakery");
    // Right stops at the end of a row; Left at its start.
    press(&mut app, &[Right, Right, Right, Right]);
    assert_eq!(app.column(0), 4);
    press(&mut app, &[Down]);
    assert_eq!((app.focused_row(), app.column(1)), (1, 0));
    press(&mut app, &[Left, Right]);
    assert_eq!(app.column(1), 1);
    press(&mut app, &[Up]);
    assert_eq!((app.focused_row(), app.column(0)), (0, 4));
    press(&mut app, &[Up, Up]);
    assert_eq!(app.focused_row(), 0);
    press(&mut app, &[Down, Down, Down, Down, Down]);
    assert_eq!(app.focused_row(), 3);
}

#[test]
fn home_series_player_and_back_again() {
    let mut app = app();
    let cmds = press(&mut app, &[Ok]);
    assert!(cmds.is_empty());
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    assert_eq!(app.series_focus(), SeriesFocus::PlayButton);

    let cmds = press(&mut app, &[Ok]);
    assert_eq!(played(&cmds), [("ceo-secret".to_string(), 1)]);
    assert_eq!(app.screen(), Screen::Player);
    assert_eq!(app.player().unwrap().phase, Phase::Loading);

    let cmds = press(&mut app, &[Back]);
    assert_eq!(cmds, [Command::Stop]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    assert_eq!(app.series_focus(), SeriesFocus::Episode(0));
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Home);
    // Back on home asks before leaving; Back again stays.
    press(&mut app, &[Back]);
    assert_eq!(app.exit_dialog(), Some(Choice::Keep));
    assert!(press(&mut app, &[Back]).is_empty());
    assert_eq!(app.exit_dialog(), None);
    press(&mut app, &[Back]);
    assert_eq!(press(&mut app, &[Right, Ok]), [Command::Exit]);
}

#[test]
fn exit_key_goes_home_from_anywhere() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    let cmds = press(&mut app, &[Exit]);
    assert_eq!(cmds, [Command::Stop]);
    assert_eq!(app.screen(), Screen::Home);
    press(&mut app, &[Exit]);
    assert_eq!(app.exit_dialog(), Some(Choice::Keep));
}

#[test]
fn a_rule_without_limit_fills_at_most_the_default_and_lookups_are_indexed() {
    use crate::catalog::limits;
    use crate::catalog::model::{Rail, RailRule};
    let mut catalog = demo_catalog();
    let template = catalog.series[0].clone();
    catalog.series = (0..200)
        .map(|i| {
            let mut s = template.clone();
            s.id = format!("s{i}");
            s.genres = vec!["romance".into()];
            s
        })
        .collect();
    catalog.rails = vec![Rail {
        id: "romance".into(),
        title: [("en".to_owned(), "Romance".to_owned())].into(),
        series: None,
        rule: Some(RailRule::Genre {
            genre: "romance".into(),
            limit: None,
        }),
        extra: Default::default(),
    }];
    let mut app = App::new(History::default(), "en");
    app.handle(Event::Catalog {
        catalog: Arc::new(catalog),
        problem: None,
        expired: None,
    });
    assert_eq!(app.rows()[0].series.len(), limits::DEFAULT_RULE_LIMIT);
    assert_eq!(app.series("s199").map(|s| s.id.as_str()), Some("s199"));
    assert!(app.series("nope").is_none());
    // Rows are built once per change, not per look.
    let generation = app.rows_generation();
    press(&mut app, &[Right, Right, Down]);
    assert_eq!(app.rows_generation(), generation);
}

#[test]
fn open_goes_where_the_viewers_keys_would_and_back_still_works() {
    let mut app = app();
    // A free episode plays, from Home through its series' page.
    let cmds = app.handle(Event::Open {
        series: "the-last-letter".into(),
        episode: Some(3),
    });
    assert_eq!(played(&cmds), [("the-last-letter".to_string(), 3)]);
    assert_eq!(app.screen(), Screen::Player);
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Series("the-last-letter".into()));
    assert_eq!(app.series_focus(), SeriesFocus::Episode(2));
    press(&mut app, &[Back]);
    assert_eq!(app.screen(), Screen::Home);
    // A locked one shows the Locked screen; an unknown series nothing.
    let cmds = app.handle(Event::Open {
        series: "ceo-secret".into(),
        episode: Some(9),
    });
    assert!(played(&cmds).is_empty());
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
    app.handle(Event::Open {
        series: "no-such".into(),
        episode: None,
    });
    assert_eq!(app.screen(), Screen::Locked("ceo-secret".into(), 9));
}
