//! Words and times for people: every page, email and message in Dutch and English, from one
//! Fluent catalog per language (`locales/<language>/*.ftl`), and every time in the account's
//! time zone with the zone named.
//!
//! A [`Tr`] is a language and a time zone. Pages carry one as their field `t` and write
//! `{{ t.t("login-title") }}`; emails are translated for their recipient, not for whoever caused them
//! (see `flows::notices`). A request's own `Tr` is decided in two steps: the middleware knows
//! the browser's wishes (the login page's language switch, else `Accept-Language`), and the
//! session check adds the user's own choice and the account's default language and time zone
//! ([`Tr::for_person`]). Messages made while handling the request ([`t`], [`ta`]) use it.
//!
//! A key missing from a catalog is a defect the test `every_key_is_in_every_catalog` catches;
//! at run time it shows as the key itself and is logged, never a panic.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};
use portcullis_core::Timestamp;
use portcullis_core::clock::DateProblem;
use portcullis_core::language::Language;

pub mod words;
pub use words::Words;

fluent_templates::static_loader! {
    static CATALOGS = {
        locales: "./locales",
        fallback_language: "en",
        // No Unicode isolation marks around values: the pages and emails are left-to-right
        // only, and the marks would show in plain-text mail.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

const ENGLISH: LanguageIdentifier = langid!("en");
const DUTCH: LanguageIdentifier = langid!("nl");

/// The time zone of accounts that chose none, and of pages seen before login.
pub const DEFAULT_TIME_ZONE: &str = "UTC";

/// The time zone a new account of this language starts with.
pub fn default_time_zone(language: Language) -> &'static str {
    match language {
        Language::Dutch => "Europe/Amsterdam",
        Language::English => DEFAULT_TIME_ZONE,
    }
}

/// The time zone named `name` in the bundled time zone database (`Europe/Amsterdam`, `UTC`);
/// `None` for a name it does not know.
pub fn time_zone(name: &str) -> Option<jiff::tz::TimeZone> {
    if name.is_empty() || name.len() > 64 {
        return None;
    }
    jiff::tz::db().get(name).ok()
}

/// Every time zone name an account may choose, sorted.
pub fn time_zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_string())
        .filter(|name| !name.starts_with("Etc/") && name.contains('/') || name == "UTC")
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Marks a catalog key that is looked up later (a `match` that picks a key, then one call to
/// [`t`]). It does nothing at run time; the test `every_key_is_in_every_catalog` finds keys by
/// it, as it finds them in `t("…")`, `ta("…")` and `Msg::new("…")`.
pub const fn key(id: &'static str) -> &'static str {
    id
}

/// A value for a message's placeholder.
#[derive(Debug, Clone)]
pub enum Arg {
    /// Words, shown as they are.
    Text(String),
    /// A count (Fluent chooses the plural form by it).
    Number(i64),
    /// A moment, shown in the reader's time zone.
    Time(Timestamp),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Text(s.clone())
    }
}
impl From<Timestamp> for Arg {
    fn from(t: Timestamp) -> Arg {
        Arg::Time(t)
    }
}
impl From<&Timestamp> for Arg {
    fn from(t: &Timestamp) -> Arg {
        Arg::Time(*t)
    }
}
macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
        impl From<&$t> for Arg {
            fn from(n: &$t) -> Arg {
                Arg::Number(i64::try_from(*n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_args!(i64, u64, usize, u32, i32);

/// A message not yet put into words: a catalog key and its values. Made where the reader is
/// not known yet (an email's sentences), turned into words by [`Tr::msg`].
#[derive(Debug, Clone)]
pub struct Msg {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

impl Msg {
    /// The message `key` of the catalogs.
    pub fn new(key: &'static str) -> Msg {
        Msg {
            key,
            args: Vec::new(),
        }
    }

    /// The same message with the placeholder `name` set to `value`.
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Msg {
        self.args.push((name, value.into()));
        self
    }
}

/// A reader's language and time zone: what turns keys into words and times into local times.
#[derive(Debug, Clone)]
pub struct Tr {
    language: Language,
    zone: jiff::tz::TimeZone,
}

impl Default for Tr {
    fn default() -> Tr {
        Tr::new(Language::English, jiff::tz::TimeZone::UTC)
    }
}

impl Tr {
    /// A reader of `language` in `zone`.
    pub fn new(language: Language, zone: jiff::tz::TimeZone) -> Tr {
        Tr { language, zone }
    }

    /// A person's: their own `chosen` language, else what their browser asks for, else the
    /// account's default; times in the account's zone (UTC when the name is unknown).
    pub fn for_person(
        chosen: Option<Language>,
        browser: Option<Language>,
        account_language: Language,
        time_zone: &str,
    ) -> Tr {
        let language = chosen.or(browser).unwrap_or(account_language);
        Tr::new(
            language,
            self::time_zone(time_zone).unwrap_or(jiff::tz::TimeZone::UTC),
        )
    }

    /// The language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The language's tag, for `<html lang>`.
    pub fn lang(&self) -> &'static str {
        self.language.code()
    }

    /// The time zone's name (`Europe/Amsterdam`).
    pub fn zone_name(&self) -> &str {
        self.zone.iana_name().unwrap_or("UTC")
    }

    /// The message `key`.
    pub fn t(&self, key: &str) -> String {
        self.lookup(key, None)
    }

    /// The message `key` with one placeholder set.
    pub fn a(&self, key: &str, name: &str, value: impl Into<Arg>) -> String {
        self.with_args(key, &[(name, value.into())])
    }

    /// The message `key` with two placeholders set.
    pub fn a2(
        &self,
        key: &str,
        name: &str,
        value: impl Into<Arg>,
        name2: &str,
        value2: impl Into<Arg>,
    ) -> String {
        self.with_args(key, &[(name, value.into()), (name2, value2.into())])
    }

    /// A message made earlier, in words.
    pub fn msg(&self, msg: &Msg) -> String {
        let args: Vec<(&str, Arg)> = msg.args.iter().map(|(n, v)| (*n, v.clone())).collect();
        self.with_args(msg.key, &args)
    }

    /// The message `key` with its placeholders set.
    pub fn with_args(&self, key: &str, args: &[(&str, Arg)]) -> String {
        if args.is_empty() {
            return self.lookup(key, None);
        }
        let values: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Arg::Number(n) => FluentValue::from(*n),
                    other => FluentValue::from(self.value(other)),
                };
                (Cow::Owned((*name).to_string()), value)
            })
            .collect();
        self.lookup(key, Some(&values))
    }

    fn lookup(
        &self,
        key: &str,
        args: Option<&HashMap<Cow<'static, str>, FluentValue<'_>>>,
    ) -> String {
        let id = match self.language {
            Language::English => &ENGLISH,
            Language::Dutch => &DUTCH,
        };
        let found = match args {
            Some(args) => CATALOGS.try_lookup_with_args(id, key, args),
            None => CATALOGS.try_lookup(id, key),
        };
        found.unwrap_or_else(|| {
            tracing::error!(
                key,
                language = self.lang(),
                "message missing from the catalog"
            );
            key.to_string()
        })
    }

    /// A placeholder's value in words.
    pub fn value(&self, value: &Arg) -> String {
        match value {
            Arg::Text(s) => s.clone(),
            Arg::Number(n) => n.to_string(),
            Arg::Time(at) => self.time(*at),
        }
    }

    /// Every language with its own name, and whether it is this reader's (a language switch).
    pub fn languages(&self) -> Vec<(&'static str, &'static str, bool)> {
        Language::ALL
            .iter()
            .map(|l| (l.code(), l.own_name(), *l == self.language))
            .collect()
    }

    /// A moment as people read it, in the reader's zone with the zone named:
    /// "30 Nov 2026, 14:05 CET" / "30 nov 2026, 14:05 CET".
    pub fn time(&self, at: Timestamp) -> String {
        let Ok(instant) = jiff::Timestamp::from_millisecond(at.millis()) else {
            return String::new();
        };
        let local = instant.to_zoned(self.zone.clone());
        // The zone's abbreviation (CET, CEST, UTC); where it has none that people use, the
        // database gives an offset ("+04"), and the zone's name says more.
        let abbreviation = local.strftime("%Z").to_string();
        let zone = if abbreviation.starts_with(['+', '-']) {
            self.zone_name().to_string()
        } else {
            abbreviation
        };
        format!(
            "{} {} {}, {} {zone}",
            local.day(),
            self.month(local.month()),
            local.year(),
            local.strftime("%H:%M"),
        )
    }

    /// A moment, or the message `never` when there is none.
    pub fn time_or(&self, at: &Option<Timestamp>, never: &str) -> String {
        at.map_or_else(|| self.t(never), |at| self.time(at))
    }

    /// The calendar date of a moment in the reader's zone: "30 Nov 2026".
    pub fn date(&self, at: Timestamp) -> String {
        let Ok(instant) = jiff::Timestamp::from_millisecond(at.millis()) else {
            return String::new();
        };
        let local = instant.to_zoned(self.zone.clone());
        format!(
            "{} {} {}",
            local.day(),
            self.month(local.month()),
            local.year()
        )
    }

    /// The calendar date of a moment in the reader's zone as a date field holds it: YYYY-MM-DD.
    pub fn iso_date(&self, at: Timestamp) -> String {
        jiff::Timestamp::from_millisecond(at.millis())
            .map(|instant| instant.to_zoned(self.zone.clone()).date().to_string())
            .unwrap_or_default()
    }

    /// The first moment of a calendar date typed as YYYY-MM-DD, in the reader's zone (as a
    /// date field sends it).
    pub fn start_of_day(&self, typed: &str) -> Result<Timestamp, DateProblem> {
        let date: jiff::civil::Date = typed.trim().parse().map_err(|_| DateProblem::Invalid)?;
        let start = date
            .to_zoned(self.zone.clone())
            .and_then(|day| day.start_of_day())
            .map_err(|_| DateProblem::Invalid)?;
        Ok(Timestamp(start.timestamp().as_millisecond()))
    }

    fn month(&self, month: i8) -> &'static str {
        const ENGLISH_MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        const DUTCH_MONTHS: [&str; 12] = [
            "jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec",
        ];
        let names = match self.language {
            Language::English => &ENGLISH_MONTHS,
            Language::Dutch => &DUTCH_MONTHS,
        };
        usize::try_from(month - 1)
            .ok()
            .and_then(|i| names.get(i))
            .copied()
            .unwrap_or("")
    }
}

/// What the browser asks for, before anyone is known: the language chosen with the login
/// page's switch, else the first of `Accept-Language` that Portcullis speaks.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserLanguage(pub Option<Language>);

/// The request's reader, as far as it is known.
#[derive(Debug, Clone, Default)]
struct RequestLocale {
    browser: BrowserLanguage,
    tr: Tr,
}

tokio::task_local! {
    static REQUEST_LOCALE: RefCell<RequestLocale>;
}

/// Runs `handle` as a request whose browser asks for `browser`: until someone is known, the
/// request reads in that language (else English), with times in UTC.
pub async fn with_browser_language<F: Future>(browser: BrowserLanguage, handle: F) -> F::Output {
    let tr = Tr::new(
        browser.0.unwrap_or(Language::English),
        jiff::tz::TimeZone::UTC,
    );
    REQUEST_LOCALE
        .scope(RefCell::new(RequestLocale { browser, tr }), handle)
        .await
}

/// Runs `work` with `tr` as the reader: for words made outside the request's own task (a
/// download's rows, made while the response streams).
pub fn with_reader<R>(tr: Tr, work: impl FnOnce() -> R) -> R {
    let locale = RequestLocale {
        browser: BrowserLanguage::default(),
        tr,
    };
    REQUEST_LOCALE.sync_scope(RefCell::new(locale), work)
}

/// What the browser of the request being handled asks for (nothing outside a request).
pub fn browser_language() -> BrowserLanguage {
    REQUEST_LOCALE
        .try_with(|l| l.borrow().browser)
        .unwrap_or_default()
}

/// Makes `tr` the reader of the rest of the request (once the person is known, or when they
/// switch language). Outside a request it does nothing.
pub fn set_reader(tr: Tr) {
    let _outside_a_request = REQUEST_LOCALE.try_with(|l| l.borrow_mut().tr = tr);
}

/// The reader of the request being handled (English and UTC outside a request).
pub fn reader() -> Tr {
    REQUEST_LOCALE
        .try_with(|l| l.borrow().tr.clone())
        .unwrap_or_default()
}

/// The message `key`, for the reader of the request being handled.
pub fn t(key: &str) -> String {
    reader().t(key)
}

/// The message `key` with its placeholders set, for the reader of the request being handled.
pub fn ta(key: &str, args: &[(&str, Arg)]) -> String {
    reader().with_args(key, args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amsterdam(language: Language) -> Tr {
        Tr::for_person(Some(language), None, Language::English, "Europe/Amsterdam")
    }

    #[test]
    fn times_are_local_with_the_zone_named() {
        // 2026-11-30 13:05 UTC is 14:05 in Amsterdam (winter time), 2026-07-01 is summer.
        let winter = Timestamp(1_796_043_900_000);
        assert_eq!(
            amsterdam(Language::English).time(winter),
            "30 Nov 2026, 14:05 CET"
        );
        assert_eq!(
            amsterdam(Language::Dutch).time(winter),
            "30 nov 2026, 14:05 CET"
        );
        let summer = Timestamp(1_782_910_800_000);
        assert_eq!(
            amsterdam(Language::English).time(summer),
            "1 Jul 2026, 15:00 CEST"
        );
        assert_eq!(Tr::default().time(winter), "30 Nov 2026, 13:05 UTC");
        let dubai = Tr::for_person(None, None, Language::English, "Asia/Dubai");
        assert_eq!(dubai.time(winter), "30 Nov 2026, 17:05 Asia/Dubai");
        assert_eq!(amsterdam(Language::Dutch).date(winter), "30 nov 2026");
    }

    #[test]
    fn a_typed_date_starts_at_local_midnight() {
        let tr = amsterdam(Language::English);
        // 2027-03-31 00:00 in Amsterdam (summer time) is 2027-03-30 22:00 UTC.
        let start = tr.start_of_day("2027-03-31").unwrap();
        assert_eq!(start, Timestamp(1_806_444_000_000));
        assert_eq!(tr.iso_date(start), "2027-03-31");
        assert_eq!(Tr::default().iso_date(start), "2027-03-30");
        assert!(tr.start_of_day("31-03-2027").is_err());
        assert!(tr.start_of_day("2027-02-30").is_err());
    }

    #[test]
    fn the_person_s_choice_beats_the_browser_which_beats_the_account() {
        let pick =
            |chosen, browser| Tr::for_person(chosen, browser, Language::Dutch, "UTC").language();
        assert_eq!(
            pick(Some(Language::English), Some(Language::Dutch)),
            Language::English
        );
        assert_eq!(pick(None, Some(Language::English)), Language::English);
        assert_eq!(pick(None, None), Language::Dutch);
    }

    #[test]
    fn an_unknown_zone_name_is_refused_and_shown_as_utc() {
        assert!(time_zone("Europe/Amsterdam").is_some());
        assert!(time_zone("Mars/Olympus_Mons").is_none());
        assert!(time_zone("").is_none());
        assert!(time_zone("../../etc/passwd").is_none());
        let tr = Tr::for_person(None, None, Language::English, "Mars/Olympus_Mons");
        assert_eq!(tr.zone_name(), "UTC");
        assert!(time_zone_names().iter().any(|n| n == "Europe/Amsterdam"));
        assert!(time_zone_names().iter().any(|n| n == "UTC"));
    }

    #[test]
    fn placeholders_and_plurals_follow_the_language() {
        let en = amsterdam(Language::English);
        let nl = amsterdam(Language::Dutch);
        assert_eq!(
            en.a("recovery-codes-left", "count", 1usize),
            "You have 1 recovery code left."
        );
        assert_eq!(
            en.a("recovery-codes-left", "count", 3usize),
            "You have 3 recovery codes left."
        );
        assert_eq!(
            nl.a("recovery-codes-left", "count", 1usize),
            "Je hebt nog 1 herstelcode."
        );
        assert_eq!(
            nl.a("recovery-codes-left", "count", 3usize),
            "Je hebt nog 3 herstelcodes."
        );
    }

    /// The message ids of one language's catalog, each with its placeholders.
    fn catalog(
        language: &str,
    ) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
        let dir = format!("{}/locales/{language}", env!("CARGO_MANIFEST_DIR"));
        let mut messages: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
            std::collections::BTreeMap::new();
        let mut current: Option<String> = None;
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            for line in std::fs::read_to_string(&file).unwrap().lines() {
                if let Some((id, _)) = line.split_once(" =").filter(|(id, _)| {
                    !id.is_empty()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                }) {
                    assert!(
                        messages
                            .insert(id.to_string(), Default::default())
                            .is_none(),
                        "{id} is defined twice in the {language} catalog"
                    );
                    current = Some(id.to_string());
                }
                let Some(id) = &current else { continue };
                let placeholders = messages.get_mut(id).unwrap();
                for (i, _) in line.match_indices("{ $") {
                    let name: String = line[i + 3..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                        .collect();
                    placeholders.insert(name);
                }
            }
        }
        messages
    }

    /// Every key the code and the templates use: in `t("…")`, `.t("…")`, `.a("…"`, `.a2("…"`,
    /// `ta("…"`, `Msg::new("…")` and `key("…")`, and in the audit log's tables.
    fn used_keys() -> std::collections::BTreeSet<String> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        walk(&root.join("src"), &mut files);
        walk(&root.join("templates"), &mut files);
        let mut used = std::collections::BTreeSet::new();
        const CALLS: [&str; 7] = ["t(", ".t(", ".a(", ".a2(", "ta(", "Msg::new(", "key("];
        for file in files {
            let whole = std::fs::read_to_string(&file).unwrap();
            // Not the tests' own lookups (of keys that must not exist, for one).
            let text = whole.split("#[cfg(test)]").next().unwrap_or_default();
            for call in CALLS {
                for (i, _) in text.match_indices(call) {
                    // `t(` itself, not `notice_text(`.
                    let before = text[..i].chars().next_back();
                    let starts_a_name = call.starts_with(|c: char| c.is_ascii_alphabetic());
                    if starts_a_name
                        && before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        continue;
                    }
                    let Some(rest) = text[i + call.len()..].trim_start().strip_prefix('"') else {
                        continue;
                    };
                    let id: String = rest.chars().take_while(|c| *c != '"').collect();
                    if !id.is_empty()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    {
                        used.insert(id);
                    }
                }
            }
        }
        use crate::http::web::audit::{EVENTS, LABELS, VALUES};
        for (_, id) in EVENTS.iter().chain(LABELS).chain(VALUES) {
            used.insert((*id).to_string());
        }
        used
    }

    #[test]
    fn every_key_is_in_every_catalog() {
        let english = catalog("en");
        let dutch = catalog("nl");
        assert!(english.len() > 300, "the English catalog looks truncated");
        for (id, placeholders) in &english {
            let Some(in_dutch) = dutch.get(id) else {
                panic!("{id} is missing from the Dutch catalog");
            };
            assert_eq!(
                placeholders, in_dutch,
                "{id} has other placeholders in Dutch"
            );
        }
        for id in dutch.keys() {
            assert!(
                english.contains_key(id),
                "{id} is missing from the English catalog"
            );
        }
        let used = used_keys();
        for id in &used {
            assert!(english.contains_key(id), "{id} is used but in no catalog");
        }
        let unused: Vec<&String> = english.keys().filter(|id| !used.contains(*id)).collect();
        assert!(unused.is_empty(), "catalog keys nothing uses: {unused:?}");
        // And every key of every language looks up without falling back.
        for language in Language::ALL {
            let tr = Tr::new(language, jiff::tz::TimeZone::UTC);
            let id_of = match language {
                Language::English => &ENGLISH,
                Language::Dutch => &DUTCH,
            };
            for (id, placeholders) in &english {
                let args: HashMap<String, FluentValue<'_>> = placeholders
                    .iter()
                    .map(|name| (name.clone(), FluentValue::from(1)))
                    .collect();
                let words = CATALOGS.lookup_single_language(id_of, id, Some(&args));
                assert!(
                    words.is_ok(),
                    "{id} does not load in {}: {words:?}",
                    tr.lang()
                );
            }
        }
    }

    #[test]
    fn a_missing_key_shows_as_itself() {
        assert_eq!(
            Tr::default().t("no-such-key-anywhere"),
            "no-such-key-anywhere"
        );
    }
}
