//! Measures in the store: the measures themselves, what they answer (links), co-owner
//! units, the append-only history of every change, the comment thread, and the e-mail
//! outbox their notifications go through.
//!
//! A trait of its own beside [`crate::Store`]; the SQL is shared by both backends
//! through `impl_measure_store!`. Every change writes its history row, its e-mails and
//! its audit entry in the same transaction as the change, so a notification is never
//! sent about a change that was rolled back, nor lost for one that was committed.
//!
//! The outbox is claimed, not just read: a sender marks the rows it takes
//! (`claimed_by`, `claimed_until`) in one statement (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, under `BEGIN IMMEDIATE` on SQLite), so two instances never take the same
//! row, and a claim that runs out (a sender that died) is taken up again.

use trygg_domain::audit::AuditDraft;
use trygg_domain::id::{AreaId, OrganisationId, PlaceId, UnitId, UserId};
use trygg_domain::incident::IncidentId;
use trygg_domain::measure::{MeasureCommentId, MeasureId};
use trygg_domain::time::Instant;

use crate::Result;
use crate::photo::{NewPhoto, PhotoVariant};

/// What a measure answers: one target per link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkTarget {
    Incident(IncidentId),
    Place(PlaceId),
    Area(AreaId),
    /// A priority of a published lägesbild (its table comes with that issue).
    LagesbildPriority(i64),
    /// A proposal of a safety-walk protocol (later).
    WalkProposal(i64),
}

/// The columns of a measure a change may set (everything but id, proposer, times).
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureValues {
    pub title: String,
    pub description: String,
    pub kind: String,
    pub cause: Option<String>,
    pub status: String,
    pub sharing: String,
    pub owner_organisation_id: Option<OrganisationId>,
    pub owner_unit_id: Option<UnitId>,
    pub responsible_user_id: Option<UserId>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub planned_date: Option<String>,
    pub cost_sek: Option<i64>,
    pub status_reason: Option<String>,
    pub evidence: Option<String>,
    pub completed_at: Option<Instant>,
    pub confirmed_at: Option<Instant>,
    pub control_area_id: Option<AreaId>,
}

/// A measure to create.
#[derive(Debug, Clone)]
pub struct NewMeasure {
    pub values: MeasureValues,
    pub proposed_by: Option<UserId>,
    pub at: Instant,
    pub links: Vec<LinkTarget>,
    pub co_owners: Vec<UnitId>,
}

/// A stored measure, with the names pages show.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureRow {
    pub id: MeasureId,
    pub values: MeasureValues,
    pub owner_organisation_name: Option<String>,
    pub owner_unit_name: Option<String>,
    pub responsible_name: Option<String>,
    pub proposed_by: Option<UserId>,
    pub version: i64,
    pub created_at: Instant,
    pub updated_at: Instant,
}

/// One entry of a measure's history, to write.
#[derive(Debug, Clone)]
pub struct NewHistory {
    pub at: Instant,
    pub actor_user_id: Option<UserId>,
    /// `created`, a transition code, `edited`, `progress`.
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// JSON object `{field: [before, after]}`.
    pub changes: String,
    pub note: Option<String>,
}

/// One stored history entry, with the actor's name.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub id: i64,
    pub at: Instant,
    pub actor_user_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub changes: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CommentRow {
    pub id: MeasureCommentId,
    pub at: Instant,
    pub author_user_id: Option<UserId>,
    pub author_name: Option<String>,
    pub body: String,
}

/// Which measures a caller may see. Any one clause that holds is enough.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MeasureVisibility {
    /// Everything (the coordinator).
    pub all: bool,
    /// Measures shared with the partners.
    pub shared: bool,
    /// Every measure this organisation owns.
    pub organisation: Option<OrganisationId>,
    /// Measures this unit owns or co-owns.
    pub unit: Option<UnitId>,
}

impl MeasureVisibility {
    pub fn nothing(&self) -> bool {
        !self.all && !self.shared && self.organisation.is_none() && self.unit.is_none()
    }
}

/// A selection of measures; every field narrows it. Ordered overdue first (open and due
/// before `today`), then by due date (none last), then newest.
#[derive(Debug, Clone, Default)]
pub struct MeasureFilter {
    pub visibility: MeasureVisibility,
    pub statuses: Vec<String>,
    /// Owned or co-owned by the unit.
    pub unit: Option<UnitId>,
    /// Linked to the area, to a place in it, or to an incident in it.
    pub area: Option<AreaId>,
    /// `YYYY-MM-DD`, Swedish local date: decides what is overdue.
    pub today: String,
    pub limit: i64,
}

/// An evidence photo of a measure, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceRow {
    pub id: i64,
    pub measure_id: MeasureId,
    /// `before` or `after`.
    pub phase: String,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub byte_size: i64,
    pub sha256: String,
    pub uploaded_by: Option<UserId>,
    pub created_at: Instant,
}

