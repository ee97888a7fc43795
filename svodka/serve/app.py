"""The web app: one store and one linker per process, shared by the site (web.py) and the API (api.py).

Every read of the store and the linker happens on the event loop thread (the handlers are `async def`), so the
linker's in-memory state and the SQLite connection are never used by two threads at once. Only ingestion runs in
the threadpool, on its own connection (WAL lets the site keep reading); the new articles are then linked back on
the loop in small batches, so a large ingest pauses the site for one batch at a time.

Several processes may serve one store (PostgreSQL across machines; SQLite on one): one of them at a time links
(store.try_lead); every process follows the store every few seconds (Desk.link_new), taking the new link data and
stories into its own index, so all of them give the same answers.
"""
from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..model import Analysis, Article, IngestError, Related, Story
from ..store import db_location, open_store

STATIC = Path(__file__).resolve().parent / "static"
RELATED_K = 10
RELATED_CACHE = 50_000  # lists of ~10 items: tens of MB at most
TOP_CACHE = 256
LINK_BATCH = 50
LIST_KINDS = ("article", "post")
BASE_URL_ENV = "SVODKA_BASE_URL"  # the site's public address, for links in feeds: never the request's Host header
DEFAULT_BASE_URL = "http://127.0.0.1:8000"

SECURITY_HEADERS = [
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
     b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]


@dataclass
class Item:
    """An article as a list shows it: no body."""
    id: str
    kind: str
    source: str
    title: str
    lead: str
    url: str | None
    published_at: datetime | None
    rubric: str | None  # the feed rubric code
    more_sources: int = 0  # other sources whose copies of this text the list folded into it


def _item(row: tuple) -> Item:
    aid, kind, source, title, lead, url, published, rubric = row
    return Item(aid, kind, source, title, lead, url, datetime.fromisoformat(published) if published else None,
                rubric)


