//! What handlers take from a request, with rejections that are problem
//! documents, and with what each adds to the OpenAPI document: a JSON body
//! ([`Body`]), query parameters ([`Params`]), and the path's own
//! parameters (the `*Path` structs, so that every one is named and typed).

use aide::generate::GenContext;
use aide::openapi::{Operation, Response, StatusCode as DocStatus};
use aide::operation::OperationInput;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use schemars::JsonSchema;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::Problem;

/// A JSON body whose rejections are problem documents: 400 naming what is
/// wrong, 413 when too large, 415 without a JSON content type. Every body
/// is an object: serde would read a struct from an array by position, so
/// `[]` would pass for `{}` and `["platform","architecture","t"]` for an
/// opening.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + JsonSchema> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let mut value = match Json::<serde_json::Value>::from_request(req, state).await {
            Ok(Json(value)) => value,
            Err(rejection) => return Err(json_rejection(&rejection)),
        };
        if !value.is_object() {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("the body must be a JSON object, not {}", json_kind(&value)),
            ));
        }
        if has_integral_float(&value) {
            let schema = schemars::schema_for!(T);
            let schema = schema.as_value();
            integral_floats_as_integers(&mut value, schema, schema);
        }
        if let Some(at) = nul_in(&value) {
            return Err(nul_refused(&format!("`{at}`")));
        }
        T::deserialize(value).map(Body).map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_body",
                format!("the body does not fit this request: {e}"),
            )
        })
    }
}

/// Whether any number in `value` is a float with no fraction: the rare
/// body that needs [`integral_floats_as_integers`], which costs a schema.
fn has_integral_float(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) => n.as_f64().is_some_and(|f| n.is_f64() && f.fract() == 0.0),
        serde_json::Value::Array(items) => items.iter().any(has_integral_float),
        serde_json::Value::Object(fields) => fields.values().any(has_integral_float),
        _ => false,
    }
}

/// JSON has one number type, and JSON Schema counts `4.0` as an integer:
/// clients that write every number as a float (JavaScript's, Python's
/// `float`) send `"confidence": 4.0`. serde would refuse that for an
/// integer field, so an integral float where the body's schema says
/// `integer` becomes the integer it names before the body is read; `4.5`
/// stays a float and is refused. Free-form data (a request's `context`)
/// has no type in the schema and keeps its floats: `ctx.share / 2` must
/// not change with how the client spelt 5.
fn integral_floats_as_integers(
    value: &mut serde_json::Value,
    schema: &serde_json::Value,
    root: &serde_json::Value,
) {
    let schema = resolved(schema, root);
    for alternative in ["anyOf", "oneOf", "allOf"]
        .iter()
        .filter_map(|k| schema.get(*k).and_then(|v| v.as_array()))
        .flatten()
    {
        integral_floats_as_integers(value, alternative, root);
    }
    match value {
        serde_json::Value::Number(n) if n.is_f64() && is_integer_type(schema) => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9.0e15
            {
                // Below 2^53 every integral f64 is exact.
                #[allow(clippy::cast_possible_truncation)]
                let i = f as i64;
                *n = serde_json::Number::from(i);
            }
        }
        serde_json::Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                for v in items {
                    integral_floats_as_integers(v, item, root);
                }
            }
        }
        serde_json::Value::Object(fields) => {
            let properties = schema.get("properties");
            let extra = schema.get("additionalProperties");
            for (key, v) in fields {
                if let Some(field) = properties.and_then(|p| p.get(key)).or(extra) {
                    integral_floats_as_integers(v, field, root);
                }
            }
        }
        _ => {}
    }
}

/// `schema`, or what its local `$ref` names in `root`.
fn resolved<'a>(
    schema: &'a serde_json::Value,
    root: &'a serde_json::Value,
) -> &'a serde_json::Value {
    schema
        .get("$ref")
        .and_then(|r| r.as_str())
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| root.pointer(pointer))
        .unwrap_or(schema)
}

/// Whether the schema's `type` is `integer` (alone or beside `null`).
fn is_integer_type(schema: &serde_json::Value) -> bool {
    match schema.get("type") {
        Some(serde_json::Value::String(t)) => t == "integer",
        Some(serde_json::Value::Array(ts)) => ts.iter().any(|t| t == "integer"),
        _ => false,
    }
}

