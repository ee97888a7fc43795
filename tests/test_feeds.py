"""Feeds in the shapes publishers really serve: RSS 1.0, a prolog with comments and a DOCTYPE, Russian and zone-less
dates, a broken character reference, JSON Feed."""
import logging
from datetime import datetime, timedelta, timezone

import pytest

from svodka.ingest import read_file
from svodka.model import Article, IngestError

from conftest import fixture

UTC = timezone.utc


def test_rss1_rdf_with_xml_declaration():
    (a,) = read_file(fixture("feed_rss1_rdf.xml"))
    assert isinstance(a, Article), a
    assert a.title == "В области открыли новый мост через Волгу" and a.source == "Вести Примера"
    assert a.published_at == datetime(2025, 2, 22, 6, 30, tzinfo=UTC) and a.rubric == "Общество"
    assert a.url == "https://vesti-primer.ru/news/101" and "три года" in a.text


def test_comment_and_doctype_before_the_root_in_cp1251():
    (a,) = read_file(fixture("feed_comment_doctype.xml"))
    assert isinstance(a, Article), a
    assert a.title == "Трамвай номер пять изменит маршрут" and a.source == "Городские новости"


def test_russian_dateline_zoneless_and_msk_dates_in_the_source_zone(caplog):
    with caplog.at_level(logging.WARNING, logger="svodka.ingest"):
        items = list(read_file(fixture("feed_dates_ru.xml"), tz="Europe/Moscow"))
    assert all(isinstance(i, Article) for i in items), items
    by_title = {a.title: a.published_at for a in items}
    moscow_7am = datetime(2025, 2, 25, 4, 0, tzinfo=UTC)
    for title in ("Russian pubDate", "Dateline pubDate", "No zone", "MSK", "English with offset"):
        assert by_title[title] == moscow_7am, title
    # the unreadable date costs the date, not the item: the feed's own date stands in, and a warning says so
    assert by_title["Unreadable date"] == datetime(2025, 2, 25, 6, 0, tzinfo=UTC)
    assert "item 5" in caplog.text and "когда-то давно" in caplog.text and "feed's date" in caplog.text
    # one reference to no character (&#xD800;) does not lose the feed or the item's text
    assert "с битой ссылкой на символ" in next(a for a in items if a.title == "Unreadable date").text


def test_zoneless_dates_follow_the_source_zone():
    items = list(read_file(fixture("feed_dates_ru.xml"), tz="Asia/Vladivostok"))
    by_title = {a.title: a.published_at for a in items}
    assert by_title["No zone"] == by_title["Dateline pubDate"] == datetime(2025, 2, 24, 21, 0, tzinfo=UTC)
    assert by_title["MSK"] == by_title["Russian pubDate"] == datetime(2025, 2, 25, 4, 0, tzinfo=UTC)


def test_unreadable_date_without_a_feed_date_takes_the_time_it_was_read(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text('<rss version="2.0"><channel><title>Т</title><item><title>Новость</title>'
                    '<description>Текст новости.</description><pubDate>31 февраля 2025</pubDate></item>'
                    "</channel></rss>", encoding="utf-8")
    (a,) = read_file(str(path))
    assert isinstance(a, Article) and abs(datetime.now(UTC) - a.published_at) < timedelta(minutes=1)


def test_json_feed():
    a, b, err = read_file(fixture("feed_json.json"))
    assert isinstance(a, Article) and isinstance(b, Article), (a, b)
    assert a.title == "Аэропорт перешёл на зимнее расписание" and a.source == "Пример JSON"
    assert [p.text for p in a.body] == ["Аэропорт перешёл на зимнее расписание полётов.",
                                        "Изменения коснулись двенадцати рейсов."]
    assert a.rubric == "Транспорт" and a.published_at == datetime(2025, 2, 25, 4, 0, tzinfo=UTC)
    assert b.title.startswith("Библиотека продлила") and b.published_at == datetime(2025, 2, 25, 5, 15, tzinfo=UTC)
    assert isinstance(err, IngestError) and err.position == "item 3" and "not an object" in err.reason


def test_named_zones_feedparser_knows_stay_its_reading():
    import feedparser

    from svodka.ingest.feed import read_feed_date

    raw = "Sun, 1 Jan 2006 00:00:00 EST"
    struct = feedparser.parse(f"<rss><channel><item><title>x</title><pubDate>{raw}</pubDate></item></channel></rss>"
                              ).entries[0]["published_parsed"]
    assert read_feed_date(raw, struct, "Europe/Moscow") == datetime(2006, 1, 1, 5, 0, tzinfo=UTC)



@pytest.mark.parametrize("head, is_feed", [
    ('<?xml version="1.0"?>\n<?xml-stylesheet type="text/xsl" href="/rss.xsl"?>\n<rss version="2.0">', True),
    ('<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY nbsp "&#160;">]><rss>', True),
    ('<!-- cache: hit -->\n<rss version="2.0">', True),
    ('\ufeff<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">', True),
    ('<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', True),
    ("<!DOCTYPE html><html><body>", False),
    ('<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">', False),
])
def test_what_may_stand_before_a_feed_root(head, is_feed):
    from svodka.ingest.feed import looks_like_feed

    assert looks_like_feed(head) is is_feed


def test_yandex_full_text_is_the_body_without_its_furniture():
    (a,) = read_file(fixture("feed_yandex_fulltext.xml"))
    assert isinstance(a, Article), a
    assert [b.text for b in a.body] == [
        "Власти области объявили о строительстве трёх новых школ в районах, где классы переполнены.",
        "Первую школу откроют уже в следующем году, ещё две — к 2027 году."]
    assert a.rubric == "Образование" and a.published_at == datetime(2025, 2, 25, 4, 0, tzinfo=UTC)
