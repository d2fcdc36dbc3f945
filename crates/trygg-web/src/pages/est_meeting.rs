//! The EST meeting and the published lägesbild pages.
//!
//! - `GET /lagesbild/mote?area=ID&week=2026-W38`: the meeting of one area and week: who
//!   took part, next week's priorities, notes, and the publish form. Every change is its
//!   own small POST form (add, remove), so the page works without JavaScript; a refused
//!   field is shown beside the field in Swedish and the page answers 422.
//! - `GET /lagesbild/publicerade[?area=ID]`: published pictures, newest week first.
//! - `GET /lagesbild/publicerade/{id}`: one published picture, rendered from its stored
//!   snapshot with the same include as the live page, with who published it, when, its
//!   version and its SHA-256; a snapshot that no longer matches its hash is shown as
//!   tampered, without figures.
//! - `GET /lagesbild/publicerade/{id}/pdf`: the tagged PDF for the records.
//! - `GET /public/lagesbild/{id}`: the aggregated public version of area `id` (no
//!   login): only figures, and only when the publisher opened it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde::Deserialize;
use trygg_analytics::week::IsoWeek;
use trygg_core::Error;
use trygg_core::est_meeting::{
    Integrity, Meeting, MeetingEdit, MeetingInput, MeetingSnapshot, PublicPicture,
};
use trygg_domain::Invalid;
use trygg_domain::id::AreaId;
use trygg_domain::policy::Action;
use trygg_store::est_meeting::PublicationSummary;

use super::lagesbild::PictureView;
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

/// A refused field, translated.
pub struct FieldError {
    /// Which form: `participant`, `priority`, `notes`, `publish`.
    pub form: &'static str,
    pub field: &'static str,
    pub message: String,
}

#[derive(Deserialize, Default)]
pub struct WhichQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    week: String,
    #[serde(default)]
    saved: Option<String>,
}

fn parse_area(s: &str) -> Result<AreaId, Error> {
    s.trim()
        .parse::<i64>()
        .map(AreaId)
        .map_err(|_| Invalid::new("area", "required").into())
}

fn parse_week(s: &str) -> Result<IsoWeek, Error> {
    s.parse::<IsoWeek>()
        .map_err(|_| Invalid::new("week", "est_invalid_week").into())
}

fn meeting_href(area: AreaId, week: IsoWeek) -> String {
    format!("/lagesbild/mote?area={}&week={week}", area.0)
}

fn input_of(form: &FormData) -> MeetingInput {
    MeetingInput {
        organisation: form.get("organisation").to_owned(),
        name: form.get("name").to_owned(),
        place: form.get("place").to_owned(),
        location: form.get("location").to_owned(),
        action: form.get("action").to_owned(),
        notes: form.get("notes").to_owned(),
    }
}

// ---------------------------------------------------------------- the meeting page

#[derive(Template)]
#[template(path = "est_meeting/meeting.html")]
struct MeetingPage {
    shell: Shell,
    meeting: Meeting,
    week_text: String,
    picture_href: String,
    can_edit: bool,
    organisations: Vec<(i64, String)>,
    places: Vec<(i64, String)>,
    form: MeetingInput,
    error: Option<FieldError>,
    saved: Option<String>,
    publications: Vec<PublicationRowView>,
}

impl MeetingPage {
    fn err(&self, form: &str, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.form == form && e.field == field)
            .map(|e| e.message.as_str())
    }
    fn has_error(&self, form: &str) -> bool {
        self.error.as_ref().is_some_and(|e| e.form == form)
    }
    fn saved_text(&self) -> Option<String> {
        self.saved
            .as_ref()
            .map(|s| self.shell.t(&format!("est-saved-{s}")))
    }
}

#[derive(Template)]
#[template(path = "est_meeting/choose.html")]
struct ChoosePage {
    shell: Shell,
    areas: Vec<(i64, String)>,
    area_value: String,
    week_value: String,
    error: Option<String>,
}

