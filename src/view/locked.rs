//! The Locked screen into `LockedPage`: what unlocks the episode, the
//! balance, the coins and phone choices, the pairing code, the
//! confirmation and what happened.

use slint::ComponentHandle;

use crate::app::context::Ctx;
use crate::app::screens::Locked;
use crate::app::screens::locked::{LockedChoice as Choice, ad_choice_text, spell_code};
use crate::i18n::tr;

use super::{LockedChoice, LockedPage, View};

pub fn render(view: &mut View, ctx: &Ctx, state: &Locked) {
    let Some(series) = ctx.series(&state.series) else {
        return;
    };
    let l = ctx.lang();
    let number = state.number;
    let ui = view.ui.clone_strong();
    let page = ui.global::<LockedPage>();
    let texts = state.texts(ctx);
    page.set_title(texts.title.into());
    page.set_text(texts.text.into());
    let choices = ctx.unlock_available();
    page.set_choices(choices);
    let price = ctx.coin_price(series);
    page.set_has_coins(price.is_some());
    let balance = ctx
        .coins()
        .map(|c| tr(l, "locked-balance", &[("coins", c.into())]))
        .unwrap_or_default();
    page.set_balance(balance.into());
    if let Some(price) = price {
        page.set_coins(
            tr(
                l,
                "locked-coins",
                &[("number", number.into()), ("price", price.into())],
            )
            .into(),
        );
        page.set_confirm_text(
            tr(
                l,
                "locked-confirm",
                &[
                    ("number", number.into()),
                    ("price", price.into()),
                    ("coins", ctx.coins().unwrap_or(0).into()),
                ],
            )
            .into(),
        );
    }
    let offered = crate::app::screens::locked::choices(ctx, &state.series);
    let has_ad = offered.contains(&Choice::Ad);
    page.set_has_ad(has_ad);
    if has_ad {
        page.set_ad(ad_choice_text(ctx).into());
    }
    page.set_phone(tr(l, "locked-phone", &[]).into());
    page.set_focus(match state.choice {
        Choice::Coins if price.is_some() => LockedChoice::Coins,
        Choice::Ad if has_ad => LockedChoice::Ad,
        _ => LockedChoice::Phone,
    });
    page.set_confirm(state.confirm.is_some());
    page.set_confirm_unlock(state.confirm == Some(true));
    page.set_unlock(tr(l, "locked-unlock", &[]).into());
    page.set_cancel(tr(l, "locked-cancel", &[]).into());
    page.set_waiting(state.waiting);
    page.set_pairing(state.pairing.is_some());
    if let Some(p) = &state.pairing {
        page.set_code(p.user_code.clone().into());
        page.set_code_spelled(spell_code(&p.user_code).into());
        page.set_code_hint(tr(l, "locked-code-hint", &[("uri", p.uri.clone().into())]).into());
        page.set_code_site(tr(l, "locked-site", &[("host", p.host.clone().into())]).into());
        let qr_text = p.uri_complete.as_deref().unwrap_or(&p.uri);
        let qr = view.qr(qr_text);
        page.set_qr(qr);
    }
    page.set_message(texts.message.into());
    page.set_detail(texts.detail.into());
}

/// A QR code as an image: black modules on white with the quiet zone,
/// each module a whole number of pixels (drawn `pixelated`, it stays sharp).
pub fn qr_image(text: &str) -> Option<slint::Image> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let quiet = 4;
    let side = width + 2 * quiet;
    let scale = (440 / side).max(1);
    let px = side * scale;
    let mut buf = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(px as u32, px as u32);
    let colors = code.to_colors();
    for (i, pixel) in buf.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i % px / scale, i / px / scale);
        let dark = x >= quiet
            && y >= quiet
            && x < quiet + width
            && y < quiet + width
            && colors[(y - quiet) * width + (x - quiet)] == qrcode::Color::Dark;
        let v = if dark { 0 } else { 255 };
        *pixel = slint::Rgb8Pixel { r: v, g: v, b: v };
    }
    Some(slint::Image::from_rgb8(buf))
}
