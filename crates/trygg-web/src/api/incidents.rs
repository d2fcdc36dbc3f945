//! EST incidents in the API: the list (with the same filters as the list page), one
//! incident, filing a report (with an `Idempotency-Key`), review decisions, and the
//! selection as GeoJSON for maps. Who sees what is decided in `trygg-core` and applied
//! in SQL, the same for every endpoint and page.
//!
//! Field errors are `422` with `{"error": {"code", "message", "request_id", "field",
//! "index"}, "errors": [...]}`: `index` is the incident's position in a report.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use trygg_core::Error;
use trygg_core::incidents::{IncidentInput, ReportError, ReviewInput, WhereInput};
use trygg_domain::Invalid;
use trygg_domain::id::PlaceId;
use trygg_domain::incident::{IncidentId, ReportId};
use trygg_domain::place::{parse_sweref99tm, parse_wgs84};
use trygg_domain::policy::Action;
use trygg_store::incident::IncidentRow;
use utoipa::{IntoParams, ToSchema};

use super::geography::ApiJson;
use crate::context::Ctx;
use crate::pages::incidents::{SelectionText, parse_selection, personal_data_labels};
use crate::{AppState, WebError};

/// Default and largest page of the list.
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = trygg_core::incidents::MAX_PAGE;

/// A position in WGS84 degrees.
#[derive(Serialize, ToSchema)]
pub struct PositionDto {
    pub lat: f64,
    pub lon: f64,
}

/// An incident as the caller may see it.
#[derive(Serialize, ToSchema)]
pub struct IncidentDto {
    pub id: i64,
    /// The report it was filed in (absent for imported incidents).
    pub report_id: Option<i64>,
    /// The category code, e.g. `klotter`.
    pub category: String,
    pub category_name_sv: String,
    pub category_name_en: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    /// The description, masked as its category says; `null` when the caller may not
    /// read other organisations' free text (reporters).
    pub description: Option<String>,
    /// Kinds of personal data found in the description when it was filed, with counts,
    /// e.g. `{"personnummer": 1}`; `flagged: true` when it was kept rather than masked.
    #[schema(value_type = Object)]
    pub personal_data: Value,
    /// When it happened (RFC 3339, UTC); the start of the window for a window.
    pub occurred_from: String,
    /// The end of the window, when the time is only known to lie in one.
    pub occurred_to: Option<String>,
    pub position: Option<PositionDto>,
    pub place_id: Option<i64>,
    /// An address or description of the place, as the reporter typed it; `null` like
    /// `description`.
    pub location_text: Option<String>,
    /// 1 (low) to 3 (high).
    pub severity: i64,
    pub creates_insecurity: bool,
    /// `partners` (all EST partners see it) or `own` (its organisation and the
    /// coordinators).
    pub sharing: String,
    /// `submitted`, `accepted`, `rejected` or `merged`.
    pub status: String,
    /// The reviewer's note or reason, shown to the reporter.
    pub review_note: Option<String>,
    /// The incident this one was merged into.
    pub merged_into: Option<i64>,
    /// `form`, `import`, `police_feed`, …
    pub source: String,
    pub created_at: String,
}

impl From<&IncidentRow> for IncidentDto {
    fn from(r: &IncidentRow) -> Self {
        let readable = !r.description.is_empty();
        Self {
            id: r.id.0,
            report_id: r.report_id.map(|x| x.0),
            category: r.category_code.clone(),
            category_name_sv: r.category_sv.clone(),
            category_name_en: r.category_en.clone(),
            organisation_id: r.organisation_id.0,
            organisation_name: r.organisation_name.clone(),
            description: readable.then(|| r.description.clone()),
            personal_data: serde_json::from_str(&r.pii_found).unwrap_or_else(|_| json!({})),
            occurred_from: r.occurred_from.rfc3339(),
            occurred_to: r.occurred_to.map(|t| t.rfc3339()),
            position: r.position.map(|(lat, lon)| PositionDto { lat, lon }),
            place_id: r.place_id.map(|p| p.0),
            location_text: if readable {
                r.location_text.clone()
            } else {
                None
            },
            severity: r.severity,
            creates_insecurity: r.creates_insecurity,
            sharing: r.sharing.clone(),
            status: r.status.clone(),
            review_note: r.review_note.clone(),
            merged_into: r.merged_into.map(|m| m.0),
            source: r.source.clone(),
            created_at: r.created_at.rfc3339(),
        }
    }
}

