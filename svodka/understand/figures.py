"""Key figures: numbers with what they count and their unit.

"50%" -> 50 %, "158 дронов" -> 158 дрон, "1000 евро" -> 1000 EUR, "14 млн рублей" -> 14,000,000 RUB,
"3054 метра" -> 3054 м, "19-летней" -> 19 лет (an age), "$1,5 млрд" -> 1,500,000,000 USD.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..model import Figure
from .dates import month_number
from .lemmas import lemma, morph

_NUMBER = r"(?P<num>\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
_SCALE = r"(?:\s*(?P<scale>тыс\.|тысяч[аиу]?|млн|миллион(?:ов|а)?|млрд|миллиард(?:ов|а)?|трлн|триллион(?:ов|а)?))?"
_FIGURE = re.compile(
    r"(?P<cur_before>[$€₽£¥])?\s?" + _NUMBER + _SCALE +
    r"(?:(?P<age>-?(?:летн|летия|летие)\w*)|\s*(?P<pct>%|процент\w*)|\s*(?P<cur_after>[$€₽£¥])"
    r"|\s+(?P<word>[а-яёa-z]+\.?))?", re.I)

SCALES = {"тыс": 1e3, "тысяч": 1e3, "млн": 1e6, "миллион": 1e6, "млрд": 1e9, "миллиард": 1e9, "трлн": 1e12,
          "триллион": 1e12}
CURRENCIES = {"$": "USD", "€": "EUR", "₽": "RUB", "£": "GBP", "¥": "CNY", "доллар": "USD", "евро": "EUR",
              "рубль": "RUB", "руб": "RUB", "р": "RUB", "юань": "CNY", "фунт": "GBP", "гривна": "UAH",
              "тенге": "KZT", "крона": "CZK", "йена": "JPY", "иена": "JPY", "франк": "CHF", "лира": "TRY"}
UNITS = {"метр": "м", "м": "м", "километр": "км", "км": "км", "сантиметр": "см", "см": "см", "миллиметр": "мм",
         "килограмм": "кг", "кг": "кг", "грамм": "г", "тонна": "т", "т": "т", "литр": "л", "градус": "°",
         "гектар": "га", "га": "га", "час": "ч", "минута": "мин", "мин": "мин", "секунда": "с", "день": "сутки",
         "сутки": "сутки", "неделя": "неделя", "месяц": "месяц", "год": "год", "лет": "год", "балл": "балл",
         "квадратный": "м²", "кв": "м²", "процент": "%"}
# words after a number that are not what it counts: "в 2024 году" is a date, "за 5 дней" a span
_ABBREVIATIONS = {"руб", "тыс", "кв", "долл", "млн", "млрд", "трлн", "р"}
_NOT_COUNTED = {"и", "в", "на", "с", "по", "из", "до", "от", "за", "к", "о", "у", "не", "что", "а", "но", "или"}


def _value(raw: str) -> float:
    return float(re.sub(r"[ \u00a0\u202f]", "", raw).replace(",", "."))


def _scale(word: str | None) -> float:
    if not word:
        return 1.0
    w = word.lower().rstrip(".")
    return next((v for k, v in SCALES.items() if w.startswith(k)), 1.0)


@lru_cache(maxsize=50_000)
def _counts_something(word: str) -> bool:
    w = word.lower().rstrip(".")
    if w in _NOT_COUNTED or month_number(w):
        return False  # "в 2024 году" is a date, "5 мая" too
    if w in UNITS or w in CURRENCIES:
        return True
    return morph().parse(w)[0].tag.POS == "NOUN"


def find_figures(text: str) -> list[Figure]:
    figures = []
    for m in _FIGURE.finditer(text):
        num = m["num"]
        if _looks_like_year_or_time(text, m):
            continue
        value = _value(num) * _scale(m["scale"])
        unit = what = None
        end = m.end()
        if m["age"]:
            unit, what = "год", "возраст"
        elif m["pct"]:
            unit, what = "%", None
        elif m["cur_before"] or m["cur_after"]:
            unit = CURRENCIES[m["cur_before"] or m["cur_after"]]
        elif m["word"] and _counts_something(m["word"]):
            word = m["word"].lower().rstrip(".")
            base = lemma(word)
            unit = CURRENCIES.get(base) or CURRENCIES.get(word) or UNITS.get(base) or UNITS.get(word)
            what = None if unit else base
            if m["word"].endswith(".") and word not in _ABBREVIATIONS:
                end -= 1  # the full stop ends the sentence
        elif m["scale"]:
            end = m.end("scale")
        else:
            continue  # a bare number says nothing on its own
        start = m.start("cur_before") if m["cur_before"] else m.start("num")
        figures.append(Figure(text=text[start:end].strip(), value=value, unit=unit, what=what,
                              start=start, end=start + len(text[start:end].strip())))
    return figures


def _looks_like_year_or_time(text: str, m: re.Match) -> bool:
    num = m["num"]
    after = text[m.end("num"):m.end("num") + 6]
    if after.startswith((":", ".", "/")) and after[1:2].isdigit():
        return True  # 12:30, 01.02.2024
    if re.fullmatch(r"(19|20)\d\d", num) and (m["word"] or "").lower().startswith(("год", "г")):
        return True
    return m.start("num") > 0 and text[m.start("num") - 1] in ":./"
