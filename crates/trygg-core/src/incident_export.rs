//! Exports of incidents: CSV for Swedish Excel and GeoJSON (RFC 7946). Both follow the
//! caller's filter and the sharing rules (the same `Visibility` as every list, with the
//! same masking of free text), stream page by page instead of holding the selection in
//! memory, and are audited once, with the filter and the count, before data leaves:
//! an export whose audit entry cannot be written delivers nothing. The command line
//! writes to a file; the web answers with a streamed body fed by
//! [`IncidentExport::next_chunk`].

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

    pub fn code(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::GeoJson => "geojson",
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

/// The writer of one format, writing into a buffer that is emptied after each page.
enum Writer {
    Csv(CsvExport<Vec<u8>>),
    GeoJson(GeoJsonExport<Vec<u8>>),
}

/// An export under way: the selection is read a page at a time (keyset paging by id)
/// and each page becomes one chunk of output, so neither the rows nor the file are
/// ever held whole. Made by [`Trygg::start_export`]; the audit entry is written
/// before the first chunk leaves.
pub struct IncidentExport {
    trygg: Trygg,
    caller: Caller,
    page: IncidentFilter,
    /// The first page, read when the export started (to count and audit it).
    first: Option<Vec<IncidentRow>>,
    writer: Option<Writer>,
    total: i64,
    written: u64,
}

impl std::fmt::Debug for IncidentExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncidentExport")
            .field("total", &self.total)
            .field("written", &self.written)
            .finish()
    }
}

fn io(e: std::io::Error) -> Error {
    Error::Internal(format!("export write failed: {e}"))
}

impl IncidentExport {
    /// How many incidents the selection held when the export started.
    pub fn total(&self) -> i64 {
        self.total
    }

    /// How many incidents have been written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    /// The next chunk of the file, or `None` when it is complete.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        let Some(mut writer) = self.writer.take() else {
            return Ok(None);
        };
        let rows = match self.first.take() {
            Some(rows) => rows,
            None => self.trygg.incidents(&self.caller, &self.page).await?.0,
        };
        let last_page = (rows.len() as i64) < MAX_PAGE;
        if let Some(last) = rows.last() {
            self.page.after_id = Some(last.id);
        }
        for r in &rows {
            match &mut writer {
                Writer::Csv(w) => w
                    .row(&csv_cells(r).iter().map(String::as_str).collect::<Vec<_>>())
                    .map_err(io)?,
                Writer::GeoJson(w) => {
                    if let Some((lat, lon)) = r.position
                        && let Ok(p) = Wgs84::new(lat, lon)
                    {
                        w.feature(&geojson_feature(r.id.0, p, properties(r)))
                            .map_err(io)?;
                    }
                }
            }
            self.written += 1;
        }
        if last_page {
            return Ok(Some(match writer {
                Writer::Csv(w) => w.finish().map_err(io)?,
                Writer::GeoJson(w) => w.finish().map_err(io)?,
            }));
        }
        let chunk = match &mut writer {
            Writer::Csv(w) => std::mem::take(w.get_mut()),
            Writer::GeoJson(w) => std::mem::take(w.get_mut()),
        };
        self.writer = Some(writer);
        Ok(Some(chunk))
    }
}

impl Trygg {
    /// Starts an export of the selection the caller may see: checks access, reads the
    /// first page (which also counts the selection) and writes the audit entry with the
    /// filter and the count, before any data leaves. The rows come as
    /// [`IncidentExport::next_chunk`] is called.
    pub async fn start_export(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        filter: &IncidentFilter,
        format: ExportFormat,
    ) -> Result<IncidentExport> {
        caller.require(Action::ExportIncidents)?;
        let page = IncidentFilter {
            order: IncidentOrder::IdAscending,
            limit: MAX_PAGE,
            offset: 0,
            after_id: None,
            ..filter.clone()
        };
        let (first, total) = self.incidents(caller, &page).await?;
        let writer = match format {
            ExportFormat::Csv => {
                let mut w = CsvExport::new(Vec::new());
                w.row(&CSV_HEADER).map_err(io)?;
                Writer::Csv(w)
            }
            ExportFormat::GeoJson => Writer::GeoJson(GeoJsonExport::new(Vec::new())),
        };
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "incidents_exported",
            "export",
            None,
            json!({ "format": format.code(), "incidents": total,
                    "filter": {
                        "from": filter.from.map(|t| t.rfc3339()), "to": filter.to.map(|t| t.rfc3339()),
                        "area": filter.area.map(|a| a.0), "place": filter.place.map(|p| p.0),
                        "category": filter.category_code, "organisation": filter.organisation.map(|o| o.0),
                        "status": filter.status, "text": filter.text.is_some(),
                    } }),
        );
        self.db.append_audit(audit).await?;
        Ok(IncidentExport {
            trygg: self.clone(),
            caller: caller.clone(),
            page,
            first: Some(first),
            writer: Some(writer),
            total,
            written: 0,
        })
    }

    /// Writes every incident of the selection the caller may see; returns how many.
    pub async fn export_incidents(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        filter: &IncidentFilter,
        format: ExportFormat,
        mut out: impl Write,
    ) -> Result<u64> {
        let mut export = self.start_export(caller, meta, filter, format).await?;
        while let Some(chunk) = export.next_chunk().await? {
            out.write_all(&chunk).map_err(io)?;
        }
        out.flush().map_err(io)?;
        Ok(export.written())
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
