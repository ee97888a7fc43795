"""Stories on a window nothing was tuned on: November (news_flow_dev's `nov/`, 5,566 telegram_news_ru DEV posts of
10 Nov - 5 Dec 2024, a national flow with events of dozens of posts), scored by its judged related pools.

November has no exhaustive events, but its judges graded each query's pool by the gold's event rule (2: the same
event, its development and reactions; 1: the same matter, another event; 0: not it). So, per query, the query's
predicted story-mates among its pool tell:
- recall: the share of its grade-2 posts in its story (B-cubed style: the query counts itself);
- precision: the share of its judged story-mates that are grade 2 (grade 1 is another event, so an error here);
  story-mates nobody judged are not counted (the pools are capped at 40: big events have more posts than judged);
- pairwise P / R / F1 over every judged (query, post) pair: "same story" against grade 2.
Measured like an outsider: the link model is trained on October's gold events only and its story threshold chosen
on them; the baselines' thresholds too (char 3-5-gram TF-IDF and e5, average linkage, pairs over 96 h apart never
linked, as in eval/stories_flow.py). The shipped model, trained on these judgments as well, is in-sample here.
Run: .venv/bin/python eval/stories_nov.py [--no-e5]
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))
sys.path.insert(0, str(ROOT / "scripts"))

import flow  # noqa: E402

BASELINE_GRID = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9)


def pool_scores(story_of: dict[str, object], pools: dict[str, dict[str, int]]) -> dict:
    """Per query and overall: recall, precision (B-cubed style over the pool) and the judged pairs' counts."""
    rows, tp, fp, fn = [], 0, 0, 0
    for q, pool in pools.items():
        same = {c for c in pool if q in story_of and story_of.get(c) == story_of[q]}
        positives = {c for c, g in pool.items() if g == 2}
        hit = len(same & positives)
        tp, fp, fn = tp + hit, fp + len(same - positives), fn + len(positives - same)
        if positives:
            rows.append({"query": q, "positives": len(positives), "found": hit, "wrong": len(same - positives),
                         "R": (1 + hit) / (1 + len(positives)), "P": (1 + hit) / (1 + len(same))})
    P, R = np.mean([r["P"] for r in rows]), np.mean([r["R"] for r in rows])
    pp, pr = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {"P": P, "R": R, "F1": 2 * P * R / (P + R) if P + R else 0.0, "pair_P": pp, "pair_R": pr,
            "pair_F1": 2 * pp * pr / (pp + pr) if pp + pr else 0.0, "queries": rows}


def line(name: str, s: dict) -> str:
    return (f"{name:<52} P {s['P']:.3f}  R {s['R']:.3f}  F1 {s['F1']:.3f}   pairs P {s['pair_P']:.3f}  "
            f"R {s['pair_R']:.3f}  F1 {s['pair_F1']:.3f}")


def main(e5: bool = True) -> None:
    from stories_flow import average_link, bcubed, best_threshold, run_linker_on
    from train_links import event_pairs, judged_pools, train, window_docs

    t0 = time.perf_counter()
    pools = judged_pools("nov")
    events = flow.gold_events()
    print(f"news_flow_dev November: {len(pools)} judged queries, "
          f"{sum(g == 2 for p in pools.values() for g in p.values())} grade-2 posts; event vectors "
          f"{'on' if e5 else 'off'}; everything chosen on October's {len(events)} gold events")
    oct_docs = window_docs("oct", e5=e5)
    model = train([(oct_docs, event_pairs(oct_docs, events))], e5)
    model["story_threshold"] = best_threshold(model, e5, {e["event"] for e in events})
    ours = pool_scores(run_linker_on("nov", e5, model), pools)
    print(line(f"Svodka, link model of October (threshold {model['story_threshold']})", ours))
    for kind in ("tfidf", "e5") if e5 else ("tfidf",):
        on_oct, on_nov = average_link("oct", kind, BASELINE_GRID), average_link("nov", kind, BASELINE_GRID)
        t = max(on_oct, key=lambda t: bcubed(on_oct[t], events)[2])
        print(line(f"{kind} average link, threshold of October ({t})", pool_scores(on_nov[t], pools)))
        best = max(on_nov, key=lambda t: pool_scores(on_nov[t], pools)["F1"])
        print(line(f"{kind} average link, threshold best here ({best})", pool_scores(on_nov[best], pools)))
    shipped = pool_scores(run_linker_on("nov", e5, None), pools)
    print(line("shipped model (in-sample: trained on these pools too)", shipped))
    print("\nper query (Svodka, link model of October): grade-2 posts, in the query's story, judged others there")
    for r in ours["queries"]:
        print(f"  {r['query']:<24} {r['positives']:>3} {r['found']:>3} {r['wrong']:>3}")
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main(e5="--no-e5" not in sys.argv)
