"""The store against hostile articles and old data, on both backends: ids of the old width migrated with
everything that names them, text the databases refuse cleaned at the door, an index that stays in its limits,
one article the store refuses costing only itself."""
import hashlib
import itertools
import random

from conftest import SAMPLE_JSONL, SEED

from svodka.ingest import read
from svodka.link.linker import Linker
from svodka.model import Article, Block, IngestError
from svodka.pipeline import ingest
from svodka.store import is_postgres, open_store
from svodka.store.sql import ID_COLUMNS


def sample(n_posts: int = 40) -> list:
    posts = itertools.islice(read([str(SAMPLE_JSONL)]), n_posts)
    return [*read([str(SEED)]), *posts]


def old_id(url, chash) -> str:
    key = ("url:" + url) if url else ("hash:" + chash)
    return hashlib.blake2b(key.encode("utf-8"), digest_size=6).hexdigest()


def make_old(store, db: str) -> dict[str, str]:
    """Turn a store into one of 48-bit ids at the schema version before the id migration; new id -> old id."""
    columns = ID_COLUMNS + ([("lemmas", "article_id")] if is_postgres(db) else [])
    with store.transaction() as x:
        ids = {new: old_id(url, chash) for new, url, chash in
               x.execute("SELECT id, url, content_hash FROM articles").fetchall()}
        for table, column in columns:
            x.executemany(f"UPDATE {table} SET {column}=? WHERE {column}=?", [(o, n) for n, o in ids.items()])
        x.execute("DROP TABLE article_aliases")
        x.execute("UPDATE meta SET value=? WHERE key='schema_version'", ("2" if is_postgres(db) else "6",))
    return ids


def snapshot(store, linker, seed_id):
    return {
        "count": store.count(), "linked": store.count_linked(),
        "stories": sorted((s.size, s.sources, s.title) for s, _ in store.stories_all()),
        "related": [(r.title, round(r.score, 6)) for r in linker.related(seed_id, k=5)],
        "teasers": [t.text for t in store.get(seed_id).teasers],
    }


def test_an_old_store_migrates_to_wide_ids_and_keeps_everything_reachable(any_db):
    store = open_store(any_db)
    items = sample()
    ingest(store, items, linker=Linker(store))
    seed = items[0]
    before = snapshot(store, Linker(store), seed.id)
    old = make_old(store, any_db)
    assert len(old[seed.id]) == 12 and store.get(seed.id) is None
    store.close()

    store = open_store(any_db)  # migrates on open
    try:
        ids = [r[0] for r in store.query("SELECT id FROM articles")]
        assert all(len(i) == 32 for i in ids) and set(ids) == set(old)
        linker = Linker(store)
        assert snapshot(store, linker, seed.id) == before
        for table, column in ID_COLUMNS:  # nothing names an article that is not there
            dangling = store.query(f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                                   f"(SELECT 1 FROM articles a WHERE a.id = t.{column})")
            assert dangling == [(0,)], (table, column)
        assert all(store.analysis(i) is not None for i in ids)
        assert store.story_of(seed.id) is not None and linker.story_of.get(seed.id) is not None
        assert store.get(old[seed.id]).id == seed.id  # a link made before still finds the article
        assert store.search_items(["путин"], limit=50) and store.search("редкоземельные")
        counts = ingest(store, sample(), linker=linker)  # the same input again: all known
        assert counts.stored == 0 and counts.duplicates == counts.read
    finally:
        store.close()


