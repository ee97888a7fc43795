"""Indirect speech: X заявил, что ... / сообщил о ... / по словам X, ... / ..., сообщил X."""
from __future__ import annotations

from bisect import bisect_left

from .doc import Attribution, Doc, Speaker, make, make_at, trim
from .marks import AMBIGUOUS, CLOSERS, OPENERS
from .speakers import genitive_speaker, resolve_pronoun, speaker_after, speaker_before, speaker_in
from .words import ABOUT, ACCORDING, MAX_GAP, MAX_PHRASE, MAX_TRIES, POSSESSIVE, THAT, WORD, speech_forms


def reported_speech(doc: Doc) -> list[Attribution]:
    out: list[Attribution] = []
    busy = 0  # a verb inside the content just found belongs to that quote
    speech = speech_forms()
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


def _after_verb(doc: Doc, j: int) -> Attribution | None:
    return (_that_clause(doc, j) or _about_phrase(doc, j) or _colon_words(doc, j) or _as_said(doc, j)
            or _about_this(doc, j) or _said_after(doc, j))


def _that_clause(doc: Doc, j: int) -> Attribution | None:
    """Путин заявил журналистам, что ... — the clause after что up to the sentence end."""
    for k in range(j + 1, min(j + 1 + MAX_GAP, len(doc))):
        gap = doc.gap(k)
        if "," in gap:
            return _clause(doc, j, k, doc.ends[k]) if doc.words[k] in THAT else None
        if any(c in gap for c in ".!?;:()—–-\n"):
            return None
    return None


def _about_phrase(doc: Doc, j: int) -> Attribution | None:
    """Трамп сообщил о возможном заключении соглашения — the о-phrase is the topic, no words of his."""
    k = j + 1
    if k >= len(doc) or doc.words[k] not in ABOUT or doc.punct_before(k) or doc.info(j).gerund:
        return None
    found = _clause(doc, j, k, doc.ends[k]) if speech_forms()[doc.words[j]] else None
    if found:  # found all the same, so that no other rule takes these words for a quote
        found.topic = True
    return found


def _colon_words(doc: Doc, j: int) -> Attribution | None:
    """Он отвечал: это не нашего ума дело — words after a colon, without quote marks."""
    for k in range(j + 1, min(j + 4, len(doc))):
        gap = doc.gap(k)
        if ":" in gap and not any(c in gap for c in OPENERS + AMBIGUOUS):
            return _clause(doc, j, k, doc.text.index(":", doc.ends[k - 1]) + 1, direct=True)
        if doc.punct_before(k):
            return None
    return None


def _clause(doc: Doc, j: int, k: int, start: int, direct: bool = False) -> Attribution | None:
    """The content from `start` to the end of the sentence of word k; the speaker around verb j."""
    end = doc.sentence(doc.starts[k])[1]
    start, end = trim(doc.text, start, end)
    if not WORD.search(doc.text, start, end):
        return None
    doc.used.add(j)
    return make(doc, start, end, j, speaker_before(doc, j) or speaker_after(doc, j, doc.starts[k]), direct)


def _as_said(doc: Doc, j: int) -> Attribution | None:
    """Как сообщил X, ... / ..., как заявил X."""
    if j == 0 or doc.words[j - 1] != "как" or doc.punct_before(j):
        return None
    speaker = speaker_after(doc, j, doc.sentence(doc.starts[j])[1])
    return _around(doc, j - 1, speaker, (doc.starts[j], doc.ends[j])) if speaker else None


def _about_this(doc: Doc, j: int) -> Attribution | None:
    """Об этом сообщил X. — the sentence before is the content."""
    sent_start, sent_end = doc.sentence(doc.starts[j])
    first = doc.token_at(sent_start)
    if doc.words[first:first + 2] != ["об", "этом"] or j > first + 6 or sent_start == 0:
        return None
    prev_start = doc.sentence(sent_start - 1)[0]
    start, end = trim(doc.text, prev_start, sent_start)
    if "\n" in doc.text[end:sent_start] or doc.in_quote(start) or not WORD.search(doc.text, start, end):
        return None
    speaker = speaker_after(doc, j, sent_end) or speaker_in(doc, list(range(first + 2, j)), doc.info(j).verb)
    doc.used.add(j)
    return make(doc, start, end, j, speaker, False)


