//! Agreements and plans: the samverkansöverenskommelse, its priority areas and activity
//! plans (the agreement's own and the local BF groups'), and the statutory åtgärdsplan
//! of lag (2023:196) as decided, versioned documents.
//!
//! Access: the coordinator manages everything (`ManagePlans`); partner staff read
//! agreements, plans and åtgärdsplan versions (`ReadPlans`); the public sees none of it
//! (the public part of the agreement is the medborgarlöfte, published on its own page).
//!
//! An activity is a measure placed under a priority area: the plan shows the measure's
//! live status, and a reader sees only the measures they may see (the others are
//! counted, not named). Only measures shared with the partners can become activities,
//! since everyone who reads the plan reads its activities.
//!
//! **Åtgärdsplan versions** are frozen like published lägesbilder: the agreement and
//! every activity with its measure's state are written as canonical JSON, its SHA-256
//! is stored beside it and in the audit chain, every read checks the hash, and the
//! version is only ever shown (and printed) from that text. Its decision (date, body,
//! diary number) is recorded once.

use std::collections::BTreeMap;

use serde_json::json;
use trygg_domain::Invalid;
use trygg_domain::id::{AreaId, OrganisationId};
use trygg_domain::incident::SharingLevel;
use trygg_domain::measure::{MeasureId, MeasureStatus, Urgency, urgency};
use trygg_domain::plan::{
    ACTION_PLAN_FORMAT, ActionPlanActivity, ActionPlanArea, ActionPlanContent, ActionPlanVersionId,
    ActivityId, ActivityPlanId, Agreement, AgreementId, AgreementInput, BfGroupId, Decision,
    DecisionInput, NOTE_MAX, PriorityAreaId, TEXT_MAX, TITLE_MAX, priority_area_lines,
    priority_area_name,
};
use trygg_domain::policy::Action;
use trygg_domain::walk::{line, optional_text};
use trygg_store::Store;
use trygg_store::measure::{MeasureStore, MeasureVisibility};
use trygg_store::plan::{
    ActionPlanVersionSummary, ActivityPlanRow, ActivityRow, AgreementRow, AgreementValues,
    BfGroupRow, DecisionRow, NewActionPlanVersion, NewActivity, NewAgreement, NewBfGroup,
    PlanStore, PriorityAreaRow,
};

use crate::actor::draft;
use crate::est_meeting::{Integrity, canonical_json, sha256_hex};
use crate::measures::local_date;
use crate::{Caller, Error, RequestMeta, Result, Trygg};

/// A new agreement: its values and its priority areas, one per line.
#[derive(Debug, Clone, Default)]
pub struct NewAgreementInput {
    pub agreement: AgreementInput,
    pub priority_areas: String,
}

/// A new local BF group.
#[derive(Debug, Clone, Default)]
pub struct BfGroupInput {
    pub name: String,
    /// The district's area id, or empty.
    pub area: String,
    pub description: String,
    pub members: Vec<i64>,
}

/// An activity to add, as typed (ids as text, from a form or JSON).
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    pub plan: String,
    pub priority_area: String,
    pub measure: String,
    pub note: String,
}

/// An agreement in the list.
#[derive(Debug, Clone)]
pub struct AgreementSummary {
    pub row: AgreementRow,
    pub activities: usize,
    pub local_plans: usize,
    /// The newest åtgärdsplan version, if any.
    pub latest_version: Option<ActionPlanVersionSummary>,
}

/// One activity as a reader sees it.
#[derive(Debug, Clone)]
pub struct ActivityView {
    pub row: ActivityRow,
    pub plan_title: String,
    /// The BF group of a local plan.
    pub bf_group: Option<String>,
    pub status: MeasureStatus,
    pub urgency: Urgency,
}

/// A priority area with the activities the caller may see.
#[derive(Debug, Clone)]
pub struct AreaView {
    pub area: PriorityAreaRow,
    pub activities: Vec<ActivityView>,
    /// Activities whose measure the caller may not see: counted, not named.
    pub hidden: usize,
}

/// One agreement with everything its page shows.
#[derive(Debug, Clone)]
pub struct AgreementView {
    pub row: AgreementRow,
    pub areas: Vec<AreaView>,
    /// The agreement's own plan first, then the BF groups'.
    pub plans: Vec<ActivityPlanRow>,
    pub versions: Vec<ActionPlanVersionSummary>,
    /// Whether the caller may change it (the coordinator).
    pub may_manage: bool,
}

