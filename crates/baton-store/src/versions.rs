//! The org directory and team guides, every version kept.

use std::sync::Arc;

use baton_core::lifecycle::Event;
use baton_core::{Directory, Guide};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::availability::{DIRECTORY_KEY, directory_key, org_version};
use crate::chain::append;
use crate::{Store, StoreError, micros, next_id, on_pool, write_tx};

/// What `apply` stored: new versions only; an unchanged file is not stored
/// again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Applied {
    /// The directory version now in force and whether this call stored it.
    pub org_version: i64,
    pub org_changed: bool,
    /// Per guide given: team, version, `sha256:` digest, whether it was new.
    pub guides: Vec<AppliedGuide>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct AppliedGuide {
    pub team: String,
    pub version: i64,
    pub digest: String,
    pub changed: bool,
}

pub(crate) fn digest(text: &str) -> String {
    format!("sha256:{}", crate::digest::sha256_hex(text.as_bytes()))
}

impl Store {
    /// Validates the directory (if given) and the guides against it (or
    /// against the stored directory), then stores whatever changed, with an
    /// audit event each, in one transaction. Nothing is stored if anything
    /// is invalid.
    pub async fn apply(
        &self,
        org: Option<(&str, &str)>,
        guides: &[(&str, &str)],
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        self.apply_over(None, org, guides, at).await
    }

