"""Train the same-story judges of `svodka pairs` (svodka/link/pairs.py) and ship them as svodka/data/pairs_*.json.

Two kinds, each with and without e5's parts (`svodka pairs --fast` leaves e5 out):
- headline judge (pairs_headline*.json): ParaPhraser DEV, 7,227 human-labelled headline pairs (paraphrase =
  label 0 or 1);
- full-text judge (pairs_full*.json): tgcontest_ru pairs_dev, 110 organiser-labelled full-text pairs (OK = same
  story).
Each is a logistic regression over some of its kind's parts, standardised: which parts and how much regularisation
are chosen by 5-fold cross-validated F1 on the training pairs (the full-text e5 judge has one fixed configuration,
e5_spans with C 1: a choice on 110 pairs was mostly noise), and the threshold is the F1-best one on the chosen
model's out-of-fold scores (eval/pairs_data.py: choose, fit_config). eval/pairs.py measures exactly this procedure
with the choice made inside each outer training fold. e5 vectors are cached in /tmp/pairs-helper.
The general pair model of svodka.link.similarity (svodka/data/pair_model*.json: one model for every kind of pair,
what the site's warm-up loads) is trained the way it was with --general [--e5]: ParaPhraser + tgcontest (x10), the
9 parts of similarity.features (+ e5's cosine), threshold F1-best on tgcontest out-of-fold (eval/dense_pairs.py
reads it).
Run: .venv/bin/python scripts/train_pairs.py [../shared/data]            (the judges of `svodka pairs`)
     .venv/bin/python scripts/train_pairs.py [../shared/data] --general [--e5]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from svodka.link.similarity import FEATURES, features, make_doc  # noqa: E402
from svodka.understand.entities import find_entities  # noqa: E402
from svodka.understand.figures import find_figures  # noqa: E402

from pairs_data import (FULL_CONFIGS, FULL_FAST_CONFIGS, HEADLINE_CONFIGS, HEADLINE_FAST_CONFIGS,  # noqa: E402
                        choose, config_name, fit, fit_config, load_all)

DEFAULT_DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "svodka" / "data"
TRAINED_ON = {"headline": "paraphraser DEV (7227 headline pairs)",
              "full": "tgcontest_ru pairs_dev (110 full-text pairs)"}


# ---------------------------------------------------------------- the judges of `svodka pairs`

def train(s, configs, kind: str, e5: bool) -> Path:
    idx = np.arange(len(s.y))
    names, C = choose(s, idx, configs, seed=0)
    _, threshold = fit_config(s, idx, names, C, seed=0)
    scaler, model = fit(s.matrix(names), s.y, C=C)
    out = OUT / f"pairs_{kind}{'_e5' if e5 else ''}.json"
    out.write_text(json.dumps({
        "features": list(names), "mean": scaler.mean_.tolist(), "scale": scaler.scale_.tolist(),
        "coef": model.coef_[0].tolist(), "intercept": float(model.intercept_[0]), "threshold": threshold,
        "C": C, "trained_on": TRAINED_ON[kind],
    }, indent=1) + "\n", encoding="utf-8")
    print(f"{kind}{' + e5' if e5 else ''}: {config_name(names, C)}, threshold {threshold:.2f} -> {out.name}")
    for n, c in sorted(zip(names, model.coef_[0]), key=lambda kv: -abs(kv[1])):
        print(f"  {n:14} {c:+.3f}")
    return out


def main(data: Path) -> None:
    sets = load_all(data)
    train(sets["pp"], HEADLINE_CONFIGS, "headline", e5=True)
    train(sets["pp"], HEADLINE_FAST_CONFIGS, "headline", e5=False)
    train(sets["tg"], FULL_CONFIGS, "full", e5=True)
    train(sets["tg"], FULL_FAST_CONFIGS, "full", e5=False)


# ---------------------------------------------------------------- the general pair model (similarity.py)

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


def fit_general(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None):
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
        scaler, model = fit_general(X[train], y[train], weights[train])
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


def main_general(data: Path, e5: bool = False) -> None:
    X, y, w, n_pp = training_set(data)
    names = list(FEATURES)
    if e5:
        X = np.column_stack([X, e5_cosines(data)])
        names.append("e5")
    threshold = best_threshold(out_of_fold(X, y, w)[n_pp:], y[n_pp:])  # tuned where full texts are
    scaler, model = fit_general(X, y, w)
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
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(args[0]) if args else DEFAULT_DATA
    if "--general" in sys.argv[1:]:
        main_general(path, e5="--e5" in sys.argv[1:])
    else:
        main(path)
