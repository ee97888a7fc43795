"""Evaluate the rubric and news / not-news models; never tests on what a model was trained on.

    .venv/bin/python eval/rubric.py [--data ../shared/data]

Rubric: 5-fold stratified cross-validation over tgcontest + RIA + the channel posts with the training script's
own pipeline (features, fit, export to JSON, numpy prediction), scored on the sources' gold classes (each
source apart too) and on the silver fine labels; then each source trained without it (everything else, posts
included) and tested on it; then the shipped recipe trained on everything, tested on the 100 telegram_news_ru
DEV posts labelled by reading them (left out of training) (eval/data/rubric_posts_dev.jsonl: 9 rubrics). Every
model is calibrated on its own training texts only, and its channel posts' labels checked on those texts only
(train_rubric.prepared), as the shipped one is. Beside each figure, in the same run: the recipe shipped before
this round (train_rubric.RUBRIC_BEFORE on the texts before: with the first 398 posts read to train on, not the
963 read later, and split_society's rules before) through the same steps, and the majority class.
Settings were tuned on a separate slice, reported apart and never on the lines above: 120 more DEV posts labelled
by reading (eval/data/rubric_posts_tune_dev.jsonl, never trained on; its confusion matrix and the "other when
unsure" threshold are printed) and the CV's "tune half" of tgcontest and RIA (crc32(title) even); each CV line is
also given on the other half alone. The 1,361 DEV posts read to train on (eval/data/rubric_posts_train_dev.jsonl,
rubric_posts_train2_dev.jsonl) are scored only in the CV, by fold models that did not see them.
News: 5 folds by Telegram channel (each fold holds out one programming channel and about four news channels,
and a fifth of the tgcontest articles); scored on the held-out channels (weak labels) and on tgcontest (gold).
Then speed on one core and the shipped models' size and load time. Needs scikit-learn, like the training.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # the speed figures are for one core; set before numpy loads
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402
from collections import Counter  # noqa: E402
from contextlib import contextmanager, nullcontext  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import train_rubric as tr  # noqa: E402
from svodka.understand import rubric  # noqa: E402

FOLDS = 5
LABELLED_POSTS = tr.HELD_OUT_POSTS
TUNING_POSTS = tr.TUNING_POSTS
BASELINE = tr.RUBRIC_BEFORE
SOCIETY_PARTS = tr.SOCIETY_PARTS  # the gold classes' society


@contextmanager
def rules_before():
    """split_society as shipped before this round: "Мороз" of "Дед Мороз" still a weather word (no _NAMES); so
    that the recipe-before lines are what was shipped before, rules and all."""
    names = rubric._NAMES
    rubric._NAMES = frozenset()
    try:
        yield
    finally:
        rubric._NAMES = names


def trained(examples: list[tr.Example], recipe: tr.Recipe, calibrate: bool = False) -> rubric.LinearModel:
    """The recipe's model on these examples; `calibrate`: with a temperature fitted on these examples only (5
    inner folds), as the shipped model is."""
    examples = tr.prepared(examples, recipe)  # channel labels checked on these texts only
    vectorizer, classifier = tr.fit(examples, recipe)
    t = tr.temperature(examples, recipe) if calibrate else 1.0
    return rubric.LinearModel(tr.export(vectorizer, classifier, recipe, t))


def shipped_class(m: rubric.LinearModel, e: tr.Example) -> str:
    """What the analysis files the text under (split_society, "other" when unsure), in the gold classes."""
    r = rubric.classify_with(m, e.title, e.text).rubric
    return SOCIETY_PARTS.get(r, r)


def learned_class(m: rubric.LinearModel, e: tr.Example) -> str:
    probs = m.probabilities(e.title, e.text)
    return "other" if probs is None else m.classes[int(np.argmax(probs))]


def report(name: str, gold: list[str], pred: list[str]) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    labels = sorted(set(gold))
    print(f"  {name}: n={len(gold)} accuracy {accuracy_score(gold, pred):.3f} "
          f"macro-F1 {f1_score(gold, pred, labels=labels, average='macro', zero_division=0):.3f}")
    f1 = f1_score(gold, pred, labels=labels, average=None, zero_division=0)
    print("    F1 " + "  ".join(f"{lab} {v:.2f} ({gold.count(lab)})" for lab, v in zip(labels, f1)))


def ria_tag_labels(data: Path) -> dict[str, str]:
    """Title -> rubric from ria.ru's own tags, for its society articles that have such a tag."""
    out = {}
    for r in tr.read_jsonl(data / "ria_2023_ru" / "dev.jsonl"):
        tagged = [tr.RIA_SOCIETY_TAGS[t] for t in r["tags"] if t in tr.RIA_SOCIETY_TAGS]
        if r["topic"] == "society" and tagged:
            out[r["title"]] = tagged[0]
    return out


