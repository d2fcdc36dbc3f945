//! Server-rendered pages. Every page is a struct with an askama template and a `Shell`
//! (language, signed-in user, navigation, CSRF token) that the layout uses.

pub mod admin;
pub mod api_tokens;
pub mod categories;
pub mod est_meeting;
pub mod exports;
pub mod geography;
pub mod incidents;
pub mod lagesbild;
pub mod login;
pub mod measures;
pub mod periodic;
pub mod photos;
pub mod plans;
pub mod promises;
pub mod public_promises;
pub mod public_walks;
pub mod report;
pub mod review;
pub mod start;
pub mod walks;

use askama::Template;
use axum::extract::FromRequest;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use trygg_domain::policy::Action;

use crate::context::Ctx;
use crate::error::WebError;
use crate::i18n::Lang;

/// A form's error shown beside its field (`field` is the input's name, or `form` for the
/// whole form), translated.
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

/// The errors a form shows beside its fields (invalid input, a refused or conflicting
/// step); anything else is an error page.
pub(crate) fn field_error(
    ctx: &Ctx,
    e: trygg_core::Error,
) -> Result<FieldError, trygg_core::Error> {
    match e {
        trygg_core::Error::Invalid(i) => Ok(FieldError {
            field: i.field,
            message: ctx.lang.error(i.code),
        }),
        trygg_core::Error::Refused(code) | trygg_core::Error::Conflict(code) => Ok(FieldError {
            field: "form",
            message: ctx.lang.error(code),
        }),
        other => Err(other),
    }
}

/// One link of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// The parts of the layout every page shares.
pub struct Shell {
    pub lang: Lang,
    pub title: String,
    pub user_name: Option<String>,
    pub organisation_name: Option<String>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub request_id: String,
    /// The current path without `lang=`, for the language switch links.
    pub path_sv: String,
    pub path_en: String,
}

/// The navigation: each module's entry point, shown only to those who may use it.
/// Coming modules (map, reports, lägesbild, measures, walks) add their line here.
const NAV: &[(&str, &str, Action)] = &[
    ("/", "nav-start", Action::ViewStartPage),
    ("/map", "nav-map", Action::ReadGeography),
    ("/places", "nav-places", Action::ReadGeography),
    ("/rapportera", "nav-report", Action::FileReport),
    ("/incidenter", "nav-incidents", Action::ReadOwnIncidents),
    ("/granskning", "nav-review", Action::ReviewIncidents),
    ("/walks", "nav-walks", Action::AnswerWalkProposals),
    ("/plans", "nav-plans", Action::ReadPlans),
    ("/promises", "nav-promises", Action::ManagePromises),
    ("/measures", "nav-measures", Action::ReadMeasures),
    ("/rapportering", "nav-rhythm", Action::ReviewIncidents),
    ("/lagesbild", "nav-lagesbild", Action::ReadDraftLagesbild),
    (
        "/lagesbild/period",
        "nav-periodic",
        Action::ReadDraftLagesbild,
    ),
    (
        "/lagesbild/publicerade",
        "nav-published-lagesbild",
        Action::ReadPublishedLagesbild,
    ),
    (
        "/admin/organisations",
        "nav-organisations",
        Action::ReadDirectory,
    ),
    ("/admin/users", "nav-users", Action::ReadDirectory),
    (
        "/admin/categories",
        "nav-categories",
        Action::ManageCategories,
    ),
    (
        "/admin/api-tokens",
        "nav-api-tokens",
        Action::ManageApiTokens,
    ),
];

/// Pages without an entry of their own, and the entry they belong under: the
/// near-repeat table is part of the periodic analysis.
const NAV_PARENTS: &[(&str, &str)] = &[("/lagesbild/near-repeat", "/lagesbild/period")];

