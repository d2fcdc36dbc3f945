//! Safety walks in the API: the walks and their protocols for coordinators and the
//! answering units, planning, observations (with an `Idempotency-Key`), routing and
//! answering proposals, and the published protocols for everyone (no login).
//!
//! Access is the pages': coordinators plan and edit (`plan_walks`), a handläggare
//! answers their own unit's proposals (`answer_walk_proposals`; others' answer 404),
//! and the published protocols carry no participant's personal data.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use trygg_core::walks::{
    AnswerInput, ObservationInput, PublicProtocol, RouteInput, StopGroup, WalkInput,
};
use trygg_domain::id::{OrganisationId, UnitId, UserId};
use trygg_domain::walk::{FollowUp, ProposalId, WalkId};
use trygg_store::walk::{StopRow, WalkRow};
use utoipa::ToSchema;

use super::geography::ApiJson;
use crate::context::Ctx;
use crate::{AppState, WebError};

/// A walk in a list.
#[derive(Serialize, ToSchema)]
pub struct WalkDto {
    pub id: i64,
    pub title: String,
    pub area_id: Option<i64>,
    pub area_name: Option<String>,
    /// RFC 3339, UTC.
    pub starts_at: String,
    pub ends_at: String,
    pub after_dark: bool,
    pub meeting_point: String,
    pub description: Option<String>,
    /// `planned`, `walked` or `published`.
    pub status: String,
    pub signup_open: bool,
    pub capacity: i64,
    /// How many signed up (a number only: who signed up is never in the API).
    pub participants: i64,
    pub published_at: Option<String>,
    /// The walk this one re-walks.
    pub previous_walk_id: Option<i64>,
}

