//! The store's one error type.

use baton_core::lifecycle::LifecycleError;
use baton_core::resolve::ResolveError;
use baton_core::{DecisionId, LoadErrors};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "`{0}` is not a store URL: use sqlite://PATH, postgres://USER@HOST/DATABASE or a path to a SQLite file"
    )]
    BadUrl(String),
    #[error("cannot open the store at `{url}`: {source}")]
    Connect { url: String, source: sqlx::Error },
    #[error("the store's database failed: {0}")]
    Database(#[from] sqlx::Error),
    #[error("the store's schema could not be migrated: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Load(#[from] LoadErrors),
    #[error("no org directory has been applied yet: run `baton apply --org org.yaml`")]
    NoDirectory,
    #[error("team `{0}` has no guide yet: run `baton apply --guide deference.yaml`")]
    NoGuide(String),
    #[error("decision {0} does not exist")]
    NotFound(DecisionId),
    /// Something other than a decision (a survey, a poll) does not exist.
    #[error("{0}")]
    Missing(String),
    #[error("{0}")]
    Resolve(#[from] ResolveError),
    #[error("{0}")]
    Lifecycle(#[from] LifecycleError),
    #[error("decision {0} was changed by someone else at the same moment: reload it and try again")]
    Conflict(DecisionId),
    #[error("the stored data is not what baton wrote: {0}")]
    Corrupt(String),
    /// The store could not do what was asked and the database gave no
    /// error of its own to report: a read shared by waiters failed, the
    /// writer stopped, a commit's outcome is unknown.
    #[error("the store cannot answer: {0}")]
    Unavailable(String),
    /// Rows of an import that cannot be imported; nothing was.
    #[error("{n} bad rows, so nothing was imported:\n{rows}", n = .0.count(), rows = .0)]
    Import(crate::transfer::ImportErrors),
}

impl StoreError {
    pub(crate) fn connect(url: &str, source: sqlx::Error) -> Self {
        Self::Connect {
            url: url.to_owned(),
            source,
        }
    }

    /// A stable code for programs: `conflict`, `forbidden`, `not_found`, …
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUrl(_) | Self::Load(_) | Self::Import(_) => "invalid",
            Self::Connect { .. }
            | Self::Database(_)
            | Self::Migrate(_)
            | Self::Corrupt(_)
            | Self::Unavailable(_) => "store",
            Self::NoDirectory | Self::NoGuide(_) | Self::NotFound(_) | Self::Missing(_) => {
                "not_found"
            }
            Self::Resolve(e) => e.code.as_str(),
            Self::Lifecycle(e) => e.code(),
            Self::Conflict(_) => "conflict",
        }
    }
}
