"""One bad record never costs the others: hostile JSONL lines and feed items beside good ones, stored on both
backends; and random records at every parser (hypothesis) with good records around them."""
import io
import json
import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svodka.ingest import read_bytes
from svodka.ingest.feed import parse_feed, parse_json_feed
from svodka.ingest.html import parse_html
from svodka.ingest.jsonl import MAX_LINE_BYTES, parse_jsonl
from svodka.ingest.pagedump import parse_pagedump
from svodka.model import Article, IngestError
from svodka.pipeline import ingest
from svodka.serve.api import articles_from_json
from svodka.store.sqlite import SQLiteStore

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)


def good(n: int) -> dict:
    return {"title": f"Новость {n} о ставке", "text": f"Центральный банк сохранил ставку, сообщение номер {n}.",
            "source": "Лента", "url": f"https://e.ru/{n}"}


def line(record) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode() + b"\n"


HOSTILE = [
    '{"title": "Большое", "text": "Текст", "id": '.encode() + b"9" * 5000 + b"}\n",  # int too long for int()
    b'{"text": ' + b"[" * 50_000 + b"]" * 50_000 + b"}\n",  # nesting too deep: RecursionError
    line({"title": {"a": 1}, "text": "Текст"}),
    line({"title": "Т", "text": "Текст", "url": 5}),
    line({"title": "Т", "text": "Текст", "source": ["a"]}),
    line({"title": "Т", "text": "Текст", "published_at": 17}),
    line({"title": "Т", "text": 7}),
    b"[1, 2]\n",
    b'{"title": "x", "text": "y"' + b" " * (MAX_LINE_BYTES + 10) + b"}\n",  # over the line limit
]
SURROGATES = ('{"title": "\\ud800 \\u0000 Суррогат", "text": "Текст \\udfff о ставке", '
              '"url": "https://e.ru/s\\ud83d"}\n').encode()  # lone surrogates and NUL, escaped as JSON writes them


def test_jsonl_hostile_lines_are_errors_of_their_own_and_the_rest_is_stored(store):
    data = line(good(1)) + b"".join(HOSTILE) + SURROGATES + line(good(2))
    errors: list[IngestError] = []
    counts = ingest(store, parse_jsonl(io.BytesIO(data), "hostile.jsonl"), analyze=False, on_error=errors.append)
    assert counts.stored == 3 and store.count() == 3
    assert [e.position for e in errors] == [f"line {n}" for n in range(2, 2 + len(HOSTILE))]
    assert all(e.file == "hostile.jsonl" for e in errors)
    reasons = [e.reason for e in errors]
    assert "digits" in reasons[0] and "RecursionError" in reasons[1] and "title must be text" in reasons[2]
    assert "url must be text" in reasons[3] and "longer than" in reasons[-1]
    stored = {a.title: a for a in store.list()}
    assert stored["Суррогат"].url == "https://e.ru/s" and stored["Суррогат"].text == "Текст  о ставке"


class Endless(io.RawIOBase):
    """A 300 MB line without an end, then a good line: produced as it is read, never held."""

    def __init__(self, size: int, tail: bytes):
        self.left, self.tail = size, tail

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.left > 0:
            n = min(len(buffer), self.left)
            buffer[:n] = b"x" * n
            self.left -= n
            return n
        n = min(len(buffer), len(self.tail))
        buffer[:n], self.tail = self.tail[:n], self.tail[n:]
        return n


