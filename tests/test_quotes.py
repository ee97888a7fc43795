import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from svodka.ingest import read_file
from svodka.model import Entity
from svodka.understand.entities import find_entities
from svodka.understand.quotes import find_quotes

from conftest import SEED


def entity(text: str, normal: str, *written: str, etype: str = "PER") -> Entity:
    """An entity as the NER stage would merge it: every place one of `written` occurs is a mention."""
    spans = sorted((m.start(), m.end()) for w in written for m in re.finditer(re.escape(w), text))
    return Entity(text[spans[0][0]:spans[0][1]], normal, etype, spans[0][0], spans[0][1], spans)


@pytest.fixture(scope="module")
def seed():
    article = next(read_file(str(SEED)))
    return article.text, find_quotes(article.text, find_entities(article.text))


def quote_starting(quotes, words):
    found = [q for q in quotes if q.text.startswith(words)]
    assert len(found) == 1, (words, quotes)
    return found[0]


def test_seed_direct_quotes_by_putin(seed):
    _, quotes = seed
    metals = quote_starting(quotes, "Редкоземельные металлы являются")
    assert metals.text.endswith("должны активизировать усилия")
    assert (metals.speaker, metals.cue, metals.direct) == ("Владимир Путин", "подчеркнул", True)
    budgets = quote_starting(quotes, "Мы могли бы договориться")
    assert budgets.text.endswith("готовы его обсуждать")
    assert (budgets.speaker, budgets.cue, budgets.direct) == ("Владимир Путин", "отметил", True)
    partners = quote_starting(quotes, "Мы готовы работать")
    assert partners.text == "Мы готовы работать с нашими партнерами, включая американцев, и там"
    assert (partners.speaker, partners.cue, partners.direct) == ("Владимир Путин", "сказал", True)  # "он"


def test_seed_indirect_speech(seed):
    _, quotes = seed
    noted = quote_starting(quotes, "несмотря на существующие договоренности")
    assert (noted.speaker, noted.cue) == ("Владимир Путин", "отметил")  # "Он отметил, что, несмотря ..."
    budgets = quote_starting(quotes, "при взаимной договоренности")
    assert budgets.text.endswith("на 50%")
    assert (budgets.speaker, budgets.cue) == ("Владимир Путин", "заявил")  # "Президент России" -> the title's man
    # "заявил о готовности ...", "сообщил о возможном заключении ...": what was spoken about, no words to show
    assert not [q for q in quotes if q.text.startswith(("готовности предложить", "возможном заключении"))]


def test_seed_words_inside_a_quote_are_not_reported_again(seed):
    _, quotes = seed
    assert not [q for q in quotes if q.text.startswith("это хорошее предложение")]  # «... Мы считаем, что ...»


def test_offsets_are_the_quote_text(seed):
    text, quotes = seed
    assert len(quotes) >= 7
    assert all(text[q.start:q.end] == q.text for q in quotes)


def test_pronoun_is_the_last_person_of_its_gender():
    text = ("Министр финансов Антон Силуанов встретился с главой ЦБ Эльвирой Набиуллиной. "
            "«Инфляция замедляется», — сказала она. «Бюджет сбалансирован», — добавил он.")
    people = [entity(text, "Антон Силуанов", "Антон Силуанов"),
              entity(text, "Эльвира Набиуллина", "Эльвирой Набиуллиной")]
    quotes = find_quotes(text, people)
    assert [(q.text, q.speaker) for q in quotes] == [("Инфляция замедляется", "Эльвира Набиуллина"),
                                                     ("Бюджет сбалансирован", "Антон Силуанов")]


def test_pronoun_without_a_person_gives_no_speaker():
    quotes = find_quotes("«Всё в порядке», — сказал он.", [])
    assert [(q.text, q.speaker, q.cue) for q in quotes] == [("Всё в порядке", None, "сказал")]


def test_that_clause():
    text = "Глава МИД Сергей Лавров заявил журналистам, что переговоры продолжатся."
    [q] = find_quotes(text, [entity(text, "Сергей Лавров", "Сергей Лавров")])
    assert (q.text, q.speaker, q.cue, q.direct) == ("переговоры продолжатся", "Сергей Лавров", "заявил", False)
    assert text[q.start:q.end] == q.text


def test_according_to_and_speaker_words_in_the_nominative():
    [q] = find_quotes("По словам пресс-секретаря, встреча пройдет в пятницу.", [])
    assert (q.text, q.speaker, q.cue, q.direct) == ("встреча пройдет в пятницу", "пресс-секретарь", "По словам",
                                                   False)


def test_about_phrase_is_no_quote_and_a_feminine_plural_cue():
    assert find_quotes("Компания сообщила о рекордной прибыли за квартал.", []) == []  # a topic, not words
    assert find_quotes("Минобороны РФ сообщило об уничтожении утром в среду 11 беспилотников.", []) == []
    [q] = find_quotes("Аналитики заявили, что рынок восстановится.", [])
    assert (q.text, q.speaker, q.cue) == ("рынок восстановится", "аналитики", "заявили")


def test_speaker_before_a_colon():
    text = "Дмитрий Песков заявил: «Решение пока не принято»."
    [q] = find_quotes(text, [entity(text, "Дмитрий Песков", "Дмитрий Песков")])
    assert (q.text, q.speaker, q.cue, q.direct) == ("Решение пока не принято", "Дмитрий Песков", "заявил", True)


def test_reported_words_then_the_speaker():
    text = "Рынок восстановится к весне, считает аналитик Иван Петров."
    [q] = find_quotes(text, [entity(text, "Иван Петров", "Иван Петров")])
    assert (q.text, q.speaker, q.cue) == ("Рынок восстановится к весне", "Иван Петров", "считает")


