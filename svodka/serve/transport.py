"""How pages travel: gzip, validators and 304s, HEAD on every GET route, long cache lifetimes for static files.

Pure ASGI middlewares (cheaper than BaseHTTPMiddleware). The chain, outermost first, as `install` adds it:
HEAD -> GET (the body dropped at the end), gzip, conditional GET (an ETag of the page as the app made it; 304 on a
match), static cache lifetimes; the app's own middlewares sit inside.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipMiddleware

GZIP_MIN_BYTES = 500
YEAR = 365 * 86400
# what the validators cover: pages, feeds and sitemaps, whose bodies are small and made whole
VALIDATED_TYPES = ("text/html", "application/rss+xml", "application/xml", "text/plain")


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(timezone.utc).replace(microsecond=0), usegmt=True)


def last_modified(response, when: datetime | None) -> None:
    """A handler says when its page last changed; a client's If-Modified-Since is compared with it."""
    if when:
        response.headers["last-modified"] = http_date(min(when, datetime.now(timezone.utc)))


class HeadAsGet:
    """HEAD answered as GET would be, without the body: FastAPI's GET routes answer HEAD with 405 otherwise."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)
        scope["method"] = "GET"
        scope["svodka.head"] = True

        async def send_headers_only(message):
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        try:
            await self.app(scope, receive, send_headers_only)
        finally:
            scope["method"] = "HEAD"  # the access log and the metrics name the method asked


def weak_etag(body: bytes) -> str:
    # weak: the same page gzipped or not is the same page
    return 'W/"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def etag_matches(header: str, etag: str) -> bool:
    wanted = etag.removeprefix("W/")
    return header.strip() == "*" or any(t.strip().removeprefix("W/") == wanted for t in header.split(","))


def not_modified_since(header: str | None, modified: str | None) -> bool:
    if not header or not modified:
        return False
    try:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return False


class Conditional:
    """An ETag on every page, feed and sitemap (a hash of its body), and 304 Not Modified when the client's
    If-None-Match names it; If-Modified-Since counts only without If-None-Match, against the Last-Modified the
    handler gave (article, story and feed pages)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"].startswith("/static/"):
            return await self.app(scope, receive, send)
        request_headers = Headers(scope=scope)
        start: dict | None = None
        chunks: list[bytes] = []

        async def buffered(message):
            nonlocal start
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                if message["status"] != 200 or not headers.get("content-type", "").startswith(VALIDATED_TYPES):
                    start = None
                    return await send(message)
                start = message
                return None
            if start is None:
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return None
            await self.finish(start, b"".join(chunks), request_headers, send)

        await self.app(scope, receive, buffered)

    @staticmethod
    async def finish(start: dict, body: bytes, request_headers: Headers, send) -> None:
        headers = MutableHeaders(raw=list(start.get("headers", [])))
        etag = weak_etag(body)
        headers["etag"] = etag
        headers.append("cache-control", "no-cache")  # may be kept, but asked about again each time
        match = request_headers.get("if-none-match")
        fresh = etag_matches(match, etag) if match is not None else \
            not_modified_since(request_headers.get("if-modified-since"), headers.get("last-modified"))
        if fresh:
            kept = [(k, v) for k, v in headers.raw if k.lower() not in (b"content-length", b"content-type")]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})


class StaticCache:
    """Static files named with their hash (`?v=`, web.static_url) never change: a year, immutable. Without
    the hash, an hour."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith("/static/"):
            return await self.app(scope, receive, send)
        versioned = b"v=" in scope.get("query_string", b"")

        async def with_lifetime(message):
            if message["type"] == "http.response.start" and message["status"] in (200, 304):
                headers = MutableHeaders(scope=message)
                headers["cache-control"] = f"public, max-age={YEAR}, immutable" if versioned else \
                    "public, max-age=3600"
            await send(message)

        await self.app(scope, receive, with_lifetime)


def install(app) -> None:
    """Each add_middleware wraps what was added before: the last here is the outermost of these."""
    app.add_middleware(StaticCache)
    app.add_middleware(Conditional)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES)
    app.add_middleware(HeadAsGet)
