//! The player into `PlayerPage`: the series beside the picture, what plays
//! next, the countdown, the controls, the error panel, the still-watching
//! question and the sleep timer's fade. The picture and its cues are set
//! by the video sink, frame by frame; the cues it draws are the ones the
//! app chose, put in the subtitle slot here.

use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, VecModel};

use crate::app::App;
use crate::app::ad_break::AdBreak;
use crate::app::context::Ctx;
use crate::app::overlays::Overlay;
use crate::app::overlays::error::ErrorChoice as Choice;
use crate::app::screens::player::{Phase, Player, PlayerButton};
use crate::i18n::tr;

use super::{ErrorChoice, PlayerControl, PlayerPage, UpNextData, View, set_if, sync};

pub fn model(ui: &super::AppWindow) -> Rc<VecModel<UpNextData>> {
    let model = Rc::new(VecModel::default());
    ui.global::<PlayerPage>()
        .set_up_next(ModelRc::from(model.clone()));
    model
}

/// The subtitles the app shows go to the video sink's slot (or why they
/// cannot be shown to the side panel).
fn render_subtitles(view: &mut View, app: &App, p: &Player) {
    let note = match p.shown_subtitles(app.ctx()) {
        Some(loaded) => match &loaded.track {
            Ok(track) => {
                view.subtitle_slot.set(Some(track.clone()));
                String::new()
            }
            Err(why) => {
                view.subtitle_slot.set(None);
                let language = loaded.language.clone().unwrap_or_else(|| "?".into());
                let args = [
                    ("language", language.into()),
                    ("why", why.to_string().into()),
                ];
                tr(app.lang(), "subtitles-unavailable", &args)
            }
        },
        None => {
            view.subtitle_slot.set(None);
            String::new()
        }
    };
    let page = view.ui.global::<PlayerPage>();
    set_if(page.get_subtitle_note(), note.into(), |v| {
        page.set_subtitle_note(v)
    });
}

/// A rewarded ad's own words: "Unlocking…", "Leave without unlocking?".
fn render_reward(page: &PlayerPage, ctx: &Ctx, p: &Player) {
    use crate::app::screens::player::rewarded::RewardStage;
    let lang = ctx.lang();
    let (hint, status) = match p.reward_stage() {
        Some(RewardStage::Unlocking) => (String::new(), p.reward_text(ctx)),
        Some(_) => (p.reward_text(ctx), String::new()),
        None => (String::new(), String::new()),
    };
    set_if(page.get_reward_hint(), hint.into(), |v| {
        page.set_reward_hint(v)
    });
    set_if(page.get_reward_status(), status.into(), |v| {
        page.set_reward_status(v)
    });
    let leave = p.reward_leave();
    set_if(page.get_reward_leave(), leave.is_some(), |v| {
        page.set_reward_leave(v)
    });
    set_if(page.get_reward_leave_focused(), leave == Some(true), |v| {
        page.set_reward_leave_focused(v)
    });
    if leave.is_some() {
        page.set_reward_leave_text(tr(lang, "reward-leave", &[]).into());
        page.set_reward_keep(tr(lang, "reward-keep", &[]).into());
        page.set_reward_leave_now(tr(lang, "reward-leave-now", &[]).into());
    }
}

