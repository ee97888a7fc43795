"""The JSON API, /api/v1: articles with their analysis, related news, stories, entities, search, ingestion."""
from __future__ import annotations

import hmac
import json
import logging
import os
import re
from datetime import datetime, timedelta, timezone
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationError

from ..present import reason_line
from ..ingest import read_bytes
from ..ingest.jsonl import record_to_article
from ..model import Article, IngestError
from ..understand.rubric import RUBRICS
from . import web
from .app import Desk, Item

MAX_BODY = 5 * 2**20
MAX_ITEMS = 1000
API_KEY_ENV = "SVODKA_API_KEY"
EntityType = Literal["PER", "ORG", "LOC"]
Rubric = Literal[RUBRICS]
_AGE = re.compile(r"^(\d{1,5})([mhdw])$")
_AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _date_text(value):
    """A time in the query is ISO 8601 text: a bare number (0.5, 1700000000) is no date here."""
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("expected an ISO 8601 date or time, such as 2025-02-25 or 2025-02-25T07:00:00+03:00")
    return value


def _in_range(value: datetime) -> datetime:
    """Year 1 or 9999 with an offset has no UTC time: refused here rather than in the store."""
    try:
        aware(value).astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("date out of range") from None
    return value


Moment = Annotated[datetime, BeforeValidator(_date_text), AfterValidator(_in_range)]
# the schema says which times are refused: the first and the last day of the calendar have no UTC time in every zone
def moment_query():
    """A fresh Query each: FastAPI ties one Query object to the first parameter it is given to."""
    return Query(None, json_schema_extra={"pattern": "^(?!0001-01-01|9999-12-31)"})

# -- response models


class Error(BaseModel):
    detail: str | list | dict


class ArticleSummary(BaseModel):
    id: str
    kind: str = Field(description="article | post | stub (a teaser's text)")
    source: str
    title: str
    lead: str
    url: str | None
    published_at: datetime | None
    rubric: str | None = Field(description="the feed rubric: the page's own when known, else ours")
    more_sources: int = Field(0, description="other sources whose copies of this text the list folded into it")


class ArticleList(BaseModel):
    items: list[ArticleSummary]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last")


class BlockOut(BaseModel):
    kind: str = Field(description="p (paragraph) | h (sub-heading)")
    text: str


class EntityOut(BaseModel):
    text: str
    normalised: str
    type: str
    start: int
    end: int
    mentions: list[tuple[int, int]]


class QuoteOut(BaseModel):
    text: str
    speaker: str | None
    cue: str | None
    direct: bool
    start: int
    end: int


class FigureOut(BaseModel):
    text: str
    value: float
    unit: str | None
    what: str | None
    start: int
    end: int


class AnalysisOut(BaseModel):
    """Offsets point into the article's `text`."""
    language: str
    language_confidence: float
    rubric: str
    rubric_confidence: float
    is_news: bool
    news_probability: float
    entities: list[EntityOut]
    quotes: list[QuoteOut]
    figures: list[FigureOut]
    page_rubric: str | None
    version: int


class CopyOut(BaseModel):
    source: str
    url: str | None
    external_id: str | None
    published_at: str | None
    origin: str | None


class TeaserOut(BaseModel):
    position: int
    article_id: str
    text: str
    truncated: bool


class ArticleOut(ArticleSummary):
    text: str = Field(description="the body blocks joined by blank lines; analysis offsets point here")
    body: list[BlockOut]
    language: str | None
    external_id: str | None
    story_id: int | None
    analysis: AnalysisOut | None
    copies: list[CopyOut]
    teasers: list[TeaserOut]


class RelatedOut(BaseModel):
    article_id: str
    title: str
    source: str
    published_at: datetime | None
    score: float
    shared_entities: list[str]
    same_story: bool
    copies: int
    reason: str = Field(description='why it is related, in Russian: "общие: Владимир Путин, США · тот же сюжет"')
    parts: dict[str, float]
    shared_figures: list[str] = Field(default_factory=list, description='the same figures in both: "21 %"')
    shared_terms: list[str] = Field(default_factory=list, description="the rarest words both have, names aside")


class StoryOut(BaseModel):
    id: int
    title: str
    title_article: str
    first_at: datetime | None
    last_at: datetime | None
    size: int
    sources: int
    weight: float


