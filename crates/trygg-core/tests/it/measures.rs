//! Measures through the use cases, on both databases: the whole workflow with its
//! history, refusals (illegal transitions, another unit), "my work" overdue first, the
//! e-mail outbox delivered through a real SMTP server (once, also with two senders;
//! retried after a failure), and the effect figures against a hand calculation.

use trygg_core::accounts::UserInput;
use trygg_core::mail::{MailSettings, Mailer};
use trygg_core::measures::{EffectOutcome, MeasureInput, WorkReason};
use trygg_core::{Caller, Clock, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::measure::{MeasureId, MeasureStatus, Transition, TransitionInput, Urgency};
use trygg_domain::time::Instant;
use trygg_store::incident::{IncidentStore, NewIncident};
use trygg_store::measure::MeasureStore;
use trygg_store::{Store, on_both_backends};

use crate::smtp_sink::SmtpSink;

/// 2026-09-21 14:13 UTC.
const START: i64 = 1_790_000_000_000_000;

async fn app(db: trygg_store::Db) -> (Trygg, Vec<trygg_core::demo::DemoLogin>) {
    let trygg = Trygg::new(
        db,
        Clock::manual(Instant::from_micros(START)),
        Settings::default(),
    );
    let logins = trygg.load_demo().await.unwrap();
    (trygg, logins)
}

async fn login(trygg: &Trygg, email: &str, password: &str) -> Caller {
    let s = trygg
        .login(email, password, &RequestMeta::cli())
        .await
        .unwrap();
    Caller::User(Box::new(trygg.authenticate(&s.token).await.unwrap()))
}

async fn caller(trygg: &Trygg, logins: &[trygg_core::demo::DemoLogin], role: Role) -> Caller {
    let l = logins.iter().find(|l| l.role == role).unwrap();
    login(trygg, &l.email, &l.password).await
}

/// A handläggare of another unit (Stångåstaden, Område Ryd).
async fn other_handlaggare(trygg: &Trygg) -> Caller {
    let org = trygg
        .db
        .organisation_by_name("AB Stångåstaden")
        .await
        .unwrap()
        .unwrap();
    let unit = trygg
        .db
        .units(org.id)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.name == "Område Ryd")
        .unwrap();
    let password = "ett-langt-testlosenord-42".to_owned();
    trygg
        .create_user(
            &Caller::System,
            &RequestMeta::cli(),
            UserInput {
                email: "ryd@stangastaden.example".into(),
                name: "Rebecka Ryd".into(),
                organisation_id: org.id,
                unit_id: Some(unit.id),
                roles: vec![Role::Handlaggare],
                password: password.clone(),
            },
        )
        .await
        .unwrap();
    login(trygg, "ryd@stangastaden.example", &password).await
}

fn unit_of(c: &Caller) -> trygg_domain::id::UnitId {
    c.actor().unwrap().user.unit_id.unwrap()
}

fn cmd(action: &str) -> Transition {
    Transition::parse(&TransitionInput {
        action: action.into(),
        planned_date: Some("2026-10-15".into()),
        reason: Some("Skäl i klartext".into()),
        evidence: Some("Lamporna bytta, foto i ärendet".into()),
        ..Default::default()
    })
    .unwrap()
}

fn lighting(title: &str, unit: Option<trygg_domain::id::UnitId>, due: &str) -> MeasureInput {
    MeasureInput {
        title: title.into(),
        description: "Mörk gångtunnel, trasiga armaturer".into(),
        kind: "lighting".into(),
        due_date: due.into(),
        cost_sek: "12 500".into(),
        unit,
        ..Default::default()
    }
}

