"""The site and the API against hostile requests, on both backends: no unauthenticated 500, one bad item of an
ingest costs only itself, no secret on a public page, feed links never from the Host header."""
import json

import pytest
from fastapi.testclient import TestClient

from svodka.serve.app import create_app
from svodka.sources.registry import PollRecord, Registry

KEY = {"X-API-Key": "hardening-test-key"}
GOOD = [{"title": f"Хорошая новость {n} о ставке", "text": f"Центральный банк сохранил ставку, сообщение {n}.",
         "source": "Лента", "published_at": "2025-02-25T07:00:00+03:00", "url": f"https://e.ru/{n}"}
        for n in range(2)]


@pytest.fixture
def client(any_db, monkeypatch):
    monkeypatch.setenv("SVODKA_API_KEY", KEY["X-API-Key"])
    monkeypatch.delenv("SVODKA_BASE_URL", raising=False)
    app = create_app(any_db, base_url="https://news.example.ru/")
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.desk.close()


def ingest(client, body: bytes):
    return client.post("/api/v1/ingest", content=body, headers={**KEY, "Content-Type": "application/json"})


def test_api_ingest_stores_the_good_items_around_bad_ones(client):
    deep = b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    huge = '{"text": "Текст", "id": '.encode() + b"7" * 5000 + b"}"
    bad = [deep, huge, json.dumps({"title": 5, "text": "Текст"}).encode(), '"строка"'.encode()]
    surrogate = '{"title": "\\ud800 \\u0000 Суррогат", "text": "Текст \\udfff с мусором о ставке банка."}'.encode()
    body = b"[" + b",".join([json.dumps(GOOD[0]).encode(), *bad, surrogate, json.dumps(GOOD[1]).encode()]) + b"]"
    r = ingest(client, body)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["stored"] == 3 and len(result["ids"]) == 3
    assert sorted(e["position"] for e in result["errors"]) == ["item 2", "item 3", "item 4", "item 5"]
    reasons = " ".join(e["reason"] for e in result["errors"])
    assert "RecursionError" in reasons and "digits" in reasons
    titles = {client.get(f"/api/v1/articles/{i}").json()["title"] for i in result["ids"]}
    assert titles == {GOOD[0]["title"], GOOD[1]["title"], "Суррогат"}

    r = ingest(client, deep)  # nothing good in it: the whole body is the error
    assert r.status_code == 422 and "RecursionError" in r.text


@pytest.mark.parametrize("path", [
    "/api/v1/articles?since=0001-01-01T00:00:00%2B03:00",
    "/api/v1/articles?until=9999-12-31T23:59:59-05:00",
    "/api/v1/articles?until=0.5",
    "/api/v1/articles?since=1700000000",
    "/api/v1/search?q=ставка&since=0001-01-01T00:00:00%2B03:00",
    "/search?q=ставка&from=0001-01-01",
    "/search?q=ставка&to=9999-12-31",
    "/search/rss.xml?q=ставка&to=9999-12-31",
])
def test_dates_out_of_range_or_not_dates_are_422(client, path):
    r = client.get(path)
    assert r.status_code == 422, (r.status_code, r.text[:300])


def test_ordinary_dates_still_work(client):
    assert ingest(client, json.dumps(GOOD).encode()).json()["stored"] == 2
    assert len(client.get("/api/v1/articles?since=2025-02-24&until=2025-02-26T00:00:00Z").json()["items"]) == 2
    assert client.get("/search?q=ставка&from=2025-02-24&to=2025-02-25").status_code == 200


@pytest.mark.parametrize("path", [
    "/api/v1/articles?source=a%00b", "/api/v1/articles/ab%00cd", "/api/v1/articles/ab%00cd/related",
    "/api/v1/search?q=%00", "/api/v1/entities?q=x%00", "/api/v1/entities/PER/%00", "/search?q=a%00",
    "/source/%00", "/entity/PER/a%00b", "/article/%00",
])
def test_nul_in_path_or_query_is_a_bad_request(client, path):
    r = client.get(path)
    assert r.status_code == 422, (r.status_code, r.text[:300])
    assert r.headers["x-content-type-options"] == "nosniff"


def test_an_unhandled_error_still_carries_the_security_headers(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(client.app.state.desk, "items", broken)
    for path in ("/api/v1/articles", "/"):
        r = client.get(path)
        assert r.status_code == 500
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], path
        assert r.headers["x-frame-options"] == "DENY" and "a bug" not in r.text


def test_feed_links_use_the_configured_address_not_the_host_header(client, monkeypatch):
    ingest(client, json.dumps(GOOD).encode())
    rss = client.get("/rss.xml", headers={"Host": "evil.example"}).text
    assert "evil.example" not in rss and rss.count("https://news.example.ru/article/") == 4  # link + guid each
    monkeypatch.setattr(client.app.state, "base_url", "https://other.example.ru")
    assert "https://other.example.ru/article/" in client.get("/rss.xml").text


def test_base_url_setting_wins(any_db, monkeypatch):
    monkeypatch.setenv("SVODKA_BASE_URL", "https://desk.example.ru/")
    app = create_app(any_db, base_url="http://0.0.0.0:8000")
    try:
        assert app.state.base_url == "https://desk.example.ru"
    finally:
        app.state.desk.close()


def test_sources_page_shows_no_credentials_and_no_raw_errors(client):
    registry = Registry(client.app.state.desk.store)
    source = registry.add("https://editor:hunter2@feeds.example.ru/rss?token=s3cr3t&page=2", name="Лента")
    registry.record(source, PollRecord(False, "connection failed: ConnectError: [Errno 111] to 10.1.2.3 "
                                              "https://editor:hunter2@feeds.example.ru/rss?token=s3cr3t"))
    page = client.get("/sources").text
    assert "hunter2" not in page and "s3cr3t" not in page and "10.1.2.3" not in page
    assert "https://editor:***@feeds.example.ru/rss?token=***&amp;page=2" in page
    assert "не удалось соединиться" in page


def test_openapi_defines_everything_it_references(client):
    doc = client.get("/openapi.json").json()
    refs = set()

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.add(node["$ref"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    assert refs
    for ref in refs:
        target = doc
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]  # KeyError: a reference to nothing
    body = doc["paths"]["/api/v1/ingest"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["anyOf"][0]["required"] == ["text"]


def test_generated_requests_get_no_5xx(client):
    """schemathesis over every operation, a few examples each (the sample-store run is in test_api.py)."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)
        def check(case):
            response = case.call()
            assert response.status_code < 500, (case.path, case.query, response.text[:200])

        check()
