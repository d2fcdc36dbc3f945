//! Periodic analysis on pages: the årshjul (`/lagesbild/period`, month × category for a
//! tertial or a year with last year's changes flagged) and the near-repeat table
//! (`/lagesbild/near-repeat`, the Knox test for one category and date range).
//!
//! Both are GET forms, so they work without JavaScript and every view has an address
//! that can be shared in the EST meeting. The figures come from `trygg_core::periodic`;
//! these handlers only parse the query and turn numbers into Swedish (or English) text.
//! Every flagged change and every significant cell is said in words and with an arrow or
//! a marker as well as by shading, never by colour alone.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use trygg_core::Caller;
use trygg_core::periodic::{
    DISTANCE_EDGES, Direction, NearRepeat, NearRepeatQuery, PERMUTATIONS, Period, PeriodRow,
    PeriodView, SEED, TIME_EDGES,
};
use trygg_domain::Invalid;
use trygg_domain::area::AreaKind;
use trygg_domain::geo::swedish_cmp;
use trygg_domain::id::AreaId;
use trygg_domain::time::STOCKHOLM;

use super::incidents::{Choice, ChoiceGroup, category_groups};
use super::{PageResult, Shell, render};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

// ---------------------------------------------------------------- shared pieces

/// A number with the language's decimal mark.
fn decimal(lang: Lang, v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    match lang {
        Lang::Sv => s.replace('.', ","),
        Lang::En => s,
    }
}

/// A p-value as people read it: "p < 0,001" or "p = 0,03".
fn p_text(lang: Lang, p: f64) -> String {
    if p < 0.001 {
        format!("p < {}", decimal(lang, 0.001, 3))
    } else if p < 0.01 {
        format!("p = {}", decimal(lang, p, 3))
    } else {
        format!("p = {}", decimal(lang, p, 2))
    }
}

fn area_kind_key(kind: AreaKind) -> String {
    format!("area-kind-{}", kind.code().replace('_', "-"))
}

/// The areas as grouped choices, and the name of the chosen one.
async fn areas(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
) -> Result<(Vec<ChoiceGroup>, Vec<(AreaId, String)>), crate::WebError> {
    let areas = state.trygg.areas(caller, None).await?;
    let names = areas.iter().map(|a| (a.id, a.name.clone())).collect();
    let groups = AreaKind::ALL
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
        .collect();
    Ok((groups, names))
}

/// Parses `area=`: empty is the whole municipality; otherwise an id among the areas.
fn parse_area(
    raw: Option<&str>,
    names: &[(AreaId, String)],
) -> Result<Option<(AreaId, String)>, Invalid> {
    let raw = raw.map(str::trim).unwrap_or("");
    if raw.is_empty() {
        return Ok(None);
    }
    let id: i64 = raw
        .parse()
        .map_err(|_| Invalid::new("area", "periodic_unknown_area"))?;
    names
        .iter()
        .find(|(a, _)| a.0 == id)
        .cloned()
        .map(Some)
        .ok_or(Invalid::new("area", "periodic_unknown_area"))
}

fn today(state: &AppState) -> jiff::civil::Date {
    let now = state.trygg.clock.now().timestamp();
    match jiff::tz::TimeZone::get(STOCKHOLM) {
        Ok(tz) => now.to_zoned(tz).date(),
        Err(_) => now.to_zoned(jiff::tz::TimeZone::UTC).date(),
    }
}

/// Whether the weekly lägesbild page exists (built alongside; linked once it does).
fn weekly_page() -> bool {
    crate::routes::rule_for(&axum::http::Method::GET, "/lagesbild").is_some()
}

fn month_name(lang: Lang, month: i8) -> String {
    lang.t(&format!("periodic-month-{month}"))
}

// ---------------------------------------------------------------- the årshjul

#[derive(Deserialize)]
pub struct PeriodQuery {
    area: Option<String>,
    period: Option<String>,
}

