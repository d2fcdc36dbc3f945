//! Photos of incidents in the store: kept in the database (BLOB / BYTEA) beside the
//! incident, so several instances and one backup see the same photos.
//!
//! Only what `trygg_domain::incident::photo::CleanPhoto` produced is stored; the store
//! does not decide who may see a photo (`trygg-core` checks the incident's visibility
//! first) but it does write the audit entry of every read in the same transaction as
//! the read, so a photo cannot be handed out unlogged.
//!
//! Photos filed with a report are written by `IncidentStore::submit_report` (they travel
//! in `NewReport::photos`), in the report's transaction: all or nothing.

use trygg_domain::audit::AuditDraft;
use trygg_domain::id::UserId;
use trygg_domain::incident::{IncidentId, PhotoId};
use trygg_domain::time::Instant;

use crate::Result;

/// A checked, re-encoded photo to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPhoto {
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub sha256: String,
    pub data: Vec<u8>,
    pub thumb: Vec<u8>,
}

impl std::fmt::Debug for NewPhoto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPhoto")
            .field("content_type", &self.content_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// A stored photo without its bytes, for lists and pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRow {
    pub id: PhotoId,
    pub incident_id: IncidentId,
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub byte_size: i64,
    pub sha256: String,
    pub uploaded_by: Option<UserId>,
    pub created_at: Instant,
}

/// The full picture or its thumbnail (always JPEG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoVariant {
    Full,
    Thumb,
}

impl PhotoVariant {
    pub fn code(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Thumb => "thumb",
        }
    }
}

