//! Exports of incidents: CSV for Swedish Excel and GeoJSON (RFC 7946). Both follow the
//! caller's filter and the sharing rules (the same `Visibility` as every list), stream
//! page by page instead of holding the selection in memory, and are audited.

use std::io::Write;

use serde_json::json;
use trygg_domain::geo::Wgs84;
use trygg_domain::incident::csv_export::{CsvExport, excel_decimal, excel_time};
use trygg_domain::incident::geojson_export::{GeoJsonExport, geojson_feature};
use trygg_domain::policy::Action;
use trygg_store::Store;
use trygg_store::incident::{IncidentFilter, IncidentOrder, IncidentRow};

use crate::actor::draft;
use crate::incidents::MAX_PAGE;
use crate::{Caller, Error, RequestMeta, Result, Trygg};

/// The two export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    GeoJson,
}

impl ExportFormat {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "geojson" | "json" => Ok(Self::GeoJson),
            _ => Err(trygg_domain::Invalid::new("format", "unknown_format").into()),
        }
    }
}

const CSV_HEADER: [&str; 14] = [
    "id",
    "inträffade",
    "inträffade_till",
    "kategori",
    "kategorinamn",
    "organisation",
    "allvarlighet",
    "skapar_otrygghet",
    "status",
    "lat",
    "lon",
    "plats",
    "beskrivning",
    "delning",
];

impl Trygg {
    /// Writes every incident of the selection the caller may see; returns how many.
    pub async fn export_incidents(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        filter: &IncidentFilter,
        format: ExportFormat,
        out: impl Write,
    ) -> Result<u64> {
        caller.require(Action::ExportIncidents)?;
        let io = |e: std::io::Error| Error::Internal(format!("export write failed: {e}"));
        let mut page = IncidentFilter {
            order: IncidentOrder::IdAscending,
            limit: MAX_PAGE,
            offset: 0,
            after_id: None,
            ..filter.clone()
        };
        let mut count = 0u64;
        let mut csv = None;
        let mut geo = None;
        match format {
            ExportFormat::Csv => {
                let mut w = CsvExport::new(out);
                w.row(&CSV_HEADER).map_err(io)?;
                csv = Some(w);
            }
            ExportFormat::GeoJson => geo = Some(GeoJsonExport::new(out)),
        }
        loop {
            let (rows, _) = self.incidents(caller, &page).await?;
            let Some(last) = rows.last() else { break };
            page.after_id = Some(last.id);
            for r in &rows {
                if let Some(w) = csv.as_mut() {
                    w.row(&csv_cells(r).iter().map(String::as_str).collect::<Vec<_>>())
                        .map_err(io)?;
                }
                if let (Some(w), Some((lat, lon))) = (geo.as_mut(), r.position)
                    && let Ok(p) = Wgs84::new(lat, lon)
                {
                    w.feature(&geojson_feature(r.id.0, p, properties(r)))
                        .map_err(io)?;
                }
                count += 1;
            }
            if (rows.len() as i64) < MAX_PAGE {
                break;
            }
        }
        if let Some(w) = csv {
            w.finish().map_err(io)?;
        }
        if let Some(w) = geo {
            w.finish().map_err(io)?;
        }
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "incidents_exported",
            "export",
            None,
            json!({ "format": if format == ExportFormat::Csv { "csv" } else { "geojson" }, "incidents": count,
                    "from": filter.from.map(|t| t.rfc3339()), "to": filter.to.map(|t| t.rfc3339()),
                    "area": filter.area.map(|a| a.0), "category": filter.category_code }),
        );
        self.db.append_audit(audit).await?;
        Ok(count)
    }
}

fn csv_cells(r: &IncidentRow) -> Vec<String> {
    vec![
        r.id.0.to_string(),
        excel_time(r.occurred_from),
        r.occurred_to.map(excel_time).unwrap_or_default(),
        r.category_code.clone(),
        r.category_sv.clone(),
        r.organisation_name.clone(),
        r.severity.to_string(),
        if r.creates_insecurity { "ja" } else { "nej" }.into(),
        r.status.clone(),
        r.position
            .map(|p| excel_decimal(p.0, 6))
            .unwrap_or_default(),
        r.position
            .map(|p| excel_decimal(p.1, 6))
            .unwrap_or_default(),
        r.location_text.clone().unwrap_or_default(),
        r.description.clone(),
        r.sharing.clone(),
    ]
}

fn properties(r: &IncidentRow) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("occurred_from".into(), json!(r.occurred_from.rfc3339()));
    m.insert(
        "occurred_to".into(),
        json!(r.occurred_to.map(|t| t.rfc3339())),
    );
    m.insert("category".into(), json!(r.category_code));
    m.insert("category_name".into(), json!(r.category_sv));
    m.insert("organisation".into(), json!(r.organisation_name));
    m.insert("severity".into(), json!(r.severity));
    m.insert("creates_insecurity".into(), json!(r.creates_insecurity));
    m.insert("status".into(), json!(r.status));
    m.insert("description".into(), json!(r.description));
    m
}
