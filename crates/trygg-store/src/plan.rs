//! Agreements and plans in the store: the samverkansöverenskommelse with its parties and
//! priority areas, the local BF groups, activity plans whose activities link measures
//! (never copies of them), and the åtgärdsplan versions with their decisions.
//!
//! A trait of its own beside [`crate::Store`]; the SQL is shared by both backends through
//! `impl_plan_store!`. Who may do what is decided by `trygg-core`; the store keeps the
//! rules that need the database: one plan per agreement and group, a measure once per
//! plan, version numbers without gaps or doubles, content and hash of a version never
//! changed (triggers), and a decision written once.

use trygg_domain::audit::AuditDraft;
use trygg_domain::id::{AreaId, OrganisationId, UnitId, UserId};
use trygg_domain::measure::MeasureId;
use trygg_domain::plan::{
    ActionPlanVersionId, ActivityId, ActivityPlanId, AgreementId, BfGroupId, PriorityAreaId,
};
use trygg_domain::time::Instant;

use crate::Result;

/// The columns of an agreement a change may set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementValues {
    pub title: String,
    /// `YYYY-MM-DD`.
    pub period_start: String,
    pub period_end: String,
    pub problems: String,
    pub causes: String,
    pub goals: String,
    pub follow_up: String,
    /// One signatory per line.
    pub signatories: String,
    pub parties: Vec<OrganisationId>,
}

/// An agreement to create, with its priority areas and the title of its own plan.
#[derive(Debug, Clone)]
pub struct NewAgreement {
    pub values: AgreementValues,
    pub priority_areas: Vec<String>,
    pub plan_title: String,
    pub by: Option<UserId>,
    pub at: Instant,
}

