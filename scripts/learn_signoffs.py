"""Learn each channel's sign-offs and promo lines from how often they repeat: svodka/data/signoffs.json.

A line is taken when, normalised (lower case; links, emoji and punctuation off; digits kept), it is one of the
first or last three lines of at least 5 of a channel's posts and of 1.5 % of them (25 % for a line with no link or
@name: a plain line such as "Минобороны РФ:" repeats too, and is no sign-off). See svodka/ingest/posts.py.
Run: .venv/bin/python scripts/learn_signoffs.py [../shared/data/telegram_news_ru/dev.jsonl] [--before 2024-11-01]
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.ingest.posts import (SIGNOFFS_PATH, TABLE_MIN_POSTS, TABLE_SHARE_LINKED,  # noqa: E402
                                 TABLE_SHARE_PLAIN, learn_signoffs)

DEFAULT_SRC = ROOT.parent / "shared" / "data" / "telegram_news_ru" / "dev.jsonl"


def read_posts(path: Path, before: str | None = None) -> list[tuple[str, str]]:
    posts = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if before is None or r["date"] < before:
                posts.append((r["channel"], r["text"]))
    return posts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("src", nargs="?", default=str(DEFAULT_SRC))
    ap.add_argument("--before", help="learn from posts dated before this day only (ISO date)")
    ap.add_argument("--out", default=str(SIGNOFFS_PATH))
    args = ap.parse_args()
    posts = read_posts(Path(args.src), args.before)
    table = learn_signoffs(posts)
    data = {"learned_from": f"{Path(args.src).parent.name}/{Path(args.src).name}, {len(posts)} posts"
                            + (f" before {args.before}" if args.before else ""),
            "rule": {"min_posts": TABLE_MIN_POSTS, "share_linked": TABLE_SHARE_LINKED,
                     "share_plain": TABLE_SHARE_PLAIN},
            "sources": table}
    Path(args.out).write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{sum(map(len, table.values()))} lines for {len(table)} sources -> {args.out}")


if __name__ == "__main__":
    main()
