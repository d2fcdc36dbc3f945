//! Trygg's storage: a domain-shaped [`Store`] trait with one implementation per backend.
//!
//! The backend is chosen once, from the database URL's scheme ([`Db::connect`]): an
//! embedded SQLite file by default, PostgreSQL for larger installations with several
//! instances. Every method that changes data takes the [`AuditDraft`] describing the
//! change and writes the audit entry in the same transaction, so a change without its
//! audit entry (or the reverse) cannot be committed.

pub mod api_token;
mod error;
pub mod est_meeting;
pub mod incident;
pub mod lagesbild;
pub mod measure;
mod model;
pub mod photo;
pub mod plan;
mod postgres;
pub mod promise;
mod queries;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
pub mod walk;

pub use api_token::ApiTokenStore;
pub use error::StoreError;
pub use est_meeting::EstMeetingStore;
pub use incident::IncidentStore;
pub use lagesbild::LagesbildStore;
pub use measure::MeasureStore;
pub use model::*;
pub use photo::PhotoStore;
pub use plan::PlanStore;
pub use postgres::PgStore;
pub use promise::PromiseStore;
pub use sqlite::SqliteStore;
pub use walk::WalkStore;

use trygg_domain::area::AreaKind;
use trygg_domain::audit::{AuditDraft, AuditEntry, AuditKey};
use trygg_domain::id::{AreaId, OrganisationId, PlaceId, SessionId, UnitId, UserId};
use trygg_domain::time::Instant;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything Trygg keeps, in the words of the domain rather than of SQL.
#[allow(async_fn_in_trait)] // used through concrete types only, which keep `Send` visible
pub trait Store {
    /// A cheap round trip, for `/healthz`.
    async fn ping(&self) -> Result<()>;
    /// Whether `trygg init` (or `trygg demo`) has created the home organisation.
    async fn home_organisation(&self) -> Result<Option<Organisation>>;

    async fn create_organisation(
        &self,
        new: &NewOrganisation,
        audit: AuditDraft,
    ) -> Result<OrganisationId>;
    async fn organisations(&self) -> Result<Vec<Organisation>>;
    async fn organisation(&self, id: OrganisationId) -> Result<Option<Organisation>>;
    async fn organisation_by_name(&self, name: &str) -> Result<Option<Organisation>>;
    async fn create_unit(&self, new: &NewUnit, audit: AuditDraft) -> Result<UnitId>;
    async fn units(&self, organisation: OrganisationId) -> Result<Vec<Unit>>;
    async fn unit(&self, id: UnitId) -> Result<Option<Unit>>;

    async fn create_user(&self, new: &NewUser, audit: AuditDraft) -> Result<UserId>;
    async fn user(&self, id: UserId) -> Result<Option<User>>;
    async fn user_by_email(&self, email: &str) -> Result<Option<User>>;
    async fn users(&self) -> Result<Vec<User>>;
    /// Applies one change to an account. Disabling it or setting a new password also ends
    /// all its sessions, in the same transaction.
    async fn change_user(&self, id: UserId, change: &UserChange, audit: AuditDraft) -> Result<()>;

    /// A successful login: records the attempt and opens the session.
    async fn open_session(&self, new: &NewSession, audit: AuditDraft) -> Result<SessionId>;
    async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<Session>>;
    /// Marks activity, for the idle timeout. Not audited: it changes no business data.
    async fn touch_session(&self, id: SessionId, at: Instant) -> Result<()>;
    /// Logout, or expiry noticed on use; `audit` is `None` for silent expiry clean-up.
    async fn end_session(&self, id: SessionId, audit: Option<AuditDraft>) -> Result<()>;

    /// A failed login (wrong password, unknown e-mail, disabled account, refused for rate).
    async fn record_failed_login(&self, attempt: &LoginAttempt, audit: AuditDraft) -> Result<()>;
    /// The failed attempts for an e-mail address since an instant, oldest first.
    async fn failed_logins_since(&self, email: &str, since: Instant) -> Result<Vec<Instant>>;
    /// All attempts (failed or not) from one address since an instant.
    async fn attempts_from_ip_since(&self, ip: &str, since: Instant) -> Result<i64>;

