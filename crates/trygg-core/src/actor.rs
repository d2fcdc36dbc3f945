//! Who is asking: a signed-in user, an organisation's integration (by API token), or
//! the operator at the command line.

use trygg_domain::account::Role;
use trygg_domain::api_token::ApiScopes;
use trygg_domain::audit::AuditDraft;
use trygg_domain::id::{OrganisationId, UserId};
use trygg_domain::policy::{self, Action, Grant};
use trygg_domain::time::Instant;
use trygg_store::api_token::ApiTokenRow;
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

/// An integration calling the API with one of its organisation's tokens.
#[derive(Debug, Clone)]
pub struct Integration {
    pub token: ApiTokenRow,
    pub scopes: ApiScopes,
    pub organisation: Organisation,
}

impl Integration {
    /// What the token may do: its scopes, never beyond the policy's integration ceiling.
    pub fn grant(&self, action: Action) -> Grant {
        if self.scopes.allows(action) {
            policy::integration_ceiling(action)
        } else {
            Grant::Deny
        }
    }
}

/// The caller of a use case. The command line runs as `System`: whoever can run it
/// already holds the database file or its password, so the policy does not apply there.
#[derive(Debug, Clone)]
pub enum Caller {
    User(Box<Actor>),
    /// An organisation's integration, by API token (the API only).
    Integration(Box<Integration>),
    /// Nobody signed in: every policy check refuses.
    Anonymous,
    System,
}

impl Caller {
    /// The grant for an action, or `Forbidden`: deny unless the table allows.
    pub fn require(&self, action: Action) -> Result<Grant> {
        let grant = match self {
            Self::System => return Ok(Grant::Any),
            Self::Anonymous => return Err(Error::Unauthenticated),
            Self::User(a) => policy::best_grant(&a.user.roles, action),
            Self::Integration(i) => i.grant(action),
        };
        match grant {
            Grant::Deny => Err(Error::Forbidden),
            g => Ok(g),
        }
    }

    pub fn actor(&self) -> Option<&Actor> {
        match self {
            Self::User(a) => Some(a),
            Self::Integration(_) | Self::Anonymous | Self::System => None,
        }
    }

    /// The organisation the caller acts for (a user's, or a token's).
    pub fn organisation_id(&self) -> Option<OrganisationId> {
        match self {
            Self::User(a) => Some(a.organisation.id),
            Self::Integration(i) => Some(i.organisation.id),
            Self::Anonymous | Self::System => None,
        }
    }

    /// The person calling, if it is one.
    pub fn user_id(&self) -> Option<UserId> {
        self.actor().map(|a| a.user.id)
    }

    /// The API token calling, if it is one.
    pub fn api_token(&self) -> Option<&ApiTokenRow> {
        match self {
            Self::Integration(i) => Some(&i.token),
            Self::User(_) | Self::Anonymous | Self::System => None,
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
    let (user, org) = (
        caller.user_id().map(|u| u.0),
        caller.organisation_id().map(|o| o.0),
    );
    // An integration's entries name its token (id, prefix, name): there is no person.
    let mut detail = detail;
    if let (Some(t), Some(map)) = (caller.api_token(), detail.as_object_mut()) {
        map.insert(
            "api_token".into(),
            serde_json::json!({ "id": t.id.0, "prefix": t.prefix, "name": t.name }),
        );
    }
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
