//! Areas and places: read by every signed-in user, places written by admin and
//! samordnare. Positions are WGS84 (`lat`, `lon` in degrees) unless a field says
//! otherwise; GeoJSON follows RFC 7946 (`[longitude, latitude]`).

use axum::Json;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use trygg_core::Error;
use trygg_core::geography::{PlaceView, PolygonUpdate, point_inside};
use trygg_domain::Invalid;
use trygg_domain::area::AreaKind;
use trygg_domain::geo::Wgs84;
use trygg_domain::geo::geojson::parse_area_geometry;
use trygg_domain::id::{AreaId, PlaceId};
use trygg_domain::place::{PlaceForm, PlaceSpec, parse_aliases, parse_sweref99tm, parse_wgs84};
use trygg_store::AreaInfo;
use utoipa::{IntoParams, ToSchema};

use super::ApiResult;
use crate::context::Ctx;
use crate::error::plain;
use crate::{AppState, WebError};

/// An area (one version of it).
#[derive(Serialize, ToSchema)]
pub struct AreaDto {
    pub id: i64,
    /// kommun, district, regso, deso, permit_area, bf_area or custom.
    pub kind: String,
    /// Unique among the current areas of its kind, e.g. `0580R018`.
    pub code: String,
    pub name: String,
    /// Size in km², measured in SWEREF 99 TM.
    pub area_km2: f64,
    /// `[min_lon, min_lat, max_lon, max_lat]` in WGS84 degrees.
    pub bbox: [f64; 4],
    /// When this version took effect (RFC 3339, UTC).
    pub valid_from: String,
    /// When it was replaced by a newer boundary; absent while current.
    pub valid_to: Option<String>,
    pub current: bool,
}

impl From<&AreaInfo> for AreaDto {
    fn from(a: &AreaInfo) -> Self {
        Self {
            id: a.id.0,
            kind: a.kind.code().into(),
            code: a.code.clone(),
            name: a.name.clone(),
            area_km2: a.area_km2,
            bbox: [
                a.bbox.min_lon,
                a.bbox.min_lat,
                a.bbox.max_lon,
                a.bbox.max_lat,
            ],
            valid_from: a.valid_from.rfc3339(),
            valid_to: a.valid_to.map(|t| t.rfc3339()),
            current: a.is_current(),
        }
    }
}

/// An area this one is the union of.
#[derive(Serialize, ToSchema)]
pub struct AreaMemberDto {
    pub kind: String,
    pub code: String,
    /// The member's current version, if it still exists.
    pub id: Option<i64>,
    pub name: Option<String>,
}

/// An area with its boundary and surroundings.
#[derive(Serialize, ToSchema)]
pub struct AreaDetailDto {
    #[serde(flatten)]
    pub area: AreaDto,
    /// GeoJSON MultiPolygon geometry (RFC 7946, WGS84, longitude first).
    #[schema(value_type = Object)]
    pub geometry: Value,
    /// For unions (e.g. a district made of RegSO areas): the areas it is made of.
    pub members: Vec<AreaMemberDto>,
    /// Current areas of the same kind that touch it.
    pub neighbours: Vec<AreaDto>,
    /// Places whose point lies in it.
    pub places: Vec<PlaceDto>,
    /// Every version of this kind and code, oldest first.
    pub versions: Vec<AreaDto>,
}

/// The short form of an area inside a place.
#[derive(Serialize, ToSchema)]
pub struct AreaRefDto {
    pub id: i64,
    pub kind: String,
    pub code: String,
    pub name: String,
}

/// A position in SWEREF 99 TM.
#[derive(Serialize, ToSchema)]
pub struct SwerefDto {
    /// Northing in metres.
    pub n: f64,
    /// Easting in metres.
    pub e: f64,
}

