"""The same store benchmark on SQLite and PostgreSQL, side by side: ingest, link, `related`, search.

    .venv/bin/python bench/store.py [--articles N] [--backends sqlite,postgres] [--max-wait 120]

The corpus is the bundled sample (the seed page and 3,000 Telegram posts). It is analysed ONCE, before any clock
starts (svodka.pipeline.analyses_for), and the same analyses are handed to both stores: the figures measure the
store and the linker over it, not the NLP. With --articles above the sample's size, the sample is repeated with
light variation (as bench/related.py does: two words dropped, an issue number added, a week later per copy, a URL
of its own), each copy reusing its original's analysis.

For each backend, one process, time.perf_counter:
  ingest   store.add_batch(batch, analyses) in batches of 500 (one transaction each)    -> articles/s
  link     Linker(store).link_pending()                                                 -> articles/s
  related  a fresh Linker over the store, Linker.related(id, k=10) on 1,000 random linked ids: a cold pass (empty
           link-doc cache), then the same ids again (warm)                               -> p50 / p99 ms
  search   200 queries of one or two words from titles: store.search(query) (the raw full-text index), and the
           site's morphological search, store.search_items(lemmas, any_term, limit=51) as Desk.search calls it
           (all words, then any word when nothing has all); lemmatising is done before the clock -> p50 / p99 ms
SQLite is a file in /tmp (WAL, synchronous=NORMAL, as the store opens it); PostgreSQL is a throwaway cluster on
127.0.0.1 (tests/pgcluster.py: fsync=off, synchronous_commit=off), reached over TCP through the store's pool.
"""
from __future__ import annotations

import argparse
import os
import pickle
import random
import re
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # pgcluster: the throwaway PostgreSQL cluster of the tests

from svodka.ingest import read  # noqa: E402
from svodka.link.linker import Linker  # noqa: E402
from svodka.model import Article, Block  # noqa: E402
from svodka.pipeline import BATCH, analyses_for  # noqa: E402

SAMPLE = [ROOT / "svodka" / "sample" / "seed_page.txt", ROOT / "svodka" / "sample" / "telegram_news.jsonl"]
RELATED_QUERIES = 1000
SEARCH_QUERIES = 200
SEARCH_LIMIT = 51  # what the API's search asks for (its default page of 50, plus one to know there is more)


def wait_for_quiet(max_wait: float, threshold: float = 1.0) -> float:
    """Wait (up to max_wait s) for the 1-minute load average to fall under threshold; the load measured under."""
    deadline = time.monotonic() + max_wait
    load = os.getloadavg()[0]
    while load >= threshold and time.monotonic() < deadline:
        time.sleep(5)
        load = os.getloadavg()[0]
    return load


def variant(article: Article, copy: int, rng: random.Random) -> Article:
    """bench/related.py's variation: two words dropped, an issue number added, a week later per copy."""
    words = article.text.split()
    for _ in range(min(2, max(len(words) - 5, 0))):
        words.pop(rng.randrange(len(words)))
    text = " ".join(words) + f" Выпуск {copy}."
    when = article.published_at + timedelta(days=7 * copy) if article.published_at else None
    return Article(source=article.source, title=article.title, body=[Block(text)], published_at=when,
                   kind=article.kind, origin="bench", url=f"bench://{copy}/{article.id}")


def corpus(n: int | None, cache: str | None):
    """The sample's articles (and more, varied, up to n) with their analyses by content hash, analysed once."""
    base = [a for a in read([str(p) for p in SAMPLE]) if isinstance(a, Article)]
    if n is not None and n < len(base):
        base = base[:n]  # a quick run
    t0 = time.perf_counter()
    analyses = None
    if cache and os.path.exists(cache):
        with open(cache, "rb") as f:
            analyses = pickle.load(f)
        if any(a.content_hash not in analyses for a in base):
            analyses = None
    took = None  # None: read from the cache
    if analyses is None:
        analyses = analyses_for(base)
        took = time.perf_counter() - t0
        if cache:
            with open(cache, "wb") as f:
                pickle.dump(analyses, f)
    articles = list(base)
    rng = random.Random(0)
    posts = [a for a in base if a.kind != "stub"]
    copy = 0
    while n is not None and len(articles) < n:
        copy += 1
        for a in posts:
            if len(articles) >= n:
                break
            v = variant(a, copy, rng)
            analyses[v.content_hash] = analyses[a.content_hash]
            articles.append(v)
    return articles, analyses, len(base), took


