"""Russian and ISO dates to timezone-aware UTC datetimes.

The shapes news pages really use ("25 февраля 2025, 07:00", "вчера, 14:30", "3 марта", ISO) take a fast
regex path; anything else goes to dateparser, which is ~100x slower.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Europe/Moscow"
EARLIEST_YEAR = 1990
FUTURE_SLACK = timedelta(days=2)

MONTH_STEMS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр",
               "декабр")
MONTH_ABBR = {"янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "авг": 8, "сен": 9, "сент": 9, "окт": 10,
              "ноя": 11, "нояб": 11, "дек": 12}
_MONTH_WORD = re.compile("^(" + "|".join(MONTH_STEMS) + ")(я|ь|е|а|ю|ем|й|т)?$")
_MONTH = r"(?P<month>[а-яё]+)\.?"
_TIME = r"(?:\s*(?:,|в|г\.|года|—|-)?\s*(?:,|в)?\s*(?P<hour>\d{1,2})[:.](?P<minute>\d{2}))?"
_DAY_MONTH = re.compile(
    r"^\s*(?P<day>\d{1,2})\s+" + _MONTH + r"(?:\s+(?P<year>\d{4}))?(?:\s*(?:г\.|года))?" + _TIME, re.I)
_RELATIVE = re.compile(r"^\s*(?P<word>сегодня|вчера|позавчера)" + _TIME, re.I)
_TIME_FIRST = re.compile(
    r"^\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*,?\s*(?P<day>\d{1,2})\s+" + _MONTH + r"(?:\s+(?P<year>\d{4}))?", re.I)
_NUMERIC = re.compile(r"^\s*(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})" + _TIME)


class DateError(ValueError):
    """A date that cannot be read or makes no sense (31 февраля, year 3025)."""


def month_number(word: str) -> int | None:
    w = word.lower().replace("ё", "е").rstrip(".")
    if w in MONTH_ABBR:
        return MONTH_ABBR[w]
    m = _MONTH_WORD.match(w)
    if not m or (m[1] == "ма" and m[2] not in ("я", "й", "е", "ю", "ем")):
        return None
    return MONTH_STEMS.index(m[1]) + 1


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_date(text: str, tz: str = DEFAULT_TZ, now: datetime | None = None) -> datetime:
    """Read a date as a page shows it; the page's own zone is `tz`; the result is in UTC.

    Raises DateError with the reason when the text is no date or an impossible one.
    """
    text = text.strip()
    if not text:
        raise DateError("empty date")
    now = now or datetime.now(timezone.utc)
    local_now = now.astimezone(zone(tz))
    result = _parse_iso(text, tz) or _parse_russian(text, tz, local_now) or _parse_with_dateparser(text, tz, now)
    if result is None:
        raise DateError(f"cannot read date {text!r}")
    return check_plausible(result, text, now)


def check_plausible(dt: datetime, text: str, now: datetime | None = None) -> datetime:
    now = now or datetime.now(timezone.utc)
    if dt.year < EARLIEST_YEAR:
        raise DateError(f"date {text!r} is before {EARLIEST_YEAR}")
    if dt > now + FUTURE_SLACK:
        raise DateError(f"date {text!r} is in the future")
    return dt.astimezone(timezone.utc)


def _parse_iso(text: str, tz: str) -> datetime | None:
    if not text[:4].isdigit():
        return None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        if re.match(r"^\d{4}-\d{2}-\d{2}", text):
            raise DateError(f"impossible date {text!r}: {e}") from None
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(tz))
    return dt


def _build(year: int, month: int, day: int, hour: str | None, minute: str | None, tz: str, text: str) -> datetime:
    try:
        t = time(int(hour), int(minute)) if hour is not None else time(0, 0)
        return datetime.combine(date(year, month, day), t, tzinfo=zone(tz))
    except ValueError as e:
        raise DateError(f"impossible date {text!r}: {e}") from None


def _parse_russian(text: str, tz: str, local_now: datetime) -> datetime | None:
    m = _RELATIVE.match(text)
    if m:
        back = {"сегодня": 0, "вчера": 1, "позавчера": 2}[m["word"].lower()]
        d = local_now.date() - timedelta(days=back)
        return _build(d.year, d.month, d.day, m["hour"], m["minute"], tz, text)
    m = _NUMERIC.match(text)
    if m:
        return _build(int(m["year"]), int(m["month"]), int(m["day"]), m["hour"], m["minute"], tz, text)
    m = _DAY_MONTH.match(text) or _TIME_FIRST.match(text)
    if not m:
        return None
    month = month_number(m["month"])
    if month is None:
        return None
    if m["year"]:
        year = int(m["year"])
    else:
        # "3 марта" means the latest 3 March that is not in the future
        year = local_now.year
        if (month, int(m["day"])) > (local_now.month, local_now.day):
            year -= 1
    return _build(year, month, int(m["day"]), m["hour"], m["minute"], tz, text)


def _parse_with_dateparser(text: str, tz: str, now: datetime) -> datetime | None:
    if len(text) > 64:
        return None
    import dateparser  # slow import; only the rare shapes get here

    dt = dateparser.parse(text, languages=["ru", "uk", "en"], settings={
        "TIMEZONE": tz, "RETURN_AS_TIMEZONE_AWARE": True, "PREFER_DATES_FROM": "past",
        "RELATIVE_BASE": now.astimezone(zone(tz)).replace(tzinfo=None)})
    return dt


_DATELINE = re.compile(
    r"^\s*(?P<date>(?:\d{1,2}\s+[а-яё]+\.?(?:\s+\d{4})?(?:\s*(?:г\.|года))?|сегодня|вчера|позавчера|\d{1,2}\.\d{1,2}\.\d{4})"
    r"(?:\s*(?:,|в)?\s*\d{1,2}:\d{2})?)\s*(?P<rest>.*)$", re.I)


def split_dateline(line: str) -> tuple[str, str] | None:
    """'25 февраля 2025, 07:00 В мире' -> ('25 февраля 2025, 07:00', 'В мире')."""
    m = _DATELINE.match(line)
    if not m:
        return None
    date_part = m["date"].strip()
    first_word = re.match(r"\d{1,2}\s+([а-яё]+)", date_part, re.I)
    if first_word and month_number(first_word[1]) is None:
        return None
    return date_part, m["rest"].strip()