/// One cell of the heatmap: the count and its shade (0–4, relative to the largest).
pub struct HeatCell {
    pub value: u32,
    pub level: u8,
}

/// One row of the årshjul as the page shows it.
pub struct PeriodRowView {
    pub name: String,
    pub cells: Vec<HeatCell>,
    pub count: u32,
    pub last_year: u32,
    /// "↑", "↓" or "" (the text beside it says the same in words).
    pub arrow: &'static str,
    /// "Ökning", "Minskning", "Ingen säker förändring".
    pub change: String,
    /// "+40 %", the rate ratio as a change.
    pub ratio: String,
    pub p: String,
    /// CSS class of the change cell.
    pub class: &'static str,
}

#[derive(Template)]
#[template(path = "periodic/period.html")]
struct PeriodPage {
    shell: Shell,
    areas: Vec<ChoiceGroup>,
    area_value: String,
    periods: Vec<Choice>,
    period_value: String,
    errors: Vec<(String, String)>,
    months: Vec<String>,
    rows: Vec<PeriodRowView>,
    total: Option<PeriodRowView>,
    caption: String,
    compared: String,
    method: String,
    wrong_way: Vec<String>,
    weekly: bool,
    previous_href: String,
    next_href: String,
}

impl PeriodPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m)
    }
}

fn row_view(lang: Lang, r: &PeriodRow, max: u32, total_row: bool) -> PeriodRowView {
    let name = if total_row {
        lang.t("periodic-total")
    } else {
        match lang {
            Lang::Sv => r.name_sv.clone(),
            Lang::En => r.name_en.clone(),
        }
    };
    let level = |v: u32| -> u8 {
        if v == 0 || max == 0 || total_row {
            0
        } else {
            // 1–4 in equal steps of the largest category cell.
            (1 + (u64::from(v) * 4 - 1) / u64::from(max)).min(4) as u8
        }
    };
    let (arrow, change, class) = match r.direction {
        Direction::Up => ("↑", lang.t("periodic-change-up"), "change-up"),
        Direction::Down => ("↓", lang.t("periodic-change-down"), "change-down"),
        Direction::None => ("", lang.t("periodic-change-none"), "change-none"),
    };
    let ratio = match r.comparison.rate_ratio {
        Some(x) => {
            let pct = (x - 1.0) * 100.0;
            format!(
                "{}{} %",
                if pct > 0.0 { "+" } else { "" },
                decimal(lang, pct, 0)
            )
        }
        None if r.count > 0 => lang.t("periodic-new"),
        None => "–".into(),
    };
    PeriodRowView {
        name,
        cells: r
            .months
            .iter()
            .map(|&v| HeatCell {
                value: v,
                level: level(v),
            })
            .collect(),
        count: r.count,
        last_year: r.last_year,
        arrow,
        change,
        ratio,
        p: p_text(lang, r.comparison.p_value),
        class,
    }
}

/// The periods offered in the form: the last three years and their tertials so far.
fn period_choices(lang: Lang, today: jiff::civil::Date) -> Vec<Choice> {
    let current = Period::tertial_of(today);
    let mut out = Vec::new();
    for year in (today.year() - 3..=today.year()).rev() {
        for t in (1..=3u8).rev() {
            let p = Period::Tertial { year, tertial: t };
            if year == today.year()
                && let Period::Tertial { tertial: now, .. } = current
                && t > now
            {
                continue;
            }
            out.push(Choice {
                value: p.code(),
                label: period_label(lang, p),
            });
        }
        out.push(Choice {
            value: year.to_string(),
            label: period_label(lang, Period::Year(year)),
        });
    }
    out
}

fn period_label(lang: Lang, p: Period) -> String {
    match p {
        Period::Year(y) => lang.t_args("periodic-year-label", &[("year", y.to_string())]),
        Period::Tertial { year, tertial } => {
            let months = p.months();
            lang.t_args(
                "periodic-tertial-label",
                &[
                    ("year", year.to_string()),
                    ("tertial", tertial.to_string()),
                    (
                        "first",
                        months
                            .first()
                            .map(|m| month_name(lang, m.month))
                            .unwrap_or_default(),
                    ),
                    (
                        "last",
                        months
                            .last()
                            .map(|m| month_name(lang, m.month))
                            .unwrap_or_default(),
                    ),
                ],
            )
        }
    }
}

