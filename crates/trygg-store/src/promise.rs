//! Medborgarlöften in the store: promises with their activities and indicators, the
//! monthly reports with their values, and the incident counts computed indicators need.
//!
//! A trait of its own like [`crate::WalkStore`]; the SQL is shared by both backends
//! through `impl_promise_store!`. Who may do what is decided by `trygg-core`. The one
//! rule kept here is that a published report is final: the migration's triggers refuse
//! any change to a published report or its values, and the store turns that refusal
//! into `Conflict { constraint: "promise_report_published" }`, so saving over or
//! publishing a published report fails the same way whichever path tries it.

use trygg_domain::audit::AuditDraft;
use trygg_domain::id::{AreaId, UserId};
use trygg_domain::promise::{PromiseId, PromiseIndicatorId, PromiseReportId};
use trygg_domain::time::Instant;

use crate::Result;

/// The refusal of any change to a published report (the triggers' message).
pub const PUBLISHED_IS_FINAL: &str = "promise_report_published";

/// An activity to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    pub text: String,
    /// `police`, `municipality` or `both`.
    pub owner: &'static str,
}

/// An indicator to store: with an id, an existing one of the promise is changed;
/// without, a new one is added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIndicator {
    pub id: Option<PromiseIndicatorId>,
    pub name: String,
    /// `incidents`, `measures_done` or `manual`.
    pub source: &'static str,
    /// Comma-separated category codes (source `incidents`).
    pub categories: String,
}

/// A promise to store (already parsed by the core).
#[derive(Debug, Clone)]
pub struct NewPromise {
    pub title: String,
    pub statement: String,
    pub description: Option<String>,
    pub area_id: Option<AreaId>,
    /// `YYYY-MM`.
    pub first_month: String,
    pub last_month: Option<String>,
    pub activities: Vec<NewActivity>,
    pub indicators: Vec<NewIndicator>,
    pub by: Option<UserId>,
    pub at: Instant,
}

/// A stored promise with its area's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseRow {
    pub id: PromiseId,
    pub title: String,
    pub statement: String,
    pub description: Option<String>,
    pub area_id: Option<AreaId>,
    pub area_name: Option<String>,
    pub first_month: String,
    pub last_month: Option<String>,
    pub created_at: Instant,
    pub updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    pub seq: i64,
    pub text: String,
    pub owner: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorRow {
    pub id: PromiseIndicatorId,
    pub seq: i64,
    pub name: String,
    pub source: String,
    pub categories: String,
    /// No longer followed up; kept because reports name it.
    pub retired: bool,
}

/// One value of a report to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewValue {
    pub indicator_id: PromiseIndicatorId,
    /// The indicator's name now, kept with the value.
    pub name: String,
    pub value: Option<i64>,
    pub computed: bool,
}

/// A monthly report to store as a draft (created, or replacing the month's draft).
#[derive(Debug, Clone)]
pub struct NewPromiseReport {
    pub promise_id: PromiseId,
    /// `YYYY-MM`.
    pub month: String,
    pub done_text: String,
    pub comments: Option<String>,
    pub values: Vec<NewValue>,
    pub by: Option<UserId>,
    pub at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueRow {
    pub indicator_id: PromiseIndicatorId,
    pub name: String,
    pub value: Option<i64>,
    pub computed: bool,
}

/// A stored report with its values (in the indicators' order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseReportRow {
    pub id: PromiseReportId,
    pub promise_id: PromiseId,
    pub month: String,
    /// `draft` or `published`.
    pub status: String,
    pub done_text: String,
    pub comments: Option<String>,
    pub created_at: Instant,
    pub updated_at: Instant,
    pub published_at: Option<Instant>,
    pub published_by: Option<UserId>,
    pub published_by_name: Option<String>,
    pub values: Vec<ValueRow>,
}

/// Counted incidents of one category version's code in an area and span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryCount {
    pub code: String,
    /// For a retired category: the code it counts under now.
    pub replaced_by: Option<String>,
    pub n: i64,
}

