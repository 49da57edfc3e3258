//! The view: a projection of the app state into `ui/api.slint`'s `Api`
//! global, plus what only the UI holds: decoded posters, video frames, and
//! the headless platform. It reads the app; it never drives it: keys and
//! loaded posters go to the TV shell (`crate::tv`), which owns the app.
//!
//! Everything here runs on the UI thread.

#[cfg(target_os = "linux")]
pub mod gl_video;
pub mod headless;
pub mod loader;
pub mod posters;
mod project;
pub mod subtitles;
pub mod video;

use std::collections::HashMap;

use slint::{ComponentHandle, Image, Rgba8Pixel, SharedPixelBuffer};

use crate::app::App;

slint::include_modules!();

/// The size of the UI's stage in logical pixels; the window is scaled so
/// it fills the screen whatever its resolution.
pub const STAGE: (f32, f32) = (1920.0, 1080.0);

/// Posters kept decoded: at 405x720 RGBA about 1.1 MiB each.
pub const POSTERS_KEPT: usize = 64;

/// Asks for a poster to be fetched; the result comes back through
/// [`View::poster_ready`] or [`View::poster_failed`].
pub type PosterRequest = Box<dyn Fn(&str)>;

/// Subtitle tracks kept parsed (the one playing, the next one, a few back).
const SUBTITLES_KEPT: usize = 8;

pub struct View {
    ui: AppWindow,
    request: Option<PosterRequest>,
    poster_cache: HashMap<String, Image>,
    /// Cache insertion order, oldest first, to bound its memory.
    poster_order: std::collections::VecDeque<String>,
    /// The render pass that last showed each poster.
    poster_used: HashMap<String, u64>,
    render_pass: u64,
    requested: std::collections::HashSet<String>,
    models: project::Models,
    /// Fetches subtitle tracks; results come back through
    /// [`View::subtitles_loaded`]. The slot is what the video sink shows.
    subtitle_request: Option<PosterRequest>,
    subtitle_slot: subtitles::SubtitleSlot,
    /// Tracks by URL, oldest first: `None` while being fetched.
    subtitle_tracks: std::collections::VecDeque<(String, Option<subtitles::Loaded>)>,
}

impl View {
    /// A view of `ui`; `request` fetches posters (none: posters stay blank
    /// until handed in).
    pub fn new(ui: AppWindow, request: Option<PosterRequest>) -> View {
        let models = project::Models::new(&ui);
        let window = ui.as_weak();
        ui.global::<Api>().on_window_resized(move || {
            if let Some(ui) = window.upgrade() {
                fit_to_screen(ui.window());
            }
        });
        View {
            ui,
            request,
            poster_cache: HashMap::new(),
            poster_order: Default::default(),
            poster_used: HashMap::new(),
            render_pass: 0,
            requested: Default::default(),
            models,
            subtitle_request: None,
            subtitle_slot: Default::default(),
            subtitle_tracks: Default::default(),
        }
    }

    /// Subtitles: `request` fetches a track, `slot` is where the video
    /// sink finds the one to show.
    pub fn set_subtitles(&mut self, request: PosterRequest, slot: subtitles::SubtitleSlot) {
        self.subtitle_request = Some(request);
        self.subtitle_slot = slot;
    }

    /// A subtitle track fetched and parsed, or why not.
    pub fn subtitles_loaded(&mut self, url: &str, loaded: subtitles::Loaded) {
        match self.subtitle_tracks.iter_mut().find(|(u, _)| u == url) {
            Some(entry) => entry.1 = Some(loaded),
            None => self
                .subtitle_tracks
                .push_back((url.to_owned(), Some(loaded))),
        }
    }

    /// The track at `url`: fetched if new, `None` until it is loaded.
    fn subtitle_track(&mut self, url: &str) -> Option<subtitles::Loaded> {
        if let Some((_, t)) = self.subtitle_tracks.iter().find(|(u, _)| u == url) {
            return t.clone();
        }
        let request = self.subtitle_request.as_ref()?;
        request(url);
        self.subtitle_tracks.push_back((url.to_owned(), None));
        while self.subtitle_tracks.len() > SUBTITLES_KEPT {
            self.subtitle_tracks.pop_front();
        }
        None
    }

    pub fn ui(&self) -> &AppWindow {
        &self.ui
    }

    /// The stage's full height in physical pixels: the size video is
    /// scaled to.
    pub fn video_height(&self) -> u32 {
        (STAGE.1 * self.ui.window().scale_factor()).round() as u32
    }

    /// Sets the `Api` global from `app`.
    pub fn render(&mut self, app: &App) {
        self.render_pass += 1;
        project::render(self, app);
    }

    /// A decoded poster for `url`.
    pub fn poster_ready(&mut self, url: &str, pixels: SharedPixelBuffer<Rgba8Pixel>) {
        self.cache_poster(url, Image::from_rgba8(pixels));
    }

    /// A poster that failed to load is not asked for again this session.
    pub fn poster_failed(&mut self, url: &str) {
        self.cache_poster(url, Image::default());
    }

    /// Keeps at most [`POSTERS_KEPT`] posters, more only while on screen;
    /// the oldest not shown by the last render go first (and are fetched
    /// again if they come back).
    fn cache_poster(&mut self, url: &str, image: Image) {
        if self.poster_cache.insert(url.to_owned(), image).is_none() {
            self.poster_order.push_back(url.to_owned());
        }
        while self.poster_order.len() > POSTERS_KEPT {
            let pass = self.render_pass;
            let used = &self.poster_used;
            let Some(i) = self
                .poster_order
                .iter()
                .position(|u| used.get(u).is_none_or(|p| *p < pass))
            else {
                break;
            };
            if let Some(old) = self.poster_order.remove(i) {
                self.poster_cache.remove(&old);
                self.poster_used.remove(&old);
                self.requested.remove(&old);
            }
        }
    }

    /// How many posters are held decoded.
    pub fn posters_cached(&self) -> usize {
        self.poster_cache.len()
    }

    /// Posters asked for and not yet loaded (or failed).
    pub fn posters_pending(&self) -> usize {
        self.requested
            .iter()
            .filter(|u| !self.poster_cache.contains_key(*u))
            .count()
    }

    /// The poster of `url`, fetched if it is not cached yet.
    fn poster(&mut self, url: &str) -> Image {
        let image = self.cached_poster(url);
        if !self.poster_cache.contains_key(url)
            && let Some(request) = &self.request
            && self.requested.insert(url.to_owned())
        {
            request(url);
        }
        image
    }

    /// The poster of `url` if cached; far off-screen posters are not fetched.
    fn cached_poster(&mut self, url: &str) -> Image {
        self.poster_used.insert(url.to_owned(), self.render_pass);
        self.poster_cache.get(url).cloned().unwrap_or_default()
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
