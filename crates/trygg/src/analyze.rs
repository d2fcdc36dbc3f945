//! `trygg analyze`: the statistics of `trygg-analytics` on CSV files, without a database.
//!
//! This is the command contract of issue 5, used to check Trygg against reference tools
//! (PySAL's esda in `tools/reference/`, Ratcliffe's Near Repeat Calculator):
//!
//! * `trygg analyze gistar --input FILE.csv --cell-size M [--origin X,Y]
//!   [--permutations R --seed S] --out FILE.csv` — Getis-Ord Gi* on a square SWEREF 99 TM
//!   grid. Input header `x,y` or `x,y,weight`; output `col,row,x_min,y_min,count,z,p,bin`
//!   (and `p_sim` with permutations), one row per cell of the full rectangle, row-major
//!   from the south-west cell (row 0 is the southernmost row).
//! * `trygg analyze knox --input FILE.csv --distance-bands … --time-bands …
//!   [--metric manhattan|euclidean] [--precision f32|f64] [--permutations R --seed S]
//!   --out FILE.csv` — the Knox near-repeat table. Input header `x,y,date`; output
//!   `distance_from,distance_to,time_from,time_to,observed,expected,ratio,p`, one row per
//!   band pair, distance bands outer, the last band of each kind open-ended (empty `_to`).
//!
//! Decisions the contract leaves open, made here so results are unambiguous:
//!
//! * `count` is the sum of the weights in the cell (the number of points without a
//!   `weight` column); Gi* is computed on those sums. Weights must be finite and not
//!   negative.
//! * With `--origin`, a point west or south of the origin is an error naming its line,
//!   not silently dropped.
//! * Bins are ArcGIS-style −3…3 at 90/95/99 % with the Benjamini–Hochberg correction,
//!   from `p_sim` when permutations are asked for, otherwise from `p`.
//! * Knox without `--permutations` gives the observed table; `expected`, `ratio` and `p`
//!   are then empty (as is `ratio` when `expected` is 0).
//! * Numbers are written in the shortest form that reads back to the same `f64`.
//!
//! Any bad input stops the command with exit status 1 before anything is written; the
//! output appears whole (written to a temporary file beside it, then renamed) or not at
//! all.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use trygg_analytics::gistar::{GiStarOptions, Permutations, gistar_lattice};
use trygg_analytics::grid::GridSpec;
use trygg_analytics::knox::{KnoxEvent, KnoxOptions, Metric, Precision, knox};

/// `trygg analyze …`
#[derive(Subcommand)]
pub enum AnalyzeCommand {
    /// Getis-Ord Gi* hot spots of points on a square SWEREF 99 TM grid.
    Gistar(GistarArgs),
    /// The Knox near-repeat test of dated points.
    Knox(KnoxArgs),
}

/// Arguments of `trygg analyze gistar`.
#[derive(Args)]
pub struct GistarArgs {
    /// CSV with header `x,y` or `x,y,weight` (SWEREF 99 TM metres: x easting, y northing).
    #[arg(long)]
    input: PathBuf,
    /// Side of a grid cell in metres.
    #[arg(long)]
    cell_size: f64,
    /// South-west corner of the grid as X,Y (default ⌊min/M⌋·M in each coordinate).
    #[arg(long, value_name = "X,Y", allow_hyphen_values = true)]
    origin: Option<String>,
    /// Conditional permutations R for pseudo p-values (`p_sim`); needs --seed.
    #[arg(long, requires = "seed")]
    permutations: Option<u32>,
    /// Seed of the permutations (the same seed gives the same p_sim).
    #[arg(long, requires = "permutations")]
    seed: Option<u64>,
    /// The CSV file to write.
    #[arg(long)]
    out: PathBuf,
}

/// Arguments of `trygg analyze knox`.
#[derive(Args)]
pub struct KnoxArgs {
    /// CSV with header `x,y,date` (SWEREF 99 TM metres, ISO dates such as 2026-03-14).
    #[arg(long)]
    input: PathBuf,
    /// Distance band edges in metres, e.g. 0,1,100,200,300 (the last band is open-ended).
    #[arg(long, value_name = "EDGES")]
    distance_bands: String,
    /// Time band edges in days, e.g. 0,7,14,21 (the last band is open-ended).
    #[arg(long, value_name = "EDGES")]
    time_bands: String,
    /// How distance is measured.
    #[arg(long, value_enum, default_value_t = MetricArg::Manhattan)]
    metric: MetricArg,
    /// Arithmetic of the distances (f32 reproduces the Near Repeat Calculator).
    #[arg(long, value_enum, default_value_t = PrecisionArg::F64)]
    precision: PrecisionArg,
    /// Date permutations R for expected counts and p-values; needs --seed.
    #[arg(long, requires = "seed")]
    permutations: Option<u32>,
    /// Seed of the permutations.
    #[arg(long, requires = "permutations")]
    seed: Option<u64>,
    /// The CSV file to write.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum MetricArg {
    Manhattan,
    Euclidean,
}

