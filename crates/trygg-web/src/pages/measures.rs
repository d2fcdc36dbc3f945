//! The measure pages: the list with its filters, the form for a new measure, one
//! measure with its workflow forms, progress notes, evidence photos, effect follow-up,
//! history and comment thread, the edit form, and "my work" (what waits for me).
//!
//! Every form works without JavaScript. A successful form answers with a redirect back
//! to the measure (Post/Redirect/Get); a refused one renders the page again with the
//! error, in Swedish, next to the form it concerns and with what was typed kept. Who
//! may do what is decided in `trygg_core::measures`; the page only offers the commands
//! the core says the caller may give now.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use trygg_core::Error;
use trygg_core::measures::{
    EffectOutcome, EvidencePhase, MeasureEdit, MeasureInput, MeasureItem, MeasureQuery,
    MeasureView, WorkReason,
};
use trygg_domain::area::AreaKind;
use trygg_domain::id::{AreaId, PlaceId, UnitId, UserId};
use trygg_domain::incident::IncidentId;
use trygg_domain::measure::{
    MeasureId, MeasureKind, MeasureStatus, Transition, TransitionInput, Urgency,
};
use trygg_domain::policy::Action;
use trygg_store::Store;
use trygg_store::measure::LinkTarget;
use trygg_store::photo::PhotoVariant;

use super::photos::Upload;
use super::{FieldError, field_error};
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

/// One option of a select, radio group or checkbox group.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn status_label(lang: Lang, code: &str) -> String {
    lang.t(&format!("measures-status-{code}"))
}

pub fn kind_label(lang: Lang, code: &str) -> String {
    lang.t(&format!("measures-kind-{code}"))
}

fn urgency_label(lang: Lang, u: Urgency) -> Option<String> {
    match u {
        Urgency::Overdue => Some(lang.t("measures-overdue")),
        Urgency::DueSoon => Some(lang.t("measures-due-soon")),
        Urgency::OnTime => None,
    }
}

fn owner_text(lang: Lang, row: &trygg_store::measure::MeasureRow) -> String {
    match (&row.owner_organisation_name, &row.owner_unit_name) {
        (Some(o), Some(u)) => format!("{o}, {u}"),
        (Some(o), None) => o.clone(),
        (None, Some(u)) => u.clone(),
        (None, None) => lang.t("measures-no-owner"),
    }
}

fn dash(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "–".into())
}

/// Every unit as "Organisation, Unit", for the owner and co-owner choices.
async fn unit_choices(state: &AppState, selected: &[String]) -> Result<Vec<Choice>, Error> {
    let mut out = Vec::new();
    for o in state.trygg.db.organisations().await? {
        for u in state.trygg.db.units(o.id).await? {
            let value = u.id.to_string();
            out.push(Choice {
                selected: selected.contains(&value),
                label: format!("{}, {}", o.name, u.name),
                value,
            });
        }
    }
    Ok(out)
}

async fn district_choices(state: &AppState, selected: &str) -> Result<Vec<Choice>, Error> {
    Ok(state
        .trygg
        .db
        .current_areas(Some(AreaKind::District))
        .await?
        .into_iter()
        .map(|a| Choice {
            selected: selected == a.id.to_string(),
            value: a.id.to_string(),
            label: a.name,
        })
        .collect())
}

fn kind_choices(lang: Lang, selected: &str) -> Vec<Choice> {
    MeasureKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code().into(),
            label: kind_label(lang, k.code()),
            selected: selected == k.code(),
        })
        .collect()
}

fn opt_id(s: &str) -> Option<i64> {
    s.trim().parse().ok().filter(|v| *v > 0)
}

// ---------------------------------------------------------------- the list

pub struct MeasureLine {
    pub href: String,
    pub title: String,
    pub kind: String,
    pub status: String,
    pub owner: String,
    pub due: String,
    pub urgency: Option<String>,
    pub overdue: bool,
    pub updated: String,
}

fn line(lang: Lang, i: &MeasureItem) -> MeasureLine {
    MeasureLine {
        href: format!("/measures/{}", i.row.id),
        title: i.row.values.title.clone(),
        kind: kind_label(lang, i.kind.code()),
        status: status_label(lang, i.status.code()),
        owner: owner_text(lang, &i.row),
        due: dash(&i.row.values.due_date),
        urgency: urgency_label(lang, i.urgency),
        overdue: i.urgency == Urgency::Overdue,
        updated: i.row.updated_at.local_display(),
    }
}