class StoryQuote(BaseModel):
    article_id: str
    source: str
    text: str
    speaker: str | None
    direct: bool


class HourCount(BaseModel):
    at: datetime
    hours: int
    count: int


class StoryDetail(StoryOut):
    members: list[ArticleSummary] = Field(description="by time, the latest 300 at most")
    quotes: list[StoryQuote]
    figures: list[tuple[str, int]] = Field(description="(figure as written, in how many articles)")
    per_hour: list[HourCount]


class EntityHit(BaseModel):
    name: str
    type: str
    articles: int
    mentions: int


class EntityDetail(BaseModel):
    name: str
    type: str
    articles_total: int
    articles: list[ArticleSummary]
    stories: list[StoryOut]
    quotes: list[StoryQuote]


class IngestErrorOut(BaseModel):
    file: str
    reason: str
    position: str | None


class IngestResult(BaseModel):
    read: int
    stored: int
    duplicates: int
    errors: list[IngestErrorOut]
    ids: list[str] = Field(description="stored ids of the articles read (of the earlier copy for a duplicate)")
    linked: int


class IngestArticle(BaseModel):
    title: str | None = None
    text: str
    published_at: str | None = Field(None, description="ISO 8601 or a Russian dateline date")
    url: str | None = None
    source: str | None = None
    rubric: str | None = None


router = APIRouter(prefix="/api/v1", tags=["api"], responses={404: {"description": "Not found", "model": Error}})


# -- helpers


def desk(request: Request) -> Desk:
    return request.app.state.desk


def summary(item: Item) -> ArticleSummary:
    return ArticleSummary(**vars(item))


def page_of(items: list[Item], limit: int, offset: int) -> ArticleList:
    return ArticleList(items=[summary(i) for i in items[:limit]], limit=limit, offset=offset,
                       next_offset=offset + limit if len(items) > limit else None)


def story_out(story) -> StoryOut:
    return StoryOut(**{k: getattr(story, k) for k in StoryOut.model_fields})


def quote_out(item: Item, q) -> StoryQuote:
    return StoryQuote(article_id=item.id, source=item.source, text=q.text, speaker=q.speaker, direct=q.direct)


def parse_age(text: str | None) -> timedelta | None:
    if not text:
        return None
    m = _AGE.match(text)
    return timedelta(**{_AGE_UNITS[m[2]]: int(m[1])})


def validation_detail(exc: RequestValidationError) -> list[dict]:
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()]


def public_origin(origin: str | None) -> str | None:
    """Where a copy was read: a polled source's URL may carry its credentials."""
    from ..sources.registry import masked_url

    return masked_url(origin) if origin and origin.startswith(("http://", "https://")) else origin


def not_found(what: str) -> HTTPException:
    return HTTPException(404, f"no such {what}")


# -- reading

Limit = Query(50, ge=1, le=200)
Offset = Query(0, ge=0, le=1_000_000)


@router.get("/articles", response_model=ArticleList, summary="Latest articles, newest first")
async def list_articles(request: Request, rubric: Rubric | None = None,
                        source: str | None = Query(None, max_length=200),
                        since: Moment | None = moment_query(), until: Moment | None = moment_query(),
                        limit: int = Limit, offset: int = Offset):
    items = desk(request).items(limit=limit + 1, offset=offset, rubric=rubric, source=source,
                                since=aware(since), until=aware(until))
    return page_of(items, limit, offset)


def aware(dt: datetime | None) -> datetime | None:
    """A time without a zone is the desk's local time."""
    from ..understand.dates import DEFAULT_TZ, zone

    return dt.replace(tzinfo=zone(DEFAULT_TZ)) if dt and dt.tzinfo is None else dt


ArticleId = Path(max_length=64)


@router.get("/articles/{article_id}", response_model=ArticleOut, summary="One article with its analysis")
async def get_article(request: Request, article_id: str = ArticleId):
    d = desk(request)
    found = d.article(article_id)
    if found is None:
        raise not_found("article")
    article, analysis = found
    story = d.story_of(article.id)
    return ArticleOut(
        **vars(d.items_by_id([article.id])[0]), text=article.text,
        body=[BlockOut(kind=b.kind, text=b.text) for b in article.body], language=article.language,
        external_id=article.external_id, story_id=story.id if story else None,
        analysis=AnalysisOut(**analysis.to_json()) if analysis else None,
        copies=[CopyOut(**{**c, "origin": public_origin(c["origin"])}) for c in d.store.copies_of(article.id)],
        teasers=[TeaserOut(**vars(t)) for t in article.teasers])


