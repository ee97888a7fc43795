"""Quotes and who said them: direct speech in quote marks and indirect speech ("заявил, что ...").

Hand rules, no model. Quote marks are paired with a stack; speech verbs are looked up in a table of all
their forms, built once from pymorphy3; the speaker is the named entity, pronoun or nominative noun phrase
next to the verb. Everything is linear in the text and every look-around window is capped, so a 1 MB input
costs milliseconds and no regular expression can backtrack badly.

`direct` is True when the words are given verbatim: in quote marks or after a colon ("отвечал: это ...").
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from functools import lru_cache
from operator import add
from pathlib import Path

from ..model import Entity, Quote
from .lemmas import morph

VERBS_FILE = Path(__file__).resolve().parent.parent / "data" / "speech_verbs.txt"

MAX_PHRASE = 14  # words in a speaker phrase
MAX_GAP = 8  # words between a verb and the ", что" or ":" that opens its content
MAX_QUOTE = 5000  # characters; a longer "quote" is a stray mark paired with a far one
MAX_DEPTH = 16  # open quote marks remembered; deeper nesting is garbage
MAX_SEGMENTS = 3  # comma-separated pieces searched back for a subject
MAX_TRIES = 3000  # quote marks and speech verbs looked at per text: more is no article, and costs time

OPENERS = "«„"
CLOSERS = "»"
AMBIGUOUS = "\"“”"  # open or close by context
QUOTE_MARKS = OPENERS + CLOSERS + AMBIGUOUS
PAIRS = {"«": "»", "„": "“”\"", "“": "”\"“", "\"": "\"“”", "”": "”\""}

THAT = frozenset({"что", "чтобы", "будто", "якобы", "как"})
ABOUT = frozenset({"о", "об", "обо"})
ACCORDING = frozenset({"словам", "мнению", "утверждению", "заявлению", "признанию"})
SUBORDINATORS = frozenset({"как", "что", "чтобы", "когда", "если", "где", "куда", "откуда", "почему", "зачем",
                           "хотя", "потому", "который", "которая", "которое", "которые", "которой", "которого",
                           "которому", "которым", "которых", "кто", "ли", "и", "а", "но"})
ONE_OF = frozenset({"один", "одна", "одно", "некоторые", "многие", "каждый", "кто-то", "никто"})
# pronoun -> (number, gender) it agrees with; gender None = any
PRONOUNS = {"он": ("sing", "masc"), "она": ("sing", "femn"), "оно": ("sing", "neut"), "они": ("plur", None),
            "я": ("sing", None), "ты": ("sing", None), "мы": ("plur", None), "вы": ("plur", None)}
POSSESSIVE = {"его": "masc", "ее": "femn", "их": None}
# where a statement was published, not who made it: "говорится в сообщении центра" -> центр
DOCUMENTS = frozenset({"сообщение", "заявление", "документ", "релиз", "пресс-релиз", "письмо", "обращение", "доклад",
                       "отчет", "публикация", "материал", "статья", "подпись", "интервью", "комментарий", "сайт",
                       "канал", "telegram-канал", "телеграм-канал", "блог", "эфир", "пост", "исследование", "обзор",
                       "записка", "приказ", "постановление", "ответ", "беседа", "разговор", "выступление"})
# "в понедельник заявили" is about when, not who
CIRCUMSTANCES = frozenset({"понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье", "год",
                           "день", "неделя", "месяц", "время", "ход", "рамка", "связь", "итог", "частность",
                           "результат", "случай", "конец", "начало", "середина", "течение", "прошлое", "будущее",
                           "период", "момент", "ночь", "утро", "вечер", "голос", "целое", "очередь", "встреча",
                           "заседание", "совещание", "форум", "конференция", "пресс-конференция", "брифинг", "саммит",
                           "мероприятие", "церемония", "выставка", "сессия"})
ABBREVIATIONS = frozenset({"г", "гг", "им", "ул", "св", "ст", "т", "проф", "акад", "ген"})
PROPER = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Abbr", "Trad"})
NOUNISH = frozenset({"NOUN", "NPRO", "UNKN", "LATN"})
ATTRIBUTE = frozenset({"NOUN", "ADJF", "UNKN", "LATN", "NUMB", "NUMR"})  # what may follow a head noun

_WORD = re.compile(r"\w+(?:-\w+)*")
_MARKS = re.compile(r"[«»„“”\"\n]")
_CYRILLIC = re.compile(r"[а-яё]", re.I)
_STOP = re.compile(r"[.!?…]+[»\"”“)]*|\n")
_SENTENCE_START = re.compile(r"\s++(?:[«\"„“(—–-]\s*+)?[A-ZА-ЯЁ0-9]")
_DASH_AFTER = re.compile(r"\s*+[,!?…]?\s*+(?:[—–]|--?(?=\s))\s*+")
_DASH_INSIDE = re.compile(r"[,.!?…]\s*+(?:[—–]|--?(?=\s))\s++")
_DASH_RESUME = re.compile(r"\s*+[,.]\s*+(?:[—–]|--?(?=\s))\s*+")


@dataclass
class Attribution:
    """A quote with where its speaker and cue were written (for evaluation and highlighting)."""
    quote: Quote
    speaker_span: tuple[int, int] | None
    cue_span: tuple[int, int] | None


@dataclass(frozen=True)
class _Word:
    pos: str  # part of speech of the likeliest parse (pymorphy3 tags; LATN, NUMB for non-Cyrillic)
    nom: frozenset  # numbers in which it can be nominative: a subject or the subject's adjective
    gen: bool  # can be genitive: a dependent of the noun before it ("представитель СБУ")
    proper: bool
    animate: bool
    plural: bool
    lemma: str
    verb: tuple | None  # (number, gender) when it can be a finite verb of the 3rd person or past
    gerund: bool


@dataclass
class _Speaker:
    name: str | None
    start: int
    end: int


def find_quotes(text: str, entities: list[Entity]) -> list[Quote]:
    return [a.quote for a in attribute(text, entities)]


def attribute(text: str, entities: list[Entity]) -> list[Attribution]:
    if not text or not _CYRILLIC.search(text):
        return []
    doc = _Doc(text, entities)
    found = _direct(doc)
    found += _reported(doc)
    return _dedupe(found)


# -- words


def _plain(word: str) -> str:
    return word.lower().replace("ё", "е")


def _lower(text: str) -> str:
    """_plain for a whole text, keeping every offset (a few letters, like "İ", grow when lowered)."""
    low = _plain(text)
    return low if len(low) == len(text) else "".join(c if len(_plain(c)) != 1 else _plain(c) for c in text)


@lru_cache(maxsize=1)
def _speech_forms() -> dict[str, bool]:
    """Every personal form and gerund of the speech verbs -> whether an о-phrase is its content.

    Infinitives, imperatives and the 1st/2nd person stay out: "готовы обсуждать", "скажем" are no cues.
    """
    forms: dict[str, bool] = {}
    for line in VERBS_FILE.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        for form in _lexeme(parts[0]):
            forms.setdefault(form, parts[1:] == ["о"])
    return forms


def _lexeme(lemma: str) -> list[str]:
    for p in morph().parse(lemma):
        if p.tag.POS == "INFN" and _plain(p.normal_form) == lemma:
            return [_plain(f.word) for f in p.lexeme if _is_cue_form(f.tag)]
    raise ValueError(f"{VERBS_FILE.name}: pymorphy3 does not know the verb {lemma!r}")


def _is_cue_form(tag) -> bool:
    if tag.POS == "GRND":
        return True
    return tag.POS == "VERB" and tag.mood == "indc" and tag.person not in ("1per", "2per")


@lru_cache(maxsize=200_000)
def _info(word: str) -> _Word:
    if len(word) > 40 or not _CYRILLIC.search(word):
        pos = "LATN" if word[:1].isalpha() else "NUMB"
        return _Word(pos, frozenset({"sing", "plur"}), True, True, False, False, word, None, False)
    parses = morph().parse(word)
    first = parses[0]
    nom = frozenset(p.tag.number or "sing" for p in parses
                    if p.tag.POS in ("NOUN", "NPRO", "ADJF") and p.tag.case == "nomn")
    if first.tag.POS is None:  # an unknown word or abbreviation ("СБУ"): may be anything nominal
        nom = frozenset({"sing", "plur"})
    verb = next(((p.tag.number, p.tag.gender) for p in parses if _is_cue_form(p.tag) and p.tag.POS == "VERB"), None)
    return _Word(
        pos=first.tag.POS or "UNKN",
        nom=nom,
        gen=first.tag.POS is None or any(p.tag.case == "gent" for p in parses),
        proper=bool(PROPER & first.tag.grammemes),
        animate=first.tag.animacy == "anim",
        plural=first.tag.number == "plur",
        lemma=_plain(first.normal_form),
        verb=verb,
        gerund=first.tag.POS == "GRND",
    )


@lru_cache(maxsize=20_000)
def _gender(name: str) -> str | None:
    """Gender of a person's name ("Владимир Путин" -> masc), None when the dictionary can't tell."""
    for kind in ("Name", "Surn"):  # a first name tells the gender more surely than a surname
        for word in name.split():
            for p in morph().parse(word.lower()):
                if kind in p.tag.grammemes and p.tag.case == "nomn":
                    return p.tag.gender
    return None


# -- quote marks and sentences


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Outermost (open, close) positions of paired quote marks.

    A paragraph break drops the marks still open, unless the next paragraph opens with the same mark:
    the Russian way to carry one quote over several paragraphs (that mark is then no new opener).
    """
    stack: list[tuple[int, str]] = []
    pairs: list[tuple[int, int]] = []
    carried = -1
    for m in _MARKS.finditer(text):
        i, ch = m.start(), m.group()
        if ch == "\n":
            carried = _carried_over(text, i, stack)
            if carried < 0:
                stack.clear()
            continue
        role = _role(text, i, ch)
        if role == "open" and len(stack) < MAX_DEPTH and i != carried:
            stack.append((i, ch))
        elif role == "close":
            _close(text, stack, i, ch, pairs)
    return _outermost(pairs)


