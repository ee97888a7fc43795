"""SQLite store: one file, WAL, one transaction per batch, schema migrated on open, FTS5 over title and body."""
from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timezone
from typing import Iterable, Iterator

from ..model import Analysis, Article, Block, Story, Teaser
from ..ingest.pagedump import teaser_stub
from . import BatchResult

MIGRATIONS: list[str] = [
    # 1: articles, teasers of pages, copies of duplicated texts, full-text index
    """
    CREATE TABLE articles (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        source TEXT NOT NULL,
        url TEXT UNIQUE,
        external_id TEXT,
        published_at TEXT,
        rubric TEXT,
        title TEXT NOT NULL,
        lead TEXT NOT NULL,
        body TEXT NOT NULL,
        language TEXT,
        content_hash TEXT NOT NULL UNIQUE,
        origin TEXT,
        ingested_at TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles (published_at);
    CREATE INDEX articles_source ON articles (source, published_at);
    CREATE TABLE teasers (
        page_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        article_id TEXT NOT NULL,
        text TEXT NOT NULL,
        truncated INTEGER NOT NULL,
        PRIMARY KEY (page_id, position)
    );
    CREATE INDEX teasers_article ON teasers (article_id);
    CREATE TABLE copies (
        article_id TEXT NOT NULL,
        source TEXT NOT NULL,
        url TEXT NOT NULL DEFAULT '',
        external_id TEXT NOT NULL DEFAULT '',
        published_at TEXT,
        origin TEXT,
        PRIMARY KEY (article_id, source, url, external_id)
    );
    CREATE VIRTUAL TABLE articles_fts USING fts5 (
        title, body, content='', tokenize='unicode61 remove_diacritics 2'
    );
    """,
    # 2: the understanding of each article, its entities for entity pages, and lemmas for morphological search
    """
    CREATE TABLE analyses (
        article_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        language TEXT,
        rubric TEXT,
        is_news INTEGER,
        data TEXT NOT NULL,
        analysed_at TEXT NOT NULL
    );
    CREATE INDEX analyses_rubric ON analyses (rubric);
    CREATE TABLE entity_mentions (
        article_id TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        mentions INTEGER NOT NULL,
        PRIMARY KEY (article_id, type, name)
    );
    CREATE INDEX entity_mentions_name ON entity_mentions (name, type);
    CREATE VIRTUAL TABLE lemmas_fts USING fts5 (lemmas, tokenize='unicode61 remove_diacritics 0');
    """,
    # 3: linking: what the linker knows of each article, copies, stories
    """
    CREATE TABLE link_docs (
        seq INTEGER PRIMARY KEY,
        article_id TEXT NOT NULL UNIQUE,
        vector BLOB NOT NULL,
        data TEXT NOT NULL,
        dup_of TEXT
    );
    CREATE INDEX link_docs_dup ON link_docs (dup_of);
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        title TEXT NOT NULL,
        title_article TEXT NOT NULL,
        first_at TEXT,
        last_at TEXT,
        size INTEGER NOT NULL,
        sources INTEGER NOT NULL
    );
    CREATE INDEX stories_last ON stories (last_at);
    CREATE TABLE story_members (
        article_id TEXT PRIMARY KEY,
        story_id INTEGER NOT NULL,
        score REAL
    );
    CREATE INDEX story_members_story ON story_members (story_id);
    """,
    # 4: sources polled by `svodka watch`, their health, and each poll's count of new items
    """
    CREATE TABLE IF NOT EXISTS sources (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        name TEXT,
        every INTEGER NOT NULL,
        tz TEXT NOT NULL,
        full_text INTEGER NOT NULL DEFAULT 0,
        added_at TEXT NOT NULL,
        last_success TEXT,
        last_error TEXT,
        last_error_at TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        next_poll_at TEXT,
        etag TEXT,
        last_modified TEXT
    );
    CREATE TABLE IF NOT EXISTS source_polls (
        source_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        new_items INTEGER NOT NULL,
        status TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS source_polls_source ON source_polls (source_id, at);
    """,
]

_COLUMNS = ("id, kind, source, url, external_id, published_at, rubric, title, lead, body, language, "
            "content_hash, origin")

def fts_query(words: list[str], any_term: bool = False) -> str:
    """Words as an FTS5 query: each quoted (so that user text is never FTS syntax), all or any of them."""
    return (" OR " if any_term else " ").join('"' + w.replace('"', '""') + '"' for w in words if w)


_A_COLUMNS = ", ".join("a." + c.strip() for c in _COLUMNS.split(","))


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).isoformat() if dt else None


def _dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


