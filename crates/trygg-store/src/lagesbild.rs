//! The weekly lägesbild in the store: the rollup of incident counts by area × ISO week ×
//! category × organisation × sharing (`incident_week_counts`), and the lean reads the
//! weekly picture makes.
//!
//! # Keeping the rollup current
//!
//! The rollup is changed in the same transaction as the incidents, by two functions every
//! write path calls (generated per backend by `impl_lagesbild_store!`):
//!
//! - `rollup_new(tx, rows)`: after inserting new incidents (filing a report, any import);
//!   aggregates the rows in memory and upserts one row per key, so a bulk import of a
//!   million incidents costs a few thousand upserts, not a million.
//! - `rollup_shift(tx, id, sign)`: around any change of an existing incident that may
//!   change what it counts as (status, category, areas, time, sharing, merge): call with
//!   `-1` before the change and `+1` after it. It reads the incident as stored, so it is
//!   right whatever the change was.
//!
//! An incident counts when its status is `submitted` or `accepted` and it is not merged
//! into another ([`COUNTED`]). `rebuild_week_counts` recomputes the table from the
//! incidents (after the migration on a database with incidents, or to verify); the store
//! does it by itself on connect when the rollup is empty but counted incidents exist.

use trygg_domain::id::{AreaId, OrganisationId, PlaceId};
use trygg_domain::incident::{CategoryId, IncidentId};
use trygg_domain::time::{Instant, STOCKHOLM};

use crate::Result;
use crate::incident::{Arg, Sql, Visibility};

/// The SQL condition (on alias `i`) of an incident that counts in the lägesbild.
pub const COUNTED: &str = "i.status IN ('submitted', 'accepted') AND i.merged_into IS NULL";

/// Whether an incident with this status counts (the Rust side of [`COUNTED`], for new
/// incidents, which are never merged).
pub fn counts(status: &str) -> bool {
    matches!(status, "submitted" | "accepted")
}

/// The rollup's week key: ISO year · 100 + ISO week of the instant in Europe/Stockholm
/// (2026-W47 = 202647). Keys sort chronologically.
pub fn week_key(at: Instant) -> i64 {
    let ts = at.timestamp();
    let date = match jiff::tz::TimeZone::get(STOCKHOLM) {
        Ok(tz) => tz.to_datetime(ts).date(),
        // The bundled database always has Stockholm; UTC keeps the function total.
        Err(_) => ts.to_zoned(jiff::tz::TimeZone::UTC).date(),
    };
    let iso = date.iso_week_date();
    i64::from(iso.year()) * 100 + i64::from(iso.week())
}

/// One rollup cell, summed over organisations and sharing levels the caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekCount {
    pub week: i64,
    pub category_id: CategoryId,
    pub n: i64,
    pub n_insecure: i64,
}

/// One incident of the week, with what Gi*, the heatmap and the notable list need.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekIncident {
    pub id: IncidentId,
    pub category_id: CategoryId,
    pub organisation_id: OrganisationId,
    pub occurred_from: Instant,
    pub occurred_to: Option<Instant>,
    pub position: Option<(f64, f64)>,
    pub place_id: Option<PlaceId>,
    pub severity: i64,
    pub creates_insecurity: bool,
}

/// A police event as the lägesbild shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PoliceContextRow {
    pub id: i64,
    pub occurred_at: Instant,
    pub event_type: String,
    pub name: String,
    pub summary: String,
    pub url: String,
    pub location_name: String,
}