def _role(text: str, i: int, ch: str) -> str | None:
    if ch in OPENERS:
        return "open"
    if ch in CLOSERS:
        return "close"
    if ch not in AMBIGUOUS:
        return None
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if (before.isspace() or before in "([{—–-:«„/") and not after.isspace():
        return "open"
    if not before.isspace() and (after.isspace() or after in ".,;:!?)…—–-»\"“”"):
        return "close"
    return None


def _close(text: str, stack: list, i: int, ch: str, pairs: list) -> None:
    for depth in range(len(stack) - 1, -1, -1):
        start, opener = stack[depth]
        if ch in PAIRS[opener]:
            del stack[depth:]
            if i - start <= MAX_QUOTE:
                pairs.append((start, i))
            if stack and ch in PAIRS[stack[-1][1]] and _DASH_AFTER.match(text, i + 1):
                _close(text, stack, i, ch, pairs)  # "... "Эрмитаж", - сказал он: one mark closes both
            return


def _carried_over(text: str, i: int, stack: list) -> int:
    """Where the next paragraph reopens the quote still open at this line break, or -1."""
    if not stack:
        return -1
    k = i + 1
    while k < len(text) and k < i + 40 and text[k].isspace():
        k += 1
    return k if k < len(text) and text[k] == stack[0][1] else -1


