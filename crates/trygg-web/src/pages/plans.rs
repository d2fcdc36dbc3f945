//! The pages of agreements and plans: the list of agreements, one agreement with its
//! priority areas and activities (the measures' live status), its plans and åtgärdsplan
//! versions and the coordinator's forms; the form to create or change an agreement; the
//! local BF groups with their plans; one åtgärdsplan version with its decision form and
//! PDF.
//!
//! Every form works without JavaScript. A refused form is shown again with the input
//! kept and the Swedish (or English) error next to the field; a successful one answers
//! with a redirect (Post/Redirect/Get).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use trygg_core::Error;
use trygg_core::est_meeting::Integrity;
use trygg_core::plans::{ActivityInput, ActivityView, BfGroupInput, NewAgreementInput};
use trygg_domain::area::AreaKind;
use trygg_domain::measure::Urgency;
use trygg_domain::plan::{
    ActionPlanVersionId, ActivityId, AgreementId, AgreementInput, DecisionInput,
    LINKOPING_PRIORITY_AREAS,
};
use trygg_domain::policy::Action;
use trygg_store::Store;
use trygg_store::plan::ActionPlanVersionSummary;

use super::{FieldError, field_error};
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

fn status_of(e: &Option<FieldError>) -> StatusCode {
    if e.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(items: impl IntoIterator<Item = (i64, String)>, selected: &[String]) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(id, label)| Choice {
            selected: selected.contains(&id.to_string()),
            value: id.to_string(),
            label,
        })
        .collect()
}

fn decision_text(lang: Lang, s: &ActionPlanVersionSummary) -> String {
    match &s.decision {
        Some(d) => lang.t_args(
            "plans-decided",
            &[
                ("date", d.decided_on.clone()),
                ("body", d.body.clone()),
                ("diary", d.diary_number.clone()),
            ],
        ),
        None => lang.t("plans-not-decided"),
    }
}

// ---------------------------------------------------------------- the list

pub struct AgreementLine {
    pub href: String,
    pub title: String,
    pub period: String,
    pub parties: String,
    pub activities: usize,
    pub local_plans: usize,
    pub action_plan: String,
}

