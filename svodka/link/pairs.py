"""Same story? for two given texts (`svodka pairs`): one judge for headline pairs, another for full texts.

Headlines and full texts differ in what can be read from them (a headline has no lead, no sentences to align, few
names) and in how alike the same story looks (two headlines of one event share a few words; two articles share
names, figures and whole sentences), so each kind has its own model and its own threshold, trained by
scripts/train_pairs.py (svodka/data/pairs_headline*.json, pairs_full*.json; "_e5": with the event vector parts).

A pair is "full" when both sides have body text; otherwise both are judged by their headlines.
- headline parts: the headlines' lemma TF-IDF cosine and Jaccard, character 4-grams, navec cosine, shared entities
  and figures, a short-headline flag; e5's cosine of the two headlines.
- full-text parts: lemma TF-IDF of title + head, the headlines' TF-IDF, entity and figure overlap, how rare the
  rarest shared lemma is; e5's cosine of title + lead, of the headlines alone, how well the sentences of one
  text find a close sentence in the other, and e5's cosine of title + head cut at 300, 600 and 1,000 characters,
  averaged ("e5_spans": where a text is cut moves one cosine, less so three). The shipped e5 judge reads
  e5_spans alone: on 88 training pairs a choice among parts is mostly noise (docs/benchmarks.md). The flow link
  model's log-odds ("link", svodka/link/similarity.py) is given beside them for the evaluation; no judge reads it:
  that model is retrained with the linker, and it did not help here (docs/benchmarks.md).
"""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np

from ..understand.dates import named_days
from .event import event_text
from .similarity import (DATA, LinkDoc, PairModel, char_grams, content_lemmas, jaccard, link_features, link_model,
                         make_doc, overlap, rarest_shared_idf, tfidf_cosine, tfidf_weights)
from .vectors import article_text, embed

HEADLINE_FEATURES = ("title_tfidf", "title_jaccard", "chars", "dense", "entities", "entities_any", "figures",
                     "short")
HEADLINE_E5 = ("e5_title",)
FULL_FEATURES = ("tfidf", "title_tfidf", "entities", "figures", "rare", "dense")
FULL_E5 = ("e5", "e5_title", "e5_sentences", "e5_spans")
SPAN_CHARS = (300, 1000)  # the heads of "e5_spans" besides event_text's 600 characters
SENTENCES = 12  # the first sentences of a body that are aligned (the head: where the matter is)
MIN_SENTENCE = 20  # characters: shorter pieces (datelines, photo credits) are not sentences


@dataclass
class Side:
    """One text of a pair, as the judges read it."""
    doc: LinkDoc  # make_doc of title + text (lemmas, entities, figures, navec)
    title: str
    body: bool  # has text besides the headline
    title_vector: np.ndarray  # navec of the headline alone
    event: np.ndarray | None = None  # e5 of title + lead
    title_event: np.ndarray | None = None  # e5 of the headline alone
    sentences: np.ndarray | None = None  # e5 of the body's first sentences (n x 384), or None
    spans: np.ndarray | None = None  # e5 of title + head at SPAN_CHARS (2 x 384), or None (no body)

    @property
    def has_e5(self) -> bool:
        return self.event is not None and self.title_event is not None


def body_sentences(text: str) -> list[str]:
    from razdel import sentenize

    out = [s.text for s in sentenize(text[:4000]) if len(s.text) >= MIN_SENTENCE]
    return out[:SENTENCES]


def span_texts(title: str, text: str) -> list[str]:
    """Title + the head of the text cut at each of SPAN_CHARS (event_text is the 600-character one)."""
    return [f"{title}\n{text[:n].strip()}" for n in SPAN_CHARS]


def side(title: str, text: str, entities=(), figures=(),
         e5: Callable[[list[str]], np.ndarray] | None = None, sentences: bool | None = None,
         spans: bool | None = None) -> Side:
    """`e5` embeds a list of texts as e5 passages (unit rows); None: no event parts (the `--fast` judges).
    `sentences`, `spans`: embed the body's sentences, the heads at SPAN_CHARS too (None: when the shipped
    full-text judge reads them)."""
    doc = make_doc(title, title, text, entities, figures)
    s = Side(doc=doc, title=title, body=bool(text.strip()), title_vector=embed(article_text(title, "")))
    if e5 is not None:
        names = judge("full", e5=True).names if sentences is None or spans is None else ()
        if sentences is None:
            sentences = "e5_sentences" in names
        if spans is None:
            spans = "e5_spans" in names
        sents = body_sentences(text) if s.body and sentences else []
        heads = span_texts(title, text) if s.body and spans else []
        vecs = e5([event_text(title, text), title, *heads, *sents])
        s.event, s.title_event = vecs[0], vecs[1]
        doc.event = s.event  # the link model's e5 part
        s.spans = vecs[2:2 + len(heads)] if heads else None
        s.sentences = vecs[2 + len(heads):] if sents else None
    return s


def kind(a: Side, b: Side) -> str:
    return "full" if a.body and b.body else "headline"


def _title_tfidf(a: Side, b: Side) -> float:
    wa, na = tfidf_weights(_counts(a.title))
    wb, nb = tfidf_weights(_counts(b.title))
    return tfidf_cosine(wa, na, wb, nb)


