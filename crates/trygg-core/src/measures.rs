//! Measures (åtgärder): creating and assigning them, the owner unit's answers, progress,
//! completion and the coordinator's confirmation; comments; "my work"; the e-mail
//! notifications each step writes to the outbox; and the effect follow-up.
//!
//! Access (`domain/ACCESS.md`): the coordinator (`ManageMeasures`) sees and manages
//! every measure; a unit's handläggare (`AnswerMeasures`, own unit) answers and
//! progresses the measures its unit owns; everyone with `ReadMeasures` sees the measures
//! shared with the partners and those of their own organisation and unit (like
//! incidents: `sharing` is `partners` unless the owner marks it `own`). A measure the
//! caller may not see is `not_found`; one they see but may not act on is `forbidden`.
//!
//! Every change writes, in one transaction: the new values, a history entry (who, when,
//! status before and after, the changed fields, the note), the e-mails it causes and
//! the audit entry.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde_json::json;
use trygg_analytics::effect::{
    Counts, Effect, EffectCounts, LocalMetres, Target, Zone, weighted_displacement, zone,
};
use trygg_domain::Invalid;
use trygg_domain::account::Role;
use trygg_domain::id::{AreaId, OrganisationId, PlaceId, UnitId, UserId};
use trygg_domain::incident::photo::{self, CleanPhoto};
use trygg_domain::incident::{IncidentId, SharingLevel};
use trygg_domain::measure::{
    CostSek, ILLEGAL_TRANSITION, MeasureId, MeasureKind, MeasureStatus, Note, Party, Title,
    Transition, Urgency, parse_optional_date, urgency,
};
use trygg_domain::policy::{Action, Grant};
use trygg_domain::time::{Instant, STOCKHOLM};
use trygg_store::Store;
use trygg_store::incident::{IncidentFilter, IncidentOrder, IncidentStore, Visibility};
use trygg_store::measure::{
    CommentRow, EvidenceData, EvidenceRow, HistoryRow, LinkTarget, MeasureFilter, MeasureRow,
    MeasureStore, MeasureValues, MeasureVisibility, NewEmail, NewHistory, NewMeasure,
};
use trygg_store::photo::{NewPhoto, PhotoVariant};

use crate::actor::draft;
use crate::{Caller, Error, RequestMeta, Result, Trygg};

/// The placeholder e-mail bodies carry for the installation's address; the sender
/// replaces it with `public_url` (links in e-mails must be absolute).
pub const BASE_URL: &str = "{base_url}";

/// A new measure, as typed into the form or sent to the API.
#[derive(Debug, Clone, Default)]
pub struct MeasureInput {
    pub title: String,
    pub description: String,
    pub kind: String,
    pub cause: String,
    /// `YYYY-MM-DD` or empty.
    pub due_date: String,
    /// Whole kronor or empty.
    pub cost_sek: String,
    /// `partners` (default) or `own`.
    pub sharing: String,
    /// Assign at once to this unit (the measure starts as `assigned`).
    pub unit: Option<UnitId>,
    pub responsible: Option<UserId>,
    pub co_owners: Vec<UnitId>,
    pub incidents: Vec<IncidentId>,
    pub places: Vec<PlaceId>,
    pub areas: Vec<AreaId>,
    pub lagesbild_priority: Option<i64>,
    /// The comparison area of the effect follow-up.
    pub control_area: Option<AreaId>,
}

/// One measure with everything its page shows.
#[derive(Debug, Clone)]
pub struct MeasureView {
    pub row: MeasureRow,
    pub status: MeasureStatus,
    pub kind: MeasureKind,
    pub urgency: Urgency,
    pub links: Vec<LinkTarget>,
    pub co_owners: Vec<trygg_store::Unit>,
    pub history: Vec<HistoryRow>,
    pub comments: Vec<CommentRow>,
    /// The workflow commands this caller may give now.
    pub commands: Vec<&'static str>,
    /// Whether the caller may comment and add progress notes.
    pub may_comment: bool,
}

/// A measure in a list, with its urgency on today's date.
#[derive(Debug, Clone)]
pub struct MeasureItem {
    pub row: MeasureRow,
    pub status: MeasureStatus,
    pub kind: MeasureKind,
    pub urgency: Urgency,
}

/// Why a measure is in someone's "my work".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkReason {
    /// The unit has to accept or refuse it.
    Answer,
    /// The unit has accepted it and must finish it.
    Finish,
    /// The coordinator has to assign it.
    Assign,
    /// The coordinator has to confirm the reported work.
    Confirm,
    /// It is overdue (the coordinator follows up).
    FollowUp,
}

impl WorkReason {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::Finish => "finish",
            Self::Assign => "assign",
            Self::Confirm => "confirm",
            Self::FollowUp => "follow_up",
        }
    }
}

/// A list selection.
#[derive(Debug, Clone, Default)]
pub struct MeasureQuery {
    pub status: Option<MeasureStatus>,
    pub unit: Option<UnitId>,
    pub area: Option<AreaId>,
    pub limit: i64,
    /// Only this kind.
    pub kind: Option<MeasureKind>,
    /// Only open measures past their due date.
    pub overdue: bool,
}

/// Largest list.
pub const MAX_LIST: i64 = 1000;

/// Today's date in Sweden.
pub fn local_date(at: Instant) -> Date {
    match jiff::tz::TimeZone::get(STOCKHOLM) {
        Ok(tz) => at.timestamp().to_zoned(tz).date(),
        Err(_) => at.timestamp().to_zoned(jiff::tz::TimeZone::UTC).date(),
    }
}

