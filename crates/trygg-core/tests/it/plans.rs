//! Agreements and plans on both databases: an agreement with Linköping's priority
//! areas, activities that are measures (their live status shown, a reader seeing only
//! what they may see), a BF group's plan, and the åtgärdsplan version: frozen (a later
//! change of a measure changes neither it nor its hash; the database refuses to change
//! its text), its hash exposing a changed text, its decision recorded once, and its PDF
//! read back with poppler's pdftotext.

use std::process::Command;

use trygg_core::est_meeting::Integrity;
use trygg_core::measures::MeasureInput;
use trygg_core::plans::{ActivityInput, BfGroupInput, NewAgreementInput};
use trygg_core::{Caller, Clock, Error, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::measure::{MeasureId, Transition, TransitionInput};
use trygg_domain::plan::{AgreementInput, DecisionInput, LINKOPING_PRIORITY_AREAS};
use trygg_domain::time::Instant;
use trygg_store::{Backend, Store, on_both_backends};

/// Wednesday 18 November 2026, about 08:53 UTC.
const NOW_S: i64 = 1_795_000_000;

async fn app(db: trygg_store::Db) -> (Trygg, Vec<trygg_core::demo::DemoLogin>) {
    let trygg = Trygg::new(
        db,
        Clock::manual(Instant::from_micros(NOW_S * 1_000_000)),
        Settings::default(),
    );
    let logins = trygg.load_demo().await.unwrap();
    (trygg, logins)
}

async fn caller(trygg: &Trygg, logins: &[trygg_core::demo::DemoLogin], role: Role) -> Caller {
    let l = logins.iter().find(|l| l.role == role).unwrap();
    let s = trygg
        .login(&l.email, &l.password, &RequestMeta::cli())
        .await
        .unwrap();
    Caller::User(Box::new(trygg.authenticate(&s.token).await.unwrap()))
}

fn agreement_input(parties: Vec<i64>) -> NewAgreementInput {
    NewAgreementInput {
        agreement: AgreementInput {
            title: "Samverkansöverenskommelse 2026–2027".into(),
            parties,
            period_start: "2026-01-01".into(),
            period_end: "2027-12-31".into(),
            problems: "Klotter och skadegörelse i centrum".into(),
            causes: "Mörka gångstråk".into(),
            goals: "Otryggheten ska minska med 5 procentenheter".into(),
            follow_up: "Tertialvis i styrgruppen".into(),
            signatories: "Kommunstyrelsens ordförande\nLokalpolisområdeschef".into(),
        },
        priority_areas: LINKOPING_PRIORITY_AREAS.join("\n"),
    }
}

async fn measure(trygg: &Trygg, who: &Caller, title: &str, sharing: &str) -> MeasureId {
    trygg
        .create_measure(
            who,
            &RequestMeta::cli(),
            MeasureInput {
                title: title.into(),
                description: "Beslutad på EST-mötet".into(),
                kind: "lighting".into(),
                due_date: "2026-12-31".into(),
                sharing: sharing.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

on_both_backends!(
    an_agreement_its_plans_and_a_decided_action_plan,
    |db, t| async move {
        let backend = db.backend();
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let reader = caller(&trygg, &logins, Role::Lasare).await;
        let admin = caller(&trygg, &logins, Role::Admin).await;
        let kommun = trygg
            .db
            .organisation_by_name("Linköpings kommun")
            .await
            .unwrap()
            .unwrap();
        let polisen = trygg
            .db
            .organisation_by_name("Polisen, lokalpolisområde Linköping")
            .await
            .unwrap()
            .unwrap();

        // Only the coordinator creates; an agreement needs two parties.
        let input = agreement_input(vec![kommun.id.0, polisen.id.0]);
        assert!(matches!(
            trygg.create_agreement(&reader, &meta, &input).await,
            Err(Error::Forbidden)
        ));
        let one_party = agreement_input(vec![kommun.id.0]);
        match trygg
            .create_agreement(&coordinator, &meta, &one_party)
            .await
        {
            Err(Error::Invalid(i)) => assert_eq!((i.field, i.code), ("parties", "too_few_parties")),
            other => panic!("{other:?}"),
        }
        let id = trygg
            .create_agreement(&coordinator, &meta, &input)
            .await
            .unwrap();
        let view = trygg.agreement(&reader, id).await.unwrap();
        let names: Vec<&str> = view.areas.iter().map(|a| a.area.name.as_str()).collect();
        assert_eq!(names, LINKOPING_PRIORITY_AREAS);
        assert_eq!(view.plans.len(), 1, "the agreement's own plan");
        assert!(!view.may_manage);
        assert!(matches!(
            trygg.agreement(&admin, id).await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            trygg.agreement(&Caller::Anonymous, id).await,
            Err(Error::Unauthenticated)
        ));

        // Activities are measures; an `own` measure cannot become one.
        let lights = measure(&trygg, &coordinator, "Ny belysning i gångtunneln", "").await;
        let secret = measure(&trygg, &coordinator, "Intern åtgärd", "own").await;
        let own_plan = view.plans[0].id;
        let area = view.areas[1].area.id;
        let activity = |m: MeasureId, plan: trygg_domain::plan::ActivityPlanId| ActivityInput {
            plan: plan.to_string(),
            priority_area: area.to_string(),
            measure: m.to_string(),
            note: "Del av målet om trygga stråk".into(),
        };
        trygg
            .add_activity(&coordinator, &meta, id, &activity(lights, own_plan))
            .await
            .unwrap();
        match trygg
            .add_activity(&coordinator, &meta, id, &activity(secret, own_plan))
            .await
        {
            Err(Error::Invalid(i)) => assert_eq!(i.code, "measure_not_shared"),
            other => panic!("{other:?}"),
        }
        match trygg
            .add_activity(&coordinator, &meta, id, &activity(lights, own_plan))
            .await
        {
            Err(Error::Invalid(i)) => assert_eq!(i.code, "activity_exists"),
            other => panic!("{other:?}"),
        }

        // A BF group with its own plan under the agreement, once.
        let skaggetorp = trygg
            .db
            .current_areas(Some(trygg_domain::area::AreaKind::District))
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.name == "Skäggetorp")
            .unwrap();
        let group = trygg
            .create_bf_group(
                &coordinator,
                &meta,
                &BfGroupInput {
                    name: "Lokal BF-grupp Skäggetorp".into(),
                    area: skaggetorp.id.to_string(),
                    description: String::new(),
                    members: vec![kommun.id.0, polisen.id.0],
                },
            )
            .await
            .unwrap();
        let local = trygg
            .create_local_plan(&coordinator, &meta, id, &group.to_string(), "")
            .await
            .unwrap();
        match trygg
            .create_local_plan(&coordinator, &meta, id, &group.to_string(), "")
            .await
        {
            Err(Error::Invalid(i)) => assert_eq!(i.code, "bf_group_has_plan"),
            other => panic!("{other:?}"),
        }
        let graffiti = measure(
            &trygg,
            &coordinator,
            "Sanera klotter vid Skäggetorps centrum",
            "",
        )
        .await;
        trygg
            .add_activity(&coordinator, &meta, id, &activity(graffiti, local))
            .await
            .unwrap();
        let groups = trygg.bf_groups(&reader).await.unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].group.area_name.as_deref(), Some("Skäggetorp"));
        assert_eq!(groups[0].plans[0].1.len(), 1);
        assert_eq!(
            groups[0].plans[0].1[0].row.title,
            "Sanera klotter vid Skäggetorps centrum"
        );

        // The plan shows the measures' live status.
        trygg
            .transition_measure(
                &coordinator,
                &meta,
                lights,
                Transition::parse(&TransitionInput {
                    action: "assign".into(),
                    unit_id: Some(trygg.db.units(kommun.id).await.unwrap()[0].id.0),
                    ..Default::default()
                })
                .unwrap(),
                None,
            )
            .await
            .unwrap();
        let view = trygg.agreement(&reader, id).await.unwrap();
        let shown: Vec<(&str, &str)> = view.areas[1]
            .activities
            .iter()
            .map(|a| (a.row.title.as_str(), a.status.code()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Ny belysning i gångtunneln", "assigned"),
                ("Sanera klotter vid Skäggetorps centrum", "proposed")
            ]
        );
        assert_eq!(
            view.areas[1].activities[1].bf_group.as_deref(),
            Some("Lokal BF-grupp Skäggetorp")
        );

        // The åtgärdsplan: frozen with its hash, decided once, printed from its text.
        let v1 = trygg
            .create_action_plan_version(&coordinator, &meta, id)
            .await
            .unwrap();
        let first = trygg.action_plan_version(&reader, v1).await.unwrap();
        assert_eq!(first.integrity, Integrity::Verified);
        assert_eq!(first.summary.version, 1);
        let content = first.content.clone().unwrap();
        assert_eq!(content.activity_count(), 2);
        assert_eq!(content.priority_areas[1].activities[0].status, "assigned");
        assert_eq!(content.parties.len(), 2);

        // A later change of a measure does not change the version.
        trygg
            .transition_measure(
                &coordinator,
                &meta,
                graffiti,
                Transition::parse(&TransitionInput {
                    action: "assign".into(),
                    unit_id: Some(trygg.db.units(kommun.id).await.unwrap()[0].id.0),
                    ..Default::default()
                })
                .unwrap(),
                None,
            )
            .await
            .unwrap();
        let again = trygg.action_plan_version(&reader, v1).await.unwrap();
        assert_eq!(again.content.unwrap(), content);
        assert_eq!(again.summary.sha256, first.summary.sha256);
        let v2 = trygg
            .create_action_plan_version(&coordinator, &meta, id)
            .await
            .unwrap();
        let second = trygg.action_plan_version(&reader, v2).await.unwrap();
        assert_eq!(second.summary.version, 2);
        assert_ne!(second.summary.sha256, first.summary.sha256);
        assert_eq!(
            trygg.action_plan_versions(&reader, id).await.unwrap().len(),
            2
        );

        // The decision: a date between the version and today, once.
        let decide = |on: &str| DecisionInput {
            decided_on: on.into(),
            body: "Kommunstyrelsen".into(),
            diary_number: "KS 2026-0412".into(),
        };
        match trygg
            .decide_action_plan(&coordinator, &meta, v1, &decide("2026-11-19"))
            .await
        {
            Err(Error::Invalid(i)) => assert_eq!(i.code, "decision_in_future"),
            other => panic!("{other:?}"),
        }
        match trygg
            .decide_action_plan(&coordinator, &meta, v1, &decide("2026-11-17"))
            .await
        {
            Err(Error::Invalid(i)) => assert_eq!(i.code, "decision_before_version"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            trygg
                .decide_action_plan(&reader, &meta, v1, &decide("2026-11-18"))
                .await,
            Err(Error::Forbidden)
        ));
        trygg
            .decide_action_plan(&coordinator, &meta, v1, &decide("2026-11-18"))
            .await
            .unwrap();
        assert!(matches!(
            trygg
                .decide_action_plan(&coordinator, &meta, v1, &decide("2026-11-18"))
                .await,
            Err(Error::Conflict("action_plan_already_decided"))
        ));
        let decided = trygg.action_plan_version(&reader, v1).await.unwrap();
        let d = decided.summary.decision.clone().unwrap();
        assert_eq!(
            (
                d.decided_on.as_str(),
                d.body.as_str(),
                d.diary_number.as_str()
            ),
            ("2026-11-18", "Kommunstyrelsen", "KS 2026-0412")
        );

        // The PDF opens in a real reader and carries the figures, the decision and the hash.
        let (name, pdf) = trygg.action_plan_pdf(&reader, v1).await.unwrap();
        assert_eq!(name, format!("atgardsplan-{}-v1.pdf", id.0));
        let dir =
            std::env::temp_dir().join(format!("trygg-plan-{}-{:?}", std::process::id(), backend));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(&name);
        std::fs::write(&path, &pdf).unwrap();
        let out = Command::new("pdftotext")
            .arg("-layout")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (apt-get install poppler-utils)");
        assert!(out.status.success(), "pdftotext failed");
        let text = String::from_utf8(out.stdout).unwrap();
        for want in [
            "Åtgärdsplan: Samverkansöverenskommelse 2026–2027",
            "Otrygghet och brott i offentlig miljö",
            "Tabell 1. Aktiviteter: Otrygghet och brott i offentlig miljö",
            "gångtunneln (nr",
            "tilldelad",
            "Lokal BF-grupp",
            "Beslutad 2026-11-18 av Kommunstyrelsen, diarienummer KS 2026-0412",
            &first.summary.sha256[..16],
        ] {
            assert!(text.contains(want), "{want} missing in:\n{text}");
        }

        // The database refuses to change a version's text; changed anyway (trigger off),
        // the hash shows it and the PDF is refused.
        let update = format!(
            "UPDATE plan_action_plan_versions SET content = '{{}}' WHERE id = {}",
            v2.0
        );
        assert!(
            t.execute_raw(&update).await.is_err(),
            "the text of a version is frozen"
        );
        match backend {
        Backend::Sqlite => t.execute_raw("DROP TRIGGER plan_action_plan_versions_frozen").await.unwrap(),
        Backend::Postgres => t
            .execute_raw("ALTER TABLE plan_action_plan_versions DISABLE TRIGGER plan_action_plan_versions_frozen")
            .await
            .unwrap(),
    };
        t.execute_raw(&update).await.unwrap();
        let tampered = trygg.action_plan_version(&reader, v2).await.unwrap();
        assert!(matches!(tampered.integrity, Integrity::Mismatch { .. }));
        assert!(tampered.content.is_none());
        assert!(matches!(
            trygg.action_plan_pdf(&reader, v2).await,
            Err(Error::Refused("action_plan_tampered"))
        ));

        // Every write is in the audit chain.
        let actions: Vec<String> = trygg
            .db
            .audit_entries(0, 100_000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.draft.action)
            .filter(|a| a.starts_with("plan."))
            .collect();
        for want in [
            "plan.agreement_created",
            "plan.activity_added",
            "plan.bf_group_created",
            "plan.activity_plan_created",
            "plan.action_plan_version_created",
            "plan.action_plan_decided",
        ] {
            assert!(
                actions.iter().any(|a| a == want),
                "{want} not audited: {actions:?}"
            );
        }
    }
);

on_both_backends!(
    the_demo_has_linkopings_agreement_and_a_decided_plan,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        trygg.load_demo_reports().await.unwrap();
        let reader = caller(&trygg, &logins, Role::Lasare).await;
        let list = trygg.agreements(&reader).await.unwrap();
        assert_eq!(list.len(), 1);
        let view = trygg.agreement(&reader, list[0].row.id).await.unwrap();
        let names: Vec<&str> = view.areas.iter().map(|a| a.area.name.as_str()).collect();
        assert_eq!(names, LINKOPING_PRIORITY_AREAS);
        assert!(view.areas.iter().map(|a| a.activities.len()).sum::<usize>() >= 5);
        assert_eq!(
            view.plans.len(),
            3,
            "the agreement's plan and two BF groups'"
        );
        let groups = trygg.bf_groups(&reader).await.unwrap();
        let group_names: Vec<&str> = groups.iter().map(|g| g.group.name.as_str()).collect();
        assert_eq!(
            group_names,
            ["Lokal BF-grupp Berga", "Lokal BF-grupp Skäggetorp"]
        );
        assert_eq!(view.versions.len(), 1);
        assert!(view.versions[0].decision.is_some());
    }
);
