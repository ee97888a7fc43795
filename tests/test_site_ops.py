"""What crawlers, browsers and operators expect of the site (issue 15): robots.txt and sitemaps, page metadata,
gzip, validators and 304s, HEAD, static cache lifetimes, health and readiness, Prometheus metrics, the access log,
and API docs served from the package."""
from __future__ import annotations

import gzip
import json
import re
from html import unescape as html_unescape
from xml.etree import ElementTree as ET

pytest_plugins = ["conftest_serve"]  # the sample database, built once a session

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
BASE = "http://127.0.0.1:8000"  # the app's default base URL


def json_ld(html: str) -> dict:
    found = re.findall(r'<script type="application/ld\+json">([^<]*)</script>', html)
    assert len(found) == 1, found
    return json.loads(found[0])


def meta_of(html: str, attr: str, name: str) -> str:
    found = re.search(rf'<meta {attr}="{re.escape(name)}" content="([^"]*)">', html)
    assert found, name
    return found.group(1)


def top_story_id(client) -> int:
    return client.get("/api/v1/stories/top", params={"n": 1, "since": "30d"}).json()[0]["id"]


def test_robots_and_sitemaps(client, seed_id):
    robots = client.get("/robots.txt")
    assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
    assert f"Sitemap: {BASE}/sitemap.xml" in robots.text and "Disallow: /search" in robots.text
    index = ET.fromstring(client.get("/sitemap.xml").content)
    files = [e.findtext(f"{SM}loc") for e in index.iter(f"{SM}sitemap")]
    assert f"{BASE}/sitemap-news.xml" in files and f"{BASE}/sitemap-articles-1.xml" in files
    for loc in files:
        r = client.get(loc.removeprefix(BASE))
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml"), loc
        ET.fromstring(r.content)
    articles = ET.fromstring(client.get("/sitemap-articles-1.xml").content)
    locs = [u.findtext(f"{SM}loc") for u in articles.iter(f"{SM}url")]
    assert f"{BASE}/article/{seed_id}" in locs and len(locs) > 1000
    assert client.get("/sitemap-articles-99.xml").status_code == 404
    assert client.get("/sitemap-articles-x.xml").status_code == 404


def test_news_sitemap_holds_the_last_two_days(app, seed_id):
    from datetime import timedelta

    from svodka.serve.seo import news_entries

    store = app.state.desk.store
    newest = store.newest_time()
    entries = news_entries(store, BASE, now=newest + timedelta(minutes=1))
    tree = ET.fromstring(f'<urlset xmlns="{SM[1:-1]}" xmlns:news="{NEWS[1:-1]}">{"".join(entries)}</urlset>')
    titles = [n.findtext(f"{NEWS}title") for n in tree.iter(f"{NEWS}news")]
    assert titles and any(t.startswith("Путин предлагает США") for t in titles)
    assert not news_entries(store, BASE, now=newest + timedelta(days=3))  # all older than two days then


def test_article_metadata(client, seed_id):
    html = client.get(f"/article/{seed_id}").text
    assert f'<link rel="canonical" href="{BASE}/article/{seed_id}">' in html
    assert meta_of(html, "name", "description").startswith("В понедельник президент России")
    assert meta_of(html, "property", "og:type") == "article"
    assert meta_of(html, "property", "og:title").startswith("Путин предлагает США участие")
    assert meta_of(html, "property", "og:url") == f"{BASE}/article/{seed_id}"
    data = json_ld(html)
    assert data["@type"] == "NewsArticle" and data["headline"].startswith("Путин предлагает США участие")
    assert data["datePublished"] == "2025-02-25T04:00:00+00:00"  # 07:00 Moscow
    assert data["articleSection"] == "В мире" and data["author"]["name"] and data["publisher"]["name"] == "Сводка"


def test_a_copy_points_its_canonical_at_the_first_text(app, client):
    linker = app.state.desk.linker
    copy = next(a for a in linker.dup_of if linker.root(a) != a and app.state.desk.store.get(a))
    html = client.get(f"/article/{copy}").text
    assert f'<link rel="canonical" href="{BASE}/article/{linker.root(copy)}">' in html


def test_story_and_home_metadata(client):
    story_id = top_story_id(client)
    html = client.get(f"/story/{story_id}").text
    assert f'<link rel="canonical" href="{BASE}/story/{story_id}">' in html
    data = json_ld(html)
    assert data["headline"] and data["datePublished"] and data["mainEntity"]["itemListElement"]
    assert meta_of(html, "property", "og:title") == data["name"]
    home = client.get("/").text
    assert json_ld(home)["@type"] == "WebSite" and meta_of(home, "name", "description")
    assert 'content="noindex' in client.get("/search?q=Путин").text