class SQLiteStore:
    def __init__(self, path: str):
        self.path = path
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.migrate()

    def migrate(self) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = int(row[0]) if row else 0
        for number, script in enumerate(MIGRATIONS[version:], version + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                for statement in script.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(number),))
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])

    # -- writing

    def known(self, articles: Iterable[Article]) -> set[str]:
        """Ids (as given) of the articles whose text or URL is stored already: no need to analyse them again."""
        out = set()
        for a in articles:
            if self.db.execute("SELECT 1 FROM articles WHERE content_hash=? OR url=? OR id=? LIMIT 1",
                               (a.content_hash, a.url, a.id)).fetchone():
                out.add(a.id)
        return out

    def add_batch(self, articles: Iterable[Article], analyses: dict[str, Analysis] | None = None) -> BatchResult:
        """Store a batch, with the analyses of its articles (and teaser stubs) keyed by content hash, in one
        transaction: all of it lands, or none of it."""
        result = BatchResult()
        now = datetime.now(timezone.utc).isoformat()
        analyses = analyses or {}
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for article in articles:
                stored_id, is_new = self._insert(article, now)
                if is_new:
                    result.stored.append(article.id)
                    if article.content_hash in analyses:
                        self._put_analysis(article.id, analyses[article.content_hash], now)
                    for teaser in article.teasers:
                        self._insert_teaser(article, teaser, now, analyses)
                else:
                    result.duplicates.append(stored_id)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return result

    def _insert(self, a: Article, now: str) -> tuple[str, bool]:
        """Insert unless the text or URL is known; return the stored article's id and whether it is new."""
        body = json.dumps([[b.kind, b.text] for b in a.body], ensure_ascii=False)
        cur = self.db.execute(
            f"INSERT INTO articles ({_COLUMNS}, ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT DO NOTHING",
            (a.id, a.kind, a.source, a.url, a.external_id, _iso(a.published_at), a.rubric, a.title, a.lead, body,
             a.language, a.content_hash, a.origin, now))
        if cur.rowcount == 1:
            self.db.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?,?,?)",
                            (cur.lastrowid, a.title, a.text))
            return a.id, True
        row = self.db.execute(
            "SELECT id, source, url, external_id FROM articles WHERE content_hash=? OR url=? OR id=? LIMIT 1",
            (a.content_hash, a.url, a.id)).fetchone()
        stored_id, source, url, external_id = row
        if (source, url, external_id) != (a.source, a.url, a.external_id):
            self.db.execute("INSERT OR IGNORE INTO copies VALUES (?,?,?,?,?,?)",
                            (stored_id, a.source, a.url or "", a.external_id or "", _iso(a.published_at), a.origin))
        return stored_id, False

    def put_analyses(self, analyses: dict[str, Analysis]) -> None:
        now = datetime.now(timezone.utc).isoformat()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for article_id, analysis in analyses.items():
                self._put_analysis(article_id, analysis, now)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _put_analysis(self, article_id: str, a: Analysis, now: str) -> None:
        rowid = self.db.execute("SELECT rowid FROM articles WHERE id=?", (article_id,)).fetchone()[0]
        self.db.execute("INSERT OR REPLACE INTO analyses VALUES (?,?,?,?,?,?,?)",
                        (article_id, a.version, a.language, a.rubric, int(a.is_news),
                         json.dumps(a.to_json(), ensure_ascii=False), now))
        self.db.execute("DELETE FROM entity_mentions WHERE article_id=?", (article_id,))
        self.db.executemany("INSERT OR REPLACE INTO entity_mentions VALUES (?,?,?,?)",
                            [(article_id, e.normalised, e.type, len(e.mentions)) for e in a.entities])
        self.db.execute("DELETE FROM lemmas_fts WHERE rowid=?", (rowid,))
        self.db.execute("INSERT INTO lemmas_fts (rowid, lemmas) VALUES (?,?)", (rowid, " ".join(a.lemmas)))

    def _insert_teaser(self, page: Article, teaser: Teaser, now: str, analyses: dict[str, Analysis]) -> None:
        stub = teaser_stub(teaser, page)
        teaser.article_id, is_new = self._insert(stub, now)
        if is_new and stub.content_hash in analyses:
            self._put_analysis(stub.id, analyses[stub.content_hash], now)
        self.db.execute("INSERT OR IGNORE INTO teasers VALUES (?,?,?,?,?)",
                        (page.id, teaser.position, teaser.article_id, teaser.text, int(teaser.truncated)))

    # -- reading

    def _article(self, row: tuple) -> Article:
        (aid, kind, source, url, external_id, published_at, rubric, title, lead, body, language, chash,
         origin) = row
        return Article(id=aid, kind=kind, source=source, url=url, external_id=external_id,
                       published_at=_dt(published_at), rubric=rubric, title=title, lead=lead,
                       body=[Block(t, k) for k, t in json.loads(body)], language=language, content_hash=chash,
                       origin=origin)

    def get(self, article_id: str) -> Article | None:
        row = self.db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id=?", (article_id,)).fetchone()
        if row is None:
            return None
        article = self._article(row)
        article.teasers = [Teaser(text=t, position=p, truncated=bool(tr), article_id=aid)
                           for p, aid, t, tr in self.db.execute(
                               "SELECT position, article_id, text, truncated FROM teasers WHERE page_id=? "
                               "ORDER BY position", (article_id,))]
        return article

    def list(self, limit: int = 50, offset: int = 0, source: str | None = None,
             kinds: tuple[str, ...] | None = None) -> list[Article]:
        where, params = [], []
        if source:
            where.append("source=?")
            params.append(source)
        if kinds:
            where.append(f"kind IN ({','.join('?' * len(kinds))})")
            params.extend(kinds)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM articles {clause} ORDER BY published_at IS NULL, published_at DESC, rowid DESC "
            "LIMIT ? OFFSET ?", (*params, limit, offset))
        return [self._article(r) for r in rows]

    def count(self, kind: str | None = None) -> int:
        if kind:
            return self.db.execute("SELECT count(*) FROM articles WHERE kind=?", (kind,)).fetchone()[0]
        return self.db.execute("SELECT count(*) FROM articles").fetchone()[0]

    def search(self, query: str, limit: int = 20) -> list[Article]:
        terms = fts_query(query.split())
        if not terms:
            return []
        rows = self.db.execute(
            f"SELECT {_A_COLUMNS} FROM articles_fts f "
            "JOIN articles a ON a.rowid = f.rowid WHERE articles_fts MATCH ? ORDER BY f.rank LIMIT ?",
            (terms, limit))
        return [self._article(r) for r in rows]

    def analysis(self, article_id: str) -> Analysis | None:
        row = self.db.execute("SELECT data FROM analyses WHERE article_id=?", (article_id,)).fetchone()
        return Analysis.from_json(json.loads(row[0])) if row else None

    def needing_analysis(self, version: int, limit: int = 1000) -> list[Article]:
        """Articles with no analysis, or one older than `version`."""
        rows = self.db.execute(
            f"SELECT {_A_COLUMNS} FROM articles a "
            "LEFT JOIN analyses n ON n.article_id = a.id WHERE n.article_id IS NULL OR n.version < ? "
            "ORDER BY a.rowid LIMIT ?", (version, limit))
        return [self._article(r) for r in rows]

    def iter_articles(self, batch: int = 500) -> Iterator[list[Article]]:
        last = 0
        while True:
            rows = self.db.execute(f"SELECT rowid, {_COLUMNS} FROM articles WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                   (last, batch)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [self._article(r[1:]) for r in rows]

    def search_lemmas(self, lemmas: list[str], limit: int = 20) -> list[Article]:
        terms = fts_query(lemmas)
        if not terms:
            return []
        rows = self.db.execute(
            f"SELECT {_A_COLUMNS} FROM lemmas_fts f "
            "JOIN articles a ON a.rowid = f.rowid WHERE lemmas_fts MATCH ? ORDER BY f.rank LIMIT ?",
            (terms, limit))
        return [self._article(r) for r in rows]

    # -- linking

    def put_links(self, docs: list[tuple[str, bytes, str, str | None]], stories: list[Story],
                  members: list[tuple[str, int, float]]) -> None:
        """Link docs (article id, vector, data, dup_of), changed stories and new memberships: one transaction."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany("INSERT OR IGNORE INTO link_docs (article_id, vector, data, dup_of) VALUES (?,?,?,?)",
                                docs)
            self.db.executemany(
                "INSERT OR REPLACE INTO stories VALUES (?,?,?,?,?,?,?)",
                [(st.id, st.title, st.title_article, _iso(st.first_at), _iso(st.last_at), st.size, st.sources)
                 for st in stories])
            self.db.executemany("INSERT OR REPLACE INTO story_members VALUES (?,?,?)", members)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def link_vectors(self, batch: int = 10_000) -> Iterator[list[tuple[str, bytes, str | None]]]:
        last = 0
        while rows := self.db.execute("SELECT seq, article_id, vector, dup_of FROM link_docs WHERE seq > ? "
                                      "ORDER BY seq LIMIT ?", (last, batch)).fetchall():
            last = rows[-1][0]
            yield [r[1:] for r in rows]

    def count_linked(self) -> int:
        return self.db.execute("SELECT count(*) FROM link_docs").fetchone()[0]

    def link_docs(self, article_ids: list[str]) -> list[tuple[str, bytes, str]]:
        marks = ",".join("?" * len(article_ids))
        return self.db.execute(f"SELECT article_id, vector, data FROM link_docs WHERE article_id IN ({marks})",
                               article_ids).fetchall()

    def unlinked(self, limit: int = 500) -> list[tuple[Article, Analysis]]:
        """Analysed articles the linker has not seen, oldest first (stubs are not linked)."""
        rows = self.db.execute(
            f"SELECT {_A_COLUMNS}, n.data FROM articles a JOIN analyses n ON n.article_id = a.id "
            "LEFT JOIN link_docs l ON l.article_id = a.id WHERE l.article_id IS NULL AND a.kind != 'stub' "
            "ORDER BY a.published_at IS NULL, a.published_at, a.rowid LIMIT ?", (limit,)).fetchall()
        return [(self._article(r[:-1]), Analysis.from_json(json.loads(r[-1]))) for r in rows]

    def stories_all(self) -> Iterator[tuple[Story, list[tuple[str, float]]]]:
        members: dict[int, list] = {}
        for aid, sid, score in self.db.execute("SELECT article_id, story_id, score FROM story_members"):
            members.setdefault(sid, []).append((aid, score))
        for row in self.db.execute("SELECT id, title, title_article, first_at, last_at, size, sources FROM stories"):
            yield self._story(row), members.get(row[0], [])

    def story_sources(self) -> dict[int, set[str]]:
        """Each story's distinct sources, in one pass (the linker needs them to count a new member's source)."""
        out: dict[int, set[str]] = {}
        for sid, source in self.db.execute("SELECT DISTINCT m.story_id, a.source FROM story_members m "
                                           "JOIN articles a ON a.id = m.article_id"):
            out.setdefault(sid, set()).add(source)
        return out

    def _story(self, row) -> Story:
        sid, title, title_article, first_at, last_at, size, sources = row
        return Story(id=sid, title=title, title_article=title_article, first_at=_dt(first_at),
                     last_at=_dt(last_at), size=size, sources=sources)

    def story(self, story_id: int) -> Story | None:
        row = self.db.execute("SELECT id, title, title_article, first_at, last_at, size, sources FROM stories "
                              "WHERE id=?", (story_id,)).fetchone()
        if not row:
            return None
        story = self._story(row)
        story.members = [r[0] for r in self.db.execute(
            "SELECT m.article_id FROM story_members m JOIN articles a ON a.id = m.article_id WHERE m.story_id=? "
            "ORDER BY a.published_at, a.rowid", (story_id,))]
        return story

    def story_of(self, article_id: str) -> int | None:
        row = self.db.execute("SELECT story_id FROM story_members WHERE article_id=?", (article_id,)).fetchone()
        return row[0] if row else None

    def newest_time(self, skip: int = 0) -> datetime | None:
        """The newest article's time; with `skip`, the time of the (skip+1)-th newest (robust to a few outliers)."""
        row = self.db.execute("SELECT published_at FROM articles WHERE kind != 'stub' AND published_at IS NOT NULL "
                              "ORDER BY published_at DESC LIMIT 1 OFFSET ?", (skip,)).fetchone()
        if row is None and skip:
            return self.newest_time()
        return _dt(row[0]) if row else None

    def search_lemma_ids(self, lemmas: list[str], limit: int = 30, by_rank: bool = True) -> list[str]:
        """Ids of matches for any of the lemmas: candidates for "more like this". By BM25 rank, or, in a large store
        where ranking every match costs too much, the newest matches (the index reads them backwards and stops)."""
        terms = fts_query(lemmas, any_term=True)
        if not terms:
            return []
        order = "f.rank" if by_rank else "f.rowid DESC"
        return [r[0] for r in self.db.execute(
            "SELECT a.id FROM lemmas_fts f JOIN articles a ON a.rowid = f.rowid WHERE lemmas_fts MATCH ? "
            f"ORDER BY {order} LIMIT ?", (terms, limit))]

    def copies_of(self, article_id: str) -> list[dict]:
        return [dict(source=s, url=u or None, external_id=e or None, published_at=p, origin=o)
                for s, u, e, p, o in self.db.execute(
                    "SELECT source, url, external_id, published_at, origin FROM copies WHERE article_id=? "
                    "ORDER BY published_at", (article_id,))]

    def close(self) -> None:
        self.db.close()
