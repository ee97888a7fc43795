"""Telegram posts: the channel's sign-off off, a headline that says what happened, a body that is never empty.

A post has no title of its own. Its headline is the first sentence of its first line, unless that is a speaker
label ("Минобороны РФ:"), a bare exclamation or a one-word caption: then the statement that follows is the
headline (with the speaker in front when it fits). A long sentence is shortened at a clause boundary.

Sign-offs ("🔴 Подписаться | Прислать новость", "👉 Топор Live. Подписаться") are found three ways, none of them a
hand list per channel:
- language: a short line at the post's edge made of subscribe / send-us-news / channel-promo words;
- the shipped table, svodka/data/signoffs.json: lines that open or close many of a channel's posts, learned by
  scripts/learn_signoffs.py with `learn_signoffs` below;
- the batch: lines that close many posts of one source in the file being read (`PostReader.observe`), so a
  channel that is not in the table is handled too.
A line is matched by its key: lower case, links, emoji and punctuation off, digits kept (a sign-off is fixed
text; "Курс золота 2650$" changes with every post). A line that carries a link or an @name is taken when it sits
among the first or last three lines of 1.5 % of a channel's posts (the table) or 30 % of a batch's; a line with
no link needs 25 % / 60 %: "Минобороны РФ:" opens 2.5 % of one channel's posts and is a speaker, not a sign-off.
A learned line goes only at a post's edges or when it carries a link; the language rules likewise.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from ..model import PARAGRAPH, Block
from ..textutil import first_sentence, fold_lookalikes, has_lookalikes

SIGNOFFS_PATH = Path(__file__).resolve().parent.parent / "data" / "signoffs.json"
MAX_TITLE_CHARS = 200
KEEP_TITLE_CHARS = 160  # a longer first sentence is shortened at a clause boundary,
SOFT_TITLE_CHARS = 140  # to this length if it can
MAX_SIGNOFF_WORDS = 15
MAX_SIGNOFF_CHARS = 160
MAX_AD_MARK_WORDS = 30  # "Реклама. ООО «…», ИНН …, erid: …" and its small print
EDGE_LINES = 3  # a sign-off is one of the last (or first) lines of a post

# learning thresholds: a sign-off is the same line in many posts; a line with a link or @name needs fewer
TABLE_MIN_POSTS, TABLE_SHARE_LINKED, TABLE_SHARE_PLAIN = 5, 0.015, 0.25
BATCH_MIN_POSTS, BATCH_SHARE_LINKED, BATCH_SHARE_PLAIN = 5, 0.3, 0.6

_LINK = re.compile(r"\[([^\]]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_MARKUP = re.compile(r"\*\*|__|~~|`")
_URL = re.compile(r"(?:https?://|www\.|t\.me/|bit\.ly/)\S+", re.I)
_MENTION = re.compile(r"(?<!\w)@\w{3,}")
_BARE_URL_LINE = re.compile(r"^\s*(?:(?:https?://|t\.me/|www\.)\S+\s*)+$", re.I)
_HASHTAGS_ONLY = re.compile(r"^\s*(?:#\w+[\s,.]*)+$")
_HAS_WORD = re.compile(r"[^\W_]")
_KEY_DROP = re.compile(r"[^\w@+ ]+|_")
_LEADING_SYMBOLS = re.compile(r"^[\W_]+", re.U)
_TRAILING_MENTION = re.compile(r"\s*(?:@\w{3,}\s*)+$")
# a call to pass the post on: a line of its own, or the last words of the post ("…, распространите")
_CALL = re.compile(r"^(?:распространите(?: \w+){0,3}|ты знаешь кому это отправить|поделитесь|перешлите)$")
_TRAILING_CALL = re.compile(r"(?:[,.!?]\s*|\s+)(?:распространите|ты знаешь,? кому это отправить|"
                            r"подпи(?:сывайтесь|сывайся|шитесь|шись)\b[^.!?]{0,60})[.!:]*\s*$", re.I)
_CALL_WORDS = ("аспростран", "кому это отправить", "одписыва", "одпиш")

# language-level sign-off: subscribe / send us news / our channel, bot, chat / boost / read without VPN
_PROMO = re.compile(
    r"(?:^|\s)(?:подпи(?:саться|сывайся|сывайтесь|шись|шитесь)|прислать (?:новость|фото|видео)|"
    r"предложить новость|прислали через бота|через бота|наш (?:канал|бот|чат)|нашем канале|"
    r"наши (?:каналы|соцсети)|наши курортные каналы|(?:отдай|отдайте|отдать)(?: свой)? (?:буст|голос)|без vpn|"
    r"поддержать канал|читайте нас|читать нас|subscribe|присоединяйтесь|слушайте (?:также |нас )?на|"
    r"на вашей любимой платформе|"
    r"(?:присылайте|присылай|пришлите|присылать) (?:\w+ ){0,4}(?:нам|в|в бот|боту|сюда))(?:\s|$)")
_PROMO_STEMS = re.compile("подп|присл|присыл|пришл|предлож|через бот|наш|буст|голос|vpn|чита|subscribe|присоедин|"
                         "поддерж|слушайте|платформ")
# "Фото: Reuters", "Видео: очевидцы"
_CREDIT = re.compile(r"^\W*(?:фото|видео|кадры|иллюстрация|источник фото)\s*:\s*\S+(?:\s+\S+){0,3}$", re.I)
_AD_MARK = re.compile(r"^реклама .*\bинн\b|\berid\b")
# a speaker's label or an attribution is no headline
SPEECH_END = frozenset(  # a head that ends on a speech verb leaves out what was said
    "заявил заявила заявили сообщил сообщила сообщили сообщает сообщают пишет пишут передает передаёт рассказал "
    "рассказала рассказали отметил отметила считает добавил добавила подчеркнул подчеркнула уточнил уточнила "
    "объяснил объяснила говорит говорится ответил ответила написал написала что чтобы как будто узнал узнала "
    "узнали выяснил выяснила выяснили выяснилось считают говорят заявляют пишут рассказывает отмечает полагает "
    "подчеркивает признался призналась признал признала предупредил предупредила напомнил напомнила "
    "уверен уверена уверены опасается опасаются утверждает утверждают передают".split())
_ATTRIBUTION = re.compile(r"^(?:об этом|как|по данным|по информации|источник|сообща\w*|пишет|передает|заявил\w*)\b",
                          re.I)
WEAK_END = frozenset(
    "в во на с со к ко по о об обо от до из у за над под при про для без через между перед после около из-за "
    "из-под и а но или либо да что чтобы как когда если где который которая которое которые не ни же ли бы "
    "также то это этот эта эти его её ее их свой своя своих чем тем".split())
# a comma before one of these words starts a new clause: the words before it can stand alone
_CLAUSE_WORDS = ("котор", "где ", "куда ", "когда ", "но ", "а ", "однако", "хотя", "чтобы", "поскольку",
                 "так как", "потому", "после ", "пока ", "ведь ", "причем", "причём", "при этом", "сообщ",
                 "пишет", "переда", "заяв", "расска", "уточн", "отмеч", "говорит", "следует", "считает",
                 "по данным", "по информации", "по словам", "несмотря", "в результате", "из-за", "в том числе",
                 "предварительно", "по предварительным", "ранее ")
# a one-word label is a speaker when it looks like a surname ("Зеленский", "Путин"), not a caption ("Классика")
_SURNAME = re.compile(r"(?:ский|цкий|ская|цкая|ов|ев|ёв|ин|ын|ова|ева|ина|ына|ко|ук|юк|ич|дзе|швили|ян)$")
_CUT = re.compile(r"\s+[—–-]\s+|[;:]\s+|,\s+|\s+\(|\s+(?=«)|(?<=[.!?])\s+(?=[«\"A-ZА-ЯЁ])")


_KEYS: dict[str, str] = {}  # sign-off lines repeat from post to post: their keys are made once


class Line:
    """One line of a post: its plain text (links to their words, markup off, spaces collapsed), whether it
    carries a link or an @name, and (made on first use: most lines never need it) its key for matching."""
    __slots__ = ("text", "linked", "link_list", "_key")

    def __init__(self, text: str, linked: bool, link_list: bool = False) -> None:
        self.text, self.linked, self.link_list, self._key = text, linked, link_list, None

    @property
    def key(self) -> str:
        if self._key is None:
            self._key = _KEYS.get(self.text)
            if self._key is None:
                if len(_KEYS) > 50_000:
                    _KEYS.clear()
                self._key = _KEYS[self.text] = line_key(self.text)
        return self._key

    @property
    def short(self) -> bool:
        """Short enough to be a sign-off: longer lines never need a key."""
        return len(self.text) <= MAX_SIGNOFF_CHARS

    @property
    def words(self) -> int:
        key = self.key
        return key.count(" ") + 1 if key else 0


def strip_markdown(text: str) -> str:
    return _MARKUP.sub("", _LINK.sub(r"\1", text))


def line_key(plain: str) -> str:
    """Digits are kept: sign-offs are fixed text, while data lines ("Курс золота 2650$") change with each post."""
    key = plain.lower().replace("ё", "е")
    if "http" in key or "t.me/" in key or "www." in key or "bit.ly/" in key:
        key = _URL.sub(" url ", key)
    return " ".join(_KEY_DROP.sub(" ", key).split())


_MARKED_LINK = re.compile(r"\x01[^\x02]*\x02")
_MARKED_LINK_OVER_LINES = re.compile(r"\x01[^\x02\n]*\n[^\x02]*\x02")


def _join_link_lines(m: re.Match) -> str:
    return m.group().replace("\n", " ")  # a link's words may run over a line break: one line


def split_lines(markdown: str) -> list[Line]:
    lines = []
    if "](" in markdown:
        markdown = _LINK.sub("\x01\\1\x02", markdown)
        if "\x01" in markdown:
            if _MARKED_LINK_OVER_LINES.search(markdown):
                markdown = _MARKED_LINK_OVER_LINES.sub(_join_link_lines, markdown)
    if "*" in markdown or "_" in markdown or "~" in markdown or "`" in markdown:
        markdown = _MARKUP.sub("", markdown)
    for raw in markdown.split("\n"):
        text = " ".join(raw.split())
        if not text:
            continue
        linked = link_list = "\x01" in text
        if linked:
            # two links or more and no word outside them: "VK Музыка | Яндекс Музыка | Apple Podcasts"
            link_list = text.count("\x01") >= 2 and not _HAS_WORD.search(_MARKED_LINK.sub("", text))
            text = text.replace("\x01", "").replace("\x02", "").strip()
        elif "@" in text or "http" in text or "t.me/" in text or "www." in text or "bit.ly/" in text:
            linked = bool(_URL.search(text) or _MENTION.search(text))
        lines.append(Line(text, linked, link_list))
    return lines


def is_promo(line: Line) -> bool:
    """A short subscribe / send-us-news / pass-it-on line, an ad's legal mark, a line that is only a link or an
    @name."""
    if len(line.text) > 2 * MAX_SIGNOFF_CHARS:
        return False
    key, n = line.key, line.words
    if not key or key in ("url", "url url") or _MENTION.fullmatch(key):
        return True
    if n <= MAX_AD_MARK_WORDS and (_AD_MARK.search(key) or (n <= MAX_SIGNOFF_WORDS and "erid" in line.text.lower())):
        return True
    if n <= MAX_SIGNOFF_WORDS and _PROMO_STEMS.search(key) and _PROMO.search(key):
        return True
    return bool(_CALL.match(key)) or (n <= 5 and ":" in line.text and bool(_CREDIT.match(line.text)))


def is_filler(line: Line) -> bool:
    """Lines that carry no words of the post: a bare link or one with a caption, hashtags only, emoji only."""
    text = line.text
    if not _HAS_WORD.search(text):
        return True
    if line.linked and text[0] in "htwHTW" and _BARE_URL_LINE.match(text):
        return True
    if line.linked and line.short and line.key.endswith(" url") and line.words <= 4 and text[0] not in "—–-•":
        return True  # a link with its caption: "Подробнее: https://…", "Apple Podcasts — https://…" (a digest's
        # "— Маск призвал колонизировать Луну https://…" is an item)
    return text[0] == "#" and bool(_HASHTAGS_ONLY.match(text))


# -- learning sign-offs from how often a line repeats


def edge_candidates(lines: list[Line]) -> tuple[set[str], set[str]]:
    """Keys of short lines near the start and the end of a post: where sign-offs sit."""
    if len(lines) < 2:
        return set(), set()
    head = {ln.key for ln in lines[:EDGE_LINES] if ln.short and ln.key and ln.words <= MAX_SIGNOFF_WORDS}
    tail = {ln.key for ln in lines[-EDGE_LINES:] if ln.short and ln.key and ln.words <= MAX_SIGNOFF_WORDS}
    return head, tail


class LineCounter:
    """Per source: how many posts open or close with each short line, and whether it carries a link."""

    def __init__(self) -> None:
        self.posts: Counter[str] = Counter()
        self.head: dict[str, Counter[str]] = defaultdict(Counter)
        self.tail: dict[str, Counter[str]] = defaultdict(Counter)
        self.linked: set[tuple[str, str]] = set()

    def add(self, source: str, lines: list[Line]) -> None:
        self.posts[source] += 1
        head, tail = edge_candidates(lines)
        self.head[source].update(head)
        self.tail[source].update(tail)
        self.linked.update((source, ln.key) for ln in lines if ln.linked and (ln.key in head or ln.key in tail))

    def frequent(self, source: str, min_posts: int, share_linked: float, share_plain: float) -> set[str]:
        n = self.posts[source]
        found = set()
        for counts in (self.head[source], self.tail[source]):
            for key, c in counts.items():
                if key in ("url", "url url"):
                    continue  # a bare link is dropped anyway
                share = share_linked if (source, key) in self.linked else share_plain
                if c >= min_posts and c >= share * n:
                    found.add(key)
        return found


def learn_signoffs(posts: Iterable[tuple[str, str]], min_posts: int = TABLE_MIN_POSTS,
                   share_linked: float = TABLE_SHARE_LINKED, share_plain: float = TABLE_SHARE_PLAIN
                   ) -> dict[str, list[str]]:
    """(source, markdown) pairs -> {source: sorted sign-off keys}."""
    counter = LineCounter()
    for source, markdown in posts:
        counter.add(source, split_lines(markdown))
    table = {s: sorted(counter.frequent(s, min_posts, share_linked, share_plain)) for s in counter.posts}
    return {s: keys for s, keys in sorted(table.items()) if keys}


@lru_cache(maxsize=1)
def shipped_signoffs() -> dict[str, frozenset[str]]:
    try:
        data = json.loads(SIGNOFFS_PATH.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {source: frozenset(keys) for source, keys in data["sources"].items()}


# -- headline


def clean_title(text: str) -> str:
    """Emoji and bullets open many Telegram headlines; a headline keeps its words only (and an opening quote)."""
    if "  " in text or "\n" in text:
        text = " ".join(text.split())
    start = 0
    while start < len(text) and not (text[start].isalnum() or text[start] in "«\"„"):
        start += 1
    stripped = text[start:].rstrip(" .:—–-,;")
    if stripped.endswith(("...", "…")):
        stripped = stripped.rstrip(".… ")
    return stripped or text


def _words(text: str, most: int = -1) -> list[str]:
    """Tokens with a letter or a digit ("—" and emoji are no words); of the first `most` tokens only, if given."""
    tokens = text.split(None, most)[:most] if most > 0 else text.split()
    return [w for w in tokens if w[0].isalnum() or _HAS_WORD.search(w)]


def _last_word(text: str) -> str:
    for w in reversed(text.rsplit(None, 4)):
        if _HAS_WORD.search(w):
            return w.strip("«»\"'()").lower()
    return ""


_PREDICATES = frozenset({"VERB", "INFN", "PRTS", "GRND", "PRED"})


@lru_cache(maxsize=20_000)
def _is_predicate(word: str) -> bool:
    """A verb, a short participle ("Выбрана", "Задержан") or a predicative: it makes a statement of the line."""
    from ..understand.lemmas import morph  # loaded on the first label-like line only (0.1 s)

    return any(p.tag.POS in _PREDICATES for p in morph().parse(word)[:2])


def is_label(sentence: str) -> bool:
    """A speaker or organisation alone: every word capitalised and none a verb ("Минобороны РФ", "Глава МИД
    Сергей Лавров"; not "Выбрана «Мисс Россия-2024»")."""
    words = _words(sentence.rstrip(":"), 8)
    if not 0 < len(words) <= 5 or not all(w[0].isupper() or w[0].isdigit() or not w[0].isalpha() for w in words):
        return False
    return not any(_is_predicate(w.strip("«»\"'().,!?:;").lower()) for w in words)


def is_weak(sentence: str, raw_sentence: str) -> bool:
    """No headline: a label, an attribution, a bare exclamation, one or two words, or a fragment."""
    words = _words(sentence, 8)
    if len(words) <= 2 or is_label(sentence) or (len(words) <= 6 and _ATTRIBUTION.match(sentence)):
        return True
    if len(words) <= 4 and raw_sentence.rstrip("»\"' ").endswith(("!", "?")):
        return True
    return is_fragment(sentence, raw_sentence)


def is_fragment(sentence: str, raw_sentence: str) -> bool:
    """A headline that stops where the sentence goes on."""
    raw = raw_sentence.rstrip()
    if raw.endswith((",", "(", "«", "…", "...")) and not raw.endswith(("?..", "!..")):
        return True
    if sentence.count("«") > sentence.count("»"):
        return True  # a quotation cut open
    last = _last_word(sentence)
    return last in WEAK_END or last in SPEECH_END


def _fits(head: str) -> bool:
    """A head that stands alone: 3 words or more, not ending on a preposition, a conjunction or a speech verb,
    no label, and its last comma-part more than a number ("…над Ростовской областью, 8")."""
    last = _last_word(head)
    if len(_words(head, 4)) < 3 or last in WEAK_END or last in SPEECH_END:
        return False
    if ", " in head and len(_words(head.rsplit(", ", 1)[1], 3)) < 2:
        return False
    return not is_label(head)


def _head(sentence: str, m: re.Match) -> str:
    head = sentence[: m.start()].rstrip(" ,.")
    if head.count("«") == head.count("»") + 1 and not head.endswith("«"):
        head += "»"  # a quotation shortened at a clause or a sentence of its own is closed
    return head


def _longest_head(sentence: str, cuts: list[re.Match], limit: int, shortest: int = 0) -> str:
    """The longest head that ends at one of the cuts and stands alone, between `shortest` and `limit` chars."""
    for m in reversed(cuts):
        if m.start() < shortest:
            break
        head = _head(sentence, m)
        if (shortest <= len(head) <= limit and _fits(head) and head.count("«") == head.count("»")
                and head.count("(") == head.count(")")):
            return head
    return ""


def shorten_at_clause(sentence: str, soft: int = SOFT_TITLE_CHARS, hard: int = MAX_TITLE_CHARS) -> str:
    """The longest head of the sentence that ends at a clause boundary and stands alone, within `soft` chars
    (else `hard`; a comma between two items of a list will do then); a sentence with no such boundary is cut at a
    word, with "…"."""
    if len(sentence) <= max(soft, min(KEEP_TITLE_CHARS, hard)):
        return sentence
    clauses: list[re.Match] = []
    commas: list[re.Match] = []
    for m in _CUT.finditer(sentence, 0, hard + 1):
        sep = m.group().strip()
        # a plain comma (or an opening quote: often a name's) may cut only a long sentence, at a long head
        opening_quote = not sep and sentence[m.start() - 1] not in ".!?"
        plain_comma = (sep == "," and not sentence[m.end():m.end() + 14].lower().startswith(_CLAUSE_WORDS)
                       ) or opening_quote
        (commas if plain_comma else clauses).append(m)
    head = _longest_head(sentence, clauses, soft, 40)
    if head:
        return head
    if len(sentence) <= hard:
        return sentence
    head, comma = _longest_head(sentence, clauses, hard), _longest_head(sentence, commas, hard, 60)
    if head or comma:
        return head if len(head) >= len(comma) / 2 else comma
    # no clause boundary: before a prepositional phrase ("… Йоава Галанта | за преступления против …"), the
    # words before it whole
    for m in reversed(list(_PHRASE_START.finditer(sentence, 80, hard + 1))):
        head = sentence[: m.start()].rstrip(" ,")
        if (len(head) <= hard and _fits(head) and head.count("«") == head.count("»")
                and head.count("(") == head.count(")")):
            return head
    cut = sentence[:hard].rsplit(" ", 1)[0]
    while _last_word(cut) in WEAK_END and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(",;:—–- ") + "…"


_INNER_END = re.compile(r"[.!?…][»\")]*\s")  # a sentence may end inside the text
_SAFE_END = re.compile(r"([^\s.!?…]*)[.!?…]+[»\")]*(?=\s+[«\"(A-ZА-ЯЁ0-9])")
_PHRASE_START = re.compile(r" (?=(?:за|в|во|на|по|для|после|против|через|из-за|при|среди|вместо|ради|с|со|из|от|до|"
                           r"без|под|над|перед|между|около|о|об) )")
_ABBREVIATIONS = frozenset("тыс млн млрд трлн руб коп долл обл пос ул пр просп пер наб пл корп стр кв им св ст "
                           "др см рис проф акад доц гг вв авт ред мин сек мес нед тел upd etc".split())


def _split_first(text: str) -> str:
    """The first sentence. razdel knows abbreviations and initials but is slow: a sentence end after a plain
    lower-case word is taken at once, anything else is razdel's to judge."""
    if len(text) <= 40 or not _INNER_END.search(text, 0, 400):
        return text
    m = _SAFE_END.search(text, 0, 400)
    if m:
        word = m.group(1).lower()
        if len(word) >= 3 and word.isalpha() and m.group(1)[-1].islower() and word not in _ABBREVIATIONS:
            if not _INNER_END.search(text, 0, m.start(1)):  # no earlier end razdel might have taken
                return text[: m.end()]
    return first_sentence(text[:400])


def _sentences(paragraphs: list[str], limit: int = 8) -> Iterator[str]:
    """The first few sentences of the post, made as they are asked for; a line that stops mid-sentence is read
    on into the next line, and a quotation of several sentences is one."""
    n = i = 0
    while i < len(paragraphs) and n < limit:
        text = paragraphs[i]
        while (i + 1 < len(paragraphs) and len(text) < 400
               and (text.endswith(",") or _last_word(text) in WEAK_END)):
            i += 1
            text = f"{text} {paragraphs[i]}"
        rest = text
        while rest and n < limit:
            s = _split_first(rest)
            rest = rest[len(s):].lstrip() if rest.startswith(s) else ""
            if s.count("«") > s.count("»") and "»" in rest[:400]:
                close = rest.index("»") + 1
                close += len(rest[close:]) - len(rest[close:].lstrip(".!?…"))
                s, rest = f"{s} {rest[:close]}", rest[close:].lstrip()
            n += 1
            yield s
        i += 1


def is_pure_quote(raw_sentence: str) -> bool:
    """«Вон дрон!» — somebody's words without who said them or what happened; a line of dialogue too."""
    if raw_sentence.startswith(("— ", "– ", "- ")):
        return True
    s = _LEADING_SYMBOLS.sub("", raw_sentence) if not raw_sentence.startswith(("«", '"')) else raw_sentence
    return s.startswith(("«", '"', "„")) and s.rstrip(" .!?…").endswith(("»", '"', "“"))


def is_speaker(raw_label: str) -> bool:
    """A label worth keeping in front of the statement: "Минобороны РФ:", "Зеленский"."""
    words = _words(clean_title(raw_label))
    return (raw_label.rstrip(" *_").endswith(":") or len(words) >= 2 or words[0].isupper()
            or bool(_SURNAME.search(words[0])))


def make_headline(paragraphs: list[str]) -> str:
    sentences = _sentences(paragraphs)
    raw_first = next(sentences, "")
    if not raw_first:
        return ""
    first = clean_title(raw_first)
    if not is_weak(first, raw_first) and not is_pure_quote(raw_first):
        return shorten_at_clause(first)
    for raw in sentences:
        statement = clean_title(raw)
        if is_weak(statement, raw):
            continue
        if is_label(first) and is_speaker(raw_first):  # the speaker kept in front of what they said
            said = shorten_at_clause(statement, SOFT_TITLE_CHARS - len(first) - 2, MAX_TITLE_CHARS - len(first) - 2)
            if not said.endswith("…"):
                return f"{first}: {said}"
        if is_pure_quote(raw) and not is_label(first):
            continue
        return shorten_at_clause(statement)
    return shorten_at_clause(first)


# -- the post


def _drop_trailing_call(paragraph: str) -> str:
    m = _TRAILING_CALL.search(paragraph, max(0, len(paragraph) - 100))  # only the end can be a call
    return paragraph[: m.start()] if m and m.start() > 0 else paragraph


class PostReader:
    """Reads posts into (headline, body). One reader per batch: `observe` every post of the batch first (or of
    each chunk of it) and the lines that close many posts of one source are taken for its sign-off."""

    def __init__(self, table: dict[str, frozenset[str]] | None = None, learn: bool = True) -> None:
        self.table = shipped_signoffs() if table is None else table
        self.learn = learn
        self.batch = LineCounter()
        self._batch_keys: dict[str, set[str]] = {}
        self._seen: dict[str, list[Line]] = {}  # lines split by observe, taken again by read (a chunk at most)

    def observe(self, source: str, markdown: str) -> None:
        if self.learn:
            lines = split_lines(markdown)
            if len(self._seen) < 5000:
                self._seen[markdown] = lines
            self.batch.add(source, lines)
            self._batch_keys.pop(source, None)

    def signoff_keys(self, source: str | None) -> frozenset[str] | set[str]:
        if source is None:
            return frozenset()
        learned = self.table.get(source, frozenset())
        if not self.learn or not self.batch.posts[source]:
            return learned
        if source not in self._batch_keys:
            self._batch_keys[source] = self.batch.frequent(source, BATCH_MIN_POSTS, BATCH_SHARE_LINKED,
                                                           BATCH_SHARE_PLAIN)
        return learned | self._batch_keys[source]

    def content_lines(self, markdown: str, source: str | None = None) -> list[Line]:
        """The post's lines without its sign-off, promo lines, bare links and hashtag lines."""
        lines = [ln for ln in self._seen.pop(markdown, None) or split_lines(markdown) if not is_filler(ln)]
        known = self.signoff_keys(source)
        last = len(lines) - EDGE_LINES
        # a learned line goes where sign-offs sit (the edges) or when it carries a link; a promo line with a link
        # goes wherever it is
        kept = []
        for i, ln in enumerate(lines):
            if ln.linked or i < EDGE_LINES or i >= last:
                if (known and ln.short and ln.key in known) or (ln.linked and is_promo(ln)):
                    continue
            kept.append(ln)
        lines = kept
        while lines and (is_promo(lines[-1]) or (lines[-1].link_list and lines[-1].words <= 8)):
            lines.pop()
        while lines and is_promo(lines[0]):
            lines.pop(0)
        return lines

    def read(self, markdown: str, source: str | None = None) -> tuple[str, list[Block]]:
        paragraphs = [ln.text for ln in self.content_lines(markdown, source)]
        if has_lookalikes("\n".join(paragraphs)):  # one look at the whole post: most have no word in two scripts
            paragraphs = [fold_lookalikes(p) for p in paragraphs]
        if paragraphs and "@" in paragraphs[-1]:
            paragraphs[-1] = _TRAILING_MENTION.sub("", paragraphs[-1]) or paragraphs[-1]  # "… @banksta"
        # "…, распространите", "… Подписывайтесь, чтобы быть в курсе"
        paragraphs = [_drop_trailing_call(p) if any(w in p for w in _CALL_WORDS) else p for p in paragraphs]
        if not paragraphs:
            return "", []
        title = make_headline(paragraphs)
        first = clean_title(paragraphs[0])
        if len(paragraphs) > 1 and (first == title or title.startswith(first + ": ")):
            paragraphs = paragraphs[1:]  # the first line was the headline (or its speaker) itself
        return title, [Block(p, PARAGRAPH) for p in paragraphs]


_DEFAULT_READER: PostReader | None = None


def read_post(markdown: str, source: str | None = None, reader: PostReader | None = None
              ) -> tuple[str, list[Block]]:
    """One post on its own (the API, a single record): the shipped table and the language rules only."""
    global _DEFAULT_READER
    if reader is None:
        if _DEFAULT_READER is None:
            _DEFAULT_READER = PostReader(learn=False)
        reader = _DEFAULT_READER
    return reader.read(markdown, source)
