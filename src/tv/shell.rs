//! The shell's one event queue and dispatch loop: every input (a remote
//! key, a playback report, a catalog, a loaded poster, a clock tick) goes
//! through [`Shell::handle`]: the app core turns it into commands, the
//! effects carry them out, and the view is projected from the new state.
//!
//! Other threads reach the shell with [`post`], which queues the input on
//! Slint's event loop; on the UI thread an input that arrives while the
//! shell is busy waits in the queue and runs right after.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::{Rc, Weak};

use slint::{ComponentHandle, Rgba8Pixel, SharedPixelBuffer};

use crate::app::{App, Command, Event};
use crate::input::{Action, Keymap};
use crate::playback::PlayerEvent;
use crate::view::{Api, AppWindow, PosterRequest, View};

/// What reaches the shell.
pub enum Input {
    /// An event for the app core as it is.
    App(Event),
    /// A report from the player, tagged by the effects with the play
    /// command it belongs to. Boxed: an end-of-episode report is large.
    Player(Box<PlayerEvent>),
    /// A poster (or logo) was fetched and decoded, or failed.
    Poster {
        url: String,
        loaded: Result<SharedPixelBuffer<Rgba8Pixel>, String>,
    },
    /// A subtitle track was fetched and parsed, or failed.
    Subtitles {
        url: String,
        loaded: crate::view::subtitles::Loaded,
    },
}

/// What the app core's commands do outside the app: play, save, exit.
/// Commands carry everything they need.
pub trait Effects {
    /// Called once the first screen is up: start what is slow to start.
    /// `video_height` is the stage's full height in physical pixels.
    fn warm_up(&mut self, _video_height: u32) {}
    fn run(&mut self, command: Command);
    /// A player report as an app event: the play token it belongs to, or
    /// `None` for an episode no play command asked for (a preload).
    fn tag(&mut self, _event: PlayerEvent) -> Option<Event> {
        None
    }
    /// The app is closing: finish writes, release the player.
    fn shutdown(&mut self) {}
}

pub struct Shell {
    app: App,
    view: View,
    effects: Box<dyn Effects>,
}

thread_local! {
    static SHELL: RefCell<Weak<RefCell<Shell>>> = const { RefCell::new(Weak::new()) };
    /// Inputs that arrived on the UI thread while the shell was busy.
    static WAITING: RefCell<VecDeque<Input>> = const { RefCell::new(VecDeque::new()) };
}

/// Queues `input` for the shell, from any thread.
pub fn post(input: Input) {
    let queued = slint::invoke_from_event_loop(move || deliver(input));
    if let Err(e) = queued {
        tracing::debug!(error = %e, "event loop gone; dropped an input");
    }
}

/// On the UI thread: handles `input` now if the shell is free, else queues
/// it behind the one being handled.
pub fn deliver(input: Input) {
    let Some(shell) = SHELL.with(|s| s.borrow().upgrade()) else {
        return;
    };
    match shell.try_borrow_mut() {
        Ok(mut shell) => shell.handle(input),
        Err(_) => WAITING.with(|w| w.borrow_mut().push_back(input)),
    }
}

impl Shell {
    /// Wires `ui` to `app` and makes the shell the target of [`post`].
    /// `posters` fetches posters; their results come back as
    /// [`Input::Poster`].
    pub fn install(
        ui: AppWindow,
        app: App,
        keymap: Keymap,
        effects: Box<dyn Effects>,
        posters: Option<PosterRequest>,
    ) -> Rc<RefCell<Shell>> {
        ui.global::<Api>()
            .on_key(move |text| match keymap.keyboard(&text) {
                Some(action) => {
                    deliver(Input::App(Event::Action(action)));
                    true
                }
                None => false,
            });
        let shell = Rc::new(RefCell::new(Shell {
            app,
            view: View::new(ui, posters),
            effects,
        }));
        SHELL.with(|s| *s.borrow_mut() = Rc::downgrade(&shell));
        // Inputs left over from an earlier shell on this thread are not ours.
        WAITING.with(|w| w.borrow_mut().clear());
        {
            let mut s = shell.borrow_mut();
            let Shell { app, view, .. } = &mut *s;
            view.render(app);
        }
        shell
    }

    pub fn ui(&self) -> &AppWindow {
        self.view.ui()
    }
    pub fn app(&self) -> &App {
        &self.app
    }
    pub fn view_mut(&mut self) -> &mut View {
        &mut self.view
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
        let mut next = Some(input);
        while let Some(input) = next {
            self.step(input);
            next = WAITING.with(|w| w.borrow_mut().pop_front());
        }
        self.view.render(&self.app);
    }

    fn step(&mut self, input: Input) {
        let event = match input {
            Input::App(e) => e,
            Input::Player(e) => match self.effects.tag(*e) {
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
            Input::Subtitles { url, loaded } => {
                self.view.subtitles_loaded(&url, loaded);
                return;
            }
        };
        for c in self.app.handle(event) {
            tracing::debug!(command = ?c, "app");
            self.effects.run(c);
        }
    }
}