/// A BF group with its plans.
#[derive(Debug, Clone)]
pub struct BfGroupView {
    pub group: BfGroupRow,
    pub plans: Vec<(ActivityPlanRow, Vec<ActivityView>, usize)>,
}

/// One åtgärdsplan version, its hash checked.
#[derive(Debug, Clone)]
pub struct VersionView {
    pub summary: ActionPlanVersionSummary,
    pub agreement_title: String,
    pub integrity: Integrity,
    /// `None` when the stored text no longer matches its hash.
    pub content: Option<ActionPlanContent>,
    pub may_manage: bool,
}

fn required_id(field: &'static str, code: &'static str, text: &str) -> Result<i64> {
    text.trim()
        .parse::<i64>()
        .map_err(|_| Invalid::new(field, code).into())
}

fn values_of(a: &Agreement) -> AgreementValues {
    AgreementValues {
        title: a.title.clone(),
        period_start: a.period.start.to_string(),
        period_end: a.period.end.to_string(),
        problems: a.problems.clone(),
        causes: a.causes.clone(),
        goals: a.goals.clone(),
        follow_up: a.follow_up.clone(),
        signatories: a
            .signatories
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        parties: a.parties.clone(),
    }
}

/// Whether a caller with this visibility may see the activity's measure (the rule of
/// `measures.rs`, from the columns the activity carries).
fn sees(v: &MeasureVisibility, a: &ActivityRow) -> bool {
    v.all
        || (v.shared && a.sharing == SharingLevel::Partners.code())
        || (v.organisation.is_some() && v.organisation == a.owner_organisation_id)
        || (v.unit.is_some() && v.unit == a.owner_unit_id)
}

impl Trygg {
    fn plan_visibility(&self, caller: &Caller) -> Result<MeasureVisibility> {
        caller.require(Action::ReadPlans)?;
        // Reading plans does not need ReadMeasures; without it, only shared measures.
        Ok(self
            .measure_visibility(caller)
            .unwrap_or(MeasureVisibility {
                shared: true,
                ..Default::default()
            }))
    }

    async fn check_organisations(&self, field: &'static str, ids: &[OrganisationId]) -> Result<()> {
        for o in ids {
            if self.db.organisation(*o).await?.is_none() {
                return Err(Invalid::new(field, "unknown_organisation").into());
            }
        }
        Ok(())
    }

    /// All agreements, newest period first, with counts.
    pub async fn agreements(&self, caller: &Caller) -> Result<Vec<AgreementSummary>> {
        caller.require(Action::ReadPlans)?;
        let mut out = Vec::new();
        for row in self.db.agreements().await? {
            let activities = self.db.activities(row.id).await?.len();
            let local_plans = self
                .db
                .activity_plans(Some(row.id), None)
                .await?
                .iter()
                .filter(|p| p.bf_group_id.is_some())
                .count();
            let latest_version = self
                .db
                .action_plan_versions(row.id)
                .await?
                .into_iter()
                .next();
            out.push(AgreementSummary {
                row,
                activities,
                local_plans,
                latest_version,
            });
        }
        Ok(out)
    }

