//! The map, area pages and places: list with search, page, and a create/edit form that
//! works without JavaScript (coordinates typed in WGS84 or SWEREF 99 TM); with
//! JavaScript (`static/map.js`) the maps draw and clicking a map fills the coordinates.
//!
//! Every map has an equivalent table on the same page: the map is never the only way
//! to see or choose something. Maps get their data from the JSON API, named in `data-*`
//! attributes (the CSP allows no inline script).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use trygg_core::Error;
use trygg_core::geography::{PlaceView, PolygonUpdate};
use trygg_domain::Invalid;
use trygg_domain::area::AreaKind;
use trygg_domain::geo::{Wgs84, swedish_cmp};
use trygg_domain::id::{AreaId, PlaceId};
use trygg_domain::place::{PlaceForm, PlaceKind};
use trygg_domain::policy::Action;
use trygg_store::AreaInfo;

use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

// ---------------------------------------------------------------- shared pieces

/// What `map.js` needs, rendered as `data-*` attributes on the map container.
pub struct MapData {
    /// GeoJSON FeatureCollection of areas to draw, one layer per kind.
    pub areas_url: String,
    /// Places to draw (the places API).
    pub places_url: String,
    /// One area to draw and fit (the area API), instead of `areas_url`.
    pub area_url: String,
    pub tile_url: String,
    pub attribution: String,
    /// JSON object: layer key (area kind or `places`) → translated layer name.
    pub layer_names: String,
    /// Whether to offer the layer switcher.
    pub layers_control: bool,
    /// Whether a click on the map fills the form's latitude and longitude (and chooses
    /// WGS84); maps that only show leave it off.
    pub pick: bool,
    /// What a screen reader hears after a pick, with `{lat}` and `{lon}` for the values.
    pub pick_message: String,
    /// A point to mark (a place), `lat,lon`.
    pub marker: String,
}

impl MapData {
    fn new(state: &AppState, lang: Lang) -> Self {
        let mut names = serde_json::Map::new();
        for kind in AreaKind::ALL {
            names.insert(kind.code().into(), lang.t(&area_kind_key(kind)).into());
        }
        names.insert("places".into(), lang.t("places-title").into());
        names.insert("place".into(), lang.t("map-this-place").into());
        names.insert("layers".into(), lang.t("map-layers").into());
        names.insert("zoom_in".into(), lang.t("map-zoom-in").into());
        names.insert("zoom_out".into(), lang.t("map-zoom-out").into());
        Self {
            areas_url: String::new(),
            places_url: String::new(),
            area_url: String::new(),
            tile_url: state.config.map_tile_url.clone().unwrap_or_default(),
            attribution: state.config.map_attribution.clone().unwrap_or_default(),
            layer_names: serde_json::Value::Object(names).to_string(),
            layers_control: false,
            pick: false,
            pick_message: lang.t_args(
                "map-picked",
                &[("lat", "{lat}".into()), ("lon", "{lon}".into())],
            ),
            marker: String::new(),
        }
    }
}

fn area_kind_key(kind: AreaKind) -> String {
    format!("area-kind-{}", kind.code().replace('_', "-"))
}

/// A translated place kind; kinds without a translation (from imported files) show as
/// their code.
fn place_kind_label(lang: Lang, kind: &str) -> String {
    let key = format!("place-kind-{}", kind.replace('_', "-"));
    let text = lang.t(&key);
    if text == key || text.is_empty() {
        kind.to_owned()
    } else {
        text
    }
}

/// A decimal number as the page's language writes it: `2,02` in Swedish.
fn decimal(lang: Lang, value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    match lang {
        Lang::Sv => text.replace('.', ","),
        Lang::En => text,
    }
}

fn date(instant: trygg_domain::time::Instant) -> String {
    instant.local_display().chars().take(10).collect()
}

/// An area in a table row.
pub struct AreaRow {
    pub id: i64,
    pub name: String,
    pub code: String,
    pub kind: String,
    pub km2: String,
}

