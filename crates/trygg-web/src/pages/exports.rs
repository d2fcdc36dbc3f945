//! Downloads of the incident list's current selection: CSV for Swedish Excel and
//! GeoJSON, from the list page (Swedish query names, as the list) and the API (English
//! names, as `/api/v1/incidents`).
//!
//! The body is streamed: the core reads the selection a page at a time (keyset paging)
//! and each page is sent as one chunk, so a large export never sits whole in memory.
//! Access, sharing, masking and the one audit entry per export are the core's
//! (`trygg_core::incident_export`), the same as at the command line.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trygg_core::incident_export::ExportFormat;
use trygg_domain::incident::when::stockholm;
use trygg_store::incident::IncidentFilter;

use super::incidents::{SelectionText, parse_selection, query_string};
use super::{PageResult, see_other};
use crate::AppState;
use crate::context::Ctx;

/// The list page's filter, by the list's (Swedish) names; sorting and paging do not
/// apply to an export, which holds the whole selection by id.
#[derive(Deserialize, Default)]
pub struct ExportQuery {
    omrade: Option<String>,
    plats: Option<String>,
    kategori: Option<String>,
    fran: Option<String>,
    till: Option<String>,
    organisation: Option<String>,
    status: Option<String>,
    fritext: Option<String>,
}

impl ExportQuery {
    fn selection(&self) -> SelectionText {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        SelectionText {
            area: s(&self.omrade),
            place: s(&self.plats),
            category: s(&self.kategori),
            from: s(&self.fran),
            to: s(&self.till),
            organisation: s(&self.organisation),
            status: s(&self.status),
            text: s(&self.fritext),
            order: String::new(),
        }
    }
}

/// The list page's query for a selection (for the export links beside the list).
pub fn list_query(s: &SelectionText) -> String {
    query_string(&[
        ("omrade", &s.area),
        ("plats", &s.place),
        ("kategori", &s.category),
        ("fran", &s.from),
        ("till", &s.to),
        ("organisation", &s.organisation),
        ("status", &s.status),
        ("fritext", &s.text),
    ])
}

/// The file name: what and when, in Swedish, e.g. `incidenter-2026-11-25.csv`.
fn file_name(state: &AppState, format: ExportFormat) -> String {
    let now = state.trygg.clock.now().timestamp();
    let day = stockholm()
        .map(|tz| now.to_zoned(tz.clone()).date().to_string())
        .unwrap_or_else(|| now.to_string().chars().take(10).collect());
    let ext = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::GeoJson => "geojson",
    };
    format!("incidenter-{day}.{ext}")
}

/// Starts the export (access check, count, audit) and answers with its streamed body.
/// An error before the first byte is an ordinary error answer; one after it (the
/// database went away mid-export) cuts the download short, which the client sees.
pub async fn streamed(
    state: &AppState,
    ctx: &Ctx,
    filter: &IncidentFilter,
    format: ExportFormat,
) -> Result<Response, crate::WebError> {
    let export = state
        .trygg
        .start_export(&ctx.caller(), &ctx.meta(), filter, format)
        .await?;
    let request_id = ctx.request_id.clone();
    let chunks = futures_util::stream::unfold(Some(export), move |export| {
        let request_id = request_id.clone();
        async move {
            let mut export = export?;
            match export.next_chunk().await {
                Ok(Some(chunk)) => Some((Ok::<_, std::io::Error>(chunk), Some(export))),
                Ok(None) => None,
                Err(e) => {
                    tracing::error!(error = ?e, id = %request_id, "export failed mid-stream");
                    Some((Err(std::io::Error::other("export failed")), None))
                }
            }
        }
    });
    let content_type = match format {
        ExportFormat::Csv => "text/csv; charset=utf-8",
        ExportFormat::GeoJson => "application/geo+json",
    };
    let mut res = Body::from_stream(chunks).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        file_name(state, format)
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    *res.status_mut() = StatusCode::OK;
    Ok(res)
}

async fn page_export(
    state: &AppState,
    ctx: &Ctx,
    q: &ExportQuery,
    format: ExportFormat,
) -> PageResult {
    let selection = q.selection();
    match parse_selection(&selection) {
        Ok(filter) => streamed(state, ctx, &filter, format).await,
        // The list shows what is wrong with the filter, by field, in Swedish.
        Err(_) => Ok(see_other(&format!(
            "/incidenter?{}",
            list_query(&selection)
        ))),
    }
}

/// `GET /incidenter/export.csv`: the list's selection for Excel.
pub async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExportQuery>,
) -> PageResult {
    page_export(&state, &ctx, &q, ExportFormat::Csv).await
}

/// `GET /incidenter/export.geojson`: the list's selection for GIS.
pub async fn geojson(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExportQuery>,
) -> PageResult {
    page_export(&state, &ctx, &q, ExportFormat::GeoJson).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_query_keeps_the_filter_and_drops_empty_fields() {
        let s = SelectionText {
            area: "3".into(),
            text: "klotter på vägg".into(),
            order: "oldest".into(),
            ..Default::default()
        };
        assert_eq!(list_query(&s), "omrade=3&fritext=klotter+p%C3%A5+v%C3%A4gg");
    }
}
