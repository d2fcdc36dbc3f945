//! Review (granskning) for the coordinators: the queue of submitted incidents, oldest
//! first, each with its likely duplicates, and the forms that decide an incident:
//! accept (with an optional note), reject (with a reason the reporter sees), reclassify,
//! merge into a suggested duplicate, or correct the position. The same forms are on the
//! incident page. Every decision is a plain form post (Post/Redirect/Get); an error
//! re-renders the incident page with the message beside the form it belongs to.

use askama::Template;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use trygg_core::Error;
use trygg_core::incidents::ReviewInput;
use trygg_domain::incident::IncidentId;
use trygg_domain::place::{parse_sweref99tm, parse_wgs84};
use trygg_store::incident::IncidentRow;

use super::incidents::{
    ChoiceGroup, DUPLICATE_HOURS, DUPLICATE_METRES, IncidentView, category_groups, place_names,
};
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;

/// The decisions a review form can carry (`beslut`).
pub const DECISIONS: [&str; 5] = ["accept", "reject", "reclassify", "merge", "move"];

/// What went wrong with a review form, to show beside it.
#[derive(Debug, Clone, Default)]
pub struct ReviewFeedback {
    /// Which form: one of [`DECISIONS`].
    pub decision: String,
    /// The field the message is about (`note`, `reason`, `category`, `merge`, `lat`, …).
    pub field: String,
    pub message: String,
    /// What was typed, so nothing has to be typed again.
    pub note: String,
    pub reason: String,
    pub crs: String,
    pub lat: String,
    pub lon: String,
    pub n: String,
    pub e: String,
}

impl ReviewFeedback {
    /// The error text for one field of one form.
    pub fn error(&self, decision: &str, field: &str) -> Option<&str> {
        (self.decision == decision && self.field == field).then_some(self.message.as_str())
    }
}

/// Everything the review forms of one incident need.
pub struct ReviewForms {
    pub id: i64,
    /// Where to go after a decision: `granskning` (the queue) or `incident`.
    pub back: &'static str,
    pub open: bool,
    pub category_code: String,
    pub categories: Vec<ChoiceGroup>,
    pub suggestions: Vec<IncidentView>,
    pub suggestions_caption: String,
    pub feedback: ReviewFeedback,
}

impl ReviewForms {
    pub fn error(&self, decision: &str, field: &str) -> Option<&str> {
        self.feedback.error(decision, field)
    }

    /// `aria-describedby` of a control: its error, if it has one.
    pub fn invalid(&self, decision: &str, field: &str) -> bool {
        self.error(decision, field).is_some()
    }

    pub fn crs_is_sweref(&self) -> bool {
        self.feedback.crs == "sweref99tm"
    }

    /// Whether the forms are on the incident page (rather than in the queue).
    pub fn on_incident_page(&self) -> bool {
        self.back == "incident"
    }

    /// What was typed into a field of the "move" form.
    pub fn move_value(&self, field: &str) -> &str {
        match field {
            "lat" => &self.feedback.lat,
            "lon" => &self.feedback.lon,
            "n" => &self.feedback.n,
            _ => &self.feedback.e,
        }
    }
}

pub async fn review_forms(
    state: &AppState,
    ctx: &Ctx,
    row: &IncidentRow,
    back: &'static str,
    feedback: Option<ReviewFeedback>,
) -> Result<ReviewForms, crate::WebError> {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let suggestions = state
        .trygg
        .duplicate_suggestions(&caller, row.id, DUPLICATE_METRES, DUPLICATE_HOURS)
        .await?;
    let names = place_names(state, &caller).await?;
    Ok(ReviewForms {
        id: row.id.0,
        back,
        open: row.status == "submitted",
        category_code: row.category_code.clone(),
        categories: category_groups(state, lang).await?,
        suggestions_caption: lang.t_args(
            "review-duplicates-caption",
            &[("count", suggestions.len().to_string())],
        ),
        suggestions: suggestions
            .iter()
            .map(|r| IncidentView::new(lang, r, &names))
            .collect(),
        feedback: feedback.unwrap_or_default(),
    })
}

// ---------------------------------------------------------------- the queue

/// How many incidents the queue shows at a time (each with its forms).
const QUEUE_SIZE: i64 = 20;

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    granskad: Option<String>,
    beslut: Option<String>,
}

pub struct QueueItem {
    pub inc: IncidentView,
    pub forms: ReviewForms,
}

#[derive(Template)]
#[template(path = "incidents/queue.html")]
struct QueuePage {
    shell: Shell,
    items: Vec<QueueItem>,
    intro: String,
    reviewed: Option<(i64, String)>,
}

pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<QueueQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let (rows, total) = state.trygg.review_queue(&caller, QUEUE_SIZE).await?;
    let names = place_names(&state, &caller).await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(QueueItem {
            inc: IncidentView::new(lang, row, &names),
            forms: review_forms(&state, &ctx, row, "granskning", None).await?,
        });
    }
    let reviewed = match (
        q.granskad.as_deref().and_then(|i| i.parse::<i64>().ok()),
        q.beslut.as_deref(),
    ) {
        (Some(id), Some(d)) if DECISIONS.contains(&d) => {
            Some((id, lang.t(&format!("review-done-{d}"))))
        }
        _ => None,
    };
    let intro = lang.t_args(
        "queue-intro",
        &[
            ("shown", rows.len().to_string()),
            ("total", total.to_string()),
        ],
    );
    Ok(render(&QueuePage {
        shell: Shell::new(&ctx, lang.t("queue-title")),
        items,
        intro,
        reviewed,
    }))
}

// ---------------------------------------------------------------- a decision

/// Reads the position of a "move" form: the chosen pair of coordinates.
fn moved_to(data: &FormData) -> Result<trygg_domain::geo::Wgs84, trygg_domain::Invalid> {
    let first = |errors: Vec<trygg_domain::Invalid>| {
        errors
            .into_iter()
            .next()
            .unwrap_or(trygg_domain::Invalid::new("lat", "required"))
    };
    if data.get("crs") == "sweref99tm" {
        parse_sweref99tm(data.get("n"), data.get("e")).map_err(first)
    } else {
        parse_wgs84(data.get("lat"), data.get("lon")).map_err(first)
    }
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    data: FormData,
) -> PageResult {
    let caller = ctx.caller();
    let decision = data.get("beslut").to_owned();
    let note = data.get("kommentar").trim().to_owned();
    let note_opt = (!note.is_empty()).then(|| note.clone());
    let mut feedback = ReviewFeedback {
        decision: decision.clone(),
        note: note.clone(),
        reason: data.get("skal").to_owned(),
        crs: data.get("crs").to_owned(),
        lat: data.get("lat").to_owned(),
        lon: data.get("lon").to_owned(),
        n: data.get("n").to_owned(),
        e: data.get("e").to_owned(),
        ..Default::default()
    };
    let input = match decision.as_str() {
        "accept" => Ok(ReviewInput::Accept { note: note_opt }),
        "reject" => Ok(ReviewInput::Reject {
            reason: data.get("skal").to_owned(),
        }),
        "reclassify" => Ok(ReviewInput::Reclassify {
            category: data.get("kategori").to_owned(),
            note: note_opt,
        }),
        "merge" => match data.get("sammanslagen").trim().parse::<i64>() {
            Ok(into) => Ok(ReviewInput::Merge {
                into: IncidentId(into),
            }),
            Err(_) => Err(trygg_domain::Invalid::new("merge_into", "required")),
        },
        "move" => moved_to(&data).map(|point| ReviewInput::Move { point, place: None }),
        _ => Err(trygg_domain::Invalid::new("decision", "invalid_choice")),
    };
    let result = match input {
        Ok(input) => {
            state
                .trygg
                .review(&caller, &ctx.meta(), IncidentId(id), input)
                .await
        }
        Err(invalid) => Err(Error::Invalid(invalid)),
    };
    match result {
        Ok(()) => Ok(see_other(&if data.get("tillbaka") == "granskning" {
            format!("/granskning?granskad={id}&beslut={decision}")
        } else {
            format!("/incidenter/{id}?granskad={decision}")
        })),
        Err(Error::Invalid(invalid)) => {
            feedback.field = match invalid.field {
                "merge_into" => "merge".into(),
                "position" => {
                    if feedback.crs == "sweref99tm" {
                        "n".into()
                    } else {
                        "lat".into()
                    }
                }
                other => other.into(),
            };
            feedback.message = ctx.lang.error(invalid.code);
            super::incidents::incident_page(&state, &ctx, id, None, Some(feedback)).await
        }
        // The incident to merge into is gone (or merged itself meanwhile): say so beside
        // the merge form rather than answering as if this incident were missing.
        Err(Error::NotFound) if decision == "merge" => {
            feedback.field = "merge".into();
            feedback.message = ctx.lang.error("merge_target_not_found");
            super::incidents::incident_page(&state, &ctx, id, None, Some(feedback)).await
        }
        Err(e) => Err(e.into()),
    }
}
