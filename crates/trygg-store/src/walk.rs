//! Safety walks in the store: the plan and its route, sign-ups, observations with their
//! photos, proposals routed to units or external owners, their answers, and the hashed
//! tokens of the owners' answer links.
//!
//! A trait of its own like [`crate::IncidentStore`]; the SQL is shared by both backends
//! through `impl_walk_store!`. Who may do what is decided by `trygg-core`; the store
//! only keeps the rules that need a transaction: the sign-up cap (counted under the
//! walk's row lock), the idempotency of observations, and that an answer link opens
//! only its own owner's proposals.

use trygg_domain::audit::AuditDraft;
use trygg_domain::id::{AreaId, OrganisationId, PlaceId, UnitId, UserId};
use trygg_domain::time::Instant;
use trygg_domain::walk::{
    ExternalOwnerId, ObservationId, ParticipantId, ProposalId, StopId, WalkId, WalkPhotoId,
};

use crate::Result;
use crate::measure::{NewEmail, NewHistory, NewMeasure};

/// A stop of a route to store.
#[derive(Debug, Clone, Default)]
pub struct NewStop {
    pub name: String,
    pub position: Option<(f64, f64)>,
    pub place_id: Option<PlaceId>,
    pub note: Option<String>,
}

/// A walk to store, with its route, organisers and invitations.
#[derive(Debug, Clone)]
pub struct NewWalk {
    pub title: String,
    pub area_id: Option<AreaId>,
    pub starts_at: Instant,
    pub ends_at: Instant,
    pub after_dark: bool,
    pub meeting_point: String,
    pub description: Option<String>,
    pub capacity: i64,
    pub signup_open: bool,
    pub previous_walk_id: Option<WalkId>,
    pub created_by: Option<UserId>,
    pub created_at: Instant,
    pub stops: Vec<NewStop>,
    pub organisers: Vec<UserId>,
    pub invitations: Vec<(OrganisationId, Option<UnitId>)>,
}