#[derive(Template)]
#[template(path = "measures/list.html")]
struct ListPage {
    shell: Shell,
    lines: Vec<MeasureLine>,
    statuses: Vec<Choice>,
    kinds: Vec<Choice>,
    units: Vec<Choice>,
    areas: Vec<Choice>,
    sorts: Vec<Choice>,
    overdue: bool,
    can_create: bool,
    filtered: bool,
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    kind: Option<String>,
    unit: Option<String>,
    area: Option<String>,
    overdue: Option<String>,
    sort: Option<String>,
}

const SORTS: [&str; 4] = ["due", "title", "status", "updated"];

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    // Unknown filter values are ignored (a stale bookmark still shows a list).
    let status = MeasureStatus::parse(&text(&q.status)).ok();
    let kind = MeasureKind::parse(&text(&q.kind)).ok();
    let unit = opt_id(&text(&q.unit)).map(UnitId);
    let area = opt_id(&text(&q.area)).map(AreaId);
    let overdue = q.overdue.as_deref().is_some_and(|v| !v.is_empty());
    let sort = SORTS
        .into_iter()
        .find(|s| Some(*s) == q.sort.as_deref())
        .unwrap_or("due");
    let mut items = state
        .trygg
        .measures(
            &caller,
            &MeasureQuery {
                status,
                unit,
                area,
                kind,
                overdue,
                ..Default::default()
            },
        )
        .await?;
    match sort {
        "title" => items.sort_by_key(|i| i.row.values.title.to_lowercase()),
        "status" => items.sort_by_key(|i| {
            MeasureStatus::ALL
                .iter()
                .position(|s| *s == i.status)
                .unwrap_or(0)
        }),
        "updated" => items.sort_by_key(|i| std::cmp::Reverse(i.row.updated_at)),
        _ => {}
    }
    let lang = ctx.lang;
    let statuses = MeasureStatus::ALL
        .iter()
        .map(|s| Choice {
            value: s.code().into(),
            label: status_label(lang, s.code()),
            selected: status == Some(*s),
        })
        .collect();
    let page = ListPage {
        shell: Shell::new(&ctx, lang.t("measures-title")),
        lines: items.iter().map(|i| line(lang, i)).collect(),
        statuses,
        kinds: kind_choices(lang, kind.map(|k| k.code()).unwrap_or("")),
        units: unit_choices(
            &state,
            &unit.map(|u| u.to_string()).into_iter().collect::<Vec<_>>(),
        )
        .await?,
        areas: district_choices(&state, &area.map(|a| a.to_string()).unwrap_or_default()).await?,
        sorts: SORTS
            .iter()
            .map(|s| Choice {
                value: (*s).into(),
                label: lang.t(&format!("measures-sort-{s}")),
                selected: *s == sort,
            })
            .collect(),
        overdue,
        can_create: caller.require(Action::ManageMeasures).is_ok(),
        filtered: status.is_some() || kind.is_some() || unit.is_some() || area.is_some() || overdue,
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------- new and edit

/// The measure form as typed (kept on error).
#[derive(Default, Clone)]
pub struct MeasureForm {
    pub title: String,
    pub description: String,
    pub kind: String,
    pub cause: String,
    pub incidents: String,
    pub place: String,
    pub area: String,
    pub unit: String,
    pub responsible: String,
    pub co_owners: Vec<String>,
    pub due_date: String,
    pub cost_sek: String,
    pub sharing: String,
    pub control_area: String,
    pub version: String,
}

impl MeasureForm {
    fn from_form(form: &FormData) -> Self {
        Self {
            title: form.get("title").into(),
            description: form.get("description").into(),
            kind: form.get("kind").into(),
            cause: form.get("cause").into(),
            incidents: form.get("incidents").into(),
            place: form.get("place").into(),
            area: form.get("area").into(),
            unit: form.get("unit").into(),
            responsible: form.get("responsible").into(),
            co_owners: form
                .all("co_owners")
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            due_date: form.get("due_date").into(),
            cost_sek: form.get("cost_sek").into(),
            sharing: form.get("sharing").into(),
            control_area: form.get("control_area").into(),
            version: form.get("version").into(),
        }
    }

    /// Incident numbers as typed: "12, 14 #15"; field `incidents`.
    fn incident_ids(&self) -> Result<Vec<IncidentId>, trygg_domain::Invalid> {
        self.incidents
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .map(|s| s.trim().trim_start_matches('#'))
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<i64>()
                    .ok()
                    .filter(|v| *v > 0)
                    .map(IncidentId)
                    .ok_or(trygg_domain::Invalid::new(
                        "incidents",
                        "invalid_incident_number",
                    ))
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "measures/form.html")]
struct FormPage {
    shell: Shell,
    heading: String,
    action: String,
    submit: String,
    editing: bool,
    cancel: String,
    form: MeasureForm,
    kinds: Vec<Choice>,
    places: Vec<Choice>,
    areas: Vec<Choice>,
    units: Vec<Choice>,
    co_owners: Vec<Choice>,
    users: Vec<Choice>,
    control_areas: Vec<Choice>,
    error: Option<FieldError>,
}

impl FormPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| {
                e.field == field
                    || (field == "unit" && e.field == "unit_id")
                    || (field == "responsible" && e.field == "responsible_user_id")
                    || (field == "place" && e.field == "places")
                    || (field == "area" && e.field == "areas")
                    || (field == "control_area" && e.field == "control_area_id")
            })
            .map(|e| e.message.as_str())
    }

    /// An error with no field of its own on this form, shown at the top.
    fn general_error(&self) -> Option<&str> {
        const FIELDS: [&str; 19] = [
            "title",
            "description",
            "kind",
            "cause",
            "incidents",
            "places",
            "areas",
            "unit_id",
            "responsible_user_id",
            "co_owners",
            "due_date",
            "cost_sek",
            "sharing",
            "control_area_id",
            "place",
            "area",
            "unit",
            "responsible",
            "control_area",
        ];
        self.error
            .as_ref()
            .filter(|e| !FIELDS.contains(&e.field))
            .map(|e| e.message.as_str())
    }
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    form: MeasureForm,
    edit: Option<i64>,
    error: Option<FieldError>,
) -> PageResult {
    let lang = ctx.lang;
    let places = state
        .trygg
        .db
        .places()
        .await
        .map_err(Error::from)?
        .into_iter()
        .map(|p| Choice {
            selected: form.place == p.id.to_string(),
            value: p.id.to_string(),
            label: p.name,
        })
        .collect();
    let mut users: Vec<Choice> = Vec::new();
    let orgs = state.trygg.db.organisations().await.map_err(Error::from)?;
    for u in state.trygg.db.users().await.map_err(Error::from)? {
        if u.disabled {
            continue;
        }
        let org = orgs
            .iter()
            .find(|o| o.id == u.organisation_id)
            .map(|o| o.name.clone())
            .unwrap_or_default();
        users.push(Choice {
            selected: form.responsible == u.id.to_string(),
            value: u.id.to_string(),
            label: format!("{} ({org})", u.name),
        });
    }
    users.sort_by(|a, b| a.label.cmp(&b.label));
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let (heading, action, submit, cancel) = match edit {
        Some(id) => (
            lang.t("measures-edit"),
            format!("/measures/{id}/edit"),
            lang.t("measures-save"),
            format!("/measures/{id}"),
        ),
        None => (
            lang.t("measures-new"),
            "/measures".into(),
            lang.t("measures-create"),
            "/measures".into(),
        ),
    };
    let page = FormPage {
        shell: Shell::new(ctx, heading.clone()),
        heading,
        action,
        submit,
        editing: edit.is_some(),
        cancel,
        kinds: kind_choices(lang, &form.kind),
        places,
        areas: district_choices(state, &form.area).await?,
        units: unit_choices(state, std::slice::from_ref(&form.unit)).await?,
        co_owners: unit_choices(state, &form.co_owners).await?,
        users,
        control_areas: district_choices(state, &form.control_area).await?,
        form,
        error,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct NewQuery {
    incident: Option<String>,
    place: Option<String>,
    area: Option<String>,
}

/// The empty form; `?incident=`, `?place=` and `?area=` fill in the problem, so other
/// pages can link to "a measure for this".
pub async fn new(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NewQuery>) -> PageResult {
    let form = MeasureForm {
        kind: "other".into(),
        sharing: "partners".into(),
        incidents: q.incident.unwrap_or_default(),
        place: q.place.unwrap_or_default(),
        area: q.area.unwrap_or_default(),
        ..Default::default()
    };
    form_page(&state, &ctx, form, None, None).await
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    let f = MeasureForm::from_form(&form);
    let incidents = match f.incident_ids() {
        Ok(v) => v,
        Err(e) => {
            let err = field_error(&ctx, e.into())?;
            return form_page(&state, &ctx, f, None, Some(err)).await;
        }
    };
    let input = MeasureInput {
        title: f.title.clone(),
        description: f.description.clone(),
        kind: f.kind.clone(),
        cause: f.cause.clone(),
        due_date: f.due_date.clone(),
        cost_sek: f.cost_sek.clone(),
        sharing: f.sharing.clone(),
        unit: opt_id(&f.unit).map(UnitId),
        responsible: opt_id(&f.responsible).map(UserId),
        co_owners: f
            .co_owners
            .iter()
            .filter_map(|s| opt_id(s))
            .map(UnitId)
            .collect(),
        incidents,
        places: opt_id(&f.place).map(PlaceId).into_iter().collect(),
        areas: opt_id(&f.area).map(AreaId).into_iter().collect(),
        lagesbild_priority: None,
        control_area: opt_id(&f.control_area).map(AreaId),
    };
    match state
        .trygg
        .create_measure(&ctx.caller(), &ctx.meta(), input)
        .await
    {
        Ok(id) => Ok(see_other(&format!("/measures/{id}?saved=created"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            form_page(&state, &ctx, f, None, Some(err)).await
        }
    }
}

pub async fn edit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let caller = ctx.caller();
    let view = state.trygg.measure(&caller, MeasureId(id)).await?;
    let v = &view.row.values;
    let form = MeasureForm {
        title: v.title.clone(),
        description: v.description.clone(),
        kind: v.kind.clone(),
        cause: v.cause.clone().unwrap_or_default(),
        responsible: v
            .responsible_user_id
            .map(|u| u.to_string())
            .unwrap_or_default(),
        due_date: v.due_date.clone().unwrap_or_default(),
        cost_sek: v.cost_sek.map(|c| c.to_string()).unwrap_or_default(),
        sharing: v.sharing.clone(),
        control_area: v.control_area_id.map(|a| a.to_string()).unwrap_or_default(),
        version: view.row.version.to_string(),
        ..Default::default()
    };
    form_page(&state, &ctx, form, Some(id), None).await
}

pub async fn save(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let f = MeasureForm::from_form(&form);
    let edit = MeasureEdit {
        title: f.title.clone(),
        description: f.description.clone(),
        kind: f.kind.clone(),
        cause: f.cause.clone(),
        due_date: f.due_date.clone(),
        cost_sek: f.cost_sek.clone(),
        sharing: f.sharing.clone(),
        responsible: opt_id(&f.responsible).map(UserId),
        control_area: opt_id(&f.control_area).map(AreaId),
    };
    let version = f.version.trim().parse().ok();
    match state
        .trygg
        .edit_measure(&ctx.caller(), &ctx.meta(), MeasureId(id), edit, version)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/measures/{id}?saved=edited"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            form_page(&state, &ctx, f, Some(id), Some(err)).await
        }
    }
}

// ---------------------------------------------------------------- one measure

pub struct LinkLine {
    pub label: String,
    pub href: Option<String>,
}

pub struct HistoryLine {
    pub when: String,
    pub who: String,
    pub what: String,
    pub status: String,
    pub changes: String,
    pub note: String,
}

pub struct CommentLine {
    pub when: String,
    pub who: String,
    pub body: String,
}

pub struct EvidenceLine {
    pub href: String,
    pub src: String,
    pub alt: String,
    pub width: i64,
    pub height: i64,
}

/// One row of the effect table.
pub struct EffectRow {
    pub zone: String,
    pub before: u64,
    pub after: u64,
    pub change: String,
    /// Bar lengths of the chart, 0–200 px.
    pub bar_before: u64,
    pub bar_after: u64,
    pub y: u64,
}

/// The effect follow-up as shown.
pub struct EffectView {
    /// A sentence when there are no figures (not completed, no place, too early).
    pub pending: Option<String>,
    pub periods: String,
    pub rows: Vec<EffectRow>,
    pub success: String,
    pub buffer: String,
    pub wdq: String,
    pub verdict: String,
    pub caveats: Vec<String>,
}

/// The commands' forms, with what was typed kept after an error.
#[derive(Default, Clone)]
pub struct Typed {
    pub action: String,
    pub unit: String,
    pub planned_date: String,
    pub reason: String,
    pub evidence: String,
    pub note: String,
    pub comment: String,
}

/// A command's form with a reason field.
pub struct ReasonForm {
    pub code: &'static str,
    pub label: String,
    pub secondary: bool,
    pub error: Option<String>,
    pub typed: String,
}

#[derive(Template)]
#[template(path = "measures/measure.html")]
struct MeasurePage {
    shell: Shell,
    id: i64,
    version: i64,
    title: String,
    description: String,
    status_code: &'static str,
    status: String,
    kind: String,
    urgency: Option<String>,
    overdue: bool,
    owner: String,
    responsible: String,
    co_owners: String,
    due: String,
    planned: String,
    cost: String,
    sharing: String,
    cause: Option<String>,
    reason: Option<String>,
    evidence: Option<String>,
    completed: Option<String>,
    confirmed: Option<String>,
    links: Vec<LinkLine>,
    commands: Vec<&'static str>,
    units: Vec<Choice>,
    may_comment: bool,
    can_edit: bool,
    history: Vec<HistoryLine>,
    comments: Vec<CommentLine>,
    before_photos: Vec<EvidenceLine>,
    after_photos: Vec<EvidenceLine>,
    effect: EffectView,
    notice: Option<String>,
    /// The form the error belongs to (`transition:<code>`, `progress`, `comment`,
    /// `evidence`) and the message.
    error: Option<(String, String)>,
    typed: Typed,
}

impl MeasurePage {
    fn error_for(&self, form: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| f == form)
            .map(|(_, m)| m.as_str())
    }

    /// An error whose form is not on the page (the status moved on, or the command
    /// was not offered): shown at the top instead.
    fn orphan_error(&self) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| {
                f.strip_prefix("transition:")
                    .is_some_and(|c| !self.commands.contains(&c))
                    || (!self.may_comment
                        && matches!(f.as_str(), "progress" | "comment" | "evidence"))
            })
            .map(|(_, m)| m.as_str())
    }

    fn has(&self, command: &str) -> bool {
        self.commands.contains(&command)
    }

    /// The commands that carry a reason, as forms.
    fn reason_forms(&self) -> Vec<ReasonForm> {
        ["refuse", "not_feasible", "send_back", "reopen"]
            .into_iter()
            .filter(|c| self.has(c))
            .map(|code| ReasonForm {
                code,
                label: self
                    .shell
                    .t(&format!("measures-cmd-{}", code.replace('_', "-"))),
                secondary: matches!(code, "refuse" | "not_feasible"),
                error: self
                    .error_for(&format!("transition:{code}"))
                    .map(str::to_owned),
                typed: self.typed_if(code, &self.typed.reason),
            })
            .collect()
    }

    fn typed_if(&self, action: &str, value: &str) -> String {
        if self.typed.action == action {
            value.to_owned()
        } else {
            String::new()
        }
    }
}

