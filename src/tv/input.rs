//! Every key the TV app reads, mapped to remote actions in one place:
//! keyboard keys as Slint names them (winit on a desktop, a keyboard on a
//! box), and raw evdev codes from the linuxkms backend's libinput hook
//! (remotes send KEY_OK, KEY_BACK and colour keys, which XKB has no name
//! for), with key repeat for held arrows (libinput sends none).

use slint::ComponentHandle;

use crate::input::{Action, Keymap};
use crate::view::{AppState, AppWindow};

/// Keyboard keys, as Slint gives them to the UI, mapped by `keymap`; each
/// action goes to `act`. A key that maps to nothing goes on to Slint.
pub fn keyboard(ui: &AppWindow, keymap: Keymap, act: impl Fn(Action) + 'static) {
    ui.global::<AppState>()
        .on_key(move |text| match keymap.keyboard(&text) {
            Some(action) => {
                act(action);
                true
            }
            None => false,
        });
}

/// The hook the linuxkms backend calls with each libinput event, before
/// Slint's own key handling: remote keys become actions given to `act`
/// (which may run before the shell exists), repeated while held. True when
/// the event was a key of ours.
#[cfg(target_os = "linux")]
pub fn libinput_hook(
    keymap: Keymap,
    act: impl Fn(Action) + Clone + 'static,
) -> impl Fn(&input::Event) -> bool {
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
    move |event: &input::Event| -> bool {
        let input::Event::Keyboard(KeyboardEvent::Key(key)) = event else {
            return false;
        };
        let Some(action) = keymap.evdev(key.key()) else {
            return false;
        };
        if key.key_state() == KeyState::Pressed {
            act(action);
            if repeater
                .borrow_mut()
                .press(key.key(), action, Instant::now())
            {
                let (r, act) = (repeater.clone(), act.clone());
                timer.start(slint::TimerMode::Repeated, tick, move || {
                    let due = r.borrow_mut().due(Instant::now());
                    if let Some(action) = due {
                        act(action);
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
