"""Page dumps: a news page saved as plain text (the seed's format).

    25 февраля 2025, 07:00 В мире        <- dateline: date, then the page's rubric
    <headline>
    <paragraphs; a short line without a final full stop is a sub-heading>
    Похожие новости                      <- from here on each line is a teaser of another article
"""
from __future__ import annotations

import re
from typing import Iterator

from ..model import HEADING, PARAGRAPH, Article, Block, IngestError, Teaser
from ..textutil import first_sentence, shorten
from ..understand.dates import DEFAULT_TZ, DateError, parse_date, split_dateline

RELATED_MARKERS = ("похожие новости", "читайте также", "по теме", "другие новости", "новости по теме",
                   "рекомендуем", "смотрите также")
_SENTENCE_END = re.compile(r"[.!?…»\"“”')\]]\s*$")
MAX_HEADING_CHARS = 90
MAX_HEADING_WORDS = 12


def is_related_marker(line: str) -> bool:
    return line.strip().rstrip(":").lower() in RELATED_MARKERS


def is_heading(line: str) -> bool:
    s = line.strip()
    return (0 < len(s) <= MAX_HEADING_CHARS and len(s.split()) <= MAX_HEADING_WORDS
            and not _SENTENCE_END.search(s) and not s.endswith((",", ":", ";", "—", "-")))


def looks_like_pagedump(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    return split_dateline(first) is not None


def parse_pagedump(text: str, origin: str, source: str | None = None, tz: str = DEFAULT_TZ) -> Iterator[Article | IngestError]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    nonempty = [(i, l.strip()) for i, l in enumerate(lines) if l.strip()]
    if len(nonempty) < 2:
        yield IngestError(origin, "not a page dump: needs a dateline and a headline")
        return
    line_no, first = nonempty[0]
    parts = split_dateline(first)
    if parts is None:
        yield IngestError(origin, f"no dateline in the first line: {first[:60]!r}", f"line {line_no + 1}")
        return
    date_text, rubric = parts
    try:
        published = parse_date(date_text, tz)
    except DateError as e:
        yield IngestError(origin, str(e), f"line {line_no + 1}")
        return
    title = nonempty[1][1]
    body: list[Block] = []
    teasers: list[Teaser] = []
    in_related = False
    for i, line in nonempty[2:]:
        if not in_related and is_related_marker(line):
            in_related = True
            continue
        if in_related:
            teasers.append(Teaser(text=line, position=len(teasers)))
        else:
            body.append(Block(line, HEADING if is_heading(line) else PARAGRAPH))
    # a heading is only a heading between paragraphs; a last short line is a closing paragraph
    if body and body[-1].kind == HEADING:
        body[-1].kind = PARAGRAPH
    if teasers and not _SENTENCE_END.search(teasers[-1].text):
        # the dump stops mid-sentence; teasers inside the block often end on a source's name without a full
        # stop ("сообщает телеканал CNN"), so only the last one is judged by its missing full stop
        teasers[-1].truncated = True
    if not any(b.kind == PARAGRAPH for b in body):
        yield IngestError(origin, "page dump has a headline but no body text")
        return
    yield Article(source=source or "page", title=title, body=body, published_at=published,
                  rubric=rubric or None, origin=origin, teasers=teasers)


def teaser_stub(teaser: Teaser, page: Article) -> Article:
    """A teaser names another article we have not seen: keep it as a stub article linked to the page."""
    title = shorten(first_sentence(teaser.text).rstrip(". "), 160)
    return Article(source=page.source, title=title, body=[Block(teaser.text)], kind="stub", origin=page.origin)
