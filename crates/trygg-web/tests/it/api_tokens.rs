//! Per-organisation API tokens, on both databases: created on the admin page and shown
//! once, stored only as a hash, reading exactly what the organisation may, filing
//! reports idempotently without cookies or CSRF, refused beyond their scopes (403) and
//! once revoked, expired or unknown (401), accepted on `/api/` only, and named in the
//! audit log.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use trygg_domain::account::Role;
use trygg_store::on_both_backends;

use crate::harness::{Browser, TestApp};

async fn app(db: trygg_store::Db) -> TestApp {
    let app = TestApp::new(db).await;
    app.trygg.ensure_default_categories().await.unwrap();
    app
}

/// A JSON API call as a signed-in browser (cookie + CSRF header).
pub async fn session_call(
    app: &TestApp,
    method: Method,
    path: &str,
    b: &Browser,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, b.cookie_header())
        .header("x-csrf-token", &b.csrf)
        .header(header::CONTENT_TYPE, "application/json");
    let reply = app
        .send(
            req.body(body.map_or_else(Body::empty, |v| Body::from(v.to_string())))
                .unwrap(),
        )
        .await;
    (
        reply.status,
        serde_json::from_str(&reply.body).unwrap_or(Value::Null),
    )
}

/// A call as an integration: the bearer token only, no cookie, no CSRF header.
async fn token_call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    key: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let req = match body {
        Some(v) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap();
    let reply = app.send(req).await;
    (
        reply.status,
        serde_json::from_str(&reply.body).unwrap_or(Value::Null),
    )
}

/// One incident of a JSON report.
pub fn incident(category: &str, description: &str, sharing: &str) -> Value {
    json!({
        "category": category,
        "description": description,
        "occurred_at": "2027-01-14 22:30",
        "lat": 58.41611, "lon": 15.62583,
        "creates_insecurity": true,
        "sharing": sharing,
    })
}

/// The id of the organisation with this name.
async fn org_id(app: &TestApp, name: &str) -> i64 {
    use trygg_store::Store;
    app.trygg
        .db
        .organisation_by_name(name)
        .await
        .unwrap()
        .unwrap()
        .id
        .0
}

/// Creates a token on the admin page; returns the token as shown (once).
async fn create_token(
    app: &TestApp,
    admin: &Browser,
    org: i64,
    name: &str,
    scopes: &[&str],
    expires: &str,
) -> String {
    let org = org.to_string();
    let mut fields = vec![
        ("organisation", org.as_str()),
        ("name", name),
        ("expires", expires),
    ];
    fields.extend(scopes.iter().map(|s| ("scopes", *s)));
    let page = app.post("/admin/api-tokens", admin, &fields).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = page
        .body
        .split("value=\"trygg_")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|hex| format!("trygg_{hex}"))
        .expect("the token is shown on the answer page");
    assert_eq!(token.len(), 6 + 64, "{token}");
    // Shown this once: the list shows only its first characters.
    let list = app.get("/admin/api-tokens", Some(admin)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(name));
    assert!(list.body.contains(&token[..14]));
    assert!(!list.body.contains(&token), "the list never shows a token");
    token
}

