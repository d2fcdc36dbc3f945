//! The command contract of issue 5: `trygg analyze gistar` and `trygg analyze knox` on
//! small inputs whose results can be checked by hand, their CSV shape, and their errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.0.path().join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
}

fn trygg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trygg"))
        .args(args)
        // No database, configuration or key file is needed: make sure none is used.
        .env_remove("TRYGG_DATABASE_URL")
        .env_remove("TRYGG_CONFIG")
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Runs the command, expects success, returns the output CSV as header + rows of fields.
fn run_ok(args: &[&str], out: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let o = trygg(args);
    assert!(
        o.status.success(),
        "trygg {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(out).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// Runs the command, expects exit status 1 and no output file; returns standard error.
fn run_err(args: &[&str], out: &Path) -> String {
    let o = trygg(args);
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "trygg {args:?}: {err}");
    assert!(!out.exists(), "an output file was written despite: {err}");
    err
}

fn f(v: &str) -> f64 {
    v.parse().unwrap()
}

#[test]
fn gistar_default_grid_has_every_cell_and_hand_checked_z() {
    let d = Dir::new();
    // Cells of 100 m: (5,5) → cell (0,0); (150,5) and (150,20) → (1,0); (250,250) → (2,2).
    let input = d.file("points.csv", "x,y\n5,5\n150,5\n150,20\n250,250\n");
    let out = d.path("gi.csv");
    let (header, rows) = run_ok(
        &[
            "analyze",
            "gistar",
            "--input",
            s(&input),
            "--cell-size",
            "100",
            "--out",
            s(&out),
        ],
        &out,
    );
    assert_eq!(
        header,
        ["col", "row", "x_min", "y_min", "count", "z", "p", "bin"]
    );
    // Origin (⌊5/100⌋·100, ⌊5/100⌋·100) = (0, 0); up to the cell of (250, 250): 3 × 3,
    // empty cells included, row-major from the south-west.
    assert_eq!(rows.len(), 9);
    let cells: Vec<(&str, &str, &str, &str, &str)> = rows
        .iter()
        .map(|r| (&*r[0], &*r[1], &*r[2], &*r[3], &*r[4]))
        .collect();
    assert_eq!(
        cells,
        [
            ("0", "0", "0", "0", "1"),
            ("1", "0", "100", "0", "2"),
            ("2", "0", "200", "0", "0"),
            ("0", "1", "0", "100", "0"),
            ("1", "1", "100", "100", "0"),
            ("2", "1", "200", "100", "0"),
            ("0", "2", "0", "200", "0"),
            ("1", "2", "100", "200", "0"),
            ("2", "2", "200", "200", "1"),
        ]
    );
    // By hand: n = 9, x̄ = 4/9, S² = 6/9 − (4/9)² = 38/81. Cell (0,0) has W = 4 (itself
    // and three queen neighbours) and lag 1 + 2 = 3, so
    // z = (3 − 4·4/9) / (S·√((9·4 − 16)/8)) = 11/√95.
    let z00 = f(&rows[0][5]);
    assert!((z00 - 11.0 / 95f64.sqrt()).abs() < 1e-12, "z = {z00}");
    // The centre cell sees every cell: lag 4, W 9, so z = 0 (no variance) and p = 1.
    assert_eq!(f(&rows[4][5]), 0.0);
    assert_eq!(f(&rows[4][6]), 1.0);
    for r in &rows {
        let p = f(&r[6]);
        assert!((0.0..=1.0).contains(&p));
        let bin: i8 = r[7].parse().unwrap();
        assert!((-3..=3).contains(&bin));
    }
}

#[test]
fn gistar_explicit_origin_and_weights() {
    let d = Dir::new();
    let input = d.file(
        "points.csv",
        "\u{feff}x,y,weight\r\n10,10,2.5\r\n60,10,0.5\r\n\r\n140,60,3\r\n",
    );
    let out = d.path("gi.csv");
    let (_, rows) = run_ok(
        &[
            "analyze",
            "gistar",
            "--input",
            s(&input),
            "--cell-size",
            "100",
            "--origin",
            "-50,-50",
            "--out",
            s(&out),
        ],
        &out,
    );
    // Origin (−50, −50): x 10 and 60 → cols 0 and 1; 140 → col 1; y 10 → row 0, 60 → 1.
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][..5], ["0", "0", "-50", "-50", "2.5"]);
    assert_eq!(rows[1][..5], ["1", "0", "50", "-50", "0.5"]);
    assert_eq!(rows[2][..5], ["0", "1", "-50", "50", "0"]);
    // count is the sum of the weights in the cell.
    assert_eq!(rows[3][..5], ["1", "1", "50", "50", "3"]);
}