on_both_backends!(
    a_measure_goes_through_every_status_with_history,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coord = caller(&trygg, &logins, Role::Samordnare).await;
        let hand = caller(&trygg, &logins, Role::Handlaggare).await;
        let other = other_handlaggare(&trygg).await;
        let unit = unit_of(&hand);

        let id = trygg
            .create_measure(
                &coord,
                &meta,
                lighting("Belysning i tunneln", None, "2026-10-31"),
            )
            .await
            .unwrap();
        let status = |trygg: &Trygg, id| {
            let trygg = trygg.clone();
            async move { trygg.measure(&Caller::System, id).await.unwrap().status }
        };
        assert_eq!(status(&trygg, id).await, MeasureStatus::Proposed);

        // Illegal: accepting a measure nobody was assigned.
        let e = trygg
            .transition_measure(&coord, &meta, id, cmd("accept"), None)
            .await
            .unwrap_err();
        assert_eq!(e.code(), "illegal_transition");
        // Only the coordinator assigns.
        let e = trygg
            .transition_measure(&hand, &meta, id, Transition::Assign { unit }, None)
            .await
            .unwrap_err();
        assert!(matches!(e.code(), "forbidden" | "not_found"), "{e:?}");

        let steps: Vec<(&Caller, Transition, MeasureStatus)> = vec![
            (&coord, Transition::Assign { unit }, MeasureStatus::Assigned),
            (&hand, cmd("refuse"), MeasureStatus::Refused),
            (&coord, Transition::Assign { unit }, MeasureStatus::Assigned),
            (&hand, cmd("accept"), MeasureStatus::Accepted),
            (&hand, cmd("start"), MeasureStatus::InProgress),
            (&hand, cmd("complete"), MeasureStatus::Done),
            (&coord, cmd("send_back"), MeasureStatus::InProgress),
            (&hand, cmd("complete"), MeasureStatus::Done),
            (&coord, cmd("confirm"), MeasureStatus::Confirmed),
            (&coord, cmd("reopen"), MeasureStatus::Assigned),
            (&hand, cmd("not_feasible"), MeasureStatus::NotFeasible),
        ];
        for (who, t, want) in &steps {
            // The handläggare of another unit neither sees nor answers this one.
            if who.actor().unwrap().user.roles.contains(&Role::Handlaggare) {
                let e = trygg
                    .transition_measure(&other, &meta, id, t.clone(), None)
                    .await
                    .unwrap_err();
                assert!(matches!(e.code(), "forbidden" | "not_found"), "{e:?}");
            }
            let got = trygg
                .transition_measure(who, &meta, id, t.clone(), None)
                .await
                .unwrap();
            assert_eq!(got, *want, "{}", t.code());
        }
        let view = trygg.measure(&coord, id).await.unwrap();
        assert_eq!(view.status, MeasureStatus::NotFeasible);
        assert_eq!(
            view.row.values.status_reason.as_deref(),
            Some("Skäl i klartext")
        );
        // created + every step, each with who, the statuses and the changed fields.
        assert_eq!(view.history.len(), 1 + steps.len());
        let accept = view.history.iter().find(|h| h.action == "accept").unwrap();
        assert_eq!(accept.from_status.as_deref(), Some("assigned"));
        assert_eq!(accept.to_status, "accepted");
        assert!(
            accept.changes.contains("planned_date"),
            "{}",
            accept.changes
        );
        assert_eq!(accept.actor_name.as_deref(), Some("Hassan Handläggare"));
        assert!(view.commands.contains(&"reopen"));

        // A stale version is refused.
        let e = trygg
            .transition_measure(&coord, &meta, id, cmd("reopen"), Some(view.row.version - 1))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "measure_changed");

        // Comments and notes: the unit and the coordinator; not another unit.
        trygg
            .comment_measure(&hand, &meta, id, "Vi söker bygglov igen i vår.")
            .await
            .unwrap();
        assert!(
            trygg
                .comment_measure(&other, &meta, id, "Hej")
                .await
                .is_err()
        );
        let view = trygg.measure(&hand, id).await.unwrap();
        assert_eq!(view.comments.len(), 1);

        // Partners see a shared measure but may not act on another unit's.
        let seen = trygg.measure(&other, id).await.unwrap();
        assert!(seen.commands.is_empty() && !seen.may_comment);
        // One the owner keeps to its organisation is hidden from other partners.
        let own = trygg
            .create_measure(
                &coord,
                &meta,
                MeasureInput {
                    sharing: "own".into(),
                    ..lighting("Intern", Some(unit), "")
                },
            )
            .await
            .unwrap();
        assert_eq!(
            trygg.measure(&other, own).await.unwrap_err().code(),
            "not_found"
        );
        assert!(trygg.measure(&hand, own).await.is_ok());
        let analyst = caller(&trygg, &logins, Role::Analytiker).await;
        assert!(trygg.measure(&analyst, id).await.is_ok());
        let admin = caller(&trygg, &logins, Role::Admin).await;
        assert_eq!(
            trygg.measure(&admin, id).await.unwrap_err().code(),
            "forbidden"
        );

        // Each step's e-mail went to the outbox with its change.
        let outbox = trygg.db.outbox(100).await.unwrap();
        assert!(
            outbox
                .iter()
                .filter(|e| e.kind == "assigned")
                .all(|e| e.recipients == ["handlaggare@linkoping.example"])
        );
        assert_eq!(outbox.iter().filter(|e| e.kind == "assigned").count(), 4);
        assert!(
            outbox
                .iter()
                .any(|e| e.kind == "answered" && e.recipients == ["samordnare@linkoping.example"])
        );
    }
);

