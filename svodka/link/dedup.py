"""Near-duplicates: MinHash LSH (datasketch) over word shingles of the normalised text.

Reposts and light rewrites of one text ("— сообщает ТАСС" added, a link removed) share most 3-word shingles;
different news about one event do not. Only a recent window is kept: copies of a text appear within days.
"""
from __future__ import annotations

import re
from collections import deque
from datetime import datetime, timedelta

from datasketch import MinHash, MinHashLSH

NUM_PERM = 64
THRESHOLD = 0.7  # estimated Jaccard of shingle sets above which two texts are one text
SHINGLE = 3
WINDOW = timedelta(days=7)
SAME_TIME = timedelta(hours=6)  # a copy is posted within hours of its text, or carries the very same figures
SAME_FIGURES = timedelta(hours=48)
_WORD = re.compile(r"\w+", re.U)
_DIGITS = re.compile(r"\d+")


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower().replace("ё", "е"))
    if len(words) < SHINGLE:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + SHINGLE]).encode() for i in range(len(words) - SHINGLE + 1)}


def minhash(text: str) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=7)
    m.update_batch(list(shingles(text)))
    return m


class CopyFinder:
    """Finds, for each new text, an earlier text it is a copy of; forgets texts older than the window."""

    def __init__(self, threshold: float = THRESHOLD, window: timedelta = WINDOW):
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self.window = window
        self.seen: deque[tuple[datetime | None, str]] = deque()
        self.hashes: dict[str, MinHash] = {}
        self.marks: dict[str, tuple[datetime | None, tuple[str, ...]]] = {}  # when, and the text's numbers
        self.threshold = threshold

    def _same_text(self, key: str, when: datetime | None, digits: tuple[str, ...]) -> bool:
        """Templates recur ("Колонка котировок", the nightly drone report): the same words on another day with
        other numbers are another news item, not a copy."""
        then, their_digits = self.marks[key]
        if when is None or then is None:
            return True
        apart = abs(when - then)
        return apart <= SAME_TIME or (bool(digits) and digits == their_digits and apart <= SAME_FIGURES)

    def add(self, key: str, text: str, when: datetime | None = None) -> str | None:
        """Index the text; return the key of the earlier text it copies, if any."""
        if key in self.hashes:
            return None
        self._forget_before(when)
        m = minhash(text)
        digits = tuple(_DIGITS.findall(text))
        original = None
        # LSH finds candidates; the estimated Jaccard decides, the closest earlier text wins
        candidates = [c for c in self.lsh.query(m) if self._same_text(c, when, digits)]
        if candidates:
            best = max(candidates, key=lambda c: (self.hashes[c].jaccard(m), c))
            if self.hashes[best].jaccard(m) >= self.threshold:
                original = best
        self.lsh.insert(key, m)
        self.hashes[key] = m
        self.marks[key] = (when, digits)
        self.seen.append((when, key))
        return original

    def _forget_before(self, when: datetime | None) -> None:
        if when is None:
            return
        while self.seen and self.seen[0][0] is not None and self.seen[0][0] < when - self.window:
            _, old = self.seen.popleft()
            self.lsh.remove(old)
            del self.hashes[old]
            del self.marks[old]

    def __len__(self) -> int:
        return len(self.hashes)
