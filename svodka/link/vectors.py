"""Dense article vectors: SIF-weighted means of navec's news word vectors (shipped in natasha's package).

SIF (Arora et al. 2017): weight a word by a / (a + p(word)), so that frequent words barely count; navec carries the
word counts it was trained on. Vectors are unit length, so a dot product is the cosine.
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

DIM = 300
SIF_A = 1e-3
MAX_WORDS = 400  # the head of an article carries its matter; long texts cost linear time for little gain
_WORD = re.compile(r"[а-яёa-z0-9]+(?:-[а-яёa-z0-9]+)*", re.I)


@lru_cache(maxsize=1)
def navec():
    from natasha import NewsEmbedding

    emb = NewsEmbedding()
    counts = np.asarray(emb.vocab.counts, dtype=np.float64)
    weights = (SIF_A / (SIF_A + counts / counts.sum())).astype(np.float32)
    return emb, weights


def words(text: str) -> list[str]:
    return [w.lower().replace("ё", "е") for w in _WORD.findall(text)][:MAX_WORDS]


def embed(text: str) -> np.ndarray:
    """A unit vector for the text (zeros when none of its words is known)."""
    emb, weights = navec()
    ids = [i for i in (emb.vocab.get(w) for w in words(text)) if i is not None]
    if not ids:
        return np.zeros(DIM, dtype=np.float32)
    idx = np.asarray(ids)
    pq = emb.pq
    vecs = pq.codes[pq.qdims[None, :], pq.indexes[idx]].reshape(len(idx), DIM)
    v = (vecs * weights[idx, None]).sum(axis=0)
    norm = np.linalg.norm(v)
    return (v / norm).astype(np.float32) if norm > 0 else v.astype(np.float32)


def article_text(title: str, text: str, lead_chars: int = 600) -> str:
    """What an article's vector is made of: the headline (twice: it says what the news is) and the lead."""
    return f"{title}. {title}. {text[:lead_chars]}"
