//! Who acts, and with what role.
//!
//! A caller comes with a role: a token's, the one the command line names
//! (`--role`; its user is trusted, as an operator of the store), or, for
//! Slack, the person's standing role (the highest of their live tokens,
//! member when they hold none). For a team's business the role is widened
//! by what the team's guide `grants` them at that instant —
//! [`baton_core::access::role_for`], asked by every use case here, so a
//! token, the CLI and Slack can do the same things.

use baton_core::lifecycle::{Actor, Role};
use chrono::{DateTime, Utc};

use crate::App;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub person: String,
    pub role: Role,
}

/// A caller authenticated by a token, with the store's state when it was:
/// reads that can be served from what was cached at that position are.
#[derive(Clone, Debug)]
pub struct Session {
    pub caller: Caller,
    pub snapshot: baton_store::Snapshot,
}

impl Caller {
    pub fn new(person: impl Into<String>, role: Role) -> Self {
        Self {
            person: person.into(),
            role,
        }
    }
}

impl App {
    /// The role `caller` holds for `team`'s business at `at`: their own,
    /// or steward when the team's guide grants it them then.
    pub(crate) async fn role_for(
        &self,
        caller: &Caller,
        team: &str,
        at: DateTime<Utc>,
    ) -> Result<Role, baton_store::StoreError> {
        if !caller.role.can_write() {
            return Ok(caller.role);
        }
        let guide = match self.store.guide(team).await {
            Ok(guide) => Some(guide),
            Err(baton_store::StoreError::NoGuide(_)) => None,
            Err(e) => return Err(e),
        };
        Ok(baton_core::access::role_for(
            caller.role,
            &caller.person,
            guide.as_deref(),
            at,
        ))
    }

    /// The actor of `caller` for `team`'s business at `at`.
    pub(crate) async fn actor(
        &self,
        caller: &Caller,
        team: &str,
        at: DateTime<Utc>,
    ) -> Result<Actor, baton_store::StoreError> {
        Ok(Actor {
            person: caller.person.clone(),
            role: self.role_for(caller, team, at).await?,
        })
    }
}
