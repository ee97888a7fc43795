"""svodka: the command line. Each command is a thin layer over one stage."""
from __future__ import annotations

import argparse
import json
import os
import sys

# numpy's BLAS threads only spin in this work (one small vector at a time) and slow the whole run 3-4x on a busy
# machine (docs/benchmarks.md, "Ray pipeline"): one thread, unless the user says otherwise
os.environ.setdefault("OMP_NUM_THREADS", "1")

from .model import HEADING, IngestError
from .present import LOCAL_TZ, local_time, print_json, print_table, progress, reason_line, summary, zone_local
from .store import db_location, open_store

# -- commands


def cmd_parse(args) -> int:
    from .ingest import read

    articles, errors = [], 0
    for item in read(args.paths, tz=args.tz, source=args.source):
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
    from .pipeline import ingest

    from .link.linker import Linker

    if args.no_event_vectors:
        os.environ["SVODKA_EVENT_VECTORS"] = "0"
    store = open_store(args.db)
    try:
        # another process may be the store's linker (a server): then it links what this stores
        linker = None if args.no_analyze or not store.try_lead() else Linker(store)
        items = progress(read(args.paths, tz=args.tz, source=args.source), "ingest")

        def on_error(e: IngestError) -> None:
            items.write(f"error: {e}", file=sys.stderr)

        if args.ray and not args.no_analyze:
            from . import distributed

            with distributed.ray_session(args.ray, args.workers):
                counts = distributed.ingest(store, items, linker=linker, on_error=on_error)
        else:
            counts = ingest(store, items, analyze=not args.no_analyze, linker=linker, on_error=on_error)
        if linker is None and not args.no_analyze:
            link_what_is_left(store)
    finally:
        store.close()
    print(counts)
    return 1 if counts.errors else 0


def link_what_is_left(store) -> None:
    """A run that found another process linking (a server, or another `svodka ingest`) stored its articles
    unlinked. If that process has gone, link them now; if not, say that they wait for a linker."""
    from .link.linker import Linker

    if not store.unlinked(limit=1):
        return
    if store.try_lead():
        print(f"linked {Linker(store).link_pending()} articles left for the linker", file=sys.stderr)
        return
    print("note: another process is this store's linker, so the new articles wait for it: a server "
          "(`svodka serve`) links them within seconds; after another `svodka ingest`, run `svodka link`",
          file=sys.stderr)


def cmd_link(args) -> int:
    """Link what is stored and not linked yet (what a run that did not lead the store left)."""
    from .link.linker import Linker

    store = open_store(args.db)
    try:
        if not store.try_lead():
            print("error: another process links this store (a server links new articles itself)", file=sys.stderr)
            return 1
        done = Linker(store).link_pending()
    finally:
        store.close()
    print(f"linked {done}")
    return 0


def cmd_analyze(args) -> int:
    from .understand.analyze import analyze

    if args.jsonl:
        return analyze_jsonl(args.jsonl, args.with_lemmas)
    if args.path in (None, "-"):
        text = sys.stdin.read()
        print_json(analysis_json(analyze(text), text, args.with_lemmas))
        return 0
    from .ingest import read_file

    status = 0
    for item in read_file(args.path, tz=args.tz):
        if isinstance(item, IngestError):
            print(f"error: {item}", file=sys.stderr)
            status = 1
            continue
        result = analysis_json(analyze(item.text, item.title, item.rubric), item.text, args.with_lemmas)
        print_json({"id": item.id, "title": item.title, **result})
    return status


def analysis_json(analysis, text: str, with_lemmas: bool = False) -> dict:
    data = analysis.to_json(with_lemmas=with_lemmas)
    data["text"] = text  # offsets point into this
    return data


