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
        use trygg_domain::area::AreaKind;
        use trygg_domain::id::{AreaId, OrganisationId, PlaceId, SessionId, UnitId, UserId};
        use trygg_domain::organisation::OrganisationKind;
        use trygg_domain::place::PlaceKind;
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


        type Conn = <$db as sqlx::Database>::Connection;

        const AREA_INFO_COLUMNS: &str = "id, kind, code, name, min_lon, min_lat, max_lon, max_lat, area_km2, valid_from, valid_to";
        const PLACE_COLUMNS: &str = "id, name, kind, lat, lon, polygon, aliases, created_at, updated_at";

        fn area_info_from(r: &Row) -> Result<AreaInfo> {
            let kind: String = r.try_get("kind")?;
            Ok(AreaInfo {
                id: AreaId(r.try_get("id")?),
                kind: AreaKind::parse(&kind).map_err(|_| StoreError::Corrupt("areas.kind"))?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                bbox: Bbox {
                    min_lon: r.try_get("min_lon")?,
                    min_lat: r.try_get("min_lat")?,
                    max_lon: r.try_get("max_lon")?,
                    max_lat: r.try_get("max_lat")?,
                },
                area_km2: r.try_get("area_km2")?,
                valid_from: Instant(r.try_get("valid_from")?),
                valid_to: r.try_get::<Option<i64>, _>("valid_to")?.map(Instant),
            })
        }

        /// Members of the given areas, by area id, each list sorted.
        async fn members_of(conn: &mut Conn, ids: &[i64]) -> Result<std::collections::HashMap<i64, Vec<AreaRef>>> {
            let mut by_area: std::collections::HashMap<i64, Vec<AreaRef>> = Default::default();
            if ids.is_empty() {
                return Ok(by_area);
            }
            // One query for all (a handful of unions at most have members); filtered here.
            let wanted: std::collections::HashSet<i64> = ids.iter().copied().collect();
            let rows = sqlx::query("SELECT area_id, member_kind, member_code FROM area_members")
                .fetch_all(&mut *conn)
                .await?;
            for r in rows {
                let area_id: i64 = r.try_get("area_id")?;
                if !wanted.contains(&area_id) {
                    continue;
                }
                let kind: String = r.try_get("member_kind")?;
                by_area.entry(area_id).or_default().push(AreaRef {
                    kind: AreaKind::parse(&kind).map_err(|_| StoreError::Corrupt("area_members.member_kind"))?,
                    code: r.try_get("member_code")?,
                });
            }
            for members in by_area.values_mut() {
                members.sort();
            }
            Ok(by_area)
        }

        async fn areas_with_geometry(conn: &mut Conn, rows: Vec<Row>) -> Result<Vec<Area>> {
            let ids: Vec<i64> = rows.iter().map(|r| r.try_get("id")).collect::<std::result::Result<_, _>>()?;
            let mut members = members_of(conn, &ids).await?;
            rows.iter()
                .map(|r| {
                    let info = area_info_from(r)?;
                    Ok(Area {
                        geometry: r.try_get("geometry")?,
                        members: members.remove(&info.id.0).unwrap_or_default(),
                        info,
                    })
                })
                .collect()
        }

        fn sorted_refs(refs: &[AreaRef]) -> Vec<AreaRef> {
            let mut refs = refs.to_vec();
            refs.sort();
            refs.dedup();
            refs
        }

        async fn insert_area(tx: &mut Tx, kind: AreaKind, at: Instant, area: &NewArea) -> Result<i64> {
            let row = sqlx::query(
                "INSERT INTO areas (kind, code, name, geometry, min_lon, min_lat, max_lon, max_lat, area_km2, valid_from, valid_to) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL) RETURNING id",
            )
            .bind(kind.code())
            .bind(area.code.as_str())
            .bind(&area.name)
            .bind(&area.geometry)
            .bind(area.bbox.min_lon)
            .bind(area.bbox.min_lat)
            .bind(area.bbox.max_lon)
            .bind(area.bbox.max_lat)
            .bind(area.area_km2)
            .bind(at.micros())
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| StoreError::unique(e, "areas_current_kind_code"))?;
            let id: i64 = row.try_get("id")?;
            for member in sorted_refs(&area.members) {
                sqlx::query("INSERT INTO area_members (area_id, member_kind, member_code) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(member.kind.code())
                    .bind(&member.code)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(id)
        }

        fn place_from(r: &Row, area_ids: Vec<AreaId>) -> Result<Place> {
            let kind: String = r.try_get("kind")?;
            let aliases: String = r.try_get("aliases")?;
            Ok(Place {
                id: PlaceId(r.try_get("id")?),
                name: r.try_get("name")?,
                kind: PlaceKind::parse(&kind).map_err(|_| StoreError::Corrupt("places.kind"))?,
                lat: r.try_get("lat")?,
                lon: r.try_get("lon")?,
                polygon: r.try_get("polygon")?,
                aliases: serde_json::from_str(&aliases).map_err(|_| StoreError::Corrupt("places.aliases"))?,
                area_ids,
                created_at: Instant(r.try_get("created_at")?),
                updated_at: Instant(r.try_get("updated_at")?),
            })
        }

        /// The areas of every place, by place id, each list ascending.
        async fn all_place_areas(conn: &mut Conn) -> Result<std::collections::HashMap<i64, Vec<AreaId>>> {
            let rows = sqlx::query("SELECT place_id, area_id FROM place_areas ORDER BY place_id, area_id")
                .fetch_all(&mut *conn)
                .await?;
            let mut by_place: std::collections::HashMap<i64, Vec<AreaId>> = Default::default();
            for r in rows {
                by_place.entry(r.try_get("place_id")?).or_default().push(AreaId(r.try_get("area_id")?));
            }
            Ok(by_place)
        }

        async fn places_from(conn: &mut Conn, rows: Vec<Row>) -> Result<Vec<Place>> {
            let mut areas = all_place_areas(conn).await?;
            rows.iter()
                .map(|r| {
                    let id: i64 = r.try_get("id")?;
                    place_from(r, areas.remove(&id).unwrap_or_default())
                })
                .collect()
        }

        fn aliases_json(aliases: &[String]) -> Result<String> {
            serde_json::to_string(aliases).map_err(|_| StoreError::Corrupt("places.aliases"))
        }

        async fn replace_place_areas(tx: &mut Tx, id: i64, area_ids: &[AreaId]) -> Result<()> {
            sqlx::query("DELETE FROM place_areas WHERE place_id = $1").bind(id).execute(&mut **tx).await?;
            let mut ids: Vec<i64> = area_ids.iter().map(|a| a.0).collect();
            ids.sort_unstable();
            ids.dedup();
            for area_id in ids {
                sqlx::query("INSERT INTO place_areas (place_id, area_id) VALUES ($1, $2)")
                    .bind(id)
                    .bind(area_id)
                    .execute(&mut **tx)
                    .await?;
            }
            Ok(())
        }

        async fn insert_place(tx: &mut Tx, new: &NewPlace) -> Result<i64> {
            let row = sqlx::query(
                "INSERT INTO places (name, kind, lat, lon, polygon, aliases, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(&new.name)
            .bind(new.kind.as_str())
            .bind(new.lat)
            .bind(new.lon)
            .bind(new.polygon.as_deref())
            .bind(aliases_json(&new.aliases)?)
            .bind(new.at.micros())
            .fetch_one(&mut **tx)
            .await?;
            let id: i64 = row.try_get("id")?;
            replace_place_areas(tx, id, &new.area_ids).await?;
            Ok(id)
        }

        /// Writes a place's new values; `false` if there is no such place.
        async fn write_place(tx: &mut Tx, id: i64, new: &NewPlace) -> Result<bool> {
            let done = sqlx::query(
                "UPDATE places SET name = $1, kind = $2, lat = $3, lon = $4, polygon = $5, aliases = $6, updated_at = $7 \
                 WHERE id = $8",
            )
            .bind(&new.name)
            .bind(new.kind.as_str())
            .bind(new.lat)
            .bind(new.lon)
            .bind(new.polygon.as_deref())
            .bind(aliases_json(&new.aliases)?)
            .bind(new.at.micros())
            .bind(id)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            replace_place_areas(tx, id, &new.area_ids).await?;
            Ok(true)
        }

        /// The draft's detail with the counts of an import added (the detail is a JSON
        /// object by convention; anything else is kept and wrapped).
        fn with_counts(mut draft: AuditDraft, counts: ImportCounts) -> AuditDraft {
            let mut detail = match serde_json::from_str::<serde_json::Value>(&draft.detail) {
                Ok(serde_json::Value::Object(map)) => map,
                Ok(other) => {
                    let mut map = serde_json::Map::new();
                    map.insert("detail".into(), other);
                    map
                }
                Err(_) => serde_json::Map::new(),
            };
            detail.insert("created".into(), counts.created.into());
            detail.insert("updated".into(), counts.updated.into());
            detail.insert("unchanged".into(), counts.unchanged.into());
            draft.detail = serde_json::Value::Object(detail).to_string();
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

            async fn area_revision(&self) -> Result<i64> {
                let row = sqlx::query("SELECT revision FROM area_revision WHERE id = 1").fetch_one(&self.pool).await?;
                Ok(row.try_get("revision")?)
            }

            async fn import_areas(&self, import: &AreaImport, audit: AuditDraft) -> Result<ImportCounts> {
                let mut seen = std::collections::HashSet::new();
                if !import.areas.iter().all(|a| seen.insert(a.code.as_str())) {
                    return Err(StoreError::Conflict { constraint: "areas_duplicate_code_in_import" });
                }
                let mut tx = self.begin_write().await?;
                // Taking the revision row first serialises imports (PostgreSQL locks the
                // row; SQLite already holds the write lock), so two imports of the same
                // kind cannot both decide to create a code.
                sqlx::query("UPDATE area_revision SET revision = revision + 1 WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                let mut counts = ImportCounts::default();
                for area in &import.areas {
                    let current = sqlx::query(
                        "SELECT id, name, geometry FROM areas WHERE kind = $1 AND code = $2 AND valid_to IS NULL",
                    )
                    .bind(import.kind.code())
                    .bind(area.code.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
                    match current {
                        None => {
                            insert_area(&mut tx, import.kind, import.at, area).await?;
                            counts.created += 1;
                        }
                        Some(row) => {
                            let id: i64 = row.try_get("id")?;
                            let name: String = row.try_get("name")?;
                            let geometry: String = row.try_get("geometry")?;
                            let members = members_of(&mut tx, &[id]).await?.remove(&id).unwrap_or_default();
                            if name == area.name && geometry == area.geometry && members == sorted_refs(&area.members) {
                                counts.unchanged += 1;
                                continue;
                            }
                            sqlx::query("UPDATE areas SET valid_to = $1 WHERE id = $2")
                                .bind(import.at.micros())
                                .bind(id)
                                .execute(&mut *tx)
                                .await?;
                            insert_area(&mut tx, import.kind, import.at, area).await?;
                            counts.updated += 1;
                        }
                    }
                }
                if !counts.changed() {
                    tx.rollback().await?;
                    return Ok(counts);
                }
                append(&mut tx, &self.key, &with_counts(audit, counts)).await?;
                tx.commit().await?;
                Ok(counts)
            }

            async fn current_areas(&self, kind: Option<AreaKind>) -> Result<Vec<AreaInfo>> {
                let rows = match kind {
                    Some(k) => {
                        let sql = sqlx::AssertSqlSafe(format!(
                            "SELECT {AREA_INFO_COLUMNS} FROM areas WHERE valid_to IS NULL AND kind = $1 ORDER BY kind, code"
                        ));
                        sqlx::query(sql).bind(k.code()).fetch_all(&self.pool).await?
                    }
                    None => {
                        let sql = sqlx::AssertSqlSafe(format!(
                            "SELECT {AREA_INFO_COLUMNS} FROM areas WHERE valid_to IS NULL ORDER BY kind, code"
                        ));
                        sqlx::query(sql).fetch_all(&self.pool).await?
                    }
                };
                rows.iter().map(area_info_from).collect()
            }

            async fn current_areas_with_geometry(&self, kind: Option<AreaKind>) -> Result<Vec<Area>> {
                let mut conn = self.pool.acquire().await?;
                let rows = match kind {
                    Some(k) => {
                        let sql = sqlx::AssertSqlSafe(format!(
                            "SELECT {AREA_INFO_COLUMNS}, geometry FROM areas WHERE valid_to IS NULL AND kind = $1 ORDER BY kind, code"
                        ));
                        sqlx::query(sql).bind(k.code()).fetch_all(&mut *conn).await?
                    }
                    None => {
                        let sql = sqlx::AssertSqlSafe(format!(
                            "SELECT {AREA_INFO_COLUMNS}, geometry FROM areas WHERE valid_to IS NULL ORDER BY kind, code"
                        ));
                        sqlx::query(sql).fetch_all(&mut *conn).await?
                    }
                };
                areas_with_geometry(&mut conn, rows).await
            }

            async fn area(&self, id: AreaId) -> Result<Option<Area>> {
                let mut conn = self.pool.acquire().await?;
                let sql = sqlx::AssertSqlSafe(format!("SELECT {AREA_INFO_COLUMNS}, geometry FROM areas WHERE id = $1"));
                let rows = sqlx::query(sql).bind(id.0).fetch_all(&mut *conn).await?;
                Ok(areas_with_geometry(&mut conn, rows).await?.into_iter().next())
            }

            async fn area_versions(&self, kind: AreaKind, code: &str) -> Result<Vec<AreaInfo>> {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {AREA_INFO_COLUMNS} FROM areas WHERE kind = $1 AND code = $2 ORDER BY valid_from, id"
                ));
                let rows = sqlx::query(sql).bind(kind.code()).bind(code).fetch_all(&self.pool).await?;
                rows.iter().map(area_info_from).collect()
            }

            async fn places(&self) -> Result<Vec<Place>> {
                let mut conn = self.pool.acquire().await?;
                let sql = sqlx::AssertSqlSafe(format!("SELECT {PLACE_COLUMNS} FROM places ORDER BY name, id"));
                let rows = sqlx::query(sql).fetch_all(&mut *conn).await?;
                places_from(&mut conn, rows).await
            }

            async fn place(&self, id: PlaceId) -> Result<Option<Place>> {
                let mut conn = self.pool.acquire().await?;
                let sql = sqlx::AssertSqlSafe(format!("SELECT {PLACE_COLUMNS} FROM places WHERE id = $1"));
                let Some(row) = sqlx::query(sql).bind(id.0).fetch_optional(&mut *conn).await? else {
                    return Ok(None);
                };
                let areas = sqlx::query("SELECT area_id FROM place_areas WHERE place_id = $1 ORDER BY area_id")
                    .bind(id.0)
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map(|r| Ok(AreaId(r.try_get("area_id")?)))
                    .collect::<Result<Vec<_>>>()?;
                place_from(&row, areas).map(Some)
            }

            async fn places_in_area(&self, area: AreaId) -> Result<Vec<Place>> {
                let mut conn = self.pool.acquire().await?;
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {PLACE_COLUMNS} FROM places WHERE id IN (SELECT place_id FROM place_areas WHERE area_id = $1) ORDER BY name, id"
                ));
                let rows = sqlx::query(sql).bind(area.0).fetch_all(&mut *conn).await?;
                places_from(&mut conn, rows).await
            }

            async fn create_place(&self, new: &NewPlace, audit: AuditDraft) -> Result<PlaceId> {
                let mut tx = self.begin_write().await?;
                let id = insert_place(&mut tx, new).await?;
                append(&mut tx, &self.key, &with_object(audit, id)).await?;
                tx.commit().await?;
                Ok(PlaceId(id))
            }

            async fn update_place(&self, id: PlaceId, new: &NewPlace, audit: AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                if !write_place(&mut tx, id.0, new).await? {
                    return Err(StoreError::NotFound);
                }
                append(&mut tx, &self.key, &with_object(audit, id.0)).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn import_places(&self, import: &PlaceImport, audit: AuditDraft) -> Result<ImportCounts> {
                let mut tx = self.begin_write().await?;
                let sql = sqlx::AssertSqlSafe(format!("SELECT {PLACE_COLUMNS} FROM places ORDER BY id"));
                let rows = sqlx::query(sql).fetch_all(&mut *tx).await?;
                let existing = places_from(&mut tx, rows).await?;
                // Existing places by (kind, name), in id order: each imported place takes
                // the first one not yet taken.
                let mut queues: std::collections::HashMap<(String, String), std::collections::VecDeque<Place>> =
                    Default::default();
                for place in existing {
                    queues
                        .entry((place.kind.as_str().to_owned(), place.name.clone()))
                        .or_default()
                        .push_back(place);
                }
                let mut counts = ImportCounts::default();
                for new in &import.places {
                    let key = (new.kind.as_str().to_owned(), new.name.clone());
                    match queues.get_mut(&key).and_then(|q| q.pop_front()) {
                        None => {
                            insert_place(&mut tx, new).await?;
                            counts.created += 1;
                        }
                        Some(old) => {
                            let mut areas = new.area_ids.clone();
                            areas.sort_unstable();
                            areas.dedup();
                            let same = old.lat == new.lat
                                && old.lon == new.lon
                                && old.polygon == new.polygon
                                && old.aliases == new.aliases;
                            if same && old.area_ids == areas {
                                counts.unchanged += 1;
                            } else if same {
                                // Only the derived areas differ: fix them, not a change.
                                replace_place_areas(&mut tx, old.id.0, &areas).await?;
                                counts.unchanged += 1;
                            } else {
                                write_place(&mut tx, old.id.0, new).await?;
                                counts.updated += 1;
                            }
                        }
                    }
                }
                if counts.changed() {
                    append(&mut tx, &self.key, &with_counts(audit, counts)).await?;
                }
                tx.commit().await?;
                Ok(counts)
            }

            async fn set_place_areas(&self, located: &[(PlaceId, Vec<AreaId>)]) -> Result<()> {
                let mut tx = self.begin_write().await?;
                for (place, areas) in located {
                    replace_place_areas(&mut tx, place.0, areas).await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

pub(crate) use impl_store;
