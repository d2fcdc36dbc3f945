//! The SQL both backends share, written once.
//!
//! SQLite and PostgreSQL accept the same statements here: `$N` placeholders (sqlx maps
//! them by number on SQLite too), `RETURNING`, integers for instants. What differs (the
//! connection set-up, how a write transaction starts, backups) lives in `sqlite.rs` and
//! `postgres.rs`; this macro expands the shared `Store` implementation for each, so a
//! fix here reaches both and the conformance suite proves they behave alike.

macro_rules! impl_store {
    ($store:ty, $db:ty) => {
        use sqlx::Row as _;
        use trygg_domain::account::Role;
        use trygg_domain::audit::{self, AuditDraft, AuditEntry};
        use trygg_domain::id::{OrganisationId, SessionId, UnitId, UserId};
        use trygg_domain::organisation::OrganisationKind;
        use trygg_domain::time::Instant;
        use $crate::model::*;
        use $crate::{Result, StoreError};

        type Row = <$db as sqlx::Database>::Row;
        type Tx = sqlx::Transaction<'static, $db>;

        const USER_COLUMNS: &str = "id, organisation_id, unit_id, email, name, password_hash, disabled, created_at";

        fn organisation_from(r: &Row) -> Result<Organisation> {
            let kind: String = r.try_get("kind")?;
            Ok(Organisation {
                id: OrganisationId(r.try_get("id")?),
                name: r.try_get("name")?,
                kind: OrganisationKind::parse(&kind).map_err(|_| StoreError::Corrupt("organisations.kind"))?,
                is_home: r.try_get("is_home")?,
                created_at: Instant(r.try_get("created_at")?),
            })
        }

        fn unit_from(r: &Row) -> Result<Unit> {
            Ok(Unit {
                id: UnitId(r.try_get("id")?),
                organisation_id: OrganisationId(r.try_get("organisation_id")?),
                name: r.try_get("name")?,
                created_at: Instant(r.try_get("created_at")?),
            })
        }

        fn user_from(r: &Row, roles: Vec<Role>) -> Result<User> {
            Ok(User {
                id: UserId(r.try_get("id")?),
                organisation_id: OrganisationId(r.try_get("organisation_id")?),
                unit_id: r.try_get::<Option<i64>, _>("unit_id")?.map(UnitId),
                email: r.try_get("email")?,
                name: r.try_get("name")?,
                password_hash: r.try_get("password_hash")?,
                roles,
                disabled: r.try_get("disabled")?,
                created_at: Instant(r.try_get("created_at")?),
            })
        }

        fn audit_from(r: &Row) -> Result<AuditEntry> {
            let prev: String = r.try_get("prev_hash")?;
            let hash: String = r.try_get("hash")?;
            Ok(AuditEntry {
                seq: r.try_get("seq")?,
                draft: AuditDraft {
                    at: Instant(r.try_get("at")?),
                    actor_user_id: r.try_get("actor_user_id")?,
                    actor_org_id: r.try_get("actor_org_id")?,
                    action: r.try_get("action")?,
                    object_type: r.try_get("object_type")?,
                    object_id: r.try_get("object_id")?,
                    request_id: r.try_get("request_id")?,
                    detail: r.try_get("detail")?,
                },
                // A malformed stored hash is a tampered entry, not a crash: an all-ones
                // value never matches, so verification names the entry.
                prev_hash: audit::from_hex32(&prev).unwrap_or([0xff; 32]),
                hash: audit::from_hex32(&hash).unwrap_or([0xff; 32]),
            })
        }

        async fn roles_of(conn: &mut <$db as sqlx::Database>::Connection, id: i64) -> Result<Vec<Role>> {
            let rows = sqlx::query("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
            let mut roles = Vec::with_capacity(rows.len());
            for r in rows {
                let code: String = r.try_get("role")?;
                roles.push(Role::parse(&code).map_err(|_| StoreError::Corrupt("user_roles.role"))?);
            }
            roles.sort();
            Ok(roles)
        }

        async fn set_roles(tx: &mut Tx, id: i64, roles: &[Role]) -> Result<()> {
            sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(id).execute(&mut **tx).await?;
            for role in roles {
                sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                    .bind(id)
                    .bind(role.code())
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }

        /// Appends one entry to the chain inside `tx`. Taking the head row first (an
        /// UPDATE, so PostgreSQL locks it and SQLite already holds the write lock) makes
        /// concurrent appenders queue up instead of forking the chain.
        async fn append(tx: &mut Tx, key: &audit::AuditKey, draft: &AuditDraft) -> Result<i64> {
            let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                .fetch_one(&mut **tx)
                .await?;
            let seq: i64 = head.try_get("seq")?;
            let prev_hex: String = head.try_get("hash")?;
            let prev = audit::from_hex32(&prev_hex).ok_or(StoreError::Corrupt("audit_head.hash"))?;
            let hash = audit::chain_hash(key, &prev, seq, draft);
            let hash_hex = audit::to_hex(&hash);
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor_user_id, actor_org_id, action, object_type, \
                 object_id, request_id, detail, prev_hash, hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(seq)
            .bind(draft.at.micros())
            .bind(draft.actor_user_id)
            .bind(draft.actor_org_id)
            .bind(&draft.action)
            .bind(&draft.object_type)
            .bind(&draft.object_id)
            .bind(&draft.request_id)
            .bind(&draft.detail)
            .bind(&prev_hex)
            .bind(&hash_hex)
            .execute(&mut **tx)
            .await?;
            sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                .bind(&hash_hex)
                .execute(&mut **tx)
                .await?;
            Ok(seq)
        }

        fn with_object(mut draft: AuditDraft, id: i64) -> AuditDraft {
            if draft.object_id.is_none() {
                draft.object_id = Some(id.to_string());
            }
            draft
        }

        impl $crate::Store for $store {
            async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn home_organisation(&self) -> Result<Option<Organisation>> {
                let row = sqlx::query("SELECT * FROM organisations WHERE is_home = $1")
                    .bind(true)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(organisation_from).transpose()
            }

            async fn create_organisation(&self, new: &NewOrganisation, audit: AuditDraft) -> Result<OrganisationId> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "INSERT INTO organisations (name, kind, is_home, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&new.name)
                .bind(new.kind.code())
                .bind(new.is_home)
                .bind(new.at.micros())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::unique(e, if new.is_home { "organisations_one_home" } else { "organisations_name_key" }))?;
                let id: i64 = row.try_get("id")?;
                append(&mut tx, &self.key, &with_object(audit, id)).await?;
                tx.commit().await?;
                Ok(OrganisationId(id))
            }

            async fn organisations(&self) -> Result<Vec<Organisation>> {
                let rows = sqlx::query("SELECT * FROM organisations ORDER BY is_home DESC, name")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(organisation_from).collect()
            }

            async fn organisation(&self, id: OrganisationId) -> Result<Option<Organisation>> {
                let row = sqlx::query("SELECT * FROM organisations WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(organisation_from).transpose()
            }

            async fn organisation_by_name(&self, name: &str) -> Result<Option<Organisation>> {
                let row = sqlx::query("SELECT * FROM organisations WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(organisation_from).transpose()
            }

            async fn create_unit(&self, new: &NewUnit, audit: AuditDraft) -> Result<UnitId> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "INSERT INTO units (organisation_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
                )
                .bind(new.organisation_id.0)
                .bind(&new.name)
                .bind(new.at.micros())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::unique(e, "units_org_name_key"))?;
                let id: i64 = row.try_get("id")?;
                append(&mut tx, &self.key, &with_object(audit, id)).await?;
                tx.commit().await?;
                Ok(UnitId(id))
            }

            async fn units(&self, organisation: OrganisationId) -> Result<Vec<Unit>> {
                let rows = sqlx::query("SELECT * FROM units WHERE organisation_id = $1 ORDER BY name")
                    .bind(organisation.0)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(unit_from).collect()
            }

            async fn unit(&self, id: UnitId) -> Result<Option<Unit>> {
                let row = sqlx::query("SELECT * FROM units WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(unit_from).transpose()
            }

            async fn create_user(&self, new: &NewUser, audit: AuditDraft) -> Result<UserId> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(
                    "INSERT INTO users (organisation_id, unit_id, email, name, password_hash, disabled, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                )
                .bind(new.organisation_id.0)
                .bind(new.unit_id.map(|u| u.0))
                .bind(&new.email)
                .bind(&new.name)
                .bind(&new.password_hash)
                .bind(false)
                .bind(new.at.micros())
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| StoreError::unique(e, "users_email_key"))?;
                let id: i64 = row.try_get("id")?;
                set_roles(&mut tx, id, &new.roles).await?;
                append(&mut tx, &self.key, &with_object(audit, id)).await?;
                tx.commit().await?;
                Ok(UserId(id))
            }

            async fn user(&self, id: UserId) -> Result<Option<User>> {
                let mut conn = self.pool.acquire().await?;
                let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"));
                let Some(row) = sqlx::query(sql).bind(id.0).fetch_optional(&mut *conn).await? else {
                    return Ok(None);
                };
                let roles = roles_of(&mut conn, id.0).await?;
                user_from(&row, roles).map(Some)
            }

            async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
                let mut conn = self.pool.acquire().await?;
                let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1"));
                let Some(row) = sqlx::query(sql).bind(email).fetch_optional(&mut *conn).await? else {
                    return Ok(None);
                };
                let id: i64 = row.try_get("id")?;
                let roles = roles_of(&mut conn, id).await?;
                user_from(&row, roles).map(Some)
            }

            async fn users(&self) -> Result<Vec<User>> {
                let mut conn = self.pool.acquire().await?;
                let sql = sqlx::AssertSqlSafe(format!("SELECT {USER_COLUMNS} FROM users ORDER BY name, email"));
                let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
                let role_rows = sqlx::query("SELECT user_id, role FROM user_roles").fetch_all(&mut *conn).await?;
                let mut by_user: std::collections::HashMap<i64, Vec<Role>> = Default::default();
                for r in role_rows {
                    let code: String = r.try_get("role")?;
                    let role = Role::parse(&code).map_err(|_| StoreError::Corrupt("user_roles.role"))?;
                    by_user.entry(r.try_get("user_id")?).or_default().push(role);
                }
                rows.iter()
                    .map(|r| {
                        let id: i64 = r.try_get("id")?;
                        let mut roles = by_user.remove(&id).unwrap_or_default();
                        roles.sort();
                        user_from(r, roles)
                    })
                    .collect()
            }

            async fn change_user(&self, id: UserId, change: &UserChange, audit: AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let exists = sqlx::query("SELECT id FROM users WHERE id = $1")
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
                if exists.is_none() {
                    return Err(StoreError::NotFound);
                }
                let end_sessions = match change {
                    UserChange::Disable | UserChange::Enable => {
                        let disable = matches!(change, UserChange::Disable);
                        sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                            .bind(disable)
                            .bind(id.0)
                            .execute(&mut *tx)
                            .await?;
                        disable
                    }
                    UserChange::Roles(roles) => {
                        set_roles(&mut tx, id.0, roles).await?;
                        false
                    }
                    UserChange::PasswordHash(hash) => {
                        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                            .bind(hash)
                            .bind(id.0)
                            .execute(&mut *tx)
                            .await?;
                        true
                    }
                    UserChange::Details { name, unit_id } => {
                        sqlx::query("UPDATE users SET name = $1, unit_id = $2 WHERE id = $3")
                            .bind(name)
                            .bind(unit_id.map(|u| u.0))
                            .bind(id.0)
                            .execute(&mut *tx)
                            .await?;
                        false
                    }
                };
                if end_sessions {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.0).execute(&mut *tx).await?;
                }
                append(&mut tx, &self.key, &with_object(audit, id.0)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn open_session(&self, new: &NewSession, audit: AuditDraft) -> Result<SessionId> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO login_attempts (email, ip, at, succeeded) VALUES ($1, $2, $3, $4)")
                    .bind(&new.email)
                    .bind(&new.ip)
                    .bind(new.at.micros())
                    .bind(true)
                    .execute(&mut *tx)
                    .await?;
                let row = sqlx::query(
                    "INSERT INTO sessions (user_id, token_hash, csrf_token, created_at, last_seen_at, ip) \
                     VALUES ($1, $2, $3, $4, $4, $5) RETURNING id",
                )
                .bind(new.user_id.0)
                .bind(&new.token_hash)
                .bind(&new.csrf_token)
                .bind(new.at.micros())
                .bind(&new.ip)
                .fetch_one(&mut *tx)
                .await?;
                let id: i64 = row.try_get("id")?;
                append(&mut tx, &self.key, &with_object(audit, id)).await?;
                tx.commit().await?;
                Ok(SessionId(id))
            }

            async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<Session>> {
                let row = sqlx::query(
                    "SELECT id, user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|r| {
                    Ok(Session {
                        id: SessionId(r.try_get("id")?),
                        user_id: UserId(r.try_get("user_id")?),
                        csrf_token: r.try_get("csrf_token")?,
                        created_at: Instant(r.try_get("created_at")?),
                        last_seen_at: Instant(r.try_get("last_seen_at")?),
                    })
                })
                .transpose()
            }

            async fn touch_session(&self, id: SessionId, at: Instant) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2 AND last_seen_at < $1")
                    .bind(at.micros())
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn end_session(&self, id: SessionId, audit: Option<AuditDraft>) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id.0).execute(&mut *tx).await?;
                if let Some(audit) = audit {
                    append(&mut tx, &self.key, &with_object(audit, id.0)).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn record_failed_login(&self, attempt: &LoginAttempt, audit: AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO login_attempts (email, ip, at, succeeded) VALUES ($1, $2, $3, $4)")
                    .bind(&attempt.email)
                    .bind(&attempt.ip)
                    .bind(attempt.at.micros())
                    .bind(false)
                    .execute(&mut *tx)
                    .await?;
                append(&mut tx, &self.key, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn failed_logins_since(&self, email: &str, since: Instant) -> Result<Vec<Instant>> {
                let rows = sqlx::query(
                    "SELECT at FROM login_attempts WHERE email = $1 AND at >= $2 AND succeeded = $3 ORDER BY at",
                )
                .bind(email)
                .bind(since.micros())
                .bind(false)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(|r| Ok(Instant(r.try_get("at")?))).collect()
            }

            async fn attempts_from_ip_since(&self, ip: &str, since: Instant) -> Result<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM login_attempts WHERE ip = $1 AND at >= $2")
                    .bind(ip)
                    .bind(since.micros())
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.try_get("n")?)
            }

            async fn append_audit(&self, audit: AuditDraft) -> Result<i64> {
                let mut tx = self.begin_write().await?;
                let seq = append(&mut tx, &self.key, &audit).await?;
                tx.commit().await?;
                Ok(seq)
            }

            async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
                let rows = sqlx::query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
                    .bind(after)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(audit_from).collect()
            }
        }
    };
}

pub(crate) use impl_store;
