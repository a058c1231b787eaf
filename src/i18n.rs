//! The platform's texts in Simplified Chinese and English (docs/architecture.md#texts). They
//! live in Fluent files, `src/locales/<language>/<area>.ftl`, one message per text, compiled
//! into the binary and read through `fluent-bundle`. There is no fallback language: a message
//! missing in one language shows as its id, and the tests in this module fail first.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

pub use fluent_bundle::FluentValue;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};

/// The Fluent files of each language, by area.
const ZH_CN: &[(&str, &str)] = &[
    ("errors", include_str!("locales/zh-CN/errors.ftl")),
    ("labels", include_str!("locales/zh-CN/labels.ftl")),
    ("portal", include_str!("locales/zh-CN/portal.ftl")),
    ("figures", include_str!("locales/zh-CN/figures.ftl")),
    ("email", include_str!("locales/zh-CN/email.ftl")),
    ("notices", include_str!("locales/zh-CN/notices.ftl")),
    ("documents", include_str!("locales/zh-CN/documents.ftl")),
];
const EN: &[(&str, &str)] = &[
    ("errors", include_str!("locales/en/errors.ftl")),
    ("labels", include_str!("locales/en/labels.ftl")),
    ("portal", include_str!("locales/en/portal.ftl")),
    ("figures", include_str!("locales/en/figures.ftl")),
    ("email", include_str!("locales/en/email.ftl")),
    ("notices", include_str!("locales/en/notices.ftl")),
    ("documents", include_str!("locales/en/documents.ftl")),
];

/// A visitor's or recipient's language: Simplified Chinese unless they chose English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// Both languages.
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// `en` (or `en-…`) is English; anything else, or nothing, is Chinese.
    pub fn parse(tag: Option<&str>) -> Self {
        match tag {
            Some(t)
                if t.eq_ignore_ascii_case("en") || t.to_ascii_lowercase().starts_with("en-") =>
            {
                Self::En
            }
            _ => Self::Zh,
        }
    }

    /// The language of a stored preference (`zh-CN`, `en`).
    pub fn of(tag: &str) -> Self {
        Self::parse(Some(tag))
    }

    /// A name kept in both languages beside the data it names (a region, an industry).
    pub fn name<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Self::Zh => zh,
            Self::En => en,
        }
    }

    /// The message `id`, which takes no variables; the id itself when there is none (the
    /// tests in this module fail first for an id the code names).
    pub fn s(self, id: &'static str) -> &'static str {
        self.find(id).unwrap_or(id)
    }

    /// The word for `code` of the closed set `set` (message `<set>-<code>`, such as
    /// `status-filed`); the code itself when there is none.
    pub fn label<'a>(self, set: &str, code: &'a str) -> &'a str {
        self.find(&format!("{set}-{code}")).unwrap_or(code)
    }

    /// The message `id` when it takes no variables.
    pub fn find(self, id: &str) -> Option<&'static str> {
        plain(self).get(id).map(String::as_str)
    }

    /// The message `id` with its variables set; the id itself when there is none.
    pub fn format(self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let bundle = bundle(self);
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            return id.to_string();
        };
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent_args.set(*name, value.clone());
        }
        let mut errors = Vec::new();
        bundle
            .format_pattern(pattern, Some(&fluent_args), &mut errors)
            .into_owned()
    }

    /// The `lang` attribute, the stored preference and the language of the Fluent files.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// The message `id` in this language; the id itself when there is none.
    pub fn text(self, id: &str) -> Cow<'static, str> {
        self.find(id)
            .map_or_else(|| Cow::Owned(id.to_string()), Cow::Borrowed)
    }

    /// Whether this language has the message `id`.
    pub fn has(self, id: &str) -> bool {
        bundle(self).has_message(id)
    }

    /// The id of every message this language has.
    pub fn ids(self) -> BTreeSet<String> {
        sources(self)
            .iter()
            .flat_map(|(_, source)| message_ids(source))
            .collect()
    }
}

fn sources(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::Zh => ZH_CN,
        Lang::En => EN,
    }
}

