"""The Makefile and the repository's ignore list leave nothing of a store behind: `make clean` removes the SQLite
file with its WAL, shared-memory and linker-lock files, and git ignores them all."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_linker_lock_is_the_file_make_clean_names(tmp_path):
    from svodka.store.sqlite import SQLiteStore

    store = SQLiteStore(str(tmp_path / "s.db"))
    try:
        assert store.try_lead()
        assert (tmp_path / "s.db.linker").exists()
    finally:
        store.close()
    assert "$(DB).linker" in (ROOT / "Makefile").read_text().split("clean:", 1)[1]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_clean_removes_the_store_and_its_side_files(tmp_path):
    db = tmp_path / "s.db"
    side = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), Path(f"{db}.linker")]
    for p in side:
        p.write_text("x")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    keep = tmp_path / "other.db"
    keep.write_text("x")
    r = subprocess.run(["make", "-C", str(ROOT), "clean", f"DB={db}", f"VENV={venv}"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in side if p.exists()] == [] and not venv.exists()
    assert keep.exists()


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout")
def test_git_ignores_the_store_files():
    names = ["svodka.db", "svodka.db-wal", "svodka.db-shm", "svodka.db.linker", "bench/.node/x", "bench/.lighthouse/x"]
    r = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "--no-index", *names], capture_output=True, text=True)
    assert sorted(r.stdout.split()) == sorted(names)