    /// An audit entry for an event that changes nothing else (e.g. a sensitive read).
    async fn append_audit(&self, audit: AuditDraft) -> Result<i64>;
    /// Up to `limit` entries with sequence numbers above `after`, in order.
    async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>>;

    /// A number that changes whenever any area changes: a cheap staleness check for
    /// in-memory area indexes, also across instances.
    async fn area_revision(&self) -> Result<i64>;
    /// Writes a batch of areas of one kind in one transaction, all or nothing. A code
    /// not yet current is created; a current one with the same name, geometry text and
    /// members is left alone; otherwise its current version is closed (`valid_to =
    /// at`) and a new version inserted. One audit entry records the import, with the
    /// counts added to its detail; an import that changes nothing writes nothing, not
    /// even the audit entry.
    async fn import_areas(&self, import: &AreaImport, audit: AuditDraft) -> Result<ImportCounts>;
    /// The current areas, of one kind or all, ordered by kind and code.
    async fn current_areas(&self, kind: Option<AreaKind>) -> Result<Vec<AreaInfo>>;
    /// Like [`current_areas`](Store::current_areas), with geometries and members.
    async fn current_areas_with_geometry(&self, kind: Option<AreaKind>) -> Result<Vec<Area>>;
    /// One version of an area, current or not.
    async fn area(&self, id: AreaId) -> Result<Option<Area>>;
    /// Every version of the area with this kind and code, oldest first.
    async fn area_versions(&self, kind: AreaKind, code: &str) -> Result<Vec<AreaInfo>>;

    /// All places, by name. Search (Swedish folding and order) is done by the caller
    /// with `trygg_domain::geo::names`, which SQL collations cannot express.
    async fn places(&self) -> Result<Vec<Place>>;
    async fn place(&self, id: PlaceId) -> Result<Option<Place>>;
    /// The places whose point lies in the area.
    async fn places_in_area(&self, area: AreaId) -> Result<Vec<Place>>;
    async fn create_place(&self, new: &NewPlace, audit: AuditDraft) -> Result<PlaceId>;
    /// Replaces a place's values and areas.
    async fn update_place(&self, id: PlaceId, new: &NewPlace, audit: AuditDraft) -> Result<()>;
    /// Writes a batch of places in one transaction (see [`PlaceImport`] for matching);
    /// one audit entry if anything was created or changed.
    async fn import_places(&self, import: &PlaceImport, audit: AuditDraft) -> Result<ImportCounts>;
    /// Replaces the areas of the given places (after the areas changed). Not audited:
    /// it is derived data, recomputed from audited areas and places.
    async fn set_place_areas(&self, located: &[(PlaceId, Vec<AreaId>)]) -> Result<()>;
}

/// The configured backend. An enum rather than `dyn Store` keeps every call static and
/// every future `Send`, which axum handlers need.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Decides the backend from the URL scheme; anything else is refused.
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::UnsupportedUrl {
                scheme: url.split(':').next().unwrap_or("").into(),
            })
        }
    }
}

