//! People as the dashboard lists them: their load, and each expertise
//! claim with the endorsements behind it.

use std::collections::HashMap;

use baton_store::StoreError;
use serde::Serialize;

use crate::App;
use crate::org::ApplyError;

/// One person in the list.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub teams: Vec<String>,
    pub rank: i64,
    /// Open decisions they hold.
    pub load: u32,
    pub max_load: Option<u32>,
    /// Their claims, highest first.
    pub expertise: Vec<(String, u8)>,
}

/// An expertise claim and who vouched for it.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Claim {
    pub domain: String,
    /// The level they claim.
    pub claimed: u8,
    /// The level a rule asking for one endorsement would credit (SPEC
    /// §4.3: the claim, capped by the endorsement); `null` unendorsed.
    pub validated: Option<u8>,
    /// Each endorser's highest level for it.
    pub endorsements: Vec<Endorsement>,
}

#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Endorsement {
    pub by: String,
    pub level: u8,
}

impl App {
    /// Everyone in the directory with their load now, by id.
    pub async fn people(&self) -> Result<Vec<PersonRow>, ApplyError> {
        let dir = self.store.directory().await?;
        let mut load: HashMap<String, u32> = HashMap::new();
        for d in self.store.decisions().undecided().await? {
            *load.entry(d.delegate.unwrap_or(d.decider)).or_default() += 1;
        }
        let mut out: Vec<PersonRow> = dir
            .people()
            .map(|(_, p)| {
                let mut expertise: Vec<(String, u8)> =
                    p.expertise.iter().map(|(d, l)| (d.clone(), *l)).collect();
                expertise.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                PersonRow {
                    id: p.id.clone(),
                    name: p.name.clone(),
                    title: p.title.clone(),
                    teams: p.teams.clone(),
                    rank: p.rank,
                    load: load.get(&p.id).copied().unwrap_or(0),
                    max_load: p.max_load,
                    expertise,
                }
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }

    /// Person `id`'s claims with the endorsements the directory in force
    /// holds for them, by domain.
    pub async fn claims(&self, id: &str) -> Result<Vec<Claim>, ApplyError> {
        let dir = self.store.directory().await?;
        let pid = dir
            .find(id)
            .ok_or_else(|| ApplyError::NoSuchPerson(id.to_owned()))?;
        let (_, text) = self
            .store
            .latest_org()
            .await?
            .ok_or(StoreError::NoDirectory)?;
        let file = baton_core::org::parse_file("org", &text).map_err(StoreError::from)?;
        let person = dir.person(pid);
        Ok(person
            .expertise
            .iter()
            .map(|(domain, claimed)| {
                let mut best: HashMap<&str, u8> = HashMap::new();
                for e in &file.endorsements {
                    if e.of == id && e.domain == *domain && e.by != id {
                        let level = best.entry(e.by.as_str()).or_default();
                        *level = (*level).max(e.level);
                    }
                }
                let mut endorsements: Vec<Endorsement> = best
                    .into_iter()
                    .map(|(by, level)| Endorsement {
                        by: by.to_owned(),
                        level,
                    })
                    .collect();
                endorsements.sort_by(|a, b| b.level.cmp(&a.level).then(a.by.cmp(&b.by)));
                Claim {
                    domain: domain.clone(),
                    claimed: *claimed,
                    validated: dir.validated_level(pid, domain, 1).map(|(l, _)| l),
                    endorsements,
                }
            })
            .collect())
    }
}