def test_a_300_mb_line_is_skipped_without_reading_it_whole():
    stream = io.BufferedReader(Endless(300 * 2**20, b"\n" + line(good(3))), buffer_size=2**16)
    tracemalloc.start()
    try:
        items = list(parse_jsonl(stream, "big.jsonl"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [type(i) for i in items] == [IngestError, Article]
    assert items[0].position == "line 1" and items[1].title == "Новость 3 о ставке"
    assert peak < 4 * MAX_LINE_BYTES  # the line's first 10 MB at most, a few times over, never 300 MB


# -- random records between good ones, at every parser


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
record_fields = st.sampled_from(["title", "text", "published_at", "url", "source", "rubric", "channel", "date", "id",
                                 "lead"])
records = st.dictionaries(record_fields, json_values | st.text(alphabet=st.characters(), max_size=60), max_size=7)
raw_lines = st.one_of(
    records.map(lambda r: json.dumps(r).encode()),  # surrogates escaped, as JSON writers do
    st.binary(max_size=200),
    st.integers(min_value=1, max_value=30_000).map(lambda n: b'{"text": "x", "id": ' + b"1" * n + b"}"),
    st.integers(min_value=1, max_value=20_000).map(lambda n: b'{"text": ' + b"[" * n + b"]" * n + b"}"),
)


def stored_around(items, bad_items_allowed: int = 1) -> list[str]:
    """Store what the parser gave (no analysis: this is about reading) and return the stored titles."""
    store = SQLiteStore(":memory:")
    try:
        items = list(items)
        assert all(isinstance(i, (Article, IngestError)) for i in items)
        ingest(store, items, analyze=False)
        return sorted(a.title for a in store.list(limit=1000))
    finally:
        store.close()


@FAST
@given(raw_lines)
def test_jsonl_any_line_between_good_ones(raw):
    data = line(good(1)) + raw.replace(b"\n", b" ") + b"\n" + line(good(2))
    titles = stored_around(parse_jsonl(io.BytesIO(data), "fuzz.jsonl"))
    assert {"Новость 1 о ставке", "Новость 2 о ставке"} <= set(titles)


@FAST
@given(st.lists(records | json_values, min_size=1, max_size=3))
def test_api_any_items_between_good_ones(middle):
    body = json.dumps([good(1), *middle, good(2)]).encode()
    items = articles_from_json(body)
    assert len(items) == len(middle) + 2
    titles = stored_around(items)
    assert {"Новость 1 о ставке", "Новость 2 о ставке"} <= set(titles)


def rss_item(title: str, text: str, link: str = "https://e.ru/x", date: str = "Tue, 25 Feb 2025 07:00:00 +0300"):
    return (f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate>"
            f"<description>{text}</description></item>")


# item content with every kind of character reference (to nothing, to NUL, to a surrogate, past Unicode) and
# stray ampersands; the document's structure stays whole, as one item cannot be expected to survive a broken one
xmlish = st.lists(st.one_of(
    st.text(alphabet=st.sampled_from(list("абвгд xyz0123456789;#=\"'\x01")), max_size=10),
    st.sampled_from([0, 1, 8, 0xD800, 0xDFFF, 0xFFFE, 0x110000, 99999999, 2**40]).map(lambda n: f"&#{n};"),
    st.integers(min_value=0, max_value=2**24).map(lambda n: f"&#x{n:x};"),
    st.sampled_from(["&amp;", "&nbsp;", "&bogus;", "&lt;p&gt;", "&lt;b&gt;жирный", "&#;", "&#x;", "&"]),
), max_size=8).map("".join)


@FAST
@given(xmlish, xmlish, xmlish)
def test_feed_any_item_between_good_ones(title, text, date):
    g1, g2 = good(1), good(2)
    doc = ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Лента</title>'
           + rss_item(g1["title"], g1["text"], g1["url"]) + rss_item(title, text, "https://e.ru/bad", date)
           + rss_item(g2["title"], g2["text"], g2["url"]) + "</channel></rss>")
    titles = stored_around(parse_feed(doc, "fuzz.xml"))
    assert {"Новость 1 о ставке", "Новость 2 о ставке"} <= set(titles)


@FAST
@given(st.lists(records | json_values, min_size=1, max_size=2))
def test_json_feed_any_item_between_good_ones(middle):
    def item(g):
        return {"title": g["title"], "content_text": g["text"], "url": g["url"]}

    doc = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "Лента",
                      "items": [item(good(1)), *middle, item(good(2))]})
    titles = stored_around(parse_json_feed(doc, "fuzz.json"))
    assert {"Новость 1 о ставке", "Новость 2 о ставке"} <= set(titles)


@FAST
@given(st.text(max_size=300), st.sampled_from(["<html><body><article><h1>", "25 февраля 2025, 07:00 В мире\n\n",
                                               "<?xml version='1.0'?><rss><channel><item><title>", "{\"text\": "]))
def test_page_parsers_never_raise(tail, opening):
    text = opening + tail
    for parsed in (parse_html(text, "fuzz"), parse_pagedump(text, "fuzz"),
                   read_bytes(text.encode("utf-8", "surrogatepass"), "fuzz")):
        stored_around(parsed)