def cv_predictions(examples: list[tr.Example], recipe: tr.Recipe, calibrate: bool, rules=nullcontext):
    """(model alone, as shipped, 9 rubrics) for each example, from the fold model that did not see it; `rules`:
    the split_society rules to score with."""
    from sklearn.model_selection import StratifiedKFold

    learned, shipped, fine = [""] * len(examples), [""] * len(examples), [""] * len(examples)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(examples, [e.label for e in examples])
    for train_idx, test_idx in folds:
        m = trained([examples[i] for i in train_idx], recipe, calibrate)
        for i in test_idx:
            e = examples[i]
            learned[i] = learned_class(m, e)
            with rules():
                fine[i] = rubric.classify_with(m, e.title, e.text).rubric
            shipped[i] = SOCIETY_PARTS.get(fine[i], fine[i])
    return learned, shipped, fine


def tune_half(e: tr.Example) -> bool:
    """The half of tgcontest and RIA that settings were tuned on (crc32 of the title even)."""
    return zlib.crc32(e.title.encode()) % 2 == 0


SOURCES = (("tgcontest", lambda e: e.group == "tgcontest"), ("ria", lambda e: e.group == "ria"),
           ("posts read to train on", lambda e: e.group == tr.READ_GROUP),
           ("channel posts", lambda e: e.group not in ("tgcontest", "ria", tr.READ_GROUP)))


def rubric_cv(examples: list[tr.Example], before: list[tr.Example], tag_labels: dict[str, str]) -> None:
    learned, shipped, fine = cv_predictions(examples, tr.RUBRIC, calibrate=True)
    old_learned, old_shipped, _ = cv_predictions(before, BASELINE, calibrate=True, rules=rules_before)
    print(f"Rubric, {FOLDS}-fold stratified CV over tgcontest + RIA + channel posts ({len(examples)} texts; "
          f"fold models calibrated on their own training folds)")
    report("gold classes (the model alone; society = politics + world + incidents + society)",
           [e.label for e in examples], learned)
    for name, group in SOURCES:
        idx = [i for i, e in enumerate(examples) if group(e)]
        gold = [examples[i].label for i in idx]
        report(f"{name}, gold classes, model alone", gold, [learned[i] for i in idx])
        report(f"{name}, gold classes, as shipped (split_society, \"other\" when unsure)", gold,
               [shipped[i] for i in idx])
        old = [i for i, e in enumerate(before) if group(e)]
        if name in ("tgcontest", "ria"):
            for half, even in (("tune half", True), ("report half", False)):
                part = [i for i in idx if tune_half(examples[i]) == even]
                old_part = [i for i in old if tune_half(before[i]) == even]
                print(f"    {half} (n={len(part)}): as shipped {np.mean([examples[i].label == shipped[i] for i in part]):.3f}"
                      f"; before {np.mean([before[i].label == old_shipped[i] for i in old_part]):.3f}")
        misses = Counter((examples[i].label, shipped[i]) for i in idx if shipped[i] != examples[i].label)
        print("    misses (gold -> shipped): " + ", ".join(f"{g}->{p} {n}" for (g, p), n in misses.most_common(8)))
        if not old:
            continue
        majority = max(set(gold), key=gold.count)
        print(f"    baselines: recipe before (without the 963 posts read later; "
              f"{len(before)} texts, {len(old)} of this source) model alone "
              f"{np.mean([before[i].label == old_learned[i] for i in old]):.3f}, as shipped "
              f"{np.mean([before[i].label == old_shipped[i] for i in old]):.3f}; "
              f"majority class ({majority}) {gold.count(majority) / len(gold):.3f}")
    report("9 rubrics vs silver labels (model + split_society; politics/world/incidents/weather are silver)",
           [e.fine for e in examples], fine)
    tagged = [i for i, e in enumerate(examples) if e.group == "ria" and e.title in tag_labels]
    report("9 rubrics vs ria.ru's own tags (Происшествия, В мире, Политика, Погода, Наука) on its society section",
           [tag_labels[examples[i].title] for i in tagged], [fine[i] for i in tagged])


