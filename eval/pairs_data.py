"""The labelled pairs of eval/pairs.py and scripts/train_pairs.py, read into svodka.link.pairs' Sides (cached), and
the small pieces both use: a logistic regression per configuration, thresholds chosen out of fold, nested choice.

Sets: tgcontest_ru pairs_dev (full texts; `tg`, and `tg_h`: the same pairs by their headlines alone), ParaPhraser
DEV (`pp`, headlines), headlinecause_ru DEV (`hc`, headlines; relation3 == same), and news_flow_dev (`flow`,
Telegram posts of October 2024 by their gold events; `flow_h` by headlines): each member of an event paired with
the other members (same story) and with the posts of the same four days most like it by lemma TF-IDF and a few
at random (other stories: the events are exhaustive).
"""
from __future__ import annotations

import hashlib
import json
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.link.pairs import FULL_E5, FULL_FEATURES, HEADLINE_E5, HEADLINE_FEATURES  # noqa: E402

CACHE = Path("/tmp/pairs-helper")
FLOW_WINDOW_H = 96
FLOW_NEAR, FLOW_RANDOM = 10, 5  # negatives per member: the most alike posts of the days around, and random ones


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


# ---------------------------------------------------------------- sets of pairs


@dataclass
class Set:
    parts: list[dict]  # the judge's parts of each pair
    y: np.ndarray
    old: np.ndarray | None = None  # svodka.link.similarity.features (9 parts) + e5 cosine: the recipe before

    def col(self, name: str) -> np.ndarray:
        return np.array([p[name] for p in self.parts], dtype=float)

    def matrix(self, names) -> np.ndarray:
        return np.array([[p[n] for n in names] for p in self.parts], dtype=float)

    @staticmethod
    def concat(sets: list["Set"]) -> "Set":
        return Set([p for s in sets for p in s.parts], np.concatenate([s.y for s in sets]))


def e5_embedder():
    sys.path.insert(0, str(ROOT / "eval"))
    import dense_pairs

    dense_pairs.CACHE = CACHE
    cache = dense_pairs.e5_cache("passage")
    return cache


def code_key(data: Path) -> str:
    h = hashlib.sha1()
    for p in [ROOT / "eval" / "pairs_data.py", *sorted((ROOT / "svodka" / "link").glob("*.py")),
              *sorted((ROOT / "svodka" / "understand").glob("*.py")), *sorted((ROOT / "svodka" / "data").glob("*"))]:
        if p.is_file() and p.name not in ("linker.py", "related.py", "related_model.json", "related_model_e5.json") \
                and not p.name.startswith("pairs_"):  # the judges trained on these sides do not change them
            h.update(p.read_bytes())
    h.update(str(data).encode())
    return h.hexdigest()[:12]


