"""RSS 2.0 / Atom feeds via feedparser: one Article per item."""
from __future__ import annotations

import calendar
import re
from datetime import datetime, timezone
from typing import Iterator

from ..model import Article, IngestError
from ..understand.dates import DEFAULT_TZ, DateError, check_plausible
from .html import html_to_blocks

_DECLARED_ENCODING = re.compile(r"""^(\s*<\?xml[^>]*encoding=["'])[^"']+""")


def looks_like_feed(text: str) -> bool:
    head = text[:1024].lstrip().lower()
    return head.startswith("<?xml") and ("<rss" in text[:4096].lower() or "<feed" in text[:4096].lower()) \
        or head.startswith(("<rss", "<feed", "<rdf"))


def parse_feed(text: str, origin: str, tz: str = DEFAULT_TZ) -> Iterator[Article | IngestError]:
    import feedparser

    # the text is decoded already: a declared legacy encoding would make feedparser decode it a second time
    parsed = feedparser.parse(_DECLARED_ENCODING.sub(r"\1utf-8", text, count=1))
    if not parsed.entries:
        reason = "feed has no items"
        if parsed.bozo:
            reason = f"not a valid RSS/Atom feed: {parsed.get('bozo_exception')}"
        yield IngestError(origin, reason)
        return
    site = parsed.feed.get("title") or parsed.feed.get("link") or "feed"
    for n, entry in enumerate(parsed.entries, 1):
        where = f"item {n}"
        try:
            yield entry_to_article(entry, site, origin)
        except (ValueError, DateError) as e:
            yield IngestError(origin, str(e), where)


def entry_to_article(entry, site: str, origin: str) -> Article:
    title = " ".join((entry.get("title") or "").split())
    content = entry.get("content")
    html = content[0].get("value", "") if content else entry.get("summary", "")
    body = html_to_blocks(html or "")
    if not title and body:
        title = body[0].text[:200]
    if not title:
        raise ValueError("feed item has neither title nor text")
    if not body:
        body = html_to_blocks(title)
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = None
    if stamp:
        published = datetime.fromtimestamp(calendar.timegm(stamp), timezone.utc)
        published = check_plausible(published, entry.get("published") or entry.get("updated") or "")
    elif entry.get("published"):
        raise DateError(f"cannot read date {entry.get('published')!r}")
    tags = entry.get("tags") or []
    rubric = tags[0].get("term") if tags else None
    return Article(source=site, title=title, body=body, url=entry.get("link") or None, published_at=published,
                   rubric=rubric, external_id=entry.get("id"), origin=origin)