def search_queries(articles: list[Article]) -> list[str]:
    """One or two words (5+ letters) of a random title: what a reader looking for that news might type."""
    rng = random.Random(2)
    titles = [a.title for a in articles if a.kind != "stub"]
    out = []
    while len(out) < SEARCH_QUERIES:
        words = [w for w in re.findall(r"[А-Яа-яЁё]{5,}", rng.choice(titles))]
        if not words:
            continue
        k = 1 if len(out) % 2 == 0 or len(words) < 2 else 2
        out.append(" ".join(rng.sample(words, k)))
    return out


def pct(ms: list[float]) -> tuple[float, float]:
    a = np.array(ms)
    return float(np.percentile(a, 50)), float(np.percentile(a, 99))


def measure(name: str, store, queries, lemma_queries) -> dict:
    """related (a fresh Linker: cold, then warm) and the two searches, over the store as it is now."""
    from svodka.link.linker import top_terms

    r: dict = {}
    t0 = time.perf_counter()
    linker = Linker(store)
    r["linker_load"] = time.perf_counter() - t0
    ids = sorted(a for (a,) in store.query("SELECT article_id FROM link_docs"))
    rng = random.Random(1)
    picks = [ids[rng.randrange(len(ids))] for _ in range(RELATED_QUERIES)]
    answers = []
    for label in ("related_cold", "related_warm"):
        ms = []
        for aid in picks:
            t = time.perf_counter()
            items = linker.related(aid, k=10)
            ms.append((time.perf_counter() - t) * 1000)
            if label == "related_cold":
                answers.append([(i.article_id, i.score) for i in items])
        r[label] = pct(ms)
    r["related_answers"] = answers
    # not timed: the full-text half of each related query's candidates (the other half is the vector index)
    r["related_fulltext"] = [frozenset(store.search_lemma_ids(top_terms(linker.doc(aid)[0]), limit=20))
                             for aid in picks]

    ms, hits = [], []
    for q in queries:
        t = time.perf_counter()
        found = store.search(q)
        ms.append((time.perf_counter() - t) * 1000)
        hits.append(len(found))
    r["search"] = pct(ms) + (float(np.mean(hits)), sum(h == 0 for h in hits))
    ms, hits, sets = [], [], []
    for words in lemma_queries:
        t = time.perf_counter()
        for any_term in (False, True) if len(words) > 1 else (False,):
            found = store.search_items(words, any_term, SEARCH_LIMIT, 0)
            if found:
                break
        ms.append((time.perf_counter() - t) * 1000)
        hits.append(len(found))
        sets.append(frozenset(row[0] for row in found))
    r["search_items"] = pct(ms) + (float(np.mean(hits)), sum(h == 0 for h in hits))
    r["search_sets"] = sets
    print(f"[{name}] related cold p50/p99 {r['related_cold'][0]:.1f}/{r['related_cold'][1]:.1f} ms, "
          f"search p50 {r['search'][0]:.2f} ms, search_items p50 {r['search_items'][0]:.2f} ms", flush=True)
    return r


def gin_pending(store) -> str:
    """PostgreSQL: pages in the GIN indexes' pending lists (what a search scans besides the index itself)."""
    try:
        with store.pool.connection() as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        return ", ".join(f"{idx} {store.query('SELECT pending_pages FROM pgstatginindex(?::regclass)', (idx,))[0][0]}"
                         for idx in ("articles_fts", "lemmas_tsv"))
    except Exception as e:  # noqa: BLE001 - only a remark in the output
        return f"unknown ({type(e).__name__})"


