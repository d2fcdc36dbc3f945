//! Areas (import with versions, all or nothing) and places.

use trygg_domain::area::{AreaCode, AreaKind};
use trygg_domain::id::{AreaId, PlaceId};
use trygg_domain::place::PlaceKind;
use trygg_domain::time::Instant;
use trygg_store::{
    AreaImport, AreaRef, Bbox, Db, ImportCounts, NewArea, NewPlace, PlaceImport, Store, StoreError,
    on_both_backends,
};

use crate::draft;

const T1: Instant = Instant::from_micros(1_700_000_000_000_000);
const T2: Instant = Instant::from_micros(1_800_000_000_000_000);

/// A square "geometry" whose text differs with `size`; the store treats it as opaque.
fn area(code: &str, name: &str, size: f64) -> NewArea {
    NewArea {
        code: AreaCode::parse(code).unwrap(),
        name: name.into(),
        geometry: format!(
            r#"{{"type":"MultiPolygon","coordinates":[[[[15.6,58.4],[{x},58.4],[{x},{y}],[15.6,{y}],[15.6,58.4]]]]}}"#,
            x = 15.6 + size,
            y = 58.4 + size
        ),
        bbox: Bbox {
            min_lon: 15.6,
            min_lat: 58.4,
            max_lon: 15.6 + size,
            max_lat: 58.4 + size,
        },
        area_km2: size * 100.0,
        members: Vec::new(),
    }
}

fn batch(kind: AreaKind, at: Instant, areas: Vec<NewArea>) -> AreaImport {
    AreaImport { kind, at, areas }
}

async fn audit_count(db: &Db) -> usize {
    db.audit_entries(0, 10_000).await.unwrap().len()
}

