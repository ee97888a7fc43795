"""Two `svodka serve` processes over one PostgreSQL database, under a bounded load on loopback.

    .venv/bin/python bench/serve_shared.py [--seconds 30] [--concurrency 16] [--max-wait 180]

Starts a throwaway PostgreSQL cluster on 127.0.0.1 (tests/pgcluster.py), fills one database with the bundled
sample through `svodka --db URL ingest` (analysed and linked, about a minute), starts TWO `svodka --db URL serve
--port P` processes (`python -m svodka.cli`, each its own process on its own port: one links, the other follows),
waits until both answer and warms them (every article of the mix requested once from each: their related caches
fill), then keeps `concurrency` keep-alive connections busy for `seconds` (at most 60), half on each server, on a
mix of URLs: article pages, the related API, the search API, story pages and the home page. Prints requests/s,
p50, p99 and errors (a status other than 200, or a broken connection) per server, per kind of URL, and in total;
then checks that both servers give byte-identical bodies for 50 API URLs. The servers and the cluster are stopped
at the end, whatever happens.

The load generator is bench/serve.py's approach (a minimal asyncio HTTP/1.1 keep-alive client), copied here so
that it can spread connections over two ports and survive a broken connection.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # pgcluster: the throwaway PostgreSQL cluster of the tests
sys.path.insert(0, str(ROOT / "bench"))

from serve import Connection, free_port  # noqa: E402  the load generator of bench/serve.py
from store import wait_for_quiet  # noqa: E402

SAMPLE = [ROOT / "svodka" / "sample" / "seed_page.txt", ROOT / "svodka" / "sample" / "telegram_news.jsonl"]
HOST = "127.0.0.1"
MAX_SECONDS = 60
# the mix: (kind, weight)
MIX = [("article", 35), ("related", 25), ("search", 15), ("story", 15), ("home", 10)]


def http_get(port: int, path: str, timeout: float = 30) -> tuple[int, bytes]:
    """One request on a connection of its own (for the checks, not the load)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head[9:12]), body