    /// [`Store::apply`] of a directory derived from version `base` (an
    /// endorsement added to it, say): refused as a conflict if another
    /// version was applied meanwhile, rather than silently undoing it.
    pub async fn apply_over(
        &self,
        base: Option<i64>,
        org: Option<(&str, &str)>,
        guides: &[(&str, &str)],
        at: DateTime<Utc>,
    ) -> Result<Applied, StoreError> {
        let at = micros(at);
        let (org_text, directory) = match org {
            Some((name, text)) => (text.to_owned(), Arc::new(Directory::load(name, text)?)),
            None => {
                let (_, text) = self.latest_org().await?.ok_or(StoreError::NoDirectory)?;
                let dir = Arc::new(Directory::load("stored org", &text)?);
                (text, dir)
            }
        };
        let mut compiled = Vec::new();
        for (name, text) in guides {
            let guide = baton_core::compile_guide(name, text, Arc::clone(&directory))?;
            compiled.push((guide.team.clone(), (*text).to_owned()));
        }
        // A new directory must not break a guide already in force (a person
        // it names removed, say): every team would fail to resolve.
        if org.is_some() {
            for team in self.teams().await? {
                if compiled.iter().any(|(t, _)| *t == team) {
                    continue;
                }
                let text = self.guide_text(&team).await?;
                baton_core::compile_guide(
                    &format!("the stored guide of team {team}"),
                    &text,
                    Arc::clone(&directory),
                )?;
            }
        }
        let org_digest = digest(&org_text);
        let applied = write_tx!(self, |tx, head| {
            let mut applied = Applied::default();
            let mut events = Vec::new();
            let latest =
                sqlx::query("SELECT id, digest FROM org_versions ORDER BY id DESC LIMIT 1")
                    .fetch_optional(&mut *tx)
                    .await?;
            let (latest_id, latest_digest): (i64, String) = match latest {
                Some(row) => (row.try_get("id")?, row.try_get("digest")?),
                None => (0, String::new()),
            };
            if base.is_some_and(|b| b != latest_id) {
                return Err(StoreError::Lifecycle(
                    baton_core::lifecycle::LifecycleError::Conflict(format!(
                        "the directory changed (now version {latest_id}) while this change was made: read it again and retry"
                    )),
                ));
            }
            applied.org_version = latest_id;
            if latest_digest != org_digest {
                applied.org_version = latest_id + 1;
                applied.org_changed = true;
                sqlx::query("INSERT INTO org_versions (id, digest, body, applied_at) VALUES ($1, $2, $3, $4)")
                    .bind(applied.org_version)
                    .bind(&org_digest)
                    .bind(&org_text)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                events.push(Event {
                    decision: None,
                    kind: baton_core::lifecycle::EventKind::OrgApplied,
                    actor: crate::OPERATOR.into(),
                    at,
                    data: serde_json::json!({"version": applied.org_version, "digest": org_digest}),
                });
            }
            for (team, text) in &compiled {
                let guide_digest = digest(text);
                let latest = sqlx::query("SELECT id, digest FROM guide_versions WHERE team = $1 ORDER BY id DESC LIMIT 1")
                    .bind(team)
                    .fetch_optional(&mut *tx)
                    .await?;
                let unchanged = match &latest {
                    Some(row) => row.try_get::<String, _>("digest")? == guide_digest,
                    None => false,
                };
                let version = if unchanged {
                    latest
                        .map(|r| r.try_get::<i64, _>("id"))
                        .transpose()?
                        .unwrap_or(0)
                } else {
                    let next: i64 = next_id!(tx, "guide_versions");
                    sqlx::query(
                        "INSERT INTO guide_versions (id, team, digest, body, org_version, applied_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(next)
                    .bind(team)
                    .bind(&guide_digest)
                    .bind(text)
                    .bind(applied.org_version)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                    events.push(Event {
                        decision: None,
                        kind: baton_core::lifecycle::EventKind::GuideApplied,
                        actor: crate::OPERATOR.into(),
                        at,
                        data: serde_json::json!({"team": team, "version": next, "digest": guide_digest}),
                    });
                    next
                };
                applied.guides.push(AppliedGuide {
                    team: team.clone(),
                    version,
                    digest: guide_digest,
                    changed: !unchanged,
                });
            }
            append!(tx, head, &events);
            if matches!(self.backend, crate::Backend::Postgres(_)) {
                // Delivered to every listening replica when this commits.
                sqlx::query("SELECT pg_notify($1, 'apply')")
                    .bind(crate::watch::CHANNEL)
                    .execute(&mut *tx)
                    .await?;
            }
            applied
        });
        // This process heard itself: forget before anyone reads.
        self.cache.changed();
        Ok(applied)
    }

    /// The first directory ever applied, as text.
    pub async fn first_org(&self) -> Result<Option<String>, StoreError> {
        let text = on_pool!(self, |pool| {
            sqlx::query("SELECT body FROM org_versions ORDER BY id LIMIT 1")
                .fetch_optional(pool)
                .await?
                .map(|r| r.try_get("body"))
                .transpose()?
        });
        Ok(text)
    }

    /// The latest directory version and its text.
    pub async fn latest_org(&self) -> Result<Option<(i64, String)>, StoreError> {
        let row = on_pool!(self, |pool| {
            sqlx::query("SELECT id, body FROM org_versions ORDER BY id DESC LIMIT 1")
                .fetch_optional(pool)
                .await?
                .map(|r| Ok::<_, sqlx::Error>((r.try_get("id")?, r.try_get("body")?)))
                .transpose()?
        });
        Ok(row)
    }

    /// The directory in force.
    pub async fn directory(&self) -> Result<Arc<Directory>, StoreError> {
        let version = match self.cache.known_org() {
            Some(v) => v,
            None => {
                let generation = self.cache.generation();
                let version: Option<i64> = on_pool!(self, |pool| {
                    sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {DIRECTORY_KEY} AS v")))
                        .fetch_one(pool)
                        .await?
                        .try_get("v")?
                });
                let version = version.ok_or(StoreError::NoDirectory)?;
                self.cache.learn_org(generation, version);
                version
            }
        };
        if let Some(dir) = self.cache.directory(version) {
            return Ok(dir);
        }
        let dir = self.load_directory(version).await?;
        self.cache.keep_directory(version, &dir);
        Ok(dir)
    }

    /// Every directory version, each from when it was applied: what the
    /// analytics judge a decider by at the time they decided. Parsed
    /// versions are cached like the one in force.
    pub async fn directories(&self) -> Result<baton_core::analytics::Directories, StoreError> {
        let applied: Vec<(i64, DateTime<Utc>)> = on_pool!(self, |pool| {
            sqlx::query("SELECT id, applied_at FROM org_versions ORDER BY id")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("id")?, r.try_get("applied_at")?)))
                .collect::<Result<_, sqlx::Error>>()?
        });
        let overlay = self.availability().overlay().await?;
        let mut versions = Vec::with_capacity(applied.len());
        for (version, at) in applied {
            let key = directory_key(version, overlay);
            let dir = match self.cache.any_directory(key) {
                Some(dir) => dir,
                None => {
                    let dir = self.load_directory(key).await?;
                    self.cache.keep_past_directory(key, &dir);
                    dir
                }
            };
            versions.push((at, dir));
        }
        baton_core::analytics::Directories::new(versions).ok_or(StoreError::NoDirectory)
    }

    /// Directory version `version`, parsed.
    async fn load_directory(&self, key: i64) -> Result<Arc<Directory>, StoreError> {
        let version = org_version(key);
        let text: String = on_pool!(self, |pool| {
            sqlx::query("SELECT body FROM org_versions WHERE id = $1")
                .bind(version)
                .fetch_one(pool)
                .await?
                .try_get("body")?
        });
        // Every break is laid over every version: a break's window says
        // when it holds, whichever directory stood then.
        let breaks = self.availability().breaks(None).await?;
        Ok(Arc::new(
            Directory::load(&format!("stored org version {version}"), &text)?.with_breaks(&breaks),
        ))
    }

    /// The latest guide of `team`, as text.
    pub async fn guide_text(&self, team: &str) -> Result<String, StoreError> {
        let body: Option<String> = on_pool!(self, |pool| {
            sqlx::query("SELECT body FROM guide_versions WHERE team = $1 ORDER BY id DESC LIMIT 1")
                .bind(team)
                .fetch_optional(pool)
                .await?
                .map(|r| r.try_get("body"))
                .transpose()?
        });
        body.ok_or_else(|| StoreError::NoGuide(team.to_owned()))
    }

    /// Version `number` (1 is the first applied) of `team`'s guide, as
    /// text; `None` when there is no such version.
    pub async fn guide_version_text(
        &self,
        team: &str,
        number: u32,
    ) -> Result<Option<String>, StoreError> {
        let Some(offset) = i64::from(number).checked_sub(1) else {
            return Ok(None);
        };
        let body: Option<String> = on_pool!(self, |pool| {
            sqlx::query(
                "SELECT body FROM guide_versions WHERE team = $1 ORDER BY id LIMIT 1 OFFSET $2",
            )
            .bind(team)
            .bind(offset)
            .fetch_optional(pool)
            .await?
            .map(|r| r.try_get("body"))
            .transpose()?
        });
        Ok(body)
    }

    /// The latest guide of `team`, compiled against the directory in force.
    pub async fn guide(&self, team: &str) -> Result<Arc<Guide>, StoreError> {
        Ok(self.guide_trusting(team, true).await?.2)
    }

    /// [`Store::guide`], asking the database which versions stand even
    /// when change notices are live.
    pub async fn guide_checked(&self, team: &str) -> Result<Arc<Guide>, StoreError> {
        Ok(self.guide_trusting(team, false).await?.2)
    }

    /// The team's guide in force with the (directory, guide) versions it
    /// was compiled from.
    pub(crate) async fn guide_trusting(
        &self,
        team: &str,
        trust_notices: bool,
    ) -> Result<(i64, i64, Arc<Guide>), StoreError> {
        let known = if trust_notices {
            self.cache.known_guide(team)
        } else {
            None
        };
        let (org, guide) = match known {
            Some(versions) => versions,
            None => {
                let generation = self.cache.generation();
                let (org, guide): (Option<i64>, Option<i64>) = on_pool!(self, |pool| {
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                        "SELECT {DIRECTORY_KEY} AS org, (SELECT MAX(id) FROM guide_versions WHERE team = $1) AS guide",
                    )))
                    .bind(team)
                    .fetch_one(pool)
                    .await?;
                    (row.try_get("org")?, row.try_get("guide")?)
                });
                let org = org.ok_or(StoreError::NoDirectory)?;
                let guide = guide.ok_or_else(|| StoreError::NoGuide(team.to_owned()))?;
                self.cache.learn_guide(generation, team, org, guide);
                (org, guide)
            }
        };
        if let Some(compiled) = self.cache.guide(team, org, guide) {
            return Ok((org, guide, compiled));
        }
        let directory = self.directory().await?;
        let text: String = on_pool!(self, |pool| {
            sqlx::query("SELECT body FROM guide_versions WHERE id = $1")
                .bind(guide)
                .fetch_one(pool)
                .await?
                .try_get("body")?
        });
        let handoffs = self.availability().accepted(team).await?;
        let compiled = Arc::new(
            baton_core::compile_guide(&format!("{team} guide"), &text, directory)?
                .with_handoffs(&handoffs),
        );
        self.cache.keep_guide(team, org, guide, &compiled);
        Ok((org, guide, compiled))
    }

    /// Every version of `team`'s guide, as its digest, with when each was
    /// applied, oldest first.
    pub async fn guide_versions(
        &self,
        team: &str,
    ) -> Result<Vec<(String, DateTime<Utc>)>, StoreError> {
        let rows = on_pool!(self, |pool| {
            sqlx::query("SELECT digest, applied_at FROM guide_versions WHERE team = $1 ORDER BY id")
                .bind(team)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("digest")?, r.try_get("applied_at")?)))
                .collect::<Result<Vec<(String, DateTime<Utc>)>, sqlx::Error>>()?
        });
        Ok(rows)
    }

    /// Every team with a guide, sorted.
    pub async fn teams(&self) -> Result<Vec<String>, StoreError> {
        let teams = on_pool!(self, |pool| {
            sqlx::query("SELECT DISTINCT team FROM guide_versions ORDER BY team")
                .fetch_all(pool)
                .await?
                .iter()
                .map(|r| r.try_get("team"))
                .collect::<Result<Vec<String>, _>>()?
        });
        Ok(teams)
    }
}
