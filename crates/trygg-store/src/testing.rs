//! Fresh databases for tests: a new SQLite file, or a new PostgreSQL database on the
//! server `TEST_DATABASE_URL` names, dropped again when the test ends.
//!
//! Every test gets its own database, so tests run in parallel and never see each other's
//! rows; nothing is shared, nothing needs to run serially.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;
use trygg_domain::audit::AuditKey;

use crate::Db;

/// A database that exists for one test.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The fixed key tests use for the audit chain.
pub fn test_key() -> AuditKey {
    match AuditKey::new(b"trygg-test-audit-key-0123456789abcdef".to_vec()) {
        Ok(k) => k,
        Err(_) => unreachable!("the test key is long enough"),
    }
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
        let url = format!("sqlite://{}", dir.path().join("trygg.db").display());
        Self {
            url,
            _dir: Some(dir),
            drop_pg: None,
        }
    }

    /// A handle on a database someone else created (and will drop), for raw access.
    pub fn existing(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            _dir: None,
            drop_pg: None,
        }
    }

    /// `None` when `TEST_DATABASE_URL` is not set (the test script always sets it).
    pub async fn postgres() -> Option<Self> {
        let base = std::env::var("TEST_DATABASE_URL")
            .ok()
            .filter(|s| !s.is_empty())?;
        let name = format!(
            "trygg_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            &crate::testing::random_suffix()
        );
        let mut conn = sqlx::PgConnection::connect(&base)
            .await
            .unwrap_or_else(|e| panic!("connect to TEST_DATABASE_URL: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("create test database: {e}"));
        let _ = conn.close().await;
        let url = with_database(&base, &name);
        Some(Self {
            url,
            _dir: None,
            drop_pg: Some((base, name)),
        })
    }

    pub async fn connect(&self) -> Db {
        Db::connect(&self.url, test_key())
            .await
            .unwrap_or_else(|e| panic!("connect {}: {e:?}", self.url))
    }
}

#[allow(clippy::disallowed_methods)] // a name, not a rule that depends on time
fn random_suffix() -> String {
    // Process id and counter are unique on one machine; the time keeps reruns apart
    // should a crashed run have left a database behind.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{nanos:x}")
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(base: &str, name: &str) -> String {
    let (head, query) = match base.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (base, None),
    };
    let after_scheme = head.find("://").map_or(0, |i| i + 3);
    let root = match head[after_scheme..].find('/') {
        Some(i) => &head[..after_scheme + i],
        None => head,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((base, name)) = self.drop_pg.take() else {
            return;
        };
        // Drop runs outside any async context we could borrow; a short-lived runtime on
        // its own thread does the clean-up.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&base).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

/// Defines a test module with one test per backend: `sqlite` always, `postgres` when
/// `TEST_DATABASE_URL` is set. Written like a closure, `|db, t| async move { … }`, the
/// body gets the connected `Db` and a reference to the `TestDb`.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, |$db:ident $(: $dt:ty)?, $t:ident $(: $tt:ty)?| async move $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let test_db = $crate::testing::TestDb::sqlite();
                #[allow(unused_variables)]
                let $t = &test_db;
                #[allow(unused_variables)]
                let $db = test_db.connect().await;
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(test_db) = $crate::testing::TestDb::postgres().await else {
                    eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL run of this test did not happen");
                    return;
                };
                #[allow(unused_variables)]
                let $t = &test_db;
                #[allow(unused_variables)]
                let $db = test_db.connect().await;
                $body
            }
        }
    };
}

impl TestDb {
    /// Runs SQL on a separate raw connection, around the store: how the tests play an
    /// attacker with direct database access.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_owned());
        if self.url.starts_with("sqlite:") {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await?;
            let r = sqlx::raw_sql(sql).execute(&mut c).await?;
            let _ = c.close().await;
            Ok(r.rows_affected())
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await?;
            let r = sqlx::raw_sql(sql).execute(&mut c).await?;
            let _ = c.close().await;
            Ok(r.rows_affected())
        }
    }

    /// Turns off the append-only protection of the audit log, as an attacker with
    /// administrative database access could.
    pub async fn disable_audit_protection(&self) {
        let sql = if self.url.starts_with("sqlite:") {
            "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;"
        } else {
            "ALTER TABLE audit_log DISABLE TRIGGER USER;"
        };
        self.execute_raw(sql)
            .await
            .unwrap_or_else(|e| panic!("disable protection: {e}"));
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/test", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/test?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }
}
