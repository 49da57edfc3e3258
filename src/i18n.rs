//! The UI's languages: every string the viewer reads, in Fluent files under
//! `i18n/` (one per language, compiled in), looked up by id.
//!
//! English is the reference: a message missing from another language falls
//! back to it, and a test checks that none is missing.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The UI languages: BCP 47 tag, the language's own name, its Fluent file.
pub const UI_LANGUAGES: &[(&str, &str, &str)] = &[
    ("en", "English", include_str!("../i18n/en.ftl")),
    ("zh", "中文", include_str!("../i18n/zh.ftl")),
    ("es", "Español", include_str!("../i18n/es.ftl")),
    ("sw", "Kiswahili", include_str!("../i18n/sw.ftl")),
    ("ar", "العربية", include_str!("../i18n/ar.ftl")),
];

/// The reference language and the fallback for everything.
pub const FALLBACK: &str = "en";

type Bundle = FluentBundle<FluentResource>;

fn bundles() -> &'static HashMap<&'static str, Bundle> {
    static BUNDLES: OnceLock<HashMap<&'static str, Bundle>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        UI_LANGUAGES
            .iter()
            .map(|(tag, _, source)| (*tag, bundle(tag, source)))
            .collect()
    })
}

fn bundle(tag: &str, source: &str) -> Bundle {
    let id = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // In a right-to-left language every argument (a catalog title, a
    // licence number, a count) is a Unicode isolate, so a Latin value keeps
    // its order inside an Arabic sentence; Slint's text engine (parley)
    // consumes the marks. Left-to-right text needs none.
    bundle.set_use_isolating(is_rtl(tag));
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(r) => r,
        Err((r, errors)) => {
            tracing::error!(
                tag,
                ?errors,
                "translation file has errors; the rest is used"
            );
            r
        }
    };
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(tag, ?errors, "translation file has duplicate ids");
    }
    bundle
}

/// The UI language for a viewer who asks for `tag` (`es-MX` gets `es`,
/// `zh-Hans-CN` gets `zh`); English when none fits.
pub fn ui_language(tag: &str) -> &'static str {
    crate::language::best_match(UI_LANGUAGES.iter(), |(t, _, _)| Some(*t), tag)
        .map_or(FALLBACK, |(t, _, _)| t)
}

/// Whether `lang` is written right to left.
pub fn is_rtl(lang: &str) -> bool {
    let primary = lang.split(['-', '_']).next().unwrap_or("");
    ["ar", "he", "fa", "ur", "ps", "yi", "dv", "ug", "ckb"]
        .iter()
        .any(|l| l.eq_ignore_ascii_case(primary))
}

/// The message `id` in `lang` (a UI language or any tag that maps to one)
/// with `args`; English when `lang` lacks it; the id itself when no
/// language has it (a bug a test catches).
pub fn tr(lang: &str, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let all = bundles();
    let args = (!args.is_empty()).then(|| {
        let mut a = FluentArgs::with_capacity(args.len());
        for (k, v) in args {
            a.set(*k, v.clone());
        }
        a
    });
    for tag in [ui_language(lang), FALLBACK] {
        let Some(bundle) = all.get(tag) else { continue };
        if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, args.as_ref(), &mut errors);
            if !errors.is_empty() {
                tracing::warn!(tag, id, ?errors, "translation formatted with errors");
            }
            return text.into_owned();
        }
    }
    tracing::warn!(id, "no translation");
    id.to_owned()
}

/// `value` (a catalog text placed in a line the code builds) as a Unicode
/// isolate in a right-to-left UI, so its own direction does not reorder the
/// line around it; as it is otherwise.
pub fn isolate(lang: &str, value: &str) -> String {
    if is_rtl(lang) {
        format!("\u{2068}{value}\u{2069}")
    } else {
        value.to_owned()
    }
}

