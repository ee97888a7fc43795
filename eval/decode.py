"""Decoding by evidence over real Russian text: RIA DEV articles and the bundled Telegram posts, cut to 60, 400 and
3,000 characters, encoded in cp1251, koi8-r and cp866, undeclared and under a wrong label (iso-8859-1); and a
few non-Cyrillic texts that must never come out Cyrillic; and UTF-8 texts with a few stray bytes put in.

    .venv/bin/python eval/decode.py [--data ../shared/data] [--n 400]
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.ingest.decode import decode  # noqa: E402

# written for this: one sentence or two per script, in the legacy code page its sites used
OTHER = [
    ("Die Bundesregierung hat für das nächste Jahr höhere Ausgaben geplant, äußerte der Minister.", "latin-1"),
    ("Le président a déclaré que la réforme serait présentée à l'Assemblée après l'été.", "cp1252"),
    ("Rząd przyjął budżet na przyszły rok. Minister powiedział, że decyzja jest bardzo ważna.", "cp1250"),
    ("הממשלה אישרה את התקציב לשנה הבאה. השר אמר כי ההחלטה חשובה מאוד לכלכלה של המדינה.", "cp1255"),
    ("Η κυβέρνηση ενέκρινε τον προϋπολογισμό για το επόμενο έτος. Ο υπουργός δήλωσε ότι είναι σημαντική.", "cp1253"),
    ("وافقت الحكومة على الميزانية للعام المقبل. وقال الوزير إن القرار مهم جدا للاقتصاد.", "cp1256"),
    ("정부는 내년 예산안을 승인했다. 장관은 이 결정이 국가 경제에 매우 중요하다고 말했다.", "euc_kr"),
    ("政府は来年度の予算を承認した。大臣はこの決定が経済にとって非常に重要だと述べた。", "shift_jis"),
    ("Hükümet gelecek yılın bütçesini onayladı. Bakan kararın çok önemli olduğunu söyledi.", "cp1254"),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--n", type=int, default=400, help="texts from each source")
    args = ap.parse_args()
    ria = Path(args.data) / "ria_2023_ru" / "dev.jsonl"
    texts = [(r.get("title", "") + "\n" + r["text"]) for r in
             map(json.loads, itertools.islice(ria.open(encoding="utf-8"), args.n))]
    posts = ROOT / "svodka" / "sample" / "telegram_news.jsonl"
    texts += [json.loads(line)["text"] for line in itertools.islice(posts.open(encoding="utf-8"), args.n)]

    right, total, wrong_as = Counter(), Counter(), Counter()
    for text, length, enc, label in itertools.product(texts, (60, 400, 3000), ("cp1251", "koi8_r", "cp866"),
                                                      (None, "iso-8859-1")):
        data = text[:length].encode(enc, "replace")
        if label:
            data = f'<meta charset="{label}">'.encode() + data
        out, got = decode(data)
        key = (length, label or "undeclared")
        total[key] += 1
        if data[len(f'<meta charset="{label}">') if label else 0:].decode(enc) in out:
            right[key] += 1
        else:
            wrong_as[got] += 1
    print(f"{len(texts)} Russian texts (RIA DEV, Telegram sample) x cp1251 / koi8-r / cp866")
    print(f"{'length':>7} {'label':>11} {'right':>7}")
    for key in sorted(total):
        print(f"{key[0]:7} {key[1]:>11} {right[key] / total[key]:7.4f}  ({total[key] - right[key]} wrong)")
    print("wrong readings:", dict(wrong_as.most_common(6)) or "none")
    # UTF-8 with 1-3 stray bytes (0x80-0xFF at random places between characters): repaired in place or not
    import random

    rng = random.Random(1)
    kept = 0
    for text in texts:
        data = bytearray(text[:3000].encode("utf-8"))
        cuts = sorted(rng.sample(range(len(text[:3000])), min(rng.randint(1, 3), len(text[:3000]))), reverse=True)
        for cut in cuts:
            at = len(text[:cut].encode("utf-8"))
            data[at:at] = bytes([rng.randint(0x80, 0xFF)])
        out, got = decode(bytes(data))
        kept += got in ("utf-8 (repaired)", "utf-8-sig") and out.replace("\ufffd", "") == text[:3000].lstrip("\ufeff")
    print(f"UTF-8 texts with 1-3 stray bytes read as UTF-8 with those bytes only marked: {kept} of {len(texts)}")
    cyrillic = 0
    for text, enc in OTHER:
        out, got = decode(text.encode(enc))
        made_cyrillic = any("\u0400" <= c <= "\u04ff" for c in out)
        cyrillic += made_cyrillic
        print(f"  {enc:10} -> {got:10} {'EXACT' if out == text else 'differs'}{'  MADE CYRILLIC' if made_cyrillic else ''}")
    print(f"non-Cyrillic texts made Cyrillic: {cyrillic} of {len(OTHER)}")


if __name__ == "__main__":
    main()
