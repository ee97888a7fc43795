"""Same-story pairs: F1 and accuracy of `same_story` with cross-validation, and precision on headlinecause_ru.

- ParaPhraser DEV (7,227 headline pairs; paraphrase = label 0 or 1): 5-fold CV; each fold's model is trained on
  the other folds plus all tgcontest pairs, its threshold tuned on its own training part.
- tgcontest_ru pairs_dev (110 full-text pairs; OK = same story): 5-fold CV the same way (other folds + ParaPhraser).
- headlinecause_ru DEV (233 Lenta.ru headline pairs, none used in training): the shipped model's precision of
  what it calls same story, against relation3 in {same, related} and against "same" alone.
Run: .venv/bin/python eval/pairs.py [../shared/data]
"""
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_pairs import (DEFAULT_DATA, best_threshold, doc, f1_score, fit, load_paraphraser,  # noqa: E402
                         load_tgcontest, predict)

from svodka.link.similarity import features, pair_model  # noqa: E402

FOLDS = 5


def cross_validate(X_main, y_main, X_extra, y_extra, w_main, w_extra, seed=0):
    order = np.random.default_rng(seed).permutation(len(y_main))
    preds = np.zeros(len(y_main), dtype=bool)
    for k in range(FOLDS):
        test = order[k::FOLDS]
        train = np.setdiff1d(order, test)
        X = np.vstack([X_main[train], X_extra])
        y = np.concatenate([y_main[train], y_extra])
        w = np.concatenate([w_main[train], w_extra])
        scaler, model = fit(X, y, w)
        t = best_threshold(predict(scaler, model, X_main[train]), y_main[train])
        preds[test] = predict(scaler, model, X_main[test]) >= t
    return f1_score(y_main, preds), float(np.mean(preds == (y_main == 1)))


def headlinecause(data: Path, cache: dict):
    model = pair_model()
    rows = [json.loads(line) for line in open(data / "headlinecause_ru" / "dev.jsonl", encoding="utf-8")]
    called = []
    for r in rows:
        a = doc("hc:" + r["left_title"], r["left_title"], "", cache)
        b = doc("hc:" + r["right_title"], r["right_title"], "", cache)
        if model.score(features(a, b)) >= model.threshold:
            called.append(r["relation3"])
    related = sum(rel in ("same", "related") for rel in called)
    same = sum(rel == "same" for rel in called)
    return len(rows), len(called), related, same


def main(data: Path) -> None:
    t0 = time.perf_counter()
    cache: dict = {}
    Xp, yp = load_paraphraser(data, cache)
    Xt, yt = load_tgcontest(data, cache)
    wp, wt = np.ones(len(yp)), np.full(len(yt), 10.0)
    f1, acc = cross_validate(Xp, yp, Xt, yt, wp, wt)
    print(f"ParaPhraser DEV, {len(yp)} pairs, {FOLDS}-fold CV: F1 {f1:.3f}, accuracy {acc:.3f} "
          f"(all-'same' baseline F1 {2 * yp.mean() / (1 + yp.mean()):.3f})")
    f1, acc = cross_validate(Xt, yt, Xp, yp, wt, wp)
    print(f"tgcontest same-story pairs, {len(yt)} pairs, {FOLDS}-fold CV: F1 {f1:.3f}, accuracy {acc:.3f}")
    n, called, related, same = headlinecause(data, cache)
    print(f"headlinecause_ru DEV, {n} pairs: {called} called same story; precision vs same|related "
          f"{related / max(called, 1):.3f}, vs same only {same / max(called, 1):.3f} "
          f"(base rates {224 / 233:.3f} / {16 / 233:.3f})")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_DATA)
