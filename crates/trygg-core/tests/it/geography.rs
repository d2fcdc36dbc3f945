//! Geography use cases: the demo's areas and places, point lookups, access rules,
//! search, and the area index noticing changes made by another instance.

use trygg_core::geography::PolygonUpdate;
use trygg_core::{Actor, Caller, Clock, Error, RequestMeta, Settings, Trygg};
use trygg_domain::account::Role;
use trygg_domain::area::AreaKind;
use trygg_domain::geo::{AreaImportOptions, Wgs84};
use trygg_domain::id::{OrganisationId, SessionId, UserId};
use trygg_domain::organisation::OrganisationKind;
use trygg_domain::place::{PlaceForm, PlaceKind, PlaceSpec};
use trygg_domain::time::Instant;
use trygg_store::{Organisation, Store, User, on_both_backends};

fn trygg(db: trygg_store::Db) -> Trygg {
    Trygg::new(
        db,
        Clock::manual(Instant::from_micros(1_750_000_000_000_000)),
        Settings::default(),
    )
}

fn as_role(role: Role) -> Caller {
    Caller::User(Box::new(Actor {
        user: User {
            id: UserId(1),
            organisation_id: OrganisationId(1),
            unit_id: None,
            email: "x@example.org".into(),
            name: "X".into(),
            password_hash: String::new(),
            roles: vec![role],
            disabled: false,
            created_at: Instant(0),
        },
        organisation: Organisation {
            id: OrganisationId(1),
            name: "Linköpings kommun".into(),
            kind: OrganisationKind::Kommun,
            is_home: true,
            created_at: Instant(0),
        },
        csrf_token: String::new(),
        session_id: SessionId(1),
    }))
}

fn at(lat: f64, lon: f64) -> Wgs84 {
    Wgs84::new(lat, lon).unwrap()
}

async fn names_at(t: &Trygg, lat: f64, lon: f64) -> Vec<(AreaKind, String)> {
    t.locate(&Caller::System, at(lat, lon))
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.kind, a.name))
        .collect()
}

fn square(lat: f64, lon: f64, half: f64) -> String {
    let (w, e, s, n) = (lon - half, lon + half, lat - half, lat + half);
    format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"code":"sq","name":"Fyrkanten"}},
        "geometry":{{"type":"Polygon","coordinates":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}}}]}}"#
    )
}

