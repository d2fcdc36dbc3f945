//! `trygg lagesbild rebuild [--from YYYY-MM-DD]`: recomputes the lägesbild rollups
//! (weekly counts, hot-spot cells, hour-of-week weights, monthly counts) from the
//! incidents in one transaction. The store keeps them current on every write, so this is
//! for verifying them or repairing them after a manual change to the database; with
//! `--from` only the weeks and months from that date on are recomputed.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Subcommand;
use trygg_core::Trygg;

#[derive(Subcommand)]
pub enum LagesbildCommand {
    /// Recompute the rollups from the incidents (all, or from a date on).
    Rebuild {
        /// The first local date (Europe/Stockholm) whose week and month are recomputed.
        #[arg(long)]
        from: Option<String>,
    },
}

pub async fn lagesbild(trygg: &Trygg, command: LagesbildCommand) -> Result<ExitCode> {
    match command {
        LagesbildCommand::Rebuild { from } => {
            let from = from
                .map(|s| s.trim().parse::<jiff::civil::Date>())
                .transpose()
                .context("--from must be a date, YYYY-MM-DD")?;
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {percent} % av incidenterna lästa ({eta})",
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
            let result = trygg.rebuild_lagesbild_rollups(from, &progress).await;
            bar.finish_and_clear();
            let rows = result?;
            println!("Lägesbildens sammanställningar är omräknade: {rows} rader.");
            Ok(ExitCode::SUCCESS)
        }
    }
}