def test_statement_from_an_office():
    [q] = find_quotes("«Проверка продолжается», — рассказали в пресс-службе ведомства.", [])
    assert (q.text, q.speaker, q.cue) == ("Проверка продолжается", "пресс-служба ведомства", "рассказали")


def test_quote_over_two_paragraphs():
    text = "«Первый абзац речи.\n\n«Второй абзац речи», — сказал Путин."
    [q] = find_quotes(text, [entity(text, "Владимир Путин", "Путин")])
    assert q.text.startswith("Первый абзац") and q.text.endswith("Второй абзац речи")
    assert q.speaker == "Владимир Путин" and q.direct


def test_quote_broken_by_its_attribution():
    text = "«Мы готовы, — сказал он, — работать дальше». Так он ответил."
    quotes = find_quotes(text, [])
    assert [(q.text, q.cue) for q in quotes] == [("Мы готовы", "сказал"), ("работать дальше", "сказал")]


def test_titles_in_quote_marks_are_no_quotes():
    assert find_quotes('Фильм "Неудержимые 4" возглавил прокат, а «Спартак» выиграл.', []) == []


@pytest.mark.parametrize("text", [
    "",
    "   \n\n  ",
    'Hello world. "It works", said John.',
    "а" * 1_000_000,
    "слово " * 170_000,
    "«" * 100_000,
    '"' * 100_000,
    "»«»«„“”" * 10_000,
    "«Незакрытая цитата, — сказал он.\n\nДругой абзац» и ещё «",
    ". " * 100_000 + "сказал",
    "сказал, что " * 20_000,
    "По словам",
    "Об этом сообщил",
    "— сказал",
])
def test_bad_input_never_crashes_and_stays_fast(text):
    start = time.perf_counter()
    quotes = find_quotes(text, [])
    assert time.perf_counter() - start < 5
    assert all(text[q.start:q.end] == q.text and q.start < q.end for q in quotes)


def test_typical_article_costs_about_a_millisecond(seed):
    article = next(read_file(str(SEED)))
    entities = find_entities(article.text)
    find_quotes(article.text, entities)
    start = time.perf_counter()
    for _ in range(50):
        find_quotes(article.text, entities)
    assert (time.perf_counter() - start) / 50 < 0.005  # ~0.5 ms measured; slack for a loaded machine


PIECES = ["«", "»", '"', "„", "“", " ", "\n\n", ",", ".", ":", "—", " - ", "сказал", "заявила", "что", "о", "по",
          "словам", "его", "он", "она", "Путин", "Об этом", "Как", "в ведомстве", "один из", "А.", "!", "…", "(",
          "говорится", "президент России", "İ", "ё"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60), st.randoms(use_true_random=False))
def test_any_mix_of_marks_and_cues_is_safe(pieces, rnd):
    text = "".join(p + rnd.choice(["", " "]) for p in pieces)
    start = rnd.randrange(len(text) + 1)
    end = min(len(text), start + rnd.randrange(1, 12))
    people = [Entity(text[start:end], "Анна Петрова", "PER", start, end, [(start, end)])] if start < end else []
    for q in find_quotes(text, people):
        assert text[q.start:q.end] == q.text and q.start < q.end


def test_a_place_is_never_the_speaker_its_organisation_is():
    text = "Сбиты 11 беспилотников, сообщает Минобороны РФ."
    [q] = find_quotes(text, [entity(text, "Минобороны России", "Минобороны", etype="ORG"),
                             entity(text, "Россия", "РФ", etype="LOC")])
    assert (q.text, q.speaker) == ("Сбиты 11 беспилотников", "Минобороны России")
    text = "Ранее МИД Чада сообщил, что соглашение разорвано."
    [q] = find_quotes(text, [entity(text, "МИД России", "МИД", etype="ORG"), entity(text, "Чад", "Чада", etype="LOC")])
    assert q.speaker == "МИД Чада"  # the alias table's "МИД России" is some other ministry
    text = "Великобритания заявила, что будет руководствоваться обязательствами."
    [q] = find_quotes(text, [entity(text, "Великобритания", "Великобритания", etype="LOC")])
    assert (q.text, q.speaker) == ("будет руководствоваться обязательствами", None)


def test_no_emoji_or_markup_opens_a_quote():
    [q] = find_quotes("❗️ Курс рубля укрепится, сообщил министр.", [])
    assert (q.text, q.speaker) == ("Курс рубля укрепится", "министр")
    assert find_quotes("⚡️", []) == []


def test_a_title_is_the_person_named_before_in_that_office():
    text = "Глава Минфина Антон Силуанов выступил в Госдуме. «Бюджет сбалансирован», — сказал министр."
    [q] = find_quotes(text, [entity(text, "Антон Силуанов", "Антон Силуанов")])
    assert q.speaker == "Антон Силуанов"
    text = ("Губернатор Брянской области Александр Богомаз встретился с министром Сергеем Цивилевым. "
            "«Пострадавших нет», — добавил глава региона.")
    [q] = find_quotes(text, [entity(text, "Александр Богомаз", "Александр Богомаз"),
                             entity(text, "Сергей Цивилев", "Сергеем Цивилевым")])
    assert q.speaker == "Александр Богомаз"
    text = "Пресс-секретарь президента Дмитрий Песков ответил журналистам. «Всё по плану», — сказал президент."
    [q] = find_quotes(text, [entity(text, "Дмитрий Песков", "Дмитрий Песков")])
    assert q.speaker == "президент"  # the press secretary is no president, and the text names none