#[derive(Clone, Copy, ValueEnum)]
enum PrecisionArg {
    F32,
    F64,
}

/// Runs one analysis. Errors (bad input, unwritable output) leave no output file.
pub fn run(command: &AnalyzeCommand) -> Result<ExitCode> {
    match command {
        AnalyzeCommand::Gistar(a) => gistar_command(a),
        AnalyzeCommand::Knox(a) => knox_command(a),
    }
}

fn gistar_command(a: &GistarArgs) -> Result<ExitCode> {
    if !(a.cell_size.is_finite() && a.cell_size > 0.0) {
        bail!("--cell-size must be a positive number of metres");
    }
    let origin = a.origin.as_deref().map(parse_origin).transpose()?;
    let text = read_input(&a.input)?;
    let points = parse_points(&text, &a.input)?;
    if points.is_empty() {
        bail!("{}: no points after the header", a.input.display());
    }
    let spec = GridSpec::covering(points.iter().map(|p| (p.x, p.y)), a.cell_size, origin)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some((x0, y0)) = origin
        && let Some(p) = points.iter().find(|p| p.x < x0 || p.y < y0)
    {
        bail!(
            "{} line {}: the point ({}, {}) lies west or south of the origin ({x0}, {y0})",
            a.input.display(),
            p.line,
            p.x,
            p.y
        );
    }
    let counts = spec
        .count(points.iter().map(|p| (p.x, p.y, p.weight)))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let options = GiStarOptions {
        fdr: true,
        permutations: a
            .permutations
            .zip(a.seed)
            .map(|(count, seed)| Permutations { count, seed }),
    };
    let hot = with_spinner(options.permutations.map(|p| p.count), || {
        gistar_lattice(spec.lattice(), &counts.values, &options)
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;

    let mut out = String::with_capacity(spec.len() * 64);
    out.push_str("col,row,x_min,y_min,count,z,p,bin");
    if hot.p_sim.is_some() {
        out.push_str(",p_sim");
    }
    out.push('\n');
    for i in 0..spec.len() {
        let (col, row) = spec.col_row(i);
        let (x, y) = spec.cell_min(col, row);
        let _ = write!(
            out,
            "{col},{row},{x},{y},{},{},{},{}",
            counts.values[i], hot.z[i], hot.p[i], hot.bin[i]
        );
        if let Some(p_sim) = &hot.p_sim {
            let _ = write!(out, ",{}", p_sim[i]);
        }
        out.push('\n');
    }
    write_atomically(&a.out, &out)?;
    eprintln!(
        "Gi* för {} rutor ({} × {}, {} m) skrivet till {}.",
        spec.len(),
        spec.cols,
        spec.rows,
        spec.cell_size,
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn knox_command(a: &KnoxArgs) -> Result<ExitCode> {
    let distance_edges = parse_list::<f64>(&a.distance_bands, "--distance-bands")?;
    let time_edges = parse_list::<u32>(&a.time_bands, "--time-bands")?;
    let text = read_input(&a.input)?;
    let events = parse_events(&text, &a.input)?;
    let options = KnoxOptions {
        distance_edges,
        time_edges,
        metric: match a.metric {
            MetricArg::Manhattan => Metric::Manhattan,
            MetricArg::Euclidean => Metric::Euclidean,
        },
        precision: match a.precision {
            PrecisionArg::F32 => Precision::F32,
            PrecisionArg::F64 => Precision::F64,
        },
        permutations: a.permutations.unwrap_or(0),
        seed: a.seed.unwrap_or(0),
    };
    let permutations = (options.permutations > 0).then_some(options.permutations);
    let table = with_spinner(permutations, || knox(&events, &options))
        .map_err(|e| anyhow::anyhow!("{e}"))?;

    let mut out =
        String::from("distance_from,distance_to,time_from,time_to,observed,expected,ratio,p\n");
    let opt = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    for (d, db) in table.distance_bands.iter().enumerate() {
        for (t, tb) in table.time_bands.iter().enumerate() {
            let Some(cell) = table.cell(d, t) else {
                bail!("the Knox table has no cell ({d}, {t})");
            };
            let _ = writeln!(
                out,
                "{},{},{},{},{},{},{},{}",
                db.from,
                opt(db.to),
                tb.from,
                tb.to.map(|t| t.to_string()).unwrap_or_default(),
                cell.observed,
                opt(cell.expected),
                opt(cell.ratio),
                opt(cell.p),
            );
        }
    }
    write_atomically(&a.out, &out)?;
    eprintln!(
        "Knox-tabell för {} händelser ({} par) skriven till {}.",
        table.events,
        table.pairs,
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A spinner with the elapsed time on a terminal while permutations run (indicatif draws
/// nothing when standard error is not a terminal, so scripts and tests see no noise).
fn with_spinner<T>(permutations: Option<u32>, work: impl FnOnce() -> T) -> T {
    let Some(r) = permutations else {
        return work();
    };
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(format!("{r} permutationer …"));
    if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg} {elapsed}") {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    let result = work();
    bar.finish_and_clear();
    result
}

fn read_input(path: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned())
}

/// Writes the whole file under a temporary name beside it, then renames it into place.
fn write_atomically(path: &Path, contents: &str) -> Result<()> {
    let name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, contents).with_context(|| format!("cannot write {}", path.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
    })
}

fn parse_origin(s: &str) -> Result<(f64, f64)> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [x, y] => match (x.parse::<f64>(), y.parse::<f64>()) {
            (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => Ok((x, y)),
            _ => bail!("--origin must be two numbers X,Y in metres, not {s:?}"),
        },
        _ => bail!("--origin must be two numbers X,Y in metres, not {s:?}"),
    }
}

fn parse_list<T: std::str::FromStr>(s: &str, flag: &str) -> Result<Vec<T>> {
    s.split(',')
        .map(|p| {
            p.trim()
                .parse::<T>()
                .map_err(|_| anyhow::anyhow!("{flag}: {:?} is not a valid band edge", p.trim()))
        })
        .collect()
}

/// Data lines as (line number, fields).
type Records<'a> = Vec<(usize, Vec<&'a str>)>;

/// The data lines of a CSV file with the expected header: (line number, fields).
/// Blank lines are skipped; surrounding double quotes of a field are removed.
fn records<'a>(text: &'a str, path: &'a Path, headers: &[&[&str]]) -> Result<(usize, Records<'a>)> {
    let mut lines = text.lines().enumerate();
    let header = lines
        .by_ref()
        .find(|(_, l)| !l.trim().is_empty())
        .with_context(|| format!("{} is empty", path.display()))?;
    let names: Vec<String> = header
        .1
        .split(',')
        .map(|f| unquote(f).to_ascii_lowercase())
        .collect();
    let Some(width) = headers
        .iter()
        .find(|h| names.iter().map(String::as_str).eq(h.iter().copied()))
        .map(|h| h.len())
    else {
        let expected: Vec<String> = headers.iter().map(|h| h.join(",")).collect();
        bail!(
            "{} line {}: the header must be {}, not {:?}",
            path.display(),
            header.0 + 1,
            expected.join(" or "),
            header.1.trim()
        );
    };
    let mut out = Vec::new();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(unquote).collect();
        if fields.len() != width {
            bail!(
                "{} line {}: expected {width} fields, found {}",
                path.display(),
                i + 1,
                fields.len()
            );
        }
        out.push((i + 1, fields));
    }
    Ok((width, out))
}

