"""Stories on a real news flow: news_flow_dev's 25 exhaustive gold events (October 2024, 1,720 Telegram posts of
telegram_news_ru DEV), B-cubed precision / recall / F1 by the gold's own score.py, Svodka's linker beside the
char TF-IDF average-link baseline, in one run.

Measured like an outsider: the events are split in two halves (seeded); the link model is trained on the pairs of
one half (plus November's judged pairs) and its story threshold chosen by running the linker on that half, then
the other half is scored; both ways round, the mean reported. The shipped model (trained on all of it) is scored
too, marked in-sample. Baselines: the threshold best on the scored half itself (generous to them) and the one
chosen on the other half.
With --splits N the events are cut into halves N ways (the first as above) and the mean ± sd printed.
Run: .venv/bin/python eval/stories_flow.py [--no-e5] [--splits N]
"""
from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))
sys.path.insert(0, str(ROOT / "scripts"))

import flow  # noqa: E402

# from 0.4: at 0.3 and 0.25 (where October's events pointed) the bundled sample's air-defence reports of four days
# chained into one story (tests/test_stories_sample.py); October is Moscow-local, the sample a national flow
GRID = (0.4, 0.45, 0.5, 0.6, 0.7)


def bcubed(story_of: dict[str, object], events: list[dict], only: set[str] | None = None) -> tuple[float, float, float]:
    """score.py's B-cubed over the gold posts of the chosen events (story-mates counted inside the window)."""
    window = set(flow.window_ids("oct"))
    members = defaultdict(set)
    for p, s in story_of.items():
        if p in window:
            members[s].add(p)
    P = R = 0.0
    k = 0
    for e in events:
        if only is not None and e["event"] not in only:
            continue
        E = set(e["members"])
        for p in E:
            mates = members[story_of[p]] if p in story_of else {p}
            inter = len(mates & E)
            P, R, k = P + inter / len(mates), R + inter / len(E), k + 1
    P, R = P / k, R / k
    return P, R, 2 * P * R / (P + R) if P + R else 0.0


def run_linker(e5: bool, model: dict | None = None) -> dict[str, int]:
    """The October window linked by Svodka: {post id: story}."""
    return run_linker_on("oct", e5, model)


def run_linker_on(which: str, e5: bool, model: dict | None = None) -> dict[str, int]:
    """A window linked by Svodka: {post id: story}."""
    with flow.linked_window(which, e5, model) as (linker, article_of):
        return {x: linker.story_of[a] for x, a in article_of.items() if a in linker.story_of}


def trained_on(oct_docs: dict, other: list, event_names: set[str], e5: bool) -> dict:
    """A link model from the pairs of these October events only (no pair touching another event's posts) and the
    `other` (docs, pairs) sets."""
    from train_links import event_pairs, train

    events = flow.gold_events()
    elsewhere = {m for e in events if e["event"] not in event_names for m in e["members"]}
    pairs = [p for p in event_pairs(oct_docs, [e for e in events if e["event"] in event_names])
             if p[0] not in elsewhere and p[1] not in elsewhere]
    return train([(oct_docs, pairs), *other], e5)


def best_threshold(model: dict, e5: bool, events_used: set[str]) -> float:
    """The story threshold whose stories score best (F1) on these events (those the model was trained on).
    Tried instead and dropped: choosing it out of sample (on a model trained on half of these events: six events
    are too few, the choice swung from 0.2 to 0.45) and on November's judged pools (pairwise F1 of "same story"
    chose 0.25, which chained the bundled sample's air-defence nights into one story: the pools do not see
    chains among the posts they do not judge)."""
    events = flow.gold_events()
    best = (-1.0, 0.5)
    for t in GRID:
        f1 = bcubed(run_linker(e5, {**model, "story_threshold": t}), events, events_used)[2]
        best = max(best, (f1, t))
    return best[1]


