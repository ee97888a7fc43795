"""Bytes to text by evidence: BOMs, UTF-16/32 by their byte pattern, UTF-8 (a few bad bytes repaired), then the
legacy encodings, where the bytes outvote a declared charset and only text that reads as Russian or Ukrainian is
ever decoded as Cyrillic."""
from __future__ import annotations

import codecs
import math
import re
from collections import Counter

MAX_FILE_BYTES = 50 * 1024 * 1024  # one page, feed or dump; JSONL is streamed and has no such limit
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-]+)""", re.I)
# in order of how common they are (ties: first), by the names codecs.lookup gives, as declared_encoding does
_CYRILLIC = tuple(codecs.lookup(e).name for e in ("cp1251", "koi8_r", "koi8_u", "cp866", "iso8859_5"))
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# letter frequencies of Russian news text (per cent; і, ї, є, ґ for Ukrainian): the yardstick for "reads as Cyrillic"
_FREQ = dict(zip("оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъёіїєґ",
                 (11.0, 8.5, 8.0, 7.4, 6.7, 6.3, 5.5, 4.7, 4.5, 4.4, 3.5, 3.2, 3.0, 2.8, 2.6, 2.0, 1.9, 1.7, 1.7,
                  1.6, 1.6, 1.4, 1.2, 1.0, 0.9, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.04, 0.1, 3.0, 0.5, 0.4, 0.1)))
_FREQ_NORM = math.sqrt(sum(v * v for v in _FREQ.values()))
_CYR_LETTER = re.compile(r"[а-яёіїєґ]", re.I)
_WORD_WITH_HIGH = re.compile(r"\w*[^\x00-\x7f]\w*")
_LETTER_RUN = re.compile(r"[^\W\d_]*[^\x00-\x7f\W\d_][^\W\d_]*")  # a word of letters, one of them not ASCII
_LATIN = ["cp1252", "cp1250", "cp1254", "cp1257", "iso8859_15", "iso8859_2"]
MIN_CYRILLIC_SCORE = 0.65  # Russian news texts of 400 characters score 0.78 or more; Greek or Hebrew read as Cyrillic 0.55 at most
WEAK_CYRILLIC_SCORE = 0.4  # a few words: their letters need not be in Russian proportions
REPAIR_RATIO = 4  # a page is UTF-8 with a few bad bytes when valid multi-byte characters outnumber them this much


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
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data.decode(enc, "svodka-repair" if enc == "utf-8-sig" else "replace"), enc
    wide = _wide_unicode(data)
    if wide:
        return data.decode(wide, "replace"), wide
    if looks_binary(data):
        raise DecodeError("binary data, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as e:
        utf8_error = e
    if utf8_error.start >= len(data) - 3 and utf8_error.reason == "unexpected end of data":
        raise DecodeError(f"truncated UTF-8 sequence at byte {utf8_error.start} (file cut off?)")
    if _mostly_utf8(data):
        return data.decode("utf-8", "svodka-repair"), "utf-8 (repaired)"
    enc = choose_legacy(data, declared_encoding(data))
    if enc:
        return data.decode(enc, "replace"), enc
    raise DecodeError(f"not UTF-8 (invalid byte at {utf8_error.start}) and no known encoding fits")


def _wide_unicode(data: bytes) -> str | None:
    """UTF-32 or UTF-16 without a BOM: NUL bytes in a fixed position, and a strict decoding that is all text."""
    head = data[:4096]
    if b"\x00" not in head:
        return None
    for enc, unit in (("utf-32-le", 4), ("utf-32-be", 4), ("utf-16-le", 2), ("utf-16-be", 2)):
        sample = head[:len(head) - len(head) % unit]
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        if unit == 2 and not _one_script(sample[1 if enc.endswith("le") else 0::2]):
            continue  # UTF-8 or junk with a NUL in it reads as printable CJK; real UTF-16 repeats its high bytes
        if text and sum(c.isprintable() or c in "\t\n\r" for c in text) / len(text) > 0.97:
            try:
                data[:len(data) - len(data) % unit].decode(enc)
            except UnicodeDecodeError:
                continue
            return enc
    return None


def _one_script(high_bytes: bytes) -> bool:
    """The high byte of each UTF-16 unit: a text in one or two scripts uses a handful of values (00, 04, 20)."""
    if not high_bytes:
        return False
    common = Counter(high_bytes).most_common(3)
    # or markup and spaces in any script (CJK letters vary the high byte, "<p> " keeps it 00)
    return sum(n for _, n in common) / len(high_bytes) >= 0.9 or high_bytes.count(0) / len(high_bytes) >= 0.3


def _mostly_utf8(data: bytes) -> bool:
    """Valid UTF-8 with a few stray bytes (a pasted cp1251 word, a cut character), not a legacy-encoded page."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    multibyte = sum(1 for c in text if ord(c) > 0x7F) - text.count("\ufffd")
    return multibyte >= REPAIR_RATIO * max(bad, 1)


