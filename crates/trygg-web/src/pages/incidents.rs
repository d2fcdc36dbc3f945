//! EST incidents on pages: the list with its map, one incident, the reporter's own
//! reports and the reporting rhythm. The report form is in [`super::report`], the
//! review queue and the review forms in [`super::review`].
//!
//! Who sees which incident is decided once, in `trygg-core`, and applied in SQL; these
//! handlers only choose the selection and render it. The list's map reads the same
//! selection from `/api/v1/incidents.geojson`, so table and map cannot disagree.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use trygg_core::Caller;
use trygg_domain::Invalid;
use trygg_domain::area::AreaKind;
use trygg_domain::geo::{Wgs84, swedish_cmp};
use trygg_domain::id::{AreaId, OrganisationId, PlaceId};
use trygg_domain::incident::when::{LocalTimePolicy, Written, instant_of, parse_time, stockholm};
use trygg_domain::incident::{IncidentId, OccurredAt, ReviewStatus, Severity};
use trygg_domain::policy::Action;
use trygg_domain::time::Instant;
use trygg_store::Store;
use trygg_store::incident::{IncidentFilter, IncidentOrder, IncidentRow};

use super::review::{ReviewFeedback, ReviewForms, review_forms};
use super::{PageResult, Shell, render};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

// ---------------------------------------------------------------- shared pieces

/// Rows per page of the list pages.
pub const PAGE_SIZE: i64 = 50;

/// "Same category within 150 m and 24 h": what the review suggests as duplicates.
pub const DUPLICATE_METRES: f64 = 150.0;
pub const DUPLICATE_HOURS: i64 = 24;

/// A choice in a select or radio group.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// Choices under a heading (`<optgroup>`).
pub struct ChoiceGroup {
    pub label: String,
    pub choices: Vec<Choice>,
}

/// An incident as pages show it: every value already a text in the page's language.
pub struct IncidentView {
    pub id: i64,
    pub category: String,
    pub organisation: String,
    /// The (masked) description; empty when the caller may not read it.
    pub description: String,
    pub redacted: bool,
    /// "2026-09-12 22:30" or a window "… – …", Stockholm time.
    pub when: String,
    /// Place name, address text or coordinates: the shortest useful "where".
    pub place: String,
    pub place_name: String,
    pub location_text: String,
    /// WGS84 with six decimals, and SWEREF 99 TM, when there is a position.
    pub lat: String,
    pub lon: String,
    pub sweref: String,
    pub marker: String,
    pub severity: String,
    pub creates_insecurity: String,
    pub sharing: String,
    pub status: String,
    pub status_class: &'static str,
    pub review_note: String,
    pub merged_into: Option<i64>,
    pub created: String,
    /// "personnummer (1)" for each kind of personal data found in the description.
    pub personal_data: Vec<String>,
    /// Personal data was found and kept (the category keeps and flags instead of masking).
    pub flagged: bool,
}

impl IncidentView {
    pub fn new(lang: Lang, row: &IncidentRow, places: &HashMap<i64, String>) -> Self {
        let when = OccurredAt::from_stored(row.occurred_from, row.occurred_to)
            .map(OccurredAt::local_display)
            .unwrap_or_else(|_| row.occurred_from.local_display());
        let place_name = row
            .place_id
            .and_then(|p| places.get(&p.0))
            .cloned()
            .unwrap_or_default();
        let location_text = row.location_text.clone().unwrap_or_default();
        let (lat, lon, sweref, marker) = match row.position {
            Some((la, lo)) => {
                let grid = Wgs84::new(la, lo).ok().and_then(|p| p.to_sweref99tm().ok());
                (
                    format!("{la:.6}"),
                    format!("{lo:.6}"),
                    grid.map(|g| format!("N {:.0}, E {:.0}", g.n(), g.e()))
                        .unwrap_or_default(),
                    format!("{la},{lo}"),
                )
            }
            None => Default::default(),
        };
        let place = if !place_name.is_empty() {
            place_name.clone()
        } else if !location_text.is_empty() {
            location_text.clone()
        } else if !lat.is_empty() {
            format!("{lat}, {lon}")
        } else {
            String::new()
        };
        let severity = u8::try_from(row.severity)
            .ok()
            .and_then(|s| Severity::new(s).ok())
            .map(|s| {
                let name = match lang {
                    Lang::Sv => s.name_sv(),
                    Lang::En => s.name_en(),
                };
                format!("{} – {name}", s.get())
            })
            .unwrap_or_else(|| row.severity.to_string());
        let (personal_data, flagged) = personal_data_labels(lang, &row.pii_found);
        Self {
            id: row.id.0,
            category: match lang {
                Lang::Sv => row.category_sv.clone(),
                Lang::En => row.category_en.clone(),
            },
            organisation: row.organisation_name.clone(),
            redacted: row.description.is_empty(),
            description: row.description.clone(),
            when,
            place,
            place_name,
            location_text,
            lat,
            lon,
            sweref,
            marker,
            severity,
            creates_insecurity: lang.t(if row.creates_insecurity { "yes" } else { "no" }),
            sharing: sharing_label(lang, &row.sharing),
            status: status_label(lang, &row.status),
            status_class: status_class(&row.status),
            review_note: row.review_note.clone().unwrap_or_default(),
            merged_into: row.merged_into.map(|m| m.0),
            created: row.created_at.local_display(),
            personal_data,
            flagged,
        }
    }

