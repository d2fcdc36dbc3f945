//! Backend choice, migrations and connection settings.

use trygg_store::testing::{TestDb, test_key};
use trygg_store::{Backend, Db, Store, StoreError, migration_names, on_both_backends};

#[test]
fn both_backends_have_the_same_migrations() {
    let sqlite = migration_names(Backend::Sqlite);
    let postgres = migration_names(Backend::Postgres);
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must match by number and name"
    );
}

#[test]
fn the_backend_follows_the_url_scheme() {
    assert_eq!(
        Backend::from_url("sqlite://trygg.db").unwrap(),
        Backend::Sqlite
    );
    assert_eq!(
        Backend::from_url("sqlite::memory:").unwrap(),
        Backend::Sqlite
    );
    assert_eq!(
        Backend::from_url("postgres://u@h/db").unwrap(),
        Backend::Postgres
    );
    assert_eq!(
        Backend::from_url("postgresql://u@h/db").unwrap(),
        Backend::Postgres
    );
    let err = Backend::from_url("mysql://u@h/db").unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedUrl { ref scheme } if scheme == "mysql"));
    assert!(
        err.to_string().contains("sqlite://"),
        "the message says what would work: {err}"
    );
}

#[tokio::test]
async fn an_unknown_scheme_is_refused_at_connect() {
    assert!(matches!(
        Db::connect("redis://localhost", test_key()).await,
        Err(StoreError::UnsupportedUrl { .. })
    ));
}

#[tokio::test]
async fn sqlite_runs_with_wal_full_sync_and_foreign_keys() {
    let t = TestDb::sqlite();
    let db = t.connect().await;
    let Db::Sqlite(_) = &db else {
        panic!("expected SQLite")
    };
    // Ask through the store's own pool: the pragmas are per connection.
    let path = t.url.trim_start_matches("sqlite://");
    assert!(std::path::Path::new(path).exists(), "the file was created");
    assert!(
        std::path::Path::new(&format!("{path}-wal")).exists(),
        "WAL mode keeps a -wal file"
    );
    // Foreign keys: a unit of a missing organisation is refused.
    let err = db
        .create_unit(
            &trygg_store::NewUnit {
                organisation_id: trygg_domain::id::OrganisationId(999),
                name: "X".into(),
                at: trygg_domain::time::Instant(0),
            },
            crate::draft("unit_created"),
        )
        .await;
    assert!(err.is_err(), "foreign keys are enforced");
    assert_eq!(
        db.audit_entries(0, 10).await.unwrap().len(),
        0,
        "and no audit entry was left behind"
    );
}

on_both_backends!(
    migrations_run_twice_without_harm,
    |_db: Db, t: &TestDb| async move {
        // A second instance starting on the same database finds nothing to do.
        let again = t.connect().await;
        again.ping().await.unwrap();
        assert!(again.home_organisation().await.unwrap().is_none());
    }
);
