"""NER on factRuEval-2016 (DEV): precision / recall / F1 per type.

Gold as natasha's naeval builds it: persons are whole object mentions; organisations are their org_name spans and
places their loc_name spans ("мид Грузии" is ORG "мид" + LOC "Грузии"), LocOrg counted as LOC, Project/Facility
dropped, overlaps removed. Two matchings: exact span match, and naeval's token-level score (the one behind the
published slovnet figures). A third, harsher line uses the data set's object spans as they are (descriptors and all).
Two predictions are scored: slovnet's raw spans, and Svodka's entities (the same spans after base forms, the alias
table and merging, which may change a type: "НАТО" is an ORG whatever the tagger said). Also scored: how often a
person's merged entity carries the gold normal name ("Лужкова" -> "Юрий Лужков").

Run: .venv/bin/python eval/ner.py [../shared/data/factrueval2016/dev.jsonl]
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


def main(path):
    docs = list(load(path))
    counts = {name: Counter() for name in ("raw exact", "ours exact", "raw tokens", "ours tokens",
                                           "raw exact vs object spans", "ours exact vs object spans")}
    names_right = names_total = 0
    t0 = time.perf_counter()
    for doc in docs:
        text = doc["text"]
        objects = {(e["start"], e["end"], e["tag"]) for e in doc["entities"] if e["tag"] in TYPES}
        gold = naeval_gold(doc)
        raw = {(s.start, s.stop, s.type) for s in tagger()(text).spans}
        entities = find_entities(text)
        ours = {(s, e, ent.type) for ent in entities for s, e in ent.mentions}
        score(gold, raw, counts["raw exact"])
        score(gold, ours, counts["ours exact"])
        token_score(text, gold, raw, counts["raw tokens"])
        token_score(text, gold, ours, counts["ours tokens"])
        score(objects, raw, counts["raw exact vs object spans"])
        score(objects, ours, counts["ours exact vs object spans"])
        right, total = normal_names(doc, entities)
        names_right += right
        names_total += total
    elapsed = time.perf_counter() - t0
    print(f"factRuEval-2016 DEV: {len(docs)} docs, {sum(len(d['text']) for d in docs)} chars, "
          f"{elapsed:.1f} s for both runs")
    published = {"PER": 0.959, "LOC": 0.915, "ORG": 0.825}
    print(f"{'':28}" + "".join(f"{t + ' P / R / F1':>24}" for t in TYPES))
    for name, c in counts.items():
        cells = "".join("{:>8.3f}{:>8.3f}{:>8.3f}".format(*prf(c[t, "tp"], c[t, "fp"], c[t, "fn"])) for t in TYPES)
        print(f"{name:28}{cells}")
    print(f"{'published slovnet (tokens)':28}" + "".join(f"{published[t]:>24.3f}" for t in TYPES))
    print(f"person normal names: {names_right}/{names_total} = {names_right / max(names_total, 1):.3f} "
          "of gold persons with first and last name get exactly 'Firstname Lastname'")


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
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT)