/// An evidence photo's bytes as read, with the content type they are in.
#[derive(Clone, PartialEq, Eq)]
pub struct EvidenceData {
    pub row: EvidenceRow,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for EvidenceData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceData")
            .field("row", &self.row)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// An e-mail to put in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEmail {
    /// Another e-mail with the same key is not added (scheduled reminders).
    pub dedupe_key: Option<String>,
    /// `assigned`, `answered`, `due_soon`, `overdue`…
    pub kind: String,
    pub measure_id: Option<MeasureId>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub at: Instant,
}

/// A stored e-mail of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEmail {
    pub id: i64,
    pub dedupe_key: Option<String>,
    pub kind: String,
    pub measure_id: Option<MeasureId>,
    pub recipients: Vec<String>,
    pub subject: String,
    pub body: String,
    pub created_at: Instant,
    pub attempts: i64,
    pub next_attempt_at: Instant,
    pub claimed_by: Option<String>,
    pub sent_at: Option<Instant>,
    pub failed_at: Option<Instant>,
    pub last_error: Option<String>,
}

/// The store's side of measures and their e-mail.
#[allow(async_fn_in_trait)]
#[allow(clippy::too_many_arguments)] // update_measure: the parts of one transaction
pub trait MeasureStore {
    /// Creates a measure with its links, co-owners, first history entries and
    /// e-mails, all in one transaction with the audit entry.
    async fn create_measure(
        &self,
        new: &NewMeasure,
        history: &[NewHistory],
        emails: &[NewEmail],
        audit: AuditDraft,
    ) -> Result<MeasureId>;
    async fn measure(&self, id: MeasureId) -> Result<Option<MeasureRow>>;
    /// The selection, overdue first (see [`MeasureFilter`]).
    async fn measures(&self, filter: &MeasureFilter) -> Result<Vec<MeasureRow>>;
    async fn measure_links(&self, id: MeasureId) -> Result<Vec<LinkTarget>>;
    async fn measure_co_owners(&self, id: MeasureId) -> Result<Vec<UnitId>>;
    async fn measure_history(&self, id: MeasureId) -> Result<Vec<HistoryRow>>;
    async fn measure_comments(&self, id: MeasureId) -> Result<Vec<CommentRow>>;
    /// Writes new values if the measure is still at `expected_version` (otherwise
    /// `Conflict { constraint: "measure_changed" }`), with its history entry, e-mails
    /// and audit entry, in one transaction.
    async fn update_measure(
        &self,
        id: MeasureId,
        expected_version: i64,
        values: &MeasureValues,
        history: &NewHistory,
        emails: &[NewEmail],
        at: Instant,
        audit: AuditDraft,
    ) -> Result<()>;
    /// Adds a history entry without changing the measure (a progress note).
    async fn add_measure_note(
        &self,
        id: MeasureId,
        history: &NewHistory,
        audit: AuditDraft,
    ) -> Result<()>;
    async fn add_measure_comment(
        &self,
        id: MeasureId,
        author: UserId,
        at: Instant,
        body: &str,
        audit: AuditDraft,
    ) -> Result<MeasureCommentId>;

    /// Adds evidence photos (`phase` `before` or `after`) with a history entry and the
    /// audit entry, in one transaction. Refuses (`Conflict { constraint:
    /// "measure_evidence_limit" }`) when the measure would then have more than
    /// `max_per_measure` photos, counted inside the transaction.
    async fn add_measure_evidence(
        &self,
        id: MeasureId,
        phase: &str,
        photos: &[NewPhoto],
        uploaded_by: Option<UserId>,
        max_per_measure: usize,
        history: &NewHistory,
        audit: AuditDraft,
    ) -> Result<Vec<i64>>;
    /// The evidence photos of a measure, oldest first, without their bytes.
    async fn measure_evidence(&self, id: MeasureId) -> Result<Vec<EvidenceRow>>;
    /// One evidence photo of one measure (`None` if that measure has no such photo),
    /// read in the same transaction as its audit entry is written.
    async fn read_measure_evidence(
        &self,
        id: MeasureId,
        photo: i64,
        variant: PhotoVariant,
        audit: AuditDraft,
    ) -> Result<Option<EvidenceData>>;

