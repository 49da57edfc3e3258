//! Headless UI tests: the real Slint UI on Slint's testing backend with the
//! software renderer, driven by key events; screens compared with reference
//! PNGs in tests/ui-references/ (tolerance below). A missing reference is
//! written from the current rendering (look at it before committing it);
//! UPDATE_UI_REFERENCES=1 rewrites them all. Every rendering is also saved
//! under target/ui-snapshots/ for inspection.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;
use std::time::Duration;

use i_slint_backend_testing::{TestingBackend, TestingBackendOptions, mock_elapsed_time};
use pillarbox::app::history::History;
use pillarbox::app::{App, Command, Event, Playback};
use pillarbox::input::Keymap;
use pillarbox::tv::{Effects, Input, Shell, ShellHandle};
use pillarbox::view::{
    AppState, AppWindow, HomePage, LockedPage, PinEntry, PlayerPage, SeriesPage, View,
};
use slint::platform::{Key, WindowEvent};
use slint::{ComponentHandle, Model, Rgba8Pixel, SharedPixelBuffer};

/// A pixel differs when a channel is off by more than this.
const CHANNEL_TOLERANCE: u8 = 24;
/// A screen matches when no more than this share of pixels differ.
const PIXEL_SHARE: f64 = 0.005;

fn base() -> url::Url {
    url::Url::parse("http://127.0.0.1:9/").unwrap()
}

#[derive(Clone, Default)]
struct Recorder(Rc<RefCell<Vec<Command>>>);

impl Effects for Recorder {
    fn run(&mut self, command: Command) {
        self.0.borrow_mut().push(command);
    }
}

/// Demo posters and a video frame, drawn by GStreamer once per run.
struct Pictures {
    posters: Vec<(String, Vec<u8>)>,
    frame: Vec<u8>,
}

fn pictures() -> &'static Pictures {
    static P: OnceLock<Pictures> = OnceLock::new();
    P.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut posters = Vec::new();
        for s in pillarbox::demo::catalog::SERIES {
            let path = dir.path().join(format!("{}.png", s.id));
            pillarbox::demo::media::still(
                &path,
                (540, 960),
                s.poster_rgb,
                s.title,
                "pillarbox demo",
            )
            .unwrap();
            let url = base().join(&format!("posters/{}.png", s.id)).unwrap();
            posters.push((url.to_string(), std::fs::read(&path).unwrap()));
        }
        let path = dir.path().join("frame.png");
        pillarbox::demo::media::still(&path, (608, 1080), 0x3a7bd5, "EP 1", "frame").unwrap();
        Pictures {
            posters,
            frame: std::fs::read(&path).unwrap(),
        }
    })
}

struct Harness {
    shell: Rc<RefCell<Shell>>,
    ui: AppWindow,
    commands: Rc<RefCell<Vec<Command>>>,
}

fn harness() -> Harness {
    harness_in("en", Default::default())
}

/// The app for a box in `lang` whose viewer went through the first-run
/// screen and chose text at `size` %.
fn harness_at(lang: &str, size: u16) -> Harness {
    harness_in(
        lang,
        pillarbox::app::settings::Settings {
            text_size: size,
            welcomed: true,
            ..Default::default()
        },
    )
}

/// The app for a box in `lang`, with `settings` as saved, on the demo
/// catalog without its drama channels (the screens' tests start on
/// Home's series rows; [`harness_with_channels`] has them).
fn harness_in(lang: &str, settings: pillarbox::app::settings::Settings) -> Harness {
    let mut catalog = pillarbox::demo::catalog::catalog(&base());
    catalog.channels.clear();
    harness_on(lang, settings, catalog)
}

/// The app on the whole demo catalog, its drama channels heading Home.
fn harness_with_channels() -> Harness {
    harness_on(
        "en",
        Default::default(),
        pillarbox::demo::catalog::catalog(&base()),
    )
}