def load_sides(data: Path) -> dict:
    """{set name: [(Side, Side, label)]}, cached by the code that reads them."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"sides-{code_key(data)}.pickle"
    if path.exists():
        return pickle.loads(path.read_bytes())
    from svodka.link.event import event_text
    from svodka.link.pairs import body_sentences, side, span_texts
    from svodka.understand.entities import find_entities
    from svodka.understand.figures import find_figures

    e5 = e5_embedder()
    memo: dict = {}
    tg = rows(data / "tgcontest_ru" / "pairs_dev.jsonl")
    flow = flow_pairs(data)
    texts = [(r[f"title_{n}"], r[f"text_{n}"]) for r in tg for n in (1, 2)]
    texts += [t for a, b, _ in flow for t in (a, b)]
    needed = [t for title, text in dict.fromkeys(texts)
              for t in (event_text(title, text), title,
                        *((*span_texts(title, text), *body_sentences(text)) if text.strip() else ()))]
    pp = rows(data / "paraphraser" / "dev.jsonl")
    hc = rows(data / "headlinecause_ru" / "dev.jsonl")
    needed += [r[k] for r in pp for k in ("text_1", "text_2")]  # headlines: one text a side
    needed += [r[k] for r in hc for k in ("left_title", "right_title")]
    e5.get(list(dict.fromkeys(needed)))  # in batches, before the texts are read one by one

    def make(title: str, text: str):
        key = (title, text)
        if key not in memo:
            full = f"{title}\n{text}"[:3000]
            memo[key] = side(title, text, find_entities(full), find_figures(full), e5=e5.get, sentences=True,
                             spans=True)
        return memo[key]

    out = {}
    out["tg"] = [(make(r["title_1"], r["text_1"]), make(r["title_2"], r["text_2"]), str(r["same_story"]) == "True")
                 for r in tg]
    out["tg_h"] = [(make(r["title_1"], ""), make(r["title_2"], ""), str(r["same_story"]) == "True") for r in tg]
    out["hc"] = [(make(r["left_title"], ""), make(r["right_title"], ""), r["relation3"] == "same")
                 for r in hc]
    out["flow"] = [(make(a[0], a[1]), make(b[0], b[1]), same) for a, b, same in flow if a[1] and b[1]]
    out["flow_h"] = [(make(a[0], ""), make(b[0], ""), same) for a, b, same in flow]
    print(f"  [pairs] tgcontest, headlinecause, news_flow_dev read ({len(memo)} texts)", flush=True)
    out["pp"] = [(make(r["text_1"], ""), make(r["text_2"], ""), int(r["label"]) in (0, 1))
                 for r in pp]
    e5.save()
    path.write_bytes(pickle.dumps(out))
    return out


def flow_pairs(data: Path) -> list[tuple[tuple[str, str], tuple[str, str], bool]]:
    """news_flow_dev's October events as ((title, body), (title, body), same event?) pairs."""
    from datetime import datetime

    from svodka.ingest.jsonl import headline_and_body
    from svodka.link.similarity import make_doc, tfidf_cosine

    gold = data / "news_flow_dev"
    window = set(json.loads((gold / "window_ids.json").read_text(encoding="utf-8")))
    events = json.loads((gold / "events.json").read_text(encoding="utf-8"))
    events = events["events"] if isinstance(events, dict) else events
    posts = {}
    for r in rows(data / "telegram_news_ru" / "dev.jsonl"):
        if r["id"] not in window:
            continue
        title, blocks = headline_and_body(r["text"], str(r.get("channel", "")))
        if not title:
            continue
        body = "\n\n".join(b.text for b in blocks)
        posts[r["id"]] = (title, "" if body.strip() == title.strip() else body,
                          datetime.fromisoformat(r["date"].replace("Z", "+00:00")))
    of = {m: e["event"] for e in events for m in e["members"] if m in posts}
    docs = {x: make_doc(x, t, b) for x, (t, b, _) in posts.items()}
    rng = np.random.default_rng(0)
    pairs: dict[tuple[str, str], bool] = {}
    ids = sorted(posts)
    for m in sorted(of):
        for x in sorted(of):
            if x > m and of[x] == of[m]:
                pairs[(m, x)] = True
        near = [x for x in ids if x not in of or of[x] != of[m]]
        near = [x for x in near if abs((posts[x][2] - posts[m][2]).total_seconds()) <= FLOW_WINDOW_H * 3600]
        a = docs[m]
        sims = sorted(near, key=lambda x: -tfidf_cosine(a.weights, a.norm, docs[x].weights, docs[x].norm))
        picked = sims[:FLOW_NEAR] + list(rng.choice(sims[FLOW_NEAR:], size=min(FLOW_RANDOM, len(sims) - FLOW_NEAR),
                                                    replace=False))
        for x in picked:
            pairs[tuple(sorted((m, x)))] = False
    return [((posts[a][0], posts[a][1]), (posts[b][0], posts[b][1]), same) for (a, b), same in sorted(pairs.items())]


def load_all(data: Path) -> dict[str, Set]:
    from svodka.link.pairs import parts
    from svodka.link.similarity import FEATURES, features

    sides = load_sides(data)
    out = {}
    for name, pairs in sides.items():
        ps = [parts(a, b)[1] for a, b, _ in pairs]
        y = np.array([int(s) for _, _, s in pairs])
        old = None
        if name in ("tg", "pp"):
            old = np.array([[*(features(a.doc, b.doc)[f] for f in FEATURES), float(a.event @ b.event)]
                            for a, b, _ in pairs])
        out[name] = Set(ps, y, old)
    return out


# ---------------------------------------------------------------- models, thresholds, nested choice


def fit(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, C: float = 1.0):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    model = LogisticRegression(C=C, max_iter=2000).fit(scaler.transform(X), y, sample_weight=weights)
    return scaler, model


def predict(scaler, model, X: np.ndarray) -> np.ndarray:
    return model.predict_proba(scaler.transform(X))[:, 1]


def f1_score(y: np.ndarray, pred: np.ndarray) -> float:
    pred = np.asarray(pred, dtype=bool)
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    """The F1-best of 91 thresholds 0.05..0.95 (the highest of equals: the stricter call)."""
    best, best_f1 = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        f1 = f1_score(y, p >= t)
        if f1 >= best_f1:
            best, best_f1 = float(t), f1
    return best


