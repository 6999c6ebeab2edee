//! The dashboard's pages: each a template over what the application
//! answered, inside one layout. Rendering holds no rule: who may act, what
//! waits, who decides — all of it arrives decided; a page only chooses
//! how to show it (and hides forms from a reader who cannot write).

use askama::Template;
use baton_app::{ChainReport, RotationNow, Verified, Waiting, Waits};
use baton_core::lifecycle::{Decision, Offer, Status};
use baton_core::resolve::reason::Style;
use baton_core::resolve::render::resolution as render_resolution;
use baton_core::{Resolution, ResolveError};
use chrono::{DateTime, Utc};

/// The signed-in reader, as the layout shows them.
#[derive(Clone, Debug)]
pub struct User {
    pub person: String,
    pub role: String,
    /// The session's form token: every form carries it.
    pub csrf: String,
    /// Whether they may change anything (viewers may not): forms are
    /// shown only to those who may use them.
    pub can_write: bool,
}

/// A message at the top of a page.
#[derive(Clone, Debug)]
pub struct Flash {
    /// `error` or `info`.
    pub kind: &'static str,
    pub text: String,
}

impl Flash {
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            kind: "error",
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Self {
        Self {
            kind: "info",
            text: text.into(),
        }
    }
}

/// What every page's layout needs.
#[derive(Clone, Debug)]
pub struct Frame {
    pub title: String,
    /// Which section of the navigation the page is in.
    pub section: &'static str,
    pub user: Option<User>,
    pub flash: Option<Flash>,
}

/// The navigation: `(href, label, section)`.
pub const NAV: &[(&str, &str, &str)] = &[
    ("/", "Now", "now"),
    ("/ask", "Ask", "ask"),
    ("/decisions", "Decisions", "decisions"),
    ("/analytics", "Metrics", "metrics"),
    ("/alerts", "Alerts", "alerts"),
    ("/audit-matrix", "Audit", "audit"),
    ("/people", "People", "people"),
    ("/rotations", "Rotations", "rotations"),
    ("/guides", "Guides", "guides"),
    ("/pilots", "Pilots", "pilots"),
    ("/replay", "Replay", "replay"),
    ("/surveys", "Surveys", "surveys"),
    ("/misuse", "Report misuse", "misuse"),
];

impl Frame {
    pub fn new(title: impl Into<String>, section: &'static str, user: Option<User>) -> Self {
        Self {
            title: title.into(),
            section,
            user,
            flash: None,
        }
    }

    pub fn with_flash(mut self, flash: Option<Flash>) -> Self {
        self.flash = flash;
        self
    }

    pub fn nav(&self) -> &'static [(&'static str, &'static str, &'static str)] {
        NAV
    }
}

/// The stylesheet every page links, served from the binary.
pub const PAGE_STYLE: &str = concat!(
    include_str!("../templates/style.css"),
    include_str!("../templates/dashboard.css")
);

#[derive(Template)]
#[template(path = "pages/login.html")]
struct LoginPage<'a> {
    frame: &'a Frame,
    next: &'a str,
}

pub fn login(frame: &Frame, next: &str) -> String {
    LoginPage { frame, next }.render().unwrap_or_default()
}

#[derive(Template)]
#[template(path = "pages/message.html")]
struct MessagePage<'a> {
    frame: &'a Frame,
    heading: &'a str,
    text: &'a str,
    details: &'a [String],
    back: &'a str,
}

/// A page that only says something: a refusal, an error, a result.
pub fn message(frame: &Frame, heading: &str, text: &str, details: &[String], back: &str) -> String {
    MessagePage {
        frame,
        heading,
        text,
        details,
        back,
    }
    .render()
    .unwrap_or_default()
}

