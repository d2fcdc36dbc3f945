//! The demo's measures: one in every status, owned by Linköping's units and partners,
//! linked to the demo's places and districts, so every page and the "my work" queue
//! have something to show.

use trygg_domain::area::AreaKind;
use trygg_domain::id::UnitId;
use trygg_domain::measure::{Transition, TransitionInput};
use trygg_store::Store;
use trygg_store::measure::{MeasureFilter, MeasureStore, MeasureVisibility};

use crate::measures::MeasureInput;
use crate::{Caller, RequestMeta, Result, Trygg};

/// (title, kind, organisation, unit, due date, the commands after assignment)
type DemoMeasure = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [&'static str],
);

const MEASURES: &[DemoMeasure] = &[
    (
        "Byt trasig belysning i gångtunneln",
        "lighting",
        "Linköpings kommun",
        "Miljö- och samhällsbyggnadsförvaltningen",
        "2026-12-15",
        &[],
    ),
    (
        "Röj buskage längs gångvägen",
        "vegetation",
        "Linköpings kommun",
        "Miljö- och samhällsbyggnadsförvaltningen",
        "2026-10-01",
        &["accept"],
    ),
    (
        "Sanera klotter på fasader och el-skåp",
        "cleaning",
        "Linköpings Park & Gata Drift AB",
        "Klottersanering",
        "2026-11-30",
        &["accept", "start"],
    ),
    (
        "Fältarbetare kvällstid fredag och lördag",
        "presence",
        "Linköpings kommun",
        "Leanlink Råd & Stöd, Fältverksamheten",
        "2026-11-15",
        &["accept", "start", "complete"],
    ),
    (
        "Ordningsvakter vid resecentrum",
        "presence",
        "Östgöta Bevakning AB",
        "Ordningsvakter",
        "2026-09-30",
        &["accept", "complete", "confirm"],
    ),
    (
        "Kamerabevakning av torget",
        "camera",
        "Polisen, lokalpolisområde Linköping",
        "Kommunpolisen",
        "2027-03-31",
        &["refuse"],
    ),
    (
        "Flytta återvinningsstationen",
        "other",
        "AB Stångåstaden",
        "Område Skäggetorp",
        "2027-01-31",
        &["not_feasible"],
    ),
];

impl Trygg {
    /// Loads the demo's measures once (nothing if any measure exists).
    pub(crate) async fn load_demo_measures(&self) -> Result<usize> {
        let any = MeasureFilter {
            visibility: MeasureVisibility {
                all: true,
                ..Default::default()
            },
            today: "2000-01-01".into(),
            limit: 1,
            ..Default::default()
        };
        if !self.db.measures(&any).await?.is_empty() {
            return Ok(0);
        }
        let caller = Caller::System;
        let meta = RequestMeta::cli();
        let places = self.db.places().await?;
        let districts = self.db.current_areas(Some(AreaKind::District)).await?;
        // One proposal without an owner yet.
        self.create_measure(
            &caller,
            &meta,
            MeasureInput {
                title: "Trygghetsvandring följs upp med ny belysning".into(),
                description: "Förslag från trygghetsvandringen: mörka partier vid lekplatsen."
                    .into(),
                kind: "lighting".into(),
                areas: districts.first().map(|a| vec![a.id]).unwrap_or_default(),
                ..Default::default()
            },
        )
        .await?;
        for (n, (title, kind, org, unit, due, steps)) in MEASURES.iter().enumerate() {
            let Some(unit) = self.demo_unit(org, unit).await? else {
                continue;
            };
            let id = self
                .create_measure(
                    &caller,
                    &meta,
                    MeasureInput {
                        title: (*title).into(),
                        description: format!(
                            "Beslutad på EST-mötet efter veckans lägesbild. {title}."
                        ),
                        kind: (*kind).into(),
                        due_date: (*due).into(),
                        cost_sek: ((n as i64 + 1) * 7_500).to_string(),
                        unit: Some(unit),
                        places: places.get(n).map(|p| vec![p.id]).unwrap_or_default(),
                        areas: districts
                            .get(n % districts.len().max(1))
                            .map(|a| vec![a.id])
                            .unwrap_or_default(),
                        control_area: districts.last().map(|a| a.id),
                        ..Default::default()
                    },
                )
                .await?;
            for step in *steps {
                let t = Transition::parse(&TransitionInput {
                    action: (*step).into(),
                    planned_date: Some((*due).into()),
                    reason: Some(match *step {
                        "refuse" => "Kamerabevakning kräver tillstånd; problemet bedöms inte uppfylla kraven.".into(),
                        _ => "Marken ägs av annan part; ingen yta finns att flytta till.".into(),
                    }),
                    evidence: Some("Utfört enligt plan; foton före och efter finns hos enheten.".into()),
                    ..Default::default()
                })?;
                self.transition_measure(&caller, &meta, id, t, None).await?;
            }
        }
        Ok(MEASURES.len() + 1)
    }

    async fn demo_unit(&self, org: &str, unit: &str) -> Result<Option<UnitId>> {
        let Some(o) = self.db.organisation_by_name(org).await? else {
            return Ok(None);
        };
        Ok(self
            .db
            .units(o.id)
            .await?
            .into_iter()
            .find(|u| u.name == unit)
            .map(|u| u.id))
    }
}
