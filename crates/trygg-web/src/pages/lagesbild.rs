//! The weekly lägesbild page (`GET /lagesbild?area=ID&week=2026-W47`).
//!
//! The figures come from [`trygg_core::lagesbild::WeeklyPicture`]; this module only turns
//! them into text in the page's language ([`PictureView::new`]). The picture's body is
//! the include `templates/lagesbild/picture.html`, rendered from a `PictureView` named
//! `pv` beside the `shell`, so a published snapshot (a stored `WeeklyPicture`) renders
//! exactly as the draft did: build `PictureView::new(lang, &picture)` and include the
//! same file.
//!
//! Area and week are chosen with a GET form (no JavaScript needed); the previous and
//! next week are plain links. The hot-spot map is drawn by `static/lagesbild.js` from the
//! same cells the table lists (a JSON data attribute), as an enhancement only. Every
//! change is given by an arrow *and* words, never by colour alone.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use trygg_analytics::trend::{Baseline, Change, Comparison};
use trygg_analytics::week::IsoWeek;
use trygg_core::lagesbild::{TrendRow, WeeklyPicture};
use trygg_domain::Invalid;
use trygg_domain::area::AreaKind;
use trygg_domain::geo::swedish_cmp;
use trygg_domain::id::AreaId;

use super::incidents::{Choice, ChoiceGroup};
use super::{PageResult, Shell, render};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