/// The instant a Swedish local date starts.
pub fn start_of(date: Date) -> Instant {
    let tz = jiff::tz::TimeZone::get(STOCKHOLM).unwrap_or(jiff::tz::TimeZone::UTC);
    match date.to_zoned(tz) {
        Ok(z) => Instant::from_timestamp(z.timestamp()),
        Err(_) => Instant::from_micros(0),
    }
}

fn parse_date_text(s: &Option<String>) -> Option<Date> {
    s.as_deref().and_then(|d| d.parse().ok())
}

fn clean(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The fields that differ, as `{field: [before, after]}`.
fn diff(before: &MeasureValues, after: &MeasureValues) -> String {
    let a = value_map(before);
    let b = value_map(after);
    let mut out = serde_json::Map::new();
    for (k, v) in &b {
        if a.get(k) != Some(v) {
            out.insert(
                (*k).to_owned(),
                json!([a.get(k).cloned().unwrap_or(serde_json::Value::Null), v]),
            );
        }
    }
    serde_json::Value::Object(out).to_string()
}

fn value_map(v: &MeasureValues) -> BTreeMap<&'static str, serde_json::Value> {
    BTreeMap::from([
        ("title", json!(v.title)),
        ("description", json!(v.description)),
        ("kind", json!(v.kind)),
        ("cause", json!(v.cause)),
        ("status", json!(v.status)),
        ("sharing", json!(v.sharing)),
        ("owner_organisation_id", json!(v.owner_organisation_id)),
        ("owner_unit_id", json!(v.owner_unit_id)),
        ("responsible_user_id", json!(v.responsible_user_id)),
        ("due_date", json!(v.due_date)),
        ("planned_date", json!(v.planned_date)),
        ("cost_sek", json!(v.cost_sek)),
        ("status_reason", json!(v.status_reason)),
        ("evidence", json!(v.evidence)),
        ("completed_at", json!(v.completed_at.map(|t| t.rfc3339()))),
        ("confirmed_at", json!(v.confirmed_at.map(|t| t.rfc3339()))),
        ("control_area_id", json!(v.control_area_id)),
    ])
}

fn status_of(row: &MeasureRow) -> Result<MeasureStatus> {
    MeasureStatus::parse(&row.values.status)
        .map_err(|_| Error::Internal("stored measure status".into()))
}

fn kind_of(row: &MeasureRow) -> MeasureKind {
    MeasureKind::parse(&row.values.kind).unwrap_or(MeasureKind::Other)
}

impl Trygg {
    /// Which measures a caller may see (and whether at all).
    pub fn measure_visibility(&self, caller: &Caller) -> Result<MeasureVisibility> {
        if matches!(caller, Caller::System) {
            return Ok(MeasureVisibility {
                all: true,
                ..Default::default()
            });
        }
        caller.require(Action::ReadMeasures)?;
        if caller.require(Action::ManageMeasures).ok() == Some(Grant::Any) {
            return Ok(MeasureVisibility {
                all: true,
                ..Default::default()
            });
        }
        let actor = caller.actor().ok_or(Error::Forbidden)?;
        let mut v = MeasureVisibility {
            shared: true,
            organisation: Some(actor.organisation.id),
            ..Default::default()
        };
        match caller.require(Action::AnswerMeasures).ok() {
            Some(Grant::Any) => v.all = true,
            Some(Grant::Deny) | None => {}
            Some(_) => v.unit = actor.user.unit_id,
        }
        Ok(v)
    }

    fn today(&self) -> Date {
        local_date(self.clock.now())
    }

    /// A measure the caller may see, else `not_found`.
    async fn visible_measure(&self, caller: &Caller, id: MeasureId) -> Result<MeasureRow> {
        let v = self.measure_visibility(caller)?;
        let row = self.db.measure(id).await?.ok_or(Error::NotFound)?;
        let co = self.db.measure_co_owners(id).await?;
        let seen = v.all
            || (v.shared && row.values.sharing == SharingLevel::Partners.code())
            || (v.organisation.is_some() && v.organisation == row.values.owner_organisation_id)
            || v.unit
                .is_some_and(|u| row.values.owner_unit_id == Some(u) || co.contains(&u));
        if seen { Ok(row) } else { Err(Error::NotFound) }
    }

    /// Whether the caller may give a command of this party on this measure.
    fn may_act(caller: &Caller, party: Party, row: &MeasureRow) -> bool {
        let action = match party {
            Party::Coordinator => Action::ManageMeasures,
            Party::Unit => Action::AnswerMeasures,
        };
        match caller.require(action) {
            Ok(Grant::Any) => true,
            Ok(Grant::OwnUnit) => caller.actor().is_some_and(|a| {
                a.user.unit_id.is_some() && a.user.unit_id == row.values.owner_unit_id
            }),
            Ok(Grant::OwnOrganisation) => caller
                .actor()
                .is_some_and(|a| Some(a.organisation.id) == row.values.owner_organisation_id),
            _ => false,
        }
    }

    /// May comment and note progress: the coordinator, and the owner and co-owner units.
    fn may_comment(caller: &Caller, row: &MeasureRow, co: &[UnitId]) -> bool {
        Self::may_act(caller, Party::Coordinator, row)
            || Self::may_act(caller, Party::Unit, row)
            || (caller.require(Action::AnswerMeasures).is_ok()
                && caller
                    .actor()
                    .and_then(|a| a.user.unit_id)
                    .is_some_and(|u| co.contains(&u)))
    }

