//! The report form (`/rapportera`) and its receipt.
//!
//! Phone first and without JavaScript: one `<fieldset>` per incident, "add another
//! incident" is a submit button that renders the form again with one more, the
//! position is a named place, typed coordinates (WGS84 or SWEREF 99 TM) or an address.
//! With JavaScript (`static/incidents.js`) each incident also gets a small map whose
//! click fills the coordinates, and a "use my position" button.
//!
//! A random idempotency key is rendered into every form, so pressing "send" twice (or
//! resending after a lost answer) files one report. Descriptions are screened for
//! personal data before anything is stored: the reporter is told what was found and
//! must confirm; what is stored is masked as the category says, and the receipt says
//! what was masked.
//!
//! Each incident takes photos (`multipart/form-data`; see `super::photos`): checked by
//! content, re-encoded without metadata, stored with the report in one transaction.
//! Browsers cannot fill a file input again, so when the form comes back (an error, the
//! personal-data warning, "add another incident") the reporter is asked to choose the
//! photos again.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde::Deserialize;
use trygg_core::Caller;
use trygg_core::incidents::{IncidentInput, ReportError, WhereInput};
use trygg_domain::Invalid;
use trygg_domain::geo::Wgs84;
use trygg_domain::id::PlaceId;
use trygg_domain::incident::personal_data::{self, PiiCounts, PiiPolicy};
use trygg_domain::incident::when::stockholm;
use trygg_domain::incident::{
    CategoryList, Description, LocalTimePolicy, OccurredAt, ReportId, Severity,
};
use trygg_domain::place::{parse_sweref99tm, parse_wgs84};
use trygg_store::incident::{IncidentFilter, IncidentOrder, IncidentRow};

use super::incidents::{
    Choice, ChoiceGroup, IncidentView, MapConfig, category_groups, place_choices, place_names,
};
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

/// Incidents one report may hold; a longer list is better sent as a file.
pub const MAX_INCIDENTS: usize = 10;

/// One incident of the form, as typed, with its errors and personal-data findings.
pub struct Block {
    pub index: usize,
    pub number: usize,
    pub category: String,
    pub description: String,
    pub place: String,
    pub crs: String,
    pub lat: String,
    pub lon: String,
    pub n: String,
    pub e: String,
    pub address: String,
    pub occurred_at: String,
    pub occurred_to: String,
    pub insecurity: String,
    pub severity: String,
    pub sharing: String,
    /// (field, message): `category`, `description`, `place`, `position`, `lat`, `lon`,
    /// `n`, `e`, `address`, `occurred_at`, `occurred_to`, `severity`, `sharing`.
    pub errors: Vec<(String, String)>,
    /// "personnummer (1)" for each kind found in the description.
    pub personal_data: Vec<String>,
    /// The chosen category keeps personal data (flagged) instead of masking it.
    pub keeps_personal_data: bool,
    /// Focus this block's first field (it was just added).
    pub focus: bool,
    /// Photos were sent with this incident but the form is shown again without them.
    pub photos_lost: bool,
}

/// `2026-09-12 22:30` as `<input type="datetime-local">` wants it (`T`, two-digit hour).
fn datetime_local(text: &str) -> String {
    let t = text.trim();
    match t.split_once(' ') {
        Some((d, time)) if d.len() == 10 && time.len() == 5 => format!("{d}T{time}"),
        _ => t.to_owned(),
    }
}

impl Block {
    fn empty(index: usize, now_local: &str) -> Self {
        Self {
            index,
            number: index + 1,
            category: String::new(),
            description: String::new(),
            place: String::new(),
            crs: "wgs84".into(),
            lat: String::new(),
            lon: String::new(),
            n: String::new(),
            e: String::new(),
            address: String::new(),
            occurred_at: now_local.to_owned(),
            occurred_to: String::new(),
            insecurity: "nej".into(),
            severity: String::new(),
            sharing: "partners".into(),
            errors: Vec::new(),
            personal_data: Vec::new(),
            keeps_personal_data: false,
            focus: false,
            photos_lost: false,
        }
    }

