//! Exports in the API: the whole selection of `/api/v1/incidents` (same filters, by
//! the same names) as one streamed CSV or GeoJSON file, audited once. Unlike
//! `/api/v1/incidents.geojson`, which answers one page for a map, these hold every
//! incident of the selection and are meant for files and GIS imports.

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use trygg_core::Error;
use trygg_core::incident_export::ExportFormat;
use utoipa::IntoParams;

use crate::context::Ctx;
use crate::pages::exports::streamed;
use crate::pages::incidents::{SelectionText, parse_selection};
use crate::{AppState, WebError};

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only incidents in this area (id; any kind).
    pub area: Option<String>,
    /// Only incidents at this named place (id).
    pub place: Option<String>,
    /// Only this category (code).
    pub category: Option<String>,
    /// From this date (`2026-09-01`, Stockholm) or instant.
    pub from: Option<String>,
    /// Up to and including this date, or before this instant.
    pub to: Option<String>,
    /// Only incidents of this organisation (id).
    pub organisation: Option<String>,
    /// `submitted`, `accepted`, `rejected` or `merged`.
    pub status: Option<String>,
    /// Text in the description or the place text (case-insensitive).
    pub q: Option<String>,
}

async fn export(
    state: &AppState,
    ctx: &Ctx,
    q: ExportQuery,
    format: ExportFormat,
) -> Result<Response, WebError> {
    let s = |v: Option<String>| v.unwrap_or_default();
    let selection = SelectionText {
        area: s(q.area),
        place: s(q.place),
        category: s(q.category),
        from: s(q.from),
        to: s(q.to),
        organisation: s(q.organisation),
        status: s(q.status),
        text: s(q.q),
        order: String::new(),
    };
    let filter = parse_selection(&selection).map_err(|errors| {
        errors
            .into_iter()
            .next()
            .map_or(Error::NotFound, Error::Invalid)
    })?;
    streamed(state, ctx, &filter, format).await
}

/// The selection as CSV for Swedish Excel: UTF-8 with BOM, `;` between cells, CRLF,
/// dates as `YYYY-MM-DD HH:MM` (Stockholm), decimal commas, cells that would start a
/// formula (`=`, `+`, `-`, `@`) prefixed with `'`. Free text is masked as stored, and
/// left out where the caller may not read it. Streamed; audited once.
#[utoipa::path(get, path = "/api/v1/incidents/export.csv", tag = "incidents", params(ExportQuery),
    responses((status = 200, description = "The CSV file (`Content-Disposition: attachment`)", body = String, content_type = "text/csv"),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExportQuery>,
) -> Result<Response, WebError> {
    export(&state, &ctx, q, ExportFormat::Csv).await
}

/// The selection as a GeoJSON FeatureCollection (RFC 7946: WGS84, `[longitude,
/// latitude]`) of the incidents with a position. Properties: `occurred_from`,
/// `occurred_to`, `category`, `category_name`, `organisation`, `severity`,
/// `creates_insecurity`, `status`, `description`. Streamed; audited once.
#[utoipa::path(get, path = "/api/v1/incidents/export.geojson", tag = "incidents", params(ExportQuery),
    responses((status = 200, description = "A GeoJSON FeatureCollection (`Content-Disposition: attachment`)", body = Object, content_type = "application/geo+json"),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn geojson(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExportQuery>,
) -> Result<Response, WebError> {
    export(&state, &ctx, q, ExportFormat::GeoJson).await
}