    /// The description cut to a table cell's length.
    pub fn short_description(&self) -> String {
        const MAX: usize = 90;
        if self.description.chars().count() <= MAX {
            return self.description.clone();
        }
        let cut: String = self.description.chars().take(MAX).collect();
        format!("{}…", cut.trim_end())
    }
}

pub fn status_label(lang: Lang, code: &str) -> String {
    match ReviewStatus::parse(code) {
        Ok(s) => match lang {
            Lang::Sv => s.name_sv().into(),
            Lang::En => s.name_en().into(),
        },
        Err(_) => code.to_owned(),
    }
}

/// The badge beside a status: the text says it, the colour only repeats it.
fn status_class(code: &str) -> &'static str {
    match code {
        "accepted" => "badge badge-success",
        "rejected" => "badge badge-danger",
        "submitted" => "badge badge-warning",
        _ => "badge",
    }
}

fn sharing_label(lang: Lang, code: &str) -> String {
    match code {
        "own" => lang.t("incident-sharing-own"),
        _ => lang.t("incident-sharing-partners"),
    }
}

/// The kinds of personal data an incident's `pii_found` names, as "telefonnummer (2)",
/// and whether they were kept and flagged rather than masked.
pub fn personal_data_labels(lang: Lang, pii_found: &str) -> (Vec<String>, bool) {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str(pii_found) else {
        return (Vec::new(), false);
    };
    let mut labels = Vec::new();
    for kind in trygg_domain::incident::PiiKind::ALL {
        if let Some(n) = map.get(kind.code()).and_then(serde_json::Value::as_u64)
            && n > 0
        {
            labels.push(format!("{} ({n})", lang.t(&format!("pii-{}", kind.code()))));
        }
    }
    let flagged = map
        .get("flagged")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    (labels, flagged)
}

/// Names of the places by id, for "where" columns.
pub async fn place_names(
    state: &AppState,
    caller: &Caller,
) -> Result<HashMap<i64, String>, crate::WebError> {
    Ok(state
        .trygg
        .places(caller, None, None)
        .await?
        .into_iter()
        .map(|v| (v.place.id.0, v.place.name))
        .collect())
}

/// The current categories, grouped as the code list groups them (for `<optgroup>`).
pub async fn category_groups(
    state: &AppState,
    lang: Lang,
) -> Result<Vec<ChoiceGroup>, crate::WebError> {
    let (list, _) = state.trygg.category_list().await?;
    let mut groups: Vec<ChoiceGroup> = Vec::new();
    for group in trygg_domain::incident::CategoryGroup::ALL {
        let choices: Vec<Choice> = list
            .current()
            .filter(|c| c.group == group)
            .map(|c| Choice {
                value: c.code.as_str().to_owned(),
                label: match lang {
                    Lang::Sv => c.name_sv.as_str().to_owned(),
                    Lang::En => c.name_en.as_str().to_owned(),
                },
            })
            .collect();
        if !choices.is_empty() {
            groups.push(ChoiceGroup {
                label: match lang {
                    Lang::Sv => group.name_sv().into(),
                    Lang::En => group.name_en().into(),
                },
                choices,
            });
        }
    }
    Ok(groups)
}

