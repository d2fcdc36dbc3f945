//! Imports of incidents from CSV files: all or nothing by default, or the good rows
//! with a list of the bad ones. Rows are checked by `trygg_domain::incident::csv_import`,
//! placed in their areas, screened for personal data as their category says, and
//! written in one transaction, so a refused file leaves the database as it was.

use serde_json::json;
use trygg_domain::geo::fold;
use trygg_domain::id::{OrganisationId, PlaceId};
use trygg_domain::incident::csv_import::{
    self, BadRow, CsvFileError, CsvImportError, CsvImportOptions, IncidentRow,
};
use trygg_domain::incident::personal_data;
use trygg_domain::policy::Action;
use trygg_store::Store;
use trygg_store::incident::{IncidentStore, NewIncident};

use crate::actor::draft;
use crate::{Caller, Error, RequestMeta, Trygg};

/// What an import did. `errors` lists the refused rows (with their line numbers).
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub imported: u64,
    /// Rows not imported: bad rows (with `--skip-invalid`) and rows already imported.
    pub skipped: u64,
    pub errors: Vec<BadRow>,
}

/// Why nothing was imported.
#[derive(Debug)]
pub enum ImportRefused {
    /// The file itself is unreadable (not UTF-8, no header, a missing column…).
    File(CsvFileError),
    /// Some rows are bad; with all-or-nothing the whole file is refused.
    Rows(Vec<BadRow>),
    Other(Error),
}

impl From<Error> for ImportRefused {
    fn from(e: Error) -> Self {
        Self::Other(e)
    }
}

