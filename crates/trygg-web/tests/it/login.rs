//! Login, sessions, brute-force protection and CSRF, on both databases.

use axum::http::StatusCode;
use trygg_domain::account::Role;
use trygg_store::{Store, on_both_backends};

use crate::harness::{ORIGIN, TestApp};

on_both_backends!(
    login_sets_a_hardened_cookie_and_rotates_the_token,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let (email, password) = app.logins[&Role::Samordnare].clone();
        let (first, reply) = app.try_login(&email, &password).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.location(), Some("/"));
        let cookie = reply
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("__Host-trygg_session="))
            .expect("session cookie");
        for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
            assert!(cookie.contains(attr), "{attr} in {cookie}");
        }
        let (second, _) = app.try_login(&email, &password).await;
        assert_ne!(
            first.session(),
            second.session(),
            "every login gets a new token"
        );
        // Only the hash of the token is stored.
        let token = first.session().unwrap();
        assert!(
            app.trygg
                .db
                .session_by_token_hash(token)
                .await
                .unwrap()
                .is_none()
        );
    }
);

on_both_backends!(logout_ends_the_session_on_the_server, |db, _t| async move {
    let app = TestApp::new(db).await;
    let b = app.login(Role::Analytiker).await;
    let out = app.post("/logout", &b, &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // The old cookie, replayed, no longer works.
    let again = app.get("/", Some(&b)).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert!(again.location().unwrap().starts_with("/login"));
    let entries = app.trygg.db.audit_entries(0, 1000).await.unwrap();
    assert!(entries.iter().any(|e| e.draft.action == "logout"));
    assert!(entries.iter().any(|e| e.draft.action == "login"));
});

on_both_backends!(sessions_expire_after_30_idle_minutes, |db, _t| async move {
    let app = TestApp::new(db).await;
    let b = app.login(Role::Rapportor).await;
    app.clock.advance_secs(29 * 60);
    assert_eq!(
        app.get("/", Some(&b)).await.status,
        StatusCode::OK,
        "29 idle minutes are fine"
    );
    app.clock.advance_secs(29 * 60);
    assert_eq!(
        app.get("/", Some(&b)).await.status,
        StatusCode::OK,
        "the last request reset the idle timer"
    );
    app.clock.advance_secs(30 * 60);
    assert_eq!(
        app.get("/", Some(&b)).await.status,
        StatusCode::SEE_OTHER,
        "30 idle minutes end it"
    );
    app.clock.advance_secs(-60 * 60);
    assert_eq!(
        app.get("/", Some(&b)).await.status,
        StatusCode::SEE_OTHER,
        "an ended session stays ended"
    );
});

on_both_backends!(
    sessions_end_after_12_hours_however_busy,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let b = app.login(Role::Handlaggare).await;
        // Busy all day: a request every 20 minutes.
        for _ in 0..(12 * 3 - 1) {
            app.clock.advance_secs(20 * 60);
            assert_eq!(app.get("/", Some(&b)).await.status, StatusCode::OK);
        }
        app.clock.advance_secs(20 * 60);
        assert_eq!(
            app.get("/", Some(&b)).await.status,
            StatusCode::SEE_OTHER,
            "12 hours after login it ends"
        );
    }
);