def test_gzip_when_asked(client):
    plain = client.get("/", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = client.get("/", headers={"accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip" and "accept-encoding" in raw.headers["vary"].lower()
    assert raw.text == plain.text  # httpx decodes it
    assert int(raw.headers["content-length"]) < len(plain.content) / 3


def test_304_on_a_repeated_request(client, seed_id):
    for path in (f"/article/{seed_id}", f"/story/{top_story_id(client)}", "/rss.xml", "/"):
        first = client.get(path)
        etag = first.headers["etag"]
        again = client.get(path, headers={"if-none-match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag, path
        assert client.get(path, headers={"if-none-match": 'W/"other"'}).status_code == 200
    article = client.get(f"/article/{seed_id}")
    modified = article.headers["last-modified"]
    assert client.get(f"/article/{seed_id}", headers={"if-modified-since": modified}).status_code == 304
    assert client.get(f"/article/{seed_id}",
                      headers={"if-modified-since": "Mon, 01 Jan 2001 00:00:00 GMT"}).status_code == 200


def test_head_is_answered_on_get_routes(client, seed_id):
    for path in ("/", f"/article/{seed_id}", "/rss.xml", "/sitemap.xml", "/healthz", "/docs",
                 f"/api/v1/articles/{seed_id}", "/static/site.css"):
        r = client.head(path)
        assert r.status_code == 200 and r.content == b"", path
        assert r.headers["content-type"] == client.get(path).headers["content-type"], path
    assert client.head("/article/nope").status_code == 404


def test_static_files_cached_for_long(client):
    html = client.get("/").text
    css = re.search(r'href="(/static/site\.css\?v=[0-9a-f]+)"', html).group(1)
    r = client.get(css)
    assert r.status_code == 200 and "max-age=31536000" in r.headers["cache-control"]
    assert "immutable" in r.headers["cache-control"]
    assert "immutable" not in client.get("/static/site.css").headers["cache-control"]


def test_health_and_readiness(app, client):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    store = app.state.desk.store
    real = store.query

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    store.query = broken
    try:
        r = client.get("/readyz")
        assert r.status_code == 503 and r.json()["status"] == "unavailable"
        assert client.get("/healthz").status_code == 200  # the process still answers
    finally:
        store.query = real


def test_metrics_in_prometheus_format(client, seed_id):
    from prometheus_client.parser import text_string_to_metric_families

    client.get(f"/article/{seed_id}")
    client.get("/article/nope")
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(r.text)}
    requests = {(s.labels["route"], s.labels["status"]) for s in families["svodka_http_requests"].samples
                if s.name == "svodka_http_requests_total"}
    assert ("/article/{article_id}", "200") in requests and ("/article/{article_id}", "404") in requests
    assert any(s.name == "svodka_http_request_duration_seconds_bucket"
               for s in families["svodka_http_request_duration_seconds"].samples)
    stored = {s.labels["kind"]: s.value for s in families["svodka_articles_stored"].samples}
    assert stored["article"] + stored.get("post", 0) > 1000
    for name in ("svodka_articles_ingested", "svodka_linker_unlinked_articles", "svodka_linker_lag_seconds",
                 "svodka_source_polls", "svodka_source_consecutive_failures"):
        assert name in families, name


def test_access_log_writes_json_lines(served_db, tmp_path, seed_id):
    from fastapi.testclient import TestClient

    from svodka.serve.app import create_app

    path = tmp_path / "access.log"
    with TestClient(create_app(served_db, access_log=str(path))) as c:
        c.get(f"/article/{seed_id}?x=1", headers={"user-agent": "probe"})
        c.head("/no/such/page")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["path"] == f"/article/{seed_id}" and lines[0]["status"] == 200 and lines[0]["query"] == "x=1"
    assert lines[0]["route"] == "/article/{article_id}" and lines[0]["user_agent"] == "probe"
    assert lines[0]["duration_ms"] > 0 and lines[0]["bytes"] > 1000
    assert lines[1]["method"] == "HEAD" and lines[1]["status"] == 404 and lines[1]["route"] == "unmatched"


def test_docs_served_from_the_package(client):
    r = client.get("/docs")
    assert r.status_code == 200
    html = r.text
    assert "/api/v1/articles/{article_id}" in html and "POST /api/v1/ingest" in html
    refs = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert refs and all(ref.startswith(("/", "#")) or ref.startswith(BASE) for ref in refs), refs
    assert "<script" not in html.replace('<script type="application/ld+json">', "")
    assert 'href="/docs"' in client.get("/").text  # the footer's API link


def test_sources_page_lists_every_source_with_counts_and_latest(app, client):
    html = client.get("/sources").text
    counts = app.state.desk.store.query("SELECT source, count(*) FROM articles WHERE kind IN ('article', 'post') "
                                        "GROUP BY source")
    assert len(counts) >= 10
    rows = re.findall(r'<tr>\s*<td><a href="/source/[^"]+">([^<]+)</a></td>\s*<td>(\d+)</td>\s*<td>(.*?)</td>', html,
                      re.S)
    assert {(html_unescape(name), int(n)) for name, n, _ in rows} == set(counts)  # a name may hold "<", "&"
    assert all('href="/article/' in latest and "<time datetime=" in latest for _, _, latest in rows)
