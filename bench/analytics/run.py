"""Analytics at scale: baton against DuckDB over the same data.

    python bench/analytics/run.py [--sizes 100000,1000000,10000000] [--work DIR]

For each size, a store of that many decisions is built through `baton
import` (the demo organisation's three teams, a generated history of
decided, escalated, overridden and open decisions), kept under --work and
reused by later runs. Then, in the same run:

- DuckDB (`threads=1`) loads `baton export --format csv` as a native table
  and runs the SPEC §6 metric definitions (org and one team, the whole
  history) and the audit matrix; query time only, median of 5.
- `baton serve` (release) answers `GET /api/v1/metrics` (org, team),
  `/alerts` and `/audit-matrix` over the whole history: the first
  (building the projection) and the median of 5 warm requests. Its
  resident memory is read beside an empty store's server.
- `baton report` from a fresh process, over the whole history.
- `baton replay` of each team under its own guide, from a fresh process
  (each folds the whole log and re-resolves its team's decisions, after
  building the projection), and the server's replay of `platform` with
  its projection warm (median of 3).

Never run in CI: the 10M store takes a long import and tens of GB of disk.
Needs the release binary (`cargo build --release -p baton-cli`) and a
Python with DuckDB (`.ci/test` makes one under target/test-python).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BATON = ROOT / "target" / "release" / "baton"
DEMO = ROOT / "crates" / "baton-fixtures" / "demo-data"
# The history ends here, a decision a minute before it: the few still open
# at its end are routed as of their opening, once the guides' rotations
# have started.
END = datetime(2026, 10, 1, 0, 0, tzinfo=timezone.utc)


def start_of(rows):
    return END - timedelta(minutes=rows)
RUNS = 5


def instant(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def baton(store, *args, **kw):
    return subprocess.run(
        [str(BATON), *args], cwd=store, env={**os.environ, "BATON_DB": "sqlite://./baton.db"},
        check=True, capture_output=True, text=True, **kw,
    )


# --- the generated history ------------------------------------------------

TEAMS = {
    "platform": {
        "people": ["kim", "raj", "lee", "ana", "ben", "chen", "maya", "theo", "zoe", "omar"],
        "types": {"architecture": "expertise", "prioritization": "rotating", "incident": "rotating",
                  "tooling": "delegated", "hiring": "hierarchy"},
    },
    "payments": {
        "people": ["aisha", "marco", "omid", "ines", "hana", "ravi", "leo"],
        "types": {"api-change": "expertise", "compliance": "expertise", "experiment": "delegated",
                  "incident": "rotating", "vendor": "hierarchy"},
    },
    "mobile": {
        "people": ["lucia", "sara", "elif", "tomas", "kwame", "mei", "nina", "ivan", "oscar"],
        "types": {"architecture": "expertise", "design": "expertise", "incident": "rotating",
                  "release": "rotating", "tooling": "delegated"},
    },
}


def generate(path, rows):
    """`rows` decisions, one a minute up to END: deterministic."""
    start = start_of(rows)
    x = 7
    teams = list(TEAMS)
    with open(path, "w") as out:
        out.write("team,type,title,requester,decider,decided_by,routed_decider,framework,"
                  "opened_at,decided_at,escalated,override,outcome\n")
        for i in range(rows):
            x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
            pick = lambda n, shift: (x >> shift) % n
            team = teams[pick(3, 3)]
            t = TEAMS[team]
            types = list(t["types"])
            ty = types[pick(len(types), 7)]
            people = t["people"]
            routed = people[pick(len(people), 11)]
            requester = people[pick(len(people), 15)]
            opened = start + timedelta(minutes=i)
            open_still = i >= rows - 50 and pick(2, 19) == 0
            overridden = pick(33, 21) == 0
            decided_by = people[pick(len(people), 27)] if overridden else routed
            if overridden and decided_by == routed:
                overridden = False
            decided = "" if open_still else instant(opened + timedelta(minutes=20 + pick(4000, 31)))
            outcome = "" if open_still else ["success", "success", "partial", "failure", ""][pick(5, 43)]
            out.write(
                f"{team},{ty},Decision {i},{requester},{'' if open_still else routed},"
                f"{'' if open_still else decided_by},{routed},{t['types'][ty]},{instant(opened)},{decided},"
                f"{'true' if pick(12, 47) == 0 else 'false'},{'true' if overridden else 'false'},{outcome}\n"
            )


def size_of(store):
    return sum(f.stat().st_size for f in store.glob("baton.db*"))


def build(work, rows):
    store = work / str(rows)
    done = store / "built"
    if done.exists():
        return json.loads(done.read_text())
    shutil.rmtree(store, ignore_errors=True)
    store.mkdir(parents=True)
    sheet = store / "history.csv"
    generate(sheet, rows)
    args = ["apply", "--org", str(DEMO / "org.yaml")]
    for team in TEAMS:
        args += ["--guide", str(DEMO / f"{team}.yaml")]
    baton(store, *args, "--at", instant(start_of(rows) - timedelta(days=1)))
    started = time.monotonic()
    baton(store, "import", str(sheet), "--at", instant(END + timedelta(days=30)))
    seconds = time.monotonic() - started
    sheet.unlink()
    info = {"rows": rows, "import_seconds": seconds, "rows_per_second": rows / seconds,
            "store_bytes": size_of(store)}
    done.write_text(json.dumps(info))
    return info


# --- DuckDB ------------------------------------------------------------------

DUCK = r'''
import duckdb, json, statistics, sys, time
csv, people, types, start, end = sys.argv[1:6]
db = duckdb.connect()
db.execute("SET threads = 1")
# A long query draws a progress bar on stdout, where the figures go.
db.execute("SET enable_progress_bar = false")
db.execute("SET TimeZone = 'UTC'")
db.execute("""CREATE TABLE d AS SELECT id::BIGINT AS id, team, type, framework,
  opened_at::TIMESTAMPTZ AS opened_at, NULLIF(decided_at, '')::TIMESTAMPTZ AS decided_at,
  escalated = 'true' AS escalated, override = 'true' AS overridden, NULLIF(outcome, '') AS outcome,
  NULLIF(decided_by, '') AS decided_by, decider_leader = 'true' AS leader, decider_expert = 'true' AS expert
  FROM read_csv(?, header = true, all_varchar = true)""", [csv])
db.execute("CREATE TABLE people AS SELECT * FROM read_csv(?, header = true, all_varchar = true)", [people])
db.execute("CREATE TABLE types AS SELECT * FROM read_csv(?, header = true, all_varchar = true)", [types])

def metrics(team):
    w = [start, end]
    scope = "" if team is None else f"AND team = '{team}'"
    q = []
    q.append(db.execute(f"SELECT count(*), count(*) FILTER (WHERE escalated) FROM d WHERE opened_at >= ?::TIMESTAMPTZ AND opened_at < ?::TIMESTAMPTZ {scope}", w).fetchall())
    db.execute(f"""CREATE OR REPLACE TEMP TABLE x AS SELECT *, GREATEST((epoch_us(decided_at) - epoch_us(opened_at)) // 1000000, 0) AS seconds
      FROM d WHERE decided_by IS NOT NULL AND decided_at >= ?::TIMESTAMPTZ AND decided_at < ?::TIMESTAMPTZ {scope}""", w)
    q.append(db.execute("""SELECT count(*), median(seconds), quantile_disc(seconds, 0.9), count(*) FILTER (WHERE leader),
      count(*) FILTER (WHERE NOT leader AND expert), count(*) FILTER (WHERE overridden) FROM x""").fetchall())
    q.append(db.execute("SELECT type, count(*), median(seconds), quantile_disc(seconds, 0.9) FROM x GROUP BY type").fetchall())
    q.append(db.execute("SELECT decided_by, count(*) FROM x GROUP BY decided_by").fetchall())
    for g in ["", "framework,", "type,", "decided_by,"]:
        q.append(db.execute(f"""SELECT {g} count(*), count(*) FILTER (WHERE outcome = 'success'), count(*) FILTER (WHERE outcome = 'partial'),
          count(*) FILTER (WHERE outcome = 'failure') FROM x WHERE outcome IS NOT NULL {'GROUP BY ' + g.rstrip(',') if g else ''}""").fetchall())
    return q

def audit():
    return db.execute("""SELECT team, type, count(*) FILTER (WHERE opened_at >= ?::TIMESTAMPTZ AND opened_at < ?::TIMESTAMPTZ),
      count(*) FILTER (WHERE escalated AND opened_at >= ?::TIMESTAMPTZ AND opened_at < ?::TIMESTAMPTZ),
      median(GREATEST((epoch_us(decided_at) - epoch_us(opened_at)) // 1000000, 0)) FILTER (WHERE decided_at >= ?::TIMESTAMPTZ AND decided_at < ?::TIMESTAMPTZ),
      quantile_disc(GREATEST((epoch_us(decided_at) - epoch_us(opened_at)) // 1000000, 0), 0.9) FILTER (WHERE decided_at >= ?::TIMESTAMPTZ AND decided_at < ?::TIMESTAMPTZ),
      count(*) FILTER (WHERE leader AND decided_at >= ?::TIMESTAMPTZ AND decided_at < ?::TIMESTAMPTZ),
      count(*) FILTER (WHERE outcome IS NOT NULL AND decided_at >= ?::TIMESTAMPTZ AND decided_at < ?::TIMESTAMPTZ)
      FROM d GROUP BY team, type""", [start, end] * 6).fetchall(), db.execute("""
      WITH c AS (SELECT team, type, decided_by, count(*) AS k FROM d
                 WHERE decided_at >= ?::TIMESTAMPTZ AND decided_at < ?::TIMESTAMPTZ GROUP BY ALL)
      SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY team, type ORDER BY k DESC, decided_by) AS r FROM c) WHERE r <= 3""",
      [start, end]).fetchall()

out = {}
for name, f in [("org metrics", lambda: metrics(None)), ("team metrics", lambda: metrics("platform")), ("audit matrix", audit)]:
    times = []
    for _ in range(5):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    out[name] = statistics.median(times)
print(json.dumps(out))
'''


def duckdb(store, python, start, end):
    for args, name in [(["--format", "csv"], "decisions.csv"), (["--format", "csv", "--people"], "people.csv"),
                       (["--format", "csv", "--types"], "types.csv")]:
        baton(store, "export", *args, "--out", name)
    out = subprocess.run([python, "-c", DUCK, "decisions.csv", "people.csv", "types.csv", start, end],
                         cwd=store, check=True, capture_output=True, text=True)
    for name in ["decisions.csv", "people.csv", "types.csv"]:
        (store / name).unlink()
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- baton --------------------------------------------------------------------

def rss_mib(pid, field="VmRSS:"):
    """A field of the process's status, in MiB: `VmRSS` is all it holds in
    memory, `RssAnon` its heap (without the database file's pages that
    SQLite maps, which are the page cache)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def serve(store):
    proc = subprocess.Popen([str(BATON), "serve", "--listen", "127.0.0.1:0"], cwd=store,
                            env={**os.environ, "BATON_DB": "sqlite://./baton.db"},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    banner = proc.stdout.readline()
    address = banner.split("http://")[1].split()[0]
    token = baton(store, "token", "create", "--person", "dana", "--role", "admin").stdout.strip()
    return proc, address, token


def get(address, token, path):
    request = urllib.request.Request(f"http://{address}{path}", headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()
    return time.perf_counter() - started


def first_answer(address, token, path):
    """Seconds until `path` first answers: the server builds its analytics
    projection from its start, and a request that outlasts the server's
    30 s limit (408) is asked again."""
    started = time.perf_counter()
    while True:
        try:
            get(address, token, path)
            return time.perf_counter() - started
        except urllib.error.HTTPError as e:
            if e.code not in (408, 503):
                raise


def post_yaml(address, token, path, body):
    request = urllib.request.Request(f"http://{address}{path}", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/yaml"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()
    return time.perf_counter() - started


def within_limit(post):
    """`post()`'s seconds, or None when the server cut it off at its
    request time limit (408)."""
    try:
        return post()
    except urllib.error.HTTPError as e:
        if e.code == 408:
            return None
        raise


def measure_baton(store, start, end):
    proc, address, token = serve(store)
    window = f"from={start}&to={end}"
    out = {}
    try:
        out["first answer (projection built from start)"] = first_answer(address, token, f"/api/v1/metrics?{window}")
        for name, path in [("org metrics", f"/api/v1/metrics?{window}"),
                           ("team metrics", f"/api/v1/metrics?team=platform&{window}"),
                           ("alerts", "/api/v1/alerts"),
                           ("audit matrix", f"/api/v1/audit-matrix?{window}")]:
            get(address, token, path)
            out[name] = statistics.median(get(address, token, path) for _ in range(RUNS))
        # Memory before the replays, which read every stored request.
        out["rss_mib"] = rss_mib(proc.pid)
        out["anon_mib"] = rss_mib(proc.pid, "RssAnon:")
        guide = (DEMO / "platform.yaml").read_bytes()
        post = lambda: post_yaml(address, token, "/api/v1/teams/platform/replay", guide)
        # At 10M a replay outlasts the server's 30 s request limit.
        if within_limit(post) is None:
            out["replay platform (POST …/replay)"] = None
        else:
            out["replay platform (POST …/replay)"] = statistics.median(post() for _ in range(3))
    finally:
        proc.terminate()
        proc.wait()
    return out


def empty_rss(work):
    store = work / "empty"
    shutil.rmtree(store, ignore_errors=True)
    store.mkdir(parents=True)
    args = ["apply", "--org", str(DEMO / "org.yaml")]
    for team in TEAMS:
        args += ["--guide", str(DEMO / f"{team}.yaml")]
    baton(store, *args)
    proc, address, token = serve(store)
    try:
        get(address, token, "/api/v1/metrics")
        return rss_mib(proc.pid), rss_mib(proc.pid, "RssAnon:")
    finally:
        proc.terminate()
        proc.wait()


def report_seconds(store, start, end):
    started = time.monotonic()
    baton(store, "report", "--from", start, "--to", end)
    return time.monotonic() - started


def replay_seconds(store, start, end):
    """Each team replayed under the guide it is already under, from a fresh
    process: every replay folds the whole log (other teams' decisions keep
    their stored routing) and re-resolves its own team's decisions."""
    out = {}
    for team in TEAMS:
        started = time.monotonic()
        done = baton(store, "replay", "--guide", str(DEMO / f"{team}.yaml"), "--team", team,
                     "--from", start, "--to", end, "--json")
        out[team] = (time.monotonic() - started, json.loads(done.stdout))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--work", default=str(ROOT / "target" / "bench-analytics"))
    parser.add_argument("--python", default=str(ROOT / "target" / "test-python" / "bin" / "python"))
    args = parser.parse_args()
    if not BATON.exists():
        sys.exit("build the release binary first: cargo build --release -p baton-cli")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    empty, empty_anon = empty_rss(work)
    print(f"empty store: server RSS {empty:.0f} MiB (heap {empty_anon:.0f} MiB)", flush=True)
    for rows in [int(s) for s in args.sizes.split(",")]:
        info = build(work, rows)
        store = work / str(rows)
        start = instant(start_of(rows))
        end = instant(END + timedelta(days=10))
        duck = duckdb(store, args.python, start, end)
        ours = measure_baton(store, start, end)
        ours["baton report (fresh process)"] = report_seconds(store, start, end)
        print(f"\n== {rows:,} decisions: store {info['store_bytes'] / 2**30:.2f} GiB, "
              f"imported at {info['rows_per_second']:,.0f} rows/s", flush=True)
        print(f"{'':38} {'baton':>9} {'DuckDB':>9} {'ratio':>7}")
        for name, seconds in ours.items():
            if name in ("rss_mib", "anon_mib"):
                continue
            if seconds is None:
                print(f"{name:38} {'408: over the 30 s request limit':>9}")
                continue
            theirs = duck.get(name)
            ratio = f"{seconds / theirs:.2f}" if theirs else ""
            shown = f"{theirs:.3f}" if theirs else ""
            print(f"{name:38} {seconds:9.3f} {shown:>9} {ratio:>7}")
        for team, (seconds, report) in replay_seconds(store, start, end).items():
            print(f"{'baton replay --team ' + team:38} {seconds:9.3f}   "
                  f"({report['replayed']:,} re-resolved, {report['changed']:,} routed elsewhere)")
        print(f"server RSS {ours['rss_mib']:.0f} MiB, {ours['rss_mib'] - empty:+.0f} MiB over an empty store's "
              f"(heap {ours['anon_mib']:.0f} MiB, {ours['anon_mib'] - empty_anon:+.0f})", flush=True)


if __name__ == "__main__":
    main()
