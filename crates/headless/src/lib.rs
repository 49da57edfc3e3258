//! A Slint platform with no display: the software renderer draws into a
//! buffer, and a small event loop runs timers and cross-thread updates.
//! Used by `pillarbox screenshot` and `pillarbox qa` on machines without
//! a screen or GPU.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use slint::platform::software_renderer::{
    MinimalSoftwareWindow, PremultipliedRgbaColor, RepaintBufferType,
};
use slint::platform::{EventLoopProxy, Platform, WindowAdapter};
use slint::{EventLoopError, PhysicalSize, PlatformError};

mod screen;

/// Called with the render time of each frame the event loop draws.
type FrameHook = Rc<RefCell<Option<Box<dyn FnMut(Duration)>>>>;

enum Message {
    Run(Box<dyn FnOnce() + Send>),
    Quit,
}

struct Proxy(Mutex<Sender<Message>>);

impl EventLoopProxy for Proxy {
    fn quit_event_loop(&self) -> Result<(), EventLoopError> {
        self.0
            .lock()
            .map_err(|_| EventLoopError::EventLoopTerminated)?
            .send(Message::Quit)
            .map_err(|_| EventLoopError::EventLoopTerminated)
    }
    fn invoke_from_event_loop(&self, f: Box<dyn FnOnce() + Send>) -> Result<(), EventLoopError> {
        self.0
            .lock()
            .map_err(|_| EventLoopError::EventLoopTerminated)?
            .send(Message::Run(f))
            .map_err(|_| EventLoopError::EventLoopTerminated)
    }
}

/// The platform; [`HeadlessPlatform::install`] makes it Slint's.
pub struct HeadlessPlatform {
    window: Rc<MinimalSoftwareWindow>,
    sender: Sender<Message>,
    receiver: Receiver<Message>,
    start: Instant,
    on_frame: FrameHook,
}

/// A handle to the headless window kept by the caller after `install`.
#[derive(Clone)]
pub struct Headless {
    window: Rc<MinimalSoftwareWindow>,
    on_frame: FrameHook,
}

impl HeadlessPlatform {
    /// Installs the platform for this process with a `width`x`height` screen.
    pub fn install(width: u32, height: u32) -> Result<Headless, PlatformError> {
        let window = MinimalSoftwareWindow::new(RepaintBufferType::ReusedBuffer);
        window.set_size(PhysicalSize::new(width, height));
        let (sender, receiver) = channel();
        let on_frame: FrameHook = Rc::new(RefCell::new(None));
        let handle = Headless {
            window: window.clone(),
            on_frame: on_frame.clone(),
        };
        slint::platform::set_platform(Box::new(HeadlessPlatform {
            window,
            sender,
            receiver,
            start: Instant::now(),
            on_frame,
        }))
        .map_err(|e| PlatformError::Other(e.to_string()))?;
        Ok(handle)
    }
}

thread_local! {
    static BUFFER: RefCell<Vec<PremultipliedRgbaColor>> = const { RefCell::new(Vec::new()) };
}

impl Headless {
    /// Draws what changed since the last call; returns the render time if
    /// anything was drawn.
    pub fn draw(&self) -> Option<Duration> {
        draw(&self.window)
    }

    /// Called with the render time of every frame the event loop draws.
    pub fn on_frame(&self, f: impl FnMut(Duration) + 'static) {
        *self.on_frame.borrow_mut() = Some(Box::new(f));
    }

    /// The last drawn frame as an RGBA image (call [`draw`](Self::draw) first).
    pub fn snapshot(&self) -> image::RgbaImage {
        let size = self.window.size();
        BUFFER.with(|b| {
            let b = b.borrow();
            let mut img = image::RgbaImage::new(size.width, size.height);
            for (dst, src) in img.pixels_mut().zip(b.iter()) {
                // Opaque window background: premultiplied equals straight.
                *dst = image::Rgba([src.red, src.green, src.blue, 255]);
            }
            img
        })
    }
}

fn draw(window: &MinimalSoftwareWindow) -> Option<Duration> {
    let size = window.size();
    let started = Instant::now();
    let drawn = window.draw_if_needed(|renderer| {
        BUFFER.with(|b| {
            let mut b = b.borrow_mut();
            let n = (size.width * size.height) as usize;
            if b.len() != n {
                b.clear();
                b.resize(n, PremultipliedRgbaColor::default());
            }
            let mut screen = screen::Screen::new(&mut b, size.width as usize);
            renderer.render_into_buffer(&mut screen);
            screen.finish();
        });
    });
    drawn.then(|| started.elapsed())
}

impl Platform for HeadlessPlatform {
    fn create_window_adapter(&self) -> Result<Rc<dyn WindowAdapter>, PlatformError> {
        Ok(self.window.clone())
    }

    fn duration_since_start(&self) -> Duration {
        self.start.elapsed()
    }

    fn new_event_loop_proxy(&self) -> Option<Box<dyn EventLoopProxy>> {
        Some(Box::new(Proxy(Mutex::new(self.sender.clone()))))
    }

    fn run_event_loop(&self) -> Result<(), PlatformError> {
        loop {
            slint::platform::update_timers_and_animations();
            if let Some(took) = draw(&self.window)
                && let Some(f) = self.on_frame.borrow_mut().as_mut()
            {
                f(took);
            }
            let wait = if self.window.has_active_animations() {
                Duration::from_millis(16)
            } else {
                slint::platform::duration_until_next_timer_update()
                    .unwrap_or(Duration::from_millis(100))
                    .min(Duration::from_millis(100))
            };
            match self.receiver.recv_timeout(wait) {
                Ok(Message::Run(f)) => {
                    f();
                    // Run whatever else is queued before drawing again.
                    while let Ok(m) = self.receiver.try_recv() {
                        match m {
                            Message::Run(f) => f(),
                            Message::Quit => return Ok(()),
                        }
                    }
                }
                Ok(Message::Quit) => return Ok(()),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
    }
}
