"""The rest of `GET /api/v1/report` and `GET /api/v1/audit-matrix`
recomputed with DuckDB SQL from baton's exports alone: the trend, the
deference profiles and the audit matrix, keyed as the API keys them.

    python report.py decisions.csv decisions.ndjson types.csv \
        people-before.csv people-after.csv CHANGED MAX_SHARE_JSON TEAM|- FROM TO

`people-before.csv` is the directory's people before the instant CHANGED,
`people-after.csv` from it on: ranks and teams are judged by the directory
of the day a decision was decided. The NDJSON export adds the one thing the
CSV does not carry, whom a decision was delegated to. MAX_SHARE_JSON maps
each team to its guide's `watch.max_share`. Single-threaded, so that the
numbers do not depend on the machine.
"""

import json
import math
import sys
from datetime import datetime, timedelta, timezone

import duckdb

(decisions, ndjson, types, before, after, changed, max_share, team, start, end) = sys.argv[1:11]
team = None if team == "-" else team
max_share = json.loads(max_share)

db = duckdb.connect()
db.execute("SET threads = 1")
db.execute("SET TimeZone = 'UTC'")
db.execute("CREATE TABLE raw AS SELECT * FROM read_csv(?, header = true, all_varchar = true)", [decisions])
db.execute("CREATE TABLE records AS SELECT id::BIGINT AS id, delegate::VARCHAR AS delegate FROM read_json(?, format = 'newline_delimited', columns = {id: 'BIGINT', delegate: 'VARCHAR'})", [ndjson])
db.execute("CREATE TABLE types AS SELECT * FROM read_csv(?, header = true, all_varchar = true)", [types])
for name, path in [("before", before), ("after", after)]:
    db.execute(
        f"CREATE TABLE people_{name} AS SELECT id, string_split(teams, ';') AS teams, rank::BIGINT AS rank FROM read_csv(?, header = true, all_varchar = true)",
        [path],
    )
db.execute(
    """
CREATE TABLE d AS
SELECT
    r.id::BIGINT AS id, team, type, framework, decider, routed_decider AS routed,
    opened_at::TIMESTAMPTZ AS opened_at,
    NULLIF(decided_at, '')::TIMESTAMPTZ AS decided_at,
    escalated = 'true' AS escalated,
    override = 'true' AS overridden,
    NULLIF(outcome, '') AS outcome,
    NULLIF(decided_by, '') AS decided_by,
    decider_leader = 'true' AS leader,
    decider_expert = 'true' AS expert,
    rec.delegate
FROM raw r JOIN records rec ON rec.id = r.id::BIGINT
WHERE ?::VARCHAR IS NULL OR team = ?::VARCHAR
""",
    [team, team],
)
w = [start, end]
db.execute(
    """
CREATE TABLE decided AS
SELECT *, GREATEST((epoch_us(decided_at) - epoch_us(opened_at)) // 1000000, 0) AS seconds
FROM d WHERE decided_by IS NOT NULL AND decided_at >= ?::TIMESTAMPTZ AND decided_at < ?::TIMESTAMPTZ
""",
    w,
)
db.execute("CREATE TABLE opened AS SELECT * FROM d WHERE opened_at >= ?::TIMESTAMPTZ AND opened_at < ?::TIMESTAMPTZ", w)


def rate(n, total):
    return None if total == 0 else n / total


def quality(rows):
    """(success, partial, failure) counts as the API's Quality."""
    s, p, f = rows
    recorded = s + p + f
    return {"recorded": recorded, "success": s, "partial": p, "failure": f, "rate": rate(s + 0.5 * p, recorded)}


