"""`svodka sources add|list|remove` and `svodka watch`."""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import threading

from ..understand.dates import DEFAULT_TZ
from .registry import MAX_EVERY

MIN_EVERY = 60  # politeness: no source is polled more than once a minute
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(text: str) -> int:
    """Seconds from "90s", "10m", "2h", "1d" or a bare number of seconds."""
    number, unit = (text[:-1], text[-1]) if text and text[-1] in _UNITS else (text, "s")
    if not (number.isascii() and number.isdigit()):
        raise argparse.ArgumentTypeError(f"{text!r}: use a number and s, m, h or d (10m, 1h)")
    # a number of thousands of digits is no interval either (and int() of it is slow): it is just too long
    seconds = int(number) * _UNITS[unit] if len(number.lstrip("0")) <= 12 else MAX_EVERY + 1
    if seconds < MIN_EVERY:
        raise argparse.ArgumentTypeError(f"{text!r}: at most one poll a minute (--every 1m or more)")
    if seconds > MAX_EVERY:
        raise argparse.ArgumentTypeError(f"{text!r}: at least one poll a year (--every 366d or less)")
    return seconds


def time_zone(name: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(f"{name!r}: not a known time zone (Europe/Moscow, UTC)") from None
    return name


def _registry(args):
    from ..store import open_store
    from .registry import Registry

    store = open_store(args.db)
    return store, Registry(store)


def cmd_add(args) -> int:
    from ..present import print_json

    if not args.url.startswith(("http://", "https://")):
        print(f"error: {args.url!r} is not an http(s) URL", file=sys.stderr)
        return 2
    store, registry = _registry(args)
    try:
        existing = registry.by_url(args.url)
        if existing:
            print(f"error: {args.url} is registered already, as source {existing.id}", file=sys.stderr)
            return 1
        source = registry.add(args.url, args.name, args.every, args.tz, args.full_text)
        print_json(registry.health(source))
    finally:
        store.close()
    return 0


def cmd_list(args) -> int:
    from ..present import print_json

    store, registry = _registry(args)
    try:
        rows = [registry.health(s) for s in registry.all()]
    finally:
        store.close()
    for row in rows:
        if args.json:
            print_json(row)
        else:
            print_row(row)
    if not args.json and not rows:
        print("no sources: add one with `svodka sources add URL`")
    return 0


def print_row(row: dict) -> None:
    state = f"failing x{row['consecutive_failures']}" if row["consecutive_failures"] \
        else "ok" if row["last_success"] else "not polled"
    print(f"{row['id']:4}  {state:12}  {row['items_last_day']:5} /day  every {row['every']:>6}s  "
          f"{row['name'] or '—':20.20}  {row['url']}")
    if row["consecutive_failures"]:
        print(f"      last error {row['last_error_at']}: {row['last_error']}")


def cmd_remove(args) -> int:
    store, registry = _registry(args)
    try:
        gone = registry.remove(args.id)
    finally:
        store.close()
    if not gone:
        print(f"error: no source {args.id}", file=sys.stderr)
        return 1
    print(f"removed source {args.id} (its articles stay)")
    return 0


def cmd_watch(args) -> int:
    from ..present import print_json
    from ..store import open_store
    from .poller import PollConfig, watch

    stop = threading.Event()
    store = open_store(args.db)
    config = PollConfig(concurrency=args.concurrency)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop_or_quit, sig, stop)
        await watch(store, stop, config, once=args.once, on_result=lambda r: print_json(r.report(), sys.stdout))

    try:
        asyncio.run(main())
    finally:
        store.close()
    return 0


def stop_or_quit(sig: int, stop: threading.Event) -> None:
    """The first signal lets the current round finish and be stored; a second one quits at once."""
    if stop.is_set():
        raise SystemExit(128 + sig)
    print("stopping after the current round (again to quit now)", file=sys.stderr)
    stop.set()


def add_source_commands(sub, with_db) -> None:
    sp = with_db(sub.add_parser("sources", help="the sources `svodka watch` polls"))
    ss = sp.add_subparsers(dest="sources_command", required=True)

    a = with_db(ss.add_parser("add", help="register a feed (RSS/Atom) or page URL"))
    a.add_argument("url")
    a.add_argument("--name", help="source name for its articles (default: the feed's title)")
    a.add_argument("--every", type=parse_interval, default=600, metavar="INTERVAL",
                   help="poll interval: 90s, 10m, 1h (default 10m)")
    a.add_argument("--full-text", action="store_true",
                   help="fetch each new item's page for its full text (robots.txt permitting)")
    a.add_argument("--tz", type=time_zone, default=DEFAULT_TZ, help="time zone of the pages' dates (%(default)s)")
    a.set_defaults(func=cmd_add)

    ls = with_db(ss.add_parser("list", help="sources with their health"))
    ls.add_argument("--json", action="store_true", help="one JSON object a line")
    ls.set_defaults(func=cmd_list)

    rm = with_db(ss.add_parser("remove", help="stop polling a source (its articles stay)"))
    rm.add_argument("id", type=int)
    rm.set_defaults(func=cmd_remove)

    w = with_db(sub.add_parser("watch", help="poll the sources until stopped (Ctrl-C finishes the round first)"))
    w.add_argument("--once", action="store_true", help="poll every due source once, then exit (for cron)")
    w.add_argument("--concurrency", type=int, default=16, help="sources polled at once (%(default)s)")
    w.set_defaults(func=cmd_watch)
