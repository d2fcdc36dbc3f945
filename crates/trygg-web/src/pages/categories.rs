//! The admin pages of the versioned category list: the current categories with a form
//! to add one, and one category's versions with forms to change and to retire it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use trygg_core::Error;
use trygg_core::categories::CategoryInput;
use trygg_domain::incident::personal_data::PiiPolicy;
use trygg_domain::incident::{CategoryGroup, Severity};
use trygg_store::incident::CategoryRow;

use super::FieldError;
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

impl FieldError {
    /// Whether the error belongs to `field` (the templates mark that input).
    pub fn is(&self, field: &str) -> bool {
        self.field == field
    }
}

fn field_error(ctx: &Ctx, e: Error) -> Result<FieldError, Error> {
    match e {
        Error::Invalid(i) => Ok(FieldError {
            field: i.field,
            message: ctx.lang.error(i.code),
        }),
        other => Err(other),
    }
}

/// A category code as a URL path segment.
fn href(code: &str) -> String {
    let enc: String = form_urlencoded::byte_serialize(code.as_bytes()).collect();
    format!("/admin/categories/{enc}")
}

/// One category version as shown.
pub struct Row {
    pub href: String,
    pub code: String,
    pub version: i64,
    pub name_sv: String,
    pub name_en: String,
    pub group: String,
    pub severity: String,
    pub pii: String,
    pub retired: bool,
    pub replaced_by: Option<(String, String)>,
}

fn group_name(lang: Lang, code: &str) -> String {
    match CategoryGroup::parse(code) {
        Ok(g) if lang == Lang::En => g.name_en().into(),
        Ok(g) => g.name_sv().into(),
        Err(_) => code.into(),
    }
}

fn severity_name(lang: Lang, value: i64) -> String {
    match u8::try_from(value).ok().and_then(|v| Severity::new(v).ok()) {
        Some(s) if lang == Lang::En => format!("{} – {}", s.get(), s.name_en()),
        Some(s) => format!("{} – {}", s.get(), s.name_sv()),
        None => value.to_string(),
    }
}

fn pii_key(code: &str) -> &'static str {
    match code {
        "keep_and_flag" => "category-pii-keep_and_flag",
        _ => "category-pii-mask",
    }
}

fn row(lang: Lang, r: &CategoryRow) -> Row {
    Row {
        href: href(&r.code),
        code: r.code.clone(),
        version: r.version,
        name_sv: r.name_sv.clone(),
        name_en: r.name_en.clone(),
        group: group_name(lang, &r.group),
        severity: severity_name(lang, r.default_severity),
        pii: lang.t(pii_key(&r.pii_policy)),
        retired: r.retired,
        replaced_by: r.replaced_by.as_ref().map(|c| (href(c), c.clone())),
    }
}

/// The newest version of each code, in the stored order (by code).
fn latest(rows: &[CategoryRow]) -> Vec<&CategoryRow> {
    let mut out: Vec<&CategoryRow> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|l| l.code == r.code) {
            Some(l) if l.version < r.version => *l = r,
            Some(_) => {}
            None => out.push(r),
        }
    }
    out
}

