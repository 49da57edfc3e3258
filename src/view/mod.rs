//! The Slint bridge: feeds `ui/api.slint`'s `Api` global from the app state,
//! turns key events into actions, and shows video frames and posters.
//!
//! Everything here runs on the UI thread. Other threads reach the shell
//! with [`post`], which queues a closure on Slint's event loop.

#[cfg(target_os = "linux")]
pub mod gl_video;
pub mod headless;
pub mod posters;
mod project;
pub mod video;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use slint::{ComponentHandle, Image, Rgba8Pixel, SharedPixelBuffer};

use crate::app::{App, Command, Event, Playback};
use crate::input::{Action, Keymap};

slint::include_modules!();

/// The size of the UI's stage in logical pixels; the window is scaled so
/// it fills the screen whatever its resolution.
pub const STAGE: (f32, f32) = (1920.0, 1080.0);

/// Posters kept decoded: at 405x720 RGBA about 1.1 MiB each.
pub const POSTERS_KEPT: usize = 64;

/// What the app core's commands do outside the UI: play, save, exit.
pub trait Effects {
    /// Called once the first screen is up: start what is slow to start.
    /// `video_height` is the stage's full height in physical pixels.
    fn warm_up(&mut self, _video_height: u32) {}
    fn run(&mut self, command: &Command, app: &App);
    /// The app is closing: finish writes, release the player.
    fn shutdown(&mut self) {}
    /// Whether playback reports about `episode` concern what is on screen.
    fn is_current(&self, episode: u64) -> bool;
}

/// Starts poster downloads; the result comes back through
/// [`Shell::poster_ready`].
pub trait PosterSource {
    fn request(&self, url: &str);
}

pub struct Shell {
    app: App,
    ui: AppWindow,
    keymap: Keymap,
    effects: Box<dyn Effects>,
    posters: Option<Box<dyn PosterSource>>,
    poster_cache: HashMap<String, Image>,
    /// Cache insertion order, oldest first, to bound its memory.
    poster_order: std::collections::VecDeque<String>,
    /// The render pass that last showed each poster.
    poster_used: HashMap<String, u64>,
    render_pass: u64,
    requested: std::collections::HashSet<String>,
    models: project::Models,
}

thread_local! {
    static SHELL: RefCell<Weak<RefCell<Shell>>> = const { RefCell::new(Weak::new()) };
}

/// Runs `f` with the shell on the UI thread, from any thread.
pub fn post(f: impl FnOnce(&mut Shell) + Send + 'static) {
    let queued = slint::invoke_from_event_loop(move || {
        let shell = SHELL.with(|s| s.borrow().upgrade());
        if let Some(shell) = shell {
            f(&mut shell.borrow_mut());
        }
    });
    if let Err(e) = queued {
        tracing::debug!(error = %e, "event loop gone; dropped an update");
    }
}

/// Runs `f` with the shell if called on the UI thread while it is free.
pub fn with_shell(f: impl FnOnce(&mut Shell)) {
    let shell = SHELL.with(|s| s.borrow().upgrade());
    if let Some(shell) = shell
        && let Ok(mut shell) = shell.try_borrow_mut()
    {
        f(&mut shell);
    }
}

/// Sends an event to the app core from any thread.
pub fn post_event(event: Event) {
    post(move |shell| shell.dispatch(event));
}

/// A playback report about `episode`, dropped if it is no longer on screen.
pub fn post_playback(episode: u64, report: Playback) {
    post(move |shell| {
        if shell.effects.is_current(episode) {
            shell.dispatch(Event::Playback(report));
        }
    });
}

impl Shell {
    /// Wires `ui` to `app` and makes the shell reachable through [`post`].
    pub fn install(
        ui: AppWindow,
        app: App,
        keymap: Keymap,
        effects: Box<dyn Effects>,
        posters: Option<Box<dyn PosterSource>>,
    ) -> Rc<RefCell<Shell>> {
        let models = project::Models::new(&ui);
        let shell = Rc::new(RefCell::new(Shell {
            app,
            ui,
            keymap,
            effects,
            posters,
            poster_cache: HashMap::new(),
            poster_order: Default::default(),
            poster_used: HashMap::new(),
            render_pass: 0,
            requested: Default::default(),
            models,
        }));
        SHELL.with(|s| *s.borrow_mut() = Rc::downgrade(&shell));
        let weak = Rc::downgrade(&shell);
        shell.borrow().ui.global::<Api>().on_key(move |text| {
            let Some(shell) = weak.upgrade() else {
                return false;
            };
            // A key that arrives while an update is being applied waits.
            let Ok(mut shell) = shell.try_borrow_mut() else {
                return false;
            };
            match shell.keymap.keyboard(&text) {
                Some(action) => {
                    shell.action(action);
                    true
                }
                None => false,
            }
        });
        let window = shell.borrow().ui.as_weak();
        shell
            .borrow()
            .ui
            .global::<Api>()
            .on_window_resized(move || {
                if let Some(ui) = window.upgrade() {
                    fit_to_screen(ui.window());
                }
            });
        shell.borrow_mut().render();
        shell
    }

    pub fn ui(&self) -> &AppWindow {
        &self.ui
    }
    pub fn app(&self) -> &App {
        &self.app
    }

    pub fn warm_up(&mut self) {
        let height = (STAGE.1 * self.ui.window().scale_factor()).round() as u32;
        self.effects.warm_up(height);
    }

    /// Stops playback, saves the history and waits for it to be written.
    pub fn shutdown(&mut self) {
        for c in self.app.shutdown() {
            self.effects.run(&c, &self.app);
        }
        self.effects.shutdown();
    }

    pub fn action(&mut self, action: Action) {
        self.dispatch(Event::Action(action));
    }

    /// One event through the app core, its commands run, the view updated.
    pub fn dispatch(&mut self, event: Event) {
        let commands = self.app.handle(event);
        for c in &commands {
            tracing::debug!(command = ?c, "app");
            self.effects.run(c, &self.app);
        }
        self.render();
    }

    /// A decoded poster for `url`.
    pub fn poster_ready(&mut self, url: &str, pixels: SharedPixelBuffer<Rgba8Pixel>) {
        self.cache_poster(url, Image::from_rgba8(pixels));
        self.render();
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

    /// A poster that failed to load is not asked for again this session.
    pub fn poster_failed(&mut self, url: &str) {
        self.cache_poster(url, Image::default());
    }

    pub fn show_frame(&self, frame: Image) {
        self.ui.global::<Api>().set_video_frame(frame);
    }

    /// The poster of `url`, fetched if it is not cached yet.
    fn poster(&mut self, url: &str) -> Image {
        let image = self.cached_poster(url);
        if !self.poster_cache.contains_key(url)
            && let Some(src) = &self.posters
            && self.requested.insert(url.to_owned())
        {
            src.request(url);
        }
        image
    }

    /// The poster of `url` if cached; far off-screen posters are not fetched.
    fn cached_poster(&mut self, url: &str) -> Image {
        self.poster_used.insert(url.to_owned(), self.render_pass);
        self.poster_cache.get(url).cloned().unwrap_or_default()
    }

    fn render(&mut self) {
        self.render_pass += 1;
        project::render(self);
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
