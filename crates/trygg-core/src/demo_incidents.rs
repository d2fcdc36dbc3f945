//! The demo's EST reports: 18 months of synthetic but realistic incidents from every
//! partner (fixed seed, `trygg_domain::incident::demo_data`), filed as weekly reports,
//! and the real sample of the police's events feed.

use std::collections::BTreeMap;

use serde_json::json;
use trygg_domain::incident::demo_data::{self, DemoSpec};
use trygg_domain::incident::personal_data;
use trygg_domain::organisation::OrganisationKind;
use trygg_store::Store;
use trygg_store::incident::{IncidentFilter, IncidentStore, NewIncident, NewReport, Visibility};

use crate::actor::draft;
use crate::{Caller, Error, RequestMeta, Result, Trygg};

/// The police events sample (a real response of polisen.se/api/events, 2026-08-22).
const POLICE_SAMPLE: &str =
    include_str!("../../../data/polisen/api_events_response_2026-08-22T1754Z.json");

/// The seed: the same demo every time (for the same end date).
const SEED: u64 = 580;

/// Reviewed by the coordinator: everything older than this many days.
const REVIEWED_AFTER_DAYS: i64 = 10;

impl Trygg {
    /// Loads the demo incidents once: nothing happens when incidents exist already.
    pub(crate) async fn load_demo_incidents(
        &self,
        partners: impl Iterator<Item = (&str, OrganisationKind)>,
    ) -> Result<u64> {
        let any = self
            .db
            .incidents(
                &IncidentFilter {
                    limit: 1,
                    ..Default::default()
                },
                Visibility {
                    all: true,
                    ..Default::default()
                },
            )
            .await?;
        if any.1 > 0 {
            return Ok(0);
        }
        let now = self.clock.now();
        let today = now
            .timestamp()
            .to_zoned(
                jiff::tz::TimeZone::get(trygg_domain::time::STOCKHOLM)
                    .map_err(|e| Error::Internal(e.to_string()))?,
            )
            .date();
        let mut orgs = Vec::new();
        for (name, kind) in partners {
            let org = self
                .db
                .organisation_by_name(name)
                .await?
                .ok_or(Error::NotFound)?;
            orgs.push((org, kind));
        }
        let kinds: Vec<OrganisationKind> = orgs.iter().map(|(_, k)| *k).collect();
        let generated = demo_data::generate(&DemoSpec::linkoping(SEED, today, &kinds));
        let (list, categories) = self.category_list().await?;
        let areas = self.area_set().await?;
        let users = self.db.users().await?;

        // One report per organisation and ISO week, by the organisation's reporter.
        let mut reports: BTreeMap<(usize, i16, i8), Vec<NewIncident>> = BTreeMap::new();
        for d in &generated {
            let Some(category) = list.get(d.category.as_str()) else {
                continue;
            };
            let Some(category_id) = categories
                .iter()
                .find(|c| c.code == category.code.as_str())
                .map(|c| c.id)
            else {
                continue;
            };
            let (org, _) = &orgs[d.reporter_org_index];
            let screened = personal_data::screen(&d.description, category.pii_policy);
            let mut pii = serde_json::Map::new();
            for (k, n) in screened.counts.nonzero() {
                pii.insert(k.into(), json!(n));
            }
            let start = d.occurred.start();
            let reviewed = now.seconds_since(start) > REVIEWED_AFTER_DAYS * 86_400;
            let week = start
                .timestamp()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date()
                .iso_week_date();
            reports
                .entry((d.reporter_org_index, week.year(), week.week()))
                .or_default()
                .push(NewIncident {
                    category_id,
                    organisation_id: org.id,
                    reporter_user_id: None,
                    description: screened.text,
                    pii_found: serde_json::Value::Object(pii).to_string(),
                    occurred_from: start,
                    occurred_to: d.occurred.end(),
                    position: Some((d.point.lat(), d.point.lon())),
                    place_id: None,
                    location_text: None,
                    severity: i64::from(d.severity.get()),
                    creates_insecurity: d.creates_insecurity,
                    sharing: "partners",
                    source: "form",
                    external_id: None,
                    status: if reviewed { "accepted" } else { "submitted" },
                    area_ids: areas.locate_ids(d.point),
                });
        }
        let mut total = 0;
        for ((org_index, _, _), incidents) in reports {
            let (org, _) = &orgs[org_index];
            let reporter = users
                .iter()
                .find(|u| {
                    u.organisation_id == org.id
                        && u.roles.contains(&trygg_domain::account::Role::Rapportor)
                })
                .or_else(|| users.iter().find(|u| u.organisation_id == org.id))
                .map(|u| u.id);
            let submitted = incidents
                .iter()
                .map(|i| i.occurred_to.unwrap_or(i.occurred_from))
                .max()
                .unwrap_or(now)
                .min(now);
            let n = incidents.len();
            let incidents = incidents
                .into_iter()
                .map(|i| NewIncident {
                    reporter_user_id: reporter,
                    ..i
                })
                .collect();
            let audit = draft(
                &Caller::System,
                &RequestMeta::cli(),
                now,
                "report_filed",
                "report",
                None,
                json!({ "incidents": n, "demo": true }),
            );
            self.db
                .submit_report(
                    &NewReport {
                        organisation_id: org.id,
                        reporter_user_id: reporter,
                        submitted_at: submitted,
                        idempotency_key: None,
                        api_token_id: None,
                        incidents,
                        photos: Vec::new(),
                    },
                    audit,
                )
                .await?;
            total += n as u64;
        }
        self.import_police_feed(
            &Caller::System,
            &RequestMeta::cli(),
            POLICE_SAMPLE,
            "Linköping",
        )
        .await?;
        Ok(total)
    }
}
