#!/usr/bin/env python3
"""Server time per dashboard page, on the demo or on a store built by
bench/analytics (say 1M decisions).

    python bench/pages/run.py --demo
    python bench/pages/run.py --store target/bench-analytics/1000000

Starts the release `baton serve`, signs in through a one-time link, loads
each page once to warm it, then times it `--runs` times on loopback and
prints the median and the slowest, in milliseconds. Loopback time is the
server's time plus a fraction of a millisecond. Includes the log's oldest
page (`?oldest=1`, keyset paging) and a text search.

Needs the release binary (`cargo build --release -p baton-cli`).
"""

import argparse
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BATON = ROOT / "target" / "release" / "baton"
CLOCK = "2026-06-01T10:00:00Z"


def start(args):
    env = {**os.environ, "RUST_LOG": "warn"}
    if args.demo:
        work = tempfile.mkdtemp(prefix="baton-pages-")
        env.pop("BATON_DB", None)
        cmd = [str(BATON), "serve", "--demo", "--listen", "127.0.0.1:0", "--clock", CLOCK]
    else:
        work = str(Path(args.store).resolve())
        env["BATON_DB"] = f"sqlite://{work}/baton.db"
        cmd = [str(BATON), "serve", "--listen", "127.0.0.1:0", "--clock", args.clock]
    server = subprocess.Popen(cmd, cwd=work, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    first = server.stdout.readline()
    address = first.split("http://")[1].split()[0]
    base = f"http://{address}"
    if args.demo:
        lines = [server.stdout.readline() for _ in range(3)]
        login = next(l for l in lines if "/login/" in l).split()[-1]
    else:
        out = subprocess.run(
            [str(BATON), "token", "create", "--person", args.person, "--role", "admin",
             "--login", "--url", base],
            cwd=work, env=env, capture_output=True, text=True, check=True)
        login = out.stdout.strip()
    return server, base, login, env, work


def main():
    parser = argparse.ArgumentParser()
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--demo", action="store_true")
    where.add_argument("--store", help="a directory holding baton.db")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--person", default="dana", help="who signs in (an admin)")
    parser.add_argument("--clock", default="2026-11-01T00:00:00Z",
                        help="the server's clock for --store")
    parser.add_argument("--search", default="decision 4242",
                        help="the text the log is searched for")
    args = parser.parse_args()
    if not BATON.exists():
        sys.exit("build the release binary first: cargo build --release -p baton-cli")
    server, base, login, env, work = start(args)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        opener.open(login).read()

        def get(path):
            started = time.perf_counter()
            with opener.open(base + path) as r:
                body = r.read()
                status = r.status
            return (time.perf_counter() - started) * 1000, status, body

        # The newest decision, for its page.
        _, _, log = get("/decisions")
        ids = [int(m) for m in re.findall(rb'href="/decisions/(\d+)"', log)]
        newest = max(ids)
        last = "/decisions?oldest=1"
        pages = [
            "/", "/ask", "/ask?team=platform&type=incident",
            "/decisions", last, "/decisions?q=" + urllib.parse.quote(args.search),
            "/decisions?team=platform&status=decided",
            f"/decisions/{newest}", "/analytics", "/analytics?team=platform",
            "/alerts", "/audit-matrix", "/people", "/people/kim", "/rotations", "/guides",
            "/teams/platform/guide", "/teams/platform/cheat-sheet", "/surveys", "/pilots",
            "/misuse", "/report.html", "/verify",
        ]
        rows = []
        for path in pages:
            first_ms, status, _ = get(path)
            times = [get(path)[0] for _ in range(args.runs)]
            rows.append((path, status, first_ms, statistics.median(times), max(times)))
        width = max(len(p) for p, *_ in rows)
        print(f"{'page':<{width}}  status  first ms  median ms  max ms")
        for path, status, first_ms, median, slowest in rows:
            print(f"{path:<{width}}  {status:>6}  {first_ms:>8.1f}  {median:>9.1f}  {slowest:>6.1f}")
        print(json.dumps({"base": base, "runs": args.runs}))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    import urllib.parse  # noqa: E402  (used in main)
    main()