on_both_backends!(
    an_overdue_measure_comes_first_and_is_mailed_once,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coord = caller(&trygg, &logins, Role::Samordnare).await;
        let hand = caller(&trygg, &logins, Role::Handlaggare).await;
        let unit = unit_of(&hand);
        let later = trygg
            .create_measure(&coord, &meta, lighting("Senare", Some(unit), "2026-12-20"))
            .await
            .unwrap();
        let late = trygg
            .create_measure(
                &coord,
                &meta,
                lighting("Försenad", Some(unit), "2026-09-30"),
            )
            .await
            .unwrap();
        trygg
            .transition_measure(&hand, &meta, late, cmd("accept"), None)
            .await
            .unwrap();
        // Ten days on (2026-10-01): the second is overdue.
        trygg.clock.advance_secs(10 * 86_400);
        let work = trygg.my_work(&hand).await.unwrap();
        assert_eq!(work[0].0.row.id, late, "overdue first");
        assert_eq!(work[0].0.urgency, Urgency::Overdue);
        assert_eq!(work[0].1, WorkReason::Finish);
        assert_eq!(work[1].0.row.id, later);
        assert_eq!(work[1].1, WorkReason::Answer);
        let listed = trygg.measures(&hand, &Default::default()).await.unwrap();
        assert_eq!(listed[0].row.id, late);
        // Other units see nothing of the unit's queue.
        let other = other_handlaggare(&trygg).await;
        assert!(trygg.my_work(&other).await.unwrap().is_empty());

        // The scheduler is idempotent: one overdue e-mail however often it runs.
        assert_eq!(trygg.schedule_measure_reminders().await.unwrap(), 1);
        assert_eq!(trygg.schedule_measure_reminders().await.unwrap(), 0);

        // Two senders on the same database, racing: every e-mail is delivered once.
        let sink = SmtpSink::start().await;
        let settings = MailSettings::new(
            "127.0.0.1",
            sink.port,
            "Trygg <trygg@linkoping.example>",
            "https://trygg.example",
        );
        let mailer = Mailer::new(MailSettings {
            batch: 1,
            ..settings
        })
        .unwrap();
        let outbox = trygg.db.outbox(100).await.unwrap();
        let total = outbox.len();
        assert_eq!(total, 4, "two assignments, one answer, one overdue");
        let senders = ["instance-a", "instance-b"].map(|w| {
            let (trygg, mailer) = (trygg.clone(), mailer.clone());
            tokio::spawn(async move {
                let mut sent = 0;
                loop {
                    let d = trygg.deliver_outbox(&mailer, w).await.unwrap();
                    if d.sent == 0 && d.retried == 0 {
                        break;
                    }
                    sent += d.sent;
                }
                sent
            })
        });
        let mut sent = 0;
        for s in senders {
            sent += s.await.unwrap();
        }
        assert_eq!(sent as usize, total);
        let got = sink.received();
        assert_eq!(got.len(), total, "each e-mail exactly once");
        // The overdue e-mail is the one to both the unit and the coordinator.
        let overdue: Vec<_> = got.iter().filter(|m| m.recipients.len() == 2).collect();
        assert_eq!(overdue.len(), 1, "one overdue e-mail");
        assert_eq!(
            overdue[0].recipients,
            [
                "handlaggare@linkoping.example",
                "samordnare@linkoping.example"
            ]
        );
        // Quoted-printable soft line breaks aside, the link is absolute.
        let text = overdue[0].data.replace("=\n", "");
        assert!(
            text.contains(&format!("https://trygg.example/measures/{late}")),
            "{text}"
        );
        assert!(
            trygg
                .db
                .outbox(100)
                .await
                .unwrap()
                .iter()
                .all(|e| e.sent_at.is_some())
        );
        // Running again sends nothing more.
        assert_eq!(trygg.schedule_measure_reminders().await.unwrap(), 0);
        assert_eq!(
            trygg
                .deliver_outbox(&mailer, "instance-a")
                .await
                .unwrap()
                .sent,
            0
        );
        assert_eq!(sink.received().len(), total);
    }
);

