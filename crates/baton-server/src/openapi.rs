//! The OpenAPI 3.1 document at `/openapi.json`, generated from the same
//! Rust types the handlers read and write (their JSON Schemas come from
//! schemars, in the 2020-12 dialect OpenAPI 3.1 uses), so it cannot drift
//! from what the server accepts.

use baton_core::Resolution;
use baton_core::lifecycle::Decision;
use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Value, json};

use crate::Problem;
use crate::api::decisions::{
    DecideBody, DelegateBody, OpenBody, OutcomeBody, PositionBody, ReasonBody, SupersedeBody,
};
use crate::api::feedback::{PollBody, ResponseBody, SurveyBody, VoteBody};
use crate::api::org::EndorsementBody;
use crate::api::resolve::ResolveBody;
use crate::api::webhooks::SubscribeBody;
use baton_app::MetricsView;
use baton_app::{
    AuditEvent, Delivery, PersonView, PollView, Subscribed, Survey, SurveyResults, SurveyView,
    Webhook,
};
use baton_core::analytics::Alert;

struct Builder {
    generator: SchemaGenerator,
    paths: serde_json::Map<String, Value>,
}

impl Builder {
    fn schema<T: JsonSchema>(&mut self) -> Schema {
        self.generator.subschema_for::<T>()
    }

    fn op(
        &mut self,
        method: &str,
        path: &str,
        summary: &str,
        body: Option<Schema>,
        ok: (u16, Value),
        secured: bool,
    ) {
        let problem = self.schema::<Problem>();
        let mut responses = serde_json::Map::new();
        responses.insert(
            ok.0.to_string(),
            json!({"description": "success", "content": ok.1}),
        );
        for (code, what) in [
            (400, "malformed request"),
            (401, "no valid token"),
            (403, "not allowed"),
            (404, "not found"),
            (409, "conflict"),
            (422, "invalid"),
        ] {
            if secured || code != 401 {
                responses.insert(code.to_string(), json!({"description": what, "content": {"application/problem+json": {"schema": problem}}}));
            }
        }
        let mut operation = json!({"summary": summary, "responses": responses});
        if let Some(body) = body {
            operation["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": body}}});
        }
        if secured {
            operation["security"] = json!([{"bearer": []}]);
        }
        let entry = self
            .paths
            .entry(path.to_owned())
            .or_insert_with(|| json!({}));
        entry[method] = operation;
    }
}

fn json_body(schema: Schema) -> Value {
    json!({"application/json": {"schema": schema}})
}