/// A named place.
#[derive(Serialize, ToSchema)]
pub struct PlaceDto {
    pub id: i64,
    pub name: String,
    /// e.g. square, station, tunnel, school_yard.
    pub kind: String,
    pub aliases: Vec<String>,
    /// WGS84 latitude in degrees.
    pub lat: f64,
    /// WGS84 longitude in degrees.
    pub lon: f64,
    /// The same position in SWEREF 99 TM.
    pub sweref99tm: Option<SwerefDto>,
    /// GeoJSON MultiPolygon for places that are small areas.
    #[schema(value_type = Option<Object>)]
    pub polygon: Option<Value>,
    /// The current areas the point lies in.
    pub areas: Vec<AreaRefDto>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&PlaceView> for PlaceDto {
    fn from(v: &PlaceView) -> Self {
        let p = &v.place;
        let sweref99tm = Wgs84::new(p.lat, p.lon)
            .ok()
            .and_then(|w| w.to_sweref99tm().ok())
            .map(|g| SwerefDto { n: g.n(), e: g.e() });
        Self {
            id: p.id.0,
            name: p.name.clone(),
            kind: p.kind.as_str().into(),
            aliases: p.aliases.clone(),
            lat: p.lat,
            lon: p.lon,
            sweref99tm,
            polygon: p
                .polygon
                .as_deref()
                .and_then(|t| serde_json::from_str(t).ok()),
            areas: v
                .areas
                .iter()
                .map(|a| AreaRefDto {
                    id: a.id.0,
                    kind: a.kind.code().into(),
                    code: a.code.clone(),
                    name: a.name.clone(),
                })
                .collect(),
            created_at: p.created_at.rfc3339(),
            updated_at: p.updated_at.rfc3339(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AreasQuery {
    /// Only areas of this kind: kommun, district, regso, deso, permit_area, bf_area, custom.
    pub kind: Option<String>,
    /// Only areas containing this WGS84 point, written `lat,lon`, e.g. `58.41611,15.62583`.
    /// A point on the boundary of two areas is in both.
    pub contains: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GeoJsonQuery {
    /// Only areas of this kind.
    pub kind: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacesQuery {
    /// Search by name and aliases; case, accents and å/ä/ö do not matter
    /// ("skaggetorp" finds "Skäggetorp"). Best matches first.
    pub q: Option<String>,
    /// Only places in this area (id).
    pub area: Option<i64>,
}

fn kind_param(kind: Option<&str>) -> Result<Option<AreaKind>, WebError> {
    match kind.map(str::trim).filter(|k| !k.is_empty()) {
        Some(k) => Ok(Some(AreaKind::parse(k)?)),
        None => Ok(None),
    }
}

/// The current areas.
#[utoipa::path(get, path = "/api/v1/areas", tag = "geography", params(AreasQuery),
    responses((status = 200, body = Vec<AreaDto>), (status = 401, body = super::ApiError),
        (status = 422, description = "Unknown kind (`unknown_area_kind`) or a `contains` that is not `lat,lon` (`invalid_position_text`)", body = super::ApiError)))]
pub async fn areas(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<AreasQuery>,
) -> ApiResult<Vec<AreaDto>> {
    let kind = kind_param(query.kind.as_deref())?;
    let areas = match query.contains.as_deref() {
        Some(text) => {
            let point: Wgs84 = text.parse().map_err(Error::Geo)?;
            let mut found = state.trygg.locate(&ctx.caller(), point).await?;
            found.retain(|a| kind.is_none_or(|k| a.kind == k));
            found
        }
        None => state.trygg.areas(&ctx.caller(), kind).await?,
    };
    Ok(Json(areas.iter().map(AreaDto::from).collect()))
}

/// One area (any version) with its boundary, members, neighbours and places.
#[utoipa::path(get, path = "/api/v1/areas/{id}", tag = "geography",
    params(("id" = i64, Path, description = "The area's id")),
    responses((status = 200, body = AreaDetailDto), (status = 401, body = super::ApiError), (status = 404, body = super::ApiError)))]
pub async fn area(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> ApiResult<AreaDetailDto> {
    let caller = ctx.caller();
    let detail = state.trygg.area(&caller, AreaId(id)).await?;
    let set_places = state.trygg.places(&caller, None, Some(AreaId(id))).await?;
    Ok(Json(AreaDetailDto {
        area: AreaDto::from(&detail.area.info),
        geometry: detail.geometry,
        members: detail
            .members
            .iter()
            .map(|(m, current)| AreaMemberDto {
                kind: m.kind.code().into(),
                code: m.code.clone(),
                id: current.as_ref().map(|a| a.id.0),
                name: current.as_ref().map(|a| a.name.clone()),
            })
            .collect(),
        neighbours: detail.neighbours.iter().map(AreaDto::from).collect(),
        places: set_places.iter().map(PlaceDto::from).collect(),
        versions: detail.versions.iter().map(AreaDto::from).collect(),
    }))
}

/// The current areas as a GeoJSON FeatureCollection (RFC 7946: WGS84, `[longitude,
/// latitude]`); each feature's properties are `id`, `kind`, `code`, `name`, `area_km2`.
#[utoipa::path(get, path = "/api/v1/areas.geojson", tag = "geography", params(GeoJsonQuery),
    responses((status = 200, description = "A GeoJSON FeatureCollection", body = Object, content_type = "application/geo+json"),
        (status = 401, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn areas_geojson(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<GeoJsonQuery>,
) -> Result<Response, WebError> {
    let kind = kind_param(query.kind.as_deref())?;
    let collection = state.trygg.areas_geojson(&ctx.caller(), kind).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/geo+json")],
        collection.to_string(),
    )
        .into_response())
}

/// Places, in Swedish alphabetical order, or best match first when searching.
#[utoipa::path(get, path = "/api/v1/places", tag = "geography", params(PlacesQuery),
    responses((status = 200, body = Vec<PlaceDto>), (status = 401, body = super::ApiError)))]
pub async fn places(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<PlacesQuery>,
) -> ApiResult<Vec<PlaceDto>> {
    let views = state
        .trygg
        .places(&ctx.caller(), query.q.as_deref(), query.area.map(AreaId))
        .await?;
    Ok(Json(views.iter().map(PlaceDto::from).collect()))
}

/// `null` for a present JSON null, so that absent and null can be told apart.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// A new place. Give the position as WGS84 `lat` and `lon`, or as SWEREF 99 TM `n`
/// (northing) and `e` (easting) in metres — not both. With a `polygon` and no position,
/// a point inside the polygon is used.
#[derive(Deserialize, ToSchema)]
pub struct NewPlaceBody {
    #[serde(default)]
    pub name: String,
    /// A short code: lower-case letters, digits and `_`, e.g. `square`, `tunnel`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub n: Option<f64>,
    pub e: Option<f64>,
    /// A GeoJSON Polygon or MultiPolygon (WGS84) of at most 5 km² containing the point.
    #[schema(value_type = Option<Object>)]
    pub polygon: Option<Value>,
}

/// Changes to a place: only the fields given change. A position replaces the old one
/// (either pair, as for a new place); `"polygon": null` removes the polygon.
#[derive(Deserialize, ToSchema)]
pub struct PlaceChangeBody {
    pub name: Option<String>,
    pub kind: Option<String>,
    /// Replaces all aliases.
    pub aliases: Option<Vec<String>>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub n: Option<f64>,
    pub e: Option<f64>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    pub polygon: Option<Value>,
}

/// A JSON body; a body that is not JSON of the expected shape is answered 422
/// `invalid_body` (415 `unsupported_media_type` without a JSON content type).
pub struct ApiJson<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(axum::extract::rejection::JsonRejection::MissingJsonContentType(_)) => Err(plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            )),
            Err(_) => Err(plain(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")),
        }
    }
}