fn harness_on(
    lang: &str,
    settings: pillarbox::app::settings::Settings,
    catalog: pillarbox::catalog::model::Catalog,
) -> Harness {
    // One platform per test thread; later tests on the same thread reuse it.
    let _ = slint::platform::set_platform(Box::new(TestingBackend::new(TestingBackendOptions {
        mock_time: true,
        threading: false,
        renderer_name: Some("software".into()),
    })));
    let ui = AppWindow::new().unwrap();
    ui.window().set_size(slint::PhysicalSize::new(1920, 1080));
    ui.show().unwrap();
    let recorder = Recorder::default();
    let commands = recorder.0.clone();
    let view = View::new(ui.clone_strong(), Default::default());
    let shell = Shell::install(
        view,
        App::with_settings(History::default(), lang, settings),
        Keymap::builtin(),
        Box::new(recorder),
        ShellHandle::default(),
    );
    // A fixed moment: what the drama channels have on air is the same
    // every run (no time of day shown).
    let moment = chrono::DateTime::parse_from_rfc3339("2026-12-01T12:00:00Z").unwrap();
    shell
        .borrow_mut()
        .handle(Input::App(Event::Clock(String::new(), moment.to_utc())));
    shell.borrow_mut().handle(Input::App(Event::Catalog {
        catalog: std::sync::Arc::new(catalog),
        problem: None,
        expired: None,
    }));
    for (url, png) in &pictures().posters {
        let pixels = pillarbox::view::posters::decode(png, (405, 720)).unwrap();
        shell.borrow_mut().handle(Input::Poster {
            url: url.clone(),
            loaded: Ok(pixels),
        });
    }
    Harness {
        shell,
        ui,
        commands,
    }
}

impl Harness {
    fn key(&self, key: Key) {
        let text: slint::SharedString = key.into();
        self.key_text(&text);
    }
    /// A key by the text Slint gives it (a special key's private-use
    /// character, a digit, a letter).
    fn key_text(&self, text: &str) {
        let text: slint::SharedString = text.into();
        self.ui
            .window()
            .dispatch_event(WindowEvent::KeyPressed { text: text.clone() });
        self.ui
            .window()
            .dispatch_event(WindowEvent::KeyReleased { text });
        // Let focus animations finish.
        mock_elapsed_time(Duration::from_millis(400));
    }
    fn state(&self) -> AppState<'_> {
        self.ui.global::<AppState>()
    }
    fn home(&self) -> HomePage<'_> {
        self.ui.global::<HomePage>()
    }
    fn series(&self) -> SeriesPage<'_> {
        self.ui.global::<SeriesPage>()
    }
    fn player(&self) -> PlayerPage<'_> {
        self.ui.global::<PlayerPage>()
    }
    fn locked(&self) -> LockedPage<'_> {
        self.ui.global::<LockedPage>()
    }
    fn pin(&self) -> PinEntry<'_> {
        self.ui.global::<PinEntry>()
    }
    fn screen(&self) -> String {
        format!("{:?}", self.state().get_page()).to_lowercase()
    }
    /// The focused episode's index in the series grid, -1 for Play.
    fn focused_episode(&self) -> i32 {
        if self.series().get_play_focused() {
            -1
        } else {
            self.series().get_focused_episode()
        }
    }
    fn event(&self, e: Event) {
        self.shell.borrow_mut().handle(Input::App(e));
        mock_elapsed_time(Duration::from_millis(400));
    }
    /// A playback report about the episode on screen.
    fn playback(&self, report: Playback) {
        let id = self
            .shell
            .borrow()
            .app()
            .player()
            .map(|p| p.id)
            .unwrap_or_default();
        self.event(Event::Playback { id, report });
    }
    fn show_frame(&self) {
        let frame = pillarbox::view::posters::decode(&pictures().frame, (608, 1080)).unwrap();
        let backdrop = pillarbox::view::video::backdrop(&pillarbox::playback::RgbaFrame {
            width: frame.width(),
            height: frame.height(),
            stride: frame.width() as usize * 4,
            pts: None,
            data: frame.as_bytes(),
        });
        self.player()
            .set_backdrop(slint::Image::from_rgba8(backdrop));
        self.player()
            .set_video_frame(slint::Image::from_rgba8(frame));
        mock_elapsed_time(Duration::from_millis(400));
    }
    fn played(&self) -> Vec<(String, u32)> {
        self.commands
            .borrow()
            .iter()
            .filter_map(Command::played)
            .collect()
    }
    /// The ad server's answer to the last request for ads: `ads`.
    fn answer_ad_server(&self, ads: Vec<pillarbox::ads::chain::PlayableAd>) {
        let request = self
            .commands
            .borrow()
            .iter()
            .rev()
            .find_map(|c| match c {
                Command::AskBreak { request, .. } => Some(*request),
                _ => None,
            })
            .expect("ads asked for");
        self.event(Event::AdBreak {
            request,
            resolved: pillarbox::ads::chain::Resolved {
                ads,
                failures: vec![],
            },
        });
    }
    /// Compares the window with tests/ui-references/NAME.png.
    fn matches_reference(&self, name: &str) {
        let shot = self.ui.window().take_snapshot().unwrap();
        compare(&shot, name);
    }
}

