//! Medborgarlöften through the web, on both databases: a promise and its monthly report
//! written by form (errors in Swedish, input kept), published by the coordinator; the
//! public page, the promise page, the Atom feed and the API answer without login and
//! show only the published report, never the draft; the feed is well-formed Atom with
//! one entry per published report and escaped text.
//!
//! No XML parser is in the lock file, so the feed is checked structurally: every tag
//! balanced, every `&` an entity, the required Atom elements present.

use axum::http::StatusCode;
use trygg_domain::account::Role;
use trygg_domain::area::AreaKind;
use trygg_store::promise::PromiseStore;
use trygg_store::{Store, on_both_backends};

use crate::harness::TestApp;

fn id_from(location: &str) -> i64 {
    location
        .trim_start_matches("/promises/")
        .split(['?', '/', '#'])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// The element names of a well-formed document, in document order; panics on any
/// structural fault.
fn check_xml(xml: &str) -> Vec<String> {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"utf-8\"?>")
        .expect("XML declaration");
    let mut stack: Vec<String> = Vec::new();
    let mut names = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        check_text(text);
        let close = rest[open..].find('>').expect("tag closed") + open;
        let tag = &rest[open + 1..close];
        assert!(!tag.contains('<'), "no < inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.trim()), "balanced tags");
        } else {
            let self_closing = tag.ends_with('/');
            let name = tag
                .trim_end_matches('/')
                .split_whitespace()
                .next()
                .unwrap()
                .to_owned();
            check_text(tag);
            names.push(name.clone());
            if !self_closing {
                stack.push(name);
            }
        }
        rest = &rest[close + 1..];
    }
    assert!(rest.trim().is_empty());
    assert!(stack.is_empty(), "unclosed: {stack:?}");
    names
}

/// The title `Tryggare centrum <&>` shown escaped (askama's entity spelling aside).
fn escaped_title(html: &str) -> bool {
    html.contains("Tryggare centrum &") && !html.contains("Tryggare centrum <")
}

fn check_text(text: &str) {
    for (i, _) in text.match_indices('&') {
        let entity = &text[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| entity.starts_with(e)),
            "unescaped & in {text}"
        );
    }
}

