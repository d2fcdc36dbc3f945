//! The demo's medborgarlöfte: Linköping's police and municipality promise to make
//! Skäggetorp's centre safer, with activities by both, four indicators (two counted from
//! the demo incidents, one from measures, one typed in) and a year of monthly reports:
//! the eleven oldest published, the newest still a draft.
//!
//! The reports are written through the store with publication dates a few days after
//! each month, as they would have been; their computed values are computed from the demo
//! incidents exactly as the report form computes them.

use serde_json::json;
use trygg_domain::promise::{IndicatorSource, Month};
use trygg_store::Store;
use trygg_store::promise::{NewPromiseReport, NewValue, PromiseStore};

use crate::actor::draft;
use crate::promises::{IndicatorInput, PromiseInput};
use crate::{Caller, RequestMeta, Result, Trygg};

/// What was done, month by month (by the month's number).
const DONE: [&str; 12] = [
    "Kommunpolisen gick fotpatrull i centrum tre kvällar i veckan. Fältassistenterna fanns på torget fredag och lördag kväll.",
    "Belysningen vid gångtunneln under Skäggetorpsleden byttes. Polisen höll dialogmöte med butiksägarna i centrum.",
    "Trygghetsvandring i centrum med boende, Stångåstaden och polisen. Buskage vid lekplatsen röjdes.",
    "Fotpatrullering fortsatte. Klotter på el-skåp och fasader sanerades inom 24 timmar.",
    "Fältassistenterna och fritidsgården ordnade kvällsaktiviteter på torget under skolavslutningen.",
    "Sommarlovsaktiviteter i centrum. Ordningsvakter på plats vid resecentrums busshållplats kvällstid.",
    "Polisen och kommunen gick gemensamma kvällsronder. Trasig belysning vid parkeringen lagades.",
    "Skolstart: vuxna på stan i samarbete med föreningar. Polisen informerade på föräldramöten.",
    "Dialogmöte med boende i biblioteket. Stångåstaden satte upp ny belysning på gården vid Dalkarlsgatan.",
    "Fotpatrull tre kvällar i veckan. Klottersanering och extra städning inför mörka månaderna.",
    "Trygghetsvandring efter mörkrets inbrott. Förslagen skickades till ansvariga förvaltningar.",
    "Julmarknad på torget med polis och fältassistenter på plats. Uppföljning av vandringens förslag.",
];

/// Police foot-patrol hours in the centre, typed in each month (by the month's number).
const PATROL_HOURS: [i64; 12] = [38, 41, 44, 40, 46, 52, 49, 45, 43, 47, 50, 48];

impl Trygg {
    /// The demo promise, once: nothing happens when any promise exists.
    pub(crate) async fn load_demo_promises(&self) -> Result<usize> {
        if !self.db.promises().await?.is_empty() {
            return Ok(0);
        }
        let caller = Caller::System;
        let meta = RequestMeta::cli();
        let now = self.clock.now();
        let area = self
            .db
            .current_areas(Some(trygg_domain::area::AreaKind::District))
            .await?
            .into_iter()
            .find(|a| a.name == "Skäggetorp")
            .map(|a| a.id.to_string())
            .unwrap_or_default();
        // A year ending with last month: this month is not over yet.
        let last = Month::of_instant(now).previous();
        let mut first = last;
        for _ in 0..11 {
            first = first.previous();
        }
        let indicator = |name: &str, source: &str, categories: &str| IndicatorInput {
            id: String::new(),
            name: name.into(),
            source: source.into(),
            categories: categories.into(),
        };
        let mut indicators = vec![indicator(
            "Polisens fotpatrulltimmar i centrum",
            "manual",
            "",
        )];
        if !area.is_empty() {
            indicators.insert(
                0,
                indicator(
                    "Rapporterade störningar och otrygga platser",
                    "incidents",
                    "störande-grupp, otrygg-plats",
                ),
            );
            indicators.insert(
                1,
                indicator(
                    "Rapporterat klotter och skadegörelse",
                    "incidents",
                    "klotter, skadegörelse",
                ),
            );
            indicators.insert(
                2,
                indicator("Genomförda åtgärder i Skäggetorp", "measures_done", ""),
            );
        }
        let id = self
            .create_promise(
                &caller,
                &meta,
                PromiseInput {
                    title: "Tryggare Skäggetorps centrum".into(),
                    statement: "Vi lovar att öka tryggheten i Skäggetorps centrum".into(),
                    description: "Medborgarlöfte mellan Linköpings kommun och lokalpolisområde Linköping, framtaget efter medborgardialog och trygghetsmätning i Skäggetorp.".into(),
                    area,
                    first_month: first.to_string(),
                    last_month: String::new(),
                    activities: vec![
                        (
                            "polisen går fotpatrull i centrum minst tre kvällar i veckan".into(),
                            "police".into(),
                        ),
                        (
                            "kommunen åtgärdar trasig belysning och klotter i centrum inom 48 timmar".into(),
                            "municipality".into(),
                        ),
                        (
                            "fältassistenter finns på torget fredag och lördag kväll".into(),
                            "municipality".into(),
                        ),
                        (
                            "vi håller dialogmöten med boende och butiksägare varje kvartal".into(),
                            "both".into(),
                        ),
                    ],
                    indicators,
                },
            )
            .await?;
        let p = self.db.promise(id).await?.ok_or(crate::Error::NotFound)?;
        let rows = self.db.promise_indicators(id).await?;
        let months = first.through(last);
        for (n, month) in months.iter().enumerate() {
            let k = (month.month() as usize).saturating_sub(1) % 12;
            let mut values = Vec::new();
            for row in &rows {
                let source = IndicatorSource::parse(&row.source, &row.categories)?;
                let value = match source {
                    IndicatorSource::Manual => Some(PATROL_HOURS[k]),
                    _ => self.compute_indicator(p.area_id, &source, *month).await?,
                };
                values.push(NewValue {
                    indicator_id: row.id,
                    name: row.name.clone(),
                    value,
                    computed: source.computed(),
                });
            }
            // Written in the first days of the next month, published a few days later.
            let written = month.end().plus_seconds(2 * 86_400).min(now);
            let report = NewPromiseReport {
                promise_id: id,
                month: month.to_string(),
                done_text: DONE[k].into(),
                comments: k.is_multiple_of(3).then(|| {
                    "Siffrorna bygger på partnernas rapporter i Trygg; alla händelser rapporteras inte.".to_owned()
                }),
                values,
                by: None,
                at: written,
            };
            // The audit log says when the demo wrote it, not the story's dates.
            let audit = draft(
                &caller,
                &meta,
                now,
                "promise_report_saved",
                "promise_report",
                None,
                json!({ "promise": id.0, "month": month.to_string(), "demo": true }),
            );
            let rid = self.db.save_promise_report(&report, audit).await?;
            if n + 1 < months.len() {
                let at = month.end().plus_seconds(5 * 86_400).min(now);
                let audit = draft(
                    &caller,
                    &meta,
                    now,
                    "promise_report_published",
                    "promise_report",
                    Some(rid.to_string()),
                    json!({ "promise": id.0, "month": month.to_string(), "demo": true }),
                );
                self.db.publish_promise_report(rid, None, at, audit).await?;
            }
        }
        Ok(months.len())
    }
}
