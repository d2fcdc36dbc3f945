//! Organisations (the municipality and its partners) and their units.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// What kind of organisation a partner is; decides nothing about access by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Kommun,
    Polis,
    Fastighetsagare,
    Bevakningsforetag,
    Raddningstjanst,
    Skola,
    Entreprenor,
    Ovrig,
}

impl OrganisationKind {
    pub const ALL: [OrganisationKind; 8] = [
        Self::Kommun,
        Self::Polis,
        Self::Fastighetsagare,
        Self::Bevakningsforetag,
        Self::Raddningstjanst,
        Self::Skola,
        Self::Entreprenor,
        Self::Ovrig,
    ];

    /// The stable code stored in the database and used in the API and on the command line.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Kommun => "kommun",
            Self::Polis => "polis",
            Self::Fastighetsagare => "fastighetsägare",
            Self::Bevakningsforetag => "bevakningsföretag",
            Self::Raddningstjanst => "räddningstjänst",
            Self::Skola => "skola",
            Self::Entreprenor => "entreprenör",
            Self::Ovrig => "övrig",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s.trim())
            .ok_or(Invalid::new("kind", "unknown_organisation_kind"))
    }
}

/// A name of an organisation or unit: trimmed, 1–200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    pub fn parse(field: &'static str, s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Invalid::new(field, "required"));
        }
        if s.chars().count() > 200 {
            return Err(Invalid::new(field, "too_long"));
        }
        if s.chars().any(char::is_control) {
            return Err(Invalid::new(field, "control_characters"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_codes() {
        for k in OrganisationKind::ALL {
            assert_eq!(OrganisationKind::parse(k.code()), Ok(k));
        }
        assert!(OrganisationKind::parse("kommunen").is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            Name::parse("name", "  Polisen ").unwrap().as_str(),
            "Polisen"
        );
        assert_eq!(
            Name::parse("name", " "),
            Err(Invalid::new("name", "required"))
        );
        assert_eq!(
            Name::parse("name", &"x".repeat(201)),
            Err(Invalid::new("name", "too_long"))
        );
        assert_eq!(
            Name::parse("name", "a\u{7}b"),
            Err(Invalid::new("name", "control_characters"))
        );
    }
}
