//! What the app core tells partner insight: the catalog's collectors, the
//! viewer's consent, and the funnel's events.

use super::*;
use crate::insight::{InsightCommand, ViewEvent};

fn configs(cmds: &[InsightCommand]) -> Vec<&crate::insight::InsightConfig> {
    cmds.iter()
        .filter_map(|c| match c {
            InsightCommand::Configure(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn events(cmds: &[InsightCommand]) -> Vec<&ViewEvent> {
    cmds.iter()
        .filter_map(|c| match c {
            InsightCommand::Record(e) => Some(e),
            _ => None,
        })
        .collect()
}

#[test]
fn sharing_is_off_until_the_viewer_says_yes_and_off_again_at_once() {
    let mut app = app();
    let first = app.take_insight();
    // The demo's collector, a Kenyan broadcaster's: consent asked first.
    let c = configs(&first)[0];
    assert_eq!(
        c.analytics.as_ref().unwrap().jurisdiction.as_deref(),
        Some("KE")
    );
    assert!(!c.consent);
    assert_eq!(events(&first), [&ViewEvent::HomeShown]);
    // Nothing new, nothing said again.
    assert!(app.take_insight().is_empty());

    // Settings: the row names the partner; Right says yes.
    press(&mut app, &[Red]);
    while app.settings_row() != SettingRow::ShareViewing {
        press(&mut app, &[Down]);
    }
    assert_eq!(app.describe(), "Share viewing data with Drama Shorts. Off");
    let cmds = press(&mut app, &[Right]);
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::SaveSettings(s) if s.share_viewing == Some(true))),
        "{cmds:?}"
    );
    assert!(configs(&app.take_insight())[0].consent);
    // The language changes: recorded (sent now that the viewer agreed).
    press(&mut app, &[Up; 30]);
    press(&mut app, &[Right, Right, Right]);
    let recorded = app.take_insight();
    assert!(
        events(&recorded).contains(&&ViewEvent::Setting {
            name: "language",
            value: "es".into()
        }),
        "{recorded:?}"
    );
    // Back to Home, a series, its locked episode 9.
    press(&mut app, &[Back, Ok]);
    press(&mut app, &[Digit9, Ok]);
    let seen = app.take_insight();
    assert_eq!(
        events(&seen),
        [
            &ViewEvent::SeriesOpened {
                series: "ceo-secret".into()
            },
            &ViewEvent::LockedShown {
                series: "ceo-secret".into(),
                episode: 9
            }
        ]
    );

    // Off again: said at once.
    press(&mut app, &[Red]);
    while app.settings_row() != SettingRow::ShareViewing {
        press(&mut app, &[Down]);
    }
    press(&mut app, &[Left]);
    assert!(!configs(&app.take_insight())[0].consent);
}

#[test]
fn the_catalog_may_default_sharing_on_only_where_the_law_allows() {
    let mut app = app();
    app.take_insight();
    let with = |jurisdiction: &str, default_consent: bool| {
        let mut c = demo_catalog();
        let a = c.analytics.as_mut().unwrap();
        a.jurisdiction = Some(jurisdiction.into());
        a.default_consent = default_consent;
        c.catalog_version += 1;
        Event::Catalog {
            catalog: Arc::new(c),
            problem: None,
            expired: None,
        }
    };
    app.handle(with("US", true));
    assert!(app.ctx().sharing());
    assert!(configs(&app.take_insight())[0].consent);
    // A catalog that says so elsewhere is not believed (the validator
    // refuses it; the app core does not take it either).
    app.handle(with("KE", true));
    assert!(!app.ctx().sharing());
    // The viewer's own choice wins over the default.
    app.handle(with("US", true));
    let mut s = app.settings().clone();
    s.share_viewing = Some(false);
    app.handle(Event::Settings(Box::new(s)));
    assert!(!app.ctx().sharing());
}

#[test]
fn unlocks_are_recorded_with_how() {
    let mut app = app();
    app.handle(entitlements(100, &[]));
    press(&mut app, &[Ok, Digit9, Ok]);
    app.take_insight();
    // Coins: confirmed on the Locked screen, then the document came.
    press(&mut app, &[Up, Ok, Ok]);
    app.handle(entitlements(51, &[9]));
    let seen = app.take_insight();
    assert!(
        events(&seen).contains(&&ViewEvent::Unlocked {
            series: "ceo-secret".into(),
            episode: 9,
            method: "coins"
        }),
        "{seen:?}"
    );
}
