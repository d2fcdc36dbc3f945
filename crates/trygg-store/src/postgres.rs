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
