//! Lists and counts of one area's period apply the sharing rules: they are driven by
//! `incident_areas` (its `shared` copy of the sharing level) and look up the incident
//! only for what is not shared, so the page and the total must still agree per caller.

use trygg_core::incidents::{IncidentInput, WhereInput};
use trygg_core::{Caller, Clock, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::geo::Wgs84;
use trygg_domain::time::Instant;
use trygg_store::incident::{IncidentFilter, IncidentStore};
use trygg_store::on_both_backends;

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
    an_area_list_counts_only_what_the_caller_may_see,
    |db, _t| async move {
        let trygg = Trygg::new(
            db,
            Clock::manual(Instant::from_micros(1_790_000_000_000_000)),
            Settings::default(),
        );
        let logins = trygg.load_demo().await.unwrap();
        // The reporter works for Stångåstaden; the analyst for the police.
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let analyst = caller(&trygg, &logins, Role::Analytiker).await;
        let meta = RequestMeta::cli();
        for (text, sharing) in [
            ("Delad", "partners"),
            ("Bara vår", "own"),
            ("Delad igen", "partners"),
        ] {
            trygg
                .file_report(&reporter, &meta, vec![at_resecentrum(text, sharing)], None)
                .await
                .unwrap();
        }
        let (all, _) = trygg
            .incidents(
                &Caller::System,
                &IncidentFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let areas = trygg.db.incident_areas(all[0].id).await.unwrap();
        assert!(!areas.is_empty(), "Resecentrum lies in areas");
        let from: jiff::Timestamp = "2026-09-01T00:00:00+02:00".parse().unwrap();
        let to: jiff::Timestamp = "2026-10-01T00:00:00+02:00".parse().unwrap();
        for area in areas {
            let filter = |limit| IncidentFilter {
                area: Some(area),
                from: Some(Instant::from_timestamp(from)),
                to: Some(Instant::from_timestamp(to)),
                limit,
                ..Default::default()
            };
            for (who, caller, expected) in [
                ("coordinator", &Caller::System, 3),
                ("reporter (own records and shared)", &reporter, 3),
                ("police analyst (shared only)", &analyst, 2),
            ] {
                let (page, total) = trygg.incidents(caller, &filter(50)).await.unwrap();
                assert_eq!(total, expected, "{who}: total in area {area:?}");
                assert_eq!(page.len() as i64, expected, "{who}: page in area {area:?}");
                // A page smaller than the selection still counts all of it.
                let (page, total) = trygg.incidents(caller, &filter(1)).await.unwrap();
                assert_eq!((page.len(), total), (1, expected), "{who}: one-row page");
            }
            let (page, _) = trygg.incidents(&analyst, &filter(50)).await.unwrap();
            assert!(page.iter().all(|r| r.sharing == "partners"));
            // Another month holds none of them.
            let (_, total) = trygg
                .incidents(
                    &Caller::System,
                    &IncidentFilter {
                        from: Some(Instant::from_timestamp(to)),
                        ..filter(50)
                    },
                )
                .await
                .unwrap();
            assert_eq!(total, 0);
        }
    }
);