fn first(errors: Vec<Invalid>) -> Error {
    errors
        .into_iter()
        .next()
        .map_or(Error::Internal("empty error list".into()), Error::Invalid)
}

/// The position of a request: exactly one of the two pairs, complete.
fn position(
    lat: Option<f64>,
    lon: Option<f64>,
    n: Option<f64>,
    e: Option<f64>,
) -> Result<Option<Wgs84>, Error> {
    let text = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    match (lat.is_some() || lon.is_some(), n.is_some() || e.is_some()) {
        (true, true) => Err(Invalid::new("position", "position_ambiguous").into()),
        (true, false) => parse_wgs84(&text(lat), &text(lon)).map(Some).map_err(first),
        (false, true) => parse_sweref99tm(&text(n), &text(e))
            .map(Some)
            .map_err(first),
        (false, false) => Ok(None),
    }
}

fn polygon_of(value: &Value) -> Result<geo::MultiPolygon<f64>, Error> {
    parse_area_geometry(value).map_err(|_| Invalid::new("polygon", "invalid_polygon").into())
}

fn spec(name: &str, kind: &str, aliases: &[String], point: Wgs84) -> Result<PlaceSpec, Error> {
    // The text checks are the form's; the position is already checked.
    let form = PlaceForm {
        name: name.into(),
        kind: kind.into(),
        aliases: String::new(),
        crs: "wgs84".into(),
        lat: point.lat().to_string(),
        lon: point.lon().to_string(),
        ..PlaceForm::default()
    };
    let mut spec = form.parse().map_err(first)?;
    spec.aliases = parse_aliases(aliases)?;
    spec.point = point;
    Ok(spec)
}

