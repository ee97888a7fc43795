from datetime import datetime

import pytest
from zoneinfo import ZoneInfo

from svodka.ingest import read_file
from svodka.model import HEADING, PARAGRAPH, Article, IngestError

from conftest import SEED, fixture


def parse_seed(tz="Europe/Moscow") -> Article:
    items = list(read_file(str(SEED), tz=tz))
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


def test_seed_every_field():
    a = parse_seed()
    assert a.published_at == datetime(2025, 2, 25, 7, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    assert a.published_at.utcoffset().total_seconds() == 0  # stored as UTC
    assert a.rubric == "В мире"
    assert a.title == ("Путин предлагает США участие в добыче редкоземельных металлов, "
                       "включая оккупированные территории Украины")
    assert [b.kind for b in a.body] == [PARAGRAPH] * 4 + [HEADING] + [PARAGRAPH] * 3
    assert a.body[4].text == "Снижение военных расходов"
    assert a.body[0].text.startswith("В понедельник президент России Владимир Путин")
    assert a.body[-1].text.startswith("Эти заявления подчеркивают")
    assert a.lead == a.body[0].text
    assert len(a.teasers) == 12
    assert [t.position for t in a.teasers] == list(range(12))
    assert a.teasers[0].text.startswith("Сыновья российского президента")
    assert a.teasers[-1].text.endswith("158 дронов")
    assert a.teasers[-1].truncated and not any(t.truncated for t in a.teasers[:-1])
    assert "Похожие новости" not in a.text


def test_seed_time_zone_is_configurable():
    a = parse_seed(tz="Europe/Kaliningrad")
    assert a.published_at == datetime(2025, 2, 25, 5, 0, tzinfo=ZoneInfo("UTC"))


def test_cp1251_page_dump_reads_the_same():
    (a,) = read_file(fixture("pagedump_cp1251.txt"))
    assert a.title == parse_seed().title and a.content_hash == parse_seed().content_hash


def test_impossible_date_is_an_error_naming_file_and_line():
    (err,) = read_file(fixture("pagedump_impossible_date.txt"))
    assert isinstance(err, IngestError)
    assert err.file.endswith("pagedump_impossible_date.txt") and err.position == "line 1"
    assert "31 февраля 2025" in err.reason and "day is out of range" in err.reason


DUMP_BODY = ("Правительство утвердило новые правила субсидирования ипотеки\n\n"
             "Кабинет министров утвердил правила, по которым банки будут получать возмещение по льготной ипотеке.\n\n"
             "Изменения вступят в силу с первого числа следующего месяца.\n")


def dump(tmp_path, dateline: str, tz="Europe/Moscow") -> Article:
    path = tmp_path / "page.txt"
    path.write_text(dateline + "\n" + DUMP_BODY, encoding="utf-8")
    items = list(read_file(str(path), tz=tz))
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


@pytest.mark.parametrize("dateline", [
    "Вт, 25 февраля 2025, 07:00 Экономика",
    "07:00, 25 февраля 2025 Экономика",
    "25 февраля 2025, 07:00, вторник Экономика",
    "25.02.25 07:00 | Экономика",
    "25 фев. 25 07:00 Экономика",
])
def test_dateline_shapes_give_the_time_and_a_clean_rubric(tmp_path, dateline):
    a = dump(tmp_path, dateline)
    assert a.published_at == datetime(2025, 2, 25, 4, 0, tzinfo=ZoneInfo("UTC"))
    assert a.rubric == "Экономика"
    assert a.title == "Правительство утвердило новые правила субсидирования ипотеки"
    assert a.body[0].text.startswith("Кабинет министров")


def test_relative_dateline_is_read_against_now(tmp_path):
    before = datetime.now(ZoneInfo("UTC"))
    a = dump(tmp_path, "3 часа назад В мире")
    assert a.rubric == "В мире"
    assert abs((before - a.published_at).total_seconds() - 3 * 3600) < 60
