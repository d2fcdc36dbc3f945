//! The `trygg` command line, run as a real process against real databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod analyze;
mod cli;
mod geography;
