//! Trygg's web face: server-rendered pages (askama, Swedish first), the JSON API under
//! `/api/v1` with its OpenAPI document, and the middleware every request passes:
//! request id, language, session, access rule, CSRF, security headers, error pages.
//!
//! Handlers stay thin: parse the request into domain types, call one use case in
//! `trygg-core`, render the result.

pub mod api;
pub mod assets;
mod context;
mod error;
mod i18n;
mod pages;
pub mod routes;

use std::net::SocketAddr;
use std::sync::Arc;

use trygg_core::Trygg;

pub use context::Ctx;
pub use error::WebError;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The address users reach Trygg at, e.g. `https://trygg.linkoping.se`. Requests that
    /// change data must come from this origin; when unset, the request's own `Host` is
    /// taken as the origin (fine for a single server without a proxy).
    pub public_url: Option<String>,
    /// Mark cookies `Secure` and send HSTS. Only turn off for plain-http development.
    pub cookie_secure: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Map tile URL template (`https://…/{z}/{x}/{y}.png`); none means our own polygons
    /// on a plain background, which works offline.
    pub map_tile_url: Option<String>,
    /// Attribution shown for the tiles.
    pub map_attribution: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            public_url: None,
            cookie_secure: true,
            trust_forwarded_for: false,
            map_tile_url: None,
            map_attribution: None,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub trygg: Trygg,
    pub config: Arc<WebConfig>,
}

/// Builds the whole application: routes, access rules and middleware.
pub fn app(trygg: Trygg, config: WebConfig) -> axum::Router {
    let state = AppState {
        trygg,
        config: Arc::new(config),
    };
    routes::router(state)
}

/// A bound server: the address it listens on (port 0 picks a free one) and the future
/// that serves until shutdown.
pub struct Application {
    pub addr: SocketAddr,
    listener: tokio::net::TcpListener,
    router: axum::Router,
}

impl Application {
    pub async fn bind(listen: &str, trygg: Trygg, config: WebConfig) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        Ok(Self {
            addr,
            listener,
            router: app(trygg, config),
        })
    }

    /// Serves until `shutdown` resolves, then finishes the requests in flight.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}
