"""What the SQLite and PostgreSQL stores share: the queries, written once with `?` marks, and the row mapping.

A backend gives a connection to read on (`query`), a transaction to write in (`transaction`), and the few
statements where the two dialects part: the full-text indexes, and the migrations that create them.
Times are ISO-8601 UTC text in both backends, so they sort as strings and both give byte-identical answers.
"""
from __future__ import annotations

import json
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Iterator

from ..ingest.pagedump import teaser_stub
from ..model import Analysis, Article, Block, IngestError, Story, Teaser, article_id

COLUMNS = ("id, kind, source, url, external_id, published_at, rubric, title, lead, body, language, "
           "content_hash, origin")
A_COLUMNS = ", ".join("a." + c.strip() for c in COLUMNS.split(","))
STORY_COLUMNS = "id, title, title_article, first_at, last_at, size, sources"
# an article as a list shows it (no body), with its feed rubric: the page's own when we know it, else ours
ITEM_SQL = ("SELECT a.id, a.kind, a.source, a.title, a.lead, a.url, a.published_at, n.feed_rubric "
            "FROM articles a LEFT JOIN analyses n ON n.article_id = a.id "
            "LEFT JOIN link_docs ld ON ld.article_id = a.id")
# what a reader's list shows (ITEM_SQL's rows): news, and one text of each family of copies (the linker's dup_of:
# the first of them). Not analysed or not linked yet: shown. On one source's list a copy of another source's text
# is that source's own item, so there only its copies of its own texts fold.
READER_FILTER = ("(n.is_news IS NULL OR n.is_news <> 0) AND (ld.dup_of IS NULL{same_source})")
SAME_SOURCE = " OR NOT EXISTS (SELECT 1 FROM articles d WHERE d.id = ld.dup_of AND d.source = a.source)"
MAX_COPY_DEPTH = 20  # a copy of a copy of ...: the linker points each copy at its closest earlier text
# what goes into the full-text indexes of one article: PostgreSQL refuses a tsvector over 1 MB (a long text of many
# distinct words), and both backends index the same, so that they answer alike
INDEX_TITLE_CHARS, INDEX_LEAD_CHARS, INDEX_TEXT_CHARS = 1_000, 5_000, 100_000
# every column that names an article by its id (the id migration rewrites them all)
ID_COLUMNS = [("articles", "id"), ("teasers", "page_id"), ("teasers", "article_id"), ("copies", "article_id"),
              ("analyses", "article_id"), ("entity_mentions", "article_id"), ("link_docs", "article_id"),
              ("link_docs", "dup_of"), ("stories", "title_article"), ("story_members", "article_id")]
OLD_ID_CHARS = 12  # ids were 48 bits before the id migration; a link with one still finds its article


@dataclass
class BatchResult:
    stored: list[str] = field(default_factory=list)  # ids of new articles
    duplicates: list[str] = field(default_factory=list)  # ids of the articles they duplicate
    errors: list[IngestError] = field(default_factory=list)


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).isoformat() if dt else None


def to_dt(s: str | None) -> datetime | None:
    return datetime.fromisoformat(s) if s else None


def marks(n: int) -> str:
    return ",".join("?" * n)