/// The store's side of medborgarlöften.
#[allow(async_fn_in_trait)]
pub trait PromiseStore {
    /// Stores a promise with its activities and indicators in one transaction.
    async fn create_promise(&self, new: &NewPromise, audit: AuditDraft) -> Result<PromiseId>;
    /// Replaces a promise's values and activities; indicators with an id are changed,
    /// those without are added, and the promise's indicators left out are retired.
    async fn update_promise(
        &self,
        id: PromiseId,
        new: &NewPromise,
        audit: AuditDraft,
    ) -> Result<()>;
    /// Every promise, newest period first.
    async fn promises(&self) -> Result<Vec<PromiseRow>>;
    async fn promise(&self, id: PromiseId) -> Result<Option<PromiseRow>>;
    async fn promise_activities(&self, id: PromiseId) -> Result<Vec<ActivityRow>>;
    /// The indicators, retired ones included, in order.
    async fn promise_indicators(&self, id: PromiseId) -> Result<Vec<IndicatorRow>>;

    /// Creates the month's report as a draft, or replaces its draft (text and values).
    /// A published report is final: `Conflict("promise_report_published")`.
    async fn save_promise_report(
        &self,
        new: &NewPromiseReport,
        audit: AuditDraft,
    ) -> Result<PromiseReportId>;
    /// Publishes a draft. Publishing a published report is refused like any change.
    async fn publish_promise_report(
        &self,
        id: PromiseReportId,
        by: Option<UserId>,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<()>;
    /// A promise's reports by month (oldest first); only published ones when asked.
    async fn promise_reports(
        &self,
        promise: PromiseId,
        published_only: bool,
    ) -> Result<Vec<PromiseReportRow>>;
    async fn promise_report(&self, id: PromiseReportId) -> Result<Option<PromiseReportRow>>;
    /// The most recently published reports of all promises, newest first (the feed).
    async fn published_promise_reports(&self, limit: i64) -> Result<Vec<PromiseReportRow>>;

    /// Counted incidents (as the lägesbild counts them) in the area with
    /// `from <= occurred_from < to`, per category version, over every organisation: an
    /// indicator is a published aggregate, like the lägesbild's public version.
    async fn incident_counts_by_category(
        &self,
        area: AreaId,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<CategoryCount>>;
}

macro_rules! impl_promise_store {
    ($store:ident, $db:ty) => {
        mod promise_impl {
            use sqlx::Row as _;
            use trygg_domain::audit::AuditDraft;
            use trygg_domain::id::{AreaId, UserId};
            use trygg_domain::promise::{PromiseId, PromiseIndicatorId, PromiseReportId};
            use trygg_domain::time::Instant;

            use super::append;
            use $crate::lagesbild::COUNTED;
            use $crate::promise::*;
            use $crate::{Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Tx = sqlx::Transaction<'static, $db>;

            const PROMISE_COLUMNS: &str = "p.id, p.title, p.statement, p.description, p.area_id, a.name AS area_name, \
                p.first_month, p.last_month, p.created_at, p.updated_at FROM promises p LEFT JOIN areas a ON a.id = p.area_id";

            const REPORT_COLUMNS: &str = "r.id, r.promise_id, r.month, r.status, r.done_text, r.comments, r.created_at, \
                r.updated_at, r.published_at, r.published_by, u.name AS published_by_name \
                FROM promise_reports r LEFT JOIN users u ON u.id = r.published_by";

            fn promise_from(r: &Row) -> Result<PromiseRow> {
                Ok(PromiseRow {
                    id: PromiseId(r.try_get("id")?),
                    title: r.try_get("title")?,
                    statement: r.try_get("statement")?,
                    description: r.try_get("description")?,
                    area_id: r.try_get::<Option<i64>, _>("area_id")?.map(AreaId),
                    area_name: r.try_get("area_name")?,
                    first_month: r.try_get("first_month")?,
                    last_month: r.try_get("last_month")?,
                    created_at: Instant(r.try_get("created_at")?),
                    updated_at: Instant(r.try_get("updated_at")?),
                })
            }

            fn report_from(r: &Row) -> Result<PromiseReportRow> {
                Ok(PromiseReportRow {
                    id: PromiseReportId(r.try_get("id")?),
                    promise_id: PromiseId(r.try_get("promise_id")?),
                    month: r.try_get("month")?,
                    status: r.try_get("status")?,
                    done_text: r.try_get("done_text")?,
                    comments: r.try_get("comments")?,
                    created_at: Instant(r.try_get("created_at")?),
                    updated_at: Instant(r.try_get("updated_at")?),
                    published_at: r.try_get::<Option<i64>, _>("published_at")?.map(Instant),
                    published_by: r.try_get::<Option<i64>, _>("published_by")?.map(UserId),
                    published_by_name: r.try_get("published_by_name")?,
                    values: Vec::new(),
                })
            }

            /// A trigger's refusal of a change to a published report, as a conflict.
            fn final_or(e: sqlx::Error) -> StoreError {
                match &e {
                    sqlx::Error::Database(db) if db.message().contains(PUBLISHED_IS_FINAL) => {
                        StoreError::Conflict { constraint: PUBLISHED_IS_FINAL }
                    }
                    _ => StoreError::Database(e),
                }
            }

            async fn finish(mut tx: Tx, key: &trygg_domain::audit::AuditKey, audit: &AuditDraft) -> Result<()> {
                append(&mut tx, key, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn write_activities(tx: &mut Tx, id: i64, activities: &[NewActivity]) -> Result<()> {
                sqlx::query("DELETE FROM promise_activities WHERE promise_id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                for (n, a) in activities.iter().enumerate() {
                    sqlx::query("INSERT INTO promise_activities (promise_id, seq, text, owner) VALUES ($1, $2, $3, $4)")
                        .bind(id)
                        .bind(n as i64 + 1)
                        .bind(&a.text)
                        .bind(a.owner)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            async fn write_indicators(tx: &mut Tx, id: i64, indicators: &[NewIndicator]) -> Result<()> {
                // Retire all first; the ones named again come back below.
                sqlx::query("UPDATE promise_indicators SET retired = TRUE WHERE promise_id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                for (n, ind) in indicators.iter().enumerate() {
                    let seq = n as i64 + 1;
                    match ind.id {
                        Some(existing) => {
                            let done = sqlx::query(
                                "UPDATE promise_indicators SET seq = $1, name = $2, source = $3, categories = $4, retired = FALSE \
                                 WHERE id = $5 AND promise_id = $6",
                            )
                            .bind(seq)
                            .bind(&ind.name)
                            .bind(ind.source)
                            .bind(&ind.categories)
                            .bind(existing.0)
                            .bind(id)
                            .execute(&mut **tx)
                            .await?;
                            if done.rows_affected() == 0 {
                                return Err(StoreError::NotFound);
                            }
                        }
                        None => {
                            sqlx::query(
                                "INSERT INTO promise_indicators (promise_id, seq, name, source, categories, retired) \
                                 VALUES ($1, $2, $3, $4, $5, FALSE)",
                            )
                            .bind(id)
                            .bind(seq)
                            .bind(&ind.name)
                            .bind(ind.source)
                            .bind(&ind.categories)
                            .execute(&mut **tx)
                            .await?;
                        }
                    }
                }
                Ok(())
            }

            impl super::$store {
                /// Fills in the values of the reports, in the indicators' order.
                async fn with_values(&self, mut reports: Vec<PromiseReportRow>) -> Result<Vec<PromiseReportRow>> {
                    for r in &mut reports {
                        let rows = sqlx::query(
                            "SELECT v.indicator_id, v.name, v.value, v.computed FROM promise_report_values v \
                             JOIN promise_indicators i ON i.id = v.indicator_id WHERE v.report_id = $1 ORDER BY i.seq, i.id",
                        )
                        .bind(r.id.0)
                        .fetch_all(&self.pool)
                        .await?;
                        r.values = rows
                            .iter()
                            .map(|v| {
                                Ok(ValueRow {
                                    indicator_id: PromiseIndicatorId(v.try_get("indicator_id")?),
                                    name: v.try_get("name")?,
                                    value: v.try_get("value")?,
                                    computed: v.try_get("computed")?,
                                })
                            })
                            .collect::<Result<_>>()?;
                    }
                    Ok(reports)
                }
            }

            impl PromiseStore for super::$store {
                async fn create_promise(&self, new: &NewPromise, audit: AuditDraft) -> Result<PromiseId> {
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO promises (title, statement, description, area_id, first_month, last_month, created_by, \
                         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
                    )
                    .bind(&new.title)
                    .bind(&new.statement)
                    .bind(&new.description)
                    .bind(new.area_id.map(|a| a.0))
                    .bind(&new.first_month)
                    .bind(&new.last_month)
                    .bind(new.by.map(|u| u.0))
                    .bind(new.at.0)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    write_activities(&mut tx, id, &new.activities).await?;
                    write_indicators(&mut tx, id, &new.indicators).await?;
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.to_string());
                    finish(tx, &self.key, &audit).await?;
                    Ok(PromiseId(id))
                }

                async fn update_promise(&self, id: PromiseId, new: &NewPromise, audit: AuditDraft) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "UPDATE promises SET title = $1, statement = $2, description = $3, area_id = $4, first_month = $5, \
                         last_month = $6, updated_at = $7 WHERE id = $8",
                    )
                    .bind(&new.title)
                    .bind(&new.statement)
                    .bind(&new.description)
                    .bind(new.area_id.map(|a| a.0))
                    .bind(&new.first_month)
                    .bind(&new.last_month)
                    .bind(new.at.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    write_activities(&mut tx, id.0, &new.activities).await?;
                    write_indicators(&mut tx, id.0, &new.indicators).await?;
                    finish(tx, &self.key, &audit).await
                }

                async fn promises(&self) -> Result<Vec<PromiseRow>> {
                    let sql = format!("SELECT {PROMISE_COLUMNS} ORDER BY p.first_month DESC, p.id DESC");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?;
                    rows.iter().map(promise_from).collect()
                }

                async fn promise(&self, id: PromiseId) -> Result<Option<PromiseRow>> {
                    let sql = format!("SELECT {PROMISE_COLUMNS} WHERE p.id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await?;
                    row.as_ref().map(promise_from).transpose()
                }

                async fn promise_activities(&self, id: PromiseId) -> Result<Vec<ActivityRow>> {
                    let rows = sqlx::query("SELECT seq, text, owner FROM promise_activities WHERE promise_id = $1 ORDER BY seq")
                        .bind(id.0)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|r| Ok(ActivityRow { seq: r.try_get("seq")?, text: r.try_get("text")?, owner: r.try_get("owner")? }))
                        .collect()
                }

                async fn promise_indicators(&self, id: PromiseId) -> Result<Vec<IndicatorRow>> {
                    let rows = sqlx::query(
                        "SELECT id, seq, name, source, categories, retired FROM promise_indicators WHERE promise_id = $1 \
                         ORDER BY retired, seq, id",
                    )
                    .bind(id.0)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(IndicatorRow {
                                id: PromiseIndicatorId(r.try_get("id")?),
                                seq: r.try_get("seq")?,
                                name: r.try_get("name")?,
                                source: r.try_get("source")?,
                                categories: r.try_get("categories")?,
                                retired: r.try_get("retired")?,
                            })
                        })
                        .collect()
                }

                async fn save_promise_report(&self, new: &NewPromiseReport, audit: AuditDraft) -> Result<PromiseReportId> {
                    let mut tx = self.begin_write().await?;
                    // On a published month the UPDATE of the upsert meets the trigger.
                    let id: i64 = sqlx::query(
                        "INSERT INTO promise_reports (promise_id, month, status, done_text, comments, created_by, created_at, \
                         updated_by, updated_at) VALUES ($1, $2, 'draft', $3, $4, $5, $6, $5, $6) \
                         ON CONFLICT (promise_id, month) DO UPDATE SET done_text = excluded.done_text, \
                         comments = excluded.comments, updated_by = excluded.updated_by, updated_at = excluded.updated_at \
                         RETURNING id",
                    )
                    .bind(new.promise_id.0)
                    .bind(&new.month)
                    .bind(&new.done_text)
                    .bind(&new.comments)
                    .bind(new.by.map(|u| u.0))
                    .bind(new.at.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(final_or)?
                    .try_get("id")?;
                    sqlx::query("DELETE FROM promise_report_values WHERE report_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await
                        .map_err(final_or)?;
                    for v in &new.values {
                        sqlx::query(
                            "INSERT INTO promise_report_values (report_id, indicator_id, name, value, computed) \
                             SELECT $1, i.id, $3, $4, $5 FROM promise_indicators i WHERE i.id = $2 AND i.promise_id = $6",
                        )
                        .bind(id)
                        .bind(v.indicator_id.0)
                        .bind(&v.name)
                        .bind(v.value)
                        .bind(v.computed)
                        .bind(new.promise_id.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(final_or)?;
                    }
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.to_string());
                    finish(tx, &self.key, &audit).await?;
                    Ok(PromiseReportId(id))
                }

                async fn publish_promise_report(
                    &self,
                    id: PromiseReportId,
                    by: Option<UserId>,
                    at: Instant,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    // No `AND status = 'draft'`: publishing twice is a change to a
                    // published report, which the trigger refuses.
                    let done = sqlx::query(
                        "UPDATE promise_reports SET status = 'published', published_by = $1, published_at = $2 WHERE id = $3",
                    )
                    .bind(by.map(|u| u.0))
                    .bind(at.0)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(final_or)?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    finish(tx, &self.key, &audit).await
                }

                async fn promise_reports(&self, promise: PromiseId, published_only: bool) -> Result<Vec<PromiseReportRow>> {
                    let sql = format!(
                        "SELECT {REPORT_COLUMNS} WHERE r.promise_id = $1 AND (r.status = 'published' OR $2 = FALSE) ORDER BY r.month"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(promise.0)
                        .bind(published_only)
                        .fetch_all(&self.pool)
                        .await?;
                    let reports = rows.iter().map(report_from).collect::<Result<Vec<_>>>()?;
                    self.with_values(reports).await
                }

                async fn promise_report(&self, id: PromiseReportId) -> Result<Option<PromiseReportRow>> {
                    let sql = format!("SELECT {REPORT_COLUMNS} WHERE r.id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await?;
                    let Some(row) = row else { return Ok(None) };
                    Ok(self.with_values(vec![report_from(&row)?]).await?.pop())
                }

                async fn published_promise_reports(&self, limit: i64) -> Result<Vec<PromiseReportRow>> {
                    let sql = format!(
                        "SELECT {REPORT_COLUMNS} WHERE r.status = 'published' ORDER BY r.published_at DESC, r.id DESC LIMIT $1"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(limit.clamp(1, 1000))
                        .fetch_all(&self.pool)
                        .await?;
                    let reports = rows.iter().map(report_from).collect::<Result<Vec<_>>>()?;
                    self.with_values(reports).await
                }

                async fn incident_counts_by_category(&self, area: AreaId, from: Instant, to: Instant) -> Result<Vec<CategoryCount>> {
                    // CROSS JOIN keeps the (area, time) index outermost on SQLite.
                    let sql = format!(
                        "SELECT c.code, c.replaced_by, COUNT(*) AS n FROM incident_areas ia CROSS JOIN incidents i \
                         JOIN categories c ON c.id = i.category_id \
                         WHERE ia.area_id = $1 AND ia.occurred_from >= $2 AND ia.occurred_from < $3 AND i.id = ia.incident_id \
                         AND {COUNTED} GROUP BY c.code, c.replaced_by ORDER BY c.code"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(area.0)
                        .bind(from.0)
                        .bind(to.0)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|r| Ok(CategoryCount { code: r.try_get("code")?, replaced_by: r.try_get("replaced_by")?, n: r.try_get("n")? }))
                        .collect()
                }
            }
        }
    };
}

pub(crate) use impl_promise_store;

use crate::Db;

macro_rules! delegate_promises {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl PromiseStore for Db {
            $(
                async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match self {
                        Db::Sqlite(s) => s.$name($($arg),*).await,
                        Db::Postgres(s) => s.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

delegate_promises! {
    fn create_promise(&self, new: &NewPromise, audit: AuditDraft) -> Result<PromiseId>;
    fn update_promise(&self, id: PromiseId, new: &NewPromise, audit: AuditDraft) -> Result<()>;
    fn promises(&self) -> Result<Vec<PromiseRow>>;
    fn promise(&self, id: PromiseId) -> Result<Option<PromiseRow>>;
    fn promise_activities(&self, id: PromiseId) -> Result<Vec<ActivityRow>>;
    fn promise_indicators(&self, id: PromiseId) -> Result<Vec<IndicatorRow>>;
    fn save_promise_report(&self, new: &NewPromiseReport, audit: AuditDraft) -> Result<PromiseReportId>;
    fn publish_promise_report(&self, id: PromiseReportId, by: Option<UserId>, at: Instant, audit: AuditDraft) -> Result<()>;
    fn promise_reports(&self, promise: PromiseId, published_only: bool) -> Result<Vec<PromiseReportRow>>;
    fn promise_report(&self, id: PromiseReportId) -> Result<Option<PromiseReportRow>>;
    fn published_promise_reports(&self, limit: i64) -> Result<Vec<PromiseReportRow>>;
    fn incident_counts_by_category(&self, area: AreaId, from: Instant, to: Instant) -> Result<Vec<CategoryCount>>;
}
