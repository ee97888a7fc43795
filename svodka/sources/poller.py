"""Polling: fetch the due sources concurrently and politely, then ingest what came, one source at a time.

HTTP runs concurrently on one event loop; every SQLite write happens afterwards, on the same thread, so the store
sees a single writer. A failing source writes only its health row and backs off; it never holds up the others.
"""
from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from ..ingest import read_bytes
from ..model import Article, IngestError
from .fetch import USER_AGENT, FetchError, Fetcher, PollConfig, Response, origin, vet  # noqa: F401 - re-exported
from .registry import PollRecord, Registry, Source, now_utc

Item = Article | IngestError


# -- one source


@dataclass
class PollResult:
    source: Source
    record: PollRecord
    items: list[Item] = field(default_factory=list)
    seconds: float = 0.0

    def report(self) -> dict:
        return {"source": self.source.id, "url": self.source.url, "ok": self.record.ok,
                "status": self.record.status, "new_items": self.record.new_items, "seconds": round(self.seconds, 2)}


def failed(source: Source, reason: str) -> PollResult:
    return PollResult(source, PollRecord(False, reason))


def conditional_headers(source: Source) -> dict[str, str]:
    headers = {}
    if source.etag:
        headers["If-None-Match"] = source.etag
    if source.last_modified:
        headers["If-Modified-Since"] = source.last_modified
    return headers


def parse_items(body: bytes, source: Source, url: str) -> list[Item]:
    items = list(read_bytes(body, source.url, url=url, tz=source.tz))
    if source.name:
        for item in items:
            if isinstance(item, Article):
                item.source = source.name
    return items


async def poll_source(fetcher: Fetcher, source: Source, known: Callable[[list[Article]], set[str]]) -> PollResult:
    try:
        r = await fetcher.get(source.url, conditional_headers(source), trusted=origin(source.url))
    except FetchError as e:
        return failed(source, str(e))
    if r.status == 304:
        return PollResult(source, PollRecord(True, "not modified", etag=source.etag,
                                             last_modified=source.last_modified))
    items = await asyncio.to_thread(parse_items, r.body, source, r.url)
    if not any(isinstance(i, Article) for i in items):
        return failed(source, str(items[0]) if items else "nothing readable in the response")
    record = PollRecord(True, "ok", etag=r.etag, last_modified=r.last_modified)
    if source.full_text:
        items, notes, complete = await with_full_text(fetcher, source, items, known, fetcher.config.pages_per_poll)
        if notes:
            record.status = f"ok; {len(notes)} kept the feed's text: {notes[0]}"
        if not complete:  # the next poll must get the whole feed again to reach the items left waiting
            record.etag = record.last_modified = None
    return PollResult(source, record, items)


async def with_full_text(fetcher: Fetcher, source: Source, items: list[Item], known, limit: int
                         ) -> tuple[list[Item], list[str], bool]:
    """Swap each new feed item for its page's full text; an item whose page is off limits (robots.txt) or fails
    keeps the feed's own text, and the reason is noted."""
    articles = [i for i in items if isinstance(i, Article)]
    stored = known(articles)
    fresh = [a for a in articles if a.id not in stored and a.url]
    todo = fresh[:limit]
    pages = await asyncio.gather(*(page_article(fetcher, source, a) for a in todo))
    swapped = {a.id: page for a, (page, _) in zip(todo, pages)}
    waiting = {a.id for a in fresh[limit:]}
    out = [swapped.get(i.id, i) if isinstance(i, Article) else i for i in items
           if not (isinstance(i, Article) and i.id in waiting)]
    notes = [note for _, note in pages if note]
    return out, notes, not waiting


async def page_article(fetcher: Fetcher, source: Source, item: Article) -> tuple[Article, str | None]:
    """The item's link is the feed's word, not the operator's: only the source's own origin may be internal."""
    trusted = origin(source.url)
    try:
        await vet(item.url, trusted)
        if not await fetcher.allowed(item.url, trusted):
            return item, f"robots.txt disallows {item.url}"
        r = await fetcher.get(item.url, trusted=trusted)
    except FetchError as e:
        return item, f"{item.url}: {e}"
    parsed = await asyncio.to_thread(lambda: list(read_bytes(r.body, r.url, url=r.url, tz=source.tz)))
    page = next((p for p in parsed if isinstance(p, Article)), None)
    if page is None:
        return item, str(parsed[0]) if parsed else f"{item.url}: no article text"
    return merged(item, page, r.url), None


