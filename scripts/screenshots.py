"""Screenshots of every page of the dashboard, as a person sees it.

    python scripts/screenshots.py [--out DIR] [--baton PATH]

Starts `baton serve --demo` on a fresh store in a temporary directory,
signs in with the one-time link it prints, finds every kind of page by
following the dashboard's own links from `/` (one page per path shape:
`/decisions/12` stands for every decision), and saves each at 1280×800
and 390×844, in light and in dark, as full-page PNGs under DIR (default
target/screenshots). Needs Debian's `chromium` and `chromium-driver`
(the test command installs them); uses nothing beyond Python's standard
library, talking WebDriver to chromedriver directly.
"""

import argparse
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = [(1280, 800), (390, 844)]
# Never followed: they change state.
SKIP = re.compile(r"^/(logout|login|api/)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    """Just enough of WebDriver."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": shutil.which("chromium") or "/usr/bin/chromium",
                        "args": [
                            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--no-first-run", "--hide-scrollbars",
                            f"--user-data-dir={tempfile.mkdtemp(prefix='baton-shots-')}",
                        ],
                    },
                }
            }
        }
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"{}").get("value", {})

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def go(self, url):
        self.s("POST", "/url", {"url": url})

    def size(self, width, height):
        self.s("POST", "/window/rect", {"width": width, "height": height})
        self.cdp("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})

    def cdp(self, cmd, params):
        return self.s("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params})

    def scheme(self, dark):
        self.cdp("Emulation.setEmulatedMedia",
                 {"features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}]})

    def links(self):
        return self.s("POST", "/execute/sync", {
            "script": "return Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))",
            "args": [],
        })

    def shot(self, path, width):
        metrics = self.cdp("Page.getLayoutMetrics", {})
        height = int(metrics.get("cssContentSize", metrics.get("contentSize", {})).get("height", 800))
        shot = self.cdp("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 6000), "scale": 1},
        })
        path.write_bytes(base64.b64decode(shot["data"]))

    def quit(self):
        try:
            self.s("DELETE", "")
        except Exception:
            pass


def shape(path):
    """`/decisions/12?x=1` and `/decisions/7` are one kind of page, as are
    `/people/kim` and `/people/raj`: every second segment names a thing."""
    bare = path.split("?")[0].split("#")[0]
    parts = bare.strip("/").split("/")
    return "/" + "/".join("{n}" if i % 2 == 1 else p for i, p in enumerate(parts))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "target" / "screenshots"))
    parser.add_argument("--baton", default=str(ROOT / "target" / "debug" / "baton"))
    parser.add_argument("--clock", default="2026-06-01T10:00:00Z")
    parser.add_argument("--start", default="/", help="the page to crawl from")
    parser.add_argument("--max", type=int, default=60, help="at most this many pages")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    store = tempfile.mkdtemp(prefix="baton-demo-")
    server = subprocess.Popen(
        [args.baton, "serve", "--demo", "--listen", "127.0.0.1:0", "--clock", args.clock],
        cwd=store, env={**os.environ, "BATON_DB": "sqlite://./baton.db", "RUST_LOG": "warn"},
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    port = free_port()
    driver_process = subprocess.Popen([shutil.which("chromedriver") or "/usr/bin/chromedriver", f"--port={port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    driver = None
    try:
        lines = [server.stdout.readline() for _ in range(4)]
        address = lines[0].split("http://")[1].split()[0]
        login = next(l for l in lines if "/login/" in l).split()[-1]
        time.sleep(0.5)
        driver = Driver(port)
        driver.go(login)
        base = f"http://{address}"
        seen, queue, pages = set(), [args.start], []
        while queue and len(pages) < args.max:
            path = queue.pop(0)
            key = shape(path)
            if key in seen:
                continue
            seen.add(key)
            driver.go(base + path)
            pages.append(path)
            for href in driver.links():
                href = urllib.parse.urljoin(path, href)
                if href.startswith(base):
                    href = href[len(base):]
                if href.startswith("/") and not SKIP.match(href) and shape(href) not in seen:
                    queue.append(href)
        for path in pages:
            name = shape(path).strip("/").replace("/", "_").replace("{n}", "n") or "now"
            for width, height in SIZES:
                driver.size(width, height)
                for dark in (False, True):
                    driver.scheme(dark)
                    driver.go(base + path)
                    file = out / f"{name}-{width}x{height}-{'dark' if dark else 'light'}.png"
                    driver.shot(file, width)
        print(f"{len(pages)} pages, {len(pages) * 4} screenshots in {out}")
        for p in pages:
            print(f"  {p}")
    finally:
        if driver:
            driver.quit()
        driver_process.terminate()
        server.terminate()
        server.wait()
        shutil.rmtree(store, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