impl Db {
    /// Opens the database the URL names, creating an SQLite file if absent, and runs the
    /// embedded migrations.
    pub async fn connect(url: &str, audit_key: AuditKey) -> Result<Self> {
        let db = match Backend::from_url(url)? {
            Backend::Sqlite => Self::Sqlite(SqliteStore::connect(url, audit_key).await?),
            Backend::Postgres => Self::Postgres(PgStore::connect(url, audit_key).await?),
        };
        // Fills the lägesbild rollup once on a database migrated with incidents.
        db.ensure_week_counts().await?;
        Ok(db)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// A consistent online copy of an SQLite database (`VACUUM INTO`). PostgreSQL
    /// installations use `pg_dump` instead (see the README), so this refuses there.
    pub async fn backup(&self, out: &std::path::Path) -> Result<()> {
        match self {
            Self::Sqlite(s) => s.backup(out).await,
            Self::Postgres(_) => Err(StoreError::Unsupported("backup_use_pg_dump")),
        }
    }

    pub async fn close(&self) {
        match self {
            Self::Sqlite(s) => s.close().await,
            Self::Postgres(s) => s.close().await,
        }
    }
}

macro_rules! delegate {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl Store for Db {
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

delegate! {
    fn ping(&self) -> Result<()>;
    fn home_organisation(&self) -> Result<Option<Organisation>>;
    fn create_organisation(&self, new: &NewOrganisation, audit: AuditDraft) -> Result<OrganisationId>;
    fn organisations(&self) -> Result<Vec<Organisation>>;
    fn organisation(&self, id: OrganisationId) -> Result<Option<Organisation>>;
    fn organisation_by_name(&self, name: &str) -> Result<Option<Organisation>>;
    fn create_unit(&self, new: &NewUnit, audit: AuditDraft) -> Result<UnitId>;
    fn units(&self, organisation: OrganisationId) -> Result<Vec<Unit>>;
    fn unit(&self, id: UnitId) -> Result<Option<Unit>>;
    fn create_user(&self, new: &NewUser, audit: AuditDraft) -> Result<UserId>;
    fn user(&self, id: UserId) -> Result<Option<User>>;
    fn user_by_email(&self, email: &str) -> Result<Option<User>>;
    fn users(&self) -> Result<Vec<User>>;
    fn change_user(&self, id: UserId, change: &UserChange, audit: AuditDraft) -> Result<()>;
    fn open_session(&self, new: &NewSession, audit: AuditDraft) -> Result<SessionId>;
    fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<Session>>;
    fn touch_session(&self, id: SessionId, at: Instant) -> Result<()>;
    fn end_session(&self, id: SessionId, audit: Option<AuditDraft>) -> Result<()>;
    fn record_failed_login(&self, attempt: &LoginAttempt, audit: AuditDraft) -> Result<()>;
    fn failed_logins_since(&self, email: &str, since: Instant) -> Result<Vec<Instant>>;
    fn attempts_from_ip_since(&self, ip: &str, since: Instant) -> Result<i64>;
    fn append_audit(&self, audit: AuditDraft) -> Result<i64>;
    fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>>;
    fn area_revision(&self) -> Result<i64>;
    fn import_areas(&self, import: &AreaImport, audit: AuditDraft) -> Result<ImportCounts>;
    fn current_areas(&self, kind: Option<AreaKind>) -> Result<Vec<AreaInfo>>;
    fn current_areas_with_geometry(&self, kind: Option<AreaKind>) -> Result<Vec<Area>>;
    fn area(&self, id: AreaId) -> Result<Option<Area>>;
    fn area_versions(&self, kind: AreaKind, code: &str) -> Result<Vec<AreaInfo>>;
    fn places(&self) -> Result<Vec<Place>>;
    fn place(&self, id: PlaceId) -> Result<Option<Place>>;
    fn places_in_area(&self, area: AreaId) -> Result<Vec<Place>>;
    fn create_place(&self, new: &NewPlace, audit: AuditDraft) -> Result<PlaceId>;
    fn update_place(&self, id: PlaceId, new: &NewPlace, audit: AuditDraft) -> Result<()>;
    fn import_places(&self, import: &PlaceImport, audit: AuditDraft) -> Result<ImportCounts>;
    fn set_place_areas(&self, located: &[(PlaceId, Vec<AreaId>)]) -> Result<()>;
}

/// The migration names of each backend, for the test that keeps the folders in step.
pub fn migration_names(backend: Backend) -> Vec<(i64, String)> {
    let migrator = match backend {
        Backend::Sqlite => &sqlite::MIGRATOR,
        Backend::Postgres => &postgres::MIGRATOR,
    };
    migrator
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect()
}
