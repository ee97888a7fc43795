"""Ingest as one path for files, URLs and (later) feeds: read -> skip what is stored -> analyse -> store."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from .ingest.pagedump import teaser_stub
from .model import Analysis, Article, IngestError
from .store import Store

BATCH = 500


@dataclass
class Counts:
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    errors: int = 0

    def __str__(self) -> str:
        return f"read {self.read}, stored {self.stored}, duplicates {self.duplicates}, errors {self.errors}"


def analyses_for(articles: list[Article]) -> dict[str, Analysis]:
    """Analyses of the new articles and of the stubs their teasers become, keyed by content hash."""
    from .understand.analyze import analyze_article

    todo: dict[str, Article] = {}
    for a in articles:
        todo.setdefault(a.content_hash, a)
        for t in a.teasers:
            stub = teaser_stub(t, a)
            todo.setdefault(stub.content_hash, stub)
    return {h: analyze_article(a) for h, a in todo.items()}


def batches(items: Iterable[Article | IngestError], counts: Counts, on_error: Callable[[IngestError], None],
            batch: int = BATCH) -> Iterator[list[Article]]:
    """The articles in batches, counting what is read and reporting each error as it comes."""
    pending: list[Article] = []
    for item in items:
        if isinstance(item, IngestError):
            counts.errors += 1
            on_error(item)
            continue
        counts.read += 1
        pending.append(item)
        if len(pending) >= batch:
            yield pending
            pending = []
    if pending:
        yield pending


def ingest(store: Store, items: Iterable[Article | IngestError], analyze: bool = True,
           on_error: Callable[[IngestError], None] = lambda e: None, batch: int = BATCH, linker=None) -> Counts:
    """Store new articles with their analyses; with a linker, link each stored batch (copies, stories) too."""
    counts = Counts()
    for pending in batches(items, counts, on_error, batch):
        known = store.known(pending)
        fresh = [a for a in pending if a.id not in known]
        store_batch(store, pending, analyses_for(fresh) if analyze else None, counts, on_error)
        if linker is not None and analyze:
            linker.link_pending()
    return counts


def store_batch(store: Store, articles: list[Article], analyses: dict[str, Analysis] | None, counts: Counts,
                on_error: Callable[[IngestError], None]) -> None:
    """One transaction for the batch; when the database refuses one article of it, each goes on its own, and the
    refused one is an error of its own. A store that fails as a whole (locked, gone) raises: the batch comes again."""
    try:
        results = [store.add_batch(articles, analyses)]
    except Exception as e:
        if not article_fault(e):
            raise
        results = []
        for article in articles:
            try:
                results.append(store.add_batch([article], analyses))
            except Exception as e:
                if not article_fault(e):
                    raise
                counts.errors += 1
                on_error(IngestError(article.origin or article.source, f"not stored: {type(e).__name__}: {e}",
                                     f"«{article.title[:80]}»"))
    for result in results:
        counts.stored += len(result.stored)
        counts.duplicates += len(result.duplicates)


def article_fault(e: Exception) -> bool:
    """Whether the database refused the data (a value, a limit) rather than failed itself."""
    import sqlite3

    sqlstate = getattr(e, "sqlstate", None)
    if sqlstate:  # PostgreSQL: data exception, integrity violation, program limit exceeded
        return sqlstate[:2] in ("22", "23", "54")
    return isinstance(e, (ValueError, TypeError, OverflowError, sqlite3.DataError, sqlite3.IntegrityError))


def reanalyze(store: Store, only_missing: bool = False, progress: Callable[[int], None] = lambda n: None,
              batch: int = BATCH) -> int:
    """Analyse stored articles again (all, or those with no analysis of the current version); returns how many."""
    from .understand.analyze import VERSION, analyze_article

    chunks = iter(lambda: store.needing_analysis(VERSION, limit=batch), []) if only_missing \
        else store.iter_articles(batch)
    done = 0
    for articles in chunks:
        store.put_analyses({a.id: analyze_article(a) for a in articles})
        done += len(articles)
        progress(len(articles))
    return done
