//! Agreements and plans in the API (read only): the agreements, one agreement with its
//! priority areas, activities (measures with their live status, as the caller may see
//! them) and plans, and the åtgärdsplan versions with their decisions and hashes. Partner
//! staff read them (`ReadPlans`); changes are made on the pages by the coordinator.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use trygg_core::est_meeting::Integrity;
use trygg_core::plans::{ActivityView, AgreementSummary};
use trygg_domain::plan::{ActionPlanVersionId, AgreementId};
use trygg_store::plan::ActionPlanVersionSummary;
use utoipa::ToSchema;

use crate::AppState;
use crate::context::Ctx;

/// A party of an agreement.
#[derive(Serialize, ToSchema)]
pub struct PartyDto {
    pub organisation_id: i64,
    pub name: String,
}

/// An agreement in the list.
#[derive(Serialize, ToSchema)]
pub struct AgreementSummaryDto {
    pub id: i64,
    pub title: String,
    /// `YYYY-MM-DD`, first and last day included.
    pub period_start: String,
    pub period_end: String,
    pub parties: Vec<PartyDto>,
    /// Activities in all its plans (also those the caller may not see).
    pub activities: usize,
    /// Plans of local BF groups under the agreement.
    pub local_plans: usize,
    /// The newest åtgärdsplan version, if any.
    pub latest_action_plan: Option<ActionPlanVersionDto>,
}

/// The decision on an åtgärdsplan version.
#[derive(Serialize, ToSchema)]
pub struct DecisionDto {
    /// `YYYY-MM-DD`.
    pub decided_on: String,
    /// The deciding body, e.g. `Kommunstyrelsen`.
    pub body: String,
    pub diary_number: String,
}

/// An åtgärdsplan version without its content.
#[derive(Serialize, ToSchema)]
pub struct ActionPlanVersionDto {
    pub id: i64,
    pub agreement_id: i64,
    pub version: i64,
    /// Hex SHA-256 of the stored content.
    pub sha256: String,
    pub created_at: String,
    pub created_by: String,
    /// `null` until the decision is recorded.
    pub decision: Option<DecisionDto>,
}

impl From<&ActionPlanVersionSummary> for ActionPlanVersionDto {
    fn from(s: &ActionPlanVersionSummary) -> Self {
        Self {
            id: s.id.0,
            agreement_id: s.agreement_id.0,
            version: s.version,
            sha256: s.sha256.clone(),
            created_at: s.created_at.rfc3339(),
            created_by: s.created_by_name.clone(),
            decision: s.decision.as_ref().map(|d| DecisionDto {
                decided_on: d.decided_on.clone(),
                body: d.body.clone(),
                diary_number: d.diary_number.clone(),
            }),
        }
    }
}

fn parties(names: &[(trygg_domain::id::OrganisationId, String)]) -> Vec<PartyDto> {
    names
        .iter()
        .map(|(id, name)| PartyDto {
            organisation_id: id.0,
            name: name.clone(),
        })
        .collect()
}

impl From<&AgreementSummary> for AgreementSummaryDto {
    fn from(a: &AgreementSummary) -> Self {
        let v = &a.row.values;
        Self {
            id: a.row.id.0,
            title: v.title.clone(),
            period_start: v.period_start.clone(),
            period_end: v.period_end.clone(),
            parties: parties(&a.row.party_names),
            activities: a.activities,
            local_plans: a.local_plans,
            latest_action_plan: a.latest_version.as_ref().map(ActionPlanVersionDto::from),
        }
    }
}

/// An activity: a measure under a priority area, in a plan.
#[derive(Serialize, ToSchema)]
pub struct ActivityDto {
    pub id: i64,
    pub measure_id: i64,
    pub title: String,
    /// The measure's status now: `proposed`, `assigned`, `accepted`, `in_progress`,
    /// `done`, `confirmed`, `refused`, `not_feasible`.
    pub status: String,
    /// Open and past its due date.
    pub overdue: bool,
    pub owner_organisation_name: Option<String>,
    pub owner_unit_name: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub plan_id: i64,
    /// The BF group of a local plan; `null` for the agreement's own plan.
    pub bf_group: Option<String>,
    pub note: Option<String>,
}

