//! The one error that parsing domain values produces.
//!
//! It names the field and carries a stable snake_case code; pages translate the code into
//! Swedish or English, the API returns it as is.

use std::fmt;

/// A value from outside did not parse into a domain type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The form or API field the value came from, e.g. `email`.
    pub field: &'static str,
    /// A stable snake_case code, e.g. `password_too_short`; translated by the UI.
    pub code: &'static str,
}

impl Invalid {
    pub const fn new(field: &'static str, code: &'static str) -> Self {
        Self { field, code }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.code)
    }
}

impl std::error::Error for Invalid {}
