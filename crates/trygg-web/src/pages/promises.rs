//! The coordinators' medborgarlöfte pages: the list, one promise with every monthly
//! report (drafts included), the form to write or change a promise, the monthly report
//! form prefilled with the values Trygg computes, and publishing a report.
//!
//! Every form works without JavaScript and keeps what was typed when it is refused.
//! Everyone else reads the public pages (`public_promises.rs`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use trygg_core::Error;
use trygg_core::promises::{IndicatorInput, PromiseDetail, PromiseInput, ReportInput};
use trygg_domain::policy::Action;
use trygg_domain::promise::{
    IndicatorSource, MAX_ROWS, Month, Owner, PromiseId, PromiseIndicatorId, PromiseReportId,
};
use trygg_store::Store;

use super::{FieldError, field_error};
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

#[derive(Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn owner_label(lang: Lang, code: &str) -> String {
    lang.t(&format!("promises-owner-{}", code.replace('_', "-")))
}

pub fn source_label(lang: Lang, code: &str) -> String {
    lang.t(&format!("promises-source-{}", code.replace('_', "-")))
}

/// `2026-03` as "mars 2026" / "March 2026".
pub fn month_label(lang: Lang, month: &str) -> String {
    match Month::parse("month", month) {
        Ok(m) => lang.t_args(
            &format!("promises-month-{}", m.month()),
            &[("year", m.year().to_string())],
        ),
        Err(_) => month.to_owned(),
    }
}

fn value_text(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_else(|| "–".into())
}

// ---------------------------------------------------------------- list

pub struct ListLine {
    pub href: String,
    pub title: String,
    pub area: String,
    pub published: usize,
    pub drafts: usize,
    pub latest: String,
}

