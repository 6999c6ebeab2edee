//! The dashboard in a real browser: Debian's Chromium, driven through
//! chromedriver by fantoccini, against `baton serve --demo`. The README's
//! test command installs both (and axe-core); a missing part fails here.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly"
)]

mod availability;
mod charts;
#[path = "../common/mod.rs"]
mod common;
mod forms;
mod harness;
mod misuse;
mod pages;
mod rotations;
mod story;