def words(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    letters = "абвгдежзиклмнопрстуфхцчшщэюя"
    return " ".join("".join(rng.choice(letters) for _ in range(rng.randint(6, 12))) for _ in range(n))


def test_long_article_of_many_distinct_words_is_stored_and_found(store):
    huge = Article(source="t", title="Огромный текст о погоде",
                   body=[Block(words(4000, seed=s)) for s in range(20)])  # 80,000 distinct words: a 2 MB tsvector
    small = Article(source="t", title="Короткая заметка о погоде", body=[Block("Синоптики обещают снег в Москве.")])
    counts = ingest(store, [huge, small], analyze=True)
    assert counts.stored == 2 and store.count() == 2
    assert {a.id for a in store.search("погоде")} == {huge.id, small.id}
    first_word = huge.body[0].text.split()[0]
    assert huge.id in {a.id for a in store.search(first_word)}  # the start of a long text is indexed


def test_text_the_databases_refuse_is_cleaned_at_the_door(store):
    bad = Article(source="s\x00rc", title="Заголовок \ud800 с \x00 мусором", lead="лид \udfff",
                  body=[Block("Текст \x00 новости \ud83d о ставке.")], url="http://e.ru/\x00a\udc80")
    ok = Article(source="src", title="Вторая новость", body=[Block("Обычный текст новости.")])
    counts = ingest(store, [bad, ok], analyze=False)
    assert counts.stored == 2
    got = store.get(bad.id)
    assert (got.title, got.lead, got.text, got.source, got.url) == (
        "Заголовок с мусором", "лид ", "Текст  новости  о ставке.", "src", "http://e.ru/a")


def test_an_article_the_store_refuses_costs_only_itself(store, monkeypatch):
    items = [Article(source="s", title=f"Новость {n}", body=[Block(f"Текст номер {n} о событиях дня.")])
             for n in range(5)]
    doomed = items[2].id
    real = type(store)._insert

    def insert(self, x, a, now):
        if a.id == doomed:
            raise ValueError("the database refused it")
        return real(self, x, a, now)

    monkeypatch.setattr(type(store), "_insert", insert)
    errors: list[IngestError] = []
    counts = ingest(store, items, analyze=False, on_error=errors.append)
    assert counts.stored == 4 and store.count() == 4 and counts.errors == 1
    (err,) = errors
    assert "Новость 2" in err.position and "the database refused it" in err.reason


def test_an_ingest_that_does_not_lead_says_so_and_its_articles_get_linked(any_db, tmp_path, capsys):
    """Two `svodka ingest` runs at once: the one that found the linker taken leaves its articles unlinked, says
    so, and `related` says it too, until `svodka link` (or the run itself, once the linker is free) links them."""
    from svodka.cli import main

    path = tmp_path / "part.jsonl"
    path.write_bytes(b"\n".join(SAMPLE_JSONL.read_bytes().splitlines()[30:50]) + b"\n")
    assert main(["--db", any_db, "ingest", str(SEED)]) == 0
    leader = open_store(any_db)
    try:
        assert leader.try_lead()  # the other run, still linking
        assert main(["--db", any_db, "ingest", str(path)]) == 0
        assert "another process is this store's linker" in capsys.readouterr().err
        unlinked = [a for a, _ in leader.unlinked(limit=100)]
        assert unlinked
        assert main(["--db", any_db, "related", unlinked[0].id]) == 0
        assert "is not linked yet" in capsys.readouterr().err
        assert main(["--db", any_db, "link"]) == 1  # not while the other holds the linker
    finally:
        leader.close()
    assert main(["--db", any_db, "link"]) == 0
    assert capsys.readouterr().out.strip() == f"linked {len(unlinked)}"
    assert main(["--db", any_db, "related", unlinked[0].id]) == 0
    out = capsys.readouterr()
    assert "not linked" not in out.err and out.out.strip()


def test_an_ingest_links_what_it_stored_once_the_linker_is_free(any_db):
    from svodka.cli import link_what_is_left

    store = open_store(any_db)
    try:
        ingest(store, sample(10))  # as a run that did not lead: analysed, not linked
        assert store.unlinked(limit=1) and store.count_linked() == 0
        link_what_is_left(store)
        assert not store.unlinked(limit=1) and store.count_linked() > 0
    finally:
        store.close()