/// Named places in Swedish order, for the place selects.
pub async fn place_choices(
    state: &AppState,
    caller: &Caller,
) -> Result<Vec<Choice>, crate::WebError> {
    let mut places = state.trygg.places(caller, None, None).await?;
    places.sort_by(|a, b| swedish_cmp(&a.place.name, &b.place.name));
    Ok(places
        .into_iter()
        .map(|v| Choice {
            value: v.place.id.0.to_string(),
            label: v.place.name,
        })
        .collect())
}

pub fn can(ctx: &Ctx, action: Action) -> bool {
    ctx.actor.as_ref().is_some_and(|a| a.allows(action))
}

/// The first instant of a Stockholm calendar day.
pub fn day_start(date: jiff::civil::Date) -> Option<Instant> {
    let tz = stockholm()?;
    date.to_zoned(tz.clone())
        .ok()
        .map(|z| Instant::from_timestamp(z.timestamp()))
}

/// A bound of a period filter: a date (`2026-09-12`, the whole day in Stockholm: `to`
/// is inclusive) or a date-time (local Stockholm time or with an offset).
fn period_bound(field: &'static str, text: &str, end: bool) -> Result<Option<Instant>, Invalid> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match parse_time(text).map_err(|code| Invalid::new(field, code))? {
        Written::Date(day) => {
            let day = if end {
                day.tomorrow()
                    .map_err(|_| Invalid::new(field, "invalid_date"))?
            } else {
                day
            };
            day_start(day)
                .map(Some)
                .ok_or(Invalid::new(field, "invalid_date"))
        }
        written => instant_of(field, written, LocalTimePolicy::default()).map(Some),
    }
}

/// A selection of incidents as typed (page query or API query), before parsing.
#[derive(Debug, Clone, Default)]
pub struct SelectionText {
    pub area: String,
    pub place: String,
    pub category: String,
    pub from: String,
    pub to: String,
    pub organisation: String,
    pub status: String,
    pub text: String,
    pub order: String,
}

fn id_param(field: &'static str, text: &str) -> Result<Option<i64>, Invalid> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .map(Some)
        .map_err(|_| Invalid::new(field, "invalid_choice"))
}

/// The store's filter for a typed selection, or what is wrong with it (fields `area`,
/// `place`, `organisation`, `status`, `from`, `to`, `order`).
pub fn parse_selection(s: &SelectionText) -> Result<IncidentFilter, Vec<Invalid>> {
    let mut errors = Vec::new();
    let mut f = IncidentFilter {
        limit: PAGE_SIZE,
        ..Default::default()
    };
    match id_param("area", &s.area) {
        Ok(v) => f.area = v.map(AreaId),
        Err(e) => errors.push(e),
    }
    match id_param("place", &s.place) {
        Ok(v) => f.place = v.map(PlaceId),
        Err(e) => errors.push(e),
    }
    match id_param("organisation", &s.organisation) {
        Ok(v) => f.organisation = v.map(OrganisationId),
        Err(e) => errors.push(e),
    }
    let category = s.category.trim();
    if !category.is_empty() {
        f.category_code = Some(category.to_owned());
    }
    let status = s.status.trim();
    if !status.is_empty() {
        match ReviewStatus::parse(status) {
            Ok(st) => f.status = Some(st.code().to_owned()),
            Err(e) => errors.push(e),
        }
    }
    match period_bound("from", &s.from, false) {
        Ok(v) => f.from = v,
        Err(e) => errors.push(e),
    }
    match period_bound("to", &s.to, true) {
        Ok(v) => f.to = v,
        Err(e) => errors.push(e),
    }
    if let (Some(a), Some(b)) = (f.from, f.to)
        && b <= a
    {
        errors.push(Invalid::new("to", "window_end_not_after_start"));
    }
    let text = s.text.trim();
    if !text.is_empty() {
        f.text = Some(text.to_owned());
    }
    f.order = match s.order.trim() {
        "" | "newest" => IncidentOrder::NewestFirst,
        "oldest" => IncidentOrder::OldestFirst,
        "severity" => IncidentOrder::SeverityFirst,
        _ => {
            errors.push(Invalid::new("order", "invalid_choice"));
            IncidentOrder::NewestFirst
        }
    };
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(errors)
    }
}

/// A query string from pairs, leaving out empty values.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().filter(|(_, v)| !v.trim().is_empty()))
        .finish()
}

/// One link of a page list.
pub struct PageLink {
    pub number: i64,
    pub href: String,
    pub current: bool,
}