def _repair(e: UnicodeDecodeError):
    """A run of bad bytes inside UTF-8 text: a cp1251 word pasted in reads as that word, anything else as U+FFFD."""
    run = e.object[e.start:e.end]
    end = e.end
    # the decoder reports one byte at a time; take the whole run of high bytes that are not valid UTF-8
    while end < len(e.object) and e.object[end] >= 0xC0 and not _starts_utf8(e.object, end):
        end += 1
    run = e.object[e.start:end]
    word = run.decode("cp1251", "replace")
    if len(run) >= 2 and all(_CYR_LETTER.match(c) for c in word):
        return word, end
    return "\ufffd", e.end


def _starts_utf8(data: bytes, i: int) -> bool:
    for n in (2, 3, 4):
        try:
            data[i:i + n].decode("utf-8")
            return True
        except UnicodeDecodeError:
            continue
    return False


codecs.register_error("svodka-repair", _repair)


def cyrillic_score(text: str) -> float:
    """How much `text` reads like Russian or Ukrainian, 0..1: the share of non-ASCII characters that are Cyrillic
    letters, times the share of words with such letters that have no Latin letter in them ("fьr" is German
    mis-decoded), times the cosine of the letter frequencies with those of Russian (Hebrew read as cp1251 is all
    Cyrillic letters, but not in Russian proportions)."""
    high = [c for c in text if ord(c) > 0x7F and not c.isspace()]
    if not high:
        return 0.0
    letters = Counter(c.lower() for c in high if _CYR_LETTER.match(c))
    n_letters = sum(letters.values())
    if not n_letters:
        return 0.0
    words = _WORD_WITH_HIGH.findall(text)
    pure = sum(1 for w in words if not re.search(r"[A-Za-z]", w)) / len(words) if words else 0.0
    dot = sum(_FREQ.get(c, 0.0) * n for c, n in letters.items())
    cosine = dot / (_FREQ_NORM * math.sqrt(sum(n * n for n in letters.values())))
    return n_letters / len(high) * pure * cosine * _well_cased(_LETTER_RUN.findall(text))


def _well_cased(words: list[str]) -> float:
    """The share of words cased as words are: lower, Capitalised or ALL CAPS. Greek read as KOI8-R, or KOI8-R read
    as cp1251, swaps cases inside words ("ëÕÂ")."""
    if not words:
        return 0.0
    ok = sum(1 for w in words if w.islower() or w.isupper() or (w[0].isupper() and w[1:].islower()) or len(w) == 1)
    return ok / len(words)


