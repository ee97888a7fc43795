"""Sources kept in the store: what to poll, how often, and how each has fared."""
from __future__ import annotations

import random
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..understand.dates import DEFAULT_TZ

MAX_BACKOFF = 6 * 3600  # a dead source is still tried four times a day
MAX_EVERY = 366 * 86400  # `sources add` refuses more; a row written before that check is read as this
POLL_HISTORY = timedelta(days=7)  # poll rows older than this are pruned: watch runs without end
_COLUMNS = ("id, url, name, every, tz, full_text, added_at, last_success, last_error, last_error_at, "
            "consecutive_failures, next_poll_at, etag, last_modified")


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    # one fixed format, so times compare correctly as strings in SQL
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Source:
    id: int
    url: str
    name: str | None
    every: int  # seconds between polls
    tz: str = DEFAULT_TZ
    full_text: bool = False
    added_at: str = ""
    last_success: str | None = None
    last_error: str | None = None
    last_error_at: str | None = None
    consecutive_failures: int = 0
    next_poll_at: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class PollRecord:
    """What one poll leaves in the store besides articles."""
    ok: bool
    status: str  # "ok", "not modified", or the error
    new_items: int = 0
    etag: str | None = None
    last_modified: str | None = None


def backoff_seconds(every: int, failures: int) -> int:
    """Doubles with each failure in a row, capped; jitter keeps sources that failed together from retrying together."""
    every = min(every, MAX_EVERY)
    if failures <= 0:
        return every
    delay = min(every * 2 ** min(failures, 20), max(MAX_BACKOFF, every))
    return int(delay * random.uniform(0.9, 1.1))


class Registry:
    def __init__(self, store):
        self.store = store

    def add(self, url: str, name: str | None = None, every: int = 600, tz: str = DEFAULT_TZ,
            full_text: bool = False, now: datetime | None = None) -> Source:
        now = now or now_utc()
        with self.store.transaction() as x:
            source_id = x.execute(
                "INSERT INTO sources (url, name, every, tz, full_text, added_at, next_poll_at) VALUES (?,?,?,?,?,?,?) "
                "RETURNING id", (url, name, every, tz, int(full_text), iso(now), iso(now))).fetchone()[0]
        return self.get(source_id)

    def remove(self, source_id: int) -> bool:
        """The source and its poll history go; the articles it brought stay."""
        with self.store.transaction() as x:
            gone = x.execute("DELETE FROM sources WHERE id=?", (source_id,)).rowcount
            x.execute("DELETE FROM source_polls WHERE source_id=?", (source_id,))
        return bool(gone)

    def get(self, source_id: int) -> Source | None:
        rows = self.store.query(f"SELECT {_COLUMNS} FROM sources WHERE id=?", (source_id,))
        return _source(rows[0]) if rows else None

    def by_url(self, url: str) -> Source | None:
        rows = self.store.query(f"SELECT {_COLUMNS} FROM sources WHERE url=?", (url,))
        return _source(rows[0]) if rows else None

    def all(self) -> list[Source]:
        return [_source(r) for r in self.store.query(f"SELECT {_COLUMNS} FROM sources ORDER BY id")]

    def due(self, now: datetime | None = None) -> list[Source]:
        rows = self.store.query(f"SELECT {_COLUMNS} FROM sources WHERE next_poll_at IS NULL OR next_poll_at <= ? "
                                "ORDER BY next_poll_at, id", (iso(now or now_utc()),))
        return [_source(r) for r in rows]

    def next_due_at(self) -> datetime | None:
        rows = self.store.query("SELECT MIN(next_poll_at) FROM sources")
        return datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    def record(self, source: Source, poll: PollRecord, now: datetime | None = None) -> None:
        """The health row and the poll row, in one transaction; nothing else is touched."""
        now = now or now_utc()
        failures = 0 if poll.ok else source.consecutive_failures + 1
        next_at = iso(now + timedelta(seconds=backoff_seconds(source.every, failures)))
        with self.store.transaction() as x:
            if poll.ok:
                x.execute(
                    "UPDATE sources SET last_success=?, consecutive_failures=0, next_poll_at=?, "
                    "etag=?, last_modified=? WHERE id=?",
                    (iso(now), next_at, poll.etag, poll.last_modified, source.id))
            else:
                x.execute(
                    "UPDATE sources SET last_error=?, last_error_at=?, consecutive_failures=?, next_poll_at=? "
                    "WHERE id=?", (poll.status, iso(now), failures, next_at, source.id))
            x.execute("INSERT INTO source_polls VALUES (?,?,?,?)", (source.id, iso(now), poll.new_items, poll.status))
            x.execute("DELETE FROM source_polls WHERE at < ?", (iso(now - POLL_HISTORY),))

    def items_since(self, source_id: int, since: datetime) -> int:
        rows = self.store.query("SELECT COALESCE(SUM(new_items), 0) FROM source_polls WHERE source_id=? AND at >= ?",
                                (source_id, iso(since)))
        return int(rows[0][0])

    def health(self, source: Source, now: datetime | None = None) -> dict:
        """The row `sources list --json` prints: settings, then how the source has fared."""
        now = now or now_utc()
        d = asdict(source)
        for key in ("etag", "last_modified", "added_at"):
            d.pop(key)
        d["items_last_day"] = self.items_since(source.id, now - timedelta(days=1))
        return d


# -- what a public page may show of a source: no credentials, no raw error text (it may quote the URL, an address)

_SECRET_PARAMS = re.compile(r"(?:^|_|-)(?:token|key|apikey|secret|password|passwd|pass|pwd|auth|sig|signature|"
                            r"session|sid|credential|access)s?(?:$|_|-)", re.I)
_ERROR_SUMMARIES = [  # the first that matches the start of the error names it
    ("timed out", "нет ответа вовремя"), ("no complete answer", "нет ответа вовремя"),
    ("connection failed", "не удалось соединиться"), ("cannot resolve", "адрес не найден"),
    ("refused", "адрес не разрешён"), ("redirect loop", "перенаправления по кругу"),
    ("more than", "слишком много перенаправлений"), ("response larger", "ответ слишком велик"),
    ("HTTP ", None), ("store failed", "ошибка хранилища"), ("poll took longer", "опрос занял слишком долго"),
    ("request failed", "ошибка запроса"),
]


def masked_url(url: str) -> str:
    """The URL with its password and secret-looking query values replaced by ***."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = f"{user.split(':', 1)[0]}:***@{host}" if ":" in user else f"***@{host}"
    query = urlencode([(k, "***" if _SECRET_PARAMS.search(k) else v)
                       for k, v in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def error_summary(error: str | None) -> str | None:
    """A few words on what went wrong: the raw text stays with the operator (`sources list`)."""
    if not error:
        return error
    for start, summary in _ERROR_SUMMARIES:
        if error.startswith(start):
            return summary or error.split(" (")[0][:40]  # "HTTP 503 Service Unavailable"
    return "лента не прочитана" if "feed" in error or "format" in error else "ошибка"


def public_health(row: dict) -> dict:
    """A `health` row as a public page shows it."""
    return {**row, "url": masked_url(row["url"]), "last_error": error_summary(row["last_error"])}


def _source(row: tuple) -> Source:
    s = Source(*row)
    s.full_text = bool(s.full_text)
    return s
