//! Medborgarlöften through the use cases, on both databases: only the coordinator writes
//! and publishes; drafts never reach the public types or the feed; a published report is
//! final (also for the store, whose triggers refuse it); a computed indicator equals the
//! incidents counted by hand below; the demo has a year of reports with the newest a
//! draft.

use trygg_core::incidents::{IncidentInput, ReviewInput, WhereInput};
use trygg_core::promises::{IndicatorInput, PromiseInput, ReportInput};
use trygg_core::{Caller, Clock, Error, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::area::AreaKind;
use trygg_domain::geo::Wgs84;
use trygg_domain::incident::IncidentId;
use trygg_domain::promise::{IndicatorSource, Month};
use trygg_domain::time::Instant;
use trygg_store::incident::{IncidentFilter, IncidentStore, Visibility};
use trygg_store::promise::PromiseStore;
use trygg_store::{Store, StoreError, on_both_backends};

/// Skäggetorp's centre and the city centre (Innerstaden).
const SKAGGETORP: (f64, f64) = (58.4262, 15.5898);
const INNERSTADEN: (f64, f64) = (58.41611, 15.62583);

async fn app(db: trygg_store::Db) -> (Trygg, Vec<trygg_core::demo::DemoLogin>) {
    // 2026-11-18: October is over, November is the current month.
    let trygg = Trygg::new(
        db,
        Clock::manual(Instant::from_micros(1_795_500_000_000_000)),
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

async fn district(trygg: &Trygg, name: &str) -> String {
    trygg
        .db
        .current_areas(Some(AreaKind::District))
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
        .id
        .to_string()
}

fn incident(category: &str, when: &str, at: (f64, f64)) -> IncidentInput {
    IncidentInput {
        category: category.into(),
        description: format!("{category} vid centrum"),
        occurred_at: when.into(),
        place: WhereInput {
            point: Some(Wgs84::new(at.0, at.1).unwrap()),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn promise_input(area: &str) -> PromiseInput {
    PromiseInput {
        title: "Tryggare Skäggetorps centrum".into(),
        statement: "Vi lovar att öka tryggheten i Skäggetorps centrum".into(),
        area: area.into(),
        first_month: "2026-09".into(),
        activities: vec![
            ("polisen går fotpatrull i centrum".into(), "police".into()),
            (
                "kommunen sanerar klotter inom 48 timmar".into(),
                "municipality".into(),
            ),
            (String::new(), "both".into()),
        ],
        indicators: vec![
            IndicatorInput {
                name: "Klotter i Skäggetorp".into(),
                source: "incidents".into(),
                categories: "klotter".into(),
                ..Default::default()
            },
            IndicatorInput {
                name: "Fotpatrulltimmar".into(),
                source: "manual".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    }
}

on_both_backends!(
    drafts_stay_internal_and_published_reports_are_final,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let analyst = caller(&trygg, &logins, Role::Analytiker).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let area = district(&trygg, "Skäggetorp").await;

        // Only the coordinator writes promises; the others are refused.
        for who in [&analyst, &reporter] {
            assert!(matches!(
                trygg
                    .create_promise(who, &meta, promise_input(&area))
                    .await
                    .unwrap_err(),
                Error::Forbidden
            ));
        }
        assert!(matches!(
            trygg
                .create_promise(&Caller::Anonymous, &meta, promise_input(&area))
                .await
                .unwrap_err(),
            Error::Unauthenticated
        ));
        // A computed indicator needs an area.
        let err = trygg
            .create_promise(&coordinator, &meta, promise_input(""))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "indicator_needs_area");
        let id = trygg
            .create_promise(&coordinator, &meta, promise_input(&area))
            .await
            .unwrap();
        let detail = trygg.promise_detail(&coordinator, id).await.unwrap();
        assert_eq!(detail.activities.len(), 2, "the empty row is skipped");
        let (graffiti, hours) = (detail.indicators[0].id, detail.indicators[1].id);

        let october = ReportInput {
            month: "2026-10".into(),
            done_text: "Fotpatrull tre kvällar i veckan.".into(),
            comments: String::new(),
            values: vec![(hours, "42".into())],
        };
        let rid = trygg
            .save_promise_report(&coordinator, &meta, id, october.clone())
            .await
            .unwrap();
        assert!(matches!(
            trygg
                .save_promise_report(&analyst, &meta, id, october.clone())
                .await
                .unwrap_err(),
            Error::Forbidden
        ));
        // A draft is nowhere public.
        assert!(trygg.public_promises().await.unwrap().is_empty());
        assert!(matches!(
            trygg.public_promise(id).await.unwrap_err(),
            Error::NotFound
        ));
        assert!(trygg.promise_feed().await.unwrap().is_empty());
        // Only the coordinator may publish.
        assert!(matches!(
            trygg
                .publish_promise_report(&analyst, &meta, rid)
                .await
                .unwrap_err(),
            Error::Forbidden
        ));
        trygg
            .publish_promise_report(&coordinator, &meta, rid)
            .await
            .unwrap();

        // November, the current month, stays a draft.
        let november = ReportInput {
            month: "2026-11".into(),
            done_text: "Utkast: dialogmöte planerat.".into(),
            ..Default::default()
        };
        let draft_id = trygg
            .save_promise_report(&coordinator, &meta, id, november)
            .await
            .unwrap();
        // December has not begun.
        let err = trygg
            .save_promise_report(
                &coordinator,
                &meta,
                id,
                ReportInput {
                    month: "2026-12".into(),
                    done_text: "x".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "promise_month_in_future");

        let public = trygg.public_promise(id).await.unwrap();
        assert_eq!(public.reports.len(), 1);
        assert_eq!(public.reports[0].month, "2026-10");
        assert_eq!(public.reports[0].id, rid);
        let list = trygg.public_promises().await.unwrap();
        assert_eq!(list.len(), 1);
        assert!(list[0].reports.iter().all(|r| r.id != draft_id));
        let feed = trygg.promise_feed().await.unwrap();
        assert_eq!(feed.len(), 1);
        assert_eq!(feed[0].report.id, rid);
        assert_eq!(feed[0].promise_title, "Tryggare Skäggetorps centrum");
        // The coordinator sees both.
        assert_eq!(
            trygg
                .promise_detail(&coordinator, id)
                .await
                .unwrap()
                .reports
                .len(),
            2
        );

        // Published is final: saving over it, publishing again, and the store itself.
        let before = trygg.db.promise_report(rid).await.unwrap().unwrap();
        let err = trygg
            .save_promise_report(
                &coordinator,
                &meta,
                id,
                ReportInput {
                    done_text: "Ändrad text".into(),
                    ..october
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "promise_report_published");
        let err = trygg
            .publish_promise_report(&coordinator, &meta, rid)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "promise_report_published");
        let audit = trygg_domain::audit::AuditDraft {
            at: trygg.clock.now(),
            actor_user_id: None,
            actor_org_id: None,
            action: "test".into(),
            object_type: "promise_report".into(),
            object_id: None,
            request_id: None,
            detail: "{}".into(),
        };
        let refused = trygg
            .db
            .publish_promise_report(rid, None, trygg.clock.now(), audit)
            .await
            .unwrap_err();
        assert!(
            matches!(
                refused,
                StoreError::Conflict {
                    constraint: "promise_report_published"
                }
            ),
            "{refused:?}"
        );
        assert_eq!(trygg.db.promise_report(rid).await.unwrap().unwrap(), before);

        // Changing the promise retires a dropped indicator but keeps the published name.
        let mut changed = promise_input(&area);
        changed.indicators = vec![IndicatorInput {
            id: graffiti.to_string(),
            name: "Klotter (nytt namn)".into(),
            source: "incidents".into(),
            categories: "klotter".into(),
        }];
        trygg
            .update_promise(&coordinator, &meta, id, changed)
            .await
            .unwrap();
        let after = trygg.public_promise(id).await.unwrap();
        assert_eq!(after.reports[0], public.reports[0]);
        assert_eq!(after.indicators[0].1, "Klotter i Skäggetorp");
        let indicators = trygg
            .promise_detail(&coordinator, id)
            .await
            .unwrap()
            .indicators;
        assert!(indicators.iter().any(|i| i.id == hours && i.retired));

        // Every write is in the audit log.
        let actions: Vec<String> = trygg
            .db
            .audit_entries(0, 100_000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.draft.action)
            .collect();
        for a in [
            "promise_created",
            "promise_report_saved",
            "promise_report_published",
            "promise_changed",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} audited");
        }
    }
);

on_both_backends!(
    a_computed_indicator_equals_a_count_by_hand,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let area = district(&trygg, "Skäggetorp").await;
        // By hand: October in Skäggetorp has three graffiti reports (one rejected later,
        // so two count), one vandalism report; September has one graffiti report; the
        // city centre one graffiti report in October.
        let filed = [
            incident("klotter", "2026-10-01 00:30", SKAGGETORP), // counts (Swedish time)
            incident("klotter", "2026-10-12 22:30", SKAGGETORP), // counts
            incident("klotter", "2026-10-20 21:00", SKAGGETORP), // rejected below
            incident("skadegörelse", "2026-10-14 23:00", SKAGGETORP),
            incident("klotter", "2026-09-30 23:30", SKAGGETORP), // September
            incident("klotter", "2026-10-05 20:00", INNERSTADEN),
        ];
        trygg
            .file_report(&reporter, &meta, filed.to_vec(), None)
            .await
            .map_err(|_| "filing failed")
            .unwrap();
        let (rows, _) = trygg
            .db
            .incidents(
                &IncidentFilter {
                    limit: 100,
                    order: trygg_store::incident::IncidentOrder::OldestFirst,
                    ..Default::default()
                },
                Visibility {
                    all: true,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let rejected: IncidentId = rows
            .iter()
            .find(|r| r.occurred_from.local_display() == "2026-10-20 21:00")
            .unwrap()
            .id;
        trygg
            .review(
                &coordinator,
                &meta,
                rejected,
                ReviewInput::Reject {
                    reason: "Dubblett".into(),
                },
            )
            .await
            .unwrap();

        let mut input = promise_input(&area);
        input.indicators.push(IndicatorInput {
            name: "Klotter och skadegörelse".into(),
            source: "incidents".into(),
            categories: "skadegörelse, klotter".into(),
            ..Default::default()
        });
        let id = trygg
            .create_promise(&coordinator, &meta, input)
            .await
            .unwrap();
        let detail = trygg.promise_detail(&coordinator, id).await.unwrap();
        let october = Month::parse("m", "2026-10").unwrap();
        let computed = trygg
            .computed_values(&coordinator, id, october)
            .await
            .unwrap();
        assert_eq!(
            computed,
            vec![
                (detail.indicators[0].id, Some(2)),
                (detail.indicators[1].id, None),
                (detail.indicators[2].id, Some(3)),
            ]
        );
        let september = Month::parse("m", "2026-09").unwrap();
        assert_eq!(
            trygg
                .compute_indicator(
                    detail.promise.area_id,
                    &IndicatorSource::Incidents {
                        categories: vec!["klotter".into()]
                    },
                    september
                )
                .await
                .unwrap(),
            Some(1)
        );

        // The report takes the computed value when none is typed, and marks it;
        // a corrected value is kept and not marked computed.
        let rid = trygg
            .save_promise_report(
                &coordinator,
                &meta,
                id,
                ReportInput {
                    month: "2026-10".into(),
                    done_text: "Sanering inom 48 timmar.".into(),
                    values: vec![(detail.indicators[2].id, "4".into())],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let r = trygg.promise_report(&coordinator, rid).await.unwrap();
        assert_eq!(r.values[0].value, Some(2));
        assert!(r.values[0].computed);
        assert_eq!(r.values[1].value, None);
        assert_eq!(r.values[2].value, Some(4));
        assert!(!r.values[2].computed);
        // A bad typed value is a field error.
        let err = trygg
            .save_promise_report(
                &coordinator,
                &meta,
                id,
                ReportInput {
                    month: "2026-10".into(),
                    done_text: "x".into(),
                    values: vec![(detail.indicators[1].id, "-3".into())],
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "invalid_indicator_value");
    }
);

on_both_backends!(
    the_demo_has_a_year_of_reports_with_the_newest_a_draft,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        trygg.load_demo_reports().await.unwrap();
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let list = trygg.promises(&coordinator).await.unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].published, 11);
        assert_eq!(list[0].drafts, 1);
        assert_eq!(list[0].latest_month.as_deref(), Some("2026-10"));
        let detail = trygg
            .promise_detail(&coordinator, list[0].promise.id)
            .await
            .unwrap();
        assert_eq!(
            detail.promise.statement,
            "Vi lovar att öka tryggheten i Skäggetorps centrum"
        );
        let draft = detail.reports.last().unwrap();
        assert_eq!(draft.status, "draft");
        // Every computed value is the computation for its month.
        for r in &detail.reports {
            let month = Month::parse("m", &r.month).unwrap();
            for (v, ind) in r.values.iter().zip(&detail.indicators) {
                if ind.source.computed() {
                    assert_eq!(
                        v.value,
                        trygg
                            .compute_indicator(detail.promise.area_id, &ind.source, month)
                            .await
                            .unwrap(),
                        "{} {}",
                        r.month,
                        ind.name
                    );
                }
            }
        }
        let total: i64 = detail
            .reports
            .iter()
            .filter_map(|r| r.values[0].value)
            .sum();
        assert!(total > 0, "the demo incidents give the indicator figures");
        let public = trygg.public_promise(detail.promise.id).await.unwrap();
        assert_eq!(public.reports.len(), 11);
        assert!(public.reports.iter().all(|r| r.month != "2026-10"));
        // Loading again adds nothing.
        trygg.load_demo_reports().await.unwrap();
        assert_eq!(trygg.promises(&coordinator).await.unwrap().len(), 1);
    }
);
