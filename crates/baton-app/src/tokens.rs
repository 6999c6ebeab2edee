//! API tokens, and who a request is from.

use baton_core::lifecycle::Role;
use baton_store::tokens::TokenInfo;
use chrono::{DateTime, Utc};

use crate::error::failure;
use crate::{App, Caller, Session};

failure! {
    /// Why a request is not authenticated.
    pub enum AuthError {
        #[error("the token is unknown or revoked")]
        UnknownToken => (Unauthenticated, "unauthorized"),
        #[error("Slack user {0} is not mapped to a person: add `slack: {0}` to them in org.yaml")]
        UnmappedSlackUser(String) => (Forbidden, "forbidden"),
    }
}

failure! {
    /// Why a token was not made or revoked.
    pub enum TokenError {
        #[error("no live token {0}")]
        NoSuchToken(i64) => (NotFound, "not_found"),
    }
}

impl App {
    /// The session a token secret opens, as of the store's state now.
    pub async fn authenticate(&self, secret: &str) -> Result<Session, AuthError> {
        let snapshot = self.store.snapshot().await?;
        let token = self
            .store
            .authenticate_at(secret.trim(), snapshot)
            .await?
            .ok_or(AuthError::UnknownToken)?;
        Ok(Session {
            caller: Caller::new(token.person, token.role),
            snapshot,
        })
    }

    /// The person a Slack user is, with their standing role: the highest
    /// role of their live tokens, or member when they hold none. `None`
    /// for a user no person is mapped to.
    pub async fn slack_caller(&self, user_id: &str) -> Result<Option<Caller>, AuthError> {
        let dir = self.store.directory().await?;
        let Some(person) = dir.by_slack(user_id).map(|p| dir.id(p).to_owned()) else {
            return Ok(None);
        };
        let roles = self.store.tokens().token_roles(&person).await?;
        let role = roles.into_iter().reduce(Role::or).unwrap_or(Role::Member);
        Ok(Some(Caller::new(person, role)))
    }

    /// [`App::slack_caller`], refusing an unmapped user.
    pub async fn slack_actor(&self, user_id: &str) -> Result<Caller, AuthError> {
        self.slack_caller(user_id)
            .await?
            .ok_or_else(|| AuthError::UnmappedSlackUser(user_id.to_owned()))
    }

    /// A token for `person` (who must be in the directory) with `role`, and
    /// its secret: the only time the secret exists outside the caller.
    pub async fn create_token(
        &self,
        person: &str,
        role: Role,
        at: DateTime<Utc>,
    ) -> Result<(TokenInfo, String), TokenError> {
        Ok(self.store.tokens().create_token(person, role, at).await?)
    }

    /// Revokes token `id`.
    pub async fn revoke_token(&self, id: i64, at: DateTime<Utc>) -> Result<(), TokenError> {
        if self.store.tokens().revoke_token(id, at).await? {
            Ok(())
        } else {
            Err(TokenError::NoSuchToken(id))
        }
    }
}