fn to_image(shot: &SharedPixelBuffer<Rgba8Pixel>) -> image::RgbaImage {
    image::RgbaImage::from_raw(shot.width(), shot.height(), shot.as_bytes().to_vec()).unwrap()
}

fn compare(shot: &SharedPixelBuffer<Rgba8Pixel>, name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let actual = to_image(shot);
    let out_dir = root.join("target/ui-snapshots");
    std::fs::create_dir_all(&out_dir).unwrap();
    actual.save(out_dir.join(format!("{name}.png"))).unwrap();
    let reference: PathBuf = root.join(format!("tests/ui-references/{name}.png"));
    if std::env::var_os("UPDATE_UI_REFERENCES").is_some() || !reference.exists() {
        assert!(
            std::env::var_os("CI").is_none() || std::env::var_os("UPDATE_UI_REFERENCES").is_some(),
            "no reference {} in CI",
            reference.display()
        );
        std::fs::create_dir_all(reference.parent().unwrap()).unwrap();
        actual.save(&reference).unwrap();
        eprintln!("wrote reference {}", reference.display());
        return;
    }
    let tolerance = pillarbox::qa::compare::Tolerance {
        channel: CHANNEL_TOLERANCE,
        share: PIXEL_SHARE,
    };
    let diff_path = out_dir.join(format!("{name}.diff.png"));
    if let Err(e) = pillarbox::qa::compare::against_file(&actual, &reference, tolerance, &diff_path)
    {
        panic!("{name}: {e}");
    }
}

#[test]
fn drama_channels_head_home_and_a_channel_shows_its_banner() {
    let h = harness_with_channels();
    assert_eq!(h.screen(), "home");
    assert_eq!(h.home().get_focused_row(), 0);
    assert_eq!(h.home().get_hero_title(), "Romance around the clock");
    assert!(h.home().get_hero_meta().starts_with("Now: "));
    h.matches_reference("home-channels");
    // OK tunes in: the episode on air, the banner low across the screen.
    h.key(Key::Return);
    assert_eq!(h.screen(), "player");
    assert_eq!(h.played().len(), 1);
    h.playback(Playback::Started);
    h.show_frame();
    assert!(h.player().get_banner_shown());
    assert_eq!(h.player().get_banner_channel(), "Romance around the clock");
    assert!(h.player().get_banner_next().starts_with("Next: "));
    // A cue stands above the banner, not under it.
    let cue = "Then who signs the cheques?";
    h.player()
        .set_subtitle(slint::StyledText::from_markdown(cue).unwrap());
    mock_elapsed_time(Duration::from_millis(400));
    h.matches_reference("player-channel");
    // The live channel (the third card): its name, "Live", and the banner
    // (its guide not loaded here: "Live" alone).
    h.player().set_subtitle(Default::default());
    h.key(Key::Escape);
    h.key(Key::RightArrow);
    h.key(Key::RightArrow);
    assert_eq!(h.home().get_hero_title(), "Drama Shorts News");
    h.key(Key::Return);
    assert_eq!(h.screen(), "player");
    h.playback(Playback::Started);
    h.show_frame();
    assert_eq!(h.player().get_episode(), "Live");
    assert_eq!(h.player().get_banner_now(), "Live");
    h.matches_reference("player-live");
    // Down on Home again: Continue Watching or the series rows.
    h.key(Key::Escape);
    assert_eq!(h.screen(), "home");
    h.key(Key::DownArrow);
    assert_eq!(h.home().get_focused_row(), 1);
}