/// A catalog's price as a viewer reads it in `lang`: coins in the
/// language's own word, an ISO 4217 amount (the catalog gives the smallest
/// unit) in its major unit after its code ("KES 49.00"), any other unit
/// as the catalog names it.
pub fn price(lang: &str, amount: u64, currency: &str) -> String {
    if currency.eq_ignore_ascii_case("coins") {
        return tr(lang, "price-coins", &[("price", amount.into())]);
    }
    let iso = currency.len() == 3 && currency.bytes().all(|b| b.is_ascii_uppercase());
    if !iso {
        return format!("{amount} {currency}");
    }
    // ISO 4217 minor units: most currencies have two decimals.
    let decimals = match currency {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    };
    let text = if decimals == 0 {
        format!("{currency} {amount}")
    } else {
        let unit = 10u64.pow(decimals);
        let separator = if ui_language(lang) == "es" { ',' } else { '.' };
        format!(
            "{currency} {}{separator}{:0width$}",
            amount / unit,
            amount % unit,
            width = decimals as usize
        )
    };
    isolate(lang, &text)
}

/// Whether `lang`'s file has message `id` (catalog genres are translated
/// only when it does).
pub fn has(lang: &str, id: &str) -> bool {
    bundles()
        .get(ui_language(lang))
        .is_some_and(|b| b.has_message(id))
}

/// A language's own name ("Español" for `es`, "العربية" for `ar`): the UI
/// languages' and a few more that catalogs carry; else the tag as given.
pub fn language_name(tag: &str) -> String {
    const MORE: &[(&str, &str)] = &[
        ("fr", "Français"),
        ("pt", "Português"),
        ("id", "Bahasa Indonesia"),
        ("ms", "Bahasa Melayu"),
        ("hi", "हिन्दी"),
        ("th", "ไทย"),
        ("vi", "Tiếng Việt"),
        ("ja", "日本語"),
        ("ko", "한국어"),
        ("de", "Deutsch"),
        ("tr", "Türkçe"),
        ("ru", "Русский"),
        ("tl", "Tagalog"),
        ("yo", "Yorùbá"),
        ("ha", "Hausa"),
        ("am", "አማርኛ"),
    ];
    let names: Vec<(&str, &str)> = UI_LANGUAGES
        .iter()
        .map(|(t, n, _)| (*t, *n))
        .chain(MORE.iter().copied())
        .collect();
    let exact = names.iter().find(|(t, _)| t.eq_ignore_ascii_case(tag));
    match exact.or_else(|| crate::language::best_match(names.iter(), |(t, _)| Some(*t), tag)) {
        // A regional tag keeps its region: "Español (MX)".
        Some((t, n)) if !t.eq_ignore_ascii_case(tag) => match tag.rsplit(['-', '_']).next() {
            Some(region) if region.len() == 2 => format!("{n} ({})", region.to_uppercase()),
            _ => n.to_string(),
        },
        Some((_, n)) => n.to_string(),
        None => tag.to_owned(),
    }
}

/// The box's language from the POSIX locale (`LC_ALL`, `LC_MESSAGES`,
/// `LANG`; `sw_KE.UTF-8` is `sw-KE`), `en` for C/POSIX or none.
pub fn box_language() -> String {
    let var = |name| std::env::var(name).ok().filter(|v| !v.is_empty());
    let locale = var("LC_ALL")
        .or_else(|| var("LC_MESSAGES"))
        .or_else(|| var("LANG"))
        .unwrap_or_default();
    language_from_locale(&locale)
}

fn language_from_locale(locale: &str) -> String {
    // language[_territory][.codeset][@modifier]
    let base = locale.split(['.', '@']).next().unwrap_or("");
    let tag = base.replace('_', "-");
    let valid = !tag.is_empty()
        && tag.len() <= 35
        && tag.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !matches!(tag.as_str(), "C" | "POSIX");
    if valid { tag } else { FALLBACK.into() }
}

/// The UI font for `lang`: one whose glyphs cover it, and its package.
pub fn ui_font(lang: &str) -> (&'static str, &'static str) {
    match ui_language(lang) {
        "zh" => ("Noto Sans CJK SC", "fonts-noto-cjk"),
        "ar" => ("Noto Sans Arabic UI", "fonts-noto-ui-core"),
        _ => ("DejaVu Sans", "fonts-dejavu-core"),
    }
}

