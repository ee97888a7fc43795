"""What operators and load balancers ask of the service: /healthz (the process answers), /readyz (the store
answers), /metrics (Prometheus text), and a structured access log (one JSON object a line), if asked for.

Requests are counted by route template ("/article/{article_id}", never the raw path: the label set stays small).
The store's figures (articles, linker lag, each polled source's results) are read when /metrics is scraped, so
they are the store's truth whichever process ingested, linked or polled.
"""
from __future__ import annotations

import json
import logging
import sys
import time
from datetime import datetime, timezone

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

router = APIRouter(include_in_schema=False)
log = logging.getLogger("svodka")
ACCESS_LOG_ENV = "SVODKA_ACCESS_LOG"  # a path, or "-" for stderr: the same as `svodka serve --access-log`


# -- health


@router.get("/healthz")
async def healthz():
    return JSONResponse({"status": "ok"}, headers={"cache-control": "no-store"})


@router.get("/readyz")
async def readyz(request: Request):
    try:
        request.app.state.desk.store.query("SELECT 1")
    except Exception as e:  # any failure of the store means: send no traffic here
        log.warning("readyz: the store did not answer: %s", e)
        return JSONResponse({"status": "unavailable", "reason": f"the store did not answer: {type(e).__name__}"},
                            status_code=503, headers={"cache-control": "no-store"})
    return JSONResponse({"status": "ready"}, headers={"cache-control": "no-store"})


# -- metrics


class StoreCollector:
    """Figures read from the store at scrape time."""

    def __init__(self, desk):
        self.desk = desk

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        store, linker, stats = self.desk.store, self.desk.linker, self.desk.stats
        ingested = CounterMetricFamily("svodka_articles_ingested", "Articles stored by this process (API ingest)")
        ingested.add_metric([], stats["ingested"])
        yield ingested
        linked = CounterMetricFamily("svodka_articles_linked", "Articles this process linked or took from the linker")
        linked.add_metric([], stats["linked"])
        yield linked
        try:
            yield from self.store_figures(store, linker)
        except Exception as e:  # a scrape must not fail because the store is away: the counters above still count
            log.warning("metrics: the store did not answer: %s", e)
            up = GaugeMetricFamily("svodka_store_up", "1 when the store answered this scrape")
            up.add_metric([], 0)
            yield up

    @staticmethod
    def store_figures(store, linker):
        from prometheus_client.core import GaugeMetricFamily

        from ..sources.registry import masked_url

        up = GaugeMetricFamily("svodka_store_up", "1 when the store answered this scrape")
        up.add_metric([], 1)
        stored = GaugeMetricFamily("svodka_articles_stored", "Articles in the store, by kind", labels=["kind"])
        for kind, n in store.query("SELECT kind, count(*) FROM articles GROUP BY kind ORDER BY kind"):
            stored.add_metric([kind], n)
        (unlinked, oldest), = store.query(
            "SELECT count(*), MIN(a.ingested_at) FROM articles a JOIN analyses n ON n.article_id = a.id "
            "LEFT JOIN link_docs l ON l.article_id = a.id WHERE l.article_id IS NULL AND a.kind != 'stub'")
        waiting = GaugeMetricFamily("svodka_linker_unlinked_articles", "Analysed articles not linked yet")
        waiting.add_metric([], unlinked)
        lag = GaugeMetricFamily("svodka_linker_lag_seconds", "Age of the oldest analysed article not linked yet")
        lag.add_metric([], age_seconds(oldest))
        (last_seq,), = store.query("SELECT COALESCE(MAX(seq), 0) FROM link_docs")
        behind = GaugeMetricFamily("svodka_linker_follow_behind_docs",
                                   "Link docs in the store this process's linker has not taken in yet")
        behind.add_metric([], max(0, last_seq - linker.last_seq))
        yield from (up, stored, waiting, lag, behind)

        polls = GaugeMetricFamily("svodka_source_polls", "Polls of each registered source in the kept history "
                                  "(7 days), by result", labels=["source", "result"])
        failures = GaugeMetricFamily("svodka_source_consecutive_failures", "Failed polls in a row",
                                     labels=["source"])
        success = GaugeMetricFamily("svodka_source_last_success_timestamp_seconds", "Time of the last good poll",
                                    labels=["source"])
        counts = {}
        for sid, ok, n in store.query("SELECT source_id, status IN ('ok', 'not modified'), count(*) "
                                      "FROM source_polls GROUP BY source_id, status IN ('ok', 'not modified')"):
            counts[sid, bool(ok)] = n
        for sid, name, url, fails, last_success in store.query(
                "SELECT id, name, url, consecutive_failures, last_success FROM sources ORDER BY id"):
            label = name or masked_url(url)
            polls.add_metric([label, "success"], counts.get((sid, True), 0))
            polls.add_metric([label, "failure"], counts.get((sid, False), 0))
            failures.add_metric([label], fails)
            if last_success:
                success.add_metric([label], datetime.fromisoformat(last_success).timestamp())
        yield from (polls, failures, success)


def age_seconds(stamp: str | None) -> float:
    if not stamp:
        return 0.0
    then = datetime.fromisoformat(stamp)
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    return max(0.0, (datetime.now(timezone.utc) - then).total_seconds())


class Metrics:
    """One registry per app (tests make many apps in one process; the global registry would refuse twins)."""

    def __init__(self, desk):
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.registry = CollectorRegistry()
        self.requests = Counter("svodka_http_requests", "HTTP requests by method, route and status",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("svodka_http_request_duration_seconds", "Time to answer, by method and route",
                                 ["method", "route"], registry=self.registry)
        self.registry.register(StoreCollector(desk))

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)


@router.get("/metrics")
async def metrics(request: Request):
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST,
                    headers={"cache-control": "no-store"})


# -- the access log and the request figures


def route_of(scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"  # unknown paths share one label


class AccessLog:
    """One JSON object a line, written when the answer is sent: time, method, path, status, bytes, time taken."""

    def __init__(self, target: str):
        self.stream = sys.stderr if target == "-" else open(target, "a", encoding="utf-8", buffering=1)

    def write(self, record: dict) -> None:
        self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.stream.flush()


class Observe:
    """Counts every request and, when an access log is set, writes its line. Outside the app and its other
    middlewares, so every answer is seen, 304s, 400s and 500s included."""

    def __init__(self, app, metrics: Metrics, access_log: AccessLog | None = None):
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status, size = 500, 0

        async def counted(message):
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                size += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counted)
        finally:
            seconds = time.perf_counter() - started
            self.metrics.observe(scope["method"], route_of(scope), status, seconds)
            if self.access_log:
                self.access_log.write(access_record(scope, status, size, seconds))


def access_record(scope, status: int, size: int, seconds: float) -> dict:
    headers = dict(scope.get("headers") or [])
    client = scope.get("client")
    return {"time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"), "method": scope["method"],
            "path": scope["path"], "query": scope.get("query_string", b"").decode("latin-1"),
            "route": route_of(scope), "status": status, "bytes": size, "duration_ms": round(seconds * 1000, 2),
            "client": client[0] if client else None,
            "user_agent": headers.get(b"user-agent", b"").decode("latin-1")[:300] or None}


def install(app, access_log: str | None = None) -> None:
    """The figures and the log, outermost of the middlewares added so far."""
    import os

    app.state.metrics = Metrics(app.state.desk)
    target = access_log or os.environ.get(ACCESS_LOG_ENV)
    app.add_middleware(Observe, metrics=app.state.metrics, access_log=AccessLog(target) if target else None)
    app.include_router(router)
