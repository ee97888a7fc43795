from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = ROOT / "svodka" / "sample" / "seed_page.txt"
SAMPLE_JSONL = ROOT / "svodka" / "sample" / "telegram_news.jsonl"


@pytest.fixture
def store(tmp_path):
    from svodka.store.sqlite import SQLiteStore

    s = SQLiteStore(str(tmp_path / "test.db"))
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
