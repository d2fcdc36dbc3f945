//! Safety walks through the use cases, on both databases: planning and the sign-up cap,
//! idempotent observations with masking and photos, routing and answers (by a unit and
//! through an external owner's link, with the wrong ones refused), publication without
//! participants' personal data, the six-month follow-up, reminders and the re-walk.

use trygg_core::accounts::UserInput;
use trygg_core::walks::{AnswerInput, ObservationInput, RouteInput, SignUpInput, WalkInput};
use trygg_core::{Caller, Clock, Error, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::time::Instant;
use trygg_domain::walk::{ProposalStatus, WalkId};
use trygg_store::measure::MeasureStore;
use trygg_store::walk::WalkStore;
use trygg_store::{Store, on_both_backends};

/// A 1×1 PNG.
pub const PNG: &[u8] = &[
    137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82, 0, 0, 0, 1, 0, 0, 0, 1, 8, 4, 0,
    0, 0, 181, 28, 12, 2, 0, 0, 0, 11, 73, 68, 65, 84, 120, 218, 99, 100, 96, 0, 0, 0, 6, 0, 2, 48,
    129, 208, 47, 0, 0, 0, 0, 73, 69, 78, 68, 174, 66, 96, 130,
];

const BASE: &str = "https://trygg.test";

async fn app(db: trygg_store::Db) -> (Trygg, Vec<trygg_core::demo::DemoLogin>) {
    // 2026-09-21: the walk below is ten days later.
    let trygg = Trygg::new(
        db,
        Clock::manual(Instant::from_micros(1_790_000_000_000_000)),
        Settings::default(),
    );
    let logins = trygg.load_demo().await.unwrap();
    (trygg, logins)
}

async fn caller(trygg: &Trygg, logins: &[trygg_core::demo::DemoLogin], role: Role) -> Caller {
    let l = logins.iter().find(|l| l.role == role).unwrap();
    login(trygg, &l.email, &l.password).await
}

async fn login(trygg: &Trygg, email: &str, password: &str) -> Caller {
    let s = trygg
        .login(email, password, &RequestMeta::cli())
        .await
        .unwrap();
    Caller::User(Box::new(trygg.authenticate(&s.token).await.unwrap()))
}

fn walk_input(capacity: &str) -> WalkInput {
    WalkInput {
        title: "Trygghetsvandring i Skäggetorp".into(),
        starts_at: "2026-10-01T18:30".into(),
        after_dark: true,
        meeting_point: "Skäggetorps centrum, vid biblioteket".into(),
        description: "Vi går tillsammans och tittar på belysning och gångvägar.".into(),
        capacity: capacity.into(),
        signup_open: true,
        stops: "Skäggetorps centrum; 58.4262, 15.5898\nGångtunneln under Skäggetorpsleden\nLekplatsen på Dalkarlsgatan; 58.4281, 15.5851".into(),
        ..Default::default()
    }
}

fn signup(name: &str, email: &str) -> SignUpInput {
    SignUpInput {
        name: name.into(),
        email: email.into(),
        group: "boende".into(),
    }
}

on_both_backends!(planning_and_the_sign_up_cap, |db, _t| async move {
    let (trygg, logins) = app(db).await;
    let meta = RequestMeta::cli();
    let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
    let reporter = caller(&trygg, &logins, Role::Rapportor).await;
    assert!(matches!(
        trygg
            .plan_walk(&reporter, &meta, walk_input("2"))
            .await
            .unwrap_err(),
        Error::Forbidden
    ));
    let bad = trygg
        .plan_walk(
            &coordinator,
            &meta,
            WalkInput {
                capacity: "0".into(),
                ..walk_input("2")
            },
        )
        .await
        .unwrap_err();
    assert_eq!(bad.code(), "invalid_capacity");
    let id = trygg
        .plan_walk(&coordinator, &meta, walk_input("2"))
        .await
        .unwrap();
    let detail = trygg.walk_detail(&coordinator, &meta, id).await.unwrap();
    assert_eq!(detail.stops.len(), 3);
    assert_eq!(detail.stops[0].position, Some((58.4262, 15.5898)));
    assert_eq!(detail.stops[1].position, None);
    assert!(detail.walk.after_dark);
    assert_eq!(detail.walk.starts_at.rfc3339(), "2026-10-01T16:30:00Z");
    assert_eq!(detail.organisers.len(), 1, "the planner organises");
    assert!(WalkInput::default().capacity.is_empty());

    let first = trygg
        .sign_up_for_walk(&meta, id, signup("Kim Boende", "kim@example.se"), BASE)
        .await
        .unwrap();
    assert_eq!(first, trygg_core::walks::SignedUp::New);
    let again = trygg
        .sign_up_for_walk(&meta, id, signup("Kim Boende", "KIM@example.se"), BASE)
        .await
        .unwrap();
    assert_eq!(again, trygg_core::walks::SignedUp::Already, "same address");
    trygg
        .sign_up_for_walk(&meta, id, signup("Lo Förälder", "lo@example.se"), BASE)
        .await
        .unwrap();
    let full = trygg
        .sign_up_for_walk(&meta, id, signup("Sam Sen", "sam@example.se"), BASE)
        .await
        .unwrap_err();
    assert_eq!(full.code(), "walk_full");
    let participants = trygg.db.participants(id).await.unwrap();
    assert_eq!(participants.len(), 2);
    let bad_email = trygg
        .sign_up_for_walk(&meta, id, signup("X", "inte-en-adress"), BASE)
        .await
        .unwrap_err();
    assert_eq!(bad_email.code(), "invalid_email");

    // The confirmation went to the outbox, with the calendar link.
    let outbox = trygg.db.outbox(50).await.unwrap();
    let mail = outbox
        .iter()
        .find(|m| m.recipients == ["kim@example.se"])
        .unwrap();
    assert!(mail.body.contains("/public/walks/") && mail.body.contains("kalender.ics"));
    assert_eq!(outbox.iter().filter(|m| m.kind == "walk_signup").count(), 2);

    let ics = trygg.walk_calendar(id, BASE).await.unwrap();
    assert!(ics.contains("DTSTART:20261001T163000Z\r\n"));
    assert!(ics.contains("SUMMARY:Trygghetsvandring i Skäggetorp\r\n"));

    // Closing sign-up refuses further sign-ups.
    trygg
        .set_walk_signup(&coordinator, &meta, id, false)
        .await
        .unwrap();
    let closed = trygg
        .sign_up_for_walk(&meta, id, signup("Ny", "ny@example.se"), BASE)
        .await
        .unwrap_err();
    assert_eq!(closed.code(), "signup_closed");
});

async fn observe(trygg: &Trygg, c: &Caller, id: WalkId, key: &str, stop: &str) -> i64 {
    let (o, _) = trygg
        .record_observation(
            c,
            &RequestMeta::cli(),
            id,
            ObservationInput {
                stop: stop.into(),
                problem: "lighting".into(),
                description: "Trasig belysning, ring 070-123 45 67 om du ser något".into(),
                proposals: vec!["Byt armaturerna i tunneln".into(), "".into()],
                photos: vec![PNG.to_vec()],
                idempotency_key: key.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    o.0
}

on_both_backends!(
    observations_are_idempotent_masked_and_photographed,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let id = trygg
            .plan_walk(&coordinator, &meta, walk_input(""))
            .await
            .unwrap();
        let stops = trygg.db.walk_stops(id).await.unwrap();
        let stop = stops[1].id.to_string();
        let first = observe(&trygg, &coordinator, id, "obs-key-0001", &stop).await;
        let second = observe(&trygg, &coordinator, id, "obs-key-0001", &stop).await;
        assert_eq!(first, second, "the repeated POST is the same observation");
        let obs = trygg.db.observations(id).await.unwrap();
        assert_eq!(obs.len(), 1);
        assert!(
            !obs[0].description.contains("070-123 45 67"),
            "masked: {}",
            obs[0].description
        );
        assert_eq!(obs[0].photos.len(), 1);
        let photo = trygg
            .walk_photo(&coordinator, &meta, obs[0].photos[0])
            .await
            .unwrap();
        assert_eq!(photo.content_type, "image/png");
        assert!(photo.bytes.starts_with(&[137, 80, 78, 71]));
        let proposals = trygg.db.proposals(id).await.unwrap();
        assert_eq!(proposals.len(), 1, "the empty proposal is skipped");

        // Bad input is refused by field, and nothing is written.
        let err = trygg
            .record_observation(
                &coordinator,
                &meta,
                id,
                ObservationInput {
                    problem: "lighting".into(),
                    description: "x".into(),
                    idempotency_key: "obs-key-0002".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "observation_place_required");
        let err = trygg
            .record_observation(
                &coordinator,
                &meta,
                id,
                ObservationInput {
                    stop: stop.clone(),
                    problem: "lighting".into(),
                    description: "Mörkt".into(),
                    photos: vec![b"not a photo at all".to_vec()],
                    idempotency_key: "obs-key-0003".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), "photo_type_not_allowed");
        assert_eq!(trygg.db.observations(id).await.unwrap().len(), 1);
        let reader = caller(&trygg, &logins, Role::Lasare).await;
        assert!(matches!(
            trygg
                .walk_photo(&reader, &meta, obs[0].photos[0])
                .await
                .unwrap_err(),
            Error::Forbidden
        ));
    }
);

/// A walk with three proposals: one for the handläggare's unit, one for an external
/// owner, one for another unit of the municipality. Returns the walk, the proposal ids
/// and the external owner's link token from the e-mail.
async fn routed_walk(
    trygg: &Trygg,
    coordinator: &Caller,
) -> (WalkId, Vec<trygg_domain::walk::ProposalId>, String) {
    let meta = RequestMeta::cli();
    let id = trygg
        .plan_walk(coordinator, &meta, walk_input(""))
        .await
        .unwrap();
    let stops = trygg.db.walk_stops(id).await.unwrap();
    for (n, s) in stops.iter().enumerate() {
        observe(
            trygg,
            coordinator,
            id,
            &format!("obs-key-{n:04}"),
            &s.id.to_string(),
        )
        .await;
    }
    let proposals = trygg.db.proposals(id).await.unwrap();
    assert_eq!(proposals.len(), 3);
    let home = trygg.db.home_organisation().await.unwrap().unwrap();
    let units = trygg.db.units(home.id).await.unwrap();
    let samhall = units
        .iter()
        .find(|u| u.name == "Miljö- och samhällsbyggnadsförvaltningen")
        .unwrap()
        .id;
    let kultur = units
        .iter()
        .find(|u| u.name == "Kultur- och fritidsförvaltningen")
        .unwrap()
        .id;
    trygg
        .route_walk_proposal(
            coordinator,
            &meta,
            proposals[0].id,
            RouteInput::Unit(samhall),
        )
        .await
        .unwrap();
    trygg
        .route_walk_proposal(
            coordinator,
            &meta,
            proposals[1].id,
            RouteInput::External {
                name: "Fastighets AB Exempel".into(),
                email: "forvaltare@exempel.se".into(),
            },
        )
        .await
        .unwrap();
    trygg
        .route_walk_proposal(
            coordinator,
            &meta,
            proposals[2].id,
            RouteInput::Unit(kultur),
        )
        .await
        .unwrap();
    let sent = trygg
        .send_walk_requests(coordinator, &meta, id, BASE)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let mail = trygg
        .db
        .outbox(50)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipients == ["forvaltare@exempel.se"])
        .unwrap();
    let at = mail.body.find("/public/walks/svar/").unwrap() + "/public/walks/svar/".len();
    let token = mail.body[at..at + 64].to_owned();
    (id, proposals.iter().map(|p| p.id).collect(), token)
}

on_both_backends!(
    routing_and_answers_by_unit_and_by_link,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let handlaggare = caller(&trygg, &logins, Role::Handlaggare).await;
        let (id, p, token) = routed_walk(&trygg, &coordinator).await;

        // The handläggare sees and answers their unit's proposal only.
        let mine = trygg.my_walk_proposals(&handlaggare).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].row.id, p[0]);
        trygg
            .answer_walk_proposal(
                &handlaggare,
                &meta,
                p[0],
                AnswerInput {
                    answer: "will_do".into(),
                    due: "2026-11-15".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        for other in [p[1], p[2]] {
            let e = trygg
                .answer_walk_proposal(
                    &handlaggare,
                    &meta,
                    other,
                    AnswerInput {
                        answer: "already_done".into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_err();
            assert!(matches!(e, Error::NotFound), "{other:?}: {e:?}");
        }
        let missing_date = trygg
            .answer_walk_proposal(
                &handlaggare,
                &meta,
                p[0],
                AnswerInput {
                    answer: "will_do".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(missing_date.code(), "required");
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        assert!(matches!(
            trygg
                .answer_walk_proposal(&reporter, &meta, p[0], AnswerInput::default())
                .await
                .unwrap_err(),
            Error::Forbidden
        ));

        // The external owner: only their proposal, only with the right token.
        let view = trygg.owner_view(&token).await.unwrap();
        assert_eq!(view.proposals.len(), 1);
        assert_eq!(view.proposals[0].0.row.id, p[1]);
        assert_eq!(view.walk.id, id);
        let wrong = "0".repeat(64);
        assert!(matches!(
            trygg.owner_view(&wrong).await.unwrap_err(),
            Error::NotFound
        ));
        assert!(matches!(
            trygg.owner_view("kort").await.unwrap_err(),
            Error::NotFound
        ));
        let not_theirs = trygg
            .answer_by_link(
                &meta,
                &token,
                p[0],
                AnswerInput {
                    answer: "already_done".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(not_theirs, Error::NotFound));
        trygg
            .answer_by_link(
                &meta,
                &token,
                p[1],
                AnswerInput {
                    answer: "will_not_do".into(),
                    reason: "Marken är kommunens, inte vår.".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let stored = trygg.db.proposal(p[1]).await.unwrap().unwrap();
        assert_eq!(stored.answer.as_deref(), Some("will_not_do"));
        assert_eq!(stored.answered_via.as_deref(), Some("link"));
        assert_eq!(
            trygg
                .db
                .proposal(p[0])
                .await
                .unwrap()
                .unwrap()
                .answer
                .as_deref(),
            Some("will_do")
        );
        let hashed = trygg.db.external_owners(id).await.unwrap();
        assert_eq!(hashed.len(), 1);

        // A resent link replaces the old one; a link expires.
        trygg
            .send_walk_requests(&coordinator, &meta, id, BASE)
            .await
            .unwrap();
        assert!(matches!(
            trygg.owner_view(&token).await.unwrap_err(),
            Error::NotFound
        ));
        let newest = trygg
            .db
            .outbox(50)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.recipients == ["forvaltare@exempel.se"])
            .max_by_key(|m| m.id)
            .unwrap();
        let at = newest.body.find("/svar/").unwrap() + 6;
        let fresh = newest.body[at..at + 64].to_owned();
        trygg.owner_view(&fresh).await.unwrap();
        trygg.clock.advance_secs(61 * 86_400);
        assert_eq!(
            trygg.owner_view(&fresh).await.unwrap_err().code(),
            "link_expired"
        );

        // The audit log holds the answers, never the token.
        let entries = trygg.db.audit_entries(0, 10_000).await.unwrap();
        assert!(
            entries
                .iter()
                .any(|e| e.draft.action == "walk_proposal_answered")
        );
        assert!(entries.iter().all(|e| !e.draft.detail.contains(&fresh)));
    }
);

on_both_backends!(publication_shows_no_participant_data, |db, _t| async move {
    let (trygg, logins) = app(db).await;
    let meta = RequestMeta::cli();
    let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
    let (id, p, _token) = routed_walk(&trygg, &coordinator).await;
    // Sign-ups happen before the walk; the walk is then walked.
    trygg
        .sign_up_for_walk(
            &meta,
            id,
            signup("Kim Hemlig", "kim.hemlig@example.se"),
            BASE,
        )
        .await
        .unwrap();
    let planned = trygg.public_walk(id).await.unwrap();
    assert_eq!(planned.places_left, Some(19));
    assert!(planned.groups.is_empty());
    trygg
        .set_walk_status(&coordinator, &meta, id, "walked")
        .await
        .unwrap();
    assert!(matches!(
        trygg.public_walk(id).await.unwrap_err(),
        Error::NotFound
    ));
    // Unrouted proposals stop publication.
    trygg
        .route_walk_proposal(&coordinator, &meta, p[2], RouteInput::Nobody)
        .await
        .unwrap();
    assert_eq!(
        trygg
            .set_walk_status(&coordinator, &meta, id, "published")
            .await
            .unwrap_err()
            .code(),
        "walk_unrouted_proposals"
    );
    let home = trygg.db.home_organisation().await.unwrap().unwrap();
    let unit = trygg.db.units(home.id).await.unwrap()[0].id;
    trygg
        .route_walk_proposal(&coordinator, &meta, p[2], RouteInput::Unit(unit))
        .await
        .unwrap();
    trygg
        .set_walk_status(&coordinator, &meta, id, "published")
        .await
        .unwrap();
    let public = trygg.public_walk(id).await.unwrap();
    let all = format!("{public:?}");
    assert!(
        !all.contains("Kim Hemlig") && !all.contains("kim.hemlig"),
        "{all}"
    );
    assert_eq!(public.groups.len(), 3);
    assert!(
        all.contains("Fastighets AB Exempel"),
        "owner names are public"
    );
    let list = trygg.published_walks().await.unwrap();
    assert_eq!(list.len(), 1);
    // Only coordinators read participants, and the read is audited.
    let handlaggare = caller(&trygg, &logins, Role::Handlaggare).await;
    let seen = trygg.walk_detail(&handlaggare, &meta, id).await.unwrap();
    assert!(seen.participants.is_none());
    let full = trygg.walk_detail(&coordinator, &meta, id).await.unwrap();
    assert_eq!(full.participants.unwrap().len(), 1);
    let entries = trygg.db.audit_entries(0, 10_000).await.unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.draft.action == "walk_participants_read")
    );
    assert!(
        entries
            .iter()
            .all(|e| !e.draft.detail.contains("kim.hemlig")),
        "no participant address in the audit log"
    );
});

on_both_backends!(
    six_month_follow_up_reminders_and_rewalk,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let handlaggare = caller(&trygg, &logins, Role::Handlaggare).await;
        let (id, p, token) = routed_walk(&trygg, &coordinator).await;

        // Nobody answered for two weeks: everyone is reminded, once.
        trygg.clock.advance_secs(15 * 86_400);
        assert_eq!(trygg.remind_walk_owners(BASE).await.unwrap(), 3);
        assert_eq!(trygg.remind_walk_owners(BASE).await.unwrap(), 0);
        let reminders = trygg
            .db
            .outbox(100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == "walk_reminder")
            .count();
        // The owner, and the one unit with a handläggare (Kultur has none yet).
        assert_eq!(reminders, 2);
        assert!(
            trygg.owner_view(&token).await.is_err(),
            "the reminder carries a new link"
        );

        // Municipal: p0 promised by 2026-11-15 and done, p2 unanswered; p1 external.
        trygg
            .answer_walk_proposal(
                &handlaggare,
                &meta,
                p[0],
                AnswerInput {
                    answer: "will_do".into(),
                    due: "2026-11-15".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let d = trygg.walk_detail(&coordinator, &meta, id).await.unwrap();
        assert_eq!(d.follow_up.municipal, 2);
        assert_eq!(d.follow_up.municipal_done, 0);
        assert_eq!(d.follow_up.overdue, 0);
        assert_eq!(d.follow_up.target_date.to_string(), "2027-04-01");
        // Past the promised date: overdue.
        trygg.clock.advance_secs(60 * 86_400);
        let d = trygg.walk_detail(&coordinator, &meta, id).await.unwrap();
        assert_eq!(d.follow_up.overdue, 1);
        trygg
            .set_walk_proposal_done(&handlaggare, &meta, p[0], true)
            .await
            .unwrap();
        let d = trygg.walk_detail(&coordinator, &meta, id).await.unwrap();
        assert_eq!(
            (
                d.follow_up.municipal_done,
                d.follow_up.municipal_done_percent
            ),
            (1, 50)
        );
        assert_eq!(d.follow_up.overdue, 0);
        // Past six months the open municipal item is overdue.
        trygg.clock.advance_secs(200 * 86_400);
        let d = trygg.walk_detail(&coordinator, &meta, id).await.unwrap();
        assert!(d.follow_up.target_passed);
        assert_eq!(d.follow_up.overdue, 1);
        let status: Vec<ProposalStatus> = d
            .groups
            .iter()
            .flat_map(|g| {
                g.observations
                    .iter()
                    .flat_map(|o| o.proposals.iter().map(|p| p.status))
            })
            .collect();
        assert_eq!(
            status,
            [
                ProposalStatus::Done,
                ProposalStatus::Unanswered,
                ProposalStatus::Unanswered
            ]
        );

        // The re-walk goes to the two places with open items.
        let re = trygg
            .plan_rewalk(&coordinator, &meta, id, "2027-05-10T19:00")
            .await
            .unwrap();
        let stops = trygg.db.walk_stops(re).await.unwrap();
        assert_eq!(stops.len(), 2);
        assert_eq!(stops[0].name, "Gångtunneln under Skäggetorpsleden");
        assert!(
            stops[0]
                .note
                .as_deref()
                .unwrap()
                .contains("Byt armaturerna")
        );
        let rewalk = trygg.db.walk(re).await.unwrap().unwrap();
        assert_eq!(rewalk.previous_walk_id, Some(id));
        assert!(rewalk.title.starts_with("Återvandring"));

        // A second handläggare of another unit cannot mark the first unit's item.
        let home = trygg.db.home_organisation().await.unwrap().unwrap();
        let other_unit = trygg
            .db
            .units(home.id)
            .await
            .unwrap()
            .into_iter()
            .find(|u| u.name == "Kultur- och fritidsförvaltningen")
            .unwrap()
            .id;
        trygg
            .create_user(
                &Caller::System,
                &meta,
                UserInput {
                    email: "kultur@linkoping.example".into(),
                    name: "Kim Kultur".into(),
                    organisation_id: home.id,
                    unit_id: Some(other_unit),
                    roles: vec![Role::Handlaggare],
                    password: "ett långt testlösenord".into(),
                },
            )
            .await
            .unwrap();
        let kultur = login(&trygg, "kultur@linkoping.example", "ett långt testlösenord").await;
        assert!(matches!(
            trygg
                .set_walk_proposal_done(&kultur, &meta, p[0], false)
                .await
                .unwrap_err(),
            Error::NotFound
        ));
        assert_eq!(trygg.my_walk_proposals(&kultur).await.unwrap().len(), 1);
    }
);

on_both_backends!(the_demo_walks, |db, _t| async move {
    let (trygg, logins) = app(db).await;
    trygg.load_demo_walks().await.unwrap();
    trygg.load_demo_walks().await.unwrap();
    let walks = trygg.db.walks(None).await.unwrap();
    assert_eq!(walks.len(), 4, "loaded once");
    let published = trygg.published_walks().await.unwrap();
    assert_eq!(published.len(), 2);
    let skaggetorp = walks
        .iter()
        .find(|w| w.title.contains("Skäggetorp"))
        .unwrap();
    assert!(skaggetorp.after_dark);
    assert_eq!(skaggetorp.area_name.as_deref(), Some("Skäggetorp"));
    assert_eq!(skaggetorp.status, "published");
    assert!(skaggetorp.starts_at < trygg.clock.now());
    let open = trygg.open_walks().await.unwrap();
    assert_eq!(open.len(), 1);
    assert!(open[0].starts_at > trygg.clock.now());
    // Proposals in every state across the protocols.
    let mut seen = std::collections::BTreeSet::new();
    for w in &walks {
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let d = trygg
            .walk_detail(&coordinator, &RequestMeta::cli(), w.id)
            .await
            .unwrap();
        for g in d.groups {
            for o in g.observations {
                for p in o.proposals {
                    seen.insert(p.status.code());
                }
            }
        }
    }
    for s in ["unanswered", "promised", "overdue", "done", "declined"] {
        assert!(seen.contains(s), "{s} missing: {seen:?}");
    }
});

on_both_backends!(
    a_units_promise_becomes_a_measure_whose_progress_is_published,
    |db, _t| async move {
        use trygg_domain::measure::{MeasureId, Note, Transition};
        use trygg_store::measure::LinkTarget;
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let handlaggare = caller(&trygg, &logins, Role::Handlaggare).await;
        let (id, p, token) = routed_walk(&trygg, &coordinator).await;
        let will_do = |due: &str| AnswerInput {
            answer: "will_do".into(),
            due: due.into(),
            ..Default::default()
        };
        trygg
            .answer_walk_proposal(&handlaggare, &meta, p[0], will_do("2026-12-15"))
            .await
            .unwrap();
        // The external owner's promise stays an answer: they have no measures here.
        trygg
            .answer_by_link(&meta, &token, p[1], will_do("2026-12-20"))
            .await
            .unwrap();
        assert_eq!(
            trygg.db.proposal(p[1]).await.unwrap().unwrap().measure_id,
            None
        );
        let row = trygg.db.proposal(p[0]).await.unwrap().unwrap();
        let m = MeasureId(row.measure_id.expect("the promise became a measure"));
        let measure = trygg.db.measure(m).await.unwrap().unwrap();
        assert_eq!(measure.values.owner_unit_id, row.owner_unit_id);
        assert_eq!(measure.values.due_date.as_deref(), Some("2026-12-15"));
        assert_eq!(measure.values.status, "accepted");
        assert_eq!(
            trygg.db.measure_links(m).await.unwrap(),
            vec![LinkTarget::WalkProposal(p[0].0)]
        );
        assert_eq!(trygg.db.measure_history(m).await.unwrap().len(), 3);
        // Answering again does not make a second measure.
        trygg
            .answer_walk_proposal(&handlaggare, &meta, p[0], will_do("2026-12-16"))
            .await
            .unwrap();
        assert_eq!(
            trygg.db.proposal(p[0]).await.unwrap().unwrap().measure_id,
            Some(m.0)
        );
        trygg
            .set_walk_status(&coordinator, &meta, id, "walked")
            .await
            .unwrap();
        trygg
            .set_walk_status(&coordinator, &meta, id, "published")
            .await
            .unwrap();
        let status = |pp: &trygg_core::walks::PublicProtocol| {
            pp.groups
                .iter()
                .flat_map(|g| g.observations.iter())
                .flat_map(|o| o.proposals.iter())
                .find(|x| x.row.id == p[0])
                .unwrap()
                .status
        };
        assert_eq!(
            status(&trygg.public_walk(id).await.unwrap()),
            ProposalStatus::Promised
        );
        // The unit works on the measure in the measures module; the protocol follows.
        trygg
            .transition_measure(&handlaggare, &meta, m, Transition::Start, None)
            .await
            .unwrap();
        assert_eq!(
            status(&trygg.public_walk(id).await.unwrap()),
            ProposalStatus::Promised
        );
        trygg
            .transition_measure(
                &handlaggare,
                &meta,
                m,
                Transition::Complete {
                    evidence: Note::parse("evidence", "Nya armaturer på plats.").unwrap(),
                },
                None,
            )
            .await
            .unwrap();
        let public = trygg.public_walk(id).await.unwrap();
        assert_eq!(status(&public), ProposalStatus::Done);
        assert_eq!(public.follow_up.unwrap().municipal_done, 1);
        let detail = trygg.walk_detail(&coordinator, &meta, id).await.unwrap();
        assert_eq!(detail.follow_up.municipal_done, 1);
    }
);

on_both_backends!(
    reminders_go_once_per_period_even_from_two_instances,
    |db, t| async move {
        let (trygg, logins) = app(db).await;
        // A second instance on the same database, with its own clock at the same time.
        let other = Trygg::new(
            t.connect().await,
            Clock::manual(trygg.clock.now()),
            Settings::default(),
        );
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        routed_walk(&trygg, &coordinator).await;
        let reminders = |t: &Trygg| {
            let db = t.db.clone();
            async move {
                db.outbox(200)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|m| m.kind == "walk_reminder")
                    .count()
            }
        };
        // Not yet due.
        assert_eq!(trygg.remind_walk_owners(BASE).await.unwrap(), 0);
        trygg.clock.advance_secs(15 * 86_400);
        other.clock.advance_secs(15 * 86_400);
        let (a, b) = tokio::join!(
            trygg.remind_walk_owners(BASE),
            other.remind_walk_owners(BASE)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 3, "each proposal claimed once");
        // The owner and the one unit with a handläggare: one e-mail each.
        assert_eq!(reminders(&trygg).await, 2);
        assert_eq!(other.remind_walk_owners(BASE).await.unwrap(), 0);
        trygg.clock.advance_secs(7 * 86_400);
        assert_eq!(trygg.remind_walk_owners(BASE).await.unwrap(), 0);
        assert_eq!(reminders(&trygg).await, 2);
        // The next period: reminded again, once.
        trygg.clock.advance_secs(8 * 86_400);
        other.clock.advance_secs(15 * 86_400);
        let (a, b) = tokio::join!(
            trygg.remind_walk_owners(BASE),
            other.remind_walk_owners(BASE)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 3);
        assert_eq!(reminders(&trygg).await, 4);
    }
);

on_both_backends!(walk_emails_go_only_with_their_write, |db, _t| async move {
    use trygg_domain::walk::ExternalOwnerId;
    use trygg_store::measure::NewEmail;
    let (trygg, logins) = app(db).await;
    let meta = RequestMeta::cli();
    let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
    let count = |t: &Trygg| {
        let db = t.db.clone();
        async move { db.outbox(500).await.unwrap().len() }
    };
    let id = trygg
        .plan_walk(&coordinator, &meta, walk_input("1"))
        .await
        .unwrap();
    trygg
        .sign_up_for_walk(&meta, id, signup("Anna Ek", "anna@example.se"), BASE)
        .await
        .unwrap();
    let before = count(&trygg).await;
    // Full, and again with the same address: nothing written, nothing queued.
    assert!(
        trygg
            .sign_up_for_walk(&meta, id, signup("Bo Ek", "bo@example.se"), BASE)
            .await
            .is_err()
    );
    trygg
        .sign_up_for_walk(&meta, id, signup("Anna Ek", "anna@example.se"), BASE)
        .await
        .unwrap();
    assert_eq!(count(&trygg).await, before);
    // A link write that fails (no such owner) rolls its e-mail back with it, though
    // the e-mail was queued first in the transaction.
    let email = NewEmail {
        dedupe_key: None,
        kind: "walk_request".into(),
        measure_id: None,
        recipients: vec!["x@example.se".into()],
        subject: "s".into(),
        body: "b".into(),
        at: trygg.clock.now(),
    };
    let audit = trygg_domain::audit::AuditDraft {
        at: trygg.clock.now(),
        actor_user_id: None,
        actor_org_id: None,
        action: "walk_owner_link_issued".into(),
        object_type: "walk".into(),
        object_id: None,
        request_id: None,
        detail: "{}".into(),
    };
    assert!(
        trygg
            .db
            .set_owner_token(
                ExternalOwnerId(999_999),
                "hash",
                trygg.clock.now(),
                &[email],
                audit,
            )
            .await
            .is_err()
    );
    assert_eq!(count(&trygg).await, before);
});