/// A number with the language's decimal mark.
fn decimal(lang: Lang, v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    match lang {
        Lang::Sv => s.replace('.', ",").replace('-', "−"),
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

/// One comparison as text: arrow, words, and the figures behind them.
pub struct ChangeView {
    /// "↑", "↓" or "–".
    pub arrow: &'static str,
    /// "Ökning", "Minskning", "Ingen säker förändring".
    pub text: String,
    /// "q = 0,004 (p = 0,001)".
    pub detail: String,
    /// CSS class (`change-up`, `change-down`, `change-none`).
    pub class: &'static str,
}

/// One row of the table as text.
pub struct RowView {
    pub name: String,
    pub count: u32,
    pub last_week: String,
    pub four_weeks: String,
    pub last_year: String,
    pub last_week_change: ChangeView,
    pub four_weeks_change: ChangeView,
    pub last_year_change: ChangeView,
    pub flagged: bool,
    pub spark_points: String,
    pub spark_width: u32,
    pub spark_height: u32,
    /// The text alternative of the sparkline, with every value.
    pub spark_alt: String,
}

/// A hot-spot cell as text.
pub struct HotCellView {
    pub bin: i8,
    pub kind: String,
    pub place: String,
    pub sweref: String,
    pub count: u32,
    pub z: String,
    pub p: String,
    pub class: String,
}

/// A notable incident as text.
pub struct NotableView {
    pub id: i64,
    pub occurred: String,
    pub category: String,
    pub severity: u8,
    pub insecure: String,
    pub description: String,
    pub place: String,
    pub reason: String,
}

/// A police event as text.
pub struct PoliceView {
    pub occurred: String,
    pub name: String,
    pub summary: String,
    pub url: String,
    pub location: String,
}

/// An open measure as text.
pub struct MeasureView {
    pub title: String,
    pub owner: String,
    pub status: String,
    pub due: String,
}

/// One headline figure.
pub struct HeadlineView {
    pub label: String,
    pub value: String,
}

/// The whole picture as text in one language: what `lagesbild/picture.html` renders.
pub struct PictureView {
    pub heading: String,
    pub period: String,
    pub partial: bool,
    pub scope: String,
    pub headline: Vec<HeadlineView>,
    pub flagged_summary: String,
    pub rows: Vec<RowView>,
    pub total: RowView,
    pub caption: String,
    pub method: String,
    pub spark_span: String,
    pub grid: String,
    pub hot_cells: Vec<HotCellView>,
    /// JSON of the cells for the map: corners, bin, label.
    pub hot_json: String,
    pub bounds: String,
    pub heat_rows: Vec<(String, Vec<(String, u8)>)>,
    pub heat_caption: String,
    pub notable: Vec<NotableView>,
    pub police: Vec<PoliceView>,
    pub police_scope: String,
    pub measures: Vec<MeasureView>,
}

fn change_view(lang: Lang, c: Option<&Comparison>) -> ChangeView {
    match c {
        None => ChangeView {
            arrow: "",
            text: lang.t("lagesbild-change-unavailable"),
            detail: String::new(),
            class: "change-none",
        },
        Some(c) => {
            let (arrow, key, class) = match c.change {
                Change::Increase => ("↑", "lagesbild-change-up", "change-up"),
                Change::Decrease => ("↓", "lagesbild-change-down", "change-down"),
                Change::NoChange => ("", "lagesbild-change-none", "change-none"),
            };
            ChangeView {
                arrow,
                text: lang.t(key),
                detail: format!(
                    "q = {}, {}",
                    decimal(lang, c.q_value, if c.q_value < 0.01 { 3 } else { 2 }),
                    p_text(lang, c.p_value)
                ),
                class,
            }
        }
    }
}

fn baseline_text(lang: Lang, c: Option<&Comparison>) -> String {
    match c {
        None => "–".into(),
        Some(c) if c.baseline == Baseline::FourWeekMean => decimal(lang, c.baseline_mean, 2),
        Some(c) => c.baseline_count.to_string(),
    }
}

fn row_view(lang: Lang, r: &TrendRow, spark_span: &str) -> RowView {
    let name = match lang {
        Lang::Sv => r.name_sv.clone(),
        Lang::En => r.name_en.clone(),
    };
    let f = &r.figures;
    RowView {
        spark_alt: lang.t_args(
            "lagesbild-spark-alt",
            &[
                ("category", name.clone()),
                ("span", spark_span.to_owned()),
                ("values", r.sparkline.values_text.clone()),
            ],
        ),
        name,
        count: f.count,
        last_week: baseline_text(lang, f.last_week.as_ref()),
        four_weeks: baseline_text(lang, f.four_weeks.as_ref()),
        last_year: baseline_text(lang, f.same_week_last_year.as_ref()),
        last_week_change: change_view(lang, f.last_week.as_ref()),
        four_weeks_change: change_view(lang, f.four_weeks.as_ref()),
        last_year_change: change_view(lang, f.same_week_last_year.as_ref()),
        flagged: r.flagged,
        spark_points: r.sparkline.points.clone(),
        spark_width: r.sparkline.width,
        spark_height: r.sparkline.height,
    }
}

fn bin_text(lang: Lang, bin: i8) -> String {
    let level = match bin.abs() {
        3 => "99",
        2 => "95",
        _ => "90",
    };
    let key = if bin > 0 {
        "lagesbild-hot"
    } else {
        "lagesbild-cold"
    };
    lang.t_args(key, &[("level", level.to_owned())])
}

impl PictureView {
    /// Everything the picture shows, as text in `lang`.
    pub fn new(lang: Lang, p: &WeeklyPicture) -> Self {
        let week_label = lang.t_args(
            "lagesbild-week-label",
            &[
                ("week", p.week.week().to_string()),
                ("year", p.week.year().to_string()),
            ],
        );
        let spark_span = match (
            p.trend.sparkline_weeks.first(),
            p.trend.sparkline_weeks.last(),
        ) {
            (Some(a), Some(b)) => format!("{a} – {b}"),
            _ => String::new(),
        };
        let headline = &p.headline;
        let opt = |v: Option<u32>| v.map_or("–".to_owned(), |v| v.to_string());
        let headline_items = vec![
            HeadlineView {
                label: lang.t("lagesbild-incidents"),
                value: headline.count.to_string(),
            },
            HeadlineView {
                label: lang.t("lagesbild-last-week"),
                value: opt(headline.last_week),
            },
            HeadlineView {
                label: lang.t("lagesbild-four-weeks"),
                value: headline
                    .four_week_mean
                    .map_or("–".to_owned(), |v| decimal(lang, v, 2)),
            },
            HeadlineView {
                label: lang.t("lagesbild-last-year"),
                value: opt(headline.same_week_last_year),
            },
            HeadlineView {
                label: lang.t("lagesbild-insecure-share"),
                value: headline.insecurity_share_pct.map_or("–".to_owned(), |v| {
                    format!(
                        "{} % ({} {})",
                        decimal(lang, v, 0),
                        headline.creating_insecurity,
                        lang.t("lagesbild-of-incidents")
                    )
                }),
            },
        ];
        let flagged: Vec<String> = p
            .trend
            .rows
            .iter()
            .filter(|r| r.flagged)
            .map(|r| match lang {
                Lang::Sv => r.name_sv.clone(),
                Lang::En => r.name_en.clone(),
            })
            .collect();
        let flagged_summary = if flagged.is_empty() {
            lang.t("lagesbild-flagged-none")
        } else {
            lang.t_args(
                "lagesbild-flagged-some",
                &[("categories", flagged.join(", "))],
            )
        };
        let hs = &p.hot_spots;
        let hot_cells: Vec<HotCellView> = hs
            .cells
            .iter()
            .map(|c| HotCellView {
                bin: c.bin,
                kind: bin_text(lang, c.bin),
                place: c.place.clone().unwrap_or_default(),
                sweref: format!(
                    "N {:.0}–{:.0}, E {:.0}–{:.0}",
                    c.n_min,
                    c.n_min + hs.cell_size_m,
                    c.e_min,
                    c.e_min + hs.cell_size_m
                ),
                count: c.count,
                z: decimal(lang, c.z, 2),
                p: p_text(lang, c.p),
                class: format!("bin{}{}", if c.bin < 0 { "m" } else { "" }, c.bin.abs()),
            })
            .collect();
        let hot_json = serde_json::to_string(
            &hs.cells
                .iter()
                .zip(&hot_cells)
                .map(|(c, v)| {
                    serde_json::json!({
                        "corners": c.corners,
                        "bin": c.bin,
                        "label": format!("{}: {} ({} {}, z {})", v.kind, if v.place.is_empty() { &v.sweref } else { &v.place }, v.count, lang.t("lagesbild-of-incidents"), v.z),
                    })
                })
                .collect::<Vec<_>>(),
        )
        .unwrap_or_else(|_| "[]".into());
        let days: Vec<String> = (1..=7)
            .map(|d| lang.t(&format!("lagesbild-day-{d}")))
            .collect();
        let heat_rows = p
            .heatmap
            .cells
            .iter()
            .zip(&p.heatmap.levels)
            .zip(&days)
            .map(|((vals, levels), day)| {
                (
                    day.clone(),
                    vals.iter()
                        .zip(levels)
                        .map(|(v, l)| {
                            let text = if *v == 0.0 {
                                "0".to_owned()
                            } else if (v - v.round()).abs() < 0.005 {
                                format!("{v:.0}")
                            } else {
                                decimal(lang, *v, 2)
                            };
                            (text, *l)
                        })
                        .collect(),
                )
            })
            .collect();
        let category = |sv: &str, en: &str| match lang {
            Lang::Sv => sv.to_owned(),
            Lang::En => en.to_owned(),
        };
        Self {
            heading: format!("{}, {}", p.area.name, week_label),
            period: lang.t_args(
                "lagesbild-period",
                &[
                    ("first", p.first_day.clone()),
                    ("last", p.last_day.clone()),
                    ("hours", p.hours.to_string()),
                ],
            ),
            partial: !p.complete,
            scope: lang.t(if p.scope.sharing == "all" {
                "lagesbild-scope-all"
            } else {
                "lagesbild-scope-shared"
            }),
            headline: headline_items,
            flagged_summary,
            total: row_view(lang, &p.trend.total, &spark_span),
            rows: p
                .trend
                .rows
                .iter()
                .map(|r| row_view(lang, r, &spark_span))
                .collect(),
            caption: lang.t_args(
                "lagesbild-table-caption",
                &[("area", p.area.name.clone()), ("week", week_label.clone())],
            ),
            method: lang.t_args(
                "lagesbild-method",
                &[
                    ("alpha", decimal(lang, p.trend.alpha * 100.0, 0)),
                    (
                        "since",
                        p.scope.data_since.map_or("–".to_owned(), |w| w.to_string()),
                    ),
                ],
            ),
            spark_span,
            grid: lang.t_args(
                "lagesbild-grid",
                &[
                    ("size", format!("{:.0}", hs.cell_size_m)),
                    ("cols", hs.cols.to_string()),
                    ("rows", hs.rows.to_string()),
                    ("incidents", hs.incidents.to_string()),
                    ("without", hs.without_position.to_string()),
                ],
            ),
            hot_cells,
            hot_json,
            bounds: format!(
                "{},{},{},{}",
                hs.bounds[1], hs.bounds[0], hs.bounds[3], hs.bounds[2]
            ),
            heat_rows,
            heat_caption: lang.t_args(
                "lagesbild-heat-caption",
                &[
                    ("total", decimal(lang, p.heatmap.total, 0)),
                    ("week", week_label),
                ],
            ),
            notable: p
                .notable
                .iter()
                .map(|n| NotableView {
                    id: n.id,
                    occurred: n.occurred.clone(),
                    category: category(&n.category_sv, &n.category_en),
                    severity: n.severity,
                    insecure: lang.t(if n.creates_insecurity {
                        "lagesbild-yes"
                    } else {
                        "lagesbild-no"
                    }),
                    description: n.description.clone(),
                    place: n.place.clone().unwrap_or_default(),
                    reason: lang.t(&format!("lagesbild-reason-{}", n.reason.replace('_', "-"))),
                })
                .collect(),
            police: p
                .police_events
                .iter()
                .map(|e| PoliceView {
                    occurred: e.occurred.clone(),
                    name: e.name.clone(),
                    summary: e.summary.clone(),
                    url: e.url.clone(),
                    location: e.location_name.clone(),
                })
                .collect(),
            police_scope: lang.t(if p.police_scope == "district" {
                "lagesbild-police-district"
            } else {
                "lagesbild-police-municipality"
            }),
            measures: p
                .open_measures
                .iter()
                .map(|m| MeasureView {
                    title: m.title.clone(),
                    owner: m.owner.clone(),
                    status: lang.t(&format!("lagesbild-measure-status-{}", m.status)),
                    due: m.due.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

#[derive(Deserialize)]
pub struct PictureQuery {
    area: Option<String>,
    week: Option<String>,
}

#[derive(Template)]
#[template(path = "lagesbild/page.html")]
struct PicturePage {
    shell: Shell,
    areas: Vec<ChoiceGroup>,
    area_value: String,
    week_value: String,
    errors: Vec<(String, String)>,
    previous_href: String,
    next_href: String,
    pv: Option<PictureView>,
}

impl PicturePage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m)
    }
}

fn href(area: &str, week: Option<IsoWeek>) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("area", area);
    if let Some(w) = week {
        q.append_pair("week", &w.to_string());
    }
    format!("/lagesbild?{}", q.finish())
}

/// Parses `week=`: empty is the default; otherwise `2026-W47`.
pub fn parse_week(raw: Option<&str>) -> Result<Option<IsoWeek>, Invalid> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<IsoWeek>()
            .map(Some)
            .map_err(|_| Invalid::new("week", "lagesbild_invalid_week")),
    }
}

/// Parses `area=`: empty is the default; otherwise the id of a current area.
pub fn parse_area(raw: Option<&str>, known: &[AreaId]) -> Result<Option<AreaId>, Invalid> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .map(AreaId)
            .filter(|a| known.contains(a))
            .map(Some)
            .ok_or(Invalid::new("area", "lagesbild_unknown_area")),
    }
}

