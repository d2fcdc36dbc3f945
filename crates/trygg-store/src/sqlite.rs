//! The embedded SQLite backend: the default, one file, no server to run.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use trygg_domain::audit::AuditKey;

use crate::queries::impl_store;

pub(crate) static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A Trygg database in one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    key: AuditKey,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

impl SqliteStore {
    /// Opens (creating if absent) and migrates. WAL lets readers run beside the one
    /// writer; `synchronous=FULL` means an acknowledged write survives a power cut, which
    /// audit and case data need; the busy timeout makes writers queue instead of failing.
    /// Temporary storage in memory: a multi-row INSERT keeps a statement journal of the
    /// pages it changes (to undo just that statement), which otherwise goes to a temp
    /// file: half the system time of a bulk import. A page cache of 64 MiB (default 2 MiB)
    /// per connection, taken only as pages are read: one district's month of a million
    /// incidents spans more than 2 MiB, and re-reading it from the OS for each list
    /// made the list five times slower.
    pub async fn connect(url: &str, key: AuditKey) -> crate::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-65536")
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self { pool, key })
    }

    /// Writes start with `BEGIN IMMEDIATE`: taking the write lock up front means a
    /// transaction never fails half-way for want of it (SQLITE_BUSY on upgrade).
    async fn begin_write(&self) -> crate::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// A consistent copy of the live database into a new file (`VACUUM INTO`), safe while
    /// Trygg runs. Refuses to overwrite an existing file.
    pub async fn backup(&self, out: &std::path::Path) -> crate::Result<()> {
        let path = out
            .to_str()
            .ok_or(crate::StoreError::Unsupported("non_utf8_path"))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

impl_store!(SqliteStore, sqlx::Sqlite);

/// Ids for incidents about to be inserted in bulk. SQLite holds the write lock for the
/// whole transaction (`BEGIN IMMEDIATE`), so the ids after the current maximum are ours.
async fn reserve_incident_ids(
    tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    n: usize,
) -> crate::Result<Vec<i64>> {
    use sqlx::Row as _;
    let max: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) AS m FROM incidents")
        .fetch_one(&mut **tx)
        .await?
        .try_get("m")?;
    Ok((1..=n as i64).map(|k| max + k).collect())
}

/// After a bulk insert, before its commit: nothing on SQLite (the incident queries fix
/// their join order, so the planner needs no statistics).
async fn after_bulk_insert(
    _tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
    _rows: usize,
) -> crate::Result<()> {
    Ok(())
}

/// Placeholder prefix for queries built at run time (see `incident::Sql`).
const PLACEHOLDER: char = '?';

crate::incident::impl_incident_store!(SqliteStore, sqlx::Sqlite);
crate::photo::impl_photo_store!(SqliteStore, sqlx::Sqlite);
crate::api_token::impl_api_token_store!(SqliteStore, sqlx::Sqlite);
crate::lagesbild::impl_lagesbild_store!(SqliteStore, sqlx::Sqlite);
crate::est_meeting::impl_est_meeting_store!(SqliteStore, sqlx::Sqlite);
crate::measure::impl_measure_store!(SqliteStore, sqlx::Sqlite, "");
crate::walk::impl_walk_store!(SqliteStore, sqlx::Sqlite);
crate::promise::impl_promise_store!(SqliteStore, sqlx::Sqlite);
crate::plan::impl_plan_store!(SqliteStore, sqlx::Sqlite);