    /// Adds e-mails, skipping those whose dedupe key is stored already; returns how many
    /// were new. Not audited: a reminder changes no business data.
    async fn enqueue_emails(&self, emails: &[NewEmail]) -> Result<u64>;
    /// Claims up to `limit` unsent e-mails that are due (`next_attempt_at <= now`) and
    /// not claimed by a live claim, for `worker` until `lease_until`; counts an attempt.
    async fn claim_emails(
        &self,
        worker: &str,
        now: Instant,
        lease_until: Instant,
        limit: i64,
    ) -> Result<Vec<OutboxEmail>>;
    /// Marks a claimed e-mail sent; `false` if the claim was lost (nothing changed).
    async fn email_sent(&self, id: i64, worker: &str, at: Instant) -> Result<bool>;
    /// Releases a claimed e-mail after a failure: retried at `retry_at`, or given up
    /// (`failed_at = at`) when `None`.
    async fn email_failed(
        &self,
        id: i64,
        worker: &str,
        retry_at: Option<Instant>,
        at: Instant,
        error: &str,
    ) -> Result<()>;
    /// The newest e-mails, for the admin and the tests.
    async fn outbox(&self, limit: i64) -> Result<Vec<OutboxEmail>>;
}

macro_rules! impl_measure_store {
    ($store:ident, $db:ty, $skip_locked:expr) => {
        #[allow(clippy::too_many_arguments)]
        mod measure_impl {
            use sqlx::Row as _;
            use trygg_domain::audit::AuditDraft;
            use trygg_domain::id::{AreaId, OrganisationId, PlaceId, UnitId, UserId};
            use trygg_domain::incident::IncidentId;
            use trygg_domain::measure::{MeasureCommentId, MeasureId};
            use trygg_domain::time::Instant;

            use super::append;
            use $crate::incident::{Arg, Sql};
            use $crate::measure::*;
            use $crate::photo::{NewPhoto, PhotoVariant};
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

            const COLUMNS: &str = "m.id, m.title, m.description, m.kind, m.cause, m.status, m.sharing, \
                m.owner_organisation_id, o.name AS owner_organisation_name, m.owner_unit_id, un.name AS owner_unit_name, \
                m.responsible_user_id, ru.name AS responsible_name, m.proposed_by, m.due_date, m.planned_date, m.cost_sek, \
                m.status_reason, m.evidence, m.completed_at, m.confirmed_at, m.control_area_id, m.version, m.created_at, m.updated_at";
            const FROM: &str = " FROM measures m LEFT JOIN organisations o ON o.id = m.owner_organisation_id \
                LEFT JOIN units un ON un.id = m.owner_unit_id LEFT JOIN users ru ON ru.id = m.responsible_user_id";

            fn measure_from(r: &Row) -> Result<MeasureRow> {
                Ok(MeasureRow {
                    id: MeasureId(r.try_get("id")?),
                    values: MeasureValues {
                        title: r.try_get("title")?,
                        description: r.try_get("description")?,
                        kind: r.try_get("kind")?,
                        cause: r.try_get("cause")?,
                        status: r.try_get("status")?,
                        sharing: r.try_get("sharing")?,
                        owner_organisation_id: r.try_get::<Option<i64>, _>("owner_organisation_id")?.map(OrganisationId),
                        owner_unit_id: r.try_get::<Option<i64>, _>("owner_unit_id")?.map(UnitId),
                        responsible_user_id: r.try_get::<Option<i64>, _>("responsible_user_id")?.map(UserId),
                        due_date: r.try_get("due_date")?,
                        planned_date: r.try_get("planned_date")?,
                        cost_sek: r.try_get("cost_sek")?,
                        status_reason: r.try_get("status_reason")?,
                        evidence: r.try_get("evidence")?,
                        completed_at: r.try_get::<Option<i64>, _>("completed_at")?.map(Instant),
                        confirmed_at: r.try_get::<Option<i64>, _>("confirmed_at")?.map(Instant),
                        control_area_id: r.try_get::<Option<i64>, _>("control_area_id")?.map(AreaId),
                    },
                    owner_organisation_name: r.try_get("owner_organisation_name")?,
                    owner_unit_name: r.try_get("owner_unit_name")?,
                    responsible_name: r.try_get("responsible_name")?,
                    proposed_by: r.try_get::<Option<i64>, _>("proposed_by")?.map(UserId),
                    version: r.try_get("version")?,
                    created_at: Instant(r.try_get("created_at")?),
                    updated_at: Instant(r.try_get("updated_at")?),
                })
            }

            const OUTBOX_COLUMNS: &str = "id, dedupe_key, kind, measure_id, recipients, subject, body, created_at, attempts, \
                next_attempt_at, claimed_by, sent_at, failed_at, last_error";

            fn email_from(r: &Row) -> Result<OutboxEmail> {
                let recipients: String = r.try_get("recipients")?;
                Ok(OutboxEmail {
                    id: r.try_get("id")?,
                    dedupe_key: r.try_get("dedupe_key")?,
                    kind: r.try_get("kind")?,
                    measure_id: r.try_get::<Option<i64>, _>("measure_id")?.map(MeasureId),
                    recipients: recipients.lines().map(str::to_owned).collect(),
                    subject: r.try_get("subject")?,
                    body: r.try_get("body")?,
                    created_at: Instant(r.try_get("created_at")?),
                    attempts: r.try_get("attempts")?,
                    next_attempt_at: Instant(r.try_get("next_attempt_at")?),
                    claimed_by: r.try_get("claimed_by")?,
                    sent_at: r.try_get::<Option<i64>, _>("sent_at")?.map(Instant),
                    failed_at: r.try_get::<Option<i64>, _>("failed_at")?.map(Instant),
                    last_error: r.try_get("last_error")?,
                })
            }

            /// Inserts a measure with its links and co-owners in the caller's transaction;
            /// also used by the walks, whose accepted proposals become measures in the
            /// answer's transaction.
            pub(crate) async fn insert_measure(tx: &mut Tx, new: &NewMeasure) -> Result<i64> {
                let v = &new.values;
                let id: i64 = sqlx::query(
                    "INSERT INTO measures (title, description, kind, cause, status, sharing, owner_organisation_id, owner_unit_id, \
                     responsible_user_id, proposed_by, due_date, planned_date, cost_sek, status_reason, evidence, completed_at, \
                     confirmed_at, control_area_id, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
                )
                .bind(&v.title)
                .bind(&v.description)
                .bind(&v.kind)
                .bind(&v.cause)
                .bind(&v.status)
                .bind(&v.sharing)
                .bind(v.owner_organisation_id.map(|o| o.0))
                .bind(v.owner_unit_id.map(|u| u.0))
                .bind(v.responsible_user_id.map(|u| u.0))
                .bind(new.proposed_by.map(|u| u.0))
                .bind(&v.due_date)
                .bind(&v.planned_date)
                .bind(v.cost_sek)
                .bind(&v.status_reason)
                .bind(&v.evidence)
                .bind(v.completed_at.map(|t| t.0))
                .bind(v.confirmed_at.map(|t| t.0))
                .bind(v.control_area_id.map(|a| a.0))
                .bind(new.at.0)
                .bind(new.at.0)
                .fetch_one(&mut **tx)
                .await?
                .try_get("id")?;
                for link in &new.links {
                    let (mut i, mut p, mut a, mut l, mut w) = (None, None, None, None, None);
                    match *link {
                        LinkTarget::Incident(x) => i = Some(x.0),
                        LinkTarget::Place(x) => p = Some(x.0),
                        LinkTarget::Area(x) => a = Some(x.0),
                        LinkTarget::LagesbildPriority(x) => l = Some(x),
                        LinkTarget::WalkProposal(x) => w = Some(x),
                    }
                    sqlx::query(
                        "INSERT INTO measure_links (measure_id, incident_id, place_id, area_id, lagesbild_priority_id, walk_proposal_id) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(i)
                    .bind(p)
                    .bind(a)
                    .bind(l)
                    .bind(w)
                    .execute(&mut **tx)
                    .await?;
                }
                for unit in &new.co_owners {
                    sqlx::query("INSERT INTO measure_co_owners (measure_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(id)
                        .bind(unit.0)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(id)
            }

            pub(crate) async fn insert_history(tx: &mut Tx, id: i64, h: &NewHistory) -> Result<()> {
                sqlx::query(
                    "INSERT INTO measure_history (measure_id, at, actor_user_id, action, from_status, to_status, changes, note) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id)
                .bind(h.at.0)
                .bind(h.actor_user_id.map(|u| u.0))
                .bind(&h.action)
                .bind(&h.from_status)
                .bind(&h.to_status)
                .bind(&h.changes)
                .bind(&h.note)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            /// Inserts e-mails; a repeated dedupe key is skipped. Returns how many were new.
            pub(crate) async fn insert_emails(tx: &mut Tx, emails: &[NewEmail]) -> Result<u64> {
                let mut new = 0;
                for e in emails {
                    if e.recipients.is_empty() {
                        continue;
                    }
                    let done = sqlx::query(
                        "INSERT INTO email_outbox (dedupe_key, kind, measure_id, recipients, subject, body, created_at, next_attempt_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
                    )
                    .bind(&e.dedupe_key)
                    .bind(&e.kind)
                    .bind(e.measure_id.map(|m| m.0))
                    .bind(e.recipients.join("\n"))
                    .bind(&e.subject)
                    .bind(&e.body)
                    .bind(e.at.0)
                    .bind(e.at.0)
                    .execute(&mut **tx)
                    .await?;
                    new += done.rows_affected();
                }
                Ok(new)
            }

            const EVIDENCE_COLUMNS: &str = "id, measure_id, phase, content_type, width, height, byte_size, sha256, uploaded_by, created_at";

            fn evidence_from(r: &Row) -> Result<EvidenceRow> {
                Ok(EvidenceRow {
                    id: r.try_get("id")?,
                    measure_id: MeasureId(r.try_get("measure_id")?),
                    phase: r.try_get("phase")?,
                    content_type: r.try_get("content_type")?,
                    width: r.try_get("width")?,
                    height: r.try_get("height")?,
                    byte_size: r.try_get("byte_size")?,
                    sha256: r.try_get("sha256")?,
                    uploaded_by: r.try_get::<Option<i64>, _>("uploaded_by")?.map(UserId),
                    created_at: Instant(r.try_get("created_at")?),
                })
            }

            fn visibility(sql: &mut Sql, v: MeasureVisibility) {
                sql.push("(1 = 0");
                if v.all {
                    sql.push(" OR 1 = 1");
                }
                if v.shared {
                    sql.push(" OR m.sharing = 'partners'");
                }
                if let Some(o) = v.organisation {
                    sql.push(" OR m.owner_organisation_id = ").arg(Arg::I(o.0));
                }
                if let Some(u) = v.unit {
                    sql.push(" OR m.owner_unit_id = ").arg(Arg::I(u.0));
                    sql.push(" OR EXISTS (SELECT 1 FROM measure_co_owners c WHERE c.measure_id = m.id AND c.unit_id = ")
                        .arg(Arg::I(u.0))
                        .push(")");
                }
                sql.push(")");
            }

            impl MeasureStore for super::$store {
                async fn create_measure(&self, new: &NewMeasure, history: &[NewHistory], emails: &[NewEmail], audit: AuditDraft) -> Result<MeasureId> {
                    let mut tx = self.begin_write().await?;
                    let id = insert_measure(&mut tx, new).await?;
                    for h in history {
                        insert_history(&mut tx, id, h).await?;
                    }
                    let emails: Vec<NewEmail> = emails.iter().cloned().map(|mut e| {
                        e.measure_id.get_or_insert(MeasureId(id));
                        e
                    }).collect();
                    insert_emails(&mut tx, &emails).await?;
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.to_string());
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(MeasureId(id))
                }

                async fn measure(&self, id: MeasureId) -> Result<Option<MeasureRow>> {
                    let sql = format!("SELECT {COLUMNS}{FROM} WHERE m.id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await?;
                    row.as_ref().map(measure_from).transpose()
                }

                async fn measures(&self, f: &MeasureFilter) -> Result<Vec<MeasureRow>> {
                    let mut sql = Sql::new(super::PLACEHOLDER);
                    sql.push("SELECT ").push(COLUMNS).push(FROM).push(" WHERE ");
                    visibility(&mut sql, f.visibility);
                    if !f.statuses.is_empty() {
                        sql.push(" AND m.status IN (");
                        for (n, s) in f.statuses.iter().enumerate() {
                            if n > 0 {
                                sql.push(", ");
                            }
                            sql.arg(Arg::T(s.clone()));
                        }
                        sql.push(")");
                    }
                    if let Some(u) = f.unit {
                        sql.push(" AND (m.owner_unit_id = ").arg(Arg::I(u.0));
                        sql.push(" OR EXISTS (SELECT 1 FROM measure_co_owners c WHERE c.measure_id = m.id AND c.unit_id = ")
                            .arg(Arg::I(u.0))
                            .push("))");
                    }
                    if let Some(a) = f.area {
                        sql.push(" AND EXISTS (SELECT 1 FROM measure_links l WHERE l.measure_id = m.id AND (l.area_id = ").arg(Arg::I(a.0));
                        sql.push(" OR l.place_id IN (SELECT pa.place_id FROM place_areas pa WHERE pa.area_id = ").arg(Arg::I(a.0)).push(")");
                        sql.push(" OR l.incident_id IN (SELECT ia.incident_id FROM incident_areas ia WHERE ia.area_id = ").arg(Arg::I(a.0)).push(")))");
                    }
                    sql.push(" ORDER BY CASE WHEN m.status IN ('proposed', 'assigned', 'accepted', 'in_progress') AND m.due_date < ")
                        .arg(Arg::T(f.today.clone()))
                        .push(" THEN 0 ELSE 1 END, CASE WHEN m.due_date IS NULL THEN 1 ELSE 0 END, m.due_date, m.id DESC");
                    sql.push(" LIMIT ").arg(Arg::I(f.limit.clamp(1, 10_000)));
                    let Sql { text, args, .. } = sql;
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(text)), args).fetch_all(&self.pool).await?;
                    rows.iter().map(measure_from).collect()
                }

                async fn measure_links(&self, id: MeasureId) -> Result<Vec<LinkTarget>> {
                    let rows = sqlx::query(
                        "SELECT incident_id, place_id, area_id, lagesbild_priority_id, walk_proposal_id FROM measure_links WHERE measure_id = $1 ORDER BY id",
                    )
                    .bind(id.0)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = Vec::with_capacity(rows.len());
                    for r in rows {
                        let get = |c: &str| r.try_get::<Option<i64>, _>(c);
                        let link = if let Some(x) = get("incident_id")? {
                            LinkTarget::Incident(IncidentId(x))
                        } else if let Some(x) = get("place_id")? {
                            LinkTarget::Place(PlaceId(x))
                        } else if let Some(x) = get("area_id")? {
                            LinkTarget::Area(AreaId(x))
                        } else if let Some(x) = get("lagesbild_priority_id")? {
                            LinkTarget::LagesbildPriority(x)
                        } else if let Some(x) = get("walk_proposal_id")? {
                            LinkTarget::WalkProposal(x)
                        } else {
                            return Err(StoreError::Corrupt("measure_links"));
                        };
                        out.push(link);
                    }
                    Ok(out)
                }

                async fn measure_co_owners(&self, id: MeasureId) -> Result<Vec<UnitId>> {
                    let rows = sqlx::query("SELECT unit_id FROM measure_co_owners WHERE measure_id = $1 ORDER BY unit_id")
                        .bind(id.0)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(|r| Ok(UnitId(r.try_get("unit_id")?))).collect()
                }

                async fn measure_history(&self, id: MeasureId) -> Result<Vec<HistoryRow>> {
                    let rows = sqlx::query(
                        "SELECT h.id, h.at, h.actor_user_id, u.name AS actor_name, h.action, h.from_status, h.to_status, h.changes, h.note \
                         FROM measure_history h LEFT JOIN users u ON u.id = h.actor_user_id WHERE h.measure_id = $1 ORDER BY h.id",
                    )
                    .bind(id.0)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(HistoryRow {
                                id: r.try_get("id")?,
                                at: Instant(r.try_get("at")?),
                                actor_user_id: r.try_get::<Option<i64>, _>("actor_user_id")?.map(UserId),
                                actor_name: r.try_get("actor_name")?,
                                action: r.try_get("action")?,
                                from_status: r.try_get("from_status")?,
                                to_status: r.try_get("to_status")?,
                                changes: r.try_get("changes")?,
                                note: r.try_get("note")?,
                            })
                        })
                        .collect()
                }

                async fn measure_comments(&self, id: MeasureId) -> Result<Vec<CommentRow>> {
                    let rows = sqlx::query(
                        "SELECT c.id, c.at, c.author_user_id, u.name AS author_name, c.body FROM measure_comments c \
                         LEFT JOIN users u ON u.id = c.author_user_id WHERE c.measure_id = $1 ORDER BY c.id",
                    )
                    .bind(id.0)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(CommentRow {
                                id: MeasureCommentId(r.try_get("id")?),
                                at: Instant(r.try_get("at")?),
                                author_user_id: r.try_get::<Option<i64>, _>("author_user_id")?.map(UserId),
                                author_name: r.try_get("author_name")?,
                                body: r.try_get("body")?,
                            })
                        })
                        .collect()
                }

                async fn update_measure(&self, id: MeasureId, expected_version: i64, v: &MeasureValues, history: &NewHistory, emails: &[NewEmail], at: Instant, audit: AuditDraft) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "UPDATE measures SET title = $1, description = $2, kind = $3, cause = $4, status = $5, sharing = $6, \
                         owner_organisation_id = $7, owner_unit_id = $8, responsible_user_id = $9, due_date = $10, planned_date = $11, \
                         cost_sek = $12, status_reason = $13, evidence = $14, completed_at = $15, confirmed_at = $16, control_area_id = $17, \
                         version = version + 1, updated_at = $18 WHERE id = $19 AND version = $20",
                    )
                    .bind(&v.title)
                    .bind(&v.description)
                    .bind(&v.kind)
                    .bind(&v.cause)
                    .bind(&v.status)
                    .bind(&v.sharing)
                    .bind(v.owner_organisation_id.map(|o| o.0))
                    .bind(v.owner_unit_id.map(|u| u.0))
                    .bind(v.responsible_user_id.map(|u| u.0))
                    .bind(&v.due_date)
                    .bind(&v.planned_date)
                    .bind(v.cost_sek)
                    .bind(&v.status_reason)
                    .bind(&v.evidence)
                    .bind(v.completed_at.map(|t| t.0))
                    .bind(v.confirmed_at.map(|t| t.0))
                    .bind(v.control_area_id.map(|a| a.0))
                    .bind(at.0)
                    .bind(id.0)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        let exists = sqlx::query("SELECT id FROM measures WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
                        return Err(match exists {
                            Some(_) => StoreError::Conflict { constraint: "measure_changed" },
                            None => StoreError::NotFound,
                        });
                    }
                    insert_history(&mut tx, id.0, history).await?;
                    insert_emails(&mut tx, emails).await?;
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.0.to_string());
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn add_measure_note(&self, id: MeasureId, history: &NewHistory, audit: AuditDraft) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query("UPDATE measures SET updated_at = $1 WHERE id = $2").bind(history.at.0).bind(id.0).execute(&mut *tx).await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    insert_history(&mut tx, id.0, history).await?;
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.0.to_string());
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn add_measure_comment(&self, id: MeasureId, author: UserId, at: Instant, body: &str, audit: AuditDraft) -> Result<MeasureCommentId> {
                    let mut tx = self.begin_write().await?;
                    let exists = sqlx::query("SELECT id FROM measures WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await?;
                    if exists.is_none() {
                        return Err(StoreError::NotFound);
                    }
                    let cid: i64 = sqlx::query("INSERT INTO measure_comments (measure_id, author_user_id, at, body) VALUES ($1, $2, $3, $4) RETURNING id")
                        .bind(id.0)
                        .bind(author.0)
                        .bind(at.0)
                        .bind(body)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("id")?;
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.0.to_string());
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(MeasureCommentId(cid))
                }

                async fn add_measure_evidence(&self, id: MeasureId, phase: &str, photos: &[NewPhoto], uploaded_by: Option<UserId>, max_per_measure: usize, history: &NewHistory, audit: AuditDraft) -> Result<Vec<i64>> {
                    let mut tx = self.begin_write().await?;
                    // Locks the measure row on PostgreSQL (SQLite holds the write lock
                    // already), so concurrent uploads count one after the other.
                    let done = sqlx::query("UPDATE measures SET updated_at = $1 WHERE id = $2")
                        .bind(history.at.0)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    let have: i64 = sqlx::query("SELECT COUNT(*) AS n FROM measure_evidence WHERE measure_id = $1")
                        .bind(id.0)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("n")?;
                    if have as usize + photos.len() > max_per_measure {
                        return Err(StoreError::Conflict { constraint: "measure_evidence_limit" });
                    }
                    let mut ids = Vec::with_capacity(photos.len());
                    for p in photos {
                        let pid: i64 = sqlx::query(
                            "INSERT INTO measure_evidence (measure_id, phase, content_type, width, height, byte_size, sha256, uploaded_by, created_at, thumb, data) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                        )
                        .bind(id.0)
                        .bind(phase)
                        .bind(&p.content_type)
                        .bind(p.width)
                        .bind(p.height)
                        .bind(p.data.len() as i64)
                        .bind(&p.sha256)
                        .bind(uploaded_by.map(|u| u.0))
                        .bind(history.at.0)
                        .bind(&p.thumb)
                        .bind(&p.data)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("id")?;
                        ids.push(pid);
                    }
                    insert_history(&mut tx, id.0, history).await?;
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.0.to_string());
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(ids)
                }

                async fn measure_evidence(&self, id: MeasureId) -> Result<Vec<EvidenceRow>> {
                    let sql = format!("SELECT {EVIDENCE_COLUMNS} FROM measure_evidence WHERE measure_id = $1 ORDER BY id");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_all(&self.pool).await?;
                    rows.iter().map(evidence_from).collect()
                }

                async fn read_measure_evidence(&self, id: MeasureId, photo: i64, variant: PhotoVariant, audit: AuditDraft) -> Result<Option<EvidenceData>> {
                    let column = match variant {
                        PhotoVariant::Full => "data",
                        PhotoVariant::Thumb => "thumb",
                    };
                    let sql = format!("SELECT {EVIDENCE_COLUMNS}, {column} AS bytes FROM measure_evidence WHERE id = $1 AND measure_id = $2");
                    let mut tx = self.begin_write().await?;
                    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(photo).bind(id.0).fetch_optional(&mut *tx).await? else {
                        return Ok(None);
                    };
                    let row = evidence_from(&r)?;
                    let bytes: Vec<u8> = r.try_get("bytes")?;
                    let content_type = match variant {
                        PhotoVariant::Full => row.content_type.clone(),
                        PhotoVariant::Thumb => "image/jpeg".to_owned(),
                    };
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(Some(EvidenceData { row, content_type, bytes }))
                }

                async fn enqueue_emails(&self, emails: &[NewEmail]) -> Result<u64> {
                    let mut tx = self.begin_write().await?;
                    let n = insert_emails(&mut tx, emails).await?;
                    tx.commit().await?;
                    Ok(n)
                }

                async fn claim_emails(&self, worker: &str, now: Instant, lease_until: Instant, limit: i64) -> Result<Vec<OutboxEmail>> {
                    let mut tx = self.begin_write().await?;
                    let sql = format!(
                        "UPDATE email_outbox SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 \
                         WHERE id IN (SELECT id FROM email_outbox WHERE sent_at IS NULL AND failed_at IS NULL \
                         AND next_attempt_at <= $3 AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY id LIMIT $4{}) \
                         RETURNING {OUTBOX_COLUMNS}",
                        $skip_locked
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(worker)
                        .bind(lease_until.0)
                        .bind(now.0)
                        .bind(limit)
                        .fetch_all(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    let mut out: Vec<OutboxEmail> = rows.iter().map(email_from).collect::<Result<_>>()?;
                    out.sort_by_key(|e| e.id);
                    Ok(out)
                }

                async fn email_sent(&self, id: i64, worker: &str, at: Instant) -> Result<bool> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "UPDATE email_outbox SET sent_at = $1, claimed_by = NULL, claimed_until = NULL, last_error = NULL \
                         WHERE id = $2 AND claimed_by = $3 AND sent_at IS NULL",
                    )
                    .bind(at.0)
                    .bind(id)
                    .bind(worker)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(done.rows_affected() == 1)
                }

                async fn email_failed(&self, id: i64, worker: &str, retry_at: Option<Instant>, at: Instant, error: &str) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    sqlx::query(
                        "UPDATE email_outbox SET claimed_by = NULL, claimed_until = NULL, last_error = $1, \
                         next_attempt_at = COALESCE($2, next_attempt_at), failed_at = CASE WHEN $3 THEN $4 ELSE NULL END \
                         WHERE id = $5 AND claimed_by = $6 AND sent_at IS NULL",
                    )
                    .bind(error)
                    .bind(retry_at.map(|t| t.0))
                    .bind(retry_at.is_none())
                    .bind(at.0)
                    .bind(id)
                    .bind(worker)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    Ok(())
                }

                async fn outbox(&self, limit: i64) -> Result<Vec<OutboxEmail>> {
                    let sql = format!("SELECT {OUTBOX_COLUMNS} FROM email_outbox ORDER BY id DESC LIMIT $1");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit.clamp(1, 10_000)).fetch_all(&self.pool).await?;
                    rows.iter().map(email_from).collect()
                }
            }
        }
    };
}

