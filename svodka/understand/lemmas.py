"""Lemmas: pymorphy3 lemmatises, cached per word form."""
from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=1)
def morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """Base form, lower case, ё kept as е so that spellings meet."""
    w = word.lower()
    if not any("а" <= c <= "я" or c == "ё" for c in w):
        return w.replace("ё", "е")
    return morph().parse(w)[0].normal_form.replace("ё", "е")


_WORD = re.compile(r"\w+(?:[-‐]\w+)*", re.U)


def lemmas(text: str) -> list[str]:
    """Lemmas of the words, in order (a regex finds the words: razdel's care for punctuation is not needed here
    and costs 5x the time)."""
    return [lemma(w) for w in _WORD.findall(text)]
