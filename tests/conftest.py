import os
from pathlib import Path

import pytest

# e5 event vectors cost ~0.1 s a text: the tests take the ones the sample ships and make none (a test that wants
# them made says so)
os.environ.setdefault("SVODKA_EVENT_VECTORS", "known")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "svodka" / "sample" / "seed_page.txt"
SAMPLE_JSONL = ROOT / "svodka" / "sample" / "telegram_news.jsonl"


@pytest.fixture(scope="session")
def pg_server():
    """The URL of a PostgreSQL server for the session: SVODKA_TEST_PG, or a throwaway cluster started here."""
    import os

    if os.environ.get("SVODKA_TEST_PG"):
        yield os.environ["SVODKA_TEST_PG"]
        return
    from pgcluster import Cluster

    try:
        cluster = Cluster()
    except Exception as e:  # noqa: BLE001 - no PostgreSQL here: skip on a laptop, fail in CI
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no PostgreSQL: {e}")
    yield cluster.url
    cluster.stop()


@pytest.fixture
def pg_url(pg_server):
    """A fresh database of its own for one test."""
    from pgcluster import new_database

    return new_database(pg_server)


def open_backend(backend: str, tmp_path, request) -> str:
    """The --db value of an empty store of the backend."""
    return str(tmp_path / "test.db") if backend == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request, tmp_path):
    """An empty store's --db value, once per backend."""
    return open_backend(request.param, tmp_path, request)


@pytest.fixture
def store(any_db):
    """An empty store, once per backend: the store test-suite runs against SQLite and PostgreSQL."""
    from svodka.store import open_store

    s = open_store(any_db)
    yield s
    s.close()


def fixture(name: str) -> str:
    return str(FIXTURES / name)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory):
    """The bundled sample (seed page + 3,000 Telegram posts) ingested, analysed and linked, once per session
    (the same file the serving tests use)."""
    from conftest_serve import build_db

    path = tmp_path_factory.getbasetemp() / "serve.db"
    if not path.exists():
        build_db(path)
    return str(path)
