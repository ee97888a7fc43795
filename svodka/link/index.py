"""Nearest neighbours over article vectors (faiss): exact inner product while the corpus is small, an inverted
file with 8-bit scalar quantisation once it is large (1 M x 300-d: ~300 MB instead of 1.2 GB, ~1 ms a query)."""
from __future__ import annotations

import threading

import faiss
import numpy as np

from .vectors import DIM

# one query at a time: faiss's OpenMP threads cost more to start than they save, and the web server has its own
faiss.omp_set_num_threads(1)

EXACT_UP_TO = 100_000
PER_LIST = 250  # vectors per inverted list
TRAIN_PER_LIST = 40  # training vectors per list for k-means
NPROBE = 12


def inverted_file(dim: int, expected: int):
    nlist = max(64, expected // PER_LIST)
    index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    index.nprobe = NPROBE
    return index


class VectorIndex:
    """`expected` sizes the index up front (a store being loaded); one that outgrows the exact index is rebuilt."""

    def __init__(self, dim: int = DIM, expected: int = 0):
        self.dim = dim
        self.ids: list[str] = []
        self.index = inverted_file(dim, expected) if expected > EXACT_UP_TO else faiss.IndexFlatIP(dim)
        self.pending: list[np.ndarray] = []  # vectors waiting for the inverted file to be trained
        self.lock = threading.Lock()  # faiss search is thread-safe, add is not

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, ids: list[str], vectors: np.ndarray) -> None:
        if not ids:
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(ids), self.dim)
        with self.lock:
            self.ids.extend(ids)
            if isinstance(self.index, faiss.IndexFlatIP) and self.index.ntotal + len(ids) > EXACT_UP_TO:
                self.pending = [self.index.reconstruct_n(0, self.index.ntotal)]
                self.index = inverted_file(self.dim, 4 * len(self.ids))
            if self.index.is_trained:
                self.index.add(vectors)
                return
            self.pending.append(vectors)
            waiting = sum(len(p) for p in self.pending)
            if waiting >= self.index.nlist * TRAIN_PER_LIST:
                everything = np.vstack(self.pending)
                self.index.train(everything)
                self.index.add(everything)
                self.pending = []

    def search(self, vector: np.ndarray, k: int = 50) -> list[tuple[str, float]]:
        query = np.asarray(vector, dtype=np.float32).reshape(1, self.dim)
        if self.pending:  # not trained yet: the waiting vectors are searched exactly
            waiting = np.vstack(self.pending)
            sims = waiting @ query[0]
            top = np.argsort(-sims)[:k]
            return [(self.ids[i], float(sims[i])) for i in top]
        if not self.ids:
            return []
        sims, rows = self.index.search(query, min(k, len(self.ids)))
        return [(self.ids[r], float(s)) for r, s in zip(rows[0], sims[0]) if r >= 0]