on_both_backends!(
    an_unknown_email_is_answered_like_a_wrong_password,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let (email, _) = app.logins[&Role::Admin].clone();
        let (_, wrong) = app.try_login(&email, "fel lösenord, helt fel").await;
        let (_, unknown) = app
            .try_login("ingen.alls@linkoping.example", "fel lösenord, helt fel")
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(unknown.status, wrong.status);
        for r in [&wrong, &unknown] {
            assert!(r.body.contains("Fel e-postadress eller lösenord."));
            assert!(r.set_cookies().iter().all(|c| !c.contains("trygg_session")));
        }
        // Throttling after repeated failures treats both alike too.
        for _ in 0..4 {
            app.try_login(&email, "fel lösenord, helt fel").await;
            app.try_login("ingen.alls@linkoping.example", "fel lösenord, helt fel")
                .await;
        }
        let (_, w) = app.try_login(&email, "fel lösenord, helt fel").await;
        let (_, u) = app
            .try_login("ingen.alls@linkoping.example", "fel lösenord, helt fel")
            .await;
        assert_eq!(w.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(u.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(w.headers.get("retry-after"), u.headers.get("retry-after"));
    }
);

on_both_backends!(
    attempt_101_in_an_hour_is_refused_even_with_the_right_password,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let (email, password) = app.logins[&Role::Samordnare].clone();
        let mut failures = 0;
        let mut throttled = 0;
        while failures < 100 {
            let (_, r) = app.try_login(&email, "fel lösenord, helt fel").await;
            match r.status {
                StatusCode::UNAUTHORIZED => failures += 1,
                StatusCode::TOO_MANY_REQUESTS => {
                    // Throttled attempts count as failures too; wait as told.
                    failures += 1;
                    throttled += 1;
                    let wait: i64 = r
                        .headers
                        .get("retry-after")
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .parse()
                        .unwrap();
                    assert!((1..=30).contains(&wait), "the delay is capped: {wait}");
                    app.clock.advance_secs(wait);
                }
                other => panic!("unexpected {other}"),
            }
        }
        assert!(throttled > 0, "the growing delay was applied");
        let (_, locked) = app.try_login(&email, &password).await;
        assert_eq!(
            locked.status,
            StatusCode::TOO_MANY_REQUESTS,
            "attempt 101 with the right password"
        );
        assert!(locked.body.contains("spärrad"), "{}", locked.body);
        // An hour after the failures the account opens again.
        app.clock.advance_secs(3600);
        let (_, ok) = app.try_login(&email, &password).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let failed = app
            .trygg
            .db
            .audit_entries(0, 10_000)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.draft.action == "login_failed")
            .count();
        assert!(failed >= 101, "every failed attempt is audited: {failed}");
    }
);

on_both_backends!(one_address_may_only_try_so_often, |db, _t| async move {
    let app = TestApp::new(db).await;
    let limit = app.trygg.settings.login_attempts_per_ip;
    for i in 0..limit {
        // Different e-mails, so no per-account delay interferes.
        let (_, r) = app
            .try_login(&format!("gissning{i}@example.se"), "fel lösenord, helt fel")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let (email, password) = app.logins[&Role::Admin].clone();
    let (_, r) = app.try_login(&email, &password).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    app.clock.advance_secs(601);
    let (_, r) = app.try_login(&email, &password).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "ten minutes later the address may try again"
    );
});

on_both_backends!(
    unsafe_requests_need_our_origin_and_the_token,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let admin = app.login(Role::Admin).await;
        let fields = [("name", "Ny partner AB"), ("kind", "övrig")];
        let mut with_token = vec![("csrf_token", admin.csrf.as_str())];
        with_token.extend_from_slice(&fields);
        let r = app
            .post_raw("/admin/organisations", Some(&admin), &fields, Some(ORIGIN))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no token");
        let r = app
            .post_raw(
                "/admin/organisations",
                Some(&admin),
                &with_token,
                Some("https://evil.example"),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "foreign origin");
        let mut wrong = vec![("csrf_token", "0".repeat(64))];
        wrong.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app
            .post_raw("/admin/organisations", Some(&admin), &wrong, Some(ORIGIN))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "wrong token");
        assert!(
            app.trygg
                .db
                .organisation_by_name("Ny partner AB")
                .await
                .unwrap()
                .is_none(),
            "nothing was written"
        );
        let r = app
            .post_raw(
                "/admin/organisations",
                Some(&admin),
                &with_token,
                Some(ORIGIN),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(
            app.trygg
                .db
                .organisation_by_name("Ny partner AB")
                .await
                .unwrap()
                .is_some()
        );
        // The login form is protected as well (login CSRF).
        let r = app
            .post_raw(
                "/login",
                None,
                &[("email", "a@b.se"), ("password", "x")],
                Some(ORIGIN),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    a_disabled_user_is_signed_out_and_cannot_sign_in,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let admin = app.login(Role::Admin).await;
        let reader = app.login(Role::Lasare).await;
        let (email, password) = app.logins[&Role::Lasare].clone();
        let id = app
            .trygg
            .db
            .user_by_email(&email)
            .await
            .unwrap()
            .unwrap()
            .id;
        let r = app
            .post(&format!("/admin/users/{id}/disable"), &admin, &[])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/", Some(&reader)).await.status,
            StatusCode::SEE_OTHER
        );
        let (_, r) = app.try_login(&email, &password).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "answered like a wrong password"
        );
        // Admins cannot lock themselves out.
        let me = app
            .trygg
            .db
            .user_by_email(&app.logins[&Role::Admin].0)
            .await
            .unwrap()
            .unwrap()
            .id;
        let r = app
            .post(&format!("/admin/users/{me}/disable"), &admin, &[])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Du kan inte inaktivera ditt eget konto."));
    }
);