/// A stored agreement with its parties' names.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementRow {
    pub id: AgreementId,
    pub values: AgreementValues,
    /// (id, name) by name.
    pub party_names: Vec<(OrganisationId, String)>,
    pub version: i64,
    pub created_at: Instant,
    pub updated_at: Instant,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PriorityAreaRow {
    pub id: PriorityAreaId,
    pub agreement_id: AgreementId,
    pub position: i64,
    pub name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewBfGroup {
    pub name: String,
    pub area_id: Option<AreaId>,
    pub description: Option<String>,
    pub members: Vec<OrganisationId>,
    pub at: Instant,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BfGroupRow {
    pub id: BfGroupId,
    pub name: String,
    pub area_id: Option<AreaId>,
    pub area_name: Option<String>,
    pub description: Option<String>,
    /// (id, name) by name.
    pub members: Vec<(OrganisationId, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivityPlanRow {
    pub id: ActivityPlanId,
    pub agreement_id: AgreementId,
    pub agreement_title: String,
    /// `None` for the agreement's own plan.
    pub bf_group_id: Option<BfGroupId>,
    pub bf_group_name: Option<String>,
    pub title: String,
    pub created_at: Instant,
}

#[derive(Debug, Clone)]
pub struct NewActivity {
    pub plan_id: ActivityPlanId,
    pub priority_area_id: PriorityAreaId,
    pub measure_id: MeasureId,
    pub note: Option<String>,
    pub by: Option<UserId>,
    pub at: Instant,
}

/// An activity with the measure's current state.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    pub id: ActivityId,
    pub plan_id: ActivityPlanId,
    pub priority_area_id: PriorityAreaId,
    pub measure_id: MeasureId,
    pub note: Option<String>,
    pub title: String,
    pub status: String,
    pub sharing: String,
    pub owner_organisation_id: Option<OrganisationId>,
    pub owner_organisation_name: Option<String>,
    pub owner_unit_id: Option<UnitId>,
    pub owner_unit_name: Option<String>,
    pub due_date: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewActionPlanVersion {
    pub agreement_id: AgreementId,
    /// Canonical JSON, stored exactly as hashed.
    pub content: String,
    /// Hex SHA-256 of `content`.
    pub sha256: String,
    pub by: UserId,
    pub at: Instant,
}

/// The decision recorded on a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    /// `YYYY-MM-DD`.
    pub decided_on: String,
    pub body: String,
    pub diary_number: String,
    pub recorded_at: Option<Instant>,
    pub recorded_by: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionPlanVersionSummary {
    pub id: ActionPlanVersionId,
    pub agreement_id: AgreementId,
    pub version: i64,
    pub sha256: String,
    pub created_at: Instant,
    pub created_by: UserId,
    pub created_by_name: String,
    pub decision: Option<DecisionRow>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionPlanVersionRow {
    pub summary: ActionPlanVersionSummary,
    pub content: String,
}

#[allow(async_fn_in_trait)]
pub trait PlanStore {
    /// Creates the agreement, its parties, its priority areas (in the given order) and
    /// its own activity plan, in one transaction with the audit entry.
    async fn create_agreement(&self, new: &NewAgreement, audit: AuditDraft) -> Result<AgreementId>;
    /// Replaces an agreement's values and parties if it is still at `expected_version`
    /// (otherwise `Conflict { constraint: "agreement_changed" }`).
    async fn update_agreement(
        &self,
        id: AgreementId,
        expected_version: i64,
        values: &AgreementValues,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<()>;
    /// All agreements, newest period first.
    async fn agreements(&self) -> Result<Vec<AgreementRow>>;
    async fn agreement(&self, id: AgreementId) -> Result<Option<AgreementRow>>;
    /// The agreement's priority areas in their order.
    async fn priority_areas(&self, agreement: AgreementId) -> Result<Vec<PriorityAreaRow>>;
    /// Adds a priority area last (`plan_priority_areas_name_key` if the name is taken).
    async fn add_priority_area(
        &self,
        agreement: AgreementId,
        name: &str,
        description: Option<&str>,
        audit: AuditDraft,
    ) -> Result<PriorityAreaId>;

    async fn create_bf_group(&self, new: &NewBfGroup, audit: AuditDraft) -> Result<BfGroupId>;
    /// All groups, by name.
    async fn bf_groups(&self) -> Result<Vec<BfGroupRow>>;
    async fn bf_group(&self, id: BfGroupId) -> Result<Option<BfGroupRow>>;

    /// A BF group's plan under an agreement (`plan_activity_plans_group_key` if it has one).
    async fn create_activity_plan(
        &self,
        agreement: AgreementId,
        group: BfGroupId,
        title: &str,
        at: Instant,
        audit: AuditDraft,
    ) -> Result<ActivityPlanId>;
    /// The plans of an agreement (its own first) or of a group, or all.
    async fn activity_plans(
        &self,
        agreement: Option<AgreementId>,
        group: Option<BfGroupId>,
    ) -> Result<Vec<ActivityPlanRow>>;
    async fn activity_plan(&self, id: ActivityPlanId) -> Result<Option<ActivityPlanRow>>;

    /// Links a measure to a plan under a priority area (`plan_activities_measure_key` if
    /// the plan has it already).
    async fn add_activity(&self, new: &NewActivity, audit: AuditDraft) -> Result<ActivityId>;
    async fn remove_activity(&self, id: ActivityId, audit: AuditDraft) -> Result<()>;
    async fn activity(&self, id: ActivityId) -> Result<Option<ActivityRow>>;
    /// The activities of every plan of the agreement, by priority area, then plan, then
    /// measure.
    async fn activities(&self, agreement: AgreementId) -> Result<Vec<ActivityRow>>;

    /// Stores a version as the next of its agreement; returns (id, version).
    async fn create_action_plan_version(
        &self,
        new: &NewActionPlanVersion,
        audit: AuditDraft,
    ) -> Result<(ActionPlanVersionId, i64)>;
    /// The versions of an agreement, newest first.
    async fn action_plan_versions(
        &self,
        agreement: AgreementId,
    ) -> Result<Vec<ActionPlanVersionSummary>>;
    async fn action_plan_version(
        &self,
        id: ActionPlanVersionId,
    ) -> Result<Option<ActionPlanVersionRow>>;
    /// Records the decision once; a decided version is `Conflict { constraint:
    /// "action_plan_already_decided" }`.
    async fn decide_action_plan_version(
        &self,
        id: ActionPlanVersionId,
        decision: &DecisionRow,
        audit: AuditDraft,
    ) -> Result<()>;
}

macro_rules! impl_plan_store {
    ($store:ident, $db:ty) => {
        mod plan_impl {
            use sqlx::Row as _;
            use trygg_domain::audit::AuditDraft;
            use trygg_domain::id::{AreaId, OrganisationId, UnitId, UserId};
            use trygg_domain::measure::MeasureId;
            use trygg_domain::plan::{
                ActionPlanVersionId, ActivityId, ActivityPlanId, AgreementId, BfGroupId,
                PriorityAreaId,
            };
            use trygg_domain::time::Instant;

            use super::append;
            use $crate::plan::*;
            use $crate::{Result, StoreError};

            type Row = <$db as sqlx::Database>::Row;
            type Tx = sqlx::Transaction<'static, $db>;
            type Pool = sqlx::Pool<$db>;

            async fn finish(mut tx: Tx, key: &trygg_domain::audit::AuditKey, audit: AuditDraft, id: i64) -> Result<()> {
                let mut audit = audit;
                audit.object_id.get_or_insert_with(|| id.to_string());
                append(&mut tx, key, &audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn parties(pool: &Pool, id: i64) -> Result<Vec<(OrganisationId, String)>> {
                sqlx::query(
                    "SELECT o.id, o.name FROM plan_agreement_parties p JOIN organisations o ON o.id = p.organisation_id \
                     WHERE p.agreement_id = $1 ORDER BY o.name, o.id",
                )
                .bind(id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((OrganisationId(r.try_get("id")?), r.try_get("name")?)))
                .collect()
            }

            async fn members(pool: &Pool, id: i64) -> Result<Vec<(OrganisationId, String)>> {
                sqlx::query(
                    "SELECT o.id, o.name FROM plan_bf_group_members m JOIN organisations o ON o.id = m.organisation_id \
                     WHERE m.group_id = $1 ORDER BY o.name, o.id",
                )
                .bind(id)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((OrganisationId(r.try_get("id")?), r.try_get("name")?)))
                .collect()
            }

            async fn agreement_from(pool: &Pool, r: &Row) -> Result<AgreementRow> {
                let id: i64 = r.try_get("id")?;
                let party_names = parties(pool, id).await?;
                Ok(AgreementRow {
                    id: AgreementId(id),
                    values: AgreementValues {
                        title: r.try_get("title")?,
                        period_start: r.try_get("period_start")?,
                        period_end: r.try_get("period_end")?,
                        problems: r.try_get("problems")?,
                        causes: r.try_get("causes")?,
                        goals: r.try_get("goals")?,
                        follow_up: r.try_get("follow_up")?,
                        signatories: r.try_get("signatories")?,
                        parties: party_names.iter().map(|(o, _)| *o).collect(),
                    },
                    party_names,
                    version: r.try_get("version")?,
                    created_at: Instant(r.try_get("created_at")?),
                    updated_at: Instant(r.try_get("updated_at")?),
                })
            }

            async fn group_from(pool: &Pool, r: &Row) -> Result<BfGroupRow> {
                let id: i64 = r.try_get("id")?;
                Ok(BfGroupRow {
                    id: BfGroupId(id),
                    name: r.try_get("name")?,
                    area_id: r.try_get::<Option<i64>, _>("area_id")?.map(AreaId),
                    area_name: r.try_get("area_name")?,
                    description: r.try_get("description")?,
                    members: members(pool, id).await?,
                })
            }

            fn plan_from(r: &Row) -> Result<ActivityPlanRow> {
                Ok(ActivityPlanRow {
                    id: ActivityPlanId(r.try_get("id")?),
                    agreement_id: AgreementId(r.try_get("agreement_id")?),
                    agreement_title: r.try_get("agreement_title")?,
                    bf_group_id: r.try_get::<Option<i64>, _>("bf_group_id")?.map(BfGroupId),
                    bf_group_name: r.try_get("bf_group_name")?,
                    title: r.try_get("title")?,
                    created_at: Instant(r.try_get("created_at")?),
                })
            }

            fn area_from(r: &Row) -> Result<PriorityAreaRow> {
                Ok(PriorityAreaRow {
                    id: PriorityAreaId(r.try_get("id")?),
                    agreement_id: AgreementId(r.try_get("agreement_id")?),
                    position: r.try_get("position")?,
                    name: r.try_get("name")?,
                    description: r.try_get("description")?,
                })
            }

            const ACTIVITY: &str = "SELECT a.id, a.plan_id, a.priority_area_id, a.measure_id, a.note, m.title, m.status, m.sharing, \
                m.owner_organisation_id, o.name AS owner_organisation_name, m.owner_unit_id, u.name AS owner_unit_name, m.due_date \
                FROM plan_activities a JOIN measures m ON m.id = a.measure_id \
                JOIN plan_activity_plans p ON p.id = a.plan_id \
                JOIN plan_priority_areas pa ON pa.id = a.priority_area_id \
                LEFT JOIN organisations o ON o.id = m.owner_organisation_id LEFT JOIN units u ON u.id = m.owner_unit_id ";

            fn activity_from(r: &Row) -> Result<ActivityRow> {
                Ok(ActivityRow {
                    id: ActivityId(r.try_get("id")?),
                    plan_id: ActivityPlanId(r.try_get("plan_id")?),
                    priority_area_id: PriorityAreaId(r.try_get("priority_area_id")?),
                    measure_id: MeasureId(r.try_get("measure_id")?),
                    note: r.try_get("note")?,
                    title: r.try_get("title")?,
                    status: r.try_get("status")?,
                    sharing: r.try_get("sharing")?,
                    owner_organisation_id: r.try_get::<Option<i64>, _>("owner_organisation_id")?.map(OrganisationId),
                    owner_organisation_name: r.try_get("owner_organisation_name")?,
                    owner_unit_id: r.try_get::<Option<i64>, _>("owner_unit_id")?.map(UnitId),
                    owner_unit_name: r.try_get("owner_unit_name")?,
                    due_date: r.try_get("due_date")?,
                })
            }

            const VERSION: &str = "SELECT v.id, v.agreement_id, v.version, v.sha256, v.created_at, v.created_by, u.name AS created_by_name, \
                v.decided_on, v.decided_by_body, v.diary_number, v.decision_recorded_at, v.decision_recorded_by";
            const VERSION_FROM: &str = " FROM plan_action_plan_versions v JOIN users u ON u.id = v.created_by ";

            fn summary_from(r: &Row) -> Result<ActionPlanVersionSummary> {
                let decided_on: Option<String> = r.try_get("decided_on")?;
                let decision = match decided_on {
                    Some(decided_on) => Some(DecisionRow {
                        decided_on,
                        body: r.try_get::<Option<String>, _>("decided_by_body")?.unwrap_or_default(),
                        diary_number: r.try_get::<Option<String>, _>("diary_number")?.unwrap_or_default(),
                        recorded_at: r.try_get::<Option<i64>, _>("decision_recorded_at")?.map(Instant),
                        recorded_by: r.try_get::<Option<i64>, _>("decision_recorded_by")?.map(UserId),
                    }),
                    None => None,
                };
                Ok(ActionPlanVersionSummary {
                    id: ActionPlanVersionId(r.try_get("id")?),
                    agreement_id: AgreementId(r.try_get("agreement_id")?),
                    version: r.try_get("version")?,
                    sha256: r.try_get("sha256")?,
                    created_at: Instant(r.try_get("created_at")?),
                    created_by: UserId(r.try_get("created_by")?),
                    created_by_name: r.try_get("created_by_name")?,
                    decision,
                })
            }

            async fn set_parties(tx: &mut Tx, id: i64, parties: &[OrganisationId]) -> Result<()> {
                sqlx::query("DELETE FROM plan_agreement_parties WHERE agreement_id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                for o in parties {
                    sqlx::query("INSERT INTO plan_agreement_parties (agreement_id, organisation_id) VALUES ($1, $2)")
                        .bind(id)
                        .bind(o.0)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            impl PlanStore for super::$store {
                async fn create_agreement(&self, new: &NewAgreement, audit: AuditDraft) -> Result<AgreementId> {
                    let v = &new.values;
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO plan_agreements (title, period_start, period_end, problems, causes, goals, follow_up, \
                         signatories, created_at, created_by, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9) RETURNING id",
                    )
                    .bind(&v.title)
                    .bind(&v.period_start)
                    .bind(&v.period_end)
                    .bind(&v.problems)
                    .bind(&v.causes)
                    .bind(&v.goals)
                    .bind(&v.follow_up)
                    .bind(&v.signatories)
                    .bind(new.at.0)
                    .bind(new.by.map(|u| u.0))
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("id")?;
                    set_parties(&mut tx, id, &v.parties).await?;
                    for (i, name) in new.priority_areas.iter().enumerate() {
                        sqlx::query("INSERT INTO plan_priority_areas (agreement_id, position, name) VALUES ($1, $2, $3)")
                            .bind(id)
                            .bind(i as i64 + 1)
                            .bind(name)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| StoreError::unique(e, "plan_priority_areas_name_key"))?;
                    }
                    sqlx::query("INSERT INTO plan_activity_plans (agreement_id, bf_group_id, title, created_at) VALUES ($1, NULL, $2, $3)")
                        .bind(id)
                        .bind(&new.plan_title)
                        .bind(new.at.0)
                        .execute(&mut *tx)
                        .await?;
                    finish(tx, &self.key, audit, id).await?;
                    Ok(AgreementId(id))
                }

                async fn update_agreement(
                    &self,
                    id: AgreementId,
                    expected_version: i64,
                    values: &AgreementValues,
                    at: Instant,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "UPDATE plan_agreements SET title = $1, period_start = $2, period_end = $3, problems = $4, causes = $5, \
                         goals = $6, follow_up = $7, signatories = $8, updated_at = $9, version = version + 1 \
                         WHERE id = $10 AND version = $11",
                    )
                    .bind(&values.title)
                    .bind(&values.period_start)
                    .bind(&values.period_end)
                    .bind(&values.problems)
                    .bind(&values.causes)
                    .bind(&values.goals)
                    .bind(&values.follow_up)
                    .bind(&values.signatories)
                    .bind(at.0)
                    .bind(id.0)
                    .bind(expected_version)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        let exists = sqlx::query("SELECT id FROM plan_agreements WHERE id = $1")
                            .bind(id.0)
                            .fetch_optional(&mut *tx)
                            .await?
                            .is_some();
                        return Err(if exists {
                            StoreError::Conflict { constraint: "agreement_changed" }
                        } else {
                            StoreError::NotFound
                        });
                    }
                    set_parties(&mut tx, id.0, &values.parties).await?;
                    finish(tx, &self.key, audit, id.0).await
                }

                async fn agreements(&self) -> Result<Vec<AgreementRow>> {
                    let rows = sqlx::query("SELECT * FROM plan_agreements ORDER BY period_start DESC, id DESC")
                        .fetch_all(&self.pool)
                        .await?;
                    let mut out = Vec::new();
                    for r in &rows {
                        out.push(agreement_from(&self.pool, r).await?);
                    }
                    Ok(out)
                }

                async fn agreement(&self, id: AgreementId) -> Result<Option<AgreementRow>> {
                    let row = sqlx::query("SELECT * FROM plan_agreements WHERE id = $1")
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await?;
                    match row {
                        Some(r) => Ok(Some(agreement_from(&self.pool, &r).await?)),
                        None => Ok(None),
                    }
                }

                async fn priority_areas(&self, agreement: AgreementId) -> Result<Vec<PriorityAreaRow>> {
                    sqlx::query("SELECT * FROM plan_priority_areas WHERE agreement_id = $1 ORDER BY position, id")
                        .bind(agreement.0)
                        .fetch_all(&self.pool)
                        .await?
                        .iter()
                        .map(area_from)
                        .collect()
                }

                async fn add_priority_area(
                    &self,
                    agreement: AgreementId,
                    name: &str,
                    description: Option<&str>,
                    audit: AuditDraft,
                ) -> Result<PriorityAreaId> {
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO plan_priority_areas (agreement_id, position, name, description) \
                         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM plan_priority_areas WHERE agreement_id = $1), $2, $3) \
                         RETURNING id",
                    )
                    .bind(agreement.0)
                    .bind(name)
                    .bind(description)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique(e, "plan_priority_areas_name_key"))?
                    .try_get("id")?;
                    finish(tx, &self.key, audit, id).await?;
                    Ok(PriorityAreaId(id))
                }

                async fn create_bf_group(&self, new: &NewBfGroup, audit: AuditDraft) -> Result<BfGroupId> {
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO plan_bf_groups (name, area_id, description, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(&new.name)
                    .bind(new.area_id.map(|a| a.0))
                    .bind(&new.description)
                    .bind(new.at.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique(e, "plan_bf_groups_name_key"))?
                    .try_get("id")?;
                    for o in &new.members {
                        sqlx::query("INSERT INTO plan_bf_group_members (group_id, organisation_id) VALUES ($1, $2)")
                            .bind(id)
                            .bind(o.0)
                            .execute(&mut *tx)
                            .await?;
                    }
                    finish(tx, &self.key, audit, id).await?;
                    Ok(BfGroupId(id))
                }

                async fn bf_groups(&self) -> Result<Vec<BfGroupRow>> {
                    let rows = sqlx::query(
                        "SELECT g.id, g.name, g.area_id, a.name AS area_name, g.description FROM plan_bf_groups g \
                         LEFT JOIN areas a ON a.id = g.area_id ORDER BY g.name, g.id",
                    )
                    .fetch_all(&self.pool)
                    .await?;
                    let mut out = Vec::new();
                    for r in &rows {
                        out.push(group_from(&self.pool, r).await?);
                    }
                    Ok(out)
                }

                async fn bf_group(&self, id: BfGroupId) -> Result<Option<BfGroupRow>> {
                    let row = sqlx::query(
                        "SELECT g.id, g.name, g.area_id, a.name AS area_name, g.description FROM plan_bf_groups g \
                         LEFT JOIN areas a ON a.id = g.area_id WHERE g.id = $1",
                    )
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                    match row {
                        Some(r) => Ok(Some(group_from(&self.pool, &r).await?)),
                        None => Ok(None),
                    }
                }

                async fn create_activity_plan(
                    &self,
                    agreement: AgreementId,
                    group: BfGroupId,
                    title: &str,
                    at: Instant,
                    audit: AuditDraft,
                ) -> Result<ActivityPlanId> {
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO plan_activity_plans (agreement_id, bf_group_id, title, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(agreement.0)
                    .bind(group.0)
                    .bind(title)
                    .bind(at.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique(e, "plan_activity_plans_group_key"))?
                    .try_get("id")?;
                    finish(tx, &self.key, audit, id).await?;
                    Ok(ActivityPlanId(id))
                }

                async fn activity_plans(
                    &self,
                    agreement: Option<AgreementId>,
                    group: Option<BfGroupId>,
                ) -> Result<Vec<ActivityPlanRow>> {
                    sqlx::query(
                        "SELECT p.id, p.agreement_id, ag.title AS agreement_title, p.bf_group_id, g.name AS bf_group_name, p.title, p.created_at \
                         FROM plan_activity_plans p JOIN plan_agreements ag ON ag.id = p.agreement_id \
                         LEFT JOIN plan_bf_groups g ON g.id = p.bf_group_id \
                         WHERE ($1 IS NULL OR p.agreement_id = $1) AND ($2 IS NULL OR p.bf_group_id = $2) \
                         ORDER BY ag.period_start DESC, p.agreement_id, (p.bf_group_id IS NOT NULL), g.name, p.id",
                    )
                    .bind(agreement.map(|a| a.0))
                    .bind(group.map(|g| g.0))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(plan_from)
                    .collect()
                }

                async fn activity_plan(&self, id: ActivityPlanId) -> Result<Option<ActivityPlanRow>> {
                    let row = sqlx::query(
                        "SELECT p.id, p.agreement_id, ag.title AS agreement_title, p.bf_group_id, g.name AS bf_group_name, p.title, p.created_at \
                         FROM plan_activity_plans p JOIN plan_agreements ag ON ag.id = p.agreement_id \
                         LEFT JOIN plan_bf_groups g ON g.id = p.bf_group_id WHERE p.id = $1",
                    )
                    .bind(id.0)
                    .fetch_optional(&self.pool)
                    .await?;
                    row.as_ref().map(plan_from).transpose()
                }

                async fn add_activity(&self, new: &NewActivity, audit: AuditDraft) -> Result<ActivityId> {
                    let mut tx = self.begin_write().await?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO plan_activities (plan_id, priority_area_id, measure_id, note, created_at, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(new.plan_id.0)
                    .bind(new.priority_area_id.0)
                    .bind(new.measure_id.0)
                    .bind(&new.note)
                    .bind(new.at.0)
                    .bind(new.by.map(|u| u.0))
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique(e, "plan_activities_measure_key"))?
                    .try_get("id")?;
                    finish(tx, &self.key, audit, id).await?;
                    Ok(ActivityId(id))
                }

                async fn remove_activity(&self, id: ActivityId, audit: AuditDraft) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query("DELETE FROM plan_activities WHERE id = $1")
                        .bind(id.0)
                        .execute(&mut *tx)
                        .await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound);
                    }
                    finish(tx, &self.key, audit, id.0).await
                }

                async fn activity(&self, id: ActivityId) -> Result<Option<ActivityRow>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{ACTIVITY} WHERE a.id = $1")))
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await?;
                    row.as_ref().map(activity_from).transpose()
                }

                async fn activities(&self, agreement: AgreementId) -> Result<Vec<ActivityRow>> {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "{ACTIVITY} WHERE p.agreement_id = $1 ORDER BY pa.position, pa.id, (p.bf_group_id IS NOT NULL), p.id, m.id"
                    )))
                    .bind(agreement.0)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(activity_from)
                    .collect()
                }

                async fn create_action_plan_version(
                    &self,
                    new: &NewActionPlanVersion,
                    audit: AuditDraft,
                ) -> Result<(ActionPlanVersionId, i64)> {
                    let mut tx = self.begin_write().await?;
                    let version: i64 = sqlx::query(
                        "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM plan_action_plan_versions WHERE agreement_id = $1",
                    )
                    .bind(new.agreement_id.0)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("v")?;
                    let id: i64 = sqlx::query(
                        "INSERT INTO plan_action_plan_versions (agreement_id, version, content, sha256, created_at, created_by) \
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .bind(new.agreement_id.0)
                    .bind(version)
                    .bind(&new.content)
                    .bind(&new.sha256)
                    .bind(new.at.0)
                    .bind(new.by.0)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(|e| StoreError::unique(e, "plan_action_plan_versions_version_key"))?
                    .try_get("id")?;
                    finish(tx, &self.key, audit, id).await?;
                    Ok((ActionPlanVersionId(id), version))
                }

                async fn action_plan_versions(&self, agreement: AgreementId) -> Result<Vec<ActionPlanVersionSummary>> {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "{VERSION}{VERSION_FROM} WHERE v.agreement_id = $1 ORDER BY v.version DESC"
                    )))
                    .bind(agreement.0)
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(summary_from)
                    .collect()
                }

                async fn action_plan_version(&self, id: ActionPlanVersionId) -> Result<Option<ActionPlanVersionRow>> {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{VERSION}, v.content{VERSION_FROM} WHERE v.id = $1")))
                        .bind(id.0)
                        .fetch_optional(&self.pool)
                        .await?;
                    match row {
                        Some(r) => Ok(Some(ActionPlanVersionRow {
                            summary: summary_from(&r)?,
                            content: r.try_get("content")?,
                        })),
                        None => Ok(None),
                    }
                }

                async fn decide_action_plan_version(
                    &self,
                    id: ActionPlanVersionId,
                    decision: &DecisionRow,
                    audit: AuditDraft,
                ) -> Result<()> {
                    let mut tx = self.begin_write().await?;
                    let done = sqlx::query(
                        "UPDATE plan_action_plan_versions SET decided_on = $1, decided_by_body = $2, diary_number = $3, \
                         decision_recorded_at = $4, decision_recorded_by = $5 WHERE id = $6 AND decided_on IS NULL",
                    )
                    .bind(&decision.decided_on)
                    .bind(&decision.body)
                    .bind(&decision.diary_number)
                    .bind(decision.recorded_at.map(|t| t.0))
                    .bind(decision.recorded_by.map(|u| u.0))
                    .bind(id.0)
                    .execute(&mut *tx)
                    .await?;
                    if done.rows_affected() == 0 {
                        let exists = sqlx::query("SELECT id FROM plan_action_plan_versions WHERE id = $1")
                            .bind(id.0)
                            .fetch_optional(&mut *tx)
                            .await?
                            .is_some();
                        return Err(if exists {
                            StoreError::Conflict { constraint: "action_plan_already_decided" }
                        } else {
                            StoreError::NotFound
                        });
                    }
                    finish(tx, &self.key, audit, id.0).await
                }
            }
        }
    };
}

