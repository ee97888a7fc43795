import sqlite3

from svodka.ingest import read_file
from svodka.model import Article, Block
from svodka.store.sqlite import MIGRATIONS, SQLiteStore

from conftest import SEED, fixture


def ingest(store, *paths):
    items = [i for p in paths for i in read_file(str(p))]
    return store.add_batch([i for i in items if isinstance(i, Article)])


def test_seed_is_stored_with_teaser_stubs(store):
    result = ingest(store, SEED)
    assert len(result.stored) == 1
    page = store.get(result.stored[0])
    assert page.rubric == "В мире" and len(page.body) == 8 and page.body[4].kind == "h"
    assert len(page.teasers) == 12 and page.teasers[-1].truncated
    stubs = [store.get(t.article_id) for t in page.teasers]
    assert all(s.kind == "stub" and s.body[0].text == t.text for s, t in zip(stubs, page.teasers))
    assert stubs[7].title.startswith("Вертолет Ми-8, который исчез утром в субботу на Камчатке")
    assert store.count() == 13


def test_ingesting_twice_stores_nothing_the_second_time(store):
    paths = [SEED, fixture("telegram_export_excerpt.jsonl"), fixture("feed_rss.xml"), fixture("article_utf8.html")]
    first = ingest(store, *paths)
    count = store.count()
    second = ingest(store, *paths)
    assert len(first.stored) == 7 and len(first.duplicates) == 1  # one Telegram post is a repost
    assert second.stored == [] and len(second.duplicates) == 8
    assert store.count() == count


def test_whitespace_changes_and_other_file_are_the_same_article(store):
    a = Article(source="A", title="Первый  снег", body=[Block("Снег выпал\nв Москве.")])
    b = Article(source="A", title="Первый снег ", body=[Block("  Снег выпал в  Москве. ")])
    assert store.add_batch([a]).stored and not store.add_batch([b]).stored


def test_copy_from_another_source_is_listed(store):
    result = ingest(store, fixture("telegram_export_excerpt.jsonl"))
    original = result.duplicates[0]
    copies = store.copies_of(original)
    assert len(copies) == 1 and copies[0]["source"] != store.get(original).source


def test_same_url_is_one_article(store):
    a = Article(source="A", title="Версия 1", body=[Block("Текст")], url="https://x.ru/1")
    b = Article(source="A", title="Версия 2", body=[Block("Другой текст")], url="https://x.ru/1")
    store.add_batch([a])
    assert store.add_batch([b]).duplicates == [a.id]
    assert store.get(a.id).title == "Версия 1"  # nothing stored before is changed


def test_failed_batch_leaves_nothing_half_written(store):
    store.add_batch([Article(source="A", title="Старое", body=[Block("Старый текст")])])

    def exploding():
        yield Article(source="A", title="Новое", body=[Block("Новый текст")])
        raise RuntimeError("disk on fire")

    try:
        store.add_batch(exploding())
    except RuntimeError:
        pass
    assert store.count() == 1 and store.search("Новое") == []


def test_full_text_search_over_title_and_body(store):
    ingest(store, SEED, fixture("feed_rss.xml"))
    assert [a.title for a in store.search("редкоземельных")][0].startswith("Путин предлагает США")
    assert store.search("снег")[0].title == "В Москве выпал первый снег"
    assert store.search('"; DROP TABLE articles; --') == []


def test_schema_is_versioned_and_migrated_on_open(tmp_path):
    path = str(tmp_path / "v.db")
    s = SQLiteStore(path)
    assert s.schema_version == len(MIGRATIONS)
    s.close()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s = SQLiteStore(path)  # reopening migrates nothing and loses nothing
    assert s.schema_version == len(MIGRATIONS)
    s.close()


def test_list_newest_first_and_filters(store):
    ingest(store, SEED, fixture("feed_rss.xml"))
    listed = store.list(kinds=("article",))
    assert [a.title for a in listed][:2] == ["Путин предлагает США участие в добыче редкоземельных металлов, "
                                             "включая оккупированные территории Украины",
                                             "Сборная России по хоккею обыграла Канаду"]
    assert all(a.kind == "stub" for a in store.list(kinds=("stub",)))
    assert {a.source for a in store.list(source="Пример.ру — Новости")} == {"Пример.ру — Новости"}


def test_reader_lists_fold_copies_and_leave_out_what_is_not_news(store):
    from datetime import datetime, timedelta, timezone

    from svodka.understand.analyze import analyze

    t0 = datetime(2024, 11, 1, 9, tzinfo=timezone.utc)
    text = "Владимир Путин провел совещание с правительством по бюджету на следующий год."
    arts = {k: Article(source=src, title=f"Совещание по бюджету {k}", body=[Block(f"{text} {k}")],
                       published_at=t0 + timedelta(hours=i))
            for i, (k, src) in enumerate([("a", "Один"), ("b", "Два"), ("c", "Три"), ("d", "Один"), ("e", "Два")])}
    analyses = {}
    for k, a in arts.items():
        analyses[a.content_hash] = analyze(a.text, a.title)
        analyses[a.content_hash].is_news = k != "d"  # d: a betting ad, say
    store.add_batch(list(arts.values()), analyses)
    ids = {k: a.id for k, a in arts.items()}
    # b copies a, c copies b (the linker points a copy at its closest earlier text); e and d stand alone
    dups = {"b": ids["a"], "c": ids["b"]}
    store.put_links([(ids[k], b"\0" * 4, "{}", dups.get(k)) for k in "abcde"], [], [])

    assert [r[0] for r in store.items()] == [ids["e"], ids["a"]]
    assert store.folded_sources([ids["a"], ids["e"]]) == {ids["a"]: 2}  # "ещё 2 источника"
    assert [r[0] for r in store.items(source="Два")] == [ids["e"], ids["b"]]  # its own copy of another's text
    assert dict(store.source_counts()) == {"Один": 1, "Два": 2, "Три": 1}
    person = next(e.normalised for e in analyses[arts["a"].content_hash].entities if e.type == "PER")
    assert store.entity_count("PER", person) == 2
    assert {r[0] for r in store.entity_items("PER", person)} == {ids["a"], ids["e"]}
