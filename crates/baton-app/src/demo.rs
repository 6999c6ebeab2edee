//! `serve --demo`: the demo organisation, seeded once and kept live.

use baton_core::lifecycle::Role;
use baton_fixtures::demo;
use baton_fixtures::seed::{self, DemoState, Livened, Seeded};
use chrono::{DateTime, Utc};

use crate::App;
use crate::error::failure;

failure! {
    /// Why the demo could not be prepared.
    pub enum DemoError {
        #[error("the store holds a demo whose seeding was interrupted: remove it and run `baton serve --demo` again")]
        Interrupted => (Conflict, "conflict"),
        #[error("the store already holds an organisation that is not the demo: run the demo on a new store, e.g. `baton serve --demo --db sqlite://./baton-demo.db`")]
        NotTheDemo => (Conflict, "conflict"),
    }
}

/// Who the demo's admin token is made for.
pub const ADMIN: &str = demo::ADMIN;

/// What preparing the demo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// `Some` when the store was empty and has been seeded now.
    pub seeded: Option<Seeded>,
    pub livened: Livened,
    /// A fresh admin token for [`demo::ADMIN`].
    pub token: String,
    /// A one-time sign-in link's code for the dashboard, as the same admin.
    pub login: String,
}

/// How long the demo's sign-in link stays good.
pub const LOGIN_VALID: chrono::Duration = chrono::Duration::days(1);

impl App {
    /// Seeds an empty store with the demo (`progress` hears of each
    /// decision of the history), or reuses one seeded before; brings it up
    /// to `now`; and makes a fresh admin token. A store holding any other
    /// organisation is refused: the demo must never mix with real data.
    pub async fn prepare_demo(
        &self,
        now: DateTime<Utc>,
        progress: impl FnMut(usize, usize),
    ) -> Result<Prepared, DemoError> {
        let seeded = match seed::demo_state(&self.store).await? {
            DemoState::Empty => Some(seed::seed(&self.store, now, progress).await?),
            DemoState::Seeded => None,
            DemoState::Interrupted => return Err(DemoError::Interrupted),
            DemoState::Other => return Err(DemoError::NotTheDemo),
        };
        // The admin token marks the seed as complete: made before the demo
        // is brought up to now, so a failure there leaves a demo that the
        // next start reuses and brings up to its own now.
        let (_, token) = self
            .store
            .tokens()
            .create_token(demo::ADMIN, Role::Admin, now)
            .await?;
        let livened = seed::liven(&self.store, now).await?;
        let login = self
            .store
            .sessions()
            .create_link(demo::ADMIN, Role::Admin, now, now + LOGIN_VALID)
            .await?;
        Ok(Prepared {
            seeded,
            livened,
            token,
            login,
        })
    }
}
