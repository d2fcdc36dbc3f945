//! EST reporting in the store: categories, reports and incidents, the areas they lie in,
//! the review, the reporting rhythm, bulk imports and the police's events.
//!
//! A trait of its own beside [`crate::Store`], so each part of the domain has a narrow
//! surface; the SQL is shared by both backends through `impl_incident_store!` like the
//! rest. Who may see which incident is decided by the caller (`trygg-core`) and handed
//! in as a [`Visibility`], which every query applies in SQL, so lists, maps, exports and
//! the API cannot disagree about it.

use trygg_domain::audit::AuditDraft;
use trygg_domain::id::{AreaId, OrganisationId, PlaceId, UserId};
use trygg_domain::incident::{CategoryId, IncidentId, ReportId};
use trygg_domain::time::Instant;

use crate::Result;

/// A stored version of a category.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryRow {
    pub id: CategoryId,
    pub code: String,
    pub version: i64,
    pub name_sv: String,
    pub name_en: String,
    pub group: String,
    pub default_severity: i64,
    pub pii_policy: String,
    pub retired: bool,
    pub replaced_by: Option<String>,
}

/// A category version to store.
#[derive(Debug, Clone)]
pub struct NewCategory {
    pub code: String,
    pub name_sv: String,
    pub name_en: String,
    pub group: String,
    pub default_severity: i64,
    pub pii_policy: String,
    pub retired: bool,
    pub replaced_by: Option<String>,
}

/// One incident to store (already checked and masked by the core).
#[derive(Debug, Clone)]
pub struct NewIncident {
    pub category_id: CategoryId,
    pub organisation_id: OrganisationId,
    pub reporter_user_id: Option<UserId>,
    pub description: String,
    pub pii_found: String,
    pub occurred_from: Instant,
    pub occurred_to: Option<Instant>,
    pub position: Option<(f64, f64)>,
    pub place_id: Option<PlaceId>,
    pub location_text: Option<String>,
    pub severity: i64,
    pub creates_insecurity: bool,
    pub sharing: &'static str,
    pub source: &'static str,
    pub external_id: Option<String>,
    /// `submitted` for everything new; the demo stores older incidents as reviewed.
    pub status: &'static str,
    /// The areas of every kind the position lies in.
    pub area_ids: Vec<AreaId>,
}

/// A report: who, when, and its incidents.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub organisation_id: OrganisationId,
    /// `None` only for reports loaded without a person (the demo's partners without
    /// accounts); idempotency keys need a reporter.
    pub reporter_user_id: Option<UserId>,
    pub submitted_at: Instant,
    pub idempotency_key: Option<String>,
    /// The API token an integration filed it with; its idempotency keys are its own.
    pub api_token_id: Option<trygg_domain::api_token::ApiTokenId>,
    pub incidents: Vec<NewIncident>,
    /// Photos filed with the report: (index into `incidents`, photo), written in the
    /// report's transaction (see [`crate::photo`]).
    pub photos: Vec<(usize, crate::photo::NewPhoto)>,
}

/// A stored incident with its category and organisation names, for lists and pages.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub id: IncidentId,
    pub report_id: Option<ReportId>,
    pub category_id: CategoryId,
    pub category_code: String,
    pub category_sv: String,
    pub category_en: String,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub reporter_user_id: Option<UserId>,
    pub description: String,
    pub pii_found: String,
    pub occurred_from: Instant,
    pub occurred_to: Option<Instant>,
    pub position: Option<(f64, f64)>,
    pub place_id: Option<PlaceId>,
    pub location_text: Option<String>,
    pub severity: i64,
    pub creates_insecurity: bool,
    pub sharing: String,
    pub status: String,
    pub review_note: Option<String>,
    pub merged_into: Option<IncidentId>,
    pub source: String,
    pub created_at: Instant,
}

/// Which incidents a caller may see. Any one clause that holds is enough.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Visibility {
    /// Everything (the coordinator).
    pub all: bool,
    /// Incidents its organisation shares with the partners.
    pub shared: bool,
    /// Every incident of this organisation.
    pub organisation: Option<OrganisationId>,
    /// Incidents this user reported.
    pub reporter: Option<UserId>,
}

impl Visibility {
    pub fn nothing(&self) -> bool {
        !self.all && !self.shared && self.organisation.is_none() && self.reporter.is_none()
    }
}

/// How lists are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IncidentOrder {
    #[default]
    NewestFirst,
    OldestFirst,
    SeverityFirst,
    /// By id: stable and cheap to page through with `after_id`, for exports.
    IdAscending,
}

/// A selection of incidents: every field narrows it.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub area: Option<AreaId>,
    pub place: Option<PlaceId>,
    pub category_code: Option<String>,
    /// `occurred_from >= from`
    pub from: Option<Instant>,
    /// `occurred_from < to`
    pub to: Option<Instant>,
    pub organisation: Option<OrganisationId>,
    pub status: Option<String>,
    /// Case-insensitive substring of the description or location text.
    pub text: Option<String>,
    pub reporter: Option<UserId>,
    /// Only incidents with a larger id (keyset paging for exports, with `IdAscending`).
    pub after_id: Option<IncidentId>,
    pub order: IncidentOrder,
    pub limit: i64,
    pub offset: i64,
}

