"""JSONL: one article a line, either our own fields or a Telegram channel export.

Our fields: title, text, published_at, url, source, rubric (and optionally id, lead).
Telegram export (telegram_news_ru): id, channel, date, text with Telegram markdown; the first bold line or the
first sentence becomes the headline.
"""
from __future__ import annotations

import json
import re
from typing import IO, Iterator

from ..model import PARAGRAPH, Article, Block, IngestError
from ..understand.dates import DEFAULT_TZ, parse_date
from ..textutil import first_sentence, shorten, split_paragraphs
from .html import html_to_blocks

MAX_LINE_BYTES = 10 * 1024 * 1024
MAX_TITLE_CHARS = 200

_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_MARKUP = re.compile(r"\*\*|__|~~|`")
_BARE_URL_LINE = re.compile(r"^\s*(?:https?://|t\.me/)\S+\s*$")
_HASHTAGS_ONLY = re.compile(r"^\s*(?:#\w+\s*)+$")
_LEADING_SYMBOLS = re.compile(r"^[\W_]+", re.U)
_HASHTAG_LINES = re.compile(r"^(?:\s*#\w+)+\s*\n", re.U)
_FIRST_BOLD = re.compile(r"^\s*\*\*(.+?)\*\*", re.S)


def strip_markdown(text: str) -> str:
    return _MARKUP.sub("", _LINK.sub(r"\1", text))


def clean_title(text: str) -> str:
    """Emoji and bullets open many Telegram headlines; a headline keeps its words only."""
    text = " ".join(text.split())
    stripped = _LEADING_SYMBOLS.sub("", text)
    # keep an opening quote or a number: they are part of the headline
    if stripped and text[: len(text) - len(stripped)].endswith(("«", '"')):
        stripped = text[len(text) - len(stripped) - 1:]
    return stripped.rstrip(" .:—-") if stripped else text


def headline_and_body(markdown: str) -> tuple[str, list[Block]]:
    """Split a post into (headline, body paragraphs)."""
    bold = _FIRST_BOLD.match(_HASHTAG_LINES.sub("", markdown))
    paragraphs = [p for p in split_paragraphs(strip_markdown(markdown))
                  if not _BARE_URL_LINE.match(p) and not _HASHTAGS_ONLY.match(p)]
    if not paragraphs:
        return "", []
    if bold and len(clean_title(strip_markdown(bold.group(1)))) >= 3:
        title = clean_title(strip_markdown(bold.group(1)))
    else:
        title = clean_title(first_sentence(paragraphs[0]))
    first = clean_title(paragraphs[0])
    if first == title and len(paragraphs) > 1:
        paragraphs = paragraphs[1:]  # the first paragraph was the headline itself
    return shorten(title, MAX_TITLE_CHARS), [Block(p, PARAGRAPH) for p in paragraphs]


def is_telegram(record: dict) -> bool:
    return "channel" in record and "text" in record and "title" not in record


def record_to_article(record: dict, origin: str, tz: str = DEFAULT_TZ) -> Article:
    """Raises ValueError (DateError included) with the reason when the record is no article."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
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
        title, body = headline_and_body(text)
        source, kind, rubric = str(record["channel"]), "post", None
    else:
        title = " ".join(str(record.get("title") or "").split())
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


def parse_jsonl(stream: IO[bytes], origin: str, tz: str = DEFAULT_TZ) -> Iterator[Article | IngestError]:
    """Stream a JSONL file: a broken line is an error for that line only."""
    for n, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        where = f"line {n}"
        if len(raw) > MAX_LINE_BYTES:
            yield IngestError(origin, f"line longer than {MAX_LINE_BYTES // 2**20} MB", where)
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            yield IngestError(origin, f"not UTF-8 (invalid byte at column {e.start})", where)
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            yield IngestError(origin, f"broken JSON: {e.msg} at column {e.colno}", where)
            continue
        try:
            yield record_to_article(record, origin, tz)
        except (ValueError, TypeError, AttributeError) as e:
            yield IngestError(origin, str(e) or type(e).__name__, where)


def looks_like_jsonl(head: bytes) -> bool:
    return head.lstrip()[:1] == b"{"