    /// The e-mail addresses of a unit's handläggare (and the responsible person).
    async fn unit_recipients(
        &self,
        unit: Option<UnitId>,
        responsible: Option<UserId>,
    ) -> Result<Vec<String>> {
        let mut out: Vec<String> = self
            .db
            .users()
            .await?
            .into_iter()
            .filter(|u| !u.disabled)
            .filter(|u| {
                (unit.is_some() && u.unit_id == unit && u.roles.contains(&Role::Handlaggare))
                    || Some(u.id) == responsible
            })
            .map(|u| u.email)
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    async fn user_email(&self, id: Option<UserId>) -> Result<Vec<String>> {
        Ok(match id {
            Some(id) => self
                .db
                .user(id)
                .await?
                .filter(|u| !u.disabled)
                .map(|u| vec![u.email])
                .unwrap_or_default(),
            None => Vec::new(),
        })
    }

    /// Parses a new measure's input into stored values (and the links).
    async fn prepare_measure(
        &self,
        input: &MeasureInput,
    ) -> Result<(MeasureValues, Vec<LinkTarget>)> {
        let title = Title::parse(&input.title)?;
        let description = Note::parse("description", &input.description)?;
        let kind = MeasureKind::parse(&input.kind)?;
        let cause = Note::parse_optional("cause", &input.cause)?;
        let due = parse_optional_date("due_date", &input.due_date)?;
        let cost = CostSek::parse_optional(&input.cost_sek)?;
        let sharing = if input.sharing.trim().is_empty() {
            SharingLevel::Partners
        } else {
            SharingLevel::parse(&input.sharing)?
        };
        let mut owner_org: Option<OrganisationId> = None;
        if let Some(u) = input.unit {
            let unit = self
                .db
                .unit(u)
                .await?
                .ok_or(Invalid::new("unit_id", "unknown_unit"))?;
            owner_org = Some(unit.organisation_id);
        }
        for u in &input.co_owners {
            self.db
                .unit(*u)
                .await?
                .ok_or(Invalid::new("co_owners", "unknown_unit"))?;
        }
        if let Some(r) = input.responsible {
            self.db
                .user(r)
                .await?
                .ok_or(Invalid::new("responsible_user_id", "unknown_user"))?;
        }
        let mut links = Vec::new();
        for i in &input.incidents {
            self.db
                .incident(
                    *i,
                    Visibility {
                        all: true,
                        ..Default::default()
                    },
                )
                .await?
                .ok_or(Invalid::new("incidents", "unknown_incident"))?;
            links.push(LinkTarget::Incident(*i));
        }
        for p in &input.places {
            self.db
                .place(*p)
                .await?
                .ok_or(Invalid::new("places", "unknown_place"))?;
            links.push(LinkTarget::Place(*p));
        }
        for a in input.areas.iter().chain(input.control_area.iter()) {
            self.db
                .area(*a)
                .await?
                .ok_or(Invalid::new("areas", "unknown_area"))?;
        }
        links.extend(input.areas.iter().map(|a| LinkTarget::Area(*a)));
        if let Some(p) = input.lagesbild_priority {
            links.push(LinkTarget::LagesbildPriority(p));
        }
        let status = if input.unit.is_some() {
            MeasureStatus::Assigned
        } else {
            MeasureStatus::Proposed
        };
        Ok((
            MeasureValues {
                title: title.as_str().to_owned(),
                description: description.as_str().to_owned(),
                kind: kind.code().into(),
                cause: cause.map(|c| c.as_str().to_owned()),
                status: status.code().into(),
                sharing: sharing.code().into(),
                owner_organisation_id: owner_org,
                owner_unit_id: input.unit,
                responsible_user_id: input.responsible,
                due_date: due.map(|d| d.to_string()),
                planned_date: None,
                cost_sek: cost.map(CostSek::get),
                status_reason: None,
                evidence: None,
                completed_at: None,
                confirmed_at: None,
                control_area_id: input.control_area,
            },
            links,
        ))
    }

    /// Creates a measure (the coordinator). With a unit it is assigned at once, and the
    /// unit's handläggare get the assignment e-mail.
    pub async fn create_measure(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        input: MeasureInput,
    ) -> Result<MeasureId> {
        caller.require(Action::ManageMeasures)?;
        let (values, links) = self.prepare_measure(&input).await?;
        let now = self.clock.now();
        let actor = caller.actor().map(|a| a.user.id);
        let mut history = vec![NewHistory {
            at: now,
            actor_user_id: actor,
            action: "created".into(),
            from_status: None,
            to_status: MeasureStatus::Proposed.code().into(),
            changes: "{}".into(),
            note: None,
        }];
        let mut emails = Vec::new();
        if let Some(unit) = input.unit {
            history.push(NewHistory {
                at: now,
                actor_user_id: actor,
                action: "assign".into(),
                from_status: Some(MeasureStatus::Proposed.code().into()),
                to_status: MeasureStatus::Assigned.code().into(),
                changes: json!({ "owner_unit_id": [null, unit] }).to_string(),
                note: None,
            });
            let to = self.unit_recipients(Some(unit), input.responsible).await?;
            emails.push(assignment_email(
                None,
                &values.title,
                &values.due_date,
                to,
                now,
            ));
        }
        let new = NewMeasure {
            values,
            proposed_by: actor,
            at: now,
            links,
            co_owners: input.co_owners.clone(),
        };
        let audit = draft(
            caller,
            meta,
            now,
            "measure_created",
            "measure",
            None,
            json!({ "status": new.values.status, "unit": input.unit }),
        );
        Ok(self
            .db
            .create_measure(&new, &history, &emails, audit)
            .await?)
    }

    /// One measure with its links, history, comments and the commands the caller may
    /// give.
    pub async fn measure(&self, caller: &Caller, id: MeasureId) -> Result<MeasureView> {
        let row = self.visible_measure(caller, id).await?;
        let status = status_of(&row)?;
        let co_ids = self.db.measure_co_owners(id).await?;
        let mut co_owners = Vec::new();
        for u in &co_ids {
            if let Some(unit) = self.db.unit(*u).await? {
                co_owners.push(unit);
            }
        }
        let commands = Transition::codes_from(status)
            .into_iter()
            .filter(|c| {
                let party = match *c {
                    "assign" | "confirm" | "send_back" | "reopen" => Party::Coordinator,
                    _ => Party::Unit,
                };
                Self::may_act(caller, party, &row)
            })
            .collect();
        let due = parse_date_text(&row.values.due_date);
        Ok(MeasureView {
            status,
            kind: kind_of(&row),
            urgency: urgency(status, due, self.today()),
            links: self.db.measure_links(id).await?,
            history: self.db.measure_history(id).await?,
            comments: self.db.measure_comments(id).await?,
            may_comment: Self::may_comment(caller, &row, &co_ids),
            co_owners,
            commands,
            row,
        })
    }

    fn item(&self, row: MeasureRow, today: Date) -> Result<MeasureItem> {
        let status = status_of(&row)?;
        let due = parse_date_text(&row.values.due_date);
        Ok(MeasureItem {
            status,
            kind: kind_of(&row),
            urgency: urgency(status, due, today),
            row,
        })
    }

    /// The measures the caller may see, overdue first, then by due date.
    pub async fn measures(&self, caller: &Caller, q: &MeasureQuery) -> Result<Vec<MeasureItem>> {
        let visibility = self.measure_visibility(caller)?;
        let today = self.today();
        let filter = MeasureFilter {
            visibility,
            statuses: q
                .status
                .map(|s| vec![s.code().to_owned()])
                .unwrap_or_default(),
            unit: q.unit,
            area: q.area,
            today: today.to_string(),
            limit: if q.limit <= 0 {
                MAX_LIST
            } else {
                q.limit.min(MAX_LIST)
            },
        };
        // Kind and overdue are narrow views of a list of at most MAX_LIST rows; they are
        // applied here rather than in SQL, where the urgency rule would be duplicated.
        let mut out = Vec::new();
        for r in self.db.measures(&filter).await? {
            let item = self.item(r, today)?;
            if q.kind.is_some_and(|k| k != item.kind)
                || (q.overdue && item.urgency != Urgency::Overdue)
            {
                continue;
            }
            out.push(item);
        }
        Ok(out)
    }

    /// The open measures (proposed to in progress) linked to an area, to a place in it
    /// or to an incident in it, as the caller may see them; for the lägesbild page.
    pub async fn open_measures_in_area(
        &self,
        caller: &Caller,
        area: AreaId,
    ) -> Result<Vec<MeasureItem>> {
        let visibility = self.measure_visibility(caller)?;
        let today = self.today();
        let filter = MeasureFilter {
            visibility,
            statuses: MeasureStatus::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| s.code().to_owned())
                .collect(),
            area: Some(area),
            today: today.to_string(),
            limit: MAX_LIST,
            ..Default::default()
        };
        self.db
            .measures(&filter)
            .await?
            .into_iter()
            .map(|r| self.item(r, today))
            .collect()
    }