impl Trygg {
    /// Imports a CSV file of incidents for `organisation` (rows may name another
    /// organisation in their `organisation` column). `progress(done, total)` is called
    /// while writing.
    pub async fn import_incidents_csv(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        bytes: &[u8],
        skip_invalid: bool,
        organisation: OrganisationId,
        progress: &(dyn Fn(u64, u64) + Send + Sync),
    ) -> std::result::Result<ImportSummary, ImportRefused> {
        caller.require(Action::ImportIncidents)?;
        let now = self.clock.now();
        let (list, categories) = self.category_list().await?;
        let options = CsvImportOptions::new(&list, now);
        let (rows, mut bad) = if skip_invalid {
            let parsed = csv_import::parse_incidents_skip_invalid(bytes, &options)
                .map_err(ImportRefused::File)?;
            (parsed.rows, parsed.bad)
        } else {
            match csv_import::parse_incidents(bytes, &options) {
                Ok(rows) => (rows, Vec::new()),
                Err(CsvImportError::File(f)) => return Err(ImportRefused::File(f)),
                Err(CsvImportError::Rows(bad)) => return Err(ImportRefused::Rows(bad)),
            }
        };
        let organisations = self.db.organisations().await.map_err(Error::from)?;
        let places = self.db.places().await.map_err(Error::from)?;
        let place_keys: Vec<(String, PlaceId)> = places
            .iter()
            .flat_map(|p| {
                std::iter::once(&p.name)
                    .chain(p.aliases.iter())
                    .map(move |n| (fold(n), p.id))
            })
            .collect();
        let areas = self.area_set().await?;

        let mut new = Vec::with_capacity(rows.len());
        let mut refused = Vec::new();
        for row in &rows {
            match self.import_row(
                row,
                &list,
                &categories,
                &organisations,
                &place_keys,
                &areas,
                organisation,
            ) {
                Ok(n) => new.push(n),
                Err(b) => refused.push(b),
            }
        }
        if !refused.is_empty() {
            if !skip_invalid {
                return Err(ImportRefused::Rows(refused));
            }
            bad.extend(refused);
            bad.sort_by_key(|b| b.line);
        }
        let total = new.len() as u64;
        let audit = draft(
            caller,
            meta,
            now,
            "incidents_imported",
            "import",
            None,
            json!({ "rows": total, "bad_rows": bad.len(), "skip_invalid": skip_invalid }),
        );
        let report = move |done: u64| progress(done, total);
        let imported = self
            .db
            .import_incidents(&new, now, audit, &report)
            .await
            .map_err(Error::from)?;
        Ok(ImportSummary {
            imported,
            skipped: total - imported + bad.len() as u64,
            errors: bad,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn import_row(
        &self,
        row: &IncidentRow,
        list: &trygg_domain::incident::CategoryList,
        categories: &[trygg_store::incident::CategoryRow],
        organisations: &[trygg_store::Organisation],
        places: &[(String, PlaceId)],
        areas: &crate::geography::AreaSet,
        default_org: OrganisationId,
    ) -> std::result::Result<NewIncident, BadRow> {
        let bad = |field: &'static str, code: &'static str| BadRow {
            line: row.line,
            field,
            code,
        };
        let category = list
            .get(row.category.as_str())
            .ok_or(bad("category", "unknown_category"))?;
        let category_id = categories
            .iter()
            .find(|c| c.code == category.code.as_str())
            .map(|c| c.id)
            .ok_or(bad("category", "unknown_category"))?;
        let organisation_id = match row
            .organisation
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            Some(name) => {
                let key = fold(name);
                organisations
                    .iter()
                    .find(|o| fold(&o.name) == key)
                    .map(|o| o.id)
                    .ok_or(bad("organisation", "unknown_organisation"))?
            }
            None => default_org,
        };
        let place_id = row.place.as_deref().and_then(|p| {
            let key = fold(p);
            places.iter().find(|(k, _)| *k == key).map(|(_, id)| *id)
        });
        let screened = personal_data::screen(row.description.as_str(), category.pii_policy);
        let mut pii = serde_json::Map::new();
        for (k, n) in screened.counts.nonzero() {
            pii.insert(k.into(), json!(n));
        }
        if screened.flagged {
            pii.insert("flagged".into(), json!(true));
        }
        Ok(NewIncident {
            category_id,
            organisation_id,
            reporter_user_id: None,
            description: screened.text,
            pii_found: serde_json::Value::Object(pii).to_string(),
            occurred_from: row.occurred.start(),
            occurred_to: row.occurred.end(),
            position: Some((row.point.lat(), row.point.lon())),
            place_id,
            location_text: if place_id.is_none() {
                row.place.clone()
            } else {
                None
            },
            severity: i64::from(row.severity.get()),
            creates_insecurity: row.creates_insecurity.unwrap_or(false),
            sharing: "partners",
            source: "import",
            external_id: row.external_id.clone(),
            status: "submitted",
            area_ids: areas.locate_ids(row.point),
        })
    }
}

/// What a police-feed import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoliceImport {
    /// New events of the municipality.
    pub imported: u64,
    /// Events of the municipality that were stored already.
    pub skipped: u64,
    /// Events of other municipalities in the file, left out.
    pub other_municipalities: u64,
}

impl Trygg {
    /// Imports the events of one municipality from a police feed response (idempotent on
    /// the event id). A refused file writes nothing. The events' positions are
    /// municipality or county centroids: they are kept as context and never placed in
    /// areas; an event is linked to a district only when its summary names exactly one.
    pub async fn import_police_feed(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        json: &str,
        municipality: &str,
    ) -> crate::Result<PoliceImport> {
        use trygg_domain::incident::police_feed;
        caller.require(Action::ImportIncidents)?;
        let municipality = municipality.trim();
        if municipality.is_empty() {
            return Err(trygg_domain::Invalid::new("municipality", "required").into());
        }
        let events = police_feed::parse_feed(json)
            .map_err(|e| Error::Invalid(trygg_domain::Invalid::new("file", e.code())))?;
        let districts = self
            .db
            .current_areas(Some(trygg_domain::area::AreaKind::District))
            .await?;
        let names: Vec<&str> = districts.iter().map(|d| d.name.as_str()).collect();
        let mine: Vec<&police_feed::PoliceEvent> =
            police_feed::events_in(&events, municipality).collect();
        let new: Vec<trygg_store::incident::NewPoliceEvent> = mine
            .iter()
            .map(|e| trygg_store::incident::NewPoliceEvent {
                id: e.id.0,
                occurred_at: e.occurred(),
                event_type: e.event_type.clone(),
                name: e.name.clone(),
                summary: e.summary.clone(),
                url: e.absolute_url(),
                location_name: e.location_name.clone(),
                municipality: municipality.to_owned(),
                centroid: Some((e.centroid.lat(), e.centroid.lon())),
                district_area_id: police_feed::linked_district(&e.summary, &names)
                    .and_then(|n| districts.iter().find(|d| d.name == n).map(|d| d.id)),
            })
            .collect();
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "police_events_imported",
            "import",
            None,
            json!({ "municipality": municipality, "events": new.len() }),
        );
        let imported = self.db.import_police_events(&new, now, audit).await?;
        Ok(PoliceImport {
            imported,
            skipped: new.len() as u64 - imported,
            other_municipalities: (events.len() - mine.len()) as u64,
        })
    }
}