async fn meeting_page(
    state: &AppState,
    ctx: &Ctx,
    area: AreaId,
    week: IsoWeek,
    form: MeetingInput,
    error: Option<FieldError>,
    saved: Option<String>,
) -> PageResult {
    let caller = ctx.caller();
    let meeting = state.trygg.est_meeting(&caller, area, week).await?;
    let can_edit = ctx
        .actor
        .as_ref()
        .is_some_and(|a| a.allows(Action::PublishLagesbild));
    let (organisations, places) = if can_edit {
        state.trygg.est_meeting_choices(&caller).await?
    } else {
        (Vec::new(), Vec::new())
    };
    let publications = state
        .trygg
        .published_lagesbilder(&caller, Some(area))
        .await?
        .into_iter()
        .filter(|p| p.key.year == i64::from(week.year()) && p.key.week == i64::from(week.week()))
        .map(|p| PublicationRowView::new(&p, &meeting.area_name))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let title = ctx.lang.t_args(
        "est-meeting-title",
        &[
            ("area", meeting.area_name.clone()),
            ("week", week.to_string()),
        ],
    );
    let page = MeetingPage {
        shell: Shell::new(ctx, title),
        week_text: week.to_string(),
        picture_href: format!("/lagesbild?area={}&week={week}", area.0),
        meeting,
        can_edit,
        organisations,
        places,
        form,
        error,
        saved,
        publications,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn meeting(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<WhichQuery>,
) -> PageResult {
    let caller = ctx.caller();
    // Access first: the chooser lists areas, which only the meeting's readers need.
    ctx.caller().require(Action::ReadDraftLagesbild)?;
    match (parse_area(&q.area), parse_week(&q.week)) {
        (Ok(area), Ok(week)) => {
            meeting_page(
                &state,
                &ctx,
                area,
                week,
                MeetingInput::default(),
                None,
                q.saved.filter(|s| SAVED.contains(&s.as_str())),
            )
            .await
        }
        (area, week) => {
            let mut areas: Vec<(i64, String)> = state
                .trygg
                .areas(&caller, None)
                .await?
                .into_iter()
                .map(|a| (a.id.0, format!("{} ({})", a.name, a.code)))
                .collect();
            areas.sort_by(|a, b| trygg_domain::geo::swedish_cmp(&a.1, &b.1));
            let asked = !q.area.is_empty() || !q.week.is_empty();
            let error = match (asked, area, week) {
                (false, _, _) => None,
                (true, Err(Error::Invalid(i)), _) | (true, _, Err(Error::Invalid(i))) => {
                    Some(ctx.lang.error(i.code))
                }
                _ => None,
            };
            let week_value = if q.week.is_empty() {
                state
                    .trygg
                    .default_lagesbild_week()
                    .map(|w| w.to_string())
                    .unwrap_or_default()
            } else {
                q.week.clone()
            };
            let status = if error.is_some() {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            };
            let page = ChoosePage {
                shell: Shell::new(&ctx, ctx.lang.t("est-choose-title")),
                areas,
                area_value: q.area.clone(),
                week_value,
                error,
            };
            Ok((status, render(&page)).into_response())
        }
    }
}

/// The flash messages a redirect may ask for.
const SAVED: &[&str] = &[
    "participant",
    "participant-removed",
    "priority",
    "priority-removed",
    "notes",
];

async fn change(state: AppState, ctx: Ctx, form: FormData, edit: MeetingEdit) -> PageResult {
    let area = parse_area(form.get("area"))?;
    let week = parse_week(form.get("week"))?;
    let input = input_of(&form);
    let (which, saved, anchor) = match edit {
        MeetingEdit::Notes => ("notes", "notes", "notes"),
        MeetingEdit::AddParticipant => ("participant", "participant", "participants"),
        MeetingEdit::RemoveParticipant(_) => ("participant", "participant-removed", "participants"),
        MeetingEdit::AddPriority => ("priority", "priority", "priorities"),
        MeetingEdit::RemovePriority(_) => ("priority", "priority-removed", "priorities"),
    };
    match state
        .trygg
        .change_est_meeting(&ctx.caller(), &ctx.meta(), area, week, edit, &input)
        .await
    {
        Ok(()) => Ok(see_other(&format!(
            "{}&saved={saved}#{anchor}",
            meeting_href(area, week)
        ))),
        Err(Error::Invalid(i)) => {
            let error = FieldError {
                form: which,
                field: i.field,
                message: ctx.lang.error(i.code),
            };
            meeting_page(&state, &ctx, area, week, input, Some(error), None).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn add_participant(
    State(state): State<AppState>,
    ctx: Ctx,
    form: FormData,
) -> PageResult {
    change(state, ctx, form, MeetingEdit::AddParticipant).await
}

pub async fn remove_participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    change(state, ctx, form, MeetingEdit::RemoveParticipant(id)).await
}

pub async fn add_priority(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    change(state, ctx, form, MeetingEdit::AddPriority).await
}

pub async fn remove_priority(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    change(state, ctx, form, MeetingEdit::RemovePriority(id)).await
}

pub async fn notes(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    change(state, ctx, form, MeetingEdit::Notes).await
}

/// Publishing asks for an explicit confirmation (a checkbox), since it freezes the week.
pub async fn publish(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    let area = parse_area(form.get("area"))?;
    let week = parse_week(form.get("week"))?;
    if form.get("confirm") != "yes" {
        let error = FieldError {
            form: "publish",
            field: "confirm",
            message: ctx.lang.error("confirm_required"),
        };
        return meeting_page(
            &state,
            &ctx,
            area,
            week,
            MeetingInput::default(),
            Some(error),
            None,
        )
        .await;
    }
    let public = form.get("public") == "yes";
    let id = state
        .trygg
        .publish_lagesbild(&ctx.caller(), &ctx.meta(), area, week, public)
        .await?;
    Ok(see_other(&format!(
        "/lagesbild/publicerade/{id}?published=1"
    )))
}

// ---------------------------------------------------------------- published pictures

/// One publication in a list.
pub struct PublicationRowView {
    pub href: String,
    pub area: String,
    pub week: String,
    pub version: i64,
    pub published_at: String,
    pub published_by: String,
    pub public: bool,
}

impl PublicationRowView {
    fn new(p: &PublicationSummary, area: &str) -> Self {
        Self {
            href: format!("/lagesbild/publicerade/{}", p.id),
            area: area.to_owned(),
            week: format!("{}-W{:02}", p.key.year, p.key.week),
            version: p.version,
            published_at: p.published_at.local_display(),
            published_by: p.published_by_name.clone(),
            public: p.public,
        }
    }
}

#[derive(Template)]
#[template(path = "est_meeting/published_list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<PublicationRowView>,
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    area: String,
}

pub async fn published_list(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let area = q.area.trim().parse::<i64>().ok().map(AreaId);
    let list = state.trygg.published_lagesbilder(&caller, area).await?;
    let names = state.trygg.areas(&caller, None).await.unwrap_or_default();
    let rows = list
        .iter()
        .map(|p| {
            let name = names
                .iter()
                .find(|a| a.id == p.key.area)
                .map_or_else(|| format!("#{}", p.key.area.0), |a| a.name.clone());
            PublicationRowView::new(p, &name)
        })
        .collect();
    let page = ListPage {
        shell: Shell::new(&ctx, ctx.lang.t("est-published-title")),
        rows,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "est_meeting/published.html")]
struct PublishedPage {
    shell: Shell,
    summary: PublicationRowView,
    id: i64,
    sha256: String,
    verified: bool,
    computed: String,
    just_published: bool,
    pv: Option<PictureView>,
    meeting: Option<MeetingSnapshot>,
    shows_names: bool,
    publisher_organisation: String,
    public_href: Option<String>,
    meeting_href: String,
}

#[derive(Deserialize, Default)]
pub struct PublishedQuery {
    #[serde(default)]
    published: Option<String>,
}

pub async fn published(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<PublishedQuery>,
) -> PageResult {
    let p = state.trygg.published_lagesbild(&ctx.caller(), id).await?;
    let area_name = p.snapshot.as_ref().map_or_else(
        || format!("#{}", p.summary.key.area.0),
        |s| s.picture.area.name.clone(),
    );
    let summary = PublicationRowView::new(&p.summary, &area_name);
    let title = ctx.lang.t_args(
        "est-published-one-title",
        &[
            ("area", area_name.clone()),
            ("week", summary.week.clone()),
            ("version", p.summary.version.to_string()),
        ],
    );
    let (verified, computed) = match &p.integrity {
        Integrity::Verified => (true, String::new()),
        Integrity::Mismatch { computed } => (false, computed.clone()),
    };
    let week = IsoWeek::new(p.summary.key.year as i16, p.summary.key.week as i8).ok();
    let page = PublishedPage {
        shell: Shell::new(&ctx, title),
        id,
        sha256: p.summary.sha256.clone(),
        verified,
        computed,
        just_published: q.published.is_some(),
        pv: p
            .snapshot
            .as_ref()
            .map(|s| PictureView::new(ctx.lang, &s.picture)),
        meeting: p.snapshot.as_ref().map(|s| s.meeting.clone()),
        shows_names: p.shows_names,
        publisher_organisation: p
            .snapshot
            .as_ref()
            .map(|s| s.published_by_organisation.clone())
            .unwrap_or_default(),
        public_href: p
            .summary
            .public
            .then(|| format!("/public/lagesbild/{}", p.summary.key.area.0)),
        meeting_href: week.map_or_else(String::new, |w| meeting_href(p.summary.key.area, w)),
        summary,
    };
    Ok(render(&page))
}

pub async fn published_pdf(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> PageResult {
    let (name, bytes) = state
        .trygg
        .published_lagesbild_pdf(&ctx.caller(), id)
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

// ---------------------------------------------------------------- the public version

/// The public version's numbers as text in the page's language.
pub struct PublicView {
    pub picture: PublicPicture,
    pub four_week_mean: String,
    pub last_week: String,
    pub same_week_last_year: String,
    pub categories: Vec<(String, u32, String)>,
    pub published_at: String,
}

#[derive(Template)]
#[template(path = "est_meeting/public.html")]
struct PublicPage {
    shell: Shell,
    v: PublicView,
}

fn dash(v: Option<u32>) -> String {
    v.map_or_else(|| "–".to_owned(), |n| n.to_string())
}

pub async fn public(State(state): State<AppState>, ctx: Ctx, Path(area): Path<i64>) -> PageResult {
    let picture = state.trygg.public_lagesbild(AreaId(area)).await?;
    let lang = ctx.lang;
    let v = PublicView {
        four_week_mean: picture.four_week_mean.map_or_else(
            || "–".to_owned(),
            |m| {
                let s = format!("{m:.1}");
                if lang == Lang::Sv {
                    s.replace('.', ",")
                } else {
                    s
                }
            },
        ),
        last_week: dash(picture.last_week),
        same_week_last_year: dash(picture.same_week_last_year),
        categories: picture
            .categories
            .iter()
            .map(|c| {
                (
                    if lang == Lang::En {
                        c.name_en.clone()
                    } else {
                        c.name_sv.clone()
                    },
                    c.count,
                    dash(c.last_week),
                )
            })
            .collect(),
        published_at: picture.published_at.local_display(),
        picture,
    };
    let title = ctx.lang.t_args(
        "est-public-title",
        &[
            ("area", v.picture.area_name.clone()),
            ("week", v.picture.week.to_string()),
        ],
    );
    let page = PublicPage {
        shell: Shell::new(&ctx, title),
        v,
    };
    Ok(render(&page))
}
