"""Direct speech: «...», — сказал X / X сказал: «...» / «..., — сказал он, — ...»."""
from __future__ import annotations

import re

from .doc import Attribution, Doc, make
from .marks import DASH_AFTER
from .speakers import speaker_after, speaker_before, speaker_in
from .words import MAX_GAP, MAX_TRIES, WORD, speech_forms

_DASH_INSIDE = re.compile(r"[,.!?…]\s*+(?:[—–]|--?(?=\s))\s++")
_DASH_RESUME = re.compile(r"\s*+[,.]\s*+(?:[—–]|--?(?=\s))\s*+")


def direct_speech(doc: Doc) -> list[Attribution]:
    out: list[Attribution] = []
    for open_, close in doc.spans[:MAX_TRIES]:
        if not WORD.search(doc.text, open_ + 1, close):
            continue
        inner = _inner_attribution(doc, open_, close)
        if inner:
            out += inner
            continue
        found = _attribution_after(doc, close) or _attribution_before(doc, open_)
        if found:
            cue, speaker = found
            out.append(make(doc, open_ + 1, close, cue, speaker, True))
    return out


def _attribution_after(doc: Doc, close: int) -> tuple | None:
    """«...», — подчеркнул Путин: any finite verb right after the dash will do."""
    m = DASH_AFTER.match(doc.text, close + 1)
    if not m:
        return None
    return _verb_then_speaker(doc, doc.token_at(m.end()), doc.sentence(m.end())[1])


def _verb_then_speaker(doc: Doc, first: int, limit: int) -> tuple | None:
    """(verb, speaker) of "— сказал он" / "— с улыбкой добавил министр" starting at word `first`."""
    for j in range(first, min(first + 3, len(doc))):
        if doc.starts[j] >= limit or (j > first and doc.punct_before(j)):
            return None
        if doc.info(j).verb and j not in doc.used:
            speaker = speaker_after(doc, j, limit) or speaker_in(doc, list(range(first, j)), doc.info(j).verb)
            if not speaker and doc.words[j] not in speech_forms():
                return None  # «"Они" — разрешат!»: a verb that is no speech verb needs a speaker to count
            doc.used.add(j)
            return j, speaker
    return None


def _attribution_before(doc: Doc, open_: int) -> tuple | None:
    """X заявил: «...» — a speech verb shortly before a colon."""
    colon = open_ - 1
    while colon >= 0 and open_ - colon < 10 and doc.text[colon].isspace():
        colon -= 1
    if colon < 0 or doc.text[colon] != ":":
        return None
    last = doc.token_at(colon) - 1
    first = max(doc.token_at(doc.sentence(colon)[0]), last - MAX_GAP)
    for j in range(last, first - 1, -1):
        if doc.words[j] in speech_forms() and j not in doc.used:
            doc.used.add(j)
            return j, speaker_before(doc, j) or speaker_after(doc, j, colon)
    return None


def _inner_attribution(doc: Doc, open_: int, close: int) -> list[Attribution]:
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
    return [make(doc, open_ + 1, end, cue, speaker, True),
            make(doc, resume.end(), close, cue, speaker, True)]