fn area_row(lang: Lang, a: &AreaInfo) -> AreaRow {
    AreaRow {
        id: a.id.0,
        name: a.name.clone(),
        code: a.code.clone(),
        kind: lang.t(&area_kind_key(a.kind)),
        km2: decimal(lang, a.area_km2, 2),
    }
}

/// A table of areas of one kind.
pub struct AreaTable {
    pub id: String,
    pub caption: String,
    pub rows: Vec<AreaRow>,
}

/// A place in a table row.
pub struct PlaceRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub aliases: String,
    pub areas: Vec<AreaRow>,
    pub lat: String,
    pub lon: String,
}

fn place_row(lang: Lang, v: &PlaceView) -> PlaceRow {
    PlaceRow {
        id: v.place.id.0,
        name: v.place.name.clone(),
        kind: place_kind_label(lang, v.place.kind.as_str()),
        aliases: v.place.aliases.join(", "),
        areas: v.areas.iter().map(|a| area_row(lang, a)).collect(),
        lat: format!("{:.6}", v.place.lat),
        lon: format!("{:.6}", v.place.lon),
    }
}

fn can(ctx: &Ctx, action: Action) -> bool {
    ctx.actor.as_ref().is_some_and(|a| a.allows(action))
}

#[derive(serde::Deserialize, Default)]
pub struct Flash {
    saved: Option<String>,
}

// ---------------------------------------------------------------- the map

#[derive(Template)]
#[template(path = "geography/map.html")]
struct MapPage {
    shell: Shell,
    map: MapData,
    tables: Vec<AreaTable>,
    places: Vec<PlaceRow>,
    places_caption: String,
}

pub async fn map(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.caller();
    let areas = state.trygg.areas(&caller, None).await?;
    let places = state.trygg.places(&caller, None, None).await?;
    let lang = ctx.lang;
    let tables = AreaKind::ALL
        .iter()
        .filter_map(|kind| {
            let mut rows: Vec<&AreaInfo> = areas.iter().filter(|a| a.kind == *kind).collect();
            if rows.is_empty() {
                return None;
            }
            rows.sort_by(|a, b| swedish_cmp(&a.name, &b.name));
            Some(AreaTable {
                id: format!("areas-{}", kind.code().replace('_', "-")),
                caption: lang.t_args(
                    "map-areas-caption",
                    &[
                        ("kind", lang.t(&area_kind_key(*kind))),
                        ("count", rows.len().to_string()),
                    ],
                ),
                rows: rows.into_iter().map(|a| area_row(lang, a)).collect(),
            })
        })
        .collect();
    let mut map = MapData::new(&state, lang);
    map.areas_url = "/api/v1/areas.geojson".into();
    map.places_url = "/api/v1/places".into();
    map.layers_control = true;
    Ok(render(&MapPage {
        shell: Shell::new(&ctx, lang.t("map-title")),
        map,
        tables,
        places_caption: lang.t_args("map-places-caption", &[("count", places.len().to_string())]),
        places: places.iter().map(|v| place_row(lang, v)).collect(),
    }))
}

// ---------------------------------------------------------------- an area

/// A member of a union, for the area page.
pub struct MemberRow {
    pub id: Option<i64>,
    pub name: String,
}

pub struct VersionRow {
    pub id: i64,
    pub from: String,
    pub to: String,
    pub is_this: bool,
}

#[derive(Template)]
#[template(path = "geography/area.html")]
struct AreaPage {
    shell: Shell,
    area: AreaRow,
    current: bool,
    valid_from: String,
    valid_to: String,
    members: Vec<MemberRow>,
    neighbours: Vec<AreaRow>,
    places: Vec<PlaceRow>,
    versions: Vec<VersionRow>,
    map: MapData,
    map_label: String,
    neighbours_caption: String,
    places_caption: String,
}

