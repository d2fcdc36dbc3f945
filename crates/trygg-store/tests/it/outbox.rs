//! The e-mail outbox under two instances: each holds its own connection pool to the same
//! database (as two `trygg serve` processes do) and they race. Scheduling the same
//! reminder from both stores it once (the unique `dedupe_key` and `ON CONFLICT DO
//! NOTHING`), and claiming from both hands every row to exactly one of them.

use std::collections::HashSet;

use trygg_domain::time::Instant;
use trygg_store::measure::{MeasureStore, NewEmail};
use trygg_store::on_both_backends;

const NOW: i64 = 1_790_000_000_000_000;

fn reminder(key: &str) -> NewEmail {
    NewEmail {
        dedupe_key: Some(key.into()),
        kind: "overdue".into(),
        measure_id: None,
        recipients: vec!["handlaggare@linkoping.example".into()],
        subject: "Försenad åtgärd".into(),
        body: format!("{key}\n"),
        at: Instant::from_micros(NOW),
    }
}

on_both_backends!(
    a_reminder_scheduled_by_two_instances_at_once_is_stored_once,
    |db, t| async move {
        let other = t.connect().await;
        // The same ten reminders (one batch, as `schedule_measure_reminders` writes),
        // from both instances at the same moment, several rounds over.
        let batch: Vec<NewEmail> = (0..10)
            .map(|i| reminder(&format!("overdue:{i}:2026-11-20")))
            .collect();
        let mut added = 0;
        for _ in 0..5 {
            let (a, b) = tokio::join!(db.enqueue_emails(&batch), other.enqueue_emails(&batch));
            added += a.unwrap() + b.unwrap();
        }
        assert_eq!(added, 10, "each reminder counted new once");
        let stored = db.outbox(1000).await.unwrap();
        assert_eq!(stored.len(), 10);
        let keys: HashSet<_> = stored.iter().map(|e| e.dedupe_key.clone()).collect();
        assert_eq!(keys.len(), 10);
        // Notifications without a key (assignments) are never merged.
        let mut plain = reminder("x");
        plain.dedupe_key = None;
        let (a, b) = tokio::join!(
            db.enqueue_emails(std::slice::from_ref(&plain)),
            other.enqueue_emails(std::slice::from_ref(&plain))
        );
        assert_eq!(a.unwrap() + b.unwrap(), 2);
    }
);

on_both_backends!(
    two_instances_claiming_at_once_never_take_the_same_row,
    |db, t| async move {
        let other = t.connect().await;
        let emails: Vec<NewEmail> = (0..40).map(|i| reminder(&format!("k{i}"))).collect();
        assert_eq!(db.enqueue_emails(&emails).await.unwrap(), 40);
        let now = Instant::from_micros(NOW);
        let lease = now.plus_seconds(300);
        let mut seen = HashSet::new();
        let mut by = [0, 0];
        loop {
            let (a, b) = tokio::join!(
                db.claim_emails("instance-a", now, lease, 3),
                other.claim_emails("instance-b", now, lease, 3)
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            if a.is_empty() && b.is_empty() {
                break;
            }
            by[0] += a.len();
            by[1] += b.len();
            for (e, worker, store) in a
                .iter()
                .map(|e| (e, "instance-a", &db))
                .chain(b.iter().map(|e| (e, "instance-b", &other)))
            {
                assert!(seen.insert(e.id), "row {} claimed twice", e.id);
                assert_eq!(e.attempts, 1);
                assert!(store.email_sent(e.id, worker, now).await.unwrap());
            }
        }
        assert_eq!(seen.len(), 40, "every row claimed once: {by:?}");
        // A row one instance holds is not the other's to mark.
        db.enqueue_emails(&[reminder("late")]).await.unwrap();
        let held = db.claim_emails("instance-a", now, lease, 10).await.unwrap();
        assert_eq!(held.len(), 1);
        assert!(
            other
                .claim_emails("instance-b", now, lease, 10)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            !other
                .email_sent(held[0].id, "instance-b", now)
                .await
                .unwrap()
        );
        assert!(db.email_sent(held[0].id, "instance-a", now).await.unwrap());
        let all = db.outbox(1000).await.unwrap();
        assert!(all.iter().all(|e| e.sent_at.is_some() && e.attempts == 1));
    }
);
