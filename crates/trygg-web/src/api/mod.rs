//! The JSON API under `/api/v1`. Its contract is the OpenAPI document generated here,
//! served at `/api/v1/openapi.json`, printed by `trygg openapi`, and committed as
//! `openapi.json` (a test keeps the three identical). Errors are
//! `{"error": {"code", "message", "request_id"}}` with stable codes.

pub mod auth;
pub mod directory;
pub mod exports;
pub mod geography;
pub mod health;
pub mod incidents;
pub mod lagesbild;
pub mod me;
pub mod measures;
pub mod photos;
pub mod plans;
pub mod promises;
pub mod publications;
pub mod walks;

use axum::Json;
use axum::response::IntoResponse;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use auth::SecuritySchemes;

/// The error body of every failed API call.
#[derive(Serialize, ToSchema)]
pub struct ApiError {
    pub error: ApiErrorBody,
}

#[derive(Serialize, ToSchema)]
pub struct ApiErrorBody {
    /// A stable snake_case code, e.g. `forbidden`, `unauthenticated`, `not_found`.
    pub code: String,
    /// A human-readable message in the requested language.
    pub message: String,
    /// Quote this when reporting a problem; it is in the server log too.
    pub request_id: String,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Trygg API",
        description = "Trygg: municipal safety and crime-prevention work. People sign in through /login and the API uses the same session cookie; requests that change data need the X-CSRF-Token header. Integrations use an organisation's API token instead (`Authorization: Bearer trygg_…`, no CSRF header), with only the scopes each operation lists.",
        license(name = "EUPL-1.2"),
        version = "1"
    ),
    paths(
        health::healthz,
        health::readyz,
        me::me,
        directory::organisations,
        directory::users,
        geography::areas,
        geography::areas_geojson,
        geography::area,
        geography::places,
        geography::create_place,
        geography::update_place,
        incidents::list,
        incidents::geojson,
        incidents::one,
        incidents::create,
        incidents::review,
        measures::list,
        measures::create,
        measures::one,
        measures::transition,
        measures::comment,
        plans::list,
        plans::one,
        plans::versions,
        plans::version,
        photos::list,
        photos::upload,
        photos::one,
        exports::csv,
        exports::geojson,
        lagesbild::picture,
        publications::list,
        publications::one,
        walks::list,
        walks::one,
        walks::create,
        walks::update,
        walks::observe,
        walks::route,
        walks::answer,
        walks::published,
        walks::published_one,
        promises::list,
        promises::one
    ),
    modifiers(&SecuritySchemes),
    components(schemas(ApiError, ApiErrorBody))
)]
pub struct ApiDoc;

/// The OpenAPI document as pretty JSON, with a final newline (as committed).
pub fn openapi_document() -> String {
    let mut s = ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

pub async fn openapi_json() -> impl IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        openapi_document(),
    )
}

/// Shorthand for handlers.
pub type ApiResult<T> = Result<Json<T>, crate::WebError>;
