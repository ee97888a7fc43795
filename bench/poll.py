"""Polling speed: 200 feeds of 20 items on 200 loopback hosts (127.0.0.2 ...), polled concurrently, for a few rounds.

Round 1 finds every item new; then each feed gains --fresh items per round (the oldest drop off, as on a real feed);
the last round changes nothing, so every feed answers 304. Prints, per round, the HTTP phase (fetch + parse) in
feeds/s, the store phase (ingest + analysis + linking) in new items/s, and at the end the peak memory.

Run: .venv/bin/python bench/poll.py [--feeds 200] [--rounds 3] [--concurrency 16]
"""
import argparse
import asyncio
import random
import resource
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.sources import poller  # noqa: E402
from svodka.sources.poller import Fetcher, PollConfig, poll_due  # noqa: E402
from svodka.sources.registry import Registry  # noqa: E402
from svodka.store.sqlite import SQLiteStore  # noqa: E402

SENTENCES = [
    "Центральный банк России сохранил ключевую ставку на уровне {n}% годовых.",
    "Мэр Москвы Сергей Собянин открыл {n} новых станций метро на юго-западе города.",
    "Сборная России по хоккею обыграла команду Казахстана в матче в Новосибирске, забросив {n} шайб.",
    "Правительство выделило {n} млрд рублей на ремонт школ в регионах.",
    "Синоптики пообещали москвичам снегопад и похолодание до минус {n} градусов.",
    "Министерство иностранных дел Франции вызвало посла по поводу заявления от {n} марта.",
    "В Санкт-Петербурге задержали {n} участников несанкционированной акции.",
    "Компания «Газпром» увеличила экспорт газа в Китай на {n}% за квартал.",
]


class Feeds:
    """Each feed shows its newest 20 items; `advance` publishes more."""

    def __init__(self, n_feeds: int, per_feed: int = 20):
        self.per_feed = per_feed
        self.counts = [per_feed] * n_feeds
        self.bodies: list[bytes] = [b""] * n_feeds
        for f in range(n_feeds):
            self.render(f)

    def advance(self, fresh: int) -> None:
        for f in range(len(self.counts)):
            self.counts[f] += fresh
            self.render(f)

    def render(self, f: int) -> None:
        now = datetime.now(timezone.utc)
        items = []
        for i in range(self.counts[f] - self.per_feed, self.counts[f]):
            rng = random.Random(f * 100_000 + i)
            text = " ".join(s.format(n=rng.randint(2, 999)) for s in rng.sample(SENTENCES, 3))
            link = f"http://feed{f}.example/news/{i}"
            items.append(f"<item><title>Лента {f}, новость {i}: {text[:60]}</title><link>{link}</link>"
                         f"<guid>{link}</guid><pubDate>{format_datetime(now - timedelta(minutes=i % 50))}</pubDate>"
                         f"<description>{text} Выпуск {f}-{i}.</description></item>")
        self.bodies[f] = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                          f"<title>Лента {f}</title>{''.join(items)}</channel></rss>").encode()

    def etag(self, f: int) -> str:
        return f'"{self.counts[f]}"'


def serve(feeds: Feeds, f: int, host: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.headers.get("If-None-Match") == feeds.etag(f):
                self.send_response(304)
                self.end_headers()
                return
            body = feeds.bodies[f]
            self.send_response(200)
            self.send_header("ETag", feeds.etag(f))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer((host, 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


async def round_(store, config: PollConfig, now: datetime) -> tuple[float, float, int, int]:
    """(HTTP seconds, store seconds, feeds polled, new items); the store phase starts at the first store_result."""
    marks = []
    store_result = poller.store_result

    def timed(*args, **kwargs):
        if not marks:
            marks.append(time.perf_counter())
        return store_result(*args, **kwargs)

    from svodka.link.linker import Linker

    poller.store_result = timed
    fetcher = Fetcher(config)
    start = time.perf_counter()
    try:
        results = await poll_due(store, fetcher, Linker(store), now=now)
    finally:
        poller.store_result = store_result
        await fetcher.aclose()
    end = time.perf_counter()
    bad = [r.record.status for r in results if not r.record.ok]
    if bad:
        print(f"  {len(bad)} failed, e.g. {bad[0]}")
    http_end = marks[0] if marks else end
    return http_end - start, end - http_end, len(results), sum(r.record.new_items for r in results)


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3, help="rounds with new items, then one round of 304s")
    ap.add_argument("--fresh", type=int, default=5, help="new items per feed between rounds")
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()

    feeds = Feeds(args.feeds)
    servers = [serve(feeds, f, f"127.0.{f // 250}.{f % 250 + 2}") for f in range(args.feeds)]
    config = PollConfig(concurrency=args.concurrency)
    from svodka.understand.analyze import analyze

    analyze("Прогрев моделей.")  # model loading is not polling: keep it out of the first round
    print(f"memory with the models loaded (max RSS) {max_rss_mb():.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(str(Path(tmp) / "poll.db"))
        registry = Registry(store)
        for s in servers:
            host, port = s.server_address
            registry.add(f"http://{host}:{port}/feed", every=600)
        now = datetime.now(timezone.utc)
        print(f"{args.feeds} feeds, {feeds.per_feed} items each, concurrency {args.concurrency}")
        for n in range(args.rounds + 1):
            if 0 < n < args.rounds:
                feeds.advance(args.fresh)
            now += timedelta(hours=1)
            http_s, store_s, polled, new = asyncio.run(round_(store, config, now))
            what = "all 304" if n == args.rounds else f"{new} new items"
            rate = f"{new / store_s:6.1f} new items/s" if new else ""
            print(f"round {n + 1}: {polled} feeds, {what}: HTTP {http_s:5.2f} s = {polled / http_s:6.1f} feeds/s; "
                  f"store {store_s:6.2f} s {rate}")
        print(f"stored {store.count()} articles")
        store.close()
    for s in servers:
        s.shutdown()
        s.server_close()
    print(f"peak memory (max RSS) {max_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
