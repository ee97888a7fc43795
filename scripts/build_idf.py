"""Document frequencies of lemmas for TF-IDF, from public Russian news (shipped as svodka/data/idf.json).

Sources: telegram_news_ru DEV (all 24 channels: programming posts keep IT words from looking rare) and
ria_2023_ru DEV. Lemmas seen in fewer than 2 documents are left out: unseen lemmas get the highest IDF anyway.
Run: .venv/bin/python scripts/build_idf.py [../shared/data]
"""
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from svodka.link.similarity import content_lemmas  # noqa: E402


def texts(data: Path):
    for line in open(data / "telegram_news_ru" / "dev.jsonl", encoding="utf-8"):
        yield json.loads(line)["text"]
    for line in open(data / "ria_2023_ru" / "dev.jsonl", encoding="utf-8"):
        r = json.loads(line)
        yield f"{r['title']}\n{r['text']}"


def main(data: Path) -> None:
    df, n = Counter(), 0
    for text in texts(data):
        df.update(set(content_lemmas(text[:3000])))
        n += 1
    kept = {w: c for w, c in sorted(df.items()) if c >= 2}
    out = ROOT / "svodka" / "data" / "idf.json"
    out.write_text(json.dumps({"documents": n, "df": kept}, ensure_ascii=False, separators=(",", ":")),
                   encoding="utf-8")
    print(f"{n} documents, {len(df)} lemmas, {len(kept)} kept -> {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data")
