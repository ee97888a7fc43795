"""RSS 0.9x/1.0/2.0, Atom (feedparser) and JSON Feed: one Article per item.

An item's date is read in the source's zone when it names none (or says MSK); an item whose date cannot be read
keeps its place with the feed's date, or the time it was read, and a warning says so.
"""
from __future__ import annotations

import calendar
import json
import logging
import re
from datetime import datetime, timezone
from typing import Iterator

from ..model import Article, IngestError
from ..understand.dates import DEFAULT_TZ, DateError, check_plausible, parse_date
from .html import clean_blocks, html_to_blocks

log = logging.getLogger("svodka.ingest")

_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*encoding=["'])[^"']+""")
# what may stand before the root element: a BOM, the XML declaration, stylesheets, comments, a DOCTYPE
_PROLOG_THEN_ROOT = re.compile(
    r"^\ufeff?(?:\s+|<\?[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)*<(?:rss|feed|rdf:rdf|rss:rdf|channel)\b",
    re.I | re.S)
# a numeric or named zone at the end (feedparser knows GMT, EST, PDT... but takes MSK for UTC); anything else, a
# zone-less time or MSK, is read by our own grammar in the source's zone
_EXPLICIT_ZONE = re.compile(r"(?:[+-]\d{2}:?\d{2}|\b[A-Z]{1,4}|\dZ)\s*$")
_MOSCOW = re.compile(r"\b(?:MSK|МСК)\s*$", re.I)
_CHAR_REF = re.compile(r"&#(x[0-9a-fA-F]+|[0-9]+);")


def looks_like_feed(text: str) -> bool:
    return _PROLOG_THEN_ROOT.match(text[:16384]) is not None


def looks_like_json_feed(head: bytes) -> bool:
    return head.lstrip()[:1] == b"{" and b"jsonfeed.org/version" in head


def _valid_char_refs(text: str) -> str:
    """A reference to no character (&#xD800;, &#99999999;) makes feedparser raise and lose the whole feed."""
    def fix(m: re.Match) -> str:
        ref = m.group(1)
        code = int(ref[1:], 16) if ref[0] in "xX" else int(ref)
        ok = code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
        return m.group(0) if ok else ""

    return _CHAR_REF.sub(fix, text)


def parse_feed(text: str, origin: str, tz: str = DEFAULT_TZ) -> Iterator[Article | IngestError]:
    import feedparser

    # the text is decoded already: a declared legacy encoding would make feedparser decode it a second time
    parsed = feedparser.parse(_valid_char_refs(_DECLARED_ENCODING.sub(r"\1utf-8", text, count=1)))
    if not parsed.entries:
        reason = "feed has no items"
        if parsed.bozo:
            reason = f"not a valid RSS/Atom feed: {parsed.get('bozo_exception')}"
        yield IngestError(origin, reason)
        return
    site = parsed.feed.get("title") or parsed.feed.get("link") or "feed"
    feed_date = _feed_date(parsed.feed, tz)
    for n, entry in enumerate(parsed.entries, 1):
        where = f"item {n}"
        try:
            # the full text: content:encoded, or yandex:full-text (the Yandex News format most Russian sites serve),
            # else the summary
            content = entry.get("content")
            html = (content[0].get("value", "") if content else None) or dict.get(entry, "yandex_full-text") \
                or entry.get("summary", "")
            tags = entry.get("tags") or []
            raw_date = _first(entry, "published", "updated", "created")
            struct = _first(entry, "published_parsed", "updated_parsed", "created_parsed")
            published = item_date(raw_date, struct, tz, feed_date, origin, where)
            yield make_article(entry.get("title"), html, site, entry.get("link"), published,
                               tags[0].get("term") if tags else None, entry.get("id"), origin)
        except ValueError as e:
            yield IngestError(origin, str(e), where)
        except Exception as e:  # one item's surprise is that item's error: the rest of the feed goes on
            yield IngestError(origin, f"item not readable: {type(e).__name__}: {str(e)[:200]}", where)


def parse_json_feed(text: str, origin: str, tz: str = DEFAULT_TZ) -> Iterator[Article | IngestError]:
    """JSON Feed 1.0/1.1 (jsonfeed.org): items with title, content_html or content_text, date_published."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        yield IngestError(origin, f"broken JSON Feed: {e.msg} at line {e.lineno}")
        return
    except (ValueError, RecursionError) as e:  # an int of 5,000 digits, nesting deeper than the parser goes
        yield IngestError(origin, f"unreadable JSON Feed: {type(e).__name__}: {str(e)[:200]}")
        return
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not items:
        yield IngestError(origin, "JSON Feed has no items")
        return
    site = str(doc.get("title") or doc.get("home_page_url") or "feed")
    for n, item in enumerate(items, 1):
        where = f"item {n}"
        if not isinstance(item, dict):
            yield IngestError(origin, "JSON Feed item is not an object", where)
            continue
        try:
            raw = item.get("date_published") or item.get("date_modified")
            published = item_date(str(raw) if raw else None, None, tz, None, origin, where)
            html = item.get("content_html") or item.get("content_text") or item.get("summary") or ""
            tags = item.get("tags") or []
            rubric = str(tags[0]) if isinstance(tags, list) and tags else None
            url = item.get("url") if isinstance(item.get("url"), str) else None
            title = item.get("title") if isinstance(item.get("title"), str) else None
            yield make_article(title, str(html), site, url, published, rubric,
                               str(item["id"]) if item.get("id") else None, origin)
        except ValueError as e:
            yield IngestError(origin, str(e), where)
        except Exception as e:  # one item's surprise is that item's error: the rest of the feed goes on
            yield IngestError(origin, f"item not readable: {type(e).__name__}: {str(e)[:200]}", where)


def _first(d, *keys):
    """The first key present, read past feedparser's key aliases (which warn, and blur updated with published)."""
    return next((dict.get(d, k) for k in keys if dict.get(d, k)), None)


def read_feed_date(raw: str, struct, tz: str) -> datetime:
    """feedparser's reading when the text names its zone; otherwise our grammar, which knows Russian dates
    ("Вт, 25 фев 2025 07:00:00 +0300", "25.02.2025 07:00"), MSK, and reads a zone-less time in `tz`."""
    if struct and _EXPLICIT_ZONE.search(raw) and not _MOSCOW.search(raw):
        return check_plausible(datetime.fromtimestamp(calendar.timegm(struct), timezone.utc), raw)
    return parse_date(raw, tz)


def _feed_date(feed, tz: str) -> datetime | None:
    raw = _first(feed, "updated", "published")
    if not raw:
        return None
    try:
        return read_feed_date(raw, _first(feed, "updated_parsed", "published_parsed"), tz)
    except DateError:
        return None


def item_date(raw: str | None, struct, tz: str, feed_date: datetime | None, origin: str,
              where: str) -> datetime | None:
    """The item's own date; an unreadable one costs the date, not the item."""
    if not raw:
        return None
    try:
        return read_feed_date(raw, struct, tz)
    except DateError as e:
        fallback, which = (feed_date, "the feed's date") if feed_date else (datetime.now(timezone.utc),
                                                                             "the time it was read")
        log.warning("%s:%s: %s; %s used instead", origin, where, e, which)
        return fallback


def make_article(title, html: str, site: str, url, published, rubric, external_id, origin: str) -> Article:
    title = " ".join(str(title or "").split())
    # the same lines are furniture in a feed's full text as on the page: "Читайте также", channel promos
    body = clean_blocks(html_to_blocks(html or ""), title, None)
    if not title and body:
        title = body[0].text[:200]
    if not title:
        raise ValueError("feed item has neither title nor text")
    if not body:
        body = html_to_blocks(title)
    return Article(source=site, title=title, body=body, url=url or None, published_at=published,
                   rubric=rubric, external_id=external_id, origin=origin)
