"""The site: server-rendered pages in Russian. Everything from an article is escaped (autoescape on everywhere);
the only markup made in Python is built from escaped pieces in `marked_blocks` and `figure_line`."""
from __future__ import annotations

import bisect
import math
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from ..present import reason_line
from ..model import HEADING, Analysis, Article, Figure
from ..understand.dates import DEFAULT_TZ, zone
from ..understand.rubric import RUBRIC_NAMES_RU, RUBRICS
from ..store.sql import page_feed_rubric
from . import rss, seo
from .transport import last_modified
from .app import Desk, Item

TEMPLATES = Path(__file__).resolve().parent / "templates"
PAGE_SIZE = 30
TOP_STORIES = 8
# "now" first; an archive (or a quiet day) widens the window rather than show an empty front page
TOP_WINDOWS = (timedelta(hours=24), timedelta(hours=72), timedelta(days=7), timedelta(days=30), None)
STORY_TIMELINE = 300
MIN_CHART_SLOTS = 4
LABEL_WIDTH = 40  # px of a 5-character label ("07:00") at the chart's font size
STORY_ANALYSES = 200
MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября", "ноября",
          "декабря")
ENTITY_TYPES = {"PER": "Персона", "ORG": "Организация", "LOC": "Место"}

router = APIRouter(include_in_schema=False)


# -- formatting


def local(dt: datetime | None) -> datetime | None:
    return dt.astimezone(zone(DEFAULT_TZ)) if dt else None


def ru_datetime(dt: datetime | None) -> str:
    """"25 февраля 2025, 07:00", Moscow time."""
    t = local(dt)
    return f"{t.day} {MONTHS[t.month - 1]} {t.year}, {t:%H:%M}" if t else ""


def ru_short(dt: datetime | None) -> str:
    """"24 февраля, 07:00"; the year only when it is not this one."""
    t = local(dt)
    if not t:
        return ""
    year = f" {t.year}" if t.year != datetime.now(t.tzinfo).year else ""
    return f"{t.day} {MONTHS[t.month - 1]}{year}, {t:%H:%M}"


def hm(dt: datetime | None) -> str:
    t = local(dt)
    return f"{t:%H:%M}" if t else ""


def seg(text: str) -> str:
    """One URL path segment."""
    return quote(text, safe="")


def entity_url(etype: str, name: str) -> str:
    return f"/entity/{seg(etype)}/{seg(name)}"


