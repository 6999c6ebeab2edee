//! Bearer tokens: every request acts as the token's person.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use baton_core::lifecycle::{Actor, Role};

use crate::{AppState, Problem};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub person: String,
    pub role: Role,
    /// The store's state when the request was authenticated: reads that
    /// can be served from what was cached at this position are.
    pub snapshot: baton_store::Snapshot,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            person: self.person.clone(),
            role: self.role,
        }
    }

    /// Refuses viewers: they read, they do not write.
    pub fn may_write(&self) -> Result<(), Problem> {
        if self.role == Role::Viewer {
            Err(Problem::forbidden(format!(
                "`{}` holds a viewer token and cannot write",
                self.person
            )))
        } else {
            Ok(())
        }
    }
}

impl Caller {
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
        let snapshot = state.store.snapshot().await?;
        let token = state
            .store
            .authenticate_at(secret.trim(), snapshot)
            .await?
            .ok_or_else(|| Problem::unauthorized("the token is unknown or revoked"))?;
        Ok(Self {
            person: token.person,
            role: token.role,
            snapshot,
        })
    }

    /// Refuses callers whose role is not among `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<(), Problem> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!(
                "`{}` may not {what}",
                self.person
            )))
        }
    }
}

impl<S> FromRequestParts<S> for Caller
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        Self::from_headers(&AppState::from_ref(state), &parts.headers).await
    }
}
