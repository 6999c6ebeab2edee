//! What kind of failure an error is: the one thing the front ends map — to
//! an HTTP status (the server's `problem.rs`) and to an exit code (the
//! CLI's `commands/mod.rs`), each in one place.
//!
//! Every use case has an error enum of its own (`OpenError`, `ActError`,
//! …); each implements [`Failure`]: its kind, a stable code for programs,
//! and, for a request the guide cannot route, the explanation.

use baton_core::lifecycle::LifecycleError;
use baton_store::StoreError;

/// The kinds of failure, as the edges tell them apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request itself is wrong: a value out of range, a file that does
    /// not load, a name of the wrong shape.
    Invalid,
    /// Nobody is signed in: no token, or an unknown or revoked one.
    Unauthenticated,
    /// The caller may not do this.
    Forbidden,
    /// What the request names does not exist.
    NotFound,
    /// The state does not allow it now: already decided, a window closed,
    /// a concurrent change got there first.
    Conflict,
    /// The guide names nobody for this request (unrouted, nobody eligible,
    /// a rotation not started): an answer, with its explanation.
    Unresolvable,
    /// The store's disk is full: nothing was written.
    StoreFull,
    /// The store cannot be reached or answered too late, or a commit's
    /// outcome is unknown.
    Unavailable,
    /// A bug or stored data baton did not write.
    Internal,
}

/// What every use case's error says about itself.
pub trait Failure: std::error::Error {
    fn kind(&self) -> ErrorKind;
    /// A stable code for programs: `forbidden`, `unrouted`, `store_full`, …
    fn code(&self) -> &'static str;
    /// The reasons behind it: why a request could not be routed, rule by
    /// rule; every problem of a file that does not load, with its place.
    fn explanation(&self) -> Option<Vec<String>> {
        None
    }
    /// A write whose commit failed: it may or may not have taken effect,
    /// which an answer must say however else it hides the store's details.
    fn uncertain(&self) -> bool {
        false
    }
}

impl Failure for LifecycleError {
    fn kind(&self) -> ErrorKind {
        match self {
            LifecycleError::Forbidden(_) => ErrorKind::Forbidden,
            LifecycleError::Invalid(_) => ErrorKind::Invalid,
            LifecycleError::Conflict(_) => ErrorKind::Conflict,
        }
    }

    fn code(&self) -> &'static str {
        LifecycleError::code(self)
    }
}

/// A failure of the store, classified: the one place a [`StoreError`]
/// becomes a kind.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct StoreFailure(#[from] pub StoreError);

impl Failure for StoreFailure {
    fn kind(&self) -> ErrorKind {
        use baton_core::resolve::ErrorCode;
        use baton_store::Fault;
        match &self.0 {
            StoreError::BadUrl(_) | StoreError::Load(_) | StoreError::Import(_) => {
                ErrorKind::Invalid
            }
            StoreError::NoDirectory
            | StoreError::NoGuide(_)
            | StoreError::NotFound(_)
            | StoreError::Missing(_) => ErrorKind::NotFound,
            StoreError::Lifecycle(e) => e.kind(),
            StoreError::Conflict(_) => ErrorKind::Conflict,
            StoreError::Resolve(e) => match e.code {
                ErrorCode::UnknownType | ErrorCode::UnknownPerson => ErrorKind::NotFound,
                ErrorCode::InvalidRequest => ErrorKind::Invalid,
                _ => ErrorKind::Unresolvable,
            },
            // A failed commit's answer keeps the kind of its cause (a full
            // disk, a database gone) and says the write may or may not
            // have taken effect, so a client reads before it retries.
            StoreError::Full(_)
            | StoreError::Unreachable(_)
            | StoreError::Connect { .. }
            | StoreError::Uncertain { .. } => match self.0.fault() {
                Fault::Full => ErrorKind::StoreFull,
                Fault::Unreachable => ErrorKind::Unavailable,
                Fault::Other => ErrorKind::Internal,
            },
            StoreError::Unavailable(_)
            | StoreError::Database(_)
            | StoreError::Migrate(_)
            | StoreError::Corrupt(_) => ErrorKind::Internal,
        }
    }

    fn code(&self) -> &'static str {
        self.0.code()
    }

    fn uncertain(&self) -> bool {
        matches!(self.0, StoreError::Uncertain { .. })
    }

    fn explanation(&self) -> Option<Vec<String>> {
        match &self.0 {
            StoreError::Resolve(r) => Some(r.explanation.clone()),
            StoreError::Load(errors) => Some(errors.0.iter().map(ToString::to_string).collect()),
            _ => None,
        }
    }
}

/// Defines a use case's error enum: its own variants (each with a kind
/// and a code), and the store's failures, classified by [`StoreFailure`].
macro_rules! failure {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                #[error($($msg:tt)+)]
                $variant:ident $( ( $($field:ty),* ) )? => ($kind:ident, $code:literal),
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, thiserror::Error)]
        pub enum $name {
            $(
                #[error($($msg)+)]
                $variant $( ( $($field),* ) )?,
            )*
            #[error(transparent)]
            Refused(#[from] baton_core::lifecycle::LifecycleError),
            #[error(transparent)]
            Store(#[from] $crate::error::StoreFailure),
        }

        impl From<baton_store::StoreError> for $name {
            fn from(e: baton_store::StoreError) -> Self {
                match e {
                    baton_store::StoreError::Lifecycle(refused) => Self::Refused(refused),
                    other => Self::Store($crate::error::StoreFailure(other)),
                }
            }
        }

        impl $crate::error::Failure for $name {
            #[allow(unused_variables, reason = "a variant's fields say nothing of its kind")]
            fn kind(&self) -> $crate::error::ErrorKind {
                match self {
                    $( failure!(@pattern $name $variant $( ( $($field),* ) )?) => $crate::error::ErrorKind::$kind, )*
                    Self::Refused(e) => $crate::error::Failure::kind(e),
                    Self::Store(e) => $crate::error::Failure::kind(e),
                }
            }

            #[allow(unused_variables, reason = "a variant's fields say nothing of its code")]
            fn code(&self) -> &'static str {
                match self {
                    $( failure!(@pattern $name $variant $( ( $($field),* ) )?) => $code, )*
                    Self::Refused(e) => $crate::error::Failure::code(e),
                    Self::Store(e) => $crate::error::Failure::code(e),
                }
            }

            fn explanation(&self) -> Option<Vec<String>> {
                match self {
                    Self::Store(e) => $crate::error::Failure::explanation(e),
                    _ => None,
                }
            }

            fn uncertain(&self) -> bool {
                matches!(self, Self::Store(e) if $crate::error::Failure::uncertain(e))
            }
        }
    };
    (@pattern $name:ident $variant:ident) => { $name::$variant };
    (@pattern $name:ident $variant:ident ( $($field:ty),* )) => { $name::$variant(..) };
}
pub(crate) use failure;
