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
    Database(sqlx::Error),
    /// The disk under the store is full: the statement that hit it wrote
    /// nothing.
    #[error("the store's disk is full, so nothing was written: free space and try again ({0})")]
    Full(String),
    /// The database cannot be reached (refused, gone, timed out).
    #[error("the store's database cannot be reached, so nothing was done: {0}")]
    Unreachable(String),
    /// A commit failed: the write may or may not have taken effect.
    #[error(
        "the commit failed and may or may not have taken effect: read what you wrote (GET it, or `baton show`) before trying again ({detail})"
    )]
    Uncertain { fault: Fault, detail: String },
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

/// SQLite's `SQLITE_FULL` and PostgreSQL's `disk_full` (53100).
const FULL_CODES: [&str; 2] = ["13", "53100"];

/// PostgreSQL's `admin_shutdown`, `crash_shutdown`, `cannot_connect_now`;
/// class 08 (connection exceptions) is matched by prefix.
const GONE_CODES: [&str; 3] = ["57P01", "57P02", "57P03"];

/// Classifies a database error once, where it enters the store: a full
/// disk and an unreachable database are answers a client can act on
/// (507, 503); anything else is the store's failure.
impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_full(&e) {
            Self::Full(e.to_string())
        } else if is_unreachable(&e) {
            Self::Unreachable(e.to_string())
        } else {
            Self::Database(e)
        }
    }
}

fn is_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.code().is_some_and(|c| FULL_CODES.contains(&c.as_ref())),
        sqlx::Error::Io(io) => {
            io.kind() == std::io::ErrorKind::StorageFull || io.raw_os_error() == Some(28)
        }
        _ => false,
    }
}

fn is_unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || GONE_CODES.contains(&c.as_ref())),
        _ => false,
    }
}

impl StoreError {
    /// A commit's failure: whether it wrote is unknown.
    pub(crate) fn uncertain(e: &StoreError) -> Self {
        Self::Uncertain {
            fault: e.fault(),
            detail: e.detail(),
        }
    }

    /// What the database said, without this error's own words: for
    /// passing a failure on in other words.
    pub(crate) fn detail(&self) -> String {
        match self {
            Self::Full(m) | Self::Unreachable(m) => m.clone(),
            Self::Uncertain { detail, .. } => detail.clone(),
            other => other.to_string(),
        }
    }

    /// A failure shared by several waiters or writes (as text), of its
    /// kind again.
    pub(crate) fn shared(fault: Fault, text: String) -> Self {
        match fault {
            Fault::Full => Self::Full(text),
            Fault::Unreachable => Self::Unreachable(text),
            Fault::Other => Self::Unavailable(text),
        }
    }

    /// The database's own failure under this error, if that is what it is:
    /// full, unreachable, or neither.
    pub fn fault(&self) -> Fault {
        match self {
            Self::Full(_) => Fault::Full,
            Self::Unreachable(_) | Self::Connect { .. } => Fault::Unreachable,
            Self::Uncertain { fault, .. } => *fault,
            _ => Fault::Other,
        }
    }

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
            Self::Full(_) => "store_full",
            Self::Unreachable(_) | Self::Connect { .. } => "store_unavailable",
            Self::Uncertain { fault, .. } => match fault {
                Fault::Full => "store_full",
                Fault::Unreachable => "store_unavailable",
                Fault::Other => "store",
            },
            Self::Database(_) | Self::Migrate(_) | Self::Corrupt(_) | Self::Unavailable(_) => {
                "store"
            }
            Self::NoDirectory | Self::NoGuide(_) | Self::NotFound(_) | Self::Missing(_) => {
                "not_found"
            }
            Self::Resolve(e) => e.code.as_str(),
            Self::Lifecycle(e) => e.code(),
            Self::Conflict(_) => "conflict",
        }
    }
}

/// What a failure of the database itself was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Full,
    Unreachable,
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_gone_is_unreachable_and_keeps_its_kind_through_a_failed_commit() {
        let gone = StoreError::from(sqlx::Error::PoolTimedOut);
        assert_eq!(
            (gone.fault(), gone.code()),
            (Fault::Unreachable, "store_unavailable")
        );
        let commit = StoreError::uncertain(&gone);
        assert_eq!(
            (commit.fault(), commit.code()),
            (Fault::Unreachable, "store_unavailable")
        );
        assert!(
            commit
                .to_string()
                .contains("may or may not have taken effect"),
            "{commit}"
        );
        let again = StoreError::shared(commit.fault(), commit.detail());
        assert!(matches!(again, StoreError::Unreachable(_)), "{again:?}");
    }

    #[test]
    fn a_full_disk_is_full_whether_sqlite_or_the_os_says_so() {
        let enospc = sqlx::Error::Io(std::io::Error::from_raw_os_error(28));
        let full = StoreError::from(enospc);
        assert_eq!((full.fault(), full.code()), (Fault::Full, "store_full"));
        assert_eq!(StoreError::uncertain(&full).code(), "store_full");
        let other = StoreError::from(sqlx::Error::RowNotFound);
        assert_eq!((other.fault(), other.code()), (Fault::Other, "store"));
    }
}
