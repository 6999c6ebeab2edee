//! Bearer tokens: every request acts as the token's person.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use baton_app::Session;

use crate::{AppState, Problem};

/// The authenticated caller of a request, and the store's state when it
/// was authenticated. What they may do is the application's to say.
#[derive(Debug, Clone)]
pub struct Signed(pub Session);

impl std::ops::Deref for Signed {
    type Target = Session;
    fn deref(&self) -> &Session {
        &self.0
    }
}

impl Signed {
    /// Authenticates from request headers: `Authorization: Bearer TOKEN`.
    pub async fn from_headers(
        state: &AppState,
        headers: &axum::http::HeaderMap,
    ) -> Result<Self, Problem> {
        let header = headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                Problem::unauthorized("an `Authorization: Bearer TOKEN` header is required")
            })?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| {
                Problem::unauthorized("the Authorization header must be `Bearer TOKEN`")
            })?;
        Self::from_secret(state, secret).await
    }

    /// Authenticates a token however it came (a header, a calendar feed's
    /// `?token=`).
    pub async fn from_secret(state: &AppState, secret: &str) -> Result<Self, Problem> {
        Ok(Self(state.app.authenticate(secret).await?))
    }
}

impl<S> FromRequestParts<S> for Signed
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Self::from_headers(&AppState::from_ref(state), &parts.headers).await
    }
}

/// A signed request needs a bearer token: the document says so, and that
/// it may be refused with 401.
impl aide::OperationInput for Signed {
    fn operation_input(
        _ctx: &mut aide::generate::GenContext,
        operation: &mut aide::openapi::Operation,
    ) {
        operation
            .security
            .push(std::iter::once(("bearer".to_owned(), Vec::new())).collect());
    }

    fn inferred_early_responses(
        ctx: &mut aide::generate::GenContext,
        _operation: &mut aide::openapi::Operation,
    ) -> Vec<(Option<aide::openapi::StatusCode>, aide::openapi::Response)> {
        vec![(
            Some(aide::openapi::StatusCode::Code(401)),
            crate::problem::response(ctx, "no token, or one that is unknown or revoked"),
        )]
    }
}