def chunks(ids: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def index_text(a: Article) -> tuple[str, str, str]:
    """Title, lead and text as the full-text indexes take them: capped (INDEX_*_CHARS)."""
    return a.title[:INDEX_TITLE_CHARS], a.lead[:INDEX_LEAD_CHARS], a.text[:INDEX_TEXT_CHARS]


def index_lemmas(lemmas: list[str]) -> str:
    return " ".join(lemmas)[:INDEX_TEXT_CHARS].rsplit(" ", 1)[0] if lemmas else ""


def widen_ids(x, extra_columns: list[tuple[str, str]] = ()) -> None:
    """Migration: 48-bit article ids (a colliding pair of URLs is found in a minute) become what model.article_id
    makes now, in every table that names an article; the old ids stay in article_aliases, for links made before."""
    x.execute("CREATE TABLE IF NOT EXISTS article_aliases (old_id TEXT PRIMARY KEY, id TEXT NOT NULL)")
    rows = x.execute("SELECT id, url, content_hash FROM articles").fetchall()
    pairs = [(old, new) for old, url, chash in rows if (new := article_id(url, chash)) != old]
    x.executemany("INSERT INTO article_aliases VALUES (?,?) ON CONFLICT DO NOTHING", pairs)
    for table, column in [*ID_COLUMNS, *extra_columns]:
        x.execute(f"UPDATE {table} SET {column} = (SELECT m.id FROM article_aliases m "
                  f"WHERE m.old_id = {table}.{column}) WHERE {column} IN (SELECT old_id FROM article_aliases)")


def page_feed_rubric(page_rubric: str | None, ours: str | None) -> str | None:
    """The rubric feeds file an article under: the one its page gives itself when we know it, else ours."""
    from ..understand.rubric import map_page_rubric

    return (map_page_rubric(page_rubric) if page_rubric else None) or ours


INDEXED = "a.kind IN ('article', 'post') AND ld.dup_of IS NULL"  # stubs are thin, copies point elsewhere


class SQLStore:
    """The store interface over any connection whose `execute(sql, params)` takes `?` marks (see `transaction`)."""

    # -- what a backend provides

    threadsafe = False  # whether two threads may use one store object at once

    def query(self, sql: str, params: Iterable = ()) -> list[tuple]:
        raise NotImplementedError

    def transaction(self) -> AbstractContextManager[Any]:
        """A connection in a transaction: committed when the block ends, rolled back if it raises."""
        raise NotImplementedError

    ARTICLE_INSERT = (f"INSERT INTO articles ({COLUMNS}, ingested_at) VALUES ({marks(14)}) "
                      "ON CONFLICT DO NOTHING RETURNING rowid")

    def _put_lemmas(self, x, rowid: int, article_id: str, lemmas: str) -> None:
        raise NotImplementedError

    def try_lead(self) -> bool:
        """Whether this process may link (write stories): at most one process at a time does."""
        return True

    # -- writing

    def known(self, articles: Iterable[Article]) -> set[str]:
        """Ids (as given) of the articles whose text or URL is stored already: no need to analyse them again."""
        out = set()
        for a in articles:
            if self.query("SELECT 1 FROM articles WHERE content_hash=? OR url=? OR id=? LIMIT 1",
                          (a.content_hash, a.url, a.id)):
                out.add(a.id)
        return out

    def stored_id(self, article: Article) -> str | None:
        """The id the store keeps the article under: its own, or that of the text or URL it duplicates."""
        rows = self.query("SELECT id FROM articles WHERE id=? OR content_hash=? OR url=? LIMIT 1",
                          (article.id, article.content_hash, article.url))
        return rows[0][0] if rows else None

    def add_batch(self, articles: Iterable[Article], analyses: dict[str, Analysis] | None = None) -> BatchResult:
        """Store a batch, with the analyses of its articles (and teaser stubs) keyed by content hash, in one
        transaction: all of it lands, or none of it."""
        result = BatchResult()
        now = datetime.now(timezone.utc).isoformat()
        analyses = analyses or {}
        with self.transaction() as x:
            for article in articles:
                stored_id, is_new = self._insert(x, article, now)
                if is_new:
                    result.stored.append(article.id)
                    if article.content_hash in analyses:
                        self._put_analysis(x, article.id, analyses[article.content_hash], now)
                    for teaser in article.teasers:
                        self._insert_teaser(x, article, teaser, now, analyses)
                else:
                    result.duplicates.append(stored_id)
        return result

    def _insert_params(self, a: Article, now: str) -> tuple:
        body = json.dumps([[b.kind, b.text] for b in a.body], ensure_ascii=False)
        return (a.id, a.kind, a.source, a.url, a.external_id, iso(a.published_at), a.rubric, a.title, a.lead, body,
                a.language, a.content_hash, a.origin, now)

    def _insert(self, x, a: Article, now: str) -> tuple[str, bool]:
        """Insert unless the text or URL is known; return the stored article's id and whether it is new."""
        row = x.execute(self.ARTICLE_INSERT, self._insert_params(a, now)).fetchone()
        if row is not None:
            self._index_text(x, row[0], a)
            return a.id, True
        stored_id, source, url, external_id = x.execute(
            "SELECT id, source, url, external_id FROM articles WHERE content_hash=? OR url=? OR id=? LIMIT 1",
            (a.content_hash, a.url, a.id)).fetchone()
        if (source, url, external_id) != (a.source, a.url, a.external_id):
            x.execute("INSERT INTO copies VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                      (stored_id, a.source, a.url or "", a.external_id or "", iso(a.published_at), a.origin))
        return stored_id, False

    def _index_text(self, x, rowid: int, a: Article) -> None:
        """For a backend whose text index is not kept by the articles table itself."""

    def put_analyses(self, analyses: dict[str, Analysis]) -> None:
        now = datetime.now(timezone.utc).isoformat()
        with self.transaction() as x:
            for article_id, analysis in analyses.items():
                self._put_analysis(x, article_id, analysis, now)

    def _put_analysis(self, x, article_id: str, a: Analysis, now: str) -> None:
        rowid, page_rubric = x.execute("SELECT rowid, rubric FROM articles WHERE id=?", (article_id,)).fetchone()
        x.execute(
            "INSERT INTO analyses (article_id, version, language, rubric, is_news, data, analysed_at, feed_rubric) "
            "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (article_id) DO UPDATE SET version=excluded.version, "
            "language=excluded.language, rubric=excluded.rubric, is_news=excluded.is_news, data=excluded.data, "
            "analysed_at=excluded.analysed_at, feed_rubric=excluded.feed_rubric",
            (article_id, a.version, a.language, a.rubric, int(a.is_news), json.dumps(a.to_json(), ensure_ascii=False),
             now, page_feed_rubric(page_rubric, a.rubric)))
        x.execute("DELETE FROM entity_mentions WHERE article_id=?", (article_id,))
        mentions: dict[tuple[str, str], int] = {}
        for e in a.entities:
            mentions[(e.normalised, e.type)] = len(e.mentions)
        x.executemany("INSERT INTO entity_mentions VALUES (?,?,?,?)",
                      [(article_id, name, etype, n) for (name, etype), n in mentions.items()])
        self._put_lemmas(x, rowid, article_id, index_lemmas(a.lemmas))

    def _insert_teaser(self, x, page: Article, teaser: Teaser, now: str, analyses: dict[str, Analysis]) -> None:
        stub = teaser_stub(teaser, page)
        teaser.article_id, is_new = self._insert(x, stub, now)
        if is_new and stub.content_hash in analyses:
            self._put_analysis(x, stub.id, analyses[stub.content_hash], now)
        x.execute("INSERT INTO teasers VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                  (page.id, teaser.position, teaser.article_id, teaser.text, int(teaser.truncated)))

    # -- reading articles

    @staticmethod
    def _article(row: tuple) -> Article:
        (aid, kind, source, url, external_id, published_at, rubric, title, lead, body, language, chash,
         origin) = row
        return Article(id=aid, kind=kind, source=source, url=url, external_id=external_id,
                       published_at=to_dt(published_at), rubric=rubric, title=title, lead=lead,
                       body=[Block(t, k) for k, t in json.loads(body)], language=language, content_hash=chash,
                       origin=origin)

    def get(self, article_id: str) -> Article | None:
        """By id; an id from before the id migration (48 bits) finds the article under its new one."""
        rows = self.query(f"SELECT {COLUMNS} FROM articles WHERE id=?", (article_id,))
        if not rows and len(article_id) == OLD_ID_CHARS:
            rows = self.query(f"SELECT {A_COLUMNS} FROM article_aliases m JOIN articles a ON a.id = m.id "
                              "WHERE m.old_id=?", (article_id,))
        if not rows:
            return None
        article = self._article(rows[0])
        article.teasers = [Teaser(text=t, position=p, truncated=bool(tr), article_id=aid)
                           for p, aid, t, tr in self.query(
                               "SELECT position, article_id, text, truncated FROM teasers WHERE page_id=? "
                               "ORDER BY position", (article.id,))]
        return article

    def list(self, limit: int = 50, offset: int = 0, source: str | None = None,
             kinds: tuple[str, ...] | None = None) -> list[Article]:
        where, params = [], []
        if source:
            where.append("source=?")
            params.append(source)
        if kinds:
            where.append(f"kind IN ({marks(len(kinds))})")
            params.extend(kinds)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        rows = self.query(
            f"SELECT {COLUMNS} FROM articles {clause} ORDER BY published_at IS NULL, published_at DESC, rowid DESC "
            "LIMIT ? OFFSET ?", (*params, limit, offset))
        return [self._article(r) for r in rows]

    def count(self, kind: str | None = None) -> int:
        if kind:
            return self.query("SELECT count(*) FROM articles WHERE kind=?", (kind,))[0][0]
        return self.query("SELECT count(*) FROM articles")[0][0]

    def analysis(self, article_id: str) -> Analysis | None:
        rows = self.query("SELECT data FROM analyses WHERE article_id=?", (article_id,))
        return Analysis.from_json(json.loads(rows[0][0])) if rows else None

    def analyses(self, ids: list[str]) -> dict[str, Analysis]:
        out: dict[str, Analysis] = {}
        for chunk in chunks(ids):
            rows = self.query(f"SELECT article_id, data FROM analyses WHERE article_id IN ({marks(len(chunk))})",
                              chunk)
            out.update((aid, Analysis.from_json(json.loads(data))) for aid, data in rows)
        return {aid: out[aid] for aid in ids if aid in out}  # in the order asked: the same in every backend

    def needing_analysis(self, version: int, limit: int = 1000) -> list[Article]:
        """Articles with no analysis, or one older than `version`."""
        rows = self.query(
            f"SELECT {A_COLUMNS} FROM articles a "
            "LEFT JOIN analyses n ON n.article_id = a.id WHERE n.article_id IS NULL OR n.version < ? "
            "ORDER BY a.rowid LIMIT ?", (version, limit))
        return [self._article(r) for r in rows]

    def iter_articles(self, batch: int = 500) -> Iterator[list[Article]]:
        last = 0
        while rows := self.query(f"SELECT rowid, {COLUMNS} FROM articles WHERE rowid > ? ORDER BY rowid LIMIT ?",
                                 (last, batch)):
            last = rows[-1][0]
            yield [self._article(r[1:]) for r in rows]

    def copies_of(self, article_id: str) -> list[dict]:
        return [dict(source=s, url=u or None, external_id=e or None, published_at=p, origin=o)
                for s, u, e, p, o in self.query(
                    "SELECT source, url, external_id, published_at, origin FROM copies WHERE article_id=? "
                    "ORDER BY published_at", (article_id,))]

    def newest_time(self, skip: int = 0) -> datetime | None:
        """The newest article's time; with `skip`, the time of the (skip+1)-th newest (robust to a few outliers)."""
        rows = self.query("SELECT published_at FROM articles WHERE kind != 'stub' AND published_at IS NOT NULL "
                          "ORDER BY published_at DESC LIMIT 1 OFFSET ?", (skip,))
        if not rows and skip:
            return self.newest_time()
        return to_dt(rows[0][0]) if rows else None

    # -- what the site's sitemaps, source pages and the CLI's source names read

    def source_names(self) -> list[str]:
        return [r[0] for r in self.query("SELECT DISTINCT source FROM articles ORDER BY source")]

    def sources_summary(self) -> list[tuple[str, int, tuple | None]]:
        """Every source with articles (not stubs): how many, and its latest (id, title, published_at), most first."""
        counts = self.query("SELECT source, count(*) FROM articles WHERE kind IN ('article', 'post') "
                            "GROUP BY source ORDER BY count(*) DESC, source")
        latest = {}
        for source, aid, title, at in self.query(
                "SELECT a.source, a.id, a.title, a.published_at FROM articles a JOIN (SELECT source, MAX(published_at) m "
                "FROM articles WHERE kind IN ('article', 'post') GROUP BY source) l ON a.source = l.source "
                "AND a.published_at = l.m WHERE a.kind IN ('article', 'post')"):
            latest.setdefault(source, (aid, title, to_dt(at)))
        return [(s, n, latest.get(s)) for s, n in counts]

    def teaser_page_id(self, stub_id: str) -> str | None:
        """The page whose teasers a stub came from (the first, if several)."""
        rows = self.query("SELECT page_id FROM teasers WHERE article_id=? ORDER BY page_id LIMIT 1", (stub_id,))
        return rows[0][0] if rows else None

    def indexed_count(self) -> int:
        """Articles a crawler is shown: news texts and posts, not stubs, one text of each family of copies."""
        return self.query(f"SELECT count(*) FROM articles a LEFT JOIN link_docs ld ON ld.article_id = a.id "
                          f"WHERE {INDEXED}")[0][0]

    def indexed_page(self, limit: int, offset: int) -> list[tuple[str, datetime | None]]:
        return [(aid, to_dt(at)) for aid, at in self.query(
            f"SELECT a.id, a.published_at FROM articles a LEFT JOIN link_docs ld ON ld.article_id = a.id "
            f"WHERE {INDEXED} ORDER BY a.rowid LIMIT ? OFFSET ?", (limit, offset))]

    def indexed_between(self, since: datetime, until: datetime, limit: int) -> list[tuple[str, datetime | None, str]]:
        """(id, published_at, title) of the indexed articles published in [since, until], newest first."""
        return [(aid, to_dt(at), title) for aid, at, title in self.query(
            f"SELECT a.id, a.published_at, a.title FROM articles a LEFT JOIN link_docs ld ON ld.article_id = a.id "
            f"WHERE {INDEXED} AND a.published_at >= ? AND a.published_at <= ? ORDER BY a.published_at DESC LIMIT ?",
            (iso(since), iso(until), limit))]

    def stories_count(self) -> int:
        return self.query("SELECT count(*) FROM stories WHERE size > 1")[0][0]

    def stories_page(self, limit: int, offset: int) -> list[tuple[int, datetime | None]]:
        """(id, last_at) of the stories of more than one article, by id."""
        return [(sid, to_dt(at)) for sid, at in self.query(
            "SELECT id, last_at FROM stories WHERE size > 1 ORDER BY id LIMIT ? OFFSET ?", (limit, offset))]

    # -- lists for the site: rows of ITEM_SQL

    @staticmethod
    def item_filters(rubric=None, source=None, since=None, until=None, kinds=("article", "post")) -> tuple[str, list]:
        where, params = [f"a.kind IN ({marks(len(kinds))})"], list(kinds)
        where.append(READER_FILTER.format(same_source=SAME_SOURCE if source else ""))
        if rubric:
            where.append("n.feed_rubric = ?")
            params.append(rubric)
        if source:
            where.append("a.source = ?")
            params.append(source)
        if since:
            where.append("a.published_at >= ?")
            params.append(iso(since))
        if until:
            where.append("a.published_at < ?")
            params.append(iso(until))
        return " AND ".join(where), params

    def items(self, limit: int = 30, offset: int = 0, **filters) -> list[tuple]:
        where, params = self.item_filters(**filters)
        return self.query(f"{ITEM_SQL} WHERE {where} ORDER BY a.published_at DESC, a.rowid DESC LIMIT ? OFFSET ?",
                          (*params, limit, offset))

    def items_by_id(self, ids: list[str]) -> list[tuple]:
        rows = []
        for chunk in chunks(ids):
            rows.extend(self.query(f"{ITEM_SQL} WHERE a.id IN ({marks(len(chunk))})", chunk))
        return rows

    def source_counts(self) -> list[tuple[str, int]]:
        """Each source's items as its own list shows them (news, its own copies folded)."""
        return self.query(
            "SELECT a.source, count(*) FROM articles a LEFT JOIN analyses n ON n.article_id = a.id "
            "LEFT JOIN link_docs ld ON ld.article_id = a.id WHERE a.kind IN ('article', 'post') AND "
            f"{READER_FILTER.format(same_source=SAME_SOURCE)} GROUP BY a.source ORDER BY count(*) DESC, a.source")

    def entity_items(self, etype: str, name: str, limit: int = 30, offset: int = 0) -> list[tuple]:
        return self.query(
            f"{ITEM_SQL} JOIN entity_mentions m ON m.article_id = a.id WHERE m.name = ? AND m.type = ? "
            f"AND a.kind IN ('article', 'post') AND {READER_FILTER.format(same_source='')} "
            "ORDER BY a.published_at DESC, a.rowid DESC LIMIT ? OFFSET ?", (name, etype, limit, offset))

    def entity_count(self, etype: str, name: str) -> int:
        return self.query(
            "SELECT count(*) FROM entity_mentions m JOIN articles a ON a.id = m.article_id "
            "LEFT JOIN analyses n ON n.article_id = a.id LEFT JOIN link_docs ld ON ld.article_id = a.id "
            f"WHERE m.name = ? AND m.type = ? AND a.kind IN ('article', 'post') AND "
            f"{READER_FILTER.format(same_source='')}", (name, etype))[0][0]

    def folded_sources(self, ids: list[str]) -> dict[str, int]:
        """For each of these items, how many other sources its folded copies come from: the linker's copies
        (and theirs, down the chain) and the exact copies stored with it. Items with none are left out."""
        sources: dict[str, set[str]] = {}
        for chunk in chunks(ids):
            rows = self.query(
                "WITH RECURSIVE fam(root, id, depth) AS ("
                f"SELECT dup_of, article_id, 1 FROM link_docs WHERE dup_of IN ({marks(len(chunk))}) "
                "UNION ALL SELECT f.root, d.article_id, f.depth + 1 FROM fam f JOIN link_docs d ON d.dup_of = f.id "
                "WHERE f.depth < ?) "
                "SELECT f.root, a.source FROM fam f JOIN articles a ON a.id = f.id "
                f"UNION SELECT c.article_id, c.source FROM copies c WHERE c.article_id IN ({marks(len(chunk))})",
                (*chunk, MAX_COPY_DEPTH, *chunk))
            for root, source in rows:
                sources.setdefault(root, set()).add(source)
        own = {r[0]: r[1] for chunk in chunks(ids) for r in self.query(
            f"SELECT id, source FROM articles WHERE id IN ({marks(len(chunk))})", chunk)}
        return {i: n for i, s in sources.items() if (n := len(s - {own.get(i)}))}

    def entity_story_counts(self, etype: str, name: str, limit: int = 10) -> list[tuple[int, int]]:
        return self.query(
            "SELECT s.story_id, count(*) AS n FROM entity_mentions m "
            "JOIN story_members s ON s.article_id = m.article_id "
            "WHERE m.name = ? AND m.type = ? GROUP BY s.story_id ORDER BY n DESC, s.story_id DESC LIMIT ?",
            (name, etype, limit))

    FOLDED_CONTAINS: str  # a condition: the column {col}, case-folded, holds the parameter

    def entity_search(self, needle: str, limit: int = 20) -> list[tuple[str, str, int, int]]:
        """(name, type, articles, mentions) whose name holds the case-folded needle: a scan of the mentions
        table, fine for a desk's archive; an index of names is the step after."""
        return [tuple(r) for r in self.query(
            "SELECT name, type, count(*) AS n, sum(mentions) FROM entity_mentions "
            f"WHERE {self.FOLDED_CONTAINS.format(col='name')} GROUP BY name, type ORDER BY n DESC, name LIMIT ?",
            (needle, limit))]

    # -- linking

    def put_links(self, docs: list[tuple[str, bytes, str, str | None]], stories: list[Story],
                  members: list[tuple[str, int, float]], merged: Iterable[tuple[int, int]] = ()) -> None:
        """Link docs (article id, vector, data, dup_of), changed stories, new memberships and stories merged into
        others ((gone, into) pairs): one transaction."""
        with self.transaction() as x:
            x.executemany("INSERT INTO link_docs (article_id, vector, data, dup_of) VALUES (?,?,?,?) "
                          "ON CONFLICT DO NOTHING", docs)
            x.executemany(
                f"INSERT INTO stories ({STORY_COLUMNS}) VALUES (?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
                "title=excluded.title, title_article=excluded.title_article, first_at=excluded.first_at, "
                "last_at=excluded.last_at, size=excluded.size, sources=excluded.sources",
                [(st.id, st.title, st.title_article, iso(st.first_at), iso(st.last_at), st.size, st.sources)
                 for st in stories])
            x.executemany("INSERT INTO story_members VALUES (?,?,?) ON CONFLICT (article_id) DO UPDATE SET "
                          "story_id=excluded.story_id, score=excluded.score", members)
            for gone, into in merged:  # in the order merged: a story merged twice moves on with its members
                x.execute("UPDATE story_members SET story_id = ? WHERE story_id = ?", (into, gone))
                x.execute("DELETE FROM stories WHERE id = ?", (gone,))

    def clear_links(self) -> None:
        """Forget every link doc and story (`svodka relink` makes them again): articles and analyses stay."""
        with self.transaction() as x:
            for table in ("story_members", "stories", "link_docs"):
                x.execute(f"DELETE FROM {table}")

    def link_vectors(self, after: int = 0, batch: int = 10_000) -> Iterator[list[tuple[int, str, bytes, str | None]]]:
        """(seq, article id, vector, dup_of) of the link docs written after `seq`, in order."""
        while rows := self.query("SELECT seq, article_id, vector, dup_of FROM link_docs WHERE seq > ? "
                                 "ORDER BY seq LIMIT ?", (after, batch)):
            after = rows[-1][0]
            yield [(seq, aid, bytes(v), dup) for seq, aid, v, dup in rows]

    def count_linked(self) -> int:
        return self.query("SELECT count(*) FROM link_docs")[0][0]

    def link_docs(self, article_ids: list[str]) -> list[tuple[str, bytes, str]]:
        return [(aid, bytes(v), data) for aid, v, data in self.query(
            f"SELECT article_id, vector, data FROM link_docs WHERE article_id IN ({marks(len(article_ids))})",
            article_ids)]

    def newest_linked(self, within: timedelta, limit: int) -> list[Article]:
        """The linked articles published within `within` of the newest linked one, at most `limit` of the newest,
        oldest first: what a linker started on this store gives its copy finder."""
        rows = self.query("SELECT a.published_at FROM articles a WHERE a.published_at IS NOT NULL AND EXISTS "
                          "(SELECT 1 FROM link_docs l WHERE l.article_id = a.id) ORDER BY a.published_at DESC LIMIT 1")
        if not rows:
            return []
        since = to_dt(rows[0][0]) - within
        rows = self.query(f"SELECT {A_COLUMNS} FROM articles a JOIN link_docs l ON l.article_id = a.id "
                          "WHERE a.published_at >= ? ORDER BY a.published_at DESC, a.rowid DESC LIMIT ?",
                          (iso(since), limit))
        return [self._article(r) for r in reversed(rows)]

    def articles(self, ids: list[str]) -> list[Article]:
        """By id, without their teasers; ids not stored are left out."""
        out = []
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out += [self._article(r) for r in self.query(
                f"SELECT {COLUMNS} FROM articles WHERE id IN ({marks(len(part))})", part)]
        return out

    def unlinked(self, limit: int = 500) -> list[tuple[Article, Analysis]]:
        """Analysed articles the linker has not seen, oldest first (stubs are not linked)."""
        rows = self.query(
            f"SELECT {A_COLUMNS}, n.data FROM articles a JOIN analyses n ON n.article_id = a.id "
            "LEFT JOIN link_docs l ON l.article_id = a.id WHERE l.article_id IS NULL AND a.kind != 'stub' "
            "ORDER BY a.published_at IS NULL, a.published_at, a.rowid LIMIT ?", (limit,))
        return [(self._article(r[:-1]), Analysis.from_json(json.loads(r[-1]))) for r in rows]

    def stories_all(self) -> Iterator[tuple[Story, list[tuple[str, float]]]]:
        members: dict[int, list] = {}
        for aid, sid, score in self.query("SELECT article_id, story_id, score FROM story_members"):
            members.setdefault(sid, []).append((aid, score))
        for row in self.query(f"SELECT {STORY_COLUMNS} FROM stories"):
            yield self._story(row), members.get(row[0], [])

    def stories_with(self, article_ids: list[str]) -> list[tuple[Story, list[str], set[str]]]:
        """The stories these articles are in, each with all its members (in time order) and distinct sources:
        what a process that does not link reads to follow the one that does."""
        sids: set[int] = set()
        for chunk in chunks(article_ids):
            sids.update(r[0] for r in self.query(
                f"SELECT story_id FROM story_members WHERE article_id IN ({marks(len(chunk))})", chunk))
        out = []
        for chunk in chunks(sorted(sids)):
            members: dict[int, list[str]] = {}
            sources: dict[int, set[str]] = {}
            for sid, aid, source in self.query(
                    "SELECT m.story_id, m.article_id, a.source FROM story_members m JOIN articles a "
                    f"ON a.id = m.article_id WHERE m.story_id IN ({marks(len(chunk))}) "
                    "ORDER BY a.published_at, a.rowid", chunk):
                members.setdefault(sid, []).append(aid)
                sources.setdefault(sid, set()).add(source)
            for row in self.query(f"SELECT {STORY_COLUMNS} FROM stories WHERE id IN ({marks(len(chunk))})", chunk):
                out.append((self._story(row), members.get(row[0], []), sources.get(row[0], set())))
        return out

    def story_sources(self) -> dict[int, set[str]]:
        """Each story's distinct sources, in one pass (the linker needs them to count a new member's source)."""
        out: dict[int, set[str]] = {}
        for sid, source in self.query("SELECT DISTINCT m.story_id, a.source FROM story_members m "
                                      "JOIN articles a ON a.id = m.article_id"):
            out.setdefault(sid, set()).add(source)
        return out

    @staticmethod
    def _story(row) -> Story:
        sid, title, title_article, first_at, last_at, size, sources = row
        return Story(id=sid, title=title, title_article=title_article, first_at=to_dt(first_at),
                     last_at=to_dt(last_at), size=size, sources=sources)

    def story(self, story_id: int) -> Story | None:
        rows = self.query(f"SELECT {STORY_COLUMNS} FROM stories WHERE id=?", (story_id,))
        if not rows:
            return None
        story = self._story(rows[0])
        story.members = [r[0] for r in self.query(
            "SELECT m.article_id FROM story_members m JOIN articles a ON a.id = m.article_id WHERE m.story_id=? "
            "ORDER BY a.published_at, a.rowid", (story_id,))]
        return story

    def story_of(self, article_id: str) -> int | None:
        rows = self.query("SELECT story_id FROM story_members WHERE article_id=?", (article_id,))
        return rows[0][0] if rows else None
