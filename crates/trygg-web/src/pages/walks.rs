//! The safety-walk pages for signed-in users: the list (with the proposals waiting for
//! the handläggare's unit), the planning form, one walk with its route, protocol,
//! follow-up and the organisers' forms, and the phone-first observation form.
//!
//! Every form works without JavaScript. Actions on a walk or a proposal answer with a
//! redirect back to the walk (Post/Redirect/Get); a refused action carries its error
//! code in the query and the page shows it, in Swedish, next to the item it concerns.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use trygg_core::Error;
use trygg_core::walks::{
    AnswerInput, ObservationInput, ProposalView, RouteInput, WalkDetail, WalkInput,
};
use trygg_domain::id::{OrganisationId, UnitId};
use trygg_domain::policy::{Action, Grant};
use trygg_domain::walk::{
    self, ParticipantGroup, ProblemType, ProposalId, ProposalStatus, WalkId, WalkPhotoId,
};
use trygg_store::Store;
use trygg_store::walk::WalkStore;

use super::FieldError;
use super::photos::Upload;
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

fn field_error(ctx: &Ctx, e: Error) -> Result<FieldError, Error> {
    match e {
        Error::Invalid(i) => Ok(FieldError {
            field: i.field,
            message: ctx.lang.error(i.code),
        }),
        Error::Refused(code) => Ok(FieldError {
            field: "form",
            message: ctx.lang.error(code),
        }),
        other => Err(other),
    }
}

pub fn status_label(lang: Lang, code: &str) -> String {
    lang.t(&format!("walks-status-{code}"))
}

pub fn proposal_status_label(lang: Lang, s: ProposalStatus) -> String {
    lang.t(&format!("walks-proposal-status-{}", s.code()))
}

pub fn answer_label(lang: Lang, p: &trygg_store::walk::ProposalRow) -> String {
    match p.answer.as_deref() {
        Some("will_do") => lang.t_args(
            "walks-answer-will-do",
            &[("date", p.due.clone().unwrap_or_default())],
        ),
        Some("will_not_do") => lang.t_args(
            "walks-answer-will-not-do",
            &[("reason", p.reason.clone().unwrap_or_default())],
        ),
        Some("already_done") => lang.t("walks-answer-already-done"),
        _ => "–".into(),
    }
}

pub fn problem_label(lang: Lang, p: ProblemType) -> String {
    lang.t(&format!("problem-{}", p.code()))
}

fn group_label(lang: Lang, code: Option<&str>) -> String {
    match code {
        Some(c) => lang.t(&format!("group-{c}")),
        None => lang.t("walks-group-none"),
    }
}

fn position_text(p: Option<(f64, f64)>) -> String {
    p.map(|(lat, lon)| format!("{lat:.5}, {lon:.5}"))
        .unwrap_or_else(|| "–".into())
}

// ---------------------------------------------------------------- the list

pub struct WalkLine {
    pub href: String,
    pub title: String,
    pub when: String,
    pub area: String,
    pub status: String,
    pub participants: String,
}

pub struct MineLine {
    pub href: String,
    pub walk: String,
    pub text: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "walks/list.html")]
struct ListPage {
    shell: Shell,
    walks: Vec<WalkLine>,
    mine: Option<Vec<MineLine>>,
    can_plan: bool,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let caller = ctx.caller();
    let rows = state.trygg.walks(&caller).await?;
    let can_plan = caller.require(Action::PlanWalks).is_ok();
    let walks = rows
        .iter()
        .map(|w| WalkLine {
            href: format!("/walks/{}", w.id),
            title: w.title.clone(),
            when: w.starts_at.local_display(),
            area: w.area_name.clone().unwrap_or_else(|| "–".into()),
            status: status_label(ctx.lang, &w.status),
            participants: format!("{} / {}", w.participants, w.capacity),
        })
        .collect();
    let mine = if matches!(
        caller.require(Action::AnswerWalkProposals),
        Ok(Grant::OwnUnit)
    ) {
        let list = state.trygg.my_walk_proposals(&caller).await?;
        Some(
            list.iter()
                .map(|p| MineLine {
                    href: format!("/walks/{}#p{}", p.row.walk_id, p.row.id),
                    walk: rows
                        .iter()
                        .find(|w| w.id == p.row.walk_id)
                        .map(|w| w.title.clone())
                        .unwrap_or_default(),
                    text: p.row.text.clone(),
                    status: proposal_status_label(ctx.lang, p.status),
                })
                .collect(),
        )
    } else {
        None
    };
    let page = ListPage {
        shell: Shell::new(&ctx, ctx.lang.t("walks-title")),
        walks,
        mine,
        can_plan,
    };
    Ok(render(&page))
}