fn shift(p: Period, by: i16) -> Period {
    match p {
        Period::Year(y) => Period::Year(y + by),
        Period::Tertial { year, tertial } => {
            let k = i32::from(year) * 3 + i32::from(tertial) - 1 + i32::from(by);
            Period::Tertial {
                year: k.div_euclid(3) as i16,
                tertial: (k.rem_euclid(3) + 1) as u8,
            }
        }
    }
}

fn period_href(area: &str, p: Period) -> String {
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("area", area)
        .append_pair("period", &p.code())
        .finish();
    format!("/lagesbild/period?{q}")
}

/// `GET /lagesbild/period?area=&period=2026-T2|2026`
pub async fn period(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PeriodQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let today = today(&state);
    let (area_groups, names) = areas(&state, &caller, lang).await?;
    let mut errors: Vec<Invalid> = Vec::new();
    let area = parse_area(q.area.as_deref(), &names).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let asked = q.period.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let period = match asked.map(Period::parse) {
        None => Some(Period::tertial_of(today)),
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => {
            errors.push(e);
            None
        }
    };
    let area_value = q.area.clone().unwrap_or_default();
    let area_name = area
        .as_ref()
        .map(|(_, n)| n.clone())
        .unwrap_or_else(|| lang.t("periodic-whole-municipality"));
    let view: Option<PeriodView> = match (period, errors.is_empty()) {
        (Some(p), true) => Some(
            state
                .trygg
                .period_view(&caller, area.as_ref().map(|(id, _)| *id), p)
                .await?,
        ),
        _ => None,
    };
    let shown = period.unwrap_or_else(|| Period::tertial_of(today));
    let period_value = asked.map_or_else(|| shown.code(), str::to_owned);
    let mut page = PeriodPage {
        shell: Shell::new(&ctx, lang.t("periodic-title")),
        areas: area_groups,
        area_value: area_value.clone(),
        periods: period_choices(lang, today),
        period_value,
        errors: errors
            .iter()
            .map(|e| (e.field.to_owned(), lang.error(e.code)))
            .collect(),
        months: Vec::new(),
        rows: Vec::new(),
        total: None,
        caption: String::new(),
        compared: String::new(),
        method: String::new(),
        wrong_way: Vec::new(),
        weekly: weekly_page(),
        previous_href: period_href(&area_value, shift(shown, -1)),
        next_href: period_href(&area_value, shift(shown, 1)),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    if let Some(v) = &view {
        page.months = v
            .months
            .iter()
            .map(|m| format!("{} {}", month_name(lang, m.month), m.year))
            .collect();
        page.rows = v
            .rows
            .iter()
            .map(|r| row_view(lang, r, v.max_cell, false))
            .collect();
        page.total = Some(row_view(lang, &v.total, v.max_cell, true));
        page.wrong_way = v
            .rows
            .iter()
            .zip(&page.rows)
            .filter(|(r, _)| r.direction == Direction::Up)
            .map(|(r, view)| {
                lang.t_args(
                    "periodic-wrong-way-item",
                    &[
                        ("category", view.name.clone()),
                        ("count", r.count.to_string()),
                        ("last", r.last_year.to_string()),
                        ("p", view.p.clone()),
                    ],
                )
            })
            .collect();
        page.caption = lang.t_args(
            "periodic-caption",
            &[
                ("period", period_label(lang, v.period)),
                ("area", area_name),
            ],
        );
        let until = v
            .compared_until
            .yesterday()
            .map(|d| d.to_string())
            .unwrap_or_default();
        page.compared = if v.complete {
            lang.t_args(
                "periodic-compared-complete",
                &[("last", period_label(lang, v.period.previous_year()))],
            )
        } else {
            lang.t_args("periodic-compared-running", &[("until", until)])
        };
        page.method = lang.t_args("periodic-method", &[("alpha", decimal(lang, v.alpha, 2))]);
    }
    Ok((status, render(&page)).into_response())
}

// ---------------------------------------------------------------- near repeats

#[derive(Deserialize)]
pub struct NearRepeatForm {
    category: Option<String>,
    from: Option<String>,
    to: Option<String>,
    area: Option<String>,
}

/// One cell of the Knox table as text.
pub struct KnoxCellView {
    pub ratio: String,
    pub observed: u64,
    pub expected: String,
    pub p: String,
    pub significant: bool,
    pub strongest: bool,
}

pub struct KnoxRowView {
    pub band: String,
    pub cells: Vec<KnoxCellView>,
}

#[derive(Template)]
#[template(path = "periodic/near_repeat.html")]
struct NearRepeatPage {
    shell: Shell,
    categories: Vec<ChoiceGroup>,
    category_value: String,
    from_value: String,
    to_value: String,
    areas: Vec<ChoiceGroup>,
    area_value: String,
    errors: Vec<(String, String)>,
    asked: bool,
    summary: String,
    sentence: String,
    caption: String,
    time_bands: Vec<String>,
    rows: Vec<KnoxRowView>,
    method: String,
    weekly: bool,
}

impl NearRepeatPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m)
    }
}