/// An open decision as the Now page lists it.
pub struct OpenRow {
    pub id: String,
    pub title: String,
    pub team: String,
    pub decision_type: String,
    pub status: String,
    pub decider: String,
    /// What comes next and when.
    pub next: Option<(&'static str, DateTime<Utc>)>,
}

impl OpenRow {
    /// `d` with the first of its deadlines still to come after `now`.
    pub fn of(d: &Decision, now: DateTime<Utc>) -> Self {
        let r = &d.resolution;
        let mut deadlines: Vec<(&'static str, DateTime<Utc>)> = Vec::new();
        if let Some(c) = &r.consensus_check
            && d.status == Status::Checking
        {
            deadlines.push(("objections close", c.deadline));
        }
        deadlines.push(("positions close", r.deliberation.deadline));
        if let Some(e) = &r.escalation
            && !d.escalated
        {
            deadlines.push(("escalates", e.deadline));
        }
        let next = deadlines
            .into_iter()
            .filter(|(_, at)| *at > now)
            .min_by_key(|(_, at)| *at);
        Self {
            id: d.id.to_string(),
            title: d.title.clone(),
            team: d.team.clone(),
            decision_type: d.decision_type.clone(),
            status: d.status.to_string(),
            decider: d.decider.clone(),
            next,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/now.html")]
struct NowPage<'a> {
    frame: &'a Frame,
    waiting: Vec<(&'static str, &'a [Waits])>,
    waiting_total: usize,
    handoffs: &'a [baton_core::availability::Handoff],
    rotations: &'a [RotationNow],
    open: &'a [OpenRow],
}

pub fn now(
    frame: &Frame,
    waiting: Option<&Waiting>,
    rotations: &[RotationNow],
    open: &[OpenRow],
) -> String {
    let lists: Vec<(&'static str, &[Waits])> = match waiting {
        Some(w) => vec![
            ("Decisions to make", &w.decisions[..]),
            ("Positions to give", &w.positions[..]),
            ("Objections open", &w.objections[..]),
            ("Outcomes due", &w.outcomes[..]),
        ],
        None => Vec::new(),
    };
    let handoffs = waiting.map_or(&[][..], |w| &w.handoffs[..]);
    NowPage {
        frame,
        waiting_total: lists.iter().map(|(_, l)| l.len()).sum::<usize>() + handoffs.len(),
        waiting: lists,
        handoffs,
        rotations,
        open,
    }
    .render()
    .unwrap_or_default()
}

/// The log's filters, as typed (empty when not given).
#[derive(Clone, Debug, Default)]
pub struct LogFilter {
    pub q: String,
    pub team: String,
    pub decision_type: String,
    pub status: String,
    pub decider: String,
    pub from: String,
    pub to: String,
}

#[derive(Template)]
#[template(path = "pages/decisions.html")]
struct DecisionsPage<'a> {
    frame: &'a Frame,
    filter: &'a LogFilter,
    teams: &'a [String],
    statuses: Vec<&'static str>,
    rows: &'a [Decision],
    paging: Paging,
}

/// Where a page of a long list stands.
#[derive(Clone, Debug, Default)]
pub struct Paging {
    /// Newer decisions, the newest, older ones and the oldest: each the
    /// URL of that page, when there is one.
    pub newer: Option<String>,
    pub newest: Option<String>,
    pub older: Option<String>,
    pub oldest: Option<String>,
}

/// The log: `rows` are the page, newest first; `paging` links the others
/// (by decision number, so the last page is as quick as the first).
pub fn decisions(
    frame: &Frame,
    filter: &LogFilter,
    teams: &[String],
    rows: &[Decision],
    paging: Paging,
) -> String {
    DecisionsPage {
        frame,
        filter,
        teams,
        statuses: Status::ALL.iter().map(|s| s.as_str()).collect(),
        rows,
        paging,
    }
    .render()
    .unwrap_or_default()
}

/// One audit event as a decision's page lists it.
pub struct Trail {
    pub seq: i64,
    pub kind: String,
    pub actor: String,
    pub at: String,
    pub hash: String,
}

#[derive(Template)]
#[template(path = "pages/decision.html")]
struct DecisionPage<'a> {
    frame: &'a Frame,
    d: &'a Decision,
    explanation: String,
    events: &'a [Trail],
    can: Offered,
}

/// The forms a decision page shows: what the lifecycle offered the reader.
#[derive(Clone, Copy, Debug, Default)]
struct Offered {
    position: bool,
    object: bool,
    delegate: bool,
    decide: bool,
    /// Deciding needs an override reason (the reader is not the decider).
    decide_needs_reason: bool,
    outcome: bool,
    escalate: bool,
    withdraw: bool,
    any: bool,
}

impl Offered {
    fn of(offers: &[Offer]) -> Self {
        let mut can = Self {
            any: !offers.is_empty(),
            ..Self::default()
        };
        for offer in offers {
            match offer {
                Offer::Position => can.position = true,
                Offer::Object => can.object = true,
                Offer::Delegate => can.delegate = true,
                Offer::Decide { needs_reason } => {
                    can.decide = true;
                    can.decide_needs_reason = *needs_reason;
                }
                Offer::Outcome => can.outcome = true,
                Offer::Escalate => can.escalate = true,
                Offer::Withdraw => can.withdraw = true,
            }
        }
        can
    }
}

/// A decision's page, with forms for `offers` (none for a viewer).
pub fn decision(frame: &Frame, d: &Decision, events: &[Trail], offers: &[Offer]) -> String {
    let writer = frame.user.as_ref().is_some_and(|u| u.can_write);
    DecisionPage {
        frame,
        d,
        explanation: reasons(&d.resolution, &d.team),
        events,
        can: if writer {
            Offered::of(offers)
        } else {
            Offered::default()
        },
    }
    .render()
    .unwrap_or_default()
}

/// A resolution's reasons as a page shows them: people link to their
/// pages, rules to their place in the team's guide.
pub fn reasons(r: &Resolution, team: &str) -> String {
    let html = render_resolution(r, Style::Html, &|p| p.to_owned());
    html.replace(
        "href=\"#rule-",
        &format!("href=\"/teams/{}/guide#rule-", escape_attr(team)),
    )
}

fn escape_attr(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// The Ask form as typed.
#[derive(Clone, Debug, Default)]
pub struct AskForm {
    pub team: String,
    pub decision_type: String,
    pub requester: String,
    pub at: String,
    pub ctx: String,
    pub title: String,
}

#[derive(Template)]
#[template(path = "pages/ask.html")]
struct AskPage<'a> {
    frame: &'a Frame,
    form: &'a AskForm,
    teams: &'a [String],
    types: &'a [String],
    answer: Option<String>,
    refusal: Option<Refusal>,
}

struct Refusal {
    code: String,
    message: String,
    explanation: Vec<String>,
}

/// The Ask page, with the answer to `form` when it was asked.
pub fn ask(
    frame: &Frame,
    form: &AskForm,
    teams: &[String],
    types: &[String],
    answer: Option<Result<&Resolution, &ResolveError>>,
) -> String {
    let (answer, refusal) = match answer {
        Some(Ok(r)) => (Some(reasons(r, &r.team)), None),
        Some(Err(e)) => (
            None,
            Some(Refusal {
                code: e.code.as_str().to_owned(),
                message: e.message.clone(),
                explanation: e.explanation.clone(),
            }),
        ),
        None => (None, None),
    };
    AskPage {
        frame,
        form,
        teams,
        types,
        answer,
        refusal,
    }
    .render()
    .unwrap_or_default()
}

/// The team and window pickers, as typed.
#[derive(Clone, Debug, Default)]
pub struct WindowPicker {
    pub teams: Vec<String>,
    pub team: String,
    pub from: String,
    pub to: String,
}

/// An alert with the decisions its evidence names.
pub struct AlertView {
    pub kind: String,
    pub team: String,
    pub subject: String,
    pub message: String,
    pub decisions: Vec<String>,
    pub evidence: String,
}

impl AlertView {
    pub fn of(a: &baton_core::analytics::Alert) -> Self {
        Self {
            kind: crate::report::word(&a.kind),
            team: a.team.clone(),
            subject: a.subject.clone(),
            message: a.message.clone(),
            decisions: crate::report::decision_ids(a),
            evidence: serde_json::to_string_pretty(&a.evidence).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "pages/metrics.html")]
struct MetricsPage<'a> {
    frame: &'a Frame,
    picker: &'a WindowPicker,
    window: String,
    query: &'a str,
    headline: Vec<(&'static str, String)>,
    charts: Vec<crate::charts::Chart>,
    alerts: Vec<AlertView>,
    profiles: crate::charts::DataTable,
}

fn window_text(w: &baton_core::analytics::Window) -> String {
    format!(
        "{} to {}",
        w.from.format("%Y-%m-%d %H:%M UTC"),
        w.to.format("%Y-%m-%d %H:%M UTC")
    )
}

/// The metrics of a report, with its charts, alerts and profiles.
pub fn metrics(frame: &Frame, picker: &WindowPicker, query: &str, r: &baton_app::Report) -> String {
    MetricsPage {
        frame,
        picker,
        window: window_text(&r.window),
        query,
        headline: crate::report::headline(r),
        charts: crate::report::charts_of(r),
        alerts: r.alerts.iter().map(AlertView::of).collect(),
        profiles: crate::report::profiles(r),
    }
    .render()
    .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "pages/alerts.html")]
struct AlertsPage<'a> {
    frame: &'a Frame,
    teams: &'a [String],
    team: &'a str,
    alerts: Vec<AlertView>,
}

pub fn alerts(
    frame: &Frame,
    teams: &[String],
    team: &str,
    alerts: &[baton_core::analytics::Alert],
) -> String {
    AlertsPage {
        frame,
        teams,
        team,
        alerts: alerts.iter().map(AlertView::of).collect(),
    }
    .render()
    .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "pages/audit.html")]