    /// What waits for the caller: for a unit's handläggare, the unit's measures to
    /// answer or finish; for the coordinator, proposals to assign, work to confirm and
    /// everything overdue. Overdue first, then by due date.
    pub async fn my_work(&self, caller: &Caller) -> Result<Vec<(MeasureItem, WorkReason)>> {
        let actor = caller.actor().ok_or(Error::Forbidden)?;
        let today = self.today();
        let mut out: Vec<(MeasureItem, WorkReason)> = Vec::new();
        let open: Vec<String> = MeasureStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.code().to_owned())
            .collect();
        if caller.require(Action::ManageMeasures).is_ok() {
            let filter = MeasureFilter {
                visibility: MeasureVisibility {
                    all: true,
                    ..Default::default()
                },
                statuses: open.iter().cloned().chain(["done".to_owned()]).collect(),
                today: today.to_string(),
                limit: MAX_LIST,
                ..Default::default()
            };
            for r in self.db.measures(&filter).await? {
                let item = self.item(r, today)?;
                let reason = match item.status {
                    MeasureStatus::Proposed => Some(WorkReason::Assign),
                    MeasureStatus::Done => Some(WorkReason::Confirm),
                    _ if item.urgency == Urgency::Overdue => Some(WorkReason::FollowUp),
                    _ => None,
                };
                if let Some(reason) = reason {
                    out.push((item, reason));
                }
            }
        } else if caller.require(Action::AnswerMeasures).is_ok() {
            let Some(unit) = actor.user.unit_id else {
                return Ok(out);
            };
            let filter = MeasureFilter {
                visibility: MeasureVisibility {
                    unit: Some(unit),
                    ..Default::default()
                },
                statuses: vec!["assigned".into(), "accepted".into(), "in_progress".into()],
                unit: Some(unit),
                today: today.to_string(),
                limit: MAX_LIST,
                ..Default::default()
            };
            for r in self.db.measures(&filter).await? {
                if r.values.owner_unit_id != Some(unit) {
                    continue;
                }
                let item = self.item(r, today)?;
                let reason = if item.status == MeasureStatus::Assigned {
                    WorkReason::Answer
                } else {
                    WorkReason::Finish
                };
                out.push((item, reason));
            }
        }
        out.sort_by(|(a, _), (b, _)| {
            let due = |i: &MeasureItem| {
                (
                    i.urgency,
                    i.row.values.due_date.is_none(),
                    i.row.values.due_date.clone(),
                    i.row.id,
                )
            };
            due(a).cmp(&due(b))
        });
        Ok(out)
    }

    /// Gives a workflow command. `expected_version` (from the page or API) refuses a
    /// change based on an outdated view with `measure_changed`.
    pub async fn transition_measure(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: MeasureId,
        command: Transition,
        expected_version: Option<i64>,
    ) -> Result<MeasureStatus> {
        caller.require(Action::ReadMeasures)?;
        let row = self.visible_measure(caller, id).await?;
        if expected_version.is_some_and(|v| v != row.version) {
            return Err(Error::Conflict("measure_changed"));
        }
        if !Self::may_act(caller, command.party(), &row) {
            return Err(Error::Forbidden);
        }
        let from = status_of(&row)?;
        let to = from
            .apply(&command)
            .map_err(|_| Error::Refused(ILLEGAL_TRANSITION))?;
        let now = self.clock.now();
        let before = row.values.clone();
        let mut v = row.values.clone();
        v.status = to.code().into();
        match &command {
            Transition::Assign { unit } => {
                let u = self
                    .db
                    .unit(*unit)
                    .await?
                    .ok_or(Invalid::new("unit_id", "unknown_unit"))?;
                v.owner_unit_id = Some(u.id);
                v.owner_organisation_id = Some(u.organisation_id);
                v.status_reason = None;
                v.planned_date = None;
            }
            Transition::Accept { planned } => {
                v.planned_date = Some(planned.to_string());
                v.status_reason = None;
            }
            Transition::Refuse { reason }
            | Transition::NotFeasible { reason }
            | Transition::SendBack { reason } => v.status_reason = Some(reason.as_str().into()),
            Transition::Reopen { reason } => {
                v.status_reason = Some(reason.as_str().into());
                v.completed_at = None;
                v.confirmed_at = None;
                v.planned_date = None;
            }
            Transition::Start => {}
            Transition::Complete { evidence } => {
                v.evidence = Some(evidence.as_str().into());
                v.completed_at = Some(now);
                v.status_reason = None;
            }
            Transition::Confirm => v.confirmed_at = Some(now),
        }
        let history = NewHistory {
            at: now,
            actor_user_id: caller.actor().map(|a| a.user.id),
            action: command.code().into(),
            from_status: Some(from.code().into()),
            to_status: to.code().into(),
            changes: diff(&before, &v),
            note: command.note().map(|n| n.as_str().to_owned()),
        };
        let emails = self.transition_emails(&row, &v, &command, now).await?;
        let audit = draft(
            caller,
            meta,
            now,
            "measure_transition",
            "measure",
            Some(id.0.to_string()),
            json!({ "command": command.code(), "from": from.code(), "to": to.code() }),
        );
        self.db
            .update_measure(id, row.version, &v, &history, &emails, now, audit)
            .await?;
        Ok(to)
    }

    /// The e-mails a command causes: assignments go to the unit, answers to the
    /// proposer, the coordinator's verdicts back to the unit.
    async fn transition_emails(
        &self,
        row: &MeasureRow,
        v: &MeasureValues,
        command: &Transition,
        now: Instant,
    ) -> Result<Vec<NewEmail>> {
        let unit_to = || self.unit_recipients(v.owner_unit_id, v.responsible_user_id);
        Ok(match command {
            Transition::Assign { .. } | Transition::Reopen { .. } => vec![assignment_email(
                Some(row.id),
                &v.title,
                &v.due_date,
                unit_to().await?,
                now,
            )],
            Transition::Accept { .. }
            | Transition::Refuse { .. }
            | Transition::NotFeasible { .. }
            | Transition::Complete { .. } => vec![answer_email(
                row.id,
                &v.title,
                command,
                self.user_email(row.proposed_by).await?,
                now,
            )],
            Transition::SendBack { .. } | Transition::Confirm => vec![answer_email(
                row.id,
                &v.title,
                command,
                unit_to().await?,
                now,
            )],
            Transition::Start => Vec::new(),
        })
    }

    /// A progress note (the owner unit, co-owners, the coordinator): kept in the history.
    pub async fn note_measure_progress(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: MeasureId,
        note: &str,
    ) -> Result<()> {
        caller.require(Action::ReadMeasures)?;
        let row = self.visible_measure(caller, id).await?;
        let co = self.db.measure_co_owners(id).await?;
        if !Self::may_comment(caller, &row, &co) {
            return Err(Error::Forbidden);
        }
        let note = Note::parse("note", note)?;
        let now = self.clock.now();
        let history = NewHistory {
            at: now,
            actor_user_id: caller.actor().map(|a| a.user.id),
            action: "progress".into(),
            from_status: Some(row.values.status.clone()),
            to_status: row.values.status.clone(),
            changes: "{}".into(),
            note: Some(note.as_str().into()),
        };
        let audit = draft(
            caller,
            meta,
            now,
            "measure_progress",
            "measure",
            Some(id.0.to_string()),
            json!({}),
        );
        Ok(self.db.add_measure_note(id, &history, audit).await?)
    }

    /// Adds a comment to the measure's thread.
    pub async fn comment_measure(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: MeasureId,
        body: &str,
    ) -> Result<()> {
        caller.require(Action::ReadMeasures)?;
        let actor = caller.actor().ok_or(Error::Forbidden)?;
        let row = self.visible_measure(caller, id).await?;
        let co = self.db.measure_co_owners(id).await?;
        if !Self::may_comment(caller, &row, &co) {
            return Err(Error::Forbidden);
        }
        let body = Note::parse("comment", body)?;
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "measure_commented",
            "measure",
            Some(id.0.to_string()),
            json!({}),
        );
        self.db
            .add_measure_comment(id, actor.user.id, now, body.as_str(), audit)
            .await?;
        Ok(())
    }

    /// Writes the "due soon" and "overdue" e-mails of open measures, once per measure
    /// and due date (a dedupe key), so running it every minute on every instance sends
    /// each reminder once. Returns how many new e-mails it wrote.
    pub async fn schedule_measure_reminders(&self) -> Result<u64> {
        let now = self.clock.now();
        let today = local_date(now);
        let filter = MeasureFilter {
            visibility: MeasureVisibility {
                all: true,
                ..Default::default()
            },
            statuses: MeasureStatus::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| s.code().to_owned())
                .collect(),
            today: today.to_string(),
            limit: 10_000,
            ..Default::default()
        };
        let mut emails = Vec::new();
        for row in self.db.measures(&filter).await? {
            let status = status_of(&row)?;
            let Some(due) = parse_date_text(&row.values.due_date) else {
                continue;
            };
            let (kind, subject) = match urgency(status, Some(due), today) {
                Urgency::Overdue => ("overdue", "Försenad åtgärd"),
                Urgency::DueSoon => ("due_soon", "Åtgärd snart förfallen"),
                Urgency::OnTime => continue,
            };
            let mut to = self
                .unit_recipients(row.values.owner_unit_id, row.values.responsible_user_id)
                .await?;
            to.extend(self.user_email(row.proposed_by).await?);
            to.sort();
            to.dedup();
            emails.push(NewEmail {
                dedupe_key: Some(format!("{kind}:{}:{due}", row.id)),
                kind: kind.into(),
                measure_id: Some(row.id),
                recipients: to,
                subject: format!("{subject}: {}", row.values.title),
                body: format!(
                    "Åtgärden \"{}\" skulle vara klar {due}.\n\nÖppna åtgärden: {BASE_URL}/measures/{}\n\n-- \nTrygg",
                    row.values.title, row.id
                ),
                at: now,
            });
        }
        Ok(self.db.enqueue_emails(&emails).await?)
    }

    /// The effect follow-up of a measure (see [`EffectOutcome`]).
    pub async fn measure_effect(&self, caller: &Caller, id: MeasureId) -> Result<EffectOutcome> {
        let row = self.visible_measure(caller, id).await?;
        let Some(completed) = row.values.completed_at else {
            return Ok(EffectOutcome::NotCompleted);
        };
        let links = self.db.measure_links(id).await?;
        let target = self.effect_target(&links).await?;
        let Some((target, centre, label)) = target else {
            return Ok(EffectOutcome::NoPlace);
        };
        let done = local_date(completed);
        let today = self.today();
        let days = done
            .until(today)
            .map(|s| s.get_days())
            .unwrap_or(0)
            .min(365);
        if days < MIN_WINDOW_DAYS {
            return Ok(EffectOutcome::TooEarly {
                completed: done,
                ready: done
                    .checked_add(jiff::Span::new().days(MIN_WINDOW_DAYS))
                    .unwrap_or(done),
            });
        }
        let span = jiff::Span::new().days(days);
        let after = (done, done.checked_add(span).unwrap_or(done));
        let b0 = done.checked_sub(jiff::Span::new().years(1)).unwrap_or(done);
        let before = (b0, b0.checked_add(span).unwrap_or(b0));
        let local = LocalMetres::around(centre.0, centre.1);
        let control = match row.values.control_area_id {
            Some(a) => match self.db.area(a).await? {
                Some(area) => Some((
                    area.info.name.clone(),
                    local.polygon(&geometry(&area.geometry)?),
                )),
                None => None,
            },
            None => None,
        };
        let mut counts = EffectCounts::default();
        for (window, is_after) in [(before, false), (after, true)] {
            for (lat, lon) in self.effect_points(window).await? {
                let p = local.xy(lat, lon);
                let bump = |c: &mut Counts| {
                    if is_after {
                        c.after += 1
                    } else {
                        c.before += 1
                    }
                };
                match zone(&target, BUFFER_M, p) {
                    Zone::Target => bump(&mut counts.target),
                    Zone::Buffer => bump(&mut counts.buffer),
                    Zone::Outside => {
                        if let Some((_, poly)) = &control {
                            use geo::Contains;
                            if poly.contains(&geo::Point::from(p)) {
                                bump(&mut counts.control);
                            }
                        }
                    }
                }
            }
        }
        Ok(EffectOutcome::Report(EffectReport {
            before,
            after,
            target: label,
            buffer_m: BUFFER_M,
            control_area: control.map(|(name, _)| name),
            effect: weighted_displacement(counts),
        }))
    }

    /// The target zone: the first linked area, else the first linked place (a circle),
    /// with its centre and its name.
    async fn effect_target(
        &self,
        links: &[LinkTarget],
    ) -> Result<Option<(Target, (f64, f64), String)>> {
        for l in links {
            if let LinkTarget::Area(a) = l
                && let Some(area) = self.db.area(*a).await?
            {
                let b = &area.info.bbox;
                let centre = ((b.min_lat + b.max_lat) / 2.0, (b.min_lon + b.max_lon) / 2.0);
                let local = LocalMetres::around(centre.0, centre.1);
                let poly = local.polygon(&geometry(&area.geometry)?);
                return Ok(Some((Target::Area(poly), centre, area.info.name)));
            }
        }
        for l in links {
            if let LinkTarget::Place(p) = l
                && let Some(place) = self.db.place(*p).await?
            {
                return Ok(Some((
                    Target::Circle {
                        centre: geo::Coord { x: 0.0, y: 0.0 },
                        radius: PLACE_RADIUS_M,
                    },
                    (place.lat, place.lon),
                    place.name,
                )));
            }
        }
        Ok(None)
    }

    /// The positions of every counted incident (submitted or accepted, not merged or
    /// rejected) that started in `[from, to)`. All incidents, whatever their sharing:
    /// only counts leave this function, as in the lägesbild.
    async fn effect_points(&self, (from, to): (Date, Date)) -> Result<Vec<(f64, f64)>> {
        let mut out = Vec::new();
        let mut after_id = None;
        loop {
            let f = IncidentFilter {
                from: Some(start_of(from)),
                to: Some(start_of(to)),
                after_id,
                order: IncidentOrder::IdAscending,
                limit: 5000,
                ..Default::default()
            };
            let (rows, _) = self
                .db
                .incidents(
                    &f,
                    Visibility {
                        all: true,
                        ..Default::default()
                    },
                )
                .await?;
            let Some(last) = rows.last() else { break };
            after_id = Some(last.id);
            let n = rows.len();
            out.extend(
                rows.into_iter()
                    .filter(|r| r.status == "submitted" || r.status == "accepted")
                    .filter_map(|r| r.position),
            );
            if n < 5000 {
                break;
            }
        }
        Ok(out)
    }
}