on_both_backends!(
    tokens_read_their_organisation_and_shared_incidents_and_file_idempotently,
    |db, t| async move {
        let app = app(db).await;
        let reporter = app.login(Role::Rapportor).await; // AB Stångåstaden
        let (status, filed) = session_call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            &reporter,
            Some(json!({ "incidents": [
                incident("klotter", "Hemligt klotter i trapphus 4", "own"),
                incident("klotter", "Delat klotter vid busshållplatsen", "partners"),
            ]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{filed}");
        let id_of = |sharing: &str| {
            filed["incidents"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["sharing"] == sharing)
                .and_then(|i| i["id"].as_i64())
                .unwrap()
        };
        let (own, shared) = (id_of("own"), id_of("partners"));

        let admin = app.login(Role::Admin).await;
        let police = org_id(&app, "Polisen, lokalpolisområde Linköping").await;
        let stangastaden = org_id(&app, "AB Stångåstaden").await;
        let police_read = create_token(
            &app,
            &admin,
            police,
            "Polisens lägesbild",
            &["incidents:read"],
            "",
        )
        .await;

        // Not stored in clear: the hash finds the row, the token's secret part is in no
        // column, and no audit entry holds it.
        let hash = trygg_core::secret::token_hash(&police_read);
        let secret = &police_read[14..];
        let found = |sql: String| async move { t.execute_raw(&sql).await.unwrap() };
        assert_eq!(
            found(format!(
                "UPDATE api_tokens SET name = name WHERE token_hash = '{hash}'"
            ))
            .await,
            1
        );
        assert_eq!(
            found(format!(
                "UPDATE api_tokens SET name = name WHERE token_hash LIKE '%{secret}%' OR prefix LIKE '%{secret}%' \
                 OR name LIKE '%{secret}%' OR scopes LIKE '%{secret}%'"
            ))
            .await,
            0
        );
        assert_eq!(
            found("UPDATE api_tokens SET name = name WHERE length(prefix) = 14".into()).await,
            1
        );
        {
            use trygg_store::Store;
            let entries = app.trygg.db.audit_entries(0, 10_000).await.unwrap();
            assert!(entries.iter().all(|e| !e.draft.detail.contains(secret)));
            assert!(
                entries
                    .iter()
                    .any(|e| e.draft.action == "api_token_created")
            );
        }

        // The police's token: the shared incident, not Stångåstaden's own one.
        let (status, list) = token_call(
            &app,
            Method::GET,
            "/api/v1/incidents",
            &police_read,
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{list}");
        let ids: Vec<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        assert!(ids.contains(&shared) && !ids.contains(&own), "{ids:?}");
        let (status, _) = token_call(
            &app,
            Method::GET,
            &format!("/api/v1/incidents/{own}"),
            &police_read,
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, map) = token_call(
            &app,
            Method::GET,
            "/api/v1/incidents.geojson",
            &police_read,
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            map["features"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["properties"]["id"] != own)
        );

        // Beyond its scopes: 403 with a stable code, and nothing written.
        let (status, err) = token_call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            &police_read,
            Some(json!({ "incidents": [incident("klotter", "Läsnyckeln skriver", "partners")] })),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{err}");
        assert_eq!(err["error"]["code"], "insufficient_scope");
        for path in [
            "/api/v1/incidents/export.csv",
            "/api/v1/me",
            "/api/v1/users",
        ] {
            let (status, err) = token_call(&app, Method::GET, path, &police_read, None, None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
            assert_eq!(err["error"]["code"], "insufficient_scope", "{path}");
        }
        let (status, _) = token_call(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{shared}/review"),
            &police_read,
            Some(json!({ "decision": "accept" })),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "no scope reviews");

        // Stångåstaden's integration: reads its own incident, files with a key, once.
        let writer = create_token(
            &app,
            &admin,
            stangastaden,
            "Fastighetssystemet",
            &["incidents:read", "incidents:write"],
            "",
        )
        .await;
        let (status, mine) = token_call(
            &app,
            Method::GET,
            &format!("/api/v1/incidents/{own}"),
            &writer,
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{mine}");
        assert_eq!(mine["description"], "Hemligt klotter i trapphus 4");
        let body = json!({ "incidents": [incident("nedskräpning", "Grovsopor i cykelrummet", "partners")] });
        let (first_status, first) = token_call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            &writer,
            Some(body.clone()),
            Some("vitec-4711"),
        )
        .await;
        assert_eq!(first_status, StatusCode::CREATED, "{first}");
        assert_eq!(
            first["incidents"][0]["organisation_name"],
            "AB Stångåstaden"
        );
        assert_eq!(first["incidents"][0]["source"], "api");
        let (again_status, again) = token_call(
            &app,
            Method::POST,
            "/api/v1/incidents",
            &writer,
            Some(body.clone()),
            Some("vitec-4711"),
        )
        .await;
        assert_eq!(
            again_status,
            StatusCode::OK,
            "a retry files nothing: {again}"
        );
        assert_eq!(again["report_id"], first["report_id"]);
        assert_eq!(again["created"], false);
        let (_, all) = token_call(
            &app,
            Method::GET,
            "/api/v1/incidents?q=Grovsopor",
            &writer,
            None,
            None,
        )
        .await;
        assert_eq!(all["total"], 1, "one incident despite the retry");
        {
            use trygg_store::Store;
            let entries = app.trygg.db.audit_entries(0, 10_000).await.unwrap();
            let filed: Vec<_> = entries
                .iter()
                .filter(|e| e.draft.action == "report_filed")
                .collect();
            let last = filed.last().unwrap();
            let detail: Value = serde_json::from_str(&last.draft.detail).unwrap();
            assert_eq!(
                detail["api_token"]["name"], "Fastighetssystemet",
                "{detail}"
            );
            assert_eq!(detail["api_token"]["prefix"], &writer[..14]);
            assert_eq!(last.draft.actor_user_id, None);
            assert_eq!(last.draft.actor_org_id, Some(stangastaden));
        }

        // A bearer token opens nothing outside /api/: the page asks for a login.
        let req = Request::builder()
            .uri("/incidenter")
            .header(header::AUTHORIZATION, format!("Bearer {writer}"))
            .body(Body::empty())
            .unwrap();
        let page = app.send(req).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert!(page.location().unwrap().starts_with("/login"));

        // Revoked, unknown and expired tokens: 401 invalid_token.
        let list = app.get("/admin/api-tokens", Some(&admin)).await;
        let id = list
            .body
            .split("/admin/api-tokens/")
            .skip(1)
            .filter_map(|rest| rest.split('/').next()?.parse::<i64>().ok())
            .max()
            .unwrap();
        let revoked = app
            .post(&format!("/admin/api-tokens/{id}/revoke"), &admin, &[])
            .await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        let list = app.get("/admin/api-tokens", Some(&admin)).await;
        assert!(list.body.contains("Återkallad"));
        let (status, err) =
            token_call(&app, Method::GET, "/api/v1/incidents", &writer, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(err["error"]["code"], "invalid_token");
        let unknown = format!("trygg_{}", "0".repeat(64));
        for bad in [unknown.as_str(), "nonsense"] {
            let (status, err) =
                token_call(&app, Method::GET, "/api/v1/incidents", bad, None, None).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}");
            assert_eq!(err["error"]["code"], "invalid_token");
        }
        // The police's token still works: revoking is per token.
        let (status, _) = token_call(
            &app,
            Method::GET,
            "/api/v1/incidents",
            &police_read,
            None,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        let short = create_token(
            &app,
            &admin,
            police,
            "Provkörning",
            &["incidents:read"],
            "2027-01-20",
        )
        .await;
        let (status, _) = token_call(&app, Method::GET, "/api/v1/areas", &short, None, None).await;
        assert_eq!(status, StatusCode::OK, "valid until its last day");
        app.clock.advance_secs(30 * 24 * 3600);
        let (status, err) =
            token_call(&app, Method::GET, "/api/v1/incidents", &short, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(err["error"]["code"], "invalid_token");
    }
);

on_both_backends!(only_admins_manage_tokens, |db, _t| async move {
    let app = app(db).await;
    let admin = app.login(Role::Admin).await;
    // A bad form: Swedish field errors, nothing created.
    let page = app
        .post(
            "/admin/api-tokens",
            &admin,
            &[("organisation", "1"), ("name", "Utan behörighet")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("Välj minst en behörighet."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Det finns inga API-nycklar än."));
    for role in [Role::Samordnare, Role::Analytiker, Role::Rapportor] {
        let b = app.login(role).await;
        let list = app.get("/admin/api-tokens", Some(&b)).await;
        assert_eq!(list.status, StatusCode::FORBIDDEN, "{role:?}");
        let create = app
            .post(
                "/admin/api-tokens",
                &b,
                &[
                    ("organisation", "1"),
                    ("name", "Smuggel"),
                    ("scopes", "incidents:read"),
                ],
            )
            .await;
        assert_eq!(create.status, StatusCode::FORBIDDEN, "{role:?}");
        assert!(!create.body.contains("trygg_"));
    }
    let list = app.get("/admin/api-tokens", Some(&admin)).await;
    assert!(!list.body.contains("Smuggel"));
});