/// A page of the selection.
#[derive(Serialize, ToSchema)]
pub struct IncidentPageDto {
    /// How many incidents the whole selection holds.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    pub items: Vec<IncidentDto>,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct IncidentQuery {
    /// Only incidents in this area (id; any kind: district, RegSO, DeSO, permit area …).
    pub area: Option<String>,
    /// Only incidents at this named place (id).
    pub place: Option<String>,
    /// Only this category (code).
    pub category: Option<String>,
    /// From this date (`2026-09-01`, Stockholm) or instant (`2026-09-01T18:00:00+02:00`).
    pub from: Option<String>,
    /// Up to and including this date, or before this instant.
    pub to: Option<String>,
    /// Only incidents of this organisation (id).
    pub organisation: Option<String>,
    /// `submitted`, `accepted`, `rejected` or `merged`.
    pub status: Option<String>,
    /// Text in the description or the place text (case-insensitive).
    pub q: Option<String>,
    /// `newest` (default), `oldest` or `severity`.
    pub order: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<i64>,
    /// Incidents to skip (default 0).
    pub offset: Option<i64>,
}

impl IncidentQuery {
    fn selection(&self) -> SelectionText {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        SelectionText {
            area: s(&self.area),
            place: s(&self.place),
            category: s(&self.category),
            from: s(&self.from),
            to: s(&self.to),
            organisation: s(&self.organisation),
            status: s(&self.status),
            text: s(&self.q),
            order: s(&self.order),
        }
    }
}

/// One field error, of one incident of a report where `index` is given.
#[derive(Serialize, ToSchema)]
pub struct FieldErrorDto {
    pub code: String,
    pub message: String,
    pub field: String,
    /// The incident's position in the request's `incidents` (from 0).
    pub index: Option<usize>,
}

/// The body of a 422: the first error (with the request id) and all of them.
#[derive(Serialize, ToSchema)]
pub struct ValidationErrorDto {
    pub error: ValidationErrorBody,
    pub errors: Vec<FieldErrorDto>,
}

#[derive(Serialize, ToSchema)]
pub struct ValidationErrorBody {
    pub code: String,
    pub message: String,
    pub request_id: String,
    pub field: String,
    pub index: Option<usize>,
}

/// A 422 listing field errors; built here (not by the middleware) because it carries
/// fields and incident indexes.
pub(crate) fn invalid(ctx: &Ctx, errors: Vec<(Option<usize>, Invalid)>) -> Response {
    let list: Vec<FieldErrorDto> = errors
        .iter()
        .map(|(index, e)| FieldErrorDto {
            code: e.code.into(),
            message: ctx.lang.error(e.code),
            field: e.field.into(),
            index: *index,
        })
        .collect();
    let first = list.first().map_or_else(
        || ValidationErrorBody {
            code: "invalid".into(),
            message: ctx.lang.error("invalid"),
            request_id: ctx.request_id.clone(),
            field: String::new(),
            index: None,
        },
        |f| ValidationErrorBody {
            code: f.code.clone(),
            message: f.message.clone(),
            request_id: ctx.request_id.clone(),
            field: f.field.clone(),
            index: f.index,
        },
    );
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        Json(ValidationErrorDto {
            error: first,
            errors: list,
        }),
    )
        .into_response()
}