class Desk:
    """What the site and the API read: the store, the linker, and the caches in front of them."""

    def __init__(self, db: str | None = None):
        from ..link.linker import Linker

        self.path = db_location(db)
        self.store = open_store(self.path)
        self.linker = Linker(self.store)
        self.related_cache: OrderedDict[str, tuple[int, list[Related]]] = OrderedDict()
        self.top_cache: dict[tuple, list[Story]] = {}
        self.sources_cache: list[tuple[str, int]] | None = None
        self.ingest_lock = threading.Lock()
        self.stats = {"ingested": 0, "linked": 0}  # by this process, for /metrics
        self.changed_at = datetime.now(timezone.utc)  # when pages last changed: their Last-Modified

    def close(self) -> None:
        self.store.close()

    def warm(self) -> None:
        """Load the lemmatiser and the pair model now, not on a reader's first search or related list."""
        from ..link.similarity import pair_model
        from ..understand.lemmas import lemmas

        lemmas("проверка")
        pair_model()

    # -- articles

    def article(self, article_id: str) -> tuple[Article, Analysis | None] | None:
        article = self.store.get(article_id)
        return (article, self.store.analysis(article.id)) if article else None  # an old id finds the new one

    def items(self, limit: int = 30, offset: int = 0, rubric: str | None = None, source: str | None = None,
              since: datetime | None = None, until: datetime | None = None,
              kinds: tuple[str, ...] = LIST_KINDS) -> list[Item]:
        return self._folded([_item(r) for r in self.store.items(limit, offset, rubric=rubric, source=source,
                                                                since=since, until=until, kinds=kinds)])

    def _folded(self, items: list[Item]) -> list[Item]:
        """The items with the count of sources whose copies they stand for (the lists show one of each text)."""
        folded = self.store.folded_sources([i.id for i in items]) if items else {}
        for item in items:
            item.more_sources = folded.get(item.id, 0)
        return items

    def items_by_id(self, ids: list[str]) -> list[Item]:
        """In the order of `ids`."""
        found = {r[0]: _item(r) for r in self.store.items_by_id(ids)}
        return [found[i] for i in ids if i in found]

    def search(self, query: str, limit: int = 30, offset: int = 0, rubric: str | None = None,
               source: str | None = None, since: datetime | None = None, until: datetime | None = None) -> list[Item]:
        """Russian morphology: the query's lemmas against the stored lemmas; all words, or any when none has all."""
        from ..understand.lemmas import lemmas

        words = list(dict.fromkeys(lemmas(query)))
        found: list[Item] = []
        for any_term in (False, True) if len(words) > 1 else (False,):
            found = [_item(r) for r in self.store.search_items(words, any_term, limit, offset, rubric=rubric,
                                                               source=source, since=since, until=until)]
            if found or offset:
                break
        return self._folded(found)

    def sources(self) -> list[tuple[str, int]]:
        """Sources by how much they publish: a scan of the table, so kept until the next ingest."""
        if self.sources_cache is None:
            self.sources_cache = [tuple(r) for r in self.store.source_counts()]
        return self.sources_cache

    # -- linking

    def related(self, article: Article, analysis: Analysis | None, k: int = RELATED_K) -> list[Related]:
        """Cached per article; the cache is dropped whenever new articles are linked."""
        cached = self.related_cache.get(article.id)
        # a list shorter than it was asked for is all there is: it answers any k
        if cached and (cached[0] >= k or len(cached[1]) < cached[0]):
            self.related_cache.move_to_end(article.id)
            return cached[1][:k]
        k_computed = max(k, RELATED_K)
        items = self.linker.related(article.id, k=k_computed, article=article, analysis=analysis)
        self.related_cache[article.id] = (k_computed, items)
        if len(self.related_cache) > RELATED_CACHE:
            self.related_cache.popitem(last=False)
        return items[:k]

    def top_stories(self, n: int = 10, since: timedelta | None = timedelta(hours=24), min_size: int = 1) -> list[Story]:
        key = (n, since, min_size)
        if key not in self.top_cache:
            if len(self.top_cache) > TOP_CACHE:  # `since` comes from the query string: keep the cache bounded
                self.top_cache.clear()
            self.top_cache[key] = self.linker.top_stories(n=n, since=since, min_size=min_size)
        return self.top_cache[key]

    def story(self, story_id: int) -> Story | None:
        return self.store.story(story_id)

    def story_of(self, article_id: str) -> Story | None:
        sid = self.linker.story_of.get(article_id)
        state = self.linker.stories.get(sid) if sid is not None else None
        return state.as_story() if state else None

    def analyses(self, ids: list[str]) -> dict[str, Analysis]:
        return self.store.analyses(ids)

    # -- entities

    def entity_items(self, etype: str, name: str, limit: int = 30, offset: int = 0) -> list[Item]:
        return self._folded([_item(r) for r in self.store.entity_items(etype, name, limit, offset)])

    def entity_count(self, etype: str, name: str) -> int:
        return self.store.entity_count(etype, name)

    def entity_stories(self, etype: str, name: str, limit: int = 10) -> list[Story]:
        """The stories most of its articles are in, biggest share first."""
        rows = self.store.entity_story_counts(etype, name, limit)
        return [st.as_story() for sid, _ in rows if (st := self.linker.stories.get(sid))]

    def entity_quotes(self, name: str, limit: int = 12, scan: int = 200) -> list[tuple[Item, object]]:
        """A person's quotes in their latest articles, one of each text, direct speech first."""
        items = self.entity_items("PER", name, limit=scan)
        analyses = self.analyses([i.id for i in items])
        out, seen = [], set()
        for item in items:
            for q in analyses[item.id].quotes if item.id in analyses else ():
                if q.speaker == name and q.text not in seen:
                    seen.add(q.text)
                    out.append((item, q))
        return sorted(out, key=lambda iq: not iq[1].direct)[:limit]

    def entity_search(self, query: str, limit: int = 20) -> list[tuple[str, str, int, int]]:
        """(name, type, articles, mentions) whose name holds the query, case-insensitively."""
        needle = " ".join(query.split()).casefold()
        return self.store.entity_search(needle, limit) if needle else []

    # -- writing

    def ingest(self, items: list[Article | IngestError],
               on_error: Callable[[IngestError], None] = lambda e: None) -> tuple[dict, list[str]]:
        """Analyse and store on a connection of its own (runs in the threadpool); link later, on the loop.
        An article the store refuses goes to `on_error`; the others are stored."""
        from ..pipeline import ingest

        articles = [i for i in items if isinstance(i, Article)]
        with self.ingest_lock:
            # a pool serves any thread; a SQLite connection is the loop's, so this thread opens its own
            writer = self.store if self.store.threadsafe else open_store(self.path)
            try:
                counts = ingest(writer, articles, analyze=True, on_error=on_error)
                self.stats["ingested"] += counts.stored
                ids = [writer.stored_id(a) for a in articles]
            finally:
                if writer is not self.store:
                    writer.close()
        return vars(counts), [i for i in ids if i]

    async def link_new(self) -> int:
        """Follow what other processes linked; then, if this process is the store's linker, link what is new, a
        batch at a time (what linker.link_pending does), so readers get the loop between batches."""
        done = self.linker.follow()
        if self.store.try_lead():
            while pending := self.store.unlinked(limit=LINK_BATCH):
                self.linker.add_batch(pending)
                done += len(pending)
                self.changed()
                await asyncio.sleep(0)
        self.changed()
        if done:
            self.stats["linked"] += done
            self.changed_at = datetime.now(timezone.utc)
        return done

    def changed(self) -> None:
        self.related_cache.clear()
        self.top_cache.clear()
        self.sources_cache = None