/// A stored walk with its area's name and how many signed up.
#[derive(Debug, Clone, PartialEq)]
pub struct WalkRow {
    pub id: WalkId,
    pub title: String,
    pub area_id: Option<AreaId>,
    pub area_name: Option<String>,
    pub starts_at: Instant,
    pub ends_at: Instant,
    pub after_dark: bool,
    pub meeting_point: String,
    pub description: Option<String>,
    pub capacity: i64,
    pub signup_open: bool,
    pub status: String,
    pub published_at: Option<Instant>,
    pub previous_walk_id: Option<WalkId>,
    pub created_at: Instant,
    pub participants: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StopRow {
    pub id: StopId,
    pub walk_id: WalkId,
    pub seq: i64,
    pub name: String,
    pub position: Option<(f64, f64)>,
    pub place_id: Option<PlaceId>,
    pub note: Option<String>,
}

/// An organiser: a user who may edit the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganiserRow {
    pub user_id: UserId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationRow {
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub unit_id: Option<UnitId>,
    pub unit_name: Option<String>,
}

/// A sign-up to store (already checked by the core).
#[derive(Debug, Clone)]
pub struct NewParticipant {
    pub name: String,
    pub email: String,
    pub group: Option<String>,
    pub at: Instant,
}

/// What a sign-up did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignUp {
    Added(ParticipantId),
    /// The e-mail address had signed up already: nothing changed.
    AlreadySignedUp(ParticipantId),
    /// As many as the walk takes have signed up.
    Full,
    /// Sign-up is closed (or the walk is no longer planned).
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantRow {
    pub id: ParticipantId,
    pub name: String,
    pub email: String,
    pub group: Option<String>,
    pub created_at: Instant,
}

/// A photo as the sanitiser left it.
#[derive(Debug, Clone)]
pub struct NewWalkPhoto {
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub thumb: Vec<u8>,
}

/// An observation to store with its photos and proposals (already checked and masked).
#[derive(Debug, Clone)]
pub struct NewObservation {
    pub walk_id: WalkId,
    pub stop_id: Option<StopId>,
    pub position: Option<(f64, f64)>,
    pub place_text: Option<String>,
    pub problem: String,
    pub description: String,
    pub pii_found: String,
    pub recorded_by: Option<UserId>,
    pub recorded_at: Instant,
    pub idempotency_key: Option<String>,
    pub photos: Vec<NewWalkPhoto>,
    pub proposals: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObservationRow {
    pub id: ObservationId,
    pub walk_id: WalkId,
    pub stop_id: Option<StopId>,
    pub position: Option<(f64, f64)>,
    pub place_text: Option<String>,
    pub problem: String,
    pub description: String,
    pub recorded_at: Instant,
    pub photos: Vec<WalkPhotoId>,
}

/// A stored photo, for serving.
#[derive(Debug, Clone)]
pub struct WalkPhotoRow {
    pub id: WalkPhotoId,
    pub walk_id: WalkId,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub thumb: Vec<u8>,
}

/// Where a proposal goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Unit(UnitId),
    External(ExternalOwnerId),
    /// Not routed (yet).
    Nobody,
}

/// An answer to store.
#[derive(Debug, Clone)]
pub struct AnswerRecord {
    /// `will_do`, `will_not_do` or `already_done`.
    pub answer: String,
    /// `YYYY-MM-DD` for `will_do`.
    pub due: Option<String>,
    pub reason: Option<String>,
    pub by: Option<UserId>,
    /// `ui` or `link`.
    pub via: &'static str,
    pub at: Instant,
}

/// A proposal with its owner's names.
#[derive(Debug, Clone, PartialEq)]
pub struct ProposalRow {
    pub id: ProposalId,
    pub walk_id: WalkId,
    pub observation_id: ObservationId,
    pub text: String,
    pub owner_unit_id: Option<UnitId>,
    pub owner_unit_name: Option<String>,
    /// The unit's organisation, or the external owner's name.
    pub owner_organisation_name: Option<String>,
    /// Routed to a unit of the home municipality.
    pub municipal: bool,
    pub owner_external_id: Option<ExternalOwnerId>,
    pub answer: Option<String>,
    pub due: Option<String>,
    pub reason: Option<String>,
    pub answered_at: Option<Instant>,
    pub answered_via: Option<String>,
    pub done_at: Option<Instant>,
    pub measure_id: Option<i64>,
    /// The status and due date of that measure: its progress is the proposal's.
    pub measure_status: Option<String>,
    pub measure_due: Option<String>,
    pub reminded_at: Option<Instant>,
    pub created_at: Instant,
}

/// The measure an accepted proposal becomes, written with the answer.
#[derive(Debug, Clone)]
pub struct ProposalMeasure {
    pub measure: NewMeasure,
    pub history: Vec<NewHistory>,
    pub audit: AuditDraft,
}

/// One reminder: the proposals it is about, a fresh answer link for an external owner
/// (its token hash and expiry), and the e-mail.
#[derive(Debug, Clone)]
pub struct ReminderBatch {
    pub proposals: Vec<ProposalId>,
    pub owner_token: Option<(ExternalOwnerId, String, Instant)>,
    pub email: NewEmail,
}

/// A changed plan: everything the edit form sets (the status and sign-ups stay).
#[derive(Debug, Clone)]
pub struct WalkChanges {
    pub title: String,
    pub area_id: Option<AreaId>,
    pub starts_at: Instant,
    pub ends_at: Instant,
    pub after_dark: bool,
    pub meeting_point: String,
    pub description: Option<String>,
    pub capacity: i64,
    /// Replaces the route when `Some` (only while nothing was observed at its stops).
    pub stops: Option<Vec<NewStop>>,
    pub organisers: Vec<UserId>,
    pub invitations: Vec<(OrganisationId, Option<UnitId>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalOwnerRow {
    pub id: ExternalOwnerId,
    pub walk_id: WalkId,
    pub name: String,
    pub email: String,
    pub token_expires_at: Option<Instant>,
}

/// The store's side of safety walks.
#[allow(async_fn_in_trait)]
pub trait WalkStore {
    /// Stores a walk with its stops, organisers and invitations in one transaction.
    async fn create_walk(&self, new: &NewWalk, audit: AuditDraft) -> Result<WalkId>;
    /// Walks, soonest first; only those with the given status when one is given.
    async fn walks(&self, status: Option<&str>) -> Result<Vec<WalkRow>>;
    async fn walk(&self, id: WalkId) -> Result<Option<WalkRow>>;
    async fn walk_stops(&self, id: WalkId) -> Result<Vec<StopRow>>;
    async fn walk_organisers(&self, id: WalkId) -> Result<Vec<OrganiserRow>>;
    async fn walk_invitations(&self, id: WalkId) -> Result<Vec<InvitationRow>>;
    /// Moves a walk to `status` (`published_at` is set on publication).
    async fn set_walk_status(
        &self,
        id: WalkId,
        status: &str,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<()>;
    async fn set_signup_open(&self, id: WalkId, open: bool, audit: AuditDraft) -> Result<()>;

    /// Signs a person up unless the walk is full or closed; counted under the walk's
    /// row lock so two sign-ups for the last place cannot both succeed. The audit entry
    /// is written only when someone was added.
    /// The confirmation e-mail is queued in the same transaction, only for a new sign-up.
    async fn sign_up(
        &self,
        walk: WalkId,
        new: &NewParticipant,
        confirmation: &NewEmail,
        audit: AuditDraft,
    ) -> Result<SignUp>;
    async fn participants(&self, walk: WalkId) -> Result<Vec<ParticipantRow>>;

    /// Stores an observation with its photos and proposals. With an idempotency key
    /// already used for this walk nothing is written and the first one's id comes back
    /// (`false` = not new).
    async fn add_observation(
        &self,
        new: &NewObservation,
        audit: AuditDraft,
    ) -> Result<(ObservationId, bool)>;
    async fn observations(&self, walk: WalkId) -> Result<Vec<ObservationRow>>;
    async fn walk_photo(&self, id: WalkPhotoId) -> Result<Option<WalkPhotoRow>>;

    /// The external owner of this walk with this e-mail, created if new (name updated).
    async fn upsert_external_owner(
        &self,
        walk: WalkId,
        name: &str,
        email: &str,
        audit: AuditDraft,
    ) -> Result<ExternalOwnerId>;
    async fn external_owners(&self, walk: WalkId) -> Result<Vec<ExternalOwnerRow>>;
    /// Replaces the owner's link token (its hash) and expiry, and queues the e-mail that
    /// carries the link, in one transaction.
    async fn set_owner_token(
        &self,
        owner: ExternalOwnerId,
        token_hash: &str,
        expires_at: Instant,
        emails: &[NewEmail],
        audit: AuditDraft,
    ) -> Result<()>;
    /// The owner whose link token has this hash, whatever its expiry (the caller checks).
    async fn external_owner_by_token(&self, token_hash: &str) -> Result<Option<ExternalOwnerRow>>;

    async fn route_proposal(&self, id: ProposalId, route: Route, audit: AuditDraft) -> Result<()>;
    /// Records an answer (replacing an earlier one); `already_done` also marks it done.
    /// With a measure, and none made from this proposal yet, the measure is created,
    /// linked to the proposal and noted on it, in the same transaction; its id returns.
    async fn answer_proposal(
        &self,
        id: ProposalId,
        answer: &AnswerRecord,
        measure: Option<ProposalMeasure>,
        audit: AuditDraft,
    ) -> Result<Option<i64>>;
    /// Marks a promised proposal done (or, with `None`, not done after all).
    async fn set_proposal_done(
        &self,
        id: ProposalId,
        at: Option<Instant>,
        audit: AuditDraft,
    ) -> Result<()>;
    /// Notes the measure a proposal became.
    async fn link_measure(&self, id: ProposalId, measure_id: i64) -> Result<()>;
    async fn proposal(&self, id: ProposalId) -> Result<Option<ProposalRow>>;
    async fn proposals(&self, walk: WalkId) -> Result<Vec<ProposalRow>>;
    /// Proposals routed to a unit, across walks, newest walk first.
    async fn proposals_for_unit(&self, unit: UnitId) -> Result<Vec<ProposalRow>>;
    /// Routed proposals without an answer, created before `before` and not reminded
    /// since then: the ones to remind.
    async fn proposals_to_remind(&self, before: Instant) -> Result<Vec<ProposalRow>>;
    /// Sends reminders once: for each batch, marks its proposals reminded at `at` where
    /// they were not reminded since `before` (a conditional update, so two instances
    /// cannot both claim one), and only if it claimed any, replaces the owner's token
    /// and queues the e-mail; all in one transaction. Returns the proposals claimed.
    async fn claim_reminders(
        &self,
        before: Instant,
        at: Instant,
        batches: &[ReminderBatch],
        audit: AuditDraft,
    ) -> Result<usize>;
    /// Changes a walk's plan: its fields, organisers and invitations, and the route
    /// when given.
    async fn update_walk(&self, id: WalkId, changes: &WalkChanges, audit: AuditDraft)
    -> Result<()>;
}

macro_rules! impl_walk_store {
    ($store:ident, $db:ty) => {
        mod walk_impl {
            use sqlx::Row as _;
            use trygg_domain::audit::AuditDraft;
            use trygg_domain::id::{AreaId, OrganisationId, PlaceId, UnitId, UserId};
            use trygg_domain::time::Instant;
            use trygg_domain::walk::{
                ExternalOwnerId, ObservationId, ParticipantId, ProposalId, StopId, WalkId, WalkPhotoId,
            };

            use super::append;
            use $crate::measure::NewEmail;
            use $crate::walk::*;
            use $crate::{Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Tx = sqlx::Transaction<'static, $db>;

            const WALK_COLUMNS: &str = "w.id, w.title, w.area_id, a.name AS area_name, w.starts_at, w.ends_at, \
                w.after_dark, w.meeting_point, w.description, w.capacity, w.signup_open, w.status, w.published_at, \
                w.previous_walk_id, w.created_at, \
                (SELECT COUNT(*) FROM walk_participants p WHERE p.walk_id = w.id) AS participants \
                FROM walks w LEFT JOIN areas a ON a.id = w.area_id";

            fn walk_from(r: &Row) -> Result<WalkRow> {
                Ok(WalkRow {
                    id: WalkId(r.try_get("id")?),
                    title: r.try_get("title")?,
                    area_id: r.try_get::<Option<i64>, _>("area_id")?.map(AreaId),
                    area_name: r.try_get("area_name")?,
                    starts_at: Instant(r.try_get("starts_at")?),
                    ends_at: Instant(r.try_get("ends_at")?),
                    after_dark: r.try_get("after_dark")?,
                    meeting_point: r.try_get("meeting_point")?,
                    description: r.try_get("description")?,
                    capacity: r.try_get("capacity")?,
                    signup_open: r.try_get("signup_open")?,
                    status: r.try_get("status")?,
                    published_at: r.try_get::<Option<i64>, _>("published_at")?.map(Instant),
                    previous_walk_id: r.try_get::<Option<i64>, _>("previous_walk_id")?.map(WalkId),
                    created_at: Instant(r.try_get("created_at")?),
                    participants: r.try_get("participants")?,
                })
            }

            fn position(r: &Row) -> Result<Option<(f64, f64)>> {
                let lat: Option<f64> = r.try_get("lat")?;
                let lon: Option<f64> = r.try_get("lon")?;
                Ok(lat.zip(lon))
            }

            const PROPOSAL_COLUMNS: &str = "p.id, p.walk_id, p.observation_id, p.text, p.owner_unit_id, \
                u.name AS unit_name, COALESCE(o.name, x.name) AS owner_org, COALESCE(o.is_home, FALSE) AS municipal, \
                p.owner_external_id, p.answer, p.due, p.reason, p.answered_at, p.answered_via, p.done_at, \
                p.measure_id, ms.status AS measure_status, ms.due_date AS measure_due, p.reminded_at, p.created_at \
                FROM walk_proposals p LEFT JOIN units u ON u.id = p.owner_unit_id \
                LEFT JOIN organisations o ON o.id = u.organisation_id \
                LEFT JOIN walk_external_owners x ON x.id = p.owner_external_id \
                LEFT JOIN measures ms ON ms.id = p.measure_id";

            fn proposal_from(r: &Row) -> Result<ProposalRow> {
                Ok(ProposalRow {
                    id: ProposalId(r.try_get("id")?),
                    walk_id: WalkId(r.try_get("walk_id")?),
                    observation_id: ObservationId(r.try_get("observation_id")?),
                    text: r.try_get("text")?,
                    owner_unit_id: r.try_get::<Option<i64>, _>("owner_unit_id")?.map(UnitId),
                    owner_unit_name: r.try_get("unit_name")?,
                    owner_organisation_name: r.try_get("owner_org")?,
                    municipal: r.try_get("municipal")?,
                    owner_external_id: r.try_get::<Option<i64>, _>("owner_external_id")?.map(ExternalOwnerId),
                    answer: r.try_get("answer")?,
                    due: r.try_get("due")?,
                    reason: r.try_get("reason")?,
                    answered_at: r.try_get::<Option<i64>, _>("answered_at")?.map(Instant),
                    answered_via: r.try_get("answered_via")?,
                    done_at: r.try_get::<Option<i64>, _>("done_at")?.map(Instant),
                    measure_id: r.try_get("measure_id")?,
                    measure_status: r.try_get("measure_status")?,
                    measure_due: r.try_get("measure_due")?,
                    reminded_at: r.try_get::<Option<i64>, _>("reminded_at")?.map(Instant),
                    created_at: Instant(r.try_get("created_at")?),
                })
            }

            fn owner_from(r: &Row) -> Result<ExternalOwnerRow> {
                Ok(ExternalOwnerRow {
                    id: ExternalOwnerId(r.try_get("id")?),
                    walk_id: WalkId(r.try_get("walk_id")?),
                    name: r.try_get("name")?,
                    email: r.try_get("email")?,
                    token_expires_at: r.try_get::<Option<i64>, _>("token_expires_at")?.map(Instant),
                })
            }

            /// Creates the measure an accepted proposal becomes, with its link to the
            /// proposal and its first history entries, in the caller's transaction.
            async fn insert_measure(tx: &mut Tx, proposal: i64, m: &ProposalMeasure) -> Result<i64> {
                let id = super::measure_impl::insert_measure(tx, &m.measure).await?;
                sqlx::query("INSERT INTO measure_links (measure_id, walk_proposal_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(proposal)
                    .execute(&mut **tx)
                    .await?;
                for h in &m.history {
                    super::measure_impl::insert_history(tx, id, h).await?;
                }
                Ok(id)
            }

            async fn finish(mut tx: Tx, key: &trygg_domain::audit::AuditKey, audit: &AuditDraft) -> Result<()> {
                append(&mut tx, key, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            impl WalkStore for super::$store {
                async fn create_walk(&self, new: &NewWalk, audit: AuditDraft) -> Result<WalkId> {
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO walks (title, area_id, starts_at, ends_at, after_dark, meeting_point, description, \
                         capacity, signup_open, status, previous_walk_id, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'planned', $10, $11, $12) RETURNING id",
                    )
                    .bind(&new.title)
                    .bind(new.area_id.map(|a| a.0))
                    .bind(new.starts_at.0)
                    .bind(new.ends_at.0)
                    .bind(new.after_dark)
                    .bind(&new.meeting_point)
                    .bind(&new.description)
                    .bind(new.capacity)
                    .bind(new.signup_open)
                    .bind(new.previous_walk_id.map(|w| w.0))
                    .bind(new.created_by.map(|u| u.0))
                    .bind(new.created_at.0)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    for (n, s) in new.stops.iter().enumerate() {
                        sqlx::query("INSERT INTO walk_stops (walk_id, seq, name, lat, lon, place_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                            .bind(id)
                            .bind(n as i64 + 1)
                            .bind(&s.name)
                            .bind(s.position.map(|p| p.0))
                            .bind(s.position.map(|p| p.1))
                            .bind(s.place_id.map(|p| p.0))
                            .bind(&s.note)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let mut organisers = new.organisers.clone();
                    organisers.sort();
                    organisers.dedup();
                    for u in organisers {
                        sqlx::query("INSERT INTO walk_organisers (walk_id, user_id) VALUES ($1, $2)")
                            .bind(id)
                            .bind(u.0)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let mut invitations = new.invitations.clone();
                    invitations.sort();
                    invitations.dedup();
                    for (o, u) in invitations {
                        sqlx::query("INSERT INTO walk_invitations (walk_id, organisation_id, unit_id) VALUES ($1, $2, $3)")
                            .bind(id)
                            .bind(o.0)
                            .bind(u.map(|u| u.0))
                            .execute(&mut *tx)
                            .await?;
                    }
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.to_string());
                    finish(tx, &self.key, &audit).await?;
                    Ok(WalkId(id))
                }

                async fn walks(&self, status: Option<&str>) -> Result<Vec<WalkRow>> {
                    let rows = match status {
                        Some(s) => {
                            let sql = format!("SELECT {WALK_COLUMNS} WHERE w.status = $1 ORDER BY w.starts_at DESC, w.id DESC");
                            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(s).fetch_all(&self.pool).await?
                        }
                        None => {
                            let sql = format!("SELECT {WALK_COLUMNS} ORDER BY w.starts_at DESC, w.id DESC");
                            sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?
                        }
                    };
                    rows.iter().map(walk_from).collect()
                }

                async fn walk(&self, id: WalkId) -> Result<Option<WalkRow>> {
                    let sql = format!("SELECT {WALK_COLUMNS} WHERE w.id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await?;
                    row.as_ref().map(walk_from).transpose()
                }

                async fn walk_stops(&self, id: WalkId) -> Result<Vec<StopRow>> {
                    let rows = sqlx::query("SELECT * FROM walk_stops WHERE walk_id = $1 ORDER BY seq")
                        .bind(id.0)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(StopRow {
                                id: StopId(r.try_get("id")?),
                                walk_id: WalkId(r.try_get("walk_id")?),
                                seq: r.try_get("seq")?,
                                name: r.try_get("name")?,
                                position: position(r)?,
                                place_id: r.try_get::<Option<i64>, _>("place_id")?.map(PlaceId),
                                note: r.try_get("note")?,
                            })
                        })
                        .collect()
                }

                async fn walk_organisers(&self, id: WalkId) -> Result<Vec<OrganiserRow>> {
                    let rows = sqlx::query(
                        "SELECT u.id, u.name FROM walk_organisers wo JOIN users u ON u.id = wo.user_id WHERE wo.walk_id = $1 ORDER BY u.name",
                    )
                    .bind(id.0)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| Ok(OrganiserRow { user_id: UserId(r.try_get("id")?), name: r.try_get("name")? }))
                        .collect()
                }

                async fn walk_invitations(&self, id: WalkId) -> Result<Vec<InvitationRow>> {
                    let rows = sqlx::query(
                        "SELECT i.organisation_id, o.name AS org_name, i.unit_id, u.name AS unit_name FROM walk_invitations i \
                         JOIN organisations o ON o.id = i.organisation_id LEFT JOIN units u ON u.id = i.unit_id \
                         WHERE i.walk_id = $1 ORDER BY o.name, u.name",
                    )
                    .bind(id.0)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(InvitationRow {
                                organisation_id: OrganisationId(r.try_get("organisation_id")?),
                                organisation_name: r.try_get("org_name")?,
                                unit_id: r.try_get::<Option<i64>, _>("unit_id")?.map(UnitId),
                                unit_name: r.try_get("unit_name")?,
                            })
                        })
                        .collect()
                }

                async fn set_walk_status(&self, id: WalkId, status: &str, at: Instant, audit: AuditDraft) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let published = (status == "published").then_some(at.0);
                    let done = sqlx::query(
                        "UPDATE walks SET status = $1, published_at = COALESCE($2, published_at), \
                         signup_open = CASE WHEN $1 = 'planned' THEN signup_open ELSE FALSE END WHERE id = $3",
                    )
                    .bind(status)
                    .bind(published)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    finish(tx, &self.key, &audit).await
                }

                async fn set_signup_open(&self, id: WalkId, open: bool, audit: AuditDraft) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query("UPDATE walks SET signup_open = $1 WHERE id = $2")
                        .bind(open)
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    finish(tx, &self.key, &audit).await
                }

                async fn sign_up(&self, walk: WalkId, new: &NewParticipant, confirmation: &NewEmail, audit: AuditDraft) -> Result<SignUp> {
                    let mut tx = self.begin_write().await?;
                    // A no-op update takes the walk's row lock on PostgreSQL (SQLite holds
                    // the database's write lock already): the count below cannot change
                    // under us.
                    let locked = sqlx::query("UPDATE walks SET capacity = capacity WHERE id = $1 RETURNING capacity, signup_open, status")
                        .bind(walk.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(w) = locked else { return Err(StoreError::NotFound) };
                    let capacity: i64 = w.try_get("capacity")?;
                    let open: bool = w.try_get("signup_open")?;
                    let status: String = w.try_get("status")?;
                    let existing = sqlx::query("SELECT id FROM walk_participants WHERE walk_id = $1 AND email = $2")
                        .bind(walk.0)
                        .bind(&new.email)
                        .fetch_optional(&mut *tx)
                        .await?;
                    if let Some(e) = existing {
                        return Ok(SignUp::AlreadySignedUp(ParticipantId(e.try_get("id")?)));
                    }
                    if !open || status != "planned" {
                        return Ok(SignUp::Closed);
                    }
                    let count: i64 = sqlx::query("SELECT COUNT(*) AS n FROM walk_participants WHERE walk_id = $1")
                        .bind(walk.0)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("n")?;
                    if count >= capacity {
                        return Ok(SignUp::Full);
                    }
                    let id: i64 = sqlx::query(
                        "INSERT INTO walk_participants (walk_id, name, email, grp, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    )
                    .bind(walk.0)
                    .bind(&new.name)
                    .bind(&new.email)
                    .bind(&new.group)
                    .bind(new.at.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique(e, "walk_participants_email_key"))?
                    .try_get("id")?;
                    super::measure_impl::insert_emails(&mut tx, std::slice::from_ref(confirmation)).await?;
                    finish(tx, &self.key, &audit).await?;
                    Ok(SignUp::Added(ParticipantId(id)))
                }

                async fn participants(&self, walk: WalkId) -> Result<Vec<ParticipantRow>> {
                    let rows = sqlx::query("SELECT * FROM walk_participants WHERE walk_id = $1 ORDER BY created_at, id")
                        .bind(walk.0)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter()
                        .map(|r| {
                            Ok(ParticipantRow {
                                id: ParticipantId(r.try_get("id")?),
                                name: r.try_get("name")?,
                                email: r.try_get("email")?,
                                group: r.try_get("grp")?,
                                created_at: Instant(r.try_get("created_at")?),
                            })
                        })
                        .collect()
                }

                async fn add_observation(&self, new: &NewObservation, audit: AuditDraft) -> Result<(ObservationId, bool)> {
                    let mut tx = self.begin_write().await?;
                    if let Some(key) = &new.idempotency_key {
                        let seen = sqlx::query("SELECT id FROM walk_observations WHERE walk_id = $1 AND idempotency_key = $2")
                            .bind(new.walk_id.0)
                            .bind(key)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if let Some(r) = seen {
                            return Ok((ObservationId(r.try_get("id")?), false));
                        }
                    }
                    let id: i64 = sqlx::query(
                        "INSERT INTO walk_observations (walk_id, stop_id, lat, lon, place_text, problem, description, pii_found, \
                         recorded_by, recorded_at, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                    )
                    .bind(new.walk_id.0)
                    .bind(new.stop_id.map(|s| s.0))
                    .bind(new.position.map(|p| p.0))
                    .bind(new.position.map(|p| p.1))
                    .bind(&new.place_text)
                    .bind(&new.problem)
                    .bind(&new.description)
                    .bind(&new.pii_found)
                    .bind(new.recorded_by.map(|u| u.0))
                    .bind(new.recorded_at.0)
                    .bind(&new.idempotency_key)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique(e, "walk_observations_key"))?
                    .try_get("id")?;
                    for p in &new.photos {
                        sqlx::query(
                            "INSERT INTO walk_photos (observation_id, content_type, width, height, sha256, bytes, thumb, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                        )
                        .bind(id)
                        .bind(&p.content_type)
                        .bind(p.width)
                        .bind(p.height)
                        .bind(&p.sha256)
                        .bind(&p.bytes)
                        .bind(&p.thumb)
                        .bind(new.recorded_at.0)
                        .execute(&mut *tx)
                        .await?;
                    }
                    for text in &new.proposals {
                        sqlx::query("INSERT INTO walk_proposals (walk_id, observation_id, text, created_at) VALUES ($1, $2, $3, $4)")
                            .bind(new.walk_id.0)
                            .bind(id)
                            .bind(text)
                            .bind(new.recorded_at.0)
                            .execute(&mut *tx)
                            .await?;
                    }
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.to_string());
                    finish(tx, &self.key, &audit).await?;
                    Ok((ObservationId(id), true))
                }

                async fn observations(&self, walk: WalkId) -> Result<Vec<ObservationRow>> {
                    let rows = sqlx::query("SELECT * FROM walk_observations WHERE walk_id = $1 ORDER BY recorded_at, id")
                        .bind(walk.0)
                        .fetch_all(&self.pool)
                        .await?;
                    let photos = sqlx::query(
                        "SELECT ph.id, ph.observation_id FROM walk_photos ph JOIN walk_observations o ON o.id = ph.observation_id \
                         WHERE o.walk_id = $1 ORDER BY ph.id",
                    )
                    .bind(walk.0)
                    .fetch_all(&self.pool)
                    .await?;
                    let mut by_obs: Vec<(i64, WalkPhotoId)> = Vec::new();
                    for p in &photos {
                        by_obs.push((p.try_get("observation_id")?, WalkPhotoId(p.try_get("id")?)));
                    }
                    rows.iter()
                        .map(|r| {
                            let id: i64 = r.try_get("id")?;
                            Ok(ObservationRow {
                                id: ObservationId(id),
                                walk_id: WalkId(r.try_get("walk_id")?),
                                stop_id: r.try_get::<Option<i64>, _>("stop_id")?.map(StopId),
                                position: position(r)?,
                                place_text: r.try_get("place_text")?,
                                problem: r.try_get("problem")?,
                                description: r.try_get("description")?,
                                recorded_at: Instant(r.try_get("recorded_at")?),
                                photos: by_obs.iter().filter(|(o, _)| *o == id).map(|(_, p)| *p).collect(),
                            })
                        })
                        .collect()
                }

                async fn walk_photo(&self, id: WalkPhotoId) -> Result<Option<WalkPhotoRow>> {
                    let row = sqlx::query(
                        "SELECT ph.id, o.walk_id, ph.content_type, ph.bytes, ph.thumb FROM walk_photos ph \
                         JOIN walk_observations o ON o.id = ph.observation_id WHERE ph.id = $1",
                    )
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.map(|r| {
                        Ok(WalkPhotoRow {
                            id: WalkPhotoId(r.try_get("id")?),
                            walk_id: WalkId(r.try_get("walk_id")?),
                            content_type: r.try_get("content_type")?,
                            bytes: r.try_get("bytes")?,
                            thumb: r.try_get("thumb")?,
                        })
                    })
                    .transpose()
                }

                async fn upsert_external_owner(&self, walk: WalkId, name: &str, email: &str, audit: AuditDraft) -> Result<ExternalOwnerId> {
                    let mut tx = self.begin_write().await?;
                    let existing = sqlx::query("SELECT id FROM walk_external_owners WHERE walk_id = $1 AND email = $2")
                        .bind(walk.0)
                        .bind(email)
                        .fetch_optional(&mut *tx)
                        .await?;
                    let id: i64 = match existing {
                        Some(r) => {
                            let id: i64 = r.try_get("id")?;
                            sqlx::query("UPDATE walk_external_owners SET name = $1 WHERE id = $2").bind(name).bind(id).execute(&mut *tx).await?;
                            id
                        }
                        None => sqlx::query("INSERT INTO walk_external_owners (walk_id, name, email) VALUES ($1, $2, $3) RETURNING id")
                            .bind(walk.0)
                            .bind(name)
                            .bind(email)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(|e| StoreError::unique(e, "walk_external_owners_key"))?
                            .try_get("id")?,
                    };
                    finish(tx, &self.key, &audit).await?;
                    Ok(ExternalOwnerId(id))
                }

                async fn external_owners(&self, walk: WalkId) -> Result<Vec<ExternalOwnerRow>> {
                    let rows = sqlx::query("SELECT * FROM walk_external_owners WHERE walk_id = $1 ORDER BY name, id")
                        .bind(walk.0)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(owner_from).collect()
                }

                async fn set_owner_token(&self, owner: ExternalOwnerId, token_hash: &str, expires_at: Instant, emails: &[NewEmail], audit: AuditDraft) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    super::measure_impl::insert_emails(&mut tx, emails).await?;
                    let done = sqlx::query("UPDATE walk_external_owners SET token_hash = $1, token_expires_at = $2 WHERE id = $3")
                        .bind(token_hash)
                        .bind(expires_at.0)
                        .bind(owner.0)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    finish(tx, &self.key, &audit).await
                }

                async fn external_owner_by_token(&self, token_hash: &str) -> Result<Option<ExternalOwnerRow>> {
                    let row = sqlx::query("SELECT * FROM walk_external_owners WHERE token_hash = $1")
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(owner_from).transpose()
                }

                async fn route_proposal(&self, id: ProposalId, route: Route, audit: AuditDraft) -> Result<()> {
                    let (unit, external) = match route {
                        Route::Unit(u) => (Some(u.0), None),
                        Route::External(x) => (None, Some(x.0)),
                        Route::Nobody => (None, None),
                    };
                    let mut tx = self.begin_write().await?;
                    // A new owner answers anew: an earlier owner's answer does not bind them.
                    let done = sqlx::query(
                        "UPDATE walk_proposals SET owner_unit_id = $1, owner_external_id = $2, answer = NULL, due = NULL, \
                         reason = NULL, answered_at = NULL, answered_by = NULL, answered_via = NULL, done_at = NULL, reminded_at = NULL, \
                         measure_id = NULL WHERE id = $3",
                    )
                    .bind(unit)
                    .bind(external)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    finish(tx, &self.key, &audit).await
                }

                async fn answer_proposal(&self, id: ProposalId, a: &AnswerRecord, measure: Option<ProposalMeasure>, audit: AuditDraft) -> Result<Option<i64>> {
                    let mut tx = self.begin_write().await?;
                    let done_at = (a.answer == "already_done").then_some(a.at.0);
                    let done = sqlx::query(
                        "UPDATE walk_proposals SET answer = $1, due = $2, reason = $3, answered_at = $4, answered_by = $5, \
                         answered_via = $6, done_at = $7 WHERE id = $8",
                    )
                    .bind(&a.answer)
                    .bind(&a.due)
                    .bind(&a.reason)
                    .bind(a.at.0)
                    .bind(a.by.map(|u| u.0))
                    .bind(a.via)
                    .bind(done_at)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    let mut created = None;
                    if let Some(m) = measure {
                        let existing: Option<i64> = sqlx::query("SELECT measure_id FROM walk_proposals WHERE id = $1")
                            .bind(id.0)
                            .fetch_one(&mut *tx)
                            .await?
                            .try_get("measure_id")?;
                        if existing.is_none() {
                            let mid = insert_measure(&mut tx, id.0, &m).await?;
                            sqlx::query("UPDATE walk_proposals SET measure_id = $1 WHERE id = $2")
                                .bind(mid)
                                .bind(id.0)
                                .execute(&mut *tx)
                                .await?;
                            let mut maudit = m.audit;
                            maudit.object_id.get_or_insert_with(|| mid.to_string());
                            append(&mut tx, &self.key, &maudit).await?;
                            created = Some(mid);
                        }
                    }
                    finish(tx, &self.key, &audit).await?;
                    Ok(created)
                }

                async fn set_proposal_done(&self, id: ProposalId, at: Option<Instant>, audit: AuditDraft) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query("UPDATE walk_proposals SET done_at = $1 WHERE id = $2 AND answer = 'will_do'")
                        .bind(at.map(|t| t.0))
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    finish(tx, &self.key, &audit).await
                }

                async fn link_measure(&self, id: ProposalId, measure_id: i64) -> Result<()> {
                    sqlx::query("UPDATE walk_proposals SET measure_id = $1 WHERE id = $2")
                        .bind(measure_id)
                        .bind(id.0)
                        .execute(&self.pool)
                        .await?;
                    Ok(())
                }

                async fn proposal(&self, id: ProposalId) -> Result<Option<ProposalRow>> {
                    let sql = format!("SELECT {PROPOSAL_COLUMNS} WHERE p.id = $1");
                    let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.0).fetch_optional(&self.pool).await?;
                    row.as_ref().map(proposal_from).transpose()
                }

                async fn proposals(&self, walk: WalkId) -> Result<Vec<ProposalRow>> {
                    let sql = format!("SELECT {PROPOSAL_COLUMNS} WHERE p.walk_id = $1 ORDER BY p.observation_id, p.id");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(walk.0).fetch_all(&self.pool).await?;
                    rows.iter().map(proposal_from).collect()
                }

                async fn proposals_for_unit(&self, unit: UnitId) -> Result<Vec<ProposalRow>> {
                    let sql = format!("SELECT {PROPOSAL_COLUMNS} WHERE p.owner_unit_id = $1 ORDER BY p.walk_id DESC, p.id");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(unit.0).fetch_all(&self.pool).await?;
                    rows.iter().map(proposal_from).collect()
                }

                async fn proposals_to_remind(&self, before: Instant) -> Result<Vec<ProposalRow>> {
                    let sql = format!(
                        "SELECT {PROPOSAL_COLUMNS} WHERE p.answer IS NULL AND (p.owner_unit_id IS NOT NULL OR p.owner_external_id IS NOT NULL) \
                         AND p.created_at < $1 AND (p.reminded_at IS NULL OR p.reminded_at < $1) ORDER BY p.walk_id, p.id"
                    );
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(before.0).fetch_all(&self.pool).await?;
                    rows.iter().map(proposal_from).collect()
                }

                async fn claim_reminders(&self, before: Instant, at: Instant, batches: &[ReminderBatch], audit: AuditDraft) -> Result<usize> {
                    let mut tx = self.begin_write().await?;
                    let mut claimed = 0;
                    for b in batches {
                        let mut mine = 0;
                        for id in &b.proposals {
                            // Re-checked under the row lock: a second instance finds the
                            // proposal reminded already and claims nothing.
                            let done = sqlx::query(
                                "UPDATE walk_proposals SET reminded_at = $1 WHERE id = $2 AND answer IS NULL \
                                 AND (reminded_at IS NULL OR reminded_at < $3)",
                            )
                            .bind(at.0)
                            .bind(id.0)
                            .bind(before.0)
                            .execute(&mut *tx)
                            .await?;
                            mine += done.rows_affected() as usize;
                        }
                        if mine == 0 {
                            continue;
                        }
                        claimed += mine;
                        if let Some((owner, hash, expires)) = &b.owner_token {
                            sqlx::query("UPDATE walk_external_owners SET token_hash = $1, token_expires_at = $2 WHERE id = $3")
                                .bind(hash)
                                .bind(expires.0)
                                .bind(owner.0)
                                .execute(&mut *tx)
                                .await?;
                        }
                        super::measure_impl::insert_emails(&mut tx, std::slice::from_ref(&b.email)).await?;
                    }
                    if claimed == 0 {
                        return Ok(0);
                    }
                    finish(tx, &self.key, &audit).await?;
                    Ok(claimed)
                }

                async fn update_walk(&self, id: WalkId, c: &WalkChanges, audit: AuditDraft) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "UPDATE walks SET title = $1, area_id = $2, starts_at = $3, ends_at = $4, after_dark = $5, meeting_point = $6, \
                         description = $7, capacity = $8 WHERE id = $9",
                    )
                    .bind(&c.title)
                    .bind(c.area_id.map(|a| a.0))
                    .bind(c.starts_at.0)
                    .bind(c.ends_at.0)
                    .bind(c.after_dark)
                    .bind(&c.meeting_point)
                    .bind(&c.description)
                    .bind(c.capacity)
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    if let Some(stops) = &c.stops {
                        // Stops keep their ids by position, so observations made at a
                        // stop stay with it; stops past the new end go.
                        for (n, s) in stops.iter().enumerate() {
                            let seq = n as i64 + 1;
                            let updated = sqlx::query(
                                "UPDATE walk_stops SET name = $1, lat = $2, lon = $3, place_id = COALESCE($4, place_id), \
                                 note = COALESCE($5, note) WHERE walk_id = $6 AND seq = $7",
                            )
                            .bind(&s.name)
                            .bind(s.position.map(|p| p.0))
                            .bind(s.position.map(|p| p.1))
                            .bind(s.place_id.map(|p| p.0))
                            .bind(&s.note)
                            .bind(id.0)
                            .bind(seq)
                            .execute(&mut *tx)
                            .await?;
                            if updated.rows_affected() == 0 {
                                sqlx::query("INSERT INTO walk_stops (walk_id, seq, name, lat, lon, place_id, note) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                                    .bind(id.0)
                                    .bind(seq)
                                    .bind(&s.name)
                                    .bind(s.position.map(|p| p.0))
                                    .bind(s.position.map(|p| p.1))
                                    .bind(s.place_id.map(|p| p.0))
                                    .bind(&s.note)
                                    .execute(&mut *tx)
                                    .await?;
                            }
                        }
                        sqlx::query("DELETE FROM walk_stops WHERE walk_id = $1 AND seq > $2")
                            .bind(id.0)
                            .bind(stops.len() as i64)
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query("DELETE FROM walk_organisers WHERE walk_id = $1").bind(id.0).execute(&mut *tx).await?;
                    let mut organisers = c.organisers.clone();
                    organisers.sort();
                    organisers.dedup();
                    for u in organisers {
                        sqlx::query("INSERT INTO walk_organisers (walk_id, user_id) VALUES ($1, $2)")
                            .bind(id.0)
                            .bind(u.0)
                            .execute(&mut *tx)
                            .await?;
                    }
                    sqlx::query("DELETE FROM walk_invitations WHERE walk_id = $1").bind(id.0).execute(&mut *tx).await?;
                    let mut invitations = c.invitations.clone();
                    invitations.sort();
                    invitations.dedup();
                    for (o, u) in invitations {
                        sqlx::query("INSERT INTO walk_invitations (walk_id, organisation_id, unit_id) VALUES ($1, $2, $3)")
                            .bind(id.0)
                            .bind(o.0)
                            .bind(u.map(|u| u.0))
                            .execute(&mut *tx)
                            .await?;
                    }
                    finish(tx, &self.key, &audit).await
                }
            }
        }
    };
}

pub(crate) use impl_walk_store;

use crate::Db;
use trygg_domain::time::Instant as At;

macro_rules! delegate_walks {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl WalkStore for Db {
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

delegate_walks! {
    fn create_walk(&self, new: &NewWalk, audit: AuditDraft) -> Result<WalkId>;
    fn walks(&self, status: Option<&str>) -> Result<Vec<WalkRow>>;
    fn walk(&self, id: WalkId) -> Result<Option<WalkRow>>;
    fn walk_stops(&self, id: WalkId) -> Result<Vec<StopRow>>;
    fn walk_organisers(&self, id: WalkId) -> Result<Vec<OrganiserRow>>;
    fn walk_invitations(&self, id: WalkId) -> Result<Vec<InvitationRow>>;
    fn set_walk_status(&self, id: WalkId, status: &str, at: At, audit: AuditDraft) -> Result<()>;
    fn set_signup_open(&self, id: WalkId, open: bool, audit: AuditDraft) -> Result<()>;
    fn sign_up(&self, walk: WalkId, new: &NewParticipant, confirmation: &NewEmail, audit: AuditDraft) -> Result<SignUp>;
    fn participants(&self, walk: WalkId) -> Result<Vec<ParticipantRow>>;
    fn add_observation(&self, new: &NewObservation, audit: AuditDraft) -> Result<(ObservationId, bool)>;
    fn observations(&self, walk: WalkId) -> Result<Vec<ObservationRow>>;
    fn walk_photo(&self, id: WalkPhotoId) -> Result<Option<WalkPhotoRow>>;
    fn upsert_external_owner(&self, walk: WalkId, name: &str, email: &str, audit: AuditDraft) -> Result<ExternalOwnerId>;
    fn external_owners(&self, walk: WalkId) -> Result<Vec<ExternalOwnerRow>>;
    fn set_owner_token(&self, owner: ExternalOwnerId, token_hash: &str, expires_at: At, emails: &[NewEmail], audit: AuditDraft) -> Result<()>;
    fn external_owner_by_token(&self, token_hash: &str) -> Result<Option<ExternalOwnerRow>>;
    fn route_proposal(&self, id: ProposalId, route: Route, audit: AuditDraft) -> Result<()>;
    fn answer_proposal(&self, id: ProposalId, answer: &AnswerRecord, measure: Option<ProposalMeasure>, audit: AuditDraft) -> Result<Option<i64>>;
    fn set_proposal_done(&self, id: ProposalId, at: Option<At>, audit: AuditDraft) -> Result<()>;
    fn link_measure(&self, id: ProposalId, measure_id: i64) -> Result<()>;
    fn proposal(&self, id: ProposalId) -> Result<Option<ProposalRow>>;
    fn proposals(&self, walk: WalkId) -> Result<Vec<ProposalRow>>;
    fn proposals_for_unit(&self, unit: UnitId) -> Result<Vec<ProposalRow>>;
    fn proposals_to_remind(&self, before: At) -> Result<Vec<ProposalRow>>;
    fn claim_reminders(&self, before: At, at: At, batches: &[ReminderBatch], audit: AuditDraft) -> Result<usize>;
    fn update_walk(&self, id: WalkId, changes: &WalkChanges, audit: AuditDraft) -> Result<()>;
}