def rubric_cross_source(examples: list[tr.Example], before: list[tr.Example]) -> None:
    print("Rubric, each source trained without it (gold classes; everything else, channel posts included; "
          "calibrated on the rest)")
    for test_on in ("tgcontest", "ria"):
        m = trained([e for e in examples if e.group != test_on], tr.RUBRIC, calibrate=True)
        test = [e for e in examples if e.group == test_on and e.label in m.classes]
        report(f"without {test_on} -> test {test_on}, model alone", [e.label for e in test],
               [learned_class(m, e) for e in test])
        report(f"without {test_on} -> test {test_on}, as shipped", [e.label for e in test],
               [shipped_class(m, e) for e in test])
        old = trained([e for e in before if e.group != test_on], BASELINE, calibrate=True)
        old_test = [e for e in before if e.group == test_on and e.label in old.classes]
        with rules_before():
            old_shipped = np.mean([e.label == shipped_class(old, e) for e in old_test])
        print(f"    baseline: recipe before, n={len(old_test)}: model alone accuracy "
              f"{np.mean([e.label == learned_class(old, e) for e in old_test]):.3f}, as shipped {old_shipped:.3f}")


def labelled_posts(data: Path, path: Path = LABELLED_POSTS) -> list[tuple[str, str, str]]:
    """(title, text, label) of the DEV posts labelled by reading, read as ingestion reads posts (the channel's
    sign-offs off)."""
    from svodka.ingest.jsonl import headline_and_body

    labels = {r["id"]: r["label"] for r in tr.read_jsonl(path)}
    out = []
    for r in tr.read_jsonl(data / "telegram_news_ru" / "dev.jsonl"):
        if r["id"] in labels:
            title, body = headline_and_body(r["text"], r["channel"])
            out.append((title, "\n".join(b.text for b in body), labels[r["id"]]))
    return out


def posts_eval(examples: list[tr.Example], before: list[tr.Example], data: Path) -> None:
    slices = (("held out", labelled_posts(data, LABELLED_POSTS)), ("tuning slice", labelled_posts(data, TUNING_POSTS)))
    model, old = trained(examples, tr.RUBRIC, calibrate=True), trained(before, BASELINE, calibrate=True)
    models = [("", model, nullcontext), ("recipe before: ", old, rules_before),
              ("recipe before with this round's rules: ", old, nullcontext)]
    for slice_name, posts in slices:
        gold = [label for _, _, label in posts]
        print(f"Rubric on {len(posts)} telegram_news_ru DEV posts labelled by reading, {slice_name} (never trained "
              "on), trained as shipped (calibrated)")
        for name, m, rules in models:
            with rules():
                pred = [rubric.classify_with(m, title, text).rubric for title, text, _ in posts]
            report(f"{name}9 rubrics", gold, pred)
            report(f"{name}gold classes (society = politics + world + incidents + society)",
                   [SOCIETY_PARTS.get(g, g) for g in gold], [SOCIETY_PARTS.get(p, p) for p in pred])
            if slice_name == "tuning slice" and not name:
                confusion([SOCIETY_PARTS.get(g, g) for g in gold], [SOCIETY_PARTS.get(p, p) for p in pred])
                unsure_thresholds(m, posts)


def confusion(gold: list[str], pred: list[str]) -> None:
    """The gold classes' confusion matrix: a row per gold class, a column per class filed under."""
    labels = sorted(set(gold) | set(pred))
    pairs = Counter(zip(gold, pred))
    print("    confusion (rows gold, columns as shipped): " + " ".join(f"{lab[:4]:>4}" for lab in labels))
    for g in labels:
        print(f"      {g:>8} " + " ".join(f"{pairs[g, p]:>4}" for p in labels))


def unsure_thresholds(m: rubric.LinearModel, posts: list[tuple[str, str, str]]) -> None:
    """Accuracy in the gold classes with "other when unsure" at other thresholds (checked on the tuning slice only)."""
    shipped, out = rubric.UNSURE_BELOW, []
    try:
        for threshold in (0.0, 0.2, 0.3, 0.4, 0.5):
            rubric.UNSURE_BELOW = threshold
            out.append((threshold, np.mean([SOCIETY_PARTS.get(label, label) == SOCIETY_PARTS.get(r, r) for r, label in
                                            ((rubric.classify_with(m, t, x).rubric, label) for t, x, label in posts)])))
    finally:
        rubric.UNSURE_BELOW = shipped
    print(f"    \"other\" under (shipped {shipped}): " + ", ".join(f"{t:.1f} {a:.3f}" for t, a in out))


def is_post(e: tr.Example) -> bool:
    return e.group not in ("tgcontest", "ria")


