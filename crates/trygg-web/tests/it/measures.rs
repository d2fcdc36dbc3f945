//! Measures through the JSON API, on both databases: a measure through every status
//! with its history, an illegal step refused with a stable code, and a partner without
//! the right refused.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use trygg_domain::account::Role;
use trygg_store::{Store, on_both_backends};

use crate::harness::{Browser, TestApp};

async fn api(
    app: &TestApp,
    method: Method,
    path: &str,
    b: &Browser,
    body: Value,
) -> (StatusCode, Value) {
    let req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, b.cookie_header())
        .header("x-csrf-token", &b.csrf)
        .header(header::ORIGIN, crate::harness::ORIGIN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let reply = app.send(req).await;
    (
        reply.status,
        serde_json::from_str(&reply.body).unwrap_or(Value::Null),
    )
}

on_both_backends!(
    a_measure_goes_through_every_status_by_the_api,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let coord = app.login(Role::Samordnare).await;
        let hand = app.login(Role::Handlaggare).await;
        let reporter = app.login(Role::Rapportor).await;
        let (_, me) = api(&app, Method::GET, "/api/v1/me", &hand, Value::Null).await;
        let unit = app
            .trygg
            .db
            .user_by_email(&app.logins[&Role::Handlaggare].0)
            .await
            .unwrap()
            .unwrap()
            .unit_id
            .unwrap()
            .0;
        let _ = me;
        let (status, m) = api(
            &app,
            Method::POST,
            "/api/v1/measures",
            &coord,
            json!({
                "title": "Belysning i gångtunneln", "description": "Trasiga armaturer",
                "kind": "lighting", "due_date": "2027-02-01", "cost_sek": 12500
            }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
        assert_eq!(m["status"], "proposed");
        let id = m["id"].as_i64().unwrap();
        let path = format!("/api/v1/measures/{id}/transitions");

        // Illegal from `proposed`: a stable code.
        let (status, e) = api(
            &app,
            Method::POST,
            &path,
            &coord,
            json!({"action": "confirm"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(e["error"]["code"], "illegal_transition");
        // A missing reason is a field error.
        let (status, e) = api(
            &app,
            Method::POST,
            &path,
            &coord,
            json!({"action": "reopen"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e["error"]["code"], "required");

        let steps: Vec<(&Browser, Value, &str)> = vec![
            (
                &coord,
                json!({"action": "assign", "unit_id": unit}),
                "assigned",
            ),
            (
                &hand,
                json!({"action": "refuse", "reason": "Inte vår mark"}),
                "refused",
            ),
            (
                &coord,
                json!({"action": "assign", "unit_id": unit}),
                "assigned",
            ),
            (
                &hand,
                json!({"action": "accept", "planned_date": "2027-01-31"}),
                "accepted",
            ),
            (&hand, json!({"action": "start"}), "in_progress"),
            (
                &hand,
                json!({"action": "complete", "evidence": "Nya armaturer"}),
                "done",
            ),
            (
                &coord,
                json!({"action": "send_back", "reason": "Foto saknas"}),
                "in_progress",
            ),
            (
                &hand,
                json!({"action": "complete", "evidence": "Foto bifogat"}),
                "done",
            ),
            (&coord, json!({"action": "confirm"}), "confirmed"),
            (
                &coord,
                json!({"action": "reopen", "reason": "Tunneln mörk igen"}),
                "assigned",
            ),
            (
                &hand,
                json!({"action": "not_feasible", "reason": "Kräver ny ledning"}),
                "not_feasible",
            ),
        ];
        for (who, body, want) in &steps {
            // A reporter may not answer the unit's measure.
            let (status, _) = api(&app, Method::POST, &path, &reporter, body.clone()).await;
            assert!(
                matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
                "{status}"
            );
            let (status, m) = api(&app, Method::POST, &path, who, body.clone()).await;
            assert_eq!(status, StatusCode::OK, "{body} {m}");
            assert_eq!(m["status"], *want);
        }
        let (status, m) = api(
            &app,
            Method::POST,
            &format!("/api/v1/measures/{id}/comments"),
            &hand,
            json!({"body": "Vi återkommer"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(m["comments"].as_array().unwrap().len(), 1);
        let (_, m) = api(
            &app,
            Method::GET,
            &format!("/api/v1/measures/{id}"),
            &coord,
            Value::Null,
        )
        .await;
        let history = m["history"].as_array().unwrap();
        assert_eq!(history.len(), 1 + steps.len());
        assert_eq!(history[1]["changes"]["owner_unit_id"][1], unit);
        // The list: the reporter sees the shared measure, read-only.
        let (status, list) = api(
            &app,
            Method::GET,
            "/api/v1/measures?status=not_feasible",
            &reporter,
            Value::Null,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);
        let (status, _) = api(
            &app,
            Method::POST,
            "/api/v1/measures",
            &hand,
            json!({"title": "x", "description": "y", "kind": "other"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);
