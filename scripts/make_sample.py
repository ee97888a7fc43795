"""Build svodka/sample/telegram_news.jsonl from shared/data/telegram_news_ru/dev.jsonl (CC BY 4.0).

The newest news posts (programming channels left out: they are not news) plus the posts on the seed page's
matter (rare earths, Trump, minerals), at most 3,000, records kept exactly as the dataset has them.
Run: python scripts/make_sample.py [../shared/data/telegram_news_ru/dev.jsonl]
"""
import json
import re
import sys
from pathlib import Path

NOT_NEWS = {"Хабр", "Библиотека программиста | программирование, кодинг, разработка",
            "Библиотека питониста | Python, Django, Flask", "Библиотека Go разработчика | Golang",
            "Типичный программист"}
ON_SEED_MATTER = re.compile(r"редкоземельн|Трамп|ископаем|минерал", re.I)
LIMIT = 3000


def main(src: str) -> None:
    lines = [line for line in open(src, encoding="utf-8") if line.strip()]
    news = [(line, json.loads(line)) for line in lines]
    news = [(line, r) for line, r in news if r["channel"] not in NOT_NEWS and len(r["text"].strip()) >= 40]
    news.sort(key=lambda lr: (lr[1]["date"], lr[1]["id"]))
    matter = [lr for lr in news if ON_SEED_MATTER.search(lr[1]["text"])]
    chosen = {r["id"]: line for line, r in matter}
    for line, r in reversed(news):
        if len(chosen) >= LIMIT:
            break
        chosen.setdefault(r["id"], line)
    keep = [line for line, r in news if r["id"] in chosen]
    out = Path(__file__).resolve().parent.parent / "svodka" / "sample" / "telegram_news.jsonl"
    out.write_text("".join(keep), encoding="utf-8")
    print(f"{len(keep)} posts ({len(matter)} on the seed's matter) -> {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/telegram_news_ru/dev.jsonl")
