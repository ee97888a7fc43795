"""Base forms of entity mentions: "Эльвиры Набиуллиной" -> "Эльвира Набиуллина", "Соединенными Штатами" ->
"Соединенные Штаты", while "Илон Маск", "Кир Стармер" and "Тоттенхэм" stay as written.

Each word gets its possible readings (case, number, gender, the nominative form, a score) from pymorphy3; the
words a name is inflected in (all of a person's, a place's or organisation's up to its head noun) must share one
reading, and the likeliest shared reading decides. Words pymorphy does not know are foreign names far more often
than rare Russian words: one ending in a consonant is taken as written, since an oblique case would have given it an
ending. Other forms of a name in the same text vote ("Стармер" elsewhere makes "Стармера" a genitive). Where two
readings stay close, natasha's morphology tagger reads the case from the sentence: it is slow (about the NER's
cost), so it runs only then, on that one sentence, and its answers are cached.
The words are re-joined as the text had them ("NEWSru.com", "Аталык (Половникова").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from razdel import tokenize

from .lemmas import morph

CASES = ("nomn", "gent", "datv", "accs", "ablt", "loct")
_NAME_TAGS = ("Name", "Surn", "Patr")
_CYR = re.compile("[а-яё]", re.I)
_CONSONANT_END = re.compile("[бвгджзклмнпрстфхцчшщйь]$", re.I)
# Маском, Стармером, Андржеевского: endings of oblique cases
_OBLIQUE_END = re.compile("(ом|ем|ём|ым|им|ой|ей|ою|ею|ому|ему|ого|его|ых|их|ыми|ими|ую|юю)$", re.I)
# a person is one: the plural endings are no sign of a case ("Кими" is no instrumental plural)
_OBLIQUE_END_PER = re.compile("(ом|ем|ём|ым|им|ой|ей|ою|ею|ому|ему|ого|его|ую|юю)$", re.I)
_MASC_ENDINGS = (("а", "gent"), ("я", "gent"), ("у", "datv"), ("ю", "datv"), ("е", "loct"), ("ом", "ablt"),
                 ("ем", "ablt"))
_G, _D, _A, _L, _I = "gent", "datv", "accs", "loct", "ablt"
PREPOSITIONS = {w: frozenset(cases) for ws, cases in (
    ("у от до из без для около после против среди возле вокруг кроме вместо мимо напротив словам", (_G,)),
    ("к ко благодаря согласно вопреки навстречу", (_D,)), ("при", (_L,)), ("над перед между", (_I,)),
    ("в во на о об обо", (_L, _A)), ("за под", (_I, _A)), ("с со", (_I, _G)), ("через про сквозь", (_A,)),
    ("по", (_D, _L, _A))) for w in ws.split()}
CONFIDENT = 3  # the best reading must be this many times likelier than the next one, else the context decides
MASC_UNKNOWN = 0.2  # weight of "Маска" read as a case of "Маск" when pymorphy does not know the word
EVIDENCE = 8.0  # a nominative form seen elsewhere in the text multiplies its reading's score


_TOKEN = re.compile(r"\w+(?:[-‐]\w+)*|[^\w\s]")  # words (Северо-Западный) and single marks; gaps are kept as written


@lru_cache(maxsize=200_000)
def _parse(word: str) -> list:
    return morph().parse(word)


@dataclass(frozen=True)
class Reading:
    case: str | None  # None: the word is the same in every case (Пелоси, initials, Latin)
    number: str | None
    gender: str | None
    form: str  # the word in the nominative of this reading, in the text's letter case
    score: float


def _fits(r: Reading, case: str, number: str, gender: str | None) -> bool:
    if r.case is None and r.gender is None:
        return True
    if r.case is None:  # an indeclinable noun still has a gender: "Варшавское шоссе"
        return number == "plur" or gender is None or r.gender in ("ms-f", gender)
    if r.case != case or (r.number or number) != number:
        return False
    return number == "plur" or gender is None or r.gender in (None, "ms-f", gender)


def match_case(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like[:1].isupper():
        return "-".join(p[:1].upper() + p[1:] for p in word.split("-"))
    return word


def _as_written(word: str) -> bool:
    """Words no inflection touches: Latin or part Latin (Telegram-канал), abbreviations (БелТА, США), initials."""
    return (not _CYR.search(word) or len(word) <= 2 or re.search("[a-z]", word, re.I) is not None
            or any(c.isupper() for part in word.split("-") for c in part[1:]))


@lru_cache(maxsize=200_000)
def readings(word: str, kind: str) -> tuple[Reading, ...]:
    """The word's readings as part of a name of this kind (PER, LOC, ORG); kind "ADJ" for words before a head."""
    if _as_written(word):
        return (Reading(None, None, None, word, 1.0),)
    parses = _parse(word)
    known = any(p.is_known for p in parses)
    if kind == "PER":
        named = [p for p in parses if any(t in p.tag for t in _NAME_TAGS)]
        parses = named or [p for p in parses if p.tag.POS == "NOUN"] or parses
    elif kind == "LOC":
        geo = [p for p in parses if "Geox" in p.tag]
        parses = geo or parses
    out = []
    for p in parses:
        if kind == "ADJ" and p.tag.POS not in ("ADJF", "PRTF", "NUMR") or p.tag.case not in CASES:
            continue
        if kind != "ADJ" and p.tag.POS not in ("NOUN", "ADJF"):
            continue
        if "Fixd" in p.tag:
            out.append(Reading(None, None, str(p.tag.gender) if p.tag.gender and kind != "PER" else None, word,
                               p.score))
            continue
        number = p.tag.number or "sing"
        if kind == "PER" and number == "plur":
            continue
        form = _nominative(p, number)
        if "ё" in form and "ё" not in word.lower():
            form = form.replace("ё", "е")  # pymorphy writes ё; news mostly does not
        gender = str(p.tag.gender) if p.tag.gender else None
        out.append(Reading(str(p.tag.case), str(number), gender, match_case(form, word), p.score))
    if not known and kind != "ADJ":
        oblique = (_OBLIQUE_END_PER if kind == "PER" else _OBLIQUE_END).search(word)
        if _CONSONANT_END.search(word) and (kind == "ORG" or not oblique):  # Росатом, Моспром
            # a foreign name in an oblique case would have an ending: "Стармер", "Тоттенхэм", "Карзай"
            return (Reading("nomn", "sing", None, word, 1.0),)
        low = word.lower()
        # no one's name is a nominative singular in -ы: a genitive of a name in -а ("Маехары", "Аксары"), of
        # either gender (pymorphy guesses a woman's, and a man's surname beside it then finds no shared reading)
        genitive_a = kind == "PER" and low.endswith("ы") and len(word) > 3
        if genitive_a:
            out.append(Reading("gent", "sing", None, word[:-1] + "а", sum(r.score for r in out) or 1.0))
        # pymorphy guesses endings with a confidence it does not have for foreign names: "Коджа", "Маэхара" are
        # nominatives as often as "Стармера" is a genitive; half the weight goes to the word as written
        vowel_final = low[-1] in "иоэю" and not low.endswith("ии")
        prior = 0.2 if oblique or genitive_a else 0.85 if vowel_final else 0.5
        total = sum(r.score for r in out) or 1.0
        out = [Reading(r.case, r.number, r.gender, r.form, r.score / total * (1 - prior)) for r in out]
        # a foreign name ending in -и, -о, -э, -ю is not declined ("Кими", "Массимо", "Мэтью"): as written in any case,
        # so that the surname beside it decides the case of the whole name
        out.append(Reading(None if vowel_final else "nomn", None if vowel_final else "sing", None, word, prior))
    if (kind == "PER" or not known) and kind != "ADJ":
        # "Маска", "Тоттенхэме": also an oblique case of a consonant-final name pymorphy does not know (weak unless
        # the text votes or the sentence's grammar says so)
        # when pymorphy neither knows the word nor guessed this reading, enough weight for the sentence to be
        # asked ("Кими Райкконена": its guess was a participle)
        guessed = {(r.case, r.form) for r in out}
        for ending, case in _MASC_ENDINGS:
            stem = word[:-len(ending)]
            if word.lower().endswith(ending) and len(stem) > 1:
                if not (_CONSONANT_END.search(stem) and ending != "ем"):
                    if not (re.search("[аеиоуэюя]$", stem, re.I) and ending != "ом"):
                        continue
                    stem += "й"  # Карзаем, Карзая -> Карзай
                weight = 0.05 if known or (case, stem) in guessed else MASC_UNKNOWN
                out.append(Reading(case, "sing", "masc", stem, weight))
    if not out:
        out.append(Reading("nomn", None, None, word, 0.1))  # no reading fits: better as written than wrong
    merged: dict[tuple, float] = {}
    for r in out:  # pymorphy lists one reading per paradigm: the same form and grammemes add up
        key = (r.case, r.number, r.gender, r.form)
        merged[key] = merged.get(key, 0.0) + r.score
    return tuple(Reading(*k, score=v) for k, v in merged.items())