on_both_backends!(
    area_import_is_versioned_and_idempotent,
    |db: Db, _t: &TestDb| async move {
        let first = vec![
            area("0580R001", "Berga", 0.01),
            area("0580R002", "Domkyrkan-Slottet", 0.02),
        ];
        let counts = db
            .import_areas(
                &batch(AreaKind::Regso, T1, first.clone()),
                draft("areas_imported"),
            )
            .await
            .unwrap();
        assert_eq!(
            counts,
            ImportCounts {
                created: 2,
                updated: 0,
                unchanged: 0
            }
        );
        let entries = db.audit_entries(0, 100).await.unwrap();
        assert_eq!(entries.len(), 1, "one audit entry for the whole import");
        assert!(
            entries[0].draft.detail.contains(r#""created":2"#),
            "{}",
            entries[0].draft.detail
        );
        let revision = db.area_revision().await.unwrap();

        // The same file again: nothing changes, not even the audit log or the revision.
        let counts = db
            .import_areas(
                &batch(AreaKind::Regso, T2, first.clone()),
                draft("areas_imported"),
            )
            .await
            .unwrap();
        assert_eq!(counts.unchanged, 2);
        assert!(!counts.changed());
        assert_eq!(audit_count(&db).await, 1);
        assert_eq!(db.area_revision().await.unwrap(), revision);

        // A changed boundary: the old version is closed at T2, a new one current.
        let before = db.current_areas(Some(AreaKind::Regso)).await.unwrap();
        let old_berga = before
            .iter()
            .find(|a| a.code == "0580R001")
            .unwrap()
            .clone();
        let counts = db
            .import_areas(
                &batch(
                    AreaKind::Regso,
                    T2,
                    vec![
                        area("0580R001", "Berga", 0.015),
                        area("0580R002", "Domkyrkan-Slottet", 0.02),
                    ],
                ),
                draft("areas_imported"),
            )
            .await
            .unwrap();
        assert_eq!(
            counts,
            ImportCounts {
                created: 0,
                updated: 1,
                unchanged: 1
            }
        );
        assert!(db.area_revision().await.unwrap() > revision);
        let current = db.current_areas(Some(AreaKind::Regso)).await.unwrap();
        assert_eq!(current.len(), 2);
        let new_berga = current.iter().find(|a| a.code == "0580R001").unwrap();
        assert_ne!(new_berga.id, old_berga.id, "a new version has a new id");
        assert_eq!(new_berga.valid_from, T2);
        assert_eq!(new_berga.valid_to, None);
        assert!((new_berga.area_km2 - 1.5).abs() < 1e-9);

        // The old version keeps its id, boundary and validity.
        let old = db.area(old_berga.id).await.unwrap().unwrap();
        assert_eq!(old.info.valid_from, T1);
        assert_eq!(old.info.valid_to, Some(T2));
        assert_eq!(old.geometry, first[0].geometry);
        let versions = db.area_versions(AreaKind::Regso, "0580R001").await.unwrap();
        assert_eq!(
            versions.iter().map(|v| v.id).collect::<Vec<_>>(),
            [old_berga.id, new_berga.id]
        );

        // Other kinds are separate namespaces for codes.
        db.import_areas(
            &batch(
                AreaKind::Kommun,
                T1,
                vec![area("0580R001", "Samma kod, annan typ", 0.5)],
            ),
            draft("areas_imported"),
        )
        .await
        .unwrap();
        assert_eq!(db.current_areas(None).await.unwrap().len(), 3);
        assert_eq!(
            db.current_areas(Some(AreaKind::Kommun))
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            db.current_areas_with_geometry(Some(AreaKind::Regso))
                .await
                .unwrap()
                .len(),
            2
        );
    }
);

on_both_backends!(
    an_area_import_is_all_or_nothing,
    |db: Db, t: &TestDb| async move {
        db.import_areas(
            &batch(AreaKind::Regso, T1, vec![area("A", "Första", 0.01)]),
            draft("areas_imported"),
        )
        .await
        .unwrap();
        let revision = db.area_revision().await.unwrap();
        // Make the database refuse one row of the next import, as a full disk or a
        // broken connection might half-way through.
        let trigger = if t.url.starts_with("sqlite:") {
            "CREATE TRIGGER refuse_bad BEFORE INSERT ON areas WHEN NEW.code = 'BAD' \
             BEGIN SELECT RAISE(ABORT, 'refused'); END;"
        } else {
            "CREATE FUNCTION refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN IF NEW.code = 'BAD' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$; \
             CREATE TRIGGER refuse_bad BEFORE INSERT ON areas FOR EACH ROW EXECUTE FUNCTION refuse_bad();"
        };
        t.execute_raw(trigger).await.unwrap();
        let err = db
            .import_areas(
                &batch(
                    AreaKind::Regso,
                    T2,
                    vec![
                        area("A", "Första", 0.02),
                        area("B", "Andra", 0.01),
                        area("BAD", "Trasig", 0.01),
                    ],
                ),
                draft("areas_imported"),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Database(_)), "{err:?}");
        let current = db.current_areas(None).await.unwrap();
        assert_eq!(current.len(), 1, "nothing of the failed import is kept");
        assert_eq!(current[0].valid_from, T1, "the changed area was not closed");
        assert_eq!(db.area_revision().await.unwrap(), revision);
        assert_eq!(audit_count(&db).await, 1);

        // Duplicate codes in one batch are refused before anything is written.
        let err = db
            .import_areas(
                &batch(
                    AreaKind::Regso,
                    T2,
                    vec![area("C", "C", 0.01), area("C", "C igen", 0.01)],
                ),
                draft("areas_imported"),
            )
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            StoreError::Conflict {
                constraint: "areas_duplicate_code_in_import"
            }
        ));
        assert_eq!(db.current_areas(None).await.unwrap().len(), 1);
    }
);

on_both_backends!(
    unions_keep_their_members,
    |db: Db, _t: &TestDb| async move {
        let members = vec![
            AreaRef {
                kind: AreaKind::Regso,
                code: "0580R022".into(),
            },
            AreaRef {
                kind: AreaKind::Regso,
                code: "0580R002".into(),
            },
            AreaRef {
                kind: AreaKind::Regso,
                code: "0580R012".into(),
            },
        ];
        let mut district = area("innerstaden", "Innerstaden", 0.03);
        district.members = members.clone();
        db.import_areas(
            &batch(AreaKind::District, T1, vec![district.clone()]),
            draft("areas_imported"),
        )
        .await
        .unwrap();
        let stored = db
            .current_areas_with_geometry(Some(AreaKind::District))
            .await
            .unwrap();
        let mut sorted = members.clone();
        sorted.sort();
        assert_eq!(stored[0].members, sorted);
        // Same members in another order: unchanged. One member fewer: a new version.
        district.members.reverse();
        let counts = db
            .import_areas(
                &batch(AreaKind::District, T2, vec![district.clone()]),
                draft("areas_imported"),
            )
            .await
            .unwrap();
        assert_eq!(counts.unchanged, 1);
        district.members.pop();
        let counts = db
            .import_areas(
                &batch(AreaKind::District, T2, vec![district]),
                draft("areas_imported"),
            )
            .await
            .unwrap();
        assert_eq!(counts.updated, 1);
        let stored = db
            .current_areas_with_geometry(Some(AreaKind::District))
            .await
            .unwrap();
        assert_eq!(stored[0].members.len(), 2);
        let old = db
            .area(AreaId(stored[0].info.id.0 - 1))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(old.members.len(), 3, "the old version keeps its members");
    }
);

