//! The application's one error type. Each variant has a stable snake_case code; the web
//! layer maps codes to HTTP statuses in one place and pages translate them. Causes are
//! logged, never shown.

use trygg_domain::Invalid;
use trygg_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value from the user did not parse; names the field and the rule.
    #[error("invalid input: {0}")]
    Invalid(#[from] Invalid),
    /// Not signed in (or the session has ended).
    #[error("not signed in")]
    Unauthenticated,
    /// Signed in, but the policy table does not allow this.
    #[error("forbidden")]
    Forbidden,
    /// No such record (or not visible to the caller, which looks the same on purpose).
    #[error("not found")]
    NotFound,
    /// A record with the same key exists; the code names which rule.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Wrong e-mail or password: deliberately the same for an unknown e-mail.
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    /// Too many failed logins for this e-mail recently: wait before the next attempt.
    #[error("login throttled for {retry_after} s")]
    LoginThrottled { retry_after: i64 },
    /// 100 failed logins for this e-mail within an hour: locked for the rest of it.
    #[error("login locked")]
    LoginLocked,
    /// Too many login attempts from one address.
    #[error("too many attempts from this address")]
    RateLimited { retry_after: i64 },
    /// `trygg init` on a database that already has its home organisation.
    #[error("already initialised")]
    AlreadyInitialised,
    /// The database has no home organisation yet: run `trygg init` or `trygg demo`.
    #[error("not initialised: run `trygg init` or `trygg demo` first")]
    NotInitialised,
    /// A rule of the domain refused the change (e.g. disabling one's own account).
    #[error("refused: {0}")]
    Refused(&'static str),
    /// A geography input (an import file, a geometry) was refused; the error names the
    /// feature and the reason, and its code is the geography module's stable code.
    #[error("{0}")]
    Geo(trygg_domain::geo::GeoError),
    /// The store failed.
    #[error(transparent)]
    Store(StoreError),
    /// Anything else that is our fault.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict { constraint } => Self::Conflict(match constraint {
                "users_email_key" => "email_taken",
                "organisations_name_key" => "organisation_name_taken",
                "organisations_one_home" => "home_organisation_exists",
                "units_org_name_key" => "unit_name_taken",
                "areas_current_kind_code" | "areas_duplicate_code_in_import" => "area_code_taken",
                other => other,
            }),
            other => Self::Store(other),
        }
    }
}

impl Error {
    /// The stable code for the API and for translation.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(i) => i.code,
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict(c) => c,
            Self::InvalidCredentials => "invalid_credentials",
            Self::LoginThrottled { .. } => "login_throttled",
            Self::LoginLocked => "login_locked",
            Self::RateLimited { .. } => "rate_limited",
            Self::AlreadyInitialised => "already_initialised",
            Self::NotInitialised => "not_initialised",
            Self::Refused(c) => c,
            Self::Geo(g) => g.code(),
            Self::Store(_) | Self::Internal(_) => "internal",
        }
    }
}
