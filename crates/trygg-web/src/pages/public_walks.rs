//! The public safety-walk pages, no login: the list of coming walks and of published
//! protocols per area, one walk (the announcement with the sign-up form, or the
//! published protocol with every proposal's current status), its calendar file and
//! protocol PDF, and the answer page an external owner reaches through the e-mailed
//! link.
//!
//! What these pages render comes from `trygg_core::walks::PublicProtocol` and
//! `OwnerView`, which have no field for participants: no name or e-mail address of
//! anyone who signed up can reach them. Photos are not shown (they may show people).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use trygg_core::Error;
use trygg_core::walks::{AnswerInput, SignUpInput, SignedUp};
use trygg_domain::walk::{ProposalId, WalkId, WalkStatus};

use super::walks::{
    Choice, FollowUpText, GroupBlock, StopLine, WalkMap, answer_label, base_url, follow_up_text,
    group_blocks, group_choices, problem_label, proposal_status_label, stop_lines,
};
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;

pub struct PublicLine {
    pub href: String,
    pub title: String,
    pub when: String,
    pub after_dark: bool,
    pub done: String,
}

pub struct AreaBlock {
    pub name: String,
    pub caption: String,
    pub walks: Vec<PublicLine>,
}

#[derive(Template)]
#[template(path = "walks/public_list.html")]
struct ListPage {
    shell: Shell,
    upcoming: Vec<PublicLine>,
    areas: Vec<AreaBlock>,
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let upcoming = state
        .trygg
        .open_walks()
        .await?
        .into_iter()
        .map(|w| PublicLine {
            href: format!("/public/walks/{}", w.id),
            title: w.title,
            when: w.starts_at.local_display(),
            after_dark: w.after_dark,
            done: String::new(),
        })
        .collect();
    let mut areas: Vec<AreaBlock> = Vec::new();
    let mut published = state.trygg.published_walks().await?;
    // By area name (the "other" group last), newest first within each.
    published.sort_by(|(a, _), (b, _)| {
        (
            a.area_name.is_none(),
            &a.area_name,
            std::cmp::Reverse(a.starts_at),
        )
            .cmp(&(
                b.area_name.is_none(),
                &b.area_name,
                std::cmp::Reverse(b.starts_at),
            ))
    });
    for (w, f) in published {
        let name = w
            .area_name
            .clone()
            .unwrap_or_else(|| ctx.lang.t("public-walks-no-area"));
        let line = PublicLine {
            href: format!("/public/walks/{}", w.id),
            title: w.title.clone(),
            when: w.starts_at.local_display(),
            after_dark: w.after_dark,
            done: follow_up_text(ctx.lang, &f).share,
        };
        match areas.iter_mut().find(|a| a.name == name) {
            Some(a) => a.walks.push(line),
            None => areas.push(AreaBlock {
                caption: ctx
                    .lang
                    .t_args("public-walks-caption", &[("area", name.clone())]),
                name,
                walks: vec![line],
            }),
        }
    }
    let page = ListPage {
        shell: Shell::new(&ctx, ctx.lang.t("public-walks-title")),
        upcoming,
        areas,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "walks/public_walk.html")]