@router.get("/articles/{article_id}/related", response_model=list[RelatedOut],
            summary="Related news, each with why (shared entities, same story)")
async def related(request: Request, article_id: str = ArticleId, k: int = Query(10, ge=1, le=50)):
    d = desk(request)
    found = d.article(article_id)
    if found is None:
        raise not_found("article")
    items = d.related(*found, k=k)
    return [RelatedOut(**{**vars(r), "reason": reason_line(r)}) for r in items]


@router.get("/stories/top", response_model=list[StoryOut],
            summary="Top stories: distinct sources x freshness, over the span before the newest article")
async def top_stories(request: Request, n: int = Query(20, ge=1, le=100),
                      since: str | None = Query("24h", pattern=_AGE.pattern,
                                                description="a span: 90m, 24h, 7d, 2w")):
    return [story_out(s) for s in desk(request).top_stories(n=n, since=parse_age(since))]


@router.get("/stories/{story_id}", response_model=StoryDetail, summary="One story: timeline, quotes, figures")
async def get_story(request: Request, story_id: int = Path(ge=0, le=2**62)):
    d = desk(request)
    story = d.story(story_id)
    if story is None:
        raise not_found("story")
    details = web.story_details(d, story)
    chart = details["chart"]
    return StoryDetail(
        **story_out(story).model_dump(), members=[summary(i) for i in details["items"]],
        quotes=[quote_out(i, q) for i, q in details["quotes"]], figures=details["figures"],
        per_hour=[HourCount(at=b["at"], hours=chart["step"], count=b["count"]) for b in chart["bars"]])


@router.get("/entities", response_model=list[EntityHit], summary="Entities whose name holds the query")
async def search_entities(request: Request, q: str = Query(min_length=1, max_length=200),
                          limit: int = Query(20, ge=1, le=100)):
    return [EntityHit(name=n, type=t, articles=a, mentions=m) for n, t, a, m in desk(request).entity_search(q, limit)]


@router.get("/entities/{etype}/{name:path}", response_model=EntityDetail,
            summary="A person, organisation or place: its articles, stories and (for a person) quotes")
async def get_entity(request: Request, etype: EntityType, name: str, limit: int = Query(30, ge=1, le=200),
                     offset: int = Offset):
    d = desk(request)
    total = d.entity_count(etype, name)
    if not total:
        raise not_found("entity")
    quotes = d.entity_quotes(name) if etype == "PER" else []
    return EntityDetail(name=name, type=etype, articles_total=total,
                        articles=[summary(i) for i in d.entity_items(etype, name, limit=limit, offset=offset)],
                        stories=[story_out(s) for s in d.entity_stories(etype, name)],
                        quotes=[quote_out(i, q) for i, q in quotes])


@router.get("/search", response_model=ArticleList, summary="Search with Russian morphology (any word form)")
async def search(request: Request, q: str = Query(min_length=1, max_length=500), rubric: Rubric | None = None,
                 source: str | None = Query(None, max_length=200), since: Moment | None = moment_query(),
                 until: Moment | None = moment_query(), limit: int = Limit, offset: int = Offset):
    items = desk(request).search(q, limit=limit + 1, offset=offset, rubric=rubric, source=source,
                                 since=aware(since), until=aware(until))
    return page_of(items, limit, offset)


# -- writing

# inline: the route reads its body itself, so no component named IngestArticle would be defined for a $ref
_INGEST_ARTICLE = IngestArticle.model_json_schema()
INGEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"anyOf": [
            _INGEST_ARTICLE, {"type": "array", "items": _INGEST_ARTICLE, "minItems": 1, "maxItems": MAX_ITEMS}]}},
        "text/plain": {"schema": {"type": "string"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
}


key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description=f"the server's ${API_KEY_ENV}")
bearer = HTTPBearer(auto_error=False, description=f"the server's ${API_KEY_ENV} as a bearer token")


def check_key(given: str | None) -> None:
    expected = os.environ.get(API_KEY_ENV, "")
    if not expected:
        raise HTTPException(503, f"ingestion is off: the server has no API key (set {API_KEY_ENV})")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(401, "a valid API key is needed: X-API-Key or Authorization: Bearer",
                            headers={"WWW-Authenticate": "Bearer"})