    fn from_form(data: &FormData, index: usize) -> Self {
        let get = |field: &str| data.get(&format!("i{index}.{field}")).to_owned();
        let crs = if get("crs") == "sweref99tm" {
            "sweref99tm"
        } else {
            "wgs84"
        };
        Self {
            index,
            number: index + 1,
            category: get("category"),
            description: get("description"),
            place: get("place"),
            crs: crs.into(),
            lat: get("lat"),
            lon: get("lon"),
            n: get("n"),
            e: get("e"),
            address: get("address"),
            occurred_at: datetime_local(&get("occurred_at")),
            occurred_to: datetime_local(&get("occurred_to")),
            insecurity: if get("insecurity") == "ja" {
                "ja".into()
            } else {
                "nej".into()
            },
            severity: get("severity"),
            sharing: if get("sharing") == "own" {
                "own".into()
            } else {
                "partners".into()
            },
            errors: Vec::new(),
            personal_data: Vec::new(),
            keeps_personal_data: false,
            focus: false,
            photos_lost: false,
        }
    }

    /// Nothing of substance typed: an extra block left empty is dropped on sending.
    fn is_blank(&self) -> bool {
        [
            &self.category,
            &self.description,
            &self.place,
            &self.lat,
            &self.lon,
            &self.n,
            &self.e,
            &self.address,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.iter().find(|(f, _)| f == field).map(|(_, m)| m)
    }

    fn add_error(&mut self, lang: Lang, field: &str, code: &str) {
        if self.error(field).is_none() {
            self.errors.push((field.to_owned(), lang.error(code)));
        }
    }

    /// `aria-describedby` for a control: its hint, its own error, and the error about
    /// the position as a whole for the "where" controls.
    pub fn describedby(&self, field: &str, hint: bool) -> String {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("i{}-{field}-hint", self.index));
        }
        if self.error(field).is_some() {
            ids.push(format!("i{}-{field}-error", self.index));
        }
        let where_field = matches!(field, "place" | "lat" | "lon" | "n" | "e" | "address");
        if where_field && self.error("position").is_some() {
            ids.push(format!("i{}-position-error", self.index));
        }
        if field == "description" && !self.personal_data.is_empty() {
            ids.push(format!("i{}-pii", self.index));
        }
        ids.join(" ")
    }

    pub fn invalid(&self, field: &str) -> bool {
        self.describedby(field, false).contains("error")
    }

    pub fn has_coordinates(&self) -> bool {
        [&self.lat, &self.lon, &self.n, &self.e]
            .iter()
            .any(|v| !v.trim().is_empty())
    }

    /// Where the error summary links to for a field.
    fn anchor(&self, field: &str) -> String {
        let target = match field {
            "position" if self.has_coordinates() && self.crs == "sweref99tm" => "n",
            "position" if self.has_coordinates() => "lat",
            "position" => "place",
            "severity" => "severity-default",
            "sharing" => "sharing-partners",
            other => other,
        };
        format!("#i{}-{target}", self.index)
    }

    /// The typed position: the chosen pair of coordinates (or the other pair, if only
    /// that one was filled in). `None` when no coordinates were typed.
    fn point(&self) -> Result<Option<Wgs84>, Vec<Invalid>> {
        let filled = |a: &str, b: &str| !a.trim().is_empty() || !b.trim().is_empty();
        let wgs = filled(&self.lat, &self.lon);
        let grid = filled(&self.n, &self.e);
        let use_grid = match (wgs, grid) {
            (false, false) => return Ok(None),
            (true, true) => self.crs == "sweref99tm",
            (_, g) => g,
        };
        if use_grid {
            parse_sweref99tm(&self.n, &self.e).map(Some)
        } else {
            parse_wgs84(&self.lat, &self.lon).map(Some)
        }
    }

    fn place_id(&self) -> Result<Option<PlaceId>, Invalid> {
        let t = self.place.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<i64>()
            .map(|id| Some(PlaceId(id)))
            .map_err(|_| Invalid::new("place", "unknown_place"))
    }

    /// Checks what can be checked before the core does it again, so that every
    /// problem of a block is shown at once, and returns the use case's input.
    fn check(
        &mut self,
        lang: Lang,
        list: &CategoryList,
        now: trygg_domain::time::Instant,
    ) -> Option<IncidentInput> {
        let mut policy = PiiPolicy::Mask;
        match list.resolve(&self.category) {
            Ok(c) => policy = c.pii_policy,
            Err(_) if self.category.trim().is_empty() => {
                self.add_error(lang, "category", "category_required");
            }
            Err(e) => self.add_error(lang, "category", e.code),
        }
        if let Err(e) = Description::parse(&self.description) {
            self.add_error(lang, "description", e.code);
        }
        let to = Some(self.occurred_to.clone()).filter(|t| !t.trim().is_empty());
        if let Err(e) = OccurredAt::parse(
            &self.occurred_at,
            to.as_deref(),
            now,
            LocalTimePolicy::default(),
        ) {
            self.add_error(lang, e.field, e.code);
        }
        let point = match self.point() {
            Ok(p) => p,
            Err(errors) => {
                for e in errors {
                    self.add_error(lang, e.field, e.code);
                }
                None
            }
        };
        let place = match self.place_id() {
            Ok(p) => p,
            Err(e) => {
                self.add_error(lang, e.field, e.code);
                None
            }
        };
        let address = Some(self.address.trim().to_owned()).filter(|a| !a.is_empty());
        if point.is_none() && place.is_none() && address.is_none() && !self.has_coordinates() {
            self.add_error(lang, "position", "position_required");
        }
        if !self.severity.trim().is_empty()
            && let Err(e) = Severity::parse(&self.severity)
        {
            self.add_error(lang, "severity", e.code);
        }
        let counts = pii_counts(&self.description);
        self.personal_data = pii_labels(lang, &counts);
        self.keeps_personal_data = !counts.is_empty() && policy == PiiPolicy::KeepAndFlag;
        if !self.errors.is_empty() {
            return None;
        }
        Some(IncidentInput {
            category: self.category.clone(),
            description: self.description.clone(),
            occurred_at: self.occurred_at.clone(),
            occurred_to: to,
            place: WhereInput {
                point,
                place,
                text: address,
            },
            creates_insecurity: self.insecurity == "ja",
            severity: Some(self.severity.clone()).filter(|s| !s.trim().is_empty()),
            sharing: Some(self.sharing.clone()),
            photos: Vec::new(),
        })
    }
}