#[test]
fn remote_keys_go_home_series_player_and_back() {
    let h = harness();
    assert_eq!(h.screen(), "home");
    assert_eq!(h.home().get_hero_title(), "The CEO's Secret");
    // Right moves along the rail, Down to the next rail, which starts at
    // its own first item; Up comes back to where the first rail was.
    h.key(Key::RightArrow);
    h.key(Key::RightArrow);
    assert_eq!(h.home().get_hero_title(), "Midnight Bakery");
    h.key(Key::DownArrow);
    assert_eq!(h.home().get_focused_row(), 1);
    assert_eq!(h.home().get_hero_title(), "Love at Gate 9");
    h.key(Key::UpArrow);
    assert_eq!(h.home().get_rows().row_data(0).unwrap().focused, 2);

    h.key(Key::Return);
    assert_eq!(h.screen(), "series");
    assert_eq!(h.series().get_title(), "Midnight Bakery");
    assert_eq!(h.focused_episode(), -1);
    h.key(Key::DownArrow);
    h.key(Key::RightArrow);
    assert_eq!(h.focused_episode(), 1);
    h.key(Key::Return);
    assert_eq!(h.screen(), "player");
    assert_eq!(h.played(), [("midnight-bakery".to_string(), 2)]);
    assert_eq!(h.player().get_episode(), "EP 2 / 12");
    assert!(h.player().get_loading());

    h.playback(Playback::Started);
    assert!(!h.player().get_loading());
    // Space is Play/Pause on a keyboard.
    h.key(Key::Space);
    assert!(h.player().get_paused());
    assert!(h.commands.borrow().contains(&Command::SetPaused(true)));

    // Escape and Backspace are Back.
    h.key(Key::Escape);
    assert_eq!(h.screen(), "series");
    assert_eq!(h.focused_episode(), 1);
    h.key(Key::Backspace);
    assert_eq!(h.screen(), "home");
    assert_eq!(h.home().get_hero_title(), "Midnight Bakery");
    // Back on home asks before leaving.
    h.key(Key::Escape);
    assert!(h.state().get_question_shown());
    h.key(Key::Escape);
    assert!(!h.state().get_question_shown());
    assert_eq!(h.screen(), "home");
}

#[test]
fn page_up_and_down_change_episode() {
    let h = harness();
    h.key(Key::Return);
    h.key(Key::Return);
    assert_eq!(h.played(), [("ceo-secret".to_string(), 1)]);
    h.key(Key::PageUp);
    h.key(Key::PageUp);
    h.key(Key::PageDown);
    let eps: Vec<u32> = h.played().into_iter().map(|(_, e)| e).collect();
    assert_eq!(eps, [1, 2, 3, 2]);
    assert_eq!(h.player().get_episode(), "EP 2 / 24");
}

#[test]
fn screens_match_their_references() {
    let h = harness();
    h.matches_reference("home");

    h.key(Key::Return);
    h.key(Key::DownArrow);
    h.key(Key::RightArrow);
    h.matches_reference("series");

    h.key(Key::Return);
    h.playback(Playback::Started);
    h.show_frame();
    h.event(Event::Tick(1_000));
    h.playback(Playback::Position {
        position_ms: 8_000,
        duration_ms: Some(12_000),
    });
    h.key(Key::Return);
    h.matches_reference("player");
    assert_eq!(h.player().get_countdown(), 4);
    assert!(h.player().get_controls());

    h.playback(Playback::Failed {
        message: "HTTP 503 Service Unavailable for segment 3 after 3 tries".into(),
        denied: false,
        network: true,
    });
    h.matches_reference("error");

    h.key(Key::Escape);
    h.key(Key::DownArrow);
    h.key(Key::DownArrow);
    h.key(Key::Return);
    assert_eq!(h.screen(), "locked");
    h.matches_reference("locked");
}

#[test]
fn poster_memory_is_bounded_but_posters_on_screen_stay() {
    let h = harness();
    let tiny = SharedPixelBuffer::<Rgba8Pixel>::new(4, 4);
    for i in 0..100 {
        h.shell.borrow_mut().handle(Input::Poster {
            url: format!("http://127.0.0.1:9/other/{i}.png"),
            loaded: Ok(tiny.clone()),
        });
    }
    assert_eq!(
        h.shell.borrow().view().posters_cached(),
        pillarbox::view::posters::POSTERS_KEPT
    );
    let first = h
        .home()
        .get_rows()
        .row_data(0)
        .unwrap()
        .items
        .row_data(0)
        .unwrap();
    assert!(
        first.poster.size().width > 4,
        "the first poster on screen was evicted"
    );
    h.matches_reference("home");
}

