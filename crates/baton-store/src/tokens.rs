//! API tokens: each bound to one person and one role. The secret is shown
//! once, at creation; the store keeps only its SHA-256.

use baton_core::lifecycle::{Event, Role};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::chain::append;
use crate::{OPERATOR, StoreError, Tokens, micros, next_id, on_pool, write_tx};

/// A token's public facts (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    pub id: i64,
    pub person: String,
    pub role: Role,
}

pub(crate) fn hash(secret: &str) -> String {
    crate::digest::sha256_hex(secret.as_bytes())
}

/// 256 random bits as hex after `prefix`: token and webhook secrets.
pub(crate) fn random_secret(prefix: &str) -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Corrupt(format!("no randomness for a secret: {e}")))?;
    Ok(format!("{prefix}{}", crate::digest::hex(&bytes)))
}

impl Tokens<'_> {
    /// Creates a token for `person` (who must be in the directory) with
    /// `role`, and returns it with its secret — the only time the secret
    /// exists outside the caller.
    pub async fn create_token(
        self,
        person: &str,
        role: Role,
        at: DateTime<Utc>,
    ) -> Result<(TokenInfo, String), StoreError> {
        let at = micros(at);
        if self.directory().await?.find(person).is_none() {
            return Err(StoreError::Lifecycle(
                baton_core::lifecycle::LifecycleError::Invalid(format!(
                    "`{person}` is not in the directory"
                )),
            ));
        }
        let secret = random_secret("baton_")?;
        let id = write_tx!(self, |tx, head| {
            let id: i64 = next_id!(tx, "tokens");
            sqlx::query("INSERT INTO tokens (id, person, role, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(person)
                .bind(role.as_str())
                .bind(hash(&secret))
                .bind(at)
                .execute(&mut *tx)
                .await?;
            let event = Event {
                decision: None,
                kind: baton_core::lifecycle::EventKind::TokenCreated,
                actor: OPERATOR.into(),
                at,
                data: serde_json::json!({"token": id, "person": person, "role": role.as_str()}),
            };
            append!(tx, head, std::slice::from_ref(&event));
            id
        });
        Ok((
            TokenInfo {
                id,
                person: person.to_owned(),
                role,
            },
            secret,
        ))
    }

    /// Revokes token `id`; returns whether it was live.
    pub async fn revoke_token(self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let at = micros(at);
        let revoked = write_tx!(self, |tx, head| {
            let done = sqlx::query(
                "UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            )
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 1 {
                let event = Event {
                    decision: None,
                    kind: baton_core::lifecycle::EventKind::TokenRevoked,
                    actor: OPERATOR.into(),
                    at,
                    data: serde_json::json!({"token": id}),
                };
                append!(tx, head, std::slice::from_ref(&event));
            }
            done == 1
        });
        Ok(revoked)
    }

    /// Whether any token was ever made for `person`.
    pub async fn has_tokens(self, person: &str) -> Result<bool, StoreError> {
        let n: i64 = on_pool!(self, |pool| {
            sqlx::query("SELECT COUNT(*) AS n FROM tokens WHERE person = $1")
                .bind(person)
                .fetch_one(pool)
                .await?
                .try_get("n")?
        });
        Ok(n > 0)
    }

    /// The roles of `person`'s live tokens.
    pub async fn token_roles(self, person: &str) -> Result<Vec<Role>, StoreError> {
        let roles: Vec<String> = on_pool!(self, |pool| {
            sqlx::query("SELECT role FROM tokens WHERE person = $1 AND revoked_at IS NULL")
                .bind(person)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get("role"))
                .collect::<Result<_, sqlx::Error>>()?
        });
        Ok(roles.iter().filter_map(|r| Role::parse(r)).collect())
    }

    /// The person and role a live token speaks for.
    pub async fn authenticate(self, secret: &str) -> Result<Option<TokenInfo>, StoreError> {
        let row: Option<(i64, String, String)> = on_pool!(self, |pool| {
            sqlx::query(
                "SELECT id, person, role FROM tokens WHERE token_hash = $1 AND revoked_at IS NULL",
            )
            .bind(hash(secret))
            .fetch_optional(pool)
            .await?
            .map(|r| {
                Ok::<_, sqlx::Error>((r.try_get("id")?, r.try_get("person")?, r.try_get("role")?))
            })
            .transpose()?
        });
        Ok(row.and_then(|(id, person, role)| {
            Role::parse(&role).map(|role| TokenInfo { id, person, role })
        }))
    }
}
