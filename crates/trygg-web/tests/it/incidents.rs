//! EST reporting through the web, on both databases: the report form (with and without
//! personal data, several incidents, double submission), the sharing rules on every
//! route that shows incidents, review and what the reporter then sees, the API's
//! idempotency, and the reporting rhythm.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use trygg_domain::account::Role;
use trygg_store::on_both_backends;

use crate::harness::{Browser, Reply, TestApp};

/// The demo with the default categories (which `load_demo` does not add yet).
async fn app(db: trygg_store::Db) -> TestApp {
    let app = TestApp::new(db).await;
    app.trygg.ensure_default_categories().await.unwrap();
    app
}

/// The fields of one incident block of the report form (block `i`).
fn block(i: usize, category: &str, description: &str, sharing: &str) -> Vec<(String, String)> {
    [
        ("category", category),
        ("description", description),
        ("crs", "wgs84"),
        ("lat", "58,41611"),
        ("lon", "15,62583"),
        ("occurred_at", "2027-01-14T22:30"),
        ("insecurity", "ja"),
        ("severity", ""),
        ("sharing", sharing),
    ]
    .iter()
    .map(|(k, v)| (format!("i{i}.{k}"), (*v).to_owned()))
    .collect()
}

async fn post_form(app: &TestApp, path: &str, b: &Browser, fields: &[(String, String)]) -> Reply {
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post(path, b, &refs).await
}

/// Files one report through the form; returns the receipt's path.
async fn file(
    app: &TestApp,
    b: &Browser,
    key: &str,
    blocks: Vec<Vec<(String, String)>>,
    confirm: bool,
) -> String {
    let mut fields = vec![
        ("idempotency_key".to_owned(), key.to_owned()),
        ("count".to_owned(), blocks.len().to_string()),
        ("action".to_owned(), "submit".to_owned()),
    ];
    if confirm {
        fields.push(("confirm_pii".into(), "1".into()));
    }
    fields.extend(blocks.into_iter().flatten());
    let reply = post_form(app, "/rapportera", b, &fields).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let to = reply.location().unwrap().to_owned();
    assert!(to.starts_with("/rapporter/"), "{to}");
    to
}

async fn api(
    app: &TestApp,
    method: Method,
    path: &str,
    b: &Browser,
    body: Option<Value>,
    key: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, b.cookie_header())
        .header("x-csrf-token", &b.csrf);
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

