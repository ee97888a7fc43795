"""Tokens and lemmas: razdel splits, pymorphy3 lemmatises; lemmas are cached per word form."""
from __future__ import annotations

from functools import lru_cache

from razdel import tokenize


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


def tokens(text: str) -> list[tuple[str, int, int]]:
    return [(t.text, t.start, t.stop) for t in tokenize(text)]


def lemmas(text: str) -> list[str]:
    """Lemmas of the words (punctuation and single symbols dropped), in order."""
    return [lemma(t.text) for t in tokenize(text) if t.text[0].isalnum() or len(t.text) > 1 and t.text[1].isalnum()]
