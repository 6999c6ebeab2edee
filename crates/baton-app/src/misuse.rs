//! The safe channel: anyone signed in reports misuse of deference, about a
//! decision or in general, anonymously or signed; admins and stewards read
//! the anonymous reports only in the weekly batches `baton_core::misuse`
//! releases, each batch also a `misuse_reported` alert.

use baton_core::DecisionId;
use baton_core::access::Permission;
use baton_core::analytics::Alert;
use baton_core::misuse::{self, Anonymous, Batch};
use baton_store::misuse::Signed;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::failure;
use crate::{App, Caller};

failure! {
    /// Why a report was not taken, or the reports not shown.
    pub enum MisuseError {
        #[error("{0}")]
        Invalid(String) => (Invalid, "invalid"),
    }
}

/// A report to make.
#[derive(Clone, Debug)]
pub struct MisuseRequest {
    pub decision: Option<DecisionId>,
    /// The team it is about, when no decision says.
    pub team: Option<String>,
    pub text: String,
    /// Signed with the caller's name; anonymous otherwise.
    pub signed: bool,
}

/// What a reporter is told.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct Received {
    pub anonymous: bool,
    pub shown: String,
}

/// What admins and stewards may read.
#[derive(Clone, Debug, Serialize, schemars::JsonSchema)]
pub struct MisuseView {
    /// Released batches of anonymous reports, latest first.
    pub batches: Vec<Batch>,
    /// Signed reports, latest first.
    pub signed: Vec<Signed>,
}

impl App {
    /// Takes a report from `caller` (anyone signed in, viewers too).
    pub async fn report_misuse(
        &self,
        caller: &Caller,
        request: MisuseRequest,
        at: DateTime<Utc>,
    ) -> Result<Received, MisuseError> {
        misuse::check_text(&request.text).map_err(MisuseError::Invalid)?;
        let team = match request.decision {
            Some(id) => {
                let d = self.store.decisions().get(id).await?;
                if request.team.as_ref().is_some_and(|t| *t != d.team) {
                    return Err(MisuseError::Invalid(format!(
                        "decision {id} is team {}'s, not {}",
                        d.team,
                        request.team.unwrap_or_default()
                    )));
                }
                Some(d.team)
            }
            None => match request.team.filter(|t| !t.is_empty()) {
                Some(t) if !self.store.teams().await?.contains(&t) => {
                    return Err(MisuseError::Invalid(format!("there is no team `{t}`")));
                }
                other => other,
            },
        };
        let text = request.text.trim().to_owned();
        if request.signed {
            self.store
                .misuse()
                .report_signed(&Signed {
                    decision: request.decision,
                    team,
                    text,
                    by: caller.person.clone(),
                    at,
                })
                .await?;
            return Ok(Received {
                anonymous: false,
                shown: "signed: admins and stewards see it with your name now".into(),
            });
        }
        self.store
            .misuse()
            .report_anonymous(&Anonymous {
                decision: request.decision,
                team,
                text,
                day: at.date_naive(),
            })
            .await?;
        Ok(Received {
            anonymous: true,
            shown: format!(
                "anonymous: kept without your name, shown only in a weekly batch of at least {} after the week ends",
                misuse::MIN_BATCH
            ),
        })
    }

    /// The batches released by `now` and the signed reports: admins and
    /// stewards.
    pub async fn misuse_reports(
        &self,
        caller: &Caller,
        now: DateTime<Utc>,
    ) -> Result<MisuseView, MisuseError> {
        Permission::ReadMisuse.check(&caller.person, caller.role)?;
        let mut batches = misuse::batches(&self.store.misuse().anonymous().await?, now);
        batches.reverse();
        Ok(MisuseView {
            batches,
            signed: self.store.misuse().signed().await?,
        })
    }

    /// The `misuse_reported` alerts standing at `now` (of `team`'s reports).
    pub(crate) async fn misuse_alerts(
        &self,
        team: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Alert>, baton_store::StoreError> {
        let batches = misuse::batches(&self.store.misuse().anonymous().await?, now);
        Ok(misuse::alerts(&batches, team))
    }
}
