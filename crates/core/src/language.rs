//! The languages Portcullis speaks, and how a language tag names one.

/// A language every page, email and message exists in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    /// English.
    English,
    /// Dutch.
    Dutch,
}

impl Language {
    /// Every language, in the order a language switch lists them.
    pub const ALL: [Language; 2] = [Language::Dutch, Language::English];

    /// The BCP 47 primary tag: what `<html lang>` says and what is stored.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::Dutch => "nl",
        }
    }

    /// The language's name in itself, as a switch shows it.
    pub fn own_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::Dutch => "Nederlands",
        }
    }

    /// The language a tag names, by its primary subtag without regard to case (`nl`, `nl-BE`,
    /// `EN-gb`); `None` for a language Portcullis does not speak.
    pub fn parse(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") {
            Some(Language::English)
        } else if primary.eq_ignore_ascii_case("nl") {
            Some(Language::Dutch)
        } else {
            None
        }
    }

    /// The first language of an `Accept-Language` header that Portcullis speaks, by the
    /// header's weights (ties keep the header's order); `None` when it names none of them.
    /// Malformed entries are skipped, never an error: the header is only a preference.
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let mut best: Option<(u16, Language)> = None;
        for entry in header.split(',').take(32) {
            let mut parts = entry.split(';');
            let Some(language) = parts.next().and_then(Language::parse) else {
                continue;
            };
            let weight = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), quality);
            let Some(weight) = weight else { continue };
            if weight > 0 && best.is_none_or(|(w, _)| weight > w) {
                best = Some((weight, language));
            }
        }
        best.map(|(_, language)| language)
    }
}

/// A `q=` value in thousandths (`0.8` → 800); `None` when it is not a number from 0 to 1.
fn quality(q: &str) -> Option<u16> {
    let value: f32 = q.trim().parse().ok()?;
    (0.0..=1.0)
        .contains(&value)
        .then(|| (value * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tag_names_a_language_by_its_primary_subtag() {
        assert_eq!(Language::parse("nl"), Some(Language::Dutch));
        assert_eq!(Language::parse("nl-BE"), Some(Language::Dutch));
        assert_eq!(Language::parse("EN-gb"), Some(Language::English));
        assert_eq!(Language::parse("de"), None);
        assert_eq!(Language::parse(""), None);
        assert_eq!(Language::parse("english"), None);
    }

    #[test]
    fn accept_language_picks_the_heaviest_spoken_language() {
        let pick = Language::from_accept_language;
        assert_eq!(pick("nl-NL,nl;q=0.9,en-US;q=0.8"), Some(Language::Dutch));
        assert_eq!(
            pick("de-DE,de;q=0.9,en;q=0.5,nl;q=0.7"),
            Some(Language::Dutch)
        );
        assert_eq!(pick("en-US,en;q=0.9"), Some(Language::English));
        assert_eq!(pick("fr, de;q=0.5"), None);
        assert_eq!(pick("nl;q=0, en;q=0.1"), Some(Language::English));
        assert_eq!(pick("en;q=0.5, nl;q=0.5"), Some(Language::English));
        assert_eq!(
            pick("nl;q=banana, en;q=2, en;q=0.3"),
            Some(Language::English)
        );
        assert_eq!(pick(""), None);
    }
}
