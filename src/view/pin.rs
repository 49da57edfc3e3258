//! The parental PIN dialog into `PinEntry`: what it asks, the digits
//! typed (as dots), the digit Up/Down choose, and what went wrong.

use slint::ComponentHandle;

use crate::app::App;
use crate::app::overlays::Overlay;
use crate::i18n::tr;

use super::{PinEntry, View, set_if};

pub fn render(view: &mut View, app: &App) {
    let g = view.ui.global::<PinEntry>();
    let Some(Overlay::Pin(d)) = app.overlay() else {
        set_if(g.get_shown(), false, |v| g.set_shown(v));
        return;
    };
    let ctx = app.ctx();
    let (title, message) = d.texts(ctx);
    set_if(g.get_shown(), true, |v| g.set_shown(v));
    set_if(g.get_title(), title.into(), |v| g.set_title(v));
    set_if(g.get_hint(), tr(ctx.lang(), "pin-hint", &[]).into(), |v| {
        g.set_hint(v)
    });
    set_if(g.get_entered(), d.entered.len() as i32, |v| {
        g.set_entered(v)
    });
    set_if(g.get_pending(), d.pending as i32, |v| g.set_pending(v));
    set_if(g.get_message(), message.into(), |v| g.set_message(v));
}
