//! A team's guide as its page shows it: the text in force with its lint
//! findings, every version applied, a diff between two, and the cheat
//! sheet read off it.

use baton_core::Diagnostic;
use baton_core::guide::cheat_sheet::{CheatSheet, cheat_sheet};
use baton_core::lint::lint;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::App;
use crate::error::failure;

failure! {
    /// Why a guide's page or diff has no answer.
    pub enum GuideError {
        #[error("team `{0}` has no guide version {1}")]
        NoVersion(String, u32) => (NotFound, "not_found"),
    }
}

/// The guide in force, what lint says of it, and its history.
#[derive(Clone, Debug, Serialize)]
pub struct GuideOverview {
    pub team: String,
    pub text: String,
    pub findings: Vec<Diagnostic>,
    /// Oldest first; the last is in force.
    pub versions: Vec<GuideVersion>,
}

#[derive(Clone, Debug, Serialize)]
pub struct GuideVersion {
    /// 1 for the first applied.
    pub number: u32,
    pub digest: String,
    pub applied_at: DateTime<Utc>,
}

/// One line of a diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DiffLine {
    pub change: Change,
    /// Its number in the older version, when it is there.
    pub old: Option<usize>,
    /// Its number in the newer version, when it is there.
    pub new: Option<usize>,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Same,
    Removed,
    Added,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Same => "same",
            Self::Removed => "removed",
            Self::Added => "added",
        }
    }
}

impl App {
    /// `team`'s guide in force with its lint findings and versions.
    pub async fn guide_overview(&self, team: &str) -> Result<GuideOverview, GuideError> {
        let guide = self.store.guide(team).await?;
        let versions = self
            .store
            .guide_versions(team)
            .await?
            .into_iter()
            .zip(1..)
            .map(|((digest, applied_at), number)| GuideVersion {
                number,
                digest,
                applied_at,
            })
            .collect();
        Ok(GuideOverview {
            team: team.to_owned(),
            text: guide.text.to_string(),
            findings: lint(&guide),
            versions,
        })
    }

    /// The lines of `team`'s guide version `from` against version `to`.
    pub async fn guide_diff(
        &self,
        team: &str,
        from: u32,
        to: u32,
    ) -> Result<Vec<DiffLine>, GuideError> {
        let text = |n: u32| async move {
            self.store
                .guide_version_text(team, n)
                .await?
                .ok_or_else(|| GuideError::NoVersion(team.to_owned(), n))
        };
        let (old, new) = (text(from).await?, text(to).await?);
        Ok(diff(&old, &new))
    }

    /// `team`'s guide in force, in plain words per decision type.
    pub async fn cheat_sheet(&self, team: &str) -> Result<CheatSheet, GuideError> {
        Ok(cheat_sheet(&self.store.guide(team).await?.source))
    }
}

/// Line by line, as `diff` would put it.
fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    similar::TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| DiffLine {
            change: match c.tag() {
                similar::ChangeTag::Equal => Change::Same,
                similar::ChangeTag::Delete => Change::Removed,
                similar::ChangeTag::Insert => Change::Added,
            },
            old: c.old_index().map(|i| i + 1),
            new: c.new_index().map(|i| i + 1),
            text: c.value().trim_end_matches('\n').to_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diff_numbers_each_line_in_the_version_it_is_in() {
        let lines = diff("a\nb\nc\n", "a\nB\nc\nd\n");
        let got: Vec<(Change, Option<usize>, Option<usize>, &str)> = lines
            .iter()
            .map(|l| (l.change, l.old, l.new, l.text.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Change::Same, Some(1), Some(1), "a"),
                (Change::Removed, Some(2), None, "b"),
                (Change::Added, None, Some(2), "B"),
                (Change::Same, Some(3), Some(3), "c"),
                (Change::Added, None, Some(4), "d"),
            ]
        );
    }
}
