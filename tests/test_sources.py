"""Sources and the poller against a loopback server whose feeds and pages change between polls."""
import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from svodka.sources.poller import Fetcher, PollConfig, poll_due, start_background
from svodka.sources.registry import MAX_BACKOFF, Registry, backoff_seconds
from svodka.store.sqlite import SQLiteStore

FAST = PollConfig(connect_timeout=1.0, read_timeout=0.5, source_timeout=3.0, retries=1, backoff=0.05,
                  host_delay=0.01, max_body=64 * 1024)
TEXTS = [
    "Центральный банк России сохранил ключевую ставку на уровне 21%. Регулятор объяснил решение высокой инфляцией.",
    "В Москве открылась новая станция метро. Мэр города Сергей Собянин заявил, что линия разгрузит центр.",
    "Сборная России по хоккею обыграла команду Казахстана со счётом 5:2 в товарищеском матче в Новосибирске.",
    "Правительство выделило 10 млрд рублей на ремонт школ в регионах. Работы завершат до конца года.",
    "Синоптики пообещали москвичам снегопад и похолодание до минус 15 градусов в выходные.",
]


# -- a loopback server


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    etag: str | None = None
    delay: float = 0.0
    fail_first: int = 0  # answer 503 this many times before the real answer


class Site:
    def __init__(self, host: str):
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.requests.append((self.path, dict(self.headers)))
                route = site.routes.get(self.path)
                if route is None:
                    return self.answer(404, b"not found")
                if route.delay:
                    time.sleep(route.delay)
                if route.fail_first:
                    route.fail_first -= 1
                    return self.answer(503, b"busy")
                if route.etag and self.headers.get("If-None-Match") == route.etag:
                    return self.answer(304, b"")
                extra = dict(route.headers, **({"ETag": route.etag} if route.etag else {}))
                self.answer(route.status, route.body, extra)

            def answer(self, status, body, headers=None):
                try:
                    self.send_response(status)
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the poller gave up on a slow answer
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        return [p for p, _ in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    s = Site("127.0.0.1")
    yield s
    s.close()


@pytest.fixture
def other_site():
    s = Site("127.0.0.2")  # another host: the per-host queue must not tie it to `site`
    yield s
    s.close()


@pytest.fixture
def db(tmp_path):
    store = SQLiteStore(str(tmp_path / "w.db"))
    yield store
    store.close()


def rss(items, title="Лента", encoding="utf-8") -> bytes:
    now = datetime.now(timezone.utc)
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=10 + n))}</pubDate><description>{text}</description></item>"
        for n, (link, t, text) in enumerate(items))
    doc = (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel><title>{title}</title>'
           f"<link>http://example.org/</link>{entries}</channel></rss>")
    return doc.encode(encoding)


def item(site, n: int, path: str = "/news/{n}.html"):
    return site.base + path.format(n=n), f"Новость номер {n}: {TEXTS[n % 5][:40]}", TEXTS[n % 5]


def poll(store, config=FAST, now=None):
    async def run():
        fetcher = Fetcher(config)
        try:
            return await poll_due(store, fetcher, now=now)
        finally:
            await fetcher.aclose()
    return asyncio.run(run())


def later(hours: float) -> datetime:
    return datetime.now(timezone.utc) + timedelta(hours=hours)


# -- tests


def test_new_items_then_304_then_more_and_republished_stored_once(site, db):
    site.routes["/feed"] = Route(rss([item(site, 1), item(site, 2)]), etag='"v1"')
    reg = Registry(db)
    source = reg.add(site.base + "/feed", name="Тестовая лента", every=600)

    (r,) = poll(db)
    assert r.record.ok and r.record.new_items == 2, r.record
    assert {a.source for a in db.list()} == {"Тестовая лента"}
    assert db.analysis(db.list()[0].id) is not None  # analysed on the way in, like files

    assert poll(db) == []  # not due yet: the interval is respected
    (r,) = poll(db, now=later(1))
    assert r.record.status == "not modified" and r.record.new_items == 0
    assert site.requests[-1][1]["If-None-Match"] == '"v1"'
    assert site.requests[-1][1]["User-Agent"] == "Svodka/0.1 (+news desk)"

    # a new item, and item 1 re-published with a new date: only the new one is stored
    site.routes["/feed"] = Route(rss([item(site, 3), item(site, 1)]), etag='"v2"')
    (r,) = poll(db, now=later(2))
    assert r.record.new_items == 1 and db.count() == 3

    health = reg.health(reg.get(source.id))
    assert health["items_last_day"] == 3 and health["consecutive_failures"] == 0
    assert health["last_success"] and health["last_error"] is None
    assert datetime.fromisoformat(health["next_poll_at"]) > later(2)


