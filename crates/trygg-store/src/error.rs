//! The store's error: what went wrong, in terms the use cases can act on.

/// A storage failure. `trygg-core` maps it onto the application error and its codes.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names neither `sqlite:` nor `postgres://`.
    #[error(
        "unsupported database URL scheme `{scheme}`: use sqlite://FILE or postgres://USER@HOST/DB"
    )]
    UnsupportedUrl { scheme: String },
    /// A uniqueness rule was broken; `constraint` names the rule (e.g. `users_email_key`).
    #[error("conflict with an existing record ({constraint})")]
    Conflict { constraint: &'static str },
    /// The record to change does not exist.
    #[error("no such record")]
    NotFound,
    /// The operation does not exist on this backend.
    #[error("not supported on this backend: {0}")]
    Unsupported(&'static str),
    /// A stored value could not be read back into a domain type.
    #[error("corrupt stored value in {0}")]
    Corrupt(&'static str),
    /// Migrations could not be applied.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Any other database error.
    #[error("database error")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Turns a unique violation into `Conflict` with the name of the broken rule, which
    /// the caller knows better than the driver (SQLite reports no constraint names).
    pub(crate) fn unique(e: sqlx::Error, constraint: &'static str) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict { constraint },
            _ => Self::Database(e),
        }
    }
}
