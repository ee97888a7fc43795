"""How long the CLI takes to start: the median of 5 runs of `svodka --help` and of `svodka list` (over the
store named by --db, default a fresh empty one), each a new process, as a user would type it.

    .venv/bin/python bench/cli_start.py [--db PATH] [--runs 5]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "svodka.cli", *args], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--db")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    db = args.db or str(Path(tempfile.mkdtemp()) / "empty.db")
    for command in (["--help"], ["--db", db, "list"]):
        times = [timed(command) for _ in range(args.runs)]
        print(f"svodka {' '.join(command):40} median {statistics.median(times):.3f} s  "
              f"(min {min(times):.3f}, max {max(times):.3f}, {args.runs} runs)")


if __name__ == "__main__":
    main()