fn place(name: &str, kind: &str, lat: f64, lon: f64, areas: &[AreaId]) -> NewPlace {
    NewPlace {
        name: name.into(),
        kind: PlaceKind::parse(kind).unwrap(),
        lat,
        lon,
        polygon: None,
        aliases: vec!["Linköpings C".into(), "Resecentrum".into()],
        area_ids: areas.to_vec(),
        at: T1,
    }
}

on_both_backends!(places_with_their_areas, |db: Db, _t: &TestDb| async move {
    db.import_areas(
        &batch(
            AreaKind::Regso,
            T1,
            vec![area("A", "Ett", 0.1), area("B", "Två", 0.2)],
        ),
        draft("areas_imported"),
    )
    .await
    .unwrap();
    let areas = db.current_areas(None).await.unwrap();
    let (a, b) = (areas[0].id, areas[1].id);

    let id = db
        .create_place(
            &place("Resecentrum", "station", 58.41611, 15.62583, &[b, a, a]),
            draft("place_created"),
        )
        .await
        .unwrap();
    let stored = db.place(id).await.unwrap().unwrap();
    assert_eq!(stored.name, "Resecentrum");
    assert_eq!(stored.kind.as_str(), "station");
    assert_eq!((stored.lat, stored.lon), (58.41611, 15.62583));
    assert_eq!(stored.aliases, ["Linköpings C", "Resecentrum"]);
    assert_eq!(stored.area_ids, [a, b], "sorted, without duplicates");
    assert_eq!(db.places_in_area(a).await.unwrap().len(), 1);

    let mut changed = place("Resecentrum", "station", 58.4162, 15.6259, &[b]);
    changed.at = T2;
    changed.polygon = Some(r#"{"type":"MultiPolygon","coordinates":[]}"#.into());
    db.update_place(id, &changed, draft("place_changed"))
        .await
        .unwrap();
    let stored = db.place(id).await.unwrap().unwrap();
    assert_eq!(stored.area_ids, [b]);
    assert_eq!(stored.updated_at, T2);
    assert_eq!(stored.created_at, T1);
    assert!(stored.polygon.is_some());
    assert!(db.places_in_area(a).await.unwrap().is_empty());
    assert!(matches!(
        db.update_place(PlaceId(9_999), &changed, draft("place_changed"))
            .await,
        Err(StoreError::NotFound)
    ));

    db.set_place_areas(&[(id, vec![a])]).await.unwrap();
    assert_eq!(db.place(id).await.unwrap().unwrap().area_ids, [a]);
    assert_eq!(db.places().await.unwrap().len(), 1);
});

on_both_backends!(
    place_import_matches_by_kind_and_name,
    |db: Db, _t: &TestDb| async move {
        // Two villages called Berg stay two places across re-imports.
        let file = PlaceImport {
            places: vec![
                place("Berg", "locality", 58.48831, 15.52969, &[]),
                place("Berg", "locality", 58.1, 15.1, &[]),
                place("Skäggetorp", "district_point", 58.42611, 15.58, &[]),
            ],
        };
        let counts = db
            .import_places(&file, draft("places_imported"))
            .await
            .unwrap();
        assert_eq!(counts.created, 3);
        let audits = audit_count(&db).await;
        let counts = db
            .import_places(&file, draft("places_imported"))
            .await
            .unwrap();
        assert_eq!(counts.unchanged, 3);
        assert_eq!(
            audit_count(&db).await,
            audits,
            "no audit entry when nothing changed"
        );
        assert_eq!(db.places().await.unwrap().len(), 3);

        let mut moved = file.clone();
        moved.places[1].lat = 58.2;
        let counts = db
            .import_places(&moved, draft("places_imported"))
            .await
            .unwrap();
        assert_eq!((counts.updated, counts.unchanged), (1, 2));
        let bergs: Vec<f64> = db
            .places()
            .await
            .unwrap()
            .iter()
            .filter(|p| p.name == "Berg")
            .map(|p| p.lat)
            .collect();
        assert_eq!(bergs.len(), 2);
        assert!(bergs.contains(&58.2) && bergs.contains(&58.48831));
    }
);