def _outermost(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(pairs, key=lambda p: (p[0], -p[1])):
        if not out or start > out[-1][1]:
            out.append((start, end))
    return out


def _sentence_bounds(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """Sorted positions where sentences start, 0 and len(text) included; never inside a quote."""
    starts = [s for s, _ in spans]
    bounds = [0]
    for m in _STOP.finditer(text):
        b = m.end()
        k = bisect_right(starts, b - 1) - 1
        if k >= 0 and b - 1 <= spans[k][1] and not (b - 1 == spans[k][1] and m.group()[-1] in CLOSERS + AMBIGUOUS):
            continue
        if m.group() == "\n" or (_SENTENCE_START.match(text, b) and not _abbreviation(text, m.start())):
            bounds.append(b)
    bounds.append(len(text))
    return bounds


def _abbreviation(text: str, dot: int) -> bool:
    """"В. Бахчаняна", "им. Ленина": a dot that ends a word's short form, not a sentence."""
    start = dot
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    word = text[start:dot]
    return (len(word) == 1 and word.isupper()) or word.lower() in ABBREVIATIONS


# -- the article


class _Doc:
    """The text cut into words and sentences, with the quote spans and the PER/ORG mentions."""

    def __init__(self, text: str, entities: list[Entity]):
        self.text = text
        low = _lower(text)
        self.words = _WORD.findall(low)
        self.starts = [m.start() for m in _WORD.finditer(low)]
        self.ends = list(map(add, self.starts, map(len, self.words)))
        self.spans = _quote_spans(text)
        self.span_starts = [s for s, _ in self.spans]
        self.bounds = _sentence_bounds(text, self.spans)
        self.mentions = sorted(((s, e, ent) for ent in entities if ent.type in ("PER", "ORG")
                                for s, e in (ent.mentions or [(ent.start, ent.end)])), key=lambda m: m[:2])
        self.mention_starts = [m[0] for m in self.mentions]
        self.used: set[int] = set()  # tokens already taken as a cue

    def __len__(self) -> int:
        return len(self.words)

    def info(self, j: int) -> _Word:
        return _info(self.words[j])

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


# -- direct speech: «...», — сказал X / X сказал: «...»


def _direct(doc: _Doc) -> list[Attribution]:
    out: list[Attribution] = []
    for open_, close in doc.spans[:MAX_TRIES]:
        if not _WORD.search(doc.text, open_ + 1, close):
            continue
        inner = _inner_attribution(doc, open_, close)
        if inner:
            out += inner
            continue
        found = _attribution_after(doc, close) or _attribution_before(doc, open_)
        if found:
            cue, speaker = found
            out.append(_make(doc, open_ + 1, close, cue, speaker, True))
    return out


def _attribution_after(doc: _Doc, close: int) -> tuple | None:
    """«...», — подчеркнул Путин: any finite verb right after the dash will do."""
    m = _DASH_AFTER.match(doc.text, close + 1)
    if not m:
        return None
    return _verb_then_speaker(doc, doc.token_at(m.end()), doc.sentence(m.end())[1])


def _verb_then_speaker(doc: _Doc, first: int, limit: int) -> tuple | None:
    """(verb, speaker) of "— сказал он" / "— с улыбкой добавил министр" starting at word `first`."""
    for j in range(first, min(first + 3, len(doc))):
        if doc.starts[j] >= limit or (j > first and doc.punct_before(j)):
            return None
        if doc.info(j).verb and j not in doc.used:
            speaker = _speaker_after(doc, j, limit) or _speaker_in(doc, list(range(first, j)), doc.info(j).verb)
            if not speaker and doc.words[j] not in _speech_forms():
                return None  # «"Они" — разрешат!»: a verb that is no speech verb needs a speaker to count
            doc.used.add(j)
            return j, speaker
    return None


def _attribution_before(doc: _Doc, open_: int) -> tuple | None:
    """X заявил: «...» — a speech verb shortly before a colon."""
    colon = open_ - 1
    while colon >= 0 and open_ - colon < 10 and doc.text[colon].isspace():
        colon -= 1
    if colon < 0 or doc.text[colon] != ":":
        return None
    last = doc.token_at(colon) - 1
    first = max(doc.token_at(doc.sentence(colon)[0]), last - MAX_GAP)
    for j in range(last, first - 1, -1):
        if doc.words[j] in _speech_forms() and j not in doc.used:
            doc.used.add(j)
            return j, _speaker_before(doc, j) or _speaker_after(doc, j, colon)
    return None


def _inner_attribution(doc: _Doc, open_: int, close: int) -> list[Attribution]:
    """«Мы готовы, — сказал он, — работать»: one pair of marks around two pieces and the attribution."""
    m = _DASH_INSIDE.search(doc.text, open_ + 1, close)
    if not m:
        return []
    found = _verb_then_speaker(doc, doc.token_at(m.end()), close)
    if not found:
        return []
    cue, speaker = found
    resume = _DASH_RESUME.match(doc.text, speaker.end if speaker else doc.ends[cue])
    if not resume or resume.end() >= close:
        doc.used.discard(cue)
        return []
    end = m.start() + (doc.text[m.start()] in "!?…")  # keep "!" and "?", drop the comma
    return [_make(doc, open_ + 1, end, cue, speaker, True),
            _make(doc, resume.end(), close, cue, speaker, True)]


# -- indirect speech: X заявил, что ... / сообщил о ... / по словам X, ... / ..., сообщил X


def _reported(doc: _Doc) -> list[Attribution]:
    out: list[Attribution] = []
    busy = 0  # a verb inside the content just found belongs to that quote
    speech = _speech_forms()
    tries = 0
    for j, word in enumerate(doc.words):
        if (word != "по" and word not in speech) or doc.starts[j] < busy or j in doc.used \
                or doc.in_quote(doc.starts[j]):
            continue
        tries += 1
        if tries > MAX_TRIES:
            break
        if word == "по":
            found = _according(doc, j) if _according_cue(doc, j) else None
        else:
            found = _after_verb(doc, j)
        if found:
            out.append(found)
            busy = found.quote.end
    return out


def _after_verb(doc: _Doc, j: int) -> Attribution | None:
    return (_that_clause(doc, j) or _about_phrase(doc, j) or _colon_words(doc, j) or _as_said(doc, j)
            or _about_this(doc, j) or _said_after(doc, j))


def _that_clause(doc: _Doc, j: int) -> Attribution | None:
    """Путин заявил журналистам, что ... — the clause after что up to the sentence end."""
    for k in range(j + 1, min(j + 1 + MAX_GAP, len(doc))):
        gap = doc.gap(k)
        if "," in gap:
            return _clause(doc, j, k, doc.ends[k]) if doc.words[k] in THAT else None
        if any(c in gap for c in ".!?;:()—–-\n"):
            return None
    return None


def _about_phrase(doc: _Doc, j: int) -> Attribution | None:
    """Трамп сообщил о возможном заключении соглашения — the о-phrase is the content."""
    k = j + 1
    if k >= len(doc) or doc.words[k] not in ABOUT or doc.punct_before(k) or doc.info(j).gerund:
        return None
    return _clause(doc, j, k, doc.ends[k]) if _speech_forms()[doc.words[j]] else None


def _colon_words(doc: _Doc, j: int) -> Attribution | None:
    """Он отвечал: это не нашего ума дело — words after a colon, without quote marks."""
    for k in range(j + 1, min(j + 4, len(doc))):
        gap = doc.gap(k)
        if ":" in gap and not any(c in gap for c in OPENERS + AMBIGUOUS):
            return _clause(doc, j, k, doc.text.index(":", doc.ends[k - 1]) + 1, direct=True)
        if doc.punct_before(k):
            return None
    return None


def _clause(doc: _Doc, j: int, k: int, start: int, direct: bool = False) -> Attribution | None:
    """The content from `start` to the end of the sentence of word k; the speaker around verb j."""
    end = doc.sentence(doc.starts[k])[1]
    start, end = _trim(doc.text, start, end)
    if not _WORD.search(doc.text, start, end):
        return None
    doc.used.add(j)
    return _make(doc, start, end, j, _speaker_before(doc, j) or _speaker_after(doc, j, doc.starts[k]), direct)


def _as_said(doc: _Doc, j: int) -> Attribution | None:
    """Как сообщил X, ... / ..., как заявил X."""
    if j == 0 or doc.words[j - 1] != "как" or doc.punct_before(j):
        return None
    speaker = _speaker_after(doc, j, doc.sentence(doc.starts[j])[1])
    return _around(doc, j - 1, speaker, (doc.starts[j], doc.ends[j])) if speaker else None


def _about_this(doc: _Doc, j: int) -> Attribution | None:
    """Об этом сообщил X. — the sentence before is the content."""
    sent_start, sent_end = doc.sentence(doc.starts[j])
    first = doc.token_at(sent_start)
    if doc.words[first:first + 2] != ["об", "этом"] or j > first + 6 or sent_start == 0:
        return None
    prev_start = doc.sentence(sent_start - 1)[0]
    start, end = _trim(doc.text, prev_start, sent_start)
    if "\n" in doc.text[end:sent_start] or doc.in_quote(start) or not _WORD.search(doc.text, start, end):
        return None
    speaker = _speaker_after(doc, j, sent_end) or _speaker_in(doc, list(range(first + 2, j)), doc.info(j).verb)
    doc.used.add(j)
    return _make(doc, start, end, j, speaker, False)


def _said_after(doc: _Doc, j: int) -> Attribution | None:
    """Предложения оформятся в указы, говорит источник. — content, comma, verb, speaker."""
    gap = doc.gap(j)
    if "," not in gap or any(c in gap for c in CLOSERS + AMBIGUOUS + ".!?:;\n") or doc.info(j).gerund:
        return None
    sent_start, sent_end = doc.sentence(doc.starts[j])
    speaker = _speaker_after(doc, j, sent_end) if j - doc.token_at(sent_start) >= 3 else None
    found = _around(doc, j, speaker, (doc.starts[j], doc.ends[j])) if speaker else None
    if found:
        doc.used.add(j)
    return found


def _according_cue(doc: _Doc, j: int) -> bool:
    """"по словам", "по мнению", "по его словам"."""
    if j + 1 < len(doc) and doc.words[j + 1] in ACCORDING:
        return True
    return j + 2 < len(doc) and doc.words[j + 1] in POSSESSIVE and doc.words[j + 2] in ACCORDING


def _according(doc: _Doc, j: int) -> Attribution | None:
    """По словам X, ... / ..., по словам X. / ..., по его словам, ..."""
    cue_end = j + 2 if doc.words[j + 1] in POSSESSIVE else j + 1
    if doc.words[j + 1] in POSSESSIVE:
        name = _resolve_pronoun(doc, POSSESSIVE[doc.words[j + 1]], doc.starts[j])
        speaker = _Speaker(name, doc.starts[j + 1], doc.ends[j + 1])
    else:
        speaker = _genitive_speaker(doc, cue_end, doc.sentence(doc.starts[j])[1])
    if speaker is None:
        return None
    return _around(doc, j, speaker, (doc.starts[j], doc.ends[cue_end]))


def _around(doc: _Doc, first: int, speaker: _Speaker, cue: tuple[int, int]) -> Attribution | None:
    """The content of an attribution set off by commas (from word `first` to the speaker): the rest of the
    sentence when it opens the sentence, the part before it when it closes it, else the whole sentence."""
    sent_start, sent_end = doc.sentence(doc.starts[first])
    if doc.token_at(sent_start) == first:
        return _rest_after(doc, speaker, cue)
    start, end = _trim(doc.text, sent_start, sent_end)
    if _sentence_goes_on(doc, speaker.end, end):
        return _make_at(doc, start, end, cue, speaker, False)
    comma = doc.text.rfind(",", start, doc.starts[first])
    return _make_at(doc, start, comma, cue, speaker, False) if comma > start else None


def _sentence_goes_on(doc: _Doc, pos: int, end: int) -> bool:
    """A comma after the speaker's clause and more words, not about the speaker ("источник, знакомый с ...",
    "сказал он, имея в виду ..."): the attribution is a parenthesis in the middle of the content."""
    for k in range(doc.token_at(pos), min(doc.token_at(pos) + MAX_PHRASE, len(doc))):
        if doc.starts[k] >= end:
            return False
        if doc.breaks(k):
            return "," in doc.gap(k) and doc.info(k).pos not in ("PRTF", "ADJF", "GRND")
    return False


def _rest_after(doc: _Doc, speaker: _Speaker, cue: tuple[int, int]) -> Attribution | None:
    """The content after the comma that ends "Как сообщил X," / "По словам X,"."""
    comma = doc.text.find(",", speaker.end, speaker.end + 3)
    if comma < 0:
        return None
    start, end = _trim(doc.text, comma + 1, doc.sentence(speaker.end)[1])
    k = bisect_left(doc.span_starts, start)
    if k < len(doc.spans) and doc.spans[k][0] == start and _trim(doc.text, doc.spans[k][1] + 1, end)[0] >= end:
        return _make_at(doc, start + 1, doc.spans[k][1], cue, speaker, True)
    if not _WORD.search(doc.text, start, end):
        return None
    return _make_at(doc, start, end, cue, speaker, False)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop the spaces, commas and the final full stop around a clause."""
    while start < end and (text[start].isspace() or text[start] in ",—–-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ".,;"):
        end -= 1
    return start, end


# -- the speaker


def _speaker_after(doc: _Doc, j: int, limit: int) -> _Speaker | None:
    """"сказал в интервью РБК директор Fitch Владимир Редькин": the words after the verb, to punctuation."""
    seg: list[int] = []
    for k in range(j + 1, min(j + 1 + MAX_PHRASE, len(doc))):
        if doc.starts[k] >= limit or doc.breaks(k) or _ends_phrase(doc, k):
            break
        seg.append(k)
    agree = doc.info(j).verb
    rest = _after_addressee(doc, seg)
    if rest:
        speaker = _speaker_in(doc, rest, agree) or _institution(doc, rest)
        if speaker:
            return speaker
    return _speaker_in(doc, seg, agree) or _institution(doc, seg)


def _after_addressee(doc: _Doc, seg: list[int]) -> list[int]:
    """"сообщил РИА Новости глава ...", "рассказали ТАСС в компании": the organisation right after the
    verb is whom it was said to when more words follow."""
    orgs = doc.mentions_in(doc.starts[seg[0]], doc.starts[seg[0]] + 1, ("ORG",)) if seg else []
    return [k for k in seg if doc.starts[k] >= orgs[0][1]] if orgs else []


def _ends_phrase(doc: _Doc, k: int) -> bool:
    """"сказал швейцар и пошёл": a verb, or "и" before one, ends the speaker."""
    w = doc.info(k)
    if (w.verb and not w.gen) or w.gerund:  # "министр иностранных дел": "дел" is no verb here
        return True
    return doc.words[k] == "и" and k + 1 < len(doc) and bool(doc.info(k + 1).verb)


def _speaker_before(doc: _Doc, j: int) -> _Speaker | None:
    """The subject before verb j: its own clause first, then up to two comma-separated pieces back,
    passing over participle phrases and subordinate clauses ("Студент Артём, пришедший ..., говорит")."""
    first = doc.token_at(doc.sentence(doc.starts[j])[0])
    agree = doc.info(j).verb
    segs = _segments_back(doc, first, j)
    for depth, seg in enumerate(segs):
        if depth == 0:
            seg = seg[1:] if seg and doc.words[seg[0]] in SUBORDINATORS else seg
        elif not seg or doc.words[seg[0]] in SUBORDINATORS or _has_participle(doc, seg):
            continue
        speaker = _speaker_in(doc, seg, agree)
        if speaker:
            return speaker
    return _institution(doc, segs[0])


def _segments_back(doc: _Doc, first: int, j: int) -> list[list[int]]:
    """The words before verb j, cut at punctuation, nearest piece first, back to word `first` at most."""
    segs: list[list[int]] = [[]]
    for k in range(j - 1, max(first, j - 4 * MAX_PHRASE) - 1, -1):
        if doc.punct_before(k + 1):
            if len(segs) == MAX_SEGMENTS:
                break
            segs.append([])
        segs[-1].append(k)
    return [list(reversed(s)) for s in segs]


def _has_participle(doc: _Doc, seg: list[int]) -> bool:
    return any(doc.info(k).pos in ("PRTF", "GRND") for k in seg)


def _speaker_in(doc: _Doc, seg: list[int], agree: tuple | None) -> _Speaker | None:
    """The speaker in a run of words: the agreeing nominative head and its phrase, or a named entity."""
    if not seg:
        return None
    h = _head(doc, seg, agree)
    before = doc.starts[h] if h is not None else doc.ends[seg[-1]]
    people = doc.mentions_in(doc.starts[seg[0]], before, ("PER",))
    person = next((m for m in people if _subject(doc, seg, m)), None)
    if person:  # "сказал Зеленский в ходе конгресса": a name the dictionary takes for an adjective
        return _Speaker(person[2].normalised, person[0], person[1])
    if h is not None:
        j0, j1 = _phrase(doc, seg, h)
        named = _named_later(doc, seg, j0, j1)
        if named:  # "представитель президента по культурному сотрудничеству Михаил Швыдкой"
            return _Speaker(named[2].normalised, doc.starts[j0], named[1])
        return _Speaker(_name(doc, j0, j1, h), doc.starts[j0], doc.ends[j1])
    found = doc.mentions_in(doc.starts[seg[0]], doc.ends[seg[-1]])
    return _Speaker(found[0][2].normalised, found[0][0], found[0][1]) if found else None


def _named_later(doc: _Doc, seg: list[int], j0: int, j1: int) -> tuple | None:
    """A person's name in the nominative that ends the run, after a title phrase that holds no name itself
    and with no verb between (not "сказал он ... с генсеком Ахмедом Абу аль-Гейтом")."""
    if doc.words[j0] in PRONOUNS or doc.mentions_in(doc.starts[j0], doc.ends[j1], ("PER",)):
        return None
    later = doc.mentions_in(doc.ends[j1], doc.ends[seg[-1]], ("PER",))
    if not later or later[-1][1] < doc.ends[seg[-1]]:
        return None
    first, last = doc.token_at(later[-1][0]), doc.token_at(later[-1][1])
    between = range(j1 + 1, first)
    if any(doc.info(k).verb for k in between) or not all(doc.info(k).nom for k in range(first, last)):
        return None
    return later[-1]


def _subject(doc: _Doc, seg: list[int], mention: tuple) -> bool:
    """A person's mention that can be a subject: nominative, and first in the run or after an adverb or a
    verb, not after a preposition or a noun ("с Путиным", "под руководством Никиты Михалкова")."""
    first, last = doc.token_at(mention[0]), doc.token_at(mention[1]) - 1
    if last < first or not doc.info(last).nom:
        return False
    return first <= seg[0] or doc.info(first - 1).pos in ("ADVB", "PRCL", "VERB", "CONJ")


def _institution(doc: _Doc, seg: list[int]) -> _Speaker | None:
    """"рассказали в ведомстве" -> ведомство; "говорится в сообщении центра" -> центр: with no subject,
    the place a statement came from speaks."""
    for i, k in enumerate(seg[:-1]):
        if doc.words[k] in ("в", "во", "на") and (i == 0 or doc.words[seg[i - 1]] != "ссылкой"):
            rest = seg[i + 1:]
            head = _first_noun(doc, rest)
            if head is not None and doc.info(head).lemma in DOCUMENTS:
                rest = rest[rest.index(head) + 1:]
                head = _first_noun(doc, rest)
            if head is None or doc.info(head).lemma in CIRCUMSTANCES:
                return None
            j0, j1 = _phrase(doc, rest, head)
            return _Speaker(_name(doc, j0, j1, head, oblique=True), doc.starts[j0], doc.ends[j1])
    return None


def _first_noun(doc: _Doc, seg: list[int]) -> int | None:
    """The noun after a preposition and its adjectives: "в сопроводительных материалах"."""
    head = next((k for k in seg if doc.info(k).pos != "ADJF"), None)
    return head if head is not None and doc.info(head).pos in NOUNISH else None


def _head(doc: _Doc, seg: list[int], agree: tuple | None) -> int | None:
    """The first word that can be the subject, passing over prepositional phrases ("в интервью РБК")."""
    in_pp = pp_noun = False
    for i, k in enumerate(seg):
        w = doc.info(k)
        if doc.words[k] in ONE_OF and i + 1 < len(seg) and doc.words[seg[i + 1]] == "из":
            return k
        if w.pos == "PREP":
            in_pp, pp_noun = True, False
            continue
        if in_pp:
            if not pp_noun:
                pp_noun = w.pos in NOUNISH
                continue
            if w.gen:
                continue
            in_pp = False
        if _agrees(doc.words[k], w, agree):
            return k
    return None


def _agrees(word: str, w: _Word, agree: tuple | None) -> bool:
    number, gender = agree or (None, None)
    if word in PRONOUNS:
        p_number, p_gender = PRONOUNS[word]
        return (not number or number == p_number) and (not gender or not p_gender or gender == p_gender)
    if w.pos not in NOUNISH or w.pos == "NPRO" or not w.nom:
        return False
    return not number or number in w.nom


def _phrase(doc: _Doc, seg: list[int], h: int) -> tuple[int, int]:
    """"Британские журналисты", "представитель СБУ", "один из ректоров": the head with its attributes."""
    i0 = i1 = seg.index(h)
    if doc.words[h] in PRONOUNS:
        return h, h
    while i0 > 0 and doc.info(seg[i0 - 1]).pos == "ADJF" and doc.info(seg[i0 - 1]).nom \
            and not doc.punct_before(seg[i0]):
        i0 -= 1
    if doc.words[h] in ONE_OF:
        i1 = min(i1 + 2, len(seg) - 1)
    while i1 + 1 < len(seg) and _attribute(doc.info(seg[i1 + 1])) and not doc.breaks(seg[i1 + 1]):
        i1 += 1
    return seg[i0], seg[i1]


def _attribute(w: _Word) -> bool:
    return w.pos in ATTRIBUTE or (w.gen and w.pos != "PREP")


def _name(doc: _Doc, j0: int, j1: int, h: int, oblique: bool = False) -> str | None:
    """The speaker's name: a person in the phrase (the last: "помощник Гладкова Малик Аминов"), the person
    a pronoun or a title points to, an organisation, or else the words themselves in the nominative."""
    start, end = doc.starts[j0], doc.ends[j1]
    people = doc.mentions_in(start, end, ("PER",))
    if people:
        return people[-1][2].normalised
    if doc.words[h] in PRONOUNS:
        return _resolve_pronoun(doc, PRONOUNS[doc.words[h]][1] or "-", start)
    orgs = doc.mentions_in(doc.starts[h], doc.ends[h], ("ORG",))
    if orgs:
        return orgs[0][2].normalised
    return _resolve_title(doc, h, j1) or _plain_name(doc, j0, j1, h, oblique)


def _resolve_pronoun(doc: _Doc, gender: str | None, pos: int) -> str | None:
    """он/она -> the last person of that gender mentioned before; они, я, мы stay unresolved."""
    if gender not in ("masc", "femn"):
        return None
    k = bisect_left(doc.mention_starts, pos)
    for start, end, ent in reversed(doc.mentions[:k]):
        if ent.type == "PER" and end <= pos and not doc.in_quote(start) and _gender(ent.normalised) in (gender, None):
            return ent.normalised  # a name inside a quote is someone the speaker talks about
    return None


def _resolve_title(doc: _Doc, j0: int, j1: int) -> str | None:
    """"Президент России" -> the person the text once named right after that title
    ("президента России Владимира Путина"); the nearest such mention before wins. The words start at the
    head noun: "новосибирский губернатор" looks for "губернатор"."""
    title = [doc.info(k).lemma for k in range(j0, j1 + 1)]
    head = doc.info(j0)
    if len(title) > 4 or not head.animate or head.plural:  # one person's title: not "компания", "аналитики"
        return None
    best = None
    for start, _, ent in doc.mentions:
        if ent.type == "PER" and _titled(doc, doc.token_at(start), title):
            if start > doc.starts[j0] and best:
                break
            best = ent.normalised
    return best


def _titled(doc: _Doc, t: int, title: list[str]) -> bool:
    words: list[str] = []
    for k in range(t - 1, max(t - 6, -1), -1):
        if doc.punct_before(k + 1):
            break
        words.insert(0, doc.info(k).lemma)
    n = len(title)
    return any(words[i:i + n] == title for i in range(len(words) - n + 1))


def _genitive_speaker(doc: _Doc, j: int, limit: int) -> _Speaker | None:
    """"по словам пресс-секретаря Кремля" -> пресс-секретарь Кремля."""
    seg: list[int] = []
    for k in range(j + 1, min(j + 1 + MAX_PHRASE, len(doc))):
        if doc.starts[k] >= limit or doc.breaks(k) or _ends_phrase(doc, k):
            break
        if seg or doc.info(k).pos != "PRCL":  # "по мнению же директора"
            seg.append(k)
    heads = [k for k in seg if doc.info(k).pos in NOUNISH]
    if not heads:
        return None
    j0, j1 = seg[0], seg[-1]
    return _Speaker(_name(doc, j0, j1, heads[0], oblique=True), doc.starts[j0], doc.ends[j1])


def _plain_name(doc: _Doc, j0: int, j1: int, h: int, oblique: bool) -> str:
    words = [doc.text[doc.starts[k]:doc.ends[k]] for k in range(j0, j1 + 1)]
    if oblique:
        words[:h - j0 + 1] = [_nominative(w) for w in words[:h - j0 + 1]]
    if not doc.info(j0).proper and not words[0].isupper():
        words[0] = words[0][:1].lower() + words[0][1:]
    return " ".join(words)


@lru_cache(maxsize=20_000)
def _nominative(word: str) -> str:
    """"пресс-секретаря" -> "пресс-секретарь", "местной полиции" word by word -> "местная полиция"."""
    for p in morph().parse(word.lower()):
        form = p.inflect({"nomn"}) if p.tag.case not in (None, "nomn") else None
        if form:
            plain = form.word.replace("ё", "е") if "ё" not in word.lower() else form.word
            return plain.capitalize() if word[:1].isupper() else plain
    return word


# -- results


def _make(doc: _Doc, start: int, end: int, j: int, speaker: _Speaker | None, direct: bool) -> Attribution:
    return _make_at(doc, start, end, (doc.starts[j], doc.ends[j]), speaker, direct)


def _make_at(doc: _Doc, start: int, end: int, cue: tuple[int, int], speaker: _Speaker | None,
             direct: bool) -> Attribution:
    start, end = _strip(doc.text, start, end)
    quote = Quote(text=doc.text[start:end], speaker=speaker.name if speaker else None,
                  cue=doc.text[cue[0]:cue[1]], direct=direct, start=start, end=end)
    return Attribution(quote, (speaker.start, speaker.end) if speaker else None, cue)


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _dedupe(found: list[Attribution]) -> list[Attribution]:
    """Overlapping finds: direct speech beats reported speech, the earlier beats the later."""
    kept: list[Attribution] = []
    for a in sorted(found, key=lambda a: (a.quote.start, -a.quote.end)):
        if kept and a.quote.start < kept[-1].quote.end:
            if a.quote.direct and not kept[-1].quote.direct:
                kept[-1] = a
            continue
        kept.append(a)
    return kept
