"""Train the link model (same event? for stories and related lists) and ship it as svodka/data/link_model*.json.

Data: news_flow_dev over telegram_news_ru DEV, read and analysed by Svodka itself (eval/flow.py):
- October: the 25 exhaustive gold events. Pairs of one event within four days are positives; a member and any
  other post of the window within four days are negatives (the events are exhaustive, so these are true
  negatives: same place, same day, other event included).
- November: the judged related pools. Grade 2 (same event) positives, grade 0 negatives; grade 1 (same matter,
  another event) left out.
The related ranker (svodka/link/related.py) on top of it: the judged pools of both windows (grade 1 or 2: related)
and October's event pairs, over the stories the linker makes with the link model.
A logistic regression over svodka.link.similarity.link_features, standardised; shipped as plain numbers (numpy
runs it). The story threshold is the one whose stories score best on the October events it was trained on; the
ranker's floor a fixed 0.1 (below it an item is more likely random than related: an empty list beats a random one).
Run: .venv/bin/python scripts/train_links.py            (both windows, both models: what ships)
     eval/stories_flow.py and eval/related_flow.py train on one slice and score another with these functions.
"""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

import flow  # noqa: E402
from svodka.link.event import event_text  # noqa: E402
from svodka.link.linker import STORY_WINDOW_H, link_doc, near_in_story  # noqa: E402
from svodka.link.linker import RELATED_HOURS  # noqa: E402
from svodka.link.related import RELATED_FEATURES, related_features  # noqa: E402
from svodka.link.similarity import LINK_FEATURES, LINK_MODELS, hours_apart, link_features  # noqa: E402

OUT = ROOT / "svodka" / "data"


def window_docs(which: str, e5: bool = True, only: set[str] | None = None) -> dict:
    """{post id: LinkDoc} of a window, e5 vectors attached (eval/flow.py's cache, embedding what it lacks) when
    asked; with `only`, vectors are made for those posts alone and the others get one only if the cache has it
    (None otherwise: pairs without them are left out). `only` is what the pairs read need, so a figure does not
    depend on what an earlier run happened to embed."""
    arts = flow.articles(which)
    docs = {x: link_doc(a, n) for x, a, n in arts}
    if e5:
        texts = [event_text(a.title, a.text) for _, a, _ in arts]
        cache = flow.E5Cache()
        if only is not None:
            cache.get([t for (x, _, _), t in zip(arts, texts) if x in only])
        vecs = cache.lookup(texts) if only is not None else cache.get(texts)
        for (x, _, _), v in zip(arts, vecs):
            docs[x].event = v
    return docs


def judged_pools(which: str) -> dict[str, dict[str, int]]:
    """A window's judged related pools: {query: {candidate: grade 0-2}}."""
    folder = flow.GOLD if which == "oct" else flow.GOLD / "nov"
    return json.loads((folder / "related_judged.json").read_text(encoding="utf-8"))


def judged_ids(which: str) -> set[str]:
    """The posts of a window's judged related pools (queries and candidates)."""
    judged = judged_pools(which)
    return set(judged) | {c for pool in judged.values() for c in pool}


def event_pairs(docs: dict, events: list[dict], near: int = 20) -> list[tuple[str, str, int]]:
    """(a, b, same event?) from exhaustive gold events: each member paired with the posts near it in time that the
    linker would weigh (its `near` nearest by lemma TF-IDF and by navec): hard negatives, not random ones, so that
    the model learns the line between one event and the next rather than between news and noise."""
    of = {m: e["event"] for e in events for m in e["members"] if m in docs}
    pairs = {}
    for m in of:
        close = [x for x in docs if x != m and (hours_apart(docs[m], docs[x]) or 0) <= STORY_WINDOW_H]
        parts = {x: link_features(docs[m], docs[x]) for x in close}
        chosen = set(sorted(close, key=lambda x: -parts[x]["tfidf"])[:near])
        chosen |= set(sorted(close, key=lambda x: -parts[x]["dense"])[:near])
        chosen |= {x for x in close if of.get(x) == of[m]}
        for x in chosen:
            pairs[tuple(sorted((m, x)))] = int(of.get(x) == of[m])
    return [(a, b, y) for (a, b), y in pairs.items()]


def judged_pairs(docs: dict, which: str) -> list[tuple[str, str, int]]:
    judged = judged_pools(which)
    return [(q, c, int(g == 2)) for q, pool in judged.items() for c, g in pool.items()
            if g != 1 and q in docs and c in docs]


def matrix(docs: dict, pairs, names) -> tuple[np.ndarray, np.ndarray]:
    if "e5" in names:
        pairs = [p for p in pairs if docs[p[0]].event is not None and docs[p[1]].event is not None]
    X = np.array([[link_features(docs[a], docs[b]).get(n, 0.0) for n in names] for a, b, _ in pairs]).reshape(
        len(pairs), len(names))
    return X, np.array([y for *_, y in pairs])


