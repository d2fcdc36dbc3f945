//! Gi* against PySAL: runs `tools/reference/run.sh`, which installs esda and libpysal from
//! PyPI into a virtual environment cached under `<target>/reference-venv` and requires
//! Trygg's z-scores to agree with `esda.G_Local(y, w, transform="B", star=True)` within
//! 10⁻⁹ on grids from 10 × 10 to 300 × 300.
//!
//! Skipped (with a message) only when `python3` cannot create virtual environments, or
//! when `TRYGG_SKIP_REFERENCE=1`; a failing install is a failure, not a skip.
//!
//! Trygg's side must be a command. Running `cargo build --example` from inside a test
//! would wait on the build lock cargo holds, so this test binary doubles as the example:
//! it includes `examples/gistar_json.rs` as a module, and when started with
//! `TRYGG_GISTAR_JSON=1` it behaves exactly like that example (stdin to stdout). That
//! needs our own `main` (`harness = false`), which speaks just enough of libtest's
//! command line for `cargo test` filters and for cargo-nextest (`--list --format terse`,
//! `--ignored`, `--exact`, `--skip`; see nexte.st, "Custom test harnesses").

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[allow(dead_code)]
#[path = "../examples/gistar_json.rs"]
mod gistar_json;

const TOLERANCE: f64 = 1e-9;

/// The one test this binary holds.
const NAME: &str = "gistar_agrees_with_esda";

fn main() -> ExitCode {
    if std::env::var_os("TRYGG_GISTAR_JSON").is_some() {
        return as_example();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |f: &str| args.iter().any(|a| a == f);
    if flag("--list") {
        // The test is not ignored, so a listing of ignored tests is empty.
        if !flag("--ignored") {
            println!("{NAME}: test");
        }
        return ExitCode::SUCCESS;
    }
    if !selected(&args) {
        println!("running 0 tests");
        return ExitCode::SUCCESS;
    }
    if std::env::var("TRYGG_SKIP_REFERENCE").is_ok_and(|v| v == "1") {
        println!("reference: skipped (TRYGG_SKIP_REFERENCE=1)");
        return ExitCode::SUCCESS;
    }
    let venv_ok = Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !venv_ok {
        println!("reference: skipped (python3 with venv and ensurepip is not available)");
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(diff) => {
            println!("reference: Gi* agrees with esda.G_Local, max |Δz| = {diff:e}");
            println!("test {NAME} ... ok");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("reference: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Whether libtest-style arguments select the test: `--ignored` runs only ignored tests
/// (none here), `--skip F` and name filters match substrings, or whole names with
/// `--exact`. Other flags (`--nocapture`, `--test-threads N`, …) do not matter here.
fn selected(args: &[String]) -> bool {
    let exact = args.iter().any(|a| a == "--exact");
    let matches = |f: &str| if exact { f == NAME } else { NAME.contains(f) };
    let mut filters = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--ignored" => return false,
            "--skip" => {
                if it.next().is_some_and(|f| matches(f)) {
                    return false;
                }
            }
            "--test-threads" | "--format" | "--color" | "-Z" => {
                it.next();
            }
            s if s.starts_with('-') => {}
            s => filters.push(s),
        }
    }
    filters.is_empty() || filters.iter().any(|f| matches(f))
}

fn as_example() -> ExitCode {
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        eprintln!("cannot read stdin: {e}");
        return ExitCode::FAILURE;
    }
    match gistar_json::convert(&input) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<f64, String> {
    let exe = std::env::current_exe().map_err(|e| format!("no current exe: {e}"))?;
    // <target>/<profile>/deps/reference-<hash>
    let target = exe
        .ancestors()
        .nth(3)
        .ok_or("cannot find the target directory")?;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let script = repo.join("tools/reference/run.sh");
    let venv: PathBuf = target.join("reference-venv");
    let output = Command::new("bash")
        .arg(&script)
        .arg("--venv")
        .arg(&venv)
        .arg("--trygg")
        .arg(&exe)
        .env("TRYGG_GISTAR_JSON", "1")
        .current_dir(&repo)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}):\n{stderr}",
            script.display(),
            output.status
        ));
    }
    let summary = stdout.lines().last().unwrap_or_default();
    let diff = summary
        .split("\"max_abs_diff\": ")
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("no max_abs_diff in {summary:?}"))?;
    if diff <= TOLERANCE {
        Ok(diff)
    } else {
        Err(format!("max |Δz| = {diff:e} exceeds {TOLERANCE:e}"))
    }
}