def average_link(which: str, kind: str, thresholds) -> dict[float, dict[str, int]]:
    """The baselines: {threshold: {post id: cluster}} by average linkage over char 3-5-gram TF-IDF (char_wb,
    sublinear) or e5 cosines, pairs more than 96 h apart never linked; one linkage cut at each threshold."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform
    from sklearn.feature_extraction.text import TfidfVectorizer

    from svodka.link.event import event_text

    arts = flow.articles(which)
    if kind == "tfidf":
        X = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(
            [f"{a.title}\n{a.text}" for _, a, _ in arts])
        D = 1 - (X @ X.T).toarray()
    else:
        V = flow.E5Cache().get([event_text(a.title, a.text) for _, a, _ in arts])
        D = 1 - V @ V.T
    hours = np.array([a.published_at.timestamp() / 3600 for _, a, _ in arts])
    D[np.abs(hours[:, None] - hours[None, :]) > 96] = 1.0
    np.fill_diagonal(D, 0)
    tree = linkage(squareform(np.clip(D, 0, 1), checks=False), "average")
    return {t: {x: int(c) for (x, _, _), c in zip(arts, fcluster(tree, 1 - t, "distance"))} for t in thresholds}


def line(name: str, prf) -> str:
    return f"{name:<58} P {prf[0]:.3f}  R {prf[1]:.3f}  F1 {prf[2]:.3f}"


def halves_of(names: list[str], seed: int) -> list[set[str]]:
    names = sorted(names)
    random.Random(seed).shuffle(names)
    return [set(names[0::2]), set(names[1::2])]


SPLIT_SEED = 20241001  # the split reported first (and the only one without --splits)


def held_out(oct_docs: dict, other: list, halves: list[set[str]], e5: bool, base_runs: dict, show: bool):
    """Each half scored by a model trained on the other (and `other`), the baseline's threshold from the other
    half too: (Svodka, baseline cross, baseline best on the half itself), each the mean of the two halves."""
    events = flow.gold_events()
    ours, base_own, base_cross = [], [], []
    for k in (0, 1):
        test, train_ev = halves[k], halves[1 - k]
        model = trained_on(oct_docs, other, train_ev, e5)
        t = best_threshold(model, e5, train_ev)
        model["story_threshold"] = t
        prf = bcubed(run_linker(e5, model), events, test)
        ours.append(prf)
        own = max((bcubed(r, events, test) for r in base_runs.values()), key=lambda x: x[2])
        t_cross = max(base_runs, key=lambda t: bcubed(base_runs[t], events, train_ev)[2])
        cross = bcubed(base_runs[t_cross], events, test)
        base_own.append(own)
        base_cross.append(cross)
        if show:
            print(line(f"  half {k + 1}: Svodka, trained on the other half (threshold {t})", prf))
            print(line(f"  half {k + 1}: char TF-IDF avg-link, threshold from the other half ({t_cross})", cross))
    return np.mean(ours, axis=0), np.mean(base_cross, axis=0), np.mean(base_own, axis=0)


def main(e5: bool = True, splits: int = 1) -> None:
    from train_links import judged_ids, judged_pairs, window_docs

    t0 = time.perf_counter()
    events = flow.gold_events()
    names = [e["event"] for e in events]
    oct_docs, nov_docs = window_docs("oct", e5=e5), window_docs("nov", e5=e5, only=judged_ids("nov"))
    other = [(nov_docs, judged_pairs(nov_docs, "nov"))]
    print(f"news_flow_dev October: {len(events)} gold events, {sum(len(e['members']) for e in events)} posts, "
          f"window {len(oct_docs)} posts; event vectors {'on' if e5 else 'off'}")

    base_runs = average_link("oct", "tfidf", (0.05, 0.1, 0.15, 0.2, 0.25, 0.3))
    runs = [held_out(oct_docs, other, halves_of(names, SPLIT_SEED + i), e5, base_runs, show=i == 0)
            for i in range(splits)]
    print()
    print("held-out (mean of the two halves):")
    print(line("  Svodka linker", runs[0][0]))
    print(line("  char TF-IDF average link, threshold from the other half", runs[0][1]))
    print(line("  char TF-IDF average link, threshold best on the half itself", runs[0][2]))
    if splits > 1:
        # 25 events cut in two: which events fall in which half moves the figure; so does the threshold chosen
        print(f"\nheld-out over {splits} splits of the events into halves (seeds {SPLIT_SEED}-"
              f"{SPLIT_SEED + splits - 1}): F1 per split, then mean ± sd of P / R / F1")
        for j, name in enumerate(("Svodka linker", "char TF-IDF average link, threshold from the other half",
                                  "char TF-IDF average link, threshold best on the half itself")):
            r = np.array([run[j] for run in runs])
            print(f"  {name:<58} F1 " + " ".join(f"{f:.3f}" for f in r[:, 2]))
            print(f"  {'':<58} P {r[:, 0].mean():.3f} ± {r[:, 0].std():.3f}  R {r[:, 1].mean():.3f} ± "
                  f"{r[:, 1].std():.3f}  F1 {r[:, 2].mean():.3f} ± {r[:, 2].std():.3f}")
    shipped = run_linker(e5)
    print("\nshipped model over the whole window (in-sample: it was trained on these events):")
    print(flow.score("stories", [{"post": p, "story": s} for p, s in shipped.items()]).split("\n\n")[0])
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    args = sys.argv[1:]
    n = int(args[args.index("--splits") + 1]) if "--splits" in args else 1
    main(e5="--no-e5" not in args, splits=n)
