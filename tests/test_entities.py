from svodka.ingest import read_file
from svodka.understand.entities import find_entities, normalise

from conftest import SEED


def seed_entities():
    article = next(read_file(str(SEED)))
    return article.text, find_entities(article.text)


def test_seed_entities_normalised_and_merged():
    text, entities = seed_entities()
    names = {(e.normalised, e.type) for e in entities}
    assert {("Владимир Путин", "PER"), ("Дональд Трамп", "PER"), ("США", "LOC"), ("Россия", "LOC"),
            ("Украина", "LOC"), ("Китайская Народная Республика", "LOC")} <= names
    putin = next(e for e in entities if e.normalised == "Владимир Путин")
    # "Владимир Путин", "Путин" (x3), "Путин" in the quotes' attribution: one entity
    assert len(putin.mentions) >= 4 and {text[s:e] for s, e in putin.mentions} >= {"Владимир Путин", "Путин"}
    usa = next(e for e in entities if e.normalised == "США")
    assert "Соединенными Штатами" in {text[s:e] for s, e in usa.mentions}  # alias table at work
    assert len([e for e in entities if e.normalised == "США"]) == 1


def test_offsets_point_into_the_text():
    text, entities = seed_entities()
    for e in entities:
        assert text[e.start:e.end] == e.text
        assert all(0 <= s < t <= len(text) for s, t in e.mentions)


def test_base_forms():
    assert normalise("Соединенными Штатами", "LOC") == "Соединенные Штаты"
    assert normalise("Министерства обороны РФ", "ORG") == "Министерство обороны РФ"
    assert normalise("Алины Кабаевой", "PER") == "Алина Кабаева"
    assert normalise("Европейского союза", "ORG") == "Европейский союз"
    assert normalise("Северо-Западного федерального округа", "LOC") == "Северо-Западный федеральный округ"
    assert normalise("Сергеем Собяниным", "PER") == "Сергей Собянин"


def test_parenthesised_abbreviation_and_quoted_company_name():
    text = "Комитет защиты журналистов (КЗЖ) осудил ОАО «Газпром»."
    spans = {text[e.start:e.end] for e in find_entities(text)}
    assert "Газпром" in spans and "КЗЖ" in spans and "Комитет защиты журналистов" in spans


def test_bad_input():
    assert find_entities("") == [] and find_entities("   \n") == []
    assert isinstance(find_entities("Hello world from London"), list)
