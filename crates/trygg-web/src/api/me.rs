//! The signed-in user.

use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiResult;
use crate::context::Ctx;

#[derive(Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: i64,
    pub name: String,
    /// kommun, polis, fastighetsägare, bevakningsföretag, räddningstjänst, skola, entreprenör or övrig.
    pub kind: String,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub organisation: OrganisationRef,
    pub unit_id: Option<i64>,
    /// admin, samordnare, analytiker, rapportör, handläggare, läsare.
    pub roles: Vec<String>,
}

/// Who am I?
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = super::ApiError)))]
pub async fn me(ctx: Ctx) -> ApiResult<Me> {
    let a = ctx.actor()?;
    Ok(Json(Me {
        id: a.user.id.0,
        name: a.user.name.clone(),
        email: a.user.email.clone(),
        organisation: OrganisationRef {
            id: a.organisation.id.0,
            name: a.organisation.name.clone(),
            kind: a.organisation.kind.code().into(),
        },
        unit_id: a.user.unit_id.map(|u| u.0),
        roles: a.user.roles.iter().map(|r| r.code().into()).collect(),
    }))
}
