"""Plain data that passes between the stages: ingest -> understand -> link -> store -> serve."""
from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

PARAGRAPH = "p"
HEADING = "h"
# control characters carry nothing in news text, PostgreSQL refuses NUL in text, and no store can encode a lone
# surrogate (JSON's "\ud800"): dropped on the way in, here at the model's door, once for every input
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def drop_controls(text: str | None) -> str | None:
    return _CONTROL.sub("", text) if text else text


@dataclass
class Block:
    """One piece of an article body: a paragraph or a sub-heading, in page order."""
    text: str
    kind: str = PARAGRAPH


@dataclass
class Teaser:
    """A related-news snippet exactly as a page showed it."""
    text: str
    position: int
    truncated: bool = False
    article_id: str = ""  # id of the stub article made from it


@dataclass
class Article:
    source: str
    title: str
    body: list[Block] = field(default_factory=list)
    lead: str = ""
    url: str | None = None
    published_at: datetime | None = None  # always timezone-aware (UTC once parsed)
    rubric: str | None = None  # the page's own rubric, as the page wrote it
    language: str | None = None
    kind: str = "article"  # article | post | stub
    external_id: str | None = None  # id in the source system (Telegram "channel:message")
    origin: str | None = None  # file or URL it was read from
    teasers: list[Teaser] = field(default_factory=list)
    id: str = ""
    content_hash: str = ""

    def __post_init__(self) -> None:
        for name in ("source", "title", "lead", "url", "rubric", "external_id", "origin"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):  # a JSON record's number or list
                raise TypeError(f"{name} must be text, got {type(value).__name__}")
            setattr(self, name, drop_controls(value))
        self.title = " ".join((self.title or "").split())  # what was dropped may leave a gap: a headline is one line
        for block in self.body:
            block.text = drop_controls(block.text)
        for teaser in self.teasers:
            teaser.text = drop_controls(teaser.text)
        if not self.lead:
            self.lead = next((b.text for b in self.body if b.kind == PARAGRAPH), "")
        if not self.content_hash:
            self.content_hash = content_hash(self.title, self.text)
        if not self.id:
            self.id = article_id(self.url, self.content_hash)

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.body)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["published_at"] = self.published_at.isoformat() if self.published_at else None
        return d


@dataclass
class IngestError:
    file: str
    reason: str
    position: str | None = None  # "line 17", "byte 3021", "item 4"

    def __str__(self) -> str:
        where = f"{self.file}:{self.position}" if self.position else self.file
        return f"{where}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_INVISIBLE = ("\u00ad", "\u200b", "\ufeff")


def normalise_for_hash(text: str) -> str:
    """Whitespace, case, ё/е and invisible characters differ between copies of one text; drop them.
    str.replace and str.split, not translate and a regex: the same result (str.split and the regex's \\s know the
    same whitespace), 6x faster, and it runs twice for every article read."""
    text = text.lower().replace("ё", "е")
    if any(c in text for c in _INVISIBLE):
        for c in _INVISIBLE:
            text = text.replace(c, "")
    return " ".join(text.split())


def content_hash(title: str, text: str) -> str:
    data = normalise_for_hash(title) + "\n" + normalise_for_hash(text)
    return hashlib.blake2b(data.encode("utf-8"), digest_size=16).hexdigest()


def article_id(url: str | None, chash: str) -> str:
    """Stable id: the same URL or, without one, the same text always gets the same id. 128 bits: a collision (two
    URLs, one id: an unrelated article taken for a copy) is out of reach; stores of 48-bit ids are migrated."""
    key = ("url:" + url) if url else ("hash:" + chash)
    return hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()


# -- what the understanding stage finds in an article's text; offsets are Python str offsets into that text


@dataclass
class Entity:
    """A named entity: every mention of one person, organisation or place in one text, merged."""
    text: str  # the first mention as written
    normalised: str  # base form, after the alias table: "Владимир Путин", "США"
    type: str  # PER | ORG | LOC
    start: int
    end: int
    mentions: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class Quote:
    text: str
    speaker: str | None  # the speaker entity's normal form, or the speaker's words when no entity matches
    cue: str | None  # the verb that introduces it: "подчеркнул", "заявил"
    direct: bool
    start: int
    end: int


@dataclass
class Figure:
    """A key number: what it counts, in what unit, normalised where money or a share."""
    text: str  # as written: "50%", "158 дронов", "1000 евро"
    value: float
    unit: str | None  # "%", "EUR", "RUB", "USD", "м", "человек", "лет", or the counted noun's lemma
    what: str | None  # the noun it counts, in its base form ("дрон", "человек")
    start: int
    end: int


@dataclass
class Analysis:
    """Everything the understanding stage says of one text; offsets point into `text`."""
    language: str
    language_confidence: float
    rubric: str
    rubric_confidence: float
    is_news: bool
    news_probability: float
    entities: list[Entity] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    lemmas: list[str] = field(default_factory=list)
    page_rubric: str | None = None  # the page's own rubric beside ours, when it gave one
    version: int = 1

    def to_json(self, with_lemmas: bool = False) -> dict[str, Any]:
        """What asdict gives, field by field in the same order (mentions as lists), without walking the lemmas
        (hundreds of strings an article) only to drop them."""
        d: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "lemmas":
                if with_lemmas:
                    d["lemmas"] = list(value)
            elif f.name in ("entities", "quotes", "figures"):
                d[f.name] = [asdict(x) for x in value]
            else:
                d[f.name] = value if isinstance(value, (str, int, float, type(None))) else copy.deepcopy(value)
        for e in d["entities"]:
            e["mentions"] = [list(m) for m in e["mentions"]]
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "Analysis":
        d = dict(d)
        d["entities"] = [Entity(**{**e, "mentions": [tuple(m) for m in e["mentions"]]}) for e in d["entities"]]
        d["quotes"] = [Quote(**q) for q in d["quotes"]]
        d["figures"] = [Figure(**f) for f in d["figures"]]
        return cls(**d)


@dataclass
class Related:
    """One item of an article's related list, with why it is there."""
    article_id: str
    title: str
    source: str
    published_at: datetime | None
    score: float  # 0..1, the related ranker's probability that a reader of the article wants this next
    shared_entities: list[str] = field(default_factory=list)
    same_story: bool = False
    copies: int = 0  # other copies of this text, collapsed into this item
    # why: each link-model part's push on its log-odds; "words", "rare": the shared rare words' push on the ranker's
    parts: dict[str, float] = field(default_factory=dict)
    shared_figures: list[str] = field(default_factory=list)  # the same figure in both texts ("21 %")
    shared_terms: list[str] = field(default_factory=list)  # the rarest words both have, names aside ("редкоземельный")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["published_at"] = self.published_at.isoformat() if self.published_at else None
        return d


@dataclass
class Story:
    id: int
    title: str
    title_article: str
    first_at: datetime | None
    last_at: datetime | None
    size: int  # member articles, copies included
    sources: int  # distinct sources
    weight: float = 0.0  # for "top": distinct sources x freshness
    members: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("first_at", "last_at"):
            d[k] = d[k].isoformat() if d[k] else None
        return d
