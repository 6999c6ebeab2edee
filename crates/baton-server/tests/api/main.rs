//! The API over real HTTP on loopback, on SQLite and (with
//! `BATON_TEST_DATABASE_URL`) PostgreSQL.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod access;
mod availability;
mod common;
mod decisions;
mod feedback;
mod misuse;
mod observability;
mod org;
mod slack;
mod web;
mod webhooks;
mod whatif;
