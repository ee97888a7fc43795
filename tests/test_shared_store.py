"""PostgreSQL as the shared store: the same answers as SQLite, several servers over one store, and a crash
half-way through an ingest that loses nothing and stores nothing twice."""
import asyncio
import itertools
import os
import signal
import subprocess
import sys
import time

import pytest
from fastapi.testclient import TestClient

from svodka.ingest import read
from svodka.link.linker import Linker
from svodka.model import Article, Block
from svodka.pipeline import ingest
from svodka.store import open_store
from svodka.understand.analyze import VERSION

from conftest import ROOT, SAMPLE_JSONL, SEED, open_backend

def sample_part(tmp_path, lines: int, start: int = 0) -> str:
    path = tmp_path / f"part-{start}-{lines}.jsonl"
    with open(SAMPLE_JSONL, encoding="utf-8") as src, open(path, "w", encoding="utf-8") as out:
        out.writelines(itertools.islice(src, start, start + lines))
    return str(path)


def build(db: str, paths: list[str]) -> None:
    store = open_store(db)
    try:
        ingest(store, read(paths), linker=Linker(store))
    finally:
        store.close()


def answers(db: str) -> dict:
    """What readers get from the API over a store: lists, an article, its related news, stories, entities."""
    from svodka.serve.app import create_app

    client = TestClient(create_app(db))
    get = lambda url: client.get(url).json()  # noqa: E731
    latest = get("/api/v1/articles?limit=50")
    out = {"latest": latest, "top": get("/api/v1/stories/top?n=10&since=52w")}
    for item in latest["items"][:10]:
        out[item["id"]] = get(f"/api/v1/articles/{item['id']}")
        # full-text candidates come ranked by BM25 in one engine and ts_rank in the other: mostly the same items
        out["related"] = out.get("related", []) + [
            {r["article_id"] for r in get(f"/api/v1/articles/{item['id']}/related")}]
    for story in out["top"]:
        out[f"story {story['id']}"] = get(f"/api/v1/stories/{story['id']}")
    out["entities"] = get("/api/v1/entities?q=путин")
    # the two engines rank full-text matches by different formulas (BM25, ts_rank): the same hits, maybe reordered
    out["search"] = sorted(a["id"] for a in get("/api/v1/search?q=санкции&limit=100")["items"])
    client.app.state.desk.close()
    return out


def test_postgres_gives_the_same_answers_as_sqlite(tmp_path, pg_url):
    paths = [str(SEED), sample_part(tmp_path, 400)]
    sqlite_db = str(tmp_path / "a.db")
    build(sqlite_db, paths)
    build(pg_url, paths)
    a, b = answers(sqlite_db), answers(pg_url)
    assert a["latest"]["items"] and a["top"] and a["search"] and a["entities"]
    assert a.keys() == b.keys()
    related_a, related_b = a.pop("related"), b.pop("related")
    for key in a:
        assert a[key] == b[key], key
    shared = [len(x & y) / max(len(x | y), 1) for x, y in zip(related_a, related_b) if x or y]
    assert shared and sum(shared) / len(shared) >= 0.6


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_servers_one_links_the_other_follows(tmp_path, request, backend):
    from svodka.serve.app import Desk

    db = open_backend(backend, tmp_path, request)
    build(db, [sample_part(tmp_path, 200)])
    one, two = Desk(db), Desk(db)
    try:
        assert one.store.try_lead() and not two.store.try_lead()  # one linker per store
        counts, ids = two.ingest(list(read([sample_part(tmp_path, 150, start=200)])))  # stored through the follower
        assert counts["stored"] > 100
        asyncio.run(two.link_new())  # not the linker: links nothing
        assert one.store.unlinked() and len(two.linker.linked) == len(one.linker.linked)
        asyncio.run(one.link_new())
        assert not one.store.unlinked()
        asyncio.run(two.link_new())  # follows: the same index, copies and stories
        assert two.linker.linked == one.linker.linked and two.linker.dup_of == one.linker.dup_of
        assert two.linker.story_of == one.linker.story_of
        for aid in ids[:20]:
            assert [r.article_id for r in two.related(*one.article(aid))] == \
                   [r.article_id for r in one.related(*one.article(aid))]
        one.close()  # the linker goes: the other takes over
        assert two.store.try_lead()
    finally:
        two.close()


def test_control_characters_are_dropped_before_storing(store):
    article = Article(source="A\x00", title="Сбой\x00 в сети", body=[Block("Текст\x07 с мусором\x00.")])
    store.add_batch([article])
    stored = store.get(article.id)
    assert (stored.source, stored.title, stored.body[0].text) == ("A", "Сбой в сети", "Текст с мусором.")


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_kill_during_ingest_then_again_stores_each_article_once_with_its_analysis(tmp_path, request, backend):
    db = open_backend(backend, tmp_path, request)
    corpus = sample_part(tmp_path, 800)
    command = [sys.executable, "-m", "svodka.cli", "--db", db, "ingest", str(SEED), corpus]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = open_store(db)
    try:
        deadline = time.monotonic() + 120
        while store.count() == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.0)  # into the next batch's analysis: killed with work in flight
        assert proc.poll() is None, "the ingest ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        part = store.count()
        assert 0 < part
        assert subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE).returncode == 0

        reference = open_store(str(tmp_path / "reference.db"))  # the same files, never interrupted
        ingest(reference, read([str(SEED), corpus]), analyze=False)
        expected = {a.id for batch in reference.iter_articles() for a in batch}
        reference.close()
        stored = [a.id for batch in store.iter_articles() for a in batch]
        assert part < len(stored) and len(stored) == len(set(stored)) and set(stored) == expected
        assert store.needing_analysis(VERSION) == []  # every stored article has its analysis
        assert store.unlinked() == []  # and the second run linked what the first left unlinked
        assert store.count_linked() == sum(1 for a in expected if store.get(a).kind != "stub")
    finally:
        if proc.poll() is None:
            proc.kill()
        store.close()


def test_source_registry_keeps_sources_and_their_health(store):
    from datetime import datetime, timedelta, timezone

    from svodka.sources.registry import PollRecord, Registry

    now = datetime(2025, 2, 25, 7, 0, tzinfo=timezone.utc)
    registry = Registry(store)
    feed = registry.add("https://example.ru/rss", name="Пример", every=600, now=now)
    other = registry.add("https://example.org/atom", every=60, now=now)
    assert [s.id for s in registry.due(now)] == [feed.id, other.id]
    registry.record(feed, PollRecord(ok=True, status="ok", new_items=7, etag='"v1"'), now=now)
    registry.record(other, PollRecord(ok=False, status="HTTP 503"), now=now)
    feed, other = registry.get(feed.id), registry.by_url("https://example.org/atom")
    assert (feed.etag, feed.consecutive_failures, other.consecutive_failures) == ('"v1"', 0, 1)
    assert registry.items_since(feed.id, now - timedelta(hours=1)) == 7
    assert registry.due(now + timedelta(seconds=30)) == []
    assert registry.remove(other.id) and not registry.remove(other.id)
    assert [s.url for s in registry.all()] == ["https://example.ru/rss"]
