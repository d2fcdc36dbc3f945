//! Published lägesbilder as JSON: the list, and one publication with its stored snapshot
//! (the frozen `WeeklyPicture` and the meeting's decisions) and whether it still matches
//! its SHA-256. Read only; publishing is done on the meeting page.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use trygg_core::est_meeting::Integrity;
use trygg_domain::id::AreaId;
use trygg_store::est_meeting::PublicationSummary;
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::context::Ctx;
use crate::error::WebError;

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only this area's publications.
    area: Option<i64>,
}

/// One publication without its snapshot.
#[derive(Serialize, ToSchema)]
pub struct PublicationDto {
    pub id: i64,
    pub area_id: i64,
    /// ISO week, `2026-W47`.
    pub week: String,
    /// 1 for the first publication of the area and week, then 2, 3…
    pub version: i64,
    /// Hex SHA-256 of the stored canonical JSON snapshot.
    pub sha256: String,
    /// Whether the aggregated public version was opened.
    pub public: bool,
    pub published_by: String,
    /// RFC 3339, UTC.
    pub published_at: String,
}

impl From<&PublicationSummary> for PublicationDto {
    fn from(p: &PublicationSummary) -> Self {
        Self {
            id: p.id,
            area_id: p.key.area.0,
            week: format!("{}-W{:02}", p.key.year, p.key.week),
            version: p.version,
            sha256: p.sha256.clone(),
            public: p.public,
            published_by: p.published_by_name.clone(),
            published_at: p.published_at.rfc3339(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PublicationsDto {
    pub publications: Vec<PublicationDto>,
}

/// One publication with its snapshot.
#[derive(Serialize, ToSchema)]
pub struct PublishedDto {
    pub publication: PublicationDto,
    /// `true` when the stored snapshot still has its SHA-256; `false` means it was changed
    /// after publication, and `snapshot` is then null.
    pub verified: bool,
    /// The frozen picture and meeting (`format`, `published_at`, `published_by`,
    /// `picture`: the WeeklyPicture as `GET /api/v1/lagesbild` returns it, `meeting`).
    /// Participants' names only for roles that may read the draft picture.
    #[schema(value_type = Object)]
    pub snapshot: Option<serde_json::Value>,
}

/// Published pictures, newest week first (at most 500).
#[utoipa::path(get, path = "/api/v1/lagesbild/publications", tag = "lagesbild", params(ListQuery),
    responses((status = 200, body = PublicationsDto),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    let list = state
        .trygg
        .published_lagesbilder(&ctx.caller(), q.area.map(AreaId))
        .await?;
    Ok(Json(PublicationsDto {
        publications: list.iter().map(PublicationDto::from).collect(),
    })
    .into_response())
}

/// One published picture: its stored snapshot, checked against its SHA-256.
#[utoipa::path(get, path = "/api/v1/lagesbild/publications/{id}", tag = "lagesbild",
    params(("id" = i64, Path, description = "Publication id")),
    responses((status = 200, body = PublishedDto),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 404, body = super::ApiError)))]
pub async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, WebError> {
    let p = state.trygg.published_lagesbild(&ctx.caller(), id).await?;
    let snapshot = match &p.snapshot {
        Some(s) => Some(
            serde_json::to_value(s)
                .map_err(|e| trygg_core::Error::Internal(format!("snapshot json: {e}")))?,
        ),
        None => None,
    };
    Ok(Json(PublishedDto {
        publication: PublicationDto::from(&p.summary),
        verified: p.integrity == Integrity::Verified,
        snapshot,
    })
    .into_response())
}