on_both_backends!(
    a_refused_email_is_retried_and_a_lost_claim_taken_up,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coord = caller(&trygg, &logins, Role::Samordnare).await;
        let hand = caller(&trygg, &logins, Role::Handlaggare).await;
        trygg
            .create_measure(&coord, &meta, lighting("Klotter", Some(unit_of(&hand)), ""))
            .await
            .unwrap();
        let sink = SmtpSink::start().await;
        let mailer = Mailer::new(MailSettings::new(
            "127.0.0.1",
            sink.port,
            "trygg@linkoping.example",
            "http://localhost",
        ))
        .unwrap();
        sink.refuse_next(1);
        let d = trygg.deliver_outbox(&mailer, "a").await.unwrap();
        assert_eq!((d.sent, d.retried), (0, 1));
        // Not before the backoff has passed.
        assert_eq!(trygg.deliver_outbox(&mailer, "a").await.unwrap().sent, 0);
        trygg.clock.advance_secs(61);
        assert_eq!(trygg.deliver_outbox(&mailer, "a").await.unwrap().sent, 1);
        assert_eq!(sink.received().len(), 1);
        let e = &trygg.db.outbox(1).await.unwrap()[0];
        assert_eq!(e.attempts, 2);

        // A claim whose sender died is taken up once its lease has run out.
        trygg
            .create_measure(&coord, &meta, lighting("Buskar", Some(unit_of(&hand)), ""))
            .await
            .unwrap();
        let now = trygg.clock.now();
        let claimed = trygg
            .db
            .claim_emails("dead", now, now.plus_seconds(300), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(trygg.deliver_outbox(&mailer, "b").await.unwrap().sent, 0);
        trygg.clock.advance_secs(301);
        assert_eq!(trygg.deliver_outbox(&mailer, "b").await.unwrap().sent, 1);
        assert!(
            !trygg
                .db
                .email_sent(claimed[0].id, "dead", now)
                .await
                .unwrap()
        );
        assert_eq!(sink.received().len(), 2);
    }
);

