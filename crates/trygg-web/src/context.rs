//! The middleware every request passes, and the per-request context it leaves behind.
//!
//! Outer layer (`context`): request id, client address, language, session, the CSRF
//! token for forms; after the handler it renders error pages, adds security headers and
//! cookies, and logs the request. Inner layer (`guard`, on matched routes only): the
//! route's access rule from the table in `routes`, then the CSRF check for every method
//! that changes something.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tracing::Instrument;
use trygg_core::{Actor, Caller, Error, Integration, RequestMeta};

use crate::error::{ErrorInfo, plain};
use crate::i18n::Lang;
use crate::routes::{Access, rule_for};
use crate::{AppState, pages};

/// What handlers know about the request beyond its own data.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub request_id: String,
    pub lang: Lang,
    pub actor: Option<Actor>,
    /// An integration, when an API request came with a valid `Authorization: Bearer`
    /// token (then `actor` is `None`: cookies are not looked at).
    pub integration: Option<Integration>,
    pub ip: String,
    /// Path and query, for `next=` after login.
    pub path: String,
    /// The CSRF token forms must carry: the session's, or the anonymous cookie's.
    pub csrf: String,
    pub cookie_secure: bool,
}

impl Ctx {
    pub fn meta(&self) -> RequestMeta {
        RequestMeta {
            request_id: Some(self.request_id.clone()),
            ip: self.ip.clone(),
        }
    }

    pub fn caller(&self) -> Caller {
        match (&self.actor, &self.integration) {
            (Some(a), _) => Caller::User(Box::new(a.clone())),
            (None, Some(i)) => Caller::Integration(Box::new(i.clone())),
            (None, None) => Caller::Anonymous,
        }
    }

    pub fn actor(&self) -> Result<&Actor, Error> {
        self.actor.as_ref().ok_or(Error::Unauthenticated)
    }

    pub fn session_cookie_name(&self) -> &'static str {
        session_cookie(self.cookie_secure)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| plain(StatusCode::INTERNAL_SERVER_ERROR, "internal"))
    }
}

pub fn session_cookie(secure: bool) -> &'static str {
    // `__Host-` binds the cookie to this exact host over HTTPS, path `/`, no Domain.
    if secure {
        "__Host-trygg_session"
    } else {
        "trygg_session"
    }
}

fn csrf_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-trygg_csrf"
    } else {
        "trygg_csrf"
    }
}

const LANG_COOKIE: &str = "trygg_lang";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// A `Set-Cookie` value with Trygg's attributes: HttpOnly, SameSite=Lax, Path=/, Secure.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .ok()
}

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<std::borrow::Cow<'a, str>> {
    form_urlencoded::parse(query?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn request_id(headers: &HeaderMap) -> String {
    // A load balancer's id is kept so its logs and ours can be joined, if it is sane.
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| trygg_core::secret::random_token()[..16].to_owned())
}