/// The selection and page of a query, or what is wrong with it.
fn filter_of(
    q: &IncidentQuery,
) -> Result<trygg_store::incident::IncidentFilter, Vec<(Option<usize>, Invalid)>> {
    let mut f = parse_selection(&q.selection())
        .map_err(|errors| errors.into_iter().map(|e| (None, e)).collect::<Vec<_>>())?;
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(vec![(None, Invalid::new("limit", "invalid_limit"))]);
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(vec![(None, Invalid::new("offset", "invalid_offset"))]);
    }
    f.limit = limit;
    f.offset = offset;
    Ok(f)
}

/// Incidents the caller may see, filtered, a page at a time.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(IncidentQuery),
    responses((status = 200, body = IncidentPageDto), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 422, description = "A filter is invalid (`invalid_choice`, `invalid_time`, `unknown_review_status`, `invalid_limit`, …)", body = ValidationErrorDto)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<IncidentQuery>,
) -> Result<Response, WebError> {
    let filter = match filter_of(&q) {
        Ok(f) => f,
        Err(errors) => return Ok(invalid(&ctx, errors)),
    };
    let (rows, total) = state.trygg.incidents(&ctx.caller(), &filter).await?;
    Ok(Json(IncidentPageDto {
        total,
        limit: filter.limit,
        offset: filter.offset,
        items: rows.iter().map(IncidentDto::from).collect(),
    })
    .into_response())
}

/// The same selection as a GeoJSON FeatureCollection (RFC 7946: WGS84, `[longitude,
/// latitude]`) of the incidents that have a position; for maps. Properties: `id`,
/// `category`, `category_name`, `occurred`, `status`, `organisation`. `limit` and
/// `offset` page it like the list, so a map can show exactly the rows of a table.
#[utoipa::path(get, path = "/api/v1/incidents.geojson", tag = "incidents", params(IncidentQuery),
    responses((status = 200, description = "A GeoJSON FeatureCollection", body = Object, content_type = "application/geo+json"),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError), (status = 422, body = ValidationErrorDto)))]
pub async fn geojson(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<IncidentQuery>,
) -> Result<Response, WebError> {
    let filter = match filter_of(&q) {
        Ok(f) => f,
        Err(errors) => return Ok(invalid(&ctx, errors)),
    };
    let (rows, total) = state.trygg.incidents(&ctx.caller(), &filter).await?;
    let lang = ctx.lang;
    let features: Vec<Value> = rows
        .iter()
        .filter_map(|r| {
            let (lat, lon) = r.position?;
            Some(json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [lon, lat] },
                "properties": {
                    "id": r.id.0,
                    "category": r.category_code,
                    "category_name": match lang {
                        crate::i18n::Lang::Sv => &r.category_sv,
                        crate::i18n::Lang::En => &r.category_en,
                    },
                    "occurred": r.occurred_from.local_display(),
                    "status": crate::pages::incidents::status_label(lang, &r.status),
                    "organisation": r.organisation_name,
                }
            }))
        })
        .collect();
    let body = json!({ "type": "FeatureCollection", "features": features, "total": total });
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        body.to_string(),
    )
        .into_response())
}

/// One incident, if the caller may see it (404 otherwise, so its existence is not
/// revealed).
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    responses((status = 200, body = IncidentDto), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError), (status = 404, body = super::ApiError)))]
pub async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> super::ApiResult<IncidentDto> {
    let row = state.trygg.incident(&ctx.caller(), IncidentId(id)).await?;
    Ok(Json(IncidentDto::from(&row)))
}

/// One incident of a new report. Where: `lat`+`lon` (WGS84) or `n`+`e` (SWEREF 99 TM),
/// and/or `place_id`, and/or `location_text`; at least one of them.
#[derive(Deserialize, ToSchema)]
pub struct NewIncidentBody {
    /// A category code (`klotter`) or Swedish name (`Klotter`).
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    /// `2026-09-12 22:30` (Stockholm), `2026-09-12` (the whole day) or RFC 3339.
    #[serde(default)]
    pub occurred_at: String,
    /// The end of a window when the exact time is unknown (e.g. a weekend).
    pub occurred_to: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub n: Option<f64>,
    pub e: Option<f64>,
    pub place_id: Option<i64>,
    pub location_text: Option<String>,
    #[serde(default)]
    pub creates_insecurity: bool,
    /// 1–3; the category's default when absent.
    pub severity: Option<u8>,
    /// `partners` (default) or `own`.
    pub sharing: Option<String>,
}

