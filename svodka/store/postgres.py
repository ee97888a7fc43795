"""PostgreSQL store: the shared store of several servers. Same queries as SQLite (store/sql.py), a psycopg 3
connection pool, schema migrated on open under an advisory lock, and full-text search in PostgreSQL itself:
the `russian` configuration over title, lead and body, and `simple` over our lemmas for morphological search."""
from __future__ import annotations

import os
from contextlib import contextmanager
from functools import lru_cache
from typing import Callable, Iterable

from .sql import A_COLUMNS, COLUMNS, ITEM_SQL, SQLStore, index_text, marks, widen_ids

POOL_SIZE = int(os.environ.get("SVODKA_PG_POOL", "8"))
MIGRATION_LOCK = 7_146_001  # advisory lock keys: any two numbers no other application on the database uses
LINKER_LOCK = 7_146_002

# The full-text (GIN) indexes are updated as rows come, not through a pending list: with fastupdate every search
# reads the whole list until autovacuum empties it, 5-20x slower after a bulk load (bench/store.py).
MIGRATIONS: list[str | Callable] = [
    # 1: everything SQLite's migrations 1-5 make, in PostgreSQL's words
    """
    CREATE TABLE articles (
        rowid BIGSERIAL PRIMARY KEY,
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
        ingested_at TEXT NOT NULL,
        fts tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('russian', title), 'A') || to_tsvector('russian', lead)
            || to_tsvector('russian', body::jsonb)) STORED
    );
    CREATE INDEX articles_published ON articles (published_at);
    CREATE INDEX articles_source ON articles (source, published_at);
    CREATE INDEX articles_fts ON articles USING gin (fts) WITH (fastupdate = off);
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
    CREATE TABLE analyses (
        article_id TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        language TEXT,
        rubric TEXT,
        is_news INTEGER,
        data TEXT NOT NULL,
        analysed_at TEXT NOT NULL,
        feed_rubric TEXT
    );
    CREATE INDEX analyses_rubric ON analyses (rubric);
    CREATE INDEX analyses_feed_rubric ON analyses (feed_rubric);
    CREATE TABLE entity_mentions (
        article_id TEXT NOT NULL,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        mentions INTEGER NOT NULL,
        PRIMARY KEY (article_id, type, name)
    );
    CREATE INDEX entity_mentions_name ON entity_mentions (name, type);
    CREATE TABLE lemmas (
        article_id TEXT PRIMARY KEY,
        tsv tsvector NOT NULL
    );
    CREATE INDEX lemmas_tsv ON lemmas USING gin (tsv) WITH (fastupdate = off);
    CREATE TABLE link_docs (
        seq BIGSERIAL PRIMARY KEY,
        article_id TEXT NOT NULL UNIQUE,
        vector BYTEA NOT NULL,
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
        score DOUBLE PRECISION
    );
    CREATE INDEX story_members_story ON story_members (story_id);
    CREATE TABLE sources (
        id BIGSERIAL PRIMARY KEY,
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
    CREATE TABLE source_polls (
        source_id BIGINT NOT NULL,
        at TEXT NOT NULL,
        new_items INTEGER NOT NULL,
        status TEXT NOT NULL
    );
    CREATE INDEX source_polls_source ON source_polls (source_id, at)
    """,
    # 2: the article's tsvector made on insert from its capped text (store/sql.py, index_text): a generated one
    # of a long text with many distinct words passes PostgreSQL's 1 MB limit and aborts the whole batch
    "ALTER TABLE articles ALTER COLUMN fts DROP EXPRESSION",
    # 3: article ids of 128 bits instead of 48, in every table; the old ones kept as aliases
    lambda x: widen_ids(x, [("lemmas", "article_id")]),
]


@lru_cache(maxsize=1024)
def pg_marks(sql: str) -> str:
    """`?` marks as psycopg's `%s` (the shared queries hold no literal `?` or `%`)."""
    return sql.replace("%", "%%").replace("?", "%s")


def tsquery_text(words: list[str], any_term: bool = False) -> str:
    """Words for websearch_to_tsquery: each quoted, so user text is never operators; all or any of them."""
    quoted = ['"' + w.replace('"', " ") + '"' for w in words if w.strip(' "')]
    return (" or " if any_term else " ").join(quoted)