pub(crate) use impl_plan_store;

use crate::Db;

macro_rules! delegate_plans {
    ($( fn $name:ident(&self $(, $arg:ident : $ty:ty)*) -> $ret:ty; )*) => {
        impl PlanStore for Db {
            $(
                async fn $name(&self $(, $arg: $ty)*) -> $ret {
                    match self {
                        Db::Sqlite(s) => s.$name($($arg),*).await,
                        Db::Postgres(s) => s.$name($($arg),*).await,
                    }
                }
            )*
        }
    };
}

delegate_plans! {
    fn create_agreement(&self, new: &NewAgreement, audit: AuditDraft) -> Result<AgreementId>;
    fn update_agreement(&self, id: AgreementId, expected_version: i64, values: &AgreementValues, at: Instant, audit: AuditDraft) -> Result<()>;
    fn agreements(&self) -> Result<Vec<AgreementRow>>;
    fn agreement(&self, id: AgreementId) -> Result<Option<AgreementRow>>;
    fn priority_areas(&self, agreement: AgreementId) -> Result<Vec<PriorityAreaRow>>;
    fn add_priority_area(&self, agreement: AgreementId, name: &str, description: Option<&str>, audit: AuditDraft) -> Result<PriorityAreaId>;
    fn create_bf_group(&self, new: &NewBfGroup, audit: AuditDraft) -> Result<BfGroupId>;
    fn bf_groups(&self) -> Result<Vec<BfGroupRow>>;
    fn bf_group(&self, id: BfGroupId) -> Result<Option<BfGroupRow>>;
    fn create_activity_plan(&self, agreement: AgreementId, group: BfGroupId, title: &str, at: Instant, audit: AuditDraft) -> Result<ActivityPlanId>;
    fn activity_plans(&self, agreement: Option<AgreementId>, group: Option<BfGroupId>) -> Result<Vec<ActivityPlanRow>>;
    fn activity_plan(&self, id: ActivityPlanId) -> Result<Option<ActivityPlanRow>>;
    fn add_activity(&self, new: &NewActivity, audit: AuditDraft) -> Result<ActivityId>;
    fn remove_activity(&self, id: ActivityId, audit: AuditDraft) -> Result<()>;
    fn activity(&self, id: ActivityId) -> Result<Option<ActivityRow>>;
    fn activities(&self, agreement: AgreementId) -> Result<Vec<ActivityRow>>;
    fn create_action_plan_version(&self, new: &NewActionPlanVersion, audit: AuditDraft) -> Result<(ActionPlanVersionId, i64)>;
    fn action_plan_versions(&self, agreement: AgreementId) -> Result<Vec<ActionPlanVersionSummary>>;
    fn action_plan_version(&self, id: ActionPlanVersionId) -> Result<Option<ActionPlanVersionRow>>;
    fn decide_action_plan_version(&self, id: ActionPlanVersionId, decision: &DecisionRow, audit: AuditDraft) -> Result<()>;
}