// ---------------------------------------------------------------- planning

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "walks/new.html")]
struct NewPage {
    shell: Shell,
    /// `Some(id)` when editing that walk.
    editing: Option<i64>,
    form: WalkForm,
    areas: Vec<Choice>,
    organisations: Vec<Choice>,
    organisers: Vec<Choice>,
    walk_map: WalkMap,
    error: Option<FieldError>,
}

impl NewPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Default, Clone)]
pub struct WalkForm {
    pub title: String,
    pub area: String,
    pub starts_at: String,
    pub duration_minutes: String,
    pub after_dark: bool,
    pub meeting_point: String,
    pub description: String,
    pub capacity: String,
    pub signup_open: bool,
    pub stops: String,
    /// `organisation` or `organisation-unit` ids.
    pub invited: Vec<String>,
    /// User ids of further organisers.
    pub organisers: Vec<String>,
}

impl WalkForm {
    fn of(form: &FormData) -> Self {
        let all = |name: &str| -> Vec<String> {
            form.all(name).iter().map(|s| (*s).to_owned()).collect()
        };
        Self {
            title: form.get("title").into(),
            area: form.get("area").into(),
            starts_at: form.get("starts_at").into(),
            duration_minutes: form.get("duration_minutes").into(),
            after_dark: !form.get("after_dark").is_empty(),
            meeting_point: form.get("meeting_point").into(),
            description: form.get("description").into(),
            capacity: form.get("capacity").into(),
            signup_open: !form.get("signup_open").is_empty(),
            stops: form.get("stops").into(),
            invited: all("invited"),
            organisers: all("organisers"),
        }
    }