/// Where in `value` a string holds U+0000, as a path (`title`,
/// `questions[1].prompt`). PostgreSQL cannot store it in text, so it is
/// refused on both backends before anything reaches a store: the same
/// request gets the same answer whichever store is behind the server.
/// The path is built on the way out, only for the string found.
fn nul_in(value: &serde_json::Value) -> Option<String> {
    /// `step` before the rest of a path: `a` + `b[1]` is `a.b[1]`.
    fn under(step: String, rest: String) -> String {
        if rest.is_empty() || rest.starts_with('[') {
            step + &rest
        } else {
            format!("{step}.{rest}")
        }
    }
    match value {
        serde_json::Value::String(s) if s.contains('\0') => Some(String::new()),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_in(item).map(|rest| under(format!("[{i}]"), rest))),
        serde_json::Value::Object(fields) => fields.iter().find_map(|(key, item)| {
            if key.contains('\0') {
                Some(key.clone())
            } else {
                nul_in(item).map(|rest| under(key.clone(), rest))
            }
        }),
        _ => None,
    }
}

/// Refuses a request whose path, query or form body (the dashboard's
/// forms, Slack's commands) holds U+0000, for the reason [`nul_in`] gives:
/// no id, filter or text baton stores holds it. A form body is read whole
/// (they are small, and limited) and handed on unchanged, so a signature
/// over it still verifies.
pub(crate) async fn refuse_nul(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri = request.uri();
    if encodes_nul(uri.path().as_bytes()) || uri.query().is_some_and(|q| encodes_nul(q.as_bytes()))
    {
        return nul_refused("the path or query").into_response();
    }
    let is_form = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, crate::BODY_LIMIT).await else {
        return Problem::body_too_large().into_response();
    };
    if encodes_nul(&bytes) || bytes.contains(&0) {
        return nul_refused("the form").into_response();
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

/// Whether URL-encoded text encodes U+0000 (`%00`).
fn encodes_nul(text: &[u8]) -> bool {
    text.windows(3).any(|w| w.eq_ignore_ascii_case(b"%00"))
}

/// 422 for a NUL character in `what`.
fn nul_refused(what: &str) -> Problem {
    Problem::invalid(format!(
        "{what} holds the NUL character (U+0000, `%00`), which baton does not store"
    ))
}

/// What a JSON value is, for a message.
fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// The problem document for a body axum could not read as JSON.
fn json_rejection(rejection: &JsonRejection) -> Problem {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            Problem::new(StatusCode::BAD_REQUEST, "invalid_body", e.body_text())
        }
        JsonRejection::JsonSyntaxError(e) => {
            Problem::new(StatusCode::BAD_REQUEST, "malformed_json", e.body_text())
        }
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        ),
        JsonRejection::BytesRejection(_) => Problem::body_too_large(),
        other => Problem::new(StatusCode::BAD_REQUEST, "invalid_body", other.body_text()),
    }
}

impl<T: JsonSchema> OperationInput for Body<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        <Json<T> as OperationInput>::operation_input(ctx, operation);
    }

    fn inferred_early_responses(
        ctx: &mut GenContext,
        _operation: &mut Operation,
    ) -> Vec<(Option<DocStatus>, Response)> {
        [
            (
                400,
                "the body is not JSON, or not the JSON this operation takes",
            ),
            (413, "the body is larger than the server takes"),
            (415, "the body is not sent as `application/json`"),
        ]
        .into_iter()
        .map(|(code, what)| {
            (
                Some(DocStatus::Code(code)),
                crate::problem::response(ctx, what),
            )
        })
        .collect()
    }
}

/// Query parameters whose rejections are problem documents: 400
/// `invalid_query` naming the parameter at fault, as the handlers' own
/// checks of their parameters answer.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Params(value))
            .map_err(|rejection| Problem::bad_query(rejection.body_text()))
    }
}

impl<T: JsonSchema> OperationInput for Params<T> {
    fn operation_input(ctx: &mut GenContext, operation: &mut Operation) {
        <Query<T> as OperationInput>::operation_input(ctx, operation);
    }