def merged(item: Article, page: Article, page_url: str) -> Article:
    """The page's text under the feed item's identity (URL, id, source), so a re-poll finds it stored."""
    return Article(source=item.source, title=page.title or item.title, body=page.body, url=item.url,
                   published_at=page.published_at or item.published_at, rubric=page.rubric or item.rubric,
                   external_id=item.external_id, origin=page_url)


# -- a round of polls, and watching without end


async def poll_due(store, fetcher: Fetcher, linker=None, now: datetime | None = None, analyze: bool = True
                   ) -> list[PollResult]:
    """Poll every due source at once (under the concurrency limit), then store the results one by one."""
    registry = Registry(store)
    config = fetcher.config
    gate = asyncio.Semaphore(config.concurrency)

    async def one(source: Source) -> PollResult:
        async with gate:
            start = time.monotonic()
            try:
                async with asyncio.timeout(config.source_timeout):
                    result = await poll_source(fetcher, source, store.known)
            except TimeoutError:
                result = failed(source, f"poll took longer than {config.source_timeout:g} s")
            except Exception as e:  # a bug on one source's input must not end the round
                result = failed(source, f"poller failed: {type(e).__name__}: {e}")
            result.seconds = time.monotonic() - start
            return result

    results = await asyncio.gather(*(one(s) for s in registry.due(now)))
    for result in results:
        store_result(store, registry, result, linker, now, analyze)
    return results


def store_result(store, registry: Registry, result: PollResult, linker, now: datetime | None, analyze: bool) -> None:
    from ..pipeline import ingest

    record = result.record
    if record.ok and result.items:
        errors: list[IngestError] = []
        try:
            counts = ingest(store, result.items, analyze=analyze, linker=linker, on_error=errors.append)
        except Exception as e:  # e.g. the database stayed locked; the batch rolled back, the items come again
            result.record = record = PollRecord(False, f"store failed: {type(e).__name__}: {e}")
        else:
            record.new_items = counts.stored
            if errors:
                record.status += f"; {len(errors)} items unreadable: {errors[0]}"
    registry.record(result.source, record, now)


async def watch(store, stop: threading.Event, config: PollConfig | None = None, once: bool = False,
                on_result: Callable[[PollResult], None] = lambda r: None, max_idle: float = 60.0,
                link: bool = True) -> None:
    """Poll due sources until `stop` is set; a stop lets the current round finish and be stored first.
    With link=False new articles are stored analysed but unlinked: a server that owns the linker links them."""
    from ..link.linker import Linker

    fetcher = Fetcher(config)
    linker = Linker(store) if link and store.try_lead() else None
    try:
        while not stop.is_set():
            for result in await poll_due(store, fetcher, linker):
                on_result(result)
            if once:
                return
            await idle(Registry(store), stop, max_idle)
    finally:
        await fetcher.aclose()


async def idle(registry: Registry, stop: threading.Event, max_idle: float) -> None:
    """Sleep until the next source is due; wake at least every max_idle to see sources added meanwhile."""
    due = registry.next_due_at()
    wait = max_idle if due is None else min(max((due - now_utc()).total_seconds(), 0.0), max_idle)
    deadline = time.monotonic() + wait
    while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(left, 0.5))


async def run_poller(store_or_path, stop: threading.Event, config: PollConfig | None = None,
                     on_result: Callable[[PollResult], None] = lambda r: None, link: bool = True) -> None:
    """For `svodka serve --watch`: poll until `stop` is set, in the calling thread, on a store of its own
    when given a path (SQLite wants its writer on one thread)."""
    from ..store import open_store

    own = isinstance(store_or_path, str)
    store = open_store(store_or_path) if own else store_or_path
    try:
        await watch(store, stop, config, on_result=on_result, link=link)
    finally:
        if own:
            store.close()


def start_background(store_path: str, config: PollConfig | None = None,
                     link: bool = True) -> tuple[threading.Thread, threading.Event]:
    """Run the poller in a daemon thread; set the returned event (then join the thread) to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=lambda: asyncio.run(run_poller(store_path, stop, config, link=link)),
                              name="svodka-poller", daemon=True)
    thread.start()
    return thread, stop
