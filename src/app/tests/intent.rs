//! Preload on intent: the focus resting on what OK would play.

use super::*;

#[test]
fn resting_focus_preloads_what_ok_would_play_and_moving_on_drops_it() {
    let mut app = app();
    // At start the focus rests on the first poster: once it has for the
    // dwell time, its first episode is preloaded, once.
    assert!(preloads(&app.handle(Event::Tick(INTENT_DWELL_MS - 1))).is_empty());
    let cmds = app.handle(Event::Tick(INTENT_DWELL_MS));
    let first = app.focused_series().unwrap().episodes[0].streams[0]
        .url
        .clone();
    assert_eq!(preloads(&cmds), [first.as_str()]);
    assert!(preloads(&app.handle(Event::Tick(2 * INTENT_DWELL_MS))).is_empty());

    // Scrolling past posters preloads nothing, and drops the preload.
    let cmds = press(&mut app, &[Right]);
    assert_eq!(cmds, [Command::CancelPreload]);
    let cmds = press(&mut app, &[Right]);
    assert!(cmds.is_empty(), "{cmds:?}");
    let t = 2 * INTENT_DWELL_MS + 100;
    assert!(preloads(&app.handle(Event::Tick(t))).is_empty());
    let cmds = app.handle(Event::Tick(t + INTENT_DWELL_MS));
    let third = app.focused_series().unwrap().episodes[0].streams[0]
        .url
        .clone();
    assert_eq!(preloads(&cmds), [third.as_str()]);

    // OK opens the series on Play, the same episode: nothing new. OK again
    // plays the preloaded URL, and the preload is not dropped first.
    assert!(press(&mut app, &[Ok]).is_empty());
    let cmds = press(&mut app, &[Ok]);
    assert!(!cmds.contains(&Command::CancelPreload), "{cmds:?}");
    match &cmds[..] {
        [Command::Play { source, .. }] => assert_eq!(&source.url, &third),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_episode_focused_in_the_grid_is_preloaded_but_not_a_locked_one() {
    let mut app = app();
    press(&mut app, &[Ok, Down, Right]);
    let series = match app.screen() {
        Screen::Series(id) => app.series(&id).unwrap().clone(),
        other => panic!("{other:?}"),
    };
    let cmds = app.handle(Event::Tick(10 * INTENT_DWELL_MS));
    assert_eq!(
        preloads(&cmds),
        [series.episodes[1].streams[0].url.as_str()]
    );
    // A locked episode: the preload goes and no other comes.
    let locked = series.free_episodes as usize; // index of the first locked one
    let mut cmds = Vec::new();
    while !matches!(app.series_focus(), SeriesFocus::Episode(i) if i == locked) {
        cmds.extend(press(&mut app, &[Right]));
    }
    assert!(cmds.contains(&Command::CancelPreload), "{cmds:?}");
    assert!(preloads(&app.handle(Event::Tick(20 * INTENT_DWELL_MS))).is_empty());
}
