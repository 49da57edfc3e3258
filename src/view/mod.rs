//! The view: a projection of the app state into the UI's globals, one
//! module per page (`home`, `series`, `player`, `locked`, `settings`, the
//! PIN dialog in `pin`, what every page shares in `chrome`), plus what only
//! the UI holds: decoded posters, video frames, the subtitles on screen
//! (QA's headless platform is crates/headless). It reads the app; it never
//! drives it: keys go to the TV shell (`crate::tv`), which owns the app,
//! and the posters the view wants are fetched by the shell's effects and
//! handed back.
//!
//! Everything here runs on the UI thread.

mod chrome;
#[cfg(target_os = "linux")]
pub mod gl_video;
mod home;
mod locked;
mod pin;
mod player;
pub mod posters;
mod series;
mod settings;
pub mod subtitles;
pub mod video;

use slint::{ComponentHandle, Model, VecModel};

use crate::app::App;

slint::include_modules!();

/// The size of the UI's stage in logical pixels; the window is scaled so
/// it fills the screen whatever its resolution.
pub const STAGE: (f32, f32) = (1920.0, 1080.0);

pub struct View {
    ui: AppWindow,
    posters: posters::Posters,
    models: Models,
    /// The subtitles of the episode on screen, read by the video sink at
    /// every frame it shows.
    subtitle_slot: subtitles::SubtitleSlot,
}

/// The list models behind the pages' globals, updated row by row so that
/// a focus move redraws the two items it touches, not the whole page.
struct Models {
    home: home::Models,
    episodes: std::rc::Rc<VecModel<EpisodeData>>,
    up_next: std::rc::Rc<VecModel<UpNextData>>,
    settings_rows: std::rc::Rc<VecModel<SettingData>>,
    chrome: chrome::Memo,
    /// The pairing QR code and the text it encodes.
    qr: Option<(String, slint::Image)>,
}

impl View {
    /// A view of `ui`; `subtitle_slot` is where the video sink finds the
    /// cues to show.
    pub fn new(ui: AppWindow, subtitle_slot: subtitles::SubtitleSlot) -> View {
        let window = ui.as_weak();
        ui.global::<AppState>().on_window_resized(move || {
            if let Some(ui) = window.upgrade() {
                fit_to_screen(ui.window());
            }
        });
        let models = Models {
            home: home::Models::new(&ui),
            episodes: series::model(&ui),
            up_next: player::model(&ui),
            settings_rows: settings::model(&ui),
            chrome: chrome::Memo::default(),
            qr: None,
        };
        View {
            ui,
            posters: posters::Posters::default(),
            models,
            subtitle_slot,
        }
    }

    pub fn ui(&self) -> &AppWindow {
        &self.ui
    }

    /// The stage's full height in physical pixels: the size video is
    /// scaled to.
    pub fn video_height(&self) -> u32 {
        (STAGE.1 * self.ui.window().scale_factor()).round() as u32
    }

    /// Sets the pages' globals from `app`.
    pub fn render(&mut self, app: &App) {
        self.posters.new_pass();
        chrome::render(self, app);
        pin::render(self, app);
        use crate::app::ScreenState;
        let ctx = app.ctx();
        if ctx.catalog().is_none()
            && !matches!(
                app.top(),
                ScreenState::Settings(_) | ScreenState::Welcome(_)
            )
        {
            return;
        }
        match app.top() {
            ScreenState::Home(h) => {
                let preview = app.preview().is_some_and(|p| p.showing);
                home::render(self, ctx, h, preview)
            }
            ScreenState::Series(p) => series::render(self, ctx, p),
            ScreenState::Player(p) => player::render(self, app, p),
            ScreenState::Locked(l) => locked::render(self, ctx, l),
            ScreenState::Settings(_) | ScreenState::Welcome(_) => settings::render(self, app),
        }
    }

    /// Posters the last render asked for that are neither loaded nor
    /// asked for before: the shell has them fetched.
    pub fn take_poster_requests(&mut self) -> Vec<String> {
        self.posters.take_requests()
    }

    /// A decoded poster for `url`.
    pub fn poster_ready(&mut self, url: &str, pixels: posters::Pixels) {
        self.posters.ready(url, slint::Image::from_rgba8(pixels));
    }

    /// A poster that failed to load is not asked for again this session.
    pub fn poster_failed(&mut self, url: &str) {
        self.posters.ready(url, slint::Image::default());
    }

    /// How many posters are held decoded.
    pub fn posters_cached(&self) -> usize {
        self.posters.cached_count()
    }

    /// Posters asked for and not yet loaded (or failed).
    pub fn posters_pending(&self) -> usize {
        self.posters.pending()
    }

    /// The QR image of `text`, made once per code.
    fn qr(&mut self, text: &str) -> slint::Image {
        match &self.models.qr {
            Some((t, img)) if t == text => img.clone(),
            _ => {
                let img = locked::qr_image(text).unwrap_or_default();
                self.models.qr = Some((text.to_owned(), img.clone()));
                img
            }
        }
    }
}

/// Replaces what changed in `model` with `new`.
fn sync<T: Clone + PartialEq + 'static>(model: &VecModel<T>, new: Vec<T>) {
    if model.row_count() != new.len() {
        model.set_vec(new);
        return;
    }
    for (i, item) in new.into_iter().enumerate() {
        if model.row_data(i).as_ref() != Some(&item) {
            model.set_row_data(i, item);
        }
    }
}

/// Sets a property only when its value changes: an unchanged property set
/// again would still mark what depends on it for a redraw.
fn set_if<T: PartialEq>(current: T, new: T, set: impl FnOnce(T)) {
    if current != new {
        set(new);
    }
}

/// Scales the window so the 1920x1080 stage fills its physical size.
pub fn fit_to_screen(window: &slint::Window) {
    let size = window.size();
    if size.width == 0 || size.height == 0 {
        return;
    }
    let scale = (size.width as f32 / STAGE.0).min(size.height as f32 / STAGE.1);
    if (window.scale_factor() - scale).abs() > 0.001 {
        window.dispatch_event(slint::platform::WindowEvent::ScaleFactorChanged {
            scale_factor: scale,
        });
        // The window item keeps its old logical size until told.
        window.dispatch_event(slint::platform::WindowEvent::Resized {
            size: size.to_logical(scale),
        });
    }
}
