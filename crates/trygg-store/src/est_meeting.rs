//! The EST meeting (participants, notes, next week's priorities) and the published
//! lägesbild (frozen snapshots with their hash, versioned).
//!
//! The store keeps what it is given: `trygg-core` computes the picture, serialises it
//! canonically and hashes it; the store writes snapshot and hash together with the audit
//! entry in one transaction and numbers the versions of an (area, week). A published
//! snapshot is never updated: republishing inserts the next version.

use trygg_domain::audit::AuditDraft;
use trygg_domain::id::{AreaId, OrganisationId, PlaceId, UserId};
use trygg_domain::time::Instant;

use crate::Result;

/// The (area, ISO week) a meeting or publication belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingKey {
    pub area: AreaId,
    pub year: i64,
    pub week: i64,
}

/// One EST meeting with what was recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingRow {
    pub id: i64,
    pub key: MeetingKey,
    pub notes: String,
    pub updated_at: Instant,
    pub updated_by: Option<UserId>,
    pub participants: Vec<ParticipantRow>,
    pub priorities: Vec<PriorityRow>,
}

/// Who took part.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticipantRow {
    pub id: i64,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    /// Personal data: shown only to roles that may read the draft picture.
    pub person_name: Option<String>,
}

/// A place to prioritise next week.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityRow {
    pub id: i64,
    pub place_id: Option<PlaceId>,
    pub place_name: Option<String>,
    pub location_text: Option<String>,
    pub organisation_id: OrganisationId,
    pub organisation_name: String,
    pub action: String,
    pub measure_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewParticipant {
    pub organisation_id: OrganisationId,
    pub person_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewPriority {
    pub place_id: Option<PlaceId>,
    pub location_text: Option<String>,
    pub organisation_id: OrganisationId,
    pub action: String,
}

/// A change to a meeting; the meeting is created on its first change.
#[derive(Debug, Clone, PartialEq)]
pub enum MeetingChange {
    Notes(String),
    AddParticipant(NewParticipant),
    RemoveParticipant(i64),
    AddPriority(NewPriority),
    RemovePriority(i64),
}

/// A picture to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPublication {
    pub key: MeetingKey,
    /// Canonical JSON, stored exactly as hashed.
    pub snapshot: String,
    /// Hex SHA-256 of `snapshot`.
    pub sha256: String,
    pub public: bool,
    pub published_by: UserId,
    pub at: Instant,
}

/// A published picture without its snapshot (for lists).
#[derive(Debug, Clone, PartialEq)]
pub struct PublicationSummary {
    pub id: i64,
    pub key: MeetingKey,
    pub version: i64,
    pub sha256: String,
    pub public: bool,
    pub published_by: UserId,
    pub published_by_name: String,
    pub published_at: Instant,
}

/// A published picture with its snapshot as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicationRow {
    pub summary: PublicationSummary,
    pub snapshot: String,
}