#[test]
fn settings_and_other_languages_match_their_references() {
    use pillarbox::app::settings::{CaptionStyle, Edge, Settings};
    // The red key (F1 on a keyboard) opens Settings over home, with the
    // preview over the focused series' poster.
    let h = harness();
    h.key(Key::F1);
    assert_eq!(h.screen(), "settings");
    h.matches_reference("settings");
    // Subtitle size up to 250 %, an outline: the preview takes the width
    // beyond the picture, and the sample below is at its real size.
    for _ in 0..4 {
        h.key(Key::DownArrow);
    }
    for _ in 0..8 {
        h.key(Key::RightArrow);
    }
    for _ in 0..5 {
        h.key(Key::DownArrow);
    }
    h.key(Key::RightArrow);
    h.key(Key::RightArrow);
    h.key(Key::RightArrow);
    let saved = h.commands.borrow().iter().rev().find_map(|c| match c {
        Command::SaveSettings(s) => Some(s.captions.clone()),
        _ => None,
    });
    assert_eq!(saved.map(|c| (c.size, c.edge)), Some((250, Edge::Uniform)));
    assert!(h.state().get_caption().wide);
    h.matches_reference("settings-250");
    // Back returns home, the settings kept.
    h.key(Key::Escape);
    assert_eq!(h.screen(), "home");

    // A cue at 250 % in the player: across the screen, below the side
    // panels, which end above its band.
    h.key(Key::Return);
    h.key(Key::Return);
    h.playback(Playback::Started);
    h.show_frame();
    let cue = "Then who signs the cheques? *The one who cleans the floor* **every night**.";
    h.player()
        .set_subtitle(slint::StyledText::from_markdown(cue).unwrap());
    mock_elapsed_time(Duration::from_millis(400));
    h.matches_reference("player-subtitles-250");

    // Chinese and Arabic: the UI's texts translated, in a font that has
    // them; Arabic right to left.
    let zh = harness_in("zh-CN", Settings::default());
    assert_eq!(zh.state().get_labels().settings, "设置");
    assert_eq!(zh.state().get_font_family(), "Noto Sans CJK SC");
    zh.matches_reference("home-zh");
    let ar = harness_in(
        "en",
        Settings {
            language: Some("ar".into()),
            captions: CaptionStyle {
                size: 150,
                ..Default::default()
            },
            ..Default::default()
        },
    );
    assert!(ar.state().get_rtl());
    ar.key(Key::F1);
    ar.matches_reference("settings-ar");
}

#[test]
fn a_parental_pin_shows_padlocks_and_asks_for_the_pin() {
    use pillarbox::app::parental::Parental;
    use pillarbox::app::settings::Settings;
    let mut parental = Parental::default();
    parental.set_pin("1234");
    parental.max.insert("us-tv".into(), "TV-G".into());
    let h = harness_in(
        "en",
        Settings {
            parental,
            ..Default::default()
        },
    );
    h.matches_reference("home-parental");
    h.key(Key::Return);
    assert!(h.pin().get_shown());
    assert_eq!(h.pin().get_title(), "Enter the parental PIN");
    h.key(Key::UpArrow);
    h.key(Key::UpArrow);
    h.matches_reference("pin");
    // Digits from the keyboard's number keys; the right PIN opens it.
    for k in ["1", "2", "3", "4"] {
        h.key_text(k);
    }
    assert!(!h.pin().get_shown());
    assert_eq!(h.screen(), "series");
}

#[test]
fn large_text_and_high_contrast_reflow_every_screen() {
    use pillarbox::app::settings::Settings;
    // 150 % text in high contrast: bigger posters (fewer to a rail), a
    // seven-column grid, rows in Settings with the name above the value.
    let h = harness_in(
        "en",
        Settings {
            text_size: 150,
            high_contrast: true,
            welcomed: true,
            ..Default::default()
        },
    );
    assert_eq!(h.state().get_text_scale(), 1.5);
    h.matches_reference("home-150-contrast");
    h.key(Key::Return);
    assert_eq!(h.series().get_grid_columns(), 7);
    h.matches_reference("series-150-contrast");
    h.key(Key::Return);
    h.playback(Playback::Started);
    h.show_frame();
    h.key(Key::Return);
    h.matches_reference("player-150-contrast");
    h.key(Key::F1);
    h.matches_reference("settings-150-contrast");
}

