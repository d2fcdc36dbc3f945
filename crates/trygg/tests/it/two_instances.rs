//! Issue 6, end to end: an overdue measure comes first in its unit's queue and its
//! reminder goes out exactly once while two `trygg serve` processes run their e-mail
//! senders against the same database and the same real SMTP server (the test sink).
//!
//! The measures are written through `trygg-core` with a clock twenty days back, so that
//! by the real clock the servers use one is overdue, one due soon and one on time. Both
//! servers then schedule reminders and claim the outbox every second, racing each other;
//! the test waits (with a deadline) until the outbox is drained and both senders have run
//! further rounds, and checks every e-mail was delivered once: no reminder scheduled
//! twice, no row sent by both.
//!
//! PostgreSQL is the setting the issue names (run when `TEST_DATABASE_URL` is set, as
//! `test.sh` does); SQLite in WAL mode with `BEGIN IMMEDIATE` writers also lets two
//! processes share one file on one machine, so the same test runs there too.

use std::time::Duration;

use crate::serve::{Server, wait_until};
use crate::smtp_sink::{self, SmtpSink};
use trygg_core::measures::{MeasureInput, local_date};
use trygg_core::{Caller, Clock, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::measure::{MeasureId, Transition, TransitionInput, Urgency};
use trygg_store::measure::{MeasureStore, OutboxEmail};
use trygg_store::testing::TestDb;

const PUBLIC_URL: &str = "https://trygg.example";
/// Rounds each sender must run after the outbox is drained before the counts are final:
/// a reminder scheduled twice or a row sent again would show in them.
const EXTRA_ROUNDS: usize = 2;
const ROUND_DONE: &str = "e-mail sender round done";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_mailed_once_with_two_instances_on_postgres() {
    let Some(db) = TestDb::postgres().await else {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL run of this test did not happen");
        return;
    };
    two_instances(&db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_mailed_once_with_two_instances_on_sqlite() {
    two_instances(&TestDb::sqlite()).await;
}

async fn login(trygg: &Trygg, email: &str, password: &str) -> Caller {
    let s = trygg
        .login(email, password, &RequestMeta::cli())
        .await
        .unwrap();
    Caller::User(Box::new(trygg.authenticate(&s.token).await.unwrap()))
}

fn measure(title: &str, unit: trygg_domain::id::UnitId, due: jiff::civil::Date) -> MeasureInput {
    MeasureInput {
        title: title.into(),
        description: "Mörk gångtunnel, trasiga armaturer".into(),
        kind: "lighting".into(),
        due_date: due.to_string(),
        unit: Some(unit),
        ..Default::default()
    }
}

fn days(n: i64) -> jiff::Span {
    jiff::Span::new().days(n)
}

/// The text of a delivered message with quoted-printable soft line breaks joined.
fn text(m: &smtp_sink::Received) -> String {
    m.data.replace("=\n", "")
}

async fn two_instances(test_db: &TestDb) {
    let db = test_db.connect().await;
    let now = Clock::system().now();
    let today = local_date(now);

    // Twenty days ago: the demo's people, three measures for the handläggare's unit.
    let past = Trygg::new(
        db.clone(),
        Clock::manual(now.plus_seconds(-20 * 86_400)),
        Settings::default(),
    );
    let logins = past.load_demo().await.unwrap();
    let person = |role: Role| logins.iter().find(|l| l.role == role).unwrap();
    let (coord_login, hand_login) = (person(Role::Samordnare), person(Role::Handlaggare));
    let coord = login(&past, &coord_login.email, &coord_login.password).await;
    let hand = login(&past, &hand_login.email, &hand_login.password).await;
    let unit = hand.actor().unwrap().user.unit_id.unwrap();
    let meta = RequestMeta::cli();
    let create = async |title: &str, due: jiff::civil::Date| -> MeasureId {
        past.create_measure(&coord, &meta, measure(title, unit, due))
            .await
            .unwrap()
    };
    let on_time = create("I tid", today.checked_add(days(60)).unwrap()).await;
    let late_due = today.checked_sub(days(5)).unwrap();
    let late = create("Försenad", late_due).await;
    let soon = create("Snart", today.checked_add(days(2)).unwrap()).await;
    let accept = Transition::parse(&TransitionInput {
        action: "accept".into(),
        planned_date: Some(late_due.to_string()),
        ..Default::default()
    })
    .unwrap();
    past.transition_measure(&hand, &meta, late, accept, None)
        .await
        .unwrap();
    let before = db.outbox(1000).await.unwrap();
    assert!(
        before
            .iter()
            .all(|e| e.kind != "overdue" && e.kind != "due_soon"),
        "no reminder yet: {before:?}"
    );

    // Today: the overdue measure heads the unit's queue (what "my work" shows).
    let present = Trygg::new(db.clone(), Clock::system(), Settings::default());
    let hand_now = login(&present, &hand_login.email, &hand_login.password).await;
    let work = present.my_work(&hand_now).await.unwrap();
    assert_eq!(work[0].0.row.id, late, "overdue first");
    assert_eq!(work[0].0.urgency, Urgency::Overdue);
    assert_eq!(
        work.iter().map(|w| w.0.row.id).collect::<Vec<_>>(),
        [late, soon, on_time]
    );

    // Two servers, one database, one SMTP server, a round every second.
    let sink = SmtpSink::start().await;
    let env = [
        ("TRYGG_PUBLIC_URL", PUBLIC_URL.to_owned()),
        ("TRYGG_SMTP_HOST", "127.0.0.1".to_owned()),
        ("TRYGG_SMTP_PORT", sink.port.to_string()),
        ("TRYGG_SMTP_SECURITY", "plain".to_owned()),
        (
            "TRYGG_SMTP_FROM",
            "Trygg <trygg@linkoping.example>".to_owned(),
        ),
        ("TRYGG_MAIL_INTERVAL_SECS", "1".to_owned()),
        ("RUST_LOG", "info,trygg_core::mail=debug".to_owned()),
    ];
    let servers = [
        Server::start(&test_db.url, &env),
        Server::start(&test_db.url, &env),
    ];
    for s in &servers {
        assert_eq!(s.get_status("/healthz"), 200, "{}", s.addr);
    }

    let drained = async || -> bool {
        let outbox = db.outbox(1000).await.unwrap();
        outbox.iter().any(|e| e.kind == "overdue")
            && outbox.iter().all(|e| e.sent_at.is_some())
            && sink.received().len() >= outbox.len()
    };
    wait_until("the outbox to be sent", Duration::from_secs(60), drained).await;
    // Every sender runs further rounds (schedule reminders, claim the outbox) after that.
    let rounds: Vec<usize> = servers.iter().map(|s| s.count_log(ROUND_DONE)).collect();
    wait_until(
        "more rounds of both senders",
        Duration::from_secs(60),
        async || {
            servers
                .iter()
                .zip(&rounds)
                .all(|(s, n)| s.count_log(ROUND_DONE) >= n + EXTRA_ROUNDS)
        },
    )
    .await;

    let outbox: Vec<OutboxEmail> = db.outbox(1000).await.unwrap();
    let got = sink.received();
    let logs = || {
        servers
            .iter()
            .map(Server::log_text)
            .collect::<Vec<_>>()
            .join("\n----\n")
    };
    eprintln!(
        "{} e-mails in the outbox, {} delivered; sender rounds per instance: {:?}",
        outbox.len(),
        got.len(),
        servers
            .iter()
            .map(|s| s.count_log(ROUND_DONE))
            .collect::<Vec<_>>()
    );
    assert!(outbox.iter().all(|e| e.sent_at.is_some()), "{outbox:?}");
    // Each row was marked sent once it was delivered; as many messages as rows means
    // none went out twice.
    assert_eq!(
        got.len(),
        outbox.len(),
        "each e-mail exactly once\n{}",
        logs()
    );
    let reminders = |kind: &str, m: MeasureId| {
        outbox
            .iter()
            .filter(|e| e.kind == kind && e.measure_id == Some(m))
            .count()
    };
    assert_eq!(reminders("overdue", late), 1);
    assert_eq!(reminders("due_soon", soon), 1);
    assert_eq!(reminders("overdue", soon) + reminders("due_soon", late), 0);
    assert_eq!(
        reminders("overdue", on_time) + reminders("due_soon", on_time),
        0
    );
    let of_measures = |o: &[OutboxEmail]| o.iter().filter(|e| e.measure_id.is_some()).count();
    assert_eq!(
        of_measures(&outbox),
        of_measures(&before) + 2,
        "the assignments and the answer, then the two reminders"
    );

    // The overdue e-mail as delivered: once, to the unit and the proposer, with the
    // public link.
    let link = format!("{PUBLIC_URL}/measures/{late}");
    let overdue: Vec<_> = got
        .iter()
        .filter(|m| {
            let t = text(m);
            t.contains(&link) && t.contains(&format!("vara klar {late_due}"))
        })
        .collect();
    assert_eq!(overdue.len(), 1, "one overdue e-mail\n{}", logs());
    let mut to = vec![hand_login.email.clone(), coord_login.email.clone()];
    to.sort();
    assert_eq!(overdue[0].recipients, to);
    drop(servers);
}