/// A review decision.
#[derive(Debug, Clone)]
pub enum Review {
    Accept {
        note: Option<String>,
    },
    Reject {
        reason: String,
    },
    Reclassify {
        category_id: CategoryId,
        note: Option<String>,
    },
    MoveTo {
        position: (f64, f64),
        place_id: Option<PlaceId>,
        area_ids: Vec<AreaId>,
    },
    MergeInto {
        target: IncidentId,
    },
}

/// Reports per organisation (and reporter) in one span of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RhythmRow {
    pub organisation_id: OrganisationId,
    pub reporter_user_id: Option<UserId>,
    pub reports: i64,
    pub incidents: i64,
}

/// An event of the police's public feed, ready to store.
#[derive(Debug, Clone)]
pub struct NewPoliceEvent {
    pub id: i64,
    pub occurred_at: Instant,
    pub event_type: String,
    pub name: String,
    pub summary: String,
    pub url: String,
    pub location_name: String,
    pub municipality: String,
    pub centroid: Option<(f64, f64)>,
    pub district_area_id: Option<AreaId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PoliceEventRow {
    pub id: i64,
    pub occurred_at: Instant,
    pub event_type: String,
    pub name: String,
    pub summary: String,
    pub url: String,
    pub municipality: String,
    pub district_area_id: Option<AreaId>,
}

/// A progress callback: rows done so far.
pub type Progress<'a> = dyn Fn(u64) + Send + Sync + 'a;

/// The store's side of EST reporting.
#[allow(async_fn_in_trait)]
pub trait IncidentStore {
    /// Adds a version of a category (a new code starts at version 1).
    async fn add_category_version(
        &self,
        new: &NewCategory,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<CategoryId>;
    /// Every version of every category, by code and version.
    async fn categories(&self) -> Result<Vec<CategoryRow>>;

    /// Stores a report and its incidents in one transaction. With an idempotency key
    /// the reporter already used, nothing is written and the first report's id returned
    /// (`false` = not new).
    async fn submit_report(
        &self,
        report: &NewReport,
        audit: AuditDraft,
    ) -> Result<(ReportId, bool)>;
    /// Stores many incidents (an import) in one transaction, all or nothing; those whose
    /// `(organisation, source, external_id)` exists already are skipped. Returns how many
    /// were new. `progress` is told how many rows are written so far.
    async fn import_incidents(
        &self,
        incidents: &[NewIncident],
        at: Instant,
        audit: AuditDraft,
        progress: &Progress<'_>,
    ) -> Result<u64>;

    async fn incident(&self, id: IncidentId, visibility: Visibility)
    -> Result<Option<IncidentRow>>;
    /// A page of the selection and the size of the whole selection.
    async fn incidents(
        &self,
        filter: &IncidentFilter,
        visibility: Visibility,
    ) -> Result<(Vec<IncidentRow>, i64)>;
    /// The area ids an incident lies in.
    async fn incident_areas(&self, id: IncidentId) -> Result<Vec<AreaId>>;
    /// Applies a review decision.
    async fn review(
        &self,
        id: IncidentId,
        review: &Review,
        reviewer: UserId,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<()>;
    /// Reports and incidents per organisation and reporter, in `[from, to)`.
    async fn rhythm(&self, from: Instant, to: Instant) -> Result<Vec<RhythmRow>>;

    /// Stores new police events, skipping ids already stored; returns how many were new.
    async fn import_police_events(
        &self,
        events: &[NewPoliceEvent],
        at: Instant,
        audit: AuditDraft,
    ) -> Result<u64>;
    async fn police_events(
        &self,
        municipality: &str,
        from: Instant,
        to: Instant,
    ) -> Result<Vec<PoliceEventRow>>;
}

/// A bind value of a query built at run time.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    I(i64),
    OptI(Option<i64>),
    T(String),
    OptT(Option<String>),
    OptF(Option<f64>),
    B(bool),
}

/// A query assembled from pieces: the text with `$N` placeholders and its values.
/// Only placeholders carry values into the text, never user input.
#[derive(Debug)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
    /// `$` for PostgreSQL (`$1`, `$2` …); `?` for SQLite (bare, positional).
    prefix: char,
}

impl Sql {
    pub fn new(prefix: char) -> Self {
        Self {
            text: String::new(),
            args: Vec::new(),
            prefix,
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Adds a value and writes its placeholder.
    pub fn arg(&mut self, a: Arg) -> &mut Self {
        self.args.push(a);
        let n = self.args.len();
        self.text.push(self.prefix);
        // SQLite: bare `?` in order of appearance. Numbered or named parameters make
        // `sqlite3_bind_parameter_name` (which sqlx calls for every parameter) scan a
        // list of all names: quadratic, and 99 % of a 10 000-value bulk INSERT.
        if self.prefix == '$' {
            self.text.push_str(&n.to_string());
        }
        self
    }
}

/// Rows per multi-row INSERT in bulk imports: well under both backends' parameter limits
/// (SQLite 32 766, PostgreSQL 65 535) at 18 columns, and large enough that the per-call
/// overhead vanishes.
pub(crate) const BULK_ROWS: usize = 500;

macro_rules! impl_incident_store {
    ($store:ident, $db:ty) => {
        mod incident_impl {
            use sqlx::Row as _;
            use trygg_domain::audit::AuditDraft;
            use trygg_domain::id::{AreaId, OrganisationId, PlaceId, UserId};
            use trygg_domain::incident::{CategoryId, IncidentId, ReportId};
            use trygg_domain::time::Instant;

            use super::reserve_incident_ids;
            use $crate::incident::*;
            use super::append;
            use $crate::{Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
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

            fn category_from(r: &Row) -> Result<CategoryRow> {
                Ok(CategoryRow {
                    id: CategoryId(r.try_get("id")?),
                    code: r.try_get("code")?,
                    version: r.try_get("version")?,
                    name_sv: r.try_get("name_sv")?,
                    name_en: r.try_get("name_en")?,
                    group: r.try_get("grp")?,
                    default_severity: r.try_get("default_severity")?,
                    pii_policy: r.try_get("pii_policy")?,
                    retired: r.try_get("retired")?,
                    replaced_by: r.try_get("replaced_by")?,
                })
            }

            const INCIDENT_COLUMNS: &str = "i.id, i.report_id, i.category_id, c.code AS category_code, \
                c.name_sv AS category_sv, c.name_en AS category_en, i.organisation_id, o.name AS organisation_name, \
                i.reporter_user_id, i.description, i.pii_found, i.occurred_from, i.occurred_to, i.lat, i.lon, \
                i.place_id, i.location_text, i.severity, i.creates_insecurity, i.sharing, i.status, i.review_note, \
                i.merged_into, i.source, i.created_at";

            fn incident_from(r: &Row) -> Result<IncidentRow> {
                let lat: Option<f64> = r.try_get("lat")?;
                let lon: Option<f64> = r.try_get("lon")?;
                Ok(IncidentRow {
                    id: IncidentId(r.try_get("id")?),
                    report_id: r.try_get::<Option<i64>, _>("report_id")?.map(ReportId),
                    category_id: CategoryId(r.try_get("category_id")?),
                    category_code: r.try_get("category_code")?,
                    category_sv: r.try_get("category_sv")?,
                    category_en: r.try_get("category_en")?,
                    organisation_id: OrganisationId(r.try_get("organisation_id")?),
                    organisation_name: r.try_get("organisation_name")?,
                    reporter_user_id: r.try_get::<Option<i64>, _>("reporter_user_id")?.map(UserId),
                    description: r.try_get("description")?,
                    pii_found: r.try_get("pii_found")?,
                    occurred_from: Instant(r.try_get("occurred_from")?),
                    occurred_to: r.try_get::<Option<i64>, _>("occurred_to")?.map(Instant),
                    position: lat.zip(lon),
                    place_id: r.try_get::<Option<i64>, _>("place_id")?.map(PlaceId),
                    location_text: r.try_get("location_text")?,
                    severity: r.try_get("severity")?,
                    creates_insecurity: r.try_get("creates_insecurity")?,
                    sharing: r.try_get("sharing")?,
                    status: r.try_get("status")?,
                    review_note: r.try_get("review_note")?,
                    merged_into: r.try_get::<Option<i64>, _>("merged_into")?.map(IncidentId),
                    source: r.try_get("source")?,
                    created_at: Instant(r.try_get("created_at")?),
                })
            }

            fn visibility(sql: &mut Sql, v: Visibility) {
                visibility_as(sql, v, "i.sharing = 'partners'");
            }

            /// The visibility clause with `shared` as the test for "shared with the
            /// partners": `ia.shared` in queries driven by `incident_areas`, which holds
            /// it beside the key so that most rows need no look-up in `incidents`.
            fn visibility_as(sql: &mut Sql, v: Visibility, shared: &str) {
                sql.push("(1 = 0");
                if v.all {
                    sql.push(" OR 1 = 1");
                }
                if v.shared {
                    sql.push(" OR ").push(shared);
                }
                if let Some(o) = v.organisation {
                    sql.push(" OR i.organisation_id = ").arg(Arg::I(o.0));
                }
                if let Some(u) = v.reporter {
                    sql.push(" OR i.reporter_user_id = ").arg(Arg::I(u.0));
                }
                sql.push(")");
            }

            /// SELECT `columns` FROM … for a filter. With an area the query is driven by
            /// the (area, time, incident) index of `incident_areas`: CROSS JOIN makes
            /// SQLite keep that table outermost (PostgreSQL plans freely), so one
            /// district's month is one index range instead of a scan of the month.
            fn head(sql: &mut Sql, f: &IncidentFilter, columns: &str) {
                sql.push("SELECT ").push(columns);
                if f.area.is_some() {
                    sql.push(" FROM incident_areas ia CROSS JOIN incidents i");
                } else {
                    sql.push(" FROM incidents i");
                }
                sql.push(" JOIN categories c ON c.id = i.category_id JOIN organisations o ON o.id = i.organisation_id");
            }

            /// The size of a selection, reading no more than the filter needs. One area's
            /// period is counted in `incident_areas` alone, looking up an incident only
            /// when the caller may not see every incident and this one is not shared (its
            /// organisation or reporter decides then). Otherwise the incidents are joined
            /// (most filters are theirs), the categories only for a category filter and
            /// the organisations never.
            fn count_query(f: &IncidentFilter, v: Visibility) -> Sql {
                let mut sql = Sql::new(super::PLACEHOLDER);
                let text = f.text.as_deref().is_some_and(|t| !t.trim().is_empty());
                let only_area = f.area.is_some()
                    && f.place.is_none()
                    && f.category_code.is_none()
                    && f.organisation.is_none()
                    && f.status.is_none()
                    && f.reporter.is_none()
                    && f.after_id.is_none()
                    && !text;
                if let (true, Some(area)) = (only_area, f.area) {
                    sql.push("SELECT COUNT(*) AS n FROM incident_areas ia WHERE ia.area_id = ").arg(Arg::I(area.0));
                    if let Some(from) = f.from {
                        sql.push(" AND ia.occurred_from >= ").arg(Arg::I(from.0));
                    }
                    if let Some(to) = f.to {
                        sql.push(" AND ia.occurred_from < ").arg(Arg::I(to.0));
                    }
                    if !v.all {
                        sql.push(" AND (1 = 0");
                        if v.shared {
                            sql.push(" OR ia.shared");
                        }
                        let own = Visibility { shared: false, ..v };
                        if !own.nothing() {
                            sql.push(" OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = ia.incident_id AND ");
                            visibility(&mut sql, own);
                            sql.push(")");
                        }
                        sql.push(")");
                    }
                    return sql;
                }
                sql.push("SELECT COUNT(*) AS n");
                if f.area.is_some() {
                    sql.push(" FROM incident_areas ia CROSS JOIN incidents i");
                } else {
                    sql.push(" FROM incidents i");
                }
                if f.category_code.is_some() {
                    sql.push(" JOIN categories c ON c.id = i.category_id");
                }
                selection(&mut sql, f, v);
                sql
            }

            fn selection(sql: &mut Sql, f: &IncidentFilter, v: Visibility) {
                sql.push(" WHERE ");
                if let Some(area) = f.area {
                    sql.push("ia.area_id = ").arg(Arg::I(area.0)).push(" AND i.id = ia.incident_id AND ");
                    if let Some(from) = f.from {
                        sql.push("ia.occurred_from >= ").arg(Arg::I(from.0)).push(" AND ");
                    }
                    if let Some(to) = f.to {
                        sql.push("ia.occurred_from < ").arg(Arg::I(to.0)).push(" AND ");
                    }
                }
                visibility_as(sql, v, if f.area.is_some() { "ia.shared" } else { "i.sharing = 'partners'" });
                if f.area.is_none() {
                    if let Some(from) = f.from {
                        sql.push(" AND i.occurred_from >= ").arg(Arg::I(from.0));
                    }
                    if let Some(to) = f.to {
                        sql.push(" AND i.occurred_from < ").arg(Arg::I(to.0));
                    }
                }
                if let Some(p) = f.place {
                    sql.push(" AND i.place_id = ").arg(Arg::I(p.0));
                }
                if let Some(c) = &f.category_code {
                    sql.push(" AND c.code = ").arg(Arg::T(c.clone()));
                }
                if let Some(o) = f.organisation {
                    sql.push(" AND i.organisation_id = ").arg(Arg::I(o.0));
                }
                if let Some(s) = &f.status {
                    sql.push(" AND i.status = ").arg(Arg::T(s.clone()));
                }
                if let Some(u) = f.reporter {
                    sql.push(" AND i.reporter_user_id = ").arg(Arg::I(u.0));
                }
                if let Some(a) = f.after_id {
                    sql.push(" AND i.id > ").arg(Arg::I(a.0));
                }
                if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
                    let escaped = t.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                    let pattern = format!("%{escaped}%");
                    sql.push(" AND (LOWER(i.description) LIKE ").arg(Arg::T(pattern.clone())).push(" ESCAPE '\\'");
                    sql.push(" OR LOWER(COALESCE(i.location_text, '')) LIKE ").arg(Arg::T(pattern)).push(" ESCAPE '\\')");
                }
            }

            /// The multi-row INSERT of one chunk of incidents.
            fn incidents_insert(report: Option<i64>, chunk: &[(i64, &NewIncident)], at: Instant) -> Sql {
                let mut sql = Sql::new(super::PLACEHOLDER);
                sql.push(
                    "INSERT INTO incidents (id, report_id, category_id, organisation_id, reporter_user_id, description, \
                     pii_found, occurred_from, occurred_to, lat, lon, place_id, location_text, severity, \
                     creates_insecurity, sharing, status, source, external_id, created_at) VALUES ",
                );
                for (n, (id, i)) in chunk.iter().enumerate() {
                    sql.push(if n == 0 { "(" } else { ", (" });
                    sql.arg(Arg::I(*id)).push(", ").arg(Arg::OptI(report)).push(", ").arg(Arg::I(i.category_id.0));
                    sql.push(", ").arg(Arg::I(i.organisation_id.0)).push(", ").arg(Arg::OptI(i.reporter_user_id.map(|u| u.0)));
                    sql.push(", ").arg(Arg::T(i.description.clone())).push(", ").arg(Arg::T(i.pii_found.clone()));
                    sql.push(", ").arg(Arg::I(i.occurred_from.0)).push(", ").arg(Arg::OptI(i.occurred_to.map(|t| t.0)));
                    sql.push(", ").arg(Arg::OptF(i.position.map(|p| p.0))).push(", ").arg(Arg::OptF(i.position.map(|p| p.1)));
                    sql.push(", ").arg(Arg::OptI(i.place_id.map(|p| p.0))).push(", ").arg(Arg::OptT(i.location_text.clone()));
                    sql.push(", ").arg(Arg::I(i.severity)).push(", ").arg(Arg::B(i.creates_insecurity));
                    sql.push(", ").arg(Arg::T(i.sharing.to_owned())).push(", ").arg(Arg::T(i.status.to_owned())).push(", ").arg(Arg::T(i.source.to_owned()));
                    sql.push(", ").arg(Arg::OptT(i.external_id.clone())).push(", ").arg(Arg::I(at.0)).push(")");
                }
                sql
            }

            /// The multi-row INSERT of one chunk of (area, time, incident, shared) rows.
            fn areas_insert(chunk: &[(i64, i64, i64, bool)]) -> Sql {
                let mut sql = Sql::new(super::PLACEHOLDER);
                sql.push("INSERT INTO incident_areas (area_id, occurred_from, incident_id, shared) VALUES ");
                for (n, (a, t, id, shared)) in chunk.iter().enumerate() {
                    sql.push(if n == 0 { "(" } else { ", (" });
                    sql.arg(Arg::I(*a)).push(", ").arg(Arg::I(*t)).push(", ").arg(Arg::I(*id)).push(", ").arg(Arg::B(*shared)).push(")");
                }
                sql
            }

            /// Runs statements one after the other, building the next while the database
            /// runs the current one: SQLite works on sqlx's worker thread and PostgreSQL in
            /// its server, so on two cores the building costs no time.
            async fn execute_overlapped(tx: &mut Tx, mut statements: impl Iterator<Item = Sql>) -> Result<()> {
                let mut next = statements.next();
                while let Some(Sql { text, args, .. }) = next {
                    let run = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).execute(&mut **tx);
                    let (done, following) = tokio::join!(run, async { statements.next() });
                    done?;
                    next = following;
                }
                Ok(())
            }

            async fn insert_incidents(tx: &mut Tx, report: Option<i64>, rows: &[(i64, &NewIncident)], at: Instant) -> Result<()> {
                let areas: Vec<(i64, i64, i64, bool)> = rows
                    .iter()
                    .flat_map(|(id, i)| i.area_ids.iter().map(move |a| (a.0, i.occurred_from.0, *id, i.sharing == "partners")))
                    .collect();
                let statements = rows
                    .chunks(BULK_ROWS)
                    .map(|chunk| incidents_insert(report, chunk, at))
                    .chain(areas.chunks(BULK_ROWS * 3).map(areas_insert));
                execute_overlapped(tx, statements).await?;
                // The lägesbild rollup, in the same transaction (see `crate::lagesbild`).
                super::lagesbild_impl::rollup_new(tx, rows).await?;
                Ok(())
            }

            /// External ids (of one organisation and source) already stored.
            async fn existing_external(tx: &mut Tx, incidents: &[NewIncident]) -> Result<std::collections::HashSet<(i64, String, String)>> {
                let mut found = std::collections::HashSet::new();
                let keyed: Vec<&NewIncident> = incidents.iter().filter(|i| i.external_id.is_some()).collect();
                for chunk in keyed.chunks(BULK_ROWS) {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    sql.push("SELECT organisation_id, source, external_id FROM incidents WHERE external_id IN (");
                    for (n, i) in chunk.iter().enumerate() {
                        if n > 0 {
                            sql.push(", ");
                        }
                        sql.arg(Arg::OptT(i.external_id.clone()));
                    }
                    sql.push(")");
                    let Sql { text, args, .. } = sql;
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&mut **tx).await?;
                    for r in rows {
                        found.insert((r.try_get("organisation_id")?, r.try_get("source")?, r.try_get("external_id")?));
                    }
                }
                Ok(found)
            }

            impl IncidentStore for super::$store {
                async fn add_category_version(&self, new: &NewCategory, at: Instant, audit: AuditDraft) -> Result<CategoryId> {
                    let mut tx = self.begin_write().await?;
                    let next: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS v FROM categories WHERE code = $1")
                        .bind(&new.code)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("v")?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO categories (code, version, name_sv, name_en, grp, default_severity, pii_policy, retired, replaced_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                    )
                    .bind(&new.code)
                    .bind(next)
                    .bind(&new.name_sv)
                    .bind(&new.name_en)
                    .bind(&new.group)
                    .bind(new.default_severity)
                    .bind(&new.pii_policy)
                    .bind(new.retired)
                    .bind(&new.replaced_by)
                    .bind(at.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique(e, "categories_code_version_key"))?
                    .try_get("id")?;
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.to_string());
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(CategoryId(id))
                }

                async fn categories(&self) -> Result<Vec<CategoryRow>> {
                    let rows = sqlx::query("SELECT * FROM categories ORDER BY code, version").fetch_all(&self.pool).await?;
                    rows.iter().map(category_from).collect()
                }

                async fn submit_report(&self, report: &NewReport, audit: AuditDraft) -> Result<(ReportId, bool)> {
                    let mut tx = self.begin_write().await?;
                    // A person's keys are theirs; an integration's are its token's.
                    let owner = match (report.reporter_user_id, report.api_token_id) {
                        (Some(u), _) => Some(("reporter_user_id", u.0)),
                        (None, Some(t)) => Some(("api_token_id", t.0)),
                        (None, None) => None,
                    };
                    if let (Some(key), Some((column, owner))) = (&report.idempotency_key, owner) {
                        let sql = format!("SELECT id FROM reports WHERE {column} = $1 AND idempotency_key = $2");
                        let seen = sqlx::query(sqlx::AssertSqlSafe(sql))
                            .bind(owner)
                            .bind(key)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if let Some(r) = seen {
                            return Ok((ReportId(r.try_get("id")?), false));
                        }
                    }
                    let id: i64 = sqlx::query(
                        "INSERT INTO reports (organisation_id, reporter_user_id, submitted_at, idempotency_key, api_token_id) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(report.organisation_id.0)
                    .bind(report.reporter_user_id.map(|u| u.0))
                    .bind(report.submitted_at.0)
                    .bind(&report.idempotency_key)
                    .bind(report.api_token_id.map(|t| t.0))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique(e, "reports_idempotency_key"))?
                    .try_get("id")?;
                    let ids = reserve_incident_ids(&mut tx, report.incidents.len()).await?;
                    let rows: Vec<(i64, &NewIncident)> = ids.into_iter().zip(report.incidents.iter()).collect();
                    insert_incidents(&mut tx, Some(id), &rows, report.submitted_at).await?;
                    super::photo_impl::insert_report_photos(&mut tx, &rows, report).await?;
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.to_string());
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok((ReportId(id), true))
                }

                async fn import_incidents(&self, incidents: &[NewIncident], at: Instant, audit: AuditDraft, progress: &Progress<'_>) -> Result<u64> {
                    let mut tx = self.begin_write().await?;
                    let existing = existing_external(&mut tx, incidents).await?;
                    let mut seen = std::collections::HashSet::new();
                    let mut fresh: Vec<&NewIncident> = incidents
                        .iter()
                        .filter(|i| match &i.external_id {
                            None => true,
                            Some(x) => {
                                let key = (i.organisation_id.0, i.source.to_owned(), x.clone());
                                !existing.contains(&key) && seen.insert(key)
                            }
                        })
                        .collect();
                    // In time order, so that every index on the time (and the (area, time)
                    // key) is filled from one end instead of at random places: a million
                    // rows then touch each index page about once, which is what makes a
                    // big import fast. Stable: rows at the same time keep the file's order.
                    fresh.sort_by_key(|i| i.occurred_from.0);
                    let ids = reserve_incident_ids(&mut tx, fresh.len()).await?;
                    let rows: Vec<(i64, &NewIncident)> = ids.into_iter().zip(fresh.into_iter()).collect();
                    for (n, chunk) in rows.chunks(BULK_ROWS * 20).enumerate() {
                        insert_incidents(&mut tx, None, chunk, at).await?;
                        progress(((n + 1) * BULK_ROWS * 20).min(rows.len()) as u64);
                    }
                    super::after_bulk_insert(&mut tx, rows.len()).await?;
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(rows.len() as u64)
                }

                async fn incident(&self, id: IncidentId, v: Visibility) -> Result<Option<IncidentRow>> {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    head(&mut sql, &IncidentFilter::default(), INCIDENT_COLUMNS);
                    sql.push(" WHERE i.id = ").arg(Arg::I(id.0)).push(" AND ");
                    visibility(&mut sql, v);
                    let Sql { text, args, .. } = sql;
                    let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_optional(&self.pool).await?;
                    row.as_ref().map(incident_from).transpose()
                }

                async fn incidents(&self, f: &IncidentFilter, v: Visibility) -> Result<(Vec<IncidentRow>, i64)> {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    head(&mut sql, f, INCIDENT_COLUMNS);
                    selection(&mut sql, f, v);
                    // With an area, order by the index's own columns (equal to the
                    // incident's) so the first page stops early.
                    let by_area = f.area.is_some();
                    sql.push(match f.order {
                        IncidentOrder::NewestFirst if by_area => " ORDER BY ia.occurred_from DESC, ia.incident_id DESC",
                        IncidentOrder::OldestFirst if by_area => " ORDER BY ia.occurred_from, ia.incident_id",
                        IncidentOrder::NewestFirst => " ORDER BY i.occurred_from DESC, i.id DESC",
                        IncidentOrder::OldestFirst => " ORDER BY i.occurred_from, i.id",
                        IncidentOrder::SeverityFirst => " ORDER BY i.severity DESC, i.occurred_from DESC, i.id DESC",
                        IncidentOrder::IdAscending => " ORDER BY i.id",
                    });
                    sql.push(" LIMIT ").arg(Arg::I(f.limit.clamp(1, 10_000))).push(" OFFSET ").arg(Arg::I(f.offset.max(0)));
                    let Sql { text, args, .. } = sql;
                    let Sql { text: count_text, args: count_args, .. } = count_query(f, v);
                    // The page and the count on two connections at once.
                    let (rows, total) = tokio::join!(
                        bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool),
                        bind_all(sqlx::query(sqlx::AssertSqlSafe(count_text)), count_args).fetch_one(&self.pool),
                    );
                    let total: i64 = total?.try_get("n")?;
                    Ok((rows?.iter().map(incident_from).collect::<Result<_>>()?, total))
                }