#[allow(async_fn_in_trait)]
pub trait EstMeetingStore {
    /// The meeting of an area and week, if anything was recorded.
    async fn meeting(&self, key: MeetingKey) -> Result<Option<MeetingRow>>;
    /// Applies one change (creating the meeting if needed) with its audit entry. Removing
    /// a participant or priority of another meeting is `NotFound`.
    async fn change_meeting(
        &self,
        key: MeetingKey,
        change: &MeetingChange,
        by: UserId,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<i64>;
    /// Stores a publication as the next version of its (area, week); returns (id, version).
    async fn publish(&self, new: &NewPublication, audit: AuditDraft) -> Result<(i64, i64)>;
    /// Publications, newest first, of one area or all.
    async fn publications(
        &self,
        area: Option<AreaId>,
        limit: i64,
    ) -> Result<Vec<PublicationSummary>>;
    async fn publication(&self, id: i64) -> Result<Option<PublicationRow>>;
    /// The newest publication of an area its owner opened to the public.
    async fn latest_public_publication(&self, area: AreaId) -> Result<Option<PublicationRow>>;
}

macro_rules! impl_est_meeting_store {
    ($store:ident, $db:ty) => {
        mod est_meeting_impl {
            use sqlx::Row as _;
            use trygg_domain::audit::AuditDraft;
            use trygg_domain::id::{AreaId, OrganisationId, PlaceId, UserId};
            use trygg_domain::time::Instant;

            use super::append;
            use $crate::est_meeting::*;
            use $crate::{Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Tx = sqlx::Transaction<'static, $db>;

            fn summary_from(r: &Row) -> Result<PublicationSummary> {
                Ok(PublicationSummary {
                    id: r.try_get("id")?,
                    key: MeetingKey {
                        area: AreaId(r.try_get("area_id")?),
                        year: r.try_get("iso_year")?,
                        week: r.try_get("iso_week")?,
                    },
                    version: r.try_get("version")?,
                    sha256: r.try_get("sha256")?,
                    public: r.try_get("public")?,
                    published_by: UserId(r.try_get("published_by")?),
                    published_by_name: r.try_get("published_by_name")?,
                    published_at: Instant(r.try_get("published_at")?),
                })
            }

            fn publication_from(r: &Row) -> Result<PublicationRow> {
                Ok(PublicationRow {
                    summary: summary_from(r)?,
                    snapshot: r.try_get("snapshot")?,
                })
            }

            async fn meeting_id(tx: &mut Tx, key: MeetingKey, by: UserId, at: Instant) -> Result<i64> {
                Ok(sqlx::query(
                    "INSERT INTO est_meetings (area_id, iso_year, iso_week, notes, created_at, updated_at, updated_by) \
                     VALUES ($1, $2, $3, '', $4, $4, $5) \
                     ON CONFLICT (area_id, iso_year, iso_week) \
                     DO UPDATE SET updated_at = excluded.updated_at, updated_by = excluded.updated_by \
                     RETURNING id",
                )
                .bind(key.area.0)
                .bind(key.year)
                .bind(key.week)
                .bind(at.0)
                .bind(by.0)
                .fetch_one(&mut **tx)
                .await?
                .try_get("id")?)
            }

            impl EstMeetingStore for super::$store {
                async fn meeting(&self, key: MeetingKey) -> Result<Option<MeetingRow>> {
                    let Some(m) = sqlx::query(
                        "SELECT id, notes, updated_at, updated_by FROM est_meetings \
                         WHERE area_id = $1 AND iso_year = $2 AND iso_week = $3",
                    )
                    .bind(key.area.0)
                    .bind(key.year)
                    .bind(key.week)
                    .fetch_optional(&self.pool)
                    .await?
                    else {
                        return Ok(None);
                    };
                    let id: i64 = m.try_get("id")?;
                    let participants = sqlx::query(
                        "SELECT mp.id, mp.organisation_id, o.name AS organisation_name, mp.person_name \
                         FROM est_meeting_participants mp JOIN organisations o ON o.id = mp.organisation_id \
                         WHERE mp.meeting_id = $1 ORDER BY o.name, mp.id",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(ParticipantRow {
                            id: r.try_get("id")?,
                            organisation_id: OrganisationId(r.try_get("organisation_id")?),
                            organisation_name: r.try_get("organisation_name")?,
                            person_name: r.try_get("person_name")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                    let priorities = sqlx::query(
                        "SELECT mp.id, mp.place_id, pl.name AS place_name, mp.location_text, mp.organisation_id, \
                                o.name AS organisation_name, mp.action, mp.measure_id \
                         FROM est_meeting_priorities mp \
                         JOIN organisations o ON o.id = mp.organisation_id \
                         LEFT JOIN places pl ON pl.id = mp.place_id \
                         WHERE mp.meeting_id = $1 ORDER BY mp.id",
                    )
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(PriorityRow {
                            id: r.try_get("id")?,
                            place_id: r.try_get::<Option<i64>, _>("place_id")?.map(PlaceId),
                            place_name: r.try_get("place_name")?,
                            location_text: r.try_get("location_text")?,
                            organisation_id: OrganisationId(r.try_get("organisation_id")?),
                            organisation_name: r.try_get("organisation_name")?,
                            action: r.try_get("action")?,
                            measure_id: r.try_get("measure_id")?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                    Ok(Some(MeetingRow {
                        id,
                        key,
                        notes: m.try_get("notes")?,
                        updated_at: Instant(m.try_get("updated_at")?),
                        updated_by: m.try_get::<Option<i64>, _>("updated_by")?.map(UserId),
                        participants,
                        priorities,
                    }))
                }

                async fn change_meeting(
                    &self,
                    key: MeetingKey,
                    change: &MeetingChange,
                    by: UserId,
                    at: Instant,
                    audit: AuditDraft,
                ) -> Result<i64> {
                    let mut tx = self.begin_write().await?;
                    let meeting = meeting_id(&mut tx, key, by, at).await?;
                    let affected = match change {
                        MeetingChange::Notes(notes) => {
                            sqlx::query("UPDATE est_meetings SET notes = $1 WHERE id = $2")
                                .bind(notes)
                                .bind(meeting)
                                .execute(&mut *tx)
                                .await?;
                            meeting
                        }
                        MeetingChange::AddParticipant(p) => sqlx::query(
                            "INSERT INTO est_meeting_participants (meeting_id, organisation_id, person_name, created_at) \
                             VALUES ($1, $2, $3, $4) RETURNING id",
                        )
                        .bind(meeting)
                        .bind(p.organisation_id.0)
                        .bind(&p.person_name)
                        .bind(at.0)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("id")?,
                        MeetingChange::AddPriority(p) => sqlx::query(
                            "INSERT INTO est_meeting_priorities \
                             (meeting_id, place_id, location_text, organisation_id, action, created_at) \
                             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                        )
                        .bind(meeting)
                        .bind(p.place_id.map(|p| p.0))
                        .bind(&p.location_text)
                        .bind(p.organisation_id.0)
                        .bind(&p.action)
                        .bind(at.0)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("id")?,
                        MeetingChange::RemoveParticipant(id) | MeetingChange::RemovePriority(id) => {
                            let table = if matches!(change, MeetingChange::RemoveParticipant(_)) {
                                "DELETE FROM est_meeting_participants WHERE id = $1 AND meeting_id = $2"
                            } else {
                                "DELETE FROM est_meeting_priorities WHERE id = $1 AND meeting_id = $2"
                            };
                            let done = sqlx::query(table).bind(id).bind(meeting).execute(&mut *tx).await?;
                            if done.rows_affected() == 0 {
                                return Err(StoreError::NotFound);
                            }
                            *id
                        }
                    };
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| meeting.to_string());
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(affected)
                }

                async fn publish(&self, new: &NewPublication, audit: AuditDraft) -> Result<(i64, i64)> {
                    let mut tx = self.begin_write().await?;
                    let version: i64 = sqlx::query(
                        "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM lagesbild_publications \
                         WHERE area_id = $1 AND iso_year = $2 AND iso_week = $3",
                    )
                    .bind(new.key.area.0)
                    .bind(new.key.year)
                    .bind(new.key.week)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("v")?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO lagesbild_publications \
                         (area_id, iso_year, iso_week, version, snapshot, sha256, public, published_by, published_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(new.key.area.0)
                    .bind(new.key.year)
                    .bind(new.key.week)
                    .bind(version)
                    .bind(&new.snapshot)
                    .bind(&new.sha256)
                    .bind(new.public)
                    .bind(new.published_by.0)
                    .bind(new.at.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique(e, "lagesbild_publications_version_key"))?
                    .try_get("id")?;
                    let mut audit = audit;
                    audit.object_id.get_or_insert_with(|| id.to_string());
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok((id, version))
                }

                async fn publications(&self, area: Option<AreaId>, limit: i64) -> Result<Vec<PublicationSummary>> {
                    let rows = sqlx::query(
                        "SELECT p.id, p.area_id, p.iso_year, p.iso_week, p.version, p.sha256, p.public, p.published_by, u.name AS published_by_name, p.published_at FROM lagesbild_publications p JOIN users u ON u.id = p.published_by \
                         WHERE ($1 IS NULL OR p.area_id = $1) \
                         ORDER BY p.iso_year DESC, p.iso_week DESC, p.area_id, p.version DESC LIMIT $2",
                    )
                    .bind(area.map(|a| a.0))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                    rows.iter().map(summary_from).collect()
                }

                async fn publication(&self, id: i64) -> Result<Option<PublicationRow>> {
                    let row = sqlx::query(
                        "SELECT p.id, p.area_id, p.iso_year, p.iso_week, p.version, p.sha256, p.public, p.published_by, u.name AS published_by_name, p.published_at, p.snapshot FROM lagesbild_publications p \
                         JOIN users u ON u.id = p.published_by WHERE p.id = $1",
                    )
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(publication_from).transpose()
                }

                async fn latest_public_publication(&self, area: AreaId) -> Result<Option<PublicationRow>> {
                    let row = sqlx::query(
                        "SELECT p.id, p.area_id, p.iso_year, p.iso_week, p.version, p.sha256, p.public, p.published_by, u.name AS published_by_name, p.published_at, p.snapshot FROM lagesbild_publications p \
                         JOIN users u ON u.id = p.published_by \
                         WHERE p.area_id = $1 AND p.public \
                         ORDER BY p.iso_year DESC, p.iso_week DESC, p.version DESC LIMIT 1",
                    )
                    .bind(area.0)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(publication_from).transpose()
                }
            }
        }
    };
}

pub(crate) use impl_est_meeting_store;

use crate::Db;

macro_rules! delegate_est_meetings {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl EstMeetingStore for Db {
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

delegate_est_meetings! {
    fn meeting(&self, key: MeetingKey) -> Result<Option<MeetingRow>>;
    fn change_meeting(&self, key: MeetingKey, change: &MeetingChange, by: UserId, at: Instant, audit: AuditDraft) -> Result<i64>;
    fn publish(&self, new: &NewPublication, audit: AuditDraft) -> Result<(i64, i64)>;
    fn publications(&self, area: Option<AreaId>, limit: i64) -> Result<Vec<PublicationSummary>>;
    fn publication(&self, id: i64) -> Result<Option<PublicationRow>>;
    fn latest_public_publication(&self, area: AreaId) -> Result<Option<PublicationRow>>;
}
