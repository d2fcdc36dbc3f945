//! The web layer's tests: real routers over real databases (a fresh SQLite file, and a
//! fresh PostgreSQL database when `TEST_DATABASE_URL` is set), requests sent in-process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod api_tokens;
mod categories;
mod est_meeting;
mod exports;
mod harness;
mod incidents;
mod lagesbild;
mod login;
mod measures;
mod periodic;
mod photos;
mod plans;
mod promises;
mod shell;
mod walks;