def median(values):
    v = sorted(values)
    n = len(v)
    if n == 0:
        return None
    return float(v[n // 2]) if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2.0


def p90(values):
    v = sorted(values)
    if not v:
        return None
    return v[max((90 * len(v) + 99) // 100, 1) - 1]


def instant(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- trend: buckets of whole weeks, at most 26 of them -------------------
WEEK = 7 * 86400
t0, t1 = parse(start), parse(end)
seconds = max(int((t1 - t0).total_seconds()), 1)
weeks = -(-seconds // WEEK)
step = max(-(-weeks // 26), 1) * WEEK
points = []
k = 0
while t0 + timedelta(seconds=step * k) < t1:
    a = t0 + timedelta(seconds=step * k)
    b = min(a + timedelta(seconds=step), t1)
    opened, escalated = db.execute(
        "SELECT count(*), count(*) FILTER (WHERE escalated) FROM d WHERE opened_at >= ? AND opened_at < ?", [a, b]
    ).fetchone()
    rows = db.execute(
        "SELECT seconds, overridden, leader, expert FROM decided WHERE decided_at >= ? AND decided_at < ?", [a, b]
    ).fetchall()
    n = len(rows)
    points.append(
        {
            "from": instant(a),
            "to": instant(b),
            "opened": opened,
            "decided": n,
            "velocity_per_week": n / ((b - a).total_seconds() / WEEK),
            "median_seconds": median([r[0] for r in rows]),
            "escalation_rate": rate(escalated, opened),
            "override_rate": rate(sum(1 for r in rows if r[1]), n),
            "leader_share": rate(sum(1 for r in rows if r[2]), n),
            "expert_share": rate(sum(1 for r in rows if not r[2] and r[3]), n),
        }
    )
    k += 1
trend = {"bucket_seconds": step, "points": points}

# --- deference profiles ---------------------------------------------------
db.execute(
    """
CREATE TABLE day_people AS
SELECT x.id AS decision, p.id AS person, p.rank, p.teams
FROM decided x, people_before p WHERE x.decided_at < ?::TIMESTAMPTZ
UNION ALL
SELECT x.id, p.id, p.rank, p.teams
FROM decided x, people_after p WHERE x.decided_at >= ?::TIMESTAMPTZ
""",
    [changed, changed],
)
profiles = {}


def profile(person):
    return profiles.setdefault(
        person,
        {"routed": 0, "decided": 0, "decided_as_routed": 0, "delegated": 0, "to_experts": 0, "overrode": 0,
         "overridden": [0, 0, 0], "deferred": [0, 0, 0]},
    )


def add(q, outcome):
    if outcome is not None:
        q[["success", "partial", "failure"].index(outcome)] += 1


for person, n in db.execute("SELECT routed, count(*) FROM opened GROUP BY routed").fetchall():
    profile(person)["routed"] = n
for person, n, routed, overrode in db.execute(
    "SELECT decided_by, count(*), count(*) FILTER (WHERE decided_by = routed), count(*) FILTER (WHERE overridden) FROM decided GROUP BY decided_by"
).fetchall():
    p = profile(person)
    p["decided"], p["decided_as_routed"], p["overrode"] = n, routed, overrode
for person, outcome in db.execute("SELECT decided_by, outcome FROM decided WHERE overridden").fetchall():
    add(profile(person)["overridden"], outcome)
# Delegated: the decider (who delegated) did not make the call.
for person, outcome in db.execute(
    "SELECT decider, outcome FROM decided WHERE NOT overridden AND delegate IS NOT NULL AND decider <> decided_by"
).fetchall():
    p = profile(person)
    p["delegated"] += 1
    add(p["deferred"], outcome)
# Let a routed expert they outranked decide: team members of the day.
for person, outcome in db.execute(
    """
SELECT q.person, x.outcome
FROM decided x
JOIN day_people e ON e.decision = x.id AND e.person = x.routed
JOIN day_people q ON q.decision = x.id AND q.rank > e.rank AND list_contains(q.teams, x.team)
WHERE NOT x.overridden AND x.framework = 'expertise'
  AND q.person <> x.routed AND q.person <> x.decided_by
  AND NOT (x.delegate IS NOT NULL AND x.decider <> x.decided_by AND q.person = x.decider)
"""
).fetchall():
    p = profile(person)
    p["to_experts"] += 1
    add(p["deferred"], outcome)
if team is not None:
    for (person,) in db.execute("SELECT id FROM people_after WHERE list_contains(teams, ?)", [team]).fetchall():
        profile(person)
profile_list = []
for person in sorted(profiles):
    p = profiles[person]
    deferred = p["delegated"] + p["to_experts"]
    profile_list.append(
        {
            "person": person,
            "routed": p["routed"],
            "decided": p["decided"],
            "decided_as_routed": p["decided_as_routed"],
            "deferred": {"total": deferred, "delegated": p["delegated"], "to_experts": p["to_experts"]},
            "overrode": p["overrode"],
            "deference_rate": rate(deferred, deferred + p["overrode"]),
            "outcomes": {"overridden": quality(p["overridden"]), "deferred": quality(p["deferred"])},
        }
    )

# --- the audit matrix -----------------------------------------------------
days = (t1 - t0).total_seconds() / 86400.0
PERIODS = [("daily", 1.0), ("weekly", 7.0), ("monthly", 30.4375), ("quarterly", 91.3125), ("rarely", 365.25)]


def observed(count):
    if count == 0 or days <= 0:
        return None
    interval = days / count
    found = "daily"
    for (_, a), (name, b) in zip(PERIODS, PERIODS[1:]):
        if interval > math.sqrt(a * b):
            found = name
    return found


declared = {
    (r[0], r[1]): r for r in db.execute("SELECT team, type, impact, NULLIF(frequency, ''), NULLIF(target, '') FROM types").fetchall()
}
keys = set(k for k in declared if team is None or k[0] == team)
keys |= set(db.execute("SELECT DISTINCT team, type FROM opened UNION SELECT DISTINCT team, type FROM decided").fetchall())
rows = []
for t, ty in sorted(keys):
    count, escalated = db.execute(
        "SELECT count(*), count(*) FILTER (WHERE escalated) FROM opened WHERE team = ? AND type = ?", [t, ty]
    ).fetchone()
    times = [r[0] for r in db.execute("SELECT seconds FROM decided WHERE team = ? AND type = ?", [t, ty]).fetchall()]
    n = len(times)
    leaders = db.execute("SELECT count(*) FILTER (WHERE leader) FROM decided WHERE team = ? AND type = ?", [t, ty]).fetchone()[0]
    top = db.execute(
        "SELECT decided_by, count(*) AS k FROM decided WHERE team = ? AND type = ? GROUP BY decided_by ORDER BY k DESC, decided_by LIMIT 3",
        [t, ty],
    ).fetchall()
    q = db.execute(
        "SELECT count(*) FILTER (WHERE outcome = 'success'), count(*) FILTER (WHERE outcome = 'partial'), count(*) FILTER (WHERE outcome = 'failure') FROM decided WHERE team = ? AND type = ?",
        [t, ty],
    ).fetchone()
    kind = declared.get((t, ty))
    target = int(kind[4]) if kind and kind[4] else None
    row = {
        "team": t,
        "type": ty,
        "count": count,
        "decided": n,
        "declared_frequency": kind[3] if kind else None,
        "observed_frequency": observed(count),
        "impact": kind[2] if kind else "unknown",
        "target_seconds": target,
        "top_deciders": [{"person": p, "decided": k, "share": k / max(n, 1)} for p, k in top],
        "leader_share": rate(leaders, n),
        "median_seconds": median(times),
        "p90_seconds": p90(times),
        "escalation_rate": rate(escalated, count),
        "outcome_quality": quality(q),
    }
    flags = []
    if row["median_seconds"] is not None and target is not None and row["median_seconds"] > target:
        flags.append("slow")
    if row["escalation_rate"] is not None and row["escalation_rate"] > 0.2:
        flags.append("escalations")
    oq = row["outcome_quality"]
    if oq["recorded"] >= 5 and oq["rate"] < 0.5:
        flags.append("poor_outcomes")
    if top and top[0][1] / max(n, 1) > max_share.get(t, 0.4):
        flags.append("concentrated")
    if row["observed_frequency"] and row["declared_frequency"] and row["observed_frequency"] != row["declared_frequency"]:
        flags.append("frequency")
    row["flags"] = flags
    rows.append(row)

print(json.dumps({"trend": trend, "profiles": profile_list, "audit": rows}, sort_keys=True))