    fn inferred_early_responses(
        ctx: &mut GenContext,
        _operation: &mut Operation,
    ) -> Vec<(Option<DocStatus>, Response)> {
        vec![(
            Some(DocStatus::Code(400)),
            crate::problem::response(ctx, "a query parameter is unknown or does not parse"),
        )]
    }
}

/// A page size a query gave: `default` when absent, refused outside
/// `1..=max` (the range the document gives) rather than quietly clamped.
pub(crate) fn page_limit(given: Option<i64>, default: i64, max: i64) -> Result<i64, Problem> {
    match given {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(n) => Err(Problem::bad_query(format!(
            "`limit` ({n}) must be from 1 to {max}"
        ))),
    }
}

/// Refuses a negative paging position (`offset`, `after`) by its name.
pub(crate) fn not_negative(name: &str, given: Option<i64>) -> Result<(), Problem> {
    match given {
        Some(n) if n < 0 => Err(Problem::bad_query(format!("`{name}` cannot be negative"))),
        _ => Ok(()),
    }
}

/// A stored row's number: numbering starts at 1, so 0 or less names
/// nothing and is refused as the document says rather than looked up.
pub(crate) fn numbered<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let n = i64::deserialize(d)?;
    if n < 1 {
        return Err(serde::de::Error::custom(format!(
            "{n} is not a number baton gives: they start at 1"
        )));
    }
    Ok(n)
}

/// `/api/v1/decisions/{id}/…`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DecisionPath {
    /// The decision's number (from 1).
    pub id: baton_core::DecisionId,
}

/// `/…/{id}` of a survey, poll or webhook.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct IdPath {
    /// Its number.
    #[schemars(range(min = 1, max = i64::MAX))]
    #[serde(deserialize_with = "numbered")]
    pub id: i64,
}

/// `/api/v1/teams/{team}/…`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct TeamPath {
    /// The team, as its guide names it.
    pub team: baton_core::TeamId,
}

/// `/api/v1/people/{id}`: a person's id, or `ID.ics` for their calendar.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PersonPath {
    /// The person's id; with `.ics`, their calendar feed.
    pub id: String,
}

/// `/api/v1/people/{id}/…`: a person's id, validated.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PersonIdPath {
    /// The person's id, as the directory names them.
    pub id: baton_core::PersonId,
}

/// `/api/v1/rotations/{team}/{name}.ics`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RotationPath {
    /// The team whose guide defines the rotation.
    pub team: baton_core::TeamId,
    /// The rotation's name followed by `.ics`.
    pub file: String,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn a_nul_anywhere_in_a_body_is_found_with_its_path() {
        use super::nul_in;
        assert_eq!(nul_in(&json!({"title": "a\u{0}b"})), Some("title".into()));
        assert_eq!(
            nul_in(&json!({"questions": [{"prompt": "ok"}, {"prompt": "\u{0}"}]})),
            Some("questions[1].prompt".into())
        );
        assert_eq!(nul_in(&json!({"title": "fine", "n": 0})), None);
    }

    #[test]
    fn integral_floats_become_integers_where_the_schema_says_integer() {
        #[derive(schemars::JsonSchema)]
        #[allow(dead_code)]
        struct Nested {
            n: i32,
        }
        #[derive(schemars::JsonSchema)]
        #[allow(dead_code)]
        struct Shape {
            confidence: u8,
            by: Vec<i64>,
            nested: Nested,
            big: Option<i64>,
            context: serde_json::Value,
        }
        let mut body = json!({"confidence": 4.0, "by": [763.0, 1.5], "nested": {"n": -2.0},
                              "big": 1e300, "context": {"share": 5.0, "list": [2.0]}});
        assert!(super::has_integral_float(&body));
        let schema = schemars::schema_for!(Shape);
        super::integral_floats_as_integers(&mut body, schema.as_value(), schema.as_value());
        assert_eq!(
            body,
            json!({"confidence": 4, "by": [763, 1.5], "nested": {"n": -2}, "big": 1e300,
                   "context": {"share": 5.0, "list": [2.0]}})
        );
        assert!(body["confidence"].is_u64());
        assert!(body["context"]["share"].is_f64());
    }
}
