//! The audit log: append-only in the database, and every tampering caught by the chain.

use trygg_domain::audit::{ChainBreak, Checkpoint, Verifier};
use trygg_store::testing::{TestDb, test_key};
use trygg_store::{Db, Store, on_both_backends};

use crate::draft;

async fn verify(db: &Db, checkpoint: Option<Checkpoint>) -> Result<Checkpoint, ChainBreak> {
    let key = test_key();
    let mut v = Verifier::new(&key, checkpoint);
    for e in db.audit_entries(0, 10_000).await.unwrap() {
        v.push(&e)?;
    }
    v.finish()
}

async fn five(db: &Db) {
    for i in 1..=5 {
        assert_eq!(
            db.append_audit(draft(&format!("event_{i}"))).await.unwrap(),
            i
        );
    }
}

on_both_backends!(
    the_log_refuses_updates_and_deletes,
    |db: Db, t: &TestDb| async move {
        five(&db).await;
        assert!(
            t.execute_raw("UPDATE audit_log SET action = 'x' WHERE seq = 2")
                .await
                .is_err()
        );
        assert!(
            t.execute_raw("DELETE FROM audit_log WHERE seq = 5")
                .await
                .is_err()
        );
        if t.url.starts_with("postgres") {
            assert!(t.execute_raw("TRUNCATE audit_log").await.is_err());
        }
        assert_eq!(verify(&db, None).await.unwrap().seq, 5);
    }
);

on_both_backends!(a_changed_field_is_caught, |db: Db, t: &TestDb| async move {
    five(&db).await;
    t.disable_audit_protection().await;
    t.execute_raw("UPDATE audit_log SET object_id = '666' WHERE seq = 3")
        .await
        .unwrap();
    assert_eq!(verify(&db, None).await, Err(ChainBreak::Altered { seq: 3 }));
});

on_both_backends!(a_deleted_entry_is_caught, |db: Db, t: &TestDb| async move {
    five(&db).await;
    t.disable_audit_protection().await;
    t.execute_raw("DELETE FROM audit_log WHERE seq = 2")
        .await
        .unwrap();
    assert_eq!(
        verify(&db, None).await,
        Err(ChainBreak::Gap { after: 1, found: 3 })
    );
});

on_both_backends!(
    swapped_entries_are_caught,
    |db: Db, t: &TestDb| async move {
        five(&db).await;
        t.disable_audit_protection().await;
        t.execute_raw("UPDATE audit_log SET seq = -1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = -1;")
        .await
        .unwrap();
        assert_eq!(verify(&db, None).await.unwrap_err().first_bad_seq(), 2);
    }
);

on_both_backends!(
    an_inserted_entry_is_caught,
    |db: Db, t: &TestDb| async move {
        five(&db).await;
        // A forged entry appended with a plausible link to the real head but without the key.
        let head = db.audit_entries(4, 1).await.unwrap().remove(0);
        let forged = format!(
            "INSERT INTO audit_log (seq, at, action, object_type, detail, prev_hash, hash) VALUES (6, 0, 'forged', 'user', '{{}}', '{}', '{}')",
            trygg_domain::audit::to_hex(&head.hash),
            "ab".repeat(32)
        );
        t.execute_raw(&forged).await.unwrap();
        assert_eq!(verify(&db, None).await, Err(ChainBreak::Altered { seq: 6 }));
    }
);

on_both_backends!(
    a_truncated_tail_is_caught_with_a_checkpoint,
    |db: Db, t: &TestDb| async move {
        five(&db).await;
        let checkpoint = verify(&db, None).await.unwrap();
        assert_eq!(checkpoint.seq, 5);
        t.disable_audit_protection().await;
        t.execute_raw("DELETE FROM audit_log WHERE seq > 3")
            .await
            .unwrap();
        assert_eq!(
            verify(&db, None).await.unwrap().seq,
            3,
            "without a checkpoint a cut tail looks whole"
        );
        assert_eq!(
            verify(&db, Some(checkpoint)).await,
            Err(ChainBreak::Truncated {
                last: 3,
                checkpoint: 5
            })
        );
    }
);

on_both_backends!(
    concurrent_appends_keep_one_chain,
    |db: Db, _t: &TestDb| async move {
        let mut tasks = Vec::new();
        for i in 0..24 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                db.append_audit(draft(&format!("parallel_{i}")))
                    .await
                    .unwrap()
            }));
        }
        let mut seqs = Vec::new();
        for t in tasks {
            seqs.push(t.await.unwrap());
        }
        seqs.sort();
        assert_eq!(seqs, (1..=24).collect::<Vec<_>>());
        assert_eq!(verify(&db, None).await.unwrap().seq, 24);
    }
);

#[tokio::test]
async fn an_sqlite_backup_is_a_consistent_copy_that_verifies() {
    let t = TestDb::sqlite();
    let db = t.connect().await;
    five(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup.db");
    db.backup(&out).await.unwrap();
    let copy = Db::connect(&format!("sqlite://{}", out.display()), test_key())
        .await
        .unwrap();
    assert_eq!(
        verify(&copy, None).await.unwrap(),
        verify(&db, None).await.unwrap()
    );
    assert!(
        db.backup(&out).await.is_err(),
        "an existing file is not overwritten"
    );
}
