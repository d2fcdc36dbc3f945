//! Safety walks: planning and public sign-up, observations during the walk, the protocol
//! with each proposal routed to its owner and answered (by a unit in Trygg, or by an
//! external owner through a secret e-mailed link), publication, the six-month
//! follow-up and the re-walk.
//!
//! Access (ACCESS.md): the coordinators plan walks and edit protocols (`PlanWalks`);
//! a handläggare answers the proposals routed to their own unit
//! (`AnswerWalkProposals`, `OwnUnit`); anyone reads published protocols; an external
//! owner answers through a link whose token is stored only as a hash, opens only that
//! owner's proposals of that walk, and expires. A proposal outside the caller's reach
//! answers `NotFound`, like one that does not exist.
//!
//! Personal data: participants' names and e-mail addresses are read only by the
//! coordinators (each read audited) and never reach the public types
//! ([`PublicProtocol`] has no field that could hold them); observation descriptions are
//! masked like incident descriptions before they are stored.
//!
//! E-mail (confirmations, answer links, reminders) goes through the measures' outbox,
//! queued in the same transaction as the write it tells about (a sign-up, a new link,
//! the reminder mark), so a sender on any instance delivers it once and never for a
//! write that was rolled back.
//!
//! A "will do" answer by a unit makes the proposal a measure (owner: that unit, due:
//! the promised date, linked to the proposal), written with the answer; from then on
//! the proposal's status in the protocol is the measure's.

use jiff::civil::Date;
use serde_json::json;
use trygg_domain::Invalid;
use trygg_domain::account::Email;
use trygg_domain::geo::Wgs84;
use trygg_domain::id::{AreaId, OrganisationId, UnitId, UserId};
use trygg_domain::incident::personal_data;
use trygg_domain::incident::photo::{CleanPhoto, PhotoLimits};
use trygg_domain::measure::{MeasureId, MeasureStatus, Note, Transition};
use trygg_domain::policy::{Action, Grant};
use trygg_domain::time::Instant;
use trygg_domain::walk::{
    self, Answer, CalendarEvent, FollowUp, IdempotencyKey, ObservationId, ParticipantGroup,
    ProblemType, ProposalFacts, ProposalId, ProposalStatus, StopId, WalkId, WalkStatus,
};
use trygg_store::Store;
use trygg_store::measure::{MeasureStore, MeasureValues, NewEmail, NewHistory, NewMeasure};
use trygg_store::walk::{
    AnswerRecord, ExternalOwnerRow, InvitationRow, NewObservation, NewParticipant, NewStop,
    NewWalk, NewWalkPhoto, ObservationRow, OrganiserRow, ParticipantRow, ProposalMeasure,
    ProposalRow, ReminderBatch, Route, SignUp, StopRow, WalkChanges, WalkPhotoRow, WalkRow,
    WalkStore,
};

use crate::actor::draft;
use crate::{Caller, Error, RequestMeta, Result, Trygg, secret};

/// Unanswered proposals are reminded about this long after routing, and again after as
/// long again.
pub const REMIND_AFTER_DAYS: i64 = 14;

/// A walk as typed in the planning form.
#[derive(Debug, Clone, Default)]
pub struct WalkInput {
    pub title: String,
    /// An area id, or empty.
    pub area: String,
    /// `2026-11-26T18:00`, Swedish time.
    pub starts_at: String,
    /// Minutes; empty means 120.
    pub duration_minutes: String,
    pub after_dark: bool,
    pub meeting_point: String,
    pub description: String,
    /// Empty means 20.
    pub capacity: String,
    pub signup_open: bool,
    /// One stop per line: `Name` or `Name; 58.4101, 15.5620`.
    pub stops: String,
    /// Further organisers besides the one planning.
    pub organisers: Vec<UserId>,
    pub invitations: Vec<(OrganisationId, Option<UnitId>)>,
}

/// A sign-up as typed on the public page.
#[derive(Debug, Clone, Default)]
pub struct SignUpInput {
    pub name: String,
    pub email: String,
    pub group: String,
}

/// An observation as typed (or sent by the API).
#[derive(Debug, Clone, Default)]
pub struct ObservationInput {
    /// A stop id of the walk, or empty.
    pub stop: String,
    pub lat: String,
    pub lon: String,
    pub place_text: String,
    pub problem: String,
    pub description: String,
    /// Proposed measures, one per entry (empty entries are skipped).
    pub proposals: Vec<String>,
    /// Uploaded photo bytes, checked and re-encoded by the incident photo rules.
    pub photos: Vec<Vec<u8>>,
    pub idempotency_key: String,
}

/// Where a proposal should go, as chosen in the protocol.
#[derive(Debug, Clone)]
pub enum RouteInput {
    Unit(UnitId),
    External { name: String, email: String },
    Nobody,
}

/// An answer as typed.
#[derive(Debug, Clone, Default)]
pub struct AnswerInput {
    pub answer: String,
    pub due: String,
    pub reason: String,
}

/// One proposal with where it stands.
#[derive(Debug, Clone)]
pub struct ProposalView {
    pub row: ProposalRow,
    pub status: ProposalStatus,
    /// Who answers it, as the public may read it: a unit and its organisation, or an
    /// external owner's (organisation) name.
    pub owner: Option<String>,
}

/// One observation with its proposals.
#[derive(Debug, Clone)]
pub struct ObservationView {
    pub row: ObservationRow,
    pub problem: ProblemType,
    pub proposals: Vec<ProposalView>,
}

/// The observations at one stop (or at places off the route, `stop: None`).
#[derive(Debug, Clone)]
pub struct StopGroup {
    pub stop: Option<StopRow>,
    pub observations: Vec<ObservationView>,
}

/// A walk as the coordinators and the answering units see it.
#[derive(Debug, Clone)]
pub struct WalkDetail {
    pub walk: WalkRow,
    pub status: WalkStatus,
    pub stops: Vec<StopRow>,
    pub organisers: Vec<OrganiserRow>,
    pub invitations: Vec<InvitationRow>,
    pub groups: Vec<StopGroup>,
    pub owners: Vec<ExternalOwnerRow>,
    /// Only for those who plan walks; `None` for everyone else.
    pub participants: Option<Vec<ParticipantRow>>,
    pub follow_up: FollowUp,
    /// Whether the caller may edit (organisers) — pages show the forms only then.
    pub can_edit: bool,
}

/// A published protocol, or a planned walk's public announcement: what the public may
/// read. It has no field for participants, so none can leak into a public page.
#[derive(Debug, Clone)]
pub struct PublicProtocol {
    pub walk: PublicWalk,
    pub stops: Vec<StopRow>,
    /// Empty for a planned walk.
    pub groups: Vec<StopGroup>,
    pub follow_up: Option<FollowUp>,
    /// Places left for a planned walk with open sign-up.
    pub places_left: Option<i64>,
}

/// The public face of a walk.
#[derive(Debug, Clone)]
pub struct PublicWalk {
    pub id: WalkId,
    pub title: String,
    pub area_id: Option<AreaId>,
    pub area_name: Option<String>,
    pub starts_at: Instant,
    pub ends_at: Instant,
    pub after_dark: bool,
    pub meeting_point: String,
    pub description: Option<String>,
    pub status: WalkStatus,
    pub published_at: Option<Instant>,
    pub signup_open: bool,
    pub previous_walk_id: Option<WalkId>,
}

impl PublicWalk {
    fn of(w: &WalkRow) -> Self {
        Self {
            id: w.id,
            title: w.title.clone(),
            area_id: w.area_id,
            area_name: w.area_name.clone(),
            starts_at: w.starts_at,
            ends_at: w.ends_at,
            after_dark: w.after_dark,
            meeting_point: w.meeting_point.clone(),
            description: w.description.clone(),
            status: WalkStatus::parse(&w.status).unwrap_or(WalkStatus::Planned),
            published_at: w.published_at,
            signup_open: w.signup_open,
            previous_walk_id: w.previous_walk_id,
        }
    }
}

/// What an external owner sees through their link: only their own proposals.
#[derive(Debug, Clone)]
pub struct OwnerView {
    pub owner: ExternalOwnerRow,
    pub walk: PublicWalk,
    pub items: Vec<(ObservationView, StopRow)>,
    pub proposals: Vec<(ProposalView, Option<String>, String)>,
}

/// What a sign-up did, for the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedUp {
    New,
    Already,
}

/// Parses the route text: one stop per line, `Name` or `Name; lat, lon`.
pub fn parse_stops(text: &str) -> Result<Vec<NewStop>> {
    let mut stops = Vec::new();
    for l in text.lines() {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        let (name, coords) = match l.split_once(';') {
            Some((n, c)) => (n, Some(c)),
            None => (l, None),
        };
        let name = walk::line("stops", name, 200)?;
        let position = match coords.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(point(c)?),
            None => None,
        };
        stops.push(NewStop {
            name,
            position,
            ..Default::default()
        });
    }
    if stops.len() > 50 {
        return Err(Invalid::new("stops", "too_many_stops").into());
    }
    Ok(stops)
}

