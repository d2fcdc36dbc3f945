//! The records the store hands out and takes in. They are storage-shaped views of the
//! domain, distinct from API DTOs and page models.

use trygg_domain::account::Role;
use trygg_domain::id::{OrganisationId, SessionId, UnitId, UserId};
use trygg_domain::organisation::OrganisationKind;
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