/// The store's side of the weekly lägesbild.
#[allow(async_fn_in_trait)]
pub trait LagesbildStore {
    /// Rollup counts of `area` for week keys `first..=last`, per week and category,
    /// summed over what `visibility` lets the caller see.
    async fn week_counts(
        &self,
        area: AreaId,
        first: i64,
        last: i64,
        visibility: Visibility,
    ) -> Result<Vec<WeekCount>>;
    /// The first week key with a counted incident in the area, over all organisations
    /// (data completeness does not depend on who looks).
    async fn first_week(&self, area: AreaId) -> Result<Option<i64>>;
    /// The counted incidents of `area` starting in `[from, to)` that the caller may see,
    /// read by the (area, time) index.
    async fn week_incidents(
        &self,
        area: AreaId,
        from: Instant,
        to: Instant,
        visibility: Visibility,
    ) -> Result<Vec<WeekIncident>>;
    /// Police events in `[from, to)`: those linked to `district`, or all when `None`.
    async fn police_context(
        &self,
        district: Option<AreaId>,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<PoliceContextRow>>;
    /// Recomputes the whole rollup from the incidents in one transaction; returns the
    /// number of rollup rows written.
    async fn rebuild_week_counts(&self) -> Result<u64>;
    /// Rebuilds the rollup if it is empty while counted incidents exist (a database
    /// migrated with data); cheap otherwise.
    async fn ensure_week_counts(&self) -> Result<()>;
}

/// The caller's sharing rules on the rollup (alias `w`): the same clauses as on the
/// incidents. A reporter-only visibility has no rollup equivalent (reporters do not see
/// the lägesbild), so it adds nothing.
pub(crate) fn rollup_visibility(sql: &mut Sql, v: Visibility) {
    sql.push("(1 = 0");
    if v.all {
        sql.push(" OR 1 = 1");
    }
    if v.shared {
        sql.push(" OR w.sharing = 'partners'");
    }
    if let Some(o) = v.organisation {
        sql.push(" OR w.organisation_id = ").arg(Arg::I(o.0));
    }
    sql.push(")");
}

/// The caller's sharing rules on incidents (alias `i`), as in `incident.rs`.
pub(crate) fn incident_visibility(sql: &mut Sql, v: Visibility) {
    sql.push("(1 = 0");
    if v.all {
        sql.push(" OR 1 = 1");
    }
    if v.shared {
        sql.push(" OR i.sharing = 'partners'");
    }
    if let Some(o) = v.organisation {
        sql.push(" OR i.organisation_id = ").arg(Arg::I(o.0));
    }
    if let Some(u) = v.reporter {
        sql.push(" OR i.reporter_user_id = ").arg(Arg::I(u.0));
    }
    sql.push(")");
}

/// A rollup key: (area, week, category, organisation, sharing).
pub(crate) type Key = (i64, i64, i64, i64, String);

/// Rows per multi-row upsert: 7 values each.
pub(crate) const UPSERT_ROWS: usize = 1000;

macro_rules! impl_lagesbild_store {
    ($store:ident, $db:ty) => {
        pub(crate) mod lagesbild_impl {
            use std::collections::HashMap;

            use sqlx::Row as _;
            use trygg_domain::id::{AreaId, OrganisationId, PlaceId};
            use trygg_domain::incident::{CategoryId, IncidentId};
            use trygg_domain::time::Instant;

            use $crate::Result;
            use $crate::incident::{Arg, NewIncident, Sql, Visibility};
            use $crate::lagesbild::*;

            type Tx = sqlx::Transaction<'static, $db>;

            fn bind_all<'q>(
                mut q: sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments>,
                args: Vec<Arg>,
            ) -> sqlx::query::Query<'q, $db, <$db as sqlx::Database>::Arguments> {
                for a in args {
                    q = match a {
                        Arg::I(v) => q.bind(v),
                        Arg::OptI(v) => q.bind(v),
                        Arg::T(v) => q.bind(v),
                        Arg::OptT(v) => q.bind(v),
                        Arg::OptF(v) => q.bind(v),
                        Arg::B(v) => q.bind(v),
                    };
                }
                q
            }

            /// Adds `(n, n_insecure)` to each key (negative to subtract), then drops rows
            /// that fell to zero.
            pub(crate) async fn upsert(tx: &mut Tx, deltas: HashMap<Key, (i64, i64)>) -> Result<()> {
                let deltas: Vec<(Key, (i64, i64))> = deltas.into_iter().filter(|(_, d)| *d != (0, 0)).collect();
                let negative = deltas.iter().any(|(_, (n, _))| *n < 0);
                for chunk in deltas.chunks(UPSERT_ROWS) {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    sql.push("INSERT INTO incident_week_counts (area_id, week, category_id, organisation_id, sharing, n, n_insecure) VALUES ");
                    for (k, ((a, w, c, o, s), (n, ni))) in chunk.iter().enumerate() {
                        sql.push(if k == 0 { "(" } else { ", (" });
                        sql.arg(Arg::I(*a)).push(", ").arg(Arg::I(*w)).push(", ").arg(Arg::I(*c)).push(", ");
                        sql.arg(Arg::I(*o)).push(", ").arg(Arg::T(s.clone())).push(", ").arg(Arg::I(*n)).push(", ").arg(Arg::I(*ni)).push(")");
                    }
                    sql.push(
                        " ON CONFLICT (area_id, week, category_id, organisation_id, sharing) DO UPDATE SET \
                         n = incident_week_counts.n + excluded.n, n_insecure = incident_week_counts.n_insecure + excluded.n_insecure",
                    );
                    let Sql { text, args, .. } = sql;
                    bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).execute(&mut **tx).await?;
                }
                if negative {
                    for ((a, w, _, _, _), _) in deltas.iter().filter(|(_, (n, _))| *n < 0) {
                        sqlx::query("DELETE FROM incident_week_counts WHERE area_id = $1 AND week = $2 AND n <= 0")
                            .bind(*a)
                            .bind(*w)
                            .execute(&mut **tx)
                            .await?;
                    }
                }
                Ok(())
            }