@lru_cache(maxsize=4096)
def _title_lemmas(title: str) -> tuple[str, ...]:
    return tuple(content_lemmas(title))


def _counts(title: str) -> Counter:
    return Counter(sorted(_title_lemmas(title)))  # sorted: float sums follow their order


def sentence_alignment(a: np.ndarray | None, b: np.ndarray | None) -> float:
    """How well each sentence of one text finds a close one in the other: the mean of the best cosines, both ways
    round, averaged (0 when either text has no sentence)."""
    if a is None or b is None or not len(a) or not len(b):
        return 0.0
    sims = a @ b.T
    return float((sims.max(axis=1).mean() + sims.max(axis=0).mean()) / 2)


def span_cosine(a: Side, b: Side) -> float:
    """e5's cosine of title + head at 300, 600 and 1,000 characters, averaged; the 600 one alone when either side
    has no span vectors."""
    cos = [float(a.event @ b.event)]
    if a.spans is not None and b.spans is not None:
        cos += [float(x @ y) for x, y in zip(a.spans, b.spans)]
    return float(np.mean(cos))


def days_differ(a: Side, b: Side) -> bool:
    """Both headlines name a calendar day ("Прогноз погоды на 8 ноября" / "на 18 ноября") and no day is the same:
    the guideline's "different time", so another story whatever the texts share. A rule, not a part: across the
    labelled pairs here (tgcontest, ParaPhraser, news_flow_dev's judged pools: 17 such pairs) none is the same story,
    too few for a model to learn the weight from."""
    da, db = named_days(a.title), named_days(b.title)
    return bool(da and db and not da & db)


def headline_parts(a: Side, b: Side) -> dict[str, float]:
    la, lb = frozenset(_title_lemmas(a.title)), frozenset(_title_lemmas(b.title))
    ea, eb = a.doc.entities, b.doc.entities
    fa, fb = a.doc.figures, b.doc.figures
    if a.body or b.body:  # judged by the headlines: the entities and figures of the headlines only
        ea, eb = _in_title(ea, a.title), _in_title(eb, b.title)
        fa, fb = _figures_in_title(fa, a.title), _figures_in_title(fb, b.title)
    parts = {
        "title_tfidf": _title_tfidf(a, b),
        "title_jaccard": jaccard(la, lb),
        "chars": jaccard(char_grams(a.title), char_grams(b.title)),
        "dense": float(a.title_vector @ b.title_vector),
        "entities": overlap(ea, eb),
        "entities_any": float(bool(ea & eb)),
        "figures": overlap(fa, fb),
        "short": float(min(len(la), len(lb)) < 4),
        "days_differ": float(days_differ(a, b)),
    }
    if a.has_e5 and b.has_e5:
        parts["e5_title"] = float(a.title_event @ b.title_event)
    return parts


def _in_title(entities: frozenset, title: str) -> frozenset:
    words = set(content_lemmas(title))
    return frozenset(e for e in entities if set(content_lemmas(e[1])) <= words)


def _figures_in_title(figures: frozenset, title: str) -> frozenset:
    return frozenset(f for f in figures if str(f[0]) in title)


def full_parts(a: Side, b: Side) -> dict[str, float]:
    x, y = a.doc, b.doc
    events = a.has_e5 and b.has_e5
    link = link_features(x, y)
    lm = link_model(event="e5" in link)
    p = min(max(lm.score(link), 1e-6), 1 - 1e-6)
    parts = {
        "tfidf": link["tfidf"],
        "title_tfidf": _title_tfidf(a, b),
        "entities": link["entities"],
        "figures": link["figures"],
        "rare": rarest_shared_idf(x, y),
        "dense": link["dense"],
        "link": math.log(p / (1 - p)),
        "days_differ": float(days_differ(a, b)),
    }
    if events:
        parts["e5"] = float(a.event @ b.event)
        parts["e5_title"] = float(a.title_event @ b.title_event)
        parts["e5_sentences"] = sentence_alignment(a.sentences, b.sentences)
        parts["e5_spans"] = span_cosine(a, b)
    return parts


def parts(a: Side, b: Side) -> tuple[str, dict[str, float]]:
    k = kind(a, b)
    return k, (full_parts(a, b) if k == "full" else headline_parts(a, b))


@dataclass
class KindModel(PairModel):
    """A pair model of one kind; `features` may be a subset of the kind's parts (the training chose them)."""


@lru_cache(maxsize=None)
def judge(which: str, e5: bool) -> KindModel:
    path = DATA / f"pairs_{which}{'_e5' if e5 else ''}.json"
    return KindModel.from_json(json.loads(path.read_text(encoding="utf-8")))


def same_story(a: Side, b: Side) -> tuple[float, bool, str]:
    """(score 0..1, same story?, kind) for two sides made by `side`: the judge's score, and its verdict unless the
    headlines name different days (`days_differ`), which the score does not read."""
    k, p = parts(a, b)
    model = judge(k, e5=a.has_e5 and b.has_e5)
    score = model.score(p)
    return score, score >= model.threshold and not p["days_differ"], k
