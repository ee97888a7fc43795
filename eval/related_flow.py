"""Related news on a real news flow: news_flow_dev's graded judgments (October: 20 queries over 1,720 posts;
November: 20 queries over 5,566 posts), nDCG@10 / P@5 / same-event@3 by the gold's own score.py, Svodka's
related lists beside char TF-IDF, BM25 over lemmas and e5 nearest neighbours, in one run.

Measured like an outsider: for each window the link model and the related ranker are trained on the OTHER window
only (the link model on October's gold events for November's queries, on November's judged pairs for October's;
the ranker on the other window's graded judgments, and October's event pairs where October is the other
window), then the shipped models (trained on both, in-sample) for
reference. Every method ranks the whole window; the query itself is left out.
Run: .venv/bin/python eval/related_flow.py [--no-e5] [--sets=oct,nov]
"""
from __future__ import annotations

import json
import math
import re
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))
sys.path.insert(0, str(ROOT / "scripts"))

import flow  # noqa: E402


def queries(which: str) -> list[str]:
    path = flow.GOLD / ("queries.jsonl" if which == "oct" else "nov/queries.jsonl")
    return [json.loads(line)["id"] for line in open(path, encoding="utf-8") if line.strip()]


def score_line(which: str, run: dict[str, list[str]]) -> str:
    lines = [{"query": q, "ranked": r} for q, r in run.items()]
    out = flow.score("related", lines, "--set", which)
    keep = [" ".join(m.groups()) for x in out.splitlines() if x.startswith(("nDCG", "P@5", "same-event"))
            for m in [re.match(r"(\S+).*?\)\s+([\d.]+)", x)] if m]
    return " | ".join(" ".join(x.split()) for x in keep) or out.splitlines()[0]


def svodka_lists(which: str, e5: bool, model: dict | None, ranker: dict | None = None) -> dict[str, list[str]]:
    with flow.linked_window(which, e5, model, ranker) as (linker, article_of):
        post_of = {a: x for x, a in article_of.items()}
        return {q: [post_of[r.article_id] for r in linker.related(article_of[q], k=10)] for q in queries(which)
                if q in article_of}


def tfidf_lists(which: str) -> dict[str, list[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    arts = flow.articles(which)
    ids = [x for x, _, _ in arts]
    X = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(
        [f"{a.title}\n{a.text}" for _, a, _ in arts])
    return top_by(ids, which, lambda i: (X @ X[i].T).toarray().ravel())


def bm25_lists(which: str, k1: float = 1.5, b: float = 0.75) -> dict[str, list[str]]:
    from svodka.link.similarity import content_lemmas

    arts = flow.articles(which)
    ids = [x for x, _, _ in arts]
    docs = [Counter(content_lemmas(f"{a.title}\n{a.text}")) for _, a, _ in arts]
    df = Counter(w for d in docs for w in d)
    n, avg = len(docs), sum(sum(d.values()) for d in docs) / len(docs)
    idf = {w: math.log(1 + (n - c + 0.5) / (c + 0.5)) for w, c in df.items()}

    def scores(i):
        q = docs[i]
        out = np.zeros(n)
        for j, d in enumerate(docs):
            length = sum(d.values())
            out[j] = sum(idf[w] * d[w] * (k1 + 1) / (d[w] + k1 * (1 - b + b * length / avg)) for w in q if w in d)
        return out
    return top_by(ids, which, scores)


def e5_lists(which: str) -> dict[str, list[str]]:
    from svodka.link.event import event_text

    arts = flow.articles(which)
    ids = [x for x, _, _ in arts]
    E = flow.E5Cache().get([event_text(a.title, a.text) for _, a, _ in arts])
    return top_by(ids, which, lambda i: E @ E[i])


def top_by(ids: list[str], which: str, scores, k: int = 10) -> dict[str, list[str]]:
    pos = {x: i for i, x in enumerate(ids)}
    out = {}
    for q in queries(which):
        if q not in pos:
            continue
        s = scores(pos[q])
        s[pos[q]] = -np.inf
        out[q] = [ids[j] for j in np.argsort(-s, kind="stable")[:k]]
    return out


def main(e5: bool = True, sets: tuple[str, ...] = ("oct", "nov")) -> None:
    from train_links import (event_pairs, judged_ids, judged_pairs, judgments, stories_of, train, train_related,
                             window_docs)

    t0 = time.perf_counter()
    events = flow.gold_events()
    trained = {}
    # a window only trained on needs vectors of its judged posts; October's event pairs read all of its posts
    docs = {w: window_docs(w, e5=e5, only=None if w in sets or w == "oct" else judged_ids(w)) for w in ("oct", "nov")}
    for which, other in (("nov", "oct"), ("oct", "nov")):  # each window's queries by a model of the other
        pairs = event_pairs(docs["oct"], events) if other == "oct" else judged_pairs(docs["nov"], "nov")
        try:
            link = train([(docs[other], pairs)], e5)
            trained[which] = link, train_related(
                [(docs[other], judgments(docs[other], other), stories_of(other, e5, link))], e5, link)
        except ValueError:  # no pair of the other window has event vectors yet
            trained[which] = None
    for which in sets:
        print(f"news_flow_dev {which}: {len(queries(which))} judged queries over {len(docs[which])} posts")
        rows = []
        if trained[which] is not None:
            link, ranker = trained[which]
            rows.append(("Svodka, models trained on the other window", svodka_lists(which, e5, link, ranker)))
        rows += [("Svodka, shipped model (in-sample)", svodka_lists(which, e5, None)),
                ("char 3-5-gram TF-IDF", tfidf_lists(which)),
                ("BM25 over Svodka's lemmas", bm25_lists(which))]
        if e5:
            rows.append(("e5-small nearest neighbours", e5_lists(which)))
        for name, run in rows:
            print(f"  {name:<48} {score_line(which, run)}")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    chosen = tuple(a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith("--sets="))
    main(e5="--no-e5" not in sys.argv, sets=chosen[0] if chosen else ("oct", "nov"))
