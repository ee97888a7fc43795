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
