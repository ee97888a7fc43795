"""Lighthouse over the site: the home page, the seed's article page and the top story's page of the bundled sample.

    .venv/bin/python bench/lighthouse.py [--db /tmp/svodka-lh.db] [--presets desktop,mobile] [--pages home,article,story]
        [--runs 1]

Installs npm `lighthouse` (pinned below) into bench/.node/ (git-ignored) when it is not there, builds a store from
the sample the way `make run` does (in a temporary folder unless --db names a file, which is built only when
missing), starts `svodka serve` on a free 127.0.0.1 port, and runs Lighthouse over each page with each preset,
all four categories, driving Debian's Chromium (CHROME_PATH=/usr/bin/chromium, headless; Lighthouse never
downloads a browser here: it depends on puppeteer-core only, and PUPPETEER_SKIP_DOWNLOAD is set all the same).
Prints a table of the scores (with --runs N, the median of N runs), then every audit that is not passed on a page
whose category is under 95. The JSON reports are kept in bench/.lighthouse/ (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_DIR = ROOT / "bench" / ".node"
REPORTS = ROOT / "bench" / ".lighthouse"
# 12.8.2 is the last release for Node 20 (Debian's nodejs here): 13.x needs Node >= 22.19
LIGHTHOUSE_VERSION = "12.8.2"
CHROME = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
SHORT = {"performance": "perf", "accessibility": "a11y", "best-practices": "best", "seo": "seo"}
SAMPLE = [ROOT / "svodka" / "sample" / "seed_page.txt", ROOT / "svodka" / "sample" / "telegram_news.jsonl"]
SEED_SOURCE = "Новостной сайт (пример)"  # the name `make run` gives the seed page
HOST = "127.0.0.1"
TARGET = 95


def lighthouse_cli() -> Path:
    cli = NODE_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
    package = NODE_DIR / "node_modules" / "lighthouse" / "package.json"
    if not package.exists() or json.loads(package.read_text())["version"] != LIGHTHOUSE_VERSION:
        print(f"installing lighthouse@{LIGHTHOUSE_VERSION} into {NODE_DIR.relative_to(ROOT)}/ …", file=sys.stderr)
        NODE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund", "--loglevel=error",
                        f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True,
                       env={**os.environ, "PUPPETEER_SKIP_DOWNLOAD": "1"})
    return cli


def svodka(db: str, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "svodka.cli", "--db", db, *args], check=True, **kw)


def build_db(path: str) -> None:
    if Path(path).exists():
        return
    print(f"building {path} from the sample (under a minute)…", file=sys.stderr)
    env = {**os.environ, "SVODKA_EVENT_VECTORS": "known"}  # as `make run`: the sample's shipped vectors, none made
    subprocess.run([sys.executable, "-m", "svodka.cli", "--db", path, "ingest", "--source", SEED_SOURCE,
                    *map(str, SAMPLE)], check=True, env=env, stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_server(db: str, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "svodka.cli", "--db", db, "serve", "--host", HOST,
                             "--port", str(port)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            pass
        if proc.poll() is not None:
            raise SystemExit(f"svodka serve exited with {proc.returncode}")
        time.sleep(0.5)
    stop_server(proc)
    raise SystemExit("the server did not answer /readyz within 90 s")


def stop_server(proc: subprocess.Popen) -> None:
    """The server we started: its own process group."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def pick_pages(db: str, base: str) -> dict[str, str]:
    """The home page, the seed's article (the sample's one full article page) and the home page's lead story."""
    out = svodka(db, "list", "--source", SEED_SOURCE, "--kind", "article", "--json", "--limit", "1",
                 capture_output=True, text=True).stdout
    article = json.loads(out.splitlines()[0])["id"]
    with urllib.request.urlopen(base + "/", timeout=30) as r:
        home = r.read().decode()
    story = re.search(r'href="(/story/\d+)"', home).group(1)
    return {"home": "/", "article": f"/article/{article}", "story": story}


