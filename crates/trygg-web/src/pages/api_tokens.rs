//! The admin page of API tokens: every token with its organisation, prefix, scopes and
//! last use, a form to create one (the token is shown once, on the answer page, and
//! never again), and a button to revoke each. No JavaScript needed.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use trygg_core::Error;
use trygg_core::api_tokens::TokenInput;
use trygg_domain::api_token::{ApiScope, ApiTokenId};
use trygg_store::Store;
use trygg_store::api_token::ApiTokenRow;

use super::FieldError;
use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::Ctx;
use crate::i18n::Lang;

/// One token as listed.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub organisation: String,
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub status: String,
    pub active: bool,
}

fn scope_label(lang: Lang, code: &str) -> String {
    let key = format!("token-scope-{}", code.replace(':', "-"));
    format!("{} ({code})", lang.t(&key))
}

fn row(lang: Lang, now: trygg_domain::time::Instant, t: &ApiTokenRow) -> Row {
    let never = lang.t("token-never");
    let active = t.active(now);
    let status = if t.revoked_at.is_some() {
        lang.t("token-status-revoked")
    } else if !active {
        lang.t("token-status-expired")
    } else {
        lang.t("token-status-active")
    };
    Row {
        id: t.id.0,
        name: t.name.clone(),
        organisation: t.organisation_name.clone(),
        prefix: format!("{}…", t.prefix),
        scopes: t
            .scopes
            .split_whitespace()
            .map(|c| scope_label(lang, c))
            .collect(),
        created: t.created_at.local_display(),
        // The last valid day, as it was typed: the stored end is the next midnight.
        expires: t
            .expires_at
            .map(|e| {
                e.minus_seconds(1)
                    .local_display()
                    .chars()
                    .take(10)
                    .collect()
            })
            .unwrap_or_else(|| lang.t("token-no-expiry")),
        last_used: t.last_used_at.map(|u| u.local_display()).unwrap_or(never),
        status,
        active,
    }
}

/// A checkbox or select choice.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "api_tokens/list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<Row>,
    organisations: Vec<Choice>,
    scopes: Vec<Choice>,
    form: TokenInput,
    errors: Vec<FieldError>,
    revoked: bool,
}

impl ListPage {
    fn err(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

async fn list_page(
    state: &AppState,
    ctx: &Ctx,
    form: TokenInput,
    errors: Vec<FieldError>,
    revoked: bool,
) -> PageResult {
    let tokens = state.trygg.api_tokens(&ctx.caller()).await?;
    let now = state.trygg.clock.now();
    let chosen: Vec<&str> = form.scopes.split_whitespace().collect();
    let organisations = state
        .trygg
        .db
        .organisations()
        .await
        .map_err(Error::from)?
        .into_iter()
        .map(|o| Choice {
            checked: form.organisation == o.id.0.to_string(),
            value: o.id.0.to_string(),
            label: o.name,
        })
        .collect();
    let scopes = ApiScope::ALL
        .iter()
        .map(|s| Choice {
            value: s.code().into(),
            label: ctx
                .lang
                .t(&format!("token-scope-{}", s.code().replace(':', "-"))),
            checked: chosen.contains(&s.code()),
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ListPage {
        shell: Shell::new(ctx, ctx.lang.t("tokens-title")),
        rows: tokens.iter().map(|t| row(ctx.lang, now, t)).collect(),
        organisations,
        scopes,
        form,
        errors,
        revoked,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct Flash {
    revoked: Option<String>,
}

/// `GET /admin/api-tokens`
pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(f): Query<Flash>) -> PageResult {
    let form = TokenInput {
        scopes: ApiScope::IncidentsRead.code().into(),
        ..Default::default()
    };
    list_page(&state, &ctx, form, Vec::new(), f.revoked.is_some()).await
}

#[derive(Template)]
#[template(path = "api_tokens/created.html")]
struct CreatedPage {
    shell: Shell,
    token: String,
    row: Row,
}

/// `POST /admin/api-tokens`: creates a token and shows it, this once.
pub async fn create(State(state): State<AppState>, ctx: Ctx, form: FormData) -> PageResult {
    let input = TokenInput {
        organisation: form.get("organisation").to_owned(),
        name: form.get("name").to_owned(),
        scopes: form.all("scopes").join(" "),
        expires: form.get("expires").to_owned(),
    };
    match state
        .trygg
        .create_api_token(&ctx.caller(), &ctx.meta(), input.clone())
        .await
    {
        Ok(created) => {
            let now = state.trygg.clock.now();
            let page = CreatedPage {
                shell: Shell::new(&ctx, ctx.lang.t("token-created-title")),
                token: created.token,
                row: row(ctx.lang, now, &created.row),
            };
            Ok(render(&page))
        }
        Err(Error::Invalid(i)) => {
            let errors = vec![FieldError {
                field: i.field,
                message: ctx.lang.error(i.code),
            }];
            list_page(&state, &ctx, input, errors, false).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/api-tokens/{id}/revoke`
pub async fn revoke(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> PageResult {
    state
        .trygg
        .revoke_api_token(&ctx.caller(), &ctx.meta(), ApiTokenId(id))
        .await?;
    Ok(see_other("/admin/api-tokens?revoked=1"))
}
