//! Areas as the domain knows them: their kinds and codes. (The polygon maths, sizes and
//! point-in-area lookup are in [`crate::geo`].)
//!
//! An area has a kind, a code unique among the *current* areas of its kind, a Swedish
//! name, a (multi)polygon and a validity period. A changed boundary never rewrites an
//! area: the old version is closed and a new one (with a new id) opened, so incidents
//! that kept the id of the area they fell in keep pointing at the boundary of their time.

use serde::{Deserialize, Serialize};

use crate::Invalid;

/// What an area is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaKind {
    /// The municipality.
    Kommun,
    /// SCB's regional statistical areas (RegSO), about 3 000 in Sweden.
    Regso,
    /// SCB's demographic statistical areas (DeSO), finer than RegSO.
    Deso,
    /// A district (stadsdel), often the union of statistical areas.
    District,
    /// Where the police have allowed ordningsvakter (Ordningsvaktslagen 2023:421 § 3).
    PermitArea,
    /// The area of a local crime-prevention group (BF-grupp).
    BfArea,
    /// Anything else the municipality draws.
    Custom,
}

impl AreaKind {
    /// All kinds, in the order lists show them: from the largest to the most specific.
    pub const ALL: [AreaKind; 7] = [
        Self::Kommun,
        Self::District,
        Self::Regso,
        Self::Deso,
        Self::PermitArea,
        Self::BfArea,
        Self::Custom,
    ];

    /// The stable code used in the database, the API and on the command line.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Kommun => "kommun",
            Self::Regso => "regso",
            Self::Deso => "deso",
            Self::District => "district",
            Self::PermitArea => "permit_area",
            Self::BfArea => "bf_area",
            Self::Custom => "custom",
        }
    }

    /// Reads a code (`regso`, `permit_area`…); field `kind`, code `unknown_area_kind`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|k| k.code() == s.trim())
            .ok_or(Invalid::new("kind", "unknown_area_kind"))
    }

    /// Position in [`AreaKind::ALL`], for sorting lists.
    pub fn rank(self) -> usize {
        Self::ALL
            .iter()
            .position(|k| *k == self)
            .unwrap_or(Self::ALL.len())
    }
}

impl std::fmt::Display for AreaKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// An area's code within its kind (`0580R018`, `0580`, `skaggetorp`): trimmed, 1–64
/// characters, no whitespace inside, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AreaCode(String);

impl AreaCode {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Invalid::new("code", "required"));
        }
        if s.chars().count() > 64 {
            return Err(Invalid::new("code", "too_long"));
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(Invalid::new("code", "invalid_area_code"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for AreaCode {
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
        for k in AreaKind::ALL {
            assert_eq!(AreaKind::parse(k.code()), Ok(k));
            assert_eq!(AreaKind::ALL[k.rank()], k);
        }
        assert_eq!(
            AreaKind::parse("stadsdel"),
            Err(Invalid::new("kind", "unknown_area_kind"))
        );
    }

    #[test]
    fn codes_are_single_tokens() {
        assert_eq!(AreaCode::parse(" 0580R018 ").unwrap().as_str(), "0580R018");
        assert!(AreaCode::parse("").is_err());
        assert!(AreaCode::parse("05 80").is_err());
        assert!(AreaCode::parse(&"x".repeat(65)).is_err());
    }
}