struct AuditPage<'a> {
    frame: &'a Frame,
    picker: &'a WindowPicker,
    window: String,
    matrix: crate::charts::DataTable,
    pains: Vec<(String, String, String)>,
}

/// The audit matrix as a table, its pains listed below it.
pub fn audit(
    frame: &Frame,
    picker: &WindowPicker,
    m: &baton_core::analytics::AuditMatrix,
) -> String {
    use crate::charts::{Cell, DataTable};
    use crate::report::{duration, percent, word};
    let known = |cell: Option<Cell>| cell.unwrap_or_else(|| Cell::text("unknown"));
    let mut table = DataTable::new(&[
        "team",
        "type",
        "count",
        "declared",
        "seen",
        "impact",
        "top deciders",
        "leader share",
        "median",
        "p90",
        "escalated",
        "quality",
        "pains",
    ]);
    let mut pains = Vec::new();
    for row in &m.rows {
        table.row(vec![
            Cell::text(row.team.clone()),
            Cell::text(row.decision_type.clone()),
            Cell::count(row.count),
            known(
                row.declared_frequency
                    .get()
                    .map(|f| Cell::text(f.as_ref().map_or_else(|| "–".to_owned(), word))),
            ),
            Cell::text(
                row.observed_frequency
                    .as_ref()
                    .map_or_else(|| "–".to_owned(), word),
            ),
            known(row.impact.get().map(|i| Cell::text(word(i)))),
            known(row.top_deciders.get().map(|top| {
                Cell::text(
                    top.iter()
                        .map(|d| format!("{} {:.0}%", d.person, d.share * 100.0))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })),
            known(row.leader_share.get().map(|s| Cell::number(*s, percent))),
            known(row.median_seconds.get().map(|s| Cell::number(*s, duration))),
            known(
                row.p90_seconds
                    .get()
                    .map(|s| Cell::number(s.map(|v| v as f64), duration)),
            ),
            known(row.escalation_rate.get().map(|s| Cell::number(*s, percent))),
            known(
                row.outcome_quality
                    .get()
                    .map(|q| Cell::number(q.rate, |v| format!("{v:.2} ({})", q.recorded))),
            ),
            Cell::count(row.flags.len()),
        ]);
        for f in &row.flags {
            pains.push((
                format!("{}/{}", row.team, row.decision_type),
                word(&f.kind),
                f.message.clone(),
            ));
        }
    }
    AuditPage {
        frame,
        picker,
        window: window_text(&m.window),
        matrix: table,
        pains,
    }
    .render()
    .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "pages/verify.html")]
