"""svodka.understand.fastnn: slovnet's NER and morphology taggers with the faster layers give the same numbers, to
the bit, as with slovnet's own code."""
import numpy as np
from slovnet.exec import model as slovnet_model
from slovnet.exec.infer import text_words

from svodka.understand import baseform, entities, fastnn

TEXTS = [
    "Президент России Владимир Путин провёл в Кремле встречу с главой МИД Сергеем Лавровым. «Мы обсудили "
    "ситуацию», — сказал Лавров журналистам. ООО «Газпром» сообщило о росте добычи на 5 %.",
    "Москва",
    "В Санкт-Петербурге открылся музей. Директор Эрмитажа Михаил Пиотровский рассказал о планах на 2027 год, "
    "а губернатор Александр Беглов пообещал новые станции метро.\n\nЕвросоюз и НАТО ответили Киеву.",
    "!!! ...",
    "Илон Маск, глава Tesla и SpaceX, написал в X, что компания OpenAI нарушила договор.",
]


def slovnet_then_fast(run):
    """run() with slovnet's own layers, then with fastnn's; fastnn stays installed as the taggers install it."""
    fastnn.uninstall()
    try:
        before = run()
    finally:
        assert fastnn.install()
    return before, run()


def bits(a: np.ndarray) -> np.ndarray:
    return a.view(np.uint32) if a.dtype == np.float32 else a


def test_ner_scores_and_tags_are_slovnets_to_the_bit():
    tagger = entities.tagger()
    net = tagger.infer.model

    def run():
        batch = list(tagger.infer.encoder([text_words(t) for t in TEXTS]))  # a padded batch (slovnet's 8 a batch)
        singles = [next(tagger.infer.encoder([text_words(t)])) for t in TEXTS]  # as find_entities calls it
        out = []
        for x in batch + singles:
            pred = net(x.word_id, x.shape_id, x.pad_mask)
            out.append((pred, net.head.crf.decode(pred, ~x.pad_mask)))
        spans = [[(s.start, s.stop, s.type) for s in tagger(t).spans] for t in TEXTS]
        return out, spans

    (before, spans_before), (after, spans_after) = slovnet_then_fast(run)
    assert spans_before == spans_after and any(spans_before)
    for (p, tags), (q, tags2) in zip(before, after):
        assert p.dtype == q.dtype and np.array_equal(bits(p), bits(q))
        assert len(tags) == len(tags2) and all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(tags, tags2))


def test_morph_tags_are_slovnets():
    tagger = baseform.morph_tagger()
    sentences = [t.split() for t in TEXTS]

    def run():
        batched = [[(t.text, t.pos, sorted(t.feats.items())) for t in m.tokens] for m in tagger.map(sentences)]
        singles = [[(t.text, t.pos, sorted(t.feats.items())) for t in tagger(s).tokens] for s in sentences]
        return batched, singles

    before, after = slovnet_then_fast(run)
    assert before == after


def test_install_leaves_another_slovnet_alone(monkeypatch):
    import importlib.metadata

    fastnn.uninstall()
    try:
        monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.7.0")
        theirs = slovnet_model.CRF.__dict__["decode"]
        assert fastnn.install() is False and slovnet_model.CRF.__dict__["decode"] is theirs
    finally:
        monkeypatch.undo()
        assert fastnn.install()
