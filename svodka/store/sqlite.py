"""SQLite store: one file, WAL, one transaction per batch, schema migrated on open, FTS5 over title and body."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from typing import Callable, Iterable

from .sql import A_COLUMNS, ITEM_SQL, SQLStore, index_text, page_feed_rubric, widen_ids


def _backfill_feed_rubric(db: sqlite3.Connection) -> None:
    rows = db.execute("SELECT n.article_id, a.rubric, n.rubric FROM analyses n "
                      "JOIN articles a ON a.id = n.article_id").fetchall()
    db.executemany("UPDATE analyses SET feed_rubric=? WHERE article_id=?",
                   [(page_feed_rubric(page, ours), aid) for aid, page, ours in rows])


MIGRATIONS: list[str | Callable[[sqlite3.Connection], None]] = [
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
    # 5: the rubric feeds file an article under, kept beside its analysis so that any backend can filter on it
    "ALTER TABLE analyses ADD COLUMN feed_rubric TEXT; CREATE INDEX analyses_feed_rubric ON analyses (feed_rubric)",
    _backfill_feed_rubric,
    # 7: article ids of 128 bits instead of 48, in every table; the old ones kept as aliases (store/sql.py)
    widen_ids,
]


def fts_query(words: list[str], any_term: bool = False) -> str:
    """Words as an FTS5 query: each quoted (so that user text is never FTS syntax), all or any of them."""
    return (" OR " if any_term else " ").join('"' + w.replace('"', '""') + '"' for w in words if w)


def _casefold(text: str | None) -> str | None:
    return text.casefold() if text else text


class SQLiteStore(SQLStore):
    FOLDED_CONTAINS = "instr(casefold({col}), ?) > 0"

    def __init__(self, path: str):
        self.path = path
        self.lead_file = None
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.create_function("casefold", 1, _casefold, deterministic=True)
        self.migrate()

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        return self.db.execute(sql, tuple(params)).fetchall()

    @contextmanager
    def transaction(self):
        # IMMEDIATE: take the write lock now, so two writers queue instead of failing half-way
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def migrate(self) -> None:
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        row = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = int(row[0]) if row else 0
        for number, step in enumerate(MIGRATIONS[version:], version + 1):
            with self.transaction() as x:
                if callable(step):
                    step(x)
                else:
                    for statement in step.split(";"):
                        if statement.strip():
                            x.execute(statement)
                x.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(number),))

    @property
    def schema_version(self) -> int:
        return int(self.query("SELECT value FROM meta WHERE key='schema_version'")[0][0])

    # -- the full-text indexes: FTS5 tables keyed by the articles' rowid

    def _index_text(self, x, rowid: int, a) -> None:
        title, _lead, text = index_text(a)
        x.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?,?,?)", (rowid, title, text))

    def _put_lemmas(self, x, rowid: int, article_id: str, lemmas: str) -> None:
        x.execute("DELETE FROM lemmas_fts WHERE rowid=?", (rowid,))
        x.execute("INSERT INTO lemmas_fts (rowid, lemmas) VALUES (?,?)", (rowid, lemmas))

    def search(self, query: str, limit: int = 20):
        terms = fts_query(query.split())
        if not terms:
            return []
        rows = self.query(f"SELECT {A_COLUMNS} FROM articles_fts f JOIN articles a ON a.rowid = f.rowid "
                          "WHERE articles_fts MATCH ? ORDER BY f.rank LIMIT ?", (terms, limit))
        return [self._article(r) for r in rows]

    def search_lemmas(self, lemmas: list[str], limit: int = 20):
        terms = fts_query(lemmas)
        if not terms:
            return []
        rows = self.query(f"SELECT {A_COLUMNS} FROM lemmas_fts f JOIN articles a ON a.rowid = f.rowid "
                          "WHERE lemmas_fts MATCH ? ORDER BY f.rank LIMIT ?", (terms, limit))
        return [self._article(r) for r in rows]

    def search_lemma_ids(self, lemmas: list[str], limit: int = 30, by_rank: bool = True) -> list[str]:
        """Ids of matches for any of the lemmas: candidates for "more like this". By BM25 rank, or, in a large store
        where ranking every match costs too much, the newest matches (the index reads them backwards and stops)."""
        terms = fts_query(lemmas, any_term=True)
        if not terms:
            return []
        order = "f.rank" if by_rank else "f.rowid DESC"
        return [r[0] for r in self.query(
            "SELECT a.id FROM lemmas_fts f JOIN articles a ON a.rowid = f.rowid WHERE lemmas_fts MATCH ? "
            f"ORDER BY {order} LIMIT ?", (terms, limit))]

    def search_items(self, words: list[str], any_term: bool = False, limit: int = 30, offset: int = 0,
                     **filters) -> list[tuple]:
        """Rows of ITEM_SQL whose lemmas hold all (or any) of the words, best first."""
        terms = fts_query(words, any_term)
        if not terms:
            return []
        where, params = self.item_filters(**filters)
        return self.query(f"{ITEM_SQL} JOIN lemmas_fts f ON f.rowid = a.rowid WHERE lemmas_fts MATCH ? AND {where} "
                          "ORDER BY f.rank LIMIT ? OFFSET ?", (terms, *params, limit, offset))

    def try_lead(self) -> bool:
        """One linker per file among the processes on this machine: an exclusive lock on a file beside it, held
        while the process lives (the system drops it when the process dies)."""
        if self.lead_file is None and self.path != ":memory:":
            import fcntl

            handle = open(self.path + ".linker", "a")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                return False
            self.lead_file = handle
        return True

    def checkpoint(self) -> None:
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        if self.lead_file is not None:
            self.lead_file.close()
        self.db.close()