fn number(lang: Lang, v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(x) => {
            let s = format!("{x:.2}");
            if lang.code() == "sv" {
                s.replace('.', ",").replace('-', "−")
            } else {
                s
            }
        }
    }
}

fn effect_view(lang: Lang, outcome: &EffectOutcome) -> EffectView {
    let empty = |pending: String| EffectView {
        pending: Some(pending),
        periods: String::new(),
        rows: Vec::new(),
        success: String::new(),
        buffer: String::new(),
        wdq: String::new(),
        verdict: String::new(),
        caveats: Vec::new(),
    };
    let r = match outcome {
        EffectOutcome::NotCompleted => return empty(lang.t("measures-effect-not-completed")),
        EffectOutcome::NoPlace => return empty(lang.t("measures-effect-no-place")),
        EffectOutcome::TooEarly { completed, ready } => {
            return empty(lang.t_args(
                "measures-effect-too-early",
                &[
                    ("completed", completed.to_string()),
                    ("ready", ready.to_string()),
                ],
            ));
        }
        EffectOutcome::Report(r) => r,
    };
    let e = &r.effect;
    let c = e.counts;
    let max = [c.target, c.buffer, c.control]
        .iter()
        .flat_map(|z| [z.before, z.after])
        .max()
        .unwrap_or(0)
        .max(1);
    let bar = |n: u64| n * 200 / max;
    let zones = [
        (
            lang.t_args("measures-effect-zone-target", &[("name", r.target.clone())]),
            c.target,
        ),
        (
            lang.t_args(
                "measures-effect-zone-buffer",
                &[("metres", format!("{:.0}", r.buffer_m))],
            ),
            c.buffer,
        ),
        (
            match &r.control_area {
                Some(n) => lang.t_args("measures-effect-zone-control", &[("name", n.clone())]),
                None => lang.t("measures-effect-zone-no-control"),
            },
            c.control,
        ),
    ];
    let rows = zones
        .into_iter()
        .enumerate()
        .map(|(n, (zone, counts))| EffectRow {
            zone,
            before: counts.before,
            after: counts.after,
            change: match counts.change_pct() {
                Some(p) => {
                    let s = format!("{p:+.0}\u{a0}%");
                    if lang.code() == "sv" {
                        s.replace('-', "−")
                    } else {
                        s
                    }
                }
                None => "–".into(),
            },
            bar_before: bar(counts.before),
            bar_after: bar(counts.after),
            y: n as u64 * 60,
        })
        .collect();
    let mut caveats = Vec::new();
    if e.small_numbers {
        caveats.push(lang.t_args(
            "measures-effect-caveat-small",
            &[("count", (c.target.before + c.target.after).to_string())],
        ));
    }
    caveats.push(lang.t("measures-effect-caveat-regression"));
    if r.control_area.is_none() {
        caveats.push(lang.t("measures-effect-caveat-no-control"));
    }
    caveats.push(lang.t("measures-effect-caveat-cause"));
    EffectView {
        pending: None,
        periods: lang.t_args(
            "measures-effect-periods",
            &[
                ("before_from", r.before.0.to_string()),
                ("before_to", r.before.1.to_string()),
                ("after_from", r.after.0.to_string()),
                ("after_to", r.after.1.to_string()),
            ],
        ),
        rows,
        success: number(lang, e.success_measure),
        buffer: number(lang, e.buffer_measure),
        wdq: number(lang, e.wdq),
        verdict: lang.t(&format!("measures-verdict-{}", e.verdict.code())),
        caveats,
    }
}