/// Links to the first, the last and the pages around the current one (`…` between).
pub struct Pagination {
    pub pages: i64,
    pub current: i64,
    pub links: Vec<Option<PageLink>>,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pagination {
    pub fn new(total: i64, current: i64, href: impl Fn(i64) -> String) -> Self {
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let current = current.clamp(1, pages);
        let mut links = Vec::new();
        let mut last_shown = 0;
        for n in 1..=pages {
            if n == 1 || n == pages || (n - current).abs() <= 2 {
                if n > last_shown + 1 {
                    links.push(None);
                }
                links.push(Some(PageLink {
                    number: n,
                    href: href(n),
                    current: n == current,
                }));
                last_shown = n;
            }
        }
        Self {
            pages,
            current,
            previous: (current > 1).then(|| href(current - 1)),
            next: (current < pages).then(|| href(current + 1)),
            links,
        }
    }
}

fn page_number(text: Option<&str>) -> i64 {
    text.and_then(|t| t.trim().parse::<i64>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(1)
}

/// Error texts of a filter form, by field.
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    fn new(lang: Lang, errors: &[Invalid]) -> Self {
        Self(
            errors
                .iter()
                .map(|e| (e.field.to_owned(), lang.error(e.code)))
                .collect(),
        )
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.iter().find(|(f, _)| f == field).map(|(_, m)| m)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What the list and map pages need to draw a map (see `static/incidents.js`).
pub struct MapConfig {
    pub tile_url: String,
    pub attribution: String,
    /// JSON object of the few texts the script shows.
    pub labels: String,
}

impl MapConfig {
    pub fn new(state: &AppState, lang: Lang) -> Self {
        let labels = serde_json::json!({
            "zoom_in": lang.t("map-zoom-in"),
            "zoom_out": lang.t("map-zoom-out"),
            "picked": lang.t_args("map-picked", &[("lat", "{lat}".into()), ("lon", "{lon}".into())]),
            "located": lang.t_args("report-located", &[("lat", "{lat}".into()), ("lon", "{lon}".into())]),
            "locate_failed": lang.t("report-locate-failed"),
            "locating": lang.t("report-locating"),
            "load_failed": lang.t("map-load-failed"),
            "incident": lang.t("incident-title"),
        });
        Self {
            tile_url: state.config.map_tile_url.clone().unwrap_or_default(),
            attribution: state.config.map_attribution.clone().unwrap_or_default(),
            labels: labels.to_string(),
        }
    }
}

// ---------------------------------------------------------------- the list

#[derive(Deserialize, Default)]
pub struct ListQuery {
    omrade: Option<String>,
    plats: Option<String>,
    kategori: Option<String>,
    fran: Option<String>,
    till: Option<String>,
    organisation: Option<String>,
    status: Option<String>,
    fritext: Option<String>,
    sortering: Option<String>,
    sida: Option<String>,
}

impl ListQuery {
    fn selection(&self) -> SelectionText {
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        SelectionText {
            area: s(&self.omrade),
            place: s(&self.plats),
            category: s(&self.kategori),
            from: s(&self.fran),
            to: s(&self.till),
            organisation: s(&self.organisation),
            status: s(&self.status),
            text: s(&self.fritext),
            order: s(&self.sortering),
        }
    }
}

/// The page's query with another page number.
fn list_href(s: &SelectionText, page: i64) -> String {
    let page = page.to_string();
    let q = query_string(&[
        ("omrade", &s.area),
        ("plats", &s.place),
        ("kategori", &s.category),
        ("fran", &s.from),
        ("till", &s.to),
        ("organisation", &s.organisation),
        ("status", &s.status),
        ("fritext", &s.text),
        ("sortering", &s.order),
        ("sida", if page == "1" { "" } else { &page }),
    ]);
    if q.is_empty() {
        "/incidenter".into()
    } else {
        format!("/incidenter?{q}")
    }
}

/// The same selection and page for the API (English parameter names).
pub fn api_query(s: &SelectionText, limit: i64, offset: i64) -> String {
    let (limit, offset) = (limit.to_string(), offset.to_string());
    query_string(&[
        ("area", &s.area),
        ("place", &s.place),
        ("category", &s.category),
        ("from", &s.from),
        ("to", &s.to),
        ("organisation", &s.organisation),
        ("status", &s.status),
        ("q", &s.text),
        ("order", &s.order),
        ("limit", &limit),
        ("offset", &offset),
    ])
}

#[derive(Template)]
#[template(path = "incidents/list.html")]
struct ListPage {
    shell: Shell,
    selection: SelectionText,
    errors: FieldErrors,
    summary: Vec<(String, String)>,
    areas: Vec<ChoiceGroup>,
    places: Vec<Choice>,
    categories: Vec<ChoiceGroup>,
    organisations: Vec<Choice>,
    statuses: Vec<Choice>,
    orders: Vec<Choice>,
    rows: Vec<IncidentView>,
    caption: String,
    counts: String,
    pagination: Pagination,
    geojson_url: String,
    map: MapConfig,
    can_report: bool,
    /// The selection's query for the export links; `None` without the right to export
    /// or while the filter has errors.
    export_query: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let selection = q.selection();
    let page = page_number(q.sida.as_deref());
    let (rows, total, errors) = match parse_selection(&selection) {
        Ok(mut filter) => {
            filter.limit = PAGE_SIZE;
            filter.offset = (page - 1) * PAGE_SIZE;
            let (rows, total) = state.trygg.incidents(&caller, &filter).await?;
            (rows, total, Vec::new())
        }
        Err(errors) => (Vec::new(), 0, errors),
    };
    let names = place_names(&state, &caller).await?;
    let views: Vec<IncidentView> = rows
        .iter()
        .map(|r| IncidentView::new(lang, r, &names))
        .collect();
    let pagination = Pagination::new(total, page, |n| list_href(&selection, n));
    let first = if total == 0 {
        0
    } else {
        (pagination.current - 1) * PAGE_SIZE + 1
    };
    let last = first + views.len() as i64 - i64::from(!views.is_empty());
    let with_position = views.iter().filter(|v| !v.marker.is_empty()).count();
    let caption = lang.t_args(
        "incidents-caption",
        &[
            ("first", first.to_string()),
            ("last", last.max(0).to_string()),
            ("total", total.to_string()),
        ],
    );
    let counts = lang.t_args(
        "incidents-counts",
        &[
            ("total", total.to_string()),
            ("shown", views.len().to_string()),
            ("mapped", with_position.to_string()),
        ],
    );
    let label = |field: &str| {
        lang.t(match field {
            "area" => "incidents-filter-area",
            "place" => "incidents-filter-place",
            "organisation" => "incidents-filter-organisation",
            "status" => "incidents-filter-status",
            "from" => "incidents-filter-from",
            "to" => "incidents-filter-to",
            _ => "incidents-filter-order",
        })
    };
    let summary = errors
        .iter()
        .map(|e| {
            (
                format!("#filter-{}", e.field),
                format!("{}: {}", label(e.field), lang.error(e.code)),
            )
        })
        .collect();
    let offset = (pagination.current - 1) * PAGE_SIZE;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ListPage {
        shell: Shell::new(&ctx, lang.t("incidents-title")),
        errors: FieldErrors::new(lang, &errors),
        summary,
        areas: area_groups(&state, &caller, lang).await?,
        places: place_choices(&state, &caller).await?,
        categories: category_groups(&state, lang).await?,
        organisations: organisation_choices(&state).await?,
        statuses: ReviewStatus::ALL
            .iter()
            .map(|s| Choice {
                value: s.code().into(),
                label: status_label(lang, s.code()),
            })
            .collect(),
        orders: [
            ("newest", "incidents-order-newest"),
            ("oldest", "incidents-order-oldest"),
            ("severity", "incidents-order-severity"),
        ]
        .iter()
        .map(|(v, k)| Choice {
            value: (*v).into(),
            label: lang.t(k),
        })
        .collect(),
        geojson_url: if errors.is_empty() {
            format!(
                "/api/v1/incidents.geojson?{}",
                api_query(&selection, PAGE_SIZE, offset)
            )
        } else {
            String::new()
        },
        rows: views,
        caption,
        counts,
        pagination,
        map: MapConfig::new(&state, lang),
        can_report: can(&ctx, Action::FileReport),
        export_query: (errors.is_empty() && can(&ctx, Action::ExportIncidents))
            .then(|| super::exports::list_query(&selection)),
        selection,
    };
    Ok((status, render(&page)).into_response())
}

fn area_kind_key(kind: AreaKind) -> String {
    format!("area-kind-{}", kind.code().replace('_', "-"))
}

/// The current areas of every kind, grouped by kind, in Swedish order.
async fn area_groups(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
) -> Result<Vec<ChoiceGroup>, crate::WebError> {
    let areas = state.trygg.areas(caller, None).await?;
    Ok(AreaKind::ALL
        .iter()
        .filter_map(|kind| {
            let mut of_kind: Vec<_> = areas.iter().filter(|a| a.kind == *kind).collect();
            if of_kind.is_empty() {
                return None;
            }
            of_kind.sort_by(|a, b| swedish_cmp(&a.name, &b.name));
            Some(ChoiceGroup {
                label: lang.t(&area_kind_key(*kind)),
                choices: of_kind
                    .into_iter()
                    .map(|a| Choice {
                        value: a.id.0.to_string(),
                        label: a.name.clone(),
                    })
                    .collect(),
            })
        })
        .collect())
}

/// The partner organisations, for the organisation filter. Their names are shown on
/// every incident anyway, so this reads the store directly rather than through the
/// directory use case (which is for admins and coordinators).
async fn organisation_choices(state: &AppState) -> Result<Vec<Choice>, crate::WebError> {
    let mut orgs = state
        .trygg
        .db
        .organisations()
        .await
        .map_err(trygg_core::Error::from)?;
    orgs.sort_by(|a, b| swedish_cmp(&a.name, &b.name));
    Ok(orgs
        .into_iter()
        .map(|o| Choice {
            value: o.id.0.to_string(),
            label: o.name,
        })
        .collect())
}

// ---------------------------------------------------------------- one incident

#[derive(Deserialize, Default)]
pub struct IncidentQuery {
    granskad: Option<String>,
}

#[derive(Template)]
#[template(path = "incidents/incident.html")]
struct IncidentPage {
    shell: Shell,
    inc: IncidentView,
    /// Incidents merged into this one are not listed; the one this was merged into is
    /// linked from `inc.merged_into`.
    reviewed: Option<String>,
    review: Option<ReviewForms>,
    map: MapConfig,
    own_report: bool,
    /// The photos section (`super::photos::Gallery`), rendered.
    photos: String,
}

pub async fn incident(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<IncidentQuery>,
) -> PageResult {
    let reviewed = q
        .granskad
        .as_deref()
        .filter(|d| super::review::DECISIONS.contains(d))
        .map(|d| ctx.lang.t(&format!("review-done-{d}")));
    incident_page(&state, &ctx, id, reviewed, None).await
}

/// The incident page, also as the answer to a review form with an error.
pub async fn incident_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    reviewed: Option<String>,
    feedback: Option<ReviewFeedback>,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let row = state.trygg.incident(&caller, IncidentId(id)).await?;
    let names = place_names(state, &caller).await?;
    let inc = IncidentView::new(lang, &row, &names);
    let review = if can(ctx, Action::ReviewIncidents) {
        Some(review_forms(state, ctx, &row, "incident", feedback.clone()).await?)
    } else {
        None
    };
    let own_report = ctx
        .actor
        .as_ref()
        .is_some_and(|a| row.reporter_user_id == Some(a.user.id));
    let status = if feedback.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = format!("{} {}", lang.t("incident-title"), inc.id);
    let photos = askama::Template::render(&super::photos::gallery(state, ctx, &row).await?)
        .map_err(|e| trygg_core::Error::Internal(e.to_string()))?;
    let page = IncidentPage {
        photos,
        shell: Shell::new(ctx, title),
        inc,
        reviewed,
        review,
        map: MapConfig::new(state, lang),
        own_report,
    };
    Ok((status, render(&page)).into_response())
}

// ---------------------------------------------------------------- my reports

#[derive(Deserialize, Default)]
pub struct PageQuery {
    sida: Option<String>,
}

#[derive(Template)]
#[template(path = "incidents/mine.html")]
struct MinePage {
    shell: Shell,
    rows: Vec<IncidentView>,
    caption: String,
    pagination: Pagination,
}

pub async fn mine(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let actor = ctx.actor()?;
    let lang = ctx.lang;
    let page = page_number(q.sida.as_deref());
    let filter = IncidentFilter {
        reporter: Some(actor.user.id),
        order: IncidentOrder::NewestFirst,
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
        ..Default::default()
    };
    let (rows, total) = state.trygg.incidents(&caller, &filter).await?;
    let names = place_names(&state, &caller).await?;
    let pagination = Pagination::new(total, page, |n| {
        if n == 1 {
            "/rapporter/mina".into()
        } else {
            format!("/rapporter/mina?sida={n}")
        }
    });
    let first = if total == 0 {
        0
    } else {
        (pagination.current - 1) * PAGE_SIZE + 1
    };
    let caption = lang.t_args(
        "mine-caption",
        &[
            ("first", first.to_string()),
            (
                "last",
                (first + rows.len() as i64 - i64::from(!rows.is_empty()))
                    .max(0)
                    .to_string(),
            ),
            ("total", total.to_string()),
        ],
    );
    Ok(render(&MinePage {
        shell: Shell::new(&ctx, lang.t("mine-title")),
        rows: rows
            .iter()
            .map(|r| IncidentView::new(lang, r, &names))
            .collect(),
        caption,
        pagination,
    }))
}

// ---------------------------------------------------------------- reporting rhythm

#[derive(Deserialize, Default)]
pub struct WeekQuery {
    vecka: Option<String>,
}

/// An ISO week, `2026-W47`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    year: i16,
    week: i8,
}

impl Week {
    pub fn parse(text: &str) -> Option<Self> {
        let (y, w) = text.trim().split_once(['W', 'w'])?;
        let year: i16 = y.trim_end_matches('-').parse().ok()?;
        let week: i8 = w.parse().ok()?;
        jiff::civil::ISOWeekDate::new(year, week, jiff::civil::Weekday::Monday).ok()?;
        Some(Self { year, week })
    }