class SecurityHeaders:
    """Pure ASGI (cheaper than BaseHTTPMiddleware): article text is untrusted, so no inline script may run.
    An unhandled error is answered here, headers and all (Starlette's own 500 comes from outside the middleware),
    and raised again for the server's log."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            if not started:
                await internal_error(scope, send_with_headers)
            raise


NO_NUL = "^[^\x00]*$"


class RefuseNul:
    """A NUL in the path or the query is in no name, word or id, and PostgreSQL refuses it in a query: 422 at
    the door, for every route and either store alike (the schema says so: `schema_without_nul`)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        query = scope.get("query_string", b"")
        if scope["type"] == "http" and ("\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query):
            # shaped as FastAPI's own 422 (HTTPValidationError), which the schema promises
            body = b'{"detail":[{"loc":["query"],"msg":"NUL character in the request","type":"value_error"}]}'
            await send({"type": "http.response.start", "status": 422,
                        "headers": [(b"content-type", b"application/json"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def schema_without_nul(app: FastAPI) -> None:
    """Every string parameter of the schema refuses NUL, as RefuseNul does."""
    make = app.openapi

    def openapi():
        if app.openapi_schema is None:
            for operation in (op for path in make()["paths"].values() for op in path.values()):
                for param in operation.get("parameters", []):
                    for schema in [param.get("schema", {}), *param.get("schema", {}).get("anyOf", [])]:
                        if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
                            schema["pattern"] = NO_NUL
        return app.openapi_schema

    app.openapi = openapi


async def internal_error(scope, send) -> None:
    api = scope.get("path", "").startswith("/api/")
    body = b'{"detail":"internal server error"}' if api else \
        "<!doctype html><title>Ошибка</title><p>Внутренняя ошибка сервера</p>".encode()
    kind = b"application/json" if api else b"text/html; charset=utf-8"
    await send({"type": "http.response.start", "status": 500,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def link_periodically(desk: Desk, every: float):
    """A lifespan that links, every few seconds, what another writer (the source poller) stored."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app):
        async def loop():
            while True:
                await asyncio.sleep(every)
                await desk.link_new()

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()

    return lifespan


def create_app(db: str | None = None, link_every: float | None = None, base_url: str | None = None,
               access_log: str | None = None) -> FastAPI:
    """`base_url`: where readers reach the site (SVODKA_BASE_URL wins), for the links in feeds."""
    from fastapi.staticfiles import StaticFiles

    from . import api, docs, ops, seo, transport, web

    desk = Desk(db)  # lives as long as the process: test clients run the lifespan once per request
    desk.warm()
    app = FastAPI(title="Svodka", version="1", docs_url=None, redoc_url=None,
                  lifespan=link_periodically(desk, link_every) if link_every else None,
                  description="Russian-language news: articles with their analysis, related news, stories, "
                              "entities, search; ingestion with an API key.")
    app.state.desk = desk
    app.state.base_url = (os.environ.get(BASE_URL_ENV) or base_url or DEFAULT_BASE_URL).rstrip("/")
    app.add_middleware(RefuseNul)
    transport.install(app)  # gzip, ETags and 304s, HEAD, static cache lifetimes
    ops.install(app, access_log)  # /healthz, /readyz, /metrics, the access log
    app.add_middleware(SecurityHeaders)  # added last: outermost, so the 400s above carry the headers too
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(seo.router)
    app.include_router(docs.router)
    app.include_router(web.router)
    schema_without_nul(app)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        if is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return web.error_page(request, exc.status_code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        if is_api(request):
            return JSONResponse({"detail": api.validation_detail(exc)}, status_code=422)
        return web.error_page(request, 400, "Неверный запрос")

    return app