def run_backend(name: str, open_fresh, articles, analyses, queries, max_wait: float) -> dict:
    from svodka.understand.lemmas import lemmas

    lemma_queries = [list(dict.fromkeys(lemmas(q))) for q in queries]  # the NLP half of Desk.search, untimed
    r: dict = {}
    load = wait_for_quiet(max_wait)
    r["load"] = load
    print(f"[{name}] load average (1 min) {load:.2f}", flush=True)
    store, size, maintain = open_fresh()
    postgres = name == "PostgreSQL"
    try:
        # -- ingest
        t0 = time.perf_counter()
        stored = 0
        for i in range(0, len(articles), BATCH):
            stored += len(store.add_batch(articles[i:i + BATCH], analyses).stored)
        took = time.perf_counter() - t0
        r["ingest"] = (len(articles) / took, took, stored, store.count())
        print(f"[{name}] ingest: {len(articles)} articles in {took:.1f} s ({stored} stored, "
              f"{store.count()} rows with stubs)", flush=True)

        # -- link
        linker = Linker(store)
        t0 = time.perf_counter()
        linked = linker.link_pending()
        took = time.perf_counter() - t0
        r["link"] = (linked / took, took, linked, len(linker.stories))
        print(f"[{name}] link: {linked} articles in {took:.1f} s, {len(linker.stories)} stories", flush=True)
        del linker

        # -- reading, right after the bulk load, then after the maintenance a running database gets on its own
        if postgres:
            print(f"[{name}] GIN pending-list pages before: {gin_pending(store)}", flush=True)
        r["fresh"] = measure(name, store, queries, lemma_queries)
        if postgres:
            print(f"[{name}] GIN pending-list pages after those queries: {gin_pending(store)}", flush=True)
        t0 = time.perf_counter()
        maintain(store)
        r["maintain"] = time.perf_counter() - t0
        if postgres:
            print(f"[{name}] GIN pending-list pages after VACUUM ANALYZE: {gin_pending(store)}", flush=True)
        r["after"] = measure(name, store, queries, lemma_queries)
        r["size_mb"] = size(store) / 2**20
    finally:
        store.close()
    return r


