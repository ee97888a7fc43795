"""One member sure to be the same event is enough to join a story (the arrest after the fight is told like one
report of the fight, unlike the others), but only a member of the last two days that shares a rare word: a
template's words ("Госдума приняла закон") and last week's report are not enough."""
from datetime import datetime, timezone

import pytest

import svodka.link.linker as linker_module
from story_posts import add, linker, posts_from  # noqa: F401 (linker: the tests' fixture)
from svodka.link.linker import SURE, SURE_HOURS, best_of
from svodka.link.similarity import link_model

T0 = datetime(2024, 10, 12, 9, 0, tzinfo=timezone.utc)
post = posts_from(T0)
FIGHT = [
    ("Mash", "Михаил Литвин напал на фаната СКА во время матча Медиалиги",
     "Блогер Михаил Литвин напал на фаната футбольного клуба СКА во время матча Медиалиги."),
    ("112", "Михаил Литвин задержан после драки на стадионе",
     "Блогера Михаила Литвина задержали после драки с фанатом на стадионе во время матча Медиалиги."),
    ("Mash", "Литвину грозит наказание за драку на матче",
     "Блогеру Михаилу Литвину грозит наказание за драку с фанатом СКА на матче Медиалиги."),
]
ARREST = ("Mash", "Михаила Литвина арестовали на 13 суток за драку с фанатом",
          "Суд арестовал блогера Михаила Литвина на 13 суток за драку с фанатом СКА во время матча Медиалиги.")


def test_best_of_takes_a_sure_member_over_the_mean_of_the_best():
    scores = {1: [(0.9, True), (0.0, False), (0.0, False)], 2: [(0.5, False), (0.45, False), (0.4, False)]}
    assert best_of(scores) == [(0.9, 1), (0.45, 2)]
    # the same score not marked sure (too old, or nothing rare in common) counts only in the mean
    scores[1][0] = (0.9, False)
    assert best_of(scores) == [(0.45, 2), (0.3, 1)]


def judged(monkeypatch, sure_with: str, rare_words: bool = True):
    """The link model replaced by a table: the fight's reports one event, the arrest sure only with `sure_with`."""
    def story_score(a, b, max_hours=None):
        if "арест" in a.title.lower() and "арест" not in b.title.lower():
            return SURE + 0.05 if sure_with in b.title else 0.0
        return 0.95
    monkeypatch.setattr(linker_module, "story_score", story_score)
    if not rare_words:
        monkeypatch.setattr(linker_module, "shares_rare_word", lambda a, b: False)
    threshold = link_model().story_threshold
    assert (SURE + 0.05) / 3 < threshold  # the mean of the best three alone would not take the arrest


@pytest.mark.parametrize("later_h, rare, joins", [(25, True, True), (25, False, False), (SURE_HOURS + 5, True, False)])
def test_a_sure_member_carries_the_next_step(linker, monkeypatch, later_h, rare, joins):
    judged(monkeypatch, sure_with="задержан", rare_words=rare)
    first = {add(linker, post(s, t, x, h)) for (s, t, x), h in zip(FIGHT, (0, 1, 40))}
    assert len(first) == 1
    # the sure member (the detention, at 1 h) within two days of the arrest or not, the story active all along (its
    # last report at 40 h); the other reports say nothing of the arrest
    arrest = add(linker, post(*ARREST, 1 + later_h))
    assert (arrest in first) is joins