fn unquote(f: &str) -> &str {
    let f = f.trim();
    f.strip_prefix('"')
        .and_then(|g| g.strip_suffix('"'))
        .unwrap_or(f)
}

struct Point {
    line: usize,
    x: f64,
    y: f64,
    weight: f64,
}

fn number(path: &Path, line: usize, name: &str, field: &str) -> Result<f64> {
    match field.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => bail!(
            "{} line {line}: {name} must be a number in metres, not {field:?}",
            path.display()
        ),
    }
}

fn parse_points(text: &str, path: &Path) -> Result<Vec<Point>> {
    let (width, rows) = records(text, path, &[&["x", "y"], &["x", "y", "weight"]])?;
    rows.into_iter()
        .map(|(line, f)| {
            let x = number(path, line, "x", f[0])?;
            let y = number(path, line, "y", f[1])?;
            let weight = if width == 3 {
                match f[2].parse::<f64>() {
                    Ok(w) if w.is_finite() && w >= 0.0 => w,
                    _ => bail!(
                        "{} line {line}: weight must be a number ≥ 0, not {:?}",
                        path.display(),
                        f[2]
                    ),
                }
            } else {
                1.0
            };
            Ok(Point { line, x, y, weight })
        })
        .collect()
}

fn parse_events(text: &str, path: &Path) -> Result<Vec<KnoxEvent>> {
    let (_, rows) = records(text, path, &[&["x", "y", "date"]])?;
    rows.into_iter()
        .map(|(line, f)| {
            let x = number(path, line, "x", f[0])?;
            let y = number(path, line, "y", f[1])?;
            let date = f[2].parse::<jiff::civil::Date>().map_err(|_| {
                anyhow::anyhow!(
                    "{} line {line}: date must be an ISO date such as 2026-03-14, not {:?}",
                    path.display(),
                    f[2]
                )
            })?;
            Ok(KnoxEvent::on_date(x, y, date))
        })
        .collect()
}
