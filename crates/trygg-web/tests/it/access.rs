//! The access table, route by route: every route of `routes::rules()` is called by every
//! role and by an anonymous visitor, and the answer must match the policy table — the
//! wrong role is refused (403), the anonymous visitor is sent to login (pages) or gets
//! 401 (API), and the right roles get through. A route added without thinking about
//! access shows up here.

use axum::http::{Method, StatusCode};
use trygg_core::accounts::UserInput;
use trygg_core::{Caller, RequestMeta};
use trygg_domain::account::Role;
use trygg_domain::policy;
use trygg_store::{Store, on_both_backends};
use trygg_web::routes::{Access, rules};

use crate::harness::{Browser, TestApp};

on_both_backends!(
    every_route_answers_every_role_as_the_policy_says,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let home = app.trygg.db.home_organisation().await.unwrap().unwrap();
        // A separate account for the user routes, so disabling it or resetting its
        // password does not sign out the people making the requests.
        let target = app
            .trygg
            .create_user(
                &Caller::System,
                &RequestMeta::cli(),
                UserInput {
                    email: "mal@linkoping.example".into(),
                    name: "Målkonto".into(),
                    organisation_id: home.id,
                    unit_id: None,
                    roles: vec![Role::Lasare],
                    password: "ett långt testlösenord".into(),
                },
            )
            .await
            .unwrap();

        let mut sessions: Vec<(Role, Browser)> = Vec::new();
        for role in Role::ALL {
            sessions.push((role, app.login(role).await));
        }
        // Incident 1 and report 1 exist, shared with the partners, so routes with an
        // `{id}` reach their handler for the roles that are allowed.
        let reporter = app
            .trygg
            .authenticate(&{
                let (email, password) = app.logins[&Role::Rapportor].clone();
                app.trygg
                    .login(&email, &password, &RequestMeta::cli())
                    .await
                    .unwrap()
                    .token
            })
            .await
            .unwrap();
        let filed = app
            .trygg
            .file_report(
                &Caller::User(Box::new(reporter)),
                &RequestMeta::cli(),
                vec![trygg_core::incidents::IncidentInput {
                    category: "klotter".into(),
                    description: "Klotter på gångtunneln".into(),
                    occurred_at: "2026-09-12 22:30".into(),
                    place: trygg_core::incidents::WhereInput {
                        text: Some("Gångtunneln vid Resecentrum".into()),
                        ..Default::default()
                    },
                    ..Default::default()
                }],
                None,
            )
            .await
            .map_err(|_| "filing failed")
            .unwrap();
        assert_eq!(filed.report.0, 1);
        let path_of = |pattern: &str| {
            pattern
                .replace(
                    "/admin/organisations/{id}",
                    &format!("/admin/organisations/{}", home.id),
                )
                .replace("/admin/users/{id}", &format!("/admin/users/{target}"))
                .replace("{id}", "1")
                .replace("{photo}", "1")
                .replace("{*name}", "app.css")
        };

        let mut checked = 0;
        for rule in rules() {
            let path = path_of(rule.path);
            let is_api = path.starts_with("/api/");
            // Anonymous.
            let anon = match rule.method {
                Method::GET => app.get(&path, None).await,
                _ => {
                    let b = app.anonymous().await;
                    app.call(&rule.method, &path, &b).await
                }
            };
            match rule.access {
                // (POST /login with an empty form is a failed login, 401, not a refusal.)
                Access::Public => assert!(
                    anon.status != StatusCode::FORBIDDEN,
                    "{} {path} is public but refused anonymous: {}",
                    rule.method,
                    anon.status
                ),
                Access::Signed(_) if is_api => assert_eq!(
                    anon.status,
                    StatusCode::UNAUTHORIZED,
                    "{} {path} anonymous",
                    rule.method
                ),
                Access::Signed(_) => {
                    assert_eq!(
                        anon.status,
                        StatusCode::SEE_OTHER,
                        "{} {path} anonymous",
                        rule.method
                    );
                    assert!(
                        anon.location().unwrap().starts_with("/login?next="),
                        "{} {path}",
                        rule.method
                    );
                }
            }
            checked += 1;
            // Every role.
            for (role, browser) in sessions.iter_mut() {
                let reply = app.call(&rule.method, &path, browser).await;
                let allowed = match rule.access {
                    Access::Public => true,
                    Access::Signed(action) => policy::allows(&[*role], action),
                };
                if allowed {
                    let refused = reply.status == StatusCode::FORBIDDEN
                        || (reply.status == StatusCode::UNAUTHORIZED
                            && rule.access != Access::Public);
                    assert!(
                        !refused,
                        "{} {path} should be allowed for {}: {}",
                        rule.method,
                        role.code(),
                        reply.status
                    );
                    assert!(
                        !reply
                            .location()
                            .is_some_and(|l| l.starts_with("/login?next=")),
                        "{} {path}: {} was sent to login",
                        rule.method,
                        role.code()
                    );
                } else {
                    assert_eq!(
                        reply.status,
                        StatusCode::FORBIDDEN,
                        "{} {path} must be refused for {}",
                        rule.method,
                        role.code()
                    );
                }
                checked += 1;
                if rule.path == "/logout" && allowed {
                    *browser = app.login(*role).await;
                }
            }
        }
        assert_eq!(checked, rules().len() * (Role::ALL.len() + 1));
    }
);

on_both_backends!(
    a_path_without_a_route_is_a_swedish_404_page,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let admin = app.login(Role::Admin).await;
        let reply = app.get("/finns-inte", Some(&admin)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        assert!(reply.body.contains("Sidan finns inte"), "{}", reply.body);
        let id = reply.headers.get("x-request-id").unwrap().to_str().unwrap();
        assert!(reply.body.contains(id), "the page shows the request id");
        let api = app.get("/api/v1/finns-inte", Some(&admin)).await;
        assert_eq!(api.status, StatusCode::NOT_FOUND);
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json["error"]["code"], "not_found");
    }
);

on_both_backends!(api_errors_carry_a_stable_code, |db, _t| async move {
    let app = TestApp::new(db).await;
    let reader = app.login(Role::Lasare).await;
    let reply = app.get("/api/v1/users", Some(&reader)).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(json["error"]["code"], "forbidden");
    assert!(
        json["error"]["request_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    let me = app.get("/api/v1/me", Some(&reader)).await;
    let json: serde_json::Value = serde_json::from_str(&me.body).unwrap();
    assert_eq!(json["roles"][0], "läsare");
    assert!(
        !me.body.contains("argon2"),
        "no password hash leaves the server"
    );
});
