"""A desk that restarts: November's window (news_flow_dev `nov/`, 5,562 posts) linked in one run, and linked with a
new Linker for each UTC day or hour (what `svodka ingest` of daily or hourly files does: every run is a new
process), with and without the copies of the runs before read back (`Linker.read_copies`).

Printed: the judged copy pairs of the window (nov/copies.json, 533) that end in one family of copies, and how far
the day-by-day stories are from the one-run stories (pairwise P / R / F1 of "same story", one run as the reference;
one post of each family of copies, as the stories' scorer counts them). e5 vectors from eval/flow.py's cache.
Run: .venv/bin/python eval/restarts.py
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "eval"), str(ROOT / "scripts")]

import flow  # noqa: E402


def link(period: str | None, read_back: bool) -> tuple[dict[str, str], dict[str, int]]:
    """({post id: root of its family of copies}, {post id: story}) of the window linked in one run (`period`
    None) or in one run per UTC "day" or "hour"."""
    from svodka.link.linker import Linker
    from svodka.store.sqlite import SQLiteStore
    from train_links import window_docs

    arts = flow.articles("nov")
    docs = window_docs("nov", e5=True)
    os.environ["SVODKA_EVENT_VECTORS"] = "1"
    batches = defaultdict(list)
    for x, a, n in arts:
        cut = {None: None, "day": a.published_at.date(), "hour": a.published_at.replace(minute=0, second=0,
                                                                                           microsecond=0)}
        batches[cut[period]].append((x, a, n))
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(str(Path(tmp) / "flow.db"))
        linker = None
        for key in sorted(batches, key=lambda k: (k is not None, k)):
            part = batches[key]
            store.add_batch([a for _, a, _ in part], {a.content_hash: n for _, a, n in part})
            linker = Linker(store)  # a new process
            if not read_back:  # as before: the names are read back, the copy finder starts empty
                linker.read_copies = lambda: None
            linker.prepared = {(a.id, a.content_hash): docs[x] for x, a, _ in part}
            linker.link_pending()
        ids = {x: a.id for x, a, _ in arts}
        roots = {x: linker.root(i) for x, i in ids.items()}
        stories = {x: linker.story_of[i] for x, i in ids.items() if i in linker.story_of}
        store.close()
    return roots, stories


def copies_found(roots: dict[str, str], pairs: list[dict]) -> int:
    return sum(1 for p in pairs if p["a"] in roots and p["b"] in roots and roots[p["a"]] == roots[p["b"]])


def agreement(ref: dict[str, int], run: dict[str, int], roots: dict[str, str]) -> tuple[float, float, float]:
    """Pairwise P / R / F1 of `run`'s same-story pairs against `ref`'s, one post of each family of copies."""
    keep = {}
    for x in ref:
        keep.setdefault(roots.get(x, x), x)
    posts = [x for x in keep.values() if x in run]

    def pairs(labels):
        groups = defaultdict(list)
        for x in posts:
            groups[labels[x]].append(x)
        return {(a, b) for g in groups.values() for i, a in enumerate(g) for b in g[i + 1:]}

    r, s = pairs(ref), pairs(run)
    p = len(r & s) / max(len(s), 1)
    q = len(r & s) / max(len(r), 1)
    return p, q, 2 * p * q / max(p + q, 1e-9)


def main() -> None:
    gold = json.loads((flow.GOLD / "nov" / "copies.json").read_text(encoding="utf-8"))["window_copy_pairs"]
    one_roots, one_stories = link(None, read_back=True)
    print(f"November, {len(one_roots)} posts; judged copy pairs {len(gold)}")
    print(f"  one run:                                 copies found {copies_found(one_roots, gold):4d}")
    for period in ("day", "hour"):
        for read_back in (False, True):
            roots, stories = link(period, read_back=read_back)
            p, r, f = agreement(one_stories, stories, one_roots)
            name = f"a run per {period}, " + ("copies read back" if read_back else "copy finder empty (before)")
            print(f"  {name:41s} copies found {copies_found(roots, gold):4d}; stories vs one run: pairwise "
                  f"P {p:.3f} R {r:.3f} F1 {f:.3f}", flush=True)


if __name__ == "__main__":
    main()