#[derive(Template)]
#[template(path = "promises/list.html")]
struct ListPage {
    shell: Shell,
    promises: Vec<ListLine>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let promises = state
        .trygg
        .promises(&ctx.caller())
        .await?
        .into_iter()
        .map(|s| ListLine {
            href: format!("/promises/{}", s.promise.id),
            title: s.promise.title,
            area: s.promise.area_name.unwrap_or_default(),
            published: s.published,
            drafts: s.drafts,
            latest: s
                .latest_month
                .map(|m| month_label(ctx.lang, &m))
                .unwrap_or_default(),
        })
        .collect();
    let page = ListPage {
        shell: Shell::new(&ctx, ctx.lang.t("promises-title")),
        promises,
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------- the promise form

#[derive(Default, Clone)]
pub struct ActivityRow {
    pub n: usize,
    pub text: String,
    pub owners: Vec<Choice>,
}

#[derive(Default, Clone)]
pub struct IndicatorFormRow {
    pub n: usize,
    pub id: String,
    pub name: String,
    pub sources: Vec<Choice>,
    pub categories: String,
}

#[derive(Default, Clone)]
pub struct PromiseForm {
    pub title: String,
    pub statement: String,
    pub description: String,
    pub area: String,
    pub first_month: String,
    pub last_month: String,
    /// (text, owner code)
    pub activities: Vec<(String, String)>,
    /// (id, name, source, categories)
    pub indicators: Vec<(String, String, String, String)>,
}

impl PromiseForm {
    fn read(form: &FormData) -> Self {
        let mut f = Self {
            title: form.get("title").into(),
            statement: form.get("statement").into(),
            description: form.get("description").into(),
            area: form.get("area").into(),
            first_month: form.get("first_month").into(),
            last_month: form.get("last_month").into(),
            ..Default::default()
        };
        for n in 1..=MAX_ROWS {
            let text = form.get(&format!("activity_text_{n}"));
            let owner = form.get(&format!("activity_owner_{n}"));
            if !text.trim().is_empty() {
                f.activities.push((text.into(), owner.into()));
            }
            let name = form.get(&format!("indicator_name_{n}"));
            if !name.trim().is_empty() {
                f.indicators.push((
                    form.get(&format!("indicator_id_{n}")).into(),
                    name.into(),
                    form.get(&format!("indicator_source_{n}")).into(),
                    form.get(&format!("indicator_categories_{n}")).into(),
                ));
            }
        }
        f
    }

    fn of(d: &PromiseDetail) -> Self {
        let p = &d.promise;
        Self {
            title: p.title.clone(),
            statement: p.statement.clone(),
            description: p.description.clone().unwrap_or_default(),
            area: p.area_id.map(|a| a.to_string()).unwrap_or_default(),
            first_month: p.first_month.clone(),
            last_month: p.last_month.clone().unwrap_or_default(),
            activities: d
                .activities
                .iter()
                .map(|a| (a.text.clone(), a.owner.code().to_owned()))
                .collect(),
            indicators: d
                .indicators
                .iter()
                .filter(|i| !i.retired)
                .map(|i| {
                    (
                        i.id.to_string(),
                        i.name.clone(),
                        i.source.code().to_owned(),
                        i.source.categories_text(),
                    )
                })
                .collect(),
        }
    }

    fn input(&self) -> PromiseInput {
        PromiseInput {
            title: self.title.clone(),
            statement: self.statement.clone(),
            description: self.description.clone(),
            area: self.area.clone(),
            first_month: self.first_month.clone(),
            last_month: self.last_month.clone(),
            activities: self.activities.clone(),
            indicators: self
                .indicators
                .iter()
                .map(|(id, name, source, categories)| IndicatorInput {
                    id: id.clone(),
                    name: name.clone(),
                    source: source.clone(),
                    categories: categories.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "promises/form.html")]
struct FormPage {
    shell: Shell,
    heading: String,
    action: String,
    cancel: String,
    form: PromiseForm,
    areas: Vec<Choice>,
    activity_rows: Vec<ActivityRow>,
    indicator_rows: Vec<IndicatorFormRow>,
    error: Option<FieldError>,
}

impl FormPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    editing: Option<PromiseId>,
    form: PromiseForm,
    error: Option<FieldError>,
) -> PageResult {
    let areas = state
        .trygg
        .db
        .current_areas(None)
        .await
        .map_err(Error::from)?
        .into_iter()
        .filter(|a| matches!(a.kind.code(), "district" | "permit_area" | "bf_area"))
        .map(|a| Choice {
            selected: form.area == a.id.to_string(),
            value: a.id.to_string(),
            label: a.name,
        })
        .collect();
    let rows = |have: usize| (have + 2).clamp(4, MAX_ROWS);
    let activity_rows = (1..=rows(form.activities.len()))
        .map(|n| {
            let (text, owner) = form.activities.get(n - 1).cloned().unwrap_or_default();
            ActivityRow {
                n,
                text,
                owners: Owner::ALL
                    .iter()
                    .map(|o| Choice {
                        value: o.code().into(),
                        label: owner_label(ctx.lang, o.code()),
                        selected: owner == o.code(),
                    })
                    .collect(),
            }
        })
        .collect();
    let indicator_rows = (1..=rows(form.indicators.len()))
        .map(|n| {
            let (id, name, source, categories) =
                form.indicators.get(n - 1).cloned().unwrap_or_default();
            IndicatorFormRow {
                n,
                id,
                name,
                sources: IndicatorSource::CODES
                    .iter()
                    .map(|c| Choice {
                        value: (*c).into(),
                        label: source_label(ctx.lang, c),
                        selected: source == *c,
                    })
                    .collect(),
                categories,
            }
        })
        .collect();
    let (heading, action, cancel) = match editing {
        Some(id) => (
            ctx.lang.t("promises-edit"),
            format!("/promises/{id}"),
            format!("/promises/{id}"),
        ),
        None => (
            ctx.lang.t("promises-new"),
            "/promises".to_owned(),
            "/promises".to_owned(),
        ),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = FormPage {
        shell: Shell::new(ctx, heading.clone()),
        heading,
        action,
        cancel,
        form,
        areas,
        activity_rows,
        indicator_rows,
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn new(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    // The page is the coordinators'; check before showing an empty form.
    ctx.caller().require(Action::ManagePromises)?;
    let form = PromiseForm {
        statement: ctx.lang.t("promises-statement-start"),
        first_month: Month::of_instant(state.trygg.clock.now()).to_string(),
        ..Default::default()
    };
    form_page(&state, &ctx, None, form, None).await
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    let f = PromiseForm::read(&form);
    match state
        .trygg
        .create_promise(&ctx.caller(), &ctx.meta(), f.input())
        .await
    {
        Ok(id) => Ok(see_other(&format!("/promises/{id}?saved=1"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            form_page(&state, &ctx, None, f, Some(err)).await
        }
    }
}

pub async fn edit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let d = state
        .trygg
        .promise_detail(&ctx.caller(), PromiseId(id))
        .await?;
    form_page(&state, &ctx, Some(PromiseId(id)), PromiseForm::of(&d), None).await
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let f = PromiseForm::read(&form);
    match state
        .trygg
        .update_promise(&ctx.caller(), &ctx.meta(), PromiseId(id), f.input())
        .await
    {
        Ok(()) => Ok(see_other(&format!("/promises/{id}?saved=1"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            form_page(&state, &ctx, Some(PromiseId(id)), f, Some(err)).await
        }
    }
}

// ---------------------------------------------------------------- one promise

pub struct ActivityLine {
    pub text: String,
    pub owner: String,
}

pub struct ReportLine {
    pub id: i64,
    pub month: String,
    pub month_code: String,
    pub draft: bool,
    pub status: String,
    pub published: String,
    pub values: Vec<String>,
}

#[derive(Template)]
#[template(path = "promises/promise.html")]
struct PromisePage {
    shell: Shell,
    id: i64,
    title: String,
    statement: String,
    description: Option<String>,
    area: Option<String>,
    period: String,
    activities: Vec<ActivityLine>,
    indicators: Vec<(String, String)>,
    indicator_names: Vec<String>,
    reports: Vec<ReportLine>,
    can_publish: bool,
    notice: Option<String>,
    error: Option<String>,
    caption: String,
}

#[derive(serde::Deserialize, Default)]
pub struct PromiseQuery {
    saved: Option<String>,
    published: Option<String>,
    error: Option<String>,
}

pub fn period_text(lang: Lang, first: &str, last: Option<&str>) -> String {
    match last {
        Some(l) => format!("{} – {}", month_label(lang, first), month_label(lang, l)),
        None => lang.t_args(
            "promises-period-open",
            &[("from", month_label(lang, first))],
        ),
    }
}

pub async fn promise_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PromiseQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let d = state.trygg.promise_detail(&caller, PromiseId(id)).await?;
    let active: Vec<_> = d.indicators.iter().filter(|i| !i.retired).collect();
    let lang = ctx.lang;
    let reports = d
        .reports
        .iter()
        .rev()
        .map(|r| ReportLine {
            id: r.id.0,
            month: month_label(lang, &r.month),
            month_code: r.month.clone(),
            draft: r.status == "draft",
            status: lang.t(&format!("promises-status-{}", r.status)),
            published: r
                .published_at
                .map(|t| t.local_display())
                .unwrap_or_default(),
            values: active
                .iter()
                .map(|i| {
                    value_text(
                        r.values
                            .iter()
                            .find(|v| v.indicator_id == i.id)
                            .and_then(|v| v.value),
                    )
                })
                .collect(),
        })
        .collect();
    let notice = if q.saved.is_some() {
        Some(lang.t("promises-saved"))
    } else if q.published.is_some() {
        Some(lang.t("promises-published-notice"))
    } else {
        None
    };
    let p = &d.promise;
    let page = PromisePage {
        shell: Shell::new(&ctx, p.title.clone()),
        id,
        title: p.title.clone(),
        statement: p.statement.clone(),
        description: p.description.clone(),
        area: p.area_name.clone(),
        period: period_text(lang, &p.first_month, p.last_month.as_deref()),
        activities: d
            .activities
            .iter()
            .map(|a| ActivityLine {
                text: a.text.clone(),
                owner: owner_label(lang, a.owner.code()),
            })
            .collect(),
        indicators: active
            .iter()
            .map(|i| {
                let how = match &i.source {
                    IndicatorSource::Incidents { categories } => lang.t_args(
                        "promises-source-incidents-of",
                        &[("categories", categories.join(", "))],
                    ),
                    other => source_label(lang, other.code()),
                };
                (i.name.clone(), how)
            })
            .collect(),
        indicator_names: active.iter().map(|i| i.name.clone()).collect(),
        reports,
        can_publish: caller.require(Action::PublishPromiseReports).is_ok(),
        notice,
        error: q.error.as_deref().map(|c| lang.error(c)),
        caption: lang.t_args("promises-reports-caption", &[("title", p.title.clone())]),
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------- the monthly report

pub struct ValueField {
    pub id: i64,
    pub name: String,
    pub value: String,
    pub hint: String,
}

#[derive(Template)]
#[template(path = "promises/report.html")]
struct ReportPage {
    shell: Shell,
    id: i64,
    title: String,
    month: String,
    month_text: String,
    done_text: String,
    comments: String,
    values: Vec<ValueField>,
    existing_draft: bool,
    error: Option<FieldError>,
}

impl ReportPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// A refused report form as typed: (what was done, comments, (indicator id, value)).
type Typed = (String, String, Vec<(i64, String)>);

#[derive(serde::Deserialize, Default)]
pub struct ReportQuery {
    month: Option<String>,
}

/// The report form for a month: the month's draft if there is one, otherwise empty
/// texts; values as typed, else the draft's, else the computed ones.
async fn report_page(
    state: &AppState,
    ctx: &Ctx,
    id: PromiseId,
    month_text: String,
    typed: Option<Typed>,
    error: Option<FieldError>,
) -> PageResult {
    let caller = ctx.caller();
    let d = state.trygg.promise_detail(&caller, id).await?;
    let lang = ctx.lang;
    let month = Month::parse("month", &month_text).ok();
    let existing = d
        .reports
        .iter()
        .find(|r| Some(r.month.as_str()) == month.map(|m| m.to_string()).as_deref());
    let computed = match month {
        Some(m) => state.trygg.computed_values(&caller, id, m).await?,
        None => Vec::new(),
    };
    let values = d
        .indicators
        .iter()
        .filter(|i| !i.retired)
        .map(|i| {
            let auto = computed
                .iter()
                .find(|(c, _)| *c == i.id)
                .and_then(|(_, v)| *v);
            let stored = existing
                .and_then(|r| r.values.iter().find(|v| v.indicator_id == i.id))
                .and_then(|v| v.value);
            let value = match &typed {
                Some((_, _, vals)) => vals
                    .iter()
                    .find(|(k, _)| *k == i.id.0)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
                None => stored.or(auto).map(|n| n.to_string()).unwrap_or_default(),
            };
            ValueField {
                id: i.id.0,
                name: i.name.clone(),
                value,
                hint: match (&i.source, auto) {
                    (IndicatorSource::Manual, _) => lang.t("promises-value-manual"),
                    (_, Some(n)) => {
                        lang.t_args("promises-value-computed", &[("value", n.to_string())])
                    }
                    (_, None) => lang.t("promises-value-not-computed"),
                },
            }
        })
        .collect();
    let (done_text, comments) = match &typed {
        Some((d, c, _)) => (d.clone(), c.clone()),
        None => (
            existing.map(|r| r.done_text.clone()).unwrap_or_default(),
            existing
                .and_then(|r| r.comments.clone())
                .unwrap_or_default(),
        ),
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let heading = lang.t_args(
        "promises-report-heading",
        &[("title", d.promise.title.clone())],
    );
    let page = ReportPage {
        shell: Shell::new(ctx, heading),
        id: id.0,
        title: d.promise.title.clone(),
        month_text: month
            .map(|m| month_label(lang, &m.to_string()))
            .unwrap_or_default(),
        month: month_text,
        done_text,
        comments,
        values,
        existing_draft: existing.is_some_and(|r| r.status == "draft"),
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn report_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    // Last month by default: the month a report is usually written for.
    let month = q.month.unwrap_or_else(|| {
        Month::of_instant(state.trygg.clock.now())
            .previous()
            .to_string()
    });
    let error = match Month::parse("month", &month) {
        Ok(_) => None,
        Err(i) => Some(FieldError {
            field: i.field,
            message: ctx.lang.error(i.code),
        }),
    };
    report_page(&state, &ctx, PromiseId(id), month, None, error).await
}

pub async fn save_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let month: String = form.get("month").into();
    let done_text: String = form.get("done_text").into();
    let comments: String = form.get("comments").into();
    let mut values = Vec::new();
    // One field per indicator, `value_{id}` (FormData is this module's parent's).
    for (k, v) in &form.0 {
        if let Some(n) = k.strip_prefix("value_").and_then(|n| n.parse::<i64>().ok()) {
            values.push((n, v.clone()));
        }
    }
    let input = ReportInput {
        month: month.clone(),
        done_text: done_text.clone(),
        comments: comments.clone(),
        values: values
            .iter()
            .map(|(k, v)| (PromiseIndicatorId(*k), v.clone()))
            .collect(),
    };
    match state
        .trygg
        .save_promise_report(&ctx.caller(), &ctx.meta(), PromiseId(id), input)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/promises/{id}?saved=1"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            report_page(
                &state,
                &ctx,
                PromiseId(id),
                month,
                Some((done_text, comments, values)),
                Some(err),
            )
            .await
        }
    }
}

pub async fn publish(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let caller = ctx.caller();
    let report = state
        .trygg
        .promise_report(&caller, PromiseReportId(id))
        .await?;
    let back = format!("/promises/{}", report.promise_id);
    match state
        .trygg
        .publish_promise_report(&caller, &ctx.meta(), PromiseReportId(id))
        .await
    {
        Ok(()) => Ok(see_other(&format!("{back}?published=1"))),
        Err(Error::Refused(code) | Error::Conflict(code)) => {
            Ok(see_other(&format!("{back}?error={code}")))
        }
        Err(e) => Err(e.into()),
    }
}
