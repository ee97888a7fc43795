"""Read any supported input into Articles; every problem becomes an IngestError, never an exception."""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Iterable, Iterator

from ..model import Article, IngestError
from ..understand.dates import DEFAULT_TZ
from .decode import MAX_FILE_BYTES, DecodeError, decode
from .feed import looks_like_feed, looks_like_json_feed, parse_feed, parse_json_feed
from .html import looks_like_html, parse_html
from .jsonl import looks_like_jsonl, parse_jsonl
from .pagedump import looks_like_pagedump, parse_pagedump

Item = Article | IngestError
FETCH_TIMEOUT = 20.0  # between two reads
FETCH_DEADLINE = 60.0  # the whole fetch, redirects included
USER_AGENT = "Svodka/0.1 (+news desk; polite)"


def read(targets: Iterable[str], tz: str = DEFAULT_TZ, source: str | None = None) -> Iterator[Item]:
    """Files, folders (walked recursively, sorted) and http(s) URLs, in the order given. `source` names the
    source of inputs that carry no name of their own (page dumps)."""
    for target in targets:
        if target.startswith(("http://", "https://")):
            yield from read_url(target, tz)
        elif os.path.isdir(target):
            for path in sorted(p for p in Path(target).rglob("*") if p.is_file() and not p.name.startswith(".")):
                yield from read_file(str(path), tz, source)
        else:
            yield from read_file(target, tz, source)


def read_file(path: str, tz: str = DEFAULT_TZ, source: str | None = None) -> Iterator[Item]:
    try:
        size = os.path.getsize(path)
        if path.endswith((".jsonl", ".ndjson")):
            with open(path, "rb") as stream:
                yield from parse_jsonl(stream, path, tz)
            return
        if size > MAX_FILE_BYTES:
            yield IngestError(path, f"file too large: {size / 2**20:.0f} MB, limit {MAX_FILE_BYTES // 2**20} MB "
                                    "(split it, or use JSONL, which is streamed)")
            return
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        yield IngestError(path, f"cannot read: {e.strerror or e}")
        return
    yield from read_bytes(data, path, tz=tz, source=source)


def read_bytes(data: bytes, origin: str, url: str | None = None, tz: str = DEFAULT_TZ,
               source: str | None = None) -> Iterator[Item]:
    """Detect the format from the content itself: extensions lie, content types more so."""
    if len(data) > MAX_FILE_BYTES:
        yield IngestError(origin, f"input too large: {len(data) / 2**20:.0f} MB, limit {MAX_FILE_BYTES // 2**20} MB")
        return
    if looks_like_jsonl(data[:4096]) and not looks_like_json_feed(data[:4096]):
        yield from parse_jsonl(io.BytesIO(data), origin, tz)
        return
    try:
        text, _encoding = decode(data)
    except DecodeError as e:
        yield IngestError(origin, str(e))
        return
    yield from read_text(text, origin, url=url, tz=tz, source=source)


def read_text(text: str, origin: str, url: str | None = None, tz: str = DEFAULT_TZ,
              source: str | None = None) -> Iterator[Item]:
    try:
        if looks_like_json_feed(text[:4096].encode("utf-8", "replace")):
            yield from parse_json_feed(text, origin, tz)
        elif looks_like_feed(text):
            yield from parse_feed(text, origin, tz)
        elif looks_like_html(text):
            yield from parse_html(text, origin, url=url, tz=tz)
        elif looks_like_pagedump(text):
            yield from parse_pagedump(text, origin, source=source, tz=tz)
        elif text.lstrip().startswith("<"):
            yield IngestError(origin, "XML that is neither an RSS/Atom feed nor an HTML page")
        else:
            yield IngestError(origin, "unknown format: not a page dump (no dateline), HTML, feed or JSONL")
    except Exception as e:  # a parser bug must not stop the batch; the file is named so it can be reported
        yield IngestError(origin, f"parser failed: {type(e).__name__}: {e}")


def read_url(url: str, tz: str = DEFAULT_TZ) -> Iterator[Item]:
    """Through the poller's fetcher: every redirect vetted (no internal address but the URL's own origin), a
    deadline on the whole fetch, the body bounded."""
    from ..sources.fetch import FetchError, PollConfig, fetch

    config = PollConfig(read_timeout=FETCH_TIMEOUT, request_timeout=FETCH_DEADLINE, retries=0,
                        max_body=MAX_FILE_BYTES, user_agent=USER_AGENT)
    try:
        response = fetch(url, config)
    except FetchError as e:
        yield IngestError(url, f"fetch failed: {e}")
        return
    yield from read_bytes(response.body, url, url=response.url, tz=tz)