def start_server(url: str, port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "svodka.cli", "--db", url, "serve", "--port", str(port)],
                            cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_until_up(proc: subprocess.Popen, port: int, log: Path, began: float, timeout: float = 120) -> float:
    while time.monotonic() - began < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server on port {port} exited ({proc.returncode}):\n{log.read_text()[-2000:]}")
        try:
            if http_get(port, "/static/site.css", timeout=2)[0] == 200:
                return time.monotonic() - began
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not answer within {timeout:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    """The server's process group: started by us, in a session of its own."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


async def run_load(ports: list[int], paths: dict[str, list[str]], seconds: float, concurrency: int):
    """(port, kind, latency s, ok) of every request done in `seconds`; connection n goes to ports[n % 2]."""
    records: list[tuple[int, str, float, bool]] = []
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    deadline = time.perf_counter() + min(seconds, MAX_SECONDS)

    async def worker(n: int) -> None:
        port = ports[n % len(ports)]
        conn = Connection(port)
        rng = random.Random(n)
        try:
            while (start := time.perf_counter()) < deadline:
                kind = rng.choices(kinds, weights)[0]
                try:
                    ok = await asyncio.wait_for(conn.get(rng.choice(paths[kind])), timeout=30) == 200
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError,
                        StopIteration, ValueError):
                    ok = False
                    conn.close()
                records.append((port, kind, time.perf_counter() - start, ok))
        finally:
            conn.close()

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return records


async def each_once(port: int, paths: list[str], concurrency: int) -> tuple[list[float], int, float]:
    """Every path once (what a cold cache costs): latencies, failures, seconds."""
    queue = list(reversed(paths))
    latencies: list[float] = []
    failures = 0
    began = time.perf_counter()

    async def worker() -> None:
        nonlocal failures
        conn = Connection(port)
        try:
            while queue:
                path = queue.pop()
                start = time.perf_counter()
                try:
                    failures += await conn.get(path) != 200
                except (OSError, asyncio.IncompleteReadError, StopIteration, ValueError):
                    failures += 1
                    conn.close()
                latencies.append(time.perf_counter() - start)
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, failures, time.perf_counter() - began


def q(latencies: list[float], p: float) -> float:
    s = sorted(latencies)
    return s[min(len(s) - 1, int(p * len(s)))] * 1000 if s else float("nan")


def line(name: str, recs, seconds: float) -> str:
    lat = [r[2] for r in recs]
    errors = sum(not r[3] for r in recs)
    return (f"{name:34} {len(recs) / seconds:8.0f} req/s   p50 {q(lat, 0.5):7.1f} ms   p99 {q(lat, 0.99):7.1f} ms"
            f"   {len(recs):7d} requests   {errors} errors")


def gin_pending(url: str) -> str:
    """Pages in the full-text GIN indexes' pending lists (a search scans them whole; autovacuum empties them)."""
    import psycopg

    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
            sql = "SELECT pending_pages FROM pgstatginindex(%s::regclass)"
            return ", ".join(f"{idx} {conn.execute(sql, (idx,)).fetchone()[0]}"
                             for idx in ("articles_fts", "lemmas_tsv"))
    except psycopg.Error as e:
        return f"unknown ({type(e).__name__})"


def sample_ids(url: str, n: int):
    if url.startswith("postgresql://"):
        import psycopg

        connect = psycopg.connect
    else:
        import sqlite3

        connect = sqlite3.connect
    with connect(url) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM articles WHERE kind IN ('article', 'post') ORDER BY id")]
        stories = [r[0] for r in conn.execute("SELECT id FROM stories ORDER BY id")]
        titles = [r[0] for r in conn.execute("SELECT title FROM articles WHERE kind IN ('article', 'post') "
                                             "ORDER BY id")]
    rng = random.Random(0)
    rng.shuffle(ids)
    rng.shuffle(stories)
    words = []
    while len(words) < 200:
        found = re.findall(r"[А-Яа-яЁё]{5,}", rng.choice(titles))
        if found:
            words.append(" ".join(rng.sample(found, 1 if len(words) % 2 == 0 or len(found) < 2 else 2)))
    return ids[:n], stories[:n], words


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seconds", type=float, default=30.0, help=f"of load, at most {MAX_SECONDS}")
    p.add_argument("--concurrency", type=int, default=16, help="connections, half on each server")
    p.add_argument("--articles", type=int, default=1000, help="distinct articles (and stories) in the mix")
    p.add_argument("--max-wait", type=float, default=180, help="seconds to wait for load < 1.0 before measuring")
    p.add_argument("--backend", choices=["postgres", "sqlite"], default="postgres",
                   help="sqlite: the same two servers over one SQLite file, for comparison")
    args = p.parse_args()
    seconds = min(args.seconds, MAX_SECONDS)

    from pgcluster import Cluster, new_database

    tmp = Path(tempfile.mkdtemp(prefix="svodka-serve-shared-"))
    cluster = Cluster() if args.backend == "postgres" else None
    servers: list[subprocess.Popen] = []
    try:
        if cluster:
            url = new_database(cluster.url)
            print(f"PostgreSQL {cluster.bindir.split('/')[-2]} on {HOST}:{cluster.port}", flush=True)
        else:
            url = str(tmp / "shared.db")
            print(f"SQLite file {url}", flush=True)
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "svodka.cli", "--db", url, "ingest", *map(str, SAMPLE)],
                              cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"ingest failed ({done.returncode}):\n{done.stderr[-2000:]}")
        print(f"ingest (svodka --db URL ingest, analysed and linked): {done.stdout.strip()} "
              f"in {time.perf_counter() - t0:.0f} s", flush=True)

        ports = [free_port(), free_port()]
        while ports[1] == ports[0]:
            ports[1] = free_port()
        logs = [tmp / f"serve-{port}.log" for port in ports]
        began = time.monotonic()
        servers = [start_server(url, port, log) for port, log in zip(ports, logs)]
        for proc, port, log in zip(servers, ports, logs):
            print(f"server on :{port} answers {wait_until_up(proc, port, log, began):.1f} s after both started",
                  flush=True)

        ids, stories, words = sample_ids(url, args.articles)
        paths = {"article": [f"/article/{i}" for i in ids],
                 "related": [f"/api/v1/articles/{i}/related" for i in ids],
                 "search": [f"/api/v1/search?q={quote(w)}" for w in words],
                 "story": [f"/story/{s}" for s in stories],
                 "home": ["/"]}
        print(f"mix: {', '.join(f'{k} {w}%' for k, w in MIX)}; {len(ids)} articles, {len(stories)} stories, "
              f"{len(words)} searches", flush=True)

        load = wait_for_quiet(args.max_wait)
        print(f"load average (1 min) before warming: {load:.2f}", flush=True)
        for port in ports:  # every article page once: each process fills its own related cache
            lat, failures, took = asyncio.run(each_once(port, paths["article"], max(1, args.concurrency // 2)))
            print(f"warm :{port}  article pages once (cold related cache): {len(lat) / took:.0f} req/s, "
                  f"p50 {q(lat, 0.5):.1f} ms, p99 {q(lat, 0.99):.1f} ms, {failures} errors", flush=True)
            asyncio.run(each_once(port, paths["search"] + paths["story"][:200] + ["/"], 4))

        load = wait_for_quiet(args.max_wait)
        print(f"load average (1 min) before the load: {load:.2f}", flush=True)
        if cluster:
            print(f"GIN pending-list pages: {gin_pending(url)}", flush=True)
        records = asyncio.run(run_load(ports, paths, seconds, args.concurrency))
        load_after = os.getloadavg()[0]
        print(f"\n{args.concurrency} connections ({args.concurrency // 2} per server), {seconds:.0f} s, "
              f"load average (1 min) {load:.2f} before, {load_after:.2f} at the end")
        for port in ports:
            print(line(f"server :{port}", [r for r in records if r[0] == port], seconds))
        print(line("total", records, seconds))
        for kind, _ in MIX:
            print(line(f"  {kind}", [r for r in records if r[1] == kind], seconds))

        # the same answers from both processes: 50 API URLs
        rng = random.Random(5)
        api = ([f"/api/v1/articles/{i}" for i in rng.sample(ids, 12)]
               + [f"/api/v1/articles/{i}/related" for i in rng.sample(ids, 15)]
               + [f"/api/v1/search?q={quote(w)}" for w in rng.sample(words, 10)]
               + [f"/api/v1/stories/{s}" for s in rng.sample(stories, 8)]
               + ["/api/v1/stories/top", "/api/v1/stories/top?since=52w", "/api/v1/articles?limit=50",
                  "/api/v1/entities?q=" + quote("путин"),
                  "/api/v1/search?q=" + quote("санкции") + "&limit=100"])
        same, differ = 0, []
        for path in api:
            a, b = http_get(ports[0], path), http_get(ports[1], path)
            if a == b and a[0] == 200:
                same += 1
            else:
                differ.append((path, a[0], b[0], len(a[1]), len(b[1])))
        print(f"identical bodies (and status 200) from both servers: {same} of {len(api)} API URLs")
        for d in differ:
            print("  differs:", *d)
        return 0 if same == len(api) and not any(not r[3] for r in records) else 1
    finally:
        for proc in servers:
            stop_server(proc)
        if cluster:
            cluster.stop()
        for log in tmp.glob("*.log"):
            if log.stat().st_size:
                print(f"--- {log.name} (last lines)", file=sys.stderr)
                print("\n".join(log.read_text().splitlines()[-5:]), file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