struct VerifyPage<'a> {
    frame: &'a Frame,
    head: &'a str,
    report: Option<&'a ChainReport>,
}

/// The verify form and, once run, what it found.
pub fn verify(frame: &Frame, head: &str, report: Option<&ChainReport>) -> String {
    VerifyPage {
        frame,
        head,
        report,
    }
    .render()
    .unwrap_or_default()
}

/// One team's rotations on the timeline page.
pub struct TeamTimeline {
    pub team: String,
    pub svg: String,
    pub rotations: Vec<baton_app::Timeline>,
}

#[derive(Template)]
#[template(path = "pages/rotations.html")]
struct RotationsPage<'a> {
    frame: &'a Frame,
    picker: &'a WindowPicker,
    window: String,
    teams: Vec<TeamTimeline>,
}

/// Rotations as a timeline per team over `[from, to)`, with each shift
/// in a table below (the feed's shifts, overrides marked).
pub fn rotations(
    frame: &Frame,
    picker: &WindowPicker,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    timelines: Vec<baton_app::Timeline>,
) -> String {
    use crate::charts::{Lane, Segment, timeline};
    let span = (to - from).num_seconds().max(1) as f64;
    let frac = |t: DateTime<Utc>| (t - from).num_seconds() as f64 / span;
    let days = (to - from).num_days().max(1);
    let step = (days / 6).max(1);
    let ticks: Vec<(f64, String)> = (0..=days)
        .step_by(step as usize)
        .map(|d| {
            let t = from + chrono::Duration::days(d);
            (frac(t), t.format("%b %d").to_string())
        })
        .collect();
    let mut teams: Vec<TeamTimeline> = Vec::new();
    for t in timelines {
        match teams.last_mut() {
            Some(last) if last.team == t.team => last.rotations.push(t),
            _ => teams.push(TeamTimeline {
                team: t.team.clone(),
                svg: String::new(),
                rotations: vec![t],
            }),
        }
    }
    for team in &mut teams {
        let lanes: Vec<Lane> = team
            .rotations
            .iter()
            .map(|t| Lane {
                label: t.rotation.clone(),
                segments: t
                    .shifts
                    .iter()
                    .map(|s| Segment {
                        from: frac(s.shift.from),
                        to: frac(s.shift.to),
                        label: s.shift.person.clone(),
                        series: usize::from(s.overridden),
                    })
                    .collect(),
            })
            .collect();
        team.svg = timeline(
            &format!("timeline-{}", team.team),
            &format!("{} rotations", team.team),
            "Who holds each rotation over the window; overrides in the second colour, the dashed line is now.",
            &lanes,
            &ticks,
            Some(frac(now)),
        );
    }
    RotationsPage {
        frame,
        picker,
        window: format!(
            "{} to {}",
            from.format("%Y-%m-%d %H:%M UTC"),
            to.format("%Y-%m-%d %H:%M UTC")
        ),
        teams,
    }
    .render()
    .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "pages/people.html")]
