//! The store's repositories: one view of the [`Store`] per resource
//! (decisions, feedback, tokens, webhooks), each holding that resource's
//! reads and writes. They share the store's one pool, write lock and chain,
//! so a repository is a borrow, not a second connection; what spans every
//! resource (the directory and guides, snapshots, import, verify) stays on
//! the `Store` itself.

use crate::Store;

macro_rules! repository {
    ($(#[$doc:meta])* $name:ident, $accessor:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name<'s>(&'s Store);

        impl Store {
            $(#[$doc])*
            pub fn $accessor(&self) -> $name<'_> {
                $name(self)
            }
        }

        /// A repository reaches the pool, the caches and the writer
        /// through the store it borrows.
        impl std::ops::Deref for $name<'_> {
            type Target = Store;

            fn deref(&self) -> &Store {
                self.0
            }
        }
    };
}

repository!(
    /// Decisions: opening, acting, ticking, and reading them and their events.
    Decisions,
    decisions
);
repository!(
    /// Surveys and confidence polls, their answers and results.
    Feedback,
    feedback
);
repository!(
    /// API tokens: creating, revoking, authenticating.
    Tokens,
    tokens
);
repository!(
    /// Webhook subscriptions and their deliveries.
    Webhooks,
    webhooks
);
repository!(
    /// Pilots of a guide version and the periods they compare.
    Pilots,
    pilots
);
repository!(
    /// The dashboard's sessions and one-time sign-in links.
    Sessions,
    sessions
);
repository!(
    /// Breaks and hand-offs, laid over the directory and the guides.
    Availability,
    availability
);
repository!(
    /// The safe channel's reports of misuse.
    Misuse,
    misuse
);
