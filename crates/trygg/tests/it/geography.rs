//! The geography command contract of issue 3: `import areas`, `areas locate`, `areas
//! list`, run as a real process on a fresh SQLite file and, with `TEST_DATABASE_URL`,
//! on a fresh PostgreSQL database.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use trygg_domain::geo::Wgs84;
use trygg_store::testing::TestDb;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/linkoping");

fn data(file: &str) -> PathBuf {
    Path::new(DATA).join(file)
}

/// A database for one test and the way to run the binary against it.
struct Db {
    url: String,
    dir: tempfile::TempDir,
    _pg: Option<TestDb>,
}

impl Db {
    fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("trygg.db").display());
        Self {
            url,
            dir,
            _pg: None,
        }
    }

    fn postgres() -> Option<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let pg = rt.block_on(TestDb::postgres())?;
        Some(Self {
            url: pg.url.clone(),
            dir: tempfile::tempdir().unwrap(),
            _pg: Some(pg),
        })
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_trygg"))
            .args(args)
            .env("TRYGG_DATABASE_URL", &self.url)
            .env(
                "TRYGG_AUDIT_KEY_FILE",
                self.dir.path().join("trygg-audit.key"),
            )
            .env("RUST_LOG", "warn")
            .env_remove("TRYGG_CONFIG")
            .env_remove("TRYGG_AUDIT_KEY")
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// Runs and expects exit 0; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "trygg {args:?} failed ({:?}):\n{}{}",
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Runs and expects exit 1; returns stderr.
    fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(1),
            "trygg {args:?} should exit 1:\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stderr)
    }

    fn import_regso(&self, file: &Path, extra: &[&str]) -> String {
        let file = file.to_str().unwrap();
        let mut args = vec![
            "import",
            "areas",
            file,
            "--kind",
            "regso",
            "--code-property",
            "regsokod",
            "--name-property",
            "regsonamn",
        ];
        args.extend_from_slice(extra);
        self.ok(&args)
    }

    fn locate(&self, lat: f64, lon: f64) -> String {
        self.ok(&[
            "areas",
            "locate",
            "--lat",
            &lat.to_string(),
            "--lon",
            &lon.to_string(),
        ])
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs a test on SQLite, and on PostgreSQL when `TEST_DATABASE_URL` is set.
fn on_both(test: impl Fn(&dyn Fn() -> Db)) {
    test(&Db::sqlite);
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
        test(&|| Db::postgres().unwrap());
    } else {
        eprintln!("TEST_DATABASE_URL is not set: the PostgreSQL run of this test did not happen");
    }
}

#[test]
fn sweref_and_wgs84_files_give_the_same_32_areas() {
    on_both(|fresh| {
        let (sweref, wgs84) = (fresh(), fresh());
        let summary = sweref.import_regso(
            &data("linkoping_regso_2025_sweref99tm.geojson"),
            &["--crs", "EPSG:3006"],
        );
        assert!(summary.contains("32 nya"), "{summary}");
        wgs84.import_regso(&data("linkoping_regso_2025_wgs84.geojson"), &[]);

        let list = sweref.ok(&["areas", "list"]);
        assert_eq!(list.lines().count(), 32, "{list}");
        assert_eq!(list, wgs84.ok(&["areas", "list"]));
        assert_eq!(list, sweref.ok(&["areas", "list", "--kind", "regso"]));
        assert_eq!(sweref.ok(&["areas", "list", "--kind", "kommun"]), "");
        assert!(list.starts_with("regso\t0580R001\tBerga\n"), "{list}");

        for db in [&sweref, &wgs84] {
            assert_eq!(
                db.locate(58.41611, 15.62583),
                "regso\t0580R026\tVasastaden-Hunneberg\n"
            );
            assert_eq!(
                db.locate(58.42611, 15.58000),
                "regso\t0580R018\tSkäggetorp-Tornby\n"
            );
        }

        // The same file again changes nothing.
        let again = sweref.import_regso(
            &data("linkoping_regso_2025_sweref99tm.geojson"),
            &["--crs", "EPSG:3006"],
        );
        assert!(
            again.contains("0 nya, 0 ändrade, 32 oförändrade"),
            "{again}"
        );
    });
}