impl From<&WalkRow> for WalkDto {
    fn from(w: &WalkRow) -> Self {
        Self {
            id: w.id.0,
            title: w.title.clone(),
            area_id: w.area_id.map(|a| a.0),
            area_name: w.area_name.clone(),
            starts_at: w.starts_at.rfc3339(),
            ends_at: w.ends_at.rfc3339(),
            after_dark: w.after_dark,
            meeting_point: w.meeting_point.clone(),
            description: w.description.clone(),
            status: w.status.clone(),
            signup_open: w.signup_open,
            capacity: w.capacity,
            participants: w.participants,
            published_at: w.published_at.map(|t| t.rfc3339()),
            previous_walk_id: w.previous_walk_id.map(|p| p.0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StopDto {
    pub id: i64,
    pub seq: i64,
    pub name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub note: Option<String>,
}

impl From<&StopRow> for StopDto {
    fn from(s: &StopRow) -> Self {
        Self {
            id: s.id.0,
            seq: s.seq,
            name: s.name.clone(),
            lat: s.position.map(|p| p.0),
            lon: s.position.map(|p| p.1),
            note: s.note.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProposalDto {
    pub id: i64,
    pub text: String,
    /// Who answers it: a unit with its organisation, or an external owner's name.
    pub owner: Option<String>,
    pub owner_unit_id: Option<i64>,
    /// `will_do`, `will_not_do`, `already_done`, or absent.
    pub answer: Option<String>,
    /// `YYYY-MM-DD`, for `will_do`.
    pub due: Option<String>,
    pub reason: Option<String>,
    /// `unanswered`, `promised`, `overdue`, `done`, `declined`.
    pub status: String,
    /// The measure it became, when there is one.
    pub measure_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ObservationDto {
    pub id: i64,
    pub stop_id: Option<i64>,
    /// `lighting`, `vegetation`, `sight_lines`, `litter`, `graffiti`, `layout`, `other`.
    pub problem: String,
    /// Personal data masked.
    pub description: String,
    pub place_text: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub proposals: Vec<ProposalDto>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpDto {
    /// `YYYY-MM-DD`: six months after the walk.
    pub target_date: String,
    pub target_passed: bool,
    pub proposals: usize,
    pub municipal: usize,
    pub municipal_done: usize,
    pub municipal_done_percent: u32,
    pub overdue: usize,
    pub unanswered: usize,
    pub declined: usize,
    pub met: bool,
}

impl From<&FollowUp> for FollowUpDto {
    fn from(f: &FollowUp) -> Self {
        Self {
            target_date: f.target_date.to_string(),
            target_passed: f.target_passed,
            proposals: f.total,
            municipal: f.municipal,
            municipal_done: f.municipal_done,
            municipal_done_percent: f.municipal_done_percent,
            overdue: f.overdue,
            unanswered: f.unanswered,
            declined: f.declined,
            met: f.met,
        }
    }
}

/// A walk with its route and protocol.
#[derive(Serialize, ToSchema)]
pub struct ProtocolDto {
    pub walk: WalkDto,
    pub stops: Vec<StopDto>,
    pub observations: Vec<ObservationDto>,
    pub follow_up: Option<FollowUpDto>,
}

fn observations(groups: &[StopGroup]) -> Vec<ObservationDto> {
    groups
        .iter()
        .flat_map(|g| g.observations.iter())
        .map(|o| ObservationDto {
            id: o.row.id.0,
            stop_id: o.row.stop_id.map(|s| s.0),
            problem: o.problem.code().into(),
            description: o.row.description.clone(),
            place_text: o.row.place_text.clone(),
            lat: o.row.position.map(|p| p.0),
            lon: o.row.position.map(|p| p.1),
            proposals: o
                .proposals
                .iter()
                .map(|p| ProposalDto {
                    id: p.row.id.0,
                    text: p.row.text.clone(),
                    owner: p.owner.clone(),
                    owner_unit_id: p.row.owner_unit_id.map(|u| u.0),
                    answer: p.row.answer.clone(),
                    due: p.row.due.clone(),
                    reason: p.row.reason.clone(),
                    status: p.status.code().into(),
                    measure_id: p.row.measure_id,
                })
                .collect(),
        })
        .collect()
}

#[utoipa::path(get, path = "/api/v1/walks", tag = "walks",
    responses((status = 200, body = Vec<WalkDto>), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError)))]
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> super::ApiResult<Vec<WalkDto>> {
    let rows = state.trygg.walks(&ctx.caller()).await?;
    Ok(Json(rows.iter().map(WalkDto::from).collect()))
}

#[utoipa::path(get, path = "/api/v1/walks/{id}", tag = "walks",
    params(("id" = i64, Path, description = "The walk's id")),
    responses((status = 200, body = ProtocolDto), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError)))]
pub async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> super::ApiResult<ProtocolDto> {
    let d = state
        .trygg
        .walk_detail(&ctx.caller(), &ctx.meta(), WalkId(id))
        .await?;
    Ok(Json(ProtocolDto {
        walk: WalkDto::from(&d.walk),
        stops: d.stops.iter().map(StopDto::from).collect(),
        observations: observations(&d.groups),
        follow_up: Some(FollowUpDto::from(&d.follow_up)),
    }))
}

fn public_dto(p: &PublicProtocol) -> ProtocolDto {
    let w = &p.walk;
    ProtocolDto {
        walk: WalkDto {
            id: w.id.0,
            title: w.title.clone(),
            area_id: w.area_id.map(|a| a.0),
            area_name: w.area_name.clone(),
            starts_at: w.starts_at.rfc3339(),
            ends_at: w.ends_at.rfc3339(),
            after_dark: w.after_dark,
            meeting_point: w.meeting_point.clone(),
            description: w.description.clone(),
            status: w.status.code().into(),
            signup_open: w.signup_open,
            capacity: 0,
            participants: 0,
            published_at: w.published_at.map(|t| t.rfc3339()),
            previous_walk_id: w.previous_walk_id.map(|p| p.0),
        },
        stops: p.stops.iter().map(StopDto::from).collect(),
        observations: observations(&p.groups),
        follow_up: p.follow_up.as_ref().map(FollowUpDto::from),
    }
}

/// The published protocols, no login.
#[utoipa::path(get, path = "/api/v1/walks/published", tag = "walks",
    responses((status = 200, body = Vec<ProtocolDto>)))]
pub async fn published(State(state): State<AppState>) -> super::ApiResult<Vec<ProtocolDto>> {
    let mut out = Vec::new();
    for (w, _) in state.trygg.published_walks().await? {
        out.push(public_dto(&state.trygg.public_walk(w.id).await?));
    }
    Ok(Json(out))
}

/// One published protocol (or a planned walk open for sign-up), no login.
#[utoipa::path(get, path = "/api/v1/walks/published/{id}", tag = "walks",
    params(("id" = i64, Path, description = "The walk's id")),
    responses((status = 200, body = ProtocolDto), (status = 404, body = super::ApiError)))]
