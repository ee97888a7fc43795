"""svodka: the command line. Each command is a thin layer over one stage."""
from __future__ import annotations

import argparse
import json
import os
import sys
from itertools import islice
from typing import Iterable, Iterator

from .model import HEADING, Article, IngestError
from .store import db_location, open_store
from .understand.dates import DEFAULT_TZ

BATCH = 500
LOCAL_TZ = os.environ.get("SVODKA_TZ", DEFAULT_TZ)


def local_time(article: Article, tz: str = LOCAL_TZ) -> str:
    from .understand.dates import zone

    if not article.published_at:
        return "—"
    return article.published_at.astimezone(zone(tz)).strftime("%d.%m.%Y %H:%M")


def print_json(obj, stream=sys.stdout) -> None:
    stream.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def batched(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def progress(items: Iterable, desc: str):
    from tqdm import tqdm

    # a bar only where a person watches; scripts and CI get the summary line alone
    return tqdm(items, desc=desc, unit=" items", disable=None, file=sys.stderr, mininterval=0.5)


# -- commands


def cmd_parse(args) -> int:
    from .ingest import read

    articles, errors = [], 0
    for item in read(args.paths, tz=args.tz):
        if isinstance(item, IngestError):
            errors += 1
            print(f"error: {item}", file=sys.stderr)
        else:
            articles.append(item)
    if args.json:
        print(json.dumps([a.to_json() for a in articles], ensure_ascii=False, indent=2))
    else:
        for a in articles:
            print(f"{a.id}  {local_time(a, args.tz)}  [{a.rubric or '—'}]  {a.title}")
            print(f"    {len(a.body)} blocks, {len(a.teasers)} teasers, source {a.source}")
    return 1 if errors else 0


def cmd_ingest(args) -> int:
    from .ingest import read

    store = open_store(args.db)
    read_n = stored = duplicates = errors = 0
    try:
        items = progress(read(args.paths, tz=args.tz), "ingest")
        for chunk in batched(items, BATCH):
            articles = []
            for item in chunk:
                if isinstance(item, IngestError):
                    errors += 1
                    items.write(f"error: {item}", file=sys.stderr)
                else:
                    articles.append(item)
            read_n += len(articles)
            result = store.add_batch(articles)
            stored += len(result.stored)
            duplicates += len(result.duplicates)
    finally:
        store.close()
    print(f"read {read_n}, stored {stored}, duplicates {duplicates}, errors {errors}")
    return 1 if errors else 0


def cmd_list(args) -> int:
    store = open_store(args.db)
    kinds = (args.kind,) if args.kind else None if args.all else ("article", "post")
    articles = store.list(limit=args.limit, offset=args.offset, source=args.source, kinds=kinds)
    if args.json:
        for a in articles:
            print_json(summary(a))
    else:
        print_table(articles, store.count())
    return 0


def summary(a: Article) -> dict:
    return {"id": a.id, "kind": a.kind, "source": a.source, "url": a.url,
            "published_at": a.published_at.isoformat() if a.published_at else None, "rubric": a.rubric,
            "title": a.title, "lead": a.lead, "language": a.language, "external_id": a.external_id}


def print_table(articles: list[Article], total: int) -> None:
    print(f"{'id':12}  {'published':16}  {'source':22}  title")
    for a in articles:
        print(f"{a.id:12}  {local_time(a):16}  {a.source[:22]:22}  {a.title[:90]}")
    print(f"{len(articles)} shown of {total} stored")


def cmd_show(args) -> int:
    store = open_store(args.db)
    article = store.get(args.id)
    if article is None:
        print(f"error: no article {args.id!r} in {db_location(args.db)}", file=sys.stderr)
        return 1
    copies = store.copies_of(article.id)
    if args.json:
        data = article.to_json()
        data["copies"] = copies
        print_json(data)
        return 0
    print(f"{local_time(article)} {article.rubric or ''}".strip())
    print(f"{article.source}{'  ' + article.url if article.url else ''}\n")
    print(article.title + "\n")
    for block in article.body:
        print(("## " if block.kind == HEADING else "") + block.text + "\n")
    if article.teasers:
        print("Похожие новости (as the page showed them)")
        for t in article.teasers:
            print(f"  - {t.text}{' […]' if t.truncated else ''}  ({t.article_id})")
    if copies:
        print(f"\nAlso published by: {', '.join(c['source'] for c in copies)}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="svodka", description="A news desk for Russian-language news.")
    p.add_argument("--db", help="store: a SQLite path (default $SVODKA_DB or ./svodka.db)")
    sub = p.add_subparsers(dest="command", required=True)

    def with_db(sp):
        sp.add_argument("--db", default=argparse.SUPPRESS, help="store path (default $SVODKA_DB or ./svodka.db)")
        return sp

    sp = sub.add_parser("parse", help="show what Svodka makes of files, without storing them")
    sp.add_argument("paths", nargs="+", metavar="PATH|URL")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--tz", default=LOCAL_TZ, help="time zone of the pages' datelines (default %(default)s)")
    sp.set_defaults(func=cmd_parse)

    sp = with_db(sub.add_parser("ingest", help="read files, folders or URLs into the store (idempotent)"))
    sp.add_argument("paths", nargs="+", metavar="PATH|URL")
    sp.add_argument("--tz", default=LOCAL_TZ, help="time zone of the pages' datelines (default %(default)s)")
    sp.set_defaults(func=cmd_ingest)

    sp = with_db(sub.add_parser("list", help="stored articles, newest first"))
    sp.add_argument("--json", action="store_true", help="one JSON object a line")
    sp.add_argument("--limit", type=int, default=50)
    sp.add_argument("--offset", type=int, default=0)
    sp.add_argument("--source")
    sp.add_argument("--kind", choices=["article", "post", "stub"])
    sp.add_argument("--all", action="store_true", help="include stub articles made from teasers")
    sp.set_defaults(func=cmd_list)

    sp = with_db(sub.add_parser("show", help="one article"))
    sp.add_argument("id")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_show)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `svodka list | head`
        return 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
