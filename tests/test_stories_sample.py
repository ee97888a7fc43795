"""Stories of the bundled sample: recurring reports stay apart by day, a label headline holds nothing together."""
import re
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest

from svodka.link.linker import Linker
from svodka.store.sqlite import SQLiteStore

MSK = ZoneInfo("Europe/Moscow")
# the daily and nightly reports of the sample's channels: each day's is its own news
RECURRING = {
    "air defence": re.compile(r"(ПВО|беспилотник|БПЛА|дрон).{0,120}(сбит|уничтож|перехвач)|"
                              r"(сбит|уничтож|перехвач).{0,120}(беспилотник|БПЛА|дрон)", re.I | re.S),
    "quotes column": re.compile(r"котировок", re.I),
    "where to go": re.compile(r"куда сходить", re.I),
    "day of": re.compile(r"сегодня отмечается", re.I),
    "airport closure": re.compile(r"«ков[её]р»|план ков[её]р", re.I),
}


@pytest.fixture(scope="module")
def stories(sample_db):
    store = SQLiteStore(sample_db)
    linker = Linker(store)
    out = []
    for sid, state in linker.stories.items():
        if len(state.members) > 1:
            out.append([store.get(m) for m in state.members])
    yield out
    store.close()


def test_recurring_reports_of_different_days_are_different_stories(stories):
    checked = 0
    for members in stories:
        for name, pattern in RECURRING.items():
            days = {a.published_at.astimezone(MSK).date() for a in members
                    if a.published_at and pattern.search(f"{a.title}\n{a.text}")}
            share = sum(bool(pattern.search(f"{a.title}\n{a.text}")) for a in members) / len(members)
            if share >= 0.5:  # a story made of such reports
                checked += 1
                # a night's report may be posted either side of midnight: two adjacent dates at most
                assert len(days) <= 2 and (len(days) < 2 or abs((max(days) - min(days)).days) == 1), \
                    (name, sorted(days), [a.title for a in members][:6])
    assert checked >= 3  # the sample has such stories: the check is not vacuous


def test_no_story_is_held_together_by_a_label_headline(stories):
    for members in stories:
        by_title = defaultdict(list)
        for a in members:
            by_title[a.title].append(a)
        for title, same in by_title.items():
            if len(same) > 1 and len(title.split()) <= 3:
                texts = {a.text[:200] for a in same}
                assert len(texts) == 1, (title, [a.text[:80] for a in same])


def test_big_stories_exist_and_are_one_matter(stories):
    """The sample's well-covered events come together (not one-post fragments)."""
    sizes = sorted((len(m) for m in stories), reverse=True)
    assert sizes[0] >= 8 and sum(1 for s in sizes if s >= 4) >= 10


CEASEFIRE = re.compile(r"(прекращени\w* огня|перемири\w*).{0,80}(Ливан|Хезболл)|(Ливан|Хезболл).{0,80}"
                       r"(прекращени\w* огня|перемири\w*)", re.I | re.S)
ALEPPO = re.compile(r"Алеппо", re.I)


def test_two_events_of_one_region_stay_two_stories(stories):
    """The Israel–Lebanon ceasefire (25-28 Nov) and the rebels' offensive on Aleppo (from 28 Nov) are each a
    story, and not one: posts on Israeli strikes at the Syria–Lebanon border touch both (at a story threshold of
    0.4 they joined the two into one story of 47 posts)."""
    def count(members, pattern):
        return sum(bool(pattern.search(f"{a.title}\n{a.text[:300]}")) for a in members)

    assert any(count(m, CEASEFIRE) >= 5 for m in stories) and any(count(m, ALEPPO) >= 5 for m in stories)
    for members in stories:
        assert not (count(members, CEASEFIRE) >= 3 and count(members, ALEPPO) >= 3), \
            [a.title[:60] for a in members][:8]


ANTALYA = re.compile(r"Анталь|SSJ|Суперджет|Superjet", re.I)
VILNIUS = re.compile(r"Вильнюс|DHL", re.I)


def test_two_air_accidents_of_one_morning_stay_two_stories(stories):
    """The Superjet that burned on landing in Antalya and the DHL Boeing that crashed in Vilnius were reported the
    same morning (25 Nov) in the same words of aviation: two events. Two stories merge when their members agree
    on average (`MERGE_FACTOR` of the join threshold); at half the threshold instead of 0.8 the Vilnius reports
    joined the Antalya story."""
    def count(members, pattern):
        return sum(bool(pattern.search(a.title)) for a in members)

    assert any(count(m, ANTALYA) >= 4 for m in stories) and any(count(m, VILNIUS) >= 1 for m in stories)
    for members in stories:
        assert not (count(members, ANTALYA) >= 2 and count(members, VILNIUS) >= 2), \
            [a.title[:60] for a in members][:8]
