//! Trygg's use cases. Each one checks the caller's access against the policy table,
//! does the work through the store, and has the store append the audit entry in the
//! same transaction. Pages, the API and the command line all come through here.

pub mod accounts;
pub mod actor;
pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod categories;
pub mod clock;
pub mod demo;
mod demo_incidents;
mod demo_measures;
mod demo_plans;
mod demo_promises;
mod error;
pub mod est_meeting;
pub mod geography;
pub mod incident_export;
pub mod incident_import;
pub mod incidents;
pub mod lagesbild;
pub mod lagesbild_pdf;
pub mod mail;
pub mod measures;
pub mod pdf;
pub mod periodic;
pub mod photos;
pub mod plan_pdf;
pub mod plans;
pub mod promises;
pub mod secret;
pub mod walks;

pub use actor::{Actor, Caller, Integration, RequestMeta};
pub use clock::Clock;
pub use error::Error;

use trygg_store::Db;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Tunable rules of the core, with the defaults the issues ask for.
#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this long without use (seconds).
    pub session_idle_secs: i64,
    /// A session ends this long after login, whatever the use (seconds).
    pub session_absolute_secs: i64,
    /// Failed logins for one e-mail within an hour that lock it for the rest of the hour.
    pub login_lock_after: usize,
    /// Failed logins allowed before each further attempt must wait.
    pub login_free_failures: usize,
    /// The longest wait between attempts (seconds); the wait doubles up to it.
    pub login_max_delay_secs: i64,
    /// Login attempts one address may make in ten minutes.
    pub login_attempts_per_ip: i64,
    /// Size and number limits of incident photos.
    pub photos: trygg_domain::incident::photo::PhotoLimits,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_idle_secs: 30 * 60,
            session_absolute_secs: 12 * 60 * 60,
            login_lock_after: 100,
            login_free_failures: 5,
            login_max_delay_secs: 30,
            login_attempts_per_ip: 300,
            photos: trygg_domain::incident::photo::PhotoLimits::default(),
        }
    }
}

/// The application: the store, the clock and the settings, shared by every request.
#[derive(Clone, Debug)]
pub struct Trygg {
    pub db: Db,
    pub clock: Clock,
    pub settings: Settings,
    /// The in-memory index of the current areas (see [`geography`]).
    geo: geography::GeoCache,
}

impl Trygg {
    pub fn new(db: Db, clock: Clock, settings: Settings) -> Self {
        Self {
            db,
            clock,
            settings,
            geo: geography::GeoCache::default(),
        }
    }
}
