//! One suite, every backend: each story runs on SQLite (a temporary file)
//! and, when `BATON_TEST_DATABASE_URL` names a PostgreSQL server, on a fresh
//! database there. With the URL set, an unreachable server fails the suite
//! rather than skipping it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

#[path = "../common/mod.rs"]
mod common;

mod batch;
mod lifecycle;
mod org_state;
mod support;
mod versions;
mod webhooks;
