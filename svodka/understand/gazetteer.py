"""Mentions the NER misses: names from the alias table in any of their forms ("Голоса Америки", "Минобороны"), and
organisation names in quotes after a word that announces one (компания «Аэрофлот», ОАО «Газпром», движение
«Солидарность», сообщает «Интерфакс»).
"""
from __future__ import annotations

import re
from functools import lru_cache

from .lemmas import lemma

# lemmas of words after which «...» names an organisation
ORG_WORDS = frozenset("""
ооо оао зао пао ао нко ано гк ик ип фгуп гуп муп ук нпо нии фк хк пфк
компания группа холдинг концерн корпорация банк фонд движение партия организация объединение союз ассоциация
общество агентство газета журнал издание издательство телеканал телекомпания радиостанция радио канал сайт портал
клуб театр центр институт университет академия фирма оператор ритейлер сеть магазин завод фабрика комбинат ансамбль
коллектив команда студия лейбл сервис платформа маркетплейс мессенджер соцсеть стартап производитель застройщик
авиакомпания госкорпорация инвесткомпания медиахолдинг информагентство профсоюз блок фракция проект
сообщать передавать писать сообщить передать написать
""".split())
_QUOTED = re.compile(r"«(?P<name>[A-ZА-ЯЁ0-9][^«»\n]{0,60}?)»")
_WORD_BEFORE = re.compile(r"([\w-]+)\W{0,3}$")
_WORD = re.compile(r"\w+(?:[-.]\w+)*")
MAX_WORDS = 6


def quoted_orgs(text: str) -> list[tuple[int, int]]:
    """(start, end) of names in «» whose preceding word announces an organisation."""
    out = []
    for m in _QUOTED.finditer(text):
        before = _WORD_BEFORE.search(text, max(0, m.start() - 40), m.start())
        if before and lemma(before.group(1)) in ORG_WORDS:
            out.append((m.start("name"), m.end("name")))
    return out


@lru_cache(maxsize=1)
def _index() -> dict[str, list[tuple[tuple[str, ...], str, str]]]:
    """first lemma -> [(lemmas of the name, canonical name, type)], longest names first."""
    from .entities import aliases

    index: dict[str, list] = {}
    for name, (canonical, etype) in aliases().items():
        key = tuple(lemma(w) for w in _WORD.findall(name))
        if key:
            index.setdefault(key[0], []).append((key, canonical, etype))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e[0]))
    return index


def alias_matches(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, canonical name, type) of alias-table names in the text, in any form; a match starts with a
    capital letter (a lower-case "альянс" or "штаты" is a common noun), longest first, not overlapping."""
    index = _index()
    words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
    out = []
    i = 0
    while i < len(words):
        start, _, w = words[i]
        if not w[:1].isupper():
            i += 1
            continue
        found = None
        for key, canonical, etype in index.get(lemma(w), ()):
            n = len(key)
            if i + n <= len(words) and all(lemma(words[i + k][2]) == key[k] for k in range(1, n)):
                found = (start, words[i + n - 1][1], canonical, etype, n)
                break
        if found:
            out.append(found[:4])
            i += found[4]
        else:
            i += 1
    return out