/// Creates a place; its areas are found from its point.
#[utoipa::path(post, path = "/api/v1/places", tag = "geography", request_body = NewPlaceBody,
    responses((status = 201, body = PlaceDto), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 422, description = "A field is invalid; `code` says which rule (e.g. `required`, `invalid_place_kind`, `position_outside_sweden`, `position_looks_swapped`, `position_ambiguous`)", body = super::ApiError)))]
pub async fn create_place(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<NewPlaceBody>,
) -> Result<Response, WebError> {
    let caller = ctx.caller();
    // Access first: the guard has checked the route, the use case checks again.
    caller.require(trygg_domain::policy::Action::ManagePlaces)?;
    let polygon = body.polygon.as_ref().map(polygon_of).transpose()?;
    let point = match position(body.lat, body.lon, body.n, body.e)? {
        Some(p) => p,
        None => polygon
            .as_ref()
            .and_then(point_inside)
            .ok_or(Error::Invalid(Invalid::new("position", "required")))?,
    };
    let spec = spec(&body.name, &body.kind, &body.aliases, point)?;
    let id = state
        .trygg
        .create_place(&caller, &ctx.meta(), spec, polygon)
        .await?;
    let view = state.trygg.place(&caller, id).await?;
    Ok((StatusCode::CREATED, Json(PlaceDto::from(&view))).into_response())
}

/// Changes a place.
#[utoipa::path(patch, path = "/api/v1/places/{id}", tag = "geography", request_body = PlaceChangeBody,
    params(("id" = i64, Path, description = "The place's id")),
    responses((status = 200, body = PlaceDto), (status = 401, body = super::ApiError), (status = 403, body = super::ApiError),
        (status = 404, body = super::ApiError), (status = 422, body = super::ApiError)))]
pub async fn update_place(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<PlaceChangeBody>,
) -> ApiResult<PlaceDto> {
    let caller = ctx.caller();
    caller.require(trygg_domain::policy::Action::ManagePlaces)?;
    let id = PlaceId(id);
    let old = state.trygg.place(&caller, id).await?.place;
    let polygon = match &body.polygon {
        None => PolygonUpdate::Keep,
        Some(Value::Null) => PolygonUpdate::Clear,
        Some(v) => PolygonUpdate::Set(polygon_of(v)?),
    };
    let point = match position(body.lat, body.lon, body.n, body.e)? {
        Some(p) => p,
        None => Wgs84::new(old.lat, old.lon).map_err(Error::Geo)?,
    };
    let spec = spec(
        body.name.as_deref().unwrap_or(&old.name),
        body.kind.as_deref().unwrap_or(old.kind.as_str()),
        body.aliases.as_deref().unwrap_or(&old.aliases),
        point,
    )?;
    state
        .trygg
        .update_place(&caller, &ctx.meta(), id, spec, polygon)
        .await?;
    let view = state.trygg.place(&caller, id).await?;
    Ok(Json(PlaceDto::from(&view)))
}

#[cfg(test)]
mod tests {
    //! The geography API's access rules and validation, on SQLite and (with
    //! `TEST_DATABASE_URL`) PostgreSQL: readers read, only admin and samordnare write,
    //! anonymous callers get 401, bad bodies 422 with a stable code.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode, header};
    use serde_json::{Value, json};
    use tower::ServiceExt;
    use trygg_core::accounts::UserInput;
    use trygg_core::{Caller, Clock, RequestMeta, Settings, Trygg};
    use trygg_domain::account::Role;
    use trygg_domain::organisation::OrganisationKind;
    use trygg_domain::time::Instant;
    use trygg_store::on_both_backends;

    use crate::WebConfig;

    const PASSWORD: &str = "ett långt testlösenord för geografi";

    struct App {
        router: axum::Router,
        trygg: Trygg,
    }

    /// (cookie header, CSRF token) of a new session for a user with this role.
    async fn session(app: &App, role: Role) -> (String, String) {
        let email = format!("{}@test.example", crate::pages::role_key(role));
        let home = home(&app.trygg).await;
        app.trygg
            .create_user(
                &Caller::System,
                &RequestMeta::cli(),
                UserInput {
                    email: email.clone(),
                    name: "Test".into(),
                    organisation_id: home,
                    unit_id: None,
                    roles: vec![role],
                    password: PASSWORD.into(),
                },
            )
            .await
            .unwrap();
        let logged_in = app
            .trygg
            .login(&email, PASSWORD, &RequestMeta::cli())
            .await
            .unwrap();
        (
            format!("trygg_session={}", logged_in.token),
            logged_in.csrf_token,
        )
    }