/// The changed fields of a history entry in words: "Titel: A → B".
fn changes_text(lang: Lang, changes: &str) -> String {
    let Ok(map) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(changes)
    else {
        return String::new();
    };
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "–".to_owned(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    map.iter()
        .filter(|(k, _)| k.as_str() != "status")
        .map(|(k, v)| {
            let label = lang.t(&format!("measures-field-{}", k.replace('_', "-")));
            match v.as_array() {
                Some(pair) if pair.len() == 2 => {
                    format!("{label}: {} → {}", show(&pair[0]), show(&pair[1]))
                }
                _ => match v.as_object() {
                    Some(o) => format!(
                        "{label}: {} ({})",
                        o.get("count").map(show).unwrap_or_default(),
                        lang.t(&format!(
                            "measures-phase-{}",
                            o.get("phase").map(show).unwrap_or_default()
                        ))
                    ),
                    None => format!("{label}: {}", show(v)),
                },
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

async fn link_lines(
    state: &AppState,
    lang: Lang,
    links: &[LinkTarget],
) -> Result<Vec<LinkLine>, Error> {
    let mut out = Vec::new();
    for l in links {
        out.push(match *l {
            LinkTarget::Incident(i) => LinkLine {
                label: lang.t_args("measures-link-incident", &[("id", i.0.to_string())]),
                href: Some(format!("/incidenter/{i}")),
            },
            LinkTarget::Place(p) => LinkLine {
                label: match state.trygg.db.place(p).await? {
                    Some(place) => lang.t_args("measures-link-place", &[("name", place.name)]),
                    None => lang.t_args("measures-link-place", &[("name", p.to_string())]),
                },
                href: Some(format!("/places/{p}")),
            },
            LinkTarget::Area(a) => LinkLine {
                label: match state.trygg.db.area(a).await? {
                    Some(area) => lang.t_args("measures-link-area", &[("name", area.info.name)]),
                    None => lang.t_args("measures-link-area", &[("name", a.to_string())]),
                },
                href: Some(format!("/areas/{a}")),
            },
            LinkTarget::LagesbildPriority(x) => LinkLine {
                label: lang.t_args("measures-link-priority", &[("id", x.to_string())]),
                href: None,
            },
            LinkTarget::WalkProposal(x) => LinkLine {
                label: lang.t_args("measures-link-proposal", &[("id", x.to_string())]),
                href: None,
            },
        });
    }
    Ok(out)
}

#[derive(serde::Deserialize, Default)]
pub struct MeasureQueryParams {
    saved: Option<String>,
}

/// The notice after a successful form (the code comes back in `?saved=`).
fn saved_notice(lang: Lang, code: &str) -> Option<String> {
    let known = Transition::CODES.contains(&code)
        || ["created", "edited", "progress", "comment", "evidence"].contains(&code);
    known.then(|| lang.t(&format!("measures-saved-{}", code.replace('_', "-"))))
}

async fn measure_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    notice: Option<String>,
    error: Option<(String, String)>,
    typed: Typed,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let view: MeasureView = state.trygg.measure(&caller, MeasureId(id)).await?;
    let effect = state.trygg.measure_effect(&caller, MeasureId(id)).await?;
    let photos = state.trygg.measure_evidence(&caller, MeasureId(id)).await?;
    let v = &view.row.values;
    let units = if view.commands.contains(&"assign") {
        unit_choices(state, std::slice::from_ref(&typed.unit)).await?
    } else {
        Vec::new()
    };
    let mut before_photos = Vec::new();
    let mut after_photos = Vec::new();
    for p in &photos {
        let list = if p.phase == "before" {
            &mut before_photos
        } else {
            &mut after_photos
        };
        let n = list.len() + 1;
        // Thumbnails are at most 320 px on the long edge.
        let scale = 160.0 / (p.width.max(p.height).max(1) as f64);
        list.push(EvidenceLine {
            href: format!("/measures/{id}/evidence/{}", p.id),
            src: format!("/measures/{id}/evidence/{}?thumb=1", p.id),
            alt: lang.t_args(
                &format!("measures-photo-alt-{}", p.phase),
                &[("number", n.to_string())],
            ),
            width: ((p.width as f64 * scale).round() as i64).max(1),
            height: ((p.height as f64 * scale).round() as i64).max(1),
        });
    }
    let history = view
        .history
        .iter()
        .map(|h| HistoryLine {
            when: h.at.local_display(),
            who: h
                .actor_name
                .clone()
                .unwrap_or_else(|| lang.t("measures-system")),
            what: lang.t(&format!("measures-action-{}", h.action.replace('_', "-"))),
            status: match &h.from_status {
                Some(f) if f != &h.to_status => format!(
                    "{} → {}",
                    status_label(lang, f),
                    status_label(lang, &h.to_status)
                ),
                _ => status_label(lang, &h.to_status),
            },
            changes: changes_text(lang, &h.changes),
            note: h.note.clone().unwrap_or_default(),
        })
        .collect();
    let page = MeasurePage {
        shell: Shell::new(ctx, v.title.clone()),
        id,
        version: view.row.version,
        title: v.title.clone(),
        description: v.description.clone(),
        status_code: view.status.code(),
        status: status_label(lang, view.status.code()),
        kind: kind_label(lang, view.kind.code()),
        urgency: urgency_label(lang, view.urgency),
        overdue: view.urgency == Urgency::Overdue,
        owner: owner_text(lang, &view.row),
        responsible: dash(&view.row.responsible_name),
        co_owners: if view.co_owners.is_empty() {
            "–".into()
        } else {
            view.co_owners
                .iter()
                .map(|u| u.name.clone())
                .collect::<Vec<_>>()
                .join(", ")
        },
        due: dash(&v.due_date),
        planned: dash(&v.planned_date),
        cost: v
            .cost_sek
            .map(|c| trygg_domain::measure::CostSek::from_stored(c).display_sv())
            .unwrap_or_else(|| "–".into()),
        sharing: lang.t(&format!("measures-sharing-{}", v.sharing)),
        cause: v.cause.clone(),
        reason: v.status_reason.clone(),
        evidence: v.evidence.clone(),
        completed: v.completed_at.map(|t| t.local_display()),
        confirmed: v.confirmed_at.map(|t| t.local_display()),
        links: link_lines(state, lang, &view.links).await?,
        commands: view.commands.clone(),
        units,
        may_comment: view.may_comment,
        can_edit: caller.require(Action::ManageMeasures).is_ok(),
        history,
        comments: view
            .comments
            .iter()
            .map(|c| CommentLine {
                when: c.at.local_display(),
                who: c.author_name.clone().unwrap_or_else(|| "–".into()),
                body: c.body.clone(),
            })
            .collect(),
        before_photos,
        after_photos,
        effect: effect_view(lang, &effect),
        notice,
        error: error.clone(),
        typed,
    };
    let status = match &error {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn measure(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<MeasureQueryParams>,
) -> PageResult {
    let notice = q.saved.as_deref().and_then(|c| saved_notice(ctx.lang, c));
    measure_page(&state, &ctx, id, notice, None, Typed::default()).await
}

/// A workflow command from one of the measure page's forms.
pub async fn transition(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let typed = Typed {
        action: form.get("action").into(),
        unit: form.get("unit_id").into(),
        planned_date: form.get("planned_date").into(),
        reason: form.get("reason").into(),
        evidence: form.get("evidence").into(),
        ..Default::default()
    };
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
    let parsed = Transition::parse(&TransitionInput {
        action: typed.action.clone(),
        unit_id: opt_id(&typed.unit),
        planned_date: text(&typed.planned_date),
        reason: text(&typed.reason),
        evidence: text(&typed.evidence),
    });
    let version = form.get("version").trim().parse().ok();
    let result = match parsed {
        Ok(command) => state
            .trygg
            .transition_measure(&ctx.caller(), &ctx.meta(), MeasureId(id), command, version)
            .await
            .map(|_| ()),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/measures/{id}?saved={}#status-heading",
            typed.action.trim()
        ))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            let key = format!("transition:{}", typed.action.trim());
            measure_page(&state, &ctx, id, None, Some((key, err.message)), typed).await
        }
    }
}

pub async fn progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let note = form.get("note").to_owned();
    match state
        .trygg
        .note_measure_progress(&ctx.caller(), &ctx.meta(), MeasureId(id), &note)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/measures/{id}?saved=progress#history-heading"
        ))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            let typed = Typed {
                note,
                ..Default::default()
            };
            measure_page(
                &state,
                &ctx,
                id,
                None,
                Some(("progress".into(), err.message)),
                typed,
            )
            .await
        }
    }
}