/// The choices of the form's select fields: (code, label).
pub struct Choices {
    pub groups: Vec<(&'static str, String)>,
    pub severities: Vec<(String, String)>,
    pub policies: Vec<(&'static str, String)>,
}

fn choices(lang: Lang) -> Choices {
    Choices {
        groups: CategoryGroup::ALL
            .iter()
            .map(|g| (g.code(), group_name(lang, g.code())))
            .collect(),
        severities: [Severity::LOW, Severity::MEDIUM, Severity::HIGH]
            .iter()
            .map(|s| (s.get().to_string(), severity_name(lang, i64::from(s.get()))))
            .collect(),
        policies: PiiPolicy::ALL
            .iter()
            .map(|p| (p.code(), lang.t(pii_key(p.code()))))
            .collect(),
    }
}

fn input_of(form: &FormData) -> CategoryInput {
    CategoryInput {
        code: form.get("code").trim().to_owned(),
        name_sv: form.get("name_sv").to_owned(),
        name_en: form.get("name_en").to_owned(),
        group: form.get("group").to_owned(),
        default_severity: form.get("default_severity").to_owned(),
        pii_policy: form.get("pii_policy").to_owned(),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct Flash {
    saved: Option<String>,
}

// ---------------------------------------------------------------- the list

#[derive(Template)]
#[template(path = "categories/list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<Row>,
    choices: Choices,
    form: CategoryInput,
    error: Option<FieldError>,
}

impl ListPage {
    /// The message for `field` of the add form, if refused.
    fn field_err(&self, _form: &str, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.is(field))
            .map(|e| e.message.as_str())
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    form: CategoryInput,
    error: Option<FieldError>,
) -> PageResult {
    let all = state.trygg.categories_admin(&ctx.caller()).await?;
    let rows = latest(&all).into_iter().map(|r| row(ctx.lang, r)).collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = ListPage {
        shell: Shell::new(ctx, ctx.lang.t("categories-title")),
        rows,
        choices: choices(ctx.lang),
        form,
        error,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> PageResult {
    let form = CategoryInput {
        group: CategoryGroup::ALL[0].code().into(),
        default_severity: "1".into(),
        pii_policy: PiiPolicy::Mask.code().into(),
        ..Default::default()
    };
    list_page(&state, &ctx, form, None).await
}

pub async fn add(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    let input = input_of(&form);
    match state
        .trygg
        .add_category(&ctx.caller(), &ctx.meta(), input.clone())
        .await
    {
        Ok(r) => Ok(see_other(&format!("{}?saved=1", href(&r.code)))),
        Err(e) => {
            let fe = field_error(&ctx, e)?;
            list_page(&state, &ctx, input, Some(fe)).await
        }
    }
}

// ---------------------------------------------------------------- one category

#[derive(Template)]
#[template(path = "categories/category.html")]
struct CategoryPage {
    shell: Shell,
    current: Row,
    versions: Vec<Row>,
    choices: Choices,
    /// Current, not retired categories other than this one: (code, Swedish name).
    replacements: Vec<(String, String)>,
    form: CategoryInput,
    form_replaced_by: String,
    saved: bool,
    error: Option<FieldError>,
    /// Which form the error belongs to: `change` or `retire`.
    error_form: &'static str,
}

impl CategoryPage {
    /// The message for `field` of form `form` (`change` or `retire`), if refused.
    fn field_err(&self, form: &str, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| self.error_form == form && e.is(field))
            .map(|e| e.message.as_str())
    }
}

struct Shown {
    form: Option<CategoryInput>,
    replaced_by: String,
    saved: bool,
    error: Option<FieldError>,
    error_form: &'static str,
}

async fn category_page(state: &AppState, ctx: &Ctx, code: &str, shown: Shown) -> PageResult {
    let all = state.trygg.categories_admin(&ctx.caller()).await?;
    let versions: Vec<&CategoryRow> = all.iter().filter(|r| r.code == code).collect();
    let Some(newest) = versions.iter().max_by_key(|r| r.version).copied() else {
        return Err(Error::NotFound.into());
    };
    let replacements = latest(&all)
        .into_iter()
        .filter(|r| !r.retired && r.code != code)
        .map(|r| (r.code.clone(), r.name_sv.clone()))
        .collect();
    let form = shown.form.unwrap_or_else(|| CategoryInput {
        code: newest.code.clone(),
        name_sv: newest.name_sv.clone(),
        name_en: newest.name_en.clone(),
        group: newest.group.clone(),
        default_severity: newest.default_severity.to_string(),
        pii_policy: newest.pii_policy.clone(),
    });
    let status = if shown.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let name = if ctx.lang == Lang::En {
        &newest.name_en
    } else {
        &newest.name_sv
    };
    let page = CategoryPage {
        shell: Shell::new(ctx, name.clone()),
        current: row(ctx.lang, newest),
        versions: versions.iter().rev().map(|r| row(ctx.lang, r)).collect(),
        choices: choices(ctx.lang),
        replacements,
        form,
        form_replaced_by: shown.replaced_by,
        saved: shown.saved,
        error: shown.error,
        error_form: shown.error_form,
    };
    Ok((status, render(&page)).into_response())
}

pub async fn category(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(flash): Query<Flash>,
) -> PageResult {
    let shown = Shown {
        form: None,
        replaced_by: String::new(),
        saved: flash.saved.is_some(),
        error: None,
        error_form: "",
    };
    category_page(&state, &ctx, &code, shown).await
}

pub async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: FormData,
) -> PageResult {
    let input = input_of(&form);
    match state
        .trygg
        .change_category(&ctx.caller(), &ctx.meta(), &code, input.clone())
        .await
    {
        Ok(r) => Ok(see_other(&format!("{}?saved=1", href(&r.code)))),
        Err(e) => {
            let fe = field_error(&ctx, e)?;
            let shown = Shown {
                form: Some(CategoryInput {
                    code: code.clone(),
                    ..input
                }),
                replaced_by: String::new(),
                saved: false,
                error: Some(fe),
                error_form: "change",
            };
            category_page(&state, &ctx, &code, shown).await
        }
    }
}

pub async fn retire(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    form: FormData,
) -> PageResult {
    let replaced_by = form.get("replaced_by").trim().to_owned();
    let target = (!replaced_by.is_empty()).then(|| replaced_by.clone());
    match state
        .trygg
        .retire_category(&ctx.caller(), &ctx.meta(), &code, target)
        .await
    {
        Ok(r) => Ok(see_other(&format!("{}?saved=1", href(&r.code)))),
        Err(e) => {
            let mut fe = field_error(&ctx, e)?;
            // Every refusal of a retirement concerns the replacement choice.
            fe.field = "replaced_by";
            let shown = Shown {
                form: None,
                replaced_by,
                saved: false,
                error: Some(fe),
                error_form: "retire",
            };
            category_page(&state, &ctx, &code, shown).await
        }
    }
}