/// A report: one or more incidents.
#[derive(Deserialize, ToSchema)]
pub struct NewReportBody {
    pub incidents: Vec<NewIncidentBody>,
}

/// A filed report.
#[derive(Serialize, ToSchema)]
pub struct FiledDto {
    pub report_id: i64,
    /// `false` when the `Idempotency-Key` had been used: this is the first report, and
    /// nothing new was stored.
    pub created: bool,
    /// The report's incidents as stored (descriptions masked).
    pub incidents: Vec<IncidentDto>,
    /// Per incident, in request order: the kinds of personal data found (and masked or
    /// flagged as the category says), e.g. `["personnummer (1)"]`.
    pub personal_data: Vec<Vec<String>>,
}

fn input_of(body: NewIncidentBody) -> Result<IncidentInput, Invalid> {
    let text = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let first = |errors: Vec<Invalid>| {
        errors
            .into_iter()
            .next()
            .unwrap_or(Invalid::new("position", "required"))
    };
    let point = match (
        body.lat.is_some() || body.lon.is_some(),
        body.n.is_some() || body.e.is_some(),
    ) {
        (true, true) => return Err(Invalid::new("position", "position_ambiguous")),
        (true, false) => Some(parse_wgs84(&text(body.lat), &text(body.lon)).map_err(first)?),
        (false, true) => Some(parse_sweref99tm(&text(body.n), &text(body.e)).map_err(first)?),
        (false, false) => None,
    };
    Ok(IncidentInput {
        category: body.category,
        description: body.description,
        occurred_at: body.occurred_at,
        occurred_to: body.occurred_to,
        place: WhereInput {
            point,
            place: body.place_id.map(PlaceId),
            text: body.location_text,
        },
        creates_insecurity: body.creates_insecurity,
        severity: body.severity.map(|s| s.to_string()),
        sharing: body.sharing,
        // Photos are added afterwards: POST /api/v1/incidents/{id}/photos.
        photos: Vec::new(),
    })
}

/// Files a report of one or more incidents. With an `Idempotency-Key` header (any
/// string up to 200 characters, unique per report, e.g. a UUID), a retried request
/// files nothing new: it answers 200 with the first report instead of 201.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = NewReportBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: the same key files the report once")),
    responses((status = 201, body = FiledDto), (status = 200, description = "A retry: the report filed first with this key", body = FiledDto),
        (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 422, description = "An incident is invalid: `index` names which, `field` and `code` what (e.g. `unknown_category`, `position_required`, `in_future`)", body = ValidationErrorDto)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewReportBody>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    caller.require(Action::FileReport)?;
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut inputs = Vec::with_capacity(body.incidents.len());
    let mut errors = Vec::new();
    for (index, b) in body.incidents.into_iter().enumerate() {
        match input_of(b) {
            Ok(i) => inputs.push(i),
            Err(e) => errors.push((Some(index), e)),
        }
    }
    if !errors.is_empty() {
        return Ok(invalid(&ctx, errors));
    }
    let filed = match state
        .trygg
        .file_report(&caller, &ctx.meta(), inputs, key)
        .await
    {
        Ok(f) => f,
        Err(ReportError::Invalid(errors)) => {
            return Ok(invalid(
                &ctx,
                errors
                    .into_iter()
                    .map(|e| (Some(e.index), e.invalid))
                    .collect(),
            ));
        }
        Err(ReportError::Other(Error::Invalid(i))) => return Ok(invalid(&ctx, vec![(None, i)])),
        Err(ReportError::Other(e)) => return Err(e.into()),
    };
    let rows =
        crate::pages::report::report_incidents(&state, &caller, ReportId(filed.report.0)).await?;
    let lang = ctx.lang;
    let dto = FiledDto {
        report_id: filed.report.0,
        created: filed.new,
        incidents: rows.iter().map(IncidentDto::from).collect(),
        personal_data: rows
            .iter()
            .map(|r| personal_data_labels(lang, &r.pii_found).0)
            .collect(),
    };
    let status = if filed.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(dto)).into_response())
}

