"""What crawlers and sharing read: robots.txt, the sitemaps (a news sitemap of the last two days among them), and
each page's description, canonical address, OpenGraph tags and JSON-LD.

Every address here is absolute, built from the configured base URL (app.state.base_url), never the Host header.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape as xml_escape

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import PlainTextResponse, Response
from markupsafe import Markup

SITE_NAME = "Сводка"
SITE_DESCRIPTION = ("Сводка — новости на русском языке: главные сюжеты дня, связанные публикации разных "
                    "источников, цитаты, цифры и упомянутые люди и организации.")
DESCRIPTION_CHARS = 160
HEADLINE_CHARS = 110  # schema.org NewsArticle headlines longer than this are cut by search engines anyway
SITEMAP_URLS = 10_000  # per file; the protocol allows 50,000, a smaller file is quicker to make and fetch
NEWS_WINDOW = timedelta(days=2)  # a news sitemap holds the articles of the last two days
NEWS_URLS = 1_000  # and at most this many
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
router = APIRouter(include_in_schema=False)


# -- page metadata


def describe(text: str, limit: int = DESCRIPTION_CHARS) -> str:
    """A description of at most `limit` characters, cut at a word."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:—-") + "…"


def json_ld(data: dict) -> Markup:
    """JSON for a <script type="application/ld+json">: "<", ">" and "&" escaped, so no text closes the element."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds") if dt else None


def meta(canonical: str | None = None, description: str = "", og: list[tuple[str, str]] | None = None,
         jsonld: Markup | None = None, robots: str | None = None) -> dict:
    """What base.html puts in <head>."""
    return {"description": description or SITE_DESCRIPTION, "canonical": canonical, "og": og or [],
            "jsonld": jsonld, "robots": robots}


def open_graph(kind: str, title: str, description: str, url: str | None) -> list[tuple[str, str]]:
    tags = [("og:type", kind), ("og:site_name", SITE_NAME), ("og:locale", "ru_RU"), ("og:title", title),
            ("og:description", description)]
    return tags + ([("og:url", url)] if url else [])


def base_of(request: Request) -> str:
    return request.app.state.base_url


def page_meta(request: Request, path: str, title: str = "", description: str = "", robots: str | None = None) -> dict:
    """A list page: its canonical address (with its page number past the first), OpenGraph as a website."""
    page_no = request.query_params.get("page", "1")
    url = base_of(request) + path + (f"?page={page_no}" if page_no.isdigit() and int(page_no) > 1 else "")
    text = description or SITE_DESCRIPTION
    return meta(url, text, open_graph("website", title or SITE_NAME, text, url), robots=robots)


def home_meta(request: Request) -> dict:
    base = base_of(request)
    data = meta(**{k: v for k, v in page_meta(request, "/").items() if k != "jsonld"})
    data["jsonld"] = json_ld({
        "@context": "https://schema.org", "@type": "WebSite", "name": SITE_NAME, "url": base + "/",
        "inLanguage": "ru", "description": SITE_DESCRIPTION,
        "potentialAction": {"@type": "SearchAction", "target": base + "/search?q={query}",
                            "query-input": "required name=query"}})
    return data


def article_meta(request: Request, article, section: str | None, canonical_id: str,
                 source_url: str | None) -> dict:
    """A copy's canonical address is its first text's page; a teaser stub is not for the index."""
    base = base_of(request)
    url = f"{base}/article/{canonical_id}"
    description = describe(article.lead or article.title)
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": describe(article.title, HEADLINE_CHARS),
            "description": description, "url": url, "mainEntityOfPage": url, "inLanguage": article.language or "ru",
            "author": {"@type": "Organization", "name": article.source},
            "publisher": {"@type": "Organization", "name": SITE_NAME, "url": base + "/"}}
    if article.published_at:
        data["datePublished"] = iso(article.published_at)
    if section:
        data["articleSection"] = section
    if source_url:
        data["isBasedOn"] = source_url
    og = open_graph("article", article.title, description, url)
    if article.published_at:
        og.append(("article:published_time", iso(article.published_at)))
    if section:
        og.append(("article:section", section))
    return meta(url, description, og, json_ld(data), robots="noindex, follow" if article.kind == "stub" else None)


def story_meta(request: Request, story, items) -> dict:
    """A story as a collection of news: its headline, when it began and when it last moved, its latest items."""
    base = base_of(request)
    url = f"{base}/story/{story.id}"
    latest = [i for i in reversed(items)][:10]
    description = describe(f"{story.title}. Хроника сюжета: {story.size} публикаций, {story.sources} источников"
                           + (f"; последнее — {latest[0].title}" if latest else ""))
    data = {"@context": "https://schema.org", "@type": "CollectionPage",
            "headline": describe(story.title, HEADLINE_CHARS), "name": story.title, "description": description,
            "url": url, "inLanguage": "ru", "publisher": {"@type": "Organization", "name": SITE_NAME, "url": base + "/"},
            "mainEntity": {"@type": "ItemList", "numberOfItems": len(latest), "itemListElement": [
                {"@type": "ListItem", "position": n, "url": f"{base}/article/{i.id}", "name": i.title}
                for n, i in enumerate(latest, 1)]}}
    if story.first_at:
        data["datePublished"] = iso(story.first_at)
    if story.last_at:
        data["dateModified"] = iso(story.last_at)
    return meta(url, description, open_graph("website", story.title, description, url), json_ld(data))


# -- robots.txt and sitemaps


@router.get("/robots.txt", response_class=PlainTextResponse)
async def robots(request: Request):
    # search results are endless variations of one list; the API is for programs
    return PlainTextResponse("User-agent: *\nDisallow: /search\nDisallow: /api/\n\n"
                             f"Sitemap: {base_of(request)}/sitemap.xml\n")


def xml(body: str) -> Response:
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body, media_type="application/xml; charset=utf-8")


def url_entry(loc: str, lastmod: datetime | None = None, extra: str = "") -> str:
    mod = f"<lastmod>{iso(lastmod)}</lastmod>" if lastmod else ""
    return f"<url><loc>{xml_escape(loc)}</loc>{mod}{extra}</url>"


def counts(store) -> tuple[int, int]:
    """(articles, stories) the sitemaps list."""
    return store.indexed_count(), store.stories_count()


@router.get("/sitemap.xml")
async def sitemap_index(request: Request):
    base, (articles, stories) = base_of(request), counts(request.app.state.desk.store)
    files = ["sitemap-pages.xml", "sitemap-news.xml"]
    files += [f"sitemap-stories-{n}.xml" for n in range(1, -(-stories // SITEMAP_URLS) + 1)]
    files += [f"sitemap-articles-{n}.xml" for n in range(1, -(-articles // SITEMAP_URLS) + 1)]
    entries = "".join(f"<sitemap><loc>{xml_escape(base)}/{f}</loc></sitemap>" for f in files)
    return xml(f'<sitemapindex xmlns="{SITEMAP_NS}">{entries}</sitemapindex>')


@router.get("/sitemap-pages.xml")
async def sitemap_pages(request: Request):
    from ..understand.rubric import RUBRICS

    base = base_of(request)
    paths = ["/", "/sources", *(f"/rubric/{code}" for code in RUBRICS)]
    return xml(f'<urlset xmlns="{SITEMAP_NS}">{"".join(url_entry(base + p) for p in paths)}</urlset>')


def chunk_no(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 100_000:
        raise HTTPException(404, "no such sitemap")
    return int(text)


@router.get("/sitemap-articles-{n}.xml")
async def sitemap_articles(request: Request, n: str):
    rows = request.app.state.desk.store.indexed_page(SITEMAP_URLS, (chunk_no(n) - 1) * SITEMAP_URLS)
    if not rows:
        raise HTTPException(404, "no such sitemap")
    base = base_of(request)
    entries = "".join(url_entry(f"{base}/article/{aid}", at) for aid, at in rows)
    return xml(f'<urlset xmlns="{SITEMAP_NS}">{entries}</urlset>')


@router.get("/sitemap-stories-{n}.xml")
async def sitemap_stories(request: Request, n: str):
    rows = request.app.state.desk.store.stories_page(SITEMAP_URLS, (chunk_no(n) - 1) * SITEMAP_URLS)
    if not rows:
        raise HTTPException(404, "no such sitemap")
    base = base_of(request)
    entries = "".join(url_entry(f"{base}/story/{sid}", at) for sid, at in rows)
    return xml(f'<urlset xmlns="{SITEMAP_NS}">{entries}</urlset>')


def news_entries(store, base: str, now: datetime | None = None) -> list[str]:
    """The articles of the last two days, newest first, as Google News sitemap entries."""
    now = now or datetime.now(timezone.utc)
    rows = store.indexed_between(now - NEWS_WINDOW, now + timedelta(minutes=5), NEWS_URLS)
    return [url_entry(f"{base}/article/{aid}", extra=(
        f"<news:news><news:publication><news:name>{SITE_NAME}</news:name><news:language>ru</news:language>"
        f"</news:publication><news:publication_date>{iso(at)}</news:publication_date>"
        f"<news:title>{xml_escape(title)}</news:title></news:news>")) for aid, at, title in rows]


@router.get("/sitemap-news.xml")
async def sitemap_news(request: Request):
    entries = news_entries(request.app.state.desk.store, base_of(request))
    return xml(f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">{"".join(entries)}</urlset>')