def choose_legacy(data: bytes, declared: str | None) -> str | None:
    """The encoding of a page that is not UTF-8. A Cyrillic reading must read as Russian or Ukrainian; the declared
    charset is kept when it reads as well as the best, and is overruled when the bytes contradict it. A short text
    whose letter statistics are weak is Cyrillic only when charset-normalizer (or the page's label) agrees."""
    sample = data[:20000]
    scores = {}
    for enc in _CYRILLIC:
        try:
            scores[enc] = cyrillic_score(sample.decode(enc))
        except UnicodeDecodeError:
            continue
    best = max(scores, key=scores.get) if scores else None
    score = scores[best] if best else 0.0
    cyrillic = declared if declared in scores and scores[declared] >= score - 0.02 else best
    if score >= MIN_CYRILLIC_SCORE:
        return cyrillic
    if declared and declared not in scores:
        try:
            text = sample.decode(declared)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is not None and not _contradicts(text):
            return declared
    from charset_normalizer import from_bytes

    western = sample.decode("cp1252", "replace")
    if _reads_as_latin(western):
        if not set(western) & set("ðþýÐÞÝ"):
            return "cp1252"  # German, French, Spanish...; charset-normalizer calls short German texts Shift-JIS
        # Icelandic letters in a cp1252 reading are mostly Turkish ğ ş ı: charset-normalizer picks the Latin page
        latin = from_bytes(sample, cp_isolation=_LATIN).best()
        return latin.encoding if latin and _reads_as_latin(str(latin)) else "cp1252"

    matches = [(m.encoding, _reads_cyrillic(sample, m.encoding)) for m in from_bytes(data[:200000])
               if not _halfwidth_kana(sample, m.encoding)]
    if score >= WEAK_CYRILLIC_SCORE and (declared in scores or not matches or matches[0][1]):
        return cyrillic
    others = [enc for enc, is_cyrillic in matches if not is_cyrillic]
    # of charset-normalizer's candidates, the first whose words are all letters (cp1257 reads Polish ą ł as ¹ ³)
    other = next((enc for enc in others if _letters_in_words(sample.decode(enc, "replace"))), others[0] if others else None)
    return other or (cyrillic if score > 0 else ("cp1252" if declared else None))


def _reads_cyrillic(sample: bytes, encoding: str) -> bool:
    """charset-normalizer knows more Cyrillic code pages than we score (cp1125, mac_cyrillic...): by their reading."""
    high = [c for c in sample.decode(encoding, "replace") if ord(c) > 0x7F and c.isalpha()]
    return bool(high) and sum(1 for c in high if _CYR_LETTER.match(c)) / len(high) > 0.5


def _letters_in_words(text: str) -> bool:
    words = re.findall(r"[A-Za-z]+[^\x00-\x7f\s]+[A-Za-z]*|[^\x00-\x7f\s]+[A-Za-z]+", text)
    return all(all(c.isalpha() for c in w) for w in words)


def _halfwidth_kana(sample: bytes, encoding: str) -> bool:
    """Shift-JIS reads KOI8-R letters as halfwidth katakana, which no modern Japanese page is written in."""
    high = [c for c in sample.decode(encoding, "replace") if ord(c) > 0x7F]
    return bool(high) and sum(1 for c in high if "\uff61" <= c <= "\uff9f") / len(high) > 0.3


def _reads_as_latin(text: str) -> bool:
    """German, French, Spanish...: accented letters inside words of ASCII letters ("für", "réforme")."""
    words = _WORD_WITH_HIGH.findall(text)
    if not words:
        return False
    latin = sum(1 for w in words if re.search(r"[A-Za-z]", w)
                and all(c.isalpha() and ord(c) < 0x250 for c in w if ord(c) > 0x7F))
    return latin / len(words) > 0.8


def _contradicts(text: str) -> bool:
    """A single-byte Latin reading full of words made only of accented capitals and symbols (ÏðèâåòÀÁ...) is
    Cyrillic bytes under a wrong label."""
    words = _WORD_WITH_HIGH.findall(text)
    if not words:
        return False
    all_high = sum(1 for w in words if len(w) >= 3 and all(ord(c) > 0x7F for c in w))
    return all_high / len(words) > 0.5