pub async fn area(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let caller = ctx.caller();
    let detail = state.trygg.area(&caller, AreaId(id)).await?;
    let places = state.trygg.places(&caller, None, Some(AreaId(id))).await?;
    let lang = ctx.lang;
    let info = &detail.area.info;
    let mut map = MapData::new(&state, lang);
    map.area_url = format!("/api/v1/areas/{id}");
    let name = info.name.clone();
    Ok(render(&AreaPage {
        shell: Shell::new(&ctx, name.clone()),
        area: area_row(lang, info),
        current: info.is_current(),
        valid_from: date(info.valid_from),
        valid_to: info.valid_to.map(date).unwrap_or_default(),
        members: detail
            .members
            .iter()
            .map(|(m, current)| MemberRow {
                id: current.as_ref().map(|a| a.id.0),
                name: current.as_ref().map_or_else(
                    || format!("{} {}", lang.t(&area_kind_key(m.kind)), m.code),
                    |a| a.name.clone(),
                ),
            })
            .collect(),
        neighbours: detail
            .neighbours
            .iter()
            .map(|a| area_row(lang, a))
            .collect(),
        versions: detail
            .versions
            .iter()
            .map(|v| VersionRow {
                id: v.id.0,
                from: date(v.valid_from),
                to: v.valid_to.map(date).unwrap_or_default(),
                is_this: v.id.0 == id,
            })
            .collect(),
        map,
        map_label: lang.t_args("area-map-label", &[("name", name.clone())]),
        neighbours_caption: lang.t_args("area-neighbours-caption", &[("name", name.clone())]),
        places_caption: lang.t_args("area-places-caption", &[("name", name)]),
        places: places.iter().map(|v| place_row(lang, v)).collect(),
    }))
}

// ---------------------------------------------------------------- places

#[derive(serde::Deserialize, Default)]
pub struct SearchQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "geography/places.html")]
struct PlacesPage {
    shell: Shell,
    q: String,
    places: Vec<PlaceRow>,
    caption: String,
    can_manage: bool,
}

pub async fn places(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    let q = query.q.unwrap_or_default().trim().to_owned();
    let views = state
        .trygg
        .places(
            &ctx.caller(),
            Some(q.as_str()).filter(|q| !q.is_empty()),
            None,
        )
        .await?;
    let lang = ctx.lang;
    let caption = if q.is_empty() {
        lang.t_args("places-caption", &[("count", views.len().to_string())])
    } else {
        lang.t_args(
            "places-search-caption",
            &[("query", q.clone()), ("count", views.len().to_string())],
        )
    };
    Ok(render(&PlacesPage {
        shell: Shell::new(&ctx, lang.t("places-title")),
        can_manage: can(&ctx, Action::ManagePlaces),
        places: views.iter().map(|v| place_row(lang, v)).collect(),
        caption,
        q,
    }))
}

#[derive(Template)]
#[template(path = "geography/place.html")]
struct PlacePage {
    shell: Shell,
    place: PlaceRow,
    n: String,
    e: String,
    saved: bool,
    can_manage: bool,
    map: MapData,
    map_label: String,
    areas_caption: String,
}

pub async fn place(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(flash): Query<Flash>,
) -> PageResult {
    let view = state.trygg.place(&ctx.caller(), PlaceId(id)).await?;
    let lang = ctx.lang;
    let grid = Wgs84::new(view.place.lat, view.place.lon)
        .ok()
        .and_then(|p| p.to_sweref99tm().ok());
    let mut map = MapData::new(&state, lang);
    map.marker = format!("{},{}", view.place.lat, view.place.lon);
    map.areas_url = "/api/v1/areas.geojson?kind=regso".into();
    let name = view.place.name.clone();
    Ok(render(&PlacePage {
        shell: Shell::new(&ctx, name.clone()),
        n: grid.map(|g| decimal(lang, g.n(), 1)).unwrap_or_default(),
        e: grid.map(|g| decimal(lang, g.e(), 1)).unwrap_or_default(),
        place: place_row(lang, &view),
        saved: flash.saved.is_some(),
        can_manage: can(&ctx, Action::ManagePlaces),
        map,
        map_label: lang.t_args("place-map-label", &[("name", name.clone())]),
        areas_caption: lang.t_args("place-areas-caption", &[("name", name)]),
    }))
}

