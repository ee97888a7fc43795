"""Full analysis speed on one core over real articles: the Telegram and RIA samples (>= 2,000 articles).

Run: taskset -c 0 .venv/bin/python bench/analyze.py [--articles 2698]
Prints articles/s for the whole analysis and the time spent in each analyser, how often the base forms asked
natasha's morphology tagger for a case, and the machine's load average before and after (other jobs share it).
"""
import argparse
import json
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"

from svodka.ingest.jsonl import EmptyPost, record_to_article  # noqa: E402
from svodka.understand import analyze as pipeline  # noqa: E402
from svodka.understand import baseform  # noqa: E402


def corpus(n_ria: int, n_total: int):
    articles = []
    for line in open(DATA / "ria_2023_ru" / "dev.jsonl", encoding="utf-8"):
        r = json.loads(line)
        articles.append(record_to_article({"title": r["title"], "text": r["text"], "source": "РИА Новости"}, "ria"))
        if len(articles) >= n_ria:
            break
    for line in open(ROOT / "svodka" / "sample" / "telegram_news.jsonl", encoding="utf-8"):
        if len(articles) >= n_total:
            break
        try:
            articles.append(record_to_article(json.loads(line), "tg"))
        except EmptyPost:  # ingest stores no post without text of its own: neither does the bench
            continue
    return articles


def timed(name, fn, spent):
    def wrapper(*a, **k):
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            spent[name] += time.perf_counter() - t
    return wrapper


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=2698)
    args = ap.parse_args()
    articles = corpus(698, args.articles)
    chars = sum(len(a.text) for a in articles)
    t0 = time.perf_counter()
    pipeline.analyze("Прогрев моделей.", "Прогрев")  # load models outside the timing
    load = time.perf_counter() - t0
    spent = defaultdict(float)
    asked = [0]
    context_case = baseform.context_case

    def counted(*a, **k):
        asked[0] += 1
        return context_case(*a, **k)

    baseform.context_case = counted
    load_before = os.getloadavg()[0]
    for name in ("detect_language", "classify_rubric", "is_news", "find_entities", "find_quotes", "find_figures",
                 "lemmas"):
        setattr(pipeline, name, timed(name, getattr(pipeline, name), spent))
    t0 = time.perf_counter()
    for a in articles:
        pipeline.analyze_article(a)
    elapsed = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(articles)} articles ({chars / len(articles):.0f} chars mean), cores visible: "
          f"{len(os.sched_getaffinity(0))}, model load {load:.1f} s, peak RSS {rss:.0f} MB")
    print(f"full analysis: {len(articles) / elapsed:.1f} articles/s ({elapsed:.1f} s); load average "
          f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on {os.cpu_count()} cores")
    print(f"  natasha's tagger asked for a case {asked[0] / len(articles):.2f} times per article")
    for name, s in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {name:16} {s / len(articles) * 1000:6.2f} ms/article  {s / elapsed:5.1%}")


if __name__ == "__main__":
    main()
