"""Who said it: the subject before or after the cue, a named person, an institution, a resolved pronoun or title."""
from __future__ import annotations

from bisect import bisect_left
from functools import lru_cache

from ..lemmas import morph
from .doc import Doc, Speaker
from .words import (ATTRIBUTE, CIRCUMSTANCES, DOCUMENTS, GLAVA, MAX_PHRASE, MAX_SEGMENTS, NOT_OFFICES, NOUNISH,
                    OFFICES, ONE_OF, PRONOUNS, SAME_OFFICE, SUBORDINATORS, Word, name_gender)

# words between an office and the name: "министр иностранных дел и внешнеэкономических связей страны Петер"
OFFICE_WINDOW = 9


def speaker_after(doc: Doc, j: int, limit: int) -> Speaker | None:
    """"сказал в интервью РБК директор Fitch Владимир Редькин": the words after the verb, to punctuation."""
    seg: list[int] = []
    for k in range(j + 1, min(j + 1 + MAX_PHRASE, len(doc))):
        if doc.starts[k] >= limit or doc.breaks(k) or ends_phrase(doc, k):
            break
        seg.append(k)
    agree = doc.info(j).verb
    rest = _after_addressee(doc, seg)
    if rest:
        speaker = speaker_in(doc, rest, agree) or institution(doc, rest)
        if speaker:
            return speaker
    return speaker_in(doc, seg, agree) or institution(doc, seg)


def _after_addressee(doc: Doc, seg: list[int]) -> list[int]:
    """"сообщил РИА Новости глава ...", "рассказали ТАСС в компании": the organisation right after the
    verb is whom it was said to when more words follow."""
    orgs = doc.mentions_in(doc.starts[seg[0]], doc.starts[seg[0]] + 1, ("ORG",)) if seg else []
    return [k for k in seg if doc.starts[k] >= orgs[0][1]] if orgs else []


def ends_phrase(doc: Doc, k: int) -> bool:
    """"сказал швейцар и пошёл": a verb, or "и" before one, ends the speaker."""
    w = doc.info(k)
    if (w.verb and not w.gen) or w.gerund:  # "министр иностранных дел": "дел" is no verb here
        return True
    return doc.words[k] == "и" and k + 1 < len(doc) and bool(doc.info(k + 1).verb)


def speaker_before(doc: Doc, j: int) -> Speaker | None:
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
        speaker = speaker_in(doc, seg, agree)
        if speaker:
            return speaker
    return institution(doc, segs[0])


def _segments_back(doc: Doc, first: int, j: int) -> list[list[int]]:
    """The words before verb j, cut at punctuation, nearest piece first, back to word `first` at most."""
    segs: list[list[int]] = [[]]
    for k in range(j - 1, max(first, j - 4 * MAX_PHRASE) - 1, -1):
        if doc.punct_before(k + 1):
            if len(segs) == MAX_SEGMENTS:
                break
            segs.append([])
        segs[-1].append(k)
    return [list(reversed(s)) for s in segs]


def _has_participle(doc: Doc, seg: list[int]) -> bool:
    return any(doc.info(k).pos in ("PRTF", "GRND") for k in seg)


def speaker_in(doc: Doc, seg: list[int], agree: tuple | None) -> Speaker | None:
    """The speaker in a run of words: the agreeing nominative head and its phrase, or a named entity."""
    if not seg:
        return None
    h = _head(doc, seg, agree)
    before = doc.starts[h] if h is not None else doc.ends[seg[-1]]
    people = doc.mentions_in(doc.starts[seg[0]], before, ("PER",))
    person = next((m for m in people if _subject(doc, seg, m)), None)
    if person:  # "сказал Зеленский в ходе конгресса": a name the dictionary takes for an adjective
        return Speaker(person[2].normalised, person[0], person[1])
    if h is not None:
        j0, j1 = _phrase(doc, seg, h)
        named = _named_later(doc, seg, j0, j1)
        if named:  # "представитель президента по культурному сотрудничеству Михаил Швыдкой"
            return Speaker(named[2].normalised, doc.starts[j0], named[1])
        return Speaker(_name(doc, j0, j1, h), doc.starts[j0], doc.ends[j1])
    found = doc.mentions_in(doc.starts[seg[0]], doc.ends[seg[-1]])
    return Speaker(found[0][2].normalised, found[0][0], found[0][1]) if found else None


def _named_later(doc: Doc, seg: list[int], j0: int, j1: int) -> tuple | None:
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


def _subject(doc: Doc, seg: list[int], mention: tuple) -> bool:
    """A person's mention that can be a subject: nominative, and first in the run or after an adverb or a
    verb, not after a preposition or a noun ("с Путиным", "под руководством Никиты Михалкова")."""
    first, last = doc.token_at(mention[0]), doc.token_at(mention[1]) - 1
    if last < first or not doc.info(last).nom:
        return False
    return first <= seg[0] or doc.info(first - 1).pos in ("ADVB", "PRCL", "VERB", "CONJ")


def institution(doc: Doc, seg: list[int]) -> Speaker | None:
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
            return Speaker(_name(doc, j0, j1, head, oblique=True), doc.starts[j0], doc.ends[j1])
    return None


def _first_noun(doc: Doc, seg: list[int]) -> int | None:
    """The noun after a preposition and its adjectives: "в сопроводительных материалах"."""
    head = next((k for k in seg if doc.info(k).pos != "ADJF"), None)
    return head if head is not None and doc.info(head).pos in NOUNISH else None


def _head(doc: Doc, seg: list[int], agree: tuple | None) -> int | None:
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


