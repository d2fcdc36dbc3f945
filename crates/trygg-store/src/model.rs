//! The records the store hands out and takes in. They are storage-shaped views of the
//! domain, distinct from API DTOs and page models.

use trygg_domain::account::Role;
use trygg_domain::area::{AreaCode, AreaKind};
use trygg_domain::id::{AreaId, OrganisationId, PlaceId, SessionId, UnitId, UserId};
use trygg_domain::organisation::OrganisationKind;
use trygg_domain::place::PlaceKind;
use trygg_domain::time::Instant;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    /// The municipality that runs this installation.
    pub is_home: bool,
    pub created_at: Instant,
}

#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub name: String,
    pub kind: OrganisationKind,
    pub is_home: bool,
    pub at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub id: UnitId,
    pub organisation_id: OrganisationId,
    pub name: String,
    pub created_at: Instant,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub organisation_id: OrganisationId,
    pub name: String,
    pub at: Instant,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub organisation_id: OrganisationId,
    pub unit_id: Option<UnitId>,
    pub email: String,
    pub name: String,
    /// The argon2id PHC string. Never logged, never sent to a client.
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub created_at: Instant,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub organisation_id: OrganisationId,
    pub unit_id: Option<UnitId>,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub roles: Vec<Role>,
    pub at: Instant,
}

/// One change to an account.
#[derive(Debug, Clone)]
pub enum UserChange {
    Disable,
    Enable,
    Roles(Vec<Role>),
    PasswordHash(String),
    Details {
        name: String,
        unit_id: Option<UnitId>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: Instant,
    pub last_seen_at: Instant,
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub user_id: UserId,
    /// SHA-256 of the cookie token, hex; the token itself is never stored.
    pub token_hash: String,
    pub csrf_token: String,
    pub at: Instant,
    pub ip: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct LoginAttempt {
    /// The e-mail as typed (normalised), whether or not an account has it.
    pub email: String,
    pub ip: String,
    pub at: Instant,
}

// ---------------------------------------------------------------- geography

/// The smallest longitude/latitude box around a geometry, in WGS84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bbox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

/// Names an area by kind and code, whatever its version (e.g. a member of a district).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaRef {
    pub kind: AreaKind,
    pub code: String,
}

/// One version of an area, without its geometry (for lists).
#[derive(Debug, Clone, PartialEq)]
pub struct AreaInfo {
    pub id: AreaId,
    pub kind: AreaKind,
    pub code: String,
    pub name: String,
    pub bbox: Bbox,
    pub area_km2: f64,
    pub valid_from: Instant,
    /// `None` while the version is current.
    pub valid_to: Option<Instant>,
}

impl AreaInfo {
    pub fn is_current(&self) -> bool {
        self.valid_to.is_none()
    }
}

/// One version of an area with its geometry and, for unions, the areas it is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub info: AreaInfo,
    /// GeoJSON MultiPolygon geometry object in WGS84, as written by
    /// `trygg_domain::geo::geojson::multipolygon_geometry`.
    pub geometry: String,
    /// The areas this one is the union of, sorted; empty for areas drawn directly.
    pub members: Vec<AreaRef>,
}

/// One area of an import.
#[derive(Debug, Clone)]
pub struct NewArea {
    pub code: AreaCode,
    pub name: String,
    /// GeoJSON MultiPolygon geometry object in WGS84; compared as text to tell whether
    /// the boundary changed, so it must come from the one canonical writer.
    pub geometry: String,
    pub bbox: Bbox,
    pub area_km2: f64,
    pub members: Vec<AreaRef>,
}

/// A batch of areas of one kind, written all or nothing.
#[derive(Debug, Clone)]
pub struct AreaImport {
    pub kind: AreaKind,
    pub at: Instant,
    pub areas: Vec<NewArea>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportCounts {
    /// New codes.
    pub created: usize,
    /// Existing codes whose name, boundary or members changed: a new version each.
    pub updated: usize,
    /// Existing codes exactly as imported.
    pub unchanged: usize,
}

impl ImportCounts {
    pub fn changed(&self) -> bool {
        self.created + self.updated > 0
    }
}

/// A named place.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub id: PlaceId,
    pub name: String,
    pub kind: PlaceKind,
    pub lat: f64,
    pub lon: f64,
    /// GeoJSON MultiPolygon geometry object in WGS84, for places that are small areas.
    pub polygon: Option<String>,
    pub aliases: Vec<String>,
    /// The current areas the point lies in, ascending.
    pub area_ids: Vec<AreaId>,
    pub created_at: Instant,
    pub updated_at: Instant,
}

/// A place to create, or the new state of one to change.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlace {
    pub name: String,
    pub kind: PlaceKind,
    pub lat: f64,
    pub lon: f64,
    pub polygon: Option<String>,
    pub aliases: Vec<String>,
    pub area_ids: Vec<AreaId>,
    pub at: Instant,
}

/// Places from a file. Each is matched to an existing place of the same kind and name
/// (in id order, so that two villages called Berg stay two places); a match with other
/// values is updated, one without a match created.
#[derive(Debug, Clone)]
pub struct PlaceImport {
    pub places: Vec<NewPlace>,
}