def fit(X: np.ndarray, y: np.ndarray, names) -> dict:
    from sklearn.linear_model import LogisticRegression

    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    lr = LogisticRegression(C=1.0, max_iter=5000).fit((X - mean) / scale, y)
    return {"features": list(names), "mean": mean.tolist(), "scale": scale.tolist(), "coef": lr.coef_[0].tolist(),
            "intercept": float(lr.intercept_[0]), "threshold": 0.5, "story_threshold": 0.5,
            "trained_on": {"pairs": int(len(y)), "positives": int(y.sum())}}


def train(sets: list[tuple[dict, list]], e5: bool) -> dict:
    """One model from several (docs, pairs) sets."""
    names = LINK_FEATURES + (("e5",) if e5 else ())
    Xs, ys = zip(*(matrix(docs, pairs, names) for docs, pairs in sets))
    return fit(np.vstack(Xs), np.concatenate(ys), names)


SHOWN_FLOOR = 0.1  # a related item must be at least this likely related by the ranker: on the judged pools
# 1-17 % of the items below it are related (an article's list is rarely empty: the seed page's holds 10)


def judgments(docs: dict, which: str) -> list[tuple[str, str, int]]:
    """(query, candidate, grade 0-2) of a window's judged related pools and, where the window has gold events, its
    event pairs (one event: grade 2; a post near in time of another event: 0)."""
    judged = judged_pools(which)
    out = [(q, c, g) for q, pool in judged.items() for c, g in pool.items() if q in docs and c in docs]
    if which == "oct":
        out += [(a, b, 2 * y) for a, b, y in event_pairs(docs, flow.gold_events())]
    return out


def train_related(sets: list[tuple[dict, list, dict]], e5: bool, link: dict | None, C: float = 0.01) -> dict:
    """The related ranker from graded judgments (grade 1 or 2: related): `sets` of (docs, judgments, {post: story}
    as the linker made them), over the parts a link model gives; `link`, a training's JSON (None: the shipped
    one), is the link model it will rank with. Strongly regularised: a few hundred related pairs."""
    from sklearn.linear_model import LogisticRegression

    names = RELATED_FEATURES + (("e5",) if e5 else ())
    LINK_MODELS.use(link, e5)
    rows, ys = [], []
    try:
        for docs, judged, story_of in sets:
            if not e5:  # judged as a store without event vectors is: by the link model without e5's part
                docs = {x: replace(d, event=None) for x, d in docs.items()}
            for q, c, g in judged:
                if e5 and (docs[q].event is None or docs[c].event is None):
                    continue
                same = story_of.get(q) is not None and story_of.get(q) == story_of.get(c) \
                    and near_in_story(docs[q], docs[c])
                parts = related_features(docs[q], docs[c], RELATED_HOURS, same)[0]
                rows.append([parts[n] for n in names])
                ys.append(int(g >= 1))
    finally:
        LINK_MODELS.reset()
    X, y = np.array(rows).reshape(len(rows), len(names)), np.array(ys)
    if y.sum() == 0:
        raise ValueError("no related pair with the parts asked for")
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    lr = LogisticRegression(C=C, max_iter=5000).fit((X - mean) / scale, y)
    return {"features": list(names), "mean": mean.tolist(), "scale": scale.tolist(), "coef": lr.coef_[0].tolist(),
            "intercept": float(lr.intercept_[0]), "threshold": 0.5, "floor": SHOWN_FLOOR,
            "trained_on": {"pairs": int(len(y)), "positives": int(y.sum())}}


def stories_of(which: str, e5: bool, link: dict | None) -> dict[str, int]:
    """{post id: story id} of a window as the linker makes them with the link model `link`."""
    with flow.linked_window(which, e5, link) as (linker, article_of):
        return {x: linker.story_of[a] for x, a in article_of.items() if a in linker.story_of}


def main() -> None:
    oct_docs, nov_docs = window_docs("oct"), window_docs("nov", only=judged_ids("nov"))
    events = flow.gold_events()
    sets = [(oct_docs, event_pairs(oct_docs, events)), (nov_docs, judged_pairs(nov_docs, "nov"))]
    sys.path.insert(0, str(ROOT / "eval"))
    from stories_flow import best_threshold  # the story threshold is chosen by running the linker itself

    for e5, name in ((False, "link_model.json"), (True, "link_model_e5.json")):
        model = train(sets, e5)
        model["story_threshold"] = best_threshold(model, e5, {e["event"] for e in events})
        (OUT / name).write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"{name}: {model['trained_on']}, story threshold {model['story_threshold']}")
        print("  " + ", ".join(f"{n} {c:+.2f}" for n, c in zip(model["features"], model["coef"])))
        ranker = train_related([(d, judgments(d, w), stories_of(w, e5, model))
                                for w, d in (("oct", oct_docs), ("nov", nov_docs))], e5, model)
        name = name.replace("link_", "related_")
        (OUT / name).write_text(json.dumps(ranker, indent=1) + "\n", encoding="utf-8")
        print(f"{name}: {ranker['trained_on']}, floor {ranker['floor']}")
        print("  " + ", ".join(f"{n} {c:+.2f}" for n, c in zip(ranker["features"], ranker["coef"])))


if __name__ == "__main__":
    main()
