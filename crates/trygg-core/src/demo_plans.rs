//! The demo's agreement and plans: Linköping's samverkansöverenskommelse with the police
//! and its three priority areas, an activity plan whose activities are the demo's
//! measures, the local BF groups of Skäggetorp and Berga with their plans, and one
//! decided åtgärdsplan version. Needs the demo's organisations, districts and measures.

use trygg_domain::area::AreaKind;
use trygg_domain::measure::MeasureId;
use trygg_domain::plan::{AgreementInput, DecisionInput, LINKOPING_PRIORITY_AREAS};
use trygg_store::Store;
use trygg_store::measure::{MeasureFilter, MeasureStore, MeasureVisibility};
use trygg_store::plan::PlanStore;

use crate::measures::local_date;
use crate::plans::{ActivityInput, BfGroupInput, NewAgreementInput};
use crate::{Caller, RequestMeta, Result, Trygg};

/// (measure title, priority area index, BF group name or `None` for the agreement's plan)
const ACTIVITIES: &[(&str, usize, Option<&str>)] = &[
    ("Ordningsvakter vid resecentrum", 1, None),
    ("Kamerabevakning av torget", 0, None),
    ("Fältarbetare kvällstid fredag och lördag", 2, None),
    ("Byt trasig belysning i gångtunneln", 1, None),
    (
        "Sanera klotter på fasader och el-skåp",
        1,
        Some("Lokal BF-grupp Skäggetorp"),
    ),
    (
        "Flytta återvinningsstationen",
        1,
        Some("Lokal BF-grupp Skäggetorp"),
    ),
    (
        "Röj buskage längs gångvägen",
        1,
        Some("Lokal BF-grupp Berga"),
    ),
];

/// (group name, district, member organisations)
const GROUPS: &[(&str, &str, &[&str])] = &[
    (
        "Lokal BF-grupp Skäggetorp",
        "Skäggetorp",
        &[
            "Linköpings kommun",
            "Polisen, lokalpolisområde Linköping",
            "AB Stångåstaden",
            "Räddningstjänsten Östra Götaland",
        ],
    ),
    (
        "Lokal BF-grupp Berga",
        "Berga",
        &[
            "Linköpings kommun",
            "Polisen, lokalpolisområde Linköping",
            "AB Stångåstaden",
        ],
    ),
];

impl Trygg {
    /// Loads the demo's agreement and plans once (nothing if an agreement exists).
    pub(crate) async fn load_demo_plans(&self) -> Result<usize> {
        if !self.db.agreements().await?.is_empty() {
            return Ok(0);
        }
        let (Some(kommun), Some(polisen)) = (
            self.db.organisation_by_name("Linköpings kommun").await?,
            self.db
                .organisation_by_name("Polisen, lokalpolisområde Linköping")
                .await?,
        ) else {
            return Ok(0);
        };
        let caller = Caller::System;
        let meta = RequestMeta::cli();
        let today = local_date(self.clock.now());
        let year = today.year();
        let agreement = self
            .create_agreement(
                &caller,
                &meta,
                &NewAgreementInput {
                    agreement: AgreementInput {
                        title: format!(
                            "Samverkansöverenskommelse mellan Linköpings kommun och Polisen {}–{}",
                            year,
                            year + 1
                        ),
                        parties: vec![kommun.id.0, polisen.id.0],
                        period_start: format!("{year}-01-01"),
                        period_end: format!("{}-12-31", year + 1),
                        problems: "Organiserad brottslighet som etablerar sig i bostadsområden.\n\n\
                                   Otrygghet och brott i offentlig miljö: klotter, skadegörelse och \
                                   mörka platser i centrum, Skäggetorp och Berga.\n\n\
                                   Ungdomar som rekryteras till kriminalitet."
                            .into(),
                        causes: "Enligt lägesbilden: mörka och igenvuxna gångstråk, tillhåll kvällstid \
                                 och bristande vuxennärvaro på helger."
                            .into(),
                        goals: "Andelen boende som känner sig otrygga ute sent på kvällen ska minska \
                                med 5 procentenheter (polisens trygghetsmätning).\n\n\
                                Klotter som anmäls ska vara sanerat inom 48 timmar i 90 procent av fallen."
                            .into(),
                        follow_up: "Aktiviteterna följs upp tertialvis i styrgruppen utifrån \
                                    åtgärdernas status i Trygg och veckans lägesbild; en samlad \
                                    uppföljning görs i december."
                            .into(),
                        signatories: "Kommunstyrelsens ordförande, Linköpings kommun\n\
                                      Lokalpolisområdeschef, lokalpolisområde Linköping"
                            .into(),
                    },
                    priority_areas: LINKOPING_PRIORITY_AREAS.join("\n"),
                },
            )
            .await?;
        let areas = self.db.priority_areas(agreement).await?;
        let districts = self.db.current_areas(Some(AreaKind::District)).await?;
        for (name, district, members) in GROUPS {
            let mut ids = Vec::new();
            for m in *members {
                if let Some(o) = self.db.organisation_by_name(m).await? {
                    ids.push(o.id.0);
                }
            }
            let group = self
                .create_bf_group(
                    &caller,
                    &meta,
                    &BfGroupInput {
                        name: (*name).into(),
                        area: districts
                            .iter()
                            .find(|a| a.name == *district)
                            .map(|a| a.id.to_string())
                            .unwrap_or_default(),
                        description: format!(
                            "Polis, kommun, räddningstjänst och fastighetsägare i {district} \
                             träffas varannan vecka."
                        ),
                        members: ids,
                    },
                )
                .await?;
            self.create_local_plan(&caller, &meta, agreement, &group.to_string(), "")
                .await?;
        }
        let plans = self.db.activity_plans(Some(agreement), None).await?;
        let measures = self
            .db
            .measures(&MeasureFilter {
                visibility: MeasureVisibility {
                    all: true,
                    ..Default::default()
                },
                today: today.to_string(),
                limit: 1000,
                ..Default::default()
            })
            .await?;
        let mut added = 0;
        for (title, area, group) in ACTIVITIES {
            let (Some(m), Some(a)) = (
                measures.iter().find(|m| m.values.title == *title),
                areas.get(*area),
            ) else {
                continue;
            };
            let Some(plan) = plans.iter().find(|p| p.bf_group_name.as_deref() == *group) else {
                continue;
            };
            let id: MeasureId = m.id;
            self.add_activity(
                &caller,
                &meta,
                agreement,
                &ActivityInput {
                    plan: plan.id.to_string(),
                    priority_area: a.id.to_string(),
                    measure: id.to_string(),
                    note: String::new(),
                },
            )
            .await?;
            added += 1;
        }
        // One decided version, made by the demo's coordinator and decided today by
        // Kommunstyrelsen.
        if let Some(user) = self
            .db
            .user_by_email("samordnare@linkoping.example")
            .await?
        {
            let organisation = self
                .db
                .organisation(user.organisation_id)
                .await?
                .ok_or(crate::Error::NotFound)?;
            let version = self
                .freeze_action_plan(&caller, &meta, agreement, &user, &organisation.name)
                .await?;
            self.decide_action_plan(
                &caller,
                &meta,
                version,
                &DecisionInput {
                    decided_on: today.to_string(),
                    body: "Kommunstyrelsen".into(),
                    diary_number: format!("KS {year}-0412"),
                },
            )
            .await?;
        }
        Ok(added)
    }
}
