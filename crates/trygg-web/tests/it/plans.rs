//! The plan pages and API on both databases: an agreement created through the form
//! (refused first with Swedish errors and the input kept), an activity added from a
//! measure, the measure's status shown, an åtgärdsplan version made and its decision
//! recorded (a bad diary number refused in Swedish), its PDF served, and the API's list,
//! agreement and versions. (Every route × role is checked by `access.rs`.)

use axum::http::StatusCode;
use trygg_core::measures::MeasureInput;
use trygg_core::{Caller, RequestMeta};
use trygg_domain::account::Role;
use trygg_store::{Store, on_both_backends};

use crate::harness::TestApp;

on_both_backends!(
    an_agreement_through_the_pages_and_the_api,
    |db, _t| async move {
        let app = TestApp::new(db).await;
        let coordinator = app.login(Role::Samordnare).await;
        let reader = app.login(Role::Lasare).await;
        let kommun = app
            .trygg
            .db
            .organisation_by_name("Linköpings kommun")
            .await
            .unwrap()
            .unwrap();
        let polisen = app
            .trygg
            .db
            .organisation_by_name("Polisen, lokalpolisområde Linköping")
            .await
            .unwrap()
            .unwrap();
        let measure = app
            .trygg
            .create_measure(
                &Caller::System,
                &RequestMeta::cli(),
                MeasureInput {
                    title: "Belysning <i gångtunneln>".into(),
                    description: "Från lägesbilden".into(),
                    kind: "lighting".into(),
                    due_date: "2027-03-31".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();

        // The form, prefilled with Linköping's three priority areas.
        let form = app.get("/plans/new", Some(&coordinator)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("Otrygghet och brott i offentlig miljö"));

        // One party only: refused in Swedish, the input kept.
        let (k, p) = (kommun.id.to_string(), polisen.id.to_string());
        let mut fields = vec![
            ("title", "Överenskommelse 2027"),
            ("parties", k.as_str()),
            ("period_start", "2027-01-01"),
            ("period_end", "2027-12-31"),
            ("problems", "Klotter i centrum"),
            ("causes", "Mörka stråk"),
            ("goals", "Halverat klotter"),
            ("follow_up", "Tertialvis"),
            ("signatories", "Kommunstyrelsens ordförande"),
            (
                "priority_areas",
                "Organiserad brottslighet\nOtrygghet och brott i offentlig miljö\nUngdomsbrottslighet",
            ),
        ];
        let refused = app.post("/plans", &coordinator, &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.body.contains("Välj minst två parter."),
            "{}",
            refused.body
        );
        assert!(refused.body.contains("value=\"Överenskommelse 2027\""));
        assert!(refused.body.contains("aria-invalid") || refused.body.contains("parties-error"));
        fields.push(("parties", p.as_str()));
        let created = app.post("/plans", &coordinator, &fields).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let page_path = created
            .location()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let id: i64 = page_path.trim_start_matches("/plans/").parse().unwrap();

        // Add the measure as an activity under the second area, in the agreement's plan.
        let view = app
            .trygg
            .agreement(&Caller::System, trygg_domain::plan::AgreementId(id))
            .await
            .unwrap();
        let (plan, area) = (
            view.plans[0].id.to_string(),
            view.areas[1].area.id.to_string(),
        );
        let m = measure.to_string();
        let bad = app
            .post(
                &format!("/plans/{id}/activities"),
                &coordinator,
                &[
                    ("plan", &plan),
                    ("priority_area", &area),
                    ("measure", ""),
                    ("note", "behållen text"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Välj en åtgärd i listan."));
        assert!(bad.body.contains("behållen text"));
        let added = app
            .post(
                &format!("/plans/{id}/activities"),
                &coordinator,
                &[
                    ("plan", &plan),
                    ("priority_area", &area),
                    ("measure", &m),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER);
        let page = app.get(&page_path, Some(&reader)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Belysning &#60;i gångtunneln&#62;"),
            "escaped: {}",
            page.body
        );
        assert!(page.body.contains("föreslagen"), "the measure's status");
        assert!(
            !page.body.contains("/plans/1/activities\""),
            "no forms for a reader"
        );

        // Edit: a stale version is refused in Swedish, the current one saves.
        let edit = app
            .get(&format!("{page_path}/edit"), Some(&coordinator))
            .await;
        assert_eq!(edit.status, StatusCode::OK);
        assert!(edit.body.contains("value=\"Överenskommelse 2027\""));
        let mut changed: Vec<(&str, &str)> = fields
            .iter()
            .filter(|(k, _)| *k != "priority_areas")
            .cloned()
            .collect();
        changed.retain(|(k, _)| *k != "title");
        changed.push(("title", "Överenskommelse 2027, reviderad"));
        let mut stale = changed.clone();
        stale.push(("version", "0"));
        let refused = app
            .post(&format!("{page_path}/edit"), &coordinator, &stale)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .body
                .contains("Någon annan har ändrat överenskommelsen"),
            "{}",
            refused.body
        );
        assert!(refused.body.contains("reviderad"), "the input is kept");
        changed.push(("version", "1"));
        let saved = app
            .post(&format!("{page_path}/edit"), &coordinator, &changed)
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert!(
            app.get(&page_path, Some(&reader))
                .await
                .body
                .contains("Överenskommelse 2027, reviderad")
        );

        // Removing an activity keeps the measure; adding it back works.
        let activity = app
            .trygg
            .agreement(&Caller::System, trygg_domain::plan::AgreementId(id))
            .await
            .unwrap()
            .areas[1]
            .activities[0]
            .row
            .id;
        let removed = app
            .post(
                &format!("/plans/activities/{activity}/remove"),
                &coordinator,
                &[],
            )
            .await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER);
        assert!(
            app.trygg
                .agreement(&Caller::System, trygg_domain::plan::AgreementId(id))
                .await
                .unwrap()
                .areas[1]
                .activities
                .is_empty()
        );
        let again = app
            .post(
                &format!("/plans/{id}/activities"),
                &coordinator,
                &[
                    ("plan", &plan),
                    ("priority_area", &area),
                    ("measure", &m),
                    ("note", ""),
                ],
            )
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);

        // An åtgärdsplan version and its decision.
        let made = app
            .post(&format!("/plans/{id}/versions"), &coordinator, &[])
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER);
        let version_path = made
            .location()
            .unwrap()
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let decision = format!("{version_path}/decision");
        let wrong = app
            .post(
                &decision,
                &coordinator,
                &[
                    ("decided_on", "2027-01-15"),
                    ("body", "Kommunstyrelsen"),
                    ("diary_number", "utan nummer"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("med minst en siffra"), "{}", wrong.body);
        assert!(wrong.body.contains("value=\"Kommunstyrelsen\""));
        let ok = app
            .post(
                &decision,
                &coordinator,
                &[
                    ("decided_on", "2027-01-15"),
                    ("body", "Kommunstyrelsen"),
                    ("diary_number", "KS 2027-0012"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let shown = app.get(&version_path, Some(&reader)).await;
        assert!(
            shown
                .body
                .contains("Beslutad 2027-01-15 av Kommunstyrelsen, dnr KS 2027-0012"),
            "{}",
            shown.body
        );
        let pdf = app.get(&format!("{version_path}/pdf"), Some(&reader)).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.headers.get("content-type").unwrap(), "application/pdf");
        assert!(pdf.body.starts_with("%PDF") || pdf.body.contains("PDF"));

        // The API.
        let list: serde_json::Value =
            serde_json::from_str(&app.get("/api/v1/plans", Some(&reader)).await.body).unwrap();
        assert_eq!(list[0]["id"], id);
        assert_eq!(list[0]["parties"].as_array().unwrap().len(), 2);
        assert_eq!(
            list[0]["latest_action_plan"]["decision"]["diary_number"],
            "KS 2027-0012"
        );
        let one: serde_json::Value = serde_json::from_str(
            &app.get(&format!("/api/v1/plans/{id}"), Some(&reader))
                .await
                .body,
        )
        .unwrap();
        assert_eq!(
            one["priority_areas"][1]["name"],
            "Otrygghet och brott i offentlig miljö"
        );
        assert_eq!(
            one["priority_areas"][1]["activities"][0]["measure_id"],
            measure.0
        );
        assert_eq!(
            one["priority_areas"][1]["activities"][0]["status"],
            "proposed"
        );
        let versions: serde_json::Value = serde_json::from_str(
            &app.get(&format!("/api/v1/plans/{id}/action-plan"), Some(&reader))
                .await
                .body,
        )
        .unwrap();
        let vid = versions[0]["id"].as_i64().unwrap();
        assert_eq!(versions[0]["version"], 1);
        let v: serde_json::Value = serde_json::from_str(
            &app.get(&format!("/api/v1/plans/action-plan/{vid}"), Some(&reader))
                .await
                .body,
        )
        .unwrap();
        assert_eq!(v["verified"], true);
        assert_eq!(
            v["content"]["priority_areas"][1]["activities"][0]["title"],
            "Belysning <i gångtunneln>"
        );
        let missing = app.get("/api/v1/plans/999", Some(&reader)).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
    }
);