fn point(c: &str) -> Result<(f64, f64)> {
    let bad = || Error::Invalid(Invalid::new("stops", "invalid_walk_position"));
    let (lat, lon) = c.split_once(',').ok_or_else(bad)?;
    let lat: f64 = lat.trim().parse().map_err(|_| bad())?;
    let lon: f64 = lon.trim().parse().map_err(|_| bad())?;
    let p = Wgs84::new(lat, lon).map_err(|_| bad())?;
    if !p.plausible_in_sweden() {
        return Err(Invalid::new("stops", "position_outside_sweden").into());
    }
    Ok((p.lat(), p.lon()))
}

/// The stops as route text again (for the edit form and the re-walk).
pub fn stops_text(stops: &[StopRow]) -> String {
    stops
        .iter()
        .map(|s| match s.position {
            Some((lat, lon)) => format!("{}; {lat:.5}, {lon:.5}", s.name),
            None => s.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// New stops as route text, to compare with the stored route.
fn stops_text_of(stops: &[NewStop]) -> String {
    stops
        .iter()
        .map(|s| match s.position {
            Some((lat, lon)) => format!("{}; {lat:.5}, {lon:.5}", s.name),
            None => s.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn status_of(row: &ProposalRow, today: Date) -> ProposalStatus {
    // A promise that became a measure moves with the measure.
    if row.answer.as_deref() == Some("will_do")
        && let Some(ms) = row
            .measure_status
            .as_deref()
            .and_then(|m| MeasureStatus::parse(m).ok())
    {
        let due = row
            .measure_due
            .as_deref()
            .or(row.due.as_deref())
            .and_then(|d| d.parse::<Date>().ok());
        return match ms {
            MeasureStatus::Done | MeasureStatus::Confirmed => ProposalStatus::Done,
            MeasureStatus::Refused | MeasureStatus::NotFeasible => ProposalStatus::Declined,
            _ => ProposalStatus::of(Some("will_do"), due, false, today),
        };
    }
    let due = row.due.as_deref().and_then(|d| d.parse::<Date>().ok());
    ProposalStatus::of(row.answer.as_deref(), due, row.done_at.is_some(), today)
}

/// The measure kind closest to an observed problem.
fn measure_kind(problem: &str) -> &'static str {
    match problem {
        "lighting" => "lighting",
        "vegetation" => "vegetation",
        "litter" | "graffiti" => "cleaning",
        _ => "other",
    }
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn owner_name(row: &ProposalRow) -> Option<String> {
    match (&row.owner_unit_name, &row.owner_organisation_name) {
        (Some(u), Some(o)) => Some(format!("{o}, {u}")),
        (None, Some(o)) => Some(o.clone()),
        (Some(u), None) => Some(u.clone()),
        (None, None) => None,
    }
}

/// Observations grouped by stop in route order, those off the route last.
fn group(
    stops: &[StopRow],
    observations: Vec<ObservationRow>,
    proposals: &[ProposalRow],
    today: Date,
) -> Vec<StopGroup> {
    let view = |o: ObservationRow| ObservationView {
        problem: ProblemType::parse(&o.problem).unwrap_or(ProblemType::Other),
        proposals: proposals
            .iter()
            .filter(|p| p.observation_id == o.id)
            .map(|p| ProposalView {
                row: p.clone(),
                status: status_of(p, today),
                owner: owner_name(p),
            })
            .collect(),
        row: o,
    };
    let mut groups: Vec<StopGroup> = stops
        .iter()
        .map(|s| StopGroup {
            stop: Some(s.clone()),
            observations: Vec::new(),
        })
        .collect();
    let mut loose = Vec::new();
    for o in observations {
        match o.stop_id.and_then(|id| {
            groups
                .iter_mut()
                .find(|g| g.stop.as_ref().is_some_and(|s| s.id == id))
        }) {
            Some(g) => g.observations.push(view(o)),
            None => loose.push(view(o)),
        }
    }
    if !loose.is_empty() {
        groups.push(StopGroup {
            stop: None,
            observations: loose,
        });
    }
    groups
}

fn follow_up_of(walk: &WalkRow, proposals: &[ProposalRow], today: Date) -> FollowUp {
    let facts: Vec<ProposalFacts> = proposals
        .iter()
        .map(|p| ProposalFacts {
            municipal: p.municipal,
            status: status_of(p, today),
        })
        .collect();
    FollowUp::compute(walk::local_date(walk.starts_at), today, &facts)
}

impl Trygg {
    fn walk_today(&self) -> Date {
        walk::local_date(self.clock.now())
    }

    /// Plans a walk; the planner is always one of its organisers.
    pub async fn plan_walk(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        input: WalkInput,
    ) -> Result<WalkId> {
        caller.require(Action::PlanWalks)?;
        let now = self.clock.now();
        let new = self.new_walk(caller, &input, now, None).await?;
        let audit = draft(
            caller,
            meta,
            now,
            "walk_planned",
            "walk",
            None,
            json!({ "title": new.title, "stops": new.stops.len(), "capacity": new.capacity }),
        );
        Ok(self.db.create_walk(&new, audit).await?)
    }

    async fn new_walk(
        &self,
        caller: &Caller,
        input: &WalkInput,
        now: Instant,
        previous: Option<WalkId>,
    ) -> Result<NewWalk> {
        let title = walk::line("title", &input.title, 200)?;
        let area_id = match input.area.trim() {
            "" => None,
            a => {
                let id = a
                    .parse::<AreaId>()
                    .map_err(|_| Invalid::new("area", "unknown_walk_area"))?;
                self.db
                    .area(id)
                    .await?
                    .ok_or(Invalid::new("area", "unknown_walk_area"))?;
                Some(id)
            }
        };
        let starts_at = walk::local_start(&input.starts_at)?;
        let minutes = match input.duration_minutes.trim() {
            "" => 120,
            m => match m.parse::<i64>() {
                Ok(n) if (15..=600).contains(&n) => n,
                _ => return Err(Invalid::new("duration_minutes", "invalid_walk_duration").into()),
            },
        };
        let meeting_point = walk::line("meeting_point", &input.meeting_point, 300)?;
        let description = walk::optional_text("description", &input.description, 4000)?;
        let capacity = walk::capacity(&input.capacity)?;
        let stops = parse_stops(&input.stops)?;
        let mut organisers = input.organisers.clone();
        if let Some(a) = caller.actor() {
            organisers.push(a.user.id);
        }
        for u in &organisers {
            self.db
                .user(*u)
                .await?
                .ok_or(Invalid::new("organisers", "unknown_organiser"))?;
        }
        for (o, u) in &input.invitations {
            self.db
                .organisation(*o)
                .await?
                .ok_or(Invalid::new("invitations", "unknown_organisation"))?;
            if let Some(u) = u {
                let unit = self
                    .db
                    .unit(*u)
                    .await?
                    .ok_or(Invalid::new("invitations", "unknown_unit"))?;
                if unit.organisation_id != *o {
                    return Err(Invalid::new("invitations", "unknown_unit").into());
                }
            }
        }
        Ok(NewWalk {
            title,
            area_id,
            starts_at,
            ends_at: starts_at.plus_seconds(minutes * 60),
            after_dark: input.after_dark,
            meeting_point,
            description,
            capacity,
            signup_open: input.signup_open,
            previous_walk_id: previous,
            created_by: caller.actor().map(|a| a.user.id),
            created_at: now,
            stops,
            organisers,
            invitations: input.invitations.clone(),
        })
    }

    /// Changes a planned walk: time, after dark, area, route, organisers, invitations
    /// and the sign-up cap (not below those signed up already). Stops keep their ids by
    /// position; a stop with observations cannot be removed. Audited with each changed
    /// field before and after.
    pub async fn edit_walk(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: WalkId,
        input: WalkInput,
    ) -> Result<()> {
        caller.require(Action::PlanWalks)?;
        let old = self.db.walk(id).await?.ok_or(Error::NotFound)?;
        if old.status != WalkStatus::Planned.code() {
            return Err(Error::Refused("walk_not_planned"));
        }
        let now = self.clock.now();
        let new = self
            .new_walk(caller, &input, now, old.previous_walk_id)
            .await?;
        if new.capacity < old.participants {
            return Err(Invalid::new("capacity", "capacity_below_signups").into());
        }
        let old_stops = self.db.walk_stops(id).await?;
        let stops = if stops_text(&old_stops) == stops_text_of(&new.stops) {
            None
        } else {
            let observed: Vec<StopId> = self
                .db
                .observations(id)
                .await?
                .iter()
                .filter_map(|o| o.stop_id)
                .collect();
            if old_stops
                .iter()
                .skip(new.stops.len())
                .any(|s| observed.contains(&s.id))
            {
                return Err(Invalid::new("stops", "stop_has_observations").into());
            }
            Some(new.stops.clone())
        };
        let old_organisers: Vec<i64> = self
            .db
            .walk_organisers(id)
            .await?
            .iter()
            .map(|o| o.user_id.0)
            .collect();
        let mut changes = serde_json::Map::new();
        let mut note = |field: &str, before: serde_json::Value, after: serde_json::Value| {
            if before != after {
                changes.insert(field.into(), json!([before, after]));
            }
        };
        note("title", json!(old.title), json!(new.title));
        note(
            "area_id",
            json!(old.area_id.map(|a| a.0)),
            json!(new.area_id.map(|a| a.0)),
        );
        note("starts_at", json!(old.starts_at.0), json!(new.starts_at.0));
        note("ends_at", json!(old.ends_at.0), json!(new.ends_at.0));
        note("after_dark", json!(old.after_dark), json!(new.after_dark));
        note(
            "meeting_point",
            json!(old.meeting_point),
            json!(new.meeting_point),
        );
        note(
            "description",
            json!(old.description),
            json!(new.description),
        );
        note("capacity", json!(old.capacity), json!(new.capacity));
        if let Some(st) = &stops {
            note("stops", json!(old_stops.len()), json!(st.len()));
        }
        let mut new_organisers: Vec<i64> = new.organisers.iter().map(|u| u.0).collect();
        new_organisers.sort();
        new_organisers.dedup();
        let mut sorted_old = old_organisers.clone();
        sorted_old.sort();
        note("organisers", json!(sorted_old), json!(new_organisers));
        let audit = draft(
            caller,
            meta,
            now,
            "walk_edited",
            "walk",
            Some(id.to_string()),
            json!({ "changes": changes }),
        );
        let c = WalkChanges {
            title: new.title,
            area_id: new.area_id,
            starts_at: new.starts_at,
            ends_at: new.ends_at,
            after_dark: new.after_dark,
            meeting_point: new.meeting_point,
            description: new.description,
            capacity: new.capacity,
            stops,
            organisers: new.organisers,
            invitations: new.invitations,
        };
        Ok(self.db.update_walk(id, &c, audit).await?)
    }

    /// Every walk, for the coordinators and the answering units.
    pub async fn walks(&self, caller: &Caller) -> Result<Vec<WalkRow>> {
        if caller.require(Action::PlanWalks).is_err() {
            caller.require(Action::AnswerWalkProposals)?;
        }
        Ok(self.db.walks(None).await?)
    }

    /// The proposals routed to the caller's unit, across walks (the handläggare's list).
    pub async fn my_walk_proposals(&self, caller: &Caller) -> Result<Vec<ProposalView>> {
        caller.require(Action::AnswerWalkProposals)?;
        let Some(unit) = caller.actor().and_then(|a| a.user.unit_id) else {
            return Ok(Vec::new());
        };
        let today = self.walk_today();
        Ok(self
            .db
            .proposals_for_unit(unit)
            .await?
            .into_iter()
            .map(|p| ProposalView {
                status: status_of(&p, today),
                owner: owner_name(&p),
                row: p,
            })
            .collect())
    }

    /// One walk with its protocol. Participants only for those who plan walks, and
    /// that read is audited.
    pub async fn walk_detail(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: WalkId,
    ) -> Result<WalkDetail> {
        let can_edit = caller.require(Action::PlanWalks).is_ok();
        if !can_edit {
            caller.require(Action::AnswerWalkProposals)?;
        }
        let w = self.db.walk(id).await?.ok_or(Error::NotFound)?;
        let today = self.walk_today();
        let stops = self.db.walk_stops(id).await?;
        let proposals = self.db.proposals(id).await?;
        let observations = self.db.observations(id).await?;
        let participants = if can_edit {
            let list = self.db.participants(id).await?;
            if !list.is_empty() {
                self.db
                    .append_audit(draft(
                        caller,
                        meta,
                        self.clock.now(),
                        "walk_participants_read",
                        "walk",
                        Some(id.to_string()),
                        json!({ "participants": list.len() }),
                    ))
                    .await?;
            }
            Some(list)
        } else {
            None
        };
        Ok(WalkDetail {
            status: WalkStatus::parse(&w.status).unwrap_or(WalkStatus::Planned),
            follow_up: follow_up_of(&w, &proposals, today),
            groups: group(&stops, observations, &proposals, today),
            organisers: self.db.walk_organisers(id).await?,
            invitations: self.db.walk_invitations(id).await?,
            owners: if can_edit {
                self.db.external_owners(id).await?
            } else {
                Vec::new()
            },
            stops,
            participants,
            can_edit,
            walk: w,
        })
    }

    /// The published protocols (newest first), for the public list.
    pub async fn published_walks(&self) -> Result<Vec<(PublicWalk, FollowUp)>> {
        let today = self.walk_today();
        let mut out = Vec::new();
        for w in self.db.walks(Some(WalkStatus::Published.code())).await? {
            let proposals = self.db.proposals(w.id).await?;
            out.push((PublicWalk::of(&w), follow_up_of(&w, &proposals, today)));
        }
        Ok(out)
    }

    /// Planned walks with open sign-up, soonest first, for the public list.
    pub async fn open_walks(&self) -> Result<Vec<PublicWalk>> {
        let now = self.clock.now();
        let mut list: Vec<PublicWalk> = self
            .db
            .walks(Some(WalkStatus::Planned.code()))
            .await?
            .iter()
            .filter(|w| w.signup_open && w.starts_at > now)
            .map(PublicWalk::of)
            .collect();
        list.sort_by_key(|w| w.starts_at);
        Ok(list)
    }

    /// A walk as the public may see it: a published protocol, or a planned walk open
    /// for sign-up. Anything else is `NotFound`.
    pub async fn public_walk(&self, id: WalkId) -> Result<PublicProtocol> {
        let w = self.db.walk(id).await?.ok_or(Error::NotFound)?;
        let status = WalkStatus::parse(&w.status).unwrap_or(WalkStatus::Planned);
        let stops = self.db.walk_stops(id).await?;
        match status {
            WalkStatus::Published => {
                let today = self.walk_today();
                let proposals = self.db.proposals(id).await?;
                let observations = self.db.observations(id).await?;
                Ok(PublicProtocol {
                    follow_up: Some(follow_up_of(&w, &proposals, today)),
                    groups: group(&stops, observations, &proposals, today),
                    walk: PublicWalk::of(&w),
                    stops,
                    places_left: None,
                })
            }
            WalkStatus::Planned if w.signup_open => Ok(PublicProtocol {
                places_left: Some((w.capacity - w.participants).max(0)),
                walk: PublicWalk::of(&w),
                stops,
                groups: Vec::new(),
                follow_up: None,
            }),
            _ => Err(Error::NotFound),
        }
    }

    /// The calendar file of a walk the public may see.
    pub async fn walk_calendar(&self, id: WalkId, base_url: &str) -> Result<String> {
        let p = self.public_walk(id).await?;
        let uid = format!("walk-{}@trygg", id);
        let url = format!("{}/public/walks/{id}", base_url.trim_end_matches('/'));
        let description = p.walk.description.clone().unwrap_or_default();
        Ok(CalendarEvent {
            uid: &uid,
            summary: &p.walk.title,
            description: &description,
            location: &p.walk.meeting_point,
            starts: p.walk.starts_at,
            ends: p.walk.ends_at,
            stamp: self.clock.now(),
            url: Some(&url),
        }
        .to_ics())
    }

    /// Public sign-up, no account. Refused when full (`walk_full`) or closed
    /// (`signup_closed`); signing up twice with one address changes nothing. The
    /// confirmation goes out through the e-mail outbox with the calendar link.
    pub async fn sign_up_for_walk(
        &self,
        meta: &RequestMeta,
        id: WalkId,
        input: SignUpInput,
        base_url: &str,
    ) -> Result<SignedUp> {
        let name = walk::line("name", &input.name, 100)?;
        let email = Email::parse(&input.email)?;
        let group = ParticipantGroup::parse(&input.group)?;
        let w = self.db.walk(id).await?.ok_or(Error::NotFound)?;
        if w.status != WalkStatus::Planned.code() || !w.signup_open {
            return Err(Error::Refused("signup_closed"));
        }
        let now = self.clock.now();
        // No name or address in the audit detail: the log outlives the sign-up.
        let audit = draft(
            &Caller::Anonymous,
            meta,
            now,
            "walk_signed_up",
            "walk",
            Some(id.to_string()),
            json!({ "group": group.map(|g| g.code()) }),
        );
        let new = NewParticipant {
            name: name.clone(),
            email: email.as_str().to_owned(),
            group: group.map(|g| g.code().to_owned()),
            at: now,
        };
        let base = base_url.trim_end_matches('/');
        let body = format!(
            "Hej {name}!\n\nDu är anmäld till trygghetsvandringen \"{title}\".\n\n\
             När: {when}\nSamling: {place}\n\nLägg till i din kalender: {base}/public/walks/{id}/kalender.ics\n\
             Mer information: {base}/public/walks/{id}\n\n\
             Kan du inte komma? Svara på det här meddelandet så lämnar vi platsen till någon annan.\n\n\
             Dina uppgifter används bara för den här vandringen och visas aldrig offentligt.\n",
            title = w.title,
            when = w.starts_at.local_display(),
            place = w.meeting_point,
        );
        let confirmation = NewEmail {
            dedupe_key: Some(format!("walk-{id}-signup-{}", email.as_str())),
            kind: "walk_signup".into(),
            measure_id: None,
            recipients: vec![email.as_str().to_owned()],
            subject: format!("Anmälan: {}", w.title),
            body,
            at: now,
        };
        // The confirmation is queued in the sign-up's transaction, and only for a new one.
        match self.db.sign_up(id, &new, &confirmation, audit).await? {
            SignUp::Added(_) => Ok(SignedUp::New),
            SignUp::AlreadySignedUp(_) => Ok(SignedUp::Already),
            SignUp::Full => Err(Error::Refused("walk_full")),
            SignUp::Closed => Err(Error::Refused("signup_closed")),
        }
    }

    /// The one place walk e-mail leaves through: the outbox of the measures module.
    async fn send_email(&self, email: NewEmail) -> Result<()> {
        self.db.enqueue_emails(&[email]).await?;
        Ok(())
    }

    /// Opens or closes sign-up.
    pub async fn set_walk_signup(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: WalkId,
        open: bool,
    ) -> Result<()> {
        caller.require(Action::PlanWalks)?;
        let audit = draft(
            caller,
            meta,
            self.clock.now(),
            "walk_signup_changed",
            "walk",
            Some(id.to_string()),
            json!({ "open": open }),
        );
        Ok(self.db.set_signup_open(id, open, audit).await?)
    }

    /// Moves a walk on: `walked` once it took place, `published` to make the protocol
    /// public (every proposal must have an owner first: citizens complain when nobody
    /// answers), or back to `walked` to withdraw it.
    pub async fn set_walk_status(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: WalkId,
        status: &str,
    ) -> Result<()> {
        caller.require(Action::PlanWalks)?;
        let status = WalkStatus::parse(status)?;
        let w = self.db.walk(id).await?.ok_or(Error::NotFound)?;
        if status == WalkStatus::Published {
            let proposals = self.db.proposals(id).await?;
            if proposals
                .iter()
                .any(|p| p.owner_unit_id.is_none() && p.owner_external_id.is_none())
            {
                return Err(Error::Refused("walk_unrouted_proposals"));
            }
        }
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "walk_status_changed",
            "walk",
            Some(id.to_string()),
            json!({ "from": w.status, "to": status.code() }),
        );
        Ok(self
            .db
            .set_walk_status(id, status.code(), now, audit)
            .await?)
    }

    /// Records an observation with its photos and proposed measures. A repeated POST
    /// with the same key is a no-op that returns the first observation (`false`).
    pub async fn record_observation(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: WalkId,
        input: ObservationInput,
    ) -> Result<(ObservationId, bool)> {
        caller.require(Action::PlanWalks)?;
        self.db.walk(id).await?.ok_or(Error::NotFound)?;
        let key = match input.idempotency_key.trim() {
            "" => None,
            k => Some(IdempotencyKey::parse(k)?),
        };
        let stops = self.db.walk_stops(id).await?;
        let stop_id = match input.stop.trim() {
            "" => None,
            s => {
                let sid = s
                    .parse::<StopId>()
                    .map_err(|_| Invalid::new("stop", "unknown_stop"))?;
                if !stops.iter().any(|x| x.id == sid) {
                    return Err(Invalid::new("stop", "unknown_stop").into());
                }
                Some(sid)
            }
        };
        let position = match (input.lat.trim(), input.lon.trim()) {
            ("", "") => None,
            (lat, lon) => {
                let bad = || Error::Invalid(Invalid::new("position", "invalid_walk_position"));
                let p = Wgs84::new(
                    lat.parse().map_err(|_| bad())?,
                    lon.parse().map_err(|_| bad())?,
                )
                .map_err(|_| bad())?;
                if !p.plausible_in_sweden() {
                    return Err(Invalid::new("position", "position_outside_sweden").into());
                }
                Some((p.lat(), p.lon()))
            }
        };
        let place_text = walk::optional_text("place_text", &input.place_text, 300)?;
        if stop_id.is_none() && position.is_none() && place_text.is_none() {
            return Err(Invalid::new("stop", "observation_place_required").into());
        }
        let problem = ProblemType::parse(&input.problem)?;
        let description = trygg_domain::incident::Description::parse(&input.description)?;
        let (masked, counts) = personal_data::mask(description.as_str());
        let mut proposals = Vec::new();
        for p in &input.proposals {
            if let Some(text) = walk::optional_text("proposals", p, 2000)? {
                // Proposals are published: they are masked like descriptions.
                proposals.push(personal_data::mask(&text).0);
            }
        }
        let limits = PhotoLimits::default();
        limits.check_count(input.photos.len())?;
        let uploads = input.photos;
        let photos = tokio::task::spawn_blocking(move || {
            uploads
                .iter()
                .map(|b| CleanPhoto::parse(b, &limits))
                .collect::<std::result::Result<Vec<_>, Invalid>>()
        })
        .await
        .map_err(|e| Error::Internal(format!("photo task: {e}")))??;
        let pii: serde_json::Map<String, serde_json::Value> = counts
            .nonzero()
            .into_iter()
            .map(|(k, n)| (k.to_owned(), json!(n)))
            .collect();
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "walk_observation_recorded",
            "walk_observation",
            None,
            json!({ "walk": id.0, "photos": photos.len(), "proposals": proposals.len(),
                    "personal_data_found": pii }),
        );
        let new = NewObservation {
            walk_id: id,
            stop_id,
            position,
            place_text,
            problem: problem.code().to_owned(),
            description: masked,
            pii_found: serde_json::Value::Object(pii).to_string(),
            recorded_by: caller.actor().map(|a| a.user.id),
            recorded_at: now,
            idempotency_key: key.map(|k| k.as_str().to_owned()),
            photos: photos
                .iter()
                .map(|p| NewWalkPhoto {
                    content_type: p.content_type().content_type().to_owned(),
                    width: i64::from(p.width()),
                    height: i64::from(p.height()),
                    sha256: p.sha256().to_owned(),
                    bytes: p.bytes().to_vec(),
                    thumb: p.thumb().to_vec(),
                })
                .collect(),
            proposals,
        };
        Ok(self.db.add_observation(&new, audit).await?)
    }

    /// A photo of a walk, for those who plan or answer walks (photos may show people,
    /// so they are not published); every read audited.
    pub async fn walk_photo(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: trygg_domain::walk::WalkPhotoId,
    ) -> Result<WalkPhotoRow> {
        if caller.require(Action::PlanWalks).is_err() {
            caller.require(Action::AnswerWalkProposals)?;
        }
        let photo = self.db.walk_photo(id).await?.ok_or(Error::NotFound)?;
        self.db
            .append_audit(draft(
                caller,
                meta,
                self.clock.now(),
                "walk_photo_read",
                "walk_photo",
                Some(id.to_string()),
                json!({ "walk": photo.walk_id.0 }),
            ))
            .await?;
        Ok(photo)
    }

    /// Routes a proposal to a unit, to an external owner (by name and e-mail), or to
    /// nobody. A new owner answers anew.
    pub async fn route_walk_proposal(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: ProposalId,
        route: RouteInput,
    ) -> Result<()> {
        caller.require(Action::PlanWalks)?;
        let p = self.db.proposal(id).await?.ok_or(Error::NotFound)?;
        let now = self.clock.now();
        let (route, detail) = match route {
            RouteInput::Unit(u) => {
                self.db
                    .unit(u)
                    .await?
                    .ok_or(Invalid::new("unit", "unknown_unit"))?;
                (Route::Unit(u), json!({ "unit": u.0 }))
            }
            RouteInput::External { name, email } => {
                let name = walk::line("owner_name", &name, 200)?;
                let email =
                    Email::parse(&email).map_err(|e| Invalid::new("owner_email", e.code))?;
                let audit = draft(
                    caller,
                    meta,
                    now,
                    "walk_owner_added",
                    "walk",
                    Some(p.walk_id.to_string()),
                    json!({ "name": name }),
                );
                let owner = self
                    .db
                    .upsert_external_owner(p.walk_id, &name, email.as_str(), audit)
                    .await?;
                (Route::External(owner), json!({ "external_owner": owner.0 }))
            }
            RouteInput::Nobody => (Route::Nobody, json!({})),
        };
        let audit = draft(
            caller,
            meta,
            now,
            "walk_proposal_routed",
            "walk_proposal",
            Some(id.to_string()),
            detail,
        );
        Ok(self.db.route_proposal(id, route, audit).await?)
    }

    /// E-mails every external owner of a walk a fresh answer link (the old one stops
    /// working) and tells the units that proposals wait for them. Returns how many
    /// owners got a link.
    pub async fn send_walk_requests(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: WalkId,
        base_url: &str,
    ) -> Result<usize> {
        caller.require(Action::PlanWalks)?;
        let w = self.db.walk(id).await?.ok_or(Error::NotFound)?;
        let proposals = self.db.proposals(id).await?;
        let mut sent = 0;
        for owner in self.db.external_owners(id).await? {
            let theirs = proposals
                .iter()
                .filter(|p| p.owner_external_id == Some(owner.id))
                .count();
            if theirs == 0 {
                continue;
            }
            self.send_owner_link(caller, meta, &w, &owner, theirs, base_url, false)
                .await?;
            sent += 1;
        }
        let mut units: Vec<UnitId> = proposals.iter().filter_map(|p| p.owner_unit_id).collect();
        units.sort();
        units.dedup();
        for u in units {
            self.notify_unit(&w, u, base_url, "walk_request").await?;
        }
        Ok(sent)
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_owner_link(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        w: &WalkRow,
        owner: &ExternalOwnerRow,
        items: usize,
        base_url: &str,
        reminder: bool,
    ) -> Result<()> {
        let now = self.clock.now();
        let (hash, expires, email) = self.owner_link_email(w, owner, items, base_url, reminder);
        let audit = draft(
            caller,
            meta,
            now,
            "walk_owner_link_issued",
            "walk",
            Some(w.id.to_string()),
            json!({ "external_owner": owner.id.0, "reminder": reminder }),
        );
        // The link and the e-mail carrying it in one transaction: no e-mail with a link
        // that was never stored, no stored link whose e-mail is lost.
        self.db
            .set_owner_token(owner.id, &hash, expires, &[email], audit)
            .await?;
        Ok(())
    }

    /// A fresh answer link for an external owner: the token's hash to store, its
    /// expiry, and the e-mail that carries the token (which is kept nowhere else).
    fn owner_link_email(
        &self,
        w: &WalkRow,
        owner: &ExternalOwnerRow,
        items: usize,
        base_url: &str,
        reminder: bool,
    ) -> (String, Instant, NewEmail) {
        let token = secret::random_token();
        let now = self.clock.now();
        let expires = now.plus_seconds(walk::ANSWER_LINK_DAYS * 86_400);
        let link = format!(
            "{}/public/walks/svar/{token}",
            base_url.trim_end_matches('/')
        );
        let intro = if reminder {
            "Påminnelse: vi har ännu inte fått ert svar på förslagen från trygghetsvandringen"
        } else {
            "Under trygghetsvandringen"
        };
        let body = format!(
            "Hej {name}!\n\n{intro} \"{title}\" ({when}) lämnades {items} förslag som gäller platser ni ansvarar för.\n\n\
             Svara på varje förslag – vi gör det, och när / vi gör det inte, och varför / det är redan gjort – via länken:\n{link}\n\n\
             Länken gäller till {until} och visar bara era förslag. Svaren publiceras i protokollet.\n",
            name = owner.name,
            title = w.title,
            when = w.starts_at.local_display(),
            until = expires.local_display(),
        );
        let email = NewEmail {
            dedupe_key: None,
            kind: if reminder {
                "walk_reminder"
            } else {
                "walk_request"
            }
            .into(),
            measure_id: None,
            recipients: vec![owner.email.clone()],
            subject: format!("Förslag från trygghetsvandringen: {}", w.title),
            body,
            at: now,
        };
        (secret::token_hash(&token), expires, email)
    }

    /// The e-mail telling a unit's handläggare that proposals wait for their answer;
    /// `None` when the unit has nobody to tell.
    async fn unit_email(
        &self,
        w: &WalkRow,
        unit: UnitId,
        base_url: &str,
        kind: &str,
    ) -> Result<Option<NewEmail>> {
        let recipients: Vec<String> = self
            .db
            .users()
            .await?
            .into_iter()
            .filter(|u| {
                u.unit_id == Some(unit)
                    && !u.disabled
                    && trygg_domain::policy::allows(&u.roles, Action::AnswerWalkProposals)
            })
            .map(|u| u.email)
            .collect();
        if recipients.is_empty() {
            return Ok(None);
        }
        Ok(Some(NewEmail {
            dedupe_key: None,
            kind: kind.into(),
            measure_id: None,
            recipients,
            subject: format!("Förslag att besvara: {}", w.title),
            body: format!(
                "Förslag från trygghetsvandringen \"{}\" väntar på er enhets svar:\n{}/walks/{}\n",
                w.title,
                base_url.trim_end_matches('/'),
                w.id
            ),
            at: self.clock.now(),
        }))
    }

    /// Tells a unit's handläggare that proposals wait for their answer (no write goes
    /// with this request, so it is queued on its own).
    async fn notify_unit(
        &self,
        w: &WalkRow,
        unit: UnitId,
        base_url: &str,
        kind: &str,
    ) -> Result<()> {
        if let Some(e) = self.unit_email(w, unit, base_url, kind).await? {
            self.send_email(e).await?;
        }
        Ok(())
    }

    /// A handläggare's (or coordinator's) answer in the UI. Out of the caller's unit:
    /// `NotFound`.
    pub async fn answer_walk_proposal(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: ProposalId,
        input: AnswerInput,
    ) -> Result<()> {
        let p = self.reachable_proposal(caller, id).await?;
        let answer = Answer::parse(&input.answer, &input.due, &input.reason, self.walk_today())?;
        self.store_answer(
            caller,
            meta,
            &p,
            &answer,
            caller.actor().map(|a| a.user.id),
            "ui",
        )
        .await
    }

    /// Marks a promised proposal done (or not done).
    pub async fn set_walk_proposal_done(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        id: ProposalId,
        done: bool,
    ) -> Result<()> {
        let p = self.reachable_proposal(caller, id).await?;
        if p.answer.as_deref() != Some("will_do") {
            return Err(Error::Refused("proposal_not_promised"));
        }
        if let Some(m) = p.measure_id {
            // The measure carries the progress: done is its completion (undoing that is
            // the coordinator's send-back on the measure).
            if !done {
                return Err(Error::Refused(trygg_domain::measure::ILLEGAL_TRANSITION));
            }
            let evidence = Note::parse(
                "evidence",
                "Markerat som klart i protokollet från trygghetsvandringen.",
            )?;
            self.transition_measure(
                caller,
                meta,
                MeasureId(m),
                Transition::Complete { evidence },
                None,
            )
            .await?;
            return Ok(());
        }
        let now = self.clock.now();
        let audit = draft(
            caller,
            meta,
            now,
            "walk_proposal_done",
            "walk_proposal",
            Some(id.to_string()),
            json!({ "done": done }),
        );
        Ok(self
            .db
            .set_proposal_done(id, done.then_some(now), audit)
            .await?)
    }

    /// The proposal if the caller may answer it: any for coordinators, their own
    /// unit's for handläggare.
    async fn reachable_proposal(&self, caller: &Caller, id: ProposalId) -> Result<ProposalRow> {
        let grant = caller.require(Action::AnswerWalkProposals)?;
        let p = self.db.proposal(id).await?.ok_or(Error::NotFound)?;
        match grant {
            Grant::Any => Ok(p),
            Grant::OwnUnit => {
                let unit = caller.actor().and_then(|a| a.user.unit_id);
                if unit.is_some() && p.owner_unit_id == unit {
                    Ok(p)
                } else {
                    Err(Error::NotFound)
                }
            }
            _ => Err(Error::NotFound),
        }
    }

    async fn store_answer(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        p: &ProposalRow,
        answer: &Answer,
        by: Option<UserId>,
        via: &'static str,
    ) -> Result<()> {
        let now = self.clock.now();
        let (due, reason) = match answer {
            Answer::WillDo { due } => (Some(due.to_string()), None),
            Answer::WillNotDo { reason } => (None, Some(personal_data::mask(reason).0)),
            Answer::AlreadyDone => (None, None),
        };
        let audit = draft(
            caller,
            meta,
            now,
            "walk_proposal_answered",
            "walk_proposal",
            Some(p.id.to_string()),
            json!({ "answer": answer.code(), "via": via, "due": due }),
        );
        let record = AnswerRecord {
            answer: answer.code().to_owned(),
            due,
            reason,
            by,
            via,
            at: now,
        };
        let measure = self.measure_for_answer(caller, meta, p, answer).await?;
        self.db
            .answer_proposal(p.id, &record, measure, audit)
            .await?;
        Ok(())
    }

    /// The measure a "will do" by a unit becomes: owned by that unit, due on the
    /// promised date, already accepted (the answer is the unit's acceptance), linked to
    /// the proposal. `None` for other answers, for external owners (they have no
    /// measures in Trygg; their answer carries the progress) and when the proposal has
    /// a measure already.
    async fn measure_for_answer(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        p: &ProposalRow,
        answer: &Answer,
    ) -> Result<Option<ProposalMeasure>> {
        let (Answer::WillDo { due }, Some(unit_id), None) = (answer, p.owner_unit_id, p.measure_id)
        else {
            return Ok(None);
        };
        let unit = self.db.unit(unit_id).await?.ok_or(Error::NotFound)?;
        let w = self.db.walk(p.walk_id).await?.ok_or(Error::NotFound)?;
        let problem = self
            .db
            .observations(p.walk_id)
            .await?
            .into_iter()
            .find(|o| o.id == p.observation_id)
            .map(|o| o.problem)
            .unwrap_or_default();
        let now = self.clock.now();
        let actor = caller.actor().map(|a| a.user.id);
        let first_line = p.text.lines().next().unwrap_or_default().trim();
        let title = clip(
            if first_line.is_empty() {
                "Förslag"
            } else {
                first_line
            },
            200,
        );
        let description = clip(
            &format!(
                "Förslag från trygghetsvandringen \"{}\" ({}): {}",
                w.title,
                w.starts_at.local_display(),
                p.text
            ),
            Note::MAX_CHARS,
        );
        let due = due.to_string();
        let step = |action: &str,
                    from: Option<MeasureStatus>,
                    to: MeasureStatus,
                    changes: serde_json::Value| NewHistory {
            at: now,
            actor_user_id: actor,
            action: action.into(),
            from_status: from.map(|f| f.code().into()),
            to_status: to.code().into(),
            changes: changes.to_string(),
            note: None,
        };
        let history = vec![
            step("created", None, MeasureStatus::Proposed, json!({})),
            step(
                "assign",
                Some(MeasureStatus::Proposed),
                MeasureStatus::Assigned,
                json!({ "owner_unit_id": [null, unit_id.0] }),
            ),
            step(
                "accept",
                Some(MeasureStatus::Assigned),
                MeasureStatus::Accepted,
                json!({ "planned_date": [null, due] }),
            ),
        ];
        let audit = draft(
            caller,
            meta,
            now,
            "measure_created",
            "measure",
            None,
            json!({ "status": MeasureStatus::Accepted.code(), "unit": unit_id.0,
                    "walk_proposal": p.id.0 }),
        );
        Ok(Some(ProposalMeasure {
            measure: NewMeasure {
                values: MeasureValues {
                    title,
                    description,
                    kind: measure_kind(&problem).into(),
                    cause: None,
                    status: MeasureStatus::Accepted.code().into(),
                    sharing: "partners".into(),
                    owner_organisation_id: Some(unit.organisation_id),
                    owner_unit_id: Some(unit_id),
                    responsible_user_id: None,
                    due_date: Some(due.clone()),
                    planned_date: Some(due),
                    cost_sek: None,
                    status_reason: None,
                    evidence: None,
                    completed_at: None,
                    confirmed_at: None,
                    control_area_id: w.area_id,
                },
                proposed_by: actor,
                at: now,
                links: Vec::new(),
                co_owners: Vec::new(),
            },
            history,
            audit,
        }))
    }

    /// The external owner behind a link token, if the token is known and not expired.
    async fn owner_by_token(&self, token: &str) -> Result<ExternalOwnerRow> {
        // Only well-formed tokens reach the database; all failures look alike.
        if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::NotFound);
        }
        let owner = self
            .db
            .external_owner_by_token(&secret::token_hash(token))
            .await?
            .ok_or(Error::NotFound)?;
        match owner.token_expires_at {
            Some(t) if t > self.clock.now() => Ok(owner),
            _ => Err(Error::Refused("link_expired")),
        }
    }

    /// What an external owner sees through their link: their proposals of that walk.
    pub async fn owner_view(&self, token: &str) -> Result<OwnerView> {
        let owner = self.owner_by_token(token).await?;
        let w = self.db.walk(owner.walk_id).await?.ok_or(Error::NotFound)?;
        let today = self.walk_today();
        let stops = self.db.walk_stops(w.id).await?;
        let observations = self.db.observations(w.id).await?;
        let proposals: Vec<ProposalView> = self
            .db
            .proposals(w.id)
            .await?
            .into_iter()
            .filter(|p| p.owner_external_id == Some(owner.id))
            .map(|p| ProposalView {
                status: status_of(&p, today),
                owner: owner_name(&p),
                row: p,
            })
            .collect();
        let with_context = proposals
            .into_iter()
            .map(|pv| {
                let obs = observations.iter().find(|o| o.id == pv.row.observation_id);
                let place = obs.and_then(|o| {
                    o.stop_id
                        .and_then(|s| stops.iter().find(|x| x.id == s).map(|x| x.name.clone()))
                        .or_else(|| o.place_text.clone())
                });
                let what = obs.map(|o| o.description.clone()).unwrap_or_default();
                (pv, place, what)
            })
            .collect();
        Ok(OwnerView {
            walk: PublicWalk::of(&w),
            owner,
            items: Vec::new(),
            proposals: with_context,
        })
    }

    /// An external owner's answer through their link: only their own proposals of that
    /// walk; any other is `NotFound`.
    pub async fn answer_by_link(
        &self,
        meta: &RequestMeta,
        token: &str,
        id: ProposalId,
        input: AnswerInput,
    ) -> Result<()> {
        let owner = self.owner_by_token(token).await?;
        let p = self.db.proposal(id).await?.ok_or(Error::NotFound)?;
        if p.owner_external_id != Some(owner.id) || p.walk_id != owner.walk_id {
            return Err(Error::NotFound);
        }
        let answer = Answer::parse(&input.answer, &input.due, &input.reason, self.walk_today())?;
        self.store_answer(&Caller::Anonymous, meta, &p, &answer, None, "link")
            .await
    }

    /// Reminds the owners of proposals routed at least [`REMIND_AFTER_DAYS`] ago and
    /// still unanswered (external owners get a fresh link); each proposal at most once
    /// per period, even with several instances running this at once: the store claims
    /// each proposal with a conditional update and queues the e-mail in that same
    /// transaction, so the instance that loses the race sends nothing. Called by the
    /// e-mail sender every round. Returns how many proposals were reminded about.
    pub async fn remind_walk_owners(&self, base_url: &str) -> Result<usize> {
        let now = self.clock.now();
        let before = now.minus_seconds(REMIND_AFTER_DAYS * 86_400);
        let due = self.db.proposals_to_remind(before).await?;
        if due.is_empty() {
            return Ok(0);
        }
        let caller = Caller::System;
        let meta = RequestMeta::cli();
        let mut walks: Vec<WalkId> = due.iter().map(|p| p.walk_id).collect();
        walks.sort();
        walks.dedup();
        let mut batches = Vec::new();
        for wid in walks {
            let Some(w) = self.db.walk(wid).await? else {
                continue;
            };
            let here: Vec<&ProposalRow> = due.iter().filter(|p| p.walk_id == wid).collect();
            for o in self.db.external_owners(wid).await? {
                let theirs: Vec<ProposalId> = here
                    .iter()
                    .filter(|p| p.owner_external_id == Some(o.id))
                    .map(|p| p.id)
                    .collect();
                if theirs.is_empty() {
                    continue;
                }
                let (hash, expires, email) =
                    self.owner_link_email(&w, &o, theirs.len(), base_url, true);
                batches.push(ReminderBatch {
                    proposals: theirs,
                    owner_token: Some((o.id, hash, expires)),
                    email,
                });
            }
            let mut units: Vec<UnitId> = here.iter().filter_map(|p| p.owner_unit_id).collect();
            units.sort();
            units.dedup();
            for u in units {
                let theirs: Vec<ProposalId> = here
                    .iter()
                    .filter(|p| p.owner_unit_id == Some(u))
                    .map(|p| p.id)
                    .collect();
                // A unit without handläggare is still marked, so it is not retried
                // every round; the coordinators see it unanswered in the protocol.
                let email = self
                    .unit_email(&w, u, base_url, "walk_reminder")
                    .await?
                    .unwrap_or(NewEmail {
                        dedupe_key: None,
                        kind: "walk_reminder".into(),
                        measure_id: None,
                        recipients: Vec::new(),
                        subject: String::new(),
                        body: String::new(),
                        at: now,
                    });
                batches.push(ReminderBatch {
                    proposals: theirs,
                    owner_token: None,
                    email,
                });
            }
        }
        let audit = draft(
            &caller,
            &meta,
            now,
            "walk_owners_reminded",
            "walk_proposal",
            None,
            json!({ "proposals": due.iter().map(|p| p.id.0).collect::<Vec<_>>() }),
        );
        Ok(self
            .db
            .claim_reminders(before, now, &batches, audit)
            .await?)
    }

    /// A re-walk: a new planned walk over the previous one's places that still have
    /// open proposals, each stop noting what was promised there.
    pub async fn plan_rewalk(
        &self,
        caller: &Caller,
        meta: &RequestMeta,
        previous: WalkId,
        starts_at: &str,
    ) -> Result<WalkId> {
        caller.require(Action::PlanWalks)?;
        let old = self.db.walk(previous).await?.ok_or(Error::NotFound)?;
        let today = self.walk_today();
        let stops = self.db.walk_stops(previous).await?;
        let proposals = self.db.proposals(previous).await?;
        let observations = self.db.observations(previous).await?;
        let groups = group(&stops, observations, &proposals, today);
        let mut new_stops = Vec::new();
        for g in &groups {
            let open: Vec<String> = g
                .observations
                .iter()
                .flat_map(|o| o.proposals.iter())
                .filter(|p| p.status.is_open())
                .map(|p| {
                    let who = p.owner.clone().unwrap_or_else(|| "–".into());
                    format!("{} ({who})", p.row.text)
                })
                .collect();
            if open.is_empty() {
                continue;
            }
            let (name, position, place_id) = match &g.stop {
                Some(s) => (s.name.clone(), s.position, s.place_id),
                None => ("Övriga platser".to_owned(), None, None),
            };
            new_stops.push(NewStop {
                name,
                position,
                place_id,
                note: Some(format!("Öppet sedan förra vandringen: {}", open.join("; "))),
            });
        }
        if new_stops.is_empty() {
            return Err(Error::Refused("no_open_items"));
        }
        let input = WalkInput {
            title: format!("Återvandring: {}", old.title),
            area: old.area_id.map(|a| a.to_string()).unwrap_or_default(),
            starts_at: starts_at.to_owned(),
            duration_minutes: (old.ends_at.seconds_since(old.starts_at) / 60).to_string(),
            after_dark: old.after_dark,
            meeting_point: old.meeting_point.clone(),
            description: format!(
                "Vi går tillbaka och ser vad som hänt med förslagen från {}.",
                old.starts_at.local_display()
            ),
            capacity: old.capacity.to_string(),
            signup_open: true,
            stops: String::new(),
            organisers: self
                .db
                .walk_organisers(previous)
                .await?
                .iter()
                .map(|o| o.user_id)
                .collect(),
            invitations: self
                .db
                .walk_invitations(previous)
                .await?
                .iter()
                .map(|i| (i.organisation_id, i.unit_id))
                .collect(),
        };
        let now = self.clock.now();
        let mut new = self.new_walk(caller, &input, now, Some(previous)).await?;
        new.stops = new_stops;
        let audit = draft(
            caller,
            meta,
            now,
            "walk_rewalk_planned",
            "walk",
            None,
            json!({ "previous": previous.0, "stops": new.stops.len() }),
        );
        Ok(self.db.create_walk(&new, audit).await?)
    }
}

/// Swedish names for the protocol PDF.
fn status_sv(s: ProposalStatus) -> &'static str {
    match s {
        ProposalStatus::Unanswered => "Inte besvarat",
        ProposalStatus::Promised => "Ska göras",
        ProposalStatus::Overdue => "Försenat",
        ProposalStatus::Done => "Klart",
        ProposalStatus::Declined => "Görs inte",
    }
}

/// The answer as the protocol states it, in Swedish.
pub fn answer_sv(row: &ProposalRow) -> String {
    match row.answer.as_deref() {
        Some("will_do") => format!("Vi gör det, senast {}", row.due.as_deref().unwrap_or("–")),
        Some("will_not_do") => format!("Vi gör det inte: {}", row.reason.as_deref().unwrap_or("–")),
        Some("already_done") => "Redan gjort".to_owned(),
        _ => "–".to_owned(),
    }
}

impl Trygg {
    /// The published protocol as a tagged PDF (PDF/UA), in Swedish: the walk, the
    /// follow-up, and per stop the observations and each proposal with its owner,
    /// answer and status. Like the public page it holds no participant's data.
    pub async fn walk_protocol_pdf(&self, id: WalkId) -> Result<Vec<u8>> {
        use crate::pdf::{Block, Column, Document, Table};
        let p = self.public_walk(id).await?;
        let Some(f) = p.follow_up.as_ref() else {
            return Err(Error::NotFound);
        };
        let mut blocks = vec![Block::Paragraph(format!(
            "Tid: {}{}. Samling: {}.{}",
            p.walk.starts_at.local_display(),
            if p.walk.after_dark {
                " (efter mörkrets inbrott)"
            } else {
                ""
            },
            p.walk.meeting_point,
            p.walk
                .area_name
                .as_ref()
                .map(|a| format!(" Område: {a}."))
                .unwrap_or_default()
        ))];
        if let Some(d) = &p.walk.description {
            blocks.push(Block::Paragraph(d.clone()));
        }
        blocks.push(Block::Heading {
            level: 2,
            text: "Uppföljning efter sex månader".into(),
        });
        blocks.push(Block::Paragraph(format!(
            "Målet: kommunens åtgärder klara senast {}. Klara: {} av {} ({} %). Försenade: {}. Obesvarade: {}. Görs inte: {}.",
            f.target_date, f.municipal_done, f.municipal, f.municipal_done_percent, f.overdue,
            f.unanswered, f.declined
        )));
        blocks.push(Block::Heading {
            level: 2,
            text: "Protokoll".into(),
        });
        for g in &p.groups {
            let name = g
                .stop
                .as_ref()
                .map(|s| format!("{}. {}", s.seq, s.name))
                .unwrap_or_else(|| "Platser utanför rutten".into());
            blocks.push(Block::Heading {
                level: 3,
                text: name.clone(),
            });
            if g.observations.is_empty() {
                blocks.push(Block::Paragraph("Inga iakttagelser.".into()));
                continue;
            }
            let mut rows = Vec::new();
            for o in &g.observations {
                if o.proposals.is_empty() {
                    rows.push(vec![
                        o.problem.name_sv().to_owned(),
                        o.row.description.clone(),
                        "–".into(),
                        "–".into(),
                        "–".into(),
                        "–".into(),
                    ]);
                }
                for pv in &o.proposals {
                    rows.push(vec![
                        o.problem.name_sv().to_owned(),
                        o.row.description.clone(),
                        pv.row.text.clone(),
                        pv.owner.clone().unwrap_or_else(|| "–".into()),
                        answer_sv(&pv.row),
                        status_sv(pv.status).to_owned(),
                    ]);
                }
            }
            blocks.push(Block::Table(Table {
                caption: format!("Iakttagelser och förslag: {name}"),
                columns: vec![
                    Column::text("Problem"),
                    Column::text("Iakttagelse"),
                    Column::text("Förslag"),
                    Column::text("Ansvarig"),
                    Column::text("Svar"),
                    Column::text("Läge"),
                ],
                rows,
                row_headers: false,
            }));
        }
        let doc = Document {
            title: format!("Protokoll: {}", p.walk.title),
            lang: "sv".into(),
            subject: Some("Protokoll från trygghetsvandring".into()),
            author: self.db.home_organisation().await?.map(|o| o.name),
            created: p.walk.published_at.map(|t| t.timestamp()),
            blocks,
        };
        crate::pdf::render(doc).await
    }
}

/// One demo observation: stop index, problem, description, proposals with their route
/// and answer.
struct DemoObs {
    stop: usize,
    problem: &'static str,
    text: &'static str,
    proposals: &'static [(&'static str, DemoRoute, DemoAnswer)],
}

