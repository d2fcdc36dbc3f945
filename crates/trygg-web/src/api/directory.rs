//! Organisations and users, for integrations (e.g. an identity-management sync).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiResult;
use crate::AppState;
use crate::context::Ctx;

#[derive(Serialize, ToSchema)]
pub struct OrganisationDto {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub is_home: bool,
}

#[derive(Serialize, ToSchema)]
pub struct UserDto {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organisation_id: i64,
    pub unit_id: Option<i64>,
    pub roles: Vec<String>,
    pub disabled: bool,
}

/// All organisations.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "directory",
    responses((status = 200, body = Vec<OrganisationDto>), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError)))]
pub async fn organisations(
    State(state): State<AppState>,
    ctx: Ctx,
) -> ApiResult<Vec<OrganisationDto>> {
    let orgs = state.trygg.organisations(&ctx.caller()).await?;
    Ok(Json(
        orgs.into_iter()
            .map(|o| OrganisationDto {
                id: o.id.0,
                name: o.name,
                kind: o.kind.code().into(),
                is_home: o.is_home,
            })
            .collect(),
    ))
}

/// All user accounts (never password hashes).
#[utoipa::path(get, path = "/api/v1/users", tag = "directory",
    responses((status = 200, body = Vec<UserDto>), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError)))]
pub async fn users(State(state): State<AppState>, ctx: Ctx) -> ApiResult<Vec<UserDto>> {
    let users = state.trygg.users(&ctx.caller()).await?;
    Ok(Json(
        users
            .into_iter()
            .map(|u| UserDto {
                id: u.id.0,
                name: u.name,
                email: u.email,
                organisation_id: u.organisation_id.0,
                unit_id: u.unit_id.map(|x| x.0),
                roles: u.roles.iter().map(|r| r.code().into()).collect(),
                disabled: u.disabled,
            })
            .collect(),
    ))
}
