//! Sessions and login attempts.

use trygg_domain::account::Role;
use trygg_domain::time::Instant;
use trygg_store::{LoginAttempt, NewSession, Store, UserChange, on_both_backends};

use crate::directory::{org, user};
use crate::draft;

on_both_backends!(
    sessions_open_touch_and_end,
    |db: Db, _t: &TestDb| async move {
        let home = org(&db, "Kommunen", true).await;
        let id = user(&db, home, "a@b.se", vec![Role::Admin]).await;
        let new = NewSession {
            user_id: id,
            token_hash: "h1".into(),
            csrf_token: "c1".into(),
            at: Instant(10),
            ip: "127.0.0.1".into(),
            email: "a@b.se".into(),
        };
        let s = db.open_session(&new, draft("login")).await.unwrap();
        let got = db.session_by_token_hash("h1").await.unwrap().unwrap();
        assert_eq!(
            (got.id, got.user_id, got.csrf_token.as_str()),
            (s, id, "c1")
        );
        db.touch_session(s, Instant(99)).await.unwrap();
        db.touch_session(s, Instant(50)).await.unwrap(); // never moves backwards
        assert_eq!(
            db.session_by_token_hash("h1")
                .await
                .unwrap()
                .unwrap()
                .last_seen_at,
            Instant(99)
        );
        db.end_session(s, Some(draft("logout"))).await.unwrap();
        assert!(db.session_by_token_hash("h1").await.unwrap().is_none());

        // A new password ends every session of the account.
        db.open_session(
            &NewSession {
                token_hash: "h2".into(),
                ..new.clone()
            },
            draft("login"),
        )
        .await
        .unwrap();
        db.open_session(
            &NewSession {
                token_hash: "h3".into(),
                ..new
            },
            draft("login"),
        )
        .await
        .unwrap();
        db.change_user(
            id,
            &UserChange::PasswordHash("new".into()),
            draft("password_reset"),
        )
        .await
        .unwrap();
        assert!(db.session_by_token_hash("h2").await.unwrap().is_none());
        assert!(db.session_by_token_hash("h3").await.unwrap().is_none());
        assert_eq!(db.user(id).await.unwrap().unwrap().password_hash, "new");
    }
);

on_both_backends!(
    login_attempts_are_counted_per_email_and_ip,
    |db: Db, _t: &TestDb| async move {
        for (i, ip) in ["10.0.0.1", "10.0.0.1", "10.0.0.2"].iter().enumerate() {
            let at = Instant(1_000_000 * i as i64);
            db.record_failed_login(
                &LoginAttempt {
                    email: "x@y.se".into(),
                    ip: (*ip).into(),
                    at,
                },
                draft("login_failed"),
            )
            .await
            .unwrap();
        }
        db.record_failed_login(
            &LoginAttempt {
                email: "other@y.se".into(),
                ip: "10.0.0.1".into(),
                at: Instant(0),
            },
            draft("login_failed"),
        )
        .await
        .unwrap();
        assert_eq!(
            db.failed_logins_since("x@y.se", Instant(0))
                .await
                .unwrap()
                .len(),
            3
        );
        assert_eq!(
            db.failed_logins_since("x@y.se", Instant(1_000_000))
                .await
                .unwrap(),
            vec![Instant(1_000_000), Instant(2_000_000)]
        );
        assert_eq!(
            db.attempts_from_ip_since("10.0.0.1", Instant(0))
                .await
                .unwrap(),
            3
        );
        assert_eq!(
            db.attempts_from_ip_since("10.0.0.2", Instant(0))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            db.audit_entries(0, 10).await.unwrap().len(),
            4,
            "each failure is audited"
        );
    }
);
