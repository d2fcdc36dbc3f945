//! The conformance suite: every backend must pass every test here. Each test runs on a
//! fresh SQLite file and, when `TEST_DATABASE_URL` is set, on a fresh PostgreSQL database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod directory;
mod geography;
mod outbox;
mod sessions;
mod setup;

use trygg_domain::audit::AuditDraft;
use trygg_domain::time::Instant;

pub fn draft(action: &str) -> AuditDraft {
    AuditDraft {
        at: Instant::from_micros(1_700_000_000_000_000),
        actor_user_id: None,
        actor_org_id: None,
        action: action.into(),
        object_type: "test".into(),
        object_id: None,
        request_id: Some("req-1".into()),
        detail: "{}".into(),
    }
}
