"""JSONL: one article a line, either our own fields or a Telegram channel export.

Our fields: title, text, published_at, url, source, rubric (and optionally id, lead).
Telegram export (telegram_news_ru): id, channel, date, text with Telegram markdown; posts.py makes the headline
and the body (sign-offs off).
"""
from __future__ import annotations

import json
from typing import IO, Iterator

from ..model import PARAGRAPH, Article, Block, IngestError
from ..understand.dates import DEFAULT_TZ, parse_date
from ..textutil import fold_lookalikes, split_paragraphs
from .html import html_to_blocks
from .posts import PostReader, clean_title, read_post, strip_markdown  # noqa: F401  (clean_title: old import path)


class EmptyPost(ValueError):
    """A channel's post with nothing but its sign-off or a link: a picture or a repost without words. Nothing to
    store and nothing wrong with the input: a file's reading passes over it; a single record (the API) is told."""

MAX_LINE_BYTES = 10 * 1024 * 1024
TEXT_FIELDS = ("title", "source", "site", "channel", "rubric", "lead", "subtitle", "url")
LOOKAHEAD_LINES, LOOKAHEAD_BYTES = 1000, 8 * 2**20  # a batch's sign-offs are learned a chunk ahead of reading it


def headline_and_body(markdown: str, source: str | None = None,
                      reader: PostReader | None = None) -> tuple[str, list[Block]]:
    """Split a post into (headline, body paragraphs): svodka/ingest/posts.py."""
    return read_post(markdown, source, reader)


def is_telegram(record: dict) -> bool:
    return "channel" in record and "text" in record and "title" not in record


def record_to_article(record: dict, origin: str, tz: str = DEFAULT_TZ, posts: PostReader | None = None) -> Article:
    """Raises ValueError (DateError included) with the reason when the record is no article."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    for name in TEXT_FIELDS:  # a number or a list where text belongs is an error, not text made of it
        if record.get(name) is not None and not isinstance(record[name], str):
            raise ValueError(f"{name} must be text, got {type(record[name]).__name__}")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("record has no text")
    stamp = record.get("published_at") or record.get("date") or record.get("published_iso")
    published = None
    if stamp is not None:
        if not isinstance(stamp, str):
            raise ValueError(f"published_at must be a string, got {type(stamp).__name__}")
        published = parse_date(stamp, tz)
    if is_telegram(record):
        source, kind, rubric = str(record["channel"]), "post", None
        title, body = headline_and_body(text, source, posts)
        if not title:
            raise EmptyPost("post has no text of its own (only its channel's sign-off, links or hashtags)")
    else:
        title = fold_lookalikes(" ".join(str(record.get("title") or "").split()))
        body = html_to_blocks(text) if "</p>" in text else [Block(p) for p in split_paragraphs(strip_markdown(text))]
        if not title:
            title, body = headline_and_body(text)
        source = str(record.get("source") or record.get("site") or record.get("channel") or "jsonl")
        kind, rubric = "article", record.get("rubric")
    if not title or not body:
        raise ValueError("record has no usable text")
    rid = record.get("id")
    lead = record.get("lead") or record.get("subtitle") or ""
    return Article(source=source, title=title, body=body, lead=str(lead), url=record.get("url") or None,
                   published_at=published, rubric=str(rubric) if rubric else None, kind=kind,
                   external_id=str(rid) if rid is not None else None, origin=origin)


def bounded_lines(stream: IO[bytes], limit: int = MAX_LINE_BYTES) -> Iterator[bytes]:
    """The stream's lines; one longer than `limit` comes as its first limit+1 bytes and the rest is skipped, so a
    300 MB line is never held whole."""
    while line := stream.readline(limit + 1):
        if len(line) > limit and not line.endswith(b"\n"):
            while (rest := stream.readline(2**20)) and not rest.endswith(b"\n"):
                pass
        yield line


_UNREAD = object()  # a line the look-ahead did not turn into a record: the main loop reads it (and says what is wrong)


def _learning_ahead(stream: IO[bytes], posts: PostReader) -> Iterator[tuple[bytes, object]]:
    """The lines of the stream, each with its record when the look-ahead read it; each chunk's posts are shown to
    `posts` before any is read, so the sign-off of a channel the shipped table does not know is learned from the
    batch itself."""
    chunk: list[bytes] = []
    size = 0
    for raw in bounded_lines(stream):
        chunk.append(raw)
        size += len(raw)
        if len(chunk) >= LOOKAHEAD_LINES or size >= LOOKAHEAD_BYTES:
            yield from zip(chunk, _observe(chunk, posts))
            chunk, size = [], 0
    yield from zip(chunk, _observe(chunk, posts))


def _observe(chunk: list[bytes], posts: PostReader) -> list[object]:
    records: list[object] = []
    for raw in chunk:
        record = _UNREAD
        if b'"channel"' in raw and len(raw) <= MAX_LINE_BYTES:
            try:
                record = json.loads(raw.decode("utf-8"))
            except (ValueError, RecursionError):
                record = _UNREAD  # reported when the line itself is read
            else:
                if isinstance(record, dict) and is_telegram(record) and isinstance(record["text"], str):
                    try:
                        posts.observe(str(record["channel"]), record["text"])
                    except Exception:  # noqa: BLE001  the record's own reading reports what is wrong with it
                        pass
        records.append(record)
    return records


def parse_jsonl(stream: IO[bytes], origin: str, tz: str = DEFAULT_TZ,
                posts: PostReader | None = None) -> Iterator[Article | IngestError]:
    """Stream a JSONL file: a broken line is an error for that line only."""
    posts = posts or PostReader()
    for n, (raw, record) in enumerate(_learning_ahead(stream, posts), 1):
        if not raw.strip():
            continue
        where = f"line {n}"
        if len(raw) > MAX_LINE_BYTES:
            yield IngestError(origin, f"line longer than {MAX_LINE_BYTES // 2**20} MB", where)
            continue
        try:
            line = raw.decode("utf-8") if record is _UNREAD else ""
        except UnicodeDecodeError as e:
            yield IngestError(origin, f"not UTF-8 (invalid byte at column {e.start})", where)
            continue
        try:
            if record is _UNREAD:
                record = json.loads(line)
        except json.JSONDecodeError as e:
            yield IngestError(origin, f"broken JSON: {e.msg} at column {e.colno}", where)
            continue
        except (ValueError, RecursionError) as e:  # an int of 5,000 digits; nesting deeper than the parser goes
            yield IngestError(origin, f"unreadable JSON: {type(e).__name__}: {str(e)[:200]}", where)
            continue
        try:
            yield record_to_article(record, origin, tz, posts)
        except EmptyPost:
            continue
        except (ValueError, TypeError, AttributeError) as e:
            yield IngestError(origin, str(e) or type(e).__name__, where)
        except Exception as e:  # whatever one record raises is that record's error: the file goes on
            yield IngestError(origin, f"record not readable: {type(e).__name__}: {str(e)[:200]}", where)


def looks_like_jsonl(head: bytes) -> bool:
    return head.lstrip()[:1] == b"{"