struct PeoplePage<'a> {
    frame: &'a Frame,
    people: &'a [baton_app::PersonRow],
}

/// Everyone, with their load and strongest claims.
pub fn people(frame: &Frame, people: &[baton_app::PersonRow]) -> String {
    PeoplePage { frame, people }.render().unwrap_or_default()
}

/// What a person's page shows.
pub struct PersonDetail {
    pub person: baton_app::PersonView,
    /// Their breaks, latest first.
    pub breaks: Vec<baton_core::availability::Break>,
    /// Hand-offs from or to them, latest first.
    pub handoffs: Vec<baton_core::availability::Handoff>,
    pub now: DateTime<Utc>,
    pub claims: Vec<baton_app::Claim>,
    pub decisions: Vec<Decision>,
    pub profile: Option<baton_app::ProfileView>,
    /// (label, team, rotation, shift) of the shifts ahead.
    pub shifts: Vec<(String, String, String, baton_app::TimelineShift)>,
}

#[derive(Template)]
#[template(path = "pages/person.html")]
struct PersonPage<'a> {
    frame: &'a Frame,
    p: &'a PersonDetail,
    /// The reader may endorse them: a writer who is someone else.
    can_endorse: bool,
    /// The reader may manage their breaks: themselves, a steward or an
    /// admin (the application decides; this only hides the form).
    can_break: bool,
    /// The page is the reader's own: their shifts can be handed over.
    own: bool,
}

pub fn person(frame: &Frame, p: &PersonDetail) -> String {
    let user = frame.user.as_ref().filter(|u| u.can_write);
    let own = user.is_some_and(|u| u.person == p.person.id);
    PersonPage {
        frame,
        p,
        can_endorse: user.is_some_and(|u| u.person != p.person.id),
        can_break: own || user.is_some_and(|u| u.role == "admin" || u.role == "steward"),
        own,
    }
    .render()
    .unwrap_or_default()
}

/// A team's row on the guides page.
pub struct GuideRow {
    pub team: String,
    pub versions: usize,
    pub applied_at: Option<DateTime<Utc>>,
    pub warnings: usize,
}

