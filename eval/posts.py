"""Telegram posts read as (headline, body), over telegram_news_ru DEV: the share of bad headlines, of bodies that
keep a sign-off, of empty bodies. The code of an older commit is measured beside (`--baseline`).

Run: .venv/bin/python eval/posts.py [--data PATH] [--baseline REV] [--show N]

Posts: DEV minus the five programming channels (not news). Every post is read through parse_jsonl, as ingest
reads a file (so the batch learning of sign-offs takes part); a record refused ("no usable text") counts as an
empty body. Settings:
  all DEV      — the shipped table (learned from all of DEV: in-sample for the table);
  outsider     — the table learned by the same rule from DEV posts dated before 2024-11-01 only, measured on
                 the posts from 2024-11-01 (12 of the 19 news channels have no earlier post: for them only the
                 language rules and the batch learning work); and the table learned on even message ids,
                 measured on odd ones;
  outsider, one post at a time — as the API reads a single record: no batch learning.

The measures know nothing of the code measured (their own markdown stripping, word lists and sign-off oracle):
  label       — (when the post has more words than its headline) the headline, its final ":" off, is 1-5 words,
                all capitalised, none a verb or a short participle by pymorphy3's first reading ("Минобороны
                РФ", "Зеленский", "Глава МИД Сергей Лавров"; not "Выбрана «Мисс Россия-2024»"); or an
                attribution alone (at most 5 words: "Об этом сообщает…", "Как пишет…", "По данным…"); or a
                bare exclamation of at most 4 words ending in "!";
  fragment    — the headline ends on a comma, ";", "(", an opening quote, "…"/"...", a preposition or a
                conjunction; or it stops mid-sentence: its last 25 characters, found in the post, are followed
                on the same line by a letter or digit (a clause boundary ",", "—", ":" or a line end is fine);
  1-2 words   — the headline has at most two words although the post (links, hashtags, sign-offs off) has more;
  sign-off    — a body paragraph (or the headline) is a sign-off: at most 15 words with subscribe / send-us-news
                / channel-promo words (подпис…, прислать, прислали, через бота, наш канал, буст, без VPN,
                распространите, #промо, erid, "Реклама … ИНН"), or a lone @name or link, or a line that closes
                at least 1 % (and 5) of the channel's DEV posts with a link in it (an oracle over all DEV);
  empty body  — no body paragraph with a letter once sign-off paragraphs are off, or the record refused although
                the post has a line that is no sign-off;
  rep. tail   — (no target; knows no words at all) the body's last paragraph is word for word the last paragraph of
                at least 1 % (and 5) of its channel's bodies in the same setting: a sign-off no list knows shows
                here, and so does a recurring template line ("Идеи для загородных поездок");
  dropped     — (no target; the other side of the sign-off figure) a line of the post of two words or more, no
                sign-off by the definition above and no bare link, whose words are neither in the headline nor in
                the body: lines taken away that the measure would not call sign-offs. What it finds is mostly
                meant (photo credits, "Подробнее: https://…", podcast-platform lists, "Ты знаешь, кому это
                отправить"), so read its examples (--show) rather than its figure.
Each share is over all posts of the setting.
"""
from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys
import types
from collections import Counter, defaultdict
from functools import lru_cache
from pathlib import Path

import pymorphy3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.ingest.jsonl import parse_jsonl  # noqa: E402
from svodka.ingest.posts import PostReader, learn_signoffs  # noqa: E402
from svodka.model import Article  # noqa: E402
from svodka.textutil import fold_lookalikes  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "telegram_news_ru" / "dev.jsonl"
BASELINE = "7203751"  # the last commit before svodka/ingest/posts.py
NOT_NEWS = ("программист", "Golang", "Хабр", "питонист")
SPLIT_DAY = "2024-11-01"
MORPH = pymorphy3.MorphAnalyzer()

LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
MARKUP = re.compile(r"\*\*|__|~~|`")
MENTION = re.compile(r"@\w+")
URL = re.compile(r"(?:https?://|t\.me/|www\.|bit\.ly/)\S+")
WORD = re.compile(r"[^\W_]+(?:[-'/][^\W_]+)*")
PROMO = re.compile(r"подпи(?:саться|сывайся|сывайтесь|шись|шитесь)|прислать|прислали|присылайте|через бота|"
                   r"наш канал|нашем канале|\bбуст\b|бусты\b|без vpn|распространите|"
                   r"#промо|\berid\b|^реклама\b.*\bинн\b", re.I)
PREPOSITIONS = set("в во на с со к ко по о об обо от до из у за над под при про для без через между перед около "
                   "и а но или либо что чтобы как когда если где который которая которые не ни же ли бы".split())
