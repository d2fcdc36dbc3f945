//! EST reporting through the use cases, on both databases: filing, masking, areas,
//! idempotency, the sharing rules, review and the reporting rhythm.

use trygg_core::incidents::{IncidentInput, ReportError, ReviewInput, WhereInput};
use trygg_core::{Caller, Clock, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::geo::Wgs84;
use trygg_domain::time::Instant;
use trygg_store::incident::IncidentFilter;
use trygg_store::{Store, on_both_backends};

async fn app(db: trygg_store::Db) -> (Trygg, Vec<trygg_core::demo::DemoLogin>) {
    let trygg = Trygg::new(
        db,
        Clock::manual(Instant::from_micros(1_790_000_000_000_000)),
        Settings::default(),
    );
    let logins = trygg.load_demo().await.unwrap();
    trygg.ensure_default_categories().await.unwrap();
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

fn at_resecentrum(description: &str, sharing: &str) -> IncidentInput {
    IncidentInput {
        category: "Klotter".into(),
        description: description.into(),
        occurred_at: "2026-09-12 22:30".into(),
        place: WhereInput {
            point: Some(Wgs84::new(58.41611, 15.62583).unwrap()),
            ..Default::default()
        },
        creates_insecurity: true,
        sharing: Some(sharing.into()),
        ..Default::default()
    }
}

on_both_backends!(
    a_report_is_masked_located_and_filed_once,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let meta = RequestMeta::cli();
        let filed = trygg
            .file_report(
                &reporter,
                &meta,
                vec![at_resecentrum(
                    "Klotter på väggen, vittne 19121212-1212 ring 070-123 45 67",
                    "partners",
                )],
                Some("phone-retry-1".into()),
            )
            .await
            .unwrap();
        assert!(filed.new);
        assert_eq!(
            filed.personal_data[0].total(),
            2,
            "personnummer and phone found"
        );
        let again = trygg
            .file_report(
                &reporter,
                &meta,
                vec![at_resecentrum("Klotter igen", "partners")],
                Some("phone-retry-1".into()),
            )
            .await
            .unwrap();
        assert!(!again.new, "a retried submission is not stored twice");
        assert_eq!(again.report, filed.report);

        let (rows, total) = trygg
            .incidents(
                &reporter,
                &IncidentFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(total, 1);
        let row = &rows[0];
        assert!(
            !row.description.contains("19121212-1212"),
            "stored masked: {}",
            row.description
        );
        assert!(!row.description.contains("123 45 67"));
        assert_eq!(row.category_code, "klotter");
        assert_eq!(row.status, "submitted");
        // Resecentrum lies in Vasastaden-Hunneberg (RegSO) and in Linköping (kommun).
        let areas = trygg.db.current_areas(None).await.unwrap();
        let located: Vec<String> =
            trygg_store::incident::IncidentStore::incident_areas(&trygg.db, row.id)
                .await
                .unwrap()
                .iter()
                .filter_map(|id| areas.iter().find(|a| a.id == *id).map(|a| a.name.clone()))
                .collect();
        assert!(
            located.iter().any(|n| n == "Vasastaden-Hunneberg"),
            "{located:?}"
        );
        let audit = trygg.db.audit_entries(0, 100_000).await.unwrap();
        let filed_entry = audit
            .iter()
            .rev()
            .find(|e| e.draft.action == "report_filed")
            .unwrap();
        assert!(
            filed_entry.draft.detail.contains("personnummer"),
            "detections are counted in the audit entry"
        );
    }
);

on_both_backends!(bad_incidents_refuse_the_whole_report, |db, _t| async move {
    let (trygg, logins) = app(db).await;
    let reporter = caller(&trygg, &logins, Role::Rapportor).await;
    let good = at_resecentrum("Nedklottrad busskur", "partners");
    let mut bad = at_resecentrum("Okänd kategori", "partners");
    bad.category = "ufo".into();
    let mut nowhere = at_resecentrum("Ingen plats", "partners");
    nowhere.place = WhereInput::default();
    let err = trygg
        .file_report(
            &reporter,
            &RequestMeta::cli(),
            vec![good, bad, nowhere],
            None,
        )
        .await
        .unwrap_err();
    let ReportError::Invalid(errors) = err else {
        panic!("expected field errors")
    };
    assert_eq!(
        errors
            .iter()
            .map(|e| (e.index, e.invalid.code))
            .collect::<Vec<_>>(),
        [(1, "unknown_category"), (2, "position_required")]
    );
    let (_, total) = trygg
        .incidents(
            &Caller::System,
            &IncidentFilter {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(total, 0, "nothing was stored");
    let reader = caller(&trygg, &logins, Role::Lasare).await;
    assert!(
        trygg
            .file_report(
                &reader,
                &RequestMeta::cli(),
                vec![at_resecentrum("x y z", "partners")],
                None
            )
            .await
            .is_err()
    );
});

on_both_backends!(
    own_incidents_stay_inside_their_organisation,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        // The reporter works for Stångåstaden; the analyst for the police.
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let analyst = caller(&trygg, &logins, Role::Analytiker).await;
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let meta = RequestMeta::cli();
        trygg
            .file_report(
                &reporter,
                &meta,
                vec![at_resecentrum("Delad med partner", "partners")],
                None,
            )
            .await
            .unwrap();
        trygg
            .file_report(
                &reporter,
                &meta,
                vec![at_resecentrum("Bara vår organisation", "own")],
                None,
            )
            .await
            .unwrap();
        let all = IncidentFilter {
            limit: 50,
            ..Default::default()
        };
        let (seen, total) = trygg.incidents(&analyst, &all).await.unwrap();
        assert_eq!(total, 1, "the police see the shared one only");
        assert_eq!(seen[0].description, "Delad med partner");
        let (_, total) = trygg.incidents(&coordinator, &all).await.unwrap();
        assert_eq!(total, 2, "the coordinator sees both");
        let (mine, _) = trygg.incidents(&reporter, &all).await.unwrap();
        let own = mine.iter().find(|r| r.sharing == "own").unwrap();
        assert!(
            matches!(
                trygg.incident(&analyst, own.id).await,
                Err(trygg_core::Error::NotFound)
            ),
            "not even by id"
        );
        // Text search cannot reveal it either.
        let (found, _) = trygg
            .incidents(
                &analyst,
                &IncidentFilter {
                    text: Some("organisation".into()),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(found.is_empty());
        let reader = caller(&trygg, &logins, Role::Lasare).await;
        assert!(matches!(
            trygg.incidents(&reader, &all).await,
            Err(trygg_core::Error::Forbidden)
        ));
    }
);

on_both_backends!(
    review_accepts_rejects_and_merges_duplicates,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let meta = RequestMeta::cli();
        for text in ["Klotter på tunneln", "Samma klotter igen", "Tredje anmälan"] {
            trygg
                .file_report(
                    &reporter,
                    &meta,
                    vec![at_resecentrum(text, "partners")],
                    None,
                )
                .await
                .unwrap();
        }
        let (queue, n) = trygg.review_queue(&coordinator, 50).await.unwrap();
        assert_eq!(n, 3);
        let suggestions = trygg
            .duplicate_suggestions(&coordinator, queue[0].id, 150.0, 24)
            .await
            .unwrap();
        assert_eq!(
            suggestions.len(),
            2,
            "same category, same place, same evening"
        );
        trygg
            .review(
                &coordinator,
                &meta,
                queue[1].id,
                ReviewInput::Merge { into: queue[0].id },
            )
            .await
            .unwrap();
        trygg
            .review(
                &coordinator,
                &meta,
                queue[0].id,
                ReviewInput::Accept {
                    note: Some("Tack!".into()),
                },
            )
            .await
            .unwrap();
        assert!(
            trygg
                .review(
                    &coordinator,
                    &meta,
                    queue[2].id,
                    ReviewInput::Reject { reason: " ".into() }
                )
                .await
                .is_err(),
            "a reason is required"
        );
        trygg
            .review(
                &coordinator,
                &meta,
                queue[2].id,
                ReviewInput::Reject {
                    reason: "Utanför kommunen".into(),
                },
            )
            .await
            .unwrap();
        trygg
            .review(
                &coordinator,
                &meta,
                queue[0].id,
                ReviewInput::Reclassify {
                    category: "skadegörelse".into(),
                    note: None,
                },
            )
            .await
            .unwrap();
        // The reporter sees each status and the note: nobody reports into a void.
        let (mine, _) = trygg
            .incidents(
                &reporter,
                &IncidentFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let status = |id| mine.iter().find(|r| r.id == id).unwrap();
        assert_eq!(status(queue[0].id).status, "accepted");
        assert_eq!(status(queue[0].id).category_code, "skadegörelse");
        assert_eq!(status(queue[1].id).status, "merged");
        assert_eq!(status(queue[1].id).merged_into, Some(queue[0].id));
        assert_eq!(
            status(queue[2].id).review_note.as_deref(),
            Some("Utanför kommunen")
        );
        assert!(
            trygg
                .review(
                    &reporter,
                    &meta,
                    queue[2].id,
                    ReviewInput::Accept { note: None }
                )
                .await
                .is_err(),
            "only coordinators review"
        );
    }
);

on_both_backends!(the_rhythm_shows_who_has_not_reported, |db, _t| async move {
    let (trygg, logins) = app(db).await;
    let reporter = caller(&trygg, &logins, Role::Rapportor).await;
    let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
    trygg
        .file_report(
            &reporter,
            &RequestMeta::cli(),
            vec![at_resecentrum("En rapport", "partners")],
            None,
        )
        .await
        .unwrap();
    let now = trygg.clock.now();
    let week = trygg
        .rhythm(
            &coordinator,
            now.minus_seconds(7 * 86400),
            now.plus_seconds(1),
        )
        .await
        .unwrap();
    let reported: Vec<&str> = week
        .rows
        .iter()
        .filter(|(_, r)| !r.is_empty())
        .map(|(o, _)| o.name.as_str())
        .collect();
    assert_eq!(reported, ["AB Stångåstaden"]);
    assert!(week.silent().any(|o| o.name.starts_with("Polisen")));
    assert!(trygg.rhythm(&reporter, now, now).await.is_err());
});