            /// Counts newly inserted incidents (ids beside them) into the rollup, in the
            /// caller's transaction. Call it from every path that inserts incidents.
            pub(crate) async fn rollup_new(tx: &mut Tx, rows: &[(i64, &NewIncident)]) -> Result<()> {
                let mut deltas: HashMap<Key, (i64, i64)> = HashMap::new();
                // Consecutive incidents mostly share a week: compute each key once.
                let mut last: Option<(i64, i64)> = None;
                for (_, i) in rows {
                    if !counts(i.status) || i.area_ids.is_empty() {
                        continue;
                    }
                    let t = i.occurred_from.0;
                    let week = match last {
                        Some((lt, w)) if lt == t => w,
                        _ => {
                            let w = week_key(i.occurred_from);
                            last = Some((t, w));
                            w
                        }
                    };
                    for a in &i.area_ids {
                        let d = deltas
                            .entry((a.0, week, i.category_id.0, i.organisation_id.0, i.sharing.to_owned()))
                            .or_default();
                        d.0 += 1;
                        d.1 += i64::from(i.creates_insecurity);
                    }
                }
                upsert(tx, deltas).await
            }

            /// Adds (`sign` = 1) or removes (−1) one stored incident's contribution as it
            /// is stored now: nothing if it does not count. Call with −1 before changing
            /// an incident and +1 after, in the same transaction.
            pub(crate) async fn rollup_shift(tx: &mut Tx, id: i64, sign: i64) -> Result<()> {
                let sql = format!(
                    "SELECT ia.area_id, i.category_id, i.organisation_id, i.sharing, i.occurred_from, i.creates_insecurity \
                     FROM incidents i JOIN incident_areas ia ON ia.incident_id = i.id WHERE i.id = $1 AND {COUNTED}"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&mut **tx).await?;
                let mut deltas: HashMap<Key, (i64, i64)> = HashMap::new();
                for r in rows {
                    let insecure: bool = r.try_get("creates_insecurity")?;
                    let key = (
                        r.try_get("area_id")?,
                        week_key(Instant(r.try_get("occurred_from")?)),
                        r.try_get("category_id")?,
                        r.try_get("organisation_id")?,
                        r.try_get("sharing")?,
                    );
                    let d = deltas.entry(key).or_default();
                    d.0 += sign;
                    d.1 += sign * i64::from(insecure);
                }
                upsert(tx, deltas).await
            }