// ---------------------------------------------------------------- the place form

/// One input of the form, with its error.
pub struct Field {
    pub value: String,
    pub error: Option<String>,
}

/// A choice in a select or radio group.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// An error in the summary at the top of the form, linking to its field.
pub struct SummaryItem {
    pub href: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "geography/place_form.html")]
struct PlaceFormPage {
    shell: Shell,
    /// `None` for a new place.
    id: Option<i64>,
    heading: String,
    name: Field,
    kind: Field,
    kinds: Vec<Choice>,
    aliases: Field,
    crs: String,
    lat: Field,
    lon: Field,
    n: Field,
    e: Field,
    /// An error about the position as a whole (e.g. outside Sweden).
    position_error: Option<String>,
    summary: Vec<SummaryItem>,
    map: MapData,
}

impl PlaceFormPage {
    /// The `aria-describedby` of an input: its hint (if any) and its error (if any).
    fn describedby(&self, field: &str, hint: bool) -> String {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("place-{field}-hint"));
        }
        let own = match field {
            "name" => &self.name,
            "kind" => &self.kind,
            "aliases" => &self.aliases,
            "lat" => &self.lat,
            "lon" => &self.lon,
            "n" => &self.n,
            "e" => &self.e,
            _ => return ids.join(" "),
        };
        if own.error.is_some() {
            ids.push(format!("place-{field}-error"));
        }
        let in_active_pair = match self.crs.as_str() {
            "sweref99tm" => matches!(field, "n" | "e"),
            _ => matches!(field, "lat" | "lon"),
        };
        if in_active_pair && self.position_error.is_some() {
            ids.push("place-position-error".into());
        }
        ids.join(" ")
    }

    /// Whether an input is to be marked invalid.
    fn invalid(&self, field: &str) -> bool {
        self.describedby(field, false).contains("error")
    }
}

fn place_form_page(
    state: &AppState,
    ctx: &Ctx,
    id: Option<i64>,
    form: &PlaceForm,
    errors: &[Invalid],
) -> PageResult {
    let lang = ctx.lang;
    let message = |field: &str| {
        errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| lang.error(e.code))
    };
    let with_error = |name: &str, value: &str| Field {
        value: value.to_owned(),
        error: message(name),
    };
    let mut kinds: Vec<Choice> = PlaceKind::SUGGESTED
        .iter()
        .map(|k| Choice {
            value: (*k).into(),
            label: place_kind_label(lang, k),
            selected: form.kind == *k,
        })
        .collect();
    if !form.kind.is_empty() && !kinds.iter().any(|k| k.selected) {
        kinds.push(Choice {
            value: form.kind.clone(),
            label: place_kind_label(lang, &form.kind),
            selected: true,
        });
    }
    let crs = if form.crs == "sweref99tm" {
        "sweref99tm"
    } else {
        "wgs84"
    };
    // The summary links to the first input of each problem, in form order.
    let anchor = |field: &str| match field {
        "position" if crs == "sweref99tm" => "place-n".to_owned(),
        "position" | "crs" => "place-lat".to_owned(),
        other => format!("place-{other}"),
    };
    let label = |field: &str| {
        lang.t(match field {
            "name" => "field-name",
            "kind" => "place-kind",
            "aliases" => "place-aliases",
            "lat" => "place-lat",
            "lon" => "place-lon",
            "n" => "place-n",
            "e" => "place-e",
            "crs" => "place-crs",
            _ => "place-position",
        })
    };
    let summary = errors
        .iter()
        .map(|e| SummaryItem {
            href: format!("#{}", anchor(e.field)),
            message: format!("{}: {}", label(e.field), lang.error(e.code)),
        })
        .collect();
    let heading = lang.t(if id.is_some() {
        "place-edit-title"
    } else {
        "place-new-title"
    });
    let mut map = MapData::new(state, lang);
    map.areas_url = "/api/v1/areas.geojson?kind=regso".into();
    map.pick = true;
    if let Ok(p) = trygg_domain::place::parse_wgs84(&form.lat, &form.lon) {
        map.marker = format!("{},{}", p.lat(), p.lon());
    }
    let page = PlaceFormPage {
        shell: Shell::new(ctx, heading.clone()),
        id,
        heading,
        name: with_error("name", &form.name),
        kind: with_error("kind", &form.kind),
        kinds,
        aliases: with_error("aliases", &form.aliases),
        crs: crs.into(),
        lat: with_error("lat", &form.lat),
        lon: with_error("lon", &form.lon),
        n: with_error("n", &form.n),
        e: with_error("e", &form.e),
        position_error: message("position").or_else(|| message("crs")),
        summary,
        map,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page)).into_response())
}

