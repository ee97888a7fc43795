"""`related` at scale: indexes over >= 1,000,000 articles (real articles, their text lightly varied), build time,
memory, related latency p50/p99 over 1,000 queries, and the cost of adding one article to the index and its story.

The base is the bundled Telegram sample and the RIA sample (3,698 real articles), analysed once. Each copy drops
two words of its base text at random and gets an issue number, so no two are one text; copies of a base article
form its story (bulk-built: the time an online build of 1 M articles would take is not what is measured here).
Run: .venv/bin/python bench/related.py [--articles 1000000] [--db /tmp/related-bench.db] [--keep]
"""
import argparse
import json
import os
import random
import resource
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.ingest.jsonl import EmptyPost, record_to_article  # noqa: E402
from svodka.link.linker import Linker, StoryState, doc_data  # noqa: E402
from svodka.link.similarity import make_doc  # noqa: E402
from svodka.model import Article, Block  # noqa: E402
from svodka.store.sqlite import SQLiteStore  # noqa: E402
from svodka.understand.analyze import analyze_article  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def base_corpus():
    articles = []
    for line in open(ROOT / "svodka" / "sample" / "telegram_news.jsonl", encoding="utf-8"):
        try:
            articles.append(record_to_article(json.loads(line), "tg"))
        except EmptyPost:  # a picture or a repost without words: ingest passes over it too
            continue
    for line in open(DATA / "ria_2023_ru" / "dev.jsonl", encoding="utf-8"):
        r = json.loads(line)
        articles.append(record_to_article({"title": r["title"], "text": r["text"], "source": "РИА Новости",
                                           "published_at": r["published_iso"]}, "ria"))
    # quotes play no part in linking: left out, they would only swell the store
    return [(a, replace(analyze_article(a), quotes=[])) for a in articles]


def variant(article: Article, copy: int, rng: random.Random) -> Article:
    words = article.text.split()
    for _ in range(min(2, max(len(words) - 5, 0))):
        words.pop(rng.randrange(len(words)))
    text = " ".join(words) + f" Выпуск {copy}."
    when = article.published_at + timedelta(days=7 * copy) if article.published_at else None
    return Article(source=f"{article.source} #{copy % 50}", title=article.title, body=[Block(text)],
                   published_at=when, kind=article.kind, origin="bench", url=f"bench://{copy}/{article.id}")


def build_store(path: str, base, n: int) -> float:
    store = SQLiteStore(path)
    rng = random.Random(0)
    t0 = time.perf_counter()
    batch_articles, batch_links, members = [], [], []
    for i in range(n):
        copy, (article, analysis) = divmod(i, len(base))[0], base[i % len(base)]
        v = variant(article, copy, rng)
        doc = make_doc(v.id, v.title, v.text, analysis.entities, analysis.figures, v.published_at, v.source)
        batch_articles.append((v, replace(analysis, lemmas=[w for w, c in doc.lemmas.items() for _ in range(c)])))
        batch_links.append((v.id, doc.vector.tobytes(), doc_data(doc, v.kind, True), None))
        members.append((v.id, i % len(base) + 1, 1.0))
        if len(batch_articles) == 5000 or i == n - 1:
            store.add_batch([a for a, _ in batch_articles], {a.content_hash: an for a, an in batch_articles})
            store.put_links(batch_links, [], members)
            batch_articles, batch_links, members = [], [], []
            print(f"\r  stored {i + 1:,} articles ({time.perf_counter() - t0:.0f} s)", end="", flush=True)
    print()
    store.close()
    return time.perf_counter() - t0


def percentiles(ms: list[float]) -> str:
    a = np.array(ms)
    return f"p50 {np.percentile(a, 50):.1f} ms, p99 {np.percentile(a, 99):.1f} ms, max {a.max():.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=1_000_000)
    ap.add_argument("--db", default="/tmp/svodka-related-bench.db")
    ap.add_argument("--keep", action="store_true", help="reuse the store from an earlier run")
    args = ap.parse_args()

    t0 = time.perf_counter()
    base = base_corpus()
    print(f"base: {len(base)} real articles analysed in {time.perf_counter() - t0:.0f} s")
    if not (args.keep and os.path.exists(args.db)):
        for suffix in ("", "-wal", "-shm"):
            Path(args.db + suffix).unlink(missing_ok=True)
        took = build_store(args.db, base, args.articles)
        print(f"store: {args.articles:,} articles with analyses and link data written in {took:.0f} s, "
              f"{sum(Path(args.db + s).stat().st_size for s in ('', '-wal') if Path(args.db + s).exists()) / 2**30:.1f} GB")

    rss0 = rss_mb()
    t0 = time.perf_counter()
    store = SQLiteStore(args.db)
    linker = Linker(store, load=False)
    linker.index = type(linker.index)(expected=store.count_linked())
    for rows in store.link_vectors(batch=20_000):
        ids = [r[1] for r in rows]
        linker.index.add(ids, np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in rows]))
        linker.linked.update(ids)
    for aid, sid in store.query("SELECT article_id, story_id FROM story_members"):
        linker.story_of[aid] = sid
        linker.stories.setdefault(sid, StoryState(id=sid)).members.append(aid)
    build = time.perf_counter() - t0
    print(f"index build (vectors from the store into faiss IVF-SQ8, stories into memory): {build:.0f} s, "
          f"{len(linker.index):,} vectors; resident memory {rss_mb():.0f} MB (+{rss_mb() - rss0:.0f} MB)")

    rng = random.Random(1)
    ids = linker.index.ids
    queries = [ids[rng.randrange(len(ids))] for _ in range(1000)]
    latencies = []
    for q in queries:
        t = time.perf_counter()
        items = linker.related(q, k=10)
        latencies.append((time.perf_counter() - t) * 1000)
        assert q not in {i.article_id for i in items}
    print(f"related over {len(queries)} queries: {percentiles(latencies)}; resident memory {rss_mb():.0f} MB")

    adds = []
    for k in range(300):
        article, analysis = base[rng.randrange(len(base))]
        v = variant(article, 10_000 + k, rng)
        t = time.perf_counter()
        linker.add(v, analysis)
        adds.append((time.perf_counter() - t) * 1000)
    print(f"adding one article (vector, copy check, index, story): {percentiles(adds)}")
    print(f"peak resident memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    store.close()


if __name__ == "__main__":
    main()
