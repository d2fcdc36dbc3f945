//! How the API is authenticated, in the OpenAPI document: a browser session (the
//! cookie from `/login`, with `X-CSRF-Token` on changes) or an organisation's API token
//! (`Authorization: Bearer trygg_…`, no CSRF token needed). Each operation lists the
//! token scope it needs, derived from the route table and the scopes' actions, so the
//! document cannot drift from what the server enforces.

use axum::http::Method;
use trygg_domain::api_token::ApiScope;
use trygg_domain::policy::{Grant, integration_ceiling};
use utoipa::Modify;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};

use crate::routes::{Access, rule_for};

pub struct SecuritySchemes;

/// The scope a token needs for a route, or `None` if no token can call it.
fn scope_for(method: &Method, path: &str) -> Option<Option<ApiScope>> {
    let rule = rule_for(method, path)?;
    Some(match rule.access {
        Access::Public => None,
        Access::Signed(action) if integration_ceiling(action) == Grant::Deny => None,
        Access::Signed(action) => ApiScope::ALL
            .into_iter()
            .find(|s| s.actions().contains(&action)),
    })
}

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("trygg_ followed by 64 hex digits")
                    .description(Some(
                        "An organisation's API token, created by an administrator at /admin/api-tokens \
                         (or `trygg token create`). It acts for its organisation with only its scopes: \
                         `incidents:read`, `incidents:write`, `incidents:export`. An unknown, revoked or \
                         expired token is answered 401 `invalid_token`; a missing scope 403 \
                         `insufficient_scope`. Only `/api/` accepts tokens.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "__Host-trygg_session",
                "The session cookie of a signed-in user (from /login); requests that change data \
                 also need the X-CSRF-Token header.",
            ))),
        );
        for (path, item) in openapi.paths.paths.iter_mut() {
            let ops = [
                (Method::GET, item.get.as_mut()),
                (Method::POST, item.post.as_mut()),
                (Method::PUT, item.put.as_mut()),
                (Method::PATCH, item.patch.as_mut()),
                (Method::DELETE, item.delete.as_mut()),
            ];
            for (method, op) in ops {
                let (Some(op), Some(scope)) = (op, scope_for(&method, path)) else {
                    continue;
                };
                let public = rule_for(&method, path).is_some_and(|r| r.access == Access::Public);
                op.security = Some(if public {
                    vec![SecurityRequirement::default()]
                } else {
                    let mut reqs = vec![SecurityRequirement::new("session", Vec::<String>::new())];
                    if let Some(s) = scope {
                        reqs.push(SecurityRequirement::new("bearer", [s.code()]));
                    }
                    reqs
                });
            }
        }
    }
}
