//! Typed ids of the incident module, so an incident id can never be passed where a
//! report or category id is meant.
//!
//! They mirror [`crate::id`]; they live here so the incident work stays in one module.

use serde::{Deserialize, Serialize};

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }
    };
}

typed_id!(
    /// One incident (something that happened at one place and time).
    IncidentId
);
typed_id!(
    /// One report: what a reporter submits at once, holding one or more incidents.
    ReportId
);
typed_id!(
    /// One version of one category in the category code list.
    CategoryId
);
typed_id!(
    /// An event of the police's public events feed: the feed's own `id`, the key that
    /// makes a repeated import of the same feed import nothing new.
    PoliceEventId
);
