//! Trygg's domain: the types and rules of municipal safety work, free of I/O.
//!
//! Everything here is pure: no database, no HTTP, no clock. Values are parsed once at the
//! boundary (`parse` constructors) so the rest of the system can trust them.

pub mod account;
pub mod api_token;
pub mod area;
pub mod audit;
pub mod geo;
pub mod id;
pub mod incident;
pub mod invalid;
pub mod measure;
pub mod organisation;
pub mod place;
pub mod plan;
pub mod policy;
pub mod promise;
pub mod time;
pub mod walk;

pub use invalid::Invalid;