on_both_backends!(
    the_demo_geography_is_complete_and_idempotent,
    |db, _t| async move {
        let t = trygg(db);
        let first = t.load_demo_geography().await.unwrap();
        let created: Vec<(AreaKind, usize)> =
            first.areas.iter().map(|(k, c)| (*k, c.created)).collect();
        assert_eq!(
            created,
            [
                (AreaKind::Kommun, 1),
                (AreaKind::Regso, 32),
                (AreaKind::District, 7),
                (AreaKind::PermitArea, 4)
            ]
        );
        assert_eq!(first.places.created, 46);
        let audit = t.db.audit_entries(0, 1000).await.unwrap().len();

        let second = t.load_demo_geography().await.unwrap();
        assert!(
            second.areas.iter().all(|(_, c)| !c.changed()),
            "{:?}",
            second.areas
        );
        assert_eq!(second.places.unchanged, 46);
        assert_eq!(t.db.audit_entries(0, 1000).await.unwrap().len(), audit);

        // Resecentrum and Skäggetorp, from the issue.
        assert_eq!(
            names_at(&t, 58.41611, 15.62583).await,
            [
                (AreaKind::Kommun, "Linköpings kommun".into()),
                (AreaKind::Regso, "Vasastaden-Hunneberg".into()),
            ]
        );
        assert_eq!(
            names_at(&t, 58.42611, 15.58).await,
            [
                (AreaKind::Kommun, "Linköpings kommun".into()),
                (AreaKind::District, "Skäggetorp".into()),
                (AreaKind::Regso, "Skäggetorp-Tornby".into()),
                (
                    AreaKind::PermitArea,
                    "Skäggetorp centrum (ungefärlig)".into()
                ),
            ]
        );
        // Stora torget lies in Innerstaden and the city-centre permit area.
        let centre = names_at(&t, 58.41086, 15.62157).await;
        assert!(
            centre.contains(&(AreaKind::District, "Innerstaden".into())),
            "{centre:?}"
        );
        assert!(centre.contains(&(
            AreaKind::PermitArea,
            "Linköpings centrum (ungefärlig)".into()
        )));
        // Outside the municipality: nothing, and no error.
        assert!(names_at(&t, 59.3293, 18.0686).await.is_empty());

        // Places know their areas; the area page lists its places and neighbours.
        let places = t
            .places(&Caller::System, Some("Resecentrum"), None)
            .await
            .unwrap();
        let station = &places[0];
        assert_eq!(
            station.place.name,
            "Linköpings centralstation (Resecentrum)"
        );
        assert!(
            station
                .areas
                .iter()
                .any(|a| a.name == "Vasastaden-Hunneberg")
        );
        let vasastaden = station
            .areas
            .iter()
            .find(|a| a.kind == AreaKind::Regso)
            .unwrap()
            .id;
        let detail = t.area(&Caller::System, vasastaden).await.unwrap();
        assert!(detail.places.iter().any(|p| p.name.contains("Resecentrum")));
        let neighbours: Vec<&str> = detail.neighbours.iter().map(|a| a.name.as_str()).collect();
        assert!(neighbours.contains(&"Gottfridsberg"), "{neighbours:?}");
        assert!(neighbours.iter().all(|n| *n != "Vasastaden-Hunneberg"));
        assert_eq!(detail.versions.len(), 1);

        let innerstaden = t
            .areas(&Caller::System, Some(AreaKind::District))
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.name == "Innerstaden")
            .unwrap();
        let detail = t.area(&Caller::System, innerstaden.id).await.unwrap();
        let members: Vec<String> = detail
            .members
            .iter()
            .map(|(_, a)| a.as_ref().unwrap().name.clone())
            .collect();
        assert_eq!(
            members,
            [
                "Domkyrkan-Slottet",
                "Lilla Torget-Sankt Lars",
                "Trädgårdsföreningen-Folkungavallen"
            ]
        );
    }
);

on_both_backends!(
    search_folds_and_orders_the_swedish_way,
    |db, _t| async move {
        let t = trygg(db);
        t.load_demo_geography().await.unwrap();
        let found = t
            .places(&Caller::System, Some("Skaggetorp"), None)
            .await
            .unwrap();
        let names: Vec<&str> = found.iter().map(|v| v.place.name.as_str()).collect();
        assert_eq!(
            names[0], "Skäggetorp",
            "the exact (folded) match first: {names:?}"
        );
        assert!(names.contains(&"Skäggetorp-Tornby"));
        // An everyday name from the aliases list finds the RegSO point.
        let found = t
            .places(&Caller::System, Some("tornby"), None)
            .await
            .unwrap();
        assert!(found.iter().any(|v| v.place.name == "Skäggetorp-Tornby"));

        // Without a search: Swedish alphabetical order, å ä ö after z.
        let all = t.places(&Caller::System, None, None).await.unwrap();
        let names: Vec<&str> = all.iter().map(|v| v.place.name.as_str()).collect();
        let pos = |n: &str| names.iter().position(|x| *x == n).unwrap();
        assert!(pos("Vreta Kloster omland") < pos("Åkerbo omland"));
        assert!(pos("Åkerbo omland") < pos("Östergötlands län (Polisen API location.gps)"));
        assert!(pos("Ekholmen") < pos("Ekängen"));
    }
);