pub(crate) use impl_measure_store;

use crate::Db;

macro_rules! delegate_measures {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        #[allow(clippy::too_many_arguments)]
        impl MeasureStore for Db {
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

delegate_measures! {
    fn create_measure(&self, new: &NewMeasure, history: &[NewHistory], emails: &[NewEmail], audit: AuditDraft) -> Result<MeasureId>;
    fn measure(&self, id: MeasureId) -> Result<Option<MeasureRow>>;
    fn measures(&self, filter: &MeasureFilter) -> Result<Vec<MeasureRow>>;
    fn measure_links(&self, id: MeasureId) -> Result<Vec<LinkTarget>>;
    fn measure_co_owners(&self, id: MeasureId) -> Result<Vec<UnitId>>;
    fn measure_history(&self, id: MeasureId) -> Result<Vec<HistoryRow>>;
    fn measure_comments(&self, id: MeasureId) -> Result<Vec<CommentRow>>;
    fn update_measure(&self, id: MeasureId, expected_version: i64, values: &MeasureValues, history: &NewHistory, emails: &[NewEmail], at: Instant, audit: AuditDraft) -> Result<()>;
    fn add_measure_note(&self, id: MeasureId, history: &NewHistory, audit: AuditDraft) -> Result<()>;
    fn add_measure_comment(&self, id: MeasureId, author: UserId, at: Instant, body: &str, audit: AuditDraft) -> Result<MeasureCommentId>;
    fn add_measure_evidence(&self, id: MeasureId, phase: &str, photos: &[NewPhoto], uploaded_by: Option<UserId>, max_per_measure: usize, history: &NewHistory, audit: AuditDraft) -> Result<Vec<i64>>;
    fn measure_evidence(&self, id: MeasureId) -> Result<Vec<EvidenceRow>>;
    fn read_measure_evidence(&self, id: MeasureId, photo: i64, variant: PhotoVariant, audit: AuditDraft) -> Result<Option<EvidenceData>>;
    fn enqueue_emails(&self, emails: &[NewEmail]) -> Result<u64>;
    fn claim_emails(&self, worker: &str, now: Instant, lease_until: Instant, limit: i64) -> Result<Vec<OutboxEmail>>;
    fn email_sent(&self, id: i64, worker: &str, at: Instant) -> Result<bool>;
    fn email_failed(&self, id: i64, worker: &str, retry_at: Option<Instant>, at: Instant, error: &str) -> Result<()>;
    fn outbox(&self, limit: i64) -> Result<Vec<OutboxEmail>>;
}
