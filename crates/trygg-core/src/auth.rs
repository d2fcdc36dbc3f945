//! Login, sessions and logout, with brute-force protection.
//!
//! Failed attempts are counted per e-mail as typed, whether or not an account has it, so
//! an unknown address is answered exactly like a wrong password, delays included. After a
//! few free failures each attempt must wait a doubling delay (capped), after 100 failures
//! within an hour the address is locked for the rest of that hour even for the right
//! password, and one network address may only try so often. All of it lives in the
//! database, so several instances behind a load balancer count together.

use serde_json::json;
use trygg_domain::account::Email;
use trygg_domain::id::SessionId;
use trygg_store::{LoginAttempt, NewSession, Session, Store, User};

use crate::actor::draft;
use crate::secret;
use crate::{Actor, Caller, Error, RequestMeta, Result, Trygg};

/// A new session: the cookie token (shown to the browser once, stored only hashed).
#[derive(Debug)]
pub struct LoggedIn {
    pub token: String,
    pub csrf_token: String,
    pub user: User,
    pub session_id: SessionId,
}

const HOUR: i64 = 3600;
const IP_WINDOW: i64 = 600;

impl Trygg {
    /// Signs a user in. The password is checked on the blocking pool.
    pub async fn login(&self, email: &str, password: &str, meta: &RequestMeta) -> Result<LoggedIn> {
        let now = self.clock.now();
        // The counting key: normalised when it parses, otherwise as typed (still counted,
        // so garbage does not escape the limits).
        let key = Email::parse(email)
            .map(|e| e.as_str().to_owned())
            .unwrap_or_else(|_| email.trim().to_lowercase());
        let attempt = LoginAttempt {
            email: key.clone(),
            ip: meta.ip.clone(),
            at: now,
        };
        let fail = |reason: &'static str| {
            draft(
                &Caller::System,
                meta,
                now,
                "login_failed",
                "login",
                None,
                json!({ "email": key, "ip": meta.ip, "reason": reason }),
            )
        };

        let from_ip = self
            .db
            .attempts_from_ip_since(&meta.ip, now.minus_seconds(IP_WINDOW))
            .await?;
        if from_ip >= self.settings.login_attempts_per_ip {
            self.db
                .record_failed_login(&attempt, fail("ip_rate_limited"))
                .await?;
            return Err(Error::RateLimited {
                retry_after: IP_WINDOW,
            });
        }

        let failures = self
            .db
            .failed_logins_since(&key, now.minus_seconds(HOUR))
            .await?;
        if failures.len() >= self.settings.login_lock_after {
            self.db
                .record_failed_login(&attempt, fail("locked"))
                .await?;
            return Err(Error::LoginLocked);
        }
        if let Some(wait) = self.wait_after(&failures, now) {
            self.db
                .record_failed_login(&attempt, fail("throttled"))
                .await?;
            return Err(Error::LoginThrottled { retry_after: wait });
        }

        let user = self.db.user_by_email(&key).await?;
        let ok = secret::verify_password(
            password.to_owned(),
            user.as_ref().map(|u| u.password_hash.clone()),
        )
        .await?;
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            Some(u) if ok => {
                // A disabled account answers like a wrong password: nothing to learn.
                let _ = u;
                self.db
                    .record_failed_login(&attempt, fail("disabled"))
                    .await?;
                return Err(Error::InvalidCredentials);
            }
            _ => {
                self.db
                    .record_failed_login(&attempt, fail("bad_credentials"))
                    .await?;
                return Err(Error::InvalidCredentials);
            }
        };

        let token = secret::random_token();
        let csrf_token = secret::random_token();
        let new = NewSession {
            user_id: user.id,
            token_hash: secret::token_hash(&token),
            csrf_token: csrf_token.clone(),
            at: now,
            ip: meta.ip.clone(),
            email: key.clone(),
        };
        let audit = trygg_domain::audit::AuditDraft {
            actor_user_id: Some(user.id.0),
            actor_org_id: Some(user.organisation_id.0),
            ..draft(
                &Caller::System,
                meta,
                now,
                "login",
                "session",
                None,
                json!({ "ip": meta.ip }),
            )
        };
        let session_id = self.db.open_session(&new, audit).await?;
        Ok(LoggedIn {
            token,
            csrf_token,
            user,
            session_id,
        })
    }

    /// How many seconds the next attempt must still wait, if any: nothing for the first
    /// few failures, then 1, 2, 4 … seconds after the last failure, capped.
    fn wait_after(
        &self,
        failures: &[trygg_domain::time::Instant],
        now: trygg_domain::time::Instant,
    ) -> Option<i64> {
        let n = failures.len();
        if n < self.settings.login_free_failures {
            return None;
        }
        let exp = u32::try_from(n - self.settings.login_free_failures)
            .unwrap_or(u32::MAX)
            .min(20);
        let delay = (1i64 << exp).min(self.settings.login_max_delay_secs);
        let last = *failures.last()?;
        let waited = now.seconds_since(last);
        (waited < delay).then_some(delay - waited)
    }

    /// The signed-in actor for a session cookie, or `Unauthenticated`. Ends sessions that
    /// have been idle or alive too long.
    pub async fn authenticate(&self, token: &str) -> Result<Actor> {
        let now = self.clock.now();
        let Some(session) = self
            .db
            .session_by_token_hash(&secret::token_hash(token))
            .await?
        else {
            return Err(Error::Unauthenticated);
        };
        if self.expired(&session, now) {
            self.db.end_session(session.id, None).await?;
            return Err(Error::Unauthenticated);
        }
        let user = self
            .db
            .user(session.user_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        if user.disabled {
            self.db.end_session(session.id, None).await?;
            return Err(Error::Unauthenticated);
        }
        let organisation = self
            .db
            .organisation(user.organisation_id)
            .await?
            .ok_or(Error::Unauthenticated)?;
        // Recording every request would turn each page view into a write; a minute's
        // precision is plenty for a 30-minute idle limit.
        if now.seconds_since(session.last_seen_at) >= 60 {
            self.db.touch_session(session.id, now).await?;
        }
        Ok(Actor {
            user,
            organisation,
            csrf_token: session.csrf_token,
            session_id: session.id,
        })
    }

    fn expired(&self, s: &Session, now: trygg_domain::time::Instant) -> bool {
        now.seconds_since(s.last_seen_at) >= self.settings.session_idle_secs
            || now.seconds_since(s.created_at) >= self.settings.session_absolute_secs
    }

    /// Ends the session on the server; the cookie alone is worthless afterwards.
    pub async fn logout(&self, actor: &Actor, meta: &RequestMeta) -> Result<()> {
        let caller = Caller::User(Box::new(actor.clone()));
        let audit = draft(
            &caller,
            meta,
            self.clock.now(),
            "logout",
            "session",
            Some(actor.session_id.0.to_string()),
            json!({}),
        );
        self.db.end_session(actor.session_id, Some(audit)).await?;
        Ok(())
    }
}
