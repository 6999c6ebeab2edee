//! baton's application layer: one function per use case — resolve, open,
//! act, apply, endorse, tokens, surveys, polls, webhooks, analytics,
//! import and export — each taking the caller and a typed request and
//! answering a typed result or an error enum of its own that carries its
//! kind ([`error::Failure`]).
//!
//! Every rule of who may do what lives here or in the core, once: the CLI,
//! the HTTP API and Slack are adapters that read their input, call one
//! function here and render its answer. None of them touches the store:
//! [`App::connect`] opens it from a URL.
//!
//! # Layout
//! - [`error`]: the kinds of failure and each use case's error enum.
//! - [`caller`]: who acts, and the role they hold for a team's business
//!   (their own, widened by the guide's `grants`).
//! - `decisions`: resolve, open, act, read, tick, verify, audit.
//! - `org`: the directory and guides, endorsements, people.
//! - `tokens`, `feedback`, `webhooks`, `analytics`, `imports`, `demo`.

mod analytics;
mod availability;
pub mod caller;
mod decisions;
pub mod demo;
pub mod error;
mod feedback;
mod guides;
mod imports;
mod misuse;
mod org;
mod people;
mod pilots;
mod replay;
mod rotations;
mod tokens;
mod waiting;
pub mod web;
mod webhooks;

pub use analytics::sheet::{SheetAuditError, SheetFiles, audit_sheet};
pub use analytics::{AnalyticsError, MetricsView, ProfileView, Progress, Report, Silent};
pub use availability::{AvailabilityError, BreakRequest, HandoffRequest};
pub use caller::{Caller, Session};
pub use decisions::{ActError, OpenError, OpenRequest, ReadError, ResolveRequest, WhoError};
pub use demo::{DemoError, Prepared};
pub use error::{ErrorKind, Failure, StoreFailure};
pub use feedback::{
    FeedbackError, PollRequest, PollView, SurveyRequest, SurveyResults, SurveyView,
};
pub use guides::{Change, DiffLine, GuideError, GuideOverview, GuideVersion};
pub use imports::{ExportError, ImportError as ImportFailure};
pub use misuse::{MisuseError, MisuseRequest, MisuseView, Received};
pub use org::{ApplyError, PersonView};
pub use people::{Claim, Endorsement, PersonRow};
pub use pilots::{PilotError, PilotReport, PilotRequest};
pub use replay::ReplayError;
pub use rotations::{RotationNow, Shift, Timeline, TimelineShift};
pub use tokens::{AuthError, TokenError};
pub use waiting::{Waiting, Waits};
pub use web::{SignInError, SignedIn};
pub use webhooks::{SubscribeRequest, Subscribed, WebhookError};

pub use baton_fixtures::seed::{Livened, Seeded};
/// What the front ends read and show, as the store and the core define it.
pub use baton_store::feedback::{Poll, Survey};
pub use baton_store::pilots::Pilot;
pub use baton_store::sessions::WebSession;
pub use baton_store::tokens::TokenInfo;
pub use baton_store::transfer;
pub use baton_store::webhooks::{Attempt, Delivery, Outgoing, Webhook};
pub use baton_store::{
    Applied, AuditEvent, ChainReport, DecisionFilter, ImportOptions, NOTED_HEAD_PATTERN, NotedHead,
    OPERATOR, Snapshot, StoredEvent, Verified,
};

use baton_store::Store;

/// The default store: a SQLite file in the working directory.
pub const DEFAULT_STORE: &str = baton_store::DEFAULT_URL;

/// The application over one store. Cheap to clone; clones share the store.
#[derive(Clone, Debug)]
pub struct App {
    store: Store,
    /// The analytics projection, shared by every clone.
    engine: analytics::SharedEngine,
}

/// The store could not be opened.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct OpenStoreError(#[from] StoreFailure);

impl Failure for OpenStoreError {
    fn kind(&self) -> ErrorKind {
        self.0.kind()
    }
    fn code(&self) -> &'static str {
        self.0.code()
    }
}

impl App {
    /// Opens (creating and migrating if needed) the store at `url`:
    /// `sqlite://PATH` or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Self, OpenStoreError> {
        let store = Store::connect(url)
            .await
            .map_err(|e| OpenStoreError(StoreFailure(e)))?;
        Ok(Self {
            store,
            engine: Default::default(),
        })
    }

    /// `sqlite` or `postgres`, for messages.
    pub fn backend(&self) -> &'static str {
        self.store.kind()
    }

    /// Listens for changes other replicas make (PostgreSQL), so cached
    /// versions need not be asked for on every read.
    pub async fn watch(&self) -> Result<Option<tokio::task::JoinHandle<()>>, OpenStoreError> {
        self.store
            .watch()
            .await
            .map_err(|e| OpenStoreError(StoreFailure(e)))
    }

    /// Whether the store answers (`/readyz`): within two seconds, so a
    /// load balancer hears of a database gone before its clients do.
    pub async fn ready(&self) -> Result<(), OpenStoreError> {
        self.store
            .ping(std::time::Duration::from_secs(2))
            .await
            .map_err(|e| OpenStoreError(StoreFailure(e)))
    }

    /// Stops the writer and closes the store's connections.
    pub async fn close(&self) {
        self.store.close().await;
    }
}