    fn input(&self) -> WalkInput {
        let invitations = self
            .invited
            .iter()
            .filter_map(|s| match s.split_once('-') {
                Some((o, u)) => Some((
                    o.parse::<OrganisationId>().ok()?,
                    Some(u.parse::<UnitId>().ok()?),
                )),
                None => Some((s.parse::<OrganisationId>().ok()?, None)),
            })
            .collect();
        WalkInput {
            title: self.title.clone(),
            area: self.area.clone(),
            starts_at: self.starts_at.clone(),
            duration_minutes: self.duration_minutes.clone(),
            after_dark: self.after_dark,
            meeting_point: self.meeting_point.clone(),
            description: self.description.clone(),
            capacity: self.capacity.clone(),
            signup_open: self.signup_open,
            stops: self.stops.clone(),
            organisers: self
                .organisers
                .iter()
                .filter_map(|u| u.parse().ok())
                .collect(),
            invitations,
        }
    }
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    editing: Option<i64>,
    form: WalkForm,
    error: Option<FieldError>,
) -> PageResult {
    let areas = state
        .trygg
        .db
        .current_areas(None)
        .await
        .map_err(Error::from)?
        .into_iter()
        .filter(|a| a.kind.code() == "district")
        .map(|a| Choice {
            selected: form.area == a.id.to_string(),
            value: a.id.to_string(),
            label: a.name,
        })
        .collect();
    let mut organisations = Vec::new();
    for o in state.trygg.db.organisations().await.map_err(Error::from)? {
        let units = state.trygg.db.units(o.id).await.map_err(Error::from)?;
        organisations.push(Choice {
            selected: form.invited.contains(&o.id.to_string()),
            value: o.id.to_string(),
            label: o.name.clone(),
        });
        for u in units {
            let value = format!("{}-{}", o.id, u.id);
            organisations.push(Choice {
                selected: form.invited.contains(&value),
                value,
                label: format!("{}, {}", o.name, u.name),
            });
        }
    }
    let organisers = state
        .trygg
        .db
        .users()
        .await
        .map_err(Error::from)?
        .into_iter()
        .filter(|u| !u.disabled && trygg_domain::policy::allows(&u.roles, Action::PlanWalks))
        .map(|u| Choice {
            selected: form.organisers.contains(&u.id.to_string()),
            value: u.id.to_string(),
            label: u.name,
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = if editing.is_some() {
        ctx.lang.t("walks-edit")
    } else {
        ctx.lang.t("walks-new")
    };
    let page = NewPage {
        shell: Shell::new(ctx, title),
        editing,
        form,
        areas,
        organisations,
        organisers,
        walk_map: WalkMap::new(state),
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn new(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let form = WalkForm {
        signup_open: true,
        ..Default::default()
    };
    new_page(&state, &ctx, None, form, None).await
}

pub async fn create(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    let f = WalkForm::of(&form);
    match state
        .trygg
        .plan_walk(&ctx.caller(), &ctx.meta(), f.input())
        .await
    {
        Ok(id) => Ok(see_other(&format!("/walks/{id}?saved=1"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            new_page(&state, &ctx, None, f, Some(err)).await
        }
    }
}

/// The planning form filled in with a walk's plan, to change it.
pub async fn edit(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    let d = state
        .trygg
        .walk_detail(&ctx.caller(), &ctx.meta(), WalkId(id))
        .await?;
    if !d.can_edit {
        return Err(Error::Forbidden.into());
    }
    let w = &d.walk;
    let form = WalkForm {
        title: w.title.clone(),
        area: w.area_id.map(|a| a.to_string()).unwrap_or_default(),
        starts_at: walk::local_input(w.starts_at),
        duration_minutes: (w.ends_at.seconds_since(w.starts_at) / 60).to_string(),
        after_dark: w.after_dark,
        meeting_point: w.meeting_point.clone(),
        description: w.description.clone().unwrap_or_default(),
        capacity: w.capacity.to_string(),
        signup_open: w.signup_open,
        stops: trygg_core::walks::stops_text(&d.stops),
        invited: d
            .invitations
            .iter()
            .map(|i| match i.unit_id {
                Some(u) => format!("{}-{u}", i.organisation_id),
                None => i.organisation_id.to_string(),
            })
            .collect(),
        organisers: d.organisers.iter().map(|o| o.user_id.to_string()).collect(),
    };
    new_page(&state, &ctx, Some(id), form, None).await
}

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let f = WalkForm::of(&form);
    match state
        .trygg
        .edit_walk(&ctx.caller(), &ctx.meta(), WalkId(id), f.input())
        .await
    {
        Ok(()) => Ok(see_other(&format!("/walks/{id}?saved=1"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            new_page(&state, &ctx, Some(id), f, Some(err)).await
        }
    }
}

// ---------------------------------------------------------------- one walk

pub struct ProposalLine {
    pub id: i64,
    pub text: String,
    pub owner: String,
    pub status: String,
    pub status_code: &'static str,
    pub answer: String,
    /// The caller may answer it (coordinator, or the handläggare of its unit).
    pub answerable: bool,
    pub promised: bool,
    pub done: bool,
    /// The measure a unit's promise became (its progress is the status).
    pub measure: Option<i64>,
    pub unit: Option<i64>,
    pub error: Option<String>,
}

pub struct PhotoLink {
    pub href: String,
    pub src: String,
    pub alt: String,
}

pub struct ObservationLine {
    pub problem: String,
    pub description: String,
    pub place: Option<String>,
    pub when: String,
    pub photos: Vec<PhotoLink>,
    pub proposals: Vec<ProposalLine>,
}

pub struct GroupBlock {
    pub heading: String,
    pub anchor: String,
    pub observations: Vec<ObservationLine>,
}

pub struct StopLine {
    pub seq: i64,
    pub name: String,
    pub position: String,
    pub note: String,
    /// For the map (`static/walks.js` reads them off the table); empty without a point.
    pub lat: String,
    pub lon: String,
}

/// What the route map needs besides the stops table (see `static/walks.js`).
pub struct WalkMap {
    pub tile_url: String,
    pub attribution: String,
}

impl WalkMap {
    pub fn new(state: &AppState) -> Self {
        Self {
            tile_url: state.config.map_tile_url.clone().unwrap_or_default(),
            attribution: state.config.map_attribution.clone().unwrap_or_default(),
        }
    }

    /// The map beside a route table, when at least one stop has a point.
    pub fn for_stops(state: &AppState, stops: &[StopLine]) -> Option<Self> {
        stops
            .iter()
            .any(|s| !s.lat.is_empty())
            .then(|| Self::new(state))
    }
}

pub struct FollowUpText {
    pub target: String,
    pub share: String,
    pub overdue: usize,
    pub unanswered: usize,
    pub declined: usize,
    pub met: bool,
}

pub fn follow_up_text(lang: Lang, f: &walk::FollowUp) -> FollowUpText {
    FollowUpText {
        target: f.target_date.to_string(),
        share: lang.t_args(
            "walks-followup-share",
            &[
                ("done", f.municipal_done.to_string()),
                ("total", f.municipal.to_string()),
                ("percent", f.municipal_done_percent.to_string()),
            ],
        ),
        overdue: f.overdue,
        unanswered: f.unanswered,
        declined: f.declined,
        met: f.met,
    }
}

pub fn stop_lines(stops: &[trygg_store::walk::StopRow]) -> Vec<StopLine> {
    stops
        .iter()
        .map(|s| StopLine {
            seq: s.seq,
            name: s.name.clone(),
            position: position_text(s.position),
            note: s.note.clone().unwrap_or_default(),
            lat: s
                .position
                .map(|p| format!("{:.6}", p.0))
                .unwrap_or_default(),
            lon: s
                .position
                .map(|p| format!("{:.6}", p.1))
                .unwrap_or_default(),
        })
        .collect()
}

/// The protocol's groups as shown; `answerable` decides the forms, `photos` whether
/// photo links appear (never on public pages).
pub fn group_blocks(
    lang: Lang,
    groups: &[trygg_core::walks::StopGroup],
    photos: bool,
    answerable: &dyn Fn(&ProposalView) -> bool,
    error: Option<(i64, String)>,
) -> Vec<GroupBlock> {
    groups
        .iter()
        .map(|g| GroupBlock {
            heading: match &g.stop {
                Some(s) => format!("{}. {}", s.seq, s.name),
                None => lang.t("walks-off-route"),
            },
            anchor: match &g.stop {
                Some(s) => format!("stop{}", s.id),
                None => "off-route".into(),
            },
            observations: g
                .observations
                .iter()
                .map(|o| ObservationLine {
                    problem: problem_label(lang, o.problem),
                    description: o.row.description.clone(),
                    place: o
                        .row
                        .place_text
                        .clone()
                        .or_else(|| o.row.position.map(|p| position_text(Some(p)))),
                    when: o.row.recorded_at.local_display(),
                    photos: if photos {
                        o.row
                            .photos
                            .iter()
                            .enumerate()
                            .map(|(n, id)| PhotoLink {
                                href: format!("/walks/photos/{id}"),
                                src: format!("/walks/photos/{id}?thumb=1"),
                                alt: lang
                                    .t_args("walks-photo-alt", &[("number", (n + 1).to_string())]),
                            })
                            .collect()
                    } else {
                        Vec::new()
                    },
                    proposals: o
                        .proposals
                        .iter()
                        .map(|p| ProposalLine {
                            id: p.row.id.0,
                            text: p.row.text.clone(),
                            owner: p.owner.clone().unwrap_or_else(|| lang.t("walks-no-owner")),
                            status: proposal_status_label(lang, p.status),
                            status_code: p.status.code(),
                            answer: answer_label(lang, &p.row),
                            answerable: answerable(p),
                            promised: p.row.answer.as_deref() == Some("will_do"),
                            done: p.status == ProposalStatus::Done,
                            measure: p.row.measure_id.filter(|_| photos),
                            unit: p.row.owner_unit_id.map(|u| u.0),
                            error: error
                                .as_ref()
                                .filter(|(id, _)| *id == p.row.id.0)
                                .map(|(_, m)| m.clone()),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

pub struct ParticipantLine {
    pub name: String,
    pub email: String,
    pub group: String,
}

#[derive(Template)]
#[template(path = "walks/walk.html")]
struct WalkPage {
    shell: Shell,
    id: i64,
    title: String,
    status_code: String,
    status: String,
    when: String,
    after_dark: bool,
    meeting_point: String,
    area: Option<String>,
    description: Option<String>,
    participants_count: String,
    signup_open: bool,
    organisers: String,
    invited: String,
    previous: Option<i64>,
    can_edit: bool,
    stops: Vec<StopLine>,
    walk_map: Option<WalkMap>,
    groups: Vec<GroupBlock>,
    follow_up: FollowUpText,
    participants: Option<Vec<ParticipantLine>>,
    units: Vec<Choice>,
    notice: Option<String>,
    error: Option<String>,
    rewalk_default: String,
}

impl WalkPage {
    fn unit_selected(&self, value: &str, unit: &Option<i64>) -> bool {
        unit.is_some_and(|u| u.to_string() == value)
    }
}

#[derive(serde::Deserialize, Default)]
pub struct WalkQuery {
    saved: Option<String>,
    sent: Option<String>,
    error: Option<String>,
    p: Option<i64>,
}

/// The error codes a redirect may carry back (anything else shows the general text).
fn known_error(ctx: &Ctx, code: &str) -> String {
    if code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') && code.len() < 60 {
        ctx.lang.error(code)
    } else {
        ctx.lang.error("unknown")
    }
}

pub async fn walk_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<WalkQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let d: WalkDetail = state
        .trygg
        .walk_detail(&caller, &ctx.meta(), WalkId(id))
        .await?;
    let my_unit = ctx.actor.as_ref().and_then(|a| a.user.unit_id);
    let can_edit = d.can_edit;
    let answerable =
        move |p: &ProposalView| can_edit || (my_unit.is_some() && p.row.owner_unit_id == my_unit);
    let error = q.error.as_deref().map(|c| known_error(&ctx, c));
    let item_error = match (q.p, &error) {
        (Some(p), Some(m)) => Some((p, m.clone())),
        _ => None,
    };
    let mut units = Vec::new();
    if can_edit {
        for o in state.trygg.db.organisations().await.map_err(Error::from)? {
            for u in state.trygg.db.units(o.id).await.map_err(Error::from)? {
                units.push(Choice {
                    value: u.id.to_string(),
                    label: format!("{}, {}", o.name, u.name),
                    selected: false,
                });
            }
        }
    }
    let notice = if q.saved.is_some() {
        Some(ctx.lang.t("walks-saved"))
    } else if q.sent.is_some() {
        Some(ctx.lang.t("walks-sent"))
    } else {
        None
    };
    let w = &d.walk;
    let page = WalkPage {
        shell: Shell::new(&ctx, w.title.clone()),
        id,
        title: w.title.clone(),
        status_code: w.status.clone(),
        status: status_label(ctx.lang, &w.status),
        when: format!(
            "{} – {}",
            w.starts_at.local_display(),
            w.ends_at.local_display().get(11..).unwrap_or("")
        ),
        after_dark: w.after_dark,
        meeting_point: w.meeting_point.clone(),
        area: w.area_name.clone(),
        description: w.description.clone(),
        participants_count: format!("{} / {}", w.participants, w.capacity),
        signup_open: w.signup_open,
        organisers: d
            .organisers
            .iter()
            .map(|o| o.name.clone())
            .collect::<Vec<_>>()
            .join(", "),
        invited: d
            .invitations
            .iter()
            .map(|i| match &i.unit_name {
                Some(u) => format!("{}, {u}", i.organisation_name),
                None => i.organisation_name.clone(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        previous: w.previous_walk_id.map(|p| p.0),
        can_edit,
        walk_map: WalkMap::for_stops(&state, &stop_lines(&d.stops)),
        stops: stop_lines(&d.stops),
        groups: group_blocks(ctx.lang, &d.groups, true, &answerable, item_error.clone()),
        follow_up: follow_up_text(ctx.lang, &d.follow_up),
        participants: d.participants.as_ref().map(|list| {
            list.iter()
                .map(|p| ParticipantLine {
                    name: p.name.clone(),
                    email: p.email.clone(),
                    group: group_label(ctx.lang, p.group.as_deref()),
                })
                .collect()
        }),
        units,
        notice,
        error: if item_error.is_some() { None } else { error },
        rewalk_default: walk::local_input(state.trygg.clock.now().plus_seconds(30 * 86_400)),
    };
    Ok(render(&page))
}

/// Where to go back to after an action on a walk; with an error, it is shown.
fn back(walk: i64, proposal: Option<i64>, result: Result<(), Error>) -> PageResult {
    match result {
        Ok(()) => Ok(see_other(&match proposal {
            Some(p) => format!("/walks/{walk}?saved=1#p{p}"),
            None => format!("/walks/{walk}?saved=1"),
        })),
        Err(Error::Invalid(i)) => Ok(see_other(&redirect_error(walk, proposal, i.code))),
        Err(Error::Refused(code)) => Ok(see_other(&redirect_error(walk, proposal, code))),
        Err(e) => Err(e.into()),
    }
}

fn redirect_error(walk: i64, proposal: Option<i64>, code: &str) -> String {
    match proposal {
        Some(p) => format!("/walks/{walk}?error={code}&p={p}#p{p}"),
        None => format!("/walks/{walk}?error={code}"),
    }
}

pub async fn set_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let r = state
        .trygg
        .set_walk_status(&ctx.caller(), &ctx.meta(), WalkId(id), form.get("status"))
        .await;
    back(id, None, r)
}

pub async fn set_signup(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let r = state
        .trygg
        .set_walk_signup(
            &ctx.caller(),
            &ctx.meta(),
            WalkId(id),
            form.get("open") == "1",
        )
        .await;
    back(id, None, r)
}

/// The address links in e-mails point to.
pub fn base_url(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    match &state.config.public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("localhost");
            let scheme = if state.config.cookie_secure {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{host}")
        }
    }
}

pub async fn send_requests(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Path(id): Path<i64>,
) -> PageResult {
    let base = base_url(&state, &headers);
    state
        .trygg
        .send_walk_requests(&ctx.caller(), &ctx.meta(), WalkId(id), &base)
        .await?;
    Ok(see_other(&format!("/walks/{id}?sent=1")))
}

pub async fn rewalk(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    match state
        .trygg
        .plan_rewalk(
            &ctx.caller(),
            &ctx.meta(),
            WalkId(id),
            form.get("starts_at"),
        )
        .await
    {
        Ok(new) => Ok(see_other(&format!("/walks/{new}?saved=1"))),
        Err(e) => back(id, None, Err(e)),
    }
}

async fn walk_of(state: &AppState, p: i64) -> Result<i64, Error> {
    Ok(state
        .trygg
        .db
        .proposal(ProposalId(p))
        .await?
        .ok_or(Error::NotFound)?
        .walk_id
        .0)
}

pub async fn route(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(p): Path<i64>,
    form: FormData,
) -> PageResult {
    let caller = ctx.caller();
    caller.require(Action::PlanWalks)?;
    let walk = walk_of(&state, p).await?;
    let route = match form.get("to") {
        "unit" => match form.get("unit").parse::<UnitId>() {
            Ok(u) => RouteInput::Unit(u),
            Err(_) => {
                return back(
                    walk,
                    Some(p),
                    Err(trygg_domain::Invalid::new("unit", "unknown_unit").into()),
                );
            }
        },
        "external" => RouteInput::External {
            name: form.get("owner_name").into(),
            email: form.get("owner_email").into(),
        },
        _ => RouteInput::Nobody,
    };
    let r = state
        .trygg
        .route_walk_proposal(&caller, &ctx.meta(), ProposalId(p), route)
        .await;
    back(walk, Some(p), r)
}

pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(p): Path<i64>,
    form: FormData,
) -> PageResult {
    let r = state
        .trygg
        .answer_walk_proposal(
            &ctx.caller(),
            &ctx.meta(),
            ProposalId(p),
            AnswerInput {
                answer: form.get("answer").into(),
                due: form.get("due").into(),
                reason: form.get("reason").into(),
            },
        )
        .await;
    if let Err(Error::NotFound) = r {
        return Err(Error::NotFound.into());
    }
    let walk = walk_of(&state, p).await?;
    back(walk, Some(p), r)
}

pub async fn done(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(p): Path<i64>,
    form: FormData,
) -> PageResult {
    let r = state
        .trygg
        .set_walk_proposal_done(
            &ctx.caller(),
            &ctx.meta(),
            ProposalId(p),
            form.get("done") == "1",
        )
        .await;
    if let Err(Error::NotFound) = r {
        return Err(Error::NotFound.into());
    }
    let walk = walk_of(&state, p).await?;
    back(walk, Some(p), r)
}

#[derive(serde::Deserialize, Default)]
pub struct PhotoQuery {
    thumb: Option<String>,
}

pub async fn photo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PhotoQuery>,
) -> Result<Response, crate::WebError> {
    let p = state
        .trygg
        .walk_photo(&ctx.caller(), &ctx.meta(), WalkPhotoId(id))
        .await?;
    let (bytes, ctype) = if q.thumb.is_some() {
        (p.thumb, "image/jpeg".to_owned())
    } else {
        (p.bytes, p.content_type)
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ctype) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // Photos may show people: never kept by shared caches.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

// ---------------------------------------------------------------- observing

#[derive(Template)]
#[template(path = "walks/observe.html")]
struct ObservePage {
    shell: Shell,
    id: i64,
    title: String,
    stops: Vec<Choice>,
    problems: Vec<Choice>,
    form: ObserveForm,
    key: String,
    saved: bool,
    error: Option<FieldError>,
}

impl ObservePage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Default, Clone)]
pub struct ObserveForm {
    pub stop: String,
    pub place_text: String,
    pub lat: String,
    pub lon: String,
    pub problem: String,
    pub description: String,
    pub proposal: String,
    pub proposal2: String,
}

async fn observe_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: ObserveForm,
    key: String,
    saved: bool,
    error: Option<FieldError>,
) -> PageResult {
    let d = state
        .trygg
        .walk_detail(&ctx.caller(), &ctx.meta(), WalkId(id))
        .await?;
    if !d.can_edit {
        return Err(Error::Forbidden.into());
    }
    let stops = d
        .stops
        .iter()
        .map(|s| Choice {
            selected: form.stop == s.id.to_string(),
            value: s.id.to_string(),
            label: format!("{}. {}", s.seq, s.name),
        })
        .collect();
    let problems = ProblemType::ALL
        .iter()
        .map(|p| Choice {
            selected: form.problem == p.code(),
            value: p.code().into(),
            label: problem_label(ctx.lang, *p),
        })
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ObservePage {
        shell: Shell::new(ctx, ctx.lang.t("walks-observe-title")),
        id,
        title: d.walk.title.clone(),
        stops,
        problems,
        form,
        key,
        saved,
        error,
    };
    Ok((status, render(&page)).into_response())
}

fn new_key() -> String {
    format!("obs-{}", &trygg_core::secret::random_token()[..32])
}

#[derive(serde::Deserialize, Default)]
pub struct ObserveQuery {
    saved: Option<String>,
}

pub async fn observe(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ObserveQuery>,
) -> PageResult {
    observe_page(
        &state,
        &ctx,
        id,
        ObserveForm::default(),
        new_key(),
        q.saved.is_some(),
        None,
    )
    .await
}

pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    upload: Upload,
) -> PageResult {
    let form = &upload.form;
    let f = ObserveForm {
        stop: form.get("stop").into(),
        place_text: form.get("place_text").into(),
        lat: form.get("lat").into(),
        lon: form.get("lon").into(),
        problem: form.get("problem").into(),
        description: form.get("description").into(),
        proposal: form.get("proposal").into(),
        proposal2: form.get("proposal2").into(),
    };
    let key = form.get("idempotency_key").to_owned();
    if !upload.too_large.is_empty() {
        let err = FieldError {
            field: "photos",
            message: ctx.lang.error("photo_too_large"),
        };
        return observe_page(&state, &ctx, id, f, key, false, Some(err)).await;
    }
    let input = ObservationInput {
        stop: f.stop.clone(),
        lat: f.lat.clone(),
        lon: f.lon.clone(),
        place_text: f.place_text.clone(),
        problem: f.problem.clone(),
        description: f.description.clone(),
        proposals: vec![f.proposal.clone(), f.proposal2.clone()],
        photos: upload.files_of("photos"),
        idempotency_key: key.clone(),
    };
    match state
        .trygg
        .record_observation(&ctx.caller(), &ctx.meta(), WalkId(id), input)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/walks/{id}/observe?saved=1"))),
        Err(e) => {
            let err = field_error(&ctx, e)?;
            observe_page(&state, &ctx, id, f, key, false, Some(err)).await
        }
    }
}

/// The choices of the public sign-up's group field.
pub fn group_choices(lang: Lang, selected: &str) -> Vec<Choice> {
    ParticipantGroup::ALL
        .iter()
        .map(|g| Choice {
            selected: selected == g.code(),
            value: g.code().into(),
            label: lang.t(&format!("group-{}", g.code())),
        })
        .collect()
}