                async fn incident_areas(&self, id: IncidentId) -> Result<Vec<AreaId>> {
                    let rows = sqlx::query("SELECT area_id FROM incident_areas WHERE incident_id = $1 ORDER BY area_id")
                        .bind(id.0)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(|r| Ok(AreaId(r.try_get("area_id")?))).collect()
                }

                async fn review(&self, id: IncidentId, review: &Review, reviewer: UserId, at: Instant, audit: AuditDraft) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let Some(row) = sqlx::query("SELECT occurred_from, status FROM incidents WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await? else {
                        return Err(StoreError::NotFound);
                    };
                    let occurred: i64 = row.try_get("occurred_from")?;
                    // Out of the lägesbild rollup as it was; back in as it is below.
                    super::lagesbild_impl::rollup_shift(&mut tx, id.0, -1).await?;
                    let (status, note): (&str, Option<&str>) = match review {
                        Review::Accept { note } => ("accepted", note.as_deref()),
                        Review::Reject { reason } => ("rejected", Some(reason.as_str())),
                        Review::Reclassify { category_id, note } => {
                            sqlx::query("UPDATE incidents SET category_id = $1 WHERE id = $2").bind(category_id.0).bind(id.0).execute(&mut *tx).await?;
                            ("accepted", note.as_deref())
                        }
                        Review::MoveTo { position, place_id, area_ids } => {
                            let status: String = row.try_get("status")?;
                            sqlx::query("UPDATE incidents SET lat = $1, lon = $2, place_id = $3 WHERE id = $4")
                                .bind(position.0)
                                .bind(position.1)
                                .bind(place_id.map(|p| p.0))
                                .bind(id.0)
                                .execute(&mut *tx)
                                .await?;
                            sqlx::query("DELETE FROM incident_areas WHERE incident_id = $1").bind(id.0).execute(&mut *tx).await?;
                            for a in area_ids {
                                sqlx::query(
                                    "INSERT INTO incident_areas (area_id, occurred_from, incident_id, shared) \
                                     SELECT $1, $2, id, sharing = 'partners' FROM incidents WHERE id = $3",
                                )
                                    .bind(a.0)
                                    .bind(occurred)
                                    .bind(id.0)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            sqlx::query("UPDATE incidents SET reviewed_by = $1, reviewed_at = $2 WHERE id = $3")
                                .bind(reviewer.0)
                                .bind(at.0)
                                .bind(id.0)
                                .execute(&mut *tx)
                                .await?;
                            super::lagesbild_impl::rollup_shift(&mut tx, id.0, 1).await?;
                            append(&mut tx, &self.key, &audit).await?;
                            tx.commit().await?;
                            let _ = status;
                            return Ok(());
                        }
                        Review::MergeInto { target } => {
                            let ok = sqlx::query("SELECT id FROM incidents WHERE id = $1 AND merged_into IS NULL AND id <> $2")
                                .bind(target.0)
                                .bind(id.0)
                                .fetch_optional(&mut *tx)
                                .await?;
                            if ok.is_none() {
                                return Err(StoreError::NotFound);
                            }
                            sqlx::query("UPDATE incidents SET merged_into = $1 WHERE id = $2").bind(target.0).bind(id.0).execute(&mut *tx).await?;
                            ("merged", None)
                        }
                    };
                    sqlx::query("UPDATE incidents SET status = $1, review_note = $2, reviewed_by = $3, reviewed_at = $4 WHERE id = $5")
                        .bind(status)
                        .bind(note)
                        .bind(reviewer.0)
                        .bind(at.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                    super::lagesbild_impl::rollup_shift(&mut tx, id.0, 1).await?;
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn rhythm(&self, from: Instant, to: Instant) -> Result<Vec<RhythmRow>> {
                    let rows = sqlx::query(
                        "SELECT r.organisation_id, r.reporter_user_id, COUNT(DISTINCT r.id) AS reports, COUNT(i.id) AS incidents \
                         FROM reports r LEFT JOIN incidents i ON i.report_id = r.id \
                         WHERE r.submitted_at >= $1 AND r.submitted_at < $2 \
                         GROUP BY r.organisation_id, r.reporter_user_id ORDER BY r.organisation_id, r.reporter_user_id",
                    )
                    .bind(from.0)
                    .bind(to.0)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(RhythmRow {
                                organisation_id: OrganisationId(r.try_get("organisation_id")?),
                                reporter_user_id: r.try_get::<Option<i64>, _>("reporter_user_id")?.map(UserId),
                                reports: r.try_get("reports")?,
                                incidents: r.try_get("incidents")?,
                            })
                        })
                        .collect()
                }