    pub fn containing(at: Instant) -> Option<Self> {
        let tz = stockholm()?;
        let d = at.timestamp().to_zoned(tz.clone()).date().iso_week_date();
        Some(Self {
            year: d.year(),
            week: d.week(),
        })
    }

    fn monday(self) -> Option<jiff::civil::Date> {
        jiff::civil::ISOWeekDate::new(self.year, self.week, jiff::civil::Weekday::Monday)
            .ok()
            .map(|d| d.date())
    }

    /// `[Monday 00:00, next Monday 00:00)` in Stockholm.
    pub fn span(self) -> Option<(Instant, Instant)> {
        let monday = self.monday()?;
        let next = monday.checked_add(jiff::Span::new().days(7)).ok()?;
        Some((day_start(monday)?, day_start(next)?))
    }

    fn shifted(self, weeks: i64) -> Option<Self> {
        let monday = self.monday()?;
        let d = monday
            .checked_add(jiff::Span::new().days(7 * weeks))
            .ok()?
            .iso_week_date();
        Some(Self {
            year: d.year(),
            week: d.week(),
        })
    }

    pub fn code(self) -> String {
        format!("{:04}-W{:02}", self.year, self.week)
    }

    fn dates(self) -> String {
        match (
            self.monday(),
            self.monday()
                .and_then(|m| m.checked_add(jiff::Span::new().days(6)).ok()),
        ) {
            (Some(a), Some(b)) => format!("{a} – {b}"),
            _ => String::new(),
        }
    }
}

pub struct RhythmLine {
    pub organisation: String,
    pub reports: i64,
    pub incidents: i64,
    pub reporters: usize,
    /// "Rut Rapportör (2)": who reported and how many reports each.
    pub from_whom: Vec<String>,
    pub silent: bool,
}

#[derive(Template)]
#[template(path = "incidents/rhythm.html")]
struct RhythmPage {
    shell: Shell,
    week: String,
    week_number: i8,
    dates: String,
    previous: String,
    next: Option<String>,
    week_error: Option<String>,
    lines: Vec<RhythmLine>,
    silent: Vec<String>,
    caption: String,
}

pub async fn rhythm(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WeekQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let now = state.trygg.clock.now();
    let this_week = Week::containing(now).ok_or(trygg_core::Error::Internal("time zone".into()))?;
    let asked = q.vecka.as_deref().map(str::trim).filter(|v| !v.is_empty());
    let (week, week_error) = match asked.map(Week::parse) {
        None => (this_week, None),
        Some(Some(w)) => (w, None),
        Some(None) => (this_week, Some(lang.t("rhythm-week-invalid"))),
    };
    let (from, to) = week
        .span()
        .ok_or(trygg_core::Error::Internal("week span".into()))?;
    let result = state.trygg.rhythm(&caller, from, to).await?;
    // Names of the reporters, for "from whom"; counts alone if the directory is closed
    // to the caller.
    let names: HashMap<i64, String> = state
        .trygg
        .users(&caller)
        .await
        .map(|users| users.into_iter().map(|u| (u.id.0, u.name)).collect())
        .unwrap_or_default();
    let mut lines: Vec<RhythmLine> = result
        .rows
        .iter()
        .map(|(org, rows)| {
            let mut reporters: Vec<i64> = rows
                .iter()
                .filter_map(|r| r.reporter_user_id.map(|u| u.0))
                .collect();
            reporters.sort_unstable();
            reporters.dedup();
            let mut from_whom: Vec<String> = rows
                .iter()
                .filter_map(|r| {
                    let name = names.get(&r.reporter_user_id?.0)?;
                    Some(format!("{name} ({})", r.reports))
                })
                .collect();
            from_whom.sort_by(|a, b| swedish_cmp(a, b));
            RhythmLine {
                organisation: org.name.clone(),
                reports: rows.iter().map(|r| r.reports).sum(),
                incidents: rows.iter().map(|r| r.incidents).sum(),
                reporters: reporters.len(),
                from_whom,
                silent: rows.is_empty(),
            }
        })
        .collect();
    lines.sort_by(|a, b| swedish_cmp(&a.organisation, &b.organisation));
    let mut silent: Vec<String> = result.silent().map(|o| o.name.clone()).collect();
    silent.sort_by(|a, b| swedish_cmp(a, b));
    let week_label = week.code();
    let next = week
        .shifted(1)
        .filter(|n| n.span().is_some_and(|(start, _)| start <= now))
        .map(|n| format!("/rapportering?vecka={}", n.code()));
    let previous = week
        .shifted(-1)
        .map(|p| format!("/rapportering?vecka={}", p.code()))
        .unwrap_or_else(|| "/rapportering".into());
    let status = if week_error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = RhythmPage {
        shell: Shell::new(&ctx, lang.t("rhythm-title")),
        caption: lang.t_args(
            "rhythm-caption",
            &[
                ("week", week.week.to_string()),
                ("year", week.year.to_string()),
            ],
        ),
        week: week_label,
        week_number: week.week,
        dates: week.dates(),
        previous,
        next,
        week_error,
        lines,
        silent,
    };
    Ok((status, render(&page)).into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn weeks_parse_and_span_stockholm_days() {
        let w = Week::parse("2026-W47").unwrap();
        assert_eq!(w.code(), "2026-W47");
        let (from, to) = w.span().unwrap();
        assert_eq!(from.local_display(), "2026-11-16 00:00");
        assert_eq!(to.local_display(), "2026-11-23 00:00");
        assert_eq!(Week::parse("2026-W54"), None);
        assert_eq!(Week::parse("vecka 4"), None);
        assert_eq!(w.shifted(-47).unwrap().code(), "2025-W52");
        // The week of 2027-01-01 (a Friday) is 2026-W53.
        let new_year = period_bound("from", "2027-01-01", false).unwrap().unwrap();
        assert_eq!(Week::containing(new_year).unwrap().code(), "2026-W53");
    }

    #[test]
    fn period_dates_are_whole_stockholm_days() {
        let from = period_bound("from", "2026-07-01", false).unwrap().unwrap();
        let to = period_bound("to", "2026-07-01", true).unwrap().unwrap();
        assert_eq!(from.local_display(), "2026-07-01 00:00");
        assert_eq!(to.local_display(), "2026-07-02 00:00");
        assert!(period_bound("to", "", true).unwrap().is_none());
        assert_eq!(
            period_bound("from", "1 juli", false).unwrap_err().code,
            "invalid_time"
        );
    }

    #[test]
    fn pagination_shows_ends_and_neighbours() {
        let p = Pagination::new(1000, 10, |n| format!("?sida={n}"));
        assert_eq!(p.pages, 20);
        let shown: Vec<Option<i64>> = p
            .links
            .iter()
            .map(|l| l.as_ref().map(|l| l.number))
            .collect();
        assert_eq!(
            shown,
            [
                Some(1),
                None,
                Some(8),
                Some(9),
                Some(10),
                Some(11),
                Some(12),
                None,
                Some(20)
            ]
        );
        assert_eq!(p.previous.as_deref(), Some("?sida=9"));
        let one = Pagination::new(0, 3, |n| n.to_string());
        assert_eq!((one.pages, one.current), (1, 1));
        assert!(one.next.is_none() && one.previous.is_none());
    }
}