#[derive(Template)]
#[template(path = "pages/guides.html")]
struct GuidesPage<'a> {
    frame: &'a Frame,
    rows: &'a [GuideRow],
}

pub fn guides(frame: &Frame, rows: &[GuideRow]) -> String {
    GuidesPage { frame, rows }.render().unwrap_or_default()
}

/// One line of a guide as its page shows it: its number, an anchor when
/// a rule starts there, and the findings placed on it.
struct GuideLine {
    number: usize,
    text: String,
    anchor: Option<String>,
    findings: Vec<baton_core::Diagnostic>,
}

#[derive(Template)]
#[template(path = "pages/guide.html")]
struct GuidePage<'a> {
    frame: &'a Frame,
    g: &'a baton_app::GuideOverview,
    lines: Vec<GuideLine>,
    /// Findings with no line: about the file as a whole.
    whole: Vec<&'a baton_core::Diagnostic>,
}

/// The guide in force, numbered, each rule anchored (`#rule-ID`, where a
/// decision's reasons link) and each lint finding under its line.
pub fn guide(frame: &Frame, g: &baton_app::GuideOverview) -> String {
    let mut in_rules = false;
    let lines = g
        .text
        .lines()
        .enumerate()
        .map(|(i, text)| {
            let number = i + 1;
            if !text.starts_with(' ') && !text.starts_with('#') && !text.is_empty() {
                in_rules = text.starts_with("rules:");
            }
            let anchor = in_rules
                .then(|| text.trim_start().strip_prefix("- id:"))
                .flatten()
                .map(|id| format!("rule-{}", escape_attr(id.trim().trim_matches('"'))));
            GuideLine {
                number,
                text: text.to_owned(),
                anchor,
                findings: g
                    .findings
                    .iter()
                    .filter(|f| f.line == Some(number as u64))
                    .cloned()
                    .collect(),
            }
        })
        .collect();
    GuidePage {
        frame,
        g,
        lines,
        whole: g.findings.iter().filter(|f| f.line.is_none()).collect(),
    }
    .render()
    .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "pages/diff.html")]
struct DiffPage<'a> {
    frame: &'a Frame,
    team: &'a str,
    versions: &'a [baton_app::GuideVersion],
    from: u32,
    to: u32,
    lines: &'a [baton_app::DiffLine],
    changed: usize,
}

/// Two versions of a guide, line by line.
pub fn guide_diff(
    frame: &Frame,
    team: &str,
    versions: &[baton_app::GuideVersion],
    (from, to): (u32, u32),
    lines: &[baton_app::DiffLine],
) -> String {
    DiffPage {
        frame,
        team,
        versions,
        from,
        to,
        lines,
        changed: lines
            .iter()
            .filter(|l| l.change != baton_app::Change::Same)
            .count(),
    }
    .render()
    .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "pages/cheat_sheet.html")]
struct CheatSheetPage<'a> {
    frame: &'a Frame,
    sheet: &'a baton_core::guide::cheat_sheet::CheatSheet,
}

/// The printable cheat sheet.
pub fn cheat_sheet(frame: &Frame, sheet: &baton_core::guide::cheat_sheet::CheatSheet) -> String {
    CheatSheetPage { frame, sheet }.render().unwrap_or_default()
}

#[derive(Template)]
#[template(path = "pages/surveys.html")]
struct SurveysPage<'a> {
    frame: &'a Frame,
    now: DateTime<Utc>,
    surveys: &'a [baton_app::Survey],
    polls: &'a [baton_app::Poll],
}

/// Surveys (open ones to answer, closed ones with results) and polls.
pub fn surveys(
    frame: &Frame,
    now: DateTime<Utc>,
    surveys: &[baton_app::Survey],
    polls: &[baton_app::Poll],
) -> String {
    SurveysPage {
        frame,
        now,
        surveys,
        polls,
    }
    .render()
    .unwrap_or_default()
}

/// A question's tally as a page shows it.
pub struct TallyView {
    pub prompt: String,
    pub lines: Vec<String>,
    pub texts: Vec<String>,
}

