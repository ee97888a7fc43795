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


# parts of speech that never name what a piece of news is about: verbs and their forms, adverbs, function words
NOT_A_MATTER = frozenset({"VERB", "INFN", "PRTF", "PRTS", "GRND", "ADVB", "PRED", "PRCL", "CONJ", "PREP", "INTJ",
                          "NPRO", "COMP", "NUMR"})


@lru_cache(maxsize=200_000)
def names_a_matter(lemma_: str) -> bool:
    """Whether a lemma can be what news is about (a noun, an adjective, a word the dictionary lacks: "пилот",
    "брянский", "бпла"), not how it is told ("проверяться", "впереди", "особо"): by its likeliest reading. A word
    the dictionary lacks is a name or an acronym; pymorphy would guess it a form of some verb ("бпла")."""
    if not any("а" <= c <= "я" for c in lemma_) or not morph().word_is_known(lemma_):
        return True
    return morph().parse(lemma_)[0].tag.POS not in NOT_A_MATTER


_WORD = re.compile(r"\w+(?:[-‐]\w+)*", re.U)


def lemmas(text: str) -> list[str]:
    """Lemmas of the words, in order (a regex finds the words: razdel's care for punctuation is not needed here
    and costs 5x the time)."""
    return [lemma(w) for w in _WORD.findall(text)]
