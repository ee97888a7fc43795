"""Article pages: what Svodka reads from each saved page against its expected values, beside trafilatura's bare
output, and with each of our rules switched off in turn, so each rule shows what it adds.

    .venv/bin/python eval/extract.py [--pages tests/fixtures/pages] [--per-page]

The pages (tests/fixtures/pages/*.html, written for this, each named by the layout it shows) and their expected
title, time, rubric, source and body are in tests/fixtures/pages/expected.json.
Scores: title and source exact; time exact to the minute ("day" when only the day is right); body word precision
and recall (multisets of lower-cased words, micro-averaged over the pages).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.ingest import html as html_rules  # noqa: E402
from svodka.ingest import read_bytes  # noqa: E402
from svodka.model import Article  # noqa: E402
from svodka.understand.dates import DateError, parse_date, zone  # noqa: E402

TZ = "Europe/Moscow"


def words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text.lower().replace("ё", "е")))


def ours(data: bytes, name: str) -> dict:
    items = [i for i in read_bytes(data, name, tz=TZ) if isinstance(i, Article)]
    if not items:
        return {}
    a = items[0]
    return {"title": a.title, "published_at": a.published_at, "rubric": a.rubric, "source": a.source,
            "body": a.text}


def trafilatura_bare(data: bytes) -> dict:
    import trafilatura

    from svodka.ingest.decode import decode

    doc = trafilatura.bare_extraction(decode(data)[0], with_metadata=True, output_format="python")
    if doc is None:
        return {}
    when = None
    if doc.date:
        try:
            when = parse_date(doc.date, TZ)
        except DateError:
            when = None
    return {"title": doc.title, "published_at": when, "rubric": (doc.categories or [None])[0],
            "source": doc.sitename, "body": doc.text or ""}


def score(results: list[tuple[dict, dict]]) -> dict:
    n = len(results)
    row = Counter()
    for got, want in results:
        row["title"] += got.get("title") == want["title"]
        row["source"] += got.get("source") == want["source"]
        row["rubric"] += got.get("rubric") == want["rubric"]
        expected_time = datetime.fromisoformat(want["published_at"])
        when = got.get("published_at")
        row["time"] += when == expected_time
        row["day"] += bool(when) and when.astimezone(zone(TZ)).date() == expected_time.astimezone(zone(TZ)).date()
        g, w = words(got.get("body") or ""), words(" ".join(want["body"]))
        row["overlap"] += sum((g & w).values())
        row["got"] += sum(g.values())
        row["want"] += sum(w.values())
    return {"title": row["title"] / n, "time": row["time"] / n, "day": row["day"] / n, "rubric": row["rubric"] / n,
            "source": row["source"] / n, "body P": row["overlap"] / max(row["got"], 1),
            "body R": row["overlap"] / max(row["want"], 1)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", default=str(ROOT / "tests" / "fixtures" / "pages"))
    ap.add_argument("--per-page", action="store_true", help="also print what each reader got wrong on each page")
    args = ap.parse_args()
    pages = Path(args.pages)
    expected = json.loads((pages / "expected.json").read_text(encoding="utf-8"))
    data = {name: (pages / name).read_bytes() for name in sorted(expected)}

    rows: list[tuple[str, dict, list]] = []
    bare = [(trafilatura_bare(data[n]), expected[n]) for n in data]
    rows.append(("trafilatura bare_extraction", score(bare), bare))
    all_rules = html_rules.RULES
    try:
        for off in [None] + sorted(all_rules):
            html_rules.RULES = all_rules - {off} if off else all_rules
            got = [(ours(data[n], n), expected[n]) for n in data]
            rows.append(("svodka, all rules" if off is None else f"  without {off}", score(got), got))
    finally:
        html_rules.RULES = all_rules

    cols = ["title", "time", "day", "rubric", "source", "body P", "body R"]
    print(f"{len(data)} pages in {pages}")
    print(f"{'reader':30} " + " ".join(f"{c:>7}" for c in cols))
    for label, s, _ in rows:
        print(f"{label:30} " + " ".join(f"{s[c]:7.2f}" for c in cols))
    if args.per_page:
        for label, _, got in rows[:2]:
            print(f"\n{label}:")
            for (g, w), name in zip(got, data):
                wrong = [k for k in ("title", "rubric", "source") if g.get(k) != w[k]]
                if g.get("published_at") != datetime.fromisoformat(w["published_at"]):
                    wrong.append(f"time {g.get('published_at')}")
                g_words, w_words = words(g.get("body") or ""), words(" ".join(w["body"]))
                extra, missing = sorted((g_words - w_words).elements()), sorted((w_words - g_words).elements())
                if extra:
                    wrong.append(f"{len(extra)} extra body words ({' '.join(extra[:8])}...)")
                if missing:
                    wrong.append(f"{len(missing)} missing body words ({' '.join(missing[:8])}...)")
                print(f"  {name}: {'; '.join(map(str, wrong)) or 'all fields right'}")


if __name__ == "__main__":
    main()