#[derive(Template)]
#[template(path = "plans/list.html")]
struct ListPage {
    shell: Shell,
    agreements: Vec<AgreementLine>,
    can_manage: bool,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.caller();
    let agreements = state
        .trygg
        .agreements(&caller)
        .await?
        .into_iter()
        .map(|a| AgreementLine {
            href: format!("/plans/{}", a.row.id),
            period: format!(
                "{} – {}",
                a.row.values.period_start, a.row.values.period_end
            ),
            parties: a
                .row
                .party_names
                .iter()
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            activities: a.activities,
            local_plans: a.local_plans,
            action_plan: match &a.latest_version {
                Some(v) => format!(
                    "{} {}: {}",
                    ctx.lang.t("plans-version"),
                    v.version,
                    decision_text(ctx.lang, v)
                ),
                None => "–".into(),
            },
            title: a.row.values.title,
        })
        .collect();
    let page = ListPage {
        shell: Shell::new(&ctx, ctx.lang.t("plans-title")),
        agreements,
        can_manage: caller.require(Action::ManagePlans).is_ok(),
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------- create and edit

#[derive(Default, Clone)]
pub struct AgreementForm {
    pub title: String,
    pub parties: Vec<String>,
    pub period_start: String,
    pub period_end: String,
    pub problems: String,
    pub causes: String,
    pub goals: String,
    pub follow_up: String,
    pub signatories: String,
    pub priority_areas: String,
    pub version: String,
}

impl AgreementForm {
    fn from_form(form: &FormData) -> Self {
        Self {
            title: form.get("title").into(),
            parties: form
                .all("parties")
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            period_start: form.get("period_start").into(),
            period_end: form.get("period_end").into(),
            problems: form.get("problems").into(),
            causes: form.get("causes").into(),
            goals: form.get("goals").into(),
            follow_up: form.get("follow_up").into(),
            signatories: form.get("signatories").into(),
            priority_areas: form.get("priority_areas").into(),
            version: form.get("version").into(),
        }
    }

    fn input(&self) -> AgreementInput {
        AgreementInput {
            title: self.title.clone(),
            parties: self.parties.iter().filter_map(|p| p.parse().ok()).collect(),
            period_start: self.period_start.clone(),
            period_end: self.period_end.clone(),
            problems: self.problems.clone(),
            causes: self.causes.clone(),
            goals: self.goals.clone(),
            follow_up: self.follow_up.clone(),
            signatories: self.signatories.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "plans/form.html")]
struct FormPage {
    shell: Shell,
    heading: String,
    action: String,
    editing: bool,
    form: AgreementForm,
    organisations: Vec<Choice>,
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
    editing: Option<AgreementId>,
    form: AgreementForm,
    error: Option<FieldError>,
) -> PageResult {
    ctx.caller().require(Action::ManagePlans)?;
    let organisations = choices(
        state
            .trygg
            .db
            .organisations()
            .await
            .map_err(Error::from)?
            .into_iter()
            .map(|o| (o.id.0, o.name)),
        &form.parties,
    );
    let heading = ctx.lang.t(if editing.is_some() {
        "plans-edit"
    } else {
        "plans-new"
    });
    let page = FormPage {
        shell: Shell::new(ctx, heading.clone()),
        heading,
        action: match editing {
            Some(id) => format!("/plans/{id}/edit"),
            None => "/plans".into(),
        },
        editing: editing.is_some(),
        form,
        organisations,
        error,
    };
    Ok((status_of(&page.error), render(&page)).into_response())
}

pub async fn new(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let form = AgreementForm {
        priority_areas: LINKOPING_PRIORITY_AREAS.join("\n"),
        ..Default::default()
    };
    form_page(&state, &ctx, None, form, None).await
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    let f = AgreementForm::from_form(&form);
    let input = NewAgreementInput {
        agreement: f.input(),
        priority_areas: f.priority_areas.clone(),
    };
    match state
        .trygg
        .create_agreement(&ctx.caller(), &ctx.meta(), &input)
        .await
    {
        Ok(id) => Ok(see_other(&format!("/plans/{id}?saved=1"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            form_page(&state, &ctx, None, f, Some(err)).await
        }
    }
}

pub async fn edit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let view = state
        .trygg
        .agreement(&ctx.caller(), AgreementId(id))
        .await?;
    let v = &view.row.values;
    let form = AgreementForm {
        title: v.title.clone(),
        parties: v.parties.iter().map(|p| p.to_string()).collect(),
        period_start: v.period_start.clone(),
        period_end: v.period_end.clone(),
        problems: v.problems.clone(),
        causes: v.causes.clone(),
        goals: v.goals.clone(),
        follow_up: v.follow_up.clone(),
        signatories: v.signatories.clone(),
        priority_areas: String::new(),
        version: view.row.version.to_string(),
    };
    form_page(&state, &ctx, Some(AgreementId(id)), form, None).await
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let f = AgreementForm::from_form(&form);
    let version = f.version.trim().parse::<i64>().unwrap_or(0);
    match state
        .trygg
        .update_agreement(
            &ctx.caller(),
            &ctx.meta(),
            AgreementId(id),
            version,
            &f.input(),
        )
        .await
    {
        Ok(()) => Ok(see_other(&format!("/plans/{id}?saved=1"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            form_page(&state, &ctx, Some(AgreementId(id)), f, Some(err)).await
        }
    }
}

// ---------------------------------------------------------------- one agreement

pub struct ActivityLine {
    pub id: i64,
    pub measure_href: String,
    pub title: String,
    pub status: String,
    pub overdue: bool,
    pub owner: String,
    pub due: String,
    pub plan: String,
    pub note: String,
}

pub fn activity_line(lang: Lang, a: &ActivityView) -> ActivityLine {
    ActivityLine {
        id: a.row.id.0,
        measure_href: format!("/measures/{}", a.row.measure_id),
        title: a.row.title.clone(),
        status: lang.t(&format!("lagesbild-measure-status-{}", a.status.code())),
        overdue: a.urgency == Urgency::Overdue,
        owner: match (&a.row.owner_organisation_name, &a.row.owner_unit_name) {
            (Some(o), Some(u)) => format!("{o}, {u}"),
            (Some(o), None) => o.clone(),
            (None, Some(u)) => u.clone(),
            (None, None) => "–".into(),
        },
        due: a.row.due_date.clone().unwrap_or_else(|| "–".into()),
        plan: a
            .bf_group
            .clone()
            .unwrap_or_else(|| lang.t("plans-agreement-plan")),
        note: a.row.note.clone().unwrap_or_default(),
    }
}

/// A table of activities with its caption.
pub struct ActivityTable {
    pub caption_id: String,
    pub caption: String,
    pub rows: Vec<ActivityLine>,
}

pub struct AreaBlock {
    pub anchor: String,
    pub name: String,
    pub description: String,
    pub table: ActivityTable,
    pub hidden: String,
}

pub struct VersionLine {
    pub href: String,
    pub version: i64,
    pub created: String,
    pub by: String,
    pub decision: String,
}

/// What the agreement page's forms hold (kept after an error).
#[derive(Default, Clone)]
pub struct AgreementForms {
    pub plan: String,
    pub priority_area: String,
    pub measure: String,
    pub note: String,
    pub area_name: String,
    pub area_description: String,
    pub group: String,
    pub local_title: String,
    /// Which form the error belongs to: `activity`, `area`, `local`, `version`.
    pub failed: &'static str,
}

#[derive(Template)]
#[template(path = "plans/agreement.html")]
struct AgreementPage {
    shell: Shell,
    id: i64,
    title: String,
    period: String,
    parties: String,
    problems: String,
    causes: String,
    goals: String,
    follow_up: String,
    signatories: Vec<String>,
    areas: Vec<AreaBlock>,
    plans: Vec<(String, String)>,
    versions: Vec<VersionLine>,
    may_manage: bool,
    plan_choices: Vec<Choice>,
    area_choices: Vec<Choice>,
    measure_choices: Vec<Choice>,
    group_choices: Vec<Choice>,
    forms: AgreementForms,
    error: Option<FieldError>,
    notice: Option<String>,
}

impl AgreementPage {
    fn err(&self, form: &str, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| self.forms.failed == form && (e.field == field))
            .map(|e| e.message.as_str())
    }

    fn form_err(&self, form: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| self.forms.failed == form && e.field == "form")
            .map(|e| e.message.as_str())
    }
}

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn agreement_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    forms: AgreementForms,
    error: Option<FieldError>,
    notice: Option<String>,
) -> PageResult {
    let caller = ctx.caller();
    let view = state.trygg.agreement(&caller, AgreementId(id)).await?;
    let lang = ctx.lang;
    let v = &view.row.values;
    let (measure_choices, group_choices) = if view.may_manage {
        (
            choices(
                state
                    .trygg
                    .plan_measure_choices(&caller)
                    .await?
                    .into_iter()
                    .map(|(id, t)| (id.0, format!("{t} (nr {id})"))),
                std::slice::from_ref(&forms.measure),
            ),
            choices(
                state
                    .trygg
                    .bf_groups(&caller)
                    .await?
                    .into_iter()
                    .map(|g| (g.group.id.0, g.group.name)),
                std::slice::from_ref(&forms.group),
            ),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let page = AgreementPage {
        shell: Shell::new(ctx, v.title.clone()),
        id,
        title: v.title.clone(),
        period: format!("{} – {}", v.period_start, v.period_end),
        parties: view
            .row
            .party_names
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        problems: v.problems.clone(),
        causes: v.causes.clone(),
        goals: v.goals.clone(),
        follow_up: v.follow_up.clone(),
        signatories: v
            .signatories
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        areas: view
            .areas
            .iter()
            .map(|a| AreaBlock {
                anchor: format!("area-{}", a.area.id),
                name: a.area.name.clone(),
                description: a.area.description.clone().unwrap_or_default(),
                table: ActivityTable {
                    caption_id: format!("area-{}-caption", a.area.id),
                    caption: lang
                        .t_args("plans-activities-caption", &[("area", a.area.name.clone())]),
                    rows: a
                        .activities
                        .iter()
                        .map(|x| activity_line(lang, x))
                        .collect(),
                },
                hidden: if a.hidden > 0 {
                    lang.t_args("plans-hidden", &[("count", a.hidden.to_string())])
                } else {
                    String::new()
                },
            })
            .collect(),
        plans: view
            .plans
            .iter()
            .map(|p| {
                (
                    p.title.clone(),
                    p.bf_group_name
                        .clone()
                        .unwrap_or_else(|| lang.t("plans-agreement-plan")),
                )
            })
            .collect(),
        versions: view
            .versions
            .iter()
            .map(|s| VersionLine {
                href: format!("/plans/versions/{}", s.id),
                version: s.version,
                created: s.created_at.local_display(),
                by: s.created_by_name.clone(),
                decision: decision_text(lang, s),
            })
            .collect(),
        may_manage: view.may_manage,
        plan_choices: choices(
            view.plans.iter().map(|p| {
                (
                    p.id.0,
                    p.bf_group_name
                        .clone()
                        .unwrap_or_else(|| lang.t("plans-agreement-plan")),
                )
            }),
            std::slice::from_ref(&forms.plan),
        ),
        area_choices: choices(
            view.areas
                .iter()
                .map(|a| (a.area.id.0, a.area.name.clone())),
            std::slice::from_ref(&forms.priority_area),
        ),
        measure_choices,
        group_choices,
        forms,
        notice,
        error,
    };
    Ok((status_of(&page.error), render(&page)).into_response())
}

pub async fn agreement(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let notice = q.saved.map(|_| ctx.lang.t("plans-saved"));
    agreement_page(&state, &ctx, id, AgreementForms::default(), None, notice).await
}

/// Runs one of the agreement page's forms: on success back to the page, on a field
/// error the page again with the input kept.
async fn agreement_form(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    forms: AgreementForms,
    result: Result<String, Error>,
) -> PageResult {
    match result {
        Ok(anchor) => Ok(see_other(&format!("/plans/{id}?saved=1{anchor}"))),
        Err(e) => {
            let err = field_error(ctx, e)?;
            agreement_page(state, ctx, id, forms, Some(err), None).await
        }
    }
}

pub async fn add_activity(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let forms = AgreementForms {
        plan: form.get("plan").into(),
        priority_area: form.get("priority_area").into(),
        measure: form.get("measure").into(),
        note: form.get("note").into(),
        failed: "activity",
        ..Default::default()
    };
    let input = ActivityInput {
        plan: forms.plan.clone(),
        priority_area: forms.priority_area.clone(),
        measure: forms.measure.clone(),
        note: forms.note.clone(),
    };
    let result = state
        .trygg
        .add_activity(&ctx.caller(), &ctx.meta(), AgreementId(id), &input)
        .await
        .map(|_| format!("#area-{}", input.priority_area.trim()));
    agreement_form(&state, &ctx, id, forms, result).await
}

pub async fn add_area(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let forms = AgreementForms {
        area_name: form.get("name").into(),
        area_description: form.get("description").into(),
        failed: "area",
        ..Default::default()
    };
    let result = state
        .trygg
        .add_priority_area(
            &ctx.caller(),
            &ctx.meta(),
            AgreementId(id),
            &forms.area_name,
            &forms.area_description,
        )
        .await
        .map(|a| format!("#area-{a}"));
    agreement_form(&state, &ctx, id, forms, result).await
}

pub async fn add_local_plan(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let forms = AgreementForms {
        group: form.get("group").into(),
        local_title: form.get("title").into(),
        failed: "local",
        ..Default::default()
    };
    let result = state
        .trygg
        .create_local_plan(
            &ctx.caller(),
            &ctx.meta(),
            AgreementId(id),
            &forms.group,
            &forms.local_title,
        )
        .await
        .map(|_| "#plans".to_owned());
    agreement_form(&state, &ctx, id, forms, result).await
}

pub async fn remove_activity(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult {
    let agreement = state
        .trygg
        .remove_activity(&ctx.caller(), &ctx.meta(), ActivityId(id))
        .await?;
    Ok(see_other(&format!("/plans/{agreement}?saved=1")))
}

pub async fn create_version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult {
    let version = state
        .trygg
        .create_action_plan_version(&ctx.caller(), &ctx.meta(), AgreementId(id))
        .await?;
    Ok(see_other(&format!("/plans/versions/{version}?saved=1")))
}

// ---------------------------------------------------------------- BF groups

pub struct GroupBlock {
    pub name: String,
    pub area: String,
    pub members: String,
    pub description: String,
    /// (agreement link, activities, hidden note) per plan.
    pub plans: Vec<(String, ActivityTable, String)>,
}

#[derive(Default, Clone)]
pub struct GroupForm {
    pub name: String,
    pub area: String,
    pub description: String,
    pub members: Vec<String>,
}

#[derive(Template)]
#[template(path = "plans/groups.html")]
struct GroupsPage {
    shell: Shell,
    groups: Vec<GroupBlock>,
    may_manage: bool,
    form: GroupForm,
    areas: Vec<Choice>,
    organisations: Vec<Choice>,
    error: Option<FieldError>,
}

impl GroupsPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn groups_page(
    state: &AppState,
    ctx: &Ctx,
    form: GroupForm,
    error: Option<FieldError>,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let groups = state
        .trygg
        .bf_groups(&caller)
        .await?
        .into_iter()
        .map(|g| GroupBlock {
            area: g.group.area_name.clone().unwrap_or_else(|| "–".into()),
            members: g
                .group
                .members
                .iter()
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            description: g.group.description.clone().unwrap_or_default(),
            plans: g
                .plans
                .iter()
                .map(|(p, acts, hidden)| {
                    (
                        format!("/plans/{}", p.agreement_id),
                        ActivityTable {
                            caption_id: format!("plan-{}-caption", p.id),
                            caption: p.title.clone(),
                            rows: acts.iter().map(|a| activity_line(lang, a)).collect(),
                        },
                        if *hidden > 0 {
                            lang.t_args("plans-hidden", &[("count", hidden.to_string())])
                        } else {
                            String::new()
                        },
                    )
                })
                .collect(),
            name: g.group.name,
        })
        .collect();
    let may_manage = caller.require(Action::ManagePlans).is_ok();
    let (areas, organisations) = if may_manage {
        (
            choices(
                state
                    .trygg
                    .db
                    .current_areas(Some(AreaKind::District))
                    .await
                    .map_err(Error::from)?
                    .into_iter()
                    .map(|a| (a.id.0, a.name)),
                std::slice::from_ref(&form.area),
            ),
            choices(
                state
                    .trygg
                    .db
                    .organisations()
                    .await
                    .map_err(Error::from)?
                    .into_iter()
                    .map(|o| (o.id.0, o.name)),
                &form.members,
            ),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let page = GroupsPage {
        shell: Shell::new(ctx, lang.t("plans-groups-title")),
        groups,
        may_manage,
        form,
        areas,
        organisations,
        error,
    };
    Ok((status_of(&page.error), render(&page)).into_response())
}

pub async fn groups(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    groups_page(&state, &ctx, GroupForm::default(), None).await
}

pub async fn create_group(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    let f = GroupForm {
        name: form.get("name").into(),
        area: form.get("area").into(),
        description: form.get("description").into(),
        members: form
            .all("members")
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    };
    let input = BfGroupInput {
        name: f.name.clone(),
        area: f.area.clone(),
        description: f.description.clone(),
        members: f.members.iter().filter_map(|m| m.parse().ok()).collect(),
    };
    match state
        .trygg
        .create_bf_group(&ctx.caller(), &ctx.meta(), &input)
        .await
    {
        Ok(_) => Ok(see_other("/plans/groups")),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            groups_page(&state, &ctx, f, Some(err)).await
        }
    }
}

// ---------------------------------------------------------------- one version

pub struct VersionArea {
    pub name: String,
    pub rows: Vec<(String, String, String, String, String)>,
}

#[derive(Default, Clone)]
pub struct DecisionForm {
    pub decided_on: String,
    pub body: String,
    pub diary_number: String,
}

#[derive(Template)]
#[template(path = "plans/version.html")]
struct VersionPage {
    shell: Shell,
    heading: String,
    agreement_href: String,
    pdf_href: String,
    action: String,
    version: i64,
    created: String,
    by: String,
    sha256: String,
    tampered: bool,
    decision: Option<String>,
    parties: String,
    period: String,
    goals: String,
    areas: Vec<VersionArea>,
    may_decide: bool,
    form: DecisionForm,
    error: Option<FieldError>,
    notice: Option<String>,
}

impl VersionPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn version_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: DecisionForm,
    error: Option<FieldError>,
    notice: Option<String>,
) -> PageResult {
    let lang = ctx.lang;
    let v = state
        .trygg
        .action_plan_version(&ctx.caller(), ActionPlanVersionId(id))
        .await?;
    let s = &v.summary;
    let content = v.content.as_ref();
    let page = VersionPage {
        shell: Shell::new(
            ctx,
            lang.t_args("plans-version-title", &[("version", s.version.to_string())]),
        ),
        heading: lang.t_args("plans-version-title", &[("version", s.version.to_string())]),
        agreement_href: format!("/plans/{}", s.agreement_id),
        pdf_href: format!("/plans/versions/{id}/pdf"),
        action: format!("/plans/versions/{id}/decision"),
        version: s.version,
        created: s.created_at.local_display(),
        by: s.created_by_name.clone(),
        sha256: s.sha256.clone(),
        tampered: matches!(v.integrity, Integrity::Mismatch { .. }),
        decision: s.decision.as_ref().map(|_| decision_text(lang, s)),
        parties: content.map(|c| c.parties.join(", ")).unwrap_or_default(),
        period: content
            .map(|c| format!("{} – {}", c.period_start, c.period_end))
            .unwrap_or_default(),
        goals: content.map(|c| c.goals.clone()).unwrap_or_default(),
        areas: content
            .map(|c| {
                c.priority_areas
                    .iter()
                    .map(|a| VersionArea {
                        name: a.name.clone(),
                        rows: a
                            .activities
                            .iter()
                            .map(|x| {
                                (
                                    x.title.clone(),
                                    lang.t(&format!("lagesbild-measure-status-{}", x.status)),
                                    x.owner.clone().unwrap_or_else(|| "–".into()),
                                    x.due_date.clone().unwrap_or_else(|| "–".into()),
                                    x.plan.clone(),
                                )
                            })
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        may_decide: v.may_manage && s.decision.is_none() && v.content.is_some(),
        form,
        error,
        notice,
    };
    let _ = v.agreement_title;
    Ok((status_of(&page.error), render(&page)).into_response())
}

pub async fn version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> PageResult {
    let notice = q.saved.map(|_| ctx.lang.t("plans-saved"));
    version_page(&state, &ctx, id, DecisionForm::default(), None, notice).await
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let f = DecisionForm {
        decided_on: form.get("decided_on").into(),
        body: form.get("body").into(),
        diary_number: form.get("diary_number").into(),
    };
    let input = DecisionInput {
        decided_on: f.decided_on.clone(),
        body: f.body.clone(),
        diary_number: f.diary_number.clone(),
    };
    match state
        .trygg
        .decide_action_plan(&ctx.caller(), &ctx.meta(), ActionPlanVersionId(id), &input)
        .await
    {
        Ok(()) => Ok(see_other(&format!("/plans/versions/{id}?saved=1"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            version_page(&state, &ctx, id, f, Some(err), None).await
        }
    }
}

pub async fn version_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult {
    let (name, bytes) = state
        .trygg
        .action_plan_pdf(&ctx.caller(), ActionPlanVersionId(id))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}
