//! What a person may do to a decision now: the forms a page offers. Each
//! action is tried against [`apply`] with well-formed sample data, so the
//! rules that refuse it stay in one place.

use chrono::{DateTime, Utc};

use super::act;
use super::model::{Action, Actor, Decision, OutcomeResult};
use super::rules::apply;
use crate::org::Directory;

/// An action a page may offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Offer {
    Position,
    Object,
    Delegate,
    /// Deciding; `needs_reason` when the person is not entitled and must
    /// give an override reason.
    Decide {
        needs_reason: bool,
    },
    Outcome,
    Escalate,
    Withdraw,
}

impl Offer {
    /// The path segment a form posts to.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Position => "position",
            Self::Object => "object",
            Self::Delegate => "delegate",
            Self::Decide { .. } => "decide",
            Self::Outcome => "outcome",
            Self::Escalate => "escalate",
            Self::Withdraw => "withdraw",
        }
    }
}

/// The actions `actor` may take on `decision` at `at`, in the order a page
/// lists them.
///
/// The samples are well formed, so any refusal is about the person or the
/// state: an offered action can still be refused for what is typed.
pub fn offers(
    decision: &Decision,
    actor: &Actor,
    at: DateTime<Utc>,
    directory: &Directory,
) -> Vec<Offer> {
    let allowed =
        |action: &Action| -> bool { apply(decision, actor, action, at, directory).is_ok() };
    let text = || "offered".to_owned();
    let decide = |override_reason: Option<String>| {
        Action::Decide(act::Decide {
            option: text(),
            rationale: text(),
            override_reason,
            review_on: None,
        })
    };
    let mut offers = Vec::new();
    let samples = [
        (
            Offer::Position,
            Action::Position(act::Position {
                option: text(),
                rationale: text(),
                confidence: 3,
                risk: None,
                reversible: None,
            }),
        ),
        (
            Offer::Object,
            Action::Object(act::Object { reason: text() }),
        ),
    ];
    for (offer, action) in &samples {
        if allowed(action) {
            offers.push(*offer);
        }
    }
    if allowed(&decide(None)) {
        offers.push(Offer::Decide {
            needs_reason: false,
        });
    } else if allowed(&decide(Some(text()))) {
        offers.push(Offer::Decide { needs_reason: true });
    }
    // Delegating to someone in the directory other than the person: with
    // nobody else there is nobody to offer.
    let colleague = directory
        .people()
        .map(|(_, p)| p.id.as_str())
        .find(|p| *p != actor.person)
        .and_then(|p| p.parse().ok());
    let delegate = colleague.map(|to| Action::Delegate(act::Delegate { to, reason: text() }));
    if delegate.as_ref().is_some_and(allowed) {
        offers.push(Offer::Delegate);
    }
    let rest = [
        (
            Offer::Outcome,
            Action::Outcome(act::Outcome {
                result: OutcomeResult::Success,
                notes: String::new(),
            }),
        ),
        (Offer::Escalate, Action::Escalate),
        (Offer::Withdraw, Action::Withdraw),
    ];
    for (offer, action) in &rest {
        if allowed(action) {
            offers.push(*offer);
        }
    }
    offers
}
