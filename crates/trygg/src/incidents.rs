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