/// A review decision.
#[derive(Deserialize, ToSchema)]
pub struct ReviewBody {
    /// `accept`, `reject`, `reclassify`, `move` or `merge`.
    #[serde(default)]
    pub decision: String,
    /// For accept and reclassify: a note the reporter sees.
    pub note: Option<String>,
    /// For reject: the reason, which the reporter sees (required).
    pub reason: Option<String>,
    /// For reclassify: the new category (code or Swedish name).
    pub category: Option<String>,
    /// For move: the corrected position, WGS84 …
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// … or SWEREF 99 TM.
    pub n: Option<f64>,
    pub e: Option<f64>,
    /// For move: the named place it happened at, if any.
    pub place_id: Option<i64>,
    /// For merge: the incident this one duplicates.
    pub into: Option<i64>,
}

fn decision_of(b: ReviewBody) -> Result<ReviewInput, Invalid> {
    Ok(match b.decision.as_str() {
        "accept" => ReviewInput::Accept { note: b.note },
        "reject" => ReviewInput::Reject {
            reason: b.reason.unwrap_or_default(),
        },
        "reclassify" => ReviewInput::Reclassify {
            category: b.category.ok_or(Invalid::new("category", "required"))?,
            note: b.note,
        },
        "merge" => ReviewInput::Merge {
            into: IncidentId(b.into.ok_or(Invalid::new("into", "required"))?),
        },
        "move" => {
            let text = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
            let first = |errors: Vec<Invalid>| {
                errors
                    .into_iter()
                    .next()
                    .unwrap_or(Invalid::new("position", "required"))
            };
            let point = match (
                b.lat.is_some() || b.lon.is_some(),
                b.n.is_some() || b.e.is_some(),
            ) {
                (true, true) => return Err(Invalid::new("position", "position_ambiguous")),
                (true, false) => parse_wgs84(&text(b.lat), &text(b.lon)).map_err(first)?,
                (false, true) => parse_sweref99tm(&text(b.n), &text(b.e)).map_err(first)?,
                (false, false) => return Err(Invalid::new("position", "required")),
            };
            ReviewInput::Move {
                point,
                place: b.place_id.map(PlaceId),
            }
        }
        _ => return Err(Invalid::new("decision", "invalid_choice")),
    })
}

/// Reviews an incident (coordinators): accept, reject with a reason, reclassify, move
/// or merge into a duplicate. Answers the incident as it is afterwards.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/review", tag = "incidents", request_body = ReviewBody,
    params(("id" = i64, Path, description = "The incident's id")),
    responses((status = 200, body = IncidentDto), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 404, body = super::ApiError), (status = 422, body = ValidationErrorDto)))]
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    caller.require(Action::ReviewIncidents)?;
    let decision = match decision_of(body) {
        Ok(d) => d,
        Err(e) => return Ok(invalid(&ctx, vec![(None, e)])),
    };
    match state
        .trygg
        .review(&caller, &ctx.meta(), IncidentId(id), decision)
        .await
    {
        Ok(()) => {}
        Err(Error::Invalid(i)) => return Ok(invalid(&ctx, vec![(None, i)])),
        Err(e) => return Err(e.into()),
    }
    let row = state.trygg.incident(&caller, IncidentId(id)).await?;
    Ok(Json(IncidentDto::from(&row)).into_response())
}