def _nominative(p, number: str) -> str:
    """The parse's word in the nominative of its number (and gender: a woman's surname stays feminine)."""
    if p.tag.case == "nomn":
        return p.word
    if p.tag.POS == "NOUN" and number == "sing" and not ("Surn" in p.tag or "Patr" in p.tag):
        return p.normal_form  # a noun's normal form is its nominative singular: no need to build the paradigm
    # cached by lexeme, gender and number: the genitive and accusative of "Путин" need one paradigm built
    key = (p.normal_form, str(p.tag.POS), str(p.tag.gender), number, "Surn" in p.tag)
    form = _INFLECTED.get(key)
    if form is None:
        inflected = p.inflect({"nomn", number} if p.tag.POS != "NOUN" or number == "plur" else {"nomn"})
        form = inflected.word if inflected else p.word
        if len(_INFLECTED) < 200_000:
            _INFLECTED[key] = form
    return form


_INFLECTED: dict[tuple, str] = {}


def _joint(words: list[tuple[str, str]], evidence: frozenset) -> list[tuple[float, tuple, tuple]]:
    options = [readings(w, k) for w, k in words]
    seen = frozenset(r.form.lower() for (w, _), rs in zip(words, options) for r in rs
                     if r.form.lower() != w.lower() and r.form.lower() in evidence)
    return _joint_cached(tuple(words), seen)


