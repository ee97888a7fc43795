import os

from svodka.ingest import read_file
from svodka.ingest.decode import MAX_FILE_BYTES
from svodka.model import IngestError

from conftest import fixture


def only_error(path):
    items = list(read_file(path))
    assert len(items) == 1 and isinstance(items[0], IngestError), items
    assert items[0].file == path
    return items[0]


def test_empty_file():
    assert only_error(fixture("empty.txt")).reason == "empty file"


def test_binary_junk():
    assert "binary" in only_error(fixture("binary_junk.bin")).reason


def test_truncated_utf8_sequence():
    err = only_error(fixture("pagedump_truncated_utf8.txt"))
    assert "truncated UTF-8" in err.reason and "byte" in err.reason


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.html"
    with open(path, "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MB without writing them
    err = only_error(str(path))
    assert "too large" in err.reason and "200 MB" in err.reason
    assert os.path.getsize(path) > MAX_FILE_BYTES


def test_missing_file():
    assert "cannot read" in only_error("/nonexistent/page.txt").reason


def test_unknown_text_format(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Просто заметка без даты и заголовка.", encoding="utf-8")
    assert "unknown format" in only_error(str(path)).reason


def test_jsonl_line_that_is_not_an_object_or_not_utf8(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'[1, 2]\n{"title": "\xcf\xf0\xe8\xe2\xe5\xf2", "text": "x"}\n{"text": ""}\n'
                     b'{"title": "Hello", "text": "World news text"}\n')
    items = list(read_file(str(path)))
    assert [type(i).__name__ for i in items] == ["IngestError"] * 3 + ["Article"]
    assert "JSON object" in items[0].reason and "UTF-8" in items[1].reason and "no text" in items[2].reason