/// A photo's bytes as read, with the content type they are in.
#[derive(Clone, PartialEq, Eq)]
pub struct PhotoData {
    pub row: PhotoRow,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for PhotoData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoData")
            .field("row", &self.row)
            .field("content_type", &self.content_type)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// The store's side of incident photos.
#[allow(async_fn_in_trait)]
pub trait PhotoStore {
    /// Adds photos to an existing incident in one transaction with its audit entry.
    /// Refuses (`Conflict { constraint: "incident_photos_limit" }`) when the incident
    /// would then have more than `max_per_incident` photos, checked inside the
    /// transaction so two uploads at once cannot pass the limit together.
    async fn add_photos(
        &self,
        incident: IncidentId,
        photos: &[NewPhoto],
        uploaded_by: Option<UserId>,
        max_per_incident: usize,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<Vec<PhotoId>>;
    /// The photos of an incident, oldest first, without their bytes.
    async fn photos(&self, incident: IncidentId) -> Result<Vec<PhotoRow>>;
    /// One photo of one incident (`None` if that incident has no such photo), read in
    /// the same transaction as its audit entry is written.
    async fn read_photo(
        &self,
        incident: IncidentId,
        photo: PhotoId,
        variant: PhotoVariant,
        audit: AuditDraft,
    ) -> Result<Option<PhotoData>>;
}

macro_rules! impl_photo_store {
    ($store:ident, $db:ty) => {
        pub(crate) mod photo_impl {
            use sqlx::Row as _;
            use trygg_domain::audit::AuditDraft;
            use trygg_domain::id::UserId;
            use trygg_domain::incident::{IncidentId, PhotoId};
            use trygg_domain::time::Instant;

            use super::append;
            use $crate::incident::{NewIncident, NewReport};
            use $crate::photo::*;
            use $crate::{Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Tx = sqlx::Transaction<'static, $db>;

            const COLUMNS: &str = "id, incident_id, content_type, width, height, byte_size, sha256, uploaded_by, created_at";

            fn photo_from(r: &Row) -> Result<PhotoRow> {
                Ok(PhotoRow {
                    id: PhotoId(r.try_get("id")?),
                    incident_id: IncidentId(r.try_get("incident_id")?),
                    content_type: r.try_get("content_type")?,
                    width: r.try_get("width")?,
                    height: r.try_get("height")?,
                    byte_size: r.try_get("byte_size")?,
                    sha256: r.try_get("sha256")?,
                    uploaded_by: r.try_get::<Option<i64>, _>("uploaded_by")?.map(UserId),
                    created_at: Instant(r.try_get("created_at")?),
                })
            }

            async fn insert(tx: &mut Tx, incident: i64, p: &NewPhoto, by: Option<i64>, at: Instant) -> Result<i64> {
                Ok(sqlx::query(
                    "INSERT INTO incident_photos (incident_id, content_type, width, height, byte_size, sha256, uploaded_by, created_at, thumb, data) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                )
                .bind(incident)
                .bind(&p.content_type)
                .bind(p.width)
                .bind(p.height)
                .bind(p.data.len() as i64)
                .bind(&p.sha256)
                .bind(by)
                .bind(at.0)
                .bind(&p.thumb)
                .bind(&p.data)
                .fetch_one(&mut **tx)
                .await?
                .try_get("id")?)
            }

            /// The photos of a report being submitted, inside its transaction; `rows`
            /// are the incidents' new ids in the order of `report.incidents`.
            pub(crate) async fn insert_report_photos(tx: &mut Tx, rows: &[(i64, &NewIncident)], report: &NewReport) -> Result<()> {
                for (index, photo) in &report.photos {
                    let incident = rows.get(*index).map(|r| r.0).ok_or(StoreError::NotFound)?;
                    insert(tx, incident, photo, report.reporter_user_id.map(|u| u.0), report.submitted_at).await?;
                }
                Ok(())
            }

            impl PhotoStore for super::$store {
                async fn add_photos(
                    &self,
                    incident: IncidentId,
                    photos: &[NewPhoto],
                    uploaded_by: Option<UserId>,
                    max_per_incident: usize,
                    at: Instant,
                    audit: AuditDraft,
                ) -> Result<Vec<PhotoId>> {
                    let mut tx = self.begin_write().await?;
                    // Locks the incident row on PostgreSQL (SQLite holds the write lock
                    // already), so concurrent uploads count one after the other.
                    let exists = sqlx::query("UPDATE incidents SET sharing = sharing WHERE id = $1")
                        .bind(incident.0)
                        .execute(&mut *tx)
                        .await?;
                    if exists.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    let have: i64 = sqlx::query("SELECT COUNT(*) AS n FROM incident_photos WHERE incident_id = $1")
                        .bind(incident.0)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("n")?;
                    if have as usize + photos.len() > max_per_incident {
                        return Err(StoreError::Conflict { constraint: "incident_photos_limit" });
                    }
                    let mut ids = Vec::with_capacity(photos.len());
                    for p in photos {
                        ids.push(PhotoId(insert(&mut tx, incident.0, p, uploaded_by.map(|u| u.0), at).await?));
                    }
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(ids)
                }

                async fn photos(&self, incident: IncidentId) -> Result<Vec<PhotoRow>> {
                    let sql = format!("SELECT {COLUMNS} FROM incident_photos WHERE incident_id = $1 ORDER BY id");
                    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(incident.0)
                        .fetch_all(&self.pool)
                        .await?;
                    rows.iter().map(photo_from).collect()
                }

                async fn read_photo(
                    &self,
                    incident: IncidentId,
                    photo: PhotoId,
                    variant: PhotoVariant,
                    audit: AuditDraft,
                ) -> Result<Option<PhotoData>> {
                    let column = match variant {
                        PhotoVariant::Full => "data",
                        PhotoVariant::Thumb => "thumb",
                    };
                    let sql = format!("SELECT {COLUMNS}, {column} AS bytes FROM incident_photos WHERE id = $1 AND incident_id = $2");
                    let mut tx = self.begin_write().await?;
                    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(photo.0)
                        .bind(incident.0)
                        .fetch_optional(&mut *tx)
                        .await?
                    else {
                        return Ok(None);
                    };
                    let row = photo_from(&r)?;
                    let bytes: Vec<u8> = r.try_get("bytes")?;
                    let content_type = match variant {
                        PhotoVariant::Full => row.content_type.clone(),
                        PhotoVariant::Thumb => "image/jpeg".to_owned(),
                    };
                    append(&mut tx, &self.key, &audit).await?;
                    tx.commit().await?;
                    Ok(Some(PhotoData { row, content_type, bytes }))
                }
            }
        }
    };
}

pub(crate) use impl_photo_store;

use crate::Db;

impl PhotoStore for Db {
    async fn add_photos(
        &self,
        incident: IncidentId,
        photos: &[NewPhoto],
        uploaded_by: Option<UserId>,
        max_per_incident: usize,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<Vec<PhotoId>> {
        match self {
            Db::Sqlite(s) => {
                s.add_photos(incident, photos, uploaded_by, max_per_incident, at, audit)
                    .await
            }
            Db::Postgres(s) => {
                s.add_photos(incident, photos, uploaded_by, max_per_incident, at, audit)
                    .await
            }
        }
    }

    async fn photos(&self, incident: IncidentId) -> Result<Vec<PhotoRow>> {
        match self {
            Db::Sqlite(s) => s.photos(incident).await,
            Db::Postgres(s) => s.photos(incident).await,
        }
    }

    async fn read_photo(
        &self,
        incident: IncidentId,
        photo: PhotoId,
        variant: PhotoVariant,
        audit: AuditDraft,
    ) -> Result<Option<PhotoData>> {
        match self {
            Db::Sqlite(s) => s.read_photo(incident, photo, variant, audit).await,
            Db::Postgres(s) => s.read_photo(incident, photo, variant, audit).await,
        }
    }
}
