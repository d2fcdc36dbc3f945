//! Incident photos in the API: list, upload (multipart), and read one (audited).
//!
//! The same rules as on the pages: photos are checked by content, re-encoded without
//! metadata, and served only to those who may read the incident's details; a photo
//! one may not see answers 404.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use trygg_domain::incident::{IncidentId, PhotoId};
use trygg_store::photo::{PhotoRow, PhotoVariant};
use utoipa::{IntoParams, ToSchema};

use super::incidents::{ValidationErrorDto, invalid};
use crate::context::Ctx;
use crate::pages::photos::{Upload, clean_field, photo_response};
use crate::{AppState, WebError};

/// A photo of an incident (without its bytes).
#[derive(Serialize, ToSchema)]
pub struct PhotoDto {
    pub id: i64,
    pub incident_id: i64,
    /// `image/jpeg` or `image/png` (WebP uploads are stored as JPEG).
    pub content_type: String,
    pub width: i64,
    pub height: i64,
    pub byte_size: i64,
    /// SHA-256 of the stored bytes, hex.
    pub sha256: String,
    /// ISO 8601 (UTC).
    pub created_at: String,
    /// Where to fetch it (`?variant=thumb` for the JPEG thumbnail).
    pub url: String,
}

impl From<&PhotoRow> for PhotoDto {
    fn from(p: &PhotoRow) -> Self {
        Self {
            id: p.id.0,
            incident_id: p.incident_id.0,
            content_type: p.content_type.clone(),
            width: p.width,
            height: p.height,
            byte_size: p.byte_size,
            sha256: p.sha256.clone(),
            created_at: p.created_at.timestamp().to_string(),
            url: format!("/api/v1/incidents/{}/photos/{}", p.incident_id.0, p.id.0),
        }
    }
}

/// The photos of an incident.
#[derive(Serialize, ToSchema)]
pub struct PhotoListDto {
    pub photos: Vec<PhotoDto>,
}

/// Ids of photos just added.
#[derive(Serialize, ToSchema)]
pub struct PhotosAddedDto {
    pub photos: Vec<i64>,
}

/// The multipart body of an upload: one or more files in the field `photos`.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the request body for OpenAPI only
pub struct PhotoUploadBody {
    /// JPEG, PNG or WebP (judged by content), at most 10 MB each, 5 per incident.
    #[schema(value_type = Vec<String>, format = Binary)]
    pub photos: Vec<Vec<u8>>,
}

#[derive(Deserialize, IntoParams)]
pub struct PhotoQuery {
    /// `full` (default) or `thumb` (a small JPEG).
    pub variant: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/photos", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    responses((status = 200, body = PhotoListDto, description = "Empty when the caller sees the incident but not its details"),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> super::ApiResult<PhotoListDto> {
    let rows = state
        .trygg
        .incident_photos(&ctx.caller(), IncidentId(id))
        .await?;
    Ok(Json(PhotoListDto {
        photos: rows.iter().map(PhotoDto::from).collect(),
    }))
}

#[utoipa::path(post, path = "/api/v1/incidents/{id}/photos", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body(content = PhotoUploadBody, content_type = "multipart/form-data"),
    responses((status = 201, body = PhotosAddedDto),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError, description = "Not the incident's reporter or a coordinator"),
        (status = 404, body = super::ApiError),
        (status = 415, body = super::ApiError, description = "The body is not multipart/form-data"),
        (status = 422, description = "A photo is refused: `photo_type_not_allowed`, `photo_too_large`, `photo_too_many_pixels`, `photo_unreadable`, `photo_empty`, `too_many_photos`, `required`; nothing is stored", body = ValidationErrorDto)))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    upload: Upload,
) -> Result<Response, WebError> {
    if !upload.multipart {
        return Ok(crate::error::plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ));
    }
    let limits = state.trygg.settings.photos;
    let photos = match clean_field(&upload, "photos", limits).await {
        Ok(p) if p.is_empty() => {
            return Ok(invalid(
                &ctx,
                vec![(None, trygg_domain::Invalid::new("photos", "required"))],
            ));
        }
        Ok(p) => p,
        Err(e) => return Ok(invalid(&ctx, vec![(None, e)])),
    };
    match state
        .trygg
        .add_photos(&ctx.caller(), &ctx.meta(), IncidentId(id), photos)
        .await
    {
        Ok(ids) => Ok((
            StatusCode::CREATED,
            Json(PhotosAddedDto {
                photos: ids.iter().map(|p| p.0).collect(),
            }),
        )
            .into_response()),
        Err(trygg_core::Error::Invalid(e)) => Ok(invalid(&ctx, vec![(None, e)])),
        Err(e) => Err(e.into()),
    }
}

#[utoipa::path(get, path = "/api/v1/incidents/{id}/photos/{photo}", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id"), ("photo" = i64, Path, description = "The photo's id"), PhotoQuery),
    responses((status = 200, description = "The photo (`image/jpeg` or `image/png`; the thumbnail is always JPEG); each read is audited; never cached (`Cache-Control: no-store`)", content_type = "image/jpeg"),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 404, body = super::ApiError, description = "No such photo, or the caller may not see it"),
        (status = 422, body = ValidationErrorDto)))]
pub async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, photo)): Path<(i64, i64)>,
    Query(q): Query<PhotoQuery>,
) -> Result<Response, WebError> {
    let variant = match q.variant.as_deref().unwrap_or("full") {
        "full" => PhotoVariant::Full,
        "thumb" => PhotoVariant::Thumb,
        _ => {
            return Ok(invalid(
                &ctx,
                vec![(
                    None,
                    trygg_domain::Invalid::new("variant", "invalid_choice"),
                )],
            ));
        }
    };
    let data = state
        .trygg
        .photo(
            &ctx.caller(),
            &ctx.meta(),
            IncidentId(id),
            PhotoId(photo),
            variant,
        )
        .await?;
    Ok(photo_response(data, variant))
}
