//! Organisations, units and users.

use trygg_domain::account::Role;
use trygg_domain::id::UserId;
use trygg_domain::organisation::OrganisationKind;
use trygg_domain::time::Instant;
use trygg_store::{
    Db, NewOrganisation, NewUnit, NewUser, Store, StoreError, UserChange, on_both_backends,
};

use crate::draft;

pub async fn org(db: &Db, name: &str, home: bool) -> trygg_domain::id::OrganisationId {
    db.create_organisation(
        &NewOrganisation {
            name: name.into(),
            kind: OrganisationKind::Kommun,
            is_home: home,
            at: Instant(1),
        },
        draft("organisation_created"),
    )
    .await
    .unwrap()
}

pub async fn user(
    db: &Db,
    org: trygg_domain::id::OrganisationId,
    email: &str,
    roles: Vec<Role>,
) -> UserId {
    db.create_user(
        &NewUser {
            organisation_id: org,
            unit_id: None,
            email: email.into(),
            name: "Test Person".into(),
            password_hash: "$argon2id$fake".into(),
            roles,
            at: Instant(2),
        },
        draft("user_created"),
    )
    .await
    .unwrap()
}

on_both_backends!(organisations_and_units, |db: Db, _t: &TestDb| async move {
    assert!(db.home_organisation().await.unwrap().is_none());
    let home = org(&db, "Linköpings kommun", true).await;
    let police = org(&db, "Polisen", false).await;
    assert_eq!(db.home_organisation().await.unwrap().unwrap().id, home);
    let err = db
        .create_organisation(
            &NewOrganisation {
                name: "Annan kommun".into(),
                kind: OrganisationKind::Kommun,
                is_home: true,
                at: Instant(1),
            },
            draft("organisation_created"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                constraint: "organisations_one_home"
            }
        ),
        "{err:?}"
    );
    let err = db
        .create_organisation(
            &NewOrganisation {
                name: "Polisen".into(),
                kind: OrganisationKind::Polis,
                is_home: false,
                at: Instant(1),
            },
            draft("organisation_created"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                constraint: "organisations_name_key"
            }
        ),
        "{err:?}"
    );

    let orgs = db.organisations().await.unwrap();
    assert_eq!(
        orgs.iter().map(|o| o.name.as_str()).collect::<Vec<_>>(),
        ["Linköpings kommun", "Polisen"]
    );
    assert_eq!(
        db.organisation_by_name("Polisen")
            .await
            .unwrap()
            .unwrap()
            .id,
        police
    );

    let u = db
        .create_unit(
            &NewUnit {
                organisation_id: home,
                name: "Säkerhetsenheten".into(),
                at: Instant(3),
            },
            draft("unit_created"),
        )
        .await
        .unwrap();
    db.create_unit(
        &NewUnit {
            organisation_id: police,
            name: "Säkerhetsenheten".into(),
            at: Instant(3),
        },
        draft("unit_created"),
    )
    .await
    .expect("the same unit name in another organisation is fine");
    let dup = db
        .create_unit(
            &NewUnit {
                organisation_id: home,
                name: "Säkerhetsenheten".into(),
                at: Instant(3),
            },
            draft("unit_created"),
        )
        .await;
    assert!(matches!(
        dup,
        Err(StoreError::Conflict {
            constraint: "units_org_name_key"
        })
    ));
    assert_eq!(db.units(home).await.unwrap()[0].id, u);
    assert_eq!(db.unit(u).await.unwrap().unwrap().organisation_id, home);

    // Every successful change wrote exactly one audit entry; the refused ones none.
    let entries = db.audit_entries(0, 100).await.unwrap();
    assert_eq!(entries.len(), 4, "2 organisations + 2 units");
    assert_eq!(
        entries[0].draft.object_id.as_deref(),
        Some(home.0.to_string().as_str()),
        "the store names the created id"
    );
});

on_both_backends!(users_roles_and_changes, |db: Db, _t: &TestDb| async move {
    let home = org(&db, "Linköpings kommun", true).await;
    let id = user(
        &db,
        home,
        "anna@linkoping.se",
        vec![Role::Samordnare, Role::Admin],
    )
    .await;
    let u = db.user(id).await.unwrap().unwrap();
    assert_eq!(u.roles, vec![Role::Admin, Role::Samordnare]);
    assert_eq!(
        db.user_by_email("anna@linkoping.se")
            .await
            .unwrap()
            .unwrap()
            .id,
        id
    );
    assert!(
        db.user_by_email("nobody@linkoping.se")
            .await
            .unwrap()
            .is_none()
    );

    let dup = db
        .create_user(
            &NewUser {
                organisation_id: home,
                unit_id: None,
                email: "anna@linkoping.se".into(),
                name: "Another".into(),
                password_hash: "x".into(),
                roles: vec![Role::Lasare],
                at: Instant(3),
            },
            draft("user_created"),
        )
        .await;
    assert!(matches!(
        dup,
        Err(StoreError::Conflict {
            constraint: "users_email_key"
        })
    ));

    db.change_user(
        id,
        &UserChange::Roles(vec![Role::Rapportor]),
        draft("user_roles_changed"),
    )
    .await
    .unwrap();
    db.change_user(id, &UserChange::Disable, draft("user_disabled"))
        .await
        .unwrap();
    let u = db.user(id).await.unwrap().unwrap();
    assert_eq!(u.roles, vec![Role::Rapportor]);
    assert!(u.disabled);
    let missing = db
        .change_user(UserId(4242), &UserChange::Enable, draft("user_enabled"))
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)));
    let all = db.users().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].roles, vec![Role::Rapportor]);
});