/// The incident ids of a receipt page (its links to `/incidenter/{id}`).
fn incident_ids(html: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = html
        .split("href=\"/incidenter/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect();
    ids.dedup();
    ids
}

async fn receipt_ids(app: &TestApp, b: &Browser, receipt: &str) -> Vec<i64> {
    let page = app.get(receipt, Some(b)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    incident_ids(&page.body)
}

on_both_backends!(
    an_own_incident_is_unreadable_for_other_organisations_by_every_route,
    |db, _t| async move {
        let app = app(db).await;
        let reporter = app.login(Role::Rapportor).await; // AB Stångåstaden
        let receipt = file(
            &app,
            &reporter,
            "own-1",
            vec![
                block(0, "klotter", "Hemligt klotter i trapphus 4", "own"),
                block(
                    1,
                    "klotter",
                    "Delat klotter vid busshållplatsen",
                    "partners",
                ),
            ],
            false,
        )
        .await;
        let ids = receipt_ids(&app, &reporter, &receipt).await;
        assert_eq!(ids.len(), 2, "{ids:?}");
        let (own, shared) = (ids[0], ids[1]);

        // Users of other organisations (the police, the municipality) in every role that
        // reads incidents at all.
        for role in [Role::Analytiker, Role::Handlaggare, Role::Admin] {
            let b = app.login(role).await;
            let who = role.code();
            let list = app.get("/incidenter", Some(&b)).await;
            assert_eq!(list.status, StatusCode::OK, "{who}");
            assert!(
                !list.body.contains(&format!("/incidenter/{own}\"")),
                "{who}: list page"
            );
            assert!(
                !list.body.contains("Hemligt klotter"),
                "{who}: list page text"
            );
            let filtered = app.get("/incidenter?fritext=Hemligt", Some(&b)).await;
            assert!(
                !filtered.body.contains(&format!("/incidenter/{own}\"")),
                "{who}: text search"
            );
            let page = app.get(&format!("/incidenter/{own}"), Some(&b)).await;
            assert_eq!(page.status, StatusCode::NOT_FOUND, "{who}: incident page");
            assert!(!page.body.contains("Hemligt"));
            let (status, _) = api(
                &app,
                Method::GET,
                &format!("/api/v1/incidents/{own}"),
                &b,
                None,
                None,
            )
            .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{who}: API by id");
            let (status, listed) = api(
                &app,
                Method::GET,
                "/api/v1/incidents?limit=500",
                &b,
                None,
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{who}");
            assert!(
                listed["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|i| i["id"] != own),
                "{who}: API list"
            );
            let (status, map) = api(
                &app,
                Method::GET,
                "/api/v1/incidents.geojson?limit=500",
                &b,
                None,
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{who}");
            assert!(
                map["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|f| f["properties"]["id"] != own),
                "{who}: map GeoJSON"
            );
            let receipt_page = app.get(&receipt, Some(&b)).await;
            assert!(
                !receipt_page.body.contains("Hemligt"),
                "{who}: someone else's receipt"
            );
            // The shared one is there, so the checks above are not vacuous (the
            // municipality's admin reads only its own organisation's incidents).
            if role != Role::Admin {
                assert!(
                    list.body.contains(&format!("/incidenter/{shared}\"")),
                    "{who}: shared in list"
                );
                assert!(
                    listed["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|i| i["id"] == shared),
                    "{who}: shared in API"
                );
                assert!(
                    map["features"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| f["properties"]["id"] == shared),
                    "{who}: shared on the map"
                );
            }
        }

        // The reporter and the coordinator see it.
        let coordinator = app.login(Role::Samordnare).await;
        for b in [&reporter, &coordinator] {
            let page = app.get(&format!("/incidenter/{own}"), Some(b)).await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(page.body.contains("Hemligt klotter i trapphus 4"));
            let (_, map) = api(
                &app,
                Method::GET,
                "/api/v1/incidents.geojson",
                b,
                None,
                None,
            )
            .await;
            assert!(
                map["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|f| f["properties"]["id"] == own)
            );
        }
    }
);

on_both_backends!(
    a_personnummer_is_warned_about_and_shown_masked_everywhere,
    |db, _t| async move {
        let app = app(db).await;
        let reporter = app.login(Role::Rapportor).await;
        let text = "Klotter på fasaden, vittnet 19121212-1212 såg det";
        let mut fields = vec![
            ("idempotency_key".to_owned(), "pnr-1".to_owned()),
            ("count".to_owned(), "1".to_owned()),
            ("action".to_owned(), "submit".to_owned()),
        ];
        fields.extend(block(0, "klotter", text, "partners"));
        // First: a warning, nothing stored.
        let warned = post_form(&app, "/rapportera", &reporter, &fields).await;
        assert_eq!(warned.status, StatusCode::OK, "{}", warned.body);
        assert!(
            warned
                .body
                .contains("Beskrivningen innehåller personuppgifter")
        );
        assert!(warned.body.contains("personnummer (1)"));
        assert!(warned.body.contains("Skicka ändå (uppgifterna maskeras)"));
        assert!(
            warned
                .body
                .contains("name=\"idempotency_key\" value=\"pnr-1\""),
            "the key is kept"
        );
        let mine = app.get("/rapporter/mina", Some(&reporter)).await;
        assert!(
            mine.body.contains("inte rapporterat något"),
            "nothing stored before confirming"
        );
        // Confirmed: stored masked.
        fields.push(("confirm_pii".into(), "1".into()));
        let sent = post_form(&app, "/rapportera", &reporter, &fields).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
        let receipt = sent.location().unwrap().to_owned();
        let page = app.get(&receipt, Some(&reporter)).await;
        assert!(page.body.contains("Tack! Rapporten är mottagen"));
        assert!(page.body.contains("[personnummer]"));
        assert!(
            page.body.contains("Maskerade: personnummer (1)"),
            "the receipt says what was masked"
        );
        let id = incident_ids(&page.body)[0];

        let coordinator = app.login(Role::Samordnare).await;
        let analyst = app.login(Role::Analytiker).await;
        let pages = [
            (&reporter, receipt.clone()),
            (&reporter, "/rapporter/mina".to_owned()),
            (&reporter, format!("/incidenter/{id}")),
            (&reporter, "/incidenter".to_owned()),
            (&coordinator, "/granskning".to_owned()),
            (&coordinator, format!("/incidenter/{id}")),
            (&coordinator, "/incidenter?fritext=vittnet".to_owned()),
            (&analyst, format!("/incidenter/{id}")),
            (&coordinator, format!("/api/v1/incidents/{id}")),
            (&coordinator, "/api/v1/incidents".to_owned()),
        ];
        for (b, path) in pages {
            let reply = app.get(&path, Some(b)).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}");
            assert!(
                !reply.body.contains("19121212"),
                "{path} shows the personnummer"
            );
            assert!(
                !reply.body.contains("1212-1212"),
                "{path} shows the personnummer"
            );
            assert!(
                reply.body.contains("[personnummer]"),
                "{path} does not show the masked text"
            );
        }
        // Searching for the number finds nothing: it is not stored.
        let (_, found) = api(
            &app,
            Method::GET,
            "/api/v1/incidents?q=19121212",
            &coordinator,
            None,
            None,
        )
        .await;
        assert_eq!(found["total"], 0);
    }
);

on_both_backends!(
    the_idempotency_key_files_a_report_once_by_form_and_by_api,
    |db, _t| async move {
        let app = app(db).await;
        let reporter = app.login(Role::Rapportor).await;
        // The form: the same rendered form sent twice.
        let form = app.get("/rapportera", Some(&reporter)).await;
        let marker = "name=\"idempotency_key\" value=\"";
        let start = form.body.find(marker).unwrap() + marker.len();
        let key = form.body[start..].split('"').next().unwrap().to_owned();
        assert_eq!(key.len(), 64, "a random key per rendered form");
        let first = file(
            &app,
            &reporter,
            &key,
            vec![block(0, "klotter", "Klotter på muren", "partners")],
            false,
        )
        .await;
        let second = file(
            &app,
            &reporter,
            &key,
            vec![block(0, "klotter", "Klotter på muren", "partners")],
            false,
        )
        .await;
        assert!(first.ends_with("?skickad=1"), "{first}");
        assert_eq!(
            second.split('?').next(),
            first.split('?').next(),
            "the same report"
        );
        assert!(second.ends_with("?redan=1"));
        let again = app.get(&second, Some(&reporter)).await;
        assert!(again.body.contains("Rapporten var redan mottagen"));
        // Another rendered form has another key.
        let other = app.get("/rapportera", Some(&reporter)).await;
        assert!(!other.body.contains(&key));

        // The API: 201, then 200 with the same report for a retry.
        let body = json!({"incidents": [{
            "category": "Nedskräpning", "description": "Soppåsar vid återvinningen",
            "occurred_at": "2027-01-14 21:00", "lat": 58.4262, "lon": 15.5812
        }]});
        let (status, made) = api(
            &app,
            Method::POST,
            "/api/v1/incidents",
            &reporter,
            Some(body.clone()),
            Some("phone-7"),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        assert_eq!(made["created"], true);
        assert_eq!(made["incidents"][0]["category"], "nedskräpning");
        let (status, retry) = api(
            &app,
            Method::POST,
            "/api/v1/incidents",
            &reporter,
            Some(body.clone()),
            Some("phone-7"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{retry}");
        assert_eq!(retry["report_id"], made["report_id"]);
        assert_eq!(retry["created"], false);
        // Without a key each request is a report of its own.
        let (status, _) = api(
            &app,
            Method::POST,
            "/api/v1/incidents",
            &reporter,
            Some(body.clone()),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        // (Counted by their texts, so that other incidents in the database do not matter.)
        let count = |q: &'static str| {
            let (app, reporter) = (&app, &reporter);
            async move {
                let (_, found) = api(
                    app,
                    Method::GET,
                    &format!("/api/v1/incidents?q={q}"),
                    reporter,
                    None,
                    None,
                )
                .await;
                found["total"].as_i64().unwrap()
            }
        };
        let mine = (
            count("Klotter%20p%C3%A5%20muren").await,
            count("Sopp%C3%A5sar").await,
        );
        assert_eq!(
            mine,
            (1, 2),
            "form once, API key once, API without key once: {mine:?}"
        );

        // Field errors name the incident and the field.
        let bad = json!({"incidents": [
            {"category": "klotter", "description": "Ok", "occurred_at": "2027-01-14 21:00", "lat": 58.41, "lon": 15.62},
            {"category": "finns-inte", "description": "X", "occurred_at": "2027-01-14 21:00", "lat": 58.41, "lon": 15.62}
        ]});
        let (status, err) = api(
            &app,
            Method::POST,
            "/api/v1/incidents",
            &reporter,
            Some(bad),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["error"]["code"], "unknown_category");
        assert_eq!(err["error"]["field"], "category");
        assert_eq!(err["error"]["index"], 1);
        assert!(
            err["error"]["request_id"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        );
        let (status, err) = api(
            &app,
            Method::GET,
            "/api/v1/incidents?status=bogus",
            &reporter,
            None,
            None,
        )
        .await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("unknown_review_status")
            )
        );
        // A reader may not file.
        let reader = app.login(Role::Lasare).await;
        let (status, _) = api(
            &app,
            Method::POST,
            "/api/v1/incidents",
            &reader,
            Some(body),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    the_form_works_without_javascript_and_shows_errors_by_field,
    |db, _t| async move {
        let app = app(db).await;
        let reporter = app.login(Role::Rapportor).await;
        let form = app.get("/rapportera", Some(&reporter)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(
            form.body
                .contains("<optgroup label=\"Miljö/skadegörelse\">")
        );
        assert!(form.body.contains("type=\"datetime-local\""));
        assert!(
            form.body.contains("value=\"2027-01-15T09:00\""),
            "now, in Stockholm time"
        );
        // "Add another incident" renders two blocks, keeping the first.
        let mut fields = vec![
            ("idempotency_key".to_owned(), "add-1".to_owned()),
            ("count".to_owned(), "1".to_owned()),
            ("action".to_owned(), "add".to_owned()),
        ];
        fields.extend(block(0, "brand", "Brand i papperskorg", "partners"));
        let two = post_form(&app, "/rapportera", &reporter, &fields).await;
        assert_eq!(two.status, StatusCode::OK);
        assert!(two.body.contains("name=\"count\" value=\"2\""));
        assert!(two.body.contains("Brand i papperskorg"));
        assert!(two.body.contains("id=\"i1-category\""));
        // Errors: Swedish, tied to their fields, listed at the top.
        let mut fields = vec![
            ("idempotency_key".to_owned(), "err-1".to_owned()),
            ("count".to_owned(), "2".to_owned()),
            ("action".to_owned(), "submit".to_owned()),
        ];
        fields.extend(block(0, "", "", "partners"));
        let mut second = block(1, "klotter", "Klotter", "partners");
        for (k, v) in second.iter_mut() {
            if k.ends_with(".lat") {
                *v = "15,62583".into();
            }
            if k.ends_with(".lon") {
                *v = "58,41611".into();
            }
            if k.ends_with(".occurred_at") {
                *v = "2030-01-01T10:00".into();
            }
        }
        fields.extend(second);
        let bad = post_form(&app, "/rapportera", &reporter, &fields).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        for expected in [
            "id=\"i0-category-error\"",
            "id=\"i0-description-error\"",
            "aria-describedby=\"i0-category-error\"",
            "Händelse 1, Vad hände? (kategori): Välj en kategori.",
            "id=\"i1-position-error\"",
            "bytt plats",
            "id=\"i1-occurred_at-error\"",
            "Tiden ligger i framtiden.",
        ] {
            assert!(bad.body.contains(expected), "missing {expected}");
        }
        let (_, mine) = api(
            &app,
            Method::GET,
            "/api/v1/incidents",
            &reporter,
            None,
            None,
        )
        .await;
        assert_eq!(mine["total"], 0, "nothing stored");
        // A place, a SWEREF 99 TM position, or an address each are enough.
        let mut fields = vec![
            ("idempotency_key".to_owned(), "where-1".to_owned()),
            ("count".to_owned(), "3".to_owned()),
            ("action".to_owned(), "submit".to_owned()),
        ];
        let strip = |b: Vec<(String, String)>| -> Vec<(String, String)> {
            b.into_iter()
                .filter(|(k, _)| !k.ends_with(".lat") && !k.ends_with(".lon"))
                .collect()
        };
        let places = app
            .trygg
            .places(&trygg_core::Caller::System, Some("Resecentrum"), None)
            .await
            .unwrap();
        let place = places[0].place.id.0.to_string();
        let mut at_place = strip(block(0, "klotter", "Vid platsen", "partners"));
        at_place.push(("i0.place".into(), place));
        let mut grid = strip(block(1, "klotter", "Med SWEREF", "partners"));
        grid.push(("i1.crs".into(), "sweref99tm".into()));
        grid.push(("i1.n".into(), "6 476 298".into()));
        grid.push(("i1.e".into(), "533 875".into()));
        let mut address = strip(block(2, "klotter", "Med adress", "own"));
        address.push(("i2.address".into(), "Ågatan 12".into()));
        fields.extend(at_place);
        fields.extend(grid);
        fields.extend(address);
        let ok = post_form(&app, "/rapportera", &reporter, &fields).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let receipt = app.get(ok.location().unwrap(), Some(&reporter)).await;
        assert!(receipt.body.contains("Resecentrum"));
        assert!(
            receipt.body.contains("58.42611"),
            "SWEREF 99 TM read as WGS84 58.42611"
        );
        assert!(receipt.body.contains("Ågatan 12"));
        assert_eq!(incident_ids(&receipt.body).len(), 3);
    }
);

on_both_backends!(review_decisions_reach_the_reporter, |db, _t| async move {
    let app = app(db).await;
    let reporter = app.login(Role::Rapportor).await;
    let receipt = file(
        &app,
        &reporter,
        "review-1",
        vec![
            block(0, "klotter", "Klotter på gaveln", "partners"),
            block(1, "klotter", "Samma klotter, annan vinkel", "partners"),
            block(2, "nedskräpning", "Skräp i rabatten", "partners"),
        ],
        false,
    )
    .await;
    let ids = receipt_ids(&app, &reporter, &receipt).await;
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    let coordinator = app.login(Role::Samordnare).await;

    // The queue shows them, oldest first, with the duplicates suggested.
    let queue = app.get("/granskning", Some(&coordinator)).await;
    assert_eq!(queue.status, StatusCode::OK);
    for id in [a, b, c] {
        assert!(
            queue.body.contains(&format!("id=\"q{id}-heading\"")),
            "{id} in the queue"
        );
    }
    assert!(
        queue.body.contains(&format!("id=\"r{a}-merge-{b}\"")),
        "b suggested for a"
    );
    assert!(
        !queue.body.contains(&format!("id=\"r{a}-merge-{c}\"")),
        "another category is no duplicate"
    );

    // Reject without a reason: refused, on the incident page, beside the field.
    let refused = app
        .post(
            &format!("/incidenter/{c}/granskning"),
            &coordinator,
            &[
                ("beslut", "reject"),
                ("skal", " "),
                ("tillbaka", "granskning"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .body
            .contains(&format!("id=\"r{c}-reject-reason-error\""))
    );
    assert!(refused.body.contains("Fältet måste fyllas i"));
    // Decisions.
    let done = app
        .post(
            &format!("/incidenter/{c}/granskning"),
            &coordinator,
            &[
                ("beslut", "reject"),
                ("skal", "Privat tomt, inte EST"),
                ("tillbaka", "granskning"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        done.location(),
        Some(format!("/granskning?granskad={c}&beslut=reject").as_str())
    );
    let after = app.get(done.location().unwrap(), Some(&coordinator)).await;
    assert!(after.body.contains("Incidenten är avvisad."));
    assert!(
        !after.body.contains(&format!("id=\"q{c}-heading\"")),
        "decided incidents leave the queue"
    );
    let done = app
        .post(
            &format!("/incidenter/{a}/granskning"),
            &coordinator,
            &[
                ("beslut", "accept"),
                ("kommentar", "Tack, sanering beställd"),
                ("tillbaka", "incident"),
            ],
        )
        .await;
    assert_eq!(
        done.location(),
        Some(format!("/incidenter/{a}?granskad=accept").as_str())
    );
    let done = app
        .post(
            &format!("/incidenter/{b}/granskning"),
            &coordinator,
            &[
                ("beslut", "merge"),
                ("sammanslagen", &a.to_string()),
                ("tillbaka", "granskning"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

    // The reporter sees each status in words, and the notes.
    let mine = app.get("/rapporter/mina", Some(&reporter)).await;
    for text in [
        "Godkänd",
        "Tack, sanering beställd",
        "Avvisad",
        "Privat tomt, inte EST",
        "Sammanslagen",
    ] {
        assert!(mine.body.contains(text), "my reports lack {text}");
    }
    let page = app.get(&format!("/incidenter/{b}"), Some(&reporter)).await;
    assert!(
        page.body.contains(&format!("href=\"/incidenter/{a}\"")),
        "links to the one it was merged into"
    );
    assert!(
        !page.body.contains("id=\"review-heading\""),
        "reporters get no review forms"
    );

    // Reclassify and move through the API.
    let (status, changed) = api(
            &app,
            Method::POST,
            &format!("/api/v1/incidents/{a}/review"),
            &coordinator,
            Some(json!({"decision": "reclassify", "category": "skadegörelse", "note": "Ristat, inte målat"})),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["category"], "skadegörelse");
    assert_eq!(changed["review_note"], "Ristat, inte målat");
    let (status, moved) = api(
        &app,
        Method::POST,
        &format!("/api/v1/incidents/{a}/review"),
        &coordinator,
        Some(json!({"decision": "move", "n": 6_476_298.0, "e": 533_875.0})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    assert!((moved["position"]["lat"].as_f64().unwrap() - 58.42611).abs() < 1e-4);
    let (status, err) = api(
        &app,
        Method::POST,
        &format!("/api/v1/incidents/{a}/review"),
        &coordinator,
        Some(json!({"decision": "reject"})),
        None,
    )
    .await;
    assert_eq!(
        (status, err["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    // The move form on the incident page.
    let moved = app
        .post(
            &format!("/incidenter/{a}/granskning"),
            &coordinator,
            &[
                ("beslut", "move"),
                ("crs", "wgs84"),
                ("lat", "58,41611"),
                ("lon", "15,62583"),
                ("tillbaka", "incident"),
            ],
        )
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    // Reviewing is for coordinators only.
    let (status, _) = api(
        &app,
        Method::POST,
        &format!("/api/v1/incidents/{a}/review"),
        &reporter,
        Some(json!({"decision": "accept"})),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
});

on_both_backends!(
    the_rhythm_page_lists_the_partners_that_have_not_reported,
    |db, _t| async move {
        let app = app(db).await;
        let reporter = app.login(Role::Rapportor).await;
        file(
            &app,
            &reporter,
            "week-1",
            vec![block(0, "klotter", "Klotter", "partners")],
            false,
        )
        .await;
        let coordinator = app.login(Role::Samordnare).await;
        // 2027-01-15 is in week 2 of 2027.
        let page = app.get("/rapportering", Some(&coordinator)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("value=\"2027-W02\""));
        let silent = page
            .body
            .split("class=\"silent-list\"")
            .nth(1)
            .and_then(|rest| rest.split("</ul>").next())
            .unwrap()
            .to_owned();
        assert!(
            silent.contains("Polisen, lokalpolisområde Linköping"),
            "{silent}"
        );
        assert!(
            silent.contains("Räddningstjänsten Östra Götaland"),
            "{silent}"
        );
        assert!(page.body.contains("Rut Rapportör (1)"), "who reported");
        assert!(
            !silent.contains("AB Stångåstaden"),
            "the partner that reported is not silent"
        );
        // The week before: everybody was silent.
        let before = app
            .get("/rapportering?vecka=2027-W01", Some(&coordinator))
            .await;
        assert!(
            before
                .body
                .split("class=\"silent-list\"")
                .nth(1)
                .unwrap()
                .contains("AB Stångåstaden")
        );
        let bad = app
            .get("/rapportering?vecka=nästa", Some(&coordinator))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Coordinators only.
        let reply = app.get("/rapportering", Some(&reporter)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
    }
);

on_both_backends!(
    the_list_filters_sorts_and_pages_in_step_with_its_map,
    |db, _t| async move {
        let app = app(db).await;
        let reporter = app.login(Role::Rapportor).await;
        let mut blocks = Vec::new();
        for i in 0..10 {
            blocks.push(block(
                i,
                if i % 2 == 0 {
                    "klotter"
                } else {
                    "nedskräpning"
                },
                &format!("Händelse nummer {i}"),
                "partners",
            ));
        }
        file(&app, &reporter, "many-1", blocks, false).await;
        let coordinator = app.login(Role::Samordnare).await;
        let page = app
            .get(
                "/incidenter?kategori=klotter&fritext=H%C3%A4ndelse%20nummer",
                Some(&coordinator),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.body.matches("<tr data-incident=").count(), 5);
        assert!(page.body.contains("5 incidenter matchar urvalet"));
        assert!(
            page.body.contains("data-geojson-url=\"/api/v1/incidents.geojson?category=klotter&#38;q=H%C3%A4ndelse+nummer&#38;limit=50&#38;offset=0\""),
            "the map reads the same selection and page: {}",
            page.body.split("data-geojson-url=").nth(1).unwrap_or("").split(' ').next().unwrap_or("")
        );
        let (_, map) = api(
            &app,
            Method::GET,
            "/api/v1/incidents.geojson?category=klotter&q=H%C3%A4ndelse%20nummer&limit=50&offset=0",
            &coordinator,
            None,
            None,
        )
        .await;
        assert_eq!(map["features"].as_array().unwrap().len(), 5);
        let first = &map["features"][0]["geometry"]["coordinates"];
        assert!(first[0].as_f64().unwrap() < 20.0, "longitude first");
        // Area filter: Vasastaden-Hunneberg holds Resecentrum.
        let areas = app
            .trygg
            .areas(&trygg_core::Caller::System, None)
            .await
            .unwrap();
        let area = areas
            .iter()
            .find(|a| a.name == "Vasastaden-Hunneberg")
            .unwrap()
            .id
            .0;
        let other = areas.iter().find(|a| a.name == "Ryd").unwrap().id.0;
        let inside = app
            .get(
                &format!("/incidenter?omrade={area}&fritext=H%C3%A4ndelse%20nummer"),
                Some(&coordinator),
            )
            .await;
        assert_eq!(inside.body.matches("<tr data-incident=").count(), 10);
        let outside = app
            .get(
                &format!("/incidenter?omrade={other}&fritext=H%C3%A4ndelse%20nummer"),
                Some(&coordinator),
            )
            .await;
        assert!(outside.body.contains("Inga incidenter matchar urvalet."));
        // Dates, text, pages (each also narrowed to this test's incidents by their text).
        let (_, by_date) = api(
            &app,
            Method::GET,
            "/api/v1/incidents?from=2027-01-14&to=2027-01-14&q=H%C3%A4ndelse%20nummer",
            &coordinator,
            None,
            None,
        )
        .await;
        assert_eq!(by_date["total"], 10);
        let (_, next_day) = api(
            &app,
            Method::GET,
            "/api/v1/incidents?from=2027-01-15&q=H%C3%A4ndelse%20nummer",
            &coordinator,
            None,
            None,
        )
        .await;
        assert_eq!(next_day["total"], 0);
        let (_, text) = api(
            &app,
            Method::GET,
            "/api/v1/incidents?q=nummer%207",
            &coordinator,
            None,
            None,
        )
        .await;
        assert_eq!(text["total"], 1);
        let (_, paged) = api(
            &app,
            Method::GET,
            "/api/v1/incidents?limit=4&offset=8&order=oldest&q=H%C3%A4ndelse%20nummer",
            &coordinator,
            None,
            None,
        )
        .await;
        assert_eq!(
            (
                paged["total"].as_i64(),
                paged["items"].as_array().unwrap().len()
            ),
            (Some(10), 2)
        );
        let bad = app.get("/incidenter?fran=igår", Some(&coordinator)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("id=\"filter-from-error\""));
    }
);
