//! The home screen's rows (shelves), built from the catalog's rails and
//! the history.

use std::collections::HashMap;

use crate::catalog::limits;
use crate::catalog::model::{Catalog, RailRule};

use super::history::History;

/// The id of the row the app adds in front when there is history.
pub const CONTINUE_ROW: &str = "continue-watching";
/// The id of the row of drama channels, second on Home.
pub const CHANNELS_ROW: &str = "channels";

#[derive(Debug, Clone, PartialEq)]
pub struct Shelf {
    pub id: String,
    pub title: String,
    /// Indices into `Catalog::series`.
    pub series: Vec<usize>,
    /// The channels row's: indices into `Catalog::channels`.
    pub channels: Vec<usize>,
}

impl Shelf {
    /// Items in the row.
    pub fn len(&self) -> usize {
        self.series.len().max(self.channels.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_channels(&self) -> bool {
        self.id == CHANNELS_ROW
    }
}

/// The text of `map` in `lang` (an exact tag first, then one of the same
/// language: `zh-CN` reads `zh`), else the catalog's default language,
/// else any.
pub fn localized(
    map: &std::collections::BTreeMap<String, String>,
    lang: &str,
    default: &str,
) -> String {
    map.get(lang)
        .or_else(|| {
            map.iter()
                .find(|(tag, _)| crate::language::same_language(tag, lang))
                .map(|(_, text)| text)
        })
        .or_else(|| map.get(default))
        .or_else(|| map.values().next())
        .cloned()
        .unwrap_or_default()
}

/// The channels (when the catalog has some), Continue Watching (when
/// there is history), then every rail that has series (a catalog without
/// rails gets one row of all its series). `titles`: the channels
/// row's and Continue Watching's.
/// `index` maps series ids to their place in `catalog.series`. A rule
/// fills at most its `limit`, else [`limits::DEFAULT_RULE_LIMIT`], series.
pub fn build(
    catalog: &Catalog,
    index: &HashMap<String, usize>,
    history: &History,
    lang: &str,
    [channels_title, continue_title]: [&str; 2],
) -> Vec<Shelf> {
    let index = |id: &str| index.get(id).copied();
    let cap = |limit: &Option<usize>| {
        limit
            .unwrap_or(limits::DEFAULT_RULE_LIMIT)
            .min(limits::RAIL_ITEMS)
    };
    let mut rows = Vec::new();
    let cont: Vec<usize> = history
        .continue_watching(|id| index(id).map(|i| catalog.series[i].episodes.len() as u32))
        .iter()
        .filter_map(|id| index(id))
        .collect();
    if !cont.is_empty() {
        rows.push(Shelf {
            id: CONTINUE_ROW.into(),
            title: continue_title.into(),
            series: cont,
            channels: Vec::new(),
        });
    }
    for rail in &catalog.rails {
        let series: Vec<usize> = match (&rail.series, &rail.rule) {
            (Some(ids), _) => ids
                .iter()
                .take(limits::RAIL_ITEMS)
                .filter_map(|id| index(id))
                .collect(),
            (None, Some(RailRule::Genre { genre, limit })) => catalog
                .series
                .iter()
                .enumerate()
                .filter(|(_, s)| s.genres.iter().any(|g| g == genre))
                .map(|(i, _)| i)
                .take(cap(limit))
                .collect(),
            (None, Some(RailRule::New { limit })) => {
                let mut dated: Vec<(usize, &str)> = catalog
                    .series
                    .iter()
                    .enumerate()
                    .filter_map(|(i, s)| s.published.as_deref().map(|d| (i, d)))
                    .collect();
                // ISO dates sort as text; newest first, catalog order on ties.
                dated.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(&b.0)));
                dated.into_iter().map(|(i, _)| i).take(cap(limit)).collect()
            }
            (None, None) => Vec::new(),
        };
        if !series.is_empty() {
            rows.push(Shelf {
                id: rail.id.clone(),
                title: localized(&rail.title, lang, &catalog.default_language),
                series,
                channels: Vec::new(),
            });
        }
    }
    if rows.iter().all(|r| r.id == CONTINUE_ROW) && !catalog.series.is_empty() {
        rows.push(Shelf {
            id: "all".into(),
            title: localized(&catalog.channel.name, lang, &catalog.default_language),
            series: (0..catalog.series.len()).collect(),
            channels: Vec::new(),
        });
    }
    // The channels head Home, as on a TV: OK on arrival tunes in;
    // Continue Watching is in sight right under them.
    if !catalog.channels.is_empty() {
        rows.insert(
            0,
            Shelf {
                id: CHANNELS_ROW.into(),
                title: channels_title.into(),
                series: Vec::new(),
                channels: (0..catalog.channels.len()).collect(),
            },
        );
    }
    rows
}