pub async fn comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let body = form.get("body").to_owned();
    match state
        .trygg
        .comment_measure(&ctx.caller(), &ctx.meta(), MeasureId(id), &body)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "/measures/{id}?saved=comment#comments-heading"
        ))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            let typed = Typed {
                comment: body,
                ..Default::default()
            };
            measure_page(
                &state,
                &ctx,
                id,
                None,
                Some(("comment".into(), err.message)),
                typed,
            )
            .await
        }
    }
}

/// Before/after photos: cleaned like incident photos (type from the content, limits,
/// re-encoded without metadata) before the core stores them.
pub async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    upload: Upload,
) -> PageResult {
    let fail = |e: Error| async {
        let err = field_error(&ctx, e)?;
        measure_page(
            &state,
            &ctx,
            id,
            None,
            Some(("evidence".into(), err.message)),
            Typed::default(),
        )
        .await
    };
    let phase = match EvidencePhase::parse(upload.form.get("phase")) {
        Ok(p) => p,
        Err(e) => return fail(e.into()).await,
    };
    if !upload.too_large.is_empty() {
        let e = trygg_domain::Invalid::new(
            trygg_domain::incident::photo::FIELD,
            trygg_domain::incident::photo::PHOTO_TOO_LARGE,
        );
        return fail(e.into()).await;
    }
    let files = upload.files_of("photos");
    if files.is_empty() {
        return fail(trygg_domain::Invalid::new("photos", "required").into()).await;
    }
    let clean = match trygg_core::photos::clean(files, state.trygg.settings.photos).await {
        Ok(c) => c,
        Err((_, e)) => return fail(e.into()).await,
    };
    match state
        .trygg
        .add_measure_evidence(&ctx.caller(), &ctx.meta(), MeasureId(id), phase, clean)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/measures/{id}?saved=evidence#evidence-heading"
        ))),
        Err(e) => fail(e).await,
    }
}