on_both_backends!(
    a_promise_from_form_to_public_page_and_feed,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let coordinator = app.login(Role::Samordnare).await;
        let area = app
            .trygg
            .db
            .current_areas(Some(AreaKind::District))
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.name == "Skäggetorp")
            .unwrap()
            .id
            .to_string();

        // A refused form keeps the input and says why, in Swedish.
        let bad = app
            .post(
                "/promises",
                &coordinator,
                &[
                    ("title", "Tryggare centrum <&>"),
                    (
                        "statement",
                        "Vi lovar att öka tryggheten i Skäggetorps centrum",
                    ),
                    ("area", &area),
                    ("first_month", "2026-13"),
                    ("activity_text_1", "polisen går fotpatrull"),
                    ("activity_owner_1", "police"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("Skriv månaden som år och månad"),
            "{}",
            bad.body
        );
        assert!(bad.body.contains("polisen går fotpatrull"));
        assert!(escaped_title(&bad.body), "{}", bad.body);

        let created = app
            .post(
                "/promises",
                &coordinator,
                &[
                    ("title", "Tryggare centrum <&>"),
                    (
                        "statement",
                        "Vi lovar att öka tryggheten i Skäggetorps centrum",
                    ),
                    ("area", &area),
                    ("first_month", "2026-10"),
                    ("activity_text_1", "polisen går fotpatrull"),
                    ("activity_owner_1", "police"),
                    ("activity_text_2", "kommunen sanerar klotter"),
                    ("activity_owner_2", "municipality"),
                    ("indicator_name_1", "Klotter"),
                    ("indicator_source_1", "incidents"),
                    ("indicator_categories_1", "klotter"),
                    ("indicator_name_2", "Fotpatrulltimmar"),
                    ("indicator_source_2", "manual"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let id = id_from(created.location().unwrap());
        let indicators = app
            .trygg
            .db
            .promise_indicators(trygg_domain::promise::PromiseId(id))
            .await
            .unwrap();
        let hours = indicators[1].id;

        // The report form is prefilled with the computed value (no incidents: 0).
        let form = app
            .get(
                &format!("/promises/{id}/report?month=2026-11"),
                Some(&coordinator),
            )
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("Beräknat av Trygg: 0"), "{}", form.body);

        let saved = app
            .post(
                &format!("/promises/{id}/report"),
                &coordinator,
                &[
                    ("month", "2026-11"),
                    ("done_text", "Fotpatrull tre kvällar i veckan & dialogmöte."),
                    (&format!("value_{hours}"), "44"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let draft_saved = app
            .post(
                &format!("/promises/{id}/report"),
                &coordinator,
                &[
                    ("month", "2026-12"),
                    ("done_text", "HEMLIGT UTKAST"),
                    (&format!("value_{hours}"), "abc"),
                ],
            )
            .await;
        assert_eq!(draft_saved.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(draft_saved.body.contains("HEMLIGT UTKAST"), "input kept");
        let draft_saved = app
            .post(
                &format!("/promises/{id}/report"),
                &coordinator,
                &[("month", "2026-12"), ("done_text", "HEMLIGT UTKAST")],
            )
            .await;
        assert_eq!(draft_saved.status, StatusCode::SEE_OTHER);

        // Before publishing nothing is public.
        let public = app.get("/public/promises", None).await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(!public.body.contains("Tryggare centrum"));
        assert_eq!(
            app.get(&format!("/public/promises/{id}"), None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let feed = app.get("/public/promises.atom", None).await;
        assert!(!check_xml(&feed.body).contains(&"entry".to_owned()));

        // Publish November.
        let reports = app
            .trygg
            .db
            .promise_reports(trygg_domain::promise::PromiseId(id), false)
            .await
            .unwrap();
        let november = reports.iter().find(|r| r.month == "2026-11").unwrap().id;
        let analyst = app.login(Role::Analytiker).await;
        let refused = app
            .post(
                &format!("/promises/reports/{november}/publish"),
                &analyst,
                &[],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let published = app
            .post(
                &format!("/promises/reports/{november}/publish"),
                &coordinator,
                &[],
            )
            .await;
        assert_eq!(published.status, StatusCode::SEE_OTHER);
        assert!(published.location().unwrap().ends_with("?published=1"));
        let again = app
            .post(
                &format!("/promises/reports/{november}/publish"),
                &coordinator,
                &[],
            )
            .await;
        assert!(
            again
                .location()
                .unwrap()
                .contains("error=promise_report_published")
        );

        // The public page, without login: the published report only.
        let public = app.get("/public/promises", None).await;
        assert_eq!(public.status, StatusCode::OK);
        assert!(escaped_title(&public.body), "{}", public.body);
        assert!(public.body.contains("Fotpatrull tre kvällar i veckan &"));
        assert!(!public.body.contains("veckan & dialog"));
        assert!(public.body.contains("november 2026"));
        assert!(!public.body.contains("HEMLIGT UTKAST"));
        assert!(!public.body.contains("december 2026"));
        assert!(
            public
                .body
                .contains(r#"<link rel="alternate" type="application/atom+xml""#)
        );
        assert!(public.body.contains("<svg role=\"img\""), "a chart");
        assert!(
            public.body.contains("<td>44</td>"),
            "the chart's figure in a table"
        );
        assert!(!public.body.contains("Sara Samordnare"), "no person");
        let page = app.get(&format!("/public/promises/{id}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("HEMLIGT UTKAST"));
        assert!(page.body.contains("id=\"month-2026-11\""));

        // The feed: Atom, one entry, escaped.
        let feed = app.get("/public/promises.atom", None).await;
        assert_eq!(feed.status, StatusCode::OK);
        assert_eq!(
            feed.headers.get("content-type").unwrap().to_str().unwrap(),
            "application/atom+xml; charset=utf-8"
        );
        let names = check_xml(&feed.body);
        assert_eq!(names[0], "feed");
        for required in ["id", "title", "updated", "author", "link"] {
            assert!(names.contains(&required.to_owned()), "{required}");
        }
        assert_eq!(names.iter().filter(|n| *n == "entry").count(), 1);
        assert!(feed.body.contains("xmlns=\"http://www.w3.org/2005/Atom\""));
        assert!(
            feed.body
                .contains("Tryggare centrum &lt;&amp;&gt;: november 2026")
        );
        assert!(feed.body.contains(&format!(
            "<id>https://trygg.test/public/promises/{id}#month-2026-11</id>"
        )));
        assert!(feed.body.contains("Fotpatrulltimmar: 44"));
        assert!(!feed.body.contains("HEMLIGT"));

        // The API, without login: the same.
        let api = app.get("/api/v1/promises", None).await;
        assert_eq!(api.status, StatusCode::OK);
        let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
        assert_eq!(json[0]["reports"].as_array().unwrap().len(), 1);
        assert_eq!(json[0]["reports"][0]["month"], "2026-11");
        assert_eq!(json[0]["reports"][0]["values"][1]["value"], 44);
        assert_eq!(json[0]["activities"][0]["owner"], "police");
        assert!(!api.body.contains("HEMLIGT"));
        let one = app.get(&format!("/api/v1/promises/{id}"), None).await;
        assert_eq!(one.status, StatusCode::OK);
        let missing = app.get("/api/v1/promises/999999", None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let err: serde_json::Value = serde_json::from_str(&missing.body).unwrap();
        assert_eq!(err["error"]["code"], "not_found");

        // The coordinator's page shows both; a reader cannot open it.
        let internal = app
            .get(&format!("/promises/{id}"), Some(&coordinator))
            .await;
        assert_eq!(internal.status, StatusCode::OK);
        assert!(internal.body.contains("december 2026"));
        let reader = app.login(Role::Lasare).await;
        assert_eq!(
            app.get(&format!("/promises/{id}"), Some(&reader))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    }
);
