//! What the suites share beyond `common`: a decision past its consensus
//! check, and a decide action.

pub use baton_core::lifecycle::act;
pub use std::future::Future;

pub use baton_core::lifecycle::{Action, Decision, LifecycleError, Role, Status};
pub use baton_core::{DecisionId, examples};
pub use baton_store::{Backend, DecisionFilter, Opening, Store, StoreError, Verified};
pub use chrono::{DateTime, TimeDelta, Utc};

pub use crate::common::*;

/// The `i`th of a run of architecture decisions opened by ana 30 hours
/// apart, ticked past its consensus check and waiting for its decider.
pub async fn architecture_past_check(store: &Store, i: i64) -> Decision {
    let start = i * 30;
    let d = store
        .decisions()
        .open(&architecture("ana", hours(start)))
        .await
        .unwrap();
    store.decisions().tick(hours(start + 25)).await.unwrap();
    d
}

pub fn decide(option: &str) -> Action {
    Action::Decide(act::Decide {
        option: option.into(),
        rationale: "fits".into(),
        override_reason: None,
        review_on: None,
    })
}