#[derive(serde::Deserialize, Default)]
pub struct PhotoQuery {
    thumb: Option<String>,
}

/// One evidence photo, to those who may see the measure; every read audited.
pub async fn evidence_photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, photo)): Path<(i64, i64)>,
    Query(q): Query<PhotoQuery>,
) -> Result<Response, crate::WebError> {
    let variant = if q.thumb.is_some() {
        PhotoVariant::Thumb
    } else {
        PhotoVariant::Full
    };
    let data = state
        .trygg
        .measure_evidence_photo(&ctx.caller(), &ctx.meta(), MeasureId(id), photo, variant)
        .await?;
    let ext = if data.content_type == "image/png" {
        "png"
    } else {
        "jpg"
    };
    let mut res = data.bytes.into_response();
    let h = res.headers_mut();
    let mut set = |k: axum::http::header::HeaderName, v: &str| {
        if let Ok(v) = axum::http::HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set(axum::http::header::CONTENT_TYPE, &data.content_type);
    // Photos may show people: never kept by shared caches.
    set(axum::http::header::CACHE_CONTROL, "private, no-store");
    set(axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        axum::http::header::CONTENT_DISPOSITION,
        &format!("inline; filename=\"atgard-{id}-foto-{photo}.{ext}\""),
    );
    Ok(res)
}

// ---------------------------------------------------------------- my work

pub struct WorkLine {
    pub line: MeasureLine,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "measures/my_work.html")]
