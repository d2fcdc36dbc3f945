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

use trygg_domain::geo::Wgs84;
use trygg_domain::id::{AreaId, OrganisationId, PlaceId};
use trygg_domain::incident::{CategoryId, IncidentId};
use trygg_domain::time::{Instant, STOCKHOLM};

use crate::Result;
use crate::incident::{Arg, Sql, Visibility};

/// Progress of a rebuild: (incidents read, incidents to read).
pub type RebuildProgress<'a> = dyn Fn(u64, u64) + Send + Sync + 'a;

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

/// The month key of the instant: local (Europe/Stockholm) year · 100 + month.
pub fn month_key(at: Instant) -> i64 {
    let date = local(at).date();
    i64::from(date.year()) * 100 + i64::from(date.month())
}

fn local(at: Instant) -> jiff::civil::DateTime {
    let ts = at.timestamp();
    match jiff::tz::TimeZone::get(STOCKHOLM) {
        Ok(tz) => tz.to_datetime(ts),
        Err(_) => ts.to_zoned(jiff::tz::TimeZone::UTC).datetime(),
    }
}

/// Side of the stored hot-spot cells, metres (SWEREF 99 TM).
pub const CELL_M: f64 = 200.0;

/// The stored 200 m SWEREF 99 TM cell of a position: (floor(E / 200), floor(N / 200)).
pub fn cell_of(lat: f64, lon: f64) -> Option<(i64, i64)> {
    let p = Wgs84::new(lat, lon).ok()?.to_sweref99tm().ok()?;
    Some((
        (p.e() / CELL_M).floor() as i64,
        (p.n() / CELL_M).floor() as i64,
    ))
}

/// Units of one incident in `incident_week_hours`.
pub const HOUR_UNIT: i64 = 1_000_000_000;

/// The hour of the week (Monday 00–01 = 0 … Sunday 23–24 = 167) of an instant, local.
pub fn hour_of_week(at: Instant) -> i64 {
    let dt = local(at);
    i64::from(dt.date().weekday().to_monday_zero_offset()) * 24 + i64::from(dt.hour())
}

/// The aoristic hour-of-week weights of an incident, in [`HOUR_UNIT`]s: all of it in
/// its hour when only the start is known, otherwise each hour it spans in proportion to
/// the time it spans (Stockholm's offsets are whole hours, so local hours begin at whole
/// UTC hours).
pub fn hour_weights(from: Instant, to: Option<Instant>) -> Vec<(i64, i64)> {
    let Some(to) = to.filter(|t| t.0 > from.0) else {
        return vec![(hour_of_week(from), HOUR_UNIT)];
    };
    const HOUR: i64 = 3_600_000_000;
    let total = i128::from(to.0 - from.0);
    let mut bins = [0i64; 168];
    let mut cur = from.0;
    while cur < to.0 {
        let next = ((cur.div_euclid(HOUR) + 1) * HOUR).min(to.0);
        let units = (i128::from(next - cur) * i128::from(HOUR_UNIT) / total) as i64;
        bins[hour_of_week(Instant(cur)) as usize] += units;
        cur = next;
    }
    bins.iter()
        .enumerate()
        .filter(|(_, w)| **w > 0)
        .map(|(h, w)| (h as i64, *w))
        .collect()
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

/// One stored hot-spot cell of a week, summed over what the caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellCount {
    /// floor(E / [`CELL_M`]), floor(N / [`CELL_M`]).
    pub cell_e: i64,
    pub cell_n: i64,
    pub n: i64,
}

