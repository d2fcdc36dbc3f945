//! Every route and its access rule, in one table.
//!
//! The router is built from this table, and the guard middleware looks each request's
//! matched route up in it again, so a route cannot exist without a rule and a request to
//! a route with no rule is answered 404. The access tests walk the same table.

use axum::Router;
use axum::http::Method;
use axum::routing::{MethodRouter, get, patch, post};
use trygg_domain::policy::Action;

use crate::{AppState, api, assets, context, pages};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login, health, assets, published material).
    Public,
    /// A signed-in user whose roles allow the action.
    Signed(Action),
}

/// One route: method, axum path pattern, access rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

use Access::{Public, Signed};

fn table() -> Vec<(Rule, MethodRouter<AppState>)> {
    let r =
        |method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>| {
            (
                Rule {
                    method,
                    path,
                    access,
                },
                handler,
            )
        };
    vec![
        r(Method::GET, "/healthz", Public, get(api::health::healthz)),
        r(Method::GET, "/readyz", Public, get(api::health::readyz)),
        r(Method::GET, "/assets/{*name}", Public, get(assets::serve)),
        r(Method::GET, "/login", Public, get(pages::login::form)),
        r(Method::POST, "/login", Public, post(pages::login::submit)),
        r(
            Method::POST,
            "/logout",
            Signed(Action::ViewStartPage),
            post(pages::login::logout),
        ),
        r(
            Method::GET,
            "/",
            Signed(Action::ViewStartPage),
            get(pages::start::page),
        ),
        r(
            Method::GET,
            "/admin/organisations",
            Signed(Action::ReadDirectory),
            get(pages::admin::organisations),
        ),
        r(
            Method::POST,
            "/admin/organisations",
            Signed(Action::ManageOrganisations),
            post(pages::admin::create_organisation),
        ),
        r(
            Method::GET,
            "/admin/organisations/{id}",
            Signed(Action::ReadDirectory),
            get(pages::admin::organisation),
        ),
        r(
            Method::POST,
            "/admin/organisations/{id}/units",
            Signed(Action::ManageOrganisations),
            post(pages::admin::create_unit),
        ),
        r(
            Method::GET,
            "/admin/categories",
            Signed(Action::ManageCategories),
            get(pages::categories::list),
        ),
        r(
            Method::POST,
            "/admin/categories",
            Signed(Action::ManageCategories),
            post(pages::categories::add),
        ),
        r(
            Method::GET,
            "/admin/categories/{id}",
            Signed(Action::ManageCategories),
            get(pages::categories::category),
        ),
        r(
            Method::POST,
            "/admin/categories/{id}/change",
            Signed(Action::ManageCategories),
            post(pages::categories::change),
        ),
        r(
            Method::POST,
            "/admin/categories/{id}/retire",
            Signed(Action::ManageCategories),
            post(pages::categories::retire),
        ),
        r(
            Method::GET,
            "/admin/users",
            Signed(Action::ReadDirectory),
            get(pages::admin::users),
        ),
        r(
            Method::GET,
            "/admin/users/new",
            Signed(Action::ManageUsers),
            get(pages::admin::new_user),
        ),
        r(
            Method::POST,
            "/admin/users",
            Signed(Action::ManageUsers),
            post(pages::admin::create_user),
        ),
        r(
            Method::GET,
            "/admin/users/{id}",
            Signed(Action::ReadDirectory),
            get(pages::admin::user),
        ),
        r(
            Method::POST,
            "/admin/users/{id}/roles",
            Signed(Action::ManageUsers),
            post(pages::admin::set_roles),
        ),
        r(
            Method::POST,
            "/admin/users/{id}/details",
            Signed(Action::ManageUsers),
            post(pages::admin::set_details),
        ),
        r(
            Method::POST,
            "/admin/users/{id}/disable",
            Signed(Action::ManageUsers),
            post(pages::admin::disable),
        ),
        r(
            Method::POST,
            "/admin/users/{id}/enable",
            Signed(Action::ManageUsers),
            post(pages::admin::enable),
        ),
        r(
            Method::POST,
            "/admin/users/{id}/password",
            Signed(Action::ManageUsers),
            post(pages::admin::reset_password),
        ),
        r(
            Method::GET,
            "/map",
            Signed(Action::ReadGeography),
            get(pages::geography::map),
        ),
        r(
            Method::GET,
            "/areas/{id}",
            Signed(Action::ReadGeography),
            get(pages::geography::area),
        ),
        r(
            Method::GET,
            "/places",
            Signed(Action::ReadGeography),
            get(pages::geography::places),
        ),
        r(
            Method::POST,
            "/places",
            Signed(Action::ManagePlaces),
            post(pages::geography::create_place),
        ),
        r(
            Method::GET,
            "/places/new",
            Signed(Action::ManagePlaces),
            get(pages::geography::new_place),
        ),
        r(
            Method::GET,
            "/places/{id}",
            Signed(Action::ReadGeography),
            get(pages::geography::place),
        ),
        r(
            Method::POST,
            "/places/{id}",
            Signed(Action::ManagePlaces),
            post(pages::geography::update_place),
        ),
        r(
            Method::GET,
            "/places/{id}/edit",
            Signed(Action::ManagePlaces),
            get(pages::geography::edit_place),
        ),
        r(
            Method::GET,
            "/rapportera",
            Signed(Action::FileReport),
            get(pages::report::form),
        ),
        r(
            Method::POST,
            "/rapportera",
            Signed(Action::FileReport),
            post(pages::report::submit),
        ),
        r(
            Method::GET,
            "/rapporter/mina",
            Signed(Action::FileReport),
            get(pages::incidents::mine),
        ),
        r(
            Method::GET,
            "/rapporter/{id}",
            Signed(Action::FileReport),
            get(pages::report::receipt),
        ),
        r(
            Method::GET,
            "/incidenter",
            Signed(Action::ReadOwnIncidents),
            get(pages::incidents::list),
        ),
        r(
            Method::GET,
            "/incidenter/{id}",
            Signed(Action::ReadOwnIncidents),
            get(pages::incidents::incident),
        ),
        r(
            Method::POST,
            "/incidenter/{id}/granskning",
            Signed(Action::ReviewIncidents),
            post(pages::review::decide),
        ),
        r(
            Method::GET,
            "/granskning",
            Signed(Action::ReviewIncidents),
            get(pages::review::queue),
        ),
        r(
            Method::GET,
            "/rapportering",
            Signed(Action::ReviewIncidents),
            get(pages::incidents::rhythm),
        ),
        r(
            Method::GET,
            "/lagesbild/period",
            Signed(Action::ReadDraftLagesbild),
            get(pages::periodic::period),
        ),
        r(
            Method::GET,
            "/lagesbild/near-repeat",
            Signed(Action::ReadDraftLagesbild),
            get(pages::periodic::near_repeat),
        ),
        r(
            Method::GET,
            "/walks",
            Signed(Action::AnswerWalkProposals),
            get(pages::walks::list),
        ),
        r(
            Method::POST,
            "/walks",
            Signed(Action::PlanWalks),
            post(pages::walks::create),
        ),
        r(
            Method::GET,
            "/walks/new",
            Signed(Action::PlanWalks),
            get(pages::walks::new),
        ),
        r(
            Method::GET,
            "/walks/{id}",
            Signed(Action::AnswerWalkProposals),
            get(pages::walks::walk_page),
        ),
        r(
            Method::POST,
            "/walks/{id}/status",
            Signed(Action::PlanWalks),
            post(pages::walks::set_status),
        ),
        r(
            Method::POST,
            "/walks/{id}/signup",
            Signed(Action::PlanWalks),
            post(pages::walks::set_signup),
        ),
        r(
            Method::POST,
            "/walks/{id}/send",
            Signed(Action::PlanWalks),
            post(pages::walks::send_requests),
        ),
        r(
            Method::POST,
            "/walks/{id}/rewalk",
            Signed(Action::PlanWalks),
            post(pages::walks::rewalk),
        ),
        r(
            Method::GET,
            "/walks/{id}/observe",
            Signed(Action::PlanWalks),
            get(pages::walks::observe),
        ),
        r(
            Method::POST,
            "/walks/{id}/observations",
            Signed(Action::PlanWalks),
            post(pages::walks::record).layer(upload_limit()),
        ),
        r(
            Method::POST,
            "/walks/proposals/{id}/route",
            Signed(Action::PlanWalks),
            post(pages::walks::route),
        ),
        r(
            Method::POST,
            "/walks/proposals/{id}/answer",
            Signed(Action::AnswerWalkProposals),
            post(pages::walks::answer),
        ),
        r(
            Method::POST,
            "/walks/proposals/{id}/done",
            Signed(Action::AnswerWalkProposals),
            post(pages::walks::done),
        ),
        r(
            Method::GET,
            "/walks/photos/{id}",
            Signed(Action::AnswerWalkProposals),
            get(pages::walks::photo),
        ),
        r(
            Method::GET,
            "/public/walks",
            Public,
            get(pages::public_walks::list),
        ),
        r(
            Method::GET,
            "/public/walks/{id}",
            Public,
            get(pages::public_walks::walk),
        ),
        r(
            Method::POST,
            "/public/walks/{id}/signup",
            Public,
            post(pages::public_walks::sign_up),
        ),
        r(
            Method::GET,
            "/public/walks/{id}/kalender.ics",
            Public,
            get(pages::public_walks::calendar),
        ),
        r(
            Method::GET,
            "/public/walks/{id}/protokoll.pdf",
            Public,
            get(pages::public_walks::pdf),
        ),
        r(
            Method::GET,
            "/public/walks/svar/{token}",
            Public,
            get(pages::public_walks::owner),
        ),
        r(
            Method::POST,
            "/public/walks/svar/{token}",
            Public,
            post(pages::public_walks::owner_answer),
        ),
        r(
            Method::GET,
            "/public/lagesbild/{id}",
            Public,
            get(pages::est_meeting::public),
        ),
        r(
            Method::GET,
            "/api/v1/openapi.json",
            Public,
            get(api::openapi_json),
        ),
        r(
            Method::GET,
            "/api/v1/walks/published",
            Public,
            get(api::walks::published),
        ),
        r(
            Method::GET,
            "/api/v1/walks/published/{id}",
            Public,
            get(api::walks::published_one),
        ),
        r(
            Method::GET,
            "/api/v1/walks",
            Signed(Action::AnswerWalkProposals),
            get(api::walks::list),
        ),
        r(
            Method::POST,
            "/api/v1/walks",
            Signed(Action::PlanWalks),
            post(api::walks::create),
        ),
        r(
            Method::GET,
            "/api/v1/walks/{id}",
            Signed(Action::AnswerWalkProposals),
            get(api::walks::one),
        ),
        r(
            Method::POST,
            "/api/v1/walks/{id}/observations",
            Signed(Action::PlanWalks),
            post(api::walks::observe),
        ),
        r(
            Method::POST,
            "/api/v1/walks/proposals/{id}/route",
            Signed(Action::PlanWalks),
            post(api::walks::route),
        ),
        r(
            Method::POST,
            "/api/v1/walks/proposals/{id}/answer",
            Signed(Action::AnswerWalkProposals),
            post(api::walks::answer),
        ),
        r(
            Method::GET,
            "/lagesbild",
            Signed(Action::ReadDraftLagesbild),
            get(pages::lagesbild::page),
        ),
        r(
            Method::GET,
            "/api/v1/lagesbild",
            Signed(Action::ReadDraftLagesbild),
            get(api::lagesbild::picture),
        ),
        r(
            Method::GET,
            "/api/v1/me",
            Signed(Action::ViewStartPage),
            get(api::me::me),
        ),
        r(
            Method::GET,
            "/api/v1/organisations",
            Signed(Action::ReadDirectory),
            get(api::directory::organisations),
        ),
        r(
            Method::GET,
            "/api/v1/users",
            Signed(Action::ReadDirectory),
            get(api::directory::users),
        ),
        r(
            Method::GET,
            "/api/v1/areas",
            Signed(Action::ReadGeography),
            get(api::geography::areas),
        ),
        r(
            Method::GET,
            "/api/v1/areas.geojson",
            Signed(Action::ReadGeography),
            get(api::geography::areas_geojson),
        ),
        r(
            Method::GET,
            "/api/v1/areas/{id}",
            Signed(Action::ReadGeography),
            get(api::geography::area),
        ),
        r(
            Method::GET,
            "/api/v1/places",
            Signed(Action::ReadGeography),
            get(api::geography::places),
        ),
        r(
            Method::POST,
            "/api/v1/places",
            Signed(Action::ManagePlaces),
            post(api::geography::create_place),
        ),
        r(
            Method::PATCH,
            "/api/v1/places/{id}",
            Signed(Action::ManagePlaces),
            patch(api::geography::update_place),
        ),
        r(
            Method::GET,
            "/api/v1/incidents",
            Signed(Action::ReadOwnIncidents),
            get(api::incidents::list),
        ),
        r(
            Method::POST,
            "/api/v1/incidents",
            Signed(Action::FileReport),
            post(api::incidents::create),
        ),
        r(
            Method::GET,
            "/api/v1/incidents.geojson",
            Signed(Action::ReadOwnIncidents),
            get(api::incidents::geojson),
        ),
        r(
            Method::GET,
            "/api/v1/incidents/{id}",
            Signed(Action::ReadOwnIncidents),
            get(api::incidents::one),
        ),
        r(
            Method::POST,
            "/api/v1/incidents/{id}/review",
            Signed(Action::ReviewIncidents),
            post(api::incidents::review),
        ),
    ]
}