@lru_cache(maxsize=100_000)
def _joint_cached(words: tuple[tuple[str, str], ...], evidence: frozenset) -> list[tuple[float, tuple, tuple]]:
    """Readings all words can share, best first: (score, (case, number, gender), forms); the scores of readings
    that give the same forms add up (a genitive and an accusative both make "Ямадаева" "Ямадаев")."""
    options = [readings(w, k) for w, k in words]
    cases = {r.case for rs in options for r in rs if r.case} or {"nomn"}
    numbers = {r.number for rs in options for r in rs if r.number} or {"sing"}
    keys = {(c, n, g) for c in cases for n in numbers for g in (("masc", "femn", "neut") if n == "sing" else (None,))}
    by_forms: dict[tuple, dict] = {}  # forms -> {(case, number): (score, gender)}, the best gender per case
    for case, number, gender in keys:
        score, forms = 1.0, []
        for (word, _), rs in zip(words, options):
            fitting = [(r.score * (EVIDENCE if r.form.lower() != word.lower() and r.form.lower() in evidence else 1.0),
                        r) for r in rs if _fits(r, case, number, gender)]
            if not fitting:
                break
            best = max(fitting, key=lambda x: x[0])
            score *= best[0]
            forms.append(best[1].form)
        else:
            cases = by_forms.setdefault(tuple(forms), {})
            old = cases.get((case, number))
            if not old or (score, gender == "masc") > (old[0], old[1] == "masc"):
                cases[case, number] = (score, gender)
    out = []
    for forms, cases in by_forms.items():
        (case, number), (_, gender) = max(cases.items(), key=lambda kv: (kv[1][0], -_rank_key(*kv[0], kv[1][1])[3]))
        out.append((sum(v[0] for v in cases.values()), (case, number, gender), forms))
    out.sort(key=lambda x: (-x[0], _rank_key(*x[1]), x[2]))
    return out