#[test]
fn locate_takes_sweref_with_x_as_easting() {
    on_both(|fresh| {
        let db = fresh();
        db.import_regso(&data("linkoping_regso_2025_wgs84.geojson"), &[]);
        let grid = Wgs84::new(58.42611, 15.58)
            .unwrap()
            .to_sweref99tm()
            .unwrap();
        let (x, y) = (format!("{:.3}", grid.e()), format!("{:.3}", grid.n()));
        assert_eq!(
            db.ok(&["areas", "locate", "--x", &x, "--y", &y]),
            "regso\t0580R018\tSkäggetorp-Tornby\n"
        );
        assert_eq!(
            db.ok(&["areas", "locate", "--easting", &x, "--northing", &y]),
            "regso\t0580R018\tSkäggetorp-Tornby\n"
        );
        // Northing given as x: refused with the convention spelled out.
        let err = db.refused(&["areas", "locate", "--x", &y, "--y", &x]);
        assert!(err.contains("--x is the easting"), "{err}");
        // Outside every area: no lines, still success.
        assert_eq!(db.locate(59.3293, 18.0686), "");
        let err = db.refused(&["areas", "locate", "--lat", "north", "--lon", "15"]);
        assert!(err.contains("not a number"), "{err}");
    });
}

/// Every vertex of the file, with the codes of the areas it is a vertex of.
fn shared_vertices(file: &Path) -> BTreeMap<(u64, u64), BTreeSet<String>> {
    let json: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    let mut vertices: BTreeMap<(u64, u64), BTreeSet<String>> = BTreeMap::new();
    for feature in json["features"].as_array().unwrap() {
        let code = feature["properties"]["regsokod"]
            .as_str()
            .unwrap()
            .to_owned();
        let rings: Vec<&Value> = match feature["geometry"]["type"].as_str().unwrap() {
            "Polygon" => feature["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .iter()
                .collect(),
            _ => feature["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|p| p.as_array().unwrap())
                .collect(),
        };
        for ring in rings {
            for position in ring.as_array().unwrap() {
                let (x, y) = (position[0].as_f64().unwrap(), position[1].as_f64().unwrap());
                vertices
                    .entry((x.to_bits(), y.to_bits()))
                    .or_default()
                    .insert(code.clone());
            }
        }
    }
    vertices
}

#[test]
fn a_point_on_a_shared_boundary_is_in_both_areas() {
    let file = data("linkoping_regso_2025_wgs84.geojson");
    let vertices = shared_vertices(&file);
    // Skäggetorp-Tornby and Vasastaden-Hunneberg share a boundary (the railway).
    let (&(x, y), _) = vertices
        .iter()
        .find(|(_, codes)| {
            codes.len() == 2 && codes.contains("0580R018") && codes.contains("0580R026")
        })
        .expect("a vertex shared by R018 and R026");
    let (lon, lat) = (f64::from_bits(x), f64::from_bits(y));
    // A vertex where three areas meet is in all three.
    let (&(x3, y3), codes3) = vertices
        .iter()
        .find(|(_, codes)| codes.len() == 3)
        .expect("a vertex shared by three areas");
    on_both(|fresh| {
        let db = fresh();
        db.import_regso(&file, &[]);
        assert_eq!(
            db.locate(lat, lon),
            "regso\t0580R018\tSkäggetorp-Tornby\nregso\t0580R026\tVasastaden-Hunneberg\n",
            "a shared vertex ({lat}, {lon}) belongs to both areas"
        );
        let found: BTreeSet<String> = db
            .locate(f64::from_bits(y3), f64::from_bits(x3))
            .lines()
            .map(|l| l.split('\t').nth(1).unwrap().to_owned())
            .collect();
        assert_eq!(&found, codes3);
    });
}

/// Writes a changed copy of the WGS84 RegSO file and returns its path.
fn broken(dir: &Path, name: &str, change: impl FnOnce(&mut Value)) -> PathBuf {
    let mut json: Value = serde_json::from_str(
        &std::fs::read_to_string(data("linkoping_regso_2025_wgs84.geojson")).unwrap(),
    )
    .unwrap();
    change(&mut json);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();
    path
}

#[test]
fn bad_files_are_refused_with_the_reason_and_nothing_is_written() {
    on_both(|fresh| {
        let db = fresh();
        let dir = db.dir.path().to_owned();
        let open_ring = broken(&dir, "open.geojson", |j| {
            let ring = j["features"][5]["geometry"]["coordinates"][0]
                .as_array_mut()
                .unwrap();
            ring.pop();
        });
        let short_ring = broken(&dir, "short.geojson", |j| {
            j["features"][2]["geometry"]["coordinates"][0] =
                serde_json::json!([[15.6, 58.4], [15.7, 58.4], [15.6, 58.4]]);
        });
        let no_name = broken(&dir, "noname.geojson", |j| {
            j["features"][7]["properties"]["regsonamn"] = Value::Null;
        });
        let point = broken(&dir, "point.geojson", |j| {
            j["features"][1]["geometry"] =
                serde_json::json!({"type": "Point", "coordinates": [15.6, 58.4]});
        });
        let nan = dir.join("nan.geojson");
        std::fs::write(
            &nan,
            std::fs::read_to_string(data("linkoping_regso_2025_wgs84.geojson"))
                .unwrap()
                .replacen("15.636402", "NaN", 1),
        )
        .unwrap();
        let not_json = dir.join("broken.geojson");
        std::fs::write(
            &not_json,
            "{\"type\": \"FeatureCollection\", \"features\": [",
        )
        .unwrap();
        // SWEREF 99 TM metres declared as WGS84: in the file, and with --crs.
        let sweref_text =
            std::fs::read_to_string(data("linkoping_regso_2025_sweref99tm.geojson")).unwrap();
        let mislabelled = dir.join("mislabelled.geojson");
        std::fs::write(
            &mislabelled,
            sweref_text.replace(
                "urn:ogc:def:crs:EPSG::3006",
                "urn:ogc:def:crs:OGC:1.3:CRS84",
            ),
        )
        .unwrap();
        let mut no_member: Value = serde_json::from_str(&sweref_text).unwrap();
        no_member.as_object_mut().unwrap().remove("crs");
        let unlabelled = dir.join("unlabelled.geojson");
        std::fs::write(&unlabelled, no_member.to_string()).unwrap();

        let import = |file: &Path, extra: &[&str]| {
            let file = file.to_str().unwrap().to_owned();
            let mut args = vec![
                "import".to_owned(),
                "areas".into(),
                file,
                "--kind".into(),
                "regso".into(),
                "--code-property".into(),
                "regsokod".into(),
                "--name-property".into(),
                "regsonamn".into(),
            ];
            args.extend(extra.iter().map(|s| (*s).to_owned()));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            db.refused(&args)
        };
        let cases: Vec<(&Path, &[&str], &[&str])> = vec![
            (&open_ring, &[], &["feature 5", "not closed"]),
            (&short_ring, &[], &["feature 2", "at least 4"]),
            (&no_name, &[], &["feature 7", "regsonamn"]),
            (&point, &[], &["feature 1", "Point"]),
            (&not_json, &[], &["not valid JSON"]),
            (&nan, &[], &["not valid JSON", "NaN"]),
            (
                &mislabelled,
                &[],
                &["feature 0", "cannot be in Sweden", "EPSG::3006"],
            ),
            (
                &unlabelled,
                &["--crs", "EPSG:4326"],
                &["feature 0", "looks like SWEREF 99 TM", "--crs EPSG:3006"],
            ),
            (&unlabelled, &[], &["feature 0", "--crs EPSG:3006"]),
        ];
        for (file, extra, expected) in &cases {
            let err = import(file, extra);
            for needle in *expected {
                assert!(
                    err.contains(needle),
                    "{}: {needle:?} not in {err}",
                    file.display()
                );
            }
            assert!(err.contains("nothing was written"), "{err}");
            assert_eq!(
                db.ok(&["areas", "list"]),
                "",
                "{} wrote something",
                file.display()
            );
        }

        // With areas in place, a bad file leaves them exactly as they were.
        db.import_regso(&data("linkoping_regso_2025_wgs84.geojson"), &[]);
        let before = db.ok(&["areas", "list"]);
        for (file, extra, _) in &cases {
            import(file, extra);
        }
        assert_eq!(db.ok(&["areas", "list"]), before);
        assert_eq!(
            db.locate(58.41611, 15.62583),
            "regso\t0580R026\tVasastaden-Hunneberg\n"
        );
        // Unknown kind and CRS are refused before reading the file.
        let err = db.refused(&[
            "import",
            "areas",
            "x.geojson",
            "--kind",
            "stadsdel",
            "--code-property",
            "c",
            "--name-property",
            "n",
        ]);
        assert!(err.contains("unknown area kind"), "{err}");
        let err = db.refused(&[
            "import",
            "areas",
            "x.geojson",
            "--kind",
            "regso",
            "--code-property",
            "c",
            "--name-property",
            "n",
            "--crs",
            "EPSG:3021",
        ]);
        assert!(err.contains("EPSG:3006"), "{err}");
    });
}

#[test]
fn the_demo_loads_the_linkoping_geography() {
    on_both(|fresh| {
        let db = fresh();
        db.ok(&["demo"]);
        let count = |kind: &str| db.ok(&["areas", "list", "--kind", kind]).lines().count();
        assert_eq!(count("kommun"), 1);
        assert_eq!(count("regso"), 32);
        assert_eq!(count("district"), 7);
        assert_eq!(count("permit_area"), 4);
        let districts = db.ok(&["areas", "list", "--kind", "district"]);
        for name in [
            "Skäggetorp",
            "Ryd",
            "Berga",
            "Lambohov",
            "Ekholmen",
            "Johannelund",
            "Innerstaden",
        ] {
            assert!(
                districts.contains(&format!("\t{name}\n")),
                "{name} in {districts}"
            );
        }
        assert!(
            db.ok(&["areas", "list", "--kind", "permit_area"])
                .lines()
                .all(|l| l.ends_with("(ungefärlig)"))
        );
        assert_eq!(
            db.locate(58.42611, 15.58000),
            "kommun\t0580\tLinköpings kommun\n\
             district\tskaggetorp\tSkäggetorp\n\
             regso\t0580R018\tSkäggetorp-Tornby\n\
             permit_area\tov-skaggetorp\tSkäggetorp centrum (ungefärlig)\n"
        );
        // Idempotent: a second run adds nothing.
        let before = db.ok(&["areas", "list"]);
        db.ok(&["demo"]);
        assert_eq!(db.ok(&["areas", "list"]), before);
    });
}

#[test]
fn places_import_from_geojson_idempotently() {
    on_both(|fresh| {
        let db = fresh();
        db.import_regso(&data("linkoping_regso_2025_wgs84.geojson"), &[]);
        let file = data("linkoping_named_places_wgs84.geojson");
        let file = file.to_str().unwrap();
        let first = db.ok(&["import", "places", file]);
        assert!(
            first.contains("46 platser") && first.contains("46 nya"),
            "{first}"
        );
        let again = db.ok(&["import", "places", file]);
        assert!(
            again.contains("0 nya, 0 ändrade, 46 oförändrade"),
            "{again}"
        );
        // Areas are not places: a polygon file is refused, naming the feature.
        let regso = data("linkoping_regso_2025_wgs84.geojson");
        let err = db.refused(&[
            "import",
            "places",
            regso.to_str().unwrap(),
            "--name-property",
            "regsonamn",
            "--kind-property",
            "objekttyp",
        ]);
        assert!(err.contains("feature 0") && err.contains("Point"), "{err}");
    });
}