fn client_ip(req: &Request, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return ip.to_owned();
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub async fn context(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let secure = state.config.cookie_secure;
    let request_id = request_id(req.headers());
    let ip = client_ip(&req, state.config.trust_forwarded_for);
    let query = req.uri().query().map(str::to_owned);
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".into());
    let is_api = is_api(req.uri().path());
    let method = req.method().clone();

    let lang_from_query = query_param(query.as_deref(), "lang").and_then(|l| Lang::parse(&l));
    let lang = lang_from_query
        .or_else(|| cookie(req.headers(), LANG_COOKIE).and_then(|l| Lang::parse(&l)))
        .unwrap_or_default();

    let span = tracing::info_span!("request", id = %request_id, %method, path = %req.uri().path());
    // An API request with a bearer token is an integration's: the token alone decides,
    // and a bad one is refused here, before any handler, with a stable code.
    let bearer = if is_api {
        bearer_token(req.headers())
    } else {
        None
    };
    let integration = match &bearer {
        Some(token) => match state
            .trygg
            .authenticate_api_token(token)
            .instrument(span.clone())
            .await
        {
            Ok(i) => Some(i),
            Err(e) => {
                let _g = span.enter();
                if !matches!(e, Error::Unauthenticated) {
                    tracing::error!(error = ?e, "api token lookup failed");
                }
                let mut res = plain(StatusCode::UNAUTHORIZED, "invalid_token");
                if let Some(info) = res.extensions().get::<ErrorInfo>().cloned() {
                    let ctx = Ctx {
                        request_id: request_id.clone(),
                        lang,
                        actor: None,
                        integration: None,
                        ip,
                        path,
                        csrf: String::new(),
                        cookie_secure: secure,
                    };
                    res = render_error(&ctx, StatusCode::UNAUTHORIZED, &info, true);
                }
                let headers = res.headers_mut();
                security_headers(headers, &state.config, true);
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer error=\"invalid_token\""),
                );
                if let Ok(v) = HeaderValue::from_str(&request_id) {
                    headers.insert("x-request-id", v);
                }
                return res;
            }
        },
        None => None,
    };
    let session = cookie(req.headers(), session_cookie(secure)).filter(|_| bearer.is_none());
    let actor = match session {
        Some(token) => match state
            .trygg
            .authenticate(&token)
            .instrument(span.clone())
            .await
        {
            Ok(a) => Some(a),
            Err(Error::Unauthenticated) => None,
            Err(e) => {
                let _g = span.enter();
                tracing::error!(error = ?e, "session lookup failed");
                None
            }
        },
        None => None,
    };
    let anon_csrf = cookie(req.headers(), csrf_cookie(secure)).filter(|t| t.len() == 64);
    let new_anon_csrf = actor.is_none() && anon_csrf.is_none();
    let csrf = match (&actor, anon_csrf) {
        (Some(a), _) => a.csrf_token.clone(),
        (None, Some(t)) => t,
        (None, None) => trygg_core::secret::random_token(),
    };

    let ctx = Ctx {
        request_id: request_id.clone(),
        lang,
        actor,
        integration,
        ip,
        path,
        csrf: csrf.clone(),
        cookie_secure: secure,
    };
    req.extensions_mut().insert(ctx.clone());

    let mut res = next.run(req).instrument(span.clone()).await;

    if let Some(info) = res.extensions().get::<ErrorInfo>().cloned() {
        res = render_error(&ctx, res.status(), &info, is_api);
    }
    let headers = res.headers_mut();
    security_headers(headers, &state.config, is_api);
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("x-request-id", v);
    }
    if new_anon_csrf && let Some(v) = set_cookie(csrf_cookie(secure), &csrf, 12 * 3600, secure) {
        headers.append(header::SET_COOKIE, v);
    }
    if let Some(l) = lang_from_query
        && let Some(v) = set_cookie(LANG_COOKIE, l.code(), 365 * 24 * 3600, secure)
    {
        headers.append(header::SET_COOKIE, v);
    }
    let _g = span.enter();
    tracing::info!(
        status = res.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    res
}

/// The token of an `Authorization: Bearer <token>` header.
fn bearer_token(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path == "/readyz"
}