def analyze_jsonl(path: str, with_lemmas: bool) -> int:
    """One analysis a line, in input order, each keeping its record's id; a bad line gets an error line."""
    from .understand.analyze import analyze

    stream = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")
    status = 0
    with stream:
        for n, line in enumerate(progress(stream, "analyze"), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                text = record["text"]
                if not isinstance(text, str):
                    raise TypeError("text is not a string")
            except (ValueError, KeyError, TypeError) as e:
                print(f"error: {path}:line {n}: {type(e).__name__}: {e}", file=sys.stderr)
                print_json({"id": None, "line": n, "error": str(e)})
                status = 1
                continue
            analysis = analyze(text, str(record.get("title") or ""), record.get("rubric"))
            print_json({"id": record.get("id"), **analysis.to_json(with_lemmas=with_lemmas)})
    return status


def cmd_related(args) -> int:
    from .link.linker import Linker

    store = open_store(args.db)
    article = store.get(args.id)
    if article is None:
        print(f"error: no article {args.id!r} in {db_location(args.db)}", file=sys.stderr)
        return 1
    linker = Linker(store)
    items = linker.related(article.id, k=args.k, article=article, analysis=store.analysis(article.id))
    if article.id not in linker.linked and not store.link_docs([article.id]):
        print(f"note: {article.id} is not linked yet (stored while another process was the linker): related "
              "news may be missing; `svodka link` links it", file=sys.stderr)
    if args.json:
        for item in items:
            print_json(item.to_json())
        return 0
    print(f"{article.title}\n")
    for item in items:
        when = item.published_at.astimezone(zone_local()).strftime("%d.%m.%Y %H:%M") if item.published_at else "—"
        print(f"{item.score:.2f}  {item.article_id}  {when}  {item.source[:20]:20}  {item.title[:80]}")
        print(f"      {reason_line(item)}")
    return 0


def parse_age(text: str):
    from datetime import timedelta

    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if not text or text[-1] not in units or not text[:-1].isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: use a number and m, h, d or w (24h, 7d)")
    return timedelta(**{units[text[-1]]: int(text[:-1])})


def cmd_stories(args) -> int:
    from .link.linker import Linker

    store = open_store(args.db)
    linker = Linker(store)
    stories = linker.top_stories(n=args.top, since=args.since, min_size=args.min_size)
    if args.json:
        for s in stories:
            print_json(s.to_json())
        return 0
    for s in stories:
        when = s.last_at.astimezone(zone_local()).strftime("%d.%m %H:%M") if s.last_at else "—"
        print(f"{s.id:6}  {s.sources:3} src  {s.size:4} art  {when}  {s.title[:90]}")
    return 0


def cmd_pairs(args) -> int:
    """Each line with text_1, text_2 (optional title_*) written back with score, same_story and kind: a headline
    pair and a full-text pair are judged by their own models (svodka/link/pairs.py)."""
    from .link.event import event_vectors
    from .link.pairs import days_differ, same_story, side
    from .understand.entities import find_entities
    from .understand.figures import find_figures

    def doc(r: dict, n: int):
        title, text = str(r.get(f"title_{n}") or ""), str(r.get(f"text_{n}") or "")
        if not title and text:  # the headline as ingest finds one, not the whole text read as a body
            from .ingest.jsonl import headline_and_body

            title, blocks = headline_and_body(text)
            body = "\n\n".join(b.text for b in blocks)
            text = "" if body.strip() == title.strip() else body  # one sentence: a headline pair
        full = f"{title}\n{text}"[:3000]
        return side(title, text, find_entities(full), find_figures(full), e5=None if args.fast else event_vectors)

    stream = sys.stdin if args.path == "-" else open(args.path, encoding="utf-8")
    status = 0
    with stream:
        for n, line in enumerate(progress(stream, "pairs"), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or not (record.get("text_1") or record.get("title_1")) \
                        or not (record.get("text_2") or record.get("title_2")):
                    raise ValueError("needs text_1 and text_2")
            except ValueError as e:
                print(f"error: {args.path}:line {n}: {e}", file=sys.stderr)
                status = 1
                continue
            a, b = doc(record, 1), doc(record, 2)
            score, same, kind = same_story(a, b)
            record["score"] = round(score, 4)
            record["same_story"] = same
            record["kind"] = kind
            if days_differ(a, b):  # why a high score is not called the same story
                record["reason"] = "the headlines name different days"
            print_json(record)
    return status


def cmd_serve(args) -> int:
    from .serve import serve

    serve(args.db, args.host, args.port, watch=args.watch, access_log=args.access_log)
    return 0


def cmd_relink(args) -> int:
    """Link docs and stories made again for the whole store, oldest first (after a change of the link model or
    thresholds, or to add the event vectors a bulk load deferred): what arriving one by one would have made."""
    from .link.linker import Linker

    if args.no_event_vectors:
        os.environ["SVODKA_EVENT_VECTORS"] = "0"
    store = open_store(args.db)
    try:
        if not store.try_lead():
            print("error: another process links this store (a server?): stop it, then relink", file=sys.stderr)
            return 1
        store.clear_links()
        linker = Linker(store)
        bar = progress(None, "relink")
        bar.total = store.count()
        if args.ray:
            from . import distributed

            with distributed.ray_session(args.ray, args.workers):
                done = distributed.relink(linker, progress=bar.update)
        else:
            done = linker.link_pending(progress=bar.update)
        bar.close()
        stories = len(linker.stories)
    finally:
        store.close()
    print(f"linked {done}, stories {stories}")
    return 0


def cmd_reanalyze(args) -> int:
    from .pipeline import reanalyze

    store = open_store(args.db)
    try:
        bar = progress(None, "reanalyze")
        bar.total = store.count()
        if args.ray:
            from . import distributed

            with distributed.ray_session(args.ray, args.workers):
                done = distributed.reanalyze(store, only_missing=args.missing, progress=bar.update)
        else:
            done = reanalyze(store, only_missing=args.missing, progress=bar.update)
        bar.close()
    finally:
        store.close()
    print(f"analysed {done}")
    return 0


def cmd_list(args) -> int:
    store = open_store(args.db)
    kinds = (args.kind,) if args.kind else None if args.all else ("article", "post")
    source = resolve_source(store, args.source) if args.source else None
    if args.source and source is None:
        return 1
    articles = store.list(limit=args.limit, offset=args.offset, source=source, kinds=kinds)
    if args.json:
        analyses = store.analyses([a.id for a in articles])
        for a in articles:
            print_json(with_analysis(summary(a), analyses.get(a.id)))
    else:
        print_table(articles, store.count())
    return 0


def with_analysis(item: dict, analysis) -> dict:
    """A post gives itself no rubric or language: the analysis' stand in (a page's own are kept)."""
    if analysis is not None:
        item["rubric"] = item.get("rubric") or analysis.rubric
        item["language"] = item.get("language") or analysis.language
    return item


def resolve_source(store, name: str) -> str | None:
    """The stored source the name stands for: itself, or the one name it begins (case aside); else None, having
    said which names there are."""
    names = store.source_names()
    if name in names:
        return name
    found = [n for n in names if n.casefold().startswith(name.casefold())]
    if len(found) == 1:
        print(f"source: {found[0]}", file=sys.stderr)
        return found[0]
    shown = found or names
    what = f"{len(found)} sources begin with {name!r}" if found else f"no source {name!r}"
    print(f"error: {what}; {'they are' if found else 'sources'}: " + ", ".join(shown[:30])
          + (f", … ({len(shown)} in all)" if len(shown) > 30 else ""), file=sys.stderr)
    return None


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


def ray_address(text: str) -> str:
    # `ingest --ray a.jsonl b.jsonl` would take a.jsonl for the address: say so rather than fail inside Ray
    if os.path.exists(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a file: put --ray after the paths, or write --ray local")
    return text


def add_ray_options(sp) -> None:
    sp.add_argument("--ray", nargs="?", const="local", type=ray_address, metavar="ADDRESS",
                    help="analyse in Ray tasks: on a local Ray started for the command (no ADDRESS, or 'local'), "
                    "or on the cluster at ADDRESS (HEAD:6379); needs `pip install svodka[ray]`")
    sp.add_argument("--workers", type=int, metavar="N",
                    help="CPUs of the local Ray (default: all cores); a cluster uses all of its own")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="svodka", description="A news desk for Russian-language news.")
    p.add_argument("--db", help="store: a SQLite path or a postgresql:// URL (default $SVODKA_DB or ./svodka.db)")
    sub = p.add_subparsers(dest="command", required=True)

    def with_db(sp):
        sp.add_argument("--db", default=argparse.SUPPRESS,
                        help="SQLite path or postgresql:// URL (default $SVODKA_DB or ./svodka.db)")
        return sp

    sp = sub.add_parser("parse", help="show what Svodka makes of files, without storing them")
    sp.add_argument("paths", nargs="+", metavar="PATH|URL")
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--tz", default=LOCAL_TZ, help="time zone of the pages' datelines (default %(default)s)")
    sp.add_argument("--source", help="source name for inputs that carry none (page dumps; default 'page')")
    sp.set_defaults(func=cmd_parse)

    sp = with_db(sub.add_parser("ingest", help="read files, folders or URLs into the store (idempotent)"))
    sp.add_argument("paths", nargs="+", metavar="PATH|URL")
    sp.add_argument("--tz", default=LOCAL_TZ, help="time zone of the pages' datelines (default %(default)s)")
    sp.add_argument("--source", help="source name for inputs that carry none (page dumps; default 'page')")
    sp.add_argument("--no-analyze", action="store_true", help="store only; `svodka reanalyze --missing` later")
    sp.add_argument("--no-event-vectors", action="store_true",
                    help="defer the e5 event vectors (~10 texts/s) of a bulk load; `svodka relink` adds them")
    add_ray_options(sp)
    sp.set_defaults(func=cmd_ingest)

    sp = sub.add_parser("analyze", help="analyse a file or stdin (or --jsonl records) and print JSON")
    sp.add_argument("path", nargs="?", metavar="PATH|-")
    sp.add_argument("--jsonl", metavar="FILE", help="records with a `text` field (and optional id, title); - for stdin")
    sp.add_argument("--with-lemmas", action="store_true", help="include the lemmas")
    sp.add_argument("--tz", default=LOCAL_TZ)
    sp.set_defaults(func=cmd_analyze)

    sp = with_db(sub.add_parser("related", help="news related to an article, with reasons"))
    sp.add_argument("id")
    sp.add_argument("-k", type=int, default=10)
    sp.add_argument("--json", action="store_true", help="one JSON object a line")
    sp.set_defaults(func=cmd_related)

    sp = with_db(sub.add_parser("stories", help="top stories: distinct sources x freshness"))
    sp.add_argument("--top", type=int, default=20)
    sp.add_argument("--since", type=parse_age, help="only stories active in this span before now (24h, 7d); "
                    "now is the newest article's time when the store holds only older news")
    sp.add_argument("--min-size", type=int, default=1)
    sp.add_argument("--json", action="store_true", help="one JSON object a line")
    sp.set_defaults(func=cmd_stories)

    sp = sub.add_parser("pairs", help="score pairs of texts: same story or not")
    sp.add_argument("path", metavar="FILE.jsonl|-")
    sp.add_argument("--fast", action="store_true",
                    help="without the e5 part: ~50x faster, less exact (tgcontest F1 0.78 instead of 0.85)")
    sp.set_defaults(func=cmd_pairs)

    sp = with_db(sub.add_parser("serve", help="the site and the JSON API (write side needs SVODKA_API_KEY)"))
    sp.add_argument("--host", default="127.0.0.1")
    sp.add_argument("--port", type=int, default=8000)
    sp.add_argument("--watch", action="store_true", help="poll the registered sources in the background")
    sp.add_argument("--access-log", metavar="PATH|-", help="one JSON line a request (time, method, path, route, "
                    "status, bytes, duration_ms, client, user_agent) to PATH, or - for stderr "
                    "(default $SVODKA_ACCESS_LOG, or none)")
    sp.set_defaults(func=cmd_serve)

    sp = with_db(sub.add_parser("link", help="link what is stored and not linked yet"))
    sp.set_defaults(func=cmd_link)

    sp = with_db(sub.add_parser("relink", help="make copies, stories and link data again for the whole store"))
    sp.add_argument("--no-event-vectors", action="store_true", help="without e5 event vectors (faster, coarser)")
    add_ray_options(sp)
    sp.set_defaults(func=cmd_relink)

    sp = with_db(sub.add_parser("reanalyze", help="run the analysis again over stored articles"))
    sp.add_argument("--missing", action="store_true", help="only articles without a current analysis")
    add_ray_options(sp)
    sp.set_defaults(func=cmd_reanalyze)

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

    from .sources.cli import add_source_commands
    add_source_commands(sub, with_db)
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
