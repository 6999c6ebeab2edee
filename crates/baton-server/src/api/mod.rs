//! The `/api/v1` routes, `/integrations`, and the probes — each declared
//! once, with its documentation: the OpenAPI document is generated from
//! these routes and their handlers' types (aide over schemars), so a route
//! cannot exist undocumented.

pub(crate) mod analytics;
pub(crate) mod availability;
mod calendar;
pub(crate) mod decisions;
pub(crate) mod extract;
pub(crate) mod feedback;
pub(crate) mod misuse;
pub(crate) mod org;
pub(crate) mod pilots;
pub(crate) mod resolve;
pub(crate) mod webhooks;
mod window;

use aide::axum::ApiRouter;
use aide::axum::routing::{delete_with, get_with, post_with};
use aide::transform::TransformOperation;
use axum::Json;
use baton_app::{
    Applied, AuditEvent, Delivery, MetricsView, PersonView, PollView, Subscribed, Survey,
    SurveyResults, SurveyView, Webhook,
};
use baton_core::analytics::Alert;
use baton_core::lifecycle::Decision;

use crate::AppState;
use baton_core::lifecycle::act as action;
use decisions::{EscalateBody, WithdrawBody, act};

/// A one-line summary, and a response of `T` with `status`.
fn doc<T: aide::OperationOutput>(
    summary: &'static str,
    status: u16,
) -> impl FnOnce(TransformOperation<'_>) -> TransformOperation<'_> {
    move |op| {
        let op = op.summary(summary);
        match status {
            200 => op.response::<200, T>(),
            201 => op.response::<201, T>(),
            202 => op.response::<202, T>(),
            204 => op.response::<204, T>(),
            _ => op,
        }
    }
}

/// A decision with its audit events: what every decision endpoint answers.
type DecisionDoc = Json<Decision>;

/// `GET /readyz`: `ready` when the store answers, 503 `store_unavailable`
/// when it does not (SPEC §8.2).
async fn ready(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, crate::problem::Problem> {
    state.app.ready().await?;
    Ok("ready")
}

pub fn routes() -> ApiRouter<AppState> {
    ApiRouter::new()
        .api_route(
            "/healthz",
            get_with(|| async { "ok" }, doc::<String>("The process is up", 200)),
        )
        .api_route(
            "/readyz",
            get_with(ready, doc::<String>("The store answers", 200)),
        )
        .api_route(
            "/api/v1/resolve",
            post_with(
                resolve::resolve,
                doc::<Json<baton_core::Resolution>>("Who decides this? (records nothing)", 200),
            ),
        )
        .api_route(
            "/api/v1/decisions",
            post_with(
                decisions::open,
                doc::<DecisionDoc>("Open a decision as the token's person", 201),
            )
            .get_with(
                decisions::list,
                doc::<Json<Vec<Decision>>>("Decisions, newest first, filtered and paged", 200),
            ),
        )
        .api_route(
            "/api/v1/decisions/{id}",
            get_with(
                decisions::show,
                doc::<DecisionDoc>("One decision with its audit events", 200),
            ),
        )
        .api_route(
            "/api/v1/decisions/{id}/position",
            post_with(
                act::<action::Position>,
                doc::<DecisionDoc>("Take a position", 200),
            ),
        )
        .api_route(
            "/api/v1/decisions/{id}/object",
            post_with(
                act::<action::Object>,
                doc::<DecisionDoc>("Object to who decides, in the consensus check", 200),
            ),
        )
        .api_route(
            "/api/v1/decisions/{id}/delegate",
            post_with(
                act::<action::Delegate>,
                doc::<DecisionDoc>("Delegate the decision (its decider)", 200),
            ),
        )
        .api_route(
            "/api/v1/decisions/{id}/decide",
            post_with(
                act::<action::Decide>,
                doc::<DecisionDoc>("Decide (anyone else with an override reason)", 200),
            ),
        )
        .api_route(
            "/api/v1/decisions/{id}/escalate",
            post_with(
                act::<EscalateBody>,
                doc::<DecisionDoc>("Escalate to the escalation target", 200),
            ),
        )
        .api_route(
            "/api/v1/decisions/{id}/outcome",
            post_with(
                act::<action::Outcome>,
                doc::<DecisionDoc>("Record the outcome", 200),
            ),
        )
        .api_route(
            "/api/v1/decisions/{id}/withdraw",
            post_with(
                act::<WithdrawBody>,
                doc::<DecisionDoc>("Withdraw (the requester or an admin)", 200),
            ),
        )
        .api_route(
            "/api/v1/decisions/{id}/supersede",
            post_with(
                act::<action::Supersede>,
                doc::<DecisionDoc>("Mark as replaced by a later decision", 200),
            ),
        )
        .api_route(
            "/api/v1/me/waiting",
            get_with(
                decisions::waiting,
                doc::<Json<baton_app::Waiting>>(
                    "What waits for the token's person: positions, decisions, objections, outcomes",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/audit/verify",
            get_with(
                decisions::verify,
                doc::<Json<baton_app::ChainReport>>(
                    "Recompute the audit chain and prove every stored row from it",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/audit",
            get_with(
                analytics::audit,
                doc::<Json<Vec<AuditEvent>>>("The audit log in chain order", 200),
            ),
        )
        .api_route(
            "/api/v1/metrics",
            get_with(
                analytics::metrics,
                doc::<Json<MetricsView>>("SPEC §6 metrics of the org or a team", 200),
            ),
        )
        .api_route(
            "/api/v1/report",
            get_with(
                analytics::report,
                doc::<Json<baton_app::Report>>(
                    "The metrics, their trend, the alerts and everyone's deference profile",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/audit-matrix",
            get_with(
                analytics::audit_matrix,
                doc::<Json<baton_core::analytics::AuditMatrix>>(
                    "Per decision type: how decisions are made, and the pain each shows",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/people/{id}/profile",
            get_with(
                analytics::profile,
                doc::<Json<baton_app::ProfileView>>(
                    "A person's deference profile: routed, decided, deferred, overrode",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/misuse",
            post_with(
                misuse::report,
                doc::<Json<baton_app::Received>>(
                    "Report misuse of deference, anonymously unless signed",
                    202,
                ),
            )
            .get_with(
                misuse::read,
                doc::<Json<baton_app::MisuseView>>(
                    "Weekly batches of at least three anonymous reports, and signed ones (admins and stewards)",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/breaks",
            post_with(
                availability::take,
                doc::<Json<baton_core::availability::Break>>(
                    "Take a break from deciding (yours; stewards and admins may name someone)",
                    201,
                ),
            )
            .get_with(
                availability::breaks,
                doc::<Json<Vec<baton_core::availability::Break>>>("Breaks, latest first", 200),
            ),
        )
        .api_route(
            "/api/v1/breaks/{id}/end",
            post_with(
                availability::end,
                doc::<Json<baton_core::availability::Break>>(
                    "End a break now, or call it off",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/handoffs",
            post_with(
                availability::offer,
                doc::<Json<baton_core::availability::Handoff>>(
                    "Offer a stretch of your rotation shift to a colleague",
                    201,
                ),
            )
            .get_with(
                availability::handoffs,
                doc::<Json<Vec<baton_core::availability::Handoff>>>("Hand-offs, latest first", 200),
            ),
        )
        .api_route(
            "/api/v1/handoffs/{id}/{answer}",
            post_with(
                availability::answer,
                doc::<Json<baton_core::availability::Handoff>>(
                    "Accept or decline a hand-off offered to you, or withdraw yours",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/pilots",
            post_with(
                pilots::create,
                doc::<Json<baton_app::Pilot>>(
                    "Start a pilot of a guide version (admins and the team's stewards)",
                    201,
                ),
            )
            .get_with(
                pilots::list,
                doc::<Json<Vec<baton_app::Pilot>>>("Every pilot, newest first", 200),
            ),
        )
        .api_route(
            "/api/v1/pilots/{id}/report",
            get_with(
                pilots::report,
                doc::<Json<baton_app::PilotReport>>(
                    "A pilot against its baseline, with 95% bootstrap intervals",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/teams/{team}/replay",
            post_with(
                pilots::replay,
                doc::<Json<baton_core::replay::ReplayReport>>(
                    "What a new guide (the body) would have changed, decision by decision",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/alerts",
            get_with(
                analytics::alerts,
                doc::<Json<Vec<Alert>>>("The watchdog alerts standing now", 200),
            ),
        )
        .api_route(
            "/api/v1/org",
            get_with(org::get_org, doc::<String>("The directory in force", 200)).put_with(
                org::put_org,
                doc::<Json<Applied>>("Replace the directory (admins)", 200),
            ),
        )
        .api_route(
            "/api/v1/teams/{team}/guide",
            get_with(
                org::get_guide,
                doc::<String>("The team's guide in force", 200),
            )
            .put_with(
                org::put_guide,
                doc::<Json<Applied>>("Replace the team's guide (admins and its stewards)", 200),
            ),
        )
        .api_route(
            "/api/v1/endorsements",
            post_with(
                org::endorse,
                doc::<Json<Applied>>("Endorse a colleague's level in a domain", 201),
            ),
        )
        .api_route(
            "/api/v1/people/{id}",
            get_with(org::person, |op| {
                doc::<Json<PersonView>>("A person, or with `.ics` their duties as a calendar", 200)(
                    op,
                )
            }),
        )
        .api_route(
            "/api/v1/rotations/{team}/{file}",
            get_with(
                calendar::rotation,
                doc::<String>("A rotation's shifts as an iCalendar feed (`NAME.ics`)", 200),
            ),
        )
        .api_route(
            "/api/v1/webhooks",
            post_with(
                webhooks::subscribe,
                doc::<Json<Subscribed>>("Subscribe a URL to decision events (admins)", 201),
            )
            .get_with(
                webhooks::list,
                doc::<Json<Vec<Webhook>>>("Live subscriptions (admins)", 200),
            ),
        )
        .api_route(
            "/api/v1/webhooks/{id}",
            delete_with(
                webhooks::unsubscribe,
                doc::<()>("Remove a subscription (admins)", 204),
            ),
        )
        .api_route(
            "/api/v1/webhooks/{id}/deliveries",
            get_with(
                webhooks::deliveries,
                doc::<Json<Vec<Delivery>>>("Every delivery attempt's outcome (admins)", 200),
            ),
        )
        .api_route(
            "/api/v1/surveys",
            post_with(
                feedback::create_survey,
                doc::<Json<Survey>>("Open a survey (admins and the team's stewards)", 201),
            )
            .get_with(
                feedback::list_surveys,
                doc::<Json<Vec<Survey>>>("Surveys, newest first", 200),
            ),
        )
        .api_route(
            "/api/v1/surveys/{id}",
            get_with(
                feedback::show_survey,
                doc::<Json<SurveyView>>("A survey, and whether the caller answered", 200),
            ),
        )
        .api_route(
            "/api/v1/surveys/{id}/responses",
            post_with(
                feedback::respond,
                doc::<()>("Answer a survey, anonymously (its team's members)", 201),
            ),
        )
        .api_route(
            "/api/v1/surveys/{id}/results",
            get_with(
                feedback::survey_results,
                doc::<Json<SurveyResults>>(
                    "Results, once the survey has closed with 3 responses",
                    200,
                ),
            ),
        )
        .api_route(
            "/api/v1/polls",
            post_with(
                feedback::create_poll,
                doc::<Json<PollView>>("Open a confidence poll", 201),
            ),
        )
        .api_route(
            "/api/v1/polls/{id}",
            get_with(
                feedback::show_poll,
                doc::<Json<PollView>>("A poll and its ranked votes", 200),
            ),
        )
        .api_route(
            "/api/v1/polls/{id}/votes",
            post_with(
                feedback::vote,
                doc::<Json<PollView>>("Vote your confidence, 1 to 5", 200),
            ),
        )
}