/// Radius of a place's target circle, metres.
pub const PLACE_RADIUS_M: f64 = 200.0;
/// Width of the buffer ring around the target, metres.
pub const BUFFER_M: f64 = 300.0;
/// The shortest after-period worth computing, days.
pub const MIN_WINDOW_DAYS: i32 = 28;

fn geometry(text: &str) -> Result<geo::MultiPolygon<f64>> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::Internal(format!("area geometry: {e}")))?;
    trygg_domain::geo::import::parse_area_geometry(&value)
        .map_err(|e| Error::Internal(format!("area geometry: {e}")))
}

/// The result of the effect follow-up.
#[derive(Debug, Clone)]
pub enum EffectOutcome {
    /// Not reported done yet: there is no "after".
    NotCompleted,
    /// No linked place or area to count in.
    NoPlace,
    /// Done too recently for an after-period of [`MIN_WINDOW_DAYS`].
    TooEarly {
        completed: Date,
        ready: Date,
    },
    Report(EffectReport),
}

/// Equal periods before (the same dates a year earlier: the same season) and after the
/// completion, and the figures.
#[derive(Debug, Clone)]
pub struct EffectReport {
    /// `[from, to)` local dates.
    pub before: (Date, Date),
    pub after: (Date, Date),
    pub target: String,
    pub buffer_m: f64,
    pub control_area: Option<String>,
    pub effect: Effect,
}

