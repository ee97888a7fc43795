"""Quote finding on quotes_adaq_ru/dev.jsonl (97 sentences with quote, speaker and cue spans).

Run: .venv/bin/python eval/quotes.py [--data PATH] [--show]      (--show prints every miss and false find)

Quote spans are scored two ways:
  exact   — the spans are equal once both are trimmed the way find_quotes trims: the gold content keeps its
            quote marks and its leading "что"/"о", ours drops them, so both lose marks, a leading
            что/чтобы/будто/как/о/об, spaces and final .,; before comparing;
  overlap — the spans share at least one character.
A prediction is right if it matches some gold span; a gold span is found if some prediction matches it.
Speaker and cue spans are scored the same way; the speaker's gold "source" span may be a pronoun, which
sentence-level data cannot resolve, so the speaker is judged by its words' span, not by the name.
Speed: ms per article for find_quotes alone (entities computed beforehand) on the RIA articles, when present.
Faults counted over the RIA articles and the bundled Telegram posts (no gold needed): a place as the speaker,
a quote opened by an emoji or markup, a topic shown as a quote ("сообщил о(б) ..." -> "уничтожении ..."), and
a bare office as the speaker ("министр") where the text names someone in that office before.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.ingest.jsonl import record_to_article  # noqa: E402
from svodka.understand.entities import find_entities  # noqa: E402
from svodka.understand.quotes import attribute, find_quotes  # noqa: E402
from svodka.understand.quotes.words import OFFICES  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
POSTS = ROOT / "svodka" / "sample" / "telegram_news.jsonl"
DATA = SHARED / "quotes_adaq_ru" / "dev.jsonl"
RIA = SHARED / "ria_2023_ru" / "dev.jsonl"
MARKS = "«»„“”\"' \n\t"
LEADS = ("что", "чтобы", "будто", "как", "о", "об")


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in MARKS:
        start += 1
    while end > start and text[end - 1] in MARKS + ".,;":
        end -= 1
    for lead in LEADS:
        if text[start:start + len(lead) + 1].lower() in (lead + " ", lead + ","):
            start += len(lead)
            while start < end and text[start] in MARKS + ",":
                start += 1
            break
    return start, end


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(pred: list, gold: list, match) -> dict[str, int]:
    return {"pred": len(pred), "gold": len(gold),
            "pred_ok": sum(any(match(p, g) for g in gold) for p in pred),
            "gold_ok": sum(any(match(p, g) for p in pred) for g in gold)}


def prf(c: dict[str, int]) -> str:
    p = c["pred_ok"] / c["pred"] if c["pred"] else 0.0
    r = c["gold_ok"] / c["gold"] if c["gold"] else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.3f}  R {r:.3f}  F1 {f:.3f}   (pred {c['pred']}, gold {c['gold']})"


def add(total: dict, key: str, c: dict[str, int]) -> None:
    bucket = total.setdefault(key, {"pred": 0, "gold": 0, "pred_ok": 0, "gold_ok": 0})
    for k, v in c.items():
        bucket[k] += v


def evaluate(rows: list[dict], show: bool) -> dict:
    total: dict = {}
    attributed = [0, 0]  # quotes that overlap a gold quote; of them, with the speaker span right
    for row in rows:
        text = row["text"]
        found = attribute(text, find_entities(text))
        gold_q = [trim(text, s["start"], s["end"]) for s in row["content"]]
        pred_q = [trim(text, a.quote.start, a.quote.end) for a in found]
        gold_s = [(s["start"], s["end"]) for s in row["source"]]
        pred_s = [a.speaker_span for a in found if a.speaker_span]
        gold_c = [(s["start"], s["end"]) for s in row["cue"]]
        pred_c = [a.cue_span for a in found if a.cue_span]
        add(total, "quote exact", score(pred_q, gold_q, lambda p, g: p == g))
        add(total, "quote overlap", score(pred_q, gold_q, overlaps))
        add(total, "speaker exact", score(pred_s, gold_s, lambda p, g: p == g))
        add(total, "speaker overlap", score(pred_s, gold_s, overlaps))
        add(total, "cue exact", score(pred_c, gold_c, lambda p, g: p == trim(text, *g)))
        add(total, "cue overlap", score(pred_c, gold_c, overlaps))
        for a, q in zip(found, pred_q):
            if any(overlaps(q, g) for g in gold_q):
                attributed[0] += 1
                attributed[1] += bool(a.speaker_span and any(overlaps(a.speaker_span, g) for g in gold_s))
        if show:
            report(row, found, gold_q, pred_q)
    total["attributed"] = attributed
    return total


def report(row: dict, found: list, gold_q: list, pred_q: list) -> None:
    text = row["text"]
    gold_s = [(s["start"], s["end"]) for s in row["source"]]
    if sorted(gold_q) == sorted(pred_q) and all(a.speaker_span in gold_s for a in found):
        return
    print("\n" + text)
    for s in row["content"]:
        src = ", ".join(x["text"] for x in row["source"])
        print(f"  gold: [{src}] {s['text'][:100]!r}")
    for a in found:
        spk = text[a.speaker_span[0]:a.speaker_span[1]] if a.speaker_span else None
        print(f"  ours: [{spk} -> {a.quote.speaker}] ({a.quote.cue}) {a.quote.text[:100]!r}")


def speed(path: Path) -> str:
    """ms per article for find_quotes alone, entities found beforehand, caches warm after a first pass."""
    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    inputs = [(t, find_entities(t)) for t in texts]
    n = sum(len(find_quotes(t, e)) for t, e in inputs)
    runs = []
    for _ in range(3):  # the best of three: other work on the machine only ever adds time
        start = time.perf_counter()
        for t, e in inputs:
            find_quotes(t, e)
        runs.append((time.perf_counter() - start) * 1000 / len(inputs))
    ms = min(runs)
    chars = sum(len(t) for t in texts) / len(texts)
    return f"{ms:.3f} ms per article over {len(inputs)} RIA articles (mean {chars:.0f} chars), {n} quotes"


def post_texts(path: Path) -> list[str]:
    out = []
    for line in path.open(encoding="utf-8"):
        try:
            out.append(record_to_article(json.loads(line), "eval").text)
        except ValueError:  # a post with no text: ingestion skips it too
            continue
    return out


def faults(texts: list[str]) -> str:
    counts = dict.fromkeys(("quotes", "place speaker", "symbol opens", "topic as quote", "office unresolved"), 0)
    for text in texts:
        entities = find_entities(text)
        places = {e.normalised for e in entities if e.type == "LOC"}
        people = [e for e in entities if e.type == "PER"]
        for q in find_quotes(text, entities):
            counts["quotes"] += 1
            counts["place speaker"] += q.speaker in places
            counts["symbol opens"] += not (q.text[:1].isalnum() or q.text[:1] in "«\"„“(.")
            counts["topic as quote"] += text[max(0, q.start - 5):q.start].split()[-1:] in (["о"], ["об"], ["обо"])
            office = (q.speaker or "").split()
            counts["office unresolved"] += (len(office) == 1 and office[0] in OFFICES
                                            and any(office[0] in text[:q.start].lower().split() for _ in people[:1]))
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--show", action="store_true")
    args = ap.parse_args()
    rows = [json.loads(line) for line in args.data.open(encoding="utf-8")]
    total = evaluate(rows, args.show)
    print(f"\n{len(rows)} sentences, {sum(r['has_quote'] for r in rows)} with a quote")
    n, ok = total.pop("attributed")
    for key, c in total.items():
        print(f"{key:16s} {prf(c)}")
    print(f"speaker right on found quotes: {ok}/{n}" + (f" = {ok / n:.3f}" if n else ""))
    if RIA.exists():
        print(speed(RIA))
        texts = [json.loads(line)["text"] for line in RIA.open(encoding="utf-8")] + post_texts(POSTS)
        print(f"faults over {len(texts)} RIA articles and Telegram posts: {faults(texts)}")


if __name__ == "__main__":
    main()