def _rank_key(case, number, gender):
    return (case != "nomn", number != "sing", gender != "masc", CASES.index(case), str(gender))


def _decide(words: list[tuple[str, str]], evidence: frozenset, context, governed=None) -> tuple[str, ...]:
    """`context`: None, or a callable giving natasha's (case, gender) of the last of the words."""
    ranked = _joint(words, evidence)
    if not ranked:  # no reading the words share: a foreign name as often as not; the sentence decides
        feats = context() if context is not None else None
        if not feats or feats[0] == "nomn":
            return tuple(w for w, _ in words)
        return tuple(max((r for r in readings(w, k) if r.case == feats[0]), key=lambda r: r.score,
                         default=Reading(None, None, None, w, 0)).form for w, k in words)
    best = ranked[0]
    rival = next((r for r in ranked[1:] if r[2] != best[2]), None)
    if rival and rival[0] * CONFIDENT > best[0] and governed:
        # a preposition just before the name narrows its case: "у Байдена" is a genitive
        agreeing = [r for r in ranked if r[1][0] in governed]
        other = next((r for r in agreeing[1:] if r[2] != agreeing[0][2]), None) if agreeing else None
        if agreeing and not (other and other[0] * CONFIDENT > agreeing[0][0]):
            best, rival = agreeing[0], None
    if rival and rival[0] * CONFIDENT > best[0] and context is not None:
        feats = context()  # natasha's case for these words in their sentence
        if feats:
            case, gender = feats
            agreeing = [r for r in ranked if r[1][0] == case and (gender is None or r[1][2] in (None, gender))]
            if agreeing:
                best = agreeing[0]
            elif case == "nomn":
                return tuple(w for w, _ in words)
    if best[1][0] == "nomn" and best[1][1] == "sing":
        return tuple(w for w, _ in words)  # already nominative: keep the text's spelling (ё, letter case)
    return best[2]


def _head(words: list[str], kind: str) -> int:
    """Index of the head noun: the first word that is not an adjective before a noun."""
    for i, w in enumerate(words):
        if _as_written(w):
            return i
        ps = _parse(w)
        adjective = any(p.tag.POS in ("ADJF", "PRTF") and p.score > 0.1 for p in ps)
        nxt = words[i + 1] if i + 1 < len(words) else None
        if adjective and nxt and not _as_written(nxt) and any(p.tag.POS == "NOUN" for p in _parse(nxt)):
            continue
        if ps[0].tag.POS in ("NOUN", None) or not adjective:
            return i
    return len(words) - 1


@lru_cache(maxsize=100_000)
def _plan(span: str, kind: str) -> tuple[tuple[int, int, str], list]:
    """The span's tokens (start, stop, text) and the (index, kind) of the words to inflect."""
    tokens = tuple((m.start(), m.end(), m.group()) for m in _TOKEN.finditer(span))
    wordlike = [i for i, (_, _, t) in enumerate(tokens) if re.search(r"\w", t)]
    if kind == "PER":
        todo = [(i, "PER") for i in wordlike if tokens[i][2][:1].isupper()]
    else:
        texts = [tokens[i][2] for i in wordlike]
        h = _head(texts, kind) if texts else 0
        todo = [(i, "ADJ") for i in wordlike[:h]] + [(i, kind) for i in wordlike[h:h + 1]]
    return tokens, todo


