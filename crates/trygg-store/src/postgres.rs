//! The PostgreSQL backend, for installations with several instances behind a load
//! balancer: sessions, attempts and the audit chain all live in the database.

use sqlx::postgres::{PgPool, PgPoolOptions};
use trygg_domain::audit::AuditKey;

use crate::queries::impl_store;

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A Trygg database on a PostgreSQL server.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    key: AuditKey,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PgStore")
    }
}

impl PgStore {
    /// Connects and migrates. sqlx takes an advisory lock while migrating, so instances
    /// starting together do not race.
    pub async fn connect(url: &str, key: AuditKey) -> crate::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool, key })
    }

    async fn begin_write(&self) -> crate::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        Ok(self.pool.begin().await?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl_store!(PgStore, sqlx::Postgres);

/// Ids for incidents about to be inserted in bulk, taken from the identity sequence so
/// concurrent instances never collide.
async fn reserve_incident_ids(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    n: usize,
) -> crate::Result<Vec<i64>> {
    use sqlx::Row as _;
    if n == 0 {
        return Ok(Vec::new());
    }
    let rows = sqlx::query("SELECT nextval(pg_get_serial_sequence('incidents', 'id')) AS id FROM generate_series(1, $1)")
        .bind(n as i64)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// After a bulk insert, before its commit: a large import changes the tables' make-up
/// more than autovacuum notices in time, and with stale statistics the planner reads a
/// district's month the slow way; ANALYZE (a sample, under a second) in the same
/// transaction means the first list after the import is planned with the new figures.
async fn after_bulk_insert(
    tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    rows: usize,
) -> crate::Result<()> {
    if rows >= 10_000 {
        sqlx::query("ANALYZE incidents, incident_areas")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Placeholder prefix for queries built at run time (see `incident::Sql`).
const PLACEHOLDER: char = '$';

crate::incident::impl_incident_store!(PgStore, sqlx::Postgres);
crate::photo::impl_photo_store!(PgStore, sqlx::Postgres);
crate::api_token::impl_api_token_store!(PgStore, sqlx::Postgres);
crate::lagesbild::impl_lagesbild_store!(PgStore, sqlx::Postgres);
crate::est_meeting::impl_est_meeting_store!(PgStore, sqlx::Postgres);
// Two senders never claim the same outbox row: the second skips rows the first locked.
crate::measure::impl_measure_store!(PgStore, sqlx::Postgres, " FOR UPDATE SKIP LOCKED");
crate::walk::impl_walk_store!(PgStore, sqlx::Postgres);
crate::promise::impl_promise_store!(PgStore, sqlx::Postgres);
crate::plan::impl_plan_store!(PgStore, sqlx::Postgres);
