use super::*;
use crate::app::context::StreamFor;
use crate::stored::Kept;
use crate::stored::keeper::KeepPlan;

/// A keeper's order: the episodes wanted, idle, the plan.
type Keep<'a> = (Vec<(String, u32)>, bool, &'a KeepPlan);

/// The keeper's orders in `cmds`.
fn keeps(cmds: &[Command]) -> Vec<Keep<'_>> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Keep { plan, idle } => Some((
                plan.wanted
                    .iter()
                    .map(|w| (w.series.clone(), w.episode))
                    .collect(),
                *idle,
                plan,
            )),
            _ => None,
        })
        .collect()
}

fn ceo(episodes: &[u32]) -> Vec<(String, u32)> {
    episodes
        .iter()
        .map(|e| ("ceo-secret".to_owned(), *e))
        .collect()
}

/// The app with the viewer part-way into episode 7 of The CEO's Secret.
fn watching_episode_7() -> App {
    let mut history = History::default();
    history.record_position("ceo-secret", 7, 20_000, 60_000);
    let mut app = App::new(history, "en");
    let cmds = app.handle(Event::Catalog {
        catalog: Arc::new(demo_catalog()),
        problem: None,
        expired: None,
    });
    assert!(keeps(&cmds).is_empty(), "not before entitlements: {cmds:?}");
    app
}

fn kept_grant(episode: u32, keep_for_s: u64) -> Event {
    Event::Unlock(UnlockReport::Granted {
        series: "ceo-secret".into(),
        episode,
        grant: Result::Ok(crate::unlock::Grant {
            source: crate::playback::StreamSource::plain(format!(
                "http://127.0.0.1:9/media/ceo-secret/{episode}/index.m3u8?sig=k"
            )),
            expires_in_s: 600,
            keep_for_s: Some(keep_for_s),
        }),
    })
}

#[test]
fn the_next_episodes_of_a_series_being_watched_are_kept_while_nothing_plays() {
    let mut app = watching_episode_7();
    // 7 and 8 are free; 9 is locked: nothing from it on is kept.
    let cmds = app.handle(entitlements(0, &[]));
    let k = keeps(&cmds);
    assert_eq!(k.len(), 1, "{cmds:?}");
    assert_eq!((k[0].0.clone(), k[0].1), (ceo(&[7, 8]), true));
    let plan = k[0].2;
    assert_eq!(plan.wanted[0].keep_until, None);
    assert!(
        plan.wanted[0]
            .source
            .url
            .ends_with("/ceo-secret/7/index.m3u8"),
        "{plan:?}"
    );
    assert_eq!((plan.budget, plan.night), (None, None));
    assert_eq!(plan.recency, ["ceo-secret"]);
    // Asked once: the same plan is not sent again on every tick.
    assert!(keeps(&tick(&mut app, 1_000)).is_empty());

    // Owned, 9 plays under a grant: one is asked; while it lets nothing
    // be kept, 9 is not kept (and not asked again).
    let cmds = app.handle(entitlements(0, &[9, 10]));
    assert_eq!(grants_asked(&cmds), ceo(&[9]));
    let cmds = app.handle(granted("ceo-secret", 9, 600));
    assert!(grants_asked(&cmds).is_empty(), "{cmds:?}");
    assert!(keeps(&cmds).is_empty(), "nothing changed: {cmds:?}");
    // A grant that lets the box keep it: kept until then.
    let cmds = app.handle(kept_grant(9, 86_400));
    let k = keeps(&cmds);
    assert_eq!(k[0].0, ceo(&[7, 8, 9]));
    let until = k[0].2.wanted[2]
        .keep_until
        .expect("kept until the grant says");
    let expected = app.ctx().now_wall() + chrono::Duration::days(1);
    assert!(
        (until - expected).num_seconds().abs() <= 1,
        "{until} {expected}"
    );

    // Data saving caps what is kept; the catalog's night window applies
    // when the viewer asks for night only.
    let mut s = app.settings().clone();
    s.data_use = crate::app::settings::DataUse::Save;
    s.keep_at_night = Some(true);
    s.keep_ahead = 1;
    s.keep_space_gb = 5;
    let cmds = app.handle(Event::Settings(Box::new(s)));
    let k = keeps(&cmds);
    assert_eq!(k[0].0, ceo(&[7]));
    let plan = k[0].2;
    assert_eq!(
        plan.wanted[0].max_bitrate,
        Some(crate::app::settings::SAVE_DATA_BPS)
    );
    assert_eq!(
        (plan.budget, plan.night),
        (Some(5_000_000_000), Some((1, 6)))
    );

    // Playing (Continue Watching's first item): the keeper stops (the
    // link is the episode's).
    assert_eq!(app.rows()[0].id, CONTINUE_ROW);
    let cmds = press(&mut app, &[Ok]);
    assert!(!played(&cmds).is_empty(), "{cmds:?}");
    let k = keeps(&cmds);
    assert_eq!(k.len(), 1, "{cmds:?}");
    assert!(!k[0].1, "not idle while an episode plays");
    // Off: nothing is wanted and no space is left: what is kept goes.
    let mut s = app.settings().clone();
    s.keep_ahead = 0;
    let cmds = app.handle(Event::Settings(Box::new(s)));
    let k = keeps(&cmds);
    assert!(k[0].0.is_empty());
    assert_eq!(k[0].2.budget, Some(0));
}

