"""What the poller and `svodka ingest URL` fetch when third-party content steers them: loopback servers play the
attacker (an internal page, a redirecting feed, a slow drip, a gzip bomb)."""
import argparse
import asyncio
import gzip
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from svodka.ingest import read
from svodka.model import Article, IngestError
from svodka.sources.cli import parse_interval
from svodka.sources.fetch import ALLOW_PRIVATE_ENV, FetchError, Fetcher, PollConfig, fetch, is_internal
from svodka.sources.poller import poll_due
from svodka.sources.registry import MAX_EVERY, Registry
from svodka.store.sqlite import SQLiteStore

FAST = PollConfig(connect_timeout=1.0, read_timeout=0.5, request_timeout=1.0, source_timeout=5.0, retries=1,
                  backoff=0.05, host_delay=0.01, max_body=64 * 1024)
TEXT = "Центральный банк России сохранил ключевую ставку на уровне 21%. Регулятор объяснил решение инфляцией."
PAGE = ("<!doctype html><html><head><title>Страница</title></head><body><article><h1>Ставка сохранена</h1>"
        "<p>Центральный банк России в пятницу сохранил ключевую ставку на уровне 21% годовых, сообщила "
        "пресс-служба регулятора.</p><p>Председатель банка Эльвира Набиуллина объяснила решение тем, что "
        "инфляция остаётся высокой.</p></article></body></html>").encode()


class Server:
    """A loopback HTTP server: path -> (status, headers, body), or a callable that answers the request itself."""

    def __init__(self, host: str):
        self.routes: dict = {}
        self.hits: list[str] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits.append(self.path)
                route = server.routes.get(self.path, (404, {}, b"not found"))
                if callable(route):
                    return route(self)
                status, headers, body = route
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.stopping = self.stopping
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def feeds():
    s = Server("127.0.0.1")  # the registered source
    yield s
    s.close()


@pytest.fixture
def internal():
    s = Server("127.0.0.2")  # what must stay out of reach: an admin page, a metadata service
    s.routes["/secret"] = (200, {"Content-Type": "text/html"}, PAGE.replace("Ставка".encode(), b"SECRET"))
    yield s
    s.close()


@pytest.fixture
def db(tmp_path):
    store = SQLiteStore(str(tmp_path / "f.db"))
    yield store
    store.close()


def rss(links: list[str]) -> bytes:
    now = datetime.now(timezone.utc)
    items = "".join(f"<item><title>Новость {n}: ставка</title><link>{link}</link><guid>{link}</guid>"
                    f"<pubDate>{format_datetime(now - timedelta(minutes=n))}</pubDate>"
                    f"<description>{TEXT} ({n})</description></item>" for n, link in enumerate(links, 1))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Лента</title>'
            f"<link>http://example.org/</link>{items}</channel></rss>").encode()


def feed_route(links):
    return 200, {"Content-Type": "application/rss+xml"}, rss(links)


def poll(store, config=FAST):
    async def run():
        fetcher = Fetcher(config)
        try:
            return await poll_due(store, fetcher, analyze=False)
        finally:
            await fetcher.aclose()
    return asyncio.run(run())


def drip(handler):
    """Headers at once, then a byte every 0.1 s: no read ever times out."""
    try:
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        for _ in range(300):
            if handler.server.stopping.is_set():
                return
            handler.wfile.write(b"<")
            handler.wfile.flush()
            time.sleep(0.1)
    except (BrokenPipeError, ConnectionResetError):
        pass


def test_addresses_judged_by_where_they_lead():
    import ipaddress

    for internal_ip in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "fe80::1",
                        "::ffff:127.0.0.1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::", "224.0.0.1"):
        assert is_internal(ipaddress.ip_address(internal_ip)), internal_ip
    for public in ("8.8.8.8", "2a00:1450:4010::1", "77.88.55.242"):
        assert not is_internal(ipaddress.ip_address(public)), public


def test_full_text_never_fetches_internal_pages_the_feed_points_at(feeds, internal, db):
    port = feeds.base.rsplit(":", 1)[1]
    feeds.routes["/robots.txt"] = (404, {}, b"")
    feeds.routes["/news/1.html"] = (200, {"Content-Type": "text/html"}, PAGE)
    feeds.routes["/feed"] = feed_route([
        feeds.base + "/news/1.html",  # the source's own origin: fetched
        internal.base + "/secret",  # another loopback address
        f"http://localhost:{port}/news/1.html",  # the source's own server under another name: another origin
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    ])
    Registry(db).add(feeds.base + "/feed", full_text=True)

    (r,) = poll(db)
    assert r.record.ok and r.record.new_items == 4, r.record
    assert internal.hits == [] and feeds.hits.count("/news/1.html") == 1
    assert r.record.status.startswith("ok; 3 kept the feed's text: ") and "refused" in r.record.status
    texts = {a.url: a.text for a in db.list()}
    assert "Набиуллина" in texts[feeds.base + "/news/1.html"]
    assert all("SECRET" not in t and TEXT in t for u, t in texts.items() if u != feeds.base + "/news/1.html")


