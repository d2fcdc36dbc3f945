//! The stable snake_case codes the incident module reports, each with its meaning.
//!
//! Codes are part of the API and of import reports: pages and the CLI translate them,
//! scripts match on them. Never change or reuse one; add new ones instead. Codes shared
//! with the rest of the domain (`required`, `too_long`, `control_characters`) are
//! repeated here so this list is complete for the incident module.

// --- shared ----------------------------------------------------------------------------

/// A value that must be given is empty or missing.
pub const REQUIRED: &str = "required";
/// A text is longer than its limit.
pub const TOO_LONG: &str = "too_long";
/// A text contains control characters (other than line breaks and tabs where allowed).
pub const CONTROL_CHARACTERS: &str = "control_characters";

// --- categories and the small enums --------------------------------------------------

/// A category code is not lower-case letters, digits and single hyphens, starting with a
/// letter, at most 40 characters.
pub const INVALID_CATEGORY_CODE: &str = "invalid_category_code";
/// Neither a category code nor a category's Swedish name in the current list.
pub const UNKNOWN_CATEGORY: &str = "unknown_category";
/// The category exists but is retired: new incidents cannot use it.
pub const RETIRED_CATEGORY: &str = "retired_category";
/// Two categories of one list have the same code, or names that read alike.
pub const DUPLICATE_CATEGORY: &str = "duplicate_category";
/// A category's `replaced_by` names a code that is not in the list or forms a cycle.
pub const INVALID_REPLACEMENT: &str = "invalid_replacement";
/// Severity is not 1, 2 or 3.
pub const INVALID_SEVERITY: &str = "invalid_severity";
/// Sharing level is not `partners` or `own`.
pub const UNKNOWN_SHARING_LEVEL: &str = "unknown_sharing_level";
/// Review status is not `submitted`, `accepted`, `rejected` or `merged`.
pub const UNKNOWN_REVIEW_STATUS: &str = "unknown_review_status";
/// A personal-data policy is not `mask` or `keep_and_flag`.
pub const UNKNOWN_PII_POLICY: &str = "unknown_pii_policy";
/// Source is not one of `form`, `import`, `open311`, `guard`, `contractor`, `police_feed`.
pub const UNKNOWN_INCIDENT_SOURCE: &str = "unknown_incident_source";

// --- time ------------------------------------------------------------------------------

/// Not a date or date-time in a form Trygg reads (ISO 8601, e.g. `2026-08-19 07:58`,
/// `2026-08-19T07:58:52+02:00`, `2026-08-19`).
pub const INVALID_TIME: &str = "invalid_time";
/// Written correctly but no such date or time of day (30 February, 25:00).
pub const INVALID_DATE: &str = "invalid_date";
/// A local Stockholm time in the hour skipped when summer time starts (02:00–02:59 on
/// the last Sunday of March); give the offset or correct the time.
pub const NONEXISTENT_LOCAL_TIME: &str = "nonexistent_local_time";
/// A local Stockholm time in the hour that occurs twice when summer time ends
/// (02:00–02:59 on the last Sunday of October); give the offset (`+02:00` for the first,
/// `+01:00` for the second).
pub const AMBIGUOUS_LOCAL_TIME: &str = "ambiguous_local_time";
/// A time later than now (beyond a few minutes' tolerance for clocks that are off).
pub const IN_FUTURE: &str = "in_future";
/// A time before 1900: almost certainly a typing error in the year.
pub const TOO_OLD: &str = "too_old";
/// A window whose end is not after its start.
pub const WINDOW_END_NOT_AFTER_START: &str = "window_end_not_after_start";
/// A window longer than 31 days: too vague to be of use in a lägesbild.
pub const WINDOW_TOO_LONG: &str = "window_too_long";
/// A time that must carry an offset (the police feed's) has none.
pub const OFFSET_REQUIRED: &str = "offset_required";
/// The Europe/Stockholm time zone is not available (never with the bundled database).
pub const TIME_ZONE_UNAVAILABLE: &str = "time_zone_unavailable";

// --- CSV import: rows ------------------------------------------------------------------

/// The row has a different number of fields than the header (often: a `;` or `,` in an
/// unquoted description).
pub const WRONG_FIELD_COUNT: &str = "wrong_field_count";
/// A quoted field has text between its closing quote and the next separator.
pub const MALFORMED_QUOTES: &str = "malformed_quotes";
/// A coordinate or number field is not a plain decimal number.
pub const NOT_A_NUMBER: &str = "not_a_number";
/// The position is not in (a generous box around) Sweden.
pub const OUTSIDE_SWEDEN: &str = "outside_sweden";
/// The position would be in Sweden with its two numbers exchanged: lat/lon or x/y are
/// in the wrong columns.
pub const COORDINATES_SWAPPED: &str = "coordinates_swapped";
/// The row has neither lat/lon nor x/y.
pub const COORDINATES_REQUIRED: &str = "coordinates_required";
/// The row has both lat/lon and x/y; give one pair only.
pub const CONFLICTING_COORDINATES: &str = "conflicting_coordinates";
/// A yes/no field is not one of `ja`, `nej`, `yes`, `no`, `true`, `false`, `1`, `0`.
pub const INVALID_BOOLEAN: &str = "invalid_boolean";
/// A column without a name in the header has a value in this row.
pub const VALUE_IN_UNNAMED_COLUMN: &str = "value_in_unnamed_column";
/// The same `external_id` appears on an earlier line of the file.
pub const DUPLICATE_EXTERNAL_ID: &str = "duplicate_external_id";

// --- CSV import: the file --------------------------------------------------------------

/// The file is empty: the first line must be the header.
pub const EMPTY_FILE: &str = "empty_file";
/// The file is not UTF-8 (Excel: save as "CSV UTF-8").
pub const NOT_UTF8: &str = "not_utf8";
/// The header names a column twice.
pub const DUPLICATE_COLUMN: &str = "duplicate_column";
/// The header names a column that is not documented (a typing error would otherwise
/// silently drop that column's data).
pub const UNKNOWN_COLUMN: &str = "unknown_column";
/// A required column is missing from the header.
pub const MISSING_COLUMN: &str = "missing_column";
/// The header has neither `lat` and `lon` nor `x` and `y`.
pub const MISSING_COORDINATE_COLUMNS: &str = "missing_coordinate_columns";
/// A quoted field is never closed; the rest of the file cannot be read.
pub const UNTERMINATED_QUOTE: &str = "unterminated_quote";

// --- police events feed ----------------------------------------------------------------

/// The feed is not valid JSON.
pub const INVALID_JSON: &str = "invalid_json";
/// The feed is valid JSON but not an array of events.
pub const NOT_AN_ARRAY: &str = "not_an_array";
/// An event lacks a field or has one of the wrong type.
pub const INVALID_EVENT: &str = "invalid_event";
/// An event's `datetime` is not like `2026-08-19 7:58:52 +02:00`.
pub const INVALID_DATETIME: &str = "invalid_datetime";
/// An event's `location.gps` is not `lat,lon`.
pub const INVALID_GPS: &str = "invalid_gps";
/// An event's `url` is not a path on polisen.se.
pub const INVALID_URL: &str = "invalid_url";

// --- photos (defined, with their meaning, in `photo`) ---------------------------------

pub use super::photo::{
    PHOTO_EMPTY, PHOTO_TOO_LARGE, PHOTO_TOO_MANY_PIXELS, PHOTO_TYPE_NOT_ALLOWED, PHOTO_UNREADABLE,
    TOO_MANY_PHOTOS,
};
