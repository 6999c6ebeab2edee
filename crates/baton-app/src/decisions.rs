//! Decisions: who decides (without recording), open, act, read, the
//! deadline tick and the audit chain.

use baton_core::lifecycle::act;
use std::sync::Arc;

use baton_core::DecisionId;
use baton_core::access::Permission;
use baton_core::lifecycle::{Action, Decision, LifecycleError, Offer, Role};
use baton_core::resolve::{Request, Resolution};
use baton_store::{AuditEvent, ChainReport, DecisionFilter, NotedHead, Opening, StoredEvent};
use chrono::{DateTime, Utc};

use crate::error::failure;
use crate::{App, Caller, Session};

failure! {
    /// Why "who decides this?" has no answer.
    pub enum WhoError {
        #[error("no team has a guide yet: run `baton apply --guide deference.yaml`")]
        NoTeams => (NotFound, "not_found"),
        #[error("there are several teams: name one of {0}")]
        WhichTeam(String) => (Invalid, "invalid"),
    }
}

failure! {
    /// Why a decision was not opened.
    pub enum OpenError {}
}

failure! {
    /// Why an action was not taken.
    pub enum ActError {
        #[error("decision {0} cannot supersede itself")]
        SupersedesItself(DecisionId) => (Invalid, "invalid"),
        // The body names a successor that does not exist: the request is
        // invalid, while the decision its path names may well exist (404
        // is kept for that).
        #[error("`by`: decision {0} does not exist")]
        NoSuccessor(DecisionId) => (Invalid, "invalid"),
    }
}

failure! {
    /// Why a read failed.
    pub enum ReadError {}
}

/// A "who decides this?" question.
#[derive(Clone, Debug)]
pub struct ResolveRequest {
    pub team: String,
    pub decision_type: String,
    pub title: String,
    pub context: serde_json::Value,
    /// Who asks; the caller when absent.
    pub requester: Option<String>,
}

/// A decision to open, requested by the caller.
#[derive(Clone, Debug)]
pub struct OpenRequest {
    pub team: String,
    pub decision_type: String,
    pub title: String,
    pub context: serde_json::Value,
}

impl WhoError {
    /// The resolver's own refusal (`unrouted`, `no_eligible_authority`, …)
    /// with its explanation, when that is what this is.
    pub fn resolve_error(&self) -> Option<&baton_core::ResolveError> {
        match self {
            Self::Store(crate::error::StoreFailure(baton_store::StoreError::Resolve(e))) => Some(e),
            _ => None,
        }
    }
}

impl App {
    /// A session of `caller` at the store's state now: what a page asks
    /// with, as a token's request does.
    pub async fn session_of(&self, caller: &Caller) -> Result<crate::Session, ReadError> {
        Ok(crate::Session {
            caller: caller.clone(),
            snapshot: self.store.snapshot().await?,
        })
    }

    /// Every decision still waiting to be decided, escalated ones too.
    pub async fn undecided(&self) -> Result<Vec<Decision>, ReadError> {
        Ok(self.store.decisions().undecided().await?)
    }

    /// Who decides `request` at `at`, with the guide and org state as they
    /// stood when `session` was authenticated. Nothing is recorded.
    pub async fn resolve(
        &self,
        session: &Session,
        request: ResolveRequest,
        at: DateTime<Utc>,
    ) -> Result<Resolution, WhoError> {
        let guide = self.store.guide_at(&request.team, session.snapshot).await?;
        let org = self
            .store
            .org_state_at(&guide, at, session.snapshot)
            .await?;
        let request = Request {
            decision_type: request.decision_type,
            title: request.title,
            context: request.context,
            requester: Some(
                request
                    .requester
                    .unwrap_or_else(|| session.caller.person.clone()),
            ),
            at,
        };
        Ok(baton_core::resolve(&guide, &org, &request).map_err(baton_store::StoreError::from)?)
    }

    /// [`App::resolve`] without a session (Slack): the guide and org state
    /// in force. `requester` may be nobody the directory knows.
    pub async fn who(&self, team: &str, request: Request) -> Result<Resolution, WhoError> {
        let guide = self.store.guide(team).await?;
        let org = self.store.org_state(&guide, request.at).await?;
        Ok(baton_core::resolve(&guide, &org, &request).map_err(baton_store::StoreError::from)?)
    }

    /// The team a request means: the one named, or the only one there is.
    pub async fn team_or_only(&self, named: Option<&str>) -> Result<String, WhoError> {
        if let Some(team) = named {
            return Ok(team.to_owned());
        }
        let teams = self.store.teams().await?;
        match teams.as_slice() {
            [only] => Ok(only.clone()),
            [] => Err(WhoError::NoTeams),
            _ => Err(WhoError::WhichTeam(teams.join(", "))),
        }
    }