def cosine_threshold(s: np.ndarray, y: np.ndarray) -> float:
    """A raw score's F1-best threshold on (s, y): midway between the cut and the next lower score."""
    cands = np.unique(s)
    f1s = [f1_score(y, s >= c) for c in cands]
    i = int(np.argmax(f1s))
    return float((cands[i] + cands[i - 1]) / 2) if i > 0 else float(cands[0])


def oof(X: np.ndarray, y: np.ndarray, C: float, seed: int, folds: int = 5) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(len(y))
    p = np.zeros(len(y))
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        scaler, model = fit(X[train], y[train], C=C)
        p[test] = predict(scaler, model, X[test])
    return p


def fit_config(s: Set, idx: np.ndarray, names, C: float, seed: int = 0):
    """Fit one configuration on s[idx]; its threshold is F1-best on its own out-of-fold scores there.
    Returns (a function matrix -> scores, threshold)."""
    X, y = s.matrix(names)[idx], s.y[idx]
    threshold = best_threshold(oof(X, y, C, seed + 1000), y)
    scaler, model = fit(X, y, C=C)
    return (lambda Z: predict(scaler, model, Z)), threshold


INNER_REPEATS = 3  # inner cross-validations of different splits: one split of 88 pairs is a noisy judge


def choose(s: Set, idx: np.ndarray, configs, seed: int):
    """The configuration (names, C) to fit on s[idx]: the simplest (fewest parts, then the smaller C) whose
    cross-validated F1 on s[idx] is within one standard error of the best one's (the one-standard-error rule:
    on a hundred pairs the best of a dozen configurations is mostly the luckiest). Each configuration is scored
    over INNER_REPEATS 5-fold splits at its own F1-best threshold; the standard error is the best one's, over its
    folds."""
    if len(configs) == 1:
        return configs[0]
    y = s.y[idx]
    scored = []
    for names, C in configs:
        X = s.matrix(names)[idx]
        per_fold = np.zeros(5)
        for r in range(INNER_REPEATS):
            p = oof(X, y, C, seed + 1 + 100 * r)
            calls = p >= best_threshold(p, y)
            order = np.random.default_rng(seed + 1 + 100 * r).permutation(len(y))
            per_fold += [f1_score(y[order[k::5]], calls[order[k::5]]) for k in range(5)]
        per_fold /= INNER_REPEATS
        scored.append(((tuple(names), C), per_fold.mean(), per_fold.std(ddof=1) / np.sqrt(5)))
    _, best, se = max(scored, key=lambda t: t[1])
    fine = [t for t in scored if t[1] >= best - se]
    return min(fine, key=lambda t: (len(t[0][0]), t[0][1]))[0]


def nested_predict(s: Set, train: np.ndarray, test: np.ndarray, configs, seed: int):
    """`choose` on `train`, fit there and applied to `test`: (calls on test, the configuration's name)."""
    names, C = choose(s, train, configs, seed)
    model, threshold = fit_config(s, train, names, C, seed)
    return model(s.matrix(names)[test]) >= threshold, config_name(names, C)


def config_name(names, C) -> str:
    return f"{'+'.join(names)} C{C:g}"


# the configurations a training chooses from (by cross-validation on its own pairs)
def _with_c(sets, cs=(0.1, 1.0)):
    return [(tuple(n), c) for n in sets for c in cs]


# the full-text e5 judge: one fixed configuration, e5's cosine over three heads (no choice made on 88 pairs);
# the choice it replaced (6 sets of parts x 2 C, one-standard-error rule) is PREVIOUS_FULL_CONFIGS
FULL_CONFIGS = [(("e5_spans",), 1.0)]
PREVIOUS_FULL_CONFIGS = _with_c([("e5",), ("e5", "tfidf"), ("e5", "e5_title", "tfidf"),
                                 ("e5", "e5_title", "e5_sentences", "tfidf", "rare"),
                                 ("e5", "e5_title", "e5_sentences", "tfidf", "rare", "entities", "figures"),
                                 FULL_FEATURES + ("e5", "e5_title", "e5_sentences")])
FULL_FAST_CONFIGS = _with_c([("tfidf", "title_tfidf", "rare"), FULL_FEATURES])
HEADLINE_CONFIGS = _with_c([HEADLINE_FEATURES + HEADLINE_E5,
                            ("title_tfidf", "chars", "dense", "entities_any", "e5_title")])
HEADLINE_FAST_CONFIGS = _with_c([HEADLINE_FEATURES])
