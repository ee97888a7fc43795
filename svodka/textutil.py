"""Small text helpers shared by the ingesters."""
from __future__ import annotations

import re


def first_sentence(text: str) -> str:
    from razdel import sentenize

    for s in sentenize(text):
        return s.text
    return text


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:—- ") + "…"


def split_paragraphs(text: str) -> list[str]:
    parts = re.split(r"\n\s*\n|\n", text)
    return [" ".join(p.split()) for p in parts if p.strip()]


# Latin letters that look like Cyrillic ones, and back: "Дeнь шoкoлaдныx" is typed to dodge filters and search
_LAT = "aceopxykiACEHKMOPTXYBI"
_CYR = "асеорхукіАСЕНКМОРТХУВІ"
_TO_CYR = str.maketrans(_LAT, _CYR)
_TO_LAT = str.maketrans(_CYR, _LAT)
# a Latin and a Cyrillic letter side by side (digits between allowed); no re.I: case folding makes it slow
_MIXED = re.compile(r"[а-яёіїєА-ЯЁІЇЄ][\d_]*[a-zA-Z]|[a-zA-Z][\d_]*[а-яёіїєА-ЯЁІЇЄ]")
_WORD = re.compile(r"\w+")
_CYR_LETTER = re.compile(r"[а-яёіїєґ]", re.I)
_LAT_LETTER = re.compile(r"[a-z]", re.I)


def _fold_word(m: re.Match) -> str:
    word = m.group()
    if not _MIXED.search(word):
        return word
    cyr, lat = len(_CYR_LETTER.findall(word)), len(_LAT_LETTER.findall(word))
    to_cyr, to_lat = word.translate(_TO_CYR), word.translate(_TO_LAT)
    cyr_ok, lat_ok = not _LAT_LETTER.search(to_cyr), not _CYR_LETTER.search(to_lat)
    # the word's own script is the one most of its letters are in (Cyrillic on a tie: the text is Russian)
    if cyr >= lat:
        return to_cyr if cyr_ok else to_lat if lat_ok else word
    return to_lat if lat_ok else to_cyr if cyr_ok else word


def fold_lookalikes(text: str) -> str:
    """Fold look-alike letters in words that mix Latin and Cyrillic into the word's own script
    ("Дeнь" -> "День", "сopy" -> "copy", "ВМW" -> "BMW"); words in one script ("iPhone") stay as they are, and
    so do words whose odd letters have no look-alike ("ШтормZ")."""
    return _WORD.sub(_fold_word, text) if has_lookalikes(text) else text


_LATIN_RUN = re.compile(r"[a-zA-Z]+")
_CYRILLIC = frozenset("абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯІЇЄ")


def has_lookalikes(text: str) -> bool:
    """A run of Latin letters with a Cyrillic letter beside it (digits between allowed). Faster than one regex
    over the whole text: Latin runs are few in Russian text."""
    for m in _LATIN_RUN.finditer(text):
        i, j = m.start() - 1, m.end()
        while i >= 0 and (text[i].isdigit() or text[i] == "_"):
            i -= 1
        while j < len(text) and (text[j].isdigit() or text[j] == "_"):
            j += 1
        if (i >= 0 and text[i] in _CYRILLIC) or (j < len(text) and text[j] in _CYRILLIC):
            return True
    return False