/// Checks every UI language's texts against the fonts Slint will find (the
/// same font library, fontconfig's fonts): which fonts are missing and
/// which characters no font has.
/// How well the installed fonts cover a UI language.
#[derive(Debug, Clone, Serialize)]
pub struct FontCoverage {
    pub language: &'static str,
    /// The font the UI asks for in this language.
    pub font: &'static str,
    /// Whether that font is installed.
    pub installed: bool,
    /// Characters of the language's UI texts no installed font has: they
    /// would show as empty boxes.
    pub missing: String,
    /// The Debian package that brings the font.
    pub package: &'static str,
}

pub fn font_coverage() -> Vec<FontCoverage> {
    let mut collection = fontique::Collection::new(fontique::CollectionOptions {
        shared: false,
        system_fonts: true,
    });
    let names: Vec<String> = collection.family_names().map(str::to_owned).collect();
    let mut blobs = Vec::new();
    for name in &names {
        if let Some(family) = collection.family_by_name(name) {
            for font in family.fonts() {
                if let Some(blob) = font.load(None) {
                    blobs.push((blob, font.charmap_index()));
                }
            }
        }
    }
    let covered = |c: char| {
        blobs.iter().any(|(blob, index)| {
            index
                .charmap(blob.data())
                .is_some_and(|m| m.map(c).is_some_and(|g| g != 0))
        })
    };
    UI_LANGUAGES
        .iter()
        .map(|(tag, _, source)| {
            let (font, package) = ui_font(tag);
            let mut missing: Vec<char> = text_chars(source)
                .into_iter()
                .filter(|c| !covered(*c))
                .collect();
            missing.dedup();
            FontCoverage {
                language: tag,
                font,
                installed: names.iter().any(|n| n.eq_ignore_ascii_case(font)),
                missing: missing.into_iter().take(40).collect(),
                package,
            }
        })
        .collect()
}

