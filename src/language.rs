//! Language tags (BCP 47) as viewers mean them.

/// Whether `a` and `b` name the same language as a viewer means it: equal,
/// or the same primary language (`es` and `es-MX`).
pub fn same_language(a: &str, b: &str) -> bool {
    let primary = |t: &str| {
        t.split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    };
    a.eq_ignore_ascii_case(b) || (!a.is_empty() && primary(a) == primary(b))
}

/// The item of `items` in `lang`: an exact tag first, else the same
/// primary language.
pub fn best_match<'a, T>(
    items: impl Iterator<Item = &'a T> + Clone,
    tag: impl Fn(&T) -> Option<&str>,
    lang: &str,
) -> Option<&'a T> {
    let exact = items
        .clone()
        .find(|t| tag(t).is_some_and(|l| l.eq_ignore_ascii_case(lang)));
    exact.or_else(|| {
        items
            .clone()
            .find(|t| tag(t).is_some_and(|l| same_language(l, lang)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_match_as_viewers_expect() {
        assert!(same_language("es", "es-MX") && same_language("ZH-hans", "zh_CN"));
        assert!(!same_language("", "en") && !same_language("en", "es"));
        let tags = ["es-ES", "es-MX", "en"];
        let pick = |lang| best_match(tags.iter(), |t| Some(*t), lang).copied();
        assert_eq!(pick("es-MX"), Some("es-MX"));
        assert_eq!(pick("es"), Some("es-ES"));
        assert_eq!(pick("sw"), None);
    }
}
