//! Every key the TV app reads, mapped to remote actions in one place:
//! keyboard keys as Slint names them (winit on a desktop, a keyboard on a
//! box), and raw evdev codes from the linuxkms backend's libinput hook
//! (remotes send KEY_OK, KEY_BACK and colour keys, which XKB has no name
//! for), with key repeat for held arrows (libinput sends none).

use crate::app::Event;
use crate::input::{Action, Keymap};

use super::shell::{Input, ShellHandle};

/// A keyboard key's text, as Slint gives it, mapped by `keymap`.
pub fn keyboard(keymap: &Keymap, text: &str) -> Option<Action> {
    keymap.keyboard(text)
}

/// The hook the linuxkms backend calls with each libinput event, before
/// Slint's own key handling: remote keys become actions posted to the
/// shell, repeated while held. True when the event was a key of ours.
#[cfg(target_os = "linux")]
pub fn libinput_hook(keymap: Keymap, shell: ShellHandle) -> impl Fn(&input::Event) -> bool {
    use crate::input::repeat::Repeater;
    use input::event::KeyboardEvent;
    use input::event::keyboard::{KeyState, KeyboardEventTrait};
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::{Duration, Instant};
    // A held arrow repeats on a timer that runs only while it is held.
    let repeater = Rc::new(RefCell::new(Repeater::new(keymap.repeat())));
    let timer = Rc::new(slint::Timer::default());
    let tick = Duration::from_millis(keymap.repeat().interval_ms.min(50));
    let send = move |shell: &ShellHandle, action: Action| {
        shell.post(Input::App(Event::Action(action)));
    };
    move |event: &input::Event| -> bool {
        let input::Event::Keyboard(KeyboardEvent::Key(key)) = event else {
            return false;
        };
        let Some(action) = keymap.evdev(key.key()) else {
            return false;
        };
        if key.key_state() == KeyState::Pressed {
            send(&shell, action);
            if repeater
                .borrow_mut()
                .press(key.key(), action, Instant::now())
            {
                let (r, shell) = (repeater.clone(), shell.clone());
                timer.start(slint::TimerMode::Repeated, tick, move || {
                    let due = r.borrow_mut().due(Instant::now());
                    if let Some(action) = due {
                        send(&shell, action);
                    }
                });
            } else {
                timer.stop();
            }
        } else {
            repeater.borrow_mut().release(key.key());
            if !repeater.borrow().holding() {
                timer.stop();
            }
        }
        true
    }
}
