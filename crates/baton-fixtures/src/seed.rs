//! Seeds a store with the demo organisation and its history
//! ([`crate::demo`]), through the same `apply`, `open`, `act` and
//! `tick` that real use goes through, in time order.

use baton_core::lifecycle::act;
use std::collections::BTreeMap;

use crate::demo::{self, Act, Planned, Step, Who};
use baton_core::lifecycle::{self, Action, Actor, Role};
use chrono::{DateTime, Duration, Utc};

use baton_store::{DecisionFilter, Opening, Store, StoreError};

/// The seed of the demo's history: the same demo every time.
const SEED: u64 = 2026;

/// What seeding wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeded {
    pub people: usize,
    pub teams: usize,
    pub decisions: usize,
    pub actions: usize,
    /// Scripted steps the lifecycle refused because the story had moved on
    /// (a tiebreak decided first, say). Refusals are part of real use too.
    pub refused: usize,
}

/// What a store holds, as far as `serve --demo` is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoState {
    /// Nothing applied yet: seed it.
    Empty,
    /// A finished demo seed: reuse it.
    Seeded,
    /// The demo directory, but the seed stopped before its end (the admin
    /// token is made only after the history is complete).
    Interrupted,
    /// Some other organisation: never mix the demo into it.
    Other,
}

pub async fn demo_state(store: &Store) -> Result<DemoState, StoreError> {
    // The first directory tells: endorsements made through the API later
    // store new versions of the demo's directory.
    Ok(match store.first_org().await? {
        None => DemoState::Empty,
        Some(text) if text != demo::ORG => DemoState::Other,
        Some(_) if store.tokens().has_tokens(demo::ADMIN).await? => DemoState::Seeded,
        Some(_) => DemoState::Interrupted,
    })
}