class _Marks:
    """A connection that takes the shared queries' `?` marks."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql: str, params: Iterable = ()):
        return self.conn.execute(pg_marks(sql), tuple(params))

    def executemany(self, sql: str, rows: list) -> None:
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(pg_marks(sql), rows)


class PostgresStore(SQLStore):
    threadsafe = True  # each call takes a connection of the pool
    FOLDED_CONTAINS = 'strpos(lower({col} COLLATE "und-x-icu"), ?) > 0'
    ARTICLE_INSERT = (f"INSERT INTO articles ({COLUMNS}, ingested_at, fts) VALUES ({marks(14)}, "
                      "setweight(to_tsvector('russian', ?), 'A') || to_tsvector('russian', ?) "
                      "|| to_tsvector('russian', ?)) ON CONFLICT DO NOTHING RETURNING rowid")

    def _insert_params(self, a, now: str) -> tuple:
        return super()._insert_params(a, now) + index_text(a)

    def __init__(self, url: str):
        from psycopg_pool import ConnectionPool

        self.url = url
        self.pool = ConnectionPool(url, min_size=1, max_size=POOL_SIZE, kwargs={"autocommit": True},
                                   open=True, name="svodka")
        self.pool.wait(timeout=30)
        self.lead_conn = None
        self.migrate()

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self.pool.connection() as conn:
            return conn.execute(pg_marks(sql), tuple(params)).fetchall()

    @contextmanager
    def transaction(self):
        with self.pool.connection() as conn, conn.transaction():
            yield _Marks(conn)

    def migrate(self) -> None:
        with self.transaction() as x:
            # servers starting together: one migrates, the others wait here and then find nothing to do
            x.execute("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK,))
            x.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            row = x.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(row[0]) if row else 0
            for number, step in enumerate(MIGRATIONS[version:], version + 1):
                if callable(step):
                    step(x)
                else:
                    for statement in step.split(";"):
                        if statement.strip():
                            x.execute(statement)
                x.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) "
                          "DO UPDATE SET value = excluded.value", (str(number),))

    @property
    def schema_version(self) -> int:
        return int(self.query("SELECT value FROM meta WHERE key='schema_version'")[0][0])

    def try_lead(self) -> bool:
        """One linker among the processes sharing this database: a session advisory lock, held by a connection of
        its own for as long as the process lives (and released by PostgreSQL when it dies)."""
        if self.lead_conn is not None and not self.lead_conn.closed:
            return True
        import psycopg

        conn = psycopg.connect(self.url, autocommit=True)
        if conn.execute("SELECT pg_try_advisory_lock(%s)", (LINKER_LOCK,)).fetchone()[0]:
            self.lead_conn = conn
            return True
        conn.close()
        return False

    # -- the full-text indexes: the articles' generated tsvector, and a table of lemma vectors

    def _put_lemmas(self, x, rowid: int, article_id: str, lemmas: str) -> None:
        x.execute("INSERT INTO lemmas VALUES (?, to_tsvector('simple', ?)) ON CONFLICT (article_id) "
                  "DO UPDATE SET tsv = excluded.tsv", (article_id, lemmas))

    def search(self, query: str, limit: int = 20):
        terms = tsquery_text(query.split())
        if not terms:
            return []
        rows = self.query(f"SELECT {A_COLUMNS} FROM articles a CROSS JOIN websearch_to_tsquery('russian', ?) q "
                          "WHERE a.fts @@ q ORDER BY ts_rank(a.fts, q) DESC, a.rowid LIMIT ?", (terms, limit))
        return [self._article(r) for r in rows]

    def search_lemmas(self, lemmas: list[str], limit: int = 20):
        terms = tsquery_text(lemmas)
        if not terms:
            return []
        rows = self.query(f"SELECT {A_COLUMNS} FROM lemmas l JOIN articles a ON a.id = l.article_id "
                          "CROSS JOIN websearch_to_tsquery('simple', ?) q WHERE l.tsv @@ q "
                          "ORDER BY ts_rank(l.tsv, q) DESC, a.rowid LIMIT ?", (terms, limit))
        return [self._article(r) for r in rows]

    def search_lemma_ids(self, lemmas: list[str], limit: int = 30, by_rank: bool = True) -> list[str]:
        terms = tsquery_text(lemmas, any_term=True)
        if not terms:
            return []
        order = "ts_rank(l.tsv, q) DESC, a.rowid" if by_rank else "a.rowid DESC"
        return [r[0] for r in self.query(
            "SELECT a.id FROM lemmas l JOIN articles a ON a.id = l.article_id "
            f"CROSS JOIN websearch_to_tsquery('simple', ?) q WHERE l.tsv @@ q ORDER BY {order} LIMIT ?",
            (terms, limit))]

    def search_items(self, words: list[str], any_term: bool = False, limit: int = 30, offset: int = 0,
                     **filters) -> list[tuple]:
        terms = tsquery_text(words, any_term)
        if not terms:
            return []
        where, params = self.item_filters(**filters)
        return self.query(
            f"{ITEM_SQL} JOIN lemmas l ON l.article_id = a.id CROSS JOIN websearch_to_tsquery('simple', ?) q "
            f"WHERE l.tsv @@ q AND {where} ORDER BY ts_rank(l.tsv, q) DESC, a.rowid LIMIT ? OFFSET ?",
            (terms, *params, limit, offset))

    def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL's files are its own."""

    def close(self) -> None:
        if self.lead_conn is not None:
            self.lead_conn.close()
        self.pool.close()
