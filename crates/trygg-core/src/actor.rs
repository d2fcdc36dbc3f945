//! Who is asking: a signed-in user, or the operator at the command line.

use trygg_domain::account::Role;
use trygg_domain::audit::AuditDraft;
use trygg_domain::policy::{self, Action, Grant};
use trygg_domain::time::Instant;
use trygg_store::{Organisation, User};

use crate::{Error, Result};

/// A signed-in user and their organisation.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub organisation: Organisation,
    /// The CSRF token of the session the request came with.
    pub csrf_token: String,
    pub session_id: trygg_domain::id::SessionId,
}

impl Actor {
    pub fn roles(&self) -> &[Role] {
        &self.user.roles
    }

    pub fn allows(&self, action: Action) -> bool {
        policy::allows(&self.user.roles, action)
    }
}

/// The caller of a use case. The command line runs as `System`: whoever can run it
/// already holds the database file or its password, so the policy does not apply there.
#[derive(Debug, Clone)]
pub enum Caller {
    User(Box<Actor>),
    /// Nobody signed in: every policy check refuses.
    Anonymous,
    System,
}

impl Caller {
    /// The grant for an action, or `Forbidden`: deny unless the table allows.
    pub fn require(&self, action: Action) -> Result<Grant> {
        match self {
            Self::System => Ok(Grant::Any),
            Self::Anonymous => Err(Error::Unauthenticated),
            Self::User(a) => match policy::best_grant(&a.user.roles, action) {
                Grant::Deny => Err(Error::Forbidden),
                g => Ok(g),
            },
        }
    }

    pub fn actor(&self) -> Option<&Actor> {
        match self {
            Self::User(a) => Some(a),
            Self::Anonymous | Self::System => None,
        }
    }
}

/// Facts about the request that go into audit entries.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    pub ip: String,
}

impl RequestMeta {
    /// For commands run at the terminal.
    pub fn cli() -> Self {
        Self {
            request_id: None,
            ip: "cli".into(),
        }
    }
}

/// Builds the audit draft for an action by a caller.
pub(crate) fn draft(
    caller: &Caller,
    meta: &RequestMeta,
    at: Instant,
    action: &str,
    object_type: &str,
    object_id: Option<String>,
    detail: serde_json::Value,
) -> AuditDraft {
    let (user, org) = match caller.actor() {
        Some(a) => (Some(a.user.id.0), Some(a.organisation.id.0)),
        None => (None, None),
    };
    AuditDraft {
        at,
        actor_user_id: user,
        actor_org_id: org,
        action: action.into(),
        object_type: object_type.into(),
        object_id,
        request_id: meta.request_id.clone(),
        detail: detail.to_string(),
    }
}