/// The characters a Fluent file shows: message texts, without comments,
/// ids, placeables or selector syntax.
fn text_chars(source: &str) -> std::collections::BTreeSet<char> {
    let mut chars = std::collections::BTreeSet::new();
    for line in source.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        // `id = text`, or a variant `[one] text`, or a continuation line.
        let text = match line.split_once(" = ") {
            Some((_, t)) => t,
            None => line.rsplit_once(']').map_or(line, |(_, t)| t),
        };
        let mut depth = 0;
        for c in text.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ if depth == 0 && !c.is_whitespace() && c != '*' => {
                    chars.insert(c);
                }
                _ => {}
            }
        }
    }
    chars
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Coins in the viewer's words, money in its major unit after its
    /// code, anything else as the catalog names it.
    #[test]
    fn prices_read_in_the_viewers_language() {
        assert_eq!(price("en", 49, "coins"), "49 coins");
        assert_eq!(price("en", 1, "coins"), "1 coin");
        assert_eq!(price("es", 49, "coins"), "49 monedas");
        assert_eq!(price("sw", 49, "coins"), "sarafu 49");
        assert_eq!(price("zh", 49, "coins"), "49 金币");
        // Fluent isolates placeables in right-to-left text.
        assert_eq!(price("ar", 49, "coins"), "\u{2068}49\u{2069} عملة");
        assert_eq!(price("en", 4900, "KES"), "KES 49.00");
        assert_eq!(price("es", 199, "EUR"), "EUR 1,99");
        assert_eq!(price("en", 5, "USD"), "USD 0.05");
        assert_eq!(price("en", 2000, "UGX"), "UGX 2000");
        assert_eq!(price("en", 1500, "KWD"), "KWD 1.500");
        // Kept left to right inside Arabic text.
        assert_eq!(price("ar", 4900, "KES"), "\u{2068}KES 49.00\u{2069}");
        assert_eq!(price("en", 30, "points"), "30 points");
        assert_eq!(price("en", u64::MAX, "USD"), "USD 184467440737095516.15");
    }

    fn ids(source: &str) -> Vec<String> {
        let resource = FluentResource::try_new(source.to_owned()).expect("parses");
        resource
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_language_parses_and_has_every_english_message() {
        let english = ids(UI_LANGUAGES[0].2);
        assert!(english.len() > 60, "{}", english.len());
        for (tag, _, source) in UI_LANGUAGES {
            let theirs = ids(source);
            let missing: Vec<_> = english.iter().filter(|id| !theirs.contains(id)).collect();
            assert!(missing.is_empty(), "{tag} lacks {missing:?}");
            let extra: Vec<_> = theirs.iter().filter(|id| !english.contains(id)).collect();
            assert!(extra.is_empty(), "{tag} has ids English lacks: {extra:?}");
        }
    }

    #[test]
    fn messages_format_with_arguments_and_plurals() {
        assert_eq!(
            tr("en", "episode-count", &[("count", 1.into())]),
            "1 episode"
        );
        assert_eq!(
            tr("en", "episode-count", &[("count", 12.into())]),
            "12 episodes"
        );
        assert_eq!(
            tr("es-MX", "episode-count", &[("count", 12.into())]),
            "12 episodios"
        );
        assert_eq!(
            tr("zh-CN", "episode-count", &[("count", 12.into())]),
            "共 12 集"
        );
        // Arabic's plural categories: two, few (3-10), other (11+).
        assert_eq!(tr("ar", "episode-count", &[("count", 2.into())]), "حلقتان");
        assert_eq!(
            tr("ar", "episode-count", &[("count", 5.into())]),
            "\u{2068}5\u{2069} حلقات"
        );
        assert_eq!(
            tr("ar", "episode-count", &[("count", 12.into())]),
            "\u{2068}12\u{2069} حلقة"
        );
        assert_eq!(
            tr("sw", "next-in", &[("seconds", 3.into())]),
            // A no-break space keeps the number with its unit.
            "Inayofuata baada ya sekunde\u{a0}3"
        );
        // A Latin catalog value keeps its order inside an Arabic sentence:
        // arguments are isolates there, and only there.
        let licence = "(2026) Demo Filing No. 0101";
        assert_eq!(
            tr("ar", "licence", &[("licence", licence.into())]),
            format!("الترخيص: \u{2068}{licence}\u{2069}")
        );
        assert_eq!(
            tr("en", "licence", &[("licence", licence.into())]),
            format!("Licence: {licence}")
        );
        // A language without a UI translation gets English.
        assert_eq!(tr("fr", "settings", &[]), "Settings");
        assert_eq!(tr("en", "no-such-message", &[]), "no-such-message");
    }

    #[test]
    fn languages_names_direction_and_the_box_locale() {
        assert_eq!(ui_language("es-MX"), "es");
        assert_eq!(ui_language("zh-Hans-CN"), "zh");
        assert_eq!(ui_language("sw_KE"), "sw");
        assert_eq!(ui_language("fr"), "en");
        assert!(is_rtl("ar-EG") && !is_rtl("en") && !is_rtl("sw"));
        assert_eq!(language_name("es"), "Español");
        assert_eq!(language_name("es-MX"), "Español (MX)");
        assert_eq!(language_name("zh"), "中文");
        assert_eq!(language_name("xx-unknown"), "xx-unknown");
        assert_eq!(language_from_locale("sw_KE.UTF-8"), "sw-KE");
        assert_eq!(language_from_locale("ar_EG.UTF-8@latin"), "ar-EG");
        assert_eq!(language_from_locale("C.UTF-8"), "en");
        assert_eq!(language_from_locale(""), "en");
        assert_eq!(language_from_locale("../../etc"), "en");
    }

    #[test]
    fn the_characters_of_a_translation_are_its_texts() {
        let chars = text_chars(
            "# comment\nid = Ab { $n } c\nother = { $count ->\n    [one] x\n   *[other] y\n}\n",
        );
        let text: String = chars.into_iter().collect();
        assert_eq!(text, "Abcxy");
        // Arabic's texts need Arabic letters.
        assert!(text_chars(UI_LANGUAGES[4].2).contains(&'ح'));
    }
}
