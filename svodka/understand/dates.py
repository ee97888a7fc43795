"""Russian, Ukrainian and ISO dates to timezone-aware UTC datetimes.

One grammar covers the shapes news pages and feeds really use, each read by a regex (fast):
    25 февраля 2025, 07:00 | Вт, 25 февраля 2025, 07:00 | 07:00, 25 февраля 2025 | 25 фев. 25 11:15
    Вт, 25 фев 2025 07:00:00 +0300 (a Russian RFC 822 pubDate) | 25.02.2025 07:00 | 25.02.25 | 2025-02-25 07:00 MSK
    вчера, 14:30 | сьогодні о 08:05 | 3 часа назад | 5 хвилин тому | только что
Anything else goes to dateparser (~100x slower; its answers are cached).
A time without a zone is the page's zone (`tz`); MSK/МСК is Moscow time; the result is UTC.
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
              "ноя": 11, "нояб": 11, "дек": 12, "июн": 6, "июл": 7}
# Ukrainian months only in dates: "лютого" is also an ordinary Russian word (лютый), so figures never see these
UK_MONTHS = {"січня": 1, "лютого": 2, "березня": 3, "квітня": 4, "травня": 5, "червня": 6, "липня": 7,
             "серпня": 8, "вересня": 9, "жовтня": 10, "листопада": 11, "грудня": 12, "січ": 1, "лют": 2, "бер": 3,
             "квіт": 4, "трав": 5, "черв": 6, "лип": 7, "серп": 8, "вер": 9, "жовт": 10, "лист": 11, "груд": 12}
EN_MONTHS = {m: i for i, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
    ("dec", "december")), 1) for m in names}
_MONTH_WORD = re.compile("^(" + "|".join(MONTH_STEMS) + ")(я|ь|е|а|ю|ем|й|т)?$")

_WEEKDAY = (r"(?:понедельник|вторник|среда|среду|четверг|пятница|пятницу|суббота|субботу|воскресенье|"
            r"понеділок|вівторок|середа|середу|четвер|п['’]ятниця|п['’]ятницю|субота|суботу|неділя|неділю|"
            r"пн|вт|ср|чт|пт|сб|вс|нд|mon|tue|wed|thu|fri|sat|sun)\.?")
_CLOCK = r"(?P<hour>\d{1,2})[:.](?P<minute>\d{2})(?::(?P<second>\d{2}))?"
_ZONE = r"(?:\s*(?P<zone>[+-]\d{2}:?\d{2}|MSK|МСК|UTC|GMT|Z)\b)?"
_YEAR_WORD = r"(?:\s*(?:г\.|года|год|р\.|року))?"
_RELDAY = r"(?P<relday>сегодня|вчера|позавчера|сьогодні|вчора|позавчора)"
_TEXT_DATE = r"(?P<day>\d{1,2})\s+(?P<month>[а-яёіїєґa-z]+)\.?"
_NUM_DATE = r"(?P<nday>\d{1,2})(?P<sep>[./-])(?P<nmonth>\d{1,2})(?P=sep)(?P<nyear>\d{4}|\d{2})(?!\d)"
_ISO_DATE = r"(?P<iyear>\d{4})-(?P<imonth>\d{2})-(?P<iday>\d{2})"
_SEP = r"\s*(?:,|в|о|г\.|года|—|–|-|\|)?\s*(?:,|в|о)?\s*"
# a year after a month name: four digits, or two when a time, a year word or the end follows ("3 марта 15 человек"
# keeps its 15 people)
_YEAR_AFTER_MONTH = (r"(?:\s+(?P<year>\d{4})(?!\d)|\s+(?P<year2>\d{2})(?=\s*(?:,|г\.|года|р\.|року)?\s*(?:"
                     r"\d{1,2}[:.]\d{2}|$)))?")
_DATE = (r"(?:" + _RELDAY + r"|" + _NUM_DATE + r"|" + _ISO_DATE + r"|" + _TEXT_DATE + _YEAR_AFTER_MONTH
         + _YEAR_WORD + r")")
_TIME_THEN_DATE = (r"(?P<hour2>\d{1,2})[:.](?P<minute2>\d{2})\s*(?:,|\||—)?\s*(?:" + _RELDAY.replace("relday", "relday2")
                   + r"|(?P<day2>\d{1,2})\s+(?P<month2>[а-яёіїєґa-z]+)\.?(?:\s+(?P<year3>\d{4}))?" + _YEAR_WORD + r")")
_AGO = (r"(?P<ago_n>\d+|полчаса|час|минуту|хвилину|годину)?\s*(?P<ago_unit>"
        r"минут[ауы]?|мин\.?|час(?:а|ов)?|ч\.|д(?:ень|ня|ней)|хвилин[уи]?|годин[уи]?|дн(?:і|ів)|секунд[ауы]?)?"
        r"\s*(?:назад|тому)|(?P<now_word>только что|щойно)")
_DATELINE_RE = re.compile(
    r"^\s*(?:" + _WEEKDAY + r"\s*,?\s*)?"
    r"(?:(?P<ago>" + _AGO + r")|" + _TIME_THEN_DATE + r"|" + _DATE + r"(?:" + _SEP + _CLOCK + r")?)"
    + _ZONE + r"(?:\s*,\s*" + _WEEKDAY + r"(?![а-яёіїє]))?", re.I)
_ISO_ZONE_WORD = re.compile(r"\s+(MSK|МСК)$", re.I)


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


def _month_in_date(word: str) -> int | None:
    w = word.lower().rstrip(".")
    return month_number(w) or UK_MONTHS.get(w) or EN_MONTHS.get(w)


# a wire dateline: where and when the agency filed the text, and the agency ("МОСКВА, 2 окт - РИА Новости.",
# "ВАШИНГТОН, 2 октября. /ТАСС/.", "Москва. 2 октября. INTERFAX.RU - "): the place in capitals, as wires write it
_WIRE_PLACE = r"[А-ЯЁ][А-ЯЁ\-]{2,}(?:\s+[А-ЯЁ\-]{2,}){0,2}(?:\s*\([А-ЯЁа-яё\s\-]+\))?"
_WIRE_DATE = r"\d{1,2}\s+(?P<MONTH>[а-яё]+)\.?(?:,?\s+\d{4}(?:\s*г\.)?)?(?:,?\s+\d{1,2}:\d{2})?"
_WIRE_AGENCY = r"\s*(?:[-–—]\s*[А-ЯЁA-Z][^.\n/]{1,59}?\.|\.\s*/[^/\n]{2,60}/\.?)"  # "- РИА Новости." / ". /ТАСС/."
_WIRE_DATELINE = re.compile(
    r"\s*(?:" + _WIRE_PLACE + r",\s+" + _WIRE_DATE.replace("MONTH", "month") + _WIRE_AGENCY
    + r"|[А-ЯЁ][а-яё\-]+(?:\s+[А-ЯЁа-яё\-]+){0,2}\.\s+" + _WIRE_DATE.replace("MONTH", "month2")
    + r"\.\s+INTERFAX\.RU\s*[-–—])\s*")


def wire_dateline(text: str) -> int:
    """Where a text's opening wire dateline ends (0: none). It says where the agency filed from and who it is,
    not what happened: every article of one agency shares it, so it is no evidence that two report one event."""
    m = _WIRE_DATELINE.match(text)
    return m.end() if m and month_number(m["month"] or m["month2"]) else 0


_NAMED_DAY = re.compile(r"(?<![\d.:])(\d{1,2})(?:\s*[-–—]\s*(\d{1,2}))?(?:-?го)?\s+([а-яё]+)", re.I)


def named_days(text: str) -> frozenset[tuple[int, int]]:
    """The calendar days a text names in words, as (day, month): "на 8 ноября", "7-8 мая" (both days). A bare
    "8 ноября" names no year: the day of the year is what two headlines can be compared on."""
    out = set()
    for first, last, word in _NAMED_DAY.findall(text):
        month = month_number(word)
        if month is None:
            continue
        out.update((int(d), month) for d in (first, last) if d and 1 <= int(d) <= 31)
    return frozenset(out)


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def parse_date(text: str, tz: str = DEFAULT_TZ, now: datetime | None = None) -> datetime:
    """Read a date as a page shows it; the page's own zone is `tz`; the result is in UTC.

    Raises DateError with the reason when the text is no date or an impossible one.
    """
    text = " ".join(text.split())
    if not text:
        raise DateError("empty date")
    now = now or datetime.now(timezone.utc)
    result = _parse_iso(text, tz) or _parse_dateline(text, tz, now) or _parse_with_dateparser(text, tz, now)
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
    moscow = _ISO_ZONE_WORD.search(text)
    if moscow:
        text = text[:moscow.start()]
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as e:
        if re.match(r"^\d{4}-\d{2}-\d{2}$|^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?$", text):
            raise DateError(f"impossible date {text!r}: {e}") from None
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone("Europe/Moscow" if moscow else tz))
    return dt


def _tzinfo(zone_text: str | None, tz: str):
    if not zone_text:
        return zone(tz)
    z = zone_text.upper()
    if z in ("MSK", "МСК"):
        return zone("Europe/Moscow")
    if z in ("UTC", "GMT", "Z"):
        return timezone.utc
    sign = -1 if z[0] == "-" else 1
    digits = z[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _build(year: int, month: int, day: int, clock: tuple, tzinfo, text: str) -> datetime:
    hour, minute, second = clock
    try:
        t = time(int(hour), int(minute), int(second or 0)) if hour is not None else time(0, 0)
        return datetime.combine(date(year, month, day), t, tzinfo=tzinfo)
    except ValueError as e:
        raise DateError(f"impossible date {text!r}: {e}") from None


def _full_year(two: str, local_now: datetime) -> int:
    """'25' is 2025; a year more than one ahead of now is last century's ('95' is 1995)."""
    year = 2000 + int(two)
    return year if year <= local_now.year + 1 else year - 100


