//! Measures in the API: the list (overdue first), creating one, one measure with its
//! history and comments, workflow commands (`/transitions`) and comments. Who sees and
//! may do what is decided in `trygg-core`: a unit sees and answers what is assigned to
//! it, partners see shared measures, the coordinator everything.
//!
//! An illegal workflow step is `409 illegal_transition`; a step based on an outdated
//! `version` is `409 measure_changed`; a field error is `422` with the field's code.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use trygg_core::measures::{MeasureInput, MeasureItem, MeasureQuery, MeasureView};
use trygg_domain::Invalid;
use trygg_domain::id::{AreaId, PlaceId, UnitId, UserId};
use trygg_domain::incident::IncidentId;
use trygg_domain::measure::{MeasureId, MeasureKind, MeasureStatus, Transition, TransitionInput};
use trygg_store::measure::LinkTarget;
use utoipa::{IntoParams, ToSchema};

use super::geography::ApiJson;
use crate::context::Ctx;
use crate::{AppState, WebError};

/// A measure in a list.
#[derive(Serialize, ToSchema)]
pub struct MeasureSummaryDto {
    pub id: i64,
    pub title: String,
    /// `lighting`, `vegetation`, `cleaning`, `camera`, `presence`, `social`, `other`.
    pub kind: String,
    /// `proposed`, `assigned`, `accepted`, `in_progress`, `done`, `confirmed`,
    /// `refused`, `not_feasible`.
    pub status: String,
    /// `overdue`, `due_soon` or `on_time` (today, Swedish date).
    pub urgency: String,
    pub owner_organisation_id: Option<i64>,
    pub owner_organisation_name: Option<String>,
    pub owner_unit_id: Option<i64>,
    pub owner_unit_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// The date the unit committed to when accepting.
    pub planned_date: Option<String>,
    /// `partners` or `own`.
    pub sharing: String,
    /// Increases with every change; send it back with a transition to refuse stale ones.
    pub version: i64,
}

fn urgency_code(u: trygg_domain::measure::Urgency) -> &'static str {
    use trygg_domain::measure::Urgency::*;
    match u {
        Overdue => "overdue",
        DueSoon => "due_soon",
        OnTime => "on_time",
    }
}

impl From<&MeasureItem> for MeasureSummaryDto {
    fn from(i: &MeasureItem) -> Self {
        let v = &i.row.values;
        Self {
            id: i.row.id.0,
            title: v.title.clone(),
            kind: v.kind.clone(),
            status: v.status.clone(),
            urgency: urgency_code(i.urgency).into(),
            owner_organisation_id: v.owner_organisation_id.map(|o| o.0),
            owner_organisation_name: i.row.owner_organisation_name.clone(),
            owner_unit_id: v.owner_unit_id.map(|u| u.0),
            owner_unit_name: i.row.owner_unit_name.clone(),
            due_date: v.due_date.clone(),
            planned_date: v.planned_date.clone(),
            sharing: v.sharing.clone(),
            version: i.row.version,
        }
    }
}

/// One entry of the history: every change is kept.
#[derive(Serialize, ToSchema)]
pub struct HistoryDto {
    pub at: String,
    pub actor_name: Option<String>,
    /// `created`, `progress` or a command (`assign`, `accept`, …).
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// The changed fields, `{field: [before, after]}`.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CommentDto {
    pub at: String,
    pub author_name: Option<String>,
    pub body: String,
}

/// What a measure answers.
#[derive(Serialize, ToSchema)]
pub struct LinkDto {
    /// `incident`, `place`, `area`, `lagesbild_priority` or `walk_proposal`.
    pub kind: String,
    pub id: i64,
}

/// One measure in full.
#[derive(Serialize, ToSchema)]
pub struct MeasureDto {
    #[serde(flatten)]
    pub summary: MeasureSummaryDto,
    pub description: String,
    pub cause: Option<String>,
    pub responsible_user_id: Option<i64>,
    pub responsible_name: Option<String>,
    pub cost_sek: Option<i64>,
    /// The reason of a refusal, a not-feasible verdict, a send-back or a reopening.
    pub status_reason: Option<String>,
    /// What was done, as reported on completion.
    pub evidence: Option<String>,
    pub completed_at: Option<String>,
    pub confirmed_at: Option<String>,
    pub control_area_id: Option<i64>,
    pub links: Vec<LinkDto>,
    pub co_owner_unit_ids: Vec<i64>,
    /// The commands the caller may give now.
    pub commands: Vec<String>,
    pub history: Vec<HistoryDto>,
    pub comments: Vec<CommentDto>,
}

