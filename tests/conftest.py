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