def test_a_redirect_into_an_internal_address_or_another_scheme_is_a_permanent_error(feeds, internal, db):
    internal.routes["/feed"] = feed_route([internal.base + "/secret"])
    feeds.routes["/moved"] = (302, {"Location": internal.base + "/feed"}, b"")
    feeds.routes["/file"] = (301, {"Location": "file:///etc/passwd"}, b"")
    feeds.routes["/gopher"] = (307, {"Location": "gopher://127.0.0.1:70/_x"}, b"")
    reg = Registry(db)
    ids = {p: reg.add(feeds.base + p).id for p in ("/moved", "/file", "/gopher")}

    poll(db)
    errors = {p: reg.get(i).last_error for p, i in ids.items()}
    assert internal.hits == [] and db.count() == 0
    assert errors["/moved"].startswith(f"refused {internal.base}/feed: 127.0.0.2 is at internal address"), errors
    assert "only http(s) URLs are fetched, not file:" in errors["/file"]
    assert "not gopher:" in errors["/gopher"]
    assert all(feeds.hits.count(p) == 1 for p in ids)  # no retry: a refusal is not transient


def test_the_operator_may_allow_internal_networks(feeds, internal, db, monkeypatch):
    internal.routes["/feed"] = feed_route([internal.base + "/a"])
    feeds.routes["/moved"] = (302, {"Location": internal.base + "/feed"}, b"")
    source = Registry(db).add(feeds.base + "/moved")
    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "10.0.0.0/8, 127.0.0.2/32")

    (r,) = poll(db)
    assert r.record.ok and r.record.new_items == 1, r.record
    assert internal.hits == ["/feed"] and Registry(db).get(source.id).last_error is None


def test_ingest_url_follows_no_redirect_inside(feeds, internal, monkeypatch):
    feeds.routes["/page"] = (200, {"Content-Type": "text/html"}, PAGE)
    feeds.routes["/go"] = (302, {"Location": internal.base + "/secret"}, b"")
    feeds.routes["/here"] = (302, {"Location": "/page"}, b"")

    (err,) = read([feeds.base + "/go"])
    assert isinstance(err, IngestError) and err.reason.startswith("fetch failed: refused ")
    assert internal.hits == []
    (ok,) = read([feeds.base + "/here"])  # the URL the operator named is trusted, redirects within it too
    assert isinstance(ok, Article) and "Набиуллина" in ok.text

    monkeypatch.setenv(ALLOW_PRIVATE_ENV, "1")
    (secret,) = read([feeds.base + "/go"])
    assert isinstance(secret, Article) and "SECRET" in secret.title + secret.text


def test_a_slow_drip_meets_the_deadline_and_does_not_hold_its_host(feeds, db, monkeypatch):
    feeds.routes["/drip"] = drip
    feeds.routes["/good"] = feed_route([feeds.base + "/g/1"])
    reg = Registry(db)
    slow = reg.add(feeds.base + "/drip")  # first in line at the host
    good = reg.add(feeds.base + "/good")

    results = {r.source.id: r for r in poll(db)}
    assert results[good.id].record.ok and results[good.id].seconds < 0.8, results[good.id]
    assert 0.9 < results[slow.id].seconds < 2.5
    assert reg.get(slow.id).last_error == f"{feeds.base}/drip: no complete answer within 1 s"

    started = time.monotonic()
    with pytest.raises(FetchError, match="no complete answer within 1 s"):
        fetch(feeds.base + "/drip", FAST)
    assert time.monotonic() - started < 2.5


def test_a_gzip_bomb_stops_at_the_body_limit(feeds):
    bomb = gzip.compress(b"\0" * (8 * 2**20))
    feeds.routes["/bomb"] = (200, {"Content-Encoding": "gzip", "Content-Type": "text/html"}, bomb)
    assert len(bomb) < FAST.max_body
    with pytest.raises(FetchError, match="response larger than the 64 KB limit"):
        fetch(feeds.base + "/bomb", FAST)


def test_poll_intervals_beyond_a_year_are_refused_and_old_rows_do_not_break_watch(db):
    with pytest.raises(argparse.ArgumentTypeError, match="at least one poll a year"):
        parse_interval("99999999d")
    with pytest.raises(argparse.ArgumentTypeError, match="at least one poll a year"):
        parse_interval("9" * 5000)
    assert parse_interval("366d") == MAX_EVERY
    reg = Registry(db)
    source = reg.add("http://127.0.0.1:9/feed", every=99999999 * 86400)  # written before the check existed
    poll(db, FAST)
    assert reg.get(source.id).consecutive_failures == 1