/// Applies the demo files and plays six months of history up to `now`.
/// Meant for an empty store; `progress` hears about each decision opened.
pub async fn seed(
    store: &Store,
    now: DateTime<Utc>,
    mut progress: impl FnMut(usize, usize),
) -> Result<Seeded, StoreError> {
    let start = now - Duration::days(demo::HISTORY_DAYS + 1);
    store
        .apply(Some(("org.yaml", demo::ORG)), &demo::GUIDES, start)
        .await?;
    let directory = store.directory().await?;
    let plan = demo::plan(now, SEED);
    let mut seeded = Seeded {
        people: directory.len(),
        teams: demo::GUIDES.len(),
        ..Seeded::default()
    };

    // Opens and steps of every decision, in time order; ties keep the order
    // they were queued in.
    let mut queue: BTreeMap<(DateTime<Utc>, usize), Job> = BTreeMap::new();
    let mut order = 0usize;
    for (index, planned) in plan.iter().enumerate() {
        queue.insert((planned.at, order), Job::Open(index));
        order += 1;
    }
    while let Some(((at, _), job)) = queue.pop_first() {
        match job {
            Job::Open(index) => {
                let Some(planned) = plan.get(index) else {
                    continue;
                };
                let decision = match store.decisions().open(&opening(planned)).await {
                    Ok(d) => d,
                    // A request the guide cannot route right now (nobody
                    // eligible) is part of the story, not a failure.
                    Err(StoreError::Resolve(_)) => {
                        seeded.refused += 1;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                seeded.decisions += 1;
                progress(seeded.decisions, plan.len());
                for step in demo::course(planned, &decision, &directory, now) {
                    queue.insert((step.at, order), Job::Step(decision.id, step));
                    order += 1;
                }
            }
            Job::Step(id, step) => {
                let mut current = store.decisions().get(id).await?;
                if lifecycle::due(&current, at) {
                    store.decisions().tick(at).await?;
                    current = store.decisions().get(id).await?;
                }
                let (actor, action) = action(&step, &current);
                match store.decisions().act(id, &actor, &action, at).await {
                    Ok(_) => seeded.actions += 1,
                    Err(StoreError::Lifecycle(_) | StoreError::Conflict(_)) => seeded.refused += 1,
                    Err(e) => return Err(e),
                }
            }
        }
    }
    store.decisions().tick(now).await?;
    for survey in demo::surveys(&directory, now, true) {
        run_survey(store, &survey).await?;
    }
    // A confidence poll on the latest decided architecture decision: the
    // history's, settled since.
    let decided = store
        .decisions()
        .list(&DecisionFilter {
            team: Some("platform".into()),
            decision_type: Some("architecture".into()),
            status: Some(lifecycle::Status::Decided),
            limit: Some(1),
            ..Default::default()
        })
        .await?;
    if let Some(d) = decided.first() {
        run_poll(store, d, d.opened_at + Duration::hours(1)).await?;
    }
    // A pilot the steward started ten weeks ago: platform's guide for its
    // incidents, priorities and tooling, against the ten weeks before.
    let guide = store.guide("platform").await?;
    let started = now - Duration::weeks(10);
    let spec = baton_core::analytics::pilot::PilotSpec {
        team: "platform".into(),
        types: vec!["incident".into(), "prioritization".into(), "tooling".into()],
        guide_version: guide.version.clone(),
        from: started,
        to: now,
        control: None,
    };
    store.pilots().create(&spec, demo::ADMIN, started).await?;
    seed_misuse(store, decided.first().map(|d| d.id), now).await?;
    Ok(seeded)
}

/// The safe channel's reports: a batch of three released two weeks ago,
/// two from last week still waiting for a third, and one signed.
async fn seed_misuse(
    store: &Store,
    about: Option<baton_core::DecisionId>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use baton_core::misuse::Anonymous;
    let day = |days_ago: i64| (now - Duration::days(days_ago)).date_naive();
    let team = Some("platform".to_owned());
    let reports = [
        (
            16,
            about,
            "The routed expert was overruled in the meeting and nobody wrote down why.",
        ),
        (
            17,
            None,
            "Sprint captains swap shifts to dodge the hard calls.",
        ),
        (
            18,
            None,
            "People ask the manager anyway, whatever the guide says.",
        ),
        (8, None, "I did not feel safe objecting to who was picked."),
        (9, None, "An incident call went to whoever shouted first."),
    ];
    for (days_ago, decision, text) in reports {
        store
            .misuse()
            .report_anonymous(&Anonymous {
                decision,
                team: team.clone(),
                text: text.into(),
                day: day(days_ago),
            })
            .await?;
    }
    store
        .misuse()
        .report_signed(&baton_store::misuse::Signed {
            decision: None,
            team,
            text: "Escalations to the CTO happen before the deadline, by habit.".into(),
            by: "raj".into(),
            at: now - Duration::days(3),
        })
        .await
}

/// What [`liven`] added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Livened {
    /// Decisions opened now, to keep each open state in view.
    pub decisions: usize,
    pub surveys: usize,
    pub polls: usize,
}

/// Appends what keeps the demo live at `now`, on every start: deadlines
/// that have passed are processed first (never lengthened, history never
/// rewritten), then decisions are opened *now* until each open state of
/// [`demo::Stage`] holds [`demo::LIVE_EACH`], and each team gets an open
/// survey if it has none, and a poll on an open decision.
pub async fn liven(store: &Store, now: DateTime<Utc>) -> Result<Livened, StoreError> {
    store.decisions().tick(now).await?;
    let mut livened = Livened::default();
    let counts = store.decisions().counts_by_status().await?;
    let mut first_checking = None;
    for stage in demo::Stage::ALL {
        let status = stage.status();
        let mut held = counts
            .iter()
            .find(|(s, _)| s == status.as_str())
            .map_or(0, |(_, n)| usize::try_from(*n).unwrap_or(usize::MAX));
        // A request may route somewhere the script did not expect (its
        // expert at full load, say): try a few more, never loop for ever.
        for n in 0..2 * demo::LIVE_EACH {
            if held >= demo::LIVE_EACH {
                break;
            }
            let planned = demo::live(stage, n, now);
            let decision = match store.decisions().open(&opening(&planned)).await {
                Ok(d) => d,
                Err(StoreError::Resolve(_)) => continue,
                Err(e) => return Err(e),
            };
            livened.decisions += 1;
            let mut current = decision.clone();
            for step in demo::live_course(stage, &planned, &decision) {
                let (actor, action) = action(&step, &current);
                match store
                    .decisions()
                    .act(decision.id, &actor, &action, now)
                    .await
                {
                    Ok(d) => current = d,
                    Err(StoreError::Lifecycle(_) | StoreError::Conflict(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            if current.status == status {
                held += 1;
                if stage == demo::Stage::Checking && first_checking.is_none() {
                    first_checking = Some(current);
                }
            }
        }
    }
    let open_surveys = store
        .feedback()
        .surveys(None)
        .await?
        .into_iter()
        .filter(|s| s.closes_at.is_some_and(|c| c > now))
        .map(|s| s.team)
        .collect::<Vec<_>>();
    let directory = store.directory().await?;
    for survey in demo::surveys(&directory, now, false) {
        if !open_surveys.iter().any(|t| t == survey.team) {
            run_survey(store, &survey).await?;
            livened.surveys += 1;
        }
    }
    if let Some(d) = first_checking {
        run_poll(store, &d, now).await?;
        livened.polls += 1;
    }
    Ok(livened)
}

/// Creates a scripted survey and gives its responses.
async fn run_survey(store: &Store, survey: &demo::PlannedSurvey) -> Result<(), StoreError> {
    let created = store
        .feedback()
        .create_survey(
            survey.team,
            &survey.title,
            Vec::new(),
            Some(survey.closes_at),
            demo::ADMIN,
            survey.created_at,
        )
        .await?;
    for (person, at, answers) in &survey.responses {
        store
            .feedback()
            .respond(created.id, person, answers, *at)
            .await?;
    }
    Ok(())
}

/// A "who feels most confident?" poll on `decision`, answered by its
/// roster's voices.
async fn run_poll(
    store: &Store,
    decision: &lifecycle::Decision,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let domain = decision.domains.first().map(String::as_str);
    let poll = store
        .feedback()
        .create_poll(
            &decision.team,
            &format!("Who feels most confident about “{}”?", decision.title),
            domain,
            Some(decision.id),
            &decision.requester,
            at,
        )
        .await?;
    let r = &decision.resolution;
    let voters = std::iter::once(&r.decider)
        .chain(&r.backups)
        .chain(&r.roster.input);
    for (i, person) in voters.take(3).enumerate() {
        store
            .feedback()
            .vote(poll.id, person, 5 - (i as u8 % 3), at)
            .await?;
    }
    Ok(())
}

/// One queued piece of the history.
#[derive(Debug, Clone, PartialEq)]
enum Job {
    Open(usize),
    Step(baton_core::DecisionId, Step),
}

fn opening(planned: &Planned) -> Opening {
    Opening {
        team: planned.team.to_owned(),
        decision_type: planned.decision_type.to_owned(),
        title: planned.title.clone(),
        context: planned.context.clone(),
        requester: planned.requester.to_owned(),
        at: planned.at,
    }
}

/// The actor and lifecycle action of a scripted step, against the decision
/// as it stands when the step runs.
fn action(step: &Step, current: &lifecycle::Decision) -> (Actor, Action) {
    let person = match &step.who {
        Who::Decider => current
            .delegate
            .clone()
            .unwrap_or_else(|| current.decider.clone()),
        Who::Person(p) => p.clone(),
    };
    let role = if person == demo::ADMIN {
        Role::Admin
    } else {
        Role::Member
    };
    let action = match &step.act {
        Act::Position {
            option,
            rationale,
            confidence,
            risk,
        } => Action::Position(act::Position {
            option: (*option).to_owned(),
            rationale: (*rationale).to_owned(),
            confidence: *confidence,
            risk: Some(*risk),
            reversible: None,
        }),
        Act::Decide {
            option,
            rationale,
            override_reason,
            review_on,
        } => Action::Decide(act::Decide {
            option: (*option).to_owned(),
            rationale: (*rationale).to_owned(),
            override_reason: override_reason.map(str::to_owned),
            review_on: *review_on,
        }),
        Act::Outcome { result, notes } => Action::Outcome(act::Outcome {
            result: *result,
            notes: (*notes).to_owned(),
        }),
        Act::Withdraw => Action::Withdraw,
        Act::Escalate => Action::Escalate,
    };
    (Actor { person, role }, action)
}