async def read_body(request: Request) -> bytes:
    """At most MAX_BODY bytes, whatever Content-Length claims: the stream is cut at the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise too_large()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def too_large() -> HTTPException:
    return HTTPException(413, f"body larger than {MAX_BODY // 2**20} MB: send it in parts")


_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{},]')


def split_array(data: bytes) -> list[bytes] | None:
    """The elements of a top-level JSON array as unparsed text, found by brackets outside strings: when one
    element cannot be parsed (nesting too deep, a number too long), the others still can. None if no array."""
    body = data.strip()
    if not body.startswith(b"["):
        return None
    parts, depth, start = [], 0, 1
    for m in _JSON_TOKEN.finditer(body):
        token = m.group()
        if token in (b"[", b"{"):
            depth += 1
        elif token in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                parts.append(body[start:m.start()])
                return [p for p in parts if p.strip()] if body[m.end():].strip() == b"" else None
        elif token == b"," and depth == 1:
            parts.append(body[start:m.start()])
            start = m.end()
    return None


def parse_records(data: bytes) -> list:
    """The body's records; an element that does not parse becomes an IngestError of its own."""
    try:
        payload = json.loads(data)
        return payload if isinstance(payload, list) else [payload]
    except (ValueError, RecursionError) as e:  # ValueError: broken JSON, bad UTF-8, an int of 5,000 digits
        whole = e
    parts = split_array(data)
    if parts is None:
        raise HTTPException(422, f"broken JSON: {type(whole).__name__}: {str(whole)[:200]}")
    records = []
    for n, part in enumerate(parts, 1):
        try:
            records.append(json.loads(part))
        except (ValueError, RecursionError) as e:
            records.append(IngestError("api", f"broken JSON: {type(e).__name__}: {str(e)[:200]}", f"item {n}"))
    return records


def articles_from_json(data: bytes) -> list[Article | IngestError]:
    records = parse_records(data)
    if not records or len(records) > MAX_ITEMS:
        raise HTTPException(422, f"send one article or a list of 1 to {MAX_ITEMS}")
    out: list[Article | IngestError] = []
    for n, record in enumerate(records, 1):
        if isinstance(record, IngestError):
            out.append(record)
            continue
        try:
            fields = IngestArticle.model_validate(record).model_dump(exclude_none=True)
            out.append(record_to_article(fields, "api"))
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'item'}: {err['msg']}" for err in e.errors())
            out.append(IngestError("api", problems, f"item {n}"))
        except Exception as e:  # one item's problem, whatever it is, is that item's error
            out.append(IngestError("api", f"{type(e).__name__}: {e}"[:300], f"item {n}"))
    return out


@router.post("/ingest", response_model=IngestResult, openapi_extra={"requestBody": INGEST_BODY},
             summary="Add articles: JSON (one or a list), or a raw page dump, HTML page or feed",
             responses={401: {"model": Error}, 413: {"model": Error}, 422: {"model": Error},
                        503: {"model": Error}})
async def ingest(request: Request, key: str | None = Security(key_header),
                 auth: HTTPAuthorizationCredentials | None = Security(bearer)):
    check_key(key or (auth.credentials if auth else None))
    data = await read_body(request)
    if not data.strip():
        raise HTTPException(422, "empty body")
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
        items = articles_from_json(data)
    else:
        items = list(read_bytes(data, "api"))
    errors = [IngestErrorOut(**e.to_json()) for e in items if isinstance(e, IngestError)]
    if len(errors) == len(items):
        raise HTTPException(422, {"message": "no article could be read", "errors": [e.model_dump() for e in errors]})
    d = desk(request)
    refused: list[IngestError] = []
    try:
        counts, ids = await run_in_threadpool(d.ingest, items, refused.append)
    except Exception as e:  # the store itself failed (an article it refuses is in `refused`): nothing was lost
        logging.getLogger("svodka").exception("ingest failed")
        raise HTTPException(503, f"the store failed, try again: {type(e).__name__}") from e
    errors += [IngestErrorOut(**e.to_json()) for e in refused]
    linked = await d.link_new()
    return IngestResult(read=counts["read"], stored=counts["stored"], duplicates=counts["duplicates"],
                        errors=errors, ids=ids, linked=linked)
