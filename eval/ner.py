"""NER on factRuEval-2016 (DEV): precision / recall / F1 per type.

Gold as natasha's naeval builds it: persons are whole object mentions; organisations are their org_name spans and
places their loc_name spans ("мид Грузии" is ORG "мид" + LOC "Грузии"), LocOrg counted as LOC, Project/Facility
dropped, overlaps removed. Two matchings: exact span match, and naeval's token-level score (the one behind the
published slovnet figures). A third, harsher line uses the data set's object spans as they are (descriptors and all).
Two predictions are scored: slovnet's raw spans, and Svodka's entities (the same spans after base forms, the alias
table and merging, which may change a type: "НАТО" is an ORG whatever the tagger said). Also scored: how often a
person's merged entity carries the gold normal name ("Лужкова" -> "Юрий Лужков").

Documents are split in two halves by a hash of their id (`halves`): refinements were tuned on A; B is held out.
Run: .venv/bin/python eval/ner.py [../shared/data/factrueval2016/dev.jsonl] [--show=N  (N ORG errors of half A)]
"""
import ast
import json
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from razdel import tokenize  # noqa: E402

from svodka.understand.entities import find_entities, tagger  # noqa: E402

TYPES = ("PER", "LOC", "ORG")
DEFAULT = ROOT.parent / "shared" / "data" / "factrueval2016" / "dev.jsonl"


def load(path):
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        for key in ("entities", "coref"):
            if isinstance(r[key], str):
                r[key] = ast.literal_eval(r[key])
        yield r


def halves(docs) -> dict[str, list]:
    """Two fixed halves of the documents by a hash of their id: A is for tuning, B is held out."""
    out = {"A": [], "B": []}
    for d in docs:
        out["AB"[zlib.crc32(d["id"].encode()) % 2]].append(d)
    return out


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def naeval_gold(doc) -> set:
    spans = []
    for e in doc["entities"]:
        if e["type"] == "Person":
            spans.append((e["start"], e["end"], "PER"))
        elif e["type"] == "Org":
            spans += [(s["start"], s["end"], "ORG") for s in e["spans"] if s["type"] == "org_name"]
        elif e["type"] in ("LocOrg", "Location"):
            spans += [(s["start"], s["end"], "LOC") for s in e["spans"] if s["type"] == "loc_name"]
    kept, last_end = [], -1
    for span in sorted(set(spans), key=lambda s: (s[0], -s[1])):
        if span[0] >= last_end:
            kept.append(span)
            last_end = span[1]
    return set(kept)


def token_score(text: str, gold: set, pred: set, counts: Counter) -> None:
    """naeval's measure: each token counts as inside or outside a span of the type."""
    for t in TYPES:
        g = [(s, e) for s, e, k in gold if k == t]
        p = [(s, e) for s, e, k in pred if k == t]
        for tok in tokenize(text):
            in_g = any(s <= tok.start and tok.stop <= e for s, e in g)
            in_p = any(s <= tok.start and tok.stop <= e for s, e in p)
            counts[t, "tp"] += in_g and in_p
            counts[t, "fp"] += in_p and not in_g
            counts[t, "fn"] += in_g and not in_p


def score(gold: set, pred: set, counts: Counter) -> None:
    for t in TYPES:
        g = {s for s in gold if s[2] == t}
        p = {s for s in pred if s[2] == t}
        counts[t, "tp"] += len(g & p)
        counts[t, "fp"] += len(p - g)
        counts[t, "fn"] += len(g - p)


def main(path, show=0):
    docs = list(load(path))
    names = ("raw exact", "ours exact", "raw tokens", "ours tokens", "raw exact vs object spans",
             "ours exact vs object spans")
    counts = {(half, name): Counter() for half in ("A", "B") for name in names}
    names_right = names_total = 0
    misses = []
    t0 = time.perf_counter()
    for half, part in halves(docs).items():
        for doc in part:
            text = doc["text"]
            objects = {(e["start"], e["end"], e["tag"]) for e in doc["entities"] if e["tag"] in TYPES}
            gold = naeval_gold(doc)
            raw = {(s.start, s.stop, s.type) for s in tagger()(text).spans}
            entities = find_entities(text)
            ours = {(s, e, ent.type) for ent in entities for s, e in ent.mentions}
            score(gold, raw, counts[half, "raw exact"])
            score(gold, ours, counts[half, "ours exact"])
            token_score(text, gold, raw, counts[half, "raw tokens"])
            token_score(text, gold, ours, counts[half, "ours tokens"])
            score(objects, raw, counts[half, "raw exact vs object spans"])
            score(objects, ours, counts[half, "ours exact vs object spans"])
            right, total = normal_names(doc, entities)
            names_right += right
            names_total += total
            if half == "A":  # errors are looked at on the tuning half only
                misses += [(doc["id"], "FN", t, text[s:e]) for s, e, t in gold - ours if t == "ORG"]
                misses += [(doc["id"], "FP", t, text[s:e]) for s, e, t in ours - gold if t == "ORG"]
    elapsed = time.perf_counter() - t0
    parts = halves(docs)
    print(f"factRuEval-2016 DEV: {len(docs)} docs, {sum(len(d['text']) for d in docs)} chars, "
          f"{elapsed:.1f} s for both runs; halves by id hash: A (tuned on) {len(parts['A'])} docs, "
          f"B (held out) {len(parts['B'])} docs")
    published = {"PER": 0.959, "LOC": 0.915, "ORG": 0.825}
    print(f"{'':30}" + "".join(f"{t + ' P / R / F1':>24}" for t in TYPES))
    for half in ("B", "A", "A+B"):
        for name in names:
            c = sum((counts[h, name] for h in (("A", "B") if half == "A+B" else (half,))), Counter())
            cells = "".join("{:>8.3f}{:>8.3f}{:>8.3f}".format(*prf(c[t, "tp"], c[t, "fp"], c[t, "fn"])) for t in TYPES)
            print(f"{half + ' ' + name:30}{cells}")
    print(f"{'published slovnet (tokens)':30}" + "".join(f"{published[t]:>24.3f}" for t in TYPES))
    print(f"person normal names: {names_right}/{names_total} = {names_right / max(names_total, 1):.3f} "
          "of gold persons with first and last name get exactly 'Firstname Lastname'")
    for m in sorted(misses)[:show]:
        print(*m)


def normal_names(doc, entities):
    """Gold persons (coref objects with first and last name) whose mentions our entity names correctly."""
    by_id = {e["id"]: e for e in doc["entities"]}
    right = total = 0
    for obj in doc["coref"]:
        attrs = obj["attrs"]
        if not (attrs.get("firstname") and attrs.get("lastname")):
            continue
        spans = [(by_id[m]["start"], by_id[m]["end"]) for m in obj["mentions"] if m in by_id]
        if not spans:
            continue
        total += 1
        want = f"{attrs['firstname']} {attrs['lastname']}".lower().replace("ё", "е")
        for ent in entities:
            if ent.type == "PER" and any(s <= gs < e or gs <= s < ge for s, e in ent.mentions for gs, ge in spans):
                right += ent.normalised.lower().replace("ё", "е") == want
                break
    return right, total


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--show=")]
    shown = [int(a.split("=")[1]) for a in sys.argv[1:] if a.startswith("--show=")]
    main(args[0] if args else DEFAULT, shown[0] if shown else 0)