impl Shell {
    pub fn new(ctx: &Ctx, title: String) -> Self {
        let current_path = ctx.path.split('?').next().unwrap_or("/").to_owned();
        let nav: Vec<NavItem> = match &ctx.actor {
            Some(a) => {
                // One entry is the current page: the longest that leads to it, so that
                // /lagesbild/period marks "Periodanalys", not "Lägesbild" as well.
                let path = NAV_PARENTS
                    .iter()
                    .find(|(page, _)| current_path.starts_with(page))
                    .map_or(current_path.as_str(), |(_, parent)| parent);
                let current = NAV
                    .iter()
                    .filter(|(_, _, action)| a.allows(*action))
                    .map(|(href, _, _)| *href)
                    .filter(|href| {
                        if *href == "/" {
                            path == "/"
                        } else {
                            path.starts_with(href)
                        }
                    })
                    .max_by_key(|href| href.len());
                NAV.iter()
                    .filter(|(_, _, action)| a.allows(*action))
                    .map(|(href, key, _)| NavItem {
                        href,
                        label: ctx.lang.t(key),
                        current: current == Some(*href),
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        Self {
            lang: ctx.lang,
            title,
            user_name: ctx.actor.as_ref().map(|a| a.user.name.clone()),
            organisation_name: ctx.actor.as_ref().map(|a| a.organisation.name.clone()),
            csrf: ctx.csrf.clone(),
            nav,
            request_id: ctx.request_id.clone(),
            path_sv: with_lang(&ctx.path, "sv"),
            path_en: with_lang(&ctx.path, "en"),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.lang.t(key)
    }

    pub fn asset(&self, name: &str) -> &'static str {
        crate::assets::url(name)
    }

    pub fn role(&self, role: &trygg_domain::account::Role) -> String {
        self.lang.t(&format!("role-{}", role_key(*role)))
    }

    pub fn kind(&self, kind: &trygg_domain::organisation::OrganisationKind) -> String {
        self.lang.t(&format!("org-kind-{}", kind_key(*kind)))
    }
}

/// Fluent identifiers are ASCII; the role codes are not.
pub fn role_key(role: trygg_domain::account::Role) -> &'static str {
    use trygg_domain::account::Role::*;
    match role {
        Admin => "admin",
        Samordnare => "samordnare",
        Analytiker => "analytiker",
        Rapportor => "rapportor",
        Handlaggare => "handlaggare",
        Lasare => "lasare",
    }
}

pub fn kind_key(kind: trygg_domain::organisation::OrganisationKind) -> &'static str {
    use trygg_domain::organisation::OrganisationKind::*;
    match kind {
        Kommun => "kommun",
        Polis => "polis",
        Fastighetsagare => "fastighetsagare",
        Bevakningsforetag => "bevakningsforetag",
        Raddningstjanst => "raddningstjanst",
        Skola => "skola",
        Entreprenor => "entreprenor",
        Ovrig => "ovrig",
    }
}

fn with_lang(path: &str, lang: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut q: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "lang")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    q.push(("lang".into(), lang.into()));
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(q)
        .finish();
    format!("{base}?{encoded}")
}

/// Renders a template into a response, or a 500 if the template fails.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response()
        }
    }
}

pub type PageResult = Result<Response, WebError>;

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    shell: Shell,
    status: u16,
    heading: String,
    message: &'a str,
    signed_in: bool,
}

/// The error page: in the user's language, with the request id, never a stack trace.
pub fn error_page(ctx: &Ctx, status: StatusCode, code: &str, message: &str) -> Response {
    let heading = match status {
        StatusCode::NOT_FOUND => ctx.lang.t("error-heading-not-found"),
        StatusCode::FORBIDDEN => ctx.lang.t("error-heading-forbidden"),
        s if s.is_server_error() => ctx.lang.t("error-heading-server"),
        _ => ctx.lang.t("error-heading"),
    };
    let page = ErrorPage {
        shell: Shell::new(ctx, heading.clone()),
        status: status.as_u16(),
        heading,
        message,
        signed_in: ctx.actor.is_some(),
    };
    let _ = code;
    (status, render(&page)).into_response()
}

pub async fn not_found() -> WebError {
    WebError(trygg_core::Error::NotFound)
}

/// A parsed `application/x-www-form-urlencoded` body. Kept as pairs because checkbox
/// groups repeat a name (`roles=admin&roles=läsare`).
pub struct FormData(Vec<(String, String)>);

impl FormData {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self(
            form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

/// A `303 See Other` to a page (Post/Redirect/Get).
pub fn see_other(to: &str) -> Response {
    axum::response::Redirect::to(to).into_response()
}