pub async fn published_one(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> super::ApiResult<ProtocolDto> {
    Ok(Json(public_dto(
        &state.trygg.public_walk(WalkId(id)).await?,
    )))
}

/// A walk to plan.
#[derive(Deserialize, ToSchema)]
pub struct NewWalkDto {
    pub title: String,
    pub area_id: Option<i64>,
    /// Local Swedish time, `2026-11-26T18:30`.
    pub starts_at: String,
    pub duration_minutes: Option<i64>,
    #[serde(default)]
    pub after_dark: bool,
    pub meeting_point: String,
    pub description: Option<String>,
    /// 1–200, default 20.
    pub capacity: Option<i64>,
    #[serde(default)]
    pub signup_open: bool,
    /// Stops in order.
    #[serde(default)]
    pub stops: Vec<NewStopDto>,
    #[serde(default)]
    pub invited_organisations: Vec<i64>,
    /// Units invited (each with its organisation).
    #[serde(default)]
    pub invited_units: Vec<InvitedUnitDto>,
    /// User ids of further organisers (the one sending is always one).
    #[serde(default)]
    pub organisers: Vec<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct InvitedUnitDto {
    pub organisation_id: i64,
    pub unit_id: i64,
}

impl NewWalkDto {
    fn input(self) -> WalkInput {
        let stops = self
            .stops
            .iter()
            .map(|s| match (s.lat, s.lon) {
                (Some(lat), Some(lon)) => format!("{}; {lat}, {lon}", s.name.replace(';', ",")),
                _ => s.name.replace(';', ","),
            })
            .collect::<Vec<_>>()
            .join("\n");
        WalkInput {
            title: self.title,
            area: self.area_id.map(|a| a.to_string()).unwrap_or_default(),
            starts_at: self.starts_at,
            duration_minutes: self
                .duration_minutes
                .map(|d| d.to_string())
                .unwrap_or_default(),
            after_dark: self.after_dark,
            meeting_point: self.meeting_point,
            description: self.description.unwrap_or_default(),
            capacity: self.capacity.map(|c| c.to_string()).unwrap_or_default(),
            signup_open: self.signup_open,
            stops,
            organisers: self.organisers.iter().map(|u| UserId(*u)).collect(),
            invitations: self
                .invited_organisations
                .iter()
                .map(|o| (OrganisationId(*o), None))
                .chain(
                    self.invited_units
                        .iter()
                        .map(|i| (OrganisationId(i.organisation_id), Some(UnitId(i.unit_id)))),
                )
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewStopDto {
    pub name: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedDto {
    pub id: i64,
    /// `false` when the idempotency key had been used: nothing new was stored.
    pub created: bool,
}

#[utoipa::path(post, path = "/api/v1/walks", tag = "walks", request_body = NewWalkDto,
    responses((status = 201, body = CreatedDto), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(b): ApiJson<NewWalkDto>,
) -> Result<Response, WebError> {
    let input = b.input();
    let id = state
        .trygg
        .plan_walk(&ctx.caller(), &ctx.meta(), input)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedDto {
            id: id.0,
            created: true,
        }),
    )
        .into_response())
}

/// Changes a planned walk: send the whole plan as when planning it (`signup_open` is
/// left as it is; stops keep their ids by position, and a stop with observations cannot
/// be removed). Only a planned walk can be changed (`walk_not_planned`).
#[utoipa::path(post, path = "/api/v1/walks/{id}", tag = "walks", request_body = NewWalkDto,
    params(("id" = i64, Path, description = "Walk id")),
    responses((status = 204), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 404, body = super::ApiError), (status = 409, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewWalkDto>,
) -> Result<Response, WebError> {
    state
        .trygg
        .edit_walk(&ctx.caller(), &ctx.meta(), WalkId(id), b.input())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An observation; send an `Idempotency-Key` header so a retry is stored once.
#[derive(Deserialize, ToSchema)]
pub struct NewObservationDto {
    pub stop_id: Option<i64>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub place_text: Option<String>,
    pub problem: String,
    pub description: String,
    #[serde(default)]
    pub proposals: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/walks/{id}/observations", tag = "walks", request_body = NewObservationDto,
    params(("id" = i64, Path, description = "The walk's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "8–100 characters A–Z a–z 0–9 - _; a repeat returns the first observation")),
    responses((status = 201, body = CreatedDto), (status = 200, description = "Already stored under this key", body = CreatedDto),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn observe(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<NewObservationDto>,
) -> Result<Response, WebError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let (oid, new) = state
        .trygg
        .record_observation(
            &ctx.caller(),
            &ctx.meta(),
            WalkId(id),
            ObservationInput {
                stop: b.stop_id.map(|s| s.to_string()).unwrap_or_default(),
                lat: text(b.lat),
                lon: text(b.lon),
                place_text: b.place_text.unwrap_or_default(),
                problem: b.problem,
                description: b.description,
                proposals: b.proposals,
                photos: Vec::new(),
                idempotency_key: key,
            },
        )
        .await?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(CreatedDto {
            id: oid.0,
            created: new,
        }),
    )
        .into_response())
}

/// Where a proposal goes: a unit, or an external owner (name and e-mail), or nobody.
#[derive(Deserialize, ToSchema)]
pub struct RouteDto {
    pub unit_id: Option<i64>,
    pub owner_name: Option<String>,
    pub owner_email: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/walks/proposals/{id}/route", tag = "walks", request_body = RouteDto,
    params(("id" = i64, Path, description = "The proposal's id")),
    responses((status = 204), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn route(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RouteDto>,
) -> Result<Response, WebError> {
    let route = match (b.unit_id, b.owner_name, b.owner_email) {
        (Some(u), _, _) => RouteInput::Unit(UnitId(u)),
        (None, Some(name), Some(email)) => RouteInput::External { name, email },
        _ => RouteInput::Nobody,
    };
    state
        .trygg
        .route_walk_proposal(&ctx.caller(), &ctx.meta(), ProposalId(id), route)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// An owner's answer.
#[derive(Deserialize, ToSchema)]
pub struct AnswerDto {
    /// `will_do` (with `due`), `will_not_do` (with `reason`) or `already_done`.
    pub answer: String,
    /// `YYYY-MM-DD`, not in the past.
    pub due: Option<String>,
    pub reason: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/walks/proposals/{id}/answer", tag = "walks", request_body = AnswerDto,
    params(("id" = i64, Path, description = "The proposal's id")),
    responses((status = 204), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 404, description = "No such proposal, or not routed to the caller's unit", body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AnswerDto>,
) -> Result<Response, WebError> {
    state
        .trygg
        .answer_walk_proposal(
            &ctx.caller(),
            &ctx.meta(),
            ProposalId(id),
            AnswerInput {
                answer: b.answer,
                due: b.due.unwrap_or_default(),
                reason: b.reason.unwrap_or_default(),
            },
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
