//! The EST meeting and publishing on both databases: a published picture is frozen (editing
//! its incidents later changes neither the snapshot nor its PDF), its hash exposes a
//! changed snapshot, republishing adds a version, the PDF opens in a real PDF reader
//! (poppler's pdftotext and pdfinfo) with its figures, and the public version carries no
//! text and no people.

use std::process::Command;

use trygg_analytics::week::IsoWeek;
use trygg_core::est_meeting::{Integrity, MeetingEdit, MeetingInput};
use trygg_core::incidents::ReviewInput;
use trygg_core::{Caller, Clock, Error, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::id::AreaId;
use trygg_domain::incident::IncidentId;
use trygg_domain::time::Instant;
use trygg_store::incident::{IncidentFilter, Visibility};
use trygg_store::{Store, on_both_backends};

/// Monday 21 September 2026: the last whole week is 2026-W38.
const NOW_S: i64 = 1_790_000_000;

async fn app(db: trygg_store::Db) -> (Trygg, Vec<trygg_core::demo::DemoLogin>) {
    let trygg = Trygg::new(
        db,
        Clock::manual(Instant::from_micros(NOW_S * 1_000_000)),
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

/// Seven klotter incidents at Resecentrum in 2026-W38, one with a name in its text.
fn week_38() -> String {
    let mut csv = String::from(
        "occurred_at,category,lat,lon,description,severity,creates_insecurity,external_id\n",
    );
    for d in 0..7 {
        csv += &format!(
            "2026-09-{:02} 1{d}:10,klotter,58.41611,15.62583,Klotter nummer {d} på perrongen,{},ja,est-{d}\n",
            14 + d,
            if d == 6 { 3 } else { 1 }
        );
    }
    csv
}

async fn area_named(trygg: &Trygg, name: &str) -> AreaId {
    trygg
        .db
        .current_areas(None)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.name == name)
        .unwrap()
        .id
}

async fn incident_id(trygg: &Trygg, text: &str) -> IncidentId {
    let (rows, _) = trygg_store::IncidentStore::incidents(
        &trygg.db,
        &IncidentFilter {
            text: Some(text.into()),
            limit: 10,
            ..Default::default()
        },
        Visibility {
            all: true,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    rows[0].id
}

/// The text a real PDF reader finds, and whether it says the file is tagged.
fn read_pdf(bytes: &[u8], name: &str) -> (String, String) {
    let dir = std::env::temp_dir().join(format!("trygg-pdf-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("lagesbild.pdf");
    std::fs::write(&path, bytes).unwrap();
    let text = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    assert!(text.status.success(), "pdftotext failed");
    let info = Command::new("pdfinfo")
        .arg(&path)
        .output()
        .expect("pdfinfo (apt-get install poppler-utils)");
    assert!(info.status.success(), "pdfinfo failed");
    let _ = std::fs::remove_dir_all(&dir);
    (
        String::from_utf8(text.stdout).unwrap(),
        String::from_utf8_lossy(&info.stdout).into_owned(),
    )
}

fn input() -> MeetingInput {
    MeetingInput::default()
}

on_both_backends!(
    a_published_picture_is_frozen_hashed_and_printable,
    |db, t| async move {
        let (trygg, logins) = app(db).await;
        let meta = RequestMeta::cli();
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let analyst = caller(&trygg, &logins, Role::Analytiker).await;
        let reader = caller(&trygg, &logins, Role::Lasare).await;
        let home = trygg.db.home_organisation().await.unwrap().unwrap();
        trygg
            .import_incidents_csv(
                &coordinator,
                &meta,
                week_38().as_bytes(),
                false,
                home.id,
                &|_, _| {},
            )
            .await
            .map_err(|_| "import refused")
            .unwrap();
        let area = area_named(&trygg, "Vasastaden-Hunneberg").await;
        let week = IsoWeek::new(2026, 38).unwrap();

        // The meeting: a participant with a name, a priority, notes; Swedish letters kept.
        let org = home.id.0.to_string();
        trygg
            .change_est_meeting(
                &coordinator,
                &meta,
                area,
                week,
                MeetingEdit::AddParticipant,
                &MeetingInput {
                    organisation: org.clone(),
                    name: "Åsa Öberg".into(),
                    ..input()
                },
            )
            .await
            .unwrap();
        trygg
            .change_est_meeting(
                &coordinator,
                &meta,
                area,
                week,
                MeetingEdit::AddPriority,
                &MeetingInput {
                    organisation: org.clone(),
                    location: "Gångtunneln vid Resecentrum".into(),
                    action: "Extra ronder fredag och lördag kväll".into(),
                    ..input()
                },
            )
            .await
            .unwrap();
        trygg
            .change_est_meeting(
                &coordinator,
                &meta,
                area,
                week,
                MeetingEdit::Notes,
                &MeetingInput {
                    notes: "Polisen förstärker i centrum.".into(),
                    ..input()
                },
            )
            .await
            .unwrap();
        // Field errors: a priority needs an action and a place or location.
        let refused = trygg
            .change_est_meeting(
                &coordinator,
                &meta,
                area,
                week,
                MeetingEdit::AddPriority,
                &MeetingInput {
                    organisation: org.clone(),
                    location: "Torget".into(),
                    ..input()
                },
            )
            .await;
        assert!(matches!(refused, Err(Error::Invalid(i)) if i.field == "action"));
        let refused = trygg
            .change_est_meeting(
                &coordinator,
                &meta,
                area,
                week,
                MeetingEdit::AddPriority,
                &MeetingInput {
                    organisation: org.clone(),
                    action: "Städa".into(),
                    ..input()
                },
            )
            .await;
        assert!(
            matches!(refused, Err(Error::Invalid(i)) if i.code == "place_or_location_required")
        );
        // The analyst reads the meeting but may neither change it nor publish.
        let m = trygg.est_meeting(&analyst, area, week).await.unwrap();
        assert_eq!(m.participants.len(), 1);
        assert_eq!(m.participants[0].name.as_deref(), Some("Åsa Öberg"));
        assert_eq!(m.priorities.len(), 1);
        assert!(matches!(
            trygg
                .change_est_meeting(&analyst, &meta, area, week, MeetingEdit::Notes, &input())
                .await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            trygg
                .publish_lagesbild(&analyst, &meta, area, week, false)
                .await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            trygg.est_meeting(&reader, area, week).await,
            Err(Error::Forbidden)
        ));

        // Publish.
        let live = trygg
            .weekly_picture(&coordinator, area, week)
            .await
            .unwrap();
        let count = live.headline.count;
        assert!(count >= 7, "the week's incidents are counted: {count}");
        let id = trygg
            .publish_lagesbild(&coordinator, &meta, area, week, false)
            .await
            .unwrap();
        let published = trygg.published_lagesbild(&coordinator, id).await.unwrap();
        assert_eq!(published.integrity, Integrity::Verified);
        assert_eq!(published.summary.version, 1);
        assert_eq!(published.summary.sha256.len(), 64);
        let snapshot = published.snapshot.clone().unwrap();
        assert_eq!(snapshot.picture.headline.count, count);
        assert_eq!(
            snapshot.meeting.participants[0].name.as_deref(),
            Some("Åsa Öberg")
        );
        let stored_before = trygg_store::EstMeetingStore::publication(&trygg.db, id)
            .await
            .unwrap()
            .unwrap();
        let (_, pdf_before) = trygg
            .published_lagesbild_pdf(&coordinator, id)
            .await
            .unwrap();
        let (text_before, info) = read_pdf(&pdf_before, "before");
        let field = |name: &str| {
            info.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(str::trim)
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(field("Tagged:"), "yes", "{info}");
        assert_eq!(
            field("Title:"),
            "Lägesbild Vasastaden-Hunneberg, vecka 2026-W38"
        );
        for needle in [
            "Lägesbild Vasastaden-Hunneberg, vecka 2026-W38",
            "Händelser denna vecka",
            &format!("Händelser denna vecka {count}"),
            "Gångtunneln vid Resecentrum",
            "Extra ronder fredag och lördag kväll",
            "Åsa Öberg",
            "Polisen förstärker i centrum.",
            &published.summary.sha256,
            "Klotter",
        ] {
            let flat = text_before.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                flat.contains(needle),
                "PDF lacks {needle:?}:\n{text_before}"
            );
        }

        // Editing the incidents afterwards changes the live picture, not the published one.
        let rejected = incident_id(&trygg, "Klotter nummer 6").await;
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
        let live = trygg
            .weekly_picture(&coordinator, area, week)
            .await
            .unwrap();
        assert_eq!(live.headline.count, count - 1);
        let again = trygg.published_lagesbild(&coordinator, id).await.unwrap();
        assert_eq!(again.snapshot.unwrap(), snapshot);
        let stored_after = trygg_store::EstMeetingStore::publication(&trygg.db, id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored_after, stored_before);
        let (_, pdf_after) = trygg
            .published_lagesbild_pdf(&coordinator, id)
            .await
            .unwrap();
        assert_eq!(read_pdf(&pdf_after, "after").0, text_before);

        // Republishing adds version 2 with the new figures; version 1 stays.
        let id2 = trygg
            .publish_lagesbild(&coordinator, &meta, area, week, true)
            .await
            .unwrap();
        let v2 = trygg.published_lagesbild(&coordinator, id2).await.unwrap();
        assert_eq!(v2.summary.version, 2);
        assert_eq!(v2.snapshot.unwrap().picture.headline.count, count - 1);
        assert_ne!(v2.summary.sha256, published.summary.sha256);
        let list = trygg
            .published_lagesbilder(&reader, Some(area))
            .await
            .unwrap();
        assert_eq!(list.iter().map(|p| p.version).collect::<Vec<_>>(), [2, 1]);

        // A reader sees the published picture without the participant's name.
        let for_reader = trygg.published_lagesbild(&reader, id).await.unwrap();
        assert!(!for_reader.shows_names);
        assert_eq!(
            for_reader.snapshot.unwrap().meeting.participants[0].name,
            None
        );
        let (_, reader_pdf) = trygg.published_lagesbild_pdf(&reader, id).await.unwrap();
        assert!(!read_pdf(&reader_pdf, "reader").0.contains("Åsa"));
        assert!(matches!(
            trygg.published_lagesbild(&Caller::Anonymous, id).await,
            Err(Error::Unauthenticated)
        ));

        // The public version: only figures; nothing of the text, the people or the notes.
        let public = trygg.public_lagesbild(area).await.unwrap();
        assert_eq!(public.version, 2);
        assert_eq!(public.count, count - 1);
        let json = serde_json::to_string(&public).unwrap();
        for secret in [
            "Klotter nummer",
            "Åsa",
            "Öberg",
            "Polisen förstärker",
            "Extra ronder",
        ] {
            assert!(
                !json.contains(secret),
                "public version shows {secret}: {json}"
            );
        }

        // Tampering with the stored snapshot is detected and nothing of it is shown.
        t.execute_raw(&format!(
            "UPDATE lagesbild_publications SET snapshot = REPLACE(snapshot, '\"count\":{count}', '\"count\":1') WHERE id = {id}"
        ))
        .await
        .unwrap();
        let tampered = trygg.published_lagesbild(&coordinator, id).await.unwrap();
        assert!(matches!(tampered.integrity, Integrity::Mismatch { .. }));
        assert!(tampered.snapshot.is_none());
        assert!(matches!(
            trygg.published_lagesbild_pdf(&coordinator, id).await,
            Err(Error::Refused("publication_tampered"))
        ));
        // The untouched version 2 still verifies.
        let v2 = trygg.published_lagesbild(&coordinator, id2).await.unwrap();
        assert_eq!(v2.integrity, Integrity::Verified);
    }
);

on_both_backends!(
    an_area_without_a_public_version_has_no_public_page,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let area = area_named(&trygg, "Vasastaden-Hunneberg").await;
        let week = IsoWeek::new(2026, 38).unwrap();
        trygg
            .publish_lagesbild(&coordinator, &RequestMeta::cli(), area, week, false)
            .await
            .unwrap();
        assert!(matches!(
            trygg.public_lagesbild(area).await,
            Err(Error::NotFound)
        ));
    }
);
