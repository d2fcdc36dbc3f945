//! Medborgarlöften in the API: the promises with their published monthly reports.
//!
//! Decision: `/api/v1/promises` and `/api/v1/promises/{id}` are public (no login, like
//! `/public/promises`) and answer the same for everyone, signed in or not: only
//! published reports, and a promise only once it has one (until then it is `404`).
//! Drafts are the coordinators' work in progress and stay on their pages, so no caller
//! of the API — a partner's integration included — can read a draft by asking
//! differently. Who published a report is not part of it (no personal data in public).

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use trygg_core::promises::{PublicPromise, PublicReport};
use trygg_domain::promise::PromiseId;
use utoipa::ToSchema;

use crate::AppState;

#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    /// "genom att …".
    pub text: String,
    /// `police`, `municipality` or `both`.
    pub owner: String,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorDto {
    pub id: i64,
    /// As named in the newest published report.
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ValueDto {
    pub indicator_id: i64,
    /// The indicator's name when the report was published.
    pub name: String,
    /// Absent when not known.
    pub value: Option<i64>,
    /// Computed by Trygg from incidents or measures (otherwise typed in).
    pub computed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ReportDto {
    pub id: i64,
    /// `YYYY-MM`.
    pub month: String,
    /// What was done during the month.
    pub done: String,
    pub comments: Option<String>,
    /// RFC 3339, UTC.
    pub published_at: String,
    pub values: Vec<ValueDto>,
}

impl From<&PublicReport> for ReportDto {
    fn from(r: &PublicReport) -> Self {
        Self {
            id: r.id.0,
            month: r.month.clone(),
            done: r.done_text.clone(),
            comments: r.comments.clone(),
            published_at: r.published_at.rfc3339(),
            values: r
                .values
                .iter()
                .map(|v| ValueDto {
                    indicator_id: v.indicator_id.0,
                    name: v.name.clone(),
                    value: v.value,
                    computed: v.computed,
                })
                .collect(),
        }
    }
}

/// A promise with its published monthly reports (oldest first).
#[derive(Serialize, ToSchema)]
pub struct PromiseDto {
    pub id: i64,
    pub title: String,
    /// "Vi lovar att …".
    pub statement: String,
    pub description: Option<String>,
    pub area_name: Option<String>,
    /// `YYYY-MM`.
    pub first_month: String,
    /// `YYYY-MM`; absent: until further notice.
    pub last_month: Option<String>,
    pub activities: Vec<ActivityDto>,
    pub indicators: Vec<IndicatorDto>,
    pub reports: Vec<ReportDto>,
}

impl From<&PublicPromise> for PromiseDto {
    fn from(p: &PublicPromise) -> Self {
        Self {
            id: p.id.0,
            title: p.title.clone(),
            statement: p.statement.clone(),
            description: p.description.clone(),
            area_name: p.area_name.clone(),
            first_month: p.first_month.clone(),
            last_month: p.last_month.clone(),
            activities: p
                .activities
                .iter()
                .map(|a| ActivityDto {
                    text: a.text.clone(),
                    owner: a.owner.code().into(),
                })
                .collect(),
            indicators: p
                .indicators
                .iter()
                .map(|(id, name)| IndicatorDto {
                    id: id.0,
                    name: name.clone(),
                })
                .collect(),
            reports: p.reports.iter().map(ReportDto::from).collect(),
        }
    }
}

/// The promises with published reports, and only those reports; no login.
#[utoipa::path(get, path = "/api/v1/promises", tag = "promises",
    responses((status = 200, body = Vec<PromiseDto>)))]
pub async fn list(State(state): State<AppState>) -> super::ApiResult<Vec<PromiseDto>> {
    let list = state.trygg.public_promises().await?;
    Ok(Json(list.iter().map(PromiseDto::from).collect()))
}

/// One promise with its published reports; `404` until one is published. No login.
#[utoipa::path(get, path = "/api/v1/promises/{id}", tag = "promises",
    params(("id" = i64, Path, description = "The promise's id")),
    responses((status = 200, body = PromiseDto), (status = 404, body = super::ApiError)))]
pub async fn one(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> super::ApiResult<PromiseDto> {
    let p = state.trygg.public_promise(PromiseId(id)).await?;
    Ok(Json(PromiseDto::from(&p)))
}