/// The ids of the messages of one Fluent file.
fn message_ids(source: &str) -> Vec<String> {
    let resource =
        FluentResource::try_new(source.to_string()).unwrap_or_else(|(partial, _)| partial);
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(message) => Some(message.id.name.to_string()),
            _ => None,
        })
        .collect()
}

fn build(lang: Lang) -> FluentBundle<FluentResource> {
    let mut bundle = FluentBundle::new_concurrent(vec![lang.tag().parse().unwrap_or_default()]);
    // Texts go into HTML and plain-text emails; Unicode isolation marks would show there.
    bundle.set_use_isolating(false);
    for (_, source) in sources(lang) {
        // A file that does not parse or repeats an id fails the tests below; at run time the
        // messages it does define still serve.
        let resource =
            FluentResource::try_new(source.to_string()).unwrap_or_else(|(partial, _)| partial);
        bundle.add_resource_overriding(resource);
    }
    bundle
}

/// Every message of `lang` that needs no variables, formatted once.
fn plain(lang: Lang) -> &'static HashMap<String, String> {
    fn build_plain(lang: Lang) -> HashMap<String, String> {
        let bundle = bundle(lang);
        lang.ids()
            .into_iter()
            .filter_map(|id| {
                let pattern = bundle.get_message(&id)?.value()?;
                let mut errors = Vec::new();
                let text = bundle
                    .format_pattern(pattern, None, &mut errors)
                    .into_owned();
                errors.is_empty().then_some((id, text))
            })
            .collect()
    }
    static ZH: LazyLock<HashMap<String, String>> = LazyLock::new(|| build_plain(Lang::Zh));
    static EN: LazyLock<HashMap<String, String>> = LazyLock::new(|| build_plain(Lang::En));
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

fn bundle(lang: Lang) -> &'static FluentBundle<FluentResource> {
    static ZH: LazyLock<FluentBundle<FluentResource>> = LazyLock::new(|| build(Lang::Zh));
    static EN: LazyLock<FluentBundle<FluentResource>> = LazyLock::new(|| build(Lang::En));
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// The words of a table (a page, an export, an archived report) in one language, as owned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words(pub Lang);

impl Words {
    /// The message `id`.
    pub fn s(self, id: &'static str) -> String {
        self.0.s(id).into()
    }

    /// The message `id` with its variables set.
    pub fn format(self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        self.0.format(id, args)
    }

    /// A name kept in both languages beside the data it names (a region, an industry).
    pub fn name(self, zh: &str, en: &str) -> String {
        self.0.name(zh, en).into()
    }

    /// The word for `code` of `set` (an unknown code shows as it is).
    pub fn label(self, set: &str, code: &str) -> String {
        self.0.label(set, code).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_names_each_message_once() {
        for lang in Lang::ALL {
            let mut seen = BTreeSet::new();
            for (area, source) in sources(lang) {
                let parsed = FluentResource::try_new(source.to_string());
                assert!(
                    parsed.is_ok(),
                    "{}/{area}.ftl does not parse: {:?}",
                    lang.tag(),
                    parsed.err().map(|(_, e)| e)
                );
                for id in message_ids(source) {
                    assert!(
                        seen.insert(id.clone()),
                        "{}: `{id}` is defined twice",
                        lang.tag()
                    );
                }
            }
        }
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let zh = Lang::Zh.ids();
        let en = Lang::En.ids();
        assert!(!zh.is_empty());
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "messages without English: {only_zh:?}");
        assert!(only_en.is_empty(), "messages without Chinese: {only_en:?}");
        let areas = |lang: Lang| sources(lang).iter().map(|(a, _)| *a).collect::<Vec<_>>();
        assert_eq!(areas(Lang::Zh), areas(Lang::En));
    }

    #[test]
    fn a_text_is_read_in_each_language() {
        assert_eq!(
            Lang::Zh.text("error-dispute_closed"),
            "纠纷已结束，不能再操作。"
        );
        assert_eq!(
            Lang::En.text("error-dispute_closed"),
            "The dispute is closed."
        );
        assert_eq!(Lang::En.text("no-such-message"), "no-such-message");
    }
}
