//! The shell's one event queue and dispatch loop: every input (a remote
//! key, a playback report, a catalog, a loaded poster, a tick) goes
//! through [`Shell::handle`]: the app core turns it into commands, the
//! effects carry them out, and the view is projected from the new state,
//! once, when the queue is empty.
//!
//! Other threads reach the shell through a [`ShellHandle`]: the input
//! waits in the handle's queue and the UI thread is woken to take it. On
//! the UI thread an input that arrives while the shell is busy waits in
//! the same queue and runs right after.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};
use std::sync::{Arc, Mutex};

use slint::ComponentHandle;

use crate::app::{App, Command, Event, Playback};
use crate::episode::EpisodeId;
use crate::input::{Action, Keymap};
use crate::playback::PlayerEvent;
use crate::view::posters::{PictureError, Pixels};

use super::loaders::SubtitleFile;
use crate::view::{AppState, AppWindow, View};

/// What reaches the shell.
pub enum Input {
    /// An event for the app core as it is.
    App(Event),
    /// The shell's clock: monotonic ms since the start; the episode's
    /// position is read then.
    Tick(u64),
    /// A report from the player. Boxed: an end-of-episode report is large.
    Player(Box<PlayerEvent>),
    /// A poster (or logo) was fetched and decoded, or failed.
    Poster {
        url: String,
        loaded: Result<Pixels, PictureError>,
    },
    /// A subtitle file was fetched and parsed, or failed.
    Subtitles { url: String, loaded: SubtitleFile },
}

/// Where the episode playing is, as the player reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub episode: EpisodeId,
    pub position_ms: u64,
    pub duration_ms: Option<u64>,
    /// A live channel's broadcast time there, when its playlist dates it.
    pub on_air: Option<chrono::DateTime<chrono::Utc>>,
}

/// What the app core's commands do outside the app: play, save, speak,
/// fetch, exit. Commands carry everything they need.
pub trait Effects {
    /// Called once the first screen is up: start what is slow to start.
    /// `video_height` is the stage's full height in physical pixels.
    fn warm_up(&mut self, _video_height: u32) {}
    fn run(&mut self, command: Command);
    /// A player report as an app event (the app drops what is not about
    /// the episode on screen).
    fn report(&mut self, _event: PlayerEvent) -> Option<Event> {
        None
    }
    /// The episode playing and where it is, read on the shell's tick.
    fn position(&self) -> Option<Position> {
        None
    }
    /// Fetch these posters; each comes back as [`Input::Poster`].
    fn load_posters(&mut self, _urls: Vec<String>) {}
    /// A subtitle file came ([`Input::Subtitles`]): an event for the
    /// episode that shows it, if it is still on screen.
    fn subtitles(&mut self, _url: &str, _file: SubtitleFile) -> Option<Event> {
        None
    }
    /// Partner insight: what the app core configured or recorded.
    fn insight(&mut self, _command: crate::insight::InsightCommand) {}
    /// The data received this month, when it is time to look again (the
    /// shell's tick, monotonic `now_ms`).
    fn data_used(&mut self, _now_ms: u64) -> Option<u64> {
        None
    }
    /// The app is closing: finish writes, release the player.
    fn shutdown(&mut self) {}
}

/// The way into the shell's queue, from any thread (and from the UI
/// thread before the shell exists: remote keys read by the display
/// backend). Cheap to clone.
#[derive(Clone, Default)]
pub struct ShellHandle {
    inbox: Arc<Mutex<VecDeque<Input>>>,
    /// The window whose event loop runs the shell, once it is installed.
    window: Arc<Mutex<Option<slint::Weak<AppWindow>>>>,
}

impl ShellHandle {
    /// Queues `input` and wakes the UI thread to take it.
    pub fn post(&self, input: Input) {
        let was_empty = {
            let mut inbox = self.inbox.lock().unwrap_or_else(|e| e.into_inner());
            inbox.push_back(input);
            inbox.len() == 1
        };
        // One wake for inputs that queue up together; before the shell is
        // installed they wait, and it takes them when it is.
        if was_empty {
            self.wake();
        }
    }

