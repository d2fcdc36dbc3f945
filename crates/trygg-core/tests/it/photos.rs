//! Incident photos through the use cases, on both databases: filed with a report in its
//! transaction, readable only by those who may read the incident's details, every read
//! audited, and a refused photo refusing the whole report.

use trygg_core::incidents::{IncidentInput, ReportError, WhereInput};
use trygg_core::photos;
use trygg_core::{Caller, Clock, Error, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::geo::Wgs84;
use trygg_domain::incident::photo::{CleanPhoto, PhotoLimits};
use trygg_domain::time::Instant;
use trygg_store::incident::IncidentFilter;
use trygg_store::photo::PhotoVariant;
use trygg_store::{PhotoStore, Store, on_both_backends};

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

const SECRET: &[u8] = b"GPS 58.4109N 15.6216E Storgatan 1";

/// A small JPEG as a phone writes it: with an EXIF APP1 segment (here a minimal TIFF
/// block followed by the secret) and a comment holding the secret again.
pub fn phone_jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, _| image::Rgb([(x * 4) as u8, 90, 160]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode_image(&img)
        .unwrap();
    let mut app1 = b"Exif\0\0II*\0\x08\0\0\0\0\0\0\0\0\0".to_vec();
    app1.extend_from_slice(SECRET);
    let mut out = vec![0xFF, 0xD8];
    for (marker, payload) in [(0xE1u8, &app1[..]), (0xFE, SECRET)] {
        out.extend_from_slice(&[0xFF, marker]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
    }
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn clean(bytes: &[u8]) -> CleanPhoto {
    CleanPhoto::parse(bytes, &PhotoLimits::default()).unwrap()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn incident(sharing: &str, photos: Vec<CleanPhoto>) -> IncidentInput {
    IncidentInput {
        category: "klotter".into(),
        description: "Klotter på väggen".into(),
        occurred_at: "2026-09-12 22:30".into(),
        place: WhereInput {
            point: Some(Wgs84::new(58.41611, 15.62583).unwrap()),
            ..Default::default()
        },
        sharing: Some(sharing.into()),
        photos,
        ..Default::default()
    }
}

async fn last_audit(trygg: &Trygg) -> trygg_domain::audit::AuditEntry {
    let all = trygg.db.audit_entries(0, 100_000).await.unwrap();
    all.last().unwrap().clone()
}

on_both_backends!(
    photos_are_filed_with_the_report_and_every_read_is_audited,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let analyst = caller(&trygg, &logins, Role::Analytiker).await;
        let meta = RequestMeta::cli();
        let upload = phone_jpeg();
        assert!(contains(&upload, SECRET));
        let filed = trygg
            .file_report(
                &reporter,
                &meta,
                vec![
                    incident("own", vec![clean(&upload), clean(&upload)]),
                    incident("partners", vec![clean(&upload)]),
                ],
                None,
            )
            .await
            .map_err(|_| "filing failed")
            .unwrap();
        let filed_audit = last_audit(&trygg).await;
        assert_eq!(filed_audit.draft.action, "report_filed");
        assert!(filed_audit.draft.detail.contains("\"photos\":3"));
        let (rows, _) = trygg
            .incidents(
                &reporter,
                &IncidentFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let own = rows.iter().find(|r| r.sharing == "own").unwrap();
        let shared = rows.iter().find(|r| r.sharing == "partners").unwrap();
        assert_eq!(own.report_id, Some(filed.report));
        let own_photos = trygg.incident_photos(&coordinator, own.id).await.unwrap();
        assert_eq!(own_photos.len(), 2);
        assert_eq!(own_photos[0].content_type, "image/jpeg");
        assert_eq!((own_photos[0].width, own_photos[0].height), (64, 48));

        // The coordinator reads it: no metadata left, and the read is in the audit log.
        let data = trygg
            .photo(
                &coordinator,
                &meta,
                own.id,
                own_photos[0].id,
                PhotoVariant::Full,
            )
            .await
            .unwrap();
        assert!(data.bytes.starts_with(&[0xFF, 0xD8]));
        assert!(!contains(&data.bytes, SECRET));
        assert!(!contains(&data.bytes, b"Exif"));
        let read = last_audit(&trygg).await;
        assert_eq!(read.draft.action, "incident_photo_read");
        assert_eq!(read.draft.object_id, Some(own_photos[0].id.0.to_string()));
        assert_eq!(read.draft.actor_user_id, coordinator.user_id().map(|u| u.0));
        let thumb = trygg
            .photo(
                &coordinator,
                &meta,
                own.id,
                own_photos[0].id,
                PhotoVariant::Thumb,
            )
            .await
            .unwrap();
        assert_eq!(thumb.content_type, "image/jpeg");
        assert!(last_audit(&trygg).await.draft.detail.contains("thumb"));

        // The police analyst (another organisation) cannot reach the `own` incident's
        // photos by any call, and the refusal reads nothing and logs no read.
        let before = trygg.db.audit_entries(0, 100_000).await.unwrap().len();
        assert!(matches!(
            trygg.incident_photos(&analyst, own.id).await,
            Err(Error::NotFound)
        ));
        for variant in [PhotoVariant::Full, PhotoVariant::Thumb] {
            assert!(matches!(
                trygg
                    .photo(&analyst, &meta, own.id, own_photos[0].id, variant)
                    .await,
                Err(Error::NotFound)
            ));
        }
        // Nor through the shared incident's id (a photo belongs to one incident).
        assert!(matches!(
            trygg
                .photo(
                    &analyst,
                    &meta,
                    shared.id,
                    own_photos[0].id,
                    PhotoVariant::Full
                )
                .await,
            Err(Error::NotFound)
        ));
        assert_eq!(
            trygg.db.audit_entries(0, 100_000).await.unwrap().len(),
            before
        );
        // The shared incident's photo the analyst may see.
        let shared_photos = trygg.incident_photos(&analyst, shared.id).await.unwrap();
        assert_eq!(shared_photos.len(), 1);
        trygg
            .photo(
                &analyst,
                &meta,
                shared.id,
                shared_photos[0].id,
                PhotoVariant::Full,
            )
            .await
            .unwrap();
        assert_eq!(
            last_audit(&trygg).await.draft.actor_user_id,
            analyst.user_id().map(|u| u.0)
        );
        // A reader has no access to incidents at all.
        let reader = caller(&trygg, &logins, Role::Lasare).await;
        assert!(matches!(
            trygg
                .photo(
                    &reader,
                    &meta,
                    shared.id,
                    shared_photos[0].id,
                    PhotoVariant::Full
                )
                .await,
            Err(Error::Forbidden)
        ));
    }
);

on_both_backends!(
    a_refused_photo_refuses_the_whole_report_and_writes_nothing,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let meta = RequestMeta::cli();
        let audit_before = trygg.db.audit_entries(0, 100_000).await.unwrap().len();
        // Bytes that are not a photo never become a CleanPhoto …
        let refused = photos::clean(
            vec![phone_jpeg(), b"not a photo, named photo.jpg".to_vec()],
            PhotoLimits::default(),
        )
        .await
        .unwrap_err();
        assert_eq!(refused.0, 1, "the second upload is named");
        assert_eq!(refused.1.code, "photo_type_not_allowed");
        // … and six photos for one incident refuse the report, the good incident too.
        let one = clean(&phone_jpeg());
        let err = trygg
            .file_report(
                &reporter,
                &meta,
                vec![
                    incident("partners", vec![one.clone()]),
                    incident("partners", vec![one; 6]),
                ],
                None,
            )
            .await
            .unwrap_err();
        let ReportError::Invalid(errors) = err else {
            panic!("expected field errors")
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].index, 1);
        assert_eq!(errors[0].invalid.code, "too_many_photos");
        let (_, total) = trygg
            .incidents(
                &reporter,
                &IncidentFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(total, 0, "no incident stored");
        assert_eq!(
            trygg.db.audit_entries(0, 100_000).await.unwrap().len(),
            audit_before,
            "no audit entry either"
        );
    }
);

on_both_backends!(
    the_reporter_and_the_coordinator_add_photos_within_the_limit,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let coordinator = caller(&trygg, &logins, Role::Samordnare).await;
        let officer = caller(&trygg, &logins, Role::Handlaggare).await;
        let analyst = caller(&trygg, &logins, Role::Analytiker).await;
        let meta = RequestMeta::cli();
        trygg
            .file_report(&reporter, &meta, vec![incident("partners", vec![])], None)
            .await
            .map_err(|_| "filing failed")
            .unwrap();
        let (rows, _) = trygg
            .incidents(
                &reporter,
                &IncidentFilter {
                    limit: 1,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let id = rows[0].id;
        let one = clean(&phone_jpeg());
        let ids = trygg
            .add_photos(&reporter, &meta, id, vec![one.clone(), one.clone()])
            .await
            .unwrap();
        assert_eq!(ids.len(), 2);
        assert_eq!(
            last_audit(&trygg).await.draft.action,
            "incident_photos_added"
        );
        trygg
            .add_photos(&coordinator, &meta, id, vec![one.clone(); 3])
            .await
            .unwrap();
        // Five is the limit; the sixth is refused and nothing is added.
        let err = trygg
            .add_photos(&coordinator, &meta, id, vec![one.clone()])
            .await
            .unwrap_err();
        assert_eq!(err.code(), "too_many_photos");
        assert_eq!(trygg.db.photos(id).await.unwrap().len(), 5);
        // Someone who may see the incident but did not report it cannot add to it.
        assert!(matches!(
            trygg
                .add_photos(&officer, &meta, id, vec![one.clone()])
                .await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            trygg.add_photos(&analyst, &meta, id, vec![one]).await,
            Err(Error::Forbidden)
        ));
    }
);
