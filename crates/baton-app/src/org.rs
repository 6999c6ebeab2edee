//! The directory and the guides: applying them (every version kept),
//! reading them, endorsing a colleague, and a person's page.

use std::collections::BTreeMap;
use std::sync::Arc;

use baton_core::access::Permission;
use baton_core::org::{EndorsementEntry, OrgFile};
use baton_core::{Directory, Guide};
use baton_store::{Applied, StoreError};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::failure;
use crate::{App, Caller};

failure! {
    /// Why a directory, a guide or an endorsement was not applied.
    pub enum ApplyError {
        #[error("the guide is for team `{1}`, not `{0}`")]
        OtherTeam(String, String) => (Invalid, "invalid"),
        #[error("`{0}` is not in the directory")]
        NoSuchPerson(String) => (NotFound, "not_found"),
        #[error("the directory could not be written back: {0}")]
        Unwritable(String) => (Internal, "store"),
    }
}

/// A person as `GET /api/v1/people/{id}` shows them.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct PersonView {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub rank: i64,
    pub manager: Option<String>,
    pub teams: Vec<String>,
    pub max_load: Option<u32>,
    pub expertise: BTreeMap<String, u8>,
    /// Open decisions where they are the decider.
    pub load: u32,
}

impl App {
    /// Validates and stores the directory (if given) and guides, as the
    /// operator (`baton apply`, the demo): what changed, with an audit
    /// event each, or nothing if anything is invalid.
    pub async fn apply(
        &self,
        org: Option<(&str, &str)>,
        guides: &[(&str, &str)],
        at: DateTime<Utc>,
    ) -> Result<Applied, ApplyError> {
        Ok(self.store.apply(org, guides, at).await?)
    }

    /// `caller` replaces the directory (admins).
    pub async fn put_org(
        &self,
        caller: &Caller,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<Applied, ApplyError> {
        Permission::ReplaceDirectory.check(&caller.person, caller.role)?;
        Ok(self.store.apply(Some(("org", text)), &[], at).await?)
    }

    /// `caller` replaces `team`'s guide: admins, and the team's stewards
    /// (by token, or by the guide's `grants`). The guide must be that
    /// team's.
    pub async fn put_guide(
        &self,
        caller: &Caller,
        team: &str,
        text: &str,
        at: DateTime<Utc>,
    ) -> Result<Applied, ApplyError> {
        let role = self.role_for(caller, team, at).await?;
        Permission::ChangeGuide.check(&caller.person, role)?;
        let name = format!("{team} guide");
        let guide = baton_core::compile_guide(&name, text, self.store.directory().await?)
            .map_err(StoreError::from)?;
        if guide.team != team {
            return Err(ApplyError::OtherTeam(team.to_owned(), guide.team.clone()));
        }
        Ok(self.store.apply(None, &[(&name, text)], at).await?)
    }

    /// `caller` confirms that `of` has at least `level` in `domain`: a new
    /// directory version, refused if another was applied meanwhile.
    /// Endorsing yourself is refused by the directory's own validation.
    pub async fn endorse(
        &self,
        caller: &Caller,
        of: &str,
        domain: &str,
        level: u8,
        at: DateTime<Utc>,
    ) -> Result<Applied, ApplyError> {
        Permission::Write.check(&caller.person, caller.role)?;
        let (base, text) = self
            .store
            .latest_org()
            .await?
            .ok_or(StoreError::NoDirectory)?;
        let mut org: OrgFile =
            baton_core::org::parse_file("org", &text).map_err(StoreError::from)?;
        org.endorsements.push(EndorsementEntry {
            by: caller.person.clone(),
            of: of.to_owned(),
            domain: domain.to_owned(),
            level,
        });
        let json = serde_json::to_string_pretty(&org)
            .map_err(|e| ApplyError::Unwritable(e.to_string()))?;
        Ok(self
            .store
            .apply_over(Some(base), Some(("org", &json)), &[], at)
            .await?)
    }

    /// The directory in force, as its file text.
    pub async fn org_text(&self) -> Result<String, ApplyError> {
        let (_, text) = self
            .store
            .latest_org()
            .await?
            .ok_or(StoreError::NoDirectory)?;
        Ok(text)
    }

    /// `team`'s guide in force, as its file text.
    pub async fn guide_text(&self, team: &str) -> Result<String, ApplyError> {
        Ok(self.store.guide_text(team).await?)
    }

    /// The directory in force.
    pub async fn directory(&self) -> Result<Arc<Directory>, ApplyError> {
        Ok(self.store.directory().await?)
    }

    /// Every directory version, each from when it was applied.
    pub async fn directories(&self) -> Result<baton_core::analytics::Directories, ApplyError> {
        Ok(self.store.directories().await?)
    }

    /// `team`'s guide in force, compiled.
    pub async fn guide(&self, team: &str) -> Result<Arc<Guide>, ApplyError> {
        Ok(self.store.guide(team).await?)
    }

    /// Every team with a guide, sorted.
    pub async fn teams(&self) -> Result<Vec<String>, ApplyError> {
        Ok(self.store.teams().await?)
    }

    /// Every team's guide in force, by team.
    pub async fn guides(&self) -> Result<Vec<Arc<Guide>>, ApplyError> {
        let mut guides = Vec::new();
        for team in self.store.teams().await? {
            guides.push(self.store.guide(&team).await?);
        }
        Ok(guides)
    }

    /// Person `id` and their current load.
    pub async fn person(&self, id: &str) -> Result<PersonView, ApplyError> {
        let dir = self.store.directory().await?;
        let pid = dir
            .find(id)
            .ok_or_else(|| ApplyError::NoSuchPerson(id.to_owned()))?;
        let p = dir.person(pid);
        let load = self.store.decisions().open_load(id).await?;
        Ok(PersonView {
            id: p.id.clone(),
            name: p.name.clone(),
            title: p.title.clone(),
            rank: p.rank,
            manager: p.manager.map(|m| dir.id(m).to_owned()),
            teams: p.teams.clone(),
            max_load: p.max_load,
            expertise: p.expertise.clone(),
            load,
        })
    }
}
