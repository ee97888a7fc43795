"""Named entities: slovnet finds PER/ORG/LOC spans; pymorphy3 puts them in their base form; mentions of one
entity are merged within the article ("Путина", "Владимир Путин", "Путин" -> "Владимир Путин"), and a small
alias table merges what morphology cannot ("США" and "Соединенные Штаты").

natasha's own span.normalize needs its morphology and syntax taggers (≈3x the NER's cost); inflecting the
head of the span with pymorphy3 gives the same base forms for names and places at a fraction of it.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from razdel import tokenize

from ..model import Entity
from .lemmas import morph

DATA = Path(__file__).resolve().parent.parent / "data"
MAX_CHARS = 100_000  # the NER's cost grows with length; news articles are far shorter


@lru_cache(maxsize=1)
def tagger():
    from natasha import NewsEmbedding, NewsNERTagger

    return NewsNERTagger(NewsEmbedding())


@lru_cache(maxsize=1)
def aliases() -> dict[str, tuple[str, str]]:
    """lower-cased name -> (canonical name, type)."""
    table = json.loads((DATA / "aliases.json").read_text(encoding="utf-8"))
    out = {}
    for canonical, (etype, *names) in ((k, v) for k, v in table.items() if not k.startswith("_")):
        for name in (canonical, *names):
            out[_key(name)] = (canonical, etype)
    return out


def _key(name: str) -> str:
    return " ".join(name.lower().replace("ё", "е").split())


def _match_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return "-".join(p[:1].upper() + p[1:] for p in word.split("-"))
    return word


_NAME_TAGS = ("Name", "Surn", "Patr")


@lru_cache(maxsize=100_000)
def _nominative(word: str, person: bool, agree_with: tuple | None = None) -> tuple[str, tuple | None]:
    """The word in the nominative; returns (word, (case, number, gender) of the parse used) for agreement."""
    if not re.search("[а-яё]", word.lower()) or word.isupper():
        return word, None  # Latin names and abbreviations (США, НАТО) stay as written
    parses = morph().parse(word)
    if person:
        parses = _prefer(parses, lambda p: any(t in p.tag for t in _NAME_TAGS))
        parses = _prefer(parses, lambda p: p.tag.number != "plur")
    if agree_with:
        case, number, gender = agree_with
        parses = _prefer(parses, lambda p: (case is None or p.tag.case == case)
                         and (number is None or (p.tag.number or number) == number)
                         and (gender is None or p.tag.gender in (None, gender)))
    p = parses[0]
    wanted = {"nomn"}
    if p.tag.number == "plur" and not person:
        wanted.add("plur")  # "Соединенными Штатами" -> "Соединенные Штаты", not "Соединенный Штат"
    inflected = p.inflect(wanted)
    form = inflected.word if inflected else word
    if "ё" in form and "ё" not in word.lower():
        form = form.replace("ё", "е")  # pymorphy writes ё; news mostly does not
    return form, (p.tag.case, p.tag.number or "sing", p.tag.gender)


def _prefer(parses: list, good) -> list:
    return [p for p in parses if good(p)] or parses


def normalise(span_text: str, etype: str) -> str:
    """Base form of an entity name: a person's every word; an organisation's or place's words up to its head noun
    ("Министерства обороны" -> "Министерство обороны", "Соединенными Штатами" -> "Соединенные Штаты")."""
    words = [t.text for t in tokenize(span_text)]
    if etype == "PER":
        gender = _person_gender(tuple(words))
        return _join([_match_case(_nominative(w, True, (None, None, gender) if gender else None)[0], w)
                      for w in words], span_text)
    out: list[str] = []
    head_found = False
    head_grammemes = None  # the head noun's case, number and gender, for its adjectives to agree with
    head_index = next((i for i, w in enumerate(words) if _is_noun(w)), None)
    if head_index is not None:
        _, head_grammemes = _nominative(words[head_index], False)
    for w in words:
        if not head_found:
            form, _ = _nominative(w, False, head_grammemes)
            out.append(_match_case(form, w))
            head_found = _is_noun(w)
        else:
            out.append(w)
    return _join(out, span_text)


@lru_cache(maxsize=50_000)
def _person_gender(words: tuple[str, ...]) -> str | None:
    """The gender all of a name's words can share, the likelier one first: "Эльвиры Набиуллиной" is femn, so the
    surname becomes "Набиуллина", not "Набиуллин"."""
    totals: dict[str, float] = {}
    possible = None
    for w in words:
        if not re.search("[а-яё]", w.lower()):
            continue
        scores: dict[str, float] = {}
        for p in morph().parse(w):
            if p.tag.gender in ("masc", "femn") and any(t in p.tag for t in _NAME_TAGS):
                scores[p.tag.gender] = scores.get(p.tag.gender, 0.0) + p.score
        if not scores:
            continue
        possible = set(scores) if possible is None else possible & set(scores)
        for g, sc in scores.items():
            totals[g] = totals.get(g, 0.0) + sc
    if not possible:
        return None
    return max(sorted(possible, reverse=True), key=lambda g: totals[g])  # a tie is masc, in every process


@lru_cache(maxsize=100_000)
def _is_noun(word: str) -> bool:
    if not re.search("[а-яё]", word.lower()):
        return True  # a Latin or upper-case word is the head: "компания Apple"
    return morph().parse(word)[0].tag.POS == "NOUN"


def _join(words: list[str], original: str) -> str:
    text = " ".join(words)
    return re.sub(r"\s*-\s*", "-", text) if "-" in original and " - " not in original else text


def canonical(normal: str, etype: str) -> tuple[str, str]:
    found = aliases().get(_key(normal))
    return found if found else (normal, etype)


def find_entities(text: str) -> list[Entity]:
    """PER/ORG/LOC entities of one text, merged, in order of first mention."""
    if not text.strip():
        return []
    markup = tagger()(text[:MAX_CHARS])
    found: list[Entity] = []
    for span in markup.spans:
        for start, end in refine(text, span.start, span.stop, span.type):
            surface = text[start:end]
            name, etype = canonical(normalise(surface, span.type), span.type)
            found.append(Entity(text=surface, normalised=name, type=etype, start=start, end=end, mentions=[(start, end)]))
    return merge(found)


_PARENS = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)$")
_QUOTED = re.compile(r"[«\"“](?P<name>[^«»\"“”]{2,})[»\"”]")


def refine(text: str, start: int, end: int, etype: str) -> list[tuple[int, int]]:
    """Spans the tagger draws too wide: "Комитет защиты журналистов (КЗЖ)" is two mentions, and an organisation's
    name is what stands in its quotes ("ОАО «Газпром»" -> "Газпром")."""
    surface = text[start:end]
    m = _PARENS.match(surface)
    if m:
        return [(start + m.start("outer"), start + m.end("outer")), (start + m.start("inner"), start + m.end("inner"))]
    if etype == "ORG":
        m = _QUOTED.search(surface)
        if m:
            return [(start + m.start("name"), start + m.end("name"))]
    return [(start, end)]


def merge(mentions: list[Entity]) -> list[Entity]:
    """One entity per thing: equal names merge, and a lone surname joins the full name it ends."""
    by_name: dict[tuple[str, str], Entity] = {}
    for m in mentions:
        key = (m.type, _key(m.normalised))
        if key in by_name:
            by_name[key].mentions.extend(m.mentions)
        else:
            by_name[key] = m
    people = [e for e in by_name.values() if e.type == "PER" and " " in e.normalised]
    for key, e in list(by_name.items()):
        if e.type != "PER" or " " in e.normalised:
            continue
        full = [p for p in people if _key(p.normalised).split()[-1] == key[1] or _key(p.normalised).split()[0] == key[1]]
        if len(full) == 1:  # "Путин" with "Владимир Путин"; ambiguous surnames stay apart
            full[0].mentions.extend(e.mentions)
            del by_name[key]
    surface = {(m.start, m.end): m.text for m in mentions}
    entities = sorted(by_name.values(), key=lambda e: min(e.mentions))
    for e in entities:
        e.mentions.sort()
        e.start, e.end = e.mentions[0]
        e.text = surface[e.mentions[0]]
    return entities
