//! The free-text description of an incident: what happened, in the reporter's words.

use std::fmt;

use crate::Invalid;
use crate::incident::codes;

/// What happened: trimmed, 1–[`Description::MAX_CHARS`] characters; line breaks and
/// tabs allowed, other control characters not (they break exports and terminals).
///
/// The text is as written; personal data in it is handled by
/// [`personal_data::screen`](crate::incident::personal_data::screen) under the
/// category's policy before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Description(String);

impl Description {
    /// The longest description, in characters: a page of text, more than a phone
    /// reporter writes, enough for a guard's shift note.
    pub const MAX_CHARS: usize = 4000;

    /// Field `description`; codes `required`, `too_long`, `control_characters`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new("description", codes::REQUIRED));
        }
        // Byte length bounds the character count from above: the count is needed only
        // for long texts.
        if text.len() > Self::MAX_CHARS && text.chars().count() > Self::MAX_CHARS {
            return Err(Invalid::new("description", codes::TOO_LONG));
        }
        if has_control_characters(text, true) {
            return Err(Invalid::new("description", codes::CONTROL_CHARACTERS));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Description {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `text` holds control characters (C0, DEL, C1); line breaks and tabs count
/// only unless `allow_breaks`. A byte scan first: the C1 controls are the only ones
/// beyond ASCII and all start with the byte 0xC2.
pub(crate) fn has_control_characters(text: &str, allow_breaks: bool) -> bool {
    let suspicious = |b: &u8| *b < 0x20 || *b == 0x7f || *b == 0xc2;
    text.as_bytes().iter().any(suspicious)
        && text
            .chars()
            .any(|c| c.is_control() && !(allow_breaks && matches!(c, '\n' | '\r' | '\t')))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn descriptions() {
        assert_eq!(
            Description::parse("  Klotter på\nvägg ").unwrap().as_str(),
            "Klotter på\nvägg"
        );
        assert_eq!(Description::parse(" \n ").unwrap_err().code, "required");
        assert_eq!(
            Description::parse("a\u{0}b").unwrap_err().code,
            "control_characters"
        );
        assert!(Description::parse(&"ö".repeat(4000)).is_ok());
        assert_eq!(
            Description::parse(&"ö".repeat(4001)).unwrap_err().code,
            "too_long"
        );
    }
}