#[test]
fn gistar_permutations_add_p_sim_and_are_reproducible() {
    let d = Dir::new();
    let mut csv = String::from("x,y\n");
    for i in 0..40 {
        // A cluster in the south-west corner and a scatter elsewhere.
        csv.push_str(&format!("{},{}\n", 10 + i % 3, 20 + i % 5));
        csv.push_str(&format!(
            "{},{}\n",
            100 + (i * 137) % 900,
            100 + (i * 311) % 900
        ));
    }
    let input = d.file("points.csv", &csv);
    let run = |name: &str, seed: &str| {
        let out = d.path(name);
        run_ok(
            &[
                "analyze",
                "gistar",
                "--input",
                s(&input),
                "--cell-size",
                "100",
                "--permutations",
                "99",
                "--seed",
                seed,
                "--out",
                s(&out),
            ],
            &out,
        )
    };
    let (header, rows) = run("a.csv", "7");
    assert_eq!(
        header,
        [
            "col", "row", "x_min", "y_min", "count", "z", "p", "bin", "p_sim"
        ]
    );
    assert_eq!(rows.len(), 100);
    for r in &rows {
        assert_eq!(r.len(), 9);
        let p_sim = f(&r[8]);
        // Pseudo p-values are multiples of 1/(R + 1) between 1/100 and 1.
        assert!((0.01..=1.0).contains(&p_sim), "{p_sim}");
        assert!(((p_sim * 100.0).round() - p_sim * 100.0).abs() < 1e-9);
    }
    // The cluster cell stands out analytically. (Its p_sim need not: conditional
    // permutations hold the cell's own value fixed and shuffle only its neighbours.)
    assert_eq!(rows[0][4], "40");
    assert!(
        f(&rows[0][5]) > 3.0 && f(&rows[0][6]) < 0.01,
        "{:?}",
        rows[0]
    );
    assert_eq!(
        run("b.csv", "7").1,
        rows,
        "the same seed gives the same table"
    );
}

