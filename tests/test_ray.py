"""`ingest --ray` and `reanalyze --ray` store exactly what the single-process path stores (local Ray, 2 CPUs).

Each run is its own process with its own random hash seed (as are Ray's workers): nothing stored may depend on
the order of a set.
"""
import re
import json
import os
import shutil
import sqlite3
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLE_JSONL, SEED

pytest.importorskip("ray")

TABLES = ("articles", "teasers", "copies", "analyses", "entity_mentions", "link_docs", "stories", "story_members")
WHEN = ("ingested_at", "analysed_at")  # the clock, not the content


def rows(db: str, table: str) -> list[tuple]:
    with sqlite3.connect(db) as c:
        cur = c.execute(f"SELECT * FROM {table}")
        keep = [i for i, d in enumerate(cur.description) if d[0] not in WHEN]
        return sorted((tuple(r[i] for i in keep) for r in cur), key=repr)


def analyses(db: str) -> dict[str, dict]:
    with sqlite3.connect(db) as c:
        return {aid: json.loads(data) for aid, data in c.execute("SELECT article_id, data FROM analyses")}


def assert_same_store(a: str, b: str) -> None:
    assert analyses(a) == analyses(b)  # per article id: the first difference shows
    for table in TABLES:
        assert rows(a, table) == rows(b, table), table


def sample(tmp_path, lines: int, reposts: range) -> str:
    """The first `lines` Telegram posts, then some of them again from another channel (copies of texts stored
    in an earlier batch, so that a batch in flight meets articles the batch before it stored)."""
    head = SAMPLE_JSONL.read_text(encoding="utf-8").splitlines()[:lines]
    again = [json.dumps({**json.loads(head[i]), "channel": "Перепост"}, ensure_ascii=False) for i in reposts]
    path = tmp_path / "sample.jsonl"
    path.write_text("\n".join(head + again) + "\n", encoding="utf-8")
    return str(path)


def run(*args: str) -> str:
    env = {"OMP_NUM_THREADS": "1", **os.environ}  # BLAS threads only slow these runs
    env.pop("PYTHONHASHSEED", None)
    env.pop("SVODKA_DB", None)
    env.pop("RAY_ADDRESS", None)
    r = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip().splitlines()[-1]


def cli(*args: str) -> str:
    return run("-m", "svodka.cli", *args)


def test_ingest_ray_equals_single_process(tmp_path):
    paths = [str(SEED), sample(tmp_path, 600, range(10, 20))]
    one, many = str(tmp_path / "one.db"), str(tmp_path / "ray.db")
    said = cli("--db", one, "ingest", *paths)
    # the counts follow how posts are read (empty ones skipped, sign-offs cut): only their shape is fixed here
    assert re.fullmatch(r"read 6\d\d, stored 5\d\d, duplicates \d+, errors 0", said), said
    assert cli("--db", many, "ingest", *paths, "--ray", "--workers", "2") == said
    assert len(rows(many, "link_docs")) > 500 and len(rows(many, "copies")) >= 10
    assert_same_store(one, many)


def test_reanalyze_ray_equals_plain(tmp_path):
    plain, other = str(tmp_path / "plain.db"), str(tmp_path / "ray.db")
    cli("--db", plain, "ingest", str(SEED), sample(tmp_path, 300, range(0)), "--no-analyze")
    shutil.copy(plain, other)
    said = cli("--db", plain, "reanalyze", "--missing")
    # the page, its 12 teaser stubs, the posts stored (the sample repeats some; empty posts are skipped)
    assert re.fullmatch(r"analysed (29\d|30\d)", said), said
    assert cli("--db", other, "reanalyze", "--missing", "--ray", "--workers", "2") == said
    assert_same_store(plain, other)
    assert cli("--db", other, "reanalyze", "--ray", "--workers", "2") == said
    assert_same_store(plain, other)


BATCHES = """
import sys
from svodka import distributed, pipeline
from svodka.ingest import read
from svodka.link.linker import Linker
from svodka.store import open_store

how, db, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
store = open_store(db)
if how == "one":
    print(pipeline.ingest(store, read(paths), linker=Linker(store), batch=40))
else:
    with distributed.ray_session(workers=2):
        print(distributed.ingest(store, read(paths), linker=Linker(store), batch=40, in_flight=3))
store.close()
"""


def test_small_batches_out_of_step_with_the_store(tmp_path):
    """Many batches in flight at once: some articles are stored by the batch ahead while their own batch is out
    for analysis. Among them one whose URL the batch ahead took, then the same text in other letter case under
    another URL: one process analyses the second (the first is known by then), and so must Ray."""
    def record(title, text, url):
        return json.dumps({"title": title, "text": text, "url": url, "source": "Пример",
                           "published_at": "2024-11-06T10:00:00+03:00"}, ensure_ascii=False)

    first = tmp_path / "first.jsonl"
    first.write_text(record("Погода", "В Москве ожидается снег.", "https://example.ru/1") + "\n", encoding="utf-8")
    later = tmp_path / "later.jsonl"
    later.write_text("\n".join([
        record("Заявление", "ВЛАДИМИР ПУТИН ЗАЯВИЛ О РОСТЕ ЭКОНОМИКИ.", "https://example.ru/1"),
        record("Заявление", "Владимир Путин заявил о росте экономики.", "https://example.ru/2")]) + "\n",
        encoding="utf-8")
    head = tmp_path / "head.jsonl"
    head.write_text("\n".join(SAMPLE_JSONL.read_text(encoding="utf-8").splitlines()[:45]) + "\n", encoding="utf-8")
    paths = [str(SEED), str(first), str(head), str(later), sample(tmp_path, 250, range(0, 120, 7))]

    one = run("-c", BATCHES, "one", str(tmp_path / "one.db"), *paths)
    assert run("-c", BATCHES, "ray", str(tmp_path / "ray.db"), *paths) == one
    assert_same_store(str(tmp_path / "one.db"), str(tmp_path / "ray.db"))


def test_relink_ray_equals_plain_relink(tmp_path):
    plain, other = str(tmp_path / "plain.db"), str(tmp_path / "ray.db")
    cli("--db", plain, "ingest", sample(tmp_path, 300, range(0, 40, 4)))
    shutil.copy(plain, other)
    said = cli("--db", plain, "relink")
    assert re.fullmatch(r"linked \d+, stories \d+", said) and not said.startswith("linked 0")
    assert cli("--db", other, "relink", "--ray", "--workers", "2") == said
    for table in ("copies", "link_docs", "stories", "story_members"):
        assert rows(plain, table) == rows(other, table), table
