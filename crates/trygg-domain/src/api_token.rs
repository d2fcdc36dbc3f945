//! API tokens for integrations: what a token may do (its scopes) and how its name is
//! checked.
//!
//! A token belongs to one organisation and acts for it, never for a person. Its scopes
//! name what the integration needs, and the policy's integration ceiling
//! ([`crate::policy::integration_ceiling`]) bounds what any scope can grant: a token can
//! never do more than the policy allows an integration of its organisation.
//!
//! The scopes, least privilege first:
//!
//! | scope | actions | reach |
//! |---|---|---|
//! | `incidents:read` | read incidents, areas and places | the organisation's own incidents and those shared with the partners |
//! | `incidents:write` | file reports | in the organisation's name |
//! | `incidents:export` | export incidents (CSV, GeoJSON) | what `incidents:read` sees; implies it |
//!
//! There is deliberately no review scope: accepting, merging or rejecting a report is a
//! coordinator's judgement, recorded under a person's name.

use crate::Invalid;
use crate::id::typed_id;
use crate::policy::Action;

typed_id!(
    /// An API token.
    ApiTokenId
);

/// One thing a token may be allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiScope {
    IncidentsRead,
    IncidentsWrite,
    IncidentsExport,
}

impl ApiScope {
    pub const ALL: [ApiScope; 3] = [
        ApiScope::IncidentsRead,
        ApiScope::IncidentsWrite,
        ApiScope::IncidentsExport,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::IncidentsRead => "incidents:read",
            Self::IncidentsWrite => "incidents:write",
            Self::IncidentsExport => "incidents:export",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|c| c.code() == s.trim())
            .ok_or(Invalid::new("scopes", "unknown_scope"))
    }

    /// The actions the scope opens (the policy's integration ceiling still applies).
    pub fn actions(self) -> &'static [Action] {
        match self {
            Self::IncidentsRead => &[
                Action::ReadOwnIncidents,
                Action::ReadSharedIncidents,
                Action::ReadGeography,
            ],
            Self::IncidentsWrite => &[Action::FileReport],
            Self::IncidentsExport => &[Action::ExportIncidents],
        }
    }
}

/// A token's set of scopes: never empty, sorted, without repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiScopes(Vec<ApiScope>);

impl ApiScopes {
    /// Parses codes separated by spaces or commas. `incidents:export` brings
    /// `incidents:read` with it: an export is a read of the same selection.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let mut scopes = Vec::new();
        for code in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|c| !c.is_empty())
        {
            let s = ApiScope::parse(code)?;
            if s == ApiScope::IncidentsExport {
                scopes.push(ApiScope::IncidentsRead);
            }
            scopes.push(s);
        }
        if scopes.is_empty() {
            return Err(Invalid::new("scopes", "scopes_required"));
        }
        scopes.sort();
        scopes.dedup();
        Ok(Self(scopes))
    }

    pub fn scopes(&self) -> &[ApiScope] {
        &self.0
    }

    /// Whether some scope names the action.
    pub fn allows(&self, action: Action) -> bool {
        self.0.iter().any(|s| s.actions().contains(&action))
    }

    /// The codes separated by spaces, as stored.
    pub fn codes(&self) -> String {
        self.0
            .iter()
            .map(|s| s.code())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A token's name: what it is for, e.g. "Fastighetssystemet Vitec". 1–100 characters.
pub fn parse_name(text: &str) -> Result<String, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Invalid::new("name", "required"));
    }
    if t.chars().count() > 100 || t.chars().any(char::is_control) {
        return Err(Invalid::new("name", "invalid_name"));
    }
    Ok(t.to_owned())
}

/// Every token starts with this, so a leaked one is easy to recognise (secret scanners,
/// logs) and a session cookie is never mistaken for one.
pub const TOKEN_PREFIX: &str = "trygg_";

/// Characters of a token kept in clear for recognition: the prefix and 8 hex digits,
/// 32 bits, not enough to guess the remaining 224.
pub const SHOWN_CHARS: usize = TOKEN_PREFIX.len() + 8;

/// Whether a presented string has the shape of a token (before any lookup).
pub fn well_formed(token: &str) -> bool {
    token
        .strip_prefix(TOKEN_PREFIX)
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn scopes_parse_sorted_and_export_implies_read() {
        let s = ApiScopes::parse("incidents:export, incidents:write").unwrap();
        assert_eq!(s.codes(), "incidents:read incidents:write incidents:export");
        assert!(s.allows(Action::ReadSharedIncidents));
        assert!(!s.allows(Action::ReviewIncidents));
        let r = ApiScopes::parse("incidents:read incidents:read").unwrap();
        assert_eq!(r.scopes(), &[ApiScope::IncidentsRead]);
        assert!(!r.allows(Action::FileReport));
        assert_eq!(ApiScopes::parse(" ").unwrap_err().code, "scopes_required");
        assert_eq!(
            ApiScopes::parse("incidents:review").unwrap_err().code,
            "unknown_scope"
        );
    }

    #[test]
    fn names_and_token_shape() {
        assert_eq!(parse_name("  Vitec  ").unwrap(), "Vitec");
        assert!(parse_name("").is_err());
        assert!(parse_name(&"x".repeat(101)).is_err());
        assert!(parse_name("a\nb").is_err());
        assert!(well_formed(&format!("trygg_{}", "ab".repeat(32))));
        assert!(!well_formed(&"ab".repeat(32)));
        assert!(!well_formed(&format!("trygg_{}", "zz".repeat(32))));
        assert!(!well_formed("trygg_abc"));
    }
}
