//! The login page, login and logout.

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use trygg_core::Error;

use super::{FormData, PageResult, Shell, render, see_other};
use crate::AppState;
use crate::context::{Ctx, set_cookie};

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    shell: Shell,
    email: String,
    next: String,
    error: Option<String>,
}

/// Only local paths, so `next=` cannot send a user to another site.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

pub async fn form(
    ctx: Ctx,
    axum::extract::Query(q): axum::extract::Query<Vec<(String, String)>>,
) -> PageResult {
    let next = q
        .iter()
        .find(|(k, _)| k == "next")
        .map(|(_, v)| safe_next(v))
        .unwrap_or_else(|| "/".into());
    if ctx.actor.is_some() {
        return Ok(see_other(&next));
    }
    Ok(render(&LoginPage {
        shell: Shell::new(&ctx, ctx.lang.t("login-title")),
        email: String::new(),
        next,
        error: None,
    }))
}

pub async fn submit(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    form: FormData,
) -> PageResult {
    let next = safe_next(form.get("next"));
    let email = form.get("email").to_owned();
    match state
        .trygg
        .login(&email, form.get("password"), &ctx.meta())
        .await
    {
        Ok(session) => {
            let mut res = see_other(&next);
            let max_age = state.trygg.settings.session_absolute_secs;
            if let Some(v) = set_cookie(
                ctx.session_cookie_name(),
                &session.token,
                max_age,
                ctx.cookie_secure,
            ) {
                res.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(res)
        }
        Err(e) => {
            let (status, message) = match &e {
                Error::InvalidCredentials => (StatusCode::UNAUTHORIZED, ctx.lang.t("login-failed")),
                Error::LoginThrottled { retry_after } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    ctx.lang
                        .t_args("login-throttled", &[("seconds", retry_after.to_string())]),
                ),
                Error::LoginLocked => (StatusCode::TOO_MANY_REQUESTS, ctx.lang.t("login-locked")),
                Error::RateLimited { .. } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    ctx.lang.t("login-rate-limited"),
                ),
                _ => return Err(e.into()),
            };
            let page = LoginPage {
                shell: Shell::new(&ctx, ctx.lang.t("login-title")),
                email,
                next,
                error: Some(message),
            };
            let mut res = (status, render(&page)).into_response();
            if let Error::LoginThrottled { retry_after } = e
                && let Ok(v) = HeaderValue::from_str(&retry_after.to_string())
            {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            Ok(res)
        }
    }
}

pub async fn logout(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
) -> PageResult {
    state.trygg.logout(ctx.actor()?, &ctx.meta()).await?;
    let mut res: Response = see_other("/login");
    if let Some(v) = set_cookie(ctx.session_cookie_name(), "", 0, ctx.cookie_secure) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(super::safe_next("/admin/users"), "/admin/users");
        assert_eq!(super::safe_next("//evil.example"), "/");
        assert_eq!(super::safe_next("https://evil.example"), "/");
        assert_eq!(super::safe_next("/\\evil.example"), "/");
    }
}