fn assignment_email(
    id: Option<MeasureId>,
    title: &str,
    due: &Option<String>,
    to: Vec<String>,
    at: Instant,
) -> NewEmail {
    let due = due
        .as_deref()
        .map(|d| format!("Ska vara klar: {d}\n"))
        .unwrap_or_default();
    let link = id
        .map(|i| format!("{BASE_URL}/measures/{i}"))
        .unwrap_or_else(|| format!("{BASE_URL}/my-work"));
    NewEmail {
        dedupe_key: None,
        kind: "assigned".into(),
        measure_id: id,
        recipients: to,
        subject: format!("Ny åtgärd till er enhet: {title}"),
        body: format!(
            "Er enhet har fått åtgärden \"{title}\".\n{due}\nSvara (acceptera med datum eller avböj med skäl): {link}\n\n-- \nTrygg"
        ),
        at,
    }
}

fn answer_email(
    id: MeasureId,
    title: &str,
    command: &Transition,
    to: Vec<String>,
    at: Instant,
) -> NewEmail {
    let what = match command {
        Transition::Accept { planned } => format!("har accepterats, klar senast {planned}"),
        Transition::Refuse { .. } => "har avböjts".into(),
        Transition::NotFeasible { .. } => "har bedömts inte genomförbar".into(),
        Transition::Complete { .. } => "har rapporterats utförd".into(),
        Transition::SendBack { .. } => "har skickats tillbaka för mer arbete".into(),
        Transition::Confirm => "har bekräftats utförd".into(),
        _ => "har ändrats".into(),
    };
    NewEmail {
        dedupe_key: None,
        kind: "answered".into(),
        measure_id: Some(id),
        recipients: to,
        subject: format!("Åtgärden {what}: {title}"),
        body: format!(
            "Åtgärden \"{title}\" {what}.\n\nÖppna åtgärden: {BASE_URL}/measures/{id}\n\n-- \nTrygg"
        ),
        at,
    }
}

