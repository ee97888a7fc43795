"""Quote marks paired into spans, and sentence boundaries that never fall inside a quote."""
from __future__ import annotations

import re
from bisect import bisect_right

MAX_QUOTE = 5000  # characters; a longer "quote" is a stray mark paired with a far one
MAX_DEPTH = 16  # open quote marks remembered; deeper nesting is garbage

OPENERS = "«„"
CLOSERS = "»"
AMBIGUOUS = "\"“”"  # open or close by context
QUOTE_MARKS = OPENERS + CLOSERS + AMBIGUOUS
PAIRS = {"«": "»", "„": "“”\"", "“": "”\"“", "\"": "\"“”", "”": "”\""}

ABBREVIATIONS = frozenset({"г", "гг", "им", "ул", "св", "ст", "т", "проф", "акад", "ген"})
_MARKS = re.compile(r"[«»„“”\"\n]")
_STOP = re.compile(r"[.!?…]+[»\"”“)]*|\n")
DASH_AFTER = re.compile(r"\s*+[,!?…]?\s*+(?:[—–]|--?(?=\s))\s*+")  # "», — сказал"
_SENTENCE_START = re.compile(r"\s++(?:[«\"„“(—–-]\s*+)?[A-ZА-ЯЁ0-9]")


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Outermost (open, close) positions of paired quote marks.

    A paragraph break drops the marks still open, unless the next paragraph opens with the same mark:
    the Russian way to carry one quote over several paragraphs (that mark is then no new opener).
    """
    stack: list[tuple[int, str]] = []
    pairs: list[tuple[int, int]] = []
    carried = -1
    for m in _MARKS.finditer(text):
        i, ch = m.start(), m.group()
        if ch == "\n":
            carried = _carried_over(text, i, stack)
            if carried < 0:
                stack.clear()
            continue
        role = _role(text, i, ch)
        if role == "open" and len(stack) < MAX_DEPTH and i != carried:
            stack.append((i, ch))
        elif role == "close":
            _close(text, stack, i, ch, pairs)
    return _outermost(pairs)


def _role(text: str, i: int, ch: str) -> str | None:
    if ch in OPENERS:
        return "open"
    if ch in CLOSERS:
        return "close"
    if ch not in AMBIGUOUS:
        return None
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if (before.isspace() or before in "([{—–-:«„/") and not after.isspace():
        return "open"
    if not before.isspace() and (after.isspace() or after in ".,;:!?)…—–-»\"“”"):
        return "close"
    return None


def _close(text: str, stack: list, i: int, ch: str, pairs: list) -> None:
    for depth in range(len(stack) - 1, -1, -1):
        start, opener = stack[depth]
        if ch in PAIRS[opener]:
            del stack[depth:]
            if i - start <= MAX_QUOTE:
                pairs.append((start, i))
            if stack and ch in PAIRS[stack[-1][1]] and DASH_AFTER.match(text, i + 1):
                _close(text, stack, i, ch, pairs)  # "... "Эрмитаж", - сказал он: one mark closes both
            return


def _carried_over(text: str, i: int, stack: list) -> int:
    """Where the next paragraph reopens the quote still open at this line break, or -1."""
    if not stack:
        return -1
    k = i + 1
    while k < len(text) and k < i + 40 and text[k].isspace():
        k += 1
    return k if k < len(text) and text[k] == stack[0][1] else -1


def _outermost(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(pairs, key=lambda p: (p[0], -p[1])):
        if not out or start > out[-1][1]:
            out.append((start, end))
    return out


def sentence_bounds(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """Sorted positions where sentences start, 0 and len(text) included; never inside a quote."""
    starts = [s for s, _ in spans]
    bounds = [0]
    for m in _STOP.finditer(text):
        b = m.end()
        k = bisect_right(starts, b - 1) - 1
        if k >= 0 and b - 1 <= spans[k][1] and not (b - 1 == spans[k][1] and m.group()[-1] in CLOSERS + AMBIGUOUS):
            continue
        if m.group() == "\n" or (_SENTENCE_START.match(text, b) and not _abbreviation(text, m.start())):
            bounds.append(b)
    bounds.append(len(text))
    return bounds


def _abbreviation(text: str, dot: int) -> bool:
    """"В. Бахчаняна", "им. Ленина": a dot that ends a word's short form, not a sentence."""
    start = dot
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    word = text[start:dot]
    return (len(word) == 1 and word.isupper()) or word.lower() in ABBREVIATIONS
