//! Typed ids of the incident module, so an incident id can never be passed where a
//! report or category id is meant.
//!
//! Made by the same macro as [`crate::id`]; they live here so the incident work stays in
//! one module.

use crate::id::typed_id;

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
typed_id!(
    /// One photo of one incident (stored re-encoded, without metadata).
    PhotoId
);
