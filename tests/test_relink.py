"""`svodka relink` rebuilds copies and stories for a whole store, on both backends, and gives what linking the
articles as they arrived gave."""
import json
import subprocess
import sys

from conftest import SAMPLE_JSONL


def svodka(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "svodka.cli", *args], capture_output=True, text=True, timeout=300)


def stories(db: str) -> set[frozenset]:
    out = svodka("--db", db, "stories", "--top", "1000", "--json")
    assert out.returncode == 0, out.stderr
    return {frozenset(json.loads(line)["members"]) for line in out.stdout.splitlines() if line.strip()}


def test_relink_gives_the_stories_of_arrival(any_db, tmp_path):
    posts = tmp_path / "posts.jsonl"
    lines = SAMPLE_JSONL.read_text(encoding="utf-8").splitlines()[-150:]
    posts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert svodka("--db", any_db, "ingest", str(posts)).returncode == 0
    before = stories(any_db)
    assert any(len(s) > 1 for s in before)  # something was linked into stories
    out = svodka("--db", any_db, "relink")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("linked ")
    after = stories(any_db)
    assert after == before
    assert sum(len(s) for s in after) == sum(len(s) for s in before) > 100
