//! Administration of the versioned category list, on both databases: add, rename (a
//! new version; old incidents keep theirs), retire with a replacement, and refusals.

use trygg_core::Error;
use trygg_core::categories::CategoryInput;
use trygg_core::incidents::{IncidentInput, ReportError, WhereInput};
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

fn incident(category: &str) -> IncidentInput {
    IncidentInput {
        category: category.into(),
        description: "Något hände vid Resecentrum".into(),
        occurred_at: "2026-09-12 22:30".into(),
        place: WhereInput {
            point: Some(Wgs84::new(58.41611, 15.62583).unwrap()),
            ..Default::default()
        },
        creates_insecurity: true,
        sharing: Some("partners".into()),
        ..Default::default()
    }
}

fn input(code: &str, name_sv: &str, name_en: &str) -> CategoryInput {
    CategoryInput {
        code: code.into(),
        name_sv: name_sv.into(),
        name_en: name_en.into(),
        group: "ordning".into(),
        default_severity: "2".into(),
        pii_policy: "mask".into(),
    }
}

fn field_code(e: Error) -> (&'static str, &'static str) {
    match e {
        Error::Invalid(i) => (i.field, i.code),
        other => panic!("expected a field error, got {other:?}"),
    }
}

on_both_backends!(
    categories_are_added_renamed_and_retired,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let admin = caller(&trygg, &logins, Role::Samordnare).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let meta = RequestMeta::cli();

        // Add.
        let added = trygg
            .add_category(
                &admin,
                &meta,
                input("elsparkcykel", "Elsparkcykel", "E-scooter"),
            )
            .await
            .unwrap();
        assert_eq!(added.version, 1);
        assert_eq!(added.group, "ordning");
        let (list, _) = trygg.category_list().await.unwrap();
        assert!(list.get("elsparkcykel").is_some());

        // An incident filed under the first version keeps it after a rename.
        trygg
            .file_report(&reporter, &meta, vec![incident("elsparkcykel")], None)
            .await
            .map_err(|_| "filing failed")
            .unwrap();
        let renamed = trygg
            .change_category(
                &admin,
                &meta,
                "elsparkcykel",
                input(
                    "ignored",
                    "Elsparkcyklar felparkerade",
                    "Misparked e-scooters",
                ),
            )
            .await
            .unwrap();
        assert_eq!(renamed.version, 2);
        assert_eq!(renamed.code, "elsparkcykel");
        assert_eq!(renamed.name_sv, "Elsparkcyklar felparkerade");
        assert_ne!(renamed.id, added.id);
        let (rows, _) = trygg
            .incidents(
                &admin,
                &IncidentFilter {
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let old = rows
            .iter()
            .find(|r| r.category_code == "elsparkcykel")
            .unwrap();
        assert_eq!(old.category_id, added.id, "the incident keeps its version");
        let all = trygg.categories_admin(&admin).await.unwrap();
        assert_eq!(all.iter().filter(|r| r.code == "elsparkcykel").count(), 2);

        // Retire with a replacement: new reports with the code are refused.
        let retired = trygg
            .retire_category(&admin, &meta, "elsparkcykel", Some("störande-grupp".into()))
            .await
            .unwrap();
        assert!(retired.retired);
        assert_eq!(retired.version, 3);
        assert_eq!(retired.replaced_by.as_deref(), Some("störande-grupp"));
        let err = trygg
            .file_report(&reporter, &meta, vec![incident("elsparkcykel")], None)
            .await
            .err()
            .unwrap();
        let ReportError::Invalid(errors) = err else {
            panic!("expected field errors");
        };
        assert_eq!(errors[0].invalid.code, "retired_category");

        // Every change is audited.
        let audit = trygg.db.audit_entries(0, 100_000).await.unwrap();
        for action in ["category_created", "category_changed", "category_retired"] {
            assert!(
                audit.iter().any(|e| e.draft.action == action
                    && e.draft.object_id.as_deref() == Some("elsparkcykel")),
                "{action} audited"
            );
        }
    }
);

on_both_backends!(
    category_changes_are_refused_when_wrong,
    |db, _t| async move {
        let (trygg, logins) = app(db).await;
        let admin = caller(&trygg, &logins, Role::Admin).await;
        let reporter = caller(&trygg, &logins, Role::Rapportor).await;
        let meta = RequestMeta::cli();

        // Only those who manage categories.
        assert!(matches!(
            trygg
                .add_category(&reporter, &meta, input("elsparkcykel", "Elsparkcykel", "x"))
                .await,
            Err(Error::Forbidden)
        ));
        assert!(matches!(
            trygg.categories_admin(&reporter).await,
            Err(Error::Forbidden)
        ));
        // An existing code, a bad code, a Swedish name already used, a bad group.
        assert_eq!(
            field_code(
                trygg
                    .add_category(&admin, &meta, input("klotter", "Klotter två", "x"))
                    .await
                    .unwrap_err()
            ),
            ("code", "category_code_taken")
        );
        assert_eq!(
            field_code(
                trygg
                    .add_category(&admin, &meta, input("Bad Code!", "Något", "x"))
                    .await
                    .unwrap_err()
            )
            .0,
            "code"
        );
        assert_eq!(
            field_code(
                trygg
                    .add_category(&admin, &meta, input("klottret", "Klotter", "x"))
                    .await
                    .unwrap_err()
            ),
            ("name_sv", "duplicate_category")
        );
        let mut bad_group = input("elsparkcykel", "Elsparkcykel", "x");
        bad_group.group = "nope".into();
        assert_eq!(
            field_code(
                trygg
                    .add_category(&admin, &meta, bad_group)
                    .await
                    .unwrap_err()
            )
            .0,
            "group"
        );
        // Renaming into another category's name.
        assert_eq!(
            field_code(
                trygg
                    .change_category(&admin, &meta, "brand", input("", "Klotter", "x"))
                    .await
                    .unwrap_err()
            ),
            ("name_sv", "duplicate_category")
        );
        // Unknown codes.
        assert!(matches!(
            trygg
                .change_category(&admin, &meta, "finns-inte", input("", "Ny", "x"))
                .await,
            Err(Error::NotFound)
        ));
        assert!(matches!(
            trygg.retire_category(&admin, &meta, "1", None).await,
            Err(Error::NotFound)
        ));
        // Replaced by itself, by an unknown or by a retired category.
        assert_eq!(
            field_code(
                trygg
                    .retire_category(&admin, &meta, "klotter", Some("klotter".into()))
                    .await
                    .unwrap_err()
            ),
            ("replaced_by", "invalid_replacement")
        );
        assert_eq!(
            field_code(
                trygg
                    .retire_category(&admin, &meta, "klotter", Some("finns-inte".into()))
                    .await
                    .unwrap_err()
            ),
            ("replaced_by", "invalid_replacement")
        );
        trygg
            .retire_category(&admin, &meta, "nedskräpning", None)
            .await
            .unwrap();
        assert_eq!(
            field_code(
                trygg
                    .retire_category(&admin, &meta, "klotter", Some("nedskräpning".into()))
                    .await
                    .unwrap_err()
            ),
            ("replaced_by", "invalid_replacement")
        );
        // Nothing refused was stored.
        let all = trygg.categories_admin(&admin).await.unwrap();
        assert_eq!(all.iter().filter(|r| r.code == "klotter").count(), 1);
        assert_eq!(all.iter().filter(|r| r.code == "brand").count(), 1);
    }
);