def safe_url(url: str | None) -> str | None:
    """Only web links leave the site: a stored `javascript:` URL must not become a link."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def plural(n: int, one: str, few: str, many: str) -> str:
    if n % 10 == 1 and n % 100 != 11:
        return f"{n} {one}"
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return f"{n} {few}"
    return f"{n} {many}"


@lru_cache(maxsize=1)
def env() -> Environment:
    e = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                    trim_blocks=True, lstrip_blocks=True)
    e.filters.update(ru_datetime=ru_datetime, ru_short=ru_short, hm=hm, seg=seg, safe_url=safe_url,
                     rubric_name=lambda code: RUBRIC_NAMES_RU.get(code or "", ""))
    e.globals.update(rubrics=[(c, RUBRIC_NAMES_RU[c]) for c in RUBRICS], entity_url=entity_url, plural=plural,
                     entity_types=ENTITY_TYPES, static_url=static_url)
    return e


@lru_cache(maxsize=None)
def static_url(name: str) -> str:
    """/static/NAME?v=<its hash>: a changed file gets a new address, so static files may be cached for a year."""
    import hashlib

    from .app import STATIC

    return f"/static/{name}?v={hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]}"


def page(template: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("title", "")
    context.setdefault("feed", None)
    context.setdefault("query", {})
    context["meta"] = context.get("meta") or seo.meta()
    return HTMLResponse(env().get_template(template).render(**context), status_code=status)


def error_page(request: Request, status: int, detail) -> HTMLResponse:
    message = "Страница не найдена" if status == 404 else str(detail or "Ошибка")
    return page("error.html", status=status, title=message, status_code=status, message=message,
                meta=seo.meta(robots="noindex"))


def desk(request: Request) -> Desk:
    return request.app.state.desk


def pager(request: Request, page_no: int, has_next: bool) -> dict:
    def link(n: int) -> str:
        params = {**request.query_params, "page": str(n)}
        return quote(request.url.path) + "?" + urlencode(params)

    return {"page": page_no, "prev": link(page_no - 1) if page_no > 1 else None,
            "next": link(page_no + 1) if has_next else None}


def paged(items: list, limit: int = PAGE_SIZE) -> tuple[list, bool]:
    """Lists ask for one item more than they show: that one says whether there is a next page."""
    return items[:limit], len(items) > limit


# -- the article body


def marked_blocks(article: Article, analysis: Analysis | None) -> list[tuple[str, Markup]]:
    """Body blocks as escaped HTML, each entity mention a link to its page.

    The analysis offsets point into article.text, the blocks joined by blank lines: find each mention's block by
    its start, drop mentions that cross a block's end or overlap an earlier one.
    """
    starts, offset = [], 0
    for block in article.body:
        starts.append(offset)
        offset += len(block.text) + 2
    spans: list[list[tuple[int, int, str]]] = [[] for _ in article.body]
    for ent in analysis.entities if analysis else ():
        href = entity_url(ent.type, ent.normalised)
        for start, end in sorted(ent.mentions)[:1]:  # a link at the first mention, as editors do
            b = bisect.bisect_right(starts, start) - 1
            if b >= 0 and 0 <= start - starts[b] < end - starts[b] <= len(article.body[b].text):
                spans[b].append((start - starts[b], end - starts[b], href))
    return [(block.kind, link_spans(block.text, spans[i])) for i, block in enumerate(article.body)]


def link_spans(text: str, spans: list[tuple[int, int, str]]) -> Markup:
    out, pos = [], 0
    for start, end, href in sorted(spans):
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append(Markup('<a class="ent" href="{}">{}</a>').format(href, text[start:end]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def sentence_around(text: str, start: int, end: int, limit: int = 110) -> tuple[str, str]:
    """The words before and after a span, within its sentence and at most `limit` characters each side."""
    left = max(text.rfind(stop, 0, start) for stop in (". ", "! ", "? ", "\n"))
    before = text[left + 1 if left >= 0 else 0:start].lstrip()
    rights = [i for stop in (". ", "! ", "? ", "\n") if (i := text.find(stop, end)) >= 0]
    after = text[end:min(rights) + 1 if rights else len(text)]
    if len(before) > limit:
        before = "…" + before[-limit:].split(" ", 1)[-1]
    if len(after) > limit:
        after = after[:limit].rsplit(" ", 1)[0] + "…"
    return before, after


def figure_line(text: str, fig: Figure) -> Markup:
    before, after = sentence_around(text, fig.start, fig.end)
    return Markup("{}<b>{}</b>{}").format(before, text[fig.start:fig.end], after)


def key_figures(text: str, analysis: Analysis | None, n: int = 5) -> list[Markup]:
    seen, out = set(), []
    for fig in analysis.figures if analysis else ():
        if fig.text in seen or not 0 <= fig.start < fig.end <= len(text):
            continue
        seen.add(fig.text)
        out.append(figure_line(text, fig))
    return out[:n]


def quotes_of(analysis: Analysis | None, n: int = 5) -> list:
    """Direct speech with its speaker; reported speech only when there is no direct speech."""
    quotes = [q for q in analysis.quotes if q.speaker] if analysis else []
    direct = [q for q in quotes if q.direct]
    return (direct or quotes)[:n]


def related_rows(items) -> list[dict]:
    return [{"item": r, "reason": reason_line(r)} for r in items]


# -- pages


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, page_no: int = Query(1, alias="page", ge=1, le=10_000)):
    d = desk(request)
    items, has_next = paged(d.items(limit=PAGE_SIZE + 1, offset=(page_no - 1) * PAGE_SIZE))
    stories = front_stories(d) if page_no == 1 else []
    cards = story_cards(d, stories)
    return page("home.html", stories=[(s, cards[s.id]) for s in stories], items=items,
                pager=pager(request, page_no, has_next), feed="/rss.xml",
                meta=seo.home_meta(request) if page_no == 1 else seo.page_meta(request, "/"))


def front_stories(d: Desk) -> list:
    """Stories of more than one article, from the shortest window that has enough of them."""
    for since in TOP_WINDOWS:
        stories = d.top_stories(n=TOP_STORIES, since=since, min_size=2)
        if len(stories) >= TOP_STORIES // 2:
            break
    return stories


def story_cards(d: Desk, stories, per_story: int = 2, per_card_sources: int = 3) -> dict[int, dict]:
    """What a home-page card shows under its title: the latest few headlines of the story other than its title's;
    when every member carries the title's headline (one wire text, many sources), the other sources that reported
    it, each linked to its text; failing both, the lead of the title's article. A card is never a bare title."""
    wanted = {s.id: list(reversed(s.members))[:max(per_story * 4, 12)] for s in stories}
    items = {i.id: i for i in d.items_by_id([m for ms in wanted.values() for m in ms] +
                                            [s.title_article for s in stories if s.title_article])}
    cards = {}
    for story in stories:
        members = [items[m] for m in wanted[story.id] if m in items]
        seen, heads = {story.title}, []
        for item in members:
            if item.title not in seen and len(heads) < per_story:  # copies repeat the headline
                seen.add(item.title)
                heads.append(item)
        title_item = items.get(story.title_article)
        also, sources = [], {title_item.source} if title_item else set()
        for item in members if not heads else ():
            if item.source not in sources and len(also) < per_card_sources:
                sources.add(item.source)
                also.append(item)
        lead = ""
        if not heads and not also and title_item and title_item.lead and title_item.lead != story.title:
            lead = shorten(title_item.lead, 220)
        cards[story.id] = {"heads": heads, "also": also, "lead": lead}
    return cards


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:—-") + "…"


