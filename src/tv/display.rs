//! The display: the board profile's Slint backend and renderer, remote keys
//! read raw from libinput on linuxkms, the GL video path's shared context,
//! and the systemd watchdog that watches the UI loop.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::input::Keymap;
use crate::view::AppWindow;
use crate::view::video::VideoSink;

use super::shell::{Input, ShellHandle};
use super::{TvError, TvOptions};
use crate::app::Event;

/// Makes the board profile's display backend and renderer Slint's (or
/// Slint's own choice if they cannot start); `keymap` reads remote keys
/// that arrive as raw input events, posted to `shell`.
pub fn open_display(
    options: &TvOptions,
    keymap: Keymap,
    shell: ShellHandle,
) -> Result<(), TvError> {
    let slint = options
        .board
        .as_ref()
        .map(|b| b.board.slint.clone())
        .unwrap_or_default();
    select_backend(keymap, shell, &slint)
}

/// The profile's backend and renderer unless SLINT_BACKEND says otherwise;
/// if they cannot start, Slint's own choice.
fn selector(choice: &crate::platform::SlintChoice) -> slint::BackendSelector {
    let mut s = slint::BackendSelector::new();
    if std::env::var_os("SLINT_BACKEND").is_none() {
        if let Some(b) = &choice.backend {
            s = s.backend_name(b.clone());
        }
        if let Some(r) = &choice.renderer {
            s = s.renderer_name(r.clone());
        }
    }
    s
}

/// Under systemd (`Type=notify`): says READY once the window is up, then
/// feeds the watchdog while the UI event loop is alive, so a hung UI thread
/// gets the service restarted. The UI loop only marks a heartbeat; a
/// thread of its own talks to systemd, so the UI never waits on a socket.
/// Outside systemd this does nothing.
pub fn systemd_watchdog() -> Option<slint::Timer> {
    use sd_notify::NotifyState;
    use std::sync::atomic::{AtomicU64, Ordering};
    if let Err(e) = sd_notify::notify(false, &[NotifyState::Ready]) {
        tracing::warn!(error = %e, "cannot notify systemd");
    }
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return None;
    }
    let every = Duration::from_micros(usec / 2);
    let start = Instant::now();
    let heartbeat = Arc::new(AtomicU64::new(0));
    let timer = slint::Timer::default();
    {
        let heartbeat = heartbeat.clone();
        timer.start(slint::TimerMode::Repeated, every / 2, move || {
            heartbeat.store(start.elapsed().as_millis() as u64, Ordering::Relaxed);
        });
    }
    let feeder = std::thread::Builder::new()
        .name("pillarbox-watchdog".into())
        .spawn(move || {
            loop {
                std::thread::sleep(every);
                let now = start.elapsed().as_millis() as u64;
                let beat = heartbeat.load(Ordering::Relaxed);
                // A UI loop that has not turned for a whole period is stuck:
                // stay silent and let systemd restart the service.
                if now.saturating_sub(beat) <= every.as_millis() as u64 {
                    let _ = sd_notify::notify(false, &[NotifyState::Watchdog]);
                }
            }
        });
    if let Err(e) = feeder {
        tracing::error!(error = %e, "cannot start the watchdog thread");
        return None;
    }
    tracing::info!(
        every_ms = every.as_millis() as u64,
        "feeding the systemd watchdog"
    );
    Some(timer)
}

#[cfg(target_os = "linux")]
fn select_backend(
    keymap: Keymap,
    shell: ShellHandle,
    choice: &crate::platform::SlintChoice,
) -> Result<(), TvError> {
    let act = move |action| shell.post(Input::App(Event::Action(action)));
    let hook = std::rc::Rc::new(super::input::libinput_hook(keymap, act));
    let with_hook = |s: slint::BackendSelector| {
        let hook = hook.clone();
        s.with_libinput_event_hook(move |e| hook(e))
    };
    match with_hook(selector(choice)).select() {
        Ok(()) => Ok(()),
        Err(e) if choice.backend.is_some() || choice.renderer.is_some() => {
            tracing::warn!(error = %e, ?choice, "board profile's Slint choice failed; Slint's default");
            with_hook(slint::BackendSelector::new())
                .select()
                .map_err(TvError::ui("no display backend"))
        }
        Err(e) => Err(TvError::ui("no display backend")(e)),
    }
}

#[cfg(not(target_os = "linux"))]
fn select_backend(
    _keymap: Keymap,
    _shell: ShellHandle,
    choice: &crate::platform::SlintChoice,
) -> Result<(), TvError> {
    selector(choice)
        .select()
        .or_else(|_| slint::BackendSelector::new().select())
        .map_err(TvError::ui("no display backend"))
}

/// On the GL path, where the UI's renderer shares its GL context with the
/// player once it starts (and, if it never does, the CPU path stays).
pub fn gl_share(
    ui: &AppWindow,
    video: &VideoSink,
    path: crate::platform::VideoPath,
) -> Option<crate::playback::GlShare> {
    if path != crate::platform::VideoPath::Gl {
        tracing::info!("video path: CPU copy (chosen)");
        return None;
    }
    let _ = gstreamer::init();
    if gstreamer::ElementFactory::find("glsinkbin").is_none() {
        tracing::warn!("video path: CPU copy (GStreamer's GL plugin, gstreamer1.0-gl, is missing)");
        return None;
    }
    #[cfg(target_os = "linux")]
    {
        let share = crate::playback::GlShare::default();
        match crate::view::gl_video::install(ui, video.clone(), share.clone()) {
            Ok(()) => Some(share),
            Err(e) => {
                tracing::info!(error = %e, "video path: CPU copy (the renderer shares no GL)");
                None
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (ui, video);
        tracing::info!("video path: CPU copy (GL path needs EGL on Linux)");
        None
    }
}