#[test]
fn a_kept_episode_plays_from_the_box_until_its_time_is_up_whatever_the_clock_says() {
    let mut app = watching_episode_7();
    app.handle(entitlements(0, &[9]));
    let t = chrono::DateTime::parse_from_rfc3339("2030-01-01T12:00:00Z")
        .unwrap()
        .to_utc();
    app.handle(Event::Clock("11:00".into(), t - chrono::Duration::hours(1)));
    let kept = |episode, keep_until| Kept {
        series: "ceo-secret".into(),
        episode,
        url: format!("stored://episodes/e{episode}/index.m3u8"),
        bytes: 1_000_000,
        keep_until,
    };
    app.handle(Event::Kept(vec![kept(8, None), kept(9, Some(t))]));
    for n in [8, 9] {
        assert_eq!(
            app.ctx().stream_for("ceo-secret", n),
            StreamFor::Ready(crate::playback::StreamSource::plain(format!(
                "stored://episodes/e{n}/index.m3u8"
            )))
        );
    }
    // Kept episodes stay wanted without asking for grants.
    let cmds = tick(&mut app, 700_000);
    let k = keeps(&cmds);
    assert_eq!(k[0].0, ceo(&[7, 8, 9]), "{cmds:?}");
    assert_eq!(k[0].2.wanted[2].keep_until, Some(t));
    assert!(grants_asked(&cmds).is_empty());
    // The series page says which are on the box.
    press(&mut app, &[Ok, Back]);
    assert_eq!(app.screen(), Screen::Series("ceo-secret".into()));
    press(&mut app, &[Digit8]);
    assert_eq!(app.describe(), "Episode 8. On this TV");

    // Its time is up: a grant is needed again. A clock set back does not
    // bring it back: the box knows a later time has passed.
    app.handle(Event::Clock(
        "12:01".into(),
        t + chrono::Duration::minutes(1),
    ));
    assert_eq!(app.ctx().stream_for("ceo-secret", 9), StreamFor::NeedsGrant);
    app.handle(Event::Unlock(UnlockReport::Entitlements {
        doc: app.ctx().entitlements.clone(),
        paired: true,
        floor: Some(t + chrono::Duration::minutes(1)),
    }));
    app.handle(Event::Clock("10:00".into(), t - chrono::Duration::hours(2)));
    assert_eq!(app.ctx().stream_for("ceo-secret", 9), StreamFor::NeedsGrant);
    assert!(
        app.ctx().kept("ceo-secret", 8).is_some(),
        "a free one stays"
    );
}