#[test]
fn the_locked_screen_offers_coins_with_a_confirmation_and_a_code_for_the_phone() {
    use pillarbox::unlock::{Entitlements, UnlockCommand, UnlockReport};
    let h = harness();
    let doc = Entitlements {
        format: pillarbox::unlock::entitlements::FORMAT.into(),
        account: "demo-viewer".into(),
        device: "d1".into(),
        issued: "2026-01-01T00:00:00Z".into(),
        expires: "2099-01-01T00:00:00Z".into(),
        coins: 120,
        vip_until: None,
        series: Default::default(),
        episodes: Default::default(),
    };
    h.event(Event::Unlock(UnlockReport::Entitlements {
        doc: Some(std::sync::Arc::new(doc)),
        paired: true,
        floor: None,
    }));
    // The CEO's Secret, episode 9: 8 are free.
    h.key(Key::Return);
    h.key_text("9");
    h.key(Key::Return);
    assert_eq!(h.screen(), "locked");
    assert_eq!(h.locked().get_coins(), "Unlock episode 9 for 49 coins");
    assert_eq!(h.locked().get_balance(), "Your balance: 120 coins");
    h.matches_reference("locked-coins");
    h.key(Key::Return);
    assert!(h.locked().get_confirm());
    h.matches_reference("locked-confirm");
    h.key(Key::Escape);
    assert!(!h.locked().get_confirm());
    assert_eq!(h.screen(), "locked");
    // The rewarded ad between coins and the phone.
    assert!(h.locked().get_has_ad());
    assert_eq!(h.locked().get_ad(), "Unlock with an ad (5 left today)");
    // The phone: a code, its QR, spelled out.
    h.key(Key::DownArrow);
    h.key(Key::DownArrow);
    h.key(Key::Return);
    let asked = h.commands.borrow().iter().any(|c| {
        matches!(c, Command::Unlock(UnlockCommand::Pair { series, episode: 9 }) if series == "ceo-secret")
    });
    assert!(asked);
    h.event(Event::Unlock(UnlockReport::Pairing {
        host: "drama.example".into(),
        user_code: "BCDF-GHJK".into(),
        uri: "https://drama.example/tv".into(),
        uri_complete: Some("https://drama.example/tv?user_code=BCDF-GHJK".into()),
        expires_in_s: 600,
    }));
    assert!(h.locked().get_pairing());
    assert_eq!(h.locked().get_code_spelled(), "B C D F, G H J K");
    h.matches_reference("locked-pairing");
}

#[test]
fn still_watching_asks_over_the_paused_episode() {
    let h = harness();
    h.key(Key::Return);
    h.key(Key::Return);
    h.show_frame();
    h.playback(Playback::Started);
    h.event(Event::Tick(91 * 60_000));
    assert!(h.player().get_still_watching());
    assert!(h.player().get_paused());
    h.matches_reference("still-watching");
    h.key(Key::Return);
    assert!(!h.player().get_still_watching());
    assert!(!h.player().get_paused());
}

/// A picture wider than tall (a 16:9 ad, as the demo's second) fills the
/// screen: no side panels over it, the ad's label and Skip button inside
/// the safe area.
#[test]
fn a_wide_ad_fills_the_screen() {
    let h = harness();
    h.key(Key::Return);
    h.key(Key::Return);
    h.playback(Playback::Started);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.png");
    pillarbox::demo::media::still(&path, (1920, 1080), 0xd5a03a, "AD 2", "").unwrap();
    let frame =
        pillarbox::view::posters::decode(&std::fs::read(&path).unwrap(), (1920, 1080)).unwrap();
    assert_eq!((frame.width(), frame.height()), (1920, 1080));
    let player = h.player();
    player.set_video_frame(slint::Image::from_rgba8(frame.clone()));
    player.set_ad_label("Ad · 0:05".into());
    player.set_ad_position("2 of 2".into());
    player.set_ad_skip("Skip ad".into());
    player.set_ad_can_skip(true);
    mock_elapsed_time(Duration::from_millis(400));
    let shot = h.ui.window().take_snapshot().unwrap();
    // Where the series' title and the next episode would be, beside a
    // vertical picture: the ad's own pixels.
    for (x, y) in [(300, 400), (1600, 400), (40, 1040)] {
        let at = |b: &SharedPixelBuffer<Rgba8Pixel>| {
            let p = b.as_slice()[y * 1920 + x];
            [p.r, p.g, p.b]
        };
        let (got, want) = (at(&shot), at(&frame));
        assert!(
            got.iter()
                .zip(want)
                .all(|(g, w)| g.abs_diff(w) <= CHANNEL_TOLERANCE),
            "at {x},{y}: {got:?}, the picture has {want:?}"
        );
    }
    compare(&shot, "player-wide-ad");
}