ATTRIBUTION = re.compile(r"^(?:об этом|как (?:сообща|пиш|переда|заяв)|по данным|по информации|сообща\w*|пишет|"
                         r"передает|заявил\w*)\b", re.I)


@lru_cache(maxsize=None)
def predicate(word: str) -> bool:
    """pymorphy3's first reading is a verb, a short participle or a predicative ("Выбрана", "Задержан")."""
    return MORPH.parse(word.lower())[0].tag.POS in {"VERB", "INFN", "PRTS", "GRND", "PRED"}


def plain(markdown: str) -> str:
    return MARKUP.sub("", LINK.sub(r"\1", markdown))


def norm(text: str) -> str:
    return " ".join(WORD.findall(URL.sub(" ", text.lower().replace("ё", "е"))))


def words(text: str) -> list[str]:
    return WORD.findall(URL.sub(" ", text))


def oracle_signoffs(records: list[dict]) -> dict[str, set[str]]:
    """Per channel: linked lines that close at least 1 % (and 5) of its posts."""
    ends: dict[str, Counter] = defaultdict(Counter)
    posts: Counter = Counter()
    for r in records:
        posts[r["channel"]] += 1
        lines = [ln for ln in r["text"].split("\n") if norm(plain(ln))]
        ends[r["channel"]].update({norm(plain(ln)) for ln in lines[-3:] if "](" in ln or URL.search(ln)})
    return {ch: {k for k, c in cnt.items() if k and c >= 5 and c >= 0.01 * posts[ch]} for ch, cnt in ends.items()}


class Measure:
    def __init__(self, oracle: dict[str, set[str]]) -> None:
        self.oracle = oracle
        self.counts: Counter = Counter()
        self.examples: dict[str, list[str]] = defaultdict(list)

    def is_signoff(self, channel: str, text: str) -> bool:
        n = norm(text)
        if not n or (len(n.split()) == 1 and text.strip().startswith("@")):
            return True
        return len(n.split()) <= 15 and (bool(PROMO.search(text)) or n in self.oracle.get(channel, ()))

    def label(self, title: str) -> bool:
        w = words(title.rstrip(": "))
        if 0 < len(w) <= 5 and all(x[0].isupper() or x[0].isdigit() for x in w) and not any(map(predicate, w)):
            return True
        return (ATTRIBUTION.match(title) is not None and len(w) <= 5) or (len(w) <= 4 and title.endswith("!"))

    def fragment(self, title: str, source: str) -> bool:
        t = title.rstrip()
        if t.endswith((",", ";", "(", "«", "„", "…", "...")) or t.count("«") > t.count("»"):
            return True
        if t.endswith((".", "!", "?", "»", '"')):
            return False  # a whole sentence
        w = words(t)
        if w and w[-1].lower() in PREPOSITIONS:
            return True
        tail = t[-25:]
        at = source.find(tail)
        if at < 0:
            return False
        rest = source[at + len(tail):]
        nxt = rest.lstrip(" \t")[:1]
        return bool(nxt) and (nxt.isalnum())

    def add(self, record: dict, title: str | None, body: list[str] | None, show: int) -> None:
        ch = record["channel"]
        source = fold_lookalikes(" ".join(plain(record["text"]).split(" ")))
        source = "\n".join(" ".join(ln.split()) for ln in source.split("\n"))
        content = [ln for ln in source.split("\n") if words(ln) and not self.is_signoff(ch, ln)]
        self.counts["posts"] += 1
        found = []
        more = len(words(" ".join(content))) > len(words(title or ""))  # the post has more to say than its title
        if title is None:
            if content:
                found.append(("empty body", "refused"))
        else:
            if self.label(title) and more:
                found.append(("label", ""))
            if self.fragment(title, source):
                found.append(("fragment", ""))
            if len(words(title)) <= 2 and more:
                found.append(("1-2 words", ""))
            elif len(words(title)) <= 2:
                self.counts["all of it 1-2 words"] += 1
            signoff = [p for p in [title] + body if self.is_signoff(ch, p)]
            if signoff:
                found.append(("sign-off", signoff[0]))
            if not any(WORD.search(p) and not self.is_signoff(ch, p) for p in body):
                found.append(("empty body", ""))
            kept = norm(MENTION.sub("", " ".join([title] + body)))
            dropped = [ln for ln in content if len(words(ln)) >= 2 and not URL.fullmatch(ln.strip())
                       and norm(MENTION.sub("", ln)) not in kept]
            if dropped:
                found.append(("dropped", dropped[0]))
        for f, why in found:
            self.counts[f] += 1
            if len(self.examples[f]) < show:
                self.examples[f].append(f"{record['id']} [{ch}] title={title!r} body={(body or [''])[:2]!r} {why}")