on_both_backends!(
    the_effect_figures_agree_with_a_hand_calculation,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        trygg.ensure_default_categories().await.unwrap();
        let meta = RequestMeta::cli();
        let coord = caller(&trygg, &logins, Role::Samordnare).await;
        let hand = caller(&trygg, &logins, Role::Handlaggare).await;
        let place = trygg.db.places().await.unwrap().into_iter().next().unwrap();
        // The control area: the demo district farthest from the place.
        let districts = trygg
            .db
            .current_areas_with_geometry(Some(trygg_domain::area::AreaKind::District))
            .await
            .unwrap();
        let (control, inside) = districts
            .iter()
            .filter_map(|a| {
                let v: serde_json::Value = serde_json::from_str(&a.geometry).ok()?;
                let g = trygg_domain::geo::import::parse_area_geometry(&v).ok()?;
                Some((a.info.id, trygg_core::geography::point_inside(&g)?))
            })
            .max_by(|a, b| {
                let d = |p: &trygg_domain::geo::Wgs84| {
                    (p.lat() - place.lat).powi(2) + (p.lon() - place.lon).powi(2)
                };
                d(&a.1).total_cmp(&d(&b.1))
            })
            .unwrap();
        let id = trygg
            .create_measure(
                &coord,
                &meta,
                MeasureInput {
                    places: vec![place.id],
                    control_area: Some(control),
                    ..lighting("Belysning", Some(unit_of(&hand)), "")
                },
            )
            .await
            .unwrap();
        assert!(matches!(
            trygg.measure_effect(&coord, id).await.unwrap(),
            EffectOutcome::NotCompleted
        ));
        for c in ["accept", "complete"] {
            trygg
                .transition_measure(&hand, &meta, id, cmd(c), None)
                .await
                .unwrap();
        }
        assert!(matches!(
            trygg.measure_effect(&coord, id).await.unwrap(),
            EffectOutcome::TooEarly { .. }
        ));
        // Completed 2026-09-21; 100 days later the windows are
        // after [2026-09-21, 2026-12-30) and before [2025-09-21, 2025-12-30).
        trygg.clock.advance_secs(100 * 86_400);
        let day = 86_400;
        let before = START - 365 * day * 1_000_000 + 10 * day * 1_000_000;
        let after = START + 20 * day * 1_000_000;
        let north = |m: f64| (place.lat + m / 111_133.0, place.lon);
        let mut points = Vec::new();
        // target 8 → 3, buffer (350 m away) 2 → 4, control 10 → 8.
        for (n, when, at) in [
            (8, before, north(50.0)),
            (3, after, north(50.0)),
            (2, before, north(350.0)),
            (4, after, north(350.0)),
            (10, before, (inside.lat(), inside.lon())),
            (8, after, (inside.lat(), inside.lon())),
        ] {
            for k in 0..n {
                points.push((Instant::from_micros(when + k * 3_600_000_000), at));
            }
        }
        // And one far outside everything, and one rejected in the target: not counted.
        let cat = trygg.db.categories().await.unwrap()[0].id;
        let org = trygg.db.home_organisation().await.unwrap().unwrap().id;
        let new = |(at, pos): (Instant, (f64, f64)), status: &'static str| NewIncident {
            category_id: cat,
            organisation_id: org,
            reporter_user_id: None,
            description: "Test".into(),
            pii_found: "{}".into(),
            occurred_from: at,
            occurred_to: None,
            position: Some(pos),
            place_id: None,
            location_text: None,
            severity: 2,
            creates_insecurity: false,
            sharing: "partners",
            source: "import",
            external_id: None,
            status,
            area_ids: Vec::new(),
        };
        let mut incidents: Vec<NewIncident> =
            points.into_iter().map(|p| new(p, "accepted")).collect();
        incidents.push(new((Instant::from_micros(after), north(50.0)), "rejected"));
        let audit = trygg_domain::audit::AuditDraft {
            at: trygg.clock.now(),
            actor_user_id: None,
            actor_org_id: None,
            action: "incidents_imported".into(),
            object_type: "incident".into(),
            object_id: None,
            request_id: None,
            detail: "{}".into(),
        };
        trygg
            .db
            .import_incidents(&incidents, trygg.clock.now(), audit, &|_| {})
            .await
            .unwrap();
        let EffectOutcome::Report(r) = trygg.measure_effect(&coord, id).await.unwrap() else {
            panic!("a report")
        };
        assert_eq!(r.after.0.to_string(), "2026-09-21");
        assert_eq!(r.after.1.to_string(), "2026-12-30");
        assert_eq!(r.before.0.to_string(), "2025-09-21");
        let e = r.effect;
        assert_eq!((e.counts.target.before, e.counts.target.after), (8, 3));
        assert_eq!((e.counts.buffer.before, e.counts.buffer.after), (2, 4));
        assert_eq!((e.counts.control.before, e.counts.control.after), (10, 8));
        // SM = 3/8 − 8/10 = −0.425; BDM = 4/8 − 2/10 = 0.3; WDQ = 0.3 / −0.425.
        assert!((e.success_measure.unwrap() + 0.425).abs() < 1e-12);
        assert!((e.buffer_measure.unwrap() - 0.3).abs() < 1e-12);
        assert!((e.wdq.unwrap() + 0.3 / 0.425).abs() < 1e-12);
        assert!(e.small_numbers);
        let _ = MeasureId(0);
    }
);