pub fn render(view: &mut View, app: &App, p: &Player) {
    let ctx = app.ctx();
    let lang = ctx.lang();
    let ui = view.ui.clone_strong();
    let page = ui.global::<PlayerPage>();
    // Said while the player keeps trying; gone once a request gets through.
    let connection = if p.connection_lost {
        tr(lang, "connection-lost", &[])
    } else if p.broadcast_stalled {
        tr(lang, "broadcast-stalled", &[])
    } else {
        String::new()
    };
    set_if(page.get_connection_note(), connection.into(), |v| {
        page.set_connection_note(v)
    });
    // On a drama channel: its banner, or the card for an episode the box
    // may not play.
    let banner = p.banner(ctx);
    set_if(page.get_banner_shown(), banner.is_some(), |v| {
        page.set_banner_shown(v)
    });
    if let Some(b) = banner {
        set_if(page.get_banner_channel(), b.channel.into(), |v| {
            page.set_banner_channel(v)
        });
        set_if(page.get_banner_now(), b.now.into(), |v| {
            page.set_banner_now(v)
        });
        set_if(page.get_banner_next(), b.next.into(), |v| {
            page.set_banner_next(v)
        });
    }
    let card = if p.carded() {
        tr(lang, "channel-card", &[])
    } else {
        String::new()
    };
    set_if(page.get_card(), card.into(), |v| page.set_card(v));
    set_if(
        page.get_clock(),
        ctx.clock.clone().unwrap_or_default().into(),
        |v| page.set_clock(v),
    );
    if let Some(t) = p.channel.as_ref().filter(|t| t.live) {
        render_live(view, app, p, t.channel);
        return;
    }
    let Some(series) = ctx.series(&p.series) else {
        return;
    };
    let ad = p.ad().map(|a| a.label(ctx)).unwrap_or_default();
    // During a break the side names the episode after it, as next (a
    // rewarded ad: the episode it unlocks, as the Locked screen did).
    let (number, lead) = match p.ad() {
        Some(_) if p.reward.is_none() => (
            crate::app::next_episode(series, p.episode).map_or(p.episode, |e| e.number),
            tr(lang, "episode-next", &[]),
        ),
        _ => (p.episode, String::new()),
    };
    set_if(page.get_episode_lead(), lead.into(), |v| {
        page.set_episode_lead(v)
    });
    let episode = series.episodes.iter().find(|e| e.number == number);
    set_if(page.get_title(), ctx.text(&series.title).into(), |v| {
        page.set_title(v)
    });
    let of = [
        ("number", number.into()),
        ("total", series.episode_count.into()),
    ];
    set_if(
        page.get_episode(),
        tr(lang, "episode-of", &of).into(),
        |v| page.set_episode(v),
    );
    let title = episode.map(|e| ctx.text(&e.title)).unwrap_or_default();
    set_if(page.get_episode_title(), title.into(), |v| {
        page.set_episode_title(v)
    });
    let licence = tr(
        lang,
        "licence",
        &[("licence", series.licence.as_str().into())],
    );
    // The rating isolated too: a line opening with "TV-PG" would otherwise
    // be laid out left to right in Arabic.
    let licence = format!(
        "{} · {licence}",
        crate::i18n::isolate(lang, &series.rating.value)
    );
    set_if(page.get_licence(), licence.into(), |v| page.set_licence(v));
    let up_next = if p.ad().is_some() || p.reward.is_some() {
        Vec::new()
    } else {
        p.up_next(ctx)
    };
    let up_next = up_next
        .into_iter()
        .map(|n| UpNextData {
            label: tr(lang, "episode-short", &[("number", n.number.into())]).into(),
            title: n.title.into(),
            locked: n.locked,
        })
        .collect();
    sync(&view.models.up_next, up_next);
    set_if(page.get_ad_label(), ad.label.into(), |v| {
        page.set_ad_label(v)
    });
    set_if(page.get_ad_position(), ad.position.into(), |v| {
        page.set_ad_position(v)
    });
    set_if(page.get_ad_skip(), ad.skip.into(), |v| page.set_ad_skip(v));
    set_if(page.get_ad_can_skip(), ad.can_skip, |v| {
        page.set_ad_can_skip(v)
    });
    render_reward(&page, ctx, p);
    render_subtitles(view, app, p);
    let countdown = p.countdown(ctx).unwrap_or(0);
    set_if(page.get_countdown(), countdown as i32, |v| {
        page.set_countdown(v)
    });
    // Worded only while it counts.
    if countdown > 0 {
        let before_ad = matches!(p.ad_break, Some(AdBreak::Ready { .. }));
        let id = if before_ad { "ad-in" } else { "next-in" };
        let next_in = tr(lang, id, &[("seconds", countdown.into())]);
        let api = ui.global::<super::AppState>();
        let mut labels = api.get_labels();
        if labels.next_in != next_in {
            labels.next_in = next_in.into();
            api.set_labels(labels);
        }
    }
    set_if(page.get_controls(), p.controls_visible(ctx), |v| {
        page.set_controls(v)
    });
    let control = match p.button {
        PlayerButton::Previous => PlayerControl::Previous,
        PlayerButton::PlayPause => PlayerControl::PlayPause,
        PlayerButton::Next => PlayerControl::Next,
        PlayerButton::Sleep => PlayerControl::Sleep,
    };
    set_if(page.get_control_focus(), control, |v| {
        page.set_control_focus(v)
    });
    set_if(page.get_sleep_label(), app.sleep().label(ctx).into(), |v| {
        page.set_sleep_label(v)
    });
    set_if(page.get_fade(), app.sleep().fade(ctx.now_ms) as f32, |v| {
        page.set_fade(v)
    });
    let still = match app.overlay() {
        Some(Overlay::StillWatching(q)) => Some(q.continue_focused),
        _ => None,
    };
    set_if(page.get_still_watching(), still.is_some(), |v| {
        page.set_still_watching(v)
    });
    set_if(
        page.get_still_watching_continue(),
        still == Some(true),
        |v| page.set_still_watching_continue(v),
    );
    let progress = p
        .duration_ms
        .filter(|d| *d > 0)
        .map_or(0.0, |d| p.position_ms as f32 / d as f32);
    set_if(page.get_progress(), progress, |v| page.set_progress(v));
    let time = format!(
        "{} / {}",
        clock(p.position_ms),
        p.duration_ms.map(clock).unwrap_or_else(|| "–:––".into())
    );
    set_if(page.get_time_text(), time.into(), |v| page.set_time_text(v));
    set_if(page.get_paused(), p.paused, |v| page.set_paused(v));
    set_if(
        page.get_loading(),
        (p.phase == Phase::Loading && !p.carded()) || p.buffering,
        |v| page.set_loading(v),
    );
    let (error, detail, choice, next, has_detail) = match &p.phase {
        Phase::Failed(panel) => (
            panel.message.clone(),
            // The technical line only once Details is chosen.
            if panel.details_shown {
                panel.detail.clone()
            } else {
                String::new()
            },
            panel.choice,
            panel.next,
            !panel.detail.is_empty(),
        ),
        _ => (String::new(), String::new(), Choice::Retry, false, false),
    };
    let title = p.failure_title(app.ctx().lang());
    set_if(page.get_error_title(), title.into(), |v| {
        page.set_error_title(v)
    });
    set_if(page.get_error(), error.into(), |v| page.set_error(v));
    set_if(page.get_error_detail(), detail.into(), |v| {
        page.set_error_detail(v)
    });
    set_if(page.get_error_next(), next, |v| page.set_error_next(v));
    set_if(page.get_error_has_detail(), has_detail, |v| {
        page.set_error_has_detail(v)
    });
    let choice = match choice {
        Choice::Retry => ErrorChoice::Retry,
        Choice::Next => ErrorChoice::Next,
        Choice::Details => ErrorChoice::Details,
    };
    set_if(page.get_error_choice(), choice, |v| {
        page.set_error_choice(v)
    });
}