def news_folds(examples: list[tr.Example]) -> list[int]:
    """Fold of each example; RIA (all news) is -1: always trained on, never scored."""
    not_news = sorted(tr.NOT_NEWS_CHANNELS)
    news = sorted({e.group for e in examples} - tr.NOT_NEWS_CHANNELS - {"tgcontest", "ria"})
    fold = {c: i % FOLDS for i, c in enumerate(not_news)} | {c: i % FOLDS for i, c in enumerate(news)}

    def fold_of(e: tr.Example) -> int:
        if e.group == "ria":
            return -1
        if e.group == "tgcontest":
            return zlib.crc32(e.title.encode()) % FOLDS
        return fold[e.group]

    return [fold_of(e) for e in examples]


def news_scores(name: str, examples: list[tr.Example], predicted: list[bool]) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    gold = [e.label == "news" for e in examples]
    inverse = [not p for p in predicted]
    print(f"  {name}: n={len(gold)} accuracy {accuracy_score(gold, predicted):.3f} "
          f"F1(news) {f1_score(gold, predicted):.3f} F1(not news) {f1_score([not g for g in gold], inverse):.3f}")


def news_eval(examples: list[tr.Example]) -> None:
    folds = news_folds(examples)
    with_rules, without = [False] * len(examples), [False] * len(examples)
    for k in range(FOLDS):
        m = trained([e for e, f in zip(examples, folds) if f != k], tr.NEWS)
        for i in (i for i, f in enumerate(folds) if f == k):
            e = examples[i]
            without[i] = rubric.is_news_with(m, e.title, e.text, rules=False)[0]
            with_rules[i] = rubric.is_news_with(m, e.title, e.text)[0]
    print(f"News / not news, {FOLDS} folds by channel (no channel is in both training and test)")
    posts = [i for i, e in enumerate(examples) if is_post(e)]
    articles = [i for i, e in enumerate(examples) if e.group == "tgcontest"]
    for source, idx in (("Telegram, held-out channels (weak labels: channel)", posts),
                        ("tgcontest, held-out fifth (gold)", articles)):
        news_scores(f"{source}, model", [examples[i] for i in idx], [without[i] for i in idx])
        news_scores(f"{source}, model + rules", [examples[i] for i in idx], [with_rules[i] for i in idx])
    ruled = [e for e in examples if is_post(e) and rubric.news_rule(e.title, e.text)]
    print(f"  rules fire on {sum(e.label == 'news' for e in ruled)} posts of news channels (ads, how-tos) "
          f"and {sum(e.label == 'not_news' for e in ruled)} of programming channels")


def speed(rubrics: list[tr.Example], news: list[tr.Example]) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    items = [(e.title, e.text[:1000]) for e in rubrics + news[::4]]
    items = [items[i] for i in np.random.default_rng(0).permutation(len(items))]
    half = len(items) // 2
    print(f"Speed, one core, {len(items)} items (title + first 1000 chars; RIA, tgcontest, every 4th post, shuffled); "
          f"machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name, path, run in (("classify_rubrics", rubric.RUBRIC_MODEL_PATH, rubric.classify_rubrics),
                            ("is_news", rubric.NEWS_MODEL_PATH, lambda batch: [rubric.is_news(*x) for x in batch])):
        rubric.lemma.cache_clear()
        rubric.model(path).clear_caches()
        rates = []
        for batch in (items[:half], items[half:], items):  # empty caches; unseen items, caches warmed; all seen
            start = time.perf_counter()
            run(batch)
            rates.append(len(batch) / (time.perf_counter() - start))
        print(f"  {name}: {rates[0]:,.0f} items/s from empty caches, {rates[1]:,.0f} on unseen items once "
              f"{half} have warmed the caches, {rates[2]:,.0f} with every word form cached")


def load_figures() -> None:
    import pymorphy3

    print("Model files")
    for path in (rubric.RUBRIC_MODEL_PATH, rubric.NEWS_MODEL_PATH):
        start = time.perf_counter()
        m = rubric.LinearModel.load(path)
        took = time.perf_counter() - start
        print(f"  {path.name}: {path.stat().st_size / 1e6:.2f} MB, {len(m.index)} features, "
              f"{len(m.classes)} classes, load {took * 1000:.0f} ms")
    start = time.perf_counter()
    pymorphy3.MorphAnalyzer()
    print(f"  pymorphy3 MorphAnalyzer init (shared, once per process): {(time.perf_counter() - start) * 1000:.0f} ms")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=tr.DEFAULT_DATA)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    rubrics = tr.rubric_examples(args.data)
    news = tr.news_examples(args.data)
    load_figures()
    before = tr.rubric_examples(args.data, tr.READ_POSTS_BEFORE)  # the texts the recipe before learned from
    rubric_cv(rubrics, before, ria_tag_labels(args.data))
    rubric_cross_source(rubrics, before)
    posts_eval(rubrics, before, args.data)
    news_eval(news)
    speed(rubrics, news)
    print(f"eval took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
