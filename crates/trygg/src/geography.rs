//! The geography commands: `trygg import areas|places` and `trygg areas locate|list`.
//!
//! Output for scripts is one line per area, `KIND<TAB>CODE<TAB>NAME`; summaries and
//! refusals are for people (Swedish on success, the importer's exact reason on failure).
//!
//! Coordinate conventions on the command line: `--lat`/`--lon` are WGS84 degrees;
//! `--x`/`--y` are SWEREF 99 TM metres with **x = easting (E)** and **y = northing (N)**,
//! the order of GeoJSON, GIS software and our import files (`[x, y]` = `[E, N]`). Note
//! that Lantmäteriet's geodetic texts name the axes the other way round (x = northing);
//! `--northing`/`--easting` are accepted as unambiguous aliases, and numbers that only
//! make sense swapped are refused with a hint.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use trygg_core::{Caller, RequestMeta, Trygg};
use trygg_domain::area::AreaKind;
use trygg_domain::geo::{AreaImportOptions, Crs, PlaceImportOptions, Sweref99Tm, Wgs84};
use trygg_domain::place::parse_number;
use trygg_store::{AreaInfo, ImportCounts};

/// Features from which an import shows a progress bar.
const PROGRESS_FROM: usize = 50;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import areas (Polygon/MultiPolygon features) from a GeoJSON file, all or nothing.
    Areas(ImportAreas),
    /// Import named places (Point features) from a GeoJSON file, all or nothing.
    Places(ImportPlaces),
    /// Import incidents from a CSV file, all or nothing unless --skip-invalid.
    Incidents(crate::incidents::ImportIncidents),
    /// Import the police's public events of one municipality (idempotent on event id).
    Polisen(crate::incidents::ImportPolisen),
}

#[derive(Args)]
pub struct ImportAreas {
    /// The GeoJSON file (FeatureCollection or Feature).
    file: PathBuf,
    /// What the areas are: kommun, regso, deso, district, permit_area, bf_area, custom.
    #[arg(long)]
    kind: String,
    /// The feature property holding each area's code, e.g. regsokod.
    #[arg(long)]
    code_property: String,
    /// The feature property holding each area's name, e.g. regsonamn.
    #[arg(long)]
    name_property: String,
    /// The coordinates' CRS when the file has no "crs" member: EPSG:4326 (WGS84, the
    /// GeoJSON default) or EPSG:3006 (SWEREF 99 TM). Must agree with the member if both.
    #[arg(long)]
    crs: Option<String>,
}

#[derive(Args)]
pub struct ImportPlaces {
    /// The GeoJSON file of Point features.
    file: PathBuf,
    /// The feature property holding each place's name.
    #[arg(long, default_value = "name")]
    name_property: String,
    /// The feature property holding each place's kind (e.g. station, square, tunnel).
    #[arg(long, default_value = "kind")]
    kind_property: String,
    /// The feature property holding other names (an array, or text separated by ";").
    #[arg(long)]
    aliases_property: Option<String>,
    /// EPSG:4326 or EPSG:3006, when the file has no "crs" member.
    #[arg(long)]
    crs: Option<String>,
}

#[derive(Subcommand)]
pub enum AreasCommand {
    /// Print the current areas containing a point: KIND<TAB>CODE<TAB>NAME per line
    /// (none is not an error). A point on the boundary of two areas is in both.
    Locate(Locate),
    /// Print the current areas: KIND<TAB>CODE<TAB>NAME per line.
    List {
        /// Only areas of this kind.
        #[arg(long)]
        kind: Option<String>,
    },
}

#[derive(Args)]
#[command(group(clap::ArgGroup::new("position").required(true).args(["lat", "x"])))]
pub struct Locate {
    /// WGS84 latitude in degrees, e.g. 58.41611.
    #[arg(long, requires = "lon", allow_hyphen_values = true)]
    lat: Option<String>,
    /// WGS84 longitude in degrees, e.g. 15.62583.
    #[arg(long, requires = "lat", allow_hyphen_values = true)]
    lon: Option<String>,
    /// SWEREF 99 TM easting (E) in metres, e.g. 536561.
    #[arg(long, visible_alias = "easting", requires = "y", conflicts_with_all = ["lat", "lon"])]
    x: Option<String>,
    /// SWEREF 99 TM northing (N) in metres, e.g. 6475208.
    #[arg(long, visible_alias = "northing", requires = "x", conflicts_with_all = ["lat", "lon"])]
    y: Option<String>,
}

fn number(flag: &str, field: &'static str, text: &str) -> Result<f64> {
    parse_number(field, text).map_err(|_| anyhow::anyhow!("{flag} {text:?} is not a number"))
}

fn read_file(path: &PathBuf) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn parse_kind(kind: &str) -> Result<AreaKind> {
    AreaKind::parse(kind).map_err(|_| {
        let known: Vec<&str> = AreaKind::ALL.iter().map(|k| k.code()).collect();
        anyhow::anyhow!(
            "unknown area kind {kind:?}; use one of {}",
            known.join(", ")
        )
    })
}

fn parse_crs(crs: Option<&str>) -> Result<Option<Crs>> {
    crs.map(|c| Crs::parse(c).map_err(|e| anyhow::anyhow!("--crs: {e}")))
        .transpose()
}

fn summary(counts: ImportCounts) -> String {
    format!(
        "{} nya, {} ändrade, {} oförändrade",
        counts.created, counts.updated, counts.unchanged
    )
}

fn print_areas(areas: &[AreaInfo]) {
    for a in areas {
        println!("{}\t{}\t{}", a.kind.code(), a.code, a.name);
    }
}

