//! User accounts: e-mail addresses, roles and the password rules.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// A role a user holds in their organisation; see `policy` for what each may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    /// The municipality's system administrator: accounts, organisations, settings, audit.
    #[serde(rename = "admin")]
    Admin,
    /// The safety coordinator (trygghetssamordnare): the whole EST cycle.
    #[serde(rename = "samordnare")]
    Samordnare,
    /// An analyst: reads shared data, runs analyses, exports.
    #[serde(rename = "analytiker")]
    Analytiker,
    /// A partner's trained reporter.
    #[serde(rename = "rapportör")]
    Rapportor,
    /// Answers for a unit: the measures and walk proposals assigned to it.
    #[serde(rename = "handläggare")]
    Handlaggare,
    /// Read-only partner staff and politicians.
    #[serde(rename = "läsare")]
    Lasare,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Self::Admin,
        Self::Samordnare,
        Self::Analytiker,
        Self::Rapportor,
        Self::Handlaggare,
        Self::Lasare,
    ];

    /// The stable code stored in the database and used on the command line and in the API.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Samordnare => "samordnare",
            Self::Analytiker => "analytiker",
            Self::Rapportor => "rapportör",
            Self::Handlaggare => "handläggare",
            Self::Lasare => "läsare",
        }
    }

    /// Accepts the code, also spelt without Swedish letters (`rapportor`), since shells
    /// and scripts on some machines mangle å, ä and ö.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_lowercase();
        let plain = s.replace('ö', "o").replace('ä', "a");
        Self::ALL
            .into_iter()
            .find(|r| r.code() == s || r.code().replace('ö', "o").replace('ä', "a") == plain)
            .ok_or(Invalid::new("role", "unknown_role"))
    }
}

/// A normalised e-mail address (trimmed, lower-cased), used as the login name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// A deliberately simple check: one `@`, a non-empty local part, a dotted domain,
    /// no spaces. Deliverability is proven by use, not by a regular expression.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let s = s.trim().to_lowercase();
        if s.is_empty() {
            return Err(Invalid::new("email", "required"));
        }
        if s.len() > 254 {
            return Err(Invalid::new("email", "too_long"));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(Invalid::new("email", "invalid_email"));
        };
        let ok = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(Invalid::new("email", "invalid_email"));
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted: argon2 handles more, but nobody types 1 000 characters
/// and a bound keeps hashing cost predictable.
pub const MAX_PASSWORD_CHARS: usize = 1000;

/// Passwords that are too common to accept whatever their length: the most frequent
/// entries of public breach statistics plus Swedish favourites. Compared after
/// lower-casing and removing trailing digits and punctuation, so `Sommar2024!!` counts.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// A password that meets the rules. It never leaves memory except as an argon2id hash.
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

impl NewPassword {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let n = s.chars().count();
        if n < MIN_PASSWORD_CHARS {
            return Err(Invalid::new("password", "password_too_short"));
        }
        if n > MAX_PASSWORD_CHARS {
            return Err(Invalid::new("password", "password_too_long"));
        }
        if is_common(s) {
            return Err(Invalid::new("password", "password_too_common"));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn is_common(s: &str) -> bool {
    let lower = s.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation());
    // A password made of one character repeated is as weak as any on the list.
    let mut chars = lower.chars();
    let first = chars.next();
    if first.is_some() && chars.all(|c| Some(c) == first) {
        return true;
    }
    COMMON_PASSWORDS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|common| common == lower || common == stem)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn roles_parse_with_and_without_swedish_letters() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Ok(r));
        }
        assert_eq!(Role::parse("rapportor"), Ok(Role::Rapportor));
        assert_eq!(Role::parse("Handlaggare"), Ok(Role::Handlaggare));
        assert!(Role::parse("superuser").is_err());
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse(" Anna@Linkoping.SE ").unwrap().as_str(),
            "anna@linkoping.se"
        );
        for bad in [
            "",
            "anna",
            "anna@",
            "@linkoping.se",
            "anna@se",
            "an na@x.se",
            "a@b@c.se",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn password_rules() {
        assert_eq!(
            NewPassword::parse("kort").unwrap_err().code,
            "password_too_short"
        );
        assert_eq!(
            NewPassword::parse("password1234").unwrap_err().code,
            "password_too_common"
        );
        assert_eq!(
            NewPassword::parse("Sommar2024!!").unwrap_err().code,
            "password_too_common"
        );
        assert_eq!(
            NewPassword::parse("aaaaaaaaaaaaaa").unwrap_err().code,
            "password_too_common"
        );
        assert_eq!(
            NewPassword::parse("lösenord12345").unwrap_err().code,
            "password_too_common"
        );
        assert!(NewPassword::parse("korrekt häst batteri häftklammer").is_ok());
        assert!(
            format!("{:?}", NewPassword::parse("korrekt häst batteri").unwrap()).contains("***")
        );
    }

    proptest! {
        #[test]
        fn short_passwords_are_always_refused(s in ".{0,11}") {
            prop_assert!(NewPassword::parse(&s).is_err());
        }

        #[test]
        fn parsed_emails_are_stable(s in "[a-z0-9._-]{1,20}@[a-z0-9-]{1,20}\\.[a-z]{2,6}") {
            let once = Email::parse(&s).unwrap();
            prop_assert_eq!(Email::parse(once.as_str()).unwrap(), once);
        }
    }
}