/// The rules alone, for the guard and the access tests.
pub fn rules() -> Vec<Rule> {
    table().into_iter().map(|(rule, _)| rule).collect()
}

/// The rule for a request's method and matched path. HEAD is answered like GET.
pub fn rule_for(method: &Method, path: &str) -> Option<Rule> {
    static RULES: std::sync::LazyLock<Vec<Rule>> = std::sync::LazyLock::new(rules);
    let method = if *method == Method::HEAD {
        &Method::GET
    } else {
        method
    };
    RULES
        .iter()
        .find(|r| r.method == *method && r.path == path)
        .cloned()
}

pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (rule, handler) in table() {
        router = router.route(rule.path, handler);
    }
    router
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::guard,
        ))
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::context,
        ))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_appears_once() {
        let rules = rules();
        for (i, a) in rules.iter().enumerate() {
            assert!(
                rules[i + 1..]
                    .iter()
                    .all(|b| (a.method.clone(), a.path) != (b.method.clone(), b.path)),
                "{} {} twice",
                a.method,
                a.path
            );
        }
    }

    #[test]
    fn only_deliberately_public_routes_are_public() {
        let public: Vec<&str> = rules()
            .iter()
            .filter(|r| r.access == Public)
            .map(|r| r.path)
            .collect();
        assert_eq!(
            public,
            [
                "/healthz",
                "/readyz",
                "/assets/{*name}",
                "/login",
                "/login",
                "/public/walks",
                "/public/walks/{id}",
                "/public/walks/{id}/signup",
                "/public/walks/{id}/kalender.ics",
                "/public/walks/{id}/protokoll.pdf",
                "/public/walks/svar/{token}",
                "/public/walks/svar/{token}",
                "/api/v1/openapi.json",
                "/api/v1/walks/published",
                "/api/v1/walks/published/{id}"
            ]
        );
    }
}