def _latest_past_year(month: int, day: int, local_now: datetime, text: str) -> int:
    """'3 марта' is the latest 3 March that is not in the future; '29 февраля' the latest leap year's."""
    for year in range(local_now.year, local_now.year - 9, -1):
        try:
            d = date(year, month, day)
        except ValueError:
            continue
        if d <= local_now.date():
            return year
    raise DateError(f"impossible date {text!r}: day is out of range for month")


_AGO_UNITS = {"мин": 60, "хви": 60, "час": 3600, "ч.": 3600, "год": 3600, "д": 86400, "дн": 86400, "сек": 1}


def _ago(m: re.Match, now: datetime) -> datetime | None:
    if m["now_word"]:
        return now
    n, unit = (m["ago_n"] or "").lower(), (m["ago_unit"] or "").lower()
    if n in ("час", "годину") and not unit:
        return now - timedelta(hours=1)
    if n == "полчаса":
        return now - timedelta(minutes=30)
    if n in ("минуту", "хвилину") and not unit:
        return now - timedelta(minutes=1)
    if not n.isdigit() or not unit:
        return None
    seconds = next(v for k, v in _AGO_UNITS.items() if unit.startswith(k))
    return now - timedelta(seconds=int(n) * seconds)


def match_dateline(text: str) -> re.Match | None:
    """The date at the start of `text` in any shape the grammar knows, or None (the month word is checked)."""
    m = _DATELINE_RE.match(text)
    if not m:
        return None
    month_word = m["month"] or m["month2"]
    if month_word and _month_in_date(month_word) is None:
        return None
    if m["ago"] is not None and not (m["now_word"] or m["ago_n"]):
        return None
    return m