impl From<&MeasureView> for MeasureDto {
    fn from(m: &MeasureView) -> Self {
        let item = MeasureItem {
            row: m.row.clone(),
            status: m.status,
            kind: m.kind,
            urgency: m.urgency,
        };
        let v = &m.row.values;
        Self {
            summary: MeasureSummaryDto::from(&item),
            description: v.description.clone(),
            cause: v.cause.clone(),
            responsible_user_id: v.responsible_user_id.map(|u| u.0),
            responsible_name: m.row.responsible_name.clone(),
            cost_sek: v.cost_sek,
            status_reason: v.status_reason.clone(),
            evidence: v.evidence.clone(),
            completed_at: v.completed_at.map(|t| t.rfc3339()),
            confirmed_at: v.confirmed_at.map(|t| t.rfc3339()),
            control_area_id: v.control_area_id.map(|a| a.0),
            links: m
                .links
                .iter()
                .map(|l| {
                    let (kind, id) = match *l {
                        LinkTarget::Incident(i) => ("incident", i.0),
                        LinkTarget::Place(p) => ("place", p.0),
                        LinkTarget::Area(a) => ("area", a.0),
                        LinkTarget::LagesbildPriority(x) => ("lagesbild_priority", x),
                        LinkTarget::WalkProposal(x) => ("walk_proposal", x),
                    };
                    LinkDto {
                        kind: kind.into(),
                        id,
                    }
                })
                .collect(),
            co_owner_unit_ids: m.co_owners.iter().map(|u| u.id.0).collect(),
            commands: m.commands.iter().map(|c| (*c).to_owned()).collect(),
            history: m
                .history
                .iter()
                .map(|h| HistoryDto {
                    at: h.at.rfc3339(),
                    actor_name: h.actor_name.clone(),
                    action: h.action.clone(),
                    from_status: h.from_status.clone(),
                    to_status: h.to_status.clone(),
                    changes: serde_json::from_str(&h.changes).unwrap_or_default(),
                    note: h.note.clone(),
                })
                .collect(),
            comments: m
                .comments
                .iter()
                .map(|c| CommentDto {
                    at: c.at.rfc3339(),
                    author_name: c.author_name.clone(),
                    body: c.body.clone(),
                })
                .collect(),
        }
    }
}

/// Filters of the list.
#[derive(Deserialize, IntoParams)]
pub struct MeasureListQuery {
    /// One status, e.g. `assigned`.
    pub status: Option<String>,
    /// Owned or co-owned by this unit.
    pub unit_id: Option<i64>,
    /// Linked to this area, a place in it or an incident in it.
    pub area_id: Option<i64>,
    /// At most this many (1–1000, default 1000).
    pub limit: Option<i64>,
    /// One kind, e.g. `lighting`.
    pub kind: Option<String>,
    /// `true`: only open measures past their due date.
    pub overdue: Option<bool>,
}

/// The measures the caller may see, overdue first, then by due date.
#[utoipa::path(get, path = "/api/v1/measures", tag = "measures", params(MeasureListQuery),
    responses((status = 200, body = Vec<MeasureSummaryDto>), (status = 401, body = super::ApiError),
        (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<MeasureListQuery>,
) -> Result<Json<Vec<MeasureSummaryDto>>, WebError> {
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(MeasureStatus::parse)
        .transpose()?;
    let kind = q
        .kind
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(MeasureKind::parse)
        .transpose()?;
    let items = state
        .trygg
        .measures(
            &ctx.caller(),
            &MeasureQuery {
                status,
                unit: q.unit_id.map(UnitId),
                area: q.area_id.map(AreaId),
                limit: q.limit.unwrap_or(0),
                kind,
                overdue: q.overdue.unwrap_or(false),
            },
        )
        .await?;
    Ok(Json(items.iter().map(MeasureSummaryDto::from).collect()))
}

/// A new measure. With `unit_id` it is assigned at once.
#[derive(Deserialize, ToSchema)]
pub struct NewMeasureBody {
    pub title: String,
    pub description: String,
    /// `lighting`, `vegetation`, `cleaning`, `camera`, `presence`, `social`, `other`.
    pub kind: String,
    #[serde(default)]
    pub cause: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_date: Option<String>,
    /// Whole kronor.
    #[serde(default)]
    pub cost_sek: Option<i64>,
    /// `partners` (default) or `own`.
    #[serde(default)]
    pub sharing: Option<String>,
    #[serde(default)]
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub responsible_user_id: Option<i64>,
    #[serde(default)]
    pub co_owner_unit_ids: Vec<i64>,
    #[serde(default)]
    pub incident_ids: Vec<i64>,
    #[serde(default)]
    pub place_ids: Vec<i64>,
    #[serde(default)]
    pub area_ids: Vec<i64>,
    #[serde(default)]
    pub lagesbild_priority_id: Option<i64>,
    /// The comparison area of the effect follow-up.
    #[serde(default)]
    pub control_area_id: Option<i64>,
}

/// Creates a measure (the coordinator).
#[utoipa::path(post, path = "/api/v1/measures", tag = "measures", request_body = NewMeasureBody,
    responses((status = 201, body = MeasureDto), (status = 401, body = super::ApiError),
        (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<NewMeasureBody>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    let input = MeasureInput {
        title: b.title,
        description: b.description,
        kind: b.kind,
        cause: b.cause.unwrap_or_default(),
        due_date: b.due_date.unwrap_or_default(),
        cost_sek: b.cost_sek.map(|c| c.to_string()).unwrap_or_default(),
        sharing: b.sharing.unwrap_or_default(),
        unit: b.unit_id.map(UnitId),
        responsible: b.responsible_user_id.map(UserId),
        co_owners: b.co_owner_unit_ids.into_iter().map(UnitId).collect(),
        incidents: b.incident_ids.into_iter().map(IncidentId).collect(),
        places: b.place_ids.into_iter().map(PlaceId).collect(),
        areas: b.area_ids.into_iter().map(AreaId).collect(),
        lagesbild_priority: b.lagesbild_priority_id,
        control_area: b.control_area_id.map(AreaId),
    };
    let id = state
        .trygg
        .create_measure(&caller, &ctx.meta(), input)
        .await?;
    let view = state.trygg.measure(&caller, id).await?;
    Ok((StatusCode::CREATED, Json(MeasureDto::from(&view))).into_response())
}

/// One measure with its links, history, comments and the commands the caller may give.
#[utoipa::path(get, path = "/api/v1/measures/{id}", tag = "measures",
    params(("id" = i64, Path, description = "The measure's id")),
    responses((status = 200, body = MeasureDto), (status = 401, body = super::ApiError),
        (status = 403, body = super::ApiError), (status = 404, body = super::ApiError)))]