fn pii_counts(text: &str) -> PiiCounts {
    let mut counts = PiiCounts::default();
    for f in personal_data::detect(text) {
        counts.add(f.kind);
    }
    counts
}

fn pii_labels(lang: Lang, counts: &PiiCounts) -> Vec<String> {
    trygg_domain::incident::PiiKind::ALL
        .iter()
        .filter(|k| counts.get(**k) > 0)
        .map(|k| {
            format!(
                "{} ({})",
                lang.t(&format!("pii-{}", k.code())),
                counts.get(*k)
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "incidents/report.html")]
struct ReportPage {
    shell: Shell,
    blocks: Vec<Block>,
    categories: Vec<ChoiceGroup>,
    places: Vec<Choice>,
    severities: Vec<Choice>,
    idempotency_key: String,
    summary: Vec<(String, String)>,
    /// Personal data was found and the reporter has not confirmed yet.
    pii_warning: bool,
    /// Some of it will be kept (flagged) rather than masked.
    pii_kept: bool,
    confirm_pii: bool,
    can_add: bool,
    map: MapConfig,
}

fn now_local(state: &AppState) -> String {
    let now = state.trygg.clock.now();
    match stockholm() {
        Some(tz) => now
            .timestamp()
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string(),
        None => String::new(),
    }
}

async fn report_page(
    state: &AppState,
    ctx: &Ctx,
    blocks: Vec<Block>,
    key: String,
    pii_warning: bool,
    confirm_pii: bool,
    status: StatusCode,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let summary = blocks
        .iter()
        .flat_map(|b| {
            b.errors.iter().map(move |(field, message)| {
                let label = lang.t(&format!("report-field-{}", field.replace('_', "-")));
                (
                    b.anchor(field),
                    lang.t_args(
                        "report-error-line",
                        &[
                            ("number", b.number.to_string()),
                            ("field", label),
                            ("message", message.clone()),
                        ],
                    ),
                )
            })
        })
        .collect();
    let severities = std::iter::once(Choice {
        value: String::new(),
        label: lang.t("report-severity-default"),
    })
    .chain(
        (1..=3u8)
            .filter_map(|n| Severity::new(n).ok())
            .map(|s| Choice {
                value: s.get().to_string(),
                label: format!(
                    "{} – {}",
                    s.get(),
                    match lang {
                        Lang::Sv => s.name_sv(),
                        Lang::En => s.name_en(),
                    }
                ),
            }),
    )
    .collect();
    let page = ReportPage {
        shell: Shell::new(ctx, lang.t("report-title")),
        can_add: blocks.len() < MAX_INCIDENTS,
        pii_kept: blocks.iter().any(|b| b.keeps_personal_data),
        blocks,
        categories: category_groups(state, lang).await?,
        places: place_choices(state, &caller).await?,
        severities,
        idempotency_key: key,
        summary,
        pii_warning,
        confirm_pii,
        map: MapConfig::new(state, lang),
    };
    Ok((status, render(&page)).into_response())
}

pub async fn form(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let blocks = vec![Block::empty(0, &now_local(&state))];
    report_page(
        &state,
        &ctx,
        blocks,
        trygg_core::secret::random_token(),
        false,
        false,
        StatusCode::OK,
    )
    .await
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    upload: super::photos::Upload,
) -> PageResult {
    let lang = ctx.lang;
    let data: &FormData = &upload.form;
    let count = data
        .get("count")
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, MAX_INCIDENTS);
    let mut blocks: Vec<Block> = (0..count)
        .map(|i| {
            let mut b = Block::from_form(data, i);
            let field = format!("i{i}.photos");
            // Until they are stored, any answer but the receipt loses them.
            b.photos_lost =
                upload.files.iter().any(|(f, _)| *f == field) || upload.too_large.contains(&field);
            b
        })
        .collect();
    // A form without a key (an old page, a script) still works; it only loses the
    // protection against double submission.
    let key = match data.get("idempotency_key").trim() {
        "" => trygg_core::secret::random_token(),
        k => k.to_owned(),
    };
    let confirm_pii = data.get("confirm_pii") == "1";

    if data.get("action") == "add" {
        if blocks.len() < MAX_INCIDENTS {
            let mut added = Block::empty(blocks.len(), &now_local(&state));
            // The new incident most likely happened where and when the previous one did.
            if let Some(prev) = blocks.last() {
                added.occurred_at = prev.occurred_at.clone();
                added.sharing = prev.sharing.clone();
            }
            added.focus = true;
            blocks.push(added);
        }
        return report_page(
            &state,
            &ctx,
            blocks,
            key,
            false,
            confirm_pii,
            StatusCode::OK,
        )
        .await;
    }

    // Extra blocks left empty are dropped; at least one stays, to carry the errors.
    // Each keeps the name of its photo field as sent, for the files.
    let mut kept: Vec<Block> = Vec::new();
    let mut photo_fields: Vec<String> = Vec::new();
    for b in blocks.drain(..) {
        if kept.is_empty() || !b.is_blank() {
            photo_fields.push(format!("i{}.photos", b.index));
            kept.push(b);
        }
    }
    for (i, b) in kept.iter_mut().enumerate() {
        b.index = i;
        b.number = i + 1;
    }
    let mut blocks = kept;

    let (list, _) = state.trygg.category_list().await?;
    let now = state.trygg.clock.now();
    let inputs: Vec<Option<IncidentInput>> = blocks
        .iter_mut()
        .map(|b| b.check(lang, &list, now))
        .collect();
    let found_pii = blocks.iter().any(|b| !b.personal_data.is_empty());
    if inputs.iter().any(Option::is_none) {
        return report_page(
            &state,
            &ctx,
            blocks,
            key,
            found_pii && !confirm_pii,
            confirm_pii,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    if found_pii && !confirm_pii {
        return report_page(&state, &ctx, blocks, key, true, false, StatusCode::OK).await;
    }
    let mut inputs: Vec<IncidentInput> = inputs.into_iter().flatten().collect();
    // The photos last: decoding is the costly part, and pointless for a form that
    // comes back anyway.
    let limits = state.trygg.settings.photos;
    let mut photo_errors = false;
    for ((b, input), field) in blocks.iter_mut().zip(inputs.iter_mut()).zip(&photo_fields) {
        match super::photos::clean_field(&upload, field, limits).await {
            Ok(photos) => input.photos = photos,
            Err(e) => {
                b.add_error(lang, "photos", e.code);
                photo_errors = true;
            }
        }
    }
    if photo_errors {
        return report_page(
            &state,
            &ctx,
            blocks,
            key,
            false,
            confirm_pii,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state
        .trygg
        .file_report(&ctx.caller(), &ctx.meta(), inputs, Some(key.clone()))
        .await
    {
        Ok(filed) => Ok(see_other(&format!(
            "/rapporter/{}?{}",
            filed.report.0,
            if filed.new { "skickad=1" } else { "redan=1" }
        ))),
        Err(ReportError::Invalid(errors)) => {
            for e in errors {
                if let Some(b) = blocks.get_mut(e.index) {
                    let field = match e.invalid.field {
                        "incidents" | "idempotency_key" => "description",
                        f => f,
                    };
                    b.add_error(lang, field, e.invalid.code);
                }
            }
            report_page(
                &state,
                &ctx,
                blocks,
                key,
                false,
                confirm_pii,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ReportError::Other(e)) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- the receipt

/// The incidents of one of the caller's own reports, in the order filed. Empty when
/// the report is not theirs (or does not exist).
pub async fn report_incidents(
    state: &AppState,
    caller: &Caller,
    report: ReportId,
) -> Result<Vec<IncidentRow>, crate::WebError> {
    // A person finds the report among their own; an integration (API token) among its
    // organisation's, if its scopes let it read them at all.
    let who = match (caller.actor(), caller.organisation_id()) {
        (Some(a), _) => IncidentFilter {
            reporter: Some(a.user.id),
            ..Default::default()
        },
        (None, Some(org))
            if caller
                .require(trygg_domain::policy::Action::ReadOwnIncidents)
                .is_ok() =>
        {
            IncidentFilter {
                organisation: Some(org),
                ..Default::default()
            }
        }
        _ => return Ok(Vec::new()),
    };
    // The store has no filter by report; the reporter's own incidents are read a page
    // at a time (newest first), which for a report just filed is the first page.
    const PAGE: i64 = trygg_core::incidents::MAX_PAGE;
    const MAX_PAGES: i64 = 20;
    let mut found = Vec::new();
    for page in 0..MAX_PAGES {
        let filter = IncidentFilter {
            order: IncidentOrder::NewestFirst,
            limit: PAGE,
            offset: page * PAGE,
            ..who.clone()
        };
        let (rows, total) = state.trygg.incidents(caller, &filter).await?;
        let n = rows.len() as i64;
        found.extend(rows.into_iter().filter(|r| r.report_id == Some(report)));
        if n < PAGE || (page + 1) * PAGE >= total {
            break;
        }
    }
    found.sort_by_key(|r| r.id.0);
    Ok(found)
}

#[derive(Deserialize, Default)]
pub struct ReceiptQuery {
    skickad: Option<String>,
    redan: Option<String>,
}

#[derive(Template)]
#[template(path = "incidents/receipt.html")]
struct ReceiptPage {
    shell: Shell,
    report_id: i64,
    heading: String,
    just_sent: bool,
    already: bool,
    incidents: Vec<IncidentView>,
    any_masked: bool,
}

pub async fn receipt(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ReceiptQuery>,
) -> PageResult {
    let caller = ctx.caller();
    let lang = ctx.lang;
    let rows = report_incidents(&state, &caller, ReportId(id)).await?;
    if rows.is_empty() {
        return Err(trygg_core::Error::NotFound.into());
    }
    let names = place_names(&state, &caller).await?;
    let incidents: Vec<IncidentView> = rows
        .iter()
        .map(|r| IncidentView::new(lang, r, &names))
        .collect();
    let just_sent = q.skickad.is_some();
    let already = q.redan.is_some();
    let heading = if just_sent || already {
        lang.t("receipt-title")
    } else {
        lang.t_args("receipt-report", &[("id", id.to_string())])
    };
    Ok(render(&ReceiptPage {
        shell: Shell::new(&ctx, heading.clone()),
        report_id: id,
        heading,
        just_sent,
        already,
        any_masked: incidents.iter().any(|i| !i.personal_data.is_empty()),
        incidents,
    }))
}