def warm_up(articles, analyses) -> None:
    """Load what the first backend would otherwise load on its clock (pair model, vectors, rubric tables): store
    and link 200 articles in a throwaway in-memory SQLite store."""
    from svodka.store.sqlite import SQLiteStore

    store = SQLiteStore(":memory:")
    store.add_batch(articles[:200], analyses)
    linker = Linker(store)
    linker.link_pending()
    for aid in list(linker.linked)[:20]:
        linker.related(aid, k=10)
    store.close()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--articles", type=int, default=None,
                   help="articles to store (default: the sample as it is, ~3,000); more are varied copies")
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--max-wait", type=float, default=120, help="seconds to wait for load < 1.0 before a backend")
    p.add_argument("--analyses-cache", metavar="FILE", help="keep the analyses in this pickle for the next run")
    args = p.parse_args()
    backends = args.backends.split(",")
    began = time.perf_counter()

    articles, analyses, base_n, analysed_in = corpus(args.articles, args.analyses_cache)
    print(f"corpus: {len(articles)} articles ({base_n} from the sample"
          f"{', the rest varied copies' if len(articles) > base_n else ''}); "
          f"{len(analyses)} analyses made once, before any clock "
          f"({'read from ' + args.analyses_cache if analysed_in is None else f'{analysed_in:.0f} s'})", flush=True)
    queries = search_queries(articles)
    warm_up(articles, analyses)

    tmp = tempfile.mkdtemp(prefix="svodka-store-bench-")
    cluster = None
    results: dict[str, dict] = {}
    try:
        for backend in backends:
            if backend == "sqlite":
                from svodka.store.sqlite import SQLiteStore

                path = os.path.join(tmp, "bench.db")

                def open_sqlite():
                    return (SQLiteStore(path), lambda s: sum(f.stat().st_size for f in Path(tmp).glob("bench.db*")),
                            lambda s: s.query("PRAGMA optimize"))

                results["SQLite"] = run_backend("SQLite", open_sqlite, articles, analyses, queries, args.max_wait)
            elif backend == "postgres":
                from pgcluster import Cluster, new_database

                from svodka.store.postgres import PostgresStore

                cluster = Cluster()

                def open_pg():
                    url = new_database(cluster.url)

                    def vacuum(store):
                        with store.pool.connection() as conn:  # autocommit: VACUUM runs outside a transaction
                            conn.execute("VACUUM ANALYZE")

                    return (PostgresStore(url), lambda s: s.query("SELECT pg_database_size(current_database())")[0][0],
                            vacuum)

                results["PostgreSQL"] = run_backend("PostgreSQL", open_pg, articles, analyses, queries,
                                                    args.max_wait)
            else:
                raise SystemExit(f"unknown backend {backend}")
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    names = list(results)

    def two(key: str, fmt: str, state: str, n: int = 2):
        return lambda r: " / ".join(fmt.format(v) for v in r[state][key][:n])

    rows = [
        ("load average (1 min) at start", lambda r: f"{r['load']:.2f}"),
        ("ingest, add_batch x500 (articles/s)", lambda r: f"{r['ingest'][0]:,.0f} ({r['ingest'][1]:.1f} s)"),
        ("link, link_pending (articles/s)", lambda r: f"{r['link'][0]:,.0f} ({r['link'][1]:.1f} s)"),
    ]
    for state, title in (("fresh", "right after the bulk load"),
                         ("after", "after maintenance (PG: VACUUM ANALYZE; SQLite: PRAGMA optimize)")):
        rows += [
            (f"-- {title}", lambda r: ""),
            ("fresh Linker load (s)", lambda r, st=state: f"{r[st]['linker_load']:.2f}"),
            ("related k=10, cold: p50 / p99 ms", two("related_cold", "{:.1f}", state)),
            ("related k=10, warm: p50 / p99 ms", two("related_warm", "{:.1f}", state)),
            ("search(q): p50 / p99 ms", two("search", "{:.2f}", state)),
            ("  mean hits (limit 20); no hit", lambda r, st=state: f"{r[st]['search'][2]:.1f}; {r[st]['search'][3]}"),
            ("search_items(lemmas): p50 / p99 ms", two("search_items", "{:.2f}", state)),
            ("  mean hits (limit 51); no hit",
             lambda r, st=state: f"{r[st]['search_items'][2]:.1f}; {r[st]['search_items'][3]}"),
        ]
    rows += [("maintenance (s)", lambda r: f"{r['maintain']:.2f}"),
             ("store size (MB)", lambda r: f"{r['size_mb']:.0f}")]
    print()
    print(f"{len(articles)} articles, {results[names[0]]['link'][2]} linked, {RELATED_QUERIES} related queries, "
          f"{SEARCH_QUERIES} search queries; one process")
    print(f"{'':40}" + "".join(f"{n:>20}" for n in names))
    for label, fmt in rows:
        print(f"{label:40}" + "".join(f"{fmt(results[n]):>20}" for n in names))
    if len(names) == 2:
        a, b = (results[n]["after"] for n in names)
        same = sum(x == y for x, y in zip(a["related_answers"], b["related_answers"]))
        same_ft = sum(x == y for x, y in zip(a["related_fulltext"], b["related_fulltext"]))
        differ_ft = sum(x != y and u != v for x, y, u, v in zip(a["related_answers"], b["related_answers"],
                                                                 a["related_fulltext"], b["related_fulltext"]))
        print(f"related lists identical on both backends: {same} of {RELATED_QUERIES}; the full-text candidates "
              f"(top 20 by rank) identical for {same_ft}; of the {RELATED_QUERIES - same} lists that differ, "
              f"{differ_ft} had different full-text candidates")
        under = [(x, y) for x, y in zip(a["search_sets"], b["search_sets"])
                 if len(x) < SEARCH_LIMIT and len(y) < SEARCH_LIMIT]
        print(f"search_items: same hits on both backends for {sum(x == y for x, y in under)} of the {len(under)} "
              f"queries with fewer than {SEARCH_LIMIT} matches; {SEARCH_QUERIES - len(under)} queries filled the "
              f"limit on a backend (which {SEARCH_LIMIT} come first depends on the rank function: BM25 / ts_rank)")
    print(f"(whole run {time.perf_counter() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
