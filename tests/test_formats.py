from datetime import datetime, timezone

from svodka.ingest import read, read_bytes, read_file
from svodka.model import HEADING, PARAGRAPH, Article, IngestError

from conftest import fixture


def articles(path):
    items = list(read_file(fixture(path)))
    assert all(isinstance(i, Article) for i in items), items
    return items


def test_html_page_title_date_time_subheading_and_no_boilerplate():
    (a,) = articles("article_utf8.html")
    assert a.title == "Центробанк сохранил ключевую ставку на уровне 21%"
    assert a.published_at == datetime(2024, 12, 20, 10, 30, tzinfo=timezone.utc)  # time from the meta tag
    assert a.rubric == "Экономика"
    assert [b.kind for b in a.body] == [PARAGRAPH, PARAGRAPH, HEADING, PARAGRAPH]
    assert a.body[2].text == "Что дальше"
    assert "Главная" not in a.text and "все права защищены" not in a.text


def test_html_cp1251_declared_and_koi8r_undeclared_are_decoded():
    (utf8,) = articles("article_utf8.html")
    (cp1251,) = articles("article_cp1251.html")
    (koi8,) = articles("article_koi8r_undeclared.html")
    assert cp1251.title == utf8.title and cp1251.text == utf8.text
    assert koi8.title == utf8.title and koi8.body[0].text == utf8.body[0].text


def test_html_without_article_is_an_error():
    (err,) = read_file(fixture("html_no_article.html"))
    assert isinstance(err, IngestError) and "no article" in err.reason


def test_rss_items_with_dates_links_rubrics():
    a, b = articles("feed_rss.xml")
    assert a.title == "В Москве выпал первый снег" and a.url == "https://example.ru/news/1"
    assert a.published_at == datetime(2024, 11, 25, 7, 0, tzinfo=timezone.utc)
    assert a.rubric == "Общество" and a.source == "Пример.ру — Новости"
    assert [p.text for p in a.body] == ["Первый снег выпал в Москве в понедельник утром, сообщили синоптики.",
                                        "Снегопад продлится до вечера."]
    assert b.body[0].text == "Матч завершился со счетом 4:2."


def test_atom_and_cp1251_feeds():
    (a,) = articles("feed_atom.xml")
    assert a.url == "https://example.org/a/1" and "ниже 100 рублей" in a.text
    assert [x.title for x in articles("feed_cp1251.xml")] == [x.title for x in articles("feed_rss.xml")]


def test_feed_that_is_not_xml_is_an_error():
    (err,) = read_file(fixture("not_xml_feed.xml"))
    assert isinstance(err, IngestError) and err.file.endswith("not_xml_feed.xml")


def test_jsonl_broken_line_and_impossible_date_do_not_stop_the_rest():
    items = list(read_file(fixture("articles.jsonl")))
    assert [type(i).__name__ for i in items] == ["Article", "Article", "IngestError", "IngestError", "Article"]
    assert items[2].position == "line 3" and "broken JSON" in items[2].reason
    assert items[3].position == "line 4" and "31 февраля 2024" in items[3].reason
    assert items[1].published_at == datetime(2024, 11, 25, 9, 0, tzinfo=timezone.utc)
    assert items[0].body[1].text == "Снегопад продлится до вечера." and items[0].rubric == "Общество"


def test_telegram_export_headline_from_bold_or_first_sentence():
    bold, plain, copy1, copy2 = articles("telegram_export_excerpt.jsonl")
    assert bold.kind == "post" and bold.source == "ТОПОР - Горячие новости"
    assert bold.title.startswith("В США разработали анти-похмельный напиток") and "**" not in bold.title
    assert plain.title == "Китайцы нашли на Луне экстремально богатый водой минерал"  # emoji dropped
    assert "https://" not in plain.text  # a bare link line is not body text
    assert bold.external_id and bold.published_at.tzinfo is not None
    assert copy1.content_hash == copy2.content_hash and copy1.source != copy2.source


def test_read_walks_folders_and_keeps_going():
    items = list(read([fixture("")]))
    errors = [i for i in items if isinstance(i, IngestError)]
    good = [i for i in items if isinstance(i, Article)]
    assert len(good) >= 12 and len(errors) >= 6
    assert all(e.file and e.reason for e in errors)


def test_read_bytes_detects_format_from_content():
    data = open(fixture("feed_rss.xml"), "rb").read()
    assert len([i for i in read_bytes(data, "upload") if isinstance(i, Article)]) == 2