struct WalkPage {
    shell: Shell,
    id: i64,
    title: String,
    planned: bool,
    when: String,
    after_dark: bool,
    meeting_point: String,
    area: Option<String>,
    description: Option<String>,
    published_at: Option<String>,
    previous: Option<i64>,
    stops: Vec<StopLine>,
    walk_map: Option<WalkMap>,
    groups: Vec<GroupBlock>,
    follow_up: Option<FollowUpText>,
    places_text: Option<String>,
    groups_choice: Vec<Choice>,
    form: SignUpForm,
    notice: Option<String>,
    error: Option<(&'static str, String)>,
}

impl WalkPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

#[derive(Default, Clone)]
pub struct SignUpForm {
    pub name: String,
    pub email: String,
    pub group: String,
}

#[derive(serde::Deserialize, Default)]
pub struct WalkQuery {
    signed_up: Option<String>,
    already: Option<String>,
}

async fn walk_page(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: SignUpForm,
    notice: Option<String>,
    error: Option<(&'static str, String)>,
    status: StatusCode,
) -> PageResult {
    let p = state.trygg.public_walk(WalkId(id)).await?;
    let w = &p.walk;
    let page = WalkPage {
        shell: Shell::new(ctx, w.title.clone()),
        id,
        title: w.title.clone(),
        planned: w.status == WalkStatus::Planned,
        when: format!(
            "{} – {}",
            w.starts_at.local_display(),
            w.ends_at.local_display().get(11..).unwrap_or("")
        ),
        after_dark: w.after_dark,
        meeting_point: w.meeting_point.clone(),
        area: w.area_name.clone(),
        description: w.description.clone(),
        published_at: w.published_at.map(|t| t.local_display()),
        previous: w.previous_walk_id.map(|p| p.0),
        walk_map: WalkMap::for_stops(state, &stop_lines(&p.stops)),
        stops: stop_lines(&p.stops),
        groups: group_blocks(ctx.lang, &p.groups, false, &|_| false, None),
        follow_up: p.follow_up.as_ref().map(|f| follow_up_text(ctx.lang, f)),
        places_text: p.places_left.map(|n| {
            if n > 0 {
                ctx.lang
                    .t_args("public-walk-places-left", &[("count", n.to_string())])
            } else {
                ctx.lang.t("public-walk-full")
            }
        }),
        groups_choice: group_choices(ctx.lang, &form.group),
        form,
        notice,
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn walk(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<WalkQuery>,
) -> PageResult {
    let notice = if q.signed_up.is_some() {
        Some(ctx.lang.t("public-walk-signed-up"))
    } else if q.already.is_some() {
        Some(ctx.lang.t("public-walk-already"))
    } else {
        None
    };
    walk_page(
        &state,
        &ctx,
        id,
        SignUpForm::default(),
        notice,
        None,
        StatusCode::OK,
    )
    .await
}

pub async fn sign_up(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: FormData,
) -> PageResult {
    let f = SignUpForm {
        name: form.get("name").into(),
        email: form.get("email").into(),
        group: form.get("group").into(),
    };
    let base = base_url(&state, &headers);
    let input = SignUpInput {
        name: f.name.clone(),
        email: f.email.clone(),
        group: f.group.clone(),
    };
    match state
        .trygg
        .sign_up_for_walk(&ctx.meta(), WalkId(id), input, &base)
        .await
    {
        Ok(SignedUp::New) => Ok(see_other(&format!("/public/walks/{id}?signed_up=1"))),
        Ok(SignedUp::Already) => Ok(see_other(&format!("/public/walks/{id}?already=1"))),
        Err(Error::Invalid(i)) => {
            let err = Some((i.field, ctx.lang.error(i.code)));
            walk_page(
                &state,
                &ctx,
                id,
                f,
                None,
                err,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(Error::Refused(code)) => {
            let err = Some(("form", ctx.lang.error(code)));
            // Refused when full or closed: the page says so, in Swedish, with 409.
            match walk_page(
                &state,
                &ctx,
                id,
                f.clone(),
                None,
                err.clone(),
                StatusCode::CONFLICT,
            )
            .await
            {
                Err(crate::WebError(Error::NotFound)) => Err(Error::Refused(code).into()),
                other => other,
            }
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn calendar(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, crate::WebError> {
    let base = base_url(&state, &headers);
    let ics = state.trygg.walk_calendar(WalkId(id), &base).await?;
    let mut res = ics.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"trygghetsvandring-{id}.ics\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

pub async fn pdf(
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, crate::WebError> {
    let bytes = state.trygg.walk_protocol_pdf(WalkId(id)).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "inline; filename=\"protokoll-trygghetsvandring-{id}.pdf\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

// ---------------------------------------------------------------- the owner's link

pub struct OwnerItem {
    pub id: i64,
    pub place: String,
    pub observation: String,
    pub text: String,
    pub status: String,
    pub answer: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "walks/owner.html")]
struct OwnerPage {
    shell: Shell,
    token: String,
    title: String,
    when: String,
    intro: String,
    items: Vec<OwnerItem>,
    notice: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct OwnerQuery {
    saved: Option<String>,
    error: Option<String>,
    p: Option<i64>,
}

pub async fn owner(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Query(q): Query<OwnerQuery>,
) -> Result<Response, crate::WebError> {
    let v = state.trygg.owner_view(&token).await?;
    let error = q
        .error
        .as_deref()
        .filter(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') && c.len() < 60)
        .map(|c| ctx.lang.error(c));
    let items = v
        .proposals
        .iter()
        .map(|(pv, place, what)| OwnerItem {
            id: pv.row.id.0,
            place: place.clone().unwrap_or_else(|| "–".into()),
            observation: what.clone(),
            text: pv.row.text.clone(),
            status: proposal_status_label(ctx.lang, pv.status),
            answer: answer_label(ctx.lang, &pv.row),
            error: error.clone().filter(|_| q.p == Some(pv.row.id.0)),
        })
        .collect();
    let _ = problem_label;
    let page = OwnerPage {
        shell: Shell::new(&ctx, ctx.lang.t("public-owner-title")),
        intro: ctx
            .lang
            .t_args("public-owner-intro", &[("owner", v.owner.name.clone())]),
        token,
        title: v.walk.title.clone(),
        when: v.walk.starts_at.local_display(),
        items,
        notice: q.saved.map(|_| ctx.lang.t("public-owner-saved")),
    };
    let mut res = render(&page);
    // The address holds the secret: do not leak it to other sites.
    res.headers_mut()
        .insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    Ok(res)
}

pub async fn owner_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    form: FormData,
) -> PageResult {
    let p: i64 = form.get("proposal").parse().map_err(|_| Error::NotFound)?;
    let r = state
        .trygg
        .answer_by_link(
            &ctx.meta(),
            &token,
            ProposalId(p),
            AnswerInput {
                answer: form.get("answer").into(),
                due: form.get("due").into(),
                reason: form.get("reason").into(),
            },
        )
        .await;
    match r {
        Ok(()) => Ok(see_other(&format!(
            "/public/walks/svar/{token}?saved=1#p{p}"
        ))),
        Err(Error::Invalid(i)) => Ok(see_other(&format!(
            "/public/walks/svar/{token}?error={}&p={p}#p{p}",
            i.code
        ))),
        Err(e) => Err(e.into()),
    }
}
