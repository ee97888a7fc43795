"""Bytes to text: UTF-8 first, then the Cyrillic legacy encodings Russian sites still serve."""
from __future__ import annotations

import codecs
import re

MAX_FILE_BYTES = 50 * 1024 * 1024  # one page, feed or dump; JSONL is streamed and has no such limit
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)
_CYRILLIC = ("cp1251", "koi8_r", "cp866", "iso8859_5")  # in order of how common they are


class DecodeError(ValueError):
    pass


def looks_binary(data: bytes) -> bool:
    """NUL bytes or many control characters: an image, an archive, random junk."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.05


def declared_encoding(data: bytes) -> str | None:
    head = data[:4096]
    m = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if not m:
        return None
    name = m.group(1).decode("ascii", "ignore").lower()
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). Raises DecodeError with the reason for binary data or a broken UTF-8 tail."""
    if not data.strip():
        raise DecodeError("empty file")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, "replace"), enc
    if looks_binary(data):
        raise DecodeError("binary data, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = e
    if utf8_error.start >= len(data) - 3 and utf8_error.reason == "unexpected end of data":
        raise DecodeError(f"truncated UTF-8 sequence at byte {utf8_error.start} (file cut off?)")
    declared = declared_encoding(data)
    if declared and declared not in ("utf-8", "utf_8"):
        try:
            return data.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass
    enc = guess_cyrillic(data)
    if enc:
        return data.decode(enc), enc
    raise DecodeError(f"not UTF-8 (invalid byte at {utf8_error.start}) and no known encoding fits")


def guess_cyrillic(data: bytes) -> str | None:
    """Pick the legacy encoding under which the text reads most like Russian.

    charset-normalizer confuses cp1251 and koi8-r on short texts; letter frequencies settle it.
    """
    best, best_score = None, 0.0
    sample = data[:20000]
    for enc in _CYRILLIC:
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        score = _russian_score(text)
        if score > best_score + 1e-9:
            best, best_score = enc, score
    if best and best_score > 0.3:
        return best
    from charset_normalizer import from_bytes

    match = from_bytes(data[:200000]).best()
    return match.encoding if match else None


_LOWER = set("оеаинтсрвлкмдпуяыьгзбчйжшхюцщэфъё")
_UPPER = set(c.upper() for c in _LOWER)


def _russian_score(text: str) -> float:
    """Lowercase Russian letters count, capitals a little, stray symbols (€, Ў, ”) against: the right encoding wins."""
    score = total = 0.0
    for c in text:
        if c.isascii():
            continue
        total += 1
        if c in _LOWER:
            score += 1
        elif c in _UPPER:
            score += 0.3
        elif c not in "«»—–…№“”„":
            score -= 1
    return score / total if total else 0.0