def test_failures_back_off_and_recover(site, db):
    site.routes["/feed"] = Route(b"oops", status=500)
    reg = Registry(db)
    source = reg.add(site.base + "/feed", every=600)

    (r,) = poll(db)
    assert not r.record.ok and r.record.status == "HTTP 500 Internal Server Error (after 2 tries)"
    assert site.paths().count("/feed") == 2  # one retry: 5xx is transient
    first = reg.get(source.id)
    assert first.consecutive_failures == 1 and first.last_error.startswith("HTTP 500")

    t = later(10)
    poll(db, now=t)
    second = reg.get(source.id)
    assert second.consecutive_failures == 2
    wait = (datetime.fromisoformat(second.next_poll_at) - t).total_seconds()
    assert 0.9 * 600 * 4 <= wait <= 1.1 * 600 * 4  # doubled per failure in a row
    assert db.count() == 0

    site.routes["/feed"] = Route(rss([item(site, 1)]), fail_first=1)  # one 503, then fine: retried within the poll
    (r,) = poll(db, now=later(20))
    assert r.record.ok and r.record.new_items == 1
    healed = reg.health(reg.get(source.id))
    assert healed["consecutive_failures"] == 0 and healed["last_error"].startswith("HTTP 500")


def test_backoff_is_capped():
    assert backoff_seconds(600, 0) == 600
    assert backoff_seconds(600, 30) <= MAX_BACKOFF * 1.1


def test_bad_sources_do_not_delay_the_good_ones(site, other_site, db):
    other_site.routes["/slow"] = Route(rss([item(other_site, 4)]), delay=5)
    site.routes["/good"] = Route(rss([item(site, 1), item(site, 2)]))
    site.routes["/big"] = Route(b"<rss>" + b"x" * 200_000)
    site.routes["/broken"] = Route("<?xml version='1.0'?><rss><channel><title>Лента</title> && <<< >".encode())
    site.routes["/loop-a"] = Route(status=302, headers={"Location": "/loop-b"})
    site.routes["/loop-b"] = Route(status=302, headers={"Location": "/loop-a"})
    cp1251 = [(site.base + "/cp/1", "Курс рубля укрепился к доллару", TEXTS[0])]
    site.routes["/cp1251"] = Route(rss(cp1251, title="Старый сайт", encoding="windows-1251"))
    reg = Registry(db)
    ids = {name: reg.add(site.base + "/" + name, every=600).id for name in ("good", "big", "broken", "loop-a", "cp1251")}
    ids["slow"] = reg.add(other_site.base + "/slow", every=600).id

    results = {r.source.id: r for r in poll(db)}
    # HTTP time per source (storing and analysis come after): the slow host's two tries take ~1.1 s, beside the rest
    assert results[ids["good"]].seconds < 0.5 and results[ids["good"]].record.new_items == 2
    assert 0.9 < results[ids["slow"]].seconds < 2.0
    assert max(r.seconds for i, r in results.items() if i != ids["slow"]) < 0.5

    errors = {name: reg.get(i).last_error for name, i in ids.items()}
    assert errors["good"] is None and errors["cp1251"] is None
    assert errors["slow"].startswith("timed out: ReadTimeout")
    assert errors["big"] == "response larger than the 64 KB limit (195 KB declared)"
    assert "/broken: not a valid RSS/Atom feed: " in errors["broken"] and "not well-formed" in errors["broken"]
    assert errors["loop-a"].startswith("redirect loop: ") and errors["loop-a"].endswith("/loop-a")
    titles = {a.title for a in db.list()}
    assert "Курс рубля укрепился к доллару" in titles and {a.source for a in db.list()} == {"Лента", "Старый сайт"}
    assert db.count() == 3


ARTICLE_PAGE = """<!doctype html><html><head><title>Полная версия</title>
<meta property="article:published_time" content="2025-03-01T10:00:00+03:00"></head>
<body><nav>Главная | Политика | Экономика</nav><article><h1>Ставка сохранена на прежнем уровне</h1>
<p>Центральный банк России в пятницу сохранил ключевую ставку на уровне 21% годовых, сообщила пресс-служба.</p>
<p>Председатель банка Эльвира Набиуллина объяснила решение тем, что инфляция остаётся высокой и устойчивой.</p>
<p>Аналитики ожидали такого решения: большинство опрошенных экономистов прогнозировали паузу до лета.</p>
</article><footer>© Редакция</footer></body></html>"""