    /// Creates an agreement with its priority areas and its own (empty) activity plan.
    pub async fn create_agreement(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        input: &NewAgreementInput,
    ) -> Result<AgreementId> {
        caller.require(Action::ManagePlans)?;
        let agreement = Agreement::parse(&input.agreement)?;
        let areas = priority_area_lines(&input.priority_areas)?;
        if areas.is_empty() {
            return Err(Invalid::new("priority_areas", "required").into());
        }
        self.check_organisations("parties", &agreement.parties)
            .await?;
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "plan.agreement_created",
            "plan_agreement",
            None,
            json!({ "parties": agreement.parties, "priority_areas": areas.len() }),
        );
        Ok(self
            .db
            .create_agreement(
                &NewAgreement {
                    values: values_of(&agreement),
                    plan_title: format!("Aktivitetsplan: {}", agreement.title),
                    priority_areas: areas,
                    by: caller.user_id(),
                    at: now,
                },
                audit,
            )
            .await?)
    }

    /// Changes an agreement's values, if nobody changed it since `version`.
    pub async fn update_agreement(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: AgreementId,
        version: i64,
        input: &AgreementInput,
    ) -> Result<()> {
        caller.require(Action::ManagePlans)?;
        let agreement = Agreement::parse(input)?;
        self.check_organisations("parties", &agreement.parties)
            .await?;
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "plan.agreement_changed",
            "plan_agreement",
            Some(id.to_string()),
            json!({ "version": version }),
        );
        self.db
            .update_agreement(id, version, &values_of(&agreement), now, audit)
            .await?;
        Ok(())
    }

    /// Adds a priority area to an agreement.
    pub async fn add_priority_area(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        agreement: AgreementId,
        name: &str,
        description: &str,
    ) -> Result<PriorityAreaId> {
        caller.require(Action::ManagePlans)?;
        self.db.agreement(agreement).await?.ok_or(Error::NotFound)?;
        let name = priority_area_name(name)?;
        let description = optional_text("description", description, TEXT_MAX)?;
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "plan.priority_area_added",
            "plan_priority_area",
            None,
            json!({ "agreement": agreement.0 }),
        );
        self.db
            .add_priority_area(agreement, &name, description.as_deref(), audit)
            .await
            .map_err(|e| match Error::from(e) {
                Error::Conflict("plan_priority_areas_name_key") => {
                    Invalid::new("name", "priority_area_name_taken").into()
                }
                other => other,
            })
    }

    /// One agreement: its priority areas with the activities the caller may see, its
    /// plans and its åtgärdsplan versions.
    pub async fn agreement(&self, caller: &Caller, id: AgreementId) -> Result<AgreementView> {
        let visibility = self.plan_visibility(caller)?;
        let row = self.db.agreement(id).await?.ok_or(Error::NotFound)?;
        let plans = self.db.activity_plans(Some(id), None).await?;
        let activities = self.db.activities(id).await?;
        let today = local_date(self.clock.now());
        let mut areas = Vec::new();
        for area in self.db.priority_areas(id).await? {
            let mut view = AreaView {
                activities: Vec::new(),
                hidden: 0,
                area,
            };
            for a in activities
                .iter()
                .filter(|a| a.priority_area_id == view.area.id)
            {
                if !sees(&visibility, a) {
                    view.hidden += 1;
                    continue;
                }
                view.activities
                    .push(activity_view(a.clone(), &plans, today)?);
            }
            areas.push(view);
        }
        Ok(AgreementView {
            versions: self.db.action_plan_versions(id).await?,
            may_manage: caller.require(Action::ManagePlans).is_ok(),
            row,
            areas,
            plans,
        })
    }

    /// The local BF groups with their plans and the activities the caller may see.
    pub async fn bf_groups(&self, caller: &Caller) -> Result<Vec<BfGroupView>> {
        let visibility = self.plan_visibility(caller)?;
        let today = local_date(self.clock.now());
        let mut out = Vec::new();
        for group in self.db.bf_groups().await? {
            let plans = self.db.activity_plans(None, Some(group.id)).await?;
            let mut with = Vec::new();
            for p in plans {
                let all = self.db.activities(p.agreement_id).await?;
                let mut shown = Vec::new();
                let mut hidden = 0;
                for a in all.into_iter().filter(|a| a.plan_id == p.id) {
                    if sees(&visibility, &a) {
                        shown.push(activity_view(a, std::slice::from_ref(&p), today)?);
                    } else {
                        hidden += 1;
                    }
                }
                with.push((p, shown, hidden));
            }
            out.push(BfGroupView { group, plans: with });
        }
        Ok(out)
    }

    /// Creates a local BF group.
    pub async fn create_bf_group(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        input: &BfGroupInput,
    ) -> Result<BfGroupId> {
        caller.require(Action::ManagePlans)?;
        let name = line("name", &input.name, TITLE_MAX)?;
        let area_id = match input.area.trim() {
            "" => None,
            a => {
                let id = AreaId(required_id("area", "unknown_area", a)?);
                self.db
                    .area(id)
                    .await?
                    .ok_or(Invalid::new("area", "unknown_area"))?;
                Some(id)
            }
        };
        let description = optional_text("description", &input.description, TEXT_MAX)?;
        let mut members: Vec<OrganisationId> =
            input.members.iter().map(|m| OrganisationId(*m)).collect();
        members.sort();
        members.dedup();
        self.check_organisations("members", &members).await?;
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "plan.bf_group_created",
            "plan_bf_group",
            None,
            json!({ "area": area_id, "members": members }),
        );
        self.db
            .create_bf_group(
                &NewBfGroup {
                    name,
                    area_id,
                    description,
                    members,
                    at: now,
                },
                audit,
            )
            .await
            .map_err(|e| match Error::from(e) {
                Error::Conflict("plan_bf_groups_name_key") => {
                    Invalid::new("name", "bf_group_name_taken").into()
                }
                other => other,
            })
    }

    /// A BF group's activity plan under an agreement (one per group and agreement).
    pub async fn create_local_plan(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        agreement: AgreementId,
        group: &str,
        title: &str,
    ) -> Result<ActivityPlanId> {
        caller.require(Action::ManagePlans)?;
        self.db.agreement(agreement).await?.ok_or(Error::NotFound)?;
        let group = BfGroupId(required_id("group", "unknown_bf_group", group)?);
        let g = self
            .db
            .bf_group(group)
            .await?
            .ok_or(Invalid::new("group", "unknown_bf_group"))?;
        let title = match title.trim() {
            "" => format!("Lokal aktivitetsplan: {}", g.name),
            t => line("title", t, TITLE_MAX)?,
        };
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "plan.activity_plan_created",
            "plan_activity_plan",
            None,
            json!({ "agreement": agreement.0, "bf_group": group.0 }),
        );
        self.db
            .create_activity_plan(agreement, group, &title, now, audit)
            .await
            .map_err(|e| match Error::from(e) {
                Error::Conflict("plan_activity_plans_group_key") => {
                    Invalid::new("group", "bf_group_has_plan").into()
                }
                other => other,
            })
    }

    /// Adds a measure to a plan of the agreement, under one of its priority areas.
    pub async fn add_activity(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        agreement: AgreementId,
        input: &ActivityInput,
    ) -> Result<ActivityId> {
        caller.require(Action::ManagePlans)?;
        self.db.agreement(agreement).await?.ok_or(Error::NotFound)?;
        let plan = ActivityPlanId(required_id("plan", "unknown_plan", &input.plan)?);
        match self.db.activity_plan(plan).await? {
            Some(p) if p.agreement_id == agreement => {}
            _ => return Err(Invalid::new("plan", "unknown_plan").into()),
        }
        let area = PriorityAreaId(required_id(
            "priority_area",
            "unknown_priority_area",
            &input.priority_area,
        )?);
        if !self
            .db
            .priority_areas(agreement)
            .await?
            .iter()
            .any(|a| a.id == area)
        {
            return Err(Invalid::new("priority_area", "unknown_priority_area").into());
        }
        let measure = MeasureId(required_id("measure", "unknown_measure", &input.measure)?);
        let m = self
            .db
            .measure(measure)
            .await?
            .ok_or(Invalid::new("measure", "unknown_measure"))?;
        if m.values.sharing != SharingLevel::Partners.code() {
            return Err(Invalid::new("measure", "measure_not_shared").into());
        }
        let note = optional_text("note", &input.note, NOTE_MAX)?;
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "plan.activity_added",
            "plan_activity",
            None,
            json!({ "agreement": agreement.0, "plan": plan.0, "priority_area": area.0, "measure": measure.0 }),
        );
        self.db
            .add_activity(
                &NewActivity {
                    plan_id: plan,
                    priority_area_id: area,
                    measure_id: measure,
                    note,
                    by: caller.user_id(),
                    at: now,
                },
                audit,
            )
            .await
            .map_err(|e| match Error::from(e) {
                Error::Conflict("plan_activities_measure_key") => {
                    Invalid::new("measure", "activity_exists").into()
                }
                other => other,
            })
    }

    /// Removes an activity (the measure itself stays). Returns its agreement.
    pub async fn remove_activity(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: ActivityId,
    ) -> Result<AgreementId> {
        caller.require(Action::ManagePlans)?;
        let a = self.db.activity(id).await?.ok_or(Error::NotFound)?;
        let plan = self
            .db
            .activity_plan(a.plan_id)
            .await?
            .ok_or(Error::NotFound)?;
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "plan.activity_removed",
            "plan_activity",
            Some(id.to_string()),
            json!({ "plan": a.plan_id.0, "measure": a.measure_id.0 }),
        );
        self.db.remove_activity(id, audit).await?;
        Ok(plan.agreement_id)
    }

    /// The measures that can become activities (shared with the partners), as (id,
    /// title), newest first; for the coordinator's form.
    pub async fn plan_measure_choices(&self, caller: &Caller) -> Result<Vec<(MeasureId, String)>> {
        caller.require(Action::ManagePlans)?;
        let items = self
            .measures(&Caller::System, &crate::measures::MeasureQuery::default())
            .await?;
        let mut out: Vec<(MeasureId, String)> = items
            .into_iter()
            .filter(|i| i.row.values.sharing == SharingLevel::Partners.code())
            .map(|i| (i.row.id, i.row.values.title))
            .collect();
        out.sort_by_key(|m| std::cmp::Reverse(m.0));
        Ok(out)
    }

    /// Freezes the agreement and its plans' activities into the next åtgärdsplan
    /// version: canonical JSON, hashed, stored with the hash in the audit chain.
    pub async fn create_action_plan_version(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        agreement: AgreementId,
    ) -> Result<ActionPlanVersionId> {
        caller.require(Action::ManagePlans)?;
        let actor = caller.actor().ok_or(Error::Forbidden)?;
        self.freeze_action_plan(
            caller,
            meta,
            agreement,
            &actor.user,
            &actor.organisation.name,
        )
        .await
    }

    /// Makes the version with `author` as its maker (the signed-in coordinator, or the
    /// demo's coordinator when the demo is loaded from the command line).
    pub(crate) async fn freeze_action_plan(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        agreement: AgreementId,
        author: &trygg_store::User,
        author_organisation: &str,
    ) -> Result<ActionPlanVersionId> {
        caller.require(Action::ManagePlans)?;
        let row = self.db.agreement(agreement).await?.ok_or(Error::NotFound)?;
        let plans = self.db.activity_plans(Some(agreement), None).await?;
        let activities = self.db.activities(agreement).await?;
        let plan_names: BTreeMap<ActivityPlanId, String> = plans
            .iter()
            .map(|p| {
                (
                    p.id,
                    p.bf_group_name
                        .clone()
                        .unwrap_or_else(|| "Överenskommelsens aktivitetsplan".into()),
                )
            })
            .collect();
        let now = self.clock.now();
        let v = &row.values;
        let content = ActionPlanContent {
            format: ACTION_PLAN_FORMAT,
            agreement_id: agreement.0,
            title: v.title.clone(),
            parties: row.party_names.iter().map(|(_, n)| n.clone()).collect(),
            period_start: v.period_start.clone(),
            period_end: v.period_end.clone(),
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
            priority_areas: self
                .db
                .priority_areas(agreement)
                .await?
                .into_iter()
                .map(|area| ActionPlanArea {
                    activities: activities
                        .iter()
                        // A plan is read by every partner: only shared measures go in.
                        .filter(|a| {
                            a.priority_area_id == area.id
                                && a.sharing == SharingLevel::Partners.code()
                        })
                        .map(|a| ActionPlanActivity {
                            measure_id: a.measure_id.0,
                            title: a.title.clone(),
                            status: a.status.clone(),
                            owner: match (&a.owner_organisation_name, &a.owner_unit_name) {
                                (Some(o), Some(u)) => Some(format!("{o}, {u}")),
                                (Some(o), None) => Some(o.clone()),
                                (None, u) => u.clone(),
                            },
                            due_date: a.due_date.clone(),
                            plan: plan_names.get(&a.plan_id).cloned().unwrap_or_default(),
                            note: a.note.clone(),
                        })
                        .collect(),
                    name: area.name,
                    description: area.description,
                })
                .collect(),
            created_at: now.rfc3339(),
            created_by: author.name.clone(),
            created_by_organisation: author_organisation.to_owned(),
        };
        let value = serde_json::to_value(&content)
            .map_err(|e| Error::Internal(format!("action plan content: {e}")))?;
        let text = canonical_json(&value);
        let sha256 = sha256_hex(&text);
        let audit = draft(
            caller,
            meta,
            now,
            "plan.action_plan_version_created",
            "plan_action_plan_version",
            None,
            json!({ "agreement": agreement.0, "sha256": sha256, "activities": content.activity_count() }),
        );
        let (id, _version) = self
            .db
            .create_action_plan_version(
                &NewActionPlanVersion {
                    agreement_id: agreement,
                    content: text,
                    sha256,
                    by: author.id,
                    at: now,
                },
                audit,
            )
            .await?;
        Ok(id)
    }

    /// One åtgärdsplan version, its stored text checked against its hash.
    pub async fn action_plan_version(
        &self,
        caller: &Caller,
        id: ActionPlanVersionId,
    ) -> Result<VersionView> {
        caller.require(Action::ReadPlans)?;
        let row = self
            .db
            .action_plan_version(id)
            .await?
            .ok_or(Error::NotFound)?;
        let agreement_title = self
            .db
            .agreement(row.summary.agreement_id)
            .await?
            .map(|a| a.values.title)
            .unwrap_or_default();
        let may_manage = caller.require(Action::ManagePlans).is_ok();
        let computed = sha256_hex(&row.content);
        if computed != row.summary.sha256 {
            tracing::error!(
                version = id.0,
                "åtgärdsplan version does not match its hash"
            );
            return Ok(VersionView {
                summary: row.summary,
                agreement_title,
                integrity: Integrity::Mismatch { computed },
                content: None,
                may_manage,
            });
        }
        let content: ActionPlanContent = serde_json::from_str(&row.content)
            .map_err(|e| Error::Internal(format!("stored action plan {}: {e}", id.0)))?;
        Ok(VersionView {
            summary: row.summary,
            agreement_title,
            integrity: Integrity::Verified,
            content: Some(content),
            may_manage,
        })
    }

    /// The versions of an agreement, newest first.
    pub async fn action_plan_versions(
        &self,
        caller: &Caller,
        agreement: AgreementId,
    ) -> Result<Vec<ActionPlanVersionSummary>> {
        caller.require(Action::ReadPlans)?;
        self.db.agreement(agreement).await?.ok_or(Error::NotFound)?;
        Ok(self.db.action_plan_versions(agreement).await?)
    }

    /// Records the decision on a version (once): a date between the version's creation
    /// and today, the deciding body and the diary number.
    pub async fn decide_action_plan(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: ActionPlanVersionId,
        input: &DecisionInput,
    ) -> Result<()> {
        caller.require(Action::ManagePlans)?;
        let row = self
            .db
            .action_plan_version(id)
            .await?
            .ok_or(Error::NotFound)?;
        if row.summary.decision.is_some() {
            return Err(Error::Conflict("action_plan_already_decided"));
        }
        let now = self.clock.now();
        let decision = Decision::parse(input, local_date(row.summary.created_at), local_date(now))?;
        let audit = draft(
            caller,
            meta,
            now,
            "plan.action_plan_decided",
            "plan_action_plan_version",
            Some(id.to_string()),
            json!({
                "decided_on": decision.decided_on.to_string(),
                "body": decision.body,
                "diary_number": decision.diary_number.as_str(),
                "sha256": row.summary.sha256,
            }),
        );
        self.db
            .decide_action_plan_version(
                id,
                &DecisionRow {
                    decided_on: decision.decided_on.to_string(),
                    body: decision.body,
                    diary_number: decision.diary_number.as_str().to_owned(),
                    recorded_at: Some(now),
                    recorded_by: caller.user_id(),
                },
                audit,
            )
            .await?;
        Ok(())
    }

    /// The PDF of a version, made from its frozen text (refused when the text no longer
    /// matches its hash). Returns a file name and the bytes.
    pub async fn action_plan_pdf(
        &self,
        caller: &Caller,
        id: ActionPlanVersionId,
    ) -> Result<(String, Vec<u8>)> {
        let view = self.action_plan_version(caller, id).await?;
        let Some(content) = &view.content else {
            return Err(Error::Refused("action_plan_tampered"));
        };
        let doc = crate::plan_pdf::document(&view.summary, content);
        let bytes = crate::pdf::render(doc).await?;
        let name = format!(
            "atgardsplan-{}-v{}.pdf",
            content.agreement_id, view.summary.version
        );
        Ok((name, bytes))
    }
}

fn activity_view(
    row: ActivityRow,
    plans: &[ActivityPlanRow],
    today: jiff::civil::Date,
) -> Result<ActivityView> {
    let status = MeasureStatus::parse(&row.status)
        .map_err(|_| Error::Internal("stored measure status".into()))?;
    let due = row.due_date.as_deref().and_then(|d| d.parse().ok());
    let plan = plans.iter().find(|p| p.id == row.plan_id);
    Ok(ActivityView {
        plan_title: plan.map(|p| p.title.clone()).unwrap_or_default(),
        bf_group: plan.and_then(|p| p.bf_group_name.clone()),
        urgency: urgency(status, due, today),
        status,
        row,
    })
}