    async fn home(trygg: &Trygg) -> trygg_domain::id::OrganisationId {
        use trygg_store::Store;
        match trygg.db.home_organisation().await.unwrap() {
            Some(o) => o.id,
            None => trygg
                .create_organisation(
                    &Caller::System,
                    &RequestMeta::cli(),
                    "Linköpings kommun",
                    OrganisationKind::Kommun,
                    true,
                )
                .await
                .unwrap(),
        }
    }

    async fn app(db: trygg_store::Db) -> App {
        let trygg = Trygg::new(
            db,
            Clock::manual(Instant::from_micros(1_800_000_000_000_000)),
            Settings::default(),
        );
        trygg.load_demo_geography().await.unwrap();
        let config = WebConfig {
            cookie_secure: false,
            ..WebConfig::default()
        };
        App {
            router: crate::app(trygg.clone(), config),
            trygg,
        }
    }

    async fn call(
        app: &App,
        method: Method,
        path: &str,
        who: Option<&(String, String)>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some((cookie, csrf)) = who {
            req = req
                .header(header::COOKIE, cookie)
                .header("x-csrf-token", csrf);
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let res = app.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
            .await
            .unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    on_both_backends!(readers_read_writers_write, |db, _t| async move {
        let app = app(db).await;
        let reader = session(&app, Role::Lasare).await;
        let coordinator = session(&app, Role::Samordnare).await;

        // Anonymous: 401 with the JSON error, on every geography endpoint.
        for (method, path) in [
            (Method::GET, "/api/v1/areas"),
            (Method::GET, "/api/v1/areas/1"),
            (Method::GET, "/api/v1/areas.geojson"),
            (Method::GET, "/api/v1/places"),
            (Method::POST, "/api/v1/places"),
            (Method::PATCH, "/api/v1/places/1"),
        ] {
            let (status, body) = call(&app, method.clone(), path, None, Some(json!({}))).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_eq!(body["error"]["code"], "unauthenticated");
        }

        // A reader reads…
        let (status, areas) = call(
            &app,
            Method::GET,
            "/api/v1/areas?kind=regso",
            Some(&reader),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(areas.as_array().unwrap().len(), 32);
        let (_, found) = call(
            &app,
            Method::GET,
            "/api/v1/areas?contains=58.41611,15.62583",
            Some(&reader),
            None,
        )
        .await;
        let names: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Linköpings kommun", "Vasastaden-Hunneberg"]);
        let (status, fc) = call(
            &app,
            Method::GET,
            "/api/v1/areas.geojson?kind=district",
            Some(&reader),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(fc["type"], "FeatureCollection");
        assert_eq!(fc["features"].as_array().unwrap().len(), 7);
        let first = &fc["features"][0]["geometry"]["coordinates"][0][0][0];
        assert!(
            first[0].as_f64().unwrap() < 20.0 && first[1].as_f64().unwrap() > 55.0,
            "longitude first: {first}"
        );
        let id = areas[0]["id"].as_i64().unwrap();
        let (status, detail) = call(
            &app,
            Method::GET,
            &format!("/api/v1/areas/{id}"),
            Some(&reader),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(detail["geometry"]["type"], "MultiPolygon");
        assert!(!detail["neighbours"].as_array().unwrap().is_empty());

        // …but does not write (403), whatever the body.
        let place = json!({"name": "Tunneln", "kind": "tunnel", "lat": 58.41611, "lon": 15.62583});
        let (status, body) = call(
            &app,
            Method::POST,
            "/api/v1/places",
            Some(&reader),
            Some(place.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(body["error"]["code"], "forbidden");
        let (status, _) = call(
            &app,
            Method::PATCH,
            "/api/v1/places/1",
            Some(&reader),
            Some(json!({"name": "X"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // A samordnare creates, in WGS84 or SWEREF 99 TM, and changes.
        let (status, created) = call(
            &app,
            Method::POST,
            "/api/v1/places",
            Some(&coordinator),
            Some(place),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert!(
            created["areas"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["name"] == "Vasastaden-Hunneberg")
        );
        assert!((created["sweref99tm"]["n"].as_f64().unwrap() - 6_475_208.6).abs() < 0.01);
        let (status, grid) = call(
            &app,
            Method::POST,
            "/api/v1/places",
            Some(&coordinator),
            Some(json!({"name": "Torget", "kind": "square", "n": 6_476_297.98, "e": 533_874.86, "aliases": ["Skäggetorps torg"]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{grid}");
        assert!((grid["lat"].as_f64().unwrap() - 58.42611).abs() < 1e-6);
        let id = created["id"].as_i64().unwrap();
        let (status, changed) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/places/{id}"),
            Some(&coordinator),
            Some(json!({"name": "Gångtunneln", "aliases": ["Resecentrumtunneln"]})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["name"], "Gångtunneln");
        assert_eq!(changed["kind"], "tunnel", "untouched fields stay");
        let (_, search) = call(
            &app,
            Method::GET,
            "/api/v1/places?q=resecentrumtunneln",
            Some(&reader),
            None,
        )
        .await;
        assert_eq!(search[0]["id"], id);

        // Bad bodies: 422 with a stable code.
        for (body, code) in [
            (
                json!({"name": "", "kind": "tunnel", "lat": 58.4, "lon": 15.6}),
                "required",
            ),
            (
                json!({"name": "X", "kind": "Tunnel!", "lat": 58.4, "lon": 15.6}),
                "invalid_place_kind",
            ),
            (
                json!({"name": "X", "kind": "tunnel", "lat": 15.6, "lon": 58.4}),
                "position_looks_swapped",
            ),
            (
                json!({"name": "X", "kind": "tunnel", "lat": 58.4, "lon": 15.6, "n": 1.0, "e": 2.0}),
                "position_ambiguous",
            ),
            (json!({"name": "X", "kind": "tunnel"}), "required"),
            (
                json!({"name": "X", "kind": "tunnel", "lat": "north"}),
                "invalid_body",
            ),
            (
                json!({"name": "X", "kind": "tunnel", "lat": 58.4, "lon": 15.6, "polygon": {"type": "Point", "coordinates": [15.6, 58.4]}}),
                "invalid_polygon",
            ),
        ] {
            let (status, reply) = call(
                &app,
                Method::POST,
                "/api/v1/places",
                Some(&coordinator),
                Some(body.clone()),
            )
            .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert_eq!(reply["error"]["code"], code, "{body}");
        }
        let (status, reply) = call(
            &app,
            Method::GET,
            "/api/v1/areas?kind=stadsdel",
            Some(&reader),
            None,
        )
        .await;
        assert_eq!(
            (status, reply["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_area_kind"))
        );
        let (status, reply) = call(
            &app,
            Method::GET,
            "/api/v1/areas?contains=58.4",
            Some(&reader),
            None,
        )
        .await;
        assert_eq!(
            (status, reply["error"]["code"].as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Some("invalid_position_text")
            )
        );

        // A place given as a small polygon only gets a point inside it.
        let square = json!({"type": "Polygon", "coordinates": [[[15.620, 58.410], [15.622, 58.410], [15.622, 58.411], [15.620, 58.411], [15.620, 58.410]]]});
        let (status, p) = call(
            &app,
            Method::POST,
            "/api/v1/places",
            Some(&coordinator),
            Some(json!({"name": "Stora torget", "kind": "square", "polygon": square})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{p}");
        assert!(p["polygon"]["type"] == "MultiPolygon");
        assert!((58.410..=58.411).contains(&p["lat"].as_f64().unwrap()));
        let too_big = json!({"type": "Polygon", "coordinates": [[[15.5, 58.3], [15.7, 58.3], [15.7, 58.5], [15.5, 58.5], [15.5, 58.3]]]});
        let (status, reply) = call(
            &app,
            Method::POST,
            "/api/v1/places",
            Some(&coordinator),
            Some(json!({"name": "Stort", "kind": "park", "polygon": too_big})),
        )
        .await;
        assert_eq!(
            (status, reply["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("polygon_too_large"))
        );
        // `"polygon": null` removes it.
        let pid = p["id"].as_i64().unwrap();
        let (status, p) = call(
            &app,
            Method::PATCH,
            &format!("/api/v1/places/{pid}"),
            Some(&coordinator),
            Some(json!({"polygon": null})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert!(p["polygon"].is_null());
    });
}