on_both_backends!(access_rules_for_places_and_areas, |db, _t| async move {
    let t = trygg(db);
    t.load_demo_geography().await.unwrap();
    let meta = RequestMeta::cli();
    let spec = PlaceForm {
        name: "Tunneln vid Resecentrum".into(),
        kind: "tunnel".into(),
        crs: "wgs84".into(),
        lat: "58.41611".into(),
        lon: "15.62583".into(),
        ..Default::default()
    }
    .parse()
    .unwrap();

    let reader = as_role(Role::Lasare);
    assert!(!t.places(&reader, None, None).await.unwrap().is_empty());
    assert!(
        !t.locate(&reader, at(58.41611, 15.62583))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        t.create_place(&reader, &meta, spec.clone(), None).await,
        Err(Error::Forbidden)
    ));
    assert!(matches!(
        t.import_areas(
            &reader,
            &meta,
            AreaKind::Custom,
            &square(58.41, 15.62, 0.01),
            &AreaImportOptions::new("code", "name"),
            |_, _| {}
        )
        .await,
        Err(Error::Forbidden)
    ));
    let samordnare = as_role(Role::Samordnare);
    assert!(matches!(
        t.import_areas(
            &as_role(Role::Analytiker),
            &meta,
            AreaKind::Custom,
            &square(58.41, 15.62, 0.01),
            &AreaImportOptions::new("code", "name"),
            |_, _| {}
        )
        .await,
        Err(Error::Forbidden)
    ));
    for role in [Role::Rapportor, Role::Handlaggare, Role::Analytiker] {
        assert!(matches!(
            t.create_place(&as_role(role), &meta, spec.clone(), None)
                .await,
            Err(Error::Forbidden)
        ));
    }

    let id = t
        .create_place(&samordnare, &meta, spec.clone(), None)
        .await
        .unwrap();
    let view = t.place(&reader, id).await.unwrap();
    assert!(
        view.areas.iter().any(|a| a.name == "Vasastaden-Hunneberg"),
        "{:?}",
        view.areas
    );
    let entries = t.db.audit_entries(0, 10_000).await.unwrap();
    let last = entries.last().unwrap();
    assert_eq!(last.draft.action, "place_created");
    assert_eq!(
        last.draft.object_id.as_deref(),
        Some(id.0.to_string().as_str())
    );

    // Moving it to Skäggetorp moves its areas too.
    let moved = PlaceSpec {
        point: at(58.42611, 15.58),
        kind: PlaceKind::parse("square").unwrap(),
        ..spec
    };
    t.update_place(&as_role(Role::Admin), &meta, id, moved, PolygonUpdate::Keep)
        .await
        .unwrap();
    let view = t.place(&reader, id).await.unwrap();
    assert!(view.areas.iter().any(|a| a.name == "Skäggetorp"));
    assert!(!view.areas.iter().any(|a| a.name == "Vasastaden-Hunneberg"));
});

on_both_backends!(
    the_index_follows_changes_from_another_instance,
    |db, t| async move {
        let a = trygg(db);
        let b = trygg(t.connect().await);
        let meta = RequestMeta::cli();
        a.load_demo_geography().await.unwrap();
        let before = names_at(&a, 58.41611, 15.62583).await;
        // Instance b adds an area; instance a sees it on its next lookup.
        b.import_areas(
            &Caller::System,
            &meta,
            AreaKind::Custom,
            &square(58.41611, 15.62583, 0.001),
            &AreaImportOptions::new("code", "name"),
            |_, _| {},
        )
        .await
        .unwrap();
        let after = names_at(&a, 58.41611, 15.62583).await;
        assert_eq!(after.len(), before.len() + 1);
        assert!(after.contains(&(AreaKind::Custom, "Fyrkanten".into())));
        // The place at Resecentrum was moved into the new area too.
        let station = a
            .places(&Caller::System, Some("Resecentrum"), None)
            .await
            .unwrap();
        assert!(station[0].areas.iter().any(|x| x.name == "Fyrkanten"));

        // A changed boundary (moved away): a new version; the old one keeps its validity.
        let old_id = after_id(&a, AreaKind::Custom).await;
        b.import_areas(
            &Caller::System,
            &meta,
            AreaKind::Custom,
            &square(58.40, 15.60, 0.001),
            &AreaImportOptions::new("code", "name"),
            |_, _| {},
        )
        .await
        .unwrap();
        assert!(
            !names_at(&a, 58.41611, 15.62583)
                .await
                .contains(&(AreaKind::Custom, "Fyrkanten".into()))
        );
        let old = a.area(&Caller::System, old_id).await.unwrap();
        assert!(old.area.info.valid_to.is_some());
        assert_eq!(old.versions.len(), 2);
        let station = a
            .places(&Caller::System, Some("Resecentrum"), None)
            .await
            .unwrap();
        assert!(!station[0].areas.iter().any(|x| x.name == "Fyrkanten"));
    }
);

async fn after_id(t: &Trygg, kind: AreaKind) -> trygg_domain::id::AreaId {
    t.areas(&Caller::System, Some(kind)).await.unwrap()[0].id
}
