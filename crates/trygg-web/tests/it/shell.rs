//! The UI shell and the admin pages: language, forms, validation messages, OpenAPI.

use axum::http::StatusCode;
use trygg_domain::account::Role;
use trygg_store::{Store, on_both_backends};

use crate::harness::TestApp;

on_both_backends!(
    pages_are_swedish_first_and_english_on_request,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let b = app.login(Role::Samordnare).await;
        let sv = app.get("/", Some(&b)).await;
        assert!(sv.body.contains("<html lang=\"sv\">"));
        assert!(sv.body.contains("Väntar på dig"));
        assert!(sv.body.contains("Hoppa till innehållet"));
        let en = app.get("/?lang=en", Some(&b)).await;
        assert!(en.body.contains("<html lang=\"en\">"));
        assert!(en.body.contains("Waiting for you"));
        assert!(
            en.set_cookies()
                .iter()
                .any(|c| c.starts_with("trygg_lang=en")),
            "the choice is remembered"
        );
        for page in [&sv.body, &en.body] {
            assert_eq!(page.matches("<main").count(), 1);
            assert_eq!(page.matches("<h1").count(), 1);
            assert!(!page.contains("style=\""), "no inline styles under the CSP");
            assert!(
                !page.contains("<script>"),
                "no inline scripts under the CSP"
            );
        }
        let csp = sv
            .headers
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    }
);

on_both_backends!(admin_creates_a_user_who_can_sign_in, |db, _t| async move {
    let app = TestApp::new(db).await;
    let admin = app.login(Role::Admin).await;
    let police = app
        .trygg
        .db
        .organisation_by_name("Polisen, lokalpolisområde Linköping")
        .await
        .unwrap()
        .unwrap();
    let org = police.id.to_string();
    let form = |password: &'static str| {
        vec![
            ("name", "Kim Kommunpolis"),
            ("email", "kim@polisen.example"),
            ("organisation", "ORG"),
            ("roles", "rapportör"),
            ("roles", "analytiker"),
            ("password", password),
        ]
    };
    let fill = |f: Vec<(&'static str, &'static str)>| -> Vec<(String, String)> {
        f.into_iter()
            .map(|(k, v)| {
                (
                    k.to_owned(),
                    if v == "ORG" {
                        org.clone()
                    } else {
                        v.to_owned()
                    },
                )
            })
            .collect()
    };
    let short = fill(form("kort"));
    let short: Vec<(&str, &str)> = short
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = app.post("/admin/users", &admin, &short).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("Lösenordet måste ha minst 12 tecken."),
        "Swedish validation message"
    );
    assert!(
        r.body.contains("kim@polisen.example"),
        "typed values are kept"
    );
    assert!(
        app.trygg
            .db
            .user_by_email("kim@polisen.example")
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );

    let good = fill(form("ett ordentligt långt lösenord"));
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.post("/admin/users", &admin, &good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let user = app
        .trygg
        .db
        .user_by_email("kim@polisen.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.roles, vec![Role::Analytiker, Role::Rapportor]);
    let dup = app.post("/admin/users", &admin, &good).await;
    assert!(
        dup.body
            .contains("Det finns redan ett konto med den e-postadressen.")
    );

    let (_, login) = app
        .try_login("kim@polisen.example", "ett ordentligt långt lösenord")
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);

    // A reset gives a new password once and ends the user's sessions.
    let r = app
        .post(&format!("/admin/users/{}/password", user.id), &admin, &[])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (_, old) = app
        .try_login("kim@polisen.example", "ett ordentligt långt lösenord")
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
});

#[test]
fn the_committed_openapi_document_is_current() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi.json"))
        .expect("openapi.json at the repository root (regenerate: cargo run -p trygg -- openapi > openapi.json)");
    assert_eq!(
        committed,
        trygg_web::api::openapi_document(),
        "regenerate: cargo run -p trygg -- openapi > openapi.json"
    );
}

on_both_backends!(
    the_served_openapi_document_is_the_generated_one,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let r = app.get("/api/v1/openapi.json", None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, trygg_web::api::openapi_document());
        let health = app.get("/healthz", None).await;
        assert_eq!(health.status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&health.body).unwrap();
        assert_eq!(json["database"], "ok");
        assert_eq!(app.get("/readyz", None).await.status, StatusCode::OK);
    }
);
