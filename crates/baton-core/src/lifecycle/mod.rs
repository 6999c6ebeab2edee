//! The decision lifecycle (SPEC §5) as a pure state machine.
//!
//! A [`Decision`] is the record; [`apply`] takes it, an acting person, an
//! [`Action`] and an instant, and returns the next record and the event to
//! append to the audit log — or a [`LifecycleError`] that says why not. The
//! store persists both in one transaction; the CLI and the HTTP API call
//! the store. So every permission rule lives here, once.

pub mod act;
mod model;
mod offer;
mod rules;
mod waiting;

pub use model::{
    Action, Actor, Decision, Event, EventKind, Objection, Outcome, OutcomeResult, Position, Role,
    Status,
};
pub use offer::{Offer, offers};
pub use rules::{LifecycleError, SYSTEM, apply, due, open, settle};
pub use waiting::{Wait, waits};

#[cfg(test)]
mod tests;