/// One month's count of a category, summed over what the caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthCount {
    /// Local year · 100 + month.
    pub month: i64,
    pub category_id: CategoryId,
    pub n: i64,
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
    /// The week's counted incidents with a position by stored 200 m cell.
    async fn week_cells(
        &self,
        area: AreaId,
        week: i64,
        visibility: Visibility,
    ) -> Result<Vec<CellCount>>;
    /// The week's aoristic hour-of-week weights (hour, [`HOUR_UNIT`]s).
    async fn week_hours(
        &self,
        area: AreaId,
        week: i64,
        visibility: Visibility,
    ) -> Result<Vec<(i64, i64)>>;
    /// The counted incidents of `area` starting in `[from, to)` worth naming: severity 3
    /// or in one of `categories`, most severe first, then oldest, at most `limit`.
    async fn notable_incidents(
        &self,
        area: AreaId,
        from: Instant,
        to: Instant,
        visibility: Visibility,
        categories: &[CategoryId],
        limit: i64,
    ) -> Result<Vec<WeekIncident>>;
    /// Monthly counts (month keys `first..=last`) of `area`, or of every counted incident
    /// with `None`.
    async fn month_counts(
        &self,
        area: Option<AreaId>,
        first: i64,
        last: i64,
        visibility: Visibility,
    ) -> Result<Vec<MonthCount>>;
    /// Counted incidents by category starting in `[from, to)`, counted by the database
    /// (for the part of a month the monthly rollup cannot split).
    async fn counts_between(
        &self,
        area: Option<AreaId>,
        from: Instant,
        to: Instant,
        visibility: Visibility,
    ) -> Result<Vec<(CategoryId, i64)>>;
    /// Recomputes the whole rollup from the incidents in one transaction; returns the
    /// number of rollup rows written.
    async fn rebuild_week_counts(&self) -> Result<u64>;
    /// Recomputes every rollup (weekly counts, cells, hours, months) from the incidents,
    /// all of them or those from the week and month holding `from` on, in one
    /// transaction. `progress` gets the incidents read so far and their number. Returns
    /// the rollup rows written.
    async fn rebuild_rollups(
        &self,
        from: Option<Instant>,
        progress: &RebuildProgress<'_>,
    ) -> Result<u64>;
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

/// A rollup table: its integer key columns between `area_id` and `organisation_id,
/// sharing`, and its value columns.
pub(crate) struct Table {
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub values: &'static [&'static str],
}

/// The rollups, in the order of [`Rollups::tables`].
pub(crate) const TABLES: [Table; 4] = [
    Table {
        name: "incident_week_counts",
        keys: &["week", "category_id"],
        values: &["n", "n_insecure"],
    },
    Table {
        name: "incident_week_cells",
        keys: &["week", "cell_e", "cell_n"],
        values: &["n"],
    },
    Table {
        name: "incident_week_hours",
        keys: &["week", "hour"],
        values: &["w"],
    },
    Table {
        name: "incident_month_counts",
        keys: &["month", "category_id"],
        values: &["n"],
    },
];

/// A rollup key: (area, the table's keys padded with zeros, organisation, sharing).
pub(crate) type Key = (i64, [i64; 3], i64, String);

/// Changes to the rollup rows, per table.
pub(crate) type Deltas = std::collections::HashMap<Key, [i64; 2]>;

/// What a counted incident contributes to the rollups.
pub(crate) struct Counted<'a> {
    pub areas: &'a [i64],
    pub category_id: i64,
    pub organisation_id: i64,
    pub sharing: &'a str,
    pub from: Instant,
    pub to: Option<Instant>,
    pub position: Option<(f64, f64)>,
    pub insecure: bool,
}

/// Accumulated changes to the four rollups.
#[derive(Default)]
pub(crate) struct Rollups {
    pub tables: [Deltas; 4],
}

impl Rollups {
    /// Adds (`sign` 1) or removes (−1) an incident; `weeks` and `months` choose the
    /// weekly rollups (counts, cells, hours) and the monthly one.
    pub fn add(&mut self, c: &Counted<'_>, sign: i64, weeks: bool, months: bool) {
        let org = c.organisation_id;
        let mut bump = |t: usize, area: i64, keys: [i64; 3], v: [i64; 2]| {
            let d = self.tables[t]
                .entry((area, keys, org, c.sharing.to_owned()))
                .or_default();
            d[0] += v[0];
            d[1] += v[1];
        };
        if weeks && !c.areas.is_empty() {
            let week = week_key(c.from);
            let cell = c.position.and_then(|(lat, lon)| cell_of(lat, lon));
            let hours = hour_weights(c.from, c.to);
            for &a in c.areas {
                bump(
                    0,
                    a,
                    [week, c.category_id, 0],
                    [sign, sign * i64::from(c.insecure)],
                );
                if let Some((e, n)) = cell {
                    bump(1, a, [week, e, n], [sign, 0]);
                }
                for &(h, w) in &hours {
                    bump(2, a, [week, h, 0], [sign * w, 0]);
                }
            }
        }
        if months {
            let month = month_key(c.from);
            // Area 0: every counted incident, for the municipality-wide views.
            for &a in std::iter::once(&0).chain(c.areas) {
                bump(3, a, [month, c.category_id, 0], [sign, 0]);
            }
        }
    }

