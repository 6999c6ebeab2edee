//! Errors as RFC 9457 problem documents with a stable `code`.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use baton_app::{ErrorKind, Failure};
use serde::Serialize;

/// An error answer: status, stable code, human detail, and optional extras
/// (the resolver's explanation).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Problem {
    #[serde(skip)]
    #[schemars(skip)]
    pub status: StatusCode,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Vec<String>>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            title: status.canonical_reason().unwrap_or("error"),
            detail: detail.into(),
            explanation: None,
        }
    }
}

impl Problem {
    /// 401 `unauthorized`: no token, or one that is unknown or revoked.
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    /// 403 `forbidden`: a known caller who may not do this.
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    /// 422 `invalid`: a well-formed request asking for something invalid.
    pub fn invalid(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", detail)
    }

    /// 413 `body_too_large`: a body over [`crate::BODY_LIMIT`].
    pub fn body_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("request bodies are limited to {} bytes", crate::BODY_LIMIT),
        )
    }

    /// 400 `invalid_query`: query parameters that do not make sense.
    pub fn bad_query(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_query", detail)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, detail = %self.detail, "request failed");
        }
        let mut body = serde_json::to_value(&self).unwrap_or_default();
        body["status"] = self.status.as_u16().into();
        let mut response = (self.status, Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// A problem-document response for the OpenAPI document.
pub fn response(
    ctx: &mut aide::generate::GenContext,
    description: &str,
) -> aide::openapi::Response {
    let schema = ctx.schema.subschema_for::<Problem>();
    aide::openapi::Response {
        description: description.to_owned(),
        content: std::iter::once((
            "application/problem+json".to_owned(),
            aide::openapi::MediaType {
                schema: Some(aide::openapi::SchemaObject {
                    json_schema: schema,
                    example: None,
                    external_docs: None,
                }),
                ..Default::default()
            },
        ))
        .collect(),
        ..Default::default()
    }
}

/// Every answer a handler may give instead of its success: documented once,
/// for every operation that can fail.
impl aide::OperationOutput for Problem {
    type Inner = Self;

    fn operation_response(
        ctx: &mut aide::generate::GenContext,
        _operation: &mut aide::openapi::Operation,
    ) -> Option<aide::openapi::Response> {
        Some(response(
            ctx,
            "a problem document (RFC 9457) with a stable `code`",
        ))
    }

    fn inferred_responses(
        ctx: &mut aide::generate::GenContext,
        _operation: &mut aide::openapi::Operation,
    ) -> Vec<(Option<aide::openapi::StatusCode>, aide::openapi::Response)> {
        [
            (
                400,
                "the path or query does not parse, or does not make sense",
            ),
            (403, "the caller may not do this"),
            (404, "what the request names does not exist"),
            (409, "the state does not allow it now"),
            (
                422,
                "the request is invalid, or the guide names nobody for it",
            ),
            (413, "the body is larger than the server takes"),
            (415, "the body is not of a type the operation takes"),
            (500, "a bug or data baton did not write"),
            (503, "the store cannot be reached"),
            (507, "the store is full"),
        ]
        .into_iter()
        .map(|(code, what)| {
            (
                Some(aide::openapi::StatusCode::Code(code)),
                response(ctx, what),
            )
        })
        .collect()
    }
}

/// The HTTP status of each kind of failure: the one place it is chosen.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid | ErrorKind::Unresolvable => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::StoreFull => StatusCode::INSUFFICIENT_STORAGE,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl<E: Failure> From<E> for Problem {
    fn from(err: E) -> Self {
        let status = status_of(err.kind());
        // Keep the store's internals out of answers; they are logged.
        let detail = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %err, "request failed");
            if err.uncertain() {
                "the store failed at the commit, so the write may or may not have taken effect: read what you wrote before trying again; see the server log".to_owned()
            } else {
                "the store failed; see the server log".to_owned()
            }
        } else {
            err.to_string()
        };
        Self {
            explanation: err.explanation(),
            ..Problem::new(status, err.code(), detail)
        }
    }
}

/// Makes every error answer a problem document, including the ones axum
/// writes itself as plain text: a path or query that does not parse, an
/// unknown route, a wrong method, a timeout, an oversized body. Clients
/// then handle one error shape, with a stable `code`, everywhere.
pub async fn everywhere(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // A problem document already, or a page saying what went wrong.
    let answered = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json") || v.starts_with("text/html"));
    if answered {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let code = match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        s if s.is_server_error() => "internal",
        _ => "error",
    };
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    let mut problem = Problem::new(status, code, detail).into_response();
    // Keep what the original answer told the client beyond its body.
    for name in [header::ALLOW, header::WWW_AUTHENTICATE, header::RETRY_AFTER] {
        if let Some(v) = parts.headers.get(&name) {
            problem.headers_mut().insert(name, v.clone());
        }
    }
    problem
}