def test_full_text_fetches_pages_but_not_those_robots_forbids(site, db):
    site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n")
    site.routes["/news/1.html"] = Route(ARTICLE_PAGE.encode())
    site.routes["/feed"] = Route(rss([item(site, 1), item(site, 2, "/private/{n}.html")]))
    reg = Registry(db)
    reg.add(site.base + "/feed", every=600, full_text=True)

    (r,) = poll(db)
    assert r.record.new_items == 2
    assert r.record.status.startswith("ok; 1 kept the feed's text: robots.txt disallows ")
    assert "/private/2.html" not in site.paths() and site.paths().count("/robots.txt") == 1
    by_url = {a.url: a for a in db.list()}
    full = by_url[site.base + "/news/1.html"]
    assert "Набиуллина" in full.text and "Главная" not in full.text  # the page's article, not the feed summary
    assert full.published_at == datetime(2025, 3, 1, 7, tzinfo=timezone.utc)  # the page's date wins
    assert by_url[site.base + "/private/2.html"].text == TEXTS[2]  # the feed's own text

    poll(db, now=later(1))  # stored items are not fetched again
    assert site.paths().count("/news/1.html") == 1


def svodka(*args, db):
    env = dict(os.environ)
    env.pop("SVODKA_DB", None)
    return subprocess.run([sys.executable, "-m", "svodka.cli", "--db", db, *args], capture_output=True, text=True,
                          env=env, timeout=120)


def test_cli_add_list_watch_once_remove(site, tmp_path):
    db = str(tmp_path / "cli.db")
    site.routes["/feed"] = Route(rss([item(site, 1), item(site, 3)]))
    r = svodka("sources", "add", site.base + "/feed", "--name", "Лента", "--every", "10m", db=db)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["every"] == 600
    assert svodka("sources", "add", site.base + "/feed", db=db).returncode == 1  # registered already
    assert "at most one poll a minute" in svodka("sources", "add", site.base + "/x", "--every", "5s", db=db).stderr

    r = svodka("watch", "--once", db=db)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) | {"seconds": 0} == {"source": 1, "url": site.base + "/feed", "ok": True,
                                                    "status": "ok", "new_items": 2, "seconds": 0}
    (row,) = [json.loads(line) for line in svodka("sources", "list", "--json", db=db).stdout.splitlines()]
    assert row["items_last_day"] == 2 and row["consecutive_failures"] == 0 and row["last_success"]
    assert row["next_poll_at"] > row["last_success"]

    assert svodka("sources", "remove", "1", db=db).returncode == 0
    assert svodka("sources", "list", "--json", db=db).stdout == ""
    assert "2 shown" in svodka("list", db=db).stdout  # the articles stay


def test_background_poller_stops_when_asked(site, tmp_path):
    path = str(tmp_path / "bg.db")
    site.routes["/feed"] = Route(rss([item(site, 2)]))
    store = SQLiteStore(path)
    source = Registry(store).add(site.base + "/feed", every=600)

    thread, stop = start_background(path, FAST)
    deadline = time.monotonic() + 30
    while Registry(store).get(source.id).last_success is None and time.monotonic() < deadline:
        time.sleep(0.1)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert store.count() == 1
    store.close()


def test_watch_stops_cleanly_on_sigterm(site, tmp_path):
    db = str(tmp_path / "sig.db")
    site.routes["/feed"] = Route(rss([item(site, 4)]))
    assert svodka("sources", "add", site.base + "/feed", db=db).returncode == 0
    env = dict(os.environ, SVODKA_DB=db)
    proc = subprocess.Popen([sys.executable, "-m", "svodka.cli", "watch"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        first = proc.stdout.readline()  # the first round is stored before its line is printed
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
    assert json.loads(first)["new_items"] == 1
    assert "stopping after the current round" in proc.stderr.read()


def test_full_text_pages_beyond_the_limit_wait_for_the_next_poll(site, db):
    from dataclasses import replace

    site.routes["/robots.txt"] = Route(status=404)  # no robots.txt: everything allowed
    for n in (1, 2, 3):
        site.routes[f"/news/{n}.html"] = Route(ARTICLE_PAGE.replace("Набиуллина", f"Набиуллина ({n})").encode())
    site.routes["/feed"] = Route(rss([item(site, 1), item(site, 2), item(site, 3)]), etag='"v1"')
    Registry(db).add(site.base + "/feed", every=600, full_text=True)
    two = replace(FAST, pages_per_poll=2)

    (r,) = poll(db, two)
    assert r.record.new_items == 2 and r.record.etag is None  # no ETag kept: the feed must come whole again
    (r,) = poll(db, two, now=later(1))
    assert r.record.new_items == 1 and r.record.etag == '"v1"'
    assert all("Набиуллина (" in a.text for a in db.list())