/// The most evidence photos one measure may have.
pub const MAX_EVIDENCE_PHOTOS: usize = 20;

/// Whether an evidence photo shows the place before or after the work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidencePhase {
    Before,
    After,
}

impl EvidencePhase {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::After => "after",
        }
    }

    /// Field `phase`; code `invalid_choice`.
    pub fn parse(s: &str) -> std::result::Result<Self, Invalid> {
        match s.trim() {
            "before" => Ok(Self::Before),
            "after" => Ok(Self::After),
            _ => Err(Invalid::new("phase", "invalid_choice")),
        }
    }
}

/// The fields of a measure the coordinator may change after creating it. The owner
/// unit and the status change only through the workflow, so an edit cannot skip it.
#[derive(Debug, Clone, Default)]
pub struct MeasureEdit {
    pub title: String,
    pub description: String,
    pub kind: String,
    pub cause: String,
    /// `YYYY-MM-DD` or empty.
    pub due_date: String,
    /// Whole kronor or empty.
    pub cost_sek: String,
    /// `partners` or `own`.
    pub sharing: String,
    pub responsible: Option<UserId>,
    pub control_area: Option<AreaId>,
}

impl Trygg {
    /// Changes a measure's fields (the coordinator); the changed fields are kept in the
    /// history as `{field: [before, after]}`. `expected_version` refuses an edit based
    /// on an outdated form with `measure_changed`.
    pub async fn edit_measure(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: MeasureId,
        edit: MeasureEdit,
        expected_version: Option<i64>,
    ) -> Result<()> {
        caller.require(Action::ManageMeasures)?;
        let row = self.visible_measure(caller, id).await?;
        if !Self::may_act(caller, Party::Coordinator, &row) {
            return Err(Error::Forbidden);
        }
        if expected_version.is_some_and(|v| v != row.version) {
            return Err(Error::Conflict("measure_changed"));
        }
        let title = Title::parse(&edit.title)?;
        let description = Note::parse("description", &edit.description)?;
        let kind = MeasureKind::parse(&edit.kind)?;
        let cause = Note::parse_optional("cause", &edit.cause)?;
        let due = parse_optional_date("due_date", &edit.due_date)?;
        let cost = CostSek::parse_optional(&edit.cost_sek)?;
        let sharing = if edit.sharing.trim().is_empty() {
            SharingLevel::parse(&row.values.sharing)?
        } else {
            SharingLevel::parse(&edit.sharing)?
        };
        if let Some(r) = edit.responsible {
            self.db
                .user(r)
                .await?
                .ok_or(Invalid::new("responsible_user_id", "unknown_user"))?;
        }
        if let Some(a) = edit.control_area {
            self.db
                .area(a)
                .await?
                .ok_or(Invalid::new("control_area_id", "unknown_area"))?;
        }
        let before = row.values.clone();
        let mut v = row.values.clone();
        v.title = title.as_str().to_owned();
        v.description = description.as_str().to_owned();
        v.kind = kind.code().into();
        v.cause = cause.map(|c| c.as_str().to_owned());
        v.due_date = due.map(|d| d.to_string());
        v.cost_sek = cost.map(CostSek::get);
        v.sharing = sharing.code().into();
        v.responsible_user_id = edit.responsible;
        v.control_area_id = edit.control_area;
        if v == before {
            return Ok(());
        }
        let now = self.clock.now();
        let changes = diff(&before, &v);
        let history = NewHistory {
            at: now,
            actor_user_id: caller.actor().map(|a| a.user.id),
            action: "edited".into(),
            from_status: Some(row.values.status.clone()),
            to_status: row.values.status.clone(),
            changes: changes.clone(),
            note: None,
        };
        let fields: Vec<String> =
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&changes)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
        let audit = draft(
            caller,
            meta,
            now,
            "measure_edited",
            "measure",
            Some(id.0.to_string()),
            json!({ "fields": fields }),
        );
        self.db
            .update_measure(id, row.version, &v, &history, &[], now, audit)
            .await?;
        Ok(())
    }

    /// The evidence photos of a measure the caller may see (without their bytes).
    pub async fn measure_evidence(
        &self,
        caller: &Caller,
        id: MeasureId,
    ) -> Result<Vec<EvidenceRow>> {
        self.visible_measure(caller, id).await?;
        Ok(self.db.measure_evidence(id).await?)
    }

    /// Adds clean before/after photos to a measure: the coordinator and the owner and
    /// co-owner units (those who may note progress). Kept in the history.
    pub async fn add_measure_evidence(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: MeasureId,
        phase: EvidencePhase,
        photos: Vec<CleanPhoto>,
    ) -> Result<Vec<i64>> {
        caller.require(Action::ReadMeasures)?;
        let row = self.visible_measure(caller, id).await?;
        let co = self.db.measure_co_owners(id).await?;
        if !Self::may_comment(caller, &row, &co) {
            return Err(Error::Forbidden);
        }
        if photos.is_empty() {
            return Err(Invalid::new(photo::FIELD, "required").into());
        }
        self.settings.photos.check_count(photos.len())?;
        let new: Vec<NewPhoto> = photos.iter().map(crate::photos::new_photo).collect();
        let now = self.clock.now();
        let history = NewHistory {
            at: now,
            actor_user_id: caller.actor().map(|a| a.user.id),
            action: "evidence".into(),
            from_status: Some(row.values.status.clone()),
            to_status: row.values.status.clone(),
            changes: json!({ "evidence_photos": { "phase": phase.code(), "count": new.len() } })
                .to_string(),
            note: None,
        };
        let audit = draft(
            caller,
            meta,
            now,
            "measure_evidence_added",
            "measure",
            Some(id.0.to_string()),
            json!({ "phase": phase.code(), "photos": new.len() }),
        );
        self.db
            .add_measure_evidence(
                id,
                phase.code(),
                &new,
                caller.user_id(),
                MAX_EVIDENCE_PHOTOS,
                &history,
                audit,
            )
            .await
            .map_err(|e| match Error::from(e) {
                Error::Conflict("measure_evidence_limit") => {
                    Invalid::new(photo::FIELD, photo::TOO_MANY_PHOTOS).into()
                }
                other => other,
            })
    }

    /// One evidence photo (or its thumbnail) of a measure the caller may see; the read
    /// is audited in the same transaction. Not found for a photo of another measure.
    pub async fn measure_evidence_photo(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: MeasureId,
        photo: i64,
        variant: PhotoVariant,
    ) -> Result<EvidenceData> {
        self.visible_measure(caller, id).await?;
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "measure_evidence_read",
            "measure_evidence",
            Some(photo.to_string()),
            json!({ "measure": id.0, "variant": variant.code() }),
        );
        self.db
            .read_measure_evidence(id, photo, variant, audit)
            .await?
            .ok_or(Error::NotFound)
    }
}

/// A clean optional text, for callers building inputs.
pub fn optional(s: &str) -> Option<String> {
    clean(s)
}
