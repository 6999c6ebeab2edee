//! Signing in to the dashboard: with an API token, or a one-time link;
//! the session a cookie carries, and its form token. The acting person is
//! always the session's, as it is a token's on the API.

use baton_core::lifecycle::Role;
use baton_store::sessions::WebSession;
use chrono::{DateTime, Duration, Utc};

use crate::App;
use crate::error::failure;

failure! {
    /// Why nobody is signed in.
    pub enum SignInError {
        #[error("that token is unknown or revoked")]
        UnknownToken => (Unauthenticated, "unauthorized"),
        #[error("that sign-in link is unknown, used already, or expired: ask for a new one")]
        BadLink => (Unauthenticated, "unauthorized"),
        #[error("`{0}` is not in the directory")]
        NoPerson(String) => (Invalid, "invalid"),
    }
}

/// How long a dashboard session lasts.
pub const SESSION: Duration = Duration::hours(12);

/// A session just opened: the cookie's secret, and the session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub cookie: String,
    pub session: WebSession,
}

impl App {
    /// Opens a session for the person and role of API token `secret`;
    /// revoking the token ends it.
    pub async fn sign_in_with_token(
        &self,
        secret: &str,
        at: DateTime<Utc>,
    ) -> Result<SignedIn, SignInError> {
        let token = self
            .store
            .tokens()
            .authenticate(secret.trim())
            .await?
            .ok_or(SignInError::UnknownToken)?;
        let (cookie, session) = self
            .store
            .sessions()
            .open(&token.person, token.role, Some(token.id), at, at + SESSION)
            .await?;
        Ok(SignedIn { cookie, session })
    }

    /// A one-time sign-in link's code for `person` in `role`, good for
    /// `valid` from `at`.
    pub async fn create_login_link(
        &self,
        person: &str,
        role: Role,
        at: DateTime<Utc>,
        valid: Duration,
    ) -> Result<String, SignInError> {
        if self.store.directory().await?.find(person).is_none() {
            return Err(SignInError::NoPerson(person.to_owned()));
        }
        Ok(self
            .store
            .sessions()
            .create_link(person, role, at, at + valid)
            .await?)
    }

    /// Uses up a sign-in link and opens its session.
    pub async fn sign_in_with_link(
        &self,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<SignedIn, SignInError> {
        let (person, role) = self
            .store
            .sessions()
            .redeem_link(code.trim(), at)
            .await?
            .ok_or(SignInError::BadLink)?;
        let (cookie, session) = self
            .store
            .sessions()
            .open(&person, role, None, at, at + SESSION)
            .await?;
        Ok(SignedIn { cookie, session })
    }

    /// The live session `cookie` names at `at`, if any.
    pub async fn web_session(
        &self,
        cookie: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<WebSession>, SignInError> {
        Ok(self.store.sessions().find(cookie, at).await?)
    }

    /// Ends the session `cookie` names.
    pub async fn sign_out(&self, cookie: &str) -> Result<(), SignInError> {
        Ok(self.store.sessions().close(cookie).await?)
    }
}
