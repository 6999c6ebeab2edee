//! The dashboard's sessions and one-time sign-in links. Secrets (the
//! cookie, the link's code) are 256 random bits; the store keeps their
//! SHA-256 only, as it does a token's.

use baton_core::lifecycle::Role;
use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::tokens::{hash, random_secret};
use crate::{Sessions, StoreError, micros, on_pool};

/// A live session: who it acts as, and its form token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub person: String,
    pub role: Role,
    /// The token that opened it, if one did.
    pub token_id: Option<i64>,
    /// The CSRF token every form of the session carries.
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

impl Sessions<'_> {
    /// Opens a session for `person` in `role` until `expires_at`: the
    /// cookie's secret, and the session.
    pub async fn open(
        self,
        person: &str,
        role: Role,
        token_id: Option<i64>,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<(String, WebSession), StoreError> {
        let secret = random_secret("")?;
        let csrf = random_secret("")?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO web_sessions (id_hash, person, role, token_id, csrf, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(hash(&secret))
            .bind(person)
            .bind(role.as_str())
            .bind(token_id)
            .bind(&csrf)
            .bind(micros(at))
            .bind(micros(expires_at))
            .execute(pool)
            .await
            .map(|_| ())?
        });
        Ok((
            secret,
            WebSession {
                person: person.to_owned(),
                role,
                token_id,
                csrf,
                expires_at: micros(expires_at),
            },
        ))
    }

    /// The session `secret` names, if it is live at `at`: not expired, and
    /// its token (if it had one) not revoked.
    pub async fn find(
        self,
        secret: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<WebSession>, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query(
                "SELECT s.person, s.role, s.token_id, s.csrf, s.expires_at FROM web_sessions s \
                 LEFT JOIN tokens t ON t.id = s.token_id \
                 WHERE s.id_hash = $1 AND s.expires_at > $2 \
                 AND (s.token_id IS NULL OR (t.id IS NOT NULL AND t.revoked_at IS NULL))",
            )
            .bind(hash(secret))
            .bind(micros(at))
            .fetch_optional(pool)
            .await?
            .map(|r| {
                Ok::<_, sqlx::Error>((
                    r.try_get::<String, _>("person")?,
                    r.try_get::<String, _>("role")?,
                    r.try_get::<Option<i64>, _>("token_id")?,
                    r.try_get::<String, _>("csrf")?,
                    r.try_get::<DateTime<Utc>, _>("expires_at")?,
                ))
            })
            .transpose()?
        });
        Ok(row.and_then(|(person, role, token_id, csrf, expires_at)| {
            Role::parse(&role).map(|role| WebSession {
                person,
                role,
                token_id,
                csrf,
                expires_at,
            })
        }))
    }

    /// Ends the session `secret` names.
    pub async fn close(self, secret: &str) -> Result<(), StoreError> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1")
                .bind(hash(secret))
                .execute(pool)
                .await
                .map(|_| ())?
        });
        Ok(())
    }

    /// A one-time sign-in link's code for `person` in `role`, good until
    /// `expires_at`.
    pub async fn create_link(
        self,
        person: &str,
        role: Role,
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let code = random_secret("")?;
        on_pool!(self, |pool| {
            sqlx::query(
                "INSERT INTO login_links (code_hash, person, role, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(hash(&code))
            .bind(person)
            .bind(role.as_str())
            .bind(micros(at))
            .bind(micros(expires_at))
            .execute(pool)
            .await
            .map(|_| ())?
        });
        Ok(code)
    }

    /// Uses up the link `code`: the person and role it signs in, if it was
    /// unused and unexpired at `at`. A second use finds nothing.
    pub async fn redeem_link(
        self,
        code: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<(String, Role)>, StoreError> {
        let row: Option<(String, String)> = on_pool!(self, |pool| {
            sqlx::query(
                "UPDATE login_links SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1 \
                 RETURNING person, role",
            )
            .bind(micros(at))
            .bind(hash(code))
            .fetch_optional(pool)
            .await?
            .map(|r| Ok::<_, sqlx::Error>((r.try_get("person")?, r.try_get("role")?)))
            .transpose()?
        });
        Ok(row.and_then(|(person, role)| Role::parse(&role).map(|role| (person, role))))
    }
}
