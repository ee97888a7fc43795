from datetime import datetime, timezone

import pytest

from svodka.understand.dates import DateError, month_number, parse_date, split_dateline

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)  # 12:00 in Moscow


@pytest.mark.parametrize("text, expected", [
    ("25 февраля 2025, 07:00", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),
    ("25 ФЕВРАЛЯ 2025, 07:00", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),
    ("25 мая 2024 г. в 10:15", datetime(2024, 5, 25, 7, 15, tzinfo=timezone.utc)),
    ("вчера, 14:30", datetime(2026, 11, 24, 11, 30, tzinfo=timezone.utc)),
    ("сегодня в 08:05", datetime(2026, 11, 25, 5, 5, tzinfo=timezone.utc)),
    ("3 марта", datetime(2026, 3, 2, 21, 0, tzinfo=timezone.utc)),
    ("30 ноября", datetime(2025, 11, 29, 21, 0, tzinfo=timezone.utc)),  # the latest past 30 November
    ("12.03.2024 08:30", datetime(2024, 3, 12, 5, 30, tzinfo=timezone.utc)),
    ("2024-12-01T10:00:00+03:00", datetime(2024, 12, 1, 7, 0, tzinfo=timezone.utc)),
    ("2024-12-01T10:00:00Z", datetime(2024, 12, 1, 10, 0, tzinfo=timezone.utc)),
    ("2024-12-01 10:00", datetime(2024, 12, 1, 7, 0, tzinfo=timezone.utc)),  # naive: the page's zone
    ("1 янв. 2025", datetime(2024, 12, 31, 21, 0, tzinfo=timezone.utc)),
])
def test_parses_to_utc(text, expected):
    assert parse_date(text, now=NOW) == expected


def test_other_time_zone():
    assert parse_date("25 февраля 2025, 07:00", tz="Asia/Vladivostok", now=NOW) == \
        datetime(2025, 2, 24, 21, 0, tzinfo=timezone.utc)


def test_rare_shapes_fall_back_to_dateparser():
    assert parse_date("3 часа назад", now=NOW) == datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, reason", [
    ("31 февраля 2025", "day is out of range"),
    ("2024-02-30", "impossible date"),
    ("25 февраля 3025", "in the future"),
    ("12 мартобря 1812", "cannot read"),
    ("", "empty"),
])
def test_impossible_dates_raise_with_reason(text, reason):
    with pytest.raises(DateError, match=reason):
        parse_date(text, now=NOW)


def test_month_names_in_any_case_and_no_false_months():
    assert [month_number(w) for w in ("января", "Мая", "май", "мае", "сентября", "дек.")] == [1, 5, 5, 5, 9, 12]
    assert month_number("машин") is None and month_number("марш") is None


def test_split_dateline():
    assert split_dateline("25 февраля 2025, 07:00 В мире") == ("25 февраля 2025, 07:00", "В мире")
    assert split_dateline("вчера, 14:30 Экономика") == ("вчера, 14:30", "Экономика")
    assert split_dateline("25 человек погибли") is None
    assert split_dateline("Путин заявил") is None


@pytest.mark.parametrize("text, expected", [
    ("Вт, 25 февраля 2025, 07:00", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),  # weekday first
    ("вторник, 25 февраля 2025 07:00", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),
    ("07:00, 25 февраля 2025", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),  # time first
    ("07:00 | 25 февраля 2025", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),
    ("Вт, 25 фев 2025 07:00:00 +0300", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),  # Russian pubDate
    ("Пт, 14 мар 2025 23:10:05 +0000", datetime(2025, 3, 14, 23, 10, 5, tzinfo=timezone.utc)),
    ("25.02.2025 07:00", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),
    ("25.02.25 07:00", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),  # two-digit year
    ("25 фев. 95 11:15", datetime(1995, 2, 25, 8, 15, tzinfo=timezone.utc)),
    ("2025-02-25 07:00 MSK", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),
    ("25 февраля 2025, 07:00 МСК", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),
    ("3 часа назад", datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)),  # relative, on the fast path
    ("15 минут назад", datetime(2026, 11, 25, 8, 45, tzinfo=timezone.utc)),
    ("час назад", datetime(2026, 11, 25, 8, 0, tzinfo=timezone.utc)),
    ("2 дня назад", datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)),
    ("5 хвилин тому", datetime(2026, 11, 25, 8, 55, tzinfo=timezone.utc)),  # Ukrainian
    ("25 лютого 2025, 07:00", datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)),
    ("сьогодні о 08:05", datetime(2026, 11, 25, 5, 5, tzinfo=timezone.utc)),
    ("29 февраля", datetime(2024, 2, 28, 21, 0, tzinfo=timezone.utc)),  # no year, in the last leap year
    ("12-08-2015 - 09:00", datetime(2015, 8, 12, 6, 0, tzinfo=timezone.utc)),  # day first, never month first
    ("Вторник, 18 Август 2015 18:51", datetime(2015, 8, 18, 15, 51, tzinfo=timezone.utc)),
    ("18 Июля 2021 [17:48]", datetime(2021, 7, 18, 14, 48, tzinfo=timezone.utc)),  # dateparser
    ("две минуты назад", datetime(2026, 11, 25, 8, 58, tzinfo=timezone.utc)),  # dateparser
])
def test_more_shapes(text, expected):
    assert parse_date(text, now=NOW) == expected


