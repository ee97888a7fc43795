from svodka.ingest import read_file
from svodka.understand.entities import base_form, find_entities, normalise

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


def test_foreign_and_nominative_names_stay_as_written():
    assert normalise("Илон Маск", "PER") == "Илон Маск"
    assert normalise("Кир Стармер", "PER") == "Кир Стармер"
    assert normalise("Хамид Карзай", "PER") == "Хамид Карзай"
    assert normalise("Антон Силуанов", "PER") == "Антон Силуанов"
    assert normalise("Ливан", "LOC") == "Ливан"
    assert normalise("Авито", "ORG") == "Авито"
    assert normalise("Тоттенхэм", "LOC") == "Тоттенхэм"


def test_oblique_cases_inflected():
    assert normalise("Эльвиры Набиуллиной", "PER") == "Эльвира Набиуллина"
    assert normalise("Хамидом Карзаем", "PER") == "Хамид Карзай"
    assert normalise("Варшавском шоссе", "LOC") == "Варшавское шоссе"
    assert normalise("Виргинских островах", "LOC") == "Виргинские острова"
    assert normalise("Частного корреспондента", "ORG") == "Частный корреспондент"


def test_tokens_rejoined_as_written():
    assert normalise("NEWSru.com", "ORG") == "NEWSru.com"
    assert normalise("Б. Андржеевского", "PER") == "Б. Андржеевский"
    assert normalise("Фил О’Рейли", "PER") == "Фил О’Рейли"


def test_sentence_decides_a_doubtful_case():
    # "Стармера" alone may be a nominative (Маэхара) or a genitive: the sentence says genitive
    text = "По словам Стармера, переговоры продолжатся."
    start = text.index("Стармера")
    assert base_form(text, start, start + len("Стармера"), "PER") == "Стармер"


def test_mentions_of_one_person_merged():
    text = ("Компания Илона Маска запустила ракету. Илон Маск заявил, что доволен. "
            "По словам Маска, это успех. Маск добавил, что полетит сам.")
    people = [e for e in find_entities(text) if e.type == "PER"]
    assert [e.normalised for e in people] == ["Илон Маск"]
    assert len(people[0].mentions) == 4


def test_gazetteer_quoted_orgs_and_alias_names():
    from svodka.understand.gazetteer import alias_matches, quoted_orgs

    text = "Как сообщает «Интерфакс», движение «Солидарность» провело акцию; ООО «Ромашка» открылось."
    assert [text[s:e] for s, e in quoted_orgs(text)] == ["Интерфакс", "Солидарность", "Ромашка"]
    assert quoted_orgs("Он назвал это «черной меткой» и «Победой».") == []  # no organisation word before
    text = "В интервью Голосу Америки глава МИД заявил, что Соединенными Штатами это не обсуждалось."
    found = {(text[s:e], name, etype) for s, e, name, etype in alias_matches(text)}
    assert {("Голосу Америки", "Голос Америки", "ORG"), ("Соединенными Штатами", "США", "LOC")} <= found
    ents = {(e.normalised, e.type) for e in find_entities(text)}
    assert ("Голос Америки", "ORG") in ents and ("США", "LOC") in ents


def test_not_organisations_dropped():
    text = "По данным СМИ, ПАО «Газпром» отчиталось о прибыли."
    names = {(e.normalised, e.type) for e in find_entities(text)}
    assert ("Газпром", "ORG") in names
    assert not {n for n, t in names if n in ("СМИ", "ПАО")}


def test_foreign_first_name_is_not_declined_and_the_surname_gives_the_case():
    # "-и", "-о", "-ю" foreign first names are the same in every case; a name in "-ы" is a genitive of one in "-а"
    assert normalise("Такеши Накамуры", "PER") == "Такеши Накамура"
    for text, name, want in (
            ("Министр Сейджи Накамура заявил журналистам, что переговоры продолжатся.", "Сейджи Накамура",
             "Сейджи Накамура"),
            ("Журналисты взяли интервью у Кими Ярвинена после гонки.", "Кими Ярвинена", "Кими Ярвинен")):
        start = text.index(name)
        assert base_form(text, start, start + len(name), "PER") == want