fn clock(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}", s / 60, s % 60)
}

/// A live channel's side: its name, "Live", what its guide says is on;
/// no episode, licence, Up Next, ad or countdown.
fn render_live(view: &mut View, app: &App, p: &Player, channel: usize) {
    let ctx = app.ctx();
    let lang = ctx.lang();
    let page = view.ui.global::<PlayerPage>();
    let on_air = p.channel.as_ref().and_then(|t| t.on_air);
    let (now, _) = ctx.guide_now_next(channel, on_air);
    set_if(page.get_title(), ctx.channel_title(channel).into(), |v| {
        page.set_title(v)
    });
    set_if(page.get_episode(), tr(lang, "live", &[]).into(), |v| {
        page.set_episode(v)
    });
    set_if(page.get_episode_lead(), "".into(), |v| {
        page.set_episode_lead(v)
    });
    set_if(
        page.get_episode_title(),
        now.unwrap_or_default().into(),
        |v| page.set_episode_title(v),
    );
    set_if(page.get_licence(), "".into(), |v| page.set_licence(v));
    sync(&view.models.up_next, Vec::new());
    set_if(page.get_ad_label(), "".into(), |v| page.set_ad_label(v));
    set_if(page.get_countdown(), 0, |v| page.set_countdown(v));
    render_subtitles(view, app, p);
}