def run_lighthouse(cli: Path, url: str, preset: str, out: Path) -> dict:
    args = ["node", str(cli), url, "--quiet", "--output=json", f"--output-path={out}",
            f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={CHROME_FLAGS}"]
    if preset == "desktop":
        args.append("--preset=desktop")  # mobile is Lighthouse's default (a Moto G Power, simulated slow 4G)
    env = {**os.environ, "CHROME_PATH": CHROME, "PUPPETEER_SKIP_DOWNLOAD": "1"}
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"lighthouse failed on {url} ({preset}):\n{proc.stderr[-2000:]}")
    return json.loads(out.read_text())


def scores(report: dict) -> dict[str, int]:
    return {c: round(report["categories"][c]["score"] * 100) for c in CATEGORIES}


def failures(report: dict, category: str) -> list[str]:
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] and audit["score"] is not None and audit["score"] < 0.9:
            shown = audit.get("displayValue") or ""
            lines.append(f"    {ref['id']} ({audit['score']:.2f}, weight {ref['weight']}) {audit['title']} {shown}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", help="a store to use (built from the sample when missing); default: a temporary one")
    ap.add_argument("--presets", default="desktop,mobile")
    ap.add_argument("--runs", type=int, default=1, help="runs per page and preset; the table shows the median")
    ap.add_argument("--pages", default="home,article,story")
    args = ap.parse_args()
    presets = [p for p in args.presets.split(",") if p]
    if not Path(CHROME).exists():
        raise SystemExit(f"no Chromium at {CHROME} (apt-get install chromium)")
    cli = lighthouse_cli()
    tmp = None
    db = args.db
    if not db:
        tmp = tempfile.mkdtemp(prefix="svodka-lh-")
        db = os.path.join(tmp, "svodka.db")
    REPORTS.mkdir(parents=True, exist_ok=True)
    try:
        build_db(db)
        port = free_port()
        base = f"http://{HOST}:{port}"
        server = start_server(db, port)
        try:
            wanted = set(args.pages.split(","))
            pages = {k: v for k, v in pick_pages(db, base).items() if k in wanted}
            for path in pages.values():  # warm each page once (a process caches related lists)
                urllib.request.urlopen(base + path, timeout=60).read()
            rows, reports = [], {}
            for page, path in pages.items():
                for preset in presets:
                    runs = []
                    for i in range(args.runs):
                        out = REPORTS / f"{page}-{preset}-{i}.json"
                        runs.append(run_lighthouse(cli, base + path, preset, out))
                    med = {c: int(statistics.median(scores(r)[c] for r in runs)) for c in CATEGORIES}
                    rows.append((page, preset, path, med))
                    reports[page, preset] = runs[0]
                    print(f"  {page} {preset}: " + " ".join(f"{SHORT[c]} {med[c]}" for c in CATEGORIES),
                          file=sys.stderr)
        finally:
            stop_server(server)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    version = subprocess.run([CHROME, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"lighthouse {LIGHTHOUSE_VERSION}, {version}, {time.strftime('%Y-%m-%d')}, "
          f"median of {args.runs} run{'s' if args.runs > 1 else ''}")
    print()
    print("| page | preset | " + " | ".join(CATEGORIES) + " |")
    print("|---|---|" + "---:|" * len(CATEGORIES))
    for page, preset, path, med in rows:
        print(f"| {page} (`{path}`) | {preset} | " + " | ".join(str(med[c]) for c in CATEGORIES) + " |")
    short = [(page, preset, c) for page, preset, _, med in rows for c in CATEGORIES if med[c] < TARGET]
    if short:
        print(f"\nunder {TARGET}:")
        for page, preset, c in short:
            print(f"  {page} {preset} {c}:")
            print("\n".join(failures(reports[page, preset], c)))
    sys.exit(1 if short else 0)


if __name__ == "__main__":
    main()