    /// Rollup rows this would write.
    pub fn len(&self) -> u64 {
        self.tables.iter().map(|t| t.len() as u64).sum()
    }
}

/// Rows per multi-row upsert (at most 8 values each).
pub(crate) const UPSERT_ROWS: usize = 1000;

/// Monday 00:00 (local) of the ISO week holding `at`, and the first of its month
/// 00:00: where a partial rebuild from `at` starts for each kind of rollup.
pub(crate) fn period_starts(at: Instant) -> (Instant, Instant) {
    let Ok(tz) = jiff::tz::TimeZone::get(STOCKHOLM) else {
        return (at, at);
    };
    let date = tz.to_datetime(at.timestamp()).date();
    let monday = date
        .checked_sub(jiff::Span::new().days(i64::from(date.weekday().to_monday_zero_offset())))
        .unwrap_or(date);
    let first = date.first_of_month();
    let start = |d: jiff::civil::Date| {
        d.to_zoned(tz.clone())
            .map(|z| Instant::from_timestamp(z.timestamp()))
            .unwrap_or(at)
    };
    (start(monday), start(first))
}

macro_rules! impl_lagesbild_store {
    ($store:ident, $db:ty) => {
        pub(crate) mod lagesbild_impl {
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

            /// Adds the changes to their rollup tables (negative to subtract), then drops
            /// rows that fell to zero.
            pub(crate) async fn upsert(tx: &mut Tx, rollups: Rollups) -> Result<()> {
                for (table, deltas) in TABLES.iter().zip(rollups.tables) {
                    upsert_table(tx, table, deltas).await?;
                }
                Ok(())
            }

            async fn upsert_table(tx: &mut Tx, t: &Table, deltas: Deltas) -> Result<()> {
                let deltas: Vec<(Key, [i64; 2])> = deltas.into_iter().filter(|(_, d)| *d != [0, 0]).collect();
                let nk = t.keys.len();
                let key_cols = format!("area_id, {}, organisation_id, sharing", t.keys.join(", "));
                let set = t
                    .values
                    .iter()
                    .map(|v| format!("{v} = {}.{v} + excluded.{v}", t.name))
                    .collect::<Vec<_>>()
                    .join(", ");
                for chunk in deltas.chunks(UPSERT_ROWS) {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    sql.push(&format!("INSERT INTO {} ({key_cols}, {}) VALUES ", t.name, t.values.join(", ")));
                    for (k, ((a, keys, o, s), v)) in chunk.iter().enumerate() {
                        sql.push(if k == 0 { "(" } else { ", (" });
                        sql.arg(Arg::I(*a));
                        for key in &keys[..nk] {
                            sql.push(", ").arg(Arg::I(*key));
                        }
                        sql.push(", ").arg(Arg::I(*o)).push(", ").arg(Arg::T(s.clone()));
                        for value in &v[..t.values.len()] {
                            sql.push(", ").arg(Arg::I(*value));
                        }
                        sql.push(")");
                    }
                    sql.push(&format!(" ON CONFLICT ({key_cols}) DO UPDATE SET {set}"));
                    let Sql { text, args, .. } = sql;
                    bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).execute(&mut **tx).await?;
                }
                let emptied: std::collections::BTreeSet<(i64, i64)> =
                    deltas.iter().filter(|(_, v)| v[0] < 0).map(|((a, keys, _, _), _)| (*a, keys[0])).collect();
                let delete = format!("DELETE FROM {} WHERE area_id = $1 AND {} = $2 AND {} <= 0", t.name, t.keys[0], t.values[0]);
                for (a, k) in emptied {
                    sqlx::query(sqlx::AssertSqlSafe(delete.clone())).bind(a).bind(k).execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Counts newly inserted incidents (ids beside them) into the rollups, in the
            /// caller's transaction. Call it from every path that inserts incidents.
            pub(crate) async fn rollup_new(tx: &mut Tx, rows: &[(i64, &NewIncident)]) -> Result<()> {
                let mut rollups = Rollups::default();
                let mut areas = Vec::new();
                for (_, i) in rows {
                    if !counts(i.status) {
                        continue;
                    }
                    areas.clear();
                    areas.extend(i.area_ids.iter().map(|a| a.0));
                    let c = Counted {
                        areas: &areas,
                        category_id: i.category_id.0,
                        organisation_id: i.organisation_id.0,
                        sharing: i.sharing,
                        from: i.occurred_from,
                        to: i.occurred_to,
                        position: i.position,
                        insecure: i.creates_insecurity,
                    };
                    rollups.add(&c, 1, true, true);
                }
                upsert(tx, rollups).await
            }

            /// The columns a rollup needs of an incident (alias `i`) and its areas (`ia`,
            /// left joined: an incident without areas still counts municipality-wide).
            const COUNTED_COLUMNS: &str = "i.id, i.category_id, i.organisation_id, i.sharing, i.occurred_from, i.occurred_to, \
                i.lat, i.lon, i.creates_insecurity, ia.area_id";

            /// Adds rows of [`COUNTED_COLUMNS`] (ordered by incident id) to `rollups`; the
            /// weekly rollups only for incidents from `weeks_from`, the monthly one only
            /// from `months_from`.
            fn add_rows(rows: &[<$db as sqlx::Database>::Row], rollups: &mut Rollups, sign: i64, weeks_from: i64, months_from: i64) -> Result<()> {
                let mut k = 0;
                let mut areas = Vec::new();
                while k < rows.len() {
                    let r = &rows[k];
                    let id: i64 = r.try_get("id")?;
                    areas.clear();
                    while k < rows.len() && rows[k].try_get::<i64, _>("id")? == id {
                        if let Some(a) = rows[k].try_get::<Option<i64>, _>("area_id")? {
                            areas.push(a);
                        }
                        k += 1;
                    }
                    let lat: Option<f64> = r.try_get("lat")?;
                    let lon: Option<f64> = r.try_get("lon")?;
                    let sharing: String = r.try_get("sharing")?;
                    let from: i64 = r.try_get("occurred_from")?;
                    let c = Counted {
                        areas: &areas,
                        category_id: r.try_get("category_id")?,
                        organisation_id: r.try_get("organisation_id")?,
                        sharing: &sharing,
                        from: Instant(from),
                        to: r.try_get::<Option<i64>, _>("occurred_to")?.map(Instant),
                        position: lat.zip(lon),
                        insecure: r.try_get("creates_insecurity")?,
                    };
                    rollups.add(&c, sign, from >= weeks_from, from >= months_from);
                }
                Ok(())
            }

            /// Adds (`sign` = 1) or removes (−1) one stored incident's contribution as it
            /// is stored now: nothing if it does not count. Call with −1 before changing
            /// an incident and +1 after, in the same transaction.
            pub(crate) async fn rollup_shift(tx: &mut Tx, id: i64, sign: i64) -> Result<()> {
                let sql = format!(
                    "SELECT {COUNTED_COLUMNS} FROM incidents i LEFT JOIN incident_areas ia ON ia.incident_id = i.id \
                     WHERE i.id = $1 AND {COUNTED}"
                );
                let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(&mut **tx).await?;
                let mut rollups = Rollups::default();
                add_rows(&rows, &mut rollups, sign, i64::MIN, i64::MIN)?;
                upsert(tx, rollups).await
            }

            fn week_incident(r: &<$db as sqlx::Database>::Row) -> Result<WeekIncident> {
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
                    rows.iter().map(week_incident).collect()
                }

                async fn week_cells(&self, area: AreaId, week: i64, v: Visibility) -> Result<Vec<CellCount>> {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    sql.push("SELECT w.cell_e, w.cell_n, CAST(SUM(w.n) AS BIGINT) AS n FROM incident_week_cells w WHERE w.area_id = ")
                        .arg(Arg::I(area.0))
                        .push(" AND w.week = ")
                        .arg(Arg::I(week))
                        .push(" AND ");
                    rollup_visibility(&mut sql, v);
                    sql.push(" GROUP BY w.cell_e, w.cell_n ORDER BY w.cell_n, w.cell_e");
                    let Sql { text, args, .. } = sql;
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| Ok(CellCount { cell_e: r.try_get("cell_e")?, cell_n: r.try_get("cell_n")?, n: r.try_get("n")? }))
                        .collect()
                }

                async fn week_hours(&self, area: AreaId, week: i64, v: Visibility) -> Result<Vec<(i64, i64)>> {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    sql.push("SELECT w.hour, CAST(SUM(w.w) AS BIGINT) AS w FROM incident_week_hours w WHERE w.area_id = ")
                        .arg(Arg::I(area.0))
                        .push(" AND w.week = ")
                        .arg(Arg::I(week))
                        .push(" AND ");
                    rollup_visibility(&mut sql, v);
                    sql.push(" GROUP BY w.hour ORDER BY w.hour");
                    let Sql { text, args, .. } = sql;
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool).await?;
                    rows.iter().map(|r| Ok((r.try_get("hour")?, r.try_get("w")?))).collect()
                }

                async fn notable_incidents(
                    &self,
                    area: AreaId,
                    from: Instant,
                    to: Instant,
                    v: Visibility,
                    categories: &[CategoryId],
                    limit: i64,
                ) -> Result<Vec<WeekIncident>> {
                    const COLUMNS: &str = "SELECT i.id, i.category_id, i.organisation_id, i.occurred_from, i.occurred_to, i.lat, i.lon, \
                        i.place_id, i.severity, i.creates_insecurity";
                    // Severity 3 by the partial index on the municipality's severe incidents.
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    sql.push(COLUMNS)
                        .push(" FROM incidents i WHERE i.severity = 3 AND i.occurred_from >= ")
                        .arg(Arg::I(from.0))
                        .push(" AND i.occurred_from < ")
                        .arg(Arg::I(to.0))
                        .push(" AND ")
                        .push(COUNTED)
                        .push(" AND ");
                    incident_visibility(&mut sql, v);
                    sql.push(" AND EXISTS (SELECT 1 FROM incident_areas ia WHERE ia.incident_id = i.id AND ia.area_id = ")
                        .arg(Arg::I(area.0))
                        .push(") ORDER BY i.occurred_from, i.id LIMIT ")
                        .arg(Arg::I(limit));
                    let Sql { text, args, .. } = sql;
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool).await?;
                    let mut out: Vec<WeekIncident> = rows.iter().map(week_incident).collect::<Result<_>>()?;
                    let left = limit - out.len() as i64;
                    if left > 0 && !categories.is_empty() {
                        let mut sql = Sql::new(super::PLACEHOLDER);
                        sql.push(COLUMNS)
                            .push(" FROM incident_areas ia CROSS JOIN incidents i WHERE ia.area_id = ")
                            .arg(Arg::I(area.0))
                            .push(" AND ia.occurred_from >= ")
                            .arg(Arg::I(from.0))
                            .push(" AND ia.occurred_from < ")
                            .arg(Arg::I(to.0))
                            .push(" AND i.id = ia.incident_id AND i.severity < 3 AND i.category_id IN (");
                        for (k, c) in categories.iter().enumerate() {
                            if k > 0 {
                                sql.push(", ");
                            }
                            sql.arg(Arg::I(c.0));
                        }
                        sql.push(") AND ").push(COUNTED).push(" AND ");
                        incident_visibility(&mut sql, v);
                        sql.push(" ORDER BY i.severity DESC, ia.occurred_from, ia.incident_id LIMIT ").arg(Arg::I(left));
                        let Sql { text, args, .. } = sql;
                        let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool).await?;
                        for r in &rows {
                            out.push(week_incident(r)?);
                        }
                    }
                    Ok(out)
                }

                async fn month_counts(&self, area: Option<AreaId>, first: i64, last: i64, v: Visibility) -> Result<Vec<MonthCount>> {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    sql.push(
                        "SELECT w.month, w.category_id, CAST(SUM(w.n) AS BIGINT) AS n FROM incident_month_counts w WHERE w.area_id = ",
                    )
                    .arg(Arg::I(area.map_or(0, |a| a.0)))
                    .push(" AND w.month >= ")
                    .arg(Arg::I(first))
                    .push(" AND w.month <= ")
                    .arg(Arg::I(last))
                    .push(" AND ");
                    rollup_visibility(&mut sql, v);
                    sql.push(" GROUP BY w.month, w.category_id ORDER BY w.month, w.category_id");
                    let Sql { text, args, .. } = sql;
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool).await?;
                    rows.iter()
                        .map(|r| {
                            Ok(MonthCount {
                                month: r.try_get("month")?,
                                category_id: CategoryId(r.try_get("category_id")?),
                                n: r.try_get("n")?,
                            })
                        })
                        .collect()
                }

                async fn counts_between(&self, area: Option<AreaId>, from: Instant, to: Instant, v: Visibility) -> Result<Vec<(CategoryId, i64)>> {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    match area {
                        Some(a) => {
                            sql.push(
                                "SELECT i.category_id, CAST(COUNT(*) AS BIGINT) AS n FROM incident_areas ia CROSS JOIN incidents i \
                                 WHERE ia.area_id = ",
                            )
                            .arg(Arg::I(a.0))
                            .push(" AND ia.occurred_from >= ")
                            .arg(Arg::I(from.0))
                            .push(" AND ia.occurred_from < ")
                            .arg(Arg::I(to.0))
                            .push(" AND i.id = ia.incident_id");
                        }
                        None => {
                            sql.push("SELECT i.category_id, CAST(COUNT(*) AS BIGINT) AS n FROM incidents i WHERE i.occurred_from >= ")
                                .arg(Arg::I(from.0))
                                .push(" AND i.occurred_from < ")
                                .arg(Arg::I(to.0));
                        }
                    }
                    sql.push(" AND ").push(COUNTED).push(" AND ");
                    incident_visibility(&mut sql, v);
                    sql.push(" GROUP BY i.category_id");
                    let Sql { text, args, .. } = sql;
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool).await?;
                    rows.iter().map(|r| Ok((CategoryId(r.try_get("category_id")?), r.try_get("n")?))).collect()
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
                    self.rebuild_rollups(None, &|_, _| {}).await
                }

                async fn rebuild_rollups(&self, from: Option<Instant>, progress: &RebuildProgress<'_>) -> Result<u64> {
                    const CHUNK: i64 = 50_000;
                    let mut tx = self.begin_write().await?;
                    let (weeks_from, months_from) = match from {
                        Some(at) => {
                            let (w, m) = period_starts(at);
                            (w.0, m.0)
                        }
                        None => (i64::MIN, i64::MIN),
                    };
                    for t in &TABLES {
                        let (key, first) = if t.keys[0] == "week" {
                            (week_key(Instant(weeks_from.max(i64::MIN / 2))), weeks_from)
                        } else {
                            (month_key(Instant(months_from.max(i64::MIN / 2))), months_from)
                        };
                        if first == i64::MIN {
                            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {}", t.name))).execute(&mut *tx).await?;
                        } else {
                            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {} WHERE {} >= $1", t.name, t.keys[0])))
                                .bind(key)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                    let read_from = weeks_from.min(months_from);
                    let range = sqlx::query("SELECT MIN(id) AS lo, MAX(id) AS hi FROM incidents WHERE occurred_from >= $1")
                        .bind(read_from)
                        .fetch_one(&mut *tx)
                        .await?;
                    let (lo, hi): (Option<i64>, Option<i64>) = (range.try_get("lo")?, range.try_get("hi")?);
                    let mut rollups = Rollups::default();
                    if let (Some(lo), Some(hi)) = (lo, hi) {
                        let total = u64::try_from(hi - lo + 1).unwrap_or(0);
                        let sql = format!(
                            "SELECT {COUNTED_COLUMNS} FROM incidents i LEFT JOIN incident_areas ia ON ia.incident_id = i.id \
                             WHERE i.id >= $1 AND i.id < $2 AND i.occurred_from >= $3 AND {COUNTED} ORDER BY i.id"
                        );
                        let mut at = lo;
                        while at <= hi {
                            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                                .bind(at)
                                .bind(at + CHUNK)
                                .bind(read_from)
                                .fetch_all(&mut *tx)
                                .await?;
                            add_rows(&rows, &mut rollups, 1, weeks_from, months_from)?;
                            at += CHUNK;
                            progress(u64::try_from(at.min(hi + 1) - lo).unwrap_or(0), total);
                        }
                    }
                    let written = rollups.len();
                    upsert(&mut tx, rollups).await?;
                    tx.commit().await?;
                    Ok(written)
                }

                async fn ensure_week_counts(&self) -> Result<()> {
                    // Migration 0015 added the monthly rollup: empty with incidents stored
                    // means the rollups were never computed here.
                    let has_rollup = sqlx::query("SELECT 1 AS x FROM incident_month_counts LIMIT 1")
                        .fetch_optional(&self.pool)
                        .await?
                        .is_some();
                    if has_rollup {
                        return Ok(());
                    }
                    let sql = format!("SELECT 1 AS x FROM incidents i WHERE {COUNTED} LIMIT 1");
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
    async fn week_cells(&self, area: AreaId, week: i64, v: Visibility) -> Result<Vec<CellCount>> {
        match self {
            Db::Sqlite(s) => s.week_cells(area, week, v).await,
            Db::Postgres(s) => s.week_cells(area, week, v).await,
        }
    }
    async fn week_hours(&self, area: AreaId, week: i64, v: Visibility) -> Result<Vec<(i64, i64)>> {
        match self {
            Db::Sqlite(s) => s.week_hours(area, week, v).await,
            Db::Postgres(s) => s.week_hours(area, week, v).await,
        }
    }
    async fn notable_incidents(
        &self,
        area: AreaId,
        from: Instant,
        to: Instant,
        v: Visibility,
        categories: &[CategoryId],
        limit: i64,
    ) -> Result<Vec<WeekIncident>> {
        match self {
            Db::Sqlite(s) => {
                s.notable_incidents(area, from, to, v, categories, limit)
                    .await
            }
            Db::Postgres(s) => {
                s.notable_incidents(area, from, to, v, categories, limit)
                    .await
            }
        }
    }
    async fn month_counts(
        &self,
        area: Option<AreaId>,
        first: i64,
        last: i64,
        v: Visibility,
    ) -> Result<Vec<MonthCount>> {
        match self {
            Db::Sqlite(s) => s.month_counts(area, first, last, v).await,
            Db::Postgres(s) => s.month_counts(area, first, last, v).await,
        }
    }
    async fn counts_between(
        &self,
        area: Option<AreaId>,
        from: Instant,
        to: Instant,
        v: Visibility,
    ) -> Result<Vec<(CategoryId, i64)>> {
        match self {
            Db::Sqlite(s) => s.counts_between(area, from, to, v).await,
            Db::Postgres(s) => s.counts_between(area, from, to, v).await,
        }
    }
    async fn rebuild_rollups(
        &self,
        from: Option<Instant>,
        progress: &RebuildProgress<'_>,
    ) -> Result<u64> {
        match self {
            Db::Sqlite(s) => s.rebuild_rollups(from, progress).await,
            Db::Postgres(s) => s.rebuild_rollups(from, progress).await,
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
