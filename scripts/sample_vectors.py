"""Make the e5 event vectors of the bundled sample and ship them as svodka/sample/event_vectors.npz, so that
`make run` links the sample with event vectors in seconds instead of ~5 minutes of embedding.

Keyed by the text embedded (svodka.link.event.text_key of event_text(title, text)), so a change of how posts are
read only costs the vectors of the texts it changed: they are made at ingest as for any new article.
Run: .venv/bin/python scripts/sample_vectors.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.ingest import read  # noqa: E402
from svodka.link.event import SHIPPED, event_text, event_vectors, text_key  # noqa: E402
from svodka.model import IngestError  # noqa: E402

SAMPLE = [ROOT / "svodka" / "sample" / "seed_page.txt", ROOT / "svodka" / "sample" / "telegram_news.jsonl"]


def main() -> None:
    texts = [event_text(a.title, a.text) for a in read([str(p) for p in SAMPLE]) if not isinstance(a, IngestError)]
    texts = list(dict.fromkeys(texts))
    old = {}
    if SHIPPED.exists():
        z = np.load(SHIPPED)
        old = dict(zip(z["keys"].tolist(), z["vecs"]))
    todo = [t for t in texts if text_key(t) not in old]
    t0 = time.perf_counter()
    made = dict(zip(map(text_key, todo), event_vectors(todo).astype(np.float16))) if todo else {}
    keys = [text_key(t) for t in texts]
    vecs = np.vstack([made.get(k, old.get(k)) for k in keys]).astype(np.float16)
    np.savez_compressed(SHIPPED, keys=np.array(keys), vecs=vecs)
    print(f"{len(keys)} texts, {len(todo)} embedded in {time.perf_counter() - t0:.0f} s -> {SHIPPED} "
          f"({SHIPPED.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
