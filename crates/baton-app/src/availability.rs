//! Breaks and hand-offs: a person steps back from deciding for a while, or
//! hands a stretch of their rotation shift to a colleague who accepts.
//! Who may do what is `baton_core::availability`'s; the store keeps the
//! records beside the files and lays them over what it compiles.

use baton_core::access::Permission;
use baton_core::availability::{self, Answer, Break, Handoff};
use baton_store::availability::{NewBreak, NewHandoff};
use chrono::{DateTime, Utc};

use crate::error::failure;
use crate::{App, Caller};

failure! {
    /// Why a break or a hand-off was not recorded.
    pub enum AvailabilityError {}
}

/// A break to take.
#[derive(Clone, Debug)]
pub struct BreakRequest {
    /// Whose break: the caller's when `None` (stewards and admins may name
    /// someone else).
    pub person: Option<String>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub reason: String,
}

/// A stretch of the caller's shift to hand to a colleague.
#[derive(Clone, Debug)]
pub struct HandoffRequest {
    pub team: String,
    pub rotation: String,
    pub colleague: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub note: String,
}

impl App {
    /// Records a break for the caller (or, for a steward or admin, the
    /// person named): the resolver treats them as unavailable through it.
    pub async fn take_break(
        &self,
        caller: &Caller,
        request: BreakRequest,
        now: DateTime<Utc>,
    ) -> Result<Break, AvailabilityError> {
        let person = request.person.unwrap_or_else(|| caller.person.clone());
        availability::may_manage_break(&caller.person, caller.role, &person)?;
        let directory = self.store.directory().await?;
        availability::check_break(&directory, &person, request.from, request.to, now)?;
        availability::check_note("reason", &request.reason)?;
        Ok(self
            .store
            .availability()
            .take_break(
                &NewBreak {
                    person,
                    from: request.from,
                    to: request.to,
                    reason: request.reason,
                },
                &caller.person,
                now,
            )
            .await?)
    }

    /// Ends break `id` now (calls it off if it has not begun).
    pub async fn end_break(
        &self,
        caller: &Caller,
        id: i64,
        now: DateTime<Utc>,
    ) -> Result<Break, AvailabilityError> {
        let (person, role) = (caller.person.clone(), caller.role);
        Ok(self
            .store
            .availability()
            .end_break(id, &caller.person, now, move |b| {
                availability::may_manage_break(&person, role, &b.person)
            })
            .await?)
    }

    /// Breaks (of `person`, when given), latest first.
    pub async fn breaks(&self, person: Option<&str>) -> Result<Vec<Break>, AvailabilityError> {
        Ok(self.store.availability().breaks(person).await?)
    }

    /// Offers a stretch of the caller's shift to a colleague; it counts
    /// once they accept.
    pub async fn offer_handoff(
        &self,
        caller: &Caller,
        request: HandoffRequest,
        now: DateTime<Utc>,
    ) -> Result<Handoff, AvailabilityError> {
        Permission::Write.check(&caller.person, caller.role)?;
        availability::check_note("note", &request.note)?;
        let guide = self.store.guide(&request.team).await?;
        availability::check_handoff(
            &guide,
            &request.rotation,
            &caller.person,
            &request.colleague,
            request.from,
            request.to,
            now,
        )?;
        Ok(self
            .store
            .availability()
            .offer_handoff(
                &NewHandoff {
                    team: request.team,
                    rotation: request.rotation,
                    from_person: caller.person.clone(),
                    to_person: request.colleague,
                    from: request.from,
                    to: request.to,
                    note: request.note,
                },
                now,
            )
            .await?)
    }

    /// The caller accepts, declines or withdraws hand-off `id`.
    pub async fn answer_handoff(
        &self,
        caller: &Caller,
        id: i64,
        answer: Answer,
        now: DateTime<Utc>,
    ) -> Result<Handoff, AvailabilityError> {
        let (person, role) = (caller.person.clone(), caller.role);
        Ok(self
            .store
            .availability()
            .answer_handoff(id, &caller.person, now, move |h| {
                availability::answer(h, &person, role, answer, now)
            })
            .await?)
    }

    /// Hand-offs (from or to `person`, when given), latest first.
    pub async fn handoffs(&self, person: Option<&str>) -> Result<Vec<Handoff>, AvailabilityError> {
        Ok(self.store.availability().handoffs(person).await?)
    }
}