                async fn import_police_events(&self, events: &[NewPoliceEvent], at: Instant, audit: AuditDraft) -> Result<u64> {
                    let mut tx = self.begin_write().await?;
                    let mut new = 0;
                    for e in events {
                        let done = sqlx::query(
                            "INSERT INTO police_events (id, occurred_at, event_type, name, summary, url, location_name, municipality, \
                             centroid_lat, centroid_lon, district_area_id, imported_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING",
                        )
                        .bind(e.id)
                        .bind(e.occurred_at.0)
                        .bind(&e.event_type)
                        .bind(&e.name)
                        .bind(&e.summary)
                        .bind(&e.url)
                        .bind(&e.location_name)
                        .bind(&e.municipality)
                        .bind(e.centroid.map(|c| c.0))
                        .bind(e.centroid.map(|c| c.1))
                        .bind(e.district_area_id.map(|a| a.0))
                        .bind(at.0)
                        .execute(&mut *tx)
                        .await?;
                        new += done.rows_affected();
                    }
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(new)
                }

                async fn police_events(&self, municipality: &str, from: Instant, to: Instant) -> Result<Vec<PoliceEventRow>> {
                    let rows = sqlx::query(
                        "SELECT * FROM police_events WHERE municipality = $1 AND occurred_at >= $2 AND occurred_at < $3 ORDER BY occurred_at DESC",
                    )
                    .bind(municipality)
                    .bind(from.0)
                    .bind(to.0)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(PoliceEventRow {
                                id: r.try_get("id")?,
                                occurred_at: Instant(r.try_get("occurred_at")?),
                                event_type: r.try_get("event_type")?,
                                name: r.try_get("name")?,
                                summary: r.try_get("summary")?,
                                url: r.try_get("url")?,
                                municipality: r.try_get("municipality")?,
                                district_area_id: r.try_get::<Option<i64>, _>("district_area_id")?.map(AreaId),
                            })
                        })
                        .collect()
                }
            }
        }
    };
}