/// (title, district, local start, after dark, meeting point, route, status, observations)
type DemoWalk<'a> = (
    &'a str,
    &'a str,
    String,
    bool,
    &'a str,
    &'a str,
    &'a str,
    &'a [DemoObs],
);

#[derive(Clone, Copy)]
enum DemoRoute {
    /// (organisation, unit)
    Unit(&'static str, &'static str),
    /// (name, e-mail)
    External(&'static str, &'static str),
}

#[derive(Clone, Copy)]
enum DemoAnswer {
    None,
    /// Will do, due this many days after the walk; done or not.
    WillDo(i64, bool),
    WillNotDo(&'static str),
    AlreadyDone,
}

const KOMMUN: &str = "Linköpings kommun";
const SAMHALL: DemoRoute = DemoRoute::Unit(KOMMUN, "Miljö- och samhällsbyggnadsförvaltningen");
const KULTUR: DemoRoute = DemoRoute::Unit(KOMMUN, "Kultur- och fritidsförvaltningen");
const STANGA_SKAGGETORP: DemoRoute = DemoRoute::Unit("AB Stångåstaden", "Område Skäggetorp");
const STANGA_RYD: DemoRoute = DemoRoute::Unit("AB Stångåstaden", "Område Ryd");

impl Trygg {
    /// The demo's safety walks, once: three past walks (Skäggetorp after dark and Ryd
    /// with published protocols in different states, Berga walked and being answered)
    /// and one planned walk in the city centre open for sign-up.
    pub async fn load_demo_walks(&self) -> Result<()> {
        if !self.db.walks(None).await?.is_empty() {
            return Ok(());
        }
        let caller = Caller::System;
        let meta = RequestMeta::cli();
        let now = self.clock.now();
        let day = 86_400;
        let areas = self.db.current_areas(None).await?;
        let area = |name: &str| {
            areas
                .iter()
                .find(|a| a.name == name && a.kind.code() == "district")
                .map(|a| a.id.to_string())
                .unwrap_or_default()
        };
        let organiser = self
            .db
            .user_by_email("samordnare@linkoping.example")
            .await?
            .map(|u| u.id);
        let at = |days_ago: i64, hour: &str| {
            let d = walk::local_date(now.minus_seconds(days_ago * day));
            format!("{d}T{hour}")
        };
        let walks: [DemoWalk<'_>; 3] = [
            (
                "Trygghetsvandring i Skäggetorp",
                "Skäggetorp",
                at(150, "18:30"),
                true,
                "Skäggetorps centrum, vid biblioteket",
                "Skäggetorps centrum; 58.4262, 15.5898\nGångtunneln under Skäggetorpsleden; 58.4247, 15.5868\nLekplatsen vid Dalkarlsgatan; 58.4281, 15.5851\nParkeringen vid Hagalundsgatan; 58.4291, 15.5921",
                "published",
                &[
                    DemoObs {
                        stop: 0,
                        problem: "lighting",
                        text: "Flera lampor är trasiga längs gången mot centrum; det är mörkt vid entrén till garaget.",
                        proposals: &[(
                            "Byt trasiga armaturer och sätt in LED längs gången",
                            SAMHALL,
                            DemoAnswer::WillDo(60, true),
                        )],
                    },
                    DemoObs {
                        stop: 1,
                        problem: "sight_lines",
                        text: "Tunneln är lång och krökt, man ser inte vem som står i andra änden.",
                        proposals: &[
                            (
                                "Sätt upp speglar och ljusare väggfärg i tunneln",
                                SAMHALL,
                                DemoAnswer::WillDo(120, false),
                            ),
                            (
                                "Måla över klottret i tunneln",
                                DemoRoute::External(
                                    "Linköpings Park & Gata Drift AB",
                                    "drift@parkgata.example",
                                ),
                                DemoAnswer::AlreadyDone,
                            ),
                        ],
                    },
                    DemoObs {
                        stop: 2,
                        problem: "vegetation",
                        text: "Buskarna runt lekplatsen är höga och skymmer sikten från husen.",
                        proposals: &[(
                            "Gallra buskarna till knähöjd",
                            STANGA_SKAGGETORP,
                            DemoAnswer::WillDo(45, false),
                        )],
                    },
                    DemoObs {
                        stop: 3,
                        problem: "layout",
                        text: "Parkeringen saknar belysning i norra delen och gångvägen slutar tvärt.",
                        proposals: &[
                            (
                                "Belysning och en tydlig gångväg genom parkeringen",
                                DemoRoute::External(
                                    "Fastighets AB Hagalund",
                                    "forvaltning@hagalund.example",
                                ),
                                DemoAnswer::WillNotDo(
                                    "Parkeringen säljs under året; frågan lämnas till den nya ägaren.",
                                ),
                            ),
                            (
                                "Ordna en aktivitet för unga på kvällstid i centrum",
                                KULTUR,
                                DemoAnswer::None,
                            ),
                        ],
                    },
                ],
            ),
            (
                "Trygghetsvandring i Ryd",
                "Ryd",
                at(90, "17:00"),
                false,
                "Ryds centrum, vid torget",
                "Ryds centrum; 58.4096, 15.5652\nGång- och cykelvägen mot universitetet; 58.4045, 15.5700\nBusshållplatsen Ryd norra",
                "published",
                &[
                    DemoObs {
                        stop: 0,
                        problem: "litter",
                        text: "Mycket skräp runt återvinningsstationen vid torget.",
                        proposals: &[(
                            "Tömning två gånger i veckan",
                            STANGA_RYD,
                            DemoAnswer::AlreadyDone,
                        )],
                    },
                    DemoObs {
                        stop: 1,
                        problem: "lighting",
                        text: "Belysningen är svag på den del av cykelvägen som går genom skogsdungen.",
                        proposals: &[(
                            "Fler belysningsstolpar genom dungen",
                            SAMHALL,
                            DemoAnswer::WillDo(150, false),
                        )],
                    },
                    DemoObs {
                        stop: 2,
                        problem: "graffiti",
                        text: "Klotter med hotfulla budskap på väderskyddet.",
                        proposals: &[(
                            "Sanera klottret inom 24 timmar",
                            DemoRoute::External(
                                "Östgötatrafiken",
                                "kundtjanst@ostgotatrafiken.example",
                            ),
                            DemoAnswer::None,
                        )],
                    },
                ],
            ),
            (
                "Trygghetsvandring i Berga",
                "Berga",
                at(20, "18:00"),
                true,
                "Berga centrum, vid vårdcentralen",
                "Berga centrum; 58.3936, 15.6325\nBergaskolans skolgård",
                "walked",
                &[
                    DemoObs {
                        stop: 0,
                        problem: "lighting",
                        text: "Entrén mot parkeringen är mörk på kvällen.",
                        proposals: &[("Sätt upp belysning vid entrén", SAMHALL, DemoAnswer::None)],
                    },
                    DemoObs {
                        stop: 1,
                        problem: "other",
                        text: "Skolgården används som genväg och upplevs otrygg efter skoltid.",
                        proposals: &[(
                            "Belys gångstråket över skolgården",
                            KULTUR,
                            DemoAnswer::None,
                        )],
                    },
                ],
            ),
        ];
        for (title, area_name, starts, dark, meeting, stops, status, observations) in walks {
            let id = self
                .plan_walk(
                    &caller,
                    &meta,
                    WalkInput {
                        title: title.into(),
                        area: area(area_name),
                        starts_at: starts.clone(),
                        after_dark: dark,
                        meeting_point: meeting.into(),
                        description: "Boende, kommunen, polisen och fastighetsägare går tillsammans och tittar på platser som känns otrygga.".into(),
                        stops: stops.into(),
                        organisers: organiser.into_iter().collect(),
                        ..Default::default()
                    },
                )
                .await?;
            let walk_start = walk::local_start(&starts)?;
            let stop_rows = self.db.walk_stops(id).await?;
            for (n, o) in observations.iter().enumerate() {
                let (obs, _) = self
                    .record_observation(
                        &caller,
                        &meta,
                        id,
                        ObservationInput {
                            stop: stop_rows
                                .get(o.stop)
                                .map(|s| s.id.to_string())
                                .unwrap_or_default(),
                            problem: o.problem.into(),
                            description: o.text.into(),
                            proposals: o.proposals.iter().map(|p| p.0.to_owned()).collect(),
                            idempotency_key: format!("demo-walk-{}-{n}", id.0),
                            ..Default::default()
                        },
                    )
                    .await?;
                let rows: Vec<ProposalRow> = self
                    .db
                    .proposals(id)
                    .await?
                    .into_iter()
                    .filter(|p| p.observation_id == obs)
                    .collect();
                for (row, (_, route, answer)) in rows.iter().zip(o.proposals.iter()) {
                    let route = match route {
                        DemoRoute::Unit(org, unit) => {
                            let org = self
                                .db
                                .organisation_by_name(org)
                                .await?
                                .ok_or(Error::NotFound)?;
                            let unit = self
                                .db
                                .units(org.id)
                                .await?
                                .into_iter()
                                .find(|u| u.name == *unit)
                                .ok_or(Error::NotFound)?;
                            RouteInput::Unit(unit.id)
                        }
                        DemoRoute::External(name, email) => RouteInput::External {
                            name: (*name).into(),
                            email: (*email).into(),
                        },
                    };
                    self.route_walk_proposal(&caller, &meta, row.id, route)
                        .await?;
                    let (code, due, reason, done) = match answer {
                        DemoAnswer::None => continue,
                        DemoAnswer::WillDo(days, done) => (
                            "will_do",
                            Some(walk::local_date(walk_start.plus_seconds(days * day)).to_string()),
                            None,
                            *done,
                        ),
                        DemoAnswer::WillNotDo(r) => {
                            ("will_not_do", None, Some((*r).to_owned()), false)
                        }
                        DemoAnswer::AlreadyDone => ("already_done", None, None, true),
                    };
                    let answered = walk_start.plus_seconds(14 * day);
                    let audit = draft(
                        &caller,
                        &meta,
                        now,
                        "walk_proposal_answered",
                        "walk_proposal",
                        Some(row.id.to_string()),
                        json!({ "answer": code, "via": "demo" }),
                    );
                    let record = AnswerRecord {
                        answer: code.into(),
                        due,
                        reason,
                        by: None,
                        via: "ui",
                        at: answered,
                    };
                    // A unit's promise becomes a measure, as in the UI; one the demo
                    // calls done is completed (waiting for the coordinator's check).
                    let routed = self.db.proposal(row.id).await?.ok_or(Error::NotFound)?;
                    let measure = match &record.due {
                        Some(d) if code == "will_do" => {
                            let promise = Answer::WillDo {
                                due: d.parse().map_err(|_| Error::Internal("demo date".into()))?,
                            };
                            self.measure_for_answer(&caller, &meta, &routed, &promise)
                                .await?
                                .map(|mut m| {
                                    if done {
                                        let at = walk_start.plus_seconds(50 * day);
                                        m.measure.values.status = MeasureStatus::Done.code().into();
                                        m.measure.values.completed_at = Some(at);
                                        m.measure.values.evidence =
                                            Some("Utfört och fotograferat.".into());
                                        m.history.push(NewHistory {
                                            at,
                                            actor_user_id: None,
                                            action: "complete".into(),
                                            from_status: Some(
                                                MeasureStatus::Accepted.code().into(),
                                            ),
                                            to_status: MeasureStatus::Done.code().into(),
                                            changes: "{}".into(),
                                            note: Some("Utfört och fotograferat.".into()),
                                        });
                                    }
                                    m
                                })
                        }
                        _ => None,
                    };
                    let measured = measure.is_some();
                    self.db
                        .answer_proposal(row.id, &record, measure, audit)
                        .await?;
                    if done && code == "will_do" && !measured {
                        let audit = draft(
                            &caller,
                            &meta,
                            now,
                            "walk_proposal_done",
                            "walk_proposal",
                            Some(row.id.to_string()),
                            json!({ "done": true }),
                        );
                        self.db
                            .set_proposal_done(
                                row.id,
                                Some(walk_start.plus_seconds(50 * day)),
                                audit,
                            )
                            .await?;
                    }
                }
            }
            self.set_walk_status(&caller, &meta, id, "walked").await?;
            if status == "published" {
                self.set_walk_status(&caller, &meta, id, "published")
                    .await?;
            }
        }
        self.plan_walk(
            &caller,
            &meta,
            WalkInput {
                title: "Trygghetsvandring i Innerstaden".into(),
                area: area("Innerstaden"),
                starts_at: {
                    let d = walk::local_date(now.plus_seconds(21 * day));
                    format!("{d}T18:30")
                },
                after_dark: true,
                meeting_point: "Stora torget, vid Folkungabrunnen".into(),
                description: "Välkommen att gå med och visa oss platserna i city som känns otrygga på kvällen. Vi bjuder på fika efteråt.".into(),
                capacity: "20".into(),
                signup_open: true,
                stops: "Stora torget; 58.4106, 15.6214\nResecentrum; 58.4163, 15.6258\nTrädgårdsföreningen; 58.4137, 15.6246\nGångtunneln vid Hamngatan".into(),
                organisers: organiser.into_iter().collect(),
                ..Default::default()
            },
        )
        .await?;
        Ok(())
    }
}