impl TallyView {
    fn of(prompt: &str, tally: &baton_core::feedback::Tally) -> Self {
        use baton_core::feedback::Tally;
        let pct = |n: usize, of: usize| {
            if of == 0 {
                0.0
            } else {
                100.0 * n as f64 / of as f64
            }
        };
        let (lines, texts) = match tally {
            Tally::Hidden { answers } => (
                vec![format!(
                    "{answers} answer{} — hidden until at least {} people answer it",
                    if *answers == 1 { "" } else { "s" },
                    baton_core::feedback::MIN_RESPONSES
                )],
                Vec::new(),
            ),
            Tally::Enps {
                answers,
                enps,
                promoters,
                passives,
                detractors,
            } => (
                vec![
                    format!("eNPS {enps:+.0} from {answers} answers"),
                    format!(
                        "promoters {promoters} ({:.0}%), passives {passives}, detractors {detractors} ({:.0}%)",
                        pct(*promoters, *answers),
                        pct(*detractors, *answers)
                    ),
                ],
                Vec::new(),
            ),
            Tally::Scale {
                answers,
                mean,
                distribution,
            } => (
                vec![
                    format!("mean {mean:.1} of 5 from {answers} answers"),
                    distribution
                        .iter()
                        .enumerate()
                        .map(|(i, n)| format!("{}: {n}", i + 1))
                        .collect::<Vec<_>>()
                        .join(" · "),
                ],
                Vec::new(),
            ),
            Tally::YesNo { answers, yes, no } => (
                vec![format!(
                    "yes {yes} ({:.0}%), no {no} — {answers} answers",
                    pct(*yes, *answers)
                )],
                Vec::new(),
            ),
            Tally::Text { answers } => (
                vec![format!("{} answers, in alphabetical order", answers.len())],
                answers.clone(),
            ),
        };
        Self {
            prompt: prompt.to_owned(),
            lines,
            texts,
        }
    }
}

#[derive(Template)]
#[template(path = "pages/survey.html")]
struct SurveyPage<'a> {
    frame: &'a Frame,
    s: &'a baton_app::SurveyView,
    open: bool,
    results: &'a baton_app::SurveyResults,
    tallies: Vec<TallyView>,
    can_answer: bool,
}

/// A survey: its form while open and unanswered, its results once they
/// may be shown.
pub fn survey(
    frame: &Frame,
    s: &baton_app::SurveyView,
    results: &baton_app::SurveyResults,
    now: DateTime<Utc>,
) -> String {
    let open = s.survey.closes_at.is_some_and(|c| c > now);
    let tallies = results
        .results
        .as_ref()
        .map(|r| {
            s.survey
                .questions
                .iter()
                .filter_map(|q| r.get(&q.id).map(|t| TallyView::of(&q.prompt, t)))
                .collect()
        })
        .unwrap_or_default();
    let can_answer = open && !s.answered && frame.user.as_ref().is_some_and(|u| u.can_write);
    SurveyPage {
        frame,
        s,
        open,
        results,
        tallies,
        can_answer,
    }
    .render()
    .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "pages/poll.html")]
struct PollPage<'a> {
    frame: &'a Frame,
    p: &'a baton_app::PollView,
}

/// A confidence poll: votes ranked, each with the voter's validated level.
pub fn poll(frame: &Frame, p: &baton_app::PollView) -> String {
    PollPage { frame, p }.render().unwrap_or_default()
}

/// The pilot form as typed.
#[derive(Clone, Debug, Default)]
pub struct PilotForm {
    pub team: String,
    pub types: String,
    pub guide_version: String,
    pub from: String,
    pub to: String,
    pub control: String,
}

#[derive(Template)]
#[template(path = "pages/pilots.html")]
struct PilotsPage<'a> {
    frame: &'a Frame,
    pilots: &'a [baton_app::Pilot],
    teams: &'a [String],
    /// Each team's guide version in force, to pilot.
    versions: &'a [(String, String)],
    form: &'a PilotForm,
}

/// Pilots run so far, and a form to start one.
pub fn pilots(
    frame: &Frame,
    pilots: &[baton_app::Pilot],
    teams: &[String],
    versions: &[(String, String)],
    form: &PilotForm,
) -> String {
    PilotsPage {
        frame,
        pilots,
        teams,
        versions,
        form,
    }
    .render()
    .unwrap_or_default()
}

/// One comparison row of a pilot report, in words.
struct ComparisonRow {
    metric: &'static str,
    pilot: String,
    baseline: String,
    difference: String,
    interval: String,
    verdict: &'static str,
    verdict_class: &'static str,
    n: String,
    note: String,
}

