"""A place is no speaker: in "сообщает Минобороны РФ" the ministry speaks, and "Великобритания заявила" names
no one who spoke. Run over each attribution once the speaker is found, whichever rule found it."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import replace
from functools import lru_cache

from ..lemmas import morph
from .doc import Attribution, Doc, Speaker

_NOUNS = frozenset({"NOUN", "UNKN"})  # a frozenset: pymorphy3's tags refuse == with names they lack


def settle_place(doc: Doc, a: Attribution) -> Attribution:
    """The attribution with its speaker put right when a place is, or ends, the speaker's words."""
    if a.speaker_span is None:
        return a
    start, end = a.speaker_span
    place = _place_over(doc, start, end)
    if place is not None:
        return _with(a, _owner(doc, place))
    org = next((m for m in reversed(doc.mentions_in(start, end, ("ORG",))) if m[2].normalised == a.quote.speaker),
               None)
    if org is None:
        return a
    place = _place_after(doc, org[1])
    if place is not None:  # "МИД Чада": the organisation of that place, whatever the alias table says
        name = _org_of(doc, org, doc.text[place[0]:place[1]], place[2].normalised)
        return _with(a, Speaker(name, start, max(end, place[1])))
    written = doc.text[org[0]:org[1]].split()
    if len(written) > 1 and _is_place(written[-1]):  # "Минобороны Сирии" tagged as one name
        return _with(a, Speaker(_org_of(doc, org, written[-1], written[-1]), start, end))
    return a


def _with(a: Attribution, speaker: Speaker | None) -> Attribution:
    quote = replace(a.quote, speaker=speaker.name if speaker else None)
    return replace(a, quote=quote, speaker_span=(speaker.start, speaker.end) if speaker else None)


def _place_over(doc: Doc, start: int, end: int) -> tuple | None:
    """The place mention the speaker's words lie within, if any."""
    k = bisect_right([p[0] for p in doc.places], start) - 1
    if k >= 0 and doc.places[k][0] <= start and end <= doc.places[k][1]:
        return doc.places[k]
    return None


def _owner(doc: Doc, place: tuple) -> Speaker | None:
    """The organisation written right before the place ("Минобороны РФ", "Следственный комитет РФ"), or none."""
    t = doc.token_at(place[0]) - 1
    if t < 0 or doc.punct_before(t + 1) or not _genitive(doc, doc.token_at(place[0])):
        return None
    org = _org_ending(doc, doc.ends[t])
    if org is not None:
        return Speaker(_org_of(doc, org, doc.text[place[0]:place[1]], place[2].normalised), org[0], place[1])
    if doc.info(t).pos in _NOUNS and doc.text[doc.starts[t]].isupper():
        return Speaker(doc.text[doc.starts[t]:place[1]], doc.starts[t], place[1])  # "Минобороны РФ" untagged
    return None


def _org_ending(doc: Doc, end: int) -> tuple | None:
    k = bisect_left(doc.mention_starts, end)
    for m in reversed(doc.mentions[max(0, k - 4):k]):
        if m[1] == end and m[2].type == "ORG":
            return m
    return None


def _place_after(doc: Doc, end: int) -> tuple | None:
    """A place in the genitive right after `end`, nothing but spaces between: "МИД | Чада"."""
    k = bisect_left([p[0] for p in doc.places], end)
    if k < len(doc.places) and doc.text[end:doc.places[k][0]].isspace():
        return doc.places[k] if _genitive(doc, doc.token_at(doc.places[k][0])) else None
    return None


def _genitive(doc: Doc, t: int) -> bool:
    return t < len(doc) and doc.info(t).gen


def _org_of(doc: Doc, org: tuple, written: str, place_name: str) -> str:
    """The organisation's name with its place: its base form when that names this place already
    ("Минобороны России" for "Минобороны РФ"), else its base form with the place as written ("МИД Чада", not
    the "МИД России" an alias made of "МИД")."""
    name = org[2].normalised.split()
    if name and _is_place(name[-1]):
        if _lemma(name[-1]) in (_lemma(place_name), _lemma(written)):
            return " ".join(name)
        name = name[:-1]
    elif name and name[-1] == written:
        return " ".join(name)
    return " ".join(name + [written])


@lru_cache(maxsize=10_000)
def _is_place(word: str) -> bool:
    return any("Geox" in p.tag.grammemes for p in morph().parse(word))


@lru_cache(maxsize=10_000)
def _lemma(name: str) -> str:
    return morph().parse(name.lower())[0].normal_form.replace("ё", "е")
