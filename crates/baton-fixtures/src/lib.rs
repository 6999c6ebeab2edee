//! Fixtures: data and scripts baton is shown and measured with, kept out
//! of the crates that ship rules.
//!
//! - [`demo`]: the `serve --demo` organisation (36 people, three teams) and
//!   a seeded, deterministic script of six months of history.
//! - [`seed`] (feature `store`): plays that script into a store through the
//!   same `apply`, `open`, `act` and `tick` real use goes through, and
//!   brings a seeded store up to now.
//! - [`synthetic`]: generated orgs, guides, states and requests of any
//!   size, for benchmarks and load tests.

pub mod demo;
#[cfg(feature = "store")]
pub mod seed;
mod splitmix;
pub mod synthetic;