#[derive(Template)]
#[template(path = "pages/pilot.html")]
struct PilotPage<'a> {
    frame: &'a Frame,
    r: &'a baton_app::PilotReport,
    rows: Vec<ComparisonRow>,
    periods: [&'a baton_core::analytics::pilot::Period; 2],
}

/// A pilot's report: each period measured, each metric compared with its
/// bootstrap interval and verdict.
pub fn pilot(frame: &Frame, r: &baton_app::PilotReport) -> String {
    use crate::report::{duration, percent};
    use baton_core::analytics::pilot::{PilotMetric, Verdict};
    let show = |m: PilotMetric, v: Option<f64>| -> String {
        match v {
            None => "–".into(),
            Some(v) => match m {
                PilotMetric::MedianTimeToDecisionSeconds => duration(v),
                PilotMetric::EscalationRate => percent(v),
                PilotMetric::OutcomeQuality => format!("{v:.2}"),
                PilotMetric::Enps => format!("{v:+.0}"),
            },
        }
    };
    let signed = |m: PilotMetric, v: f64| -> String {
        let sign = if v < 0.0 { "−" } else { "+" };
        let text = match m {
            PilotMetric::EscalationRate => format!("{:.1}%", v.abs() * 100.0),
            _ => show(m, Some(v.abs())),
        };
        format!("{sign}{}", text.trim_start_matches('+'))
    };
    let rows = r
        .comparison
        .comparisons
        .iter()
        .map(|c| ComparisonRow {
            metric: c.metric.name(),
            pilot: show(c.metric, c.pilot),
            baseline: show(c.metric, c.baseline),
            difference: c.difference.map_or("–".into(), |d| signed(c.metric, d)),
            interval: c.interval.as_ref().map_or("–".into(), |i| {
                format!(
                    "{} to {}",
                    signed(c.metric, i.low),
                    signed(c.metric, i.high)
                )
            }),
            verdict: c.verdict.words(),
            verdict_class: match c.verdict {
                Verdict::Lower | Verdict::Higher => "clear",
                Verdict::NoClearDifference => "none",
                Verdict::Inconclusive => "inconclusive",
            },
            n: format!("{} vs {}", c.pilot_n, c.baseline_n),
            note: c.note.clone(),
        })
        .collect();
    let p = &r.comparison.periods;
    PilotPage {
        frame,
        r,
        rows,
        periods: [&p.pilot, &p.baseline],
    }
    .render()
    .unwrap_or_default()
}

/// The replay form as typed.
#[derive(Clone, Debug, Default)]
pub struct ReplayForm {
    pub team: String,
    pub guide: String,
    pub from: String,
    pub to: String,
}

#[derive(Template)]
#[template(path = "pages/replay.html")]
struct ReplayPage<'a> {
    frame: &'a Frame,
    teams: &'a [String],
    form: &'a ReplayForm,
    report: Option<&'a baton_core::replay::ReplayReport>,
}

/// Replay: a guide to try against the log, and what it would have changed.
pub fn replay(
    frame: &Frame,
    teams: &[String],
    form: &ReplayForm,
    report: Option<&baton_core::replay::ReplayReport>,
) -> String {
    ReplayPage {
        frame,
        teams,
        form,
        report,
    }
    .render()
    .unwrap_or_default()
}

/// The misuse form as typed.
#[derive(Clone, Debug, Default)]
pub struct MisuseForm {
    pub decision: String,
    pub team: String,
    pub text: String,
}

#[derive(Template)]
#[template(path = "pages/misuse.html")]
struct MisusePage<'a> {
    frame: &'a Frame,
    teams: &'a [String],
    form: &'a MisuseForm,
    min_batch: usize,
    /// What admins and stewards may read; `None` for everyone else.
    view: Option<&'a baton_app::MisuseView>,
}

/// The safe channel: the form anyone may use, and for admins and stewards
/// the batches released so far.
pub fn misuse(
    frame: &Frame,
    teams: &[String],
    form: &MisuseForm,
    view: Option<&baton_app::MisuseView>,
) -> String {
    MisusePage {
        frame,
        teams,
        form,
        min_batch: baton_core::misuse::MIN_BATCH,
        view,
    }
    .render()
    .unwrap_or_default()
}
