"""Serving speed: the article page and the related API under load, over the bundled sample, on loopback only.

    .venv/bin/python bench/serve.py [--db /tmp/svodka-bench.db] [--workers 1] [--seconds 8] [--concurrency 16]

Starts the app factory under uvicorn (1 or more pre-forked workers) on a free 127.0.0.1 port, warms each article once (a
process caches related lists), then for each target keeps `concurrency` keep-alive connections busy for
`seconds` and prints requests/s, p50 and p99. The load generator is a minimal asyncio HTTP/1.1 client: httpx
would spend more CPU than the server on this two-core machine and measure itself.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = [ROOT / "svodka" / "sample" / "seed_page.txt", ROOT / "svodka" / "sample" / "telegram_news.jsonl"]
HOST = "127.0.0.1"
MAX_SECONDS = 20


def build_db(path: str) -> None:
    if Path(path).exists():
        return
    print(f"building {path} from the sample (a minute or two)…", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "svodka.cli", "--db", path, "ingest", *map(str, SAMPLE)], check=True,
                   stdout=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# uvicorn's own --workers binds its socket without IPPROTO_TCP, so asyncio skips TCP_NODELAY on every connection
# and each response waits out the client's delayed ACK (~40 ms): pre-fork over a socket made here instead.
PREFORK = """
import os, socket, sys, uvicorn
host, port, workers = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind((host, port))
sock.listen(2048)
for _ in range(workers - 1):
    if os.fork() == 0:
        break
config = uvicorn.Config("svodka.serve.app:create_app", factory=True, log_level="warning", access_log=False)
uvicorn.Server(config).run(sockets=[sock])
"""


def start_server(db: str, port: int, workers: int) -> subprocess.Popen:
    env = {**os.environ, "SVODKA_DB": db}
    proc = subprocess.Popen([sys.executable, "-c", PREFORK, HOST, str(port), str(workers)], env=env,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(f"GET /static/site.css HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode())
                if s.recv(12).endswith(b"200"):
                    return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(proc)
    raise SystemExit("the server did not start within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    """The server and the workers it forked: one process group, started by us."""
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


class Connection:
    """One keep-alive HTTP/1.1 connection: GET, read the headers, read Content-Length bytes."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer:
            self.writer.close()
        self.reader = self.writer = None


async def load(port: int, paths: list[str], seconds: float, concurrency: int) -> tuple[list[float], int]:
    """Latencies (s) of the requests done in `seconds`, and how many failed."""
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + min(seconds, MAX_SECONDS)

    async def worker(n: int) -> None:
        nonlocal failures
        conn = Connection(port)
        rng = random.Random(n)
        try:
            while (start := time.perf_counter()) < deadline:
                status = await conn.get(rng.choice(paths))
                latencies.append(time.perf_counter() - start)
                failures += status != 200
        finally:
            conn.close()

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return latencies, failures


async def each_once(port: int, paths: list[str], concurrency: int) -> tuple[list[float], int, float]:
    """Request every path once (what a cold cache costs): latencies, failures, and the seconds it took."""
    queue = list(reversed(paths))
    latencies: list[float] = []
    failures = 0
    began = time.perf_counter()

    async def worker() -> None:
        nonlocal failures
        conn = Connection(port)
        try:
            while queue and time.perf_counter() - began < MAX_SECONDS:
                start = time.perf_counter()
                failures += await conn.get(queue.pop()) != 200
                latencies.append(time.perf_counter() - start)
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, failures, time.perf_counter() - began


def report(name: str, latencies: list[float], failures: int, seconds: float) -> None:
    latencies.sort()

    def ms(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    print(f"{name:28} {len(latencies) / seconds:7.0f} req/s   p50 {ms(0.5):6.1f} ms   p99 {ms(0.99):6.1f} ms"
          f"   ({len(latencies)} requests, {failures} not 200)", flush=True)


def article_ids(db: str, n: int) -> list[str]:
    with sqlite3.connect(db) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM articles WHERE kind IN ('article', 'post')")]
    random.Random(0).shuffle(ids)
    return ids[:n]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="/tmp/svodka-bench.db")
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seconds", type=float, default=8.0, help=f"per target, at most {MAX_SECONDS}")
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--articles", type=int, default=1000, help="distinct articles requested")
    args = p.parse_args()
    build_db(args.db)
    ids = article_ids(args.db, args.articles)
    port = free_port()
    server = start_server(args.db, port, args.workers)
    try:
        seconds = min(args.seconds, MAX_SECONDS)
        print(f"{args.workers} worker(s), {args.concurrency} connections, {len(ids)} articles, {seconds:.0f} s each")
        report("article page, cold cache", *asyncio.run(each_once(port, [f"/article/{i}" for i in ids],
                                                                   args.concurrency)))
        # each worker has its own cache and the kernel picks the worker per connection: a few more passes, each
        # on new connections, leave few pages unseen by a worker
        for _ in range(3 * (args.workers - 1)):
            asyncio.run(each_once(port, [f"/article/{i}" for i in ids], args.concurrency))
        targets = {"article page /article/{id}": [f"/article/{i}" for i in ids],
                   "related API": [f"/api/v1/articles/{i}/related" for i in ids],
                   "home page /": ["/"]}
        for name, paths in targets.items():
            latencies, failures = asyncio.run(load(port, paths, seconds, args.concurrency))
            report(name, latencies, failures, seconds)
    finally:
        stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
