"""SPEC §6 metrics recomputed with DuckDB SQL from `baton export --format csv`
and `baton export --format csv --people` alone, as the API's
`GET /api/v1/metrics` reports them (eNPS aside).

    python metrics.py decisions.csv people.csv TEAM|- FROM TO

prints the metrics as JSON, keyed as the API keys them. Single-threaded, so
that the numbers do not depend on the machine.
"""

import json
import sys

import duckdb

decisions, people, team, start, end = sys.argv[1:6]
team = None if team == "-" else team

db = duckdb.connect()
db.execute("SET threads = 1")
db.execute("SET TimeZone = 'UTC'")
db.execute(
    "CREATE TABLE raw AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
    [decisions],
)
db.execute(
    "CREATE TABLE people AS SELECT * FROM read_csv(?, header = true, all_varchar = true)",
    [people],
)
db.execute(
    """
CREATE TABLE d AS
SELECT
    id::BIGINT AS id,
    team,
    type,
    framework,
    opened_at::TIMESTAMPTZ AS opened_at,
    NULLIF(decided_at, '')::TIMESTAMPTZ AS decided_at,
    escalated = 'true' AS escalated,
    override = 'true' AS overridden,
    NULLIF(outcome, '') AS outcome,
    NULLIF(decided_by, '') AS decided_by,
    decider_leader = 'true' AS leader,
    decider_expert = 'true' AS expert
FROM raw
WHERE ?::VARCHAR IS NULL OR team = ?::VARCHAR
""",
    [team, team],
)
w = [start, end]
db.execute(
    """
CREATE TABLE decided AS
SELECT *, GREATEST((epoch_us(decided_at) - epoch_us(opened_at)) // 1000000, 0) AS seconds
FROM d
WHERE decided_by IS NOT NULL AND decided_at >= ?::TIMESTAMPTZ AND decided_at < ?::TIMESTAMPTZ
""",
    w,
)
db.execute(
    """
CREATE TABLE members AS
SELECT id FROM people
WHERE ?::VARCHAR IS NULL OR list_contains(string_split(teams, ';'), ?::VARCHAR)
""",
    [team, team],
)


def one(sql, params=()):
    return db.execute(sql, params).fetchone()


def rate(n, total):
    return None if total == 0 else n / total


n = one("SELECT count(*) FROM decided")[0]
opened, escalated = one(
    "SELECT count(*), count(*) FILTER (WHERE escalated) FROM d WHERE opened_at >= ?::TIMESTAMPTZ AND opened_at < ?::TIMESTAMPTZ",
    w,
)


def times(where=""):
    """(count, median, nearest-rank p90) of the decided seconds."""
    row = one(
        f"""
WITH t AS (SELECT seconds, row_number() OVER (ORDER BY seconds) AS r, count(*) OVER () AS n FROM decided {where})
SELECT max(n), median(seconds)::DOUBLE,
       max(seconds) FILTER (WHERE r = GREATEST((90 * n + 99) // 100, 1))
FROM t
"""
    )
    return row


time_to_decision = None
if n > 0:
    _, median, p90 = times()
    by_type = {}
    for (t,) in db.execute("SELECT DISTINCT type FROM decided ORDER BY type").fetchall():
        count, m, p = times(f"WHERE type = '{t}'")
        by_type[t] = {"count": count, "median_seconds": m, "p90_seconds": p}
    time_to_decision = {"median_seconds": median, "p90_seconds": p90, "by_type": by_type}

leaders, experts, overridden = one(
    "SELECT count(*) FILTER (WHERE leader), count(*) FILTER (WHERE NOT leader AND expert), count(*) FILTER (WHERE overridden) FROM decided"
)

counts = dict(
    db.execute(
        "SELECT m.id, count(x.id) FROM members m LEFT JOIN decided x ON x.decided_by = m.id GROUP BY m.id"
    ).fetchall()
)
outside = dict(
    db.execute(
        "SELECT decided_by, count(*) FROM decided WHERE decided_by NOT IN (SELECT id FROM members) GROUP BY decided_by"
    ).fetchall()
)
# Gini over the members' counts, zeros included: 2·Σ i·x_i / (n·Σx) − (n+1)/n.
gini = one(
    """
WITH c AS (SELECT m.id, count(x.id) AS k FROM members m LEFT JOIN decided x ON x.decided_by = m.id GROUP BY m.id),
     s AS (SELECT k, row_number() OVER (ORDER BY k) AS i, count(*) OVER () AS n, sum(k) OVER () AS total FROM c)
SELECT CASE WHEN max(total) = 0 THEN NULL
            ELSE 2.0 * sum(i * k) / (max(n) * max(total)) - (max(n) + 1.0) / max(n) END
FROM s
"""
)[0]
by_members = sum(counts.values())
top = one(
    """
WITH c AS (SELECT decided_by AS id, count(*) AS k FROM decided WHERE decided_by IN (SELECT id FROM members) GROUP BY decided_by)
SELECT id, k FROM c ORDER BY k DESC, id LIMIT 1
"""
)
concentration = {
    "people": len(counts),
    "gini": gini,
    "top_decider": top[0] if top else None,
    "top_share": rate(top[1], by_members) if top else None,
    "decided_by": {k: v for k, v in sorted(counts.items()) if v > 0},
    "outsiders": {
        "decided": sum(outside.values()),
        "share": rate(sum(outside.values()), n),
        "decided_by": dict(sorted(outside.items())),
    },
}


def quality(column=None):
    group = f"{column}," if column else ""
    rows = db.execute(
        f"""
SELECT {group} count(*), count(*) FILTER (WHERE outcome = 'success'),
       count(*) FILTER (WHERE outcome = 'partial'), count(*) FILTER (WHERE outcome = 'failure')
FROM decided WHERE outcome IS NOT NULL {"GROUP BY " + column if column else ""}
"""
    ).fetchall()

    def shape(r):
        recorded, s, p, f = r
        return {
            "recorded": recorded,
            "success": s,
            "partial": p,
            "failure": f,
            "rate": rate(s + 0.5 * p, recorded),
        }

    if column is None:
        return shape(rows[0])
    return {r[0]: shape(r[1:]) for r in sorted(rows)}


weeks = one("SELECT (epoch(?::TIMESTAMPTZ) - epoch(?::TIMESTAMPTZ)) / (7 * 86400.0)", [end, start])[0]
print(
    json.dumps(
        {
            "decided": n,
            "opened": opened,
            "time_to_decision": time_to_decision,
            "velocity_per_week": n / weeks if weeks > 0 else None,
            "escalation_rate": rate(escalated, opened),
            "leader_share": rate(leaders, n),
            "expert_share": rate(experts, n),
            "concentration": concentration,
            "override_rate": rate(overridden, n),
            "outcome_quality": {
                "overall": quality(),
                "by_framework": quality("framework"),
                "by_type": quality("type"),
                "by_decider": quality("decided_by"),
            },
        },
        sort_keys=True,
    )
)