fn distance_label(lang: Lang, from: f64, to: Option<f64>) -> String {
    match to {
        Some(t) if from == 0.0 && t <= 1.0 => lang.t("periodic-same-place"),
        Some(t) => format!("{}–{} m", decimal(lang, from, 0), decimal(lang, t, 0)),
        None => lang.t_args(
            "periodic-metres-or-more",
            &[("from", decimal(lang, from, 0))],
        ),
    }
}

fn days_label(lang: Lang, from: u32, to: Option<u32>) -> String {
    match to {
        // Whole days: [7, 14) is 7–13 days.
        Some(t) => lang.t_args(
            "periodic-days",
            &[("from", from.to_string()), ("to", (t - 1).to_string())],
        ),
        None => lang.t_args("periodic-days-or-more", &[("from", from.to_string())]),
    }
}

/// `GET /lagesbild/near-repeat?category=&from=&to=&area=`
pub async fn near_repeat(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NearRepeatForm>,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let today = today(&state);
    let (area_groups, names) = areas(&state, &caller, lang).await?;
    let asked = q.category.is_some() || q.from.is_some() || q.to.is_some();
    // Defaults: the last twelve months.
    let from_value = q.from.clone().unwrap_or_else(|| {
        today
            .checked_sub(jiff::ToSpan::years(1))
            .map(|d| d.to_string())
            .unwrap_or_default()
    });
    let to_value = q.to.clone().unwrap_or_else(|| today.to_string());
    let category_value = q.category.clone().unwrap_or_default();
    let area_value = q.area.clone().unwrap_or_default();
    let mut errors: Vec<Invalid> = Vec::new();
    let area = parse_area(q.area.as_deref(), &names).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let mut result: Option<NearRepeat> = None;
    if asked {
        match NearRepeatQuery::parse(
            &category_value,
            &from_value,
            &to_value,
            area.as_ref().map(|(id, _)| *id),
        ) {
            Ok(query) if errors.is_empty() => {
                match state.trygg.near_repeat(&caller, &query).await {
                    Ok(r) => result = Some(r),
                    Err(trygg_core::Error::Invalid(e)) => errors.push(e),
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(_) => {}
            Err(mut e) => errors.append(&mut e),
        }
    }
    let mut page = NearRepeatPage {
        shell: Shell::new(&ctx, lang.t("near-repeat-title")),
        categories: category_groups(&state, lang).await?,
        category_value,
        from_value,
        to_value,
        areas: area_groups,
        area_value,
        errors: errors
            .iter()
            .map(|e| (e.field.to_owned(), lang.error(e.code)))
            .collect(),
        asked,
        summary: String::new(),
        sentence: String::new(),
        caption: String::new(),
        time_bands: Vec::new(),
        rows: Vec::new(),
        weekly: weekly_page(),
        method: lang.t_args(
            "near-repeat-method",
            &[
                ("permutations", PERMUTATIONS.to_string()),
                ("seed", SEED.to_string()),
            ],
        ),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    if let Some(r) = &result {
        let category = match lang {
            Lang::Sv => r.category_sv.clone(),
            Lang::En => r.category_en.clone(),
        };
        let area_name = area
            .as_ref()
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| lang.t("periodic-whole-municipality"));
        page.summary = lang.t_args(
            "near-repeat-summary",
            &[
                ("events", r.events.to_string()),
                ("without", r.without_position.to_string()),
            ],
        );
        page.caption = lang.t_args(
            "near-repeat-caption",
            &[
                ("category", category.clone()),
                ("area", area_name),
                ("from", r.from.to_string()),
                ("to", r.to.to_string()),
            ],
        );
        match &r.table {
            None => page.sentence = lang.t("near-repeat-too-few"),
            Some(t) => {
                page.time_bands = t
                    .time_bands
                    .iter()
                    .map(|b| days_label(lang, b.from, b.to))
                    .collect();
                page.rows = t
                    .distance_bands
                    .iter()
                    .enumerate()
                    .map(|(d, db)| KnoxRowView {
                        band: distance_label(lang, db.from, db.to),
                        cells: (0..t.time_bands.len())
                            .filter_map(|k| t.cell(d, k).map(|c| (k, c)))
                            .map(|(k, c)| KnoxCellView {
                                ratio: c
                                    .ratio
                                    .map(|x| format!("{}×", decimal(lang, x, 2)))
                                    .unwrap_or_else(|| "–".into()),
                                observed: c.observed,
                                expected: c
                                    .expected
                                    .map(|e| decimal(lang, e, 1))
                                    .unwrap_or_default(),
                                p: c.p.map(|p| p_text(lang, p)).unwrap_or_default(),
                                significant: c.p.is_some_and(|p| p <= 0.05)
                                    && c.ratio.is_some_and(|x| x > 1.0),
                                strongest: r.strongest == Some((d, k)),
                            })
                            .collect(),
                    })
                    .collect();
                page.sentence = match r.strongest {
                    Some((d, k)) => {
                        let db = t.distance_bands[d];
                        let tb = t.time_bands[k];
                        let c = t.cell(d, k);
                        let distance = match db.to {
                            Some(to) if db.from == 0.0 && to <= 1.0 => {
                                lang.t("near-repeat-at-same-place")
                            }
                            Some(to) => lang.t_args(
                                "near-repeat-within-metres",
                                &[
                                    ("from", decimal(lang, db.from, 0)),
                                    ("to", decimal(lang, to, 0)),
                                ],
                            ),
                            None => String::new(),
                        };
                        lang.t_args(
                            "near-repeat-sentence",
                            &[
                                ("category", category.to_lowercase()),
                                ("distance", distance),
                                ("days", days_label(lang, tb.from, tb.to)),
                                (
                                    "ratio",
                                    decimal(lang, c.and_then(|c| c.ratio).unwrap_or(1.0), 1),
                                ),
                                ("p", p_text(lang, c.and_then(|c| c.p).unwrap_or(1.0))),
                                ("permutations", PERMUTATIONS.to_string()),
                            ],
                        )
                    }
                    None => lang.t_args(
                        "near-repeat-none",
                        &[
                            (
                                "metres",
                                DISTANCE_EDGES
                                    .last()
                                    .map(|m| decimal(lang, *m, 0))
                                    .unwrap_or_default(),
                            ),
                            (
                                "days",
                                TIME_EDGES.last().map(u32::to_string).unwrap_or_default(),
                            ),
                        ],
                    ),
                };
            }
        }
    }
    Ok((status, render(&page)).into_response())
}
