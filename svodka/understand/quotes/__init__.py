"""Quotes and who said them: direct speech in quote marks and indirect speech ("заявил, что ...").

Hand rules, no model. Quote marks are paired with a stack; speech verbs are looked up in a table of all
their forms, built once from pymorphy3; the speaker is the named entity, pronoun or nominative noun phrase
next to the verb. Everything is linear in the text and every look-around window is capped, so a 1 MB input
costs milliseconds and no regular expression can backtrack badly.

`direct` is True when the words are given verbatim: in quote marks or after a colon ("отвечал: это ...").

The rules are split by job: words (morphology and word lists), marks (quote marks, sentences), doc (the
article and the results), speakers (who said it), direct and reported (the two kinds of speech), places
(a place is never the speaker).
"""
from __future__ import annotations

from ...model import Entity, Quote
from .direct import direct_speech
from .doc import Attribution, Doc, dedupe
from .places import settle_place
from .reported import reported_speech
from .words import CYRILLIC

__all__ = ["Attribution", "attribute", "find_quotes"]


def find_quotes(text: str, entities: list[Entity]) -> list[Quote]:
    return [a.quote for a in attribute(text, entities)]


def attribute(text: str, entities: list[Entity]) -> list[Attribution]:
    if not text or not CYRILLIC.search(text):
        return []
    doc = Doc(text, entities)
    found = direct_speech(doc)
    found += reported_speech(doc)
    # topics ("сообщил о ...") were found only to keep other rules off their words; a place never speaks
    return [settle_place(doc, a) for a in dedupe(found) if not a.topic and a.quote.text]