fn render_error(ctx: &Ctx, status: StatusCode, info: &ErrorInfo, is_api: bool) -> Response {
    let message = ctx.lang.error(info.code);
    let mut res = if is_api {
        let body = serde_json::json!({
            "error": { "code": info.code, "message": ctx.lang.error(info.code), "request_id": ctx.request_id }
        });
        (status, axum::Json(body)).into_response()
    } else {
        pages::error_page(ctx, status, info.code, &message)
    };
    if let Some(s) = info.retry_after
        && let Ok(v) = HeaderValue::from_str(&s.to_string())
    {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

fn security_headers(h: &mut HeaderMap, config: &crate::WebConfig, is_api: bool) {
    let tiles = config
        .map_tile_url
        .as_deref()
        .and_then(|u| {
            u.split_once("://")
                .map(|(s, rest)| format!(" {s}://{}", rest.split('/').next().unwrap_or("")))
        })
        .unwrap_or_default();
    // No 'unsafe-inline' anywhere: scripts and styles come from our own embedded files.
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set("content-security-policy", &csp);
    set("x-content-type-options", "nosniff");
    set("x-frame-options", "DENY");
    set("referrer-policy", "same-origin");
    set(
        "permissions-policy",
        "geolocation=(self), camera=(), microphone=(), payment=()",
    );
    set("cross-origin-opener-policy", "same-origin");
    if config.cookie_secure {
        set(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    if is_api || !h.contains_key(header::CACHE_CONTROL) {
        // Pages carry personal data and CSRF tokens: never store them in shared caches.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Upper bound for bodies the CSRF check reads (forms; uploads get their own limits).
const FORM_LIMIT: usize = 1024 * 1024;

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return plain(StatusCode::INTERNAL_SERVER_ERROR, "internal");
    };
    let matched = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    // Deny by default: a route without a rule answers as if it did not exist.
    let Some(rule) = matched.as_deref().and_then(|p| rule_for(req.method(), p)) else {
        return plain(StatusCode::NOT_FOUND, "not_found");
    };
    match rule.access {
        Access::Public => {}
        // `Caller::require` decides for people and integrations alike.
        Access::Signed(action) => match ctx.caller().require(action) {
            Ok(_) => {}
            Err(Error::Unauthenticated) if is_api(req.uri().path()) => {
                return plain(StatusCode::UNAUTHORIZED, "unauthenticated");
            }
            Err(Error::Unauthenticated) => {
                let next_path =
                    form_urlencoded::byte_serialize(ctx.path.as_bytes()).collect::<String>();
                return Redirect::to(&format!("/login?next={next_path}")).into_response();
            }
            Err(_) if ctx.integration.is_some() => {
                return plain(StatusCode::FORBIDDEN, "insufficient_scope");
            }
            Err(_) => return plain(StatusCode::FORBIDDEN, "forbidden"),
        },
    }
    // A bearer request carries no cookie the browser could have sent on its own, so
    // cross-site request forgery does not apply to it.
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || ctx.integration.is_some()
    {
        return next.run(req).await;
    }
    if !same_origin(req.headers(), &state.config) {
        return plain(StatusCode::FORBIDDEN, "csrf_failed");
    }
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Uploads stream to their handler instead of being read here: the header token is
    // checked now, or else `pages::photos::Upload` checks the form's first field before
    // it reads anything else. Routes not built for uploads refuse them.
    if crate::pages::photos::is_multipart(req.headers()) {
        if !crate::pages::photos::UPLOAD_ROUTES.contains(&rule.path) {
            return plain(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
        }
        let verified = match &header_token {
            Some(t) if trygg_core::secret::same(t, &ctx.csrf) => true,
            Some(_) => return plain(StatusCode::FORBIDDEN, "csrf_failed"),
            None => false,
        };
        let mut req = req;
        req.extensions_mut()
            .insert(crate::pages::photos::CsrfChecked(verified));
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, FORM_LIMIT).await {
        Ok(b) => b,
        Err(_) => return plain(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
    };
    let form_token = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v.into_owned());
    let presented = header_token.or(form_token).unwrap_or_default();
    if !trygg_core::secret::same(&presented, &ctx.csrf) {
        return plain(StatusCode::FORBIDDEN, "csrf_failed");
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The Origin check: a browser names the page a request comes from; it must be ours.
/// With neither Origin nor Referer (non-browser clients) the token alone decides.
fn same_origin(h: &HeaderMap, config: &crate::WebConfig) -> bool {
    let claimed = h
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            h.get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .map(origin_of)
        });
    let Some(claimed) = claimed else { return true };
    match &config.public_url {
        Some(public) => origin_of(public) == claimed,
        None => {
            let host = h
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            claimed
                .split_once("://")
                .is_some_and(|(_, rest)| rest == host)
        }
    }
}

fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.split('/').next().unwrap_or("")),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("https://trygg.linkoping.se/a/b?c"),
            "https://trygg.linkoping.se"
        );
        let mut h = HeaderMap::new();
        let cfg = crate::WebConfig {
            public_url: Some("https://trygg.example".into()),
            ..Default::default()
        };
        assert!(same_origin(&h, &cfg), "no origin: the token decides");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h, &cfg));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://trygg.example"),
        );
        assert!(same_origin(&h, &cfg));
        let local = crate::WebConfig::default();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h, &local));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:9999"),
        );
        assert!(!same_origin(&h, &local));
    }

    #[test]
    fn cookies_parse() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; trygg_session=abc; b=2"),
        );
        assert_eq!(cookie(&h, "trygg_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "c"), None);
        let v = set_cookie("x", "y", 10, true).unwrap();
        let s = v.to_str().unwrap();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax") && s.contains("Secure"));
    }
}
