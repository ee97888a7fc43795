"""Random bytes and random text at every parser: errors come back as IngestErrors, never as exceptions."""
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from svodka.ingest import read_bytes, read_text
from svodka.ingest.feed import parse_feed
from svodka.ingest.html import parse_html
from svodka.ingest.jsonl import parse_jsonl
from svodka.ingest.pagedump import parse_pagedump
from svodka.model import Article, IngestError

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
russianish = st.text(alphabet=st.sampled_from(list("абвгдеёжзийклмнопрстуфхцчшщъыьэюя .,«»—:\n0123456789<>/\"{}")),
                     max_size=400)
shapes = st.sampled_from(["", "25 февраля 2025, 07:00 В мире\n\n", "<html><body><p>", "<?xml version='1.0'?><rss>",
                          '{"title": "x", "text": ', "<feed>", "31 февраля 2025, 07:00\nЗаголовок\n"])


def all_items_ok(items):
    items = list(items)
    assert all(isinstance(i, (Article, IngestError)) for i in items)
    for i in items:
        if isinstance(i, IngestError):
            assert i.file == "fuzz" and i.reason


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    all_items_ok(read_bytes(data, "fuzz"))


@FAST
@given(shapes, russianish)
def test_random_text_behind_real_openings(opening, tail):
    text = opening + tail
    all_items_ok(read_text(text, "fuzz"))
    all_items_ok(parse_pagedump(text, "fuzz"))
    all_items_ok(parse_feed(text, "fuzz"))
    all_items_ok(parse_html(text, "fuzz"))
    all_items_ok(parse_jsonl(io.BytesIO(text.encode("utf-8", "surrogatepass")), "fuzz"))


@FAST
@given(st.dictionaries(st.sampled_from(["title", "text", "published_at", "url", "source", "rubric", "channel",
                                        "date", "id"]),
                       st.one_of(st.none(), st.integers(), st.text(max_size=50), st.lists(st.integers()))))
def test_random_jsonl_records(record):
    import json

    all_items_ok(parse_jsonl(io.BytesIO(json.dumps(record).encode()), "fuzz"))
