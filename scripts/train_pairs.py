"""Train the same-story pair model and ship it as svodka/data/pair_model.json.

Data (public, human-labelled): ParaPhraser DEV headline pairs (paraphrase = label 0 or 1) and the tgcontest
same-story pairs (title + text). A logistic regression over the score parts of svodka.link.similarity, features
standardised; the threshold is the one that maximises F1 on out-of-fold predictions of the training data.
With --e5, the model with the event vector's cosine as a tenth part (svodka/link/event.py), shipped as
svodka/data/pair_model_e5.json; the e5 vectors are cached by eval/dense_pairs.py's cache (first run: ~15 min).
Run: .venv/bin/python scripts/train_pairs.py [../shared/data] [--e5]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.link.similarity import FEATURES, features, make_doc  # noqa: E402
from svodka.understand.entities import find_entities  # noqa: E402
from svodka.understand.figures import find_figures  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"


def doc(key: str, title: str, text: str, cache: dict):
    if key not in cache:
        full = f"{title}\n{text}"
        cache[key] = make_doc(key, title, text, find_entities(full[:3000]), find_figures(full[:3000]))
    return cache[key]


def load_paraphraser(data: Path, cache: dict):
    X, y = [], []
    for line in open(data / "paraphraser" / "dev.jsonl", encoding="utf-8"):
        r = json.loads(line)
        a = doc("pp:" + r["text_1"], r["text_1"], "", cache)
        b = doc("pp:" + r["text_2"], r["text_2"], "", cache)
        X.append([features(a, b)[f] for f in FEATURES])
        y.append(int(int(r["label"]) in (0, 1)))
    return np.array(X), np.array(y)


def load_tgcontest(data: Path, cache: dict):
    X, y = [], []
    for line in open(data / "tgcontest_ru" / "pairs_dev.jsonl", encoding="utf-8"):
        r = json.loads(line)
        a = doc("tg:" + r["url_1"], r["title_1"], r["text_1"], cache)
        b = doc("tg:" + r["url_2"], r["title_2"], r["text_2"], cache)
        X.append([features(a, b)[f] for f in FEATURES])
        y.append(int(str(r["same_story"]) == "True"))
    return np.array(X), np.array(y)


def fit(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    model = LogisticRegression(C=1.0, max_iter=2000).fit(scaler.transform(X), y, sample_weight=weights)
    return scaler, model


def predict(scaler, model, X: np.ndarray) -> np.ndarray:
    return model.predict_proba(scaler.transform(X))[:, 1]


def best_threshold(p: np.ndarray, y: np.ndarray) -> float:
    best, best_f1 = 0.5, -1.0
    for t in np.linspace(0.05, 0.95, 91):
        f1 = f1_score(y, p >= t)
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return best


def f1_score(y: np.ndarray, pred: np.ndarray) -> float:
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def out_of_fold(X, y, weights, folds: int = 5, seed: int = 0) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(len(y))
    p = np.zeros(len(y))
    for k in range(folds):
        test = order[k::folds]
        train = np.setdiff1d(order, test)
        scaler, model = fit(X[train], y[train], weights[train])
        p[test] = predict(scaler, model, X[test])
    return p


def training_set(data: Path):
    cache: dict = {}
    Xp, yp = load_paraphraser(data, cache)
    Xt, yt = load_tgcontest(data, cache)
    X = np.vstack([Xp, Xt])
    y = np.concatenate([yp, yt])
    # the 110 full-text news pairs are what Svodka links; weigh them up against 7,227 headline pairs
    w = np.concatenate([np.ones(len(yp)), np.full(len(yt), 10.0)])
    return X, y, w, len(yp)


def e5_cosines(data: Path) -> np.ndarray:
    """The e5 cosine of each training pair, in training_set's order: ParaPhraser headlines, then tgcontest texts."""
    sys.path.insert(0, str(ROOT / "eval"))
    from dense_pairs import e5_cache

    from svodka.link.event import event_text

    rows = lambda name: [json.loads(line) for line in open(data / name, encoding="utf-8")]  # noqa: E731
    pairs = [(r["text_1"], r["text_2"]) for r in rows("paraphraser/dev.jsonl")]
    pairs += [(event_text(r["title_1"], r["text_1"]), event_text(r["title_2"], r["text_2"]))
              for r in rows("tgcontest_ru/pairs_dev.jsonl")]
    return e5_cache().cosines(pairs)


def main(data: Path, e5: bool = False) -> None:
    X, y, w, n_pp = training_set(data)
    names = list(FEATURES)
    if e5:
        X = np.column_stack([X, e5_cosines(data)])
        names.append("e5")
    threshold = best_threshold(out_of_fold(X, y, w)[n_pp:], y[n_pp:])  # tuned where full texts are
    scaler, model = fit(X, y, w)
    out = ROOT / "svodka" / "data" / ("pair_model_e5.json" if e5 else "pair_model.json")
    out.write_text(json.dumps({
        "features": names, "mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(),
        "coef": model.coef_[0].tolist(), "intercept": float(model.intercept_[0]), "threshold": threshold,
        "trained_on": "paraphraser DEV (7227 headline pairs) + tgcontest_ru pairs_dev (110 full-text pairs, x10)",
    }, indent=1), encoding="utf-8")
    print(f"trained on {len(y)} pairs; threshold {threshold:.2f}; -> {out}")
    for name, c in sorted(zip(names, model.coef_[0]), key=lambda kv: -abs(kv[1])):
        print(f"  {name:14} {c:+.3f}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--e5"]
    main(Path(args[0]) if args else DEFAULT_DATA, e5="--e5" in sys.argv[1:])
