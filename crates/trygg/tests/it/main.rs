//! The `trygg` command line, run as a real process against real databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod analyze;
mod cli;
mod geography;
mod serve;
// The real SMTP server of trygg-core's tests, shared rather than copied.
#[allow(dead_code)] // its failure injection is for the core tests
#[path = "../../../trygg-core/tests/it/smtp_sink.rs"]
mod smtp_sink;
mod two_instances;
