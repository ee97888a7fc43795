"""The article as the rules see it (words, sentences, quote spans, PER/ORG mentions), and the results."""
from __future__ import annotations

import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from operator import add

from ...model import Entity, Quote
from .marks import QUOTE_MARKS, quote_spans, sentence_bounds
from .words import WORD, Word, info, lower


@dataclass
class Attribution:
    """A quote with where its speaker and cue were written (for evaluation and highlighting)."""
    quote: Quote
    speaker_span: tuple[int, int] | None
    cue_span: tuple[int, int] | None
    topic: bool = False  # "сообщил о переговорах": what was spoken about, not what was said; no quote to show


@dataclass
class Speaker:
    name: str | None
    start: int
    end: int


class Doc:
    """The text cut into words and sentences, with the quote spans and the PER/ORG mentions."""

    def __init__(self, text: str, entities: list[Entity]):
        self.text = text
        low = lower(text)
        self.words = WORD.findall(low)
        self.starts = [m.start() for m in WORD.finditer(low)]
        self.ends = list(map(add, self.starts, map(len, self.words)))
        self.spans = quote_spans(text)
        self.span_starts = [s for s, _ in self.spans]
        self.bounds = sentence_bounds(text, self.spans)
        self.mentions = sorted(((s, e, ent) for ent in entities if ent.type in ("PER", "ORG")
                                for s, e in (ent.mentions or [(ent.start, ent.end)])), key=lambda m: m[:2])
        self.mention_starts = [m[0] for m in self.mentions]
        # places, apart: a place is never a speaker itself, only part of one ("Минобороны РФ")
        self.places = sorted(((s, e, ent) for ent in entities if ent.type == "LOC"
                              for s, e in (ent.mentions or [(ent.start, ent.end)])), key=lambda m: m[:2])
        self.used: set[int] = set()  # tokens already taken as a cue

    def __len__(self) -> int:
        return len(self.words)

    def info(self, j: int) -> Word:
        return info(self.words[j])

    def gap(self, j: int) -> str:
        """The characters between word j-1 and word j (the text's start and end stand for missing words)."""
        start = self.ends[j - 1] if j else 0
        return self.text[start:self.starts[j] if j < len(self.starts) else len(self.text)]

    def punct_before(self, j: int) -> bool:
        return not self.gap(j).isspace()

    def token_at(self, pos: int) -> int:
        return bisect_left(self.starts, pos)

    def sentence(self, pos: int) -> tuple[int, int]:
        k = bisect_right(self.bounds, pos) - 1
        return self.bounds[max(k, 0)], self.bounds[min(k + 1, len(self.bounds) - 1)]

    def in_quote(self, pos: int) -> bool:
        k = bisect_right(self.span_starts, pos) - 1
        return k >= 0 and pos < self.spans[k][1]

    def mentions_in(self, start: int, end: int, types: tuple = ("PER", "ORG")) -> list[tuple]:
        """The mentions of one of `types` overlapping [start, end), in text order."""
        k = bisect_left(self.mention_starts, end)
        return [m for m in self.mentions[max(0, k - 8):k] if m[1] > start and m[2].type in types]

    def breaks(self, k: int) -> bool:
        """Punctuation other than quote marks before word k: "партнёра "Яков и Партнеры" Ильи" runs on."""
        return any(not c.isspace() and c not in QUOTE_MARKS for c in self.gap(k))


def make(doc: Doc, start: int, end: int, j: int, speaker: Speaker | None, direct: bool) -> Attribution:
    return make_at(doc, start, end, (doc.starts[j], doc.ends[j]), speaker, direct)


def make_at(doc: Doc, start: int, end: int, cue: tuple[int, int], speaker: Speaker | None,
             direct: bool) -> Attribution:
    start, end = _strip(doc.text, start, end)
    quote = Quote(text=doc.text[start:end], speaker=speaker.name if speaker else None,
                  cue=doc.text[cue[0]:cue[1]], direct=direct, start=start, end=end)
    return Attribution(quote, (speaker.start, speaker.end) if speaker else None, cue)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop the spaces, commas and the final full stop around a clause."""
    while start < end and (text[start].isspace() or text[start] in ",—–-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ".,;"):
        end -= 1
    return start, end


# what may open a post's line but never a quote: emoji and their joiners, bullets, markdown left-overs
_NO_START = frozenset("So Sk Sm Cf Mn Co Cs Zs".split())
_NO_START_CHARS = frozenset("*_•‼#|~>`")


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (text[start].isspace() or text[start] in _NO_START_CHARS
                           or unicodedata.category(text[start]) in _NO_START):
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def dedupe(found: list[Attribution]) -> list[Attribution]:
    """Overlapping finds: direct speech beats reported speech, the earlier beats the later."""
    kept: list[Attribution] = []
    for a in sorted(found, key=lambda a: (a.quote.start, -a.quote.end)):
        if kept and a.quote.start < kept[-1].quote.end:
            if a.quote.direct and not kept[-1].quote.direct:
                kept[-1] = a
            continue
        kept.append(a)
    return kept