@router.get("/article/{article_id}", response_class=HTMLResponse)
async def article_page(request: Request, article_id: str):
    d = desk(request)
    found = d.article(article_id)
    if found is None:
        raise HTTPException(404, "no such article")
    article, analysis = found
    text = article.text
    rubric = page_feed_rubric(article.rubric, analysis.rubric if analysis else None)
    came_from = teaser_page(d, article) if article.kind == "stub" else None
    return fresh_as_of(d, page("article.html", title=article.title, came_from=came_from, article=article, rubric=rubric,
                blocks=marked_blocks(article, analysis), heading=HEADING, source_url=safe_url(article.url),
                quotes=quotes_of(analysis), figures=key_figures(text, analysis),
                related=related_rows(d.related(article, analysis)),
                copies=d.store.copies_of(article.id), story=d.story_of(article.id),
                speakers={e.normalised for e in analysis.entities if e.type == "PER"} if analysis else set(),
                meta=seo.article_meta(request, article, RUBRIC_NAMES_RU.get(rubric or ""), d.linker.root(article.id),
                                      safe_url(article.url))))


def teaser_page(d: Desk, stub: Article) -> Article | None:
    """The page whose "Похожие новости" the stub came from: its date stands for the stub's, and it is linked."""
    page_id = d.store.teaser_page_id(stub.id)
    return d.store.get(page_id) if page_id else None


def fresh_as_of(d: Desk, response):
    """Article, story and feed pages change when new articles are linked: their Last-Modified."""
    last_modified(response, d.changed_at)
    return response


@router.get("/story/{story_id}", response_class=HTMLResponse)
async def story_page(request: Request, story_id: int):
    d = desk(request)
    story = d.story(story_id) if 0 <= story_id < 2**62 else None
    if story is None:
        raise HTTPException(404, "no such story")
    details = story_details(d, story)
    return fresh_as_of(d, page("story.html", title=story.title, story=story, feed=f"/story/{story.id}/rss.xml", **details,
                meta=seo.story_meta(request, story, details["items"])))


def story_details(d: Desk, story) -> dict:
    """Timeline, quotes by whom, key figures and the per-hour chart: shared by the page and the API."""
    members = story.members[-STORY_TIMELINE:]
    items = d.items_by_id(members)
    analyses = d.analyses(members[-STORY_ANALYSES:])
    return {"items": items, "days": by_day(items), "quotes": story_quotes(items, analyses),
            "figures": story_figures(analyses), "chart": hour_chart([i.published_at for i in items])}


def by_day(items: list[Item]) -> list[tuple[str, list[Item]]]:
    """Consecutive items grouped under their local day: "26 ноября 2024"."""
    days: list[tuple[str, list[Item]]] = []
    for item in items:
        t = local(item.published_at)
        label = f"{t.day} {MONTHS[t.month - 1]} {t.year}" if t else "Без даты"
        if not days or days[-1][0] != label:
            days.append((label, []))
        days[-1][1].append(item)
    return days


def story_quotes(items: list[Item], analyses: dict[str, Analysis], n: int = 12) -> list[tuple[Item, object]]:
    seen, out = set(), []
    for item in items:
        for q in analyses[item.id].quotes if item.id in analyses else ():
            if q.speaker and q.text not in seen:
                seen.add(q.text)
                out.append((item, q))
    return sorted(out, key=lambda iq: not iq[1].direct)[:n]


