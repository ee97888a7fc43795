"""Named entities: slovnet finds PER/ORG/LOC spans; baseform.py puts them in their base form (pymorphy3, with
natasha's morphology tagger only where a case stays in doubt); mentions of one entity are merged within the
article ("Путина", "Владимир Путин", "Путин" -> "Владимир Путин"), and a small alias table merges what morphology
cannot ("США" and "Соединенные Штаты").
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from ..model import Entity
from . import baseform, gazetteer

DATA = Path(__file__).resolve().parent.parent / "data"
MAX_CHARS = 100_000  # the NER's cost grows with length; news articles are far shorter


@lru_cache(maxsize=1)
def tagger():
    from natasha import NewsNERTagger

    from . import fastnn

    fastnn.install()  # slovnet's layers with less overhead, the same tags
    return NewsNERTagger(baseform.embedding())


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


def normalise(span_text: str, etype: str) -> str:
    """Base form of a name out of its text: a person's every word; an organisation's or place's words up to its
    head noun ("Министерства обороны" -> "Министерство обороны", "Соединенными Штатами" -> "Соединенные Штаты")."""
    return baseform.base_form(span_text, etype)


def base_form(text: str, start: int, end: int, etype: str) -> str:
    """Base form of the mention text[start:end], other forms in the text and its sentence as evidence."""
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    return baseform.base_form(text[start:end], etype, _evidence(text),
                              lambda offset: baseform.context_case(text, start + offset),
                              before.group(1) if before else "")


_WORD_BEFORE = re.compile(r"(\w+)\s+$")


@lru_cache(maxsize=64)
def _evidence(text: str) -> frozenset:
    """Lower-cased capitalised words of the text and the words of the alias table's names: a name's nominative
    seen elsewhere in the text, or known ("Байдена" -> "Байден"), votes for it."""
    return _known_words() | frozenset(w.lower() for w in re.findall(r"\b[А-ЯЁ][а-яё]+(?:-[А-ЯЁа-яё]+)*", text))


@lru_cache(maxsize=1)
def _known_words() -> frozenset:
    return frozenset(w for name in aliases() for w in name.split() if re.fullmatch("[а-яё-]+", w))


def canonical(normal: str, etype: str) -> tuple[str, str]:
    found = aliases().get(_key(normal))
    return found if found else (normal, etype)


def find_entities(text: str) -> list[Entity]:
    """PER/ORG/LOC entities of one text, merged, in order of first mention."""
    if not text.strip():
        return []
    markup = tagger()(text[:MAX_CHARS])
    spans = [(start, end, span.type) for span in markup.spans
             for start, end in refine(text, span.start, span.stop, span.type)]
    spans = _with_gazetteer(text[:MAX_CHARS], spans)
    found: list[Entity] = []
    for start, end, etype, name in spans:
        if name is None:
            name, etype = canonical(base_form(text, start, end, etype), etype)
        found.append(Entity(text=text[start:end], normalised=name, type=etype, start=start, end=end,
                            mentions=[(start, end)]))
    return merge(found)


def _with_gazetteer(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str, str | None]]:
    """The tagger's spans, plus quoted organisation names (which replace the tagger's spans inside the quotes:
    партия «Единая Россия» is not the place Россия) and alias-table names the tagger missed; (start, end, type,
    canonical name or None)."""
    out = [(s, e, t, None) for s, e, t in spans]
    for qs, qe in gazetteer.quoted_orgs(text):
        overlapping = [x for x in out if x[0] < qe and qs < x[1]]
        if all(qs <= x[0] and x[1] <= qe and (x[2] != "ORG" or (x[0], x[1]) != (qs, qe)) for x in overlapping):
            out = [x for x in out if x not in overlapping] + [(qs, qe, "ORG", None)]
    for ms, me, name, etype in gazetteer.alias_matches(text):
        overlapping = [x for x in out if x[0] < me and ms < x[1]]
        several_words = " " in text[ms:me]
        # a known name of several words beats the tagger's pieces of it ("Голос Америки", not LOC "Америки"), unless
        # the tagger saw its kind there ("МИД" + "России" stay two mentions, as naeval's gold has them)
        if not overlapping or several_words and all(ms <= x[0] and x[1] <= me and x[2] != etype for x in overlapping):
            out = [x for x in out if x not in overlapping] + [(ms, me, etype, name)]
    return sorted(out)


_PARENS = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)$")
_QUOTED = re.compile(r"[«\"“](?P<name>[^«»\"“”]{2,})(?:[»\"”]|$)")  # the tagger often stops before the »
# what the tagger calls an organisation and is none: a legal form alone, "СМИ", a space station, a road accident
NOT_ORGS = frozenset("ООО ОАО ЗАО ПАО АО НКО СМИ МКС ДТП ЧП ВВП".split())


def refine(text: str, start: int, end: int, etype: str) -> list[tuple[int, int]]:
    """Spans the tagger draws too wide: "Комитет защиты журналистов (КЗЖ)" is two mentions, and an organisation's
    name is what stands in its quotes ("ОАО «Газпром»" -> "Газпром")."""
    surface = text[start:end]
    if etype == "ORG" and surface.strip("«»\" ") in NOT_ORGS:
        return []
    m = _PARENS.match(surface)
    if m:
        return [(start + m.start("outer"), start + m.end("outer")), (start + m.start("inner"), start + m.end("inner"))]
    if etype == "ORG":
        m = _QUOTED.search(surface)
        if m:
            return [(start + m.start("name"), start + m.end("name"))]
    return [(start, end)]


def merge(mentions: list[Entity]) -> list[Entity]:
    """One entity per thing: equal names merge; a person's name in a form the base forms missed joins the one
    written in the nominative ("Илона Маска" -> "Илон Маск"); a lone surname, or an initial and surname, joins
    the one full name it ends ("Маск", "И. Маск" -> "Илон Маск"; two Ивановы stay apart)."""
    by_name: dict[tuple[str, str], Entity] = {}
    written: dict[tuple[str, str], int] = {}  # mentions written exactly as their base form: the text's nominative
    for m in mentions:
        key = (m.type, _key(m.normalised))
        written[key] = written.get(key, 0) + (_key(m.text) == key[1])
        if key in by_name:
            by_name[key].mentions.extend(m.mentions)
        else:
            by_name[key] = m
    _merge_inflected(by_name, written)
    people = [e for e in by_name.values() if e.type == "PER" and " " in e.normalised]
    for key, e in list(by_name.items()):
        if e.type != "PER":
            continue
        words = key[1].split()
        if len(words) == 1:
            full = [p for p in people if _key(p.normalised).split()[-1] == key[1] or _key(p.normalised).split()[0] == key[1]]
            # a form the base forms missed: "Маска" for "Илон Маск"
            full = full or [p for p in people if _one_word(_key(p.normalised).split()[-1], key[1])]
        elif len(words) == 2 and len(words[0].rstrip(".")) == 1 and words[0].endswith("."):
            full = [p for p in people if p is not e and _key(p.normalised).split()[-1] == words[1]
                    and _key(p.normalised).startswith(words[0][0])]
        else:
            continue
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


def _merge_inflected(by_name: dict, written: dict) -> None:
    """Multi-word names of one type whose every word is a form of the other's ("Илона Маска", "Илон Маск") are
    one entity, named by the shortest (oblique cases add endings), then the one the text writes most often."""
    keys = sorted((k for k in by_name if " " in k[1]), key=lambda k: (len(k[1]), -written[k], min(by_name[k].mentions)))
    for i, target in enumerate(keys):
        if target not in by_name:
            continue
        for other in keys[i + 1:]:
            if other in by_name and other[0] == target[0] and _forms_of_one(target[1], other[1]):
                by_name[target].mentions.extend(by_name.pop(other).mentions)


def _forms_of_one(a: str, b: str) -> bool:
    wa, wb = a.split(), b.split()
    return len(wa) == len(wb) and all(_one_word(x, y) for x, y in zip(wa, wb))


def _one_word(x: str, y: str) -> bool:
    """Two spellings of one word in different cases: equal, or one the other plus an ending of up to 2 letters
    (Маск / Маска, Илон / Илона), or stems of 4+ letters differing in the last 2 (Карзай / Карзая)."""
    if x == y:
        return True
    short, long_ = sorted((x, y), key=len)
    if len(short) >= 3 and long_.startswith(short) and len(long_) - len(short) <= 2:
        return True
    n = max(len(x), len(y))
    return len(short) >= 5 and abs(len(x) - len(y)) <= 1 and x[:n - 2] == y[:n - 2] and len(x[:n - 2]) >= 4
