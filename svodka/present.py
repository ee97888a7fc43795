"""How things are shown to a person or a script: times, JSON lines, tables, the reasons of related items.

Shared by the CLI, the site and the API; light on purpose (nothing heavy is imported at module level), so that
importing it costs nothing and nothing here imports svodka.cli.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Iterable

from .model import Article
from .understand.dates import DEFAULT_TZ

LOCAL_TZ = os.environ.get("SVODKA_TZ", DEFAULT_TZ)


def local_time(article: Article, tz: str = LOCAL_TZ) -> str:
    from .understand.dates import zone

    if not article.published_at:
        return "—"
    return article.published_at.astimezone(zone(tz)).strftime("%d.%m.%Y %H:%M")


def zone_local():
    from .understand.dates import zone

    return zone(LOCAL_TZ)


def print_json(obj, stream=sys.stdout) -> None:
    stream.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def progress(items: Iterable | None, desc: str):
    from tqdm import tqdm

    # a bar only where a person watches; scripts and CI get the summary line alone
    return tqdm(items, desc=desc, unit=" items", disable=None, file=sys.stderr, mininterval=0.5)


def reason_line(item) -> str:
    """Why an item is related, in the reader's words: "общие: Владимир Путин, США · тот же сюжет"."""
    parts = []
    if item.shared_entities:
        parts.append("общие: " + ", ".join(item.shared_entities[:4]))
    if getattr(item, "shared_terms", None):  # what no name carries: "слова: редкоземельный, металл"
        parts.append("слова: " + ", ".join(item.shared_terms[:3]))
    if getattr(item, "shared_figures", None):
        parts.append("те же цифры: " + ", ".join(item.shared_figures[:2]))
    if item.same_story:
        parts.append("тот же сюжет")
    if not parts:
        parts.append("похожий текст")
    if item.copies:
        parts.append(f"ещё копий: {item.copies}")
    return " · ".join(parts)


def summary(a: Article) -> dict:
    return {"id": a.id, "kind": a.kind, "source": a.source, "url": a.url,
            "published_at": a.published_at.isoformat() if a.published_at else None, "rubric": a.rubric,
            "title": a.title, "lead": a.lead, "language": a.language, "external_id": a.external_id}


def print_table(articles: list[Article], total: int) -> None:
    print(f"{'id':12}  {'published':16}  {'source':22}  title")
    for a in articles:
        print(f"{a.id:12}  {local_time(a):16}  {a.source[:22]:22}  {a.title[:90]}")
    print(f"{len(articles)} shown of {total} stored")
