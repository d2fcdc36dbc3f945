//! Measures through the JSON API, on both databases: a measure through every status
//! with its history, an illegal step refused with a stable code, and a partner without
//! the right refused.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use trygg_domain::account::Role;
use trygg_store::{MeasureStore, Store, on_both_backends};

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

/// A small JPEG, as a phone would send it (the page cleans it).
fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 3) as u8, (y * 4) as u8, 90])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&img)
        .unwrap();
    out
}

const BOUNDARY: &str = "----trygg-measure-boundary-x7Q";

/// The evidence form as a browser sends it: the CSRF token first, then the phase and
/// the photo.
async fn post_evidence(
    app: &TestApp,
    path: &str,
    b: &Browser,
    phase: &str,
    photo: &[u8],
) -> crate::harness::Reply {
    let mut body = Vec::new();
    for (name, value) in [("csrf_token", b.csrf.as_str()), ("phase", phase)] {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"efter.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(photo);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header(header::ORIGIN, crate::harness::ORIGIN)
        .header(header::COOKIE, b.cookie_header())
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

fn measure_id(location: &str) -> i64 {
    location
        .trim_start_matches("/measures/")
        .split(['?', '#'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

on_both_backends!(
    a_measure_goes_through_every_status_by_the_pages,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let coord = app.login(Role::Samordnare).await;
        let hand = app.login(Role::Handlaggare).await;
        let reporter = app.login(Role::Rapportor).await;
        let reader = app.login(Role::Lasare).await;
        let unit = app
            .trygg
            .db
            .user_by_email(&app.logins[&Role::Handlaggare].0)
            .await
            .unwrap()
            .unwrap()
            .unit_id
            .unwrap()
            .0
            .to_string();

        // A form with an error keeps what was typed and says what is wrong, in Swedish.
        let page = app.get("/measures/new", Some(&coord)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("name=\"cost_sek\""));
        let bad = app
            .post(
                "/measures",
                &coord,
                &[
                    ("title", ""),
                    ("description", "Mörk gångtunnel"),
                    ("kind", "lighting"),
                    ("cost_sek", "12 500 kr"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Fältet måste fyllas i."), "{}", bad.body);
        assert!(bad.body.contains("Mörk gångtunnel"));
        assert!(bad.body.contains("value=\"12 500 kr\""));
        let bad = app
            .post(
                "/measures",
                &coord,
                &[
                    ("title", "Belysning"),
                    ("description", "Mörk"),
                    ("kind", "lighting"),
                    ("cost_sek", "tolv"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("Ange kostnaden i hela kronor"),
            "{}",
            bad.body
        );

        let made = app
            .post(
                "/measures",
                &coord,
                &[
                    ("title", "Belysning i gångtunneln vid Resecentrum"),
                    ("description", "Tre armaturer är trasiga."),
                    ("kind", "lighting"),
                    ("due_date", "2027-03-01"),
                    ("cost_sek", "12 500"),
                    ("sharing", "partners"),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let id = measure_id(made.location().unwrap());
        let page = format!("/measures/{id}");
        let step = |b: &Browser, fields: Vec<(&'static str, String)>| {
            let app = &app;
            let path = format!("{page}/transition");
            let b = b.clone();
            async move {
                let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.post(&path, &b, &f).await
            }
        };
        let status_of = |body: &str| {
            let start =
                body.find("id=\"measure-status\">").unwrap() + "id=\"measure-status\">".len();
            body[start..].split('<').next().unwrap().to_owned()
        };

        // Only the commands the caller may give are offered.
        let view = app.get(&page, Some(&coord)).await;
        assert_eq!(status_of(&view.body), "Föreslagen");
        assert!(view.body.contains("value=\"assign\""));
        assert!(!view.body.contains("value=\"accept\""));
        let seen = app.get(&page, Some(&reporter)).await;
        assert_eq!(seen.status, StatusCode::OK);
        assert!(
            !seen.body.contains("/transition"),
            "a reporter gets no workflow forms"
        );

        let r = step(
            &coord,
            vec![("action", "assign".into()), ("unit_id", unit.clone())],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        // A refusal without a reason is refused, beside its form, in Swedish.
        let r = step(
            &hand,
            vec![("action", "refuse".into()), ("reason", " ".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("id=\"refuse-error\""), "{}", r.body);
        let r = step(
            &hand,
            vec![
                ("action", "refuse".into()),
                ("reason", "Marken är inte vår.".into()),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let view = app.get(&page, Some(&hand)).await;
        assert_eq!(status_of(&view.body), "Avböjd");
        assert!(view.body.contains("Marken är inte vår."));
        // The wrong party is refused: a unit cannot confirm, nor a reporter act.
        let r = step(
            &hand,
            vec![
                ("action", "reopen".into()),
                ("reason", "Ny bedömning".into()),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = step(
            &reporter,
            vec![("action", "reopen".into()), ("reason", "x".into())],
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // An illegal step is answered on the page, not with a crash.
        let r = step(&coord, vec![("action", "confirm".into())]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Det steget går inte"), "{}", r.body);

        for (b, fields, want) in [
            (
                &coord,
                vec![
                    ("action", "reopen".into()),
                    ("reason", "Marken är kommunens efter kontroll.".into()),
                ],
                "Tilldelad",
            ),
            (
                &hand,
                vec![
                    ("action", "accept".into()),
                    ("planned_date", "2027-02-15".into()),
                ],
                "Accepterad",
            ),
            (&hand, vec![("action", "start".into())], "Pågår"),
        ] {
            let r = step(b, fields).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
            assert_eq!(status_of(&app.get(&page, Some(b)).await.body), want);
        }
        let r = app
            .post(
                &format!("{page}/progress"),
                &hand,
                &[("note", "Armaturerna är beställda.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = post_evidence(&app, &format!("{page}/evidence"), &hand, "after", &jpeg()).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let r = step(
            &hand,
            vec![
                ("action", "complete".into()),
                ("evidence", "Tre nya LED-armaturer.".into()),
            ],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = app
            .post(
                &format!("{page}/comments"),
                &coord,
                &[("body", "Tack, ser bra ut.")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = step(&coord, vec![("action", "confirm".into())]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let view = app.get(&page, Some(&reader)).await;
        assert_eq!(status_of(&view.body), "Bekräftad utförd");
        assert!(view.body.contains("Tack, ser bra ut."));
        assert!(view.body.contains("Tre nya LED-armaturer."));

        // The history keeps every step.
        let history = app
            .trygg
            .db
            .measure_history(trygg_domain::measure::MeasureId(id))
            .await
            .unwrap();
        let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "created", "assign", "refuse", "reopen", "accept", "start", "progress", "evidence",
                "complete", "confirm"
            ]
        );

        // The photo: to those who may read the measure, every read audited.
        let photos = app
            .trygg
            .db
            .measure_evidence(trygg_domain::measure::MeasureId(id))
            .await
            .unwrap();
        assert_eq!(photos.len(), 1);
        assert_eq!(photos[0].phase, "after");
        let src = format!("{page}/evidence/{}", photos[0].id);
        assert!(view.body.contains(&src));
        let before = app.trygg.db.audit_entries(0, 100_000).await.unwrap().len();
        let photo = app.get(&src, Some(&reader)).await;
        assert_eq!(photo.status, StatusCode::OK);
        assert_eq!(photo.headers[header::CONTENT_TYPE], "image/jpeg");
        assert_eq!(photo.headers[header::CACHE_CONTROL], "private, no-store");
        let thumb = app.get(&format!("{src}?thumb=1"), Some(&reader)).await;
        assert_eq!(thumb.status, StatusCode::OK);
        let audit = app.trygg.db.audit_entries(0, 100_000).await.unwrap();
        assert_eq!(
            audit[before..]
                .iter()
                .filter(|e| e.draft.action == "measure_evidence_read")
                .count(),
            2
        );
        // A photo id under another measure is not found.
        let other = app
            .get(
                &format!("/measures/{}/evidence/{}", id + 1000, photos[0].id),
                Some(&coord),
            )
            .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND);

        // Editing is kept in the history with what changed.
        let edit = app.get(&format!("{page}/edit"), Some(&coord)).await;
        assert_eq!(edit.status, StatusCode::OK);
        let version = edit
            .body
            .split("name=\"version\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned();
        let r = app
            .post(
                &format!("{page}/edit"),
                &coord,
                &[
                    ("title", "Belysning i gångtunneln vid Resecentrum"),
                    ("description", "Tre armaturer är trasiga."),
                    ("kind", "lighting"),
                    ("due_date", "2027-03-01"),
                    ("cost_sek", "14 000"),
                    ("sharing", "partners"),
                    ("version", &version),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let history = app
            .trygg
            .db
            .measure_history(trygg_domain::measure::MeasureId(id))
            .await
            .unwrap();
        let last = history.last().unwrap();
        assert_eq!(last.action, "edited");
        let changes: Value = serde_json::from_str(&last.changes).unwrap();
        assert_eq!(changes["cost_sek"], json!([12500, 14000]));
        // The same, stale version again: refused, the form kept.
        let r = app
            .post(
                &format!("{page}/edit"),
                &coord,
                &[
                    ("title", "Annan titel"),
                    ("description", "x"),
                    ("kind", "lighting"),
                    ("version", &version),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("Annan titel"));

        // The wrong role on the new pages.
        for (b, path) in [
            (&reader, "/measures/new"),
            (&hand, "/measures/new"),
            (&reader, &format!("{page}/edit")),
        ] {
            assert_eq!(
                app.get(path, Some(b)).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
        let admin = app.login(Role::Admin).await;
        for path in ["/measures", "/my-work", &page] {
            assert_eq!(
                app.get(path, Some(&admin)).await.status,
                StatusCode::FORBIDDEN,
                "{path}"
            );
        }
        let r = app
            .post(&format!("{page}/comments"), &reader, &[("body", "Hej")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = post_evidence(
            &app,
            &format!("{page}/evidence"),
            &reader,
            "before",
            &jpeg(),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    my_work_shows_the_overdue_first_and_the_list_filters,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let coord = app.login(Role::Samordnare).await;
        let hand = app.login(Role::Handlaggare).await;
        let unit = app
            .trygg
            .db
            .user_by_email(&app.logins[&Role::Handlaggare].0)
            .await
            .unwrap()
            .unwrap()
            .unit_id
            .unwrap()
            .0
            .to_string();
        // Today is 2027-01-15 on the test clock.
        for (title, due) in [
            ("Ej försenad: röj buskage", "2027-06-01"),
            ("Försenad: laga belysning", "2027-01-10"),
        ] {
            let r = app
                .post(
                    "/measures",
                    &coord,
                    &[
                        ("title", title),
                        ("description", "Test"),
                        ("kind", "vegetation"),
                        ("due_date", due),
                        ("unit", &unit),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let work = app.get("/my-work", Some(&hand)).await;
        assert_eq!(work.status, StatusCode::OK);
        let late = work.body.find("Försenad: laga belysning").unwrap();
        let later = work.body.find("Ej försenad: röj buskage").unwrap();
        assert!(late < later, "the overdue one comes first");
        // Every overdue row comes before every other row.
        let rows: Vec<&str> = work.body.split("<tr>").skip(2).collect();
        let first_on_time = rows
            .iter()
            .position(|r| !r.contains("badge-danger"))
            .unwrap_or(rows.len());
        assert!(
            rows[first_on_time..]
                .iter()
                .all(|r| !r.contains("badge-danger"))
        );
        // The start page points to it.
        let start = app.get("/", Some(&hand)).await;
        assert!(start.body.contains("href=\"/my-work\""));
        assert!(start.body.contains("Försenad: laga belysning"));

        // The list filters by kind and overdue.
        let list = app
            .get("/measures?kind=vegetation&overdue=1", Some(&coord))
            .await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.body.contains("Försenad: laga belysning"));
        assert!(!list.body.contains("Ej försenad: röj buskage"));
        let list = app
            .get(&format!("/measures?unit={unit}&sort=title"), Some(&coord))
            .await;
        let a = list.body.find("Ej försenad: röj buskage").unwrap();
        let b = list.body.find("Försenad: laga belysning").unwrap();
        assert!(a < b, "sorted by title");
    }
);
