//! API tokens of organisations, for integrations: stored as the SHA-256 of the token
//! with a short prefix in clear, revocable, with the time of last use.
//!
//! A sub-trait of its own beside [`crate::Store`]; the SQL is shared by both backends
//! through `impl_api_token_store!` like the rest. Checking scopes and expiry is the
//! core's job; the store only keeps and finds.

use trygg_domain::api_token::ApiTokenId;
use trygg_domain::audit::AuditDraft;
use trygg_domain::id::{OrganisationId, UserId};
use trygg_domain::time::Instant;

use crate::Result;

/// A token to store: never the token itself, only its hash.
#[derive(Debug, Clone)]
pub struct NewApiToken {
    pub organisation_id: OrganisationId,
    pub name: String,
    /// Scope codes separated by spaces.
    pub scopes: String,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The first characters of the token, for recognition.
    pub prefix: String,
    pub created_by: Option<UserId>,
    pub created_at: Instant,
    pub expires_at: Option<Instant>,
}

/// A stored token with its organisation's name.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiTokenRow {
    pub id: ApiTokenId,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub name: String,
    pub scopes: String,
    pub prefix: String,
    pub created_by: Option<UserId>,
    pub created_at: Instant,
    pub expires_at: Option<Instant>,
    pub last_used_at: Option<Instant>,
    pub revoked_at: Option<Instant>,
    pub revoked_by: Option<UserId>,
}

impl ApiTokenRow {
    /// Whether the token may still be used at `now`.
    pub fn active(&self, now: Instant) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|e| now < e)
    }
}