/// `GET /lagesbild?area=ID&week=2026-W47`
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PictureQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let groups = state.trygg.lagesbild_areas(&caller).await?;
    let known: Vec<AreaId> = groups
        .iter()
        .flat_map(|(_, v)| v.iter().map(|a| a.id))
        .collect();
    let areas = groups
        .iter()
        .map(|(kind, list)| {
            let mut list: Vec<_> = list.iter().collect();
            list.sort_by(|a, b| swedish_cmp(&a.name, &b.name));
            ChoiceGroup {
                label: lang.t(&format!("area-kind-{}", kind.code().replace('_', "-"))),
                choices: list
                    .into_iter()
                    .map(|a| Choice {
                        value: a.id.0.to_string(),
                        label: a.name.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    let mut errors: Vec<Invalid> = Vec::new();
    let area = parse_area(q.area.as_deref(), &known).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let week = parse_week(q.week.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let area = match area {
        Some(a) => Some(a),
        None => groups
            .iter()
            .find(|(k, _)| *k == AreaKind::Kommun)
            .or(groups.first())
            .and_then(|(_, v)| v.first())
            .map(|a| a.id),
    };
    let week = match week {
        Some(w) => w,
        None => state.trygg.default_lagesbild_week()?,
    };
    let area_value = if errors.iter().any(|e| e.field == "area") {
        q.area.clone().unwrap_or_default()
    } else {
        area.map(|a| a.0.to_string()).unwrap_or_default()
    };
    let week_value = if errors.iter().any(|e| e.field == "week") {
        q.week.clone().unwrap_or_default()
    } else {
        week.to_string()
    };
    let pv = match (area, errors.is_empty()) {
        (Some(a), true) => {
            let picture = state.trygg.weekly_picture(&caller, a, week).await?;
            Some(PictureView::new(lang, &picture))
        }
        _ => None,
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = pv
        .as_ref()
        .map(|p| format!("{} – {}", lang.t("lagesbild-title"), p.heading))
        .unwrap_or_else(|| lang.t("lagesbild-title"));
    let page = PicturePage {
        shell: Shell::new(&ctx, title),
        areas,
        previous_href: href(&area_value, week.plus_weeks(-1)),
        next_href: href(&area_value, week.plus_weeks(1)),
        area_value,
        week_value,
        errors: errors
            .iter()
            .map(|e| (e.field.to_owned(), lang.error(e.code)))
            .collect(),
        pv,
    };
    Ok((status, render(&page)).into_response())
}