/// A vertical 6 s ad, skippable after 1 s, as an ad server's answer holds it.
fn vertical_ad() -> pillarbox::ads::chain::PlayableAd {
    use pillarbox::ads::chain::PlayableAd;
    use pillarbox::ads::choose::Container;
    use pillarbox::ads::model::{Delivery, MediaFile};
    PlayableAd {
        ad_id: Some("demo-ad-1".into()),
        creative_id: None,
        universal_ad_id: None,
        title: "Demo".into(),
        ad_system: "demo".into(),
        duration: Duration::from_secs(6),
        skip_after: Some(Duration::from_secs(1)),
        media: MediaFile {
            url: "https://cdn.example/ad.mp4".into(),
            delivery: Delivery::Progressive,
            mime: "video/mp4".into(),
            width: 540,
            height: 960,
            bitrate: Some(1200),
            codec: None,
            api_framework: None,
        },
        container: Container::Mp4,
        impressions: vec![],
        errors: vec![],
        tracking: vec![],
        interactive: false,
    }
}

/// Plays Midnight Bakery from its first episode into the break after its
/// third (the demo has one after every third free episode), a pod of two
/// vertical ads, its first ad started.
fn into_a_break(h: &Harness) {
    h.key(Key::RightArrow);
    h.key(Key::RightArrow);
    h.key(Key::Return);
    h.key(Key::Return);
    let mut now = 0;
    for n in 1..=3 {
        h.playback(Playback::Started);
        now += 2 * pillarbox::app::screens::player::NEXT_PRELOAD_AFTER_MS;
        h.event(Event::Tick(now));
        h.playback(Playback::Position {
            position_ms: 1_000,
            duration_ms: Some(12_000),
        });
        if n < 3 {
            h.playback(Playback::Ended);
        }
    }
    assert_eq!(h.played().last(), Some(&("midnight-bakery".to_string(), 3)));
    assert_eq!(h.player().get_episode_lead(), "");
    h.answer_ad_server(vec![vertical_ad(), vertical_ad()]);
    h.playback(Playback::Ended);
    h.playback(Playback::Started);
    h.show_frame();
}

/// Beside a vertical ad in a break, the side names the episode after the
/// break under "Next" (it read as if that episode were playing); the
/// episode itself has no such line. In Swahili at 150 % "1 of 2" goes
/// under the ad's label (it ran past the picture's edge).
#[test]
fn beside_a_break_the_side_names_the_episode_after_it_as_next() {
    let h = harness();
    into_a_break(&h);
    assert_eq!(h.player().get_ad_label(), "Ad · 0:06");
    assert_eq!(h.player().get_ad_position(), "1 of 2");
    assert_eq!(h.player().get_episode_lead(), "Next");
    assert_eq!(h.player().get_episode(), "EP 4 / 12");
    assert_eq!(h.player().get_episode_title(), "Episode 4");

    let h = harness_at("sw", 150);
    into_a_break(&h);
    assert_eq!(h.player().get_ad_position(), "1 kati ya 2");
    h.matches_reference("player-break-sw-150");
}