/// The whole document.
pub fn document() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    let mut b = Builder {
        generator: settings.into_generator(),
        paths: serde_json::Map::new(),
    };
    let decision = b.schema::<Decision>();
    let decisions = b.schema::<Vec<Decision>>();
    let resolution = b.schema::<Resolution>();
    let text = json!({"text/plain": {"schema": {"type": "string"}}});
    let any = json!({"application/json": {"schema": {"type": "object"}}});
    let body = b.schema::<ResolveBody>();
    b.op(
        "post",
        "/api/v1/resolve",
        "Who decides this? (records nothing)",
        Some(body),
        (200, json_body(resolution)),
        true,
    );
    let body = b.schema::<OpenBody>();
    b.op(
        "post",
        "/api/v1/decisions",
        "Open a decision as the token's person",
        Some(body),
        (201, json_body(decision.clone())),
        true,
    );
    b.op(
        "get",
        "/api/v1/decisions",
        "List decisions (team, type, status, decider, text, from, to, limit, offset)",
        None,
        (200, json_body(decisions)),
        true,
    );
    b.op(
        "get",
        "/api/v1/decisions/{id}",
        "One decision with its audit events",
        None,
        (200, json_body(decision.clone())),
        true,
    );
    for (action, body) in [
        ("position", b.schema::<PositionBody>()),
        ("object", b.schema::<ReasonBody>()),
        ("delegate", b.schema::<DelegateBody>()),
        ("decide", b.schema::<DecideBody>()),
        ("outcome", b.schema::<OutcomeBody>()),
        ("supersede", b.schema::<SupersedeBody>()),
    ] {
        b.op(
            "post",
            &format!("/api/v1/decisions/{{id}}/{action}"),
            &format!("{action}, as the token's person"),
            Some(body),
            (200, json_body(decision.clone())),
            true,
        );
    }
    for action in ["escalate", "withdraw"] {
        let empty = Schema::from(
            json!({"type": "object", "additionalProperties": false})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        );
        b.op(
            "post",
            &format!("/api/v1/decisions/{{id}}/{action}"),
            &format!("{action}, as the token's person"),
            Some(empty),
            (200, json_body(decision.clone())),
            true,
        );
    }
    b.op(
        "get",
        "/api/v1/audit/verify",
        "Recompute the audit chain",
        None,
        (200, any.clone()),
        true,
    );
    b.op(
        "get",
        "/api/v1/org",
        "The directory in force",
        None,
        (200, text.clone()),
        true,
    );
    b.op(
        "put",
        "/api/v1/org",
        "Replace the directory (admins; YAML or JSON body)",
        None,
        (200, any.clone()),
        true,
    );
    b.op(
        "get",
        "/api/v1/teams/{team}/guide",
        "A team's guide in force",
        None,
        (200, text.clone()),
        true,
    );
    b.op(
        "put",
        "/api/v1/teams/{team}/guide",
        "Replace a team's guide (admins, stewards; YAML body)",
        None,
        (200, any.clone()),
        true,
    );
    let body = b.schema::<EndorsementBody>();
    b.op(
        "post",
        "/api/v1/endorsements",
        "Endorse someone's expertise, in the caller's name",
        Some(body),
        (201, any.clone()),
        true,
    );
    let person = b.schema::<PersonView>();
    b.op(
        "get",
        "/api/v1/people/{id}",
        "A person and their open-decision load; `{id}.ics` is their duties calendar",
        None,
        (200, json_body(person)),
        true,
    );
    let ics = json!({"text/calendar": {"schema": {"type": "string"}}});
    b.op(
        "get",
        "/api/v1/rotations/{team}/{name}.ics",
        "A rotation's shifts as iCalendar (token as header or ?token=)",
        None,
        (200, ics),
        true,
    );
    let body = b.schema::<SubscribeBody>();
    let subscribed = b.schema::<Subscribed>();
    b.op(
        "post",
        "/api/v1/webhooks",
        "Subscribe a URL to decision events (admins); the answer holds the signing secret",
        Some(body),
        (201, json_body(subscribed)),
        true,
    );
    let hooks = b.schema::<Vec<Webhook>>();
    b.op(
        "get",
        "/api/v1/webhooks",
        "Live webhook subscriptions (admins)",
        None,
        (200, json_body(hooks)),
        true,
    );
    b.op(
        "delete",
        "/api/v1/webhooks/{id}",
        "Unsubscribe (admins)",
        None,
        (204, json!({})),
        true,
    );
    let deliveries = b.schema::<Vec<Delivery>>();
    b.op(
        "get",
        "/api/v1/webhooks/{id}/deliveries",
        "Deliveries of a subscription, newest first, with each one's attempts and result (admins)",
        None,
        (200, json_body(deliveries)),
        true,
    );
    let metrics = b.schema::<MetricsView>();
    b.op(
        "get",
        "/api/v1/metrics",
        "SPEC §6 metrics over a window (?team=&from=&to=; default the org, the last 30 days)",
        None,
        (200, json_body(metrics)),
        true,
    );
    let alerts = b.schema::<Vec<Alert>>();
    b.op(
        "get",
        "/api/v1/alerts",
        "Watchdog alerts standing now, with their evidence (?team=)",
        None,
        (200, json_body(alerts)),
        true,
    );
    let events = b.schema::<Vec<AuditEvent>>();
    b.op(
        "get",
        "/api/v1/audit",
        "The audit log in chain order (?after=SEQ&limit=&decision=)",
        None,
        (200, json_body(events)),
        true,
    );
    let body = b.schema::<SurveyBody>();
    let survey = b.schema::<Survey>();
    b.op(
        "post",
        "/api/v1/surveys",
        "Create an anonymous survey of a team (stewards, admins); standard questions when none are given",
        Some(body),
        (201, json_body(survey)),
        true,
    );
    let surveys = b.schema::<Vec<Survey>>();
    b.op(
        "get",
        "/api/v1/surveys",
        "Surveys, newest first (?team=)",
        None,
        (200, json_body(surveys)),
        true,
    );
    let view = b.schema::<SurveyView>();
    b.op(
        "get",
        "/api/v1/surveys/{id}",
        "A survey, and whether the caller has answered",
        None,
        (200, json_body(view)),
        true,
    );
    let body = b.schema::<ResponseBody>();
    b.op(
        "post",
        "/api/v1/surveys/{id}/responses",
        "Answer a survey of your team, once, anonymously",
        Some(body),
        (201, json!({})),
        true,
    );
    let results = b.schema::<SurveyResults>();
    b.op(
        "get",
        "/api/v1/surveys/{id}/results",
        "Tallies per question, shown from 3 responses on",
        None,
        (200, json_body(results)),
        true,
    );
    let body = b.schema::<PollBody>();
    let poll = b.schema::<PollView>();
    b.op(
        "post",
        "/api/v1/polls",
        "Open a confidence poll",
        Some(body),
        (201, json_body(poll.clone())),
        true,
    );
    b.op(
        "get",
        "/api/v1/polls/{id}",
        "A poll's votes, most confident first, with validated levels",
        None,
        (200, json_body(poll.clone())),
        true,
    );
    let body = b.schema::<VoteBody>();
    b.op(
        "post",
        "/api/v1/polls/{id}/votes",
        "Rate your confidence 1–5 (replaces your earlier vote)",
        Some(body),
        (200, json_body(poll)),
        true,
    );
    b.op(
        "post",
        "/integrations/slack/command",
        "Slack slash commands, verified with Slack's signing secret",
        None,
        (200, any.clone()),
        false,
    );
    b.op(
        "get",
        "/healthz",
        "Liveness",
        None,
        (200, text.clone()),
        false,
    );
    b.op(
        "get",
        "/metrics",
        "Prometheus metrics",
        None,
        (200, text),
        false,
    );
    let schemas = b.generator.take_definitions(true);
    json!({
        "openapi": "3.1.0",
        "info": {"title": "baton", "version": env!("CARGO_PKG_VERSION"), "description": "A dynamic deference engine: who decides this, and why."},
        "paths": b.paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    })
}

/// `GET /openapi.json`: built once, the first time it is asked for.
pub async fn serve() -> impl axum::response::IntoResponse {
    // Serialized once: the document never changes while the server runs.
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        DOCUMENT.get_or_init(|| document().to_string()).as_str(),
    )
}

#[cfg(test)]
mod tests {
    /// Every `$ref` in the document names a component that exists.
    #[test]
    fn every_reference_resolves() {
        let doc = super::document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().unwrap();
            assert!(schemas.contains_key(name), "dangling $ref to {name}");
        }
        assert!(schemas.contains_key("Resolution") && schemas.contains_key("Decision"));
        assert_eq!(doc["openapi"], "3.1.0");
    }
}
