"""`svodka serve --watch`: the poller stores analysed articles, the server links them; /sources shows health."""
import time

from fastapi.testclient import TestClient

from svodka.ingest import read_file
from svodka.pipeline import ingest
from svodka.serve.app import create_app
from svodka.sources.registry import Registry
from svodka.store.sqlite import SQLiteStore

from conftest import SEED, fixture


def test_server_links_what_another_writer_stored(tmp_path):
    db = str(tmp_path / "w.db")
    store = SQLiteStore(db)
    ingest(store, read_file(str(SEED)))  # as the poller does with link=False: analysed, not linked
    assert len(store.unlinked()) == 1
    app = create_app(db, link_every=0.1)
    with TestClient(app) as client:  # the lifespan runs: the linking loop starts
        writer = SQLiteStore(db)
        ingest(writer, read_file(fixture("feed_rss.xml")))
        writer.close()
        deadline = time.monotonic() + 20
        while store.unlinked() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert store.unlinked() == []
        seed = next(a for a in store.list() if a.rubric == "В мире")
        assert client.get(f"/article/{seed.id}").status_code == 200
    store.close()


def test_sources_page_shows_health(tmp_path):
    db = str(tmp_path / "s.db")
    store = SQLiteStore(db)
    client = TestClient(create_app(db))
    assert "svodka sources add" in client.get("/sources").text
    Registry(store).add("http://127.0.0.1:9/feed.xml", name="Лента <b>теста</b>")
    html = client.get("/sources").text
    assert "Лента &lt;b&gt;теста&lt;/b&gt;" in html and "ещё не опрошен" in html
    store.close()
