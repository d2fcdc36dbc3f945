//! Safety walks through the web, on both databases: planning by form, public sign-up
//! with its cap and Swedish refusal, the calendar file, idempotent observations, routing
//! and answers by a unit and through the external owner's link (wrong ones refused),
//! publication without any participant's name or e-mail in the public HTML, PDF or API,
//! and the API's access rules.

use axum::http::StatusCode;
use trygg_domain::account::Role;
use trygg_store::measure::MeasureStore;
use trygg_store::walk::WalkStore;
use trygg_store::{Store, on_both_backends};

use crate::harness::TestApp;

const PARTICIPANT: &str = "Kim Hemligsson";
const PARTICIPANT_EMAIL: &str = "kim.hemligsson@example.se";

fn walk_id(location: &str) -> i64 {
    location
        .trim_start_matches("/walks/")
        .split(['?', '/', '#'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

on_both_backends!(a_walk_from_plan_to_public_protocol, |db, _t| async move {
    let app = TestApp::new(db).await;
    let coordinator = app.login(Role::Samordnare).await;
    let handlaggare = app.login(Role::Handlaggare).await;

    // Planning: a field error is shown in Swedish, nothing stored.
    let bad = app
        .post(
            "/walks",
            &coordinator,
            &[
                ("title", "Skäggetorp"),
                ("starts_at", "imorgon"),
                ("meeting_point", "Torget"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Ange datum och tid"), "{}", bad.body);
    assert!(app.trygg.db.walks(None).await.unwrap().is_empty());
    let created = app
        .post(
            "/walks",
            &coordinator,
            &[
                ("title", "Trygghetsvandring i Skäggetorp"),
                ("starts_at", "2027-02-10T18:30"),
                ("after_dark", "1"),
                ("meeting_point", "Skäggetorps centrum"),
                ("capacity", "2"),
                ("signup_open", "1"),
                ("stops", "Centrum; 58.4262, 15.5898\nGångtunneln"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let id = walk_id(created.location().unwrap());
    let page = app.get(&format!("/walks/{id}"), Some(&coordinator)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Gångtunneln") && page.body.contains("58.42620"));

    // Public sign-up without an account; the third is refused in Swedish.
    let public = app.get(&format!("/public/walks/{id}"), None).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("Anmäl dig"));
    let visitor = app.anonymous().await;
    let url = format!("/public/walks/{id}/signup");
    let ok = app
        .post(
            &url,
            &visitor,
            &[
                ("name", PARTICIPANT),
                ("email", PARTICIPANT_EMAIL),
                ("group", "boende"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let invalid = app
        .post(
            &url,
            &visitor,
            &[("name", "Lo"), ("email", "inte-en-adress")],
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    app.post(
        &url,
        &visitor,
        &[("name", "Lo Förälder"), ("email", "lo@example.se")],
    )
    .await;
    let full = app
        .post(
            &url,
            &visitor,
            &[("name", "Sam Sen"), ("email", "sam@example.se")],
        )
        .await;
    assert_eq!(full.status, StatusCode::CONFLICT);
    assert!(
        full.body.contains("Vandringen är fullsatt"),
        "{}",
        full.body
    );
    assert_eq!(
        app.trygg
            .db
            .participants(walk_id(&format!("/walks/{id}")).into_walk())
            .await
            .unwrap()
            .len(),
        2
    );
    let mails = app.trygg.db.outbox(20).await.unwrap();
    assert!(
        mails
            .iter()
            .any(|m| m.recipients == [PARTICIPANT_EMAIL] && m.kind == "walk_signup")
    );
    let ics = app
        .get(&format!("/public/walks/{id}/kalender.ics"), None)
        .await;
    assert_eq!(ics.status, StatusCode::OK);
    assert!(
        ics.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    assert!(ics.body.contains("DTSTART:20270210T173000Z\r\n"));
    // Only the organisers see the participants.
    assert!(page.body.contains("Anmälda deltagare"));
    let org_view = app.get(&format!("/walks/{id}"), Some(&coordinator)).await;
    assert!(org_view.body.contains(PARTICIPANT_EMAIL));
    let unit_view = app.get(&format!("/walks/{id}"), Some(&handlaggare)).await;
    assert_eq!(unit_view.status, StatusCode::OK);
    assert!(!unit_view.body.contains(PARTICIPANT_EMAIL));

    // Observations: the same key twice is one observation.
    let stops = app
        .trygg
        .db
        .walk_stops(trygg_domain::walk::WalkId(id))
        .await
        .unwrap();
    let stop0 = stops[0].id.to_string();
    let stop1 = stops[1].id.to_string();
    for _ in 0..2 {
        let r = app
            .post(
                &format!("/walks/{id}/observations"),
                &coordinator,
                &[
                    ("idempotency_key", "obs-web-00000001"),
                    ("stop", &stop0),
                    ("problem", "lighting"),
                    ("description", "Mörkt vid entrén, ring 070-123 45 67"),
                    ("proposal", "Byt armaturerna"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    app.post(
        &format!("/walks/{id}/observations"),
        &coordinator,
        &[
            ("idempotency_key", "obs-web-00000002"),
            ("stop", &stop1),
            ("problem", "graffiti"),
            ("description", "Klotter i tunneln"),
            ("proposal", "Sanera klottret"),
        ],
    )
    .await;
    let missing = app
        .post(
            &format!("/walks/{id}/observations"),
            &coordinator,
            &[
                ("idempotency_key", "obs-web-00000003"),
                ("problem", "lighting"),
                ("description", "x"),
            ],
        )
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(missing.body.contains("Välj ett stopp"));
    let wid = trygg_domain::walk::WalkId(id);
    assert_eq!(app.trygg.db.observations(wid).await.unwrap().len(), 2);
    let proposals = app.trygg.db.proposals(wid).await.unwrap();
    assert_eq!(proposals.len(), 2);

    // Routing: one to the handläggare's unit, one to an external owner.
    let handlaggare_unit = app
        .trygg
        .db
        .user_by_email(&app.logins[&Role::Handlaggare].0)
        .await
        .unwrap()
        .unwrap()
        .unit_id
        .unwrap();
    let p0 = proposals[0].id.0;
    let p1 = proposals[1].id.0;
    let r = app
        .post(
            &format!("/walks/proposals/{p0}/route"),
            &coordinator,
            &[("to", "unit"), ("unit", &handlaggare_unit.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.post(
        &format!("/walks/proposals/{p1}/route"),
        &coordinator,
        &[
            ("to", "external"),
            ("owner_name", "Fastighets AB Exempel"),
            ("owner_email", "agare@exempel.se"),
        ],
    )
    .await;
    app.post(
        &format!("/walks/{id}/status"),
        &coordinator,
        &[("status", "walked")],
    )
    .await;
    let sent = app
        .post(&format!("/walks/{id}/send"), &coordinator, &[])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);

    // The unit answers through the UI; the other proposal is not theirs.
    let answered = app
        .post(
            &format!("/walks/proposals/{p0}/answer"),
            &handlaggare,
            &[("answer", "will_do"), ("due", "2027-06-01")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let not_theirs = app
        .post(
            &format!("/walks/proposals/{p1}/answer"),
            &handlaggare,
            &[("answer", "already_done")],
        )
        .await;
    assert_eq!(not_theirs.status, StatusCode::NOT_FOUND);

    // The external owner answers through the e-mailed link.
    let mail = app
        .trygg
        .db
        .outbox(50)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipients == ["agare@exempel.se"])
        .unwrap();
    let at = mail.body.find("/public/walks/svar/").unwrap();
    let link = mail.body[at..at + "/public/walks/svar/".len() + 64].to_owned();
    let owner_page = app.get(&link, None).await;
    assert_eq!(owner_page.status, StatusCode::OK);
    assert!(owner_page.body.contains("Sanera klottret"));
    assert!(
        !owner_page.body.contains("Byt armaturerna"),
        "only their proposals"
    );
    let wrong = app
        .get(&format!("/public/walks/svar/{}", "a".repeat(64)), None)
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    let owner = app.anonymous().await;
    let other = app
        .post(
            &link,
            &owner,
            &[("proposal", &p0.to_string()), ("answer", "already_done")],
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::NOT_FOUND,
        "another owner's proposal"
    );
    let by_link = app
        .post(
            &link,
            &owner,
            &[
                ("proposal", &p1.to_string()),
                ("answer", "will_not_do"),
                ("reason", "Väggen är inte vår."),
            ],
        )
        .await;
    assert_eq!(by_link.status, StatusCode::SEE_OTHER);

    // Publication: the public protocol, PDF and API hold no participant's data.
    let publish = app
        .post(
            &format!("/walks/{id}/status"),
            &coordinator,
            &[("status", "published")],
        )
        .await;
    assert_eq!(publish.status, StatusCode::SEE_OTHER);
    let list = app.get("/public/walks", None).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains(&format!("/public/walks/{id}")));
    let protocol = app.get(&format!("/public/walks/{id}"), None).await;
    assert_eq!(protocol.status, StatusCode::OK);
    assert!(protocol.body.contains("Väggen är inte vår."));
    assert!(protocol.body.contains("Fastighets AB Exempel"));
    assert!(protocol.body.contains("Vi gör det, senast 2027-06-01"));
    assert!(!protocol.body.contains("070-123 45 67"), "masked");
    let api = app.get("/api/v1/walks/published", None).await;
    assert_eq!(api.status, StatusCode::OK);
    let api_one = app
        .get(&format!("/api/v1/walks/published/{id}"), None)
        .await;
    assert_eq!(api_one.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&api_one.body).unwrap();
    assert_eq!(json["observations"].as_array().unwrap().len(), 2);
    for body in [&list.body, &protocol.body, &api.body, &api_one.body] {
        for secret in [
            PARTICIPANT,
            PARTICIPANT_EMAIL,
            "Lo Förälder",
            "lo@example.se",
        ] {
            assert!(!body.contains(secret), "{secret} is public");
        }
    }
    let pdf = app
        .get(&format!("/public/walks/{id}/protokoll.pdf"), None)
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(pdf.body.starts_with("%PDF"));
    assert!(!pdf.body.contains(PARTICIPANT));

    // The internal API: coordinators and units read, the reader does not.
    let reader = app.login(Role::Lasare).await;
    assert_eq!(
        app.get("/api/v1/walks", Some(&reader)).await.status,
        StatusCode::FORBIDDEN
    );
    let mine = app
        .get(&format!("/api/v1/walks/{id}"), Some(&handlaggare))
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(!mine.body.contains(PARTICIPANT_EMAIL));
});

on_both_backends!(
    the_public_cannot_see_unpublished_walks,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let coordinator = app.login(Role::Samordnare).await;
        let created = app
            .post(
                "/walks",
                &coordinator,
                &[
                    ("title", "Stängd vandring"),
                    ("starts_at", "2027-02-10T18:30"),
                    ("meeting_point", "Torget"),
                ],
            )
            .await;
        let id = walk_id(created.location().unwrap());
        // Sign-up closed: no public page, no sign-up, no PDF.
        assert_eq!(
            app.get(&format!("/public/walks/{id}"), None).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/public/walks/{id}/protokoll.pdf"), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let visitor = app.anonymous().await;
        let r = app
            .post(
                &format!("/public/walks/{id}/signup"),
                &visitor,
                &[("name", "A"), ("email", "a@example.se")],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(
            app.trygg
                .db
                .participants(trygg_domain::walk::WalkId(id))
                .await
                .unwrap()
                .is_empty()
        );
        // A rapportör cannot plan.
        let reporter = app.login(Role::Rapportor).await;
        let refused = app.post("/walks", &reporter, &[("title", "x")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
);

trait IntoWalk {
    fn into_walk(self) -> trygg_domain::walk::WalkId;
}

impl IntoWalk for i64 {
    fn into_walk(self) -> trygg_domain::walk::WalkId {
        trygg_domain::walk::WalkId(self)
    }
}

on_both_backends!(
    a_planned_walk_is_edited_by_form_and_api_with_its_route_on_the_map,
    |db, _t| async move {
        use axum::body::Body;
        use axum::http::{Method, Request, header};
        let app = TestApp::new(db).await;
        let coordinator = app.login(Role::Samordnare).await;
        let handlaggare = app.login(Role::Handlaggare).await;
        let created = app
            .post(
                "/walks",
                &coordinator,
                &[
                    ("title", "Vandring i Ryd"),
                    ("starts_at", "2027-03-10T18:30"),
                    ("meeting_point", "Ryds centrum"),
                    ("capacity", "5"),
                    ("signup_open", "1"),
                    ("stops", "Torget; 58.4096, 15.5652"),
                ],
            )
            .await;
        let id = walk_id(created.location().unwrap());
        // The route is on a map beside its table, with the points on the table rows.
        let page = app.get(&format!("/walks/{id}"), Some(&coordinator)).await;
        assert!(page.body.contains("data-walk-map"), "{}", page.body);
        assert!(page.body.contains("data-lat=\"58.409600\""));
        assert!(page.body.contains(&format!("/walks/{id}/edit")));
        let public = app.get(&format!("/public/walks/{id}"), None).await;
        assert!(public.body.contains("data-walk-map") && public.body.contains("walks."));

        // The form comes filled in; only organisers open it.
        let form = app
            .get(&format!("/walks/{id}/edit"), Some(&coordinator))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("Vandring i Ryd") && form.body.contains("2027-03-10T18:30"));
        assert!(form.body.contains("data-stops-input=\"stops\""));
        assert_eq!(
            app.get(&format!("/walks/{id}/edit"), Some(&handlaggare))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // One person signs up; the cap cannot go below that. The input is kept.
        let visitor = app.anonymous().await;
        app.post(
            &format!("/public/walks/{id}/signup"),
            &visitor,
            &[("name", "Ada Ek"), ("email", "ada@example.se")],
        )
        .await;
        let url = format!("/walks/{id}/edit");
        let edit = |title: &'static str, capacity: &'static str| {
            vec![
                ("title", title),
                ("starts_at", "2027-03-11T19:00"),
                ("after_dark", "1"),
                ("meeting_point", "Ryds centrum, vid torget"),
                ("capacity", capacity),
                (
                    "stops",
                    "Torget; 58.4096, 15.5652\nCykelvägen; 58.40450, 15.57000",
                ),
            ]
        };
        let low = app.post(&url, &coordinator, &edit("Ny rubrik", "0")).await;
        assert_eq!(low.status, StatusCode::UNPROCESSABLE_ENTITY);
        let low = app.post(&url, &coordinator, &edit("Ny rubrik", "")).await;
        assert_eq!(low.status, StatusCode::SEE_OTHER, "{}", low.body);
        let w = app
            .trygg
            .db
            .walk(trygg_domain::walk::WalkId(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(w.title, "Ny rubrik");
        assert!(w.after_dark);
        assert_eq!(w.capacity, 20);
        assert!(w.signup_open, "editing leaves sign-up as it was");
        let stops = app
            .trygg
            .db
            .walk_stops(trygg_domain::walk::WalkId(id))
            .await
            .unwrap();
        assert_eq!(stops.len(), 2);
        assert_eq!(stops[1].name, "Cykelvägen");
        let entries = app.trygg.db.audit_entries(0, 10_000).await.unwrap();
        let edited = entries
            .iter()
            .find(|e| e.draft.action == "walk_edited")
            .expect("the edit is audited");
        assert!(
            edited.draft.detail.contains("Ny rubrik"),
            "{}",
            edited.draft.detail
        );

        // The API: the whole plan again; a unit may not.
        let call = |who: &crate::harness::Browser, body: &str| {
            Request::builder()
                .method(Method::POST)
                .uri(format!("/api/v1/walks/{id}"))
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ORIGIN, crate::harness::ORIGIN)
                .header("x-csrf-token", &who.csrf)
                .header(header::COOKIE, who.cookie_header())
                .body(Body::from(body.to_owned()))
                .unwrap()
        };
        let body = r#"{"title":"Via API","starts_at":"2027-03-12T18:00","meeting_point":"Torget","capacity":1,
            "stops":[{"name":"Torget","lat":58.4096,"lon":15.5652}]}"#;
        assert_eq!(
            app.send(call(&handlaggare, body)).await.status,
            StatusCode::FORBIDDEN
        );
        let r = app.send(call(&coordinator, body)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let w = app
            .trygg
            .db
            .walk(trygg_domain::walk::WalkId(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!((w.title.as_str(), w.capacity), ("Via API", 1));
        assert_eq!(
            app.trygg
                .db
                .walk_stops(trygg_domain::walk::WalkId(id))
                .await
                .unwrap()
                .len(),
            1
        );
        // Once walked, it is not a plan any more.
        app.post(
            &format!("/walks/{id}/status"),
            &coordinator,
            &[("status", "walked")],
        )
        .await;
        let late = app.send(call(&coordinator, body)).await;
        assert_eq!(late.status, StatusCode::CONFLICT, "{}", late.body);
    }
);
