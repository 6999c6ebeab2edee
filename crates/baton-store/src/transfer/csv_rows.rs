//! Writing the CSVs of SPEC §8.1: one row per decision, and the
//! directory's people and the teams' decision types beside them, so that
//! SQL over those files alone reproduces the §6 metrics (eNPS aside).

use std::io::Write;

use baton_core::Guide;
use baton_core::analytics::{Judge, decided_by};
use baton_core::lifecycle::Decision;
use baton_core::org::Directory;

/// The decision CSV's columns, in order: SPEC §8.1's fourteen, then what
/// SQL needs to recompute §6 — who decided (`decided_by`: the person whose
/// call it was, the authority holder for a tiebreak by rule), who it was
/// routed to, the type's domains joined with `;`, and whether the decider
/// was a formal leader and a validated expert by the directory in force
/// when they decided.
pub const CSV_COLUMNS: [&str; 19] = [
    "id",
    "team",
    "type",
    "title",
    "requester",
    "decider",
    "status",
    "framework",
    "rule",
    "opened_at",
    "decided_at",
    "escalated",
    "override",
    "outcome",
    "decided_by",
    "routed_decider",
    "domains",
    "decider_leader",
    "decider_expert",
];

/// The decision CSV being written, a row at a time.
pub struct DecisionCsv<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> DecisionCsv<W> {
    /// Starts the file with its header.
    pub fn new(out: W) -> Result<Self, csv::Error> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record(CSV_COLUMNS)?;
        Ok(Self { out })
    }

    /// One decision; `judge` says whether its decider led or was an expert
    /// on the day.
    pub fn row(&mut self, d: &Decision, judge: &Judge<'_>) -> Result<(), csv::Error> {
        let who = decided_by(d);
        let judged = who.and_then(|who| judge.judge(d, who));
        let flag = |v: Option<bool>| v.map(|b| b.to_string()).unwrap_or_default();
        self.out.write_record([
            d.id.to_string(),
            d.team.clone(),
            d.decision_type.clone(),
            d.title.clone(),
            d.requester.clone(),
            d.decider.clone(),
            d.status.as_str().to_owned(),
            d.resolution.framework.as_str().to_owned(),
            d.resolution.rule.clone(),
            exact(d.opened_at),
            d.decided_at.map(exact).unwrap_or_default(),
            d.escalated.to_string(),
            d.overridden.to_string(),
            d.outcome
                .as_ref()
                .map(|o| o.result.as_str().to_owned())
                .unwrap_or_default(),
            who.unwrap_or_default().to_owned(),
            d.resolution.decider.clone(),
            d.domains.join(";"),
            flag(who.map(|_| judged.is_some_and(|j| j.leader))),
            flag(who.map(|_| judged.is_some_and(|j| j.expert))),
        ])
    }

    pub fn finish(mut self) -> Result<W, csv::Error> {
        self.out.flush()?;
        self.out.into_inner().map_err(|e| e.into_error().into())
    }
}

/// An instant as stored, to the microsecond when it has a fraction: SQL
/// over the file must see the times baton computes with.
fn exact(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The directory's people: `id, teams` (joined with `;`), `rank`, and
/// `leader` — a formal leader by the lowest `leader_rank` of their teams'
/// guides (SPEC §3.2's 4 for a person in no team with a guide), or by
/// having a direct report.
pub fn write_people<W: Write>(
    out: W,
    directory: &Directory,
    guides: &[&Guide],
) -> Result<W, csv::Error> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["id", "teams", "rank", "leader"])?;
    for (pid, person) in directory.people() {
        let leader_rank = guides
            .iter()
            .filter(|g| person.teams.contains(&g.team))
            .map(|g| g.settings.leader_rank)
            .min()
            .unwrap_or(baton_core::guide::file::Settings::default().leader_rank);
        csv.write_record([
            person.id.clone(),
            person.teams.join(";"),
            person.rank.to_string(),
            directory.is_leader(pid, leader_rank).to_string(),
        ])?;
    }
    csv.flush()?;
    csv.into_inner().map_err(|e| e.into_error().into())
}

/// Each team's decision types: `team, type, impact, frequency`, and
/// `target` in seconds (empty without one), for the audit matrix.
pub fn write_types<W: Write>(out: W, guides: &[&Guide]) -> Result<W, csv::Error> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(["team", "type", "impact", "frequency", "target"])?;
    for g in guides {
        let mut types: Vec<_> = g.types.iter().collect();
        types.sort_by(|a, b| a.0.cmp(b.0));
        for (name, t) in types {
            let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_owned();
            csv.write_record([
                g.team.clone(),
                name.clone(),
                text(serde_json::json!(t.impact)),
                t.frequency
                    .map(|f| text(serde_json::json!(f)))
                    .unwrap_or_default(),
                t.target
                    .map(|s| s.seconds().to_string())
                    .unwrap_or_default(),
            ])?;
        }
    }
    csv.flush()?;
    csv.into_inner().map_err(|e| e.into_error().into())
}