def read_all(records: list[dict], parse) -> dict[str, tuple[str, list[str]]]:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    out = {}
    for item in parse(io.BytesIO(data)):
        if isinstance(item, Article):
            out[item.external_id] = (item.title, [b.text for b in item.body])
    return out


def old_parse_jsonl(rev: str):
    """parse_jsonl as it was at `rev`, loaded beside the current package (its relative imports resolve)."""
    src = subprocess.check_output(["git", "-C", str(ROOT), "show", f"{rev}:svodka/ingest/jsonl.py"], text=True)
    mod = types.ModuleType("svodka.ingest._jsonl_baseline")
    mod.__package__ = "svodka.ingest"
    exec(compile(src, f"{rev}:svodka/ingest/jsonl.py", "exec"), mod.__dict__)
    return lambda stream: mod.parse_jsonl(stream, "eval")


def repeated_tails(records: list[dict], read: dict) -> int:
    """Bodies whose last paragraph closes at least 1 % (and 5) of its channel's bodies word for word: a sign-off
    no word list knows would show here (so would a recurring template line)."""
    tails: dict[str, Counter] = defaultdict(Counter)
    posts: Counter = Counter()
    for r in records:
        got = read.get(r["id"])
        if got and got[1]:
            posts[r["channel"]] += 1
            tails[r["channel"]][norm(got[1][-1])] += 1
    return sum(c for ch, cnt in tails.items() for c in cnt.values() if c >= 5 and c >= 0.01 * posts[ch])


def score(records: list[dict], parse, oracle, show: int) -> Measure:
    read = read_all(records, parse)
    m = Measure(oracle)
    for r in records:
        got = read.get(r["id"])
        m.add(r, got[0] if got else None, got[1] if got else None, show)
    m.counts["repeated tail"] = repeated_tails(records, read)
    return m


KINDS = ("label", "fragment", "1-2 words", "sign-off", "empty body", "repeated tail", "dropped")


def line(name: str, m: Measure) -> str:
    n = m.counts["posts"]
    return f"{name:<44} {n:>6} " + " ".join(f"{100 * m.counts[k] / n:>9.2f}%" for k in KINDS)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--baseline", default=BASELINE, help="git revision whose parse_jsonl is measured beside")
    ap.add_argument("--show", type=int, default=0, help="print N examples of each problem (new code, all DEV)")
    args = ap.parse_args()
    records = [json.loads(x) for x in open(args.data, encoding="utf-8")]
    records = [r for r in records if not any(k.lower() in r["channel"].lower() for k in NOT_NEWS)]
    oracle = oracle_signoffs(records)
    old = old_parse_jsonl(args.baseline)
    early = [r for r in records if r["date"] < SPLIT_DAY]
    late = [r for r in records if r["date"] >= SPLIT_DAY]
    even = [r for r in records if r["message_id"] % 2 == 0]
    odd = [r for r in records if r["message_id"] % 2 == 1]

    def table(part):
        return {s: frozenset(k) for s, k in learn_signoffs((r["channel"], r["text"]) for r in part).items()}

    t_early, t_even = table(early), table(even)
    print(f"{'setting':<44} {'posts':>6} " + " ".join(f"{k:>10}" for k in KINDS[:-2]) + "  rep. tail    dropped")
    runs = [
        ("all DEV, old code", records, old),
        ("all DEV, shipped table", records, lambda s: parse_jsonl(s, "eval")),
        (f"outsider >= {SPLIT_DAY}, old code", late, old),
        (f"outsider >= {SPLIT_DAY}, table < {SPLIT_DAY}", late,
         lambda s: parse_jsonl(s, "eval", posts=PostReader(table=t_early))),
        ("  the same, one post at a time (no batch)", late,
         lambda s: parse_jsonl(s, "eval", posts=PostReader(table=t_early, learn=False))),
        ("  the same, no table, one post at a time", late,
         lambda s: parse_jsonl(s, "eval", posts=PostReader(table={}, learn=False))),
        ("outsider odd ids, old code", odd, old),
        ("outsider odd ids, table from even ids", odd,
         lambda s: parse_jsonl(s, "eval", posts=PostReader(table=t_even))),
    ]
    shown = None
    for name, part, parse in runs:
        m = score(part, parse, oracle, args.show)
        print(line(name, m))
        if name == "all DEV, shipped table":
            shown = m
    print(f"(not counted above: {shown.counts['all of it 1-2 words']} posts of all DEV say no more than their one- "
          "or two-word headline, e.g. 'Классика' under a photo)")
    if args.show and shown:
        for kind in KINDS:
            for ex in shown.examples[kind]:
                print(f"[{kind}] {ex}")


if __name__ == "__main__":
    main()
