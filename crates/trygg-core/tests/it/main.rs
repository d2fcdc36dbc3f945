//! Use-case tests of trygg-core, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod categories;
mod est_meeting;
mod geography;
mod incident_area_lists;
mod incidents;
mod lagesbild;
mod measure_effect_demo;
mod measures;
mod periodic;
mod photos;
mod plans;
mod promises;
mod smtp_sink;
mod walks;
