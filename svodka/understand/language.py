"""Language id with lingua, built for a handful of languages (all 75 cost 1.3 GB and 10 s to load)."""
from __future__ import annotations

import re
from functools import lru_cache

PREFIX_CHARS = 300
KNOWN = {"RUSSIAN": "ru", "UKRAINIAN": "uk", "ENGLISH": "en"}
_OTHERS = ("BELARUSIAN", "BULGARIAN", "KAZAKH", "SERBIAN", "GERMAN", "FRENCH", "SPANISH", "POLISH")
_UK_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_RU_ONLY = re.compile(r"[ыэъЫЭЪё]")


@lru_cache(maxsize=1)
def detector():
    from lingua import Language, LanguageDetectorBuilder

    langs = [getattr(Language, name) for name in (*KNOWN, *_OTHERS)]
    return LanguageDetectorBuilder.from_languages(*langs).build()


def detect_language(text: str) -> tuple[str, float]:
    """('ru' | 'uk' | 'en' | 'other', confidence); a text with no letters is 'other' with 0."""
    sample = text[:PREFIX_CHARS]
    if not any(c.isalpha() for c in sample):
        return "other", 0.0
    # short Cyrillic texts: letters that only one of the two languages has settle it quickly and surely
    if len(sample) < 40:
        if _UK_ONLY.search(sample) and not _RU_ONLY.search(sample):
            return "uk", 0.9
        if _RU_ONLY.search(sample) and not _UK_ONLY.search(sample):
            return "ru", 0.9
    values = detector().compute_language_confidence_values(sample)
    if not values:
        return "other", 0.0
    best = values[0]
    return KNOWN.get(best.language.name, "other"), round(best.value, 3)