            impl LagesbildStore for super::$store {
                async fn week_counts(&self, area: AreaId, first: i64, last: i64, v: Visibility) -> Result<Vec<WeekCount>> {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    sql.push(
                        "SELECT w.week, w.category_id, CAST(SUM(w.n) AS BIGINT) AS n, CAST(SUM(w.n_insecure) AS BIGINT) AS ni \
                         FROM incident_week_counts w WHERE w.area_id = ",
                    )
                    .arg(Arg::I(area.0))
                    .push(" AND w.week >= ")
                    .arg(Arg::I(first))
                    .push(" AND w.week <= ")
                    .arg(Arg::I(last))
                    .push(" AND ");
                    rollup_visibility(&mut sql, v);
                    sql.push(" GROUP BY w.week, w.category_id ORDER BY w.week, w.category_id");
                    let Sql { text, args, .. } = sql;
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(WeekCount {
                                week: r.try_get("week")?,
                                category_id: CategoryId(r.try_get("category_id")?),
                                n: r.try_get("n")?,
                                n_insecure: r.try_get("ni")?,
                            })
                        })
                        .collect()
                }

                async fn first_week(&self, area: AreaId) -> Result<Option<i64>> {
                    let row = sqlx::query("SELECT week FROM incident_week_counts WHERE area_id = $1 ORDER BY week LIMIT 1")
                        .bind(area.0)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.map(|r| r.try_get("week")).transpose().map_err(Into::into)
                }

                async fn week_incidents(&self, area: AreaId, from: Instant, to: Instant, v: Visibility) -> Result<Vec<WeekIncident>> {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    // CROSS JOIN keeps the (area, time) index outermost on SQLite.
                    sql.push(
                        "SELECT i.id, i.category_id, i.organisation_id, i.occurred_from, i.occurred_to, i.lat, i.lon, i.place_id, \
                         i.severity, i.creates_insecurity FROM incident_areas ia CROSS JOIN incidents i WHERE ia.area_id = ",
                    )
                    .arg(Arg::I(area.0))
                    .push(" AND ia.occurred_from >= ")
                    .arg(Arg::I(from.0))
                    .push(" AND ia.occurred_from < ")
                    .arg(Arg::I(to.0))
                    .push(" AND i.id = ia.incident_id AND ")
                    .push(COUNTED)
                    .push(" AND ");
                    incident_visibility(&mut sql, v);
                    sql.push(" ORDER BY ia.occurred_from, ia.incident_id");
                    let Sql { text, args, .. } = sql;
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            let lat: Option<f64> = r.try_get("lat")?;
                            let lon: Option<f64> = r.try_get("lon")?;
                            Ok(WeekIncident {
                                id: IncidentId(r.try_get("id")?),
                                category_id: CategoryId(r.try_get("category_id")?),
                                organisation_id: OrganisationId(r.try_get("organisation_id")?),
                                occurred_from: Instant(r.try_get("occurred_from")?),
                                occurred_to: r.try_get::<Option<i64>, _>("occurred_to")?.map(Instant),
                                position: lat.zip(lon),
                                place_id: r.try_get::<Option<i64>, _>("place_id")?.map(PlaceId),
                                severity: r.try_get("severity")?,
                                creates_insecurity: r.try_get("creates_insecurity")?,
                            })
                        })
                        .collect()
                }

                async fn police_context(&self, district: Option<AreaId>, from: Instant, to: Instant) -> Result<Vec<PoliceContextRow>> {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    sql.push("SELECT id, occurred_at, event_type, name, summary, url, location_name FROM police_events WHERE occurred_at >= ")
                        .arg(Arg::I(from.0))
                        .push(" AND occurred_at < ")
                        .arg(Arg::I(to.0));
                    if let Some(d) = district {
                        sql.push(" AND district_area_id = ").arg(Arg::I(d.0));
                    }
                    sql.push(" ORDER BY occurred_at DESC, id DESC LIMIT 200");
                    let Sql { text, args, .. } = sql;
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(PoliceContextRow {
                                id: r.try_get("id")?,
                                occurred_at: Instant(r.try_get("occurred_at")?),
                                event_type: r.try_get("event_type")?,
                                name: r.try_get("name")?,
                                summary: r.try_get("summary")?,
                                url: r.try_get("url")?,
                                location_name: r.try_get("location_name")?,
                            })
                        })
                        .collect()
                }

                async fn rebuild_week_counts(&self) -> Result<u64> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query("DELETE FROM incident_week_counts").execute(&mut *tx).await?;
                    let mut deltas: HashMap<Key, (i64, i64)> = HashMap::new();
                    let mut after = 0i64;
                    loop {
                        let sql = format!(
                            "SELECT i.id, ia.area_id, i.category_id, i.organisation_id, i.sharing, i.occurred_from, i.creates_insecurity \
                             FROM incidents i JOIN incident_areas ia ON ia.incident_id = i.id \
                             WHERE i.id > $1 AND i.id <= $2 AND {COUNTED}"
                        );
                        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(after)
                            .bind(after + 50_000)
                            .fetch_all(&mut *tx)
                            .await?;
                        let more: Option<i64> = sqlx::query("SELECT MIN(id) AS m FROM incidents WHERE id > $1")
                            .bind(after + 50_000)
                            .fetch_one(&mut *tx)
                            .await?
                            .try_get("m")?;
                        for r in rows {
                            let insecure: bool = r.try_get("creates_insecurity")?;
                            let key = (
                                r.try_get("area_id")?,
                                week_key(Instant(r.try_get("occurred_from")?)),
                                r.try_get("category_id")?,
                                r.try_get("organisation_id")?,
                                r.try_get("sharing")?,
                            );
                            let d = deltas.entry(key).or_default();
                            d.0 += 1;
                            d.1 += i64::from(insecure);
                        }
                        match more {
                            Some(m) => after = m - 1,
                            None => break,
                        }
                    }
                    let written = deltas.len() as u64;
                    upsert(&mut tx, deltas).await?;
                    tx.commit().await?;
                    Ok(written)
                }

                async fn ensure_week_counts(&self) -> Result<()> {
                    let has_rollup = sqlx::query("SELECT 1 AS x FROM incident_week_counts LIMIT 1")
                        .fetch_optional(&self.pool)
                        .await?
                        .is_some();
                    if has_rollup {
                        return Ok(());
                    }
                    let sql = format!("SELECT 1 AS x FROM incidents i JOIN incident_areas ia ON ia.incident_id = i.id WHERE {COUNTED} LIMIT 1");
                    let has_incidents = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_optional(&self.pool).await?.is_some();
                    if has_incidents {
                        self.rebuild_week_counts().await?;
                    }
                    Ok(())
                }
            }
        }
    };
}