impl From<&ActivityView> for ActivityDto {
    fn from(a: &ActivityView) -> Self {
        Self {
            id: a.row.id.0,
            measure_id: a.row.measure_id.0,
            title: a.row.title.clone(),
            status: a.status.code().into(),
            overdue: a.urgency == trygg_domain::measure::Urgency::Overdue,
            owner_organisation_name: a.row.owner_organisation_name.clone(),
            owner_unit_name: a.row.owner_unit_name.clone(),
            due_date: a.row.due_date.clone(),
            plan_id: a.row.plan_id.0,
            bf_group: a.bf_group.clone(),
            note: a.row.note.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PriorityAreaDto {
    pub id: i64,
    pub name: String,
    pub description: Option<String>,
    pub activities: Vec<ActivityDto>,
    /// Activities whose measure the caller may not see (counted, not shown).
    pub hidden_activities: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityPlanDto {
    pub id: i64,
    pub title: String,
    pub bf_group_id: Option<i64>,
    pub bf_group: Option<String>,
}

/// One agreement in full.
#[derive(Serialize, ToSchema)]
pub struct AgreementDto {
    pub id: i64,
    pub title: String,
    pub period_start: String,
    pub period_end: String,
    pub parties: Vec<PartyDto>,
    pub problems: String,
    pub causes: String,
    pub goals: String,
    pub follow_up: String,
    pub signatories: Vec<String>,
    /// Increases with every change.
    pub version: i64,
    pub priority_areas: Vec<PriorityAreaDto>,
    pub plans: Vec<ActivityPlanDto>,
    pub action_plan_versions: Vec<ActionPlanVersionDto>,
}

/// The agreements, newest period first.
#[utoipa::path(get, path = "/api/v1/plans", tag = "plans",
    responses((status = 200, body = Vec<AgreementSummaryDto>), (status = 401, body = super::ApiError),
        (status = 403, body = super::ApiError)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
) -> super::ApiResult<Vec<AgreementSummaryDto>> {
    let list = state.trygg.agreements(&ctx.caller()).await?;
    Ok(Json(list.iter().map(AgreementSummaryDto::from).collect()))
}

/// One agreement with its priority areas, activities, plans and åtgärdsplan versions.
#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "plans",
    params(("id" = i64, Path, description = "The agreement's id")),
    responses((status = 200, body = AgreementDto), (status = 401, body = super::ApiError),
        (status = 403, body = super::ApiError), (status = 404, body = super::ApiError)))]
pub async fn one(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> super::ApiResult<AgreementDto> {
    let view = state
        .trygg
        .agreement(&ctx.caller(), AgreementId(id))
        .await?;
    let v = &view.row.values;
    Ok(Json(AgreementDto {
        id: view.row.id.0,
        title: v.title.clone(),
        period_start: v.period_start.clone(),
        period_end: v.period_end.clone(),
        parties: parties(&view.row.party_names),
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
        version: view.row.version,
        priority_areas: view
            .areas
            .iter()
            .map(|a| PriorityAreaDto {
                id: a.area.id.0,
                name: a.area.name.clone(),
                description: a.area.description.clone(),
                activities: a.activities.iter().map(ActivityDto::from).collect(),
                hidden_activities: a.hidden,
            })
            .collect(),
        plans: view
            .plans
            .iter()
            .map(|p| ActivityPlanDto {
                id: p.id.0,
                title: p.title.clone(),
                bf_group_id: p.bf_group_id.map(|g| g.0),
                bf_group: p.bf_group_name.clone(),
            })
            .collect(),
        action_plan_versions: view
            .versions
            .iter()
            .map(ActionPlanVersionDto::from)
            .collect(),
    }))
}

/// The åtgärdsplan versions of an agreement, newest first.
#[utoipa::path(get, path = "/api/v1/plans/{id}/action-plan", tag = "plans",
    params(("id" = i64, Path, description = "The agreement's id")),
    responses((status = 200, body = Vec<ActionPlanVersionDto>), (status = 401, body = super::ApiError),
        (status = 403, body = super::ApiError), (status = 404, body = super::ApiError)))]
pub async fn versions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> super::ApiResult<Vec<ActionPlanVersionDto>> {
    let list = state
        .trygg
        .action_plan_versions(&ctx.caller(), AgreementId(id))
        .await?;
    Ok(Json(list.iter().map(ActionPlanVersionDto::from).collect()))
}

/// One åtgärdsplan version with its frozen content.
#[derive(Serialize, ToSchema)]
pub struct ActionPlanDto {
    #[serde(flatten)]
    pub version: ActionPlanVersionDto,
    /// Whether the stored content still matches its hash.
    pub verified: bool,
    /// The content as frozen (canonical JSON as stored); `null` if it no longer
    /// matches its hash.
    #[schema(value_type = Object)]
    pub content: Option<serde_json::Value>,
}

/// One åtgärdsplan version, its hash checked.
#[utoipa::path(get, path = "/api/v1/plans/action-plan/{id}", tag = "plans",
    params(("id" = i64, Path, description = "The version's id")),
    responses((status = 200, body = ActionPlanDto), (status = 401, body = super::ApiError),
        (status = 403, body = super::ApiError), (status = 404, body = super::ApiError)))]
pub async fn version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> super::ApiResult<ActionPlanDto> {
    let v = state
        .trygg
        .action_plan_version(&ctx.caller(), ActionPlanVersionId(id))
        .await?;
    Ok(Json(ActionPlanDto {
        version: ActionPlanVersionDto::from(&v.summary),
        verified: v.integrity == Integrity::Verified,
        content: v
            .content
            .as_ref()
            .and_then(|c| serde_json::to_value(c).ok()),
    }))
}
