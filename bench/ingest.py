"""Parse + hash + store speed over >= 50,000 articles: the bundled corpus copied with a number added to each copy.

Run: .venv/bin/python bench/ingest.py [--articles 50000]   (pin to one core with `taskset -c 0` for the 1-core figure)
"""
import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.ingest import read_file  # noqa: E402
from svodka.model import Article  # noqa: E402
from svodka.pipeline import ingest  # noqa: E402
from svodka.store.sqlite import SQLiteStore  # noqa: E402

SAMPLE = ROOT / "svodka" / "sample" / "telegram_news.jsonl"


def make_corpus(path: Path, n: int) -> None:
    records = [json.loads(line) for line in SAMPLE.open(encoding="utf-8")]
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            r = dict(records[i % len(records)])
            copy = i // len(records)
            r["id"] = f"{r['id']}#{copy}"
            r["text"] = f"{r['text']}\n\nВыпуск {copy}."  # a number in each copy: no two are duplicates
            out.write(json.dumps(r, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=50_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        make_corpus(corpus, args.articles)
        size_mb = corpus.stat().st_size / 2**20

        t0 = time.perf_counter()
        parsed = [a for a in read_file(str(corpus)) if isinstance(a, Article)]
        t_parse = time.perf_counter() - t0

        store = SQLiteStore(str(Path(tmp) / "bench.db"))
        t0 = time.perf_counter()
        stored = ingest(store, parsed, analyze=False).stored
        t_store = time.perf_counter() - t0
        store.close()
        db_mb = sum(f.stat().st_size for f in Path(tmp).glob("bench.db*")) / 2**20

    total = t_parse + t_store
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"corpus: {args.articles} articles, {size_mb:.0f} MB JSONL; cores visible: {len(os.sched_getaffinity(0))}")
    print(f"parse + hash:  {len(parsed) / t_parse:8.0f} articles/s  ({t_parse:.1f} s)")
    print(f"store (FTS5):  {stored / t_store:8.0f} articles/s  ({t_store:.1f} s), {stored} stored, db {db_mb:.0f} MB")
    print(f"parse + hash + store: {stored / total:8.0f} articles/s  ({total:.1f} s); peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