pub async fn import(trygg: &Trygg, command: ImportCommand) -> Result<ExitCode> {
    let caller = Caller::System;
    let meta = RequestMeta::cli();
    match command {
        ImportCommand::Incidents(args) => crate::incidents::import_incidents(trygg, args).await,
        ImportCommand::Polisen(args) => crate::incidents::import_polisen(trygg, args).await,
        ImportCommand::Areas(args) => {
            let kind = parse_kind(&args.kind)?;
            let crs = parse_crs(args.crs.as_deref())?;
            let text = read_file(&args.file)?;
            let mut options = AreaImportOptions::new(&args.code_property, &args.name_property);
            options.crs = crs;
            let mut bar: Option<indicatif::ProgressBar> = None;
            let result = trygg
                .import_areas(&caller, &meta, kind, &text, &options, |done, total| {
                    if total < PROGRESS_FROM {
                        return;
                    }
                    let bar = bar.get_or_insert_with(|| {
                        let b = indicatif::ProgressBar::new(total as u64);
                        b.set_message("förbereder områden");
                        b
                    });
                    bar.set_position(done as u64);
                    if done == total {
                        bar.set_message("sparar i databasen");
                    }
                })
                .await;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let counts = result.map_err(|e| {
                anyhow::anyhow!(
                    "{} was not imported (nothing was written): {}",
                    args.file.display(),
                    crate::describe(&e)
                )
            })?;
            let total = counts.created + counts.updated + counts.unchanged;
            println!(
                "{total} områden av typen {kind} från {}: {}.",
                args.file.display(),
                summary(counts)
            );
            Ok(ExitCode::SUCCESS)
        }
        ImportCommand::Places(args) => {
            let crs = parse_crs(args.crs.as_deref())?;
            let text = read_file(&args.file)?;
            let mut options = PlaceImportOptions::new(&args.name_property, &args.kind_property);
            options.aliases_property = args.aliases_property.as_deref();
            options.crs = crs;
            let counts = trygg
                .import_places(&caller, &meta, &text, &options, |_| Vec::new())
                .await
                .map_err(|e| {
                    anyhow::anyhow!(
                        "{} was not imported (nothing was written): {}",
                        args.file.display(),
                        crate::describe(&e)
                    )
                })?;
            let total = counts.created + counts.updated + counts.unchanged;
            println!(
                "{total} platser från {}: {}.",
                args.file.display(),
                summary(counts)
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub async fn areas(trygg: &Trygg, command: AreasCommand) -> Result<ExitCode> {
    let caller = Caller::System;
    match command {
        AreasCommand::List { kind } => {
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let areas = trygg
                .areas(&caller, kind)
                .await
                .map_err(|e| anyhow::anyhow!(crate::describe(&e)))?;
            print_areas(&areas);
        }
        AreasCommand::Locate(args) => {
            let point = locate_point(&args)?;
            let areas = trygg
                .locate(&caller, point)
                .await
                .map_err(|e| anyhow::anyhow!(crate::describe(&e)))?;
            print_areas(&areas);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The point of `areas locate`. Numbers that are no position at all are refused; a
/// position merely outside Sweden is located (nothing contains it) with a note on
/// standard error when the numbers look like the other system or swapped.
fn locate_point(args: &Locate) -> Result<Wgs84> {
    match (&args.lat, &args.lon, &args.x, &args.y) {
        (Some(lat), Some(lon), None, None) => {
            let (lat, lon) = (number("--lat", "lat", lat)?, number("--lon", "lon", lon)?);
            let point = Wgs84::new(lat, lon).map_err(|e| anyhow::anyhow!("{e}"))?;
            if !point.plausible_in_sweden() {
                if Wgs84::new(lon, lat).is_ok_and(Wgs84::plausible_in_sweden) {
                    eprintln!(
                        "note: {lat},{lon} is not in Sweden; --lat and --lon look swapped (latitude is about 55–69 in Sweden)"
                    );
                } else if Sweref99Tm::new(lat, lon).is_ok_and(Sweref99Tm::plausible_in_sweden)
                    || Sweref99Tm::new(lon, lat).is_ok_and(Sweref99Tm::plausible_in_sweden)
                {
                    eprintln!(
                        "note: these look like SWEREF 99 TM metres; use --x EASTING --y NORTHING"
                    );
                }
            }
            Ok(point)
        }
        (None, None, Some(x), Some(y)) => {
            let (e, n) = (number("--x", "e", x)?, number("--y", "n", y)?);
            let grid = Sweref99Tm::new(n, e).map_err(|err| anyhow::anyhow!("{err}"))?;
            if !grid.plausible_in_sweden() {
                if Sweref99Tm::new(e, n).is_ok_and(Sweref99Tm::plausible_in_sweden) {
                    bail!(
                        "--x {x} --y {y} cannot be in Sweden, but swapped they would be: --x is the easting (E, about 180 000–1 000 000), --y the northing (N, about 6 100 000–7 700 000)"
                    );
                }
                if Wgs84::new(n, e).is_ok_and(Wgs84::plausible_in_sweden)
                    || Wgs84::new(e, n).is_ok_and(Wgs84::plausible_in_sweden)
                {
                    bail!("--x {x} --y {y} look like WGS84 degrees; use --lat LAT --lon LON");
                }
            }
            grid.to_wgs84().map_err(|err| anyhow::anyhow!("{err}"))
        }
        _ => bail!("give either --lat and --lon (WGS84) or --x and --y (SWEREF 99 TM)"),
    }
}