def _parse_dateline(text: str, tz: str, now: datetime) -> datetime | None:
    m = match_dateline(text)
    if not m or text[m.end():].strip(" ,.;"):
        return None  # only the whole text is a date here; "25 февраля 2025 года в Москве" goes to dateparser
    return _from_match(m, text, tz, now)


def _from_match(m: re.Match, text: str, tz: str, now: datetime) -> datetime | None:
    if m["ago"] is not None:
        return _ago(m, now)
    tzinfo = _tzinfo(m["zone"], tz)
    local_now = now.astimezone(tzinfo)
    clock = (m["hour"], m["minute"], m["second"]) if m["hour"] is not None else (m["hour2"], m["minute2"], None)
    relday = m["relday"] or m["relday2"]
    if relday:
        back = {"сегодня": 0, "сьогодні": 0, "вчера": 1, "вчора": 1, "позавчера": 2, "позавчора": 2}[relday.lower()]
        d = local_now.date() - timedelta(days=back)
        return _build(d.year, d.month, d.day, clock, tzinfo, text)
    if m["nday"]:
        y = m["nyear"]
        year = int(y) if len(y) == 4 else _full_year(y, local_now)
        return _build(year, int(m["nmonth"]), int(m["nday"]), clock, tzinfo, text)
    if m["iyear"]:
        return _build(int(m["iyear"]), int(m["imonth"]), int(m["iday"]), clock, tzinfo, text)
    day, month_word = (m["day"], m["month"]) if m["day"] else (m["day2"], m["month2"])
    month, day = _month_in_date(month_word), int(day)
    if m["year"] or m["year3"]:
        year = int(m["year"] or m["year3"])
    elif m["year2"]:
        year = _full_year(m["year2"], local_now)
    else:
        year = _latest_past_year(month, day, local_now, text)
    return _build(year, month, day, clock, tzinfo, text)


@lru_cache(maxsize=4096)
def _dateparser_cached(text: str, tz: str, base: datetime) -> datetime | None:
    import dateparser  # slow import; only the rare shapes get here

    return dateparser.parse(text, languages=["ru", "uk", "en"], settings={
        "TIMEZONE": tz, "RETURN_AS_TIMEZONE_AWARE": True, "PREFER_DATES_FROM": "past", "RELATIVE_BASE": base,
        "DATE_ORDER": "DMY"})  # 12-08-2015 is 12 August here, never December


def _parse_with_dateparser(text: str, tz: str, now: datetime) -> datetime | None:
    if len(text) > 64:
        return None
    # the base is cut to the minute, so one batch's repeated strings are read once
    base = now.astimezone(zone(tz)).replace(tzinfo=None, second=0, microsecond=0)
    return _dateparser_cached(text, tz, base)


_TAIL = re.compile(r"^[\s,|—–·•/-]+")


def split_dateline(line: str) -> tuple[str, str] | None:
    """'25 февраля 2025, 07:00 В мире' -> ('25 февраля 2025, 07:00', 'В мире'); the weekday before or after the
    date belongs to the date, not to the rubric."""
    m = match_dateline(line)
    if not m:
        return None
    return m.group(0).strip(), _TAIL.sub("", line[m.end():]).strip()

