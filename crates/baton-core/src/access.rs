//! Who may do what, beyond the lifecycle's roster rules: the order of
//! roles, what each role permits, and the role a person holds for a
//! team's business at an instant — the higher of the role they came with
//! (a token's, the command line's, Slack's standing one) and what the
//! team's guide grants them then. Every front end asks here; none decides
//! a role itself.

use chrono::{DateTime, Utc};

use crate::Guide;
use crate::lifecycle::{LifecycleError, Role};

impl Role {
    /// Viewer < member < steward < admin.
    pub fn level(self) -> u8 {
        match self {
            Role::Viewer => 0,
            Role::Member => 1,
            Role::Steward => 2,
            Role::Admin => 3,
        }
    }

    /// The higher of two roles.
    pub fn or(self, other: Role) -> Role {
        if other.level() > self.level() {
            other
        } else {
            self
        }
    }

    /// Viewers read; everyone else may write.
    pub fn can_write(self) -> bool {
        self != Role::Viewer
    }
}

/// Something only some roles may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Any change at all: everyone but viewers.
    Write,
    /// Replace the org directory: admins.
    ReplaceDirectory,
    /// Change a team's guide: admins and the team's stewards.
    ChangeGuide,
    /// Open a survey for a team: admins and the team's stewards.
    CreateSurvey,
    /// Subscribe, list and remove webhooks and read their deliveries:
    /// admins.
    ManageWebhooks,
    /// Start a pilot of a team's guide: admins and the team's stewards.
    RunPilot,
    /// Read the safe channel's batches of misuse reports: admins and
    /// stewards.
    ReadMisuse,
}

impl Permission {
    /// The least role that has this permission.
    pub fn least(self) -> Role {
        match self {
            Permission::Write => Role::Member,
            Permission::ChangeGuide
            | Permission::CreateSurvey
            | Permission::RunPilot
            | Permission::ReadMisuse => Role::Steward,
            Permission::ReplaceDirectory | Permission::ManageWebhooks => Role::Admin,
        }
    }

    fn what(self) -> &'static str {
        match self {
            Permission::Write => "change anything (viewers read)",
            Permission::ReplaceDirectory => "replace the directory (admins)",
            Permission::ChangeGuide => "change a guide (admins and the team's stewards)",
            Permission::CreateSurvey => "create surveys (admins and the team's stewards)",
            Permission::ManageWebhooks => "manage webhooks (admins)",
            Permission::RunPilot => "start a pilot (admins and the team's stewards)",
            Permission::ReadMisuse => "read reports of misuse (admins and stewards)",
        }
    }

    /// Whether `person`, holding `role`, may: a refusal says who and why.
    pub fn check(self, person: &str, role: Role) -> Result<(), LifecycleError> {
        if role.level() >= self.least().level() {
            Ok(())
        } else {
            Err(LifecycleError::Forbidden(format!(
                "`{person}` is a {} and may not {}",
                role.as_str(),
                self.what()
            )))
        }
    }
}

/// The role `person` holds for the business of `guide`'s team at `at`: the
/// higher of `base` and what the guide's `grants` give them then. A viewer
/// stays a viewer: grants widen what a writer may do, they do not turn a
/// read-only token into one that writes.
pub fn role_for(base: Role, person: &str, guide: Option<&Guide>, at: DateTime<Utc>) -> Role {
    if !base.can_write() {
        return base;
    }
    let granted = guide
        .and_then(|g| Some((g, g.directory.find(person)?)))
        .is_some_and(|(g, pid)| g.grants_steward(pid, at));
    if granted {
        base.or(Role::Steward)
    } else {
        base
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::Directory;

    const ORG: &str = "people:\n  - {id: kim, name: Kim, teams: [core]}\n  - {id: raj, name: Raj}\n  - {id: ana, name: Ana}\n";

    fn guide(grants: &str) -> Guide {
        let text = format!(
            "version: 1\nteam: core\nrotations:\n  stewards: {{members: [kim, raj], start: 2026-01-01T00:00:00Z, every: 13w}}\n{grants}rules:\n  - {{id: r, authority: {{person: ana}}}}\n"
        );
        let dir = Arc::new(Directory::load("org.yaml", ORG).unwrap_or_else(|e| panic!("{e}")));
        crate::compile_guide("deference.yaml", &text, dir).unwrap_or_else(|e| panic!("{e}"))
    }

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap_or_default()
    }

    #[test]
    fn roles_are_ordered_and_the_higher_wins() {
        assert_eq!(Role::Member.or(Role::Steward), Role::Steward);
        assert_eq!(Role::Admin.or(Role::Steward), Role::Admin);
        assert!(!Role::Viewer.can_write() && Role::Member.can_write());
    }

    #[test]
    fn each_permission_names_the_least_role_that_has_it() {
        assert!(Permission::ChangeGuide.check("kim", Role::Steward).is_ok());
        let refused = Permission::ChangeGuide
            .check("kim", Role::Member)
            .unwrap_err();
        assert_eq!(refused.code(), "forbidden");
        assert!(
            refused.to_string().contains("`kim` is a member"),
            "{refused}"
        );
        assert!(Permission::Write.check("kim", Role::Viewer).is_err());
        assert!(
            Permission::ManageWebhooks
                .check("kim", Role::Steward)
                .is_err()
        );
    }

    #[test]
    fn a_rotating_steward_grant_follows_the_rotation() {
        let g = guide("grants:\n  steward: [{rotation: stewards}]\n");
        let q1 = at("2026-02-01T00:00:00Z");
        let q2 = at("2026-05-01T00:00:00Z");
        assert_eq!(role_for(Role::Member, "kim", Some(&g), q1), Role::Steward);
        assert_eq!(role_for(Role::Member, "raj", Some(&g), q1), Role::Member);
        assert_eq!(role_for(Role::Member, "raj", Some(&g), q2), Role::Steward);
        assert_eq!(role_for(Role::Member, "kim", Some(&g), q2), Role::Member);
        assert_eq!(role_for(Role::Admin, "kim", Some(&g), q1), Role::Admin);
        assert_eq!(role_for(Role::Viewer, "kim", Some(&g), q1), Role::Viewer);
        assert_eq!(role_for(Role::Member, "kim", None, q1), Role::Member);
    }

    #[test]
    fn a_grant_cannot_name_the_requester_or_an_expertise_query() {
        for (selector, said) in [
            ("{requester: true}", "without a request"),
            ("{expertise: {domain: db}}", "endorsements"),
        ] {
            let text =
                format!("version: 1\nteam: core\ngrants:\n  steward: [{selector}]\nrules: []\n");
            let dir = Arc::new(Directory::load("org.yaml", ORG).unwrap_or_else(|e| panic!("{e}")));
            let err = crate::compile_guide("deference.yaml", &text, dir).unwrap_err();
            let err = err.to_string();
            assert!(
                err.contains("grants.steward[0]") && err.contains(said),
                "{err}"
            );
        }
    }
}