struct MyWorkPage {
    shell: Shell,
    lines: Vec<WorkLine>,
    unit: Option<String>,
}

pub fn reason_label(lang: Lang, r: WorkReason) -> String {
    lang.t(&format!("measures-reason-{}", r.code().replace('_', "-")))
}

/// "My work": what waits for me and my unit, overdue first.
pub async fn my_work(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.caller();
    let actor = ctx.actor()?;
    let unit = state.trygg.own_unit(actor).await?.map(|u| u.name);
    let lang = ctx.lang;
    let lines = state
        .trygg
        .my_work(&caller)
        .await?
        .iter()
        .map(|(i, r)| WorkLine {
            line: line(lang, i),
            reason: reason_label(lang, *r),
        })
        .collect();
    Ok(render(&MyWorkPage {
        shell: Shell::new(&ctx, lang.t("measures-my-work")),
        lines,
        unit,
    }))
}

/// The start page's short block: how much waits, the first few, a link to "my work".
pub struct WorkSummary {
    pub count: usize,
    pub overdue: usize,
    pub first: Vec<WorkLine>,
}

pub async fn work_summary(state: &AppState, ctx: &Ctx) -> Result<Option<WorkSummary>, Error> {
    let caller = ctx.caller();
    if caller.require(Action::ReadMeasures).is_err() {
        return Ok(None);
    }
    let lang = ctx.lang;
    let work = state.trygg.my_work(&caller).await?;
    Ok(Some(WorkSummary {
        count: work.len(),
        overdue: work
            .iter()
            .filter(|(i, _)| i.urgency == Urgency::Overdue)
            .count(),
        first: work
            .iter()
            .take(5)
            .map(|(i, r)| WorkLine {
                line: line(lang, i),
                reason: reason_label(lang, *r),
            })
            .collect(),
    }))
}