pub async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> super::ApiResult<MeasureDto> {
    let view = state.trygg.measure(&ctx.caller(), MeasureId(id)).await?;
    Ok(Json(MeasureDto::from(&view)))
}

/// A workflow command.
#[derive(Deserialize, ToSchema)]
pub struct TransitionBody {
    /// `assign` (needs `unit_id`), `accept` (`planned_date`), `refuse` (`reason`),
    /// `not_feasible` (`reason`), `start`, `complete` (`evidence`), `confirm`,
    /// `send_back` (`reason`), `reopen` (`reason`).
    pub action: String,
    #[serde(default)]
    pub unit_id: Option<i64>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub planned_date: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub evidence: Option<String>,
    /// The version the command is based on; a newer stored version refuses it.
    #[serde(default)]
    pub version: Option<i64>,
}

/// Gives a workflow command; answers the measure as it is afterwards.
#[utoipa::path(post, path = "/api/v1/measures/{id}/transitions", tag = "measures", request_body = TransitionBody,
    params(("id" = i64, Path, description = "The measure's id")),
    responses((status = 200, body = MeasureDto), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 404, body = super::ApiError),
        (status = 409, description = "`illegal_transition` (not allowed from the current status) or `measure_changed`", body = super::ApiError),
        (status = 422, body = super::ApiError)))]
pub async fn transition(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TransitionBody>,
) -> super::ApiResult<MeasureDto> {
    let caller = ctx.caller();
    let command = Transition::parse(&TransitionInput {
        action: b.action,
        unit_id: b.unit_id,
        planned_date: b.planned_date,
        reason: b.reason,
        evidence: b.evidence,
    })?;
    state
        .trygg
        .transition_measure(&caller, &ctx.meta(), MeasureId(id), command, b.version)
        .await?;
    let view = state.trygg.measure(&caller, MeasureId(id)).await?;
    Ok(Json(MeasureDto::from(&view)))
}

#[derive(Deserialize, ToSchema)]
pub struct CommentBody {
    pub body: String,
}

/// Adds a comment to the thread (the coordinator, the owner and co-owner units).
#[utoipa::path(post, path = "/api/v1/measures/{id}/comments", tag = "measures", request_body = CommentBody,
    params(("id" = i64, Path, description = "The measure's id")),
    responses((status = 201, body = MeasureDto), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 404, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<CommentBody>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    if b.body.trim().is_empty() {
        return Err(Invalid::new("comment", "required").into());
    }
    state
        .trygg
        .comment_measure(&caller, &ctx.meta(), MeasureId(id), &b.body)
        .await?;
    let view = state.trygg.measure(&caller, MeasureId(id)).await?;
    Ok((StatusCode::CREATED, Json(MeasureDto::from(&view))).into_response())
}