fn form_of(data: &FormData) -> PlaceForm {
    PlaceForm {
        name: data.get("name").into(),
        kind: data.get("kind").into(),
        aliases: data.get("aliases").into(),
        crs: data.get("crs").into(),
        lat: data.get("lat").into(),
        lon: data.get("lon").into(),
        n: data.get("n").into(),
        e: data.get("e").into(),
    }
}

pub async fn new_place(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let form = PlaceForm {
        kind: "square".into(),
        crs: "wgs84".into(),
        ..PlaceForm::default()
    };
    place_form_page(&state, &ctx, None, &form, &[])
}

pub async fn create_place(State(state): State<AppState>, ctx: Ctx, data: FormData) -> PageResult {
    let form = form_of(&data);
    let spec = match form.parse() {
        Ok(spec) => spec,
        Err(errors) => return place_form_page(&state, &ctx, None, &form, &errors),
    };
    match state
        .trygg
        .create_place(&ctx.caller(), &ctx.meta(), spec, None)
        .await
    {
        Ok(id) => Ok(see_other(&format!("/places/{id}?saved=1"))),
        Err(Error::Invalid(i)) => place_form_page(&state, &ctx, None, &form, &[i]),
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_place(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult {
    let view = state.trygg.place(&ctx.caller(), PlaceId(id)).await?;
    let p = &view.place;
    let grid = Wgs84::new(p.lat, p.lon)
        .ok()
        .and_then(|w| w.to_sweref99tm().ok());
    let form = PlaceForm {
        name: p.name.clone(),
        kind: p.kind.as_str().into(),
        aliases: p.aliases.join("\n"),
        crs: "wgs84".into(),
        lat: p.lat.to_string(),
        lon: p.lon.to_string(),
        n: grid.map(|g| format!("{:.3}", g.n())).unwrap_or_default(),
        e: grid.map(|g| format!("{:.3}", g.e())).unwrap_or_default(),
    };
    place_form_page(&state, &ctx, Some(id), &form, &[])
}

pub async fn update_place(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    data: FormData,
) -> PageResult {
    let form = form_of(&data);
    let spec = match form.parse() {
        Ok(spec) => spec,
        Err(errors) => return place_form_page(&state, &ctx, Some(id), &form, &errors),
    };
    match state
        .trygg
        .update_place(
            &ctx.caller(),
            &ctx.meta(),
            PlaceId(id),
            spec,
            PolygonUpdate::Keep,
        )
        .await
    {
        Ok(()) => Ok(see_other(&format!("/places/{id}?saved=1"))),
        Err(Error::Invalid(i)) => place_form_page(&state, &ctx, Some(id), &form, &[i]),
        Err(e) => Err(e.into()),
    }
}
