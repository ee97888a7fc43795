"""Bulk ingest and reanalysis on Ray (`--ray [ADDRESS]`): batches are analysed in Ray tasks, on this machine or on
a cluster, and the driver writes them to the store and links them, as pipeline.py does in one process.

What stays in the driver, and why: the store is written one batch per transaction, in input order, so that which
copy of a text is the original is decided as in one process; linking is online (each article joins the stories
that came before it), so it is sequential by nature. Tasks also make each article's link doc (the lemmas and the
vector), the part of linking that does not depend on other articles. `ray` is imported only on these paths.
"""
from __future__ import annotations

import copy
import logging
import os
from collections import deque
from contextlib import contextmanager
from datetime import timezone
from typing import Callable, Iterable, Iterator

from .ingest.pagedump import teaser_stub
from .model import Analysis, Article, IngestError
from .pipeline import BATCH, Counts, analyses_for, batches, store_batch
from .store import Store

LOCAL = "local"


def local_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@contextmanager
def ray_session(address: str = LOCAL, workers: int | None = None) -> Iterator[None]:
    """Connected to the cluster at `address`, or to a local Ray with `workers` CPUs started for the block."""
    import ray

    if ray.is_initialized():  # the caller's own session (a test, a benchmark): theirs to end
        yield
        return
    if address == LOCAL:  # "local", not None: a RAY_ADDRESS in the environment must not redirect it
        ray.init(address="local", num_cpus=workers or local_cpus(), include_dashboard=False,
                 logging_level=logging.WARNING)
    else:
        ray.init(address=address, logging_level=logging.WARNING)
    try:
        yield
    finally:
        ray.shutdown()


def in_flight_limit() -> int:
    """Two batches a CPU: workers never wait for the driver, and memory stays flat however long the input."""
    import ray

    return 2 * max(int(ray.cluster_resources().get("CPU", 1)), 1)


# -- tasks (run in Ray workers; the analysers' models load once per worker process and stay)


def analyse_batch(articles: list[Article], with_docs: bool) -> tuple[dict[str, Analysis], dict]:
    """pipeline.analyses_for over the batch's new articles, and, for linking, each article's link doc made as
    the driver's linker would make it from the stored article."""
    analyses = analyses_for(articles)
    docs = {}
    if with_docs:
        from .link.linker import link_doc

        for a in articles:
            if a.kind != "stub" and (a.id, a.content_hash) not in docs:
                stored = copy.copy(a)  # the store keeps times in UTC; the doc must carry the same time as text
                stored.published_at = a.published_at.astimezone(timezone.utc) if a.published_at else None
                docs[(a.id, a.content_hash)] = link_doc(stored, analyses[a.content_hash])
    return analyses, docs


def link_docs(items: list[tuple[Article, Analysis]], how: str) -> dict:
    """The link docs of stored articles with their event vectors (`how`: link.event.mode() of the driver), as
    the driver's linker would make them: the costly part of a relink (e5, ~10 texts/s a core)."""
    from .link.linker import add_event_vectors, link_doc

    made = [(link_doc(a, n), a) for a, n in items if a.kind != "stub"]
    add_event_vectors(made, how)
    return {(a.id, a.content_hash): d for d, a in made}


def analyse_each(articles: list[Article]) -> dict[str, Analysis]:
    from .understand.analyze import analyze_article

    return {a.id: analyze_article(a) for a in articles}


# -- drivers


def ingest(store: Store, items: Iterable[Article | IngestError], linker=None,
           on_error: Callable[[IngestError], None] = lambda e: None, batch: int = BATCH,
           in_flight: int | None = None) -> Counts:
    """pipeline.ingest (with analysis) with the analysis in Ray tasks; the same counts and the same store."""
    import ray

    task = ray.remote(analyse_batch)
    limit = in_flight or in_flight_limit()
    counts = Counts()
    queue: deque[tuple[list[Article], list[Article], object]] = deque()  # (batch, its new articles, task)

    def submit(pending: list[Article]) -> None:
        known = store.known(pending)
        fresh = [a for a in pending if a.id not in known]
        queue.append((pending, fresh, task.remote(fresh, linker is not None) if fresh else None))

    def write_oldest() -> None:
        # in input order, whatever order the tasks finish in: the store and the stories must come out as in
        # one process, so waiting for the oldest batch is all there is to do
        pending, fresh, ref = queue.popleft()
        analyses, docs = ray.get(ref) if ref is not None else ({}, {})
        now_known = store.known(fresh)
        if now_known:
            analyses, docs = redo_for_known(fresh, now_known, analyses, docs)
        store_batch(store, pending, analyses, counts, on_error)
        if linker is not None:
            linker.prepared.update((k, remade(d)) for k, d in docs.items())
            try:
                linker.link_pending()
            finally:
                linker.prepared.clear()  # docs of duplicates are never asked for

    for pending in batches(items, counts, on_error, batch):
        submit(pending)
        while len(queue) >= limit:
            write_oldest()
    while queue:
        write_oldest()
    return counts


