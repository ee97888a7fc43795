"""The news_flow_dev windows read the way Svodka reads them: shared by eval/stories_flow.py and eval/related_flow.py.

Posts of telegram_news_ru DEV in a gold window become Articles through Svodka's own JSONL reader and are analysed
by its own analysis; event vectors (e5) are cached on disk by text, so a second run costs seconds.
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data"
GOLD = DATA / "news_flow_dev"
POSTS = DATA / "telegram_news_ru" / "dev.jsonl"
CACHE = Path("/tmp/svodka-flow")


def window_ids(which: str) -> list[str]:
    path = GOLD / ("window_ids.json" if which == "oct" else "nov/window_ids.json")
    return json.loads(path.read_text(encoding="utf-8"))


def records(ids: set[str]) -> list[dict]:
    out = []
    for line in open(POSTS, encoding="utf-8"):
        r = json.loads(line)
        if r["id"] in ids:
            out.append(r)
    return sorted(out, key=lambda r: (r["date"], r["id"]))


def code_key() -> str:
    """Cached analyses depend on the code that read and analysed the posts."""
    h = hashlib.sha1()
    for part in ("ingest", "understand", "textutil.py", "model.py", "data"):
        p = ROOT / "svodka" / part
        for f in sorted(p.rglob("*") if p.is_dir() else [p]):
            if f.is_file() and f.suffix in (".py", ".json", ".txt"):
                h.update(f.read_bytes())
    return h.hexdigest()[:12]


def articles(which: str):
    """[(external id, Article, Analysis)] for the window, in time order; unreadable posts are left out (counted)."""
    from svodka.ingest.jsonl import record_to_article
    from svodka.understand.analyze import analyze_article

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{which}-{code_key()}.pickle"
    older = sorted(CACHE.glob(f"{which}-*.pickle"), key=lambda p: p.stat().st_mtime)
    if not path.exists() and older and os.environ.get("FLOW_ANY_CACHE"):
        path = older[-1]  # while the code moves under you: the newest reading made, whatever code made it
    if path.exists():
        return pickle.loads(path.read_bytes())
    t0 = time.perf_counter()
    out, bad = [], 0
    for r in records(set(window_ids(which))):
        try:
            a = record_to_article(r, "telegram_news_ru")
        except ValueError:
            bad += 1
            continue
        out.append((r["id"], a, analyze_article(a)))
    print(f"  [{which}] read and analysed {len(out)} posts ({bad} unreadable) in {time.perf_counter() - t0:.0f} s",
          flush=True)
    path.write_bytes(pickle.dumps(out))
    return out


class E5Cache:
    """sha1(text) -> unit e5 passage vector, in CACHE/e5.npz."""

    def __init__(self):
        self.path = CACHE / "e5.npz"
        self.index: dict[str, int] = {}
        self.vecs = np.zeros((0, 384), dtype=np.float32)
        if self.path.exists():
            z = np.load(self.path)
            self.vecs = z["vecs"]
            self.index = {k: i for i, k in enumerate(z["keys"].tolist())}

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def save(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        keys = np.array(sorted(self.index, key=self.index.get), dtype="U40")
        np.savez(self.path, keys=keys, vecs=self.vecs)

    def lookup(self, texts: list[str]) -> list[np.ndarray | None]:
        """The vectors made before, None for the rest (nothing is embedded)."""
        return [self.vecs[self.index[self.key(t)]] if self.key(t) in self.index else None for t in texts]

    def get(self, texts: list[str]) -> np.ndarray:
        from svodka.link.event import event_vectors

        missing = list(dict.fromkeys(t for t in texts if self.key(t) not in self.index))
        if missing:
            print(f"  [e5] embedding {len(missing)} texts ...", flush=True)
            for i in range(0, len(missing), 256):
                part = missing[i:i + 256]
                v = event_vectors(part)
                start = len(self.vecs)
                self.vecs = np.vstack([self.vecs, v])
                self.index.update({self.key(t): start + j for j, t in enumerate(part)})
                self.save()
        return self.vecs[[self.index[self.key(t)] for t in texts]]


@contextmanager
def linked_window(which: str, e5: bool, model: dict | None = None, ranker: dict | None = None):
    """The window through Svodka's own store and linker, in a throwaway SQLite file, judged by `model` and related
    lists ranked by `ranker` (a training's JSON; None: the shipped one). Yields (linker, {post id: article id});
    analyses and link docs are made once (cached), not per run."""
    from svodka.link.linker import Linker
    from svodka.link.related import RELATED_MODELS
    from svodka.link.similarity import LINK_MODELS
    from svodka.store.sqlite import SQLiteStore
    from train_links import window_docs

    arts = articles(which)
    docs = window_docs(which, e5=e5)
    LINK_MODELS.use(model, e5)
    RELATED_MODELS.use(ranker, e5)
    os.environ["SVODKA_EVENT_VECTORS"] = "1" if e5 else "0"
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(str(Path(tmp) / "flow.db"))
        try:
            store.add_batch([a for _, a, _ in arts], {a.content_hash: n for _, a, n in arts})
            linker = Linker(store)
            linker.prepared = {(a.id, a.content_hash): docs[x] for x, a, _ in arts}
            linker.link_pending()
            yield linker, {x: a.id for x, a, _ in arts}
        finally:
            store.close()
            LINK_MODELS.reset()
            RELATED_MODELS.reset()


def gold_events() -> list[dict]:
    return json.loads((GOLD / "events.json").read_text(encoding="utf-8"))


def score(kind: str, run_lines: list[dict], *extra: str) -> str:
    """Runs news_flow_dev's own score.py over a run and returns what it prints."""
    import subprocess

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for line in run_lines:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")
    out = subprocess.run([sys.executable, str(GOLD / "score.py"), kind, f.name, *extra], capture_output=True,
                         text=True, check=True)
    Path(f.name).unlink()
    return out.stdout
