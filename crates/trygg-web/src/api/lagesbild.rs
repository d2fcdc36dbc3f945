//! The weekly lägesbild as JSON: the same `WeeklyPicture` the page renders (and a
//! published snapshot stores), for integrations and the partners' own tools.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use trygg_domain::area::AreaKind;
use trygg_domain::id::AreaId;
use utoipa::IntoParams;

use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;
use crate::pages::lagesbild::{parse_area, parse_week};

#[derive(Deserialize, IntoParams)]
pub struct PictureQuery {
    /// An area id (any kind); the municipality when left out.
    area: Option<String>,
    /// An ISO week, `2026-W47`; the last whole week when left out.
    week: Option<String>,
}

/// The weekly picture of one area and ISO week (Europe/Stockholm): headline figures,
/// the table by category with last week, the 4-week mean and the same week last year
/// (changes flagged by the exact conditional Poisson test with the Benjamini–Hochberg
/// correction, the test named in `trend.test`), 12-week sparklines, Gi* hot-spot cells
/// (bin ≠ 0) on a 200 m SWEREF 99 TM grid, the aoristic hour-of-week heatmap
/// (`heatmap.cells[day][hour]`, Monday first), notable incidents (masked text),
/// police events as context and open measures. Counts follow the caller's sharing
/// rules; rejected incidents never count, merged duplicates once.
#[utoipa::path(get, path = "/api/v1/lagesbild", tag = "lagesbild", params(PictureQuery),
    responses((status = 200, description = "The WeeklyPicture", body = Object),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError),
        (status = 422, description = "`lagesbild_invalid_week` or `lagesbild_unknown_area`", body = super::ApiError)))]
pub async fn picture(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PictureQuery>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let groups = state.trygg.lagesbild_areas(&caller).await?;
    let known: Vec<AreaId> = groups
        .iter()
        .flat_map(|(_, v)| v.iter().map(|a| a.id))
        .collect();
    let area = parse_area(q.area.as_deref(), &known).map_err(trygg_core::Error::Invalid)?;
    let week = parse_week(q.week.as_deref()).map_err(trygg_core::Error::Invalid)?;
    let area = match area {
        Some(a) => a,
        None => groups
            .iter()
            .find(|(k, _)| *k == AreaKind::Kommun)
            .or(groups.first())
            .and_then(|(_, v)| v.first())
            .map(|a| a.id)
            .ok_or(trygg_core::Error::NotFound)?,
    };
    let week = match week {
        Some(w) => w,
        None => state.trygg.default_lagesbild_week()?,
    };
    let picture = state.trygg.weekly_picture(&caller, area, week).await?;
    Ok(Json(picture).into_response())
}
