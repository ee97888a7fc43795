"""The store: one interface, chosen by a path or URL (`--db`, `SVODKA_DB`)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Protocol

from ..model import Analysis, Article, IngestError

DEFAULT_DB = "svodka.db"


@dataclass
class BatchResult:
    stored: list[str] = field(default_factory=list)  # ids of new articles
    duplicates: list[str] = field(default_factory=list)  # ids of the articles they duplicate
    errors: list[IngestError] = field(default_factory=list)


class Store(Protocol):
    def known(self, articles: Iterable[Article]) -> set[str]: ...
    def add_batch(self, articles: Iterable[Article], analyses: dict[str, Analysis] | None = None) -> BatchResult: ...
    def put_analyses(self, analyses: dict[str, Analysis]) -> None: ...
    def analysis(self, article_id: str) -> Analysis | None: ...
    def needing_analysis(self, version: int, limit: int = 1000) -> list[Article]: ...
    def iter_articles(self, batch: int = 500) -> Iterator[list[Article]]: ...
    def search_lemmas(self, lemmas: list[str], limit: int = 20) -> list[Article]: ...
    def get(self, article_id: str) -> Article | None: ...
    def list(self, limit: int = 50, offset: int = 0, source: str | None = None,
             kinds: tuple[str, ...] | None = None) -> list[Article]: ...
    def count(self) -> int: ...
    def search(self, query: str, limit: int = 20) -> list[Article]: ...
    def copies_of(self, article_id: str) -> list[dict]: ...
    def close(self) -> None: ...


def db_location(arg: str | None = None) -> str:
    return arg or os.environ.get("SVODKA_DB") or DEFAULT_DB


def open_store(location: str | None = None) -> Store:
    location = db_location(location)
    if location.startswith(("postgresql://", "postgres://")):
        raise NotImplementedError("the PostgreSQL store is not built yet (issue: 'Beyond one machine')")
    from .sqlite import SQLiteStore

    return SQLiteStore(location)
