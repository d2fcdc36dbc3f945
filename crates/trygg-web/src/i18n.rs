//! Languages: Swedish first, English second, from Fluent files embedded at build time.

use std::borrow::Cow;
use std::collections::HashMap;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "sv",
        // Unicode isolation marks around arguments would end up in e-mails and tests.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static SV: LanguageIdentifier = langid!("sv");
static EN: LanguageIdentifier = langid!("en");

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Sv,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "sv" => Some(Self::Sv),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Sv => "sv",
            Self::En => "en",
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Self::Sv => &SV,
            Self::En => &EN,
        }
    }

    /// The text for a key; a missing key shows as the key itself, which tests catch.
    pub fn t(self, key: &str) -> String {
        LOCALES.lookup(self.id(), key)
    }

    /// The text for a key with named arguments.
    pub fn t_args(self, key: &str, args: &[(&'static str, String)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue> = args
            .iter()
            .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
            .collect();
        LOCALES.lookup_with_args(self.id(), key, &map)
    }

    /// The message for an error code, with a general fallback for codes without one.
    pub fn error(self, code: &str) -> String {
        LOCALES
            .try_lookup(self.id(), &format!("error-{code}"))
            .unwrap_or_else(|| self.t("error-unknown"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Every key of the Swedish files exists in English and the reverse, file by file,
    /// so neither language shows raw keys.
    #[test]
    fn both_languages_have_the_same_keys() {
        fn keys(lang: &str) -> std::collections::BTreeSet<String> {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("locales")
                .join(lang);
            let mut keys = std::collections::BTreeSet::new();
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|e| e != "ftl") {
                    continue;
                }
                let file = path.file_name().unwrap().to_string_lossy().into_owned();
                let src = std::fs::read_to_string(&path).unwrap();
                keys.extend(
                    src.lines()
                        .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && l.contains(" ="))
                        .filter_map(|l| l.split(" =").next())
                        .map(|k| format!("{file}: {}", k.trim())),
                );
            }
            keys
        }
        let sv = keys("sv");
        let en = keys("en");
        assert!(sv.len() > 50);
        assert_eq!(
            sv.difference(&en).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in English"
        );
        assert_eq!(
            en.difference(&sv).collect::<Vec<_>>(),
            Vec::<&String>::new(),
            "missing in Swedish"
        );
    }

    /// A key defined in two files of one language makes the loader panic at start-up,
    /// so each key has exactly one home.
    #[test]
    fn no_key_is_defined_twice() {
        for lang in ["sv", "en"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("locales")
                .join(lang);
            let mut seen = std::collections::BTreeMap::<String, String>::new();
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_none_or(|e| e != "ftl") {
                    continue;
                }
                let file = path.file_name().unwrap().to_string_lossy().into_owned();
                let src = std::fs::read_to_string(&path).unwrap();
                for key in src
                    .lines()
                    .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && l.contains(" ="))
                    .filter_map(|l| l.split(" =").next())
                {
                    if let Some(first) = seen.insert(key.trim().to_owned(), file.clone()) {
                        panic!("{lang}: {} is defined in {first} and {file}", key.trim());
                    }
                }
            }
        }
    }

    #[test]
    fn looks_up_and_falls_back() {
        assert_eq!(Lang::Sv.t("logout"), "Logga ut");
        assert_eq!(Lang::En.t("logout"), "Sign out");
        assert_eq!(
            Lang::Sv.error("no_such_code_anywhere"),
            Lang::Sv.t("error-unknown")
        );
        assert!(
            Lang::Sv
                .t_args("login-throttled", &[("seconds", "30".into())])
                .contains("30")
        );
    }
}
