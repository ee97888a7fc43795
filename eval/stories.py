"""Stories on bsnlp_ru (436 news documents, each filed under one of 8 stories): adjusted Rand index and pairwise
precision / recall / F1 of the stories Svodka forms, plus how far streaming in random arrival order departs
from clustering in time order (the tolerance stated in docs/benchmarks.md).

bsnlp's "stories" are broad topics that run for weeks (Asia Bibi: April 2018 to February 2019); Svodka's stories
are events that keep going within 72 hours of their last article, so one gold topic may well become several
stories: pairwise precision is the figure that says whether unrelated news got mixed.
Run: .venv/bin/python eval/stories.py [../shared/data/bsnlp_ru/dev.jsonl]
"""
import json
import random
import sys
import tempfile
import time
from collections import Counter
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.ingest.jsonl import record_to_article  # noqa: E402
from svodka.link.linker import Linker  # noqa: E402
from svodka.pipeline import ingest  # noqa: E402
from svodka.store.sqlite import SQLiteStore  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "bsnlp_ru" / "dev.jsonl"


def load(path):
    docs = []
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if not (r["text"] or "").strip():
            continue  # a few documents are empty
        rec = {"id": r["id"], "title": r["title"] or r["text"][:80], "text": r["text"], "url": r["url"] or None,
               "source": (r["url"] or "bsnlp").split("/")[2] if r["url"] else "bsnlp",
               "published_at": (r["date"] if "T" in r["date"] else r["date"] + "T12:00:00+00:00") if r["date"] else None}
        docs.append((record_to_article(rec, "bsnlp"), r["topic"]))
    return docs


def cluster(docs, order, chunks: int = 1) -> dict[str, int]:
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(str(Path(tmp) / "s.db"))
        linker = Linker(store)
        arranged = [docs[i][0] for i in order]
        size = max(1, len(arranged) // chunks)
        for k in range(0, len(arranged), size):
            ingest(store, arranged[k:k + size], linker=linker, batch=size)
        out = dict(linker.story_of)
        store.close()
    return out


def pairwise(gold: dict, pred: dict):
    ids = sorted(set(gold) & set(pred))
    tp = fp = fn = 0
    for a, b in combinations(ids, 2):
        same_g, same_p = gold[a] == gold[b], pred[a] == pred[b]
        tp += same_g and same_p
        fp += same_p and not same_g
        fn += same_g and not same_p
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def ari(a: dict, b: dict) -> float:
    from sklearn.metrics import adjusted_rand_score

    ids = sorted(set(a) & set(b))
    return adjusted_rand_score([a[i] for i in ids], [b[i] for i in ids])


def main(path):
    t0 = time.perf_counter()
    docs = load(path)
    gold = {a.id: topic for a, topic in docs}
    by_time = sorted(range(len(docs)), key=lambda i: (docs[i][0].published_at.isoformat()
                                                      if docs[i][0].published_at else "", docs[i][0].id))
    stories = cluster(docs, by_time)
    p, r, f1 = pairwise(gold, stories)
    sizes = Counter(stories.values())
    print(f"bsnlp_ru DEV: {len(gold)} documents, {len(set(gold.values()))} gold stories -> {len(sizes)} stories "
          f"({sum(1 for s in sizes.values() if s == 1)} single-article), largest {max(sizes.values())}")
    print(f"time order: ARI {ari(gold, stories):.3f}; pairwise P {p:.3f} R {r:.3f} F1 {f1:.3f}")
    chunked = cluster(docs, by_time, chunks=8)
    print(f"streamed in 8 batches in time order vs all at once: ARI {ari(stories, chunked):.3f}")
    shuffled = list(range(len(docs)))
    random.Random(0).shuffle(shuffled)
    late = cluster(docs, shuffled, chunks=20)
    p2, r2, f2 = pairwise(gold, late)
    print(f"random arrival order (20 batches) vs time order: ARI {ari(stories, late):.3f}; "
          f"vs gold ARI {ari(gold, late):.3f}, pairwise F1 {f2:.3f}")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT)