/// "Watch an ad to unlock" in Spanish at 150 %: the ad's label and what it
/// unlocks over the picture, Back's question, and "Unlocking…" once the ad
/// was watched.
#[test]
fn a_rewarded_ad_asks_before_leaving_and_says_it_is_unlocking() {
    let h = harness_at("es", 150);
    h.key(Key::Return);
    h.key_text("9");
    h.key(Key::Return);
    assert_eq!(h.screen(), "locked");
    assert_eq!(
        h.locked().get_ad(),
        "Desbloquear con anuncio (quedan 5 hoy)"
    );
    h.key(Key::UpArrow);
    h.key(Key::Return);
    h.answer_ad_server(vec![vertical_ad()]);
    h.playback(Playback::Started);
    h.show_frame();
    h.playback(Playback::Position {
        position_ms: 2_000,
        duration_ms: Some(6_000),
    });
    assert_eq!(h.screen(), "player");
    assert_eq!(h.player().get_ad_label(), "Anuncio · 0:04");
    assert_eq!(
        h.player().get_reward_hint(),
        "El episodio 9 se desbloquea al final"
    );
    assert_eq!(h.player().get_ad_position(), "");
    // Its skipoffset is ignored: the reward is for the whole ad.
    assert_eq!(h.player().get_ad_skip(), "");
    h.key(Key::Escape);
    assert!(h.player().get_reward_leave());
    assert!(!h.player().get_reward_leave_focused());
    assert_eq!(
        h.player().get_reward_leave_text(),
        "¿Salir sin desbloquear?"
    );
    h.matches_reference("player-rewarded-leave-es-150");
    h.key(Key::Return);
    assert!(!h.player().get_reward_leave());
    h.playback(Playback::Ended);
    assert_eq!(h.player().get_reward_status(), "Desbloqueando…");
    assert_eq!(h.player().get_ad_label(), "");
    h.matches_reference("player-rewarded-unlocking-es-150");
}

/// Home, a series, the player with its controls and a countdown, and the
/// Locked screen, for a box in `lang` whose viewer chose text at `size` %.
fn every_screen(lang: &str, size: u16, tag: &str) {
    let h = harness_at(lang, size);
    h.matches_reference(&format!("home-{tag}"));
    h.key(Key::Return);
    h.matches_reference(&format!("series-{tag}"));
    h.key(Key::Return);
    h.playback(Playback::Started);
    h.show_frame();
    h.event(Event::Tick(1_000));
    h.playback(Playback::Position {
        position_ms: 8_000,
        duration_ms: Some(12_000),
    });
    h.key(Key::Return);
    h.matches_reference(&format!("player-{tag}"));
    h.key(Key::Escape);
    // Episode 9 of The CEO's Secret: locked.
    h.key_text("9");
    h.key(Key::Return);
    assert_eq!(h.screen(), "locked");
    h.matches_reference(&format!("locked-{tag}"));
}

#[test]
fn every_language_at_150_percent_fits_its_screens() {
    for lang in ["en", "es", "zh", "ar", "sw"] {
        every_screen(lang, 150, &format!("{lang}-150"));
    }
}

#[test]
fn arabic_is_laid_out_right_to_left_on_every_screen() {
    every_screen("ar", 100, "ar");
    let h = harness_at("ar", 100);
    // Mirrored rows: Left moves on along a row that runs from the right.
    h.key(Key::LeftArrow);
    h.matches_reference("home-ar-moved");
}

#[test]
fn reset_this_box_asks_in_plain_words_and_starts_as_new() {
    use pillarbox::app::settings::Settings;
    for lang in ["sw", "ar"] {
        let h = harness_in(
            "en",
            Settings {
                language: Some(lang.into()),
                text_size: 150,
                welcomed: true,
                ..Default::default()
            },
        );
        h.key(Key::F1);
        for _ in 0..40 {
            h.key(Key::DownArrow);
        }
        h.key(Key::Return);
        assert!(h.state().get_question_shown());
        assert!(!h.state().get_question_go_focused());
        let q = h.state().get_question();
        if lang == "sw" {
            assert_eq!(q.title, "Weka upya kifaa hiki?");
            assert_eq!((q.keep.as_str(), q.go.as_str()), ("Ghairi", "Weka upya"));
        }
        assert!(!q.body.is_empty());
        // The whole question fits at 150 %, Cancel focused (on the right
        // in Arabic).
        h.matches_reference(&format!("reset-{lang}-150"));
        // Right in a left-to-right UI, either arrow moves the focus.
        h.key(Key::RightArrow);
        assert!(h.state().get_question_go_focused());
        h.key(Key::Return);
        assert!(h.commands.borrow().contains(&Command::ResetBox));
        // A box as new: the first-run screen in the box's language.
        assert!(!h.state().get_question_shown());
        assert_eq!(h.screen(), "settings");
        assert_eq!(h.state().get_labels().settings, "Settings");
        assert_eq!(h.state().get_toast(), "This box was reset");
    }
}
