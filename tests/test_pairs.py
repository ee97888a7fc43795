"""The same-story judges of `svodka pairs` (svodka/link/pairs.py): headline pairs and full texts apart."""
import pytest

from svodka.link.pairs import FULL_E5, FULL_FEATURES, HEADLINE_E5, HEADLINE_FEATURES, judge, same_story, side

STRIKE = ("Ракетный удар по Днепру: погибли трое",
          "Ракетный удар нанесён по Днепру утром в понедельник. Погибли три человека, ранены двенадцать, сообщил "
          "глава области Сергей Лысак. Повреждены жилые дома и предприятие.")
STRIKE_2 = ("Три человека погибли при ракетном ударе по Днепру",
            "Утром в понедельник Днепр попал под ракетный удар, погибли три человека, двенадцать ранены. Об этом "
            "написал в телеграм-канале глава Днепропетровской области Сергей Лысак.")
SNOW = ("В Москве выпал первый снег",
        "Первый снег выпал в Москве в ночь на вторник, сообщили синоптики. Днём температура поднимется до плюс двух "
        "градусов, снег растает.")


@pytest.mark.parametrize("e5", [False, True])
def test_each_kind_has_its_judge(e5):
    for which, names, extra in (("headline", HEADLINE_FEATURES, HEADLINE_E5), ("full", FULL_FEATURES, FULL_E5)):
        m = judge(which, e5)
        assert set(m.names) <= set(names) | (set(extra) if e5 else set())
        assert 0 < m.threshold < 1


def test_full_texts_and_headlines_are_judged_apart():
    a, b, c = (side(t, x) for t, x in (STRIKE, STRIKE_2, SNOW))
    score, same, kind = same_story(a, b)
    assert kind == "full" and same
    other, same_other, _ = same_story(a, c)
    assert not same_other and other < score
    h = side(STRIKE[0], "")
    assert same_story(h, b)[2] == "headline"  # one side without a body: both judged by their headlines


def test_with_event_vectors():
    from svodka.link.event import event_vectors

    a, b, c = (side(t, x, e5=event_vectors) for t, x in (STRIKE, STRIKE_2, SNOW))
    names = judge("full", e5=True).names
    assert a.has_e5
    assert (a.spans is not None) == ("e5_spans" in names)  # only what the shipped judge reads is embedded
    assert (a.sentences is not None) == ("e5_sentences" in names)
    score, same, kind = same_story(a, b)
    assert kind == "full" and same
    assert same_story(a, c)[0] < score and not same_story(a, c)[1]


def test_spans_and_sentences_on_request():
    import numpy as np

    from svodka.link.event import event_vectors
    from svodka.link.pairs import full_parts

    a, b = (side(t, x, e5=event_vectors, sentences=True, spans=True) for t, x in (STRIKE, STRIKE_2))
    assert a.spans.shape == (2, 384) and len(a.sentences) >= 2
    parts = full_parts(a, b)
    three = [a.event @ b.event, *(x @ y for x, y in zip(a.spans, b.spans))]
    assert parts["e5_spans"] == pytest.approx(float(np.mean(three)))
    assert parts["e5_spans"] > full_parts(a, side(*SNOW, e5=event_vectors, spans=True))["e5_spans"]
    assert side(STRIKE[0], "", e5=event_vectors, spans=True).spans is None  # a headline has no heads to cut