    /// Opens a decision requested by `caller`: resolves who decides with
    /// the org state under the write lock and records it.
    pub async fn open(
        &self,
        caller: &Caller,
        request: OpenRequest,
        at: DateTime<Utc>,
    ) -> Result<Decision, OpenError> {
        let actor = self.actor(caller, &request.team, at).await?;
        Permission::Write.check(&actor.person, actor.role)?;
        Ok(self
            .store
            .decisions()
            .open(&Opening {
                team: request.team,
                decision_type: request.decision_type,
                title: request.title,
                context: request.context,
                requester: caller.person.clone(),
                at,
            })
            .await?)
    }

    /// `caller` does `action` to decision `id` at `at`, with the role they
    /// hold for its team then; the lifecycle decides whether they may.
    pub async fn act(
        &self,
        caller: &Caller,
        id: DecisionId,
        action: &Action,
        at: DateTime<Utc>,
    ) -> Result<Decision, ActError> {
        if let Action::Supersede(act::Supersede { by }) = action {
            if *by == id {
                return Err(ActError::SupersedesItself(id));
            }
            match self.store.decisions().get(*by).await {
                Err(baton_store::StoreError::NotFound(_)) => {
                    return Err(ActError::NoSuccessor(*by));
                }
                other => other?,
            };
        }
        if matches!(action, Action::Tick) {
            return Err(ActError::Refused(LifecycleError::Forbidden(
                "deadlines are processed by baton, not by people".into(),
            )));
        }
        let actor = if caller.role == Role::Admin || !caller.role.can_write() {
            // Nothing a guide grants changes what these may do.
            baton_core::lifecycle::Actor {
                person: caller.person.clone(),
                role: caller.role,
            }
        } else {
            let team = self.store.decisions().get(id).await?.team;
            self.actor(caller, &team, at).await?
        };
        Ok(self.store.decisions().act(id, &actor, action, at).await?)
    }

    /// What `caller` may do to `d` at `at`: the forms a page shows. The
    /// lifecycle answers, with the role `act` would use.
    pub async fn offers(
        &self,
        caller: &Caller,
        d: &Decision,
        at: DateTime<Utc>,
    ) -> Result<Vec<Offer>, ActError> {
        let actor = self.actor(caller, &d.team, at).await?;
        let directory = self.store.directory().await?;
        Ok(baton_core::lifecycle::offers(d, &actor, at, &directory))
    }

    /// Processes every deadline that has passed at `at`; returns the
    /// decisions that changed.
    pub async fn tick(&self, at: DateTime<Utc>) -> Result<Vec<Decision>, ReadError> {
        Ok(self.store.decisions().tick(at).await?)
    }

    /// Decision `id` with its events, as `show --json` and the API give it.
    pub async fn show(&self, id: DecisionId) -> Result<(Decision, Vec<StoredEvent>), ReadError> {
        Ok(self.store.decisions().get_with_events(id).await?)
    }

    /// [`App::show`] as of `session`'s snapshot, cached at that position.
    pub async fn show_at(
        &self,
        session: &Session,
        id: DecisionId,
    ) -> Result<Arc<(Decision, Vec<StoredEvent>)>, ReadError> {
        Ok(self.store.decision_at(id, session.snapshot).await?)
    }

    /// The `show --json` document of `d`: the record and its events.
    pub async fn document(&self, d: &Decision) -> Result<serde_json::Value, ReadError> {
        Ok(self.store.decisions().document_of(d).await?)
    }

    /// The document of a decision and events already read.
    pub fn document_of(
        d: &Decision,
        events: &[StoredEvent],
    ) -> Result<serde_json::Value, ReadError> {
        Ok(baton_store::document(d, events)?)
    }

    /// Decisions matching `filter`, newest first.
    pub async fn list(&self, filter: &DecisionFilter) -> Result<Vec<Decision>, ReadError> {
        Ok(self.store.decisions().list(filter).await?)
    }

    /// Up to `limit` decisions with ids after `after` (from the first when
    /// `None`), oldest first.
    pub async fn decisions_after(
        &self,
        after: Option<DecisionId>,
        limit: i64,
    ) -> Result<Vec<Decision>, ReadError> {
        Ok(self.store.decisions().decisions_after(after, limit).await?)
    }

    /// How many decisions are in each state.
    pub async fn counts_by_status(&self) -> Result<Vec<(String, i64)>, ReadError> {
        Ok(self.store.decisions().counts_by_status().await?)
    }

    /// Recomputes the audit chain and proves every stored row from it;
    /// with `noted`, also that the chain still holds that head.
    pub async fn verify(&self, noted: Option<&NotedHead>) -> Result<ChainReport, ReadError> {
        Ok(self.store.verify_against(noted).await?)
    }

    /// The audit log in chain order: up to `limit` events after `after`, of
    /// one decision or all.
    pub async fn audit(
        &self,
        after: i64,
        limit: i64,
        decision: Option<DecisionId>,
    ) -> Result<Vec<AuditEvent>, ReadError> {
        Ok(self.store.decisions().audit(after, limit, decision).await?)
    }
}
