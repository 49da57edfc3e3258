//! Long sessions: still watching, the sleep timer.

use super::*;

#[test]
fn still_watching_is_asked_after_the_set_time_without_a_key_and_back_stops() {
    let mut app = app();
    press(&mut app, &[Ok, Ok]);
    app.handle(pb(&app, Playback::Started));
    let limit = u64::from(app.settings().still_watching_min) * 60_000;
    assert_eq!(limit, 90 * 60_000);
    // Episodes come and go (autoplay); only time without a key counts.
    assert!(
        tick(&mut app, limit - 1)
            .iter()
            .all(|c| *c != Command::SetPaused(true))
    );
    let cmds = tick(&mut app, limit);
    assert!(cmds.contains(&Command::SetPaused(true)), "{cmds:?}");
    assert_eq!(app.still_watching(), Some(true));
    assert_eq!(app.describe(), "Are you still watching? Continue watching");
    // Continue: playing again, asked again only after another stretch.
    let cmds = press(&mut app, &[Ok]);
    assert!(cmds.contains(&Command::SetPaused(false)));
    assert_eq!(app.still_watching(), None);
    tick(&mut app, limit + 1000);
    assert_eq!(app.still_watching(), None);
    tick(&mut app, 2 * limit);
    assert_eq!(app.still_watching(), Some(true));
    // Back stops: the series page, the episode's place kept.
    let cmds = press(&mut app, &[Back]);
    assert!(cmds.contains(&Command::Stop));
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    assert_eq!(app.still_watching(), None);
}

#[test]
fn the_sleep_timer_fades_out_and_stops() {
    let mut app = app();
    app.ctx.settings.still_watching_min = 0;
    press(&mut app, &[Ok, Ok]);
    app.handle(pb(&app, Playback::Started));
    // The sleep control is the last one: OK steps 15, 30, 60, 90, off.
    press(&mut app, &[Ok, Right, Right]);
    assert_eq!(app.player().unwrap().button, PlayerButton::Sleep);
    assert_eq!(app.describe(), "Sleep timer");
    press(&mut app, &[Ok]);
    assert_eq!(app.sleep_timer().map(|t| t.minutes), Some(15));
    assert_eq!(app.toast(), Some("Sleep timer: 15 minutes"));
    assert_eq!(app.sleep_label(), "Sleep in 15 min");
    let end = 15 * 60_000;
    assert!(
        tick(&mut app, end - sleep::FADE_MS - 1)
            .iter()
            .all(|c| !matches!(c, Command::Fade(_)))
    );
    // The last half minute fades in steps; the picture dims with it.
    let cmds = tick(&mut app, end - sleep::FADE_MS / 2);
    assert!(cmds.contains(&Command::Fade(0.5)), "{cmds:?}");
    assert!((app.fade() - 0.5).abs() < 1e-9);
    let cmds = tick(&mut app, end);
    assert!(
        cmds.contains(&Command::Stop) && cmds.contains(&Command::Fade(1.0)),
        "{cmds:?}"
    );
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    assert_eq!(app.toast(), Some("Stopped by the sleep timer"));
    assert_eq!(app.sleep_timer(), None);

    // Stepped past 90: off.
    let mut app = self::app();
    press(&mut app, &[Ok, Ok]);
    press(&mut app, &[Ok, Right, Right, Ok, Ok, Ok, Ok]);
    assert_eq!(app.sleep_timer().map(|t| t.minutes), Some(90));
    press(&mut app, &[Ok]);
    assert_eq!(app.sleep_timer(), None);
}
