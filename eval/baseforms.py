"""Entity base forms on factRuEval-2016 DEV's coreference layer: Svodka's normaliser beside natasha's span.normalize.

Every coreference chain carries its name in the nominative (a person's firstname / lastname / patronymic, a place's
or organisation's name). One item per object mention whose gold base form can be read off the chain:
- persons: the extent of the mention's name / surname / patronymic / nickname spans; the expected form is those
  spans replaced by the chain's attributes, in the text's order ("Александром Налбандовым" -> "Александр
  Налбандов", "Налбандовым" -> "Налбандов");
- places (Location, LocOrg) and organisations (Org): the mention as marked, or only its name spans, whichever is a
  word-for-word inflection of the chain's name ("миде Грузии" -> "МИД Грузии"; "Китаю" for the chain "КНР" is
  coreference, not a base form, and is skipped).
Both normalisers get the same span of the same document; natasha's runs its morphology and syntax taggers over the
whole document, as natasha's pipeline does. A form is right when it equals the expected one ignoring case, ё/е and
quote marks (the chains write "мэрия Москвы" and "Газпром" without the text's capitals and «»); spacing and
punctuation count ("NEWSru . com" is wrong).

Also printed: merged person names, i.e. how often the entity Svodka's full analysis makes for a gold person with a
first and last name is named exactly "Firstname Lastname" (what an entity page is keyed by).

Documents are split in two halves by a hash of their id (`ner.halves`): A was used for tuning, B was not.
Run: .venv/bin/python eval/baseforms.py [dev.jsonl] [--show 30]
"""
import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from razdel import tokenize  # noqa: E402

from ner import DEFAULT, halves, load  # noqa: E402
from svodka.understand.entities import base_form, find_entities  # noqa: E402
from svodka.understand.lemmas import morph  # noqa: E402

TYPES = ("PER", "LOC", "ORG")
KIND = {"Person": "PER", "Location": "LOC", "LocOrg": "LOC", "Org": "ORG"}
PERSON_ATTR = {"name": "firstname", "surname": "lastname", "patronymic": "patronymic", "nickname": "nickname"}
NAME_SPANS = {"PER": set(PERSON_ATTR), "LOC": {"loc_name"}, "ORG": {"org_name", "loc_name"}}


def clean(s: str) -> str:
    return re.sub(r"[«»\"“”„]", "", s).lower().replace("ё", "е").strip()


def _words(s: str) -> list[str]:
    return [t.text for t in tokenize(clean(s)) if re.search(r"\w", t.text)]


def _same_word(a: str, b: str) -> bool:
    if a == b:
        return True
    n = min(len(a), len(b))
    if n <= 2 or abs(len(a) - len(b)) > 3:
        return False  # an initial is not a base form of the full name ("А." for "Алексей")
    prefix = len(next((a[:i] for i in range(n, 0, -1) if a[:i] == b[:i]), ""))
    if prefix >= min(4, n) and prefix >= max(len(a), len(b)) - 4:
        return True
    if re.search("[а-я]", a) and re.search("[а-я]", b):
        return bool({p.normal_form for p in morph().parse(a)} & {p.normal_form for p in morph().parse(b)})
    return False


def inflection_of(surface: str, name: str) -> bool:
    """Is `name` the same words as `surface`, in another form?"""
    a, b = _words(surface), _words(name)
    return bool(a) and len(a) == len(b) and all(_same_word(x, y) for x, y in zip(a, b))


def person_variants(text: str, attrs: dict, spans: list) -> list[str]:
    """The expected base forms of a person mention: the text from its first to its last name span, each span
    replaced by the chain's attribute ("Э. Чернова" -> "Э. Чернов"); a chain may give two spellings
    (firstname / firstname1)."""
    out = [""]
    last = spans[0]["start"]
    for s in spans:
        attr = PERSON_ATTR[s["type"]]
        values = [attrs[k] for k in (attr, attr + "1") if attrs.get(k)]
        if not values:
            return []
        gap = text[last:s["start"]]
        out = [o + gap + v for o in out for v in values]
        last = s["end"]
    return out


def items(doc) -> list[tuple[str, int, int, list[str]]]:
    """(type, start, end, expected forms) for every mention with a readable gold base form."""
    by_id = {e["id"]: e for e in doc["entities"]}
    out = []
    for chain in doc["coref"]:
        attrs = chain["attrs"]
        for mid in chain["mentions"]:
            e = by_id.get(mid)
            kind = KIND.get(e["type"]) if e else None
            if not kind:
                continue
            names = sorted((s for s in e["spans"] if s["type"] in NAME_SPANS[kind]), key=lambda s: s["start"])
            if not names:
                continue
            if kind == "PER":
                start, end = names[0]["start"], max(s["end"] for s in names)
                want = [w for w in person_variants(doc['text'], attrs, names) if inflection_of(doc["text"][start:end], w)]
                if want:
                    out.append((kind, start, end, want))
                continue
            if not attrs.get("name"):
                continue
            for start, end in ((e["start"], e["end"]), (names[0]["start"], max(s["end"] for s in names))):
                if inflection_of(doc["text"][start:end], attrs["name"]):
                    out.append((kind, start, end, [attrs["name"]]))
                    break
    return sorted(set((k, s, e, tuple(w)) for k, s, e, w in out), key=lambda x: x[1])