    fn wake(&self) {
        let window = self.window.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ui) = window.as_ref() {
            let woken = ui.upgrade_in_event_loop(|ui| ui.global::<AppState>().invoke_wake());
            if let Err(e) = woken {
                tracing::debug!(error = %e, "event loop gone; inputs left waiting");
            }
        }
    }

    /// The next input waiting, if any.
    fn next(&self) -> Option<Input> {
        self.inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }

    /// On the UI thread: `input` now if the shell is free, else right
    /// after what it is doing.
    pub fn deliver(&self, shell: &Weak<RefCell<Shell>>, input: Input) {
        self.inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(input);
        Self::drain(shell);
    }

    /// Handles what waits, if the shell is free (if it is busy, it takes
    /// them itself before it renders).
    fn drain(shell: &Weak<RefCell<Shell>>) {
        let Some(shell) = shell.upgrade() else {
            return;
        };
        if let Ok(mut s) = shell.try_borrow_mut() {
            s.handle_waiting();
        }
    }
}

pub struct Shell {
    app: App,
    view: View,
    effects: Box<dyn Effects>,
    handle: ShellHandle,
}

impl Shell {
    /// Wires `ui` to `app`: keys through `keymap`, inputs posted to
    /// `handle` handled on the UI thread.
    pub fn install(
        view: View,
        app: App,
        keymap: Keymap,
        effects: Box<dyn Effects>,
        handle: ShellHandle,
    ) -> Rc<RefCell<Shell>> {
        let ui = view.ui().clone_strong();
        let shell = Rc::new(RefCell::new(Shell {
            app,
            view,
            effects,
            handle: handle.clone(),
        }));
        *handle.window.lock().unwrap_or_else(|e| e.into_inner()) = Some(ui.as_weak());
        {
            let (weak, handle) = (Rc::downgrade(&shell), handle.clone());
            super::input::keyboard(&ui, keymap, move |action| {
                handle.deliver(&weak, Input::App(Event::Action(action)));
            });
        }
        {
            let weak = Rc::downgrade(&shell);
            ui.global::<AppState>()
                .on_wake(move || ShellHandle::drain(&weak));
        }
        // What came before the shell (remote keys), then the first screen.
        shell.borrow_mut().handle_waiting();
        shell
    }

    pub fn handle_of(&self) -> &ShellHandle {
        &self.handle
    }
    pub fn ui(&self) -> &AppWindow {
        self.view.ui()
    }
    pub fn app(&self) -> &App {
        &self.app
    }
    pub fn view(&self) -> &View {
        &self.view
    }

    pub fn warm_up(&mut self) {
        let height = self.view.video_height();
        self.effects.warm_up(height);
    }

    /// Stops playback, saves the history and waits for it to be written.
    pub fn shutdown(&mut self) {
        for c in self.app.shutdown() {
            self.effects.run(c);
        }
        self.effects.shutdown();
    }

    pub fn action(&mut self, action: Action) {
        self.handle(Input::App(Event::Action(action)));
    }

    /// One input, and then any that queued up behind it: through the app
    /// core, its commands run, the view projected once at the end.
    pub fn handle(&mut self, input: Input) {
        self.step(input);
        self.handle_waiting();
    }

    fn handle_waiting(&mut self) {
        while let Some(input) = self.handle.next() {
            self.step(input);
        }
        self.view.render(&self.app);
        let wanted = self.view.take_poster_requests();
        if !wanted.is_empty() {
            self.effects.load_posters(wanted);
        }
    }

    fn step(&mut self, input: Input) {
        let event = match input {
            Input::App(e) => e,
            Input::Tick(now) => {
                // The position first: the tick's checks see it.
                if let Some(p) = self.effects.position() {
                    let report = Playback::Position {
                        position_ms: p.position_ms,
                        duration_ms: p.duration_ms,
                    };
                    self.dispatch(Event::Playback {
                        id: p.episode,
                        report,
                    });
                    if let Some(at) = p.on_air {
                        let report = Playback::OnAir(at);
                        self.dispatch(Event::Playback {
                            id: p.episode,
                            report,
                        });
                    }
                }
                if let Some(bytes) = self.effects.data_used(now) {
                    self.dispatch(Event::DataUsed(bytes));
                }
                Event::Tick(now)
            }
            Input::Player(e) => match self.effects.report(*e) {
                Some(e) => e,
                None => return,
            },
            Input::Poster { url, loaded } => {
                match loaded {
                    Ok(pixels) => self.view.poster_ready(&url, pixels),
                    Err(_) => self.view.poster_failed(&url),
                }
                return;
            }
            Input::Subtitles { url, loaded } => match self.effects.subtitles(&url, loaded) {
                Some(e) => e,
                None => return,
            },
        };
        self.dispatch(event);
    }

    fn dispatch(&mut self, event: Event) {
        for c in self.app.handle(event) {
            tracing::debug!(command = ?c, "app");
            self.effects.run(c);
        }
        for c in self.app.take_insight() {
            self.effects.insight(c);
        }
    }
}