def _said_after(doc: Doc, j: int) -> Attribution | None:
    """Предложения оформятся в указы, говорит источник. — content, comma, verb, speaker."""
    gap = doc.gap(j)
    if "," not in gap or any(c in gap for c in CLOSERS + AMBIGUOUS + ".!?:;\n") or doc.info(j).gerund:
        return None
    sent_start, sent_end = doc.sentence(doc.starts[j])
    speaker = speaker_after(doc, j, sent_end) if j - doc.token_at(sent_start) >= 3 else None
    found = _around(doc, j, speaker, (doc.starts[j], doc.ends[j])) if speaker else None
    if found:
        doc.used.add(j)
    return found


def _according_cue(doc: Doc, j: int) -> bool:
    """"по словам", "по мнению", "по его словам"."""
    if j + 1 < len(doc) and doc.words[j + 1] in ACCORDING:
        return True
    return j + 2 < len(doc) and doc.words[j + 1] in POSSESSIVE and doc.words[j + 2] in ACCORDING


def _according(doc: Doc, j: int) -> Attribution | None:
    """По словам X, ... / ..., по словам X. / ..., по его словам, ..."""
    cue_end = j + 2 if doc.words[j + 1] in POSSESSIVE else j + 1
    if doc.words[j + 1] in POSSESSIVE:
        name = resolve_pronoun(doc, POSSESSIVE[doc.words[j + 1]], doc.starts[j])
        speaker = Speaker(name, doc.starts[j + 1], doc.ends[j + 1])
    else:
        speaker = genitive_speaker(doc, cue_end, doc.sentence(doc.starts[j])[1])
    if speaker is None:
        return None
    return _around(doc, j, speaker, (doc.starts[j], doc.ends[cue_end]))


def _around(doc: Doc, first: int, speaker: Speaker, cue: tuple[int, int]) -> Attribution | None:
    """The content of an attribution set off by commas (from word `first` to the speaker): the rest of the
    sentence when it opens the sentence, the part before it when it closes it, else the whole sentence."""
    sent_start, sent_end = doc.sentence(doc.starts[first])
    if doc.token_at(sent_start) == first:
        return _rest_after(doc, speaker, cue)
    start, end = trim(doc.text, sent_start, sent_end)
    if _sentence_goes_on(doc, speaker.end, end):
        return make_at(doc, start, end, cue, speaker, False)
    comma = doc.text.rfind(",", start, doc.starts[first])
    return make_at(doc, start, comma, cue, speaker, False) if comma > start else None


def _sentence_goes_on(doc: Doc, pos: int, end: int) -> bool:
    """A comma after the speaker's clause and more words, not about the speaker ("источник, знакомый с ...",
    "сказал он, имея в виду ..."): the attribution is a parenthesis in the middle of the content."""
    for k in range(doc.token_at(pos), min(doc.token_at(pos) + MAX_PHRASE, len(doc))):
        if doc.starts[k] >= end:
            return False
        if doc.breaks(k):
            return "," in doc.gap(k) and doc.info(k).pos not in ("PRTF", "ADJF", "GRND")
    return False


def _rest_after(doc: Doc, speaker: Speaker, cue: tuple[int, int]) -> Attribution | None:
    """The content after the comma that ends "Как сообщил X," / "По словам X,"."""
    comma = doc.text.find(",", speaker.end, speaker.end + 3)
    if comma < 0:
        return None
    start, end = trim(doc.text, comma + 1, doc.sentence(speaker.end)[1])
    k = bisect_left(doc.span_starts, start)
    if k < len(doc.spans) and doc.spans[k][0] == start and trim(doc.text, doc.spans[k][1] + 1, end)[0] >= end:
        return make_at(doc, start + 1, doc.spans[k][1], cue, speaker, True)
    if not WORD.search(doc.text, start, end):
        return None
    return make_at(doc, start, end, cue, speaker, False)
