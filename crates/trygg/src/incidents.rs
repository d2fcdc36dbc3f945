//! `trygg import incidents` and (later) the police feed and exports.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use trygg_core::incident_import::ImportRefused;
use trygg_core::{Caller, RequestMeta, Trygg};
use trygg_store::Store;

#[derive(Args)]
pub struct ImportIncidents {
    /// The CSV file: columns occurred_at,category,lat,lon,description and optionally
    /// occurred_to,x,y,place,severity,creates_insecurity,organisation,external_id.
    file: PathBuf,
    /// Import the good rows and list the bad ones, instead of refusing the whole file.
    #[arg(long)]
    skip_invalid: bool,
    /// The organisation the incidents belong to when a row names none (default: the
    /// home municipality).
    #[arg(long)]
    organisation: Option<String>,
}

/// Prints the summary line other tools read: `imported: N, skipped: M, errors: K`.
fn summary(imported: u64, skipped: u64, errors: usize) {
    println!("imported: {imported}, skipped: {skipped}, errors: {errors}");
}

pub async fn import_incidents(trygg: &Trygg, args: ImportIncidents) -> Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let organisation = match &args.organisation {
        Some(name) => trygg
            .db
            .organisation_by_name(name.trim())
            .await?
            .with_context(|| format!("no organisation named `{name}`"))?,
        None => trygg
            .db
            .home_organisation()
            .await?
            .context("the database is not initialised: run `trygg init` or `trygg demo`")?,
    };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:40} {pos}/{len} incidenter ({per_sec}, {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = {
        let bar = bar.clone();
        move |done: u64, total: u64| {
            bar.set_length(total);
            bar.set_position(done);
        }
    };
    let result = trygg
        .import_incidents_csv(
            &Caller::System,
            &RequestMeta::cli(),
            &bytes,
            args.skip_invalid,
            organisation.id,
            &progress,
        )
        .await;
    bar.finish_and_clear();
    match result {
        Ok(s) => {
            for b in &s.errors {
                println!("line {}: {}: {}", b.line, b.field, b.code);
            }
            summary(s.imported, s.skipped, s.errors.len());
            Ok(ExitCode::SUCCESS)
        }
        Err(ImportRefused::Rows(bad)) => {
            for b in &bad {
                println!("line {}: {}: {}", b.line, b.field, b.code);
            }
            eprintln!(
                "The file was refused: nothing was imported. Correct the rows above, or use --skip-invalid."
            );
            summary(0, 0, bad.len());
            Ok(ExitCode::from(1))
        }
        Err(ImportRefused::File(e)) => {
            let line = e.line().map(|l| format!("line {l}: ")).unwrap_or_default();
            println!("{line}{}: {e}", e.code());
            eprintln!("The file was refused: nothing was imported.");
            summary(0, 0, 1);
            Ok(ExitCode::from(1))
        }
        Err(ImportRefused::Other(e)) => Err(anyhow::anyhow!("{e}")),
    }
}

#[derive(Args)]
pub struct ImportPolisen {
    /// A response of the police's events API (polisen.se/api/events), as JSON.
    file: PathBuf,
    /// Keep the events of this municipality (its `location.name`, or the place after
    /// the last comma of the event's name), e.g. Linköping.
    #[arg(long)]
    municipality: String,
}

pub async fn import_polisen(trygg: &Trygg, args: ImportPolisen) -> Result<ExitCode> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    match trygg
        .import_police_feed(
            &Caller::System,
            &RequestMeta::cli(),
            &text,
            &args.municipality,
        )
        .await
    {
        Ok(r) => {
            println!(
                "{} events of other municipalities left out.",
                r.other_municipalities
            );
            summary(r.imported, r.skipped, 0);
            Ok(ExitCode::SUCCESS)
        }
        Err(trygg_core::Error::Invalid(i)) => {
            println!("{}: {}", i.field, i.code);
            eprintln!("The file was refused: nothing was imported.");
            summary(0, 0, 1);
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(anyhow::anyhow!("{e}")),
    }
}

#[derive(clap::Subcommand)]
pub enum ExportCommand {
    /// Export incidents as CSV (for Swedish Excel) or GeoJSON.
    Incidents(ExportIncidents),
}

#[derive(Args)]
pub struct ExportIncidents {
    /// csv (UTF-8 with BOM, `;`, for Excel) or geojson (RFC 7946).
    #[arg(long)]
    format: String,
    /// First day (YYYY-MM-DD, Swedish time), inclusive.
    #[arg(long)]
    from: Option<String>,
    /// Last day (YYYY-MM-DD, Swedish time), inclusive.
    #[arg(long)]
    to: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Midnight (Stockholm) starting a `YYYY-MM-DD` day, as an instant.
fn day_start(s: &str, next: bool) -> Result<trygg_domain::time::Instant> {
    let date: jiff::civil::Date = s
        .trim()
        .parse()
        .with_context(|| format!("`{s}` is not a date (YYYY-MM-DD)"))?;
    let date = if next { date.tomorrow()? } else { date };
    let zoned = date.in_tz(trygg_domain::time::STOCKHOLM)?;
    Ok(trygg_domain::time::Instant::from_timestamp(
        zoned.timestamp(),
    ))
}

pub async fn export(trygg: &Trygg, command: ExportCommand) -> Result<ExitCode> {
    let ExportCommand::Incidents(args) = command;
    let format = trygg_core::incident_export::ExportFormat::parse(&args.format)
        .map_err(|_| anyhow::anyhow!("--format must be csv or geojson"))?;
    let filter = trygg_store::incident::IncidentFilter {
        from: args
            .from
            .as_deref()
            .map(|d| day_start(d, false))
            .transpose()?,
        to: args.to.as_deref().map(|d| day_start(d, true)).transpose()?,
        ..Default::default()
    };
    let n = match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            let w = std::io::BufWriter::new(file);
            let n = trygg
                .export_incidents(&Caller::System, &RequestMeta::cli(), &filter, format, w)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!("{n} incidents exported to {}.", path.display());
            n
        }
        None => {
            let w = std::io::BufWriter::new(std::io::stdout().lock());
            trygg
                .export_incidents(&Caller::System, &RequestMeta::cli(), &filter, format, w)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
        }
    };
    let _ = n;
    Ok(ExitCode::SUCCESS)
}
