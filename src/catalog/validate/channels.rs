//! The checks on a catalog's drama channels (`channels[]`).

use std::collections::HashSet;

use chrono::DateTime;

use super::Checker;
use crate::catalog::limits;
use crate::catalog::model::Catalog;
use crate::catalog::schedule::slot_episodes;

/// The checks on `channels[]`: ids, titles, logos, start times, and
/// schedules that name listed episodes of existing series, within caps.
pub(super) fn check(k: &mut Checker<'_>, c: &Catalog) {
    if !k.count(
        "$.channels".into(),
        c.channels.len(),
        limits::CHANNELS,
        "channels",
    ) {
        return;
    }
    let mut ids = HashSet::new();
    for (ci, ch) in c.channels.iter().enumerate() {
        let p = format!("$.channels[{ci}]");
        k.non_empty(format!("{p}.id"), &ch.id, "id");
        k.length(format!("{p}.id"), &ch.id, limits::SHORT_TEXT);
        if !ids.insert(ch.id.as_str()) {
            k.push(
                format!("{p}.id"),
                format!("duplicate channel id {:?}", ch.id),
            );
        }
        k.text(format!("{p}.title"), &ch.title);
        if let Some(logo) = &ch.logo {
            k.url(format!("{p}.logo"), logo);
        }
        if let Some(live) = &ch.live {
            k.url(format!("{p}.live.url"), &live.url);
            if let Some(guide) = &live.guide {
                k.url(format!("{p}.live.guide"), guide);
            }
            if !ch.start.is_empty() || !ch.schedule.is_empty() {
                k.push(
                    format!("{p}.live"),
                    "a live channel has no start or schedule",
                );
            }
            continue;
        }
        if DateTime::parse_from_rfc3339(&ch.start).is_err() {
            k.push(
                format!("{p}.start"),
                format!("{:?} is not an RFC 3339 time", ch.start),
            );
        }
        if ch.schedule.is_empty() {
            k.push(format!("{p}.schedule"), "a channel needs a schedule");
        }
        if !k.count(
            format!("{p}.schedule"),
            ch.schedule.len(),
            limits::SCHEDULE_SLOTS,
            "slots",
        ) {
            continue;
        }
        let mut episodes = 0;
        for (si, slot) in ch.schedule.iter().enumerate() {
            let sp = format!("{p}.schedule[{si}]");
            let Some(series) = c.series.iter().find(|s| s.id == slot.series) else {
                k.push(
                    format!("{sp}.series"),
                    format!("no series has id {:?}", slot.series),
                );
                continue;
            };
            let last = series.episodes.iter().map(|e| e.number).max().unwrap_or(0);
            let (from, to) = (slot.from.unwrap_or(1), slot.to.unwrap_or(last));
            if from == 0 || from > last {
                k.push(
                    format!("{sp}.from"),
                    format!("episode {from} is not listed (1 to {last} are)"),
                );
            } else if to < from || to > last {
                k.push(
                    format!("{sp}.to"),
                    format!("{to}: from {from} to {last} are listed"),
                );
            }
            episodes += slot_episodes(slot, series).count();
        }
        if episodes > limits::CYCLE_EPISODES {
            k.push(
                format!("{p}.schedule"),
                format!(
                    "{episodes} episodes in one cycle, more than {}",
                    limits::CYCLE_EPISODES
                ),
            );
        }
    }
}