#[test]
fn gistar_refuses_bad_input_naming_the_line() {
    let d = Dir::new();
    let out = d.path("gi.csv");
    let args = |input: &Path| -> Vec<String> {
        [
            "analyze",
            "gistar",
            "--input",
            s(input),
            "--cell-size",
            "100",
            "--out",
            s(&out),
        ]
        .map(str::to_owned)
        .to_vec()
    };
    let call = |input: &Path| {
        let a = args(input);
        run_err(&a.iter().map(String::as_str).collect::<Vec<_>>(), &out)
    };
    let err = call(&d.file("a.csv", "x,y\n1,2\n3,north\n"));
    assert!(err.contains("line 3") && err.contains("north"), "{err}");
    let err = call(&d.file("b.csv", "x,y,weight\n1,2,1\n3,4,-1\n"));
    assert!(err.contains("line 3") && err.contains("weight"), "{err}");
    let err = call(&d.file("c.csv", "lon,lat\n1,2\n"));
    assert!(err.contains("line 1") && err.contains("x,y"), "{err}");
    let err = call(&d.file("d.csv", "x,y\n1,2\n1,2,3\n"));
    assert!(err.contains("line 3"), "{err}");
    let err = call(&d.file("e.csv", "x,y\n"));
    assert!(err.contains("no points"), "{err}");
    let err = call(&d.path("missing.csv"));
    assert!(err.contains("cannot read"), "{err}");

    // A point west of an explicit origin is refused, not dropped.
    let input = d.file("f.csv", "x,y\n100,100\n40,100\n");
    let err = run_err(
        &[
            "analyze",
            "gistar",
            "--input",
            s(&input),
            "--cell-size",
            "100",
            "--origin",
            "50,50",
            "--out",
            s(&out),
        ],
        &out,
    );
    assert!(err.contains("line 3") && err.contains("origin"), "{err}");
    let err = run_err(
        &[
            "analyze",
            "gistar",
            "--input",
            s(&input),
            "--cell-size",
            "0",
            "--out",
            s(&out),
        ],
        &out,
    );
    assert!(err.contains("--cell-size"), "{err}");
    // --permutations without --seed is a usage error (clap's exit status 2).
    let o = trygg(&[
        "analyze",
        "gistar",
        "--input",
        s(&input),
        "--cell-size",
        "100",
        "--permutations",
        "99",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--seed"));
    assert!(!out.exists());
}

/// Four incidents whose pairs are easy to list:
/// A (0,0) 1 Jan, B (50,0) 3 Jan, C (70,70) 20 Jan, D (0,0) 1 Jan.
const KNOX_INPUT: &str =
    "x,y,date\n0,0,2026-01-01\n50,0,2026-01-03\n70,70,2026-01-20\n0,0,2026-01-01\n";

fn knox_rows(metric: &str) -> Vec<Vec<String>> {
    let d = Dir::new();
    let input = d.file("events.csv", KNOX_INPUT);
    let out = d.path("knox.csv");
    let (header, rows) = run_ok(
        &[
            "analyze",
            "knox",
            "--input",
            s(&input),
            "--distance-bands",
            "0,1,100,200",
            "--time-bands",
            "0,7,14",
            "--metric",
            metric,
            "--out",
            s(&out),
        ],
        &out,
    );
    assert_eq!(
        header,
        [
            "distance_from",
            "distance_to",
            "time_from",
            "time_to",
            "observed",
            "expected",
            "ratio",
            "p"
        ]
    );
    rows
}

/// The observed column as a 4 × 3 table (distance bands down, time bands across).
fn observed(rows: &[Vec<String>]) -> Vec<Vec<u64>> {
    rows.chunks(3)
        .map(|c| c.iter().map(|r| r[4].parse().unwrap()).collect())
        .collect()
}

#[test]
fn knox_observed_tables_match_hand_counts_for_both_metrics() {
    // Pairs (Manhattan m, Euclidean m, days):
    //   A–D (0, 0, 0)  A–B (50, 50, 2)  B–D (50, 50, 2)
    //   A–C (140, 99.0, 19)  C–D (140, 99.0, 19)  B–C (90, 72.8, 17)
    let rows = knox_rows("manhattan");
    assert_eq!(rows.len(), 12, "4 distance bands × 3 time bands");
    let bands: Vec<[&str; 4]> = rows
        .iter()
        .map(|r| [&*r[0], &*r[1], &*r[2], &*r[3]])
        .collect();
    assert_eq!(bands[0], ["0", "1", "0", "7"]);
    assert_eq!(bands[1], ["0", "1", "7", "14"]);
    // The last band of each kind is open-ended.
    assert_eq!(bands[2], ["0", "1", "14", ""]);
    assert_eq!(bands[11], ["200", "", "14", ""]);
    assert_eq!(
        observed(&rows),
        [[1, 0, 0], [2, 0, 1], [0, 0, 2], [0, 0, 0]],
        "Manhattan"
    );
    // Without permutations there is no expected table.
    assert!(
        rows.iter()
            .all(|r| r[5].is_empty() && r[6].is_empty() && r[7].is_empty())
    );

    let rows = knox_rows("euclidean");
    assert_eq!(
        observed(&rows),
        [[1, 0, 0], [2, 0, 3], [0, 0, 0], [0, 0, 0]],
        "Euclidean"
    );
}

#[test]
fn knox_with_permutations_fills_expected_ratio_and_p() {
    let d = Dir::new();
    let mut csv = String::from("x,y,date\n");
    for i in 0..60 {
        let (x, y) = ((i * 173) % 3000, (i * 271) % 3000);
        csv.push_str(&format!(
            "{x},{y},2026-{:02}-{:02}\n",
            1 + i % 12,
            1 + i % 28
        ));
        // A near repeat 20 m away a few days later.
        if i % 3 == 0 {
            csv.push_str(&format!(
                "{},{y},2026-{:02}-{:02}\n",
                x + 20,
                1 + i % 12,
                2 + i % 27
            ));
        }
    }
    let input = d.file("events.csv", &csv);
    let run = |name: &str| {
        let out = d.path(name);
        run_ok(
            &[
                "analyze",
                "knox",
                "--input",
                s(&input),
                "--distance-bands",
                "0,1,100,200,300",
                "--time-bands",
                "0,7,14,21",
                "--precision",
                "f32",
                "--permutations",
                "99",
                "--seed",
                "3",
                "--out",
                s(&out),
            ],
            &out,
        )
        .1
    };
    let rows = run("a.csv");
    assert_eq!(rows.len(), 5 * 4);
    let n = 80u64;
    let total: u64 = rows.iter().map(|r| r[4].parse::<u64>().unwrap()).sum();
    assert_eq!(total, n * (n - 1) / 2, "every pair is in exactly one cell");
    for r in &rows {
        let expected = f(&r[5]);
        assert!(expected >= 0.0);
        let p = f(&r[7]);
        assert!((0.01..=1.0).contains(&p), "{p}");
        if expected > 0.0 {
            let ratio = f(&r[6]);
            assert!((ratio - f(&r[4]) / expected).abs() < 1e-9);
        }
    }
    // The near repeats (1–100 m, 0–7 days) are far more than chance.
    let near = &rows[4];
    assert_eq!(near[..4], ["1", "100", "0", "7"]);
    assert!(f(&near[6]) > 2.0 && f(&near[7]) <= 0.05, "{near:?}");
    assert_eq!(run("b.csv"), rows, "the same seed gives the same table");
}

#[test]
fn knox_refuses_bad_input_naming_the_line() {
    let d = Dir::new();
    let out = d.path("knox.csv");
    let call = |input: &Path, distance: &str, time: &str| {
        run_err(
            &[
                "analyze",
                "knox",
                "--input",
                s(input),
                "--distance-bands",
                distance,
                "--time-bands",
                time,
                "--out",
                s(&out),
            ],
            &out,
        )
    };
    let good = d.file("good.csv", KNOX_INPUT);
    let err = call(
        &d.file("a.csv", "x,y,date\n0,0,2026-01-01\n1,1,2026-02-30\n"),
        "0,100",
        "0,7",
    );
    assert!(
        err.contains("line 3") && err.contains("2026-02-30"),
        "{err}"
    );
    let err = call(&d.file("b.csv", "x,y\n0,0\n"), "0,100", "0,7");
    assert!(err.contains("line 1") && err.contains("x,y,date"), "{err}");
    let err = call(&good, "0,200,100", "0,7");
    assert!(err.contains("distance band edges"), "{err}");
    let err = call(&good, "0,100", "0,seven");
    assert!(
        err.contains("--time-bands") && err.contains("seven"),
        "{err}"
    );
    let err = call(&good, "0,100", "0,-7");
    assert!(err.contains("--time-bands"), "{err}");
}

/// The CLI's CSV against PySAL's `esda.G_Local` on grids from 10 × 10 to 300 × 300
/// (`tools/reference/run.sh --cli`, which installs esda and libpysal from PyPI into a
/// virtual environment cached under `<target>/reference-venv`): |Δz| ≤ 10⁻⁹.
///
/// Skipped (saying so) only when `python3` cannot create virtual environments or when
/// `TRYGG_SKIP_REFERENCE=1`; a failing install or comparison fails the test.
#[test]
fn gistar_cli_agrees_with_esda() {
    if std::env::var("TRYGG_SKIP_REFERENCE").is_ok_and(|v| v == "1") {
        println!("reference: skipped (TRYGG_SKIP_REFERENCE=1)");
        return;
    }
    let venv_ok = Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !venv_ok {
        println!("reference: skipped (python3 with venv and ensurepip is not available)");
        return;
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_trygg"));
    // <target>/<profile>/trygg
    let target = bin.ancestors().nth(2).unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash")
        .arg(repo.join("tools/reference/run.sh"))
        .arg("--venv")
        .arg(target.join("reference-venv"))
        .arg("--cli")
        .arg(bin)
        .current_dir(&repo)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    print!("{stdout}");
    assert!(
        out.status.success(),
        "run.sh --cli failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or_default()).unwrap();
    let diff = summary["max_abs_diff_cli"].as_f64().unwrap();
    assert!(diff <= 1e-9, "max |Δz| = {diff:e}");
    // Every grid size was compared through the CLI.
    for size in ["10x10", "100x100", "300x300"] {
        assert!(stdout.contains(size), "{size} missing");
    }
    assert!(stdout.matches("[cli]").count() >= 7);
}