pub(crate) use impl_lagesbild_store;

use crate::Db;

impl LagesbildStore for Db {
    async fn week_counts(
        &self,
        area: AreaId,
        first: i64,
        last: i64,
        v: Visibility,
    ) -> Result<Vec<WeekCount>> {
        match self {
            Db::Sqlite(s) => s.week_counts(area, first, last, v).await,
            Db::Postgres(s) => s.week_counts(area, first, last, v).await,
        }
    }
    async fn first_week(&self, area: AreaId) -> Result<Option<i64>> {
        match self {
            Db::Sqlite(s) => s.first_week(area).await,
            Db::Postgres(s) => s.first_week(area).await,
        }
    }
    async fn week_incidents(
        &self,
        area: AreaId,
        from: Instant,
        to: Instant,
        v: Visibility,
    ) -> Result<Vec<WeekIncident>> {
        match self {
            Db::Sqlite(s) => s.week_incidents(area, from, to, v).await,
            Db::Postgres(s) => s.week_incidents(area, from, to, v).await,
        }
    }
    async fn police_context(
        &self,
        district: Option<AreaId>,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<PoliceContextRow>> {
        match self {
            Db::Sqlite(s) => s.police_context(district, from, to).await,
            Db::Postgres(s) => s.police_context(district, from, to).await,
        }
    }
    async fn rebuild_week_counts(&self) -> Result<u64> {
        match self {
            Db::Sqlite(s) => s.rebuild_week_counts().await,
            Db::Postgres(s) => s.rebuild_week_counts().await,
        }
    }
    async fn ensure_week_counts(&self) -> Result<()> {
        match self {
            Db::Sqlite(s) => s.ensure_week_counts().await,
            Db::Postgres(s) => s.ensure_week_counts().await,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(s: &str) -> Instant {
        Instant::from_timestamp(s.parse().unwrap())
    }

    #[test]
    fn week_keys_are_stockholm_iso_weeks() {
        // Sunday 29 March 2026 23:30 CEST is still W13; 00:30 Monday is W14.
        assert_eq!(week_key(at("2026-03-29T21:30:00Z")), 202_613);
        assert_eq!(week_key(at("2026-03-29T22:30:00Z")), 202_614);
        // 2027-01-01 belongs to 2026-W53.
        assert_eq!(week_key(at("2027-01-01T12:00:00Z")), 202_653);
    }
}
