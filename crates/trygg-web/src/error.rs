//! Errors to responses, in one place: the code → status table, and the marker that lets
//! the context middleware render a Swedish (or English) error page or a JSON error with
//! the request id. Causes are logged with the request id, never sent to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use trygg_core::Error;

/// A failed request. Handlers return it; the middleware turns it into a page or JSON.
#[derive(Debug)]
pub struct WebError(pub Error);

impl<E: Into<Error>> From<E> for WebError {
    fn from(e: E) -> Self {
        Self(e.into())
    }
}

/// Left in the response's extensions for the middleware to render.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub code: &'static str,
    pub retry_after: Option<i64>,
}

/// The status for each error; the only place that decides it.
pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::Invalid(_) | Error::Geo(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::Unauthenticated | Error::InvalidCredentials => StatusCode::UNAUTHORIZED,
        Error::Forbidden => StatusCode::FORBIDDEN,
        Error::NotFound => StatusCode::NOT_FOUND,
        Error::Conflict(_) | Error::AlreadyInitialised | Error::Refused(_) => StatusCode::CONFLICT,
        Error::LoginThrottled { .. } | Error::LoginLocked | Error::RateLimited { .. } => {
            StatusCode::TOO_MANY_REQUESTS
        }
        Error::NotInitialised => StatusCode::SERVICE_UNAVAILABLE,
        Error::Store(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        if status.is_server_error() {
            // The request id is on the surrounding span; the chain goes to the log only.
            tracing::error!(error = ?self.0, "request failed");
        }
        let retry_after = match self.0 {
            Error::LoginThrottled { retry_after } | Error::RateLimited { retry_after } => {
                Some(retry_after)
            }
            Error::LoginLocked => Some(3600),
            _ => None,
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(ErrorInfo {
            code: self.0.code(),
            retry_after,
        });
        res
    }
}

/// Answers from middleware before a handler ran (CSRF, unknown route, body too large).
pub fn plain(status: StatusCode, code: &'static str) -> Response {
    let mut res = status.into_response();
    res.extensions_mut().insert(ErrorInfo {
        code,
        retry_after: None,
    });
    res
}