def _agrees(word: str, w: Word, agree: tuple | None) -> bool:
    number, gender = agree or (None, None)
    if word in PRONOUNS:
        p_number, p_gender = PRONOUNS[word]
        return (not number or number == p_number) and (not gender or not p_gender or gender == p_gender)
    if w.pos not in NOUNISH or w.pos == "NPRO" or not w.nom:
        return False
    return not number or number in w.nom


def _phrase(doc: Doc, seg: list[int], h: int) -> tuple[int, int]:
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


def _attribute(w: Word) -> bool:
    return w.pos in ATTRIBUTE or (w.gen and w.pos != "PREP")


def _name(doc: Doc, j0: int, j1: int, h: int, oblique: bool = False) -> str | None:
    """The speaker's name: a person in the phrase (the last: "помощник Гладкова Малик Аминов"), the person
    a pronoun or a title points to, an organisation, or else the words themselves in the nominative."""
    start, end = doc.starts[j0], doc.ends[j1]
    people = doc.mentions_in(start, end, ("PER",))
    if people:
        return people[-1][2].normalised
    if doc.words[h] in PRONOUNS:
        return resolve_pronoun(doc, PRONOUNS[doc.words[h]][1] or "-", start)
    orgs = doc.mentions_in(doc.starts[h], doc.ends[h], ("ORG",))
    if orgs:
        return orgs[0][2].normalised
    return _resolve_title(doc, h, j1) or _plain_name(doc, j0, j1, h, oblique)


def resolve_pronoun(doc: Doc, gender: str | None, pos: int) -> str | None:
    """он/она -> the last person of that gender mentioned before; они, я, мы stay unresolved."""
    if gender not in ("masc", "femn"):
        return None
    k = bisect_left(doc.mention_starts, pos)
    for start, end, ent in reversed(doc.mentions[:k]):
        if ent.type == "PER" and end <= pos and not doc.in_quote(start) \
                and name_gender(ent.normalised) in (gender, None):
            return ent.normalised  # a name inside a quote is someone the speaker talks about
    return None


def _resolve_title(doc: Doc, j0: int, j1: int) -> str | None:
    """"Президент России" -> the person the text once named right after that title
    ("президента России Владимира Путина"); the nearest such mention before wins. The words start at the
    head noun: "новосибирский губернатор" looks for "губернатор". An office named otherwise ("— сказал
    министр" after "глава Минфина Антон Силуанов") goes to the last person named before in that office."""
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
    office = office_of(title[:2])
    return best or (_last_in_office(doc, doc.starts[j0], office) if office else None)


def office_of(lemmas: list[str]) -> str | None:
    """The office a title names, one name for each way to say it: "глава Минфина" -> министр,
    "глава региона" -> губернатор, "глава государства" -> президент; None for no office ("помощник")."""
    if not lemmas or lemmas[0] not in OFFICES:
        return None
    if lemmas[0] == "глава" and len(lemmas) > 1:
        second = lemmas[1]
        if second.startswith("мин") or second in ("мид", "ведомство", "министерство"):
            return "министр"
        return GLAVA.get(second)
    return SAME_OFFICE.get(lemmas[0], lemmas[0])


def _last_in_office(doc: Doc, pos: int, office: str) -> str | None:
    """The last person before `pos`, outside quotes, whom the text introduced in that office."""
    k = bisect_left(doc.mention_starts, pos)
    for start, end, ent in reversed(doc.mentions[max(0, k - 30):k]):
        if ent.type == "PER" and end <= pos and not doc.in_quote(start) \
                and _office_before(doc, doc.token_at(start)) == office:
            return ent.normalised
    return None


def _office_before(doc: Doc, t: int) -> str | None:
    """"глава Минфина РФ Антон Силуанов" -> министр: the title that opens the few words right before a name
    (no punctuation between); "помощник президента X" holds no office of its own."""
    first = t  # back to punctuation, a verb or another name: "Богомаз встретился с министром Цивилевым"
    while first > max(t - OFFICE_WINDOW, 0) and not doc.punct_before(first) and not _phrase_edge(doc, first - 1):
        first -= 1
    for k in range(first, t):
        lemma = doc.info(k).lemma
        if lemma in OFFICES or lemma in NOT_OFFICES:
            return office_of([lemma, doc.info(k + 1).lemma] if k + 1 < t else [lemma])
    return None


def _phrase_edge(doc: Doc, k: int) -> bool:
    w = doc.info(k)
    return bool(w.verb and not w.gen) or bool(doc.mentions_in(doc.starts[k], doc.ends[k], ("PER",)))


def _titled(doc: Doc, t: int, title: list[str]) -> bool:
    words: list[str] = []
    for k in range(t - 1, max(t - 6, -1), -1):
        if doc.punct_before(k + 1):
            break
        words.insert(0, doc.info(k).lemma)
    n = len(title)
    # the title must head the words: "пресс-секретарь президента Дмитрий Песков" is no president
    return any(words[i:i + n] == title and not (OFFICES | NOT_OFFICES).intersection(words[:i])
               for i in range(len(words) - n + 1))


def genitive_speaker(doc: Doc, j: int, limit: int) -> Speaker | None:
    """"по словам пресс-секретаря Кремля" -> пресс-секретарь Кремля."""
    seg: list[int] = []
    for k in range(j + 1, min(j + 1 + MAX_PHRASE, len(doc))):
        if doc.starts[k] >= limit or doc.breaks(k) or ends_phrase(doc, k):
            break
        if seg or doc.info(k).pos != "PRCL":  # "по мнению же директора"
            seg.append(k)
    heads = [k for k in seg if doc.info(k).pos in NOUNISH]
    if not heads:
        return None
    j0, j1 = seg[0], seg[-1]
    return Speaker(_name(doc, j0, j1, heads[0], oblique=True), doc.starts[j0], doc.ends[j1])


def _plain_name(doc: Doc, j0: int, j1: int, h: int, oblique: bool) -> str:
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