def test_a_two_digit_year_needs_a_time_or_the_end_after_it():
    assert split_dateline("3 марта 15 человек пострадали") == ("3 марта", "15 человек пострадали")


@pytest.mark.parametrize("line, expected", [
    ("Вт, 25 февраля 2025, 07:00 В мире", ("Вт, 25 февраля 2025, 07:00", "В мире")),
    ("07:00, 25 февраля 2025 В мире", ("07:00, 25 февраля 2025", "В мире")),
    ("25 февраля 2025, вторник В мире", ("25 февраля 2025, вторник", "В мире")),  # the tail is the date's
    ("25 февраля 2025, 07:00, вторник | В мире", ("25 февраля 2025, 07:00, вторник", "В мире")),
    ("25 фев. 95 11:15 В мире", ("25 фев. 95 11:15", "В мире")),
    ("3 часа назад Экономика", ("3 часа назад", "Экономика")),
    ("25.02.2025 07:00 — Политика", ("25.02.2025 07:00", "Политика")),
])
def test_split_dateline_shapes_and_the_rubric_never_takes_the_tail(line, expected):
    assert split_dateline(line) == expected
    assert parse_date(expected[0], now=NOW).year in (1995, 2025, 2026)


def test_rare_shapes_go_to_dateparser_once_and_the_common_ones_never(monkeypatch):
    from svodka.understand import dates

    dates._dateparser_cached.cache_clear()
    for _ in range(3):
        try:
            parse_date("позавчера вечером", now=NOW)
        except DateError:
            pass
    assert dates._dateparser_cached.cache_info().hits == 2
    monkeypatch.setattr(dates, "_dateparser_cached", None)  # would raise TypeError if called
    assert parse_date("3 часа назад", now=NOW) and parse_date("Вт, 25 фев 2025 07:00:00 +0300", now=NOW)


def test_named_days_are_the_calendar_days_a_headline_names():
    from svodka.understand.dates import named_days

    assert named_days("Прогноз погоды на 8 ноября") == {(8, 11)}
    assert named_days("Лукашенко посетит Москву 7-8 мая") == {(7, 5), (8, 5)}
    assert named_days("Акция пройдёт 25-го декабря и 1 марта") == {(25, 12), (1, 3)}
    # numbers that are no day of a month: counts, clock times, a year
    assert named_days("В 2024 году 5 человек пострадали в 12:30") == frozenset()
    assert named_days("Заплатили 45 мая") == frozenset()  # no such day


@pytest.mark.parametrize("text, dateline", [
    ("МОСКВА, 2 окт - РИА Новости. Фильм возглавил прокат.", "МОСКВА, 2 окт - РИА Новости. "),
    ("ВАШИНГТОН, 2 октября. /ТАСС/. Президент заявил.", "ВАШИНГТОН, 2 октября. /ТАСС/. "),
    ("НИЖНИЙ НОВГОРОД, 5 ноября — РИА Новости, Мария Иванова. Текст.",
     "НИЖНИЙ НОВГОРОД, 5 ноября — РИА Новости, Мария Иванова. "),
    ("Москва. 2 октября. INTERFAX.RU - Госдума приняла закон.", "Москва. 2 октября. INTERFAX.RU - "),
    # not datelines: a place as a sentence writes it, a speaker, no month, a lower-case clause after the dash
    ("Москва, 5 мая - В городе прошёл парад.", ""),
    ("ЦБ, 2 окт - заявил глава.", ""),
    ("МОСКВА, 2 кот - РИА Новости. Текст.", ""),
    ("МОСКВА, 2 окт - в городе прошёл парад.", ""),
])
def test_wire_dateline_is_where_the_agency_filed_not_what_happened(text, dateline):
    from svodka.understand.dates import wire_dateline

    assert text[:wire_dateline(text)] == dateline