/// The store's side of API tokens.
#[allow(async_fn_in_trait)]
pub trait ApiTokenStore {
    /// Stores a new token (audited in the same transaction).
    async fn create_api_token(&self, new: &NewApiToken, audit: AuditDraft) -> Result<ApiTokenId>;
    /// Every token, newest first.
    async fn api_tokens(&self) -> Result<Vec<ApiTokenRow>>;
    async fn api_token(&self, id: ApiTokenId) -> Result<Option<ApiTokenRow>>;
    /// The token with this hash, revoked or not.
    async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiTokenRow>>;
    /// Records use. Not audited (each use case audits itself, naming the token), and
    /// written at most once a minute per token, so reads do not all become writes.
    async fn touch_api_token(&self, id: ApiTokenId, at: Instant) -> Result<()>;
    /// Revokes a token; `false` if it was revoked already (nothing written then).
    async fn revoke_api_token(
        &self,
        id: ApiTokenId,
        by: Option<UserId>,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<bool>;
}

/// How old `last_used_at` must be before a use writes it again (microseconds).
pub(crate) const TOUCH_EVERY_MICROS: i64 = 60_000_000;

macro_rules! impl_api_token_store {
    ($store:ident, $db:ty) => {
        mod api_token_impl {
            use sqlx::Row as _;
            use trygg_domain::api_token::ApiTokenId;
            use trygg_domain::audit::AuditDraft;
            use trygg_domain::id::{OrganisationId, UserId};
            use trygg_domain::time::Instant;

            use super::append;
            use $crate::Result;
            use $crate::api_token::*;

            type Row = <$db as sqlx::Database>::Row;

            const COLUMNS: &str = "t.id, t.organisation_id, o.name AS organisation_name, t.name, t.scopes, t.prefix, \
                t.created_by, t.created_at, t.expires_at, t.last_used_at, t.revoked_at, t.revoked_by \
                FROM api_tokens t JOIN organisations o ON o.id = t.organisation_id";

            fn token_from(r: &Row) -> Result<ApiTokenRow> {
                let at = |name: &str| -> Result<Option<Instant>> {
                    Ok(r.try_get::<Option<i64>, _>(name)?.map(Instant))
                };
                Ok(ApiTokenRow {
                    id: ApiTokenId(r.try_get("id")?),
                    organisation_id: OrganisationId(r.try_get("organisation_id")?),
                    organisation_name: r.try_get("organisation_name")?,
                    name: r.try_get("name")?,
                    scopes: r.try_get("scopes")?,
                    prefix: r.try_get("prefix")?,
                    created_by: r.try_get::<Option<i64>, _>("created_by")?.map(UserId),
                    created_at: Instant(r.try_get("created_at")?),
                    expires_at: at("expires_at")?,
                    last_used_at: at("last_used_at")?,
                    revoked_at: at("revoked_at")?,
                    revoked_by: r.try_get::<Option<i64>, _>("revoked_by")?.map(UserId),
                })
            }

            impl ApiTokenStore for super::$store {
                async fn create_api_token(&self, new: &NewApiToken, audit: AuditDraft) -> Result<ApiTokenId> {
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO api_tokens (organisation_id, name, scopes, token_hash, prefix, created_by, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                    )
                    .bind(new.organisation_id.0)
                    .bind(&new.name)
                    .bind(&new.scopes)
                    .bind(&new.token_hash)
                    .bind(&new.prefix)
                    .bind(new.created_by.map(|u| u.0))
                    .bind(new.created_at.0)
                    .bind(new.expires_at.map(|t| t.0))
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.to_string());
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(ApiTokenId(id))
                }

                async fn api_tokens(&self) -> Result<Vec<ApiTokenRow>> {
                    let sql = format!("SELECT {COLUMNS} ORDER BY t.id DESC");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
                    rows.iter().map(token_from).collect()
                }

                async fn api_token(&self, id: ApiTokenId) -> Result<Option<ApiTokenRow>> {
                    let sql = format!("SELECT {COLUMNS} WHERE t.id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await?;
                    row.as_ref().map(token_from).transpose()
                }

                async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiTokenRow>> {
                    let sql = format!("SELECT {COLUMNS} WHERE t.token_hash = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(&self.pool).await?;
                    row.as_ref().map(token_from).transpose()
                }

                async fn touch_api_token(&self, id: ApiTokenId, at: Instant) -> Result<()> {
                    // Read first: most uses fall within the minute and need no write lock.
                    let last: Option<i64> = sqlx::query("SELECT last_used_at FROM api_tokens WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await?
                        .map(|r| r.try_get::<Option<i64>, _>("last_used_at"))
                        .transpose()?
                        .flatten();
                    if last.is_some_and(|l| l > at.0 - TOUCH_EVERY_MICROS) {
                        return Ok(());
                    }
                    let mut tx = self.begin_write().await?;
                    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)")
                        .bind(at.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn revoke_api_token(&self, id: ApiTokenId, by: Option<UserId>, at: Instant, audit: AuditDraft) -> Result<bool> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL")
                        .bind(at.0)
                        .bind(by.map(|u| u.0))
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Ok(false);
                    }
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(true)
                }
            }
        }
    };
}

pub(crate) use impl_api_token_store;

use crate::Db;

impl ApiTokenStore for Db {
    async fn create_api_token(&self, new: &NewApiToken, audit: AuditDraft) -> Result<ApiTokenId> {
        match self {
            Db::Sqlite(s) => s.create_api_token(new, audit).await,
            Db::Postgres(s) => s.create_api_token(new, audit).await,
        }
    }
    async fn api_tokens(&self) -> Result<Vec<ApiTokenRow>> {
        match self {
            Db::Sqlite(s) => s.api_tokens().await,
            Db::Postgres(s) => s.api_tokens().await,
        }
    }
    async fn api_token(&self, id: ApiTokenId) -> Result<Option<ApiTokenRow>> {
        match self {
            Db::Sqlite(s) => s.api_token(id).await,
            Db::Postgres(s) => s.api_token(id).await,
        }
    }
    async fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiTokenRow>> {
        match self {
            Db::Sqlite(s) => s.api_token_by_hash(token_hash).await,
            Db::Postgres(s) => s.api_token_by_hash(token_hash).await,
        }
    }
    async fn touch_api_token(&self, id: ApiTokenId, at: Instant) -> Result<()> {
        match self {
            Db::Sqlite(s) => s.touch_api_token(id, at).await,
            Db::Postgres(s) => s.touch_api_token(id, at).await,
        }
    }
    async fn revoke_api_token(
        &self,
        id: ApiTokenId,
        by: Option<UserId>,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<bool> {
        match self {
            Db::Sqlite(s) => s.revoke_api_token(id, by, at, audit).await,
            Db::Postgres(s) => s.revoke_api_token(id, by, at, audit).await,
        }
    }
}