class Natasha:
    """natasha's pipeline as its README runs it: segment, morphology, syntax, then span.normalize."""

    def __init__(self):
        from natasha import MorphVocab, NewsEmbedding, NewsMorphTagger, NewsSyntaxParser, Segmenter

        emb = NewsEmbedding()
        self.segmenter, self.vocab = Segmenter(), MorphVocab()
        self.morph, self.syntax = NewsMorphTagger(emb), NewsSyntaxParser(emb)

    def __call__(self, text: str, spans: list[tuple[str, int, int]]) -> list[str]:
        from natasha import Doc
        from natasha.doc import DocSpan, envelop_span_tokens

        doc = Doc(text)
        doc.segment(self.segmenter)
        doc.tag_morph(self.morph)
        doc.parse_syntax(self.syntax)
        ds = [DocSpan(s, e, t, text[s:e]) for t, s, e in spans]
        envelop_span_tokens(doc.tokens, ds)
        out = []
        for span in ds:
            span.normalize(self.vocab)
            out.append(span.normal)
        return out


def merged_names(doc, entities) -> tuple[int, int]:
    """Gold persons with first and last name whose entity (the one holding their first mention) is named
    'Firstname Lastname'."""
    by_id = {e["id"]: e for e in doc["entities"]}
    right = total = 0
    for chain in doc["coref"]:
        a = chain["attrs"]
        spans = sorted((by_id[m]["start"], by_id[m]["end"]) for m in chain["mentions"] if m in by_id
                       and by_id[m]["type"] == "Person")
        if not (a.get("firstname") and a.get("lastname") and spans):
            continue
        total += 1
        want = clean(f"{a['firstname']} {a['lastname']}")
        ent = next((x for x in entities if x.type == "PER" and any(s < ge and gs < e for s, e in x.mentions
                                                                    for gs, ge in spans)), None)
        right += bool(ent) and clean(ent.normalised) == want
    return right, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("path", nargs="?", default=str(DEFAULT))
    ap.add_argument("--show", type=int, default=0, help="print this many of Svodka's errors per type (half A)")
    args = ap.parse_args()
    docs = list(load(args.path))
    natasha = Natasha()
    right = Counter()  # (half, system, type) -> right
    total = Counter()  # (half, type)
    merged = Counter()
    errors = defaultdict(list)
    t_ours = t_nat = 0.0
    for half, part in halves(docs).items():
        for doc in part:
            text, its = doc["text"], items(doc)
            t = time.perf_counter()
            ours = [base_form(text, s, e, k) for k, s, e, _ in its]
            t_ours += time.perf_counter() - t
            t = time.perf_counter()
            theirs = natasha(text, [(k, s, e) for k, s, e, _ in its])
            t_nat += time.perf_counter() - t
            for (k, s, e, want), o, n in zip(its, ours, theirs):
                good = {clean(w) for w in want}
                total[half, k] += 1
                right[half, "svodka", k] += clean(o) in good
                right[half, "natasha", k] += clean(n) in good
                if clean(o) not in good and half == "A":  # errors shown from the tuning half only
                    errors[k].append(f"{doc['id']}: {text[s:e]!r} -> {o!r}, want {want[0]!r} (natasha {n!r})")
            r, n = merged_names(doc, find_entities(text))
            merged[half, "right"] += r
            merged[half, "total"] += n
    print(f"factRuEval-2016 DEV coreference names, {len(docs)} docs; halves by id hash: "
          f"A (tuning) {len(halves(docs)['A'])} docs, B (held out) {len(halves(docs)['B'])} docs")
    print(f"{'':22}" + "".join(f"{t:>16}" for t in TYPES))
    for half in ("A", "B", "A+B"):
        hs = ("A", "B") if half == "A+B" else (half,)
        for system in ("svodka", "natasha"):
            cells = ""
            for t in TYPES:
                n = sum(total[h, t] for h in hs)
                r = sum(right[h, system, t] for h in hs)
                cells += f"{r / max(n, 1):>9.3f} ({n:>4})"
            print(f"{half + ' ' + system:22}{cells}")
    for half in ("A", "B"):
        print(f"merged person names, half {half}: {merged[half, 'right']}/{merged[half, 'total']} = "
              f"{merged[half, 'right'] / max(merged[half, 'total'], 1):.3f}")
    print(f"time: svodka base forms {t_ours:.1f} s, natasha morphology + syntax + normalize {t_nat:.1f} s")
    for k in TYPES:
        for line in errors[k][:args.show]:
            print(k, line)


if __name__ == "__main__":
    main()
