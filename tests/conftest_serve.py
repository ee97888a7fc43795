"""Shared by the serving tests (test_api, test_web, test_browser) as a plugin (`pytest_plugins`): the bundled
sample, ingested, analysed and linked once per session, and the app over it."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = [ROOT / "svodka" / "sample" / "seed_page.txt", ROOT / "svodka" / "sample" / "telegram_news.jsonl"]
API_KEY = "test-key-not-secret"


def build_db(path: Path) -> None:
    """Ingest as `svodka ingest` does; into a side file first so that a failed build leaves nothing behind."""
    from svodka.ingest import read
    from svodka.link.linker import Linker
    from svodka.pipeline import ingest
    from svodka.store.sqlite import SQLiteStore

    part = path.with_suffix(".part")
    store = SQLiteStore(str(part))
    try:
        ingest(store, read([str(p) for p in SAMPLE]), linker=Linker(store))
        store.checkpoint()
    finally:
        store.close()
    part.rename(path)


@pytest.fixture(scope="session")
def served_db(tmp_path_factory) -> str:
    path = tmp_path_factory.getbasetemp() / "serve.db"
    if not path.exists():
        build_db(path)
    return str(path)


@pytest.fixture(scope="session")
def api_key():
    old = os.environ.get("SVODKA_API_KEY")
    os.environ["SVODKA_API_KEY"] = API_KEY
    yield API_KEY
    if old is None:
        os.environ.pop("SVODKA_API_KEY", None)
    else:
        os.environ["SVODKA_API_KEY"] = old


@pytest.fixture(scope="module")
def app(served_db):
    """Closed after its module, as `svodka serve` closes it: the store's linker lock goes with it, so the next
    module's app may lead (link) without waiting for the garbage collector."""
    from svodka.serve.app import create_app

    app = create_app(served_db)
    yield app
    app.state.desk.close()


@pytest.fixture(scope="module")
def client(app, api_key):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def seed_id(client) -> str:
    found = client.get("/api/v1/search", params={"q": "редкоземельные металлы Путин"}).json()["items"]
    return next(i["id"] for i in found if i["title"].startswith("Путин предлагает США участие в добыче"))