def story_figures(analyses: dict[str, Analysis], n: int = 8) -> list[tuple[str, int]]:
    """Figures the members agree on: each as first written, with in how many articles it appears."""
    counts: Counter = Counter()
    shown: dict[tuple, str] = {}
    for analysis in analyses.values():
        for key in dict.fromkeys((f.value, f.unit) for f in analysis.figures):  # in order: ties go to the first
            counts[key] += 1
        for f in analysis.figures:
            shown.setdefault((f.value, f.unit), f.text)
    return [(shown[k], c) for k, c in counts.most_common(n)]


def hour_chart(times: list[datetime | None], width: int = 640, height: int = 120, max_bars: int = 72) -> dict:
    """Articles per hour (or per few hours, for long stories) as bars for an inline SVG drawn by the template."""
    times = sorted(local(t) for t in times if t)
    if not times:
        return {"bars": [], "labels": [], "width": width, "height": height, "step": 1, "top": 0}
    first = times[0].replace(minute=0, second=0, microsecond=0)
    span_h = int((times[-1] - first).total_seconds() // 3600) + 1
    step = max(1, math.ceil(span_h / max_bars))
    counts = Counter(int((t - first).total_seconds() // 3600) // step for t in times)
    n = max(max(counts) + 1, MIN_CHART_SLOTS)  # a one-hour story: a few hours' axis, not one wide bar nor a day
    top = max(counts.values())
    bar_w = width / n
    plot_h = height - 20
    bars = [{"x": round(i * bar_w + 1, 1), "w": round(max(bar_w - 2, 1), 1),
             "h": round(plot_h * counts[i] / top, 1), "y": round(plot_h - plot_h * counts[i] / top, 1),
             "count": counts[i], "at": first + timedelta(hours=i * step)} for i in range(n) if counts[i]]
    every = max(1, math.ceil(n / 8))
    fmt = "%H:%M" if n * step <= 24 else "%d.%m %H:%M"
    labels = [{"x": round(i * bar_w + 1, 1), "text": f"{(first + timedelta(hours=i * step)):{fmt}}", "anchor": "start"}
              for i in range(0, n, every)]
    if labels and labels[-1]["x"] > width - LABEL_WIDTH * len(fmt) / 5:  # the last label would run off the edge
        labels[-1].update(x=width - 1, anchor="end")
    return {"bars": bars, "labels": labels, "width": width, "height": height, "step": step, "top": top}


@router.get("/entity/{etype}/{name:path}", response_class=HTMLResponse)
async def entity_page(request: Request, etype: str, name: str,
                      page_no: int = Query(1, alias="page", ge=1, le=10_000)):
    d = desk(request)
    etype = etype.upper()
    total = d.entity_count(etype, name) if etype in ENTITY_TYPES else 0
    if not total:
        raise HTTPException(404, "no such entity")
    items, has_next = paged(d.entity_items(etype, name, limit=PAGE_SIZE + 1, offset=(page_no - 1) * PAGE_SIZE))
    return page("entity.html", title=name, name=name, etype=etype, total=total, items=items,
                stories=d.entity_stories(etype, name) if page_no == 1 else [],
                quotes=d.entity_quotes(name) if etype == "PER" and page_no == 1 else [],
                pager=pager(request, page_no, has_next),
                meta=seo.page_meta(request, entity_url(etype, name), name,
                                   f"{ENTITY_TYPES[etype]} {name} в новостях: "
                                   f"{plural(total, 'публикация', 'публикации', 'публикаций')}, сюжеты, цитаты."))


@router.get("/rubric/{code}", response_class=HTMLResponse)
async def rubric_page(request: Request, code: str, page_no: int = Query(1, alias="page", ge=1, le=10_000)):
    if code not in RUBRIC_NAMES_RU:
        raise HTTPException(404, "no such rubric")
    items, has_next = paged(desk(request).items(limit=PAGE_SIZE + 1, offset=(page_no - 1) * PAGE_SIZE, rubric=code))
    return page("feed.html", title=RUBRIC_NAMES_RU[code], items=items, pager=pager(request, page_no, has_next),
                feed=f"/rubric/{code}/rss.xml", current=code,
                meta=seo.page_meta(request, f"/rubric/{code}", RUBRIC_NAMES_RU[code],
                                   f"Последние новости рубрики «{RUBRIC_NAMES_RU[code]}» из разных источников."))


@router.get("/sources", response_class=HTMLResponse)
async def sources_page(request: Request):
    from ..sources.registry import Registry, public_health

    registry = Registry(desk(request).store)
    rows = [public_health(registry.health(s)) for s in registry.all()]  # no credentials, no raw errors
    return page("sources.html", title="Источники", rows=rows, stored=stored_sources(desk(request).store),
                current=None, meta=seo.page_meta(request, "/sources", "Источники",
                                                 "Источники Сводки: сколько публикаций у каждого и последняя из них."))


def stored_sources(store) -> list[dict]:
    """Every source with articles: how many, and its latest one (whatever brought them: files, the API, feeds)."""
    return [{"name": s, "count": n, "latest": latest and dict(zip(("id", "title", "published_at"), latest))}
            for s, n, latest in store.sources_summary()]


@router.get("/source/{name:path}", response_class=HTMLResponse)
async def source_page(request: Request, name: str, page_no: int = Query(1, alias="page", ge=1, le=10_000)):
    items, has_next = paged(desk(request).items(limit=PAGE_SIZE + 1, offset=(page_no - 1) * PAGE_SIZE, source=name))
    if not items and page_no == 1:
        raise HTTPException(404, "no such source")
    return page("feed.html", title=name, items=items, pager=pager(request, page_no, has_next), current=None,
                meta=seo.page_meta(request, f"/source/{seg(name)}", name, f"Последние публикации источника {name}."))


def day_bounds(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """Dates from the form ("2024-11-26") as the desk's local days: `end` counts whole. A day with no UTC
    counterpart (year 1, the last of year 9999) is a bad request."""
    def parse(text: str | None, extra: timedelta) -> datetime | None:
        try:
            day = date.fromisoformat(text) if text else None
        except ValueError:
            return None
        if not day:
            return None
        try:
            return (datetime.combine(day, time(), zone(DEFAULT_TZ)) + extra).astimezone(timezone.utc)
        except OverflowError:
            raise HTTPException(422, "Дата вне допустимого диапазона") from None

    return parse(start, timedelta(0)), parse(end, timedelta(days=1))


def search_args(q: str, rubric: str, source: str, date_from: str, date_to: str) -> dict:
    since, until = day_bounds(date_from, date_to)
    return {"query": q.strip()[:500], "rubric": rubric if rubric in RUBRIC_NAMES_RU else None,
            "source": source or None, "since": since, "until": until}


@router.get("/search", response_class=HTMLResponse)
async def search_page(request: Request, q: str = "", rubric: str = "", source: str = "",
                      date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
                      page_no: int = Query(1, alias="page", ge=1, le=10_000)):
    d = desk(request)
    args = search_args(q, rubric, source, date_from, date_to)
    found = d.search(**args, limit=PAGE_SIZE + 1, offset=(page_no - 1) * PAGE_SIZE) if args["query"] else []
    items, has_next = paged(found)
    query = {"q": q, "rubric": rubric, "source": source, "from": date_from, "to": date_to}
    return page("search.html", title=f"Поиск: {q}" if q else "Поиск", items=items, query=query,
                sources=[s for s, _ in d.sources()], pager=pager(request, page_no, has_next),
                feed="/search/rss.xml?" + urlencode(query) if args["query"] else None,
                meta=seo.meta(robots="noindex, follow"))


# -- feeds


def feed_response(request: Request, title: str, path: str, items: list[Item]) -> Response:
    base = request.app.state.base_url  # configured: a Host header must not choose where feed links point
    body = rss.render(title=title, link=base + path, items=items, base=base)
    return fresh_as_of(desk(request), Response(body, media_type="application/rss+xml; charset=utf-8"))


@router.get("/rss.xml")
async def home_rss(request: Request):
    return feed_response(request, "Сводка: последние новости", "/", desk(request).items(limit=50))


@router.get("/rubric/{code}/rss.xml")
async def rubric_rss(request: Request, code: str):
    if code not in RUBRIC_NAMES_RU:
        raise HTTPException(404, "no such rubric")
    return feed_response(request, f"Сводка: {RUBRIC_NAMES_RU[code]}", f"/rubric/{code}",
                         desk(request).items(limit=50, rubric=code))


@router.get("/story/{story_id}/rss.xml")
async def story_rss(request: Request, story_id: int):
    d = desk(request)
    story = d.story(story_id) if 0 <= story_id < 2**62 else None
    if story is None:
        raise HTTPException(404, "no such story")
    items = d.items_by_id(story.members[-50:])[::-1]
    return feed_response(request, f"Сводка: {story.title}", f"/story/{story.id}", items)


@router.get("/search/rss.xml")
async def search_rss(request: Request, q: str = "", rubric: str = "", source: str = "",
                     date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to")):
    args = search_args(q, rubric, source, date_from, date_to)
    items = desk(request).search(**args, limit=50) if args["query"] else []
    return feed_response(request, f"Сводка: поиск «{args['query']}»", "/search?" + urlencode({"q": q}), items)