pub(crate) use impl_incident_store;

use crate::Db;
use trygg_domain::time::Instant as At;

macro_rules! delegate_incidents {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl IncidentStore for Db {
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

delegate_incidents! {
    fn add_category_version(&self, new: &NewCategory, at: At, audit: AuditDraft) -> Result<CategoryId>;
    fn categories(&self) -> Result<Vec<CategoryRow>>;
    fn submit_report(&self, report: &NewReport, audit: AuditDraft) -> Result<(ReportId, bool)>;
    fn import_incidents(&self, incidents: &[NewIncident], at: At, audit: AuditDraft, progress: &Progress<'_>) -> Result<u64>;
    fn incident(&self, id: IncidentId, visibility: Visibility) -> Result<Option<IncidentRow>>;
    fn incidents(&self, filter: &IncidentFilter, visibility: Visibility) -> Result<(Vec<IncidentRow>, i64)>;
    fn incident_areas(&self, id: IncidentId) -> Result<Vec<AreaId>>;
    fn review(&self, id: IncidentId, review: &Review, reviewer: UserId, at: At, audit: AuditDraft) -> Result<()>;
    fn rhythm(&self, from: At, to: At) -> Result<Vec<RhythmRow>>;
    fn import_police_events(&self, events: &[NewPoliceEvent], at: At, audit: AuditDraft) -> Result<u64>;
    fn police_events(&self, municipality: &str, from: At, to: At) -> Result<Vec<PoliceEventRow>>;
}
