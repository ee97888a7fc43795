"""HTML article pages: trafilatura finds the article; we keep its paragraphs and sub-headings apart."""
from __future__ import annotations

import logging
import re
from typing import Iterator
from urllib.parse import urlparse

from ..model import HEADING, PARAGRAPH, Article, Block, IngestError
from ..textutil import split_paragraphs
from ..understand.dates import DEFAULT_TZ, DateError, parse_date

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

# trafilatura's own date is day-only: the time comes from these, in order
_TIME_PATTERNS = [re.compile(p, re.I | re.S) for p in (
    r"""<meta[^>]+(?:property|name|itemprop)=["'](?:article:published_time|og:published_time|pubdate|datePublished|publish-date|date)["'][^>]*content=["']([^"']+)""",
    r"""<meta[^>]+content=["']([^"']+)["'][^>]*(?:property|name|itemprop)=["'](?:article:published_time|datePublished)["']""",
    r'"datePublished"\s*:\s*"([^"]+)"',
    r"""<time[^>]+datetime=["']([^"']+)""",
)]
_RUBRIC_PATTERNS = [re.compile(p, re.I) for p in (
    r"""<meta[^>]+property=["']article:section["'][^>]*content=["']([^"']+)""",
    r'"articleSection"\s*:\s*"([^"]+)"',
)]


def looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return "<html" in head or "<!doctype html" in head or "<body" in head or "<article" in head or "<p>" in head


def page_time(html: str, tz: str) -> str | None:
    for pattern in _TIME_PATTERNS:
        m = pattern.search(html)
        if m:
            return m.group(1)
    return None


def parse_html(html: str, origin: str, url: str | None = None, source: str | None = None,
               tz: str = DEFAULT_TZ) -> Iterator[Article | IngestError]:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_formatting=True,
                                          include_comments=False, output_format="python")
    except Exception as e:  # trafilatura raises assorted lxml errors on broken markup
        yield IngestError(origin, f"HTML could not be parsed: {type(e).__name__}: {e}")
        return
    if doc is None or doc.body is None:
        yield IngestError(origin, "HTML page holds no article text")
        return
    title = (doc.title or "").strip()
    body = blocks_from_tree(doc.body, title)
    if not title and body:
        title = body.pop(0).text
    if not any(b.kind == PARAGRAPH for b in body):
        yield IngestError(origin, "HTML page holds no article text")
        return
    published = None
    stamp = page_time(html, tz) or doc.date
    if stamp:
        try:
            published = parse_date(stamp, tz)
        except DateError as e:
            yield IngestError(origin, str(e))
            return
    rubric = next((m.group(1).strip() for p in _RUBRIC_PATTERNS if (m := p.search(html))), None)
    page_url = url or doc.url
    site = doc.sitename or (urlparse(page_url).hostname if page_url else None)
    yield Article(source=source or site or "web", title=title, body=body, url=page_url,
                  published_at=published, rubric=rubric, origin=origin)


def blocks_from_tree(tree, title: str) -> list[Block]:
    blocks: list[Block] = []
    for el in tree:
        text = " ".join("".join(el.itertext()).split())
        if not text:
            continue
        if el.tag == "head":
            if text != title:
                blocks.append(Block(text, HEADING))
        elif el.tag in ("p", "quote", "list"):
            blocks.append(Block(text, PARAGRAPH))
    while blocks and blocks[-1].kind == HEADING:
        blocks.pop()
    return blocks


def html_to_blocks(fragment: str) -> list[Block]:
    """A feed item's HTML summary or content to paragraphs, without article detection (it is all content)."""
    import lxml.html

    if "<" not in fragment:
        return [Block(p) for p in split_paragraphs(fragment)]
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:
        return [Block(p) for p in split_paragraphs(re.sub(r"<[^>]+>", " ", fragment))]
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks: list[Block] = []
    for el in root.iter("p", "h1", "h2", "h3", "h4", "li", "blockquote"):
        text = " ".join(el.text_content().split())
        if text:
            blocks.append(Block(text, HEADING if el.tag.startswith("h") else PARAGRAPH))
    if not blocks:
        blocks = [Block(p) for p in split_paragraphs(root.text_content())]
    return blocks
