"""Two stories become one when an article is sure to be one event with a member of each and those two members are
themselves linked (the car bomb on Профсоюзная and, told apart the evening before, its suspect: the detention's
report is sure of both); a report sure of two stories whose members are not linked (a digest) merges nothing.
The link model is replaced by a table, so the test is about the rule, not the model."""
from datetime import datetime, timezone

import pytest

import svodka.link.linker as linker_module
from story_posts import add, linker, posts_from  # noqa: F401 (linker: the tests' fixture)
from svodka.link.linker import SURE, TRIANGLE_SMALL

T0 = datetime(2024, 10, 15, 6, 30, tzinfo=timezone.utc)
post = posts_from(T0)
BLAST = [
    ("Mash", "B1 СВУ взорвалось на внедорожнике Tank на Профсоюзной улице",
     "Самодельное взрывное устройство взорвалось на внедорожнике Tank на Профсоюзной улице в Москве."),
    ("112", "B2 На Профсоюзной взорвался автомобиль",
     "На Профсоюзной улице взорвался автомобиль, пострадали три человека."),
    ("Москва Live", "B3 Взрыв машины на Профсоюзной: пострадал предприниматель",
     "Взрыв машины на Профсоюзной улице: пострадал владелец автомобиля, предприниматель."),
]
SUSPECT = ("Mash", "S1 Подозреваемый в подрыве машины на Профсоюзной служил в спецназе",
           "Виталий С., которого подозревают в подрыве машины бизнес-партнёра на Профсоюзной, служил в спецназе.")
DETAINED = ("Москва Live", "D1 Задержан подозреваемый в подрыве машины на Профсоюзной",
            "В Москве задержали подозреваемого в подрыве машины на Профсоюзной улице.")


def table(monkeypatch, members_linked: float):
    """Blast reports one event; the suspect's report linked to none of them but B3 (`members_linked`); the
    detention sure of the suspect's report and of B3, unlike B1 and B2."""
    scores = {frozenset(("B1", "B2")): 0.95, frozenset(("B1", "B3")): 0.95, frozenset(("B2", "B3")): 0.95,
              frozenset(("S1", "B3")): members_linked, frozenset(("D1", "S1")): 0.99,
              frozenset(("D1", "B3")): SURE + 0.05}
    monkeypatch.setattr(linker_module, "story_score",
                        lambda a, b, max_hours=None: scores.get(frozenset((a.title[:2], b.title[:2])), 0.0))


@pytest.mark.parametrize("members_linked, one", [(0.6, True), (0.0, False)])
def test_an_article_sure_of_two_linked_stories_makes_them_one(linker, monkeypatch, members_linked, one):
    table(monkeypatch, members_linked)
    blast = {add(linker, post(s, t, x, h)) for (s, t, x), h in zip(BLAST, (0, 0.2, 0.5))}
    assert len(blast) == 1
    suspect = add(linker, post(*SUSPECT, 15.5))
    assert suspect not in blast  # told apart: its own story first
    assert len(linker.stories[suspect].members) <= TRIANGLE_SMALL
    detained = add(linker, post(*DETAINED, 23))
    stories = {linker.story_of[m] for m in linker.story_of}
    assert (len(stories) == 1) is one
    assert detained in stories
