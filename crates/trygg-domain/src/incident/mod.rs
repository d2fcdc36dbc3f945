//! Incidents: what EST reporters of every partner organisation report (what, where,
//! when, their own assessment), and the pure rules around them.
//!
//! Everything here is free of I/O: the store, core and web crates call these functions
//! with text and bytes they have read, and get checked domain values back.
//!
//! * [`category`]: the versioned category code list and the small enums of an incident
//!   (severity, sharing level, review status, source).
//! * [`when`]: when it happened: an instant or a from–to window, read from ISO 8601 text
//!   in Europe/Stockholm local time or with an offset.
//! * [`personal_data`]: finds and masks personnummer, samordningsnummer, phone numbers,
//!   registration plates and e-mail addresses in free text.
//! * [`description`]: the free-text description itself.
//! * [`csv_import`]: the incident CSV import (all-or-nothing or skip-invalid, with line
//!   numbers).
//! * [`police_feed`]: the police's public events feed, filtered to one municipality.
//! * [`csv_export`] and [`geojson_export`]: streaming exports for Swedish Excel and for
//!   GIS (RFC 7946).
//! * [`demo_data`]: seeded synthetic incidents for the Linköping demo.
//! * [`photo`]: photos checked by content, re-encoded without any metadata.
//!
//! Errors about one value are [`Invalid`](crate::Invalid) (field + stable code); the
//! codes this module introduces are listed, with their meaning, in [`codes`].

pub mod category;
pub mod codes;
pub mod csv_export;
pub mod csv_import;
pub mod demo_data;
pub mod description;
pub mod geojson_export;
mod ids;
pub mod personal_data;
pub mod photo;
pub mod police_feed;
pub mod when;

pub use category::{
    Category, CategoryCode, CategoryGroup, CategoryList, IncidentSource, ReviewStatus, Severity,
    SharingLevel,
};
pub use description::Description;
pub use ids::{CategoryId, IncidentId, PhotoId, PoliceEventId, ReportId};
pub use personal_data::{Finding, PiiCounts, PiiKind, PiiPolicy};
pub use when::{LocalTimePolicy, OccurredAt};
