"""What the story-rule tests share: posts some hours after a start, a linker over a fresh SQLite store with the
navec link model (no e5), and adding a post to it."""
from datetime import datetime, timedelta

import pytest

from svodka.link.linker import Linker
from svodka.model import Article, Block
from svodka.store.sqlite import SQLiteStore
from svodka.understand.analyze import analyze_article


def posts_from(t0: datetime):
    def post(source: str, title: str, text: str, hours: float) -> Article:
        return Article(source=source, title=title, body=[Block(text)], kind="post",
                       published_at=t0 + timedelta(hours=hours))
    return post


@pytest.fixture()
def linker(monkeypatch, tmp_path):
    monkeypatch.setenv("SVODKA_EVENT_VECTORS", "0")
    store = SQLiteStore(str(tmp_path / "stories.db"))
    yield Linker(store)
    store.close()


def add(linker: Linker, article: Article) -> int:
    """Store and link the post; its story's id."""
    linker.store.add_batch([article])
    return linker.add(article, analyze_article(article))[1].id