def remade(doc):
    """A task's link doc with its vector copied out of Ray's shared memory, which a view would keep pinned for as
    long as the linker caches the doc."""
    import dataclasses

    import numpy as np

    return dataclasses.replace(doc, vector=np.array(doc.vector),
                               event=None if doc.event is None else np.array(doc.event))


def hashes(article: Article) -> set[str]:
    """The keys analyses_for files an article's analyses under: its own text and its teasers' stubs."""
    return {article.content_hash} | {teaser_stub(t, article).content_hash for t in article.teasers}


def redo_for_known(fresh: list[Article], now_known: set[str], analyses: dict[str, Analysis],
                   docs: dict) -> tuple[dict[str, Analysis], dict]:
    """A batch was checked against the store while the batches before it were still in flight; some of its
    articles have been stored since. Analyses under their keys may come from them, where one process would have
    analysed a later article of the same text: redo those keys from the articles still new (usually none)."""
    gone = {h for a in fresh if a.id in now_known for h in hashes(a)}
    still = [a for a in fresh if a.id not in now_known]
    analyses = {h: v for h, v in analyses.items() if h not in gone}
    redo = [a for a in still if hashes(a) & gone]
    analyses.update((h, v) for h, v in analyses_for(redo).items() if h in gone)
    return analyses, {k: d for k, d in docs.items() if k[1] not in gone}  # the linker makes those itself


def relink(linker, batch: int = BATCH, in_flight: int | None = None,
           progress: Callable[[int], None] = lambda n: None) -> int:
    """linker.link_pending with the link docs and event vectors made in Ray tasks, `in_flight` batches at a time;
    the driver links them in time order, so the stories are those of one process."""
    import ray
    from .link import event

    task = ray.remote(link_docs)
    limit = in_flight or in_flight_limit()
    how, done = event.mode(), 0
    while items := linker.store.unlinked(limit=batch * limit):
        parts = [items[i:i + batch] for i in range(0, len(items), batch)]
        refs = [task.remote(part, how) for part in parts]
        for part, ref in zip(parts, refs):
            linker.prepared.update((k, remade(d)) for k, d in ray.get(ref).items())
            linker.add_batch(part)
            done += len(part)
            progress(len(part))
        linker.prepared.clear()
    return done


def reanalyze(store: Store, only_missing: bool = False, progress: Callable[[int], None] = lambda n: None,
              batch: int = BATCH, in_flight: int | None = None) -> int:
    """pipeline.reanalyze with the analysis in Ray tasks; results are written as they come, in any order."""
    import ray
    from .understand.analyze import VERSION

    task = ray.remote(analyse_each)
    limit = in_flight or in_flight_limit()
    waiting: dict = {}  # task -> ids of its articles
    busy: set[str] = set()
    done = 0

    def chunks() -> Iterator[list[Article]]:
        if not only_missing:
            yield from store.iter_articles(batch)
            return
        # what is in flight still needs analysis in the store: ask for that many more and leave it out
        while chunk := [a for a in store.needing_analysis(VERSION, limit=batch + len(busy))
                        if a.id not in busy][:batch]:
            yield chunk

    def put_finished() -> None:
        nonlocal done
        ready, _ = ray.wait(list(waiting), num_returns=1)
        for ref in ready:
            store.put_analyses(ray.get(ref))
            ids = waiting.pop(ref)
            busy.difference_update(ids)
            done += len(ids)
            progress(len(ids))

    for articles in chunks():
        ids = [a.id for a in articles]
        waiting[task.remote(articles)] = ids
        busy.update(ids)
        while len(waiting) >= limit:
            put_finished()
    while waiting:
        put_finished()
    return done