def base_form(span: str, kind: str, evidence: frozenset = frozenset(), context=None, before: str = "") -> str:
    """The mention in its base form, its tokens re-joined as written. `evidence`: lower-cased words of the whole
    text; `context`: a callable giving (case, gender) of the word at a character offset of the span, from its
    sentence, asked only when unsure; `before`: the word just before the span (a preposition governs its case)."""
    tokens, todo = _plan(span, kind)
    if not todo:
        return span
    last_word = tokens[todo[-1][0]][0]
    ask = (lambda: context(last_word)) if context else None
    forms = _decide([(tokens[i][2], k) for i, k in todo], evidence, ask, PREPOSITIONS.get(before.lower()))
    new = {i: f for (i, _), f in zip(todo, forms)}
    out, last = [], 0
    for i, (start, stop, text) in enumerate(tokens):
        out.append(span[last:start])
        out.append(new.get(i, text))
        last = stop
    return "".join(out) + span[last:]


_NATASHA_CASE = {"Nom": "nomn", "Gen": "gent", "Dat": "datv", "Acc": "accs", "Ins": "ablt", "Loc": "loct"}
_NATASHA_GENDER = {"Masc": "masc", "Fem": "femn", "Neut": "neut"}
WINDOW_LEFT, WINDOW_RIGHT = 60, 50  # characters of context natasha's tagger gets around a word
_SENTENCE_END = re.compile(r"[.!?…]\s+(?=[«\"(]?[A-ZА-ЯЁ0-9])|\n")


@lru_cache(maxsize=1)
def embedding():
    """natasha's NewsEmbedding (navec), the one the linker's vectors read too: unpacked once per process (0.5 s)."""
    from ..link.vectors import navec

    return navec()[0]


@lru_cache(maxsize=1)
def morph_tagger():
    from natasha import NewsMorphTagger

    from . import fastnn

    fastnn.install()
    return NewsMorphTagger(embedding())


def sentence_at(text: str, pos: int) -> tuple[int, int]:
    """Bounds of the sentence around pos (a cheap split: natasha's tagger needs a sentence, not a perfect one)."""
    lo = max(0, pos - 400)
    starts = [m.end() for m in _SENTENCE_END.finditer(text, lo, pos)]
    start = starts[-1] if starts else lo
    m = _SENTENCE_END.search(text, pos, min(len(text), pos + 400))
    return start, (m.start() + 1 if m else min(len(text), pos + 400))


def _word_boundary(text: str, pos: int, default: int) -> int:
    if pos <= 0 or pos >= len(text):
        return default
    m = re.compile(r"\s").search(text, pos)
    return m.end() if m else default


@lru_cache(maxsize=20_000)
def _tag_sentence(sentence: str) -> tuple[tuple[int, str | None, str | None], ...]:
    """(token start, case, gender) of each token, by natasha's morphology tagger."""
    tokens = list(tokenize(sentence))
    if not tokens:
        return ()
    markup = morph_tagger()([t.text for t in tokens])
    return tuple((t.start, _NATASHA_CASE.get(m.feats.get("Case")), _NATASHA_GENDER.get(m.feats.get("Gender")))
                 for t, m in zip(tokens, markup.tokens))


def context_case(text: str, pos: int) -> tuple[str, str | None] | None:
    """natasha's (case, gender) of the word starting at text[pos], read from the words around it in its sentence
    (a few words either side carry the case: the preposition, the verb; a shorter input is cheaper to tag)."""
    start, end = sentence_at(text, pos)
    start = max(start, _word_boundary(text, pos - WINDOW_LEFT, start))
    end = min(end, _word_boundary(text, pos + WINDOW_RIGHT, end))
    for offset, case, gender in _tag_sentence(text[start:end]):
        if start + offset == pos:
            return (case, gender) if case else None
    return None
