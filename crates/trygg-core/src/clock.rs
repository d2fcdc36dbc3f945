//! The one source of "now". Everything else asks the clock, so tests can move time
//! (session expiry, login delays) without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use trygg_domain::time::Instant;

/// The system clock, or a manual one for tests.
#[derive(Clone, Debug)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock that stands still at `start` until advanced.
    pub fn manual(start: Instant) -> Self {
        Self(Some(Arc::new(AtomicI64::new(start.micros()))))
    }

    #[allow(clippy::disallowed_methods)] // the one place that may read the system time
    pub fn now(&self) -> Instant {
        match &self.0 {
            None => Instant::from_timestamp(jiff::Timestamp::now()),
            Some(t) => Instant::from_micros(t.load(Ordering::SeqCst)),
        }
    }

    /// Moves a manual clock forward; does nothing to the system clock.
    pub fn advance_secs(&self, secs: i64) {
        if let Some(t) = &self.0 {
            t.fetch_add(secs * 1_000_000, Ordering::SeqCst);
        }
    }
}
