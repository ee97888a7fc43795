"""'тот же сюжет' under a related item: a member of the article's story within its window that is about the same
matter; not another day's instance of a recurring report, nor a member days away with nothing specific in common
(the linker may hold both in one story through other members)."""
from datetime import datetime, timedelta, timezone

from svodka.link.linker import STORY_WINDOW_H, near_in_story
from svodka.link.similarity import make_doc

T0 = datetime(2024, 11, 27, 5, 0, tzinfo=timezone.utc)


def doc(i: str, title: str, text: str, hours: float, source: str = "РИА Новости"):
    return make_doc(i, title, text, published_at=T0 + timedelta(hours=hours), source=source)


NIGHT = doc("a", "ПВО за ночь уничтожила 22 украинских беспилотника над российскими регионами",
            "Дежурные средства ПВО за ночь перехватили и уничтожили 22 украинских беспилотника над Брянской, "
            "Курской и Белгородской областями, сообщило Минобороны.", 0)


def test_the_same_nights_reports_are_the_same_story():
    other = doc("b", "Минобороны: над регионами России за ночь сбиты 22 беспилотника",
                "Над Брянской, Курской и Белгородской областями за ночь сбиты 22 украинских беспилотника, "
                "сообщило Минобороны.", 1.5, source="Топор Live")
    assert near_in_story(NIGHT, other)


def test_another_nights_report_is_not():
    next_night = doc("c", "ПВО за ночь уничтожила 15 украинских беспилотников над российскими регионами",
                     "Дежурные средства ПВО за ночь перехватили и уничтожили 15 украинских беспилотников над "
                     "Брянской, Курской и Белгородской областями, сообщило Минобороны.", 48)
    assert not near_in_story(NIGHT, next_night)


def test_a_step_beyond_the_storys_window_is_not():
    later = doc("d", "ПВО за ночь уничтожила 22 украинских беспилотника над российскими регионами",
                NIGHT.title, STORY_WINDOW_H + 1)
    assert not near_in_story(NIGHT, later)
