"""The shipped rubric and news models, through the public API; no data from outside the package."""
from __future__ import annotations

import math
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from svodka.understand import rubric
from svodka.understand.rubric import (RUBRIC_NAMES_RU, RUBRICS, RubricResult, classify_rubric, classify_rubrics,
                                      is_news, map_page_rubric)

SPORTS = ("«Спартак» обыграл ЦСКА в матче РПЛ",
          "Московский «Спартак» победил ЦСКА со счетом 2:1 в матче 15-го тура Российской премьер-лиги. "
          "Победный гол забил нападающий на 88-й минуте, вратарь гостей ошибся. Команда поднялась на второе место.")
INCIDENT = ("В ДТП на трассе М-4 погибли три человека",
            "Авария произошла ночью: водитель грузовика выехал на встречную полосу и столкнулся с легковым "
            "автомобилем. Три человека погибли, двое пострадавших госпитализированы. Возбуждено уголовное дело.")
ECONOMY = ("ЦБ повысил ключевую ставку до 21%",
           "Банк России повысил ключевую ставку на 200 базисных пунктов. Инфляция ускорилась, рубль ослаб, "
           "аналитики ждут замедления кредитования и роста ставок по вкладам.")
CULTURE = ("В Большом театре покажут премьеру балета",
           "Премьера нового балета на музыку Чайковского состоится в декабре на исторической сцене театра. "
           "Хореограф рассказал о спектакле, билеты на показы уже в продаже.")
POLITICS = ("Госдума приняла закон о выборах",
            "Депутаты Госдумы приняли в третьем чтении законопроект об изменениях в избирательном "
            "законодательстве. Партии получат новые правила голосования.")
PYTHON_HOWTO = ("Как установить Django и написать первое приложение",
                "Сегодня разберем, как установить Python, создать виртуальное окружение и запустить сервер "
                "разработки: pip install django, затем python manage.py runserver. В следующем посте — модели и ORM.")
NEWS_POST = ("Путин провел переговоры с Си Цзиньпином",
             "Президент России Владимир Путин провел переговоры с председателем КНР в Кремле. Стороны обсудили "
             "торговлю и поставки энергоносителей, сообщил пресс-секретарь Дмитрий Песков.")
AD_POST = ("Скидка 30% на курсы аналитиков",
           "Оставьте заявку по ссылке, а по промокоду DATA — скидка 30% и второй курс в подарок. "
           "Реклама. ООО «Обучение», ИНН 7700000000. Erid: 2Vtzqx3ZUR5")


@pytest.mark.parametrize("article, expected", [
    (SPORTS, "sports"), (INCIDENT, "incidents"), (ECONOMY, "economy"), (CULTURE, "culture"), (POLITICS, "politics"),
])
def test_obvious_articles_get_their_rubric(article, expected):
    assert classify_rubric(*article).rubric == expected


def test_result_is_well_formed():
    result = classify_rubric(*SPORTS)
    assert isinstance(result, RubricResult)
    assert set(result.scores) == set(RUBRICS) == set(RUBRIC_NAMES_RU)
    assert result.confidence == result.scores[result.rubric] == max(result.scores.values())
    assert math.isclose(sum(result.scores.values()), 1.0, abs_tol=1e-3)


def test_batch_matches_single_calls():
    items = [SPORTS, INCIDENT, ECONOMY, ("", "")]
    assert classify_rubrics(items) == [classify_rubric(t, x) for t, x in items]
    assert classify_rubrics([]) == []


def test_python_howto_is_not_news():
    news, p = is_news(*PYTHON_HOWTO)
    assert not news and p < 0.5


def test_news_post_is_news():
    news, p = is_news(*NEWS_POST)
    assert news and p > 0.5


def test_ad_inside_news_language_is_not_news():
    assert is_news(*AD_POST) == (False, rubric.AD_NEWS_PROBABILITY)


def test_listicle_title_is_not_news():
    assert not is_news("10 способов похудеть к лету", "Рассказываем о простых привычках, которые помогут.")[0]


def test_news_about_advertising_is_no_ad():
    assert rubric.news_rule("В Британии запретят рекламу фастфуда", "Власти решили запретить рекламу до 21:00.") is None
    assert rubric.news_rule("Релокантов начала преследовать реклама о помощи с переездом", "") is None


def test_subscribe_footer_alone_is_no_ad():
    # news channels end posts with "Подписаться" links: the ad rule must not fire on them
    assert rubric.news_rule(NEWS_POST[0], NEWS_POST[1] + "\n— Подписаться") is None


@pytest.mark.parametrize("name, code", [
    ("В мире", "world"), ("Политика", "politics"), ("Экономика", "economy"), ("Происшествия", "incidents"),
    ("Спорт", "sports"), ("  КУЛЬТУРА ", "culture"), ("Наука и техника", "science"), ("Новости спорта", "sports"),
    ("Мировая экономика", "economy"), ("Общество", "society"), ("world", "world"), ("Силовые структуры", "incidents"),
    ("Нечто непонятное", None), ("", None),
])
def test_page_rubric_mapping(name, code):
    assert map_page_rubric(name) == code


def test_empty_text_gives_a_result():
    result = classify_rubric("", "")
    assert result.rubric in RUBRICS and result.confidence == 0.0
    assert is_news("", "") == (False, 0.0)
    assert classify_rubric(None, None).rubric in RUBRICS  # type: ignore[arg-type]


def test_text_without_words_gives_a_result():
    assert classify_rubric("12:30", "!!! 2024 — 15%").rubric in RUBRICS


def test_one_megabyte_of_one_word_is_fast():
    huge = "слово " * 175_000
    start = time.perf_counter()
    result = classify_rubric(huge, huge)
    news = is_news(huge, huge)
    assert result.rubric in RUBRICS and isinstance(news[0], bool)
    assert time.perf_counter() - start < 1.0


def test_threads_agree_with_one_thread():
    items = [SPORTS, INCIDENT, ECONOMY, CULTURE, POLITICS] * 20
    expected = [classify_rubric(*x) for x in items]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(lambda x: classify_rubric(*x), items)) == expected


def test_split_society_rules():
    assert rubric.split_society("Байден встретился с Макроном в Париже",
                                "Президент США провел переговоры с президентом Франции в Елисейском дворце.") == "world"
    assert rubric.split_society(*INCIDENT) == "incidents"
    assert rubric.split_society(*POLITICS) == "politics"
    assert rubric.split_society("В школах введут уроки труда", "Министерство сообщило о новых программах.") == "society"


def test_linear_model_math():
    # tf-idf (sublinear, l2) then softmax, on a two-word model: "кот" twice votes for class b
    spec = {"classes": ["a", "b"], "char_n": 0, "vocabulary": ["w:кот", "w:собака"], "idf": [1.0, 2.0],
            "coef": [[0.0, 1.0], [1.0, 0.0]], "intercept": [0.0, 0.0]}
    m = rubric.LinearModel(spec)
    w_cat, w_dog = (1 + math.log(2)) * 1.0, 1.0 * 2.0  # title counts twice: "кот" in title, "собака" in text
    norm = math.hypot(w_cat, w_dog)
    z_a, z_b = w_dog / norm, w_cat / norm
    p_b = math.exp(z_b) / (math.exp(z_a) + math.exp(z_b))
    assert m.probabilities("кот", "собака")[1] == pytest.approx(p_b, abs=1e-5)
    assert m.probabilities("лошадь", "") is None


def test_shipped_models_are_small_and_load_fast():
    for path in (rubric.RUBRIC_MODEL_PATH, rubric.NEWS_MODEL_PATH):
        assert path.stat().st_size < 5_000_000
        start = time.perf_counter()
        m = rubric.LinearModel.load(path)
        assert time.perf_counter() - start < 1.0  # ~0.06 s here; slack for a busy CI machine
        assert m.coef.shape == (len(m.index), len(m.classes))
    assert set(rubric.model(rubric.RUBRIC_MODEL_PATH).classes) <= set(RUBRICS)
    assert rubric.model(rubric.NEWS_MODEL_PATH).classes == ["news", "not_news"]


def test_runtime_needs_no_scikit_learn():
    code = ("import sys; from svodka.understand.rubric import classify_rubric, is_news; "
            "classify_rubric('Матч', 'Футболисты сыграли вничью'); is_news('Матч', 'Футбол'); "
            "assert 'sklearn' not in sys.modules and 'scipy' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("post, expected", [
    (("Учёные нашли на Луне следы древних вулканов", "Астрономы изучили образцы грунта, доставленные зондом: "
      "вулканы на Луне извергались ещё 120 млн лет назад."), "science"),
    (("Доллар поднялся выше 108 рублей", "Доллар поднялся выше 108 рублей, евро — 113, — данные торгов."), "economy"),
    (("Помощник Путина Ушаков прокомментировал заявление Трампа", "Юрий Ушаков сказал журналистам, что Кремль "
      "пока не получал предложений о встрече президентов России и США."), "society"),
])
def test_posts_get_their_rubric(post, expected):
    # the examples: a moon-volcano post was Экономика, a Kremlin aide on Trump was Спорт; society is the
    # gold class of politics, world and incidents, split by rules
    found = classify_rubric(*post).rubric
    assert (found if found not in ("politics", "world", "incidents") else "society") == expected


def test_unsure_is_other(monkeypatch):
    result = classify_rubric(*SPORTS)
    monkeypatch.setattr(rubric, "UNSURE_BELOW", result.confidence + 0.01)
    unsure = classify_rubric(*SPORTS)
    assert unsure.rubric == "other" and unsure.scores == result.scores


def test_navec_part_adds_the_mean_of_its_words_scores():
    # the shipped model scores the navec mean vector of the title (twice) and lead; per-word cached scores must
    # add up to exactly what the training script's features give
    import numpy as np

    m = rubric.model(rubric.RUBRIC_MODEL_PATH)
    assert m.dense_coef is not None and m.dense_coef.shape == (rubric.NAVEC_DIM, len(m.classes))
    title, text = CULTURE
    full = m.probabilities(title, text)
    dense, m.dense_coef = m.dense_coef, None
    try:
        sparse_only = m.probabilities(title, text)
    finally:
        m.dense_coef = dense
    z = np.log(sparse_only) + rubric.dense_features(title, text, m.title_weight) @ dense
    expected = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert np.allclose(full, expected, atol=1e-5)
    assert not np.allclose(full, sparse_only, atol=1e-3)  # the navec part does move the scores


def test_weather_report_is_filed_under_other():
    title = "Циклон обрушится на Москву в субботу"
    text = ("Синоптики обещают снегопад и гололедицу, сформируется снежный покров, ночью мороз до минус десяти "
            "градусов. Метеорологическая зима наступит с опозданием.")
    assert rubric.split_society(title, text) == "other"
    assert classify_rubric(title, text).rubric == "other"


@pytest.mark.parametrize("title, expected", [
    ("Сегодня отмечается Всемирный день мужчин", "other"),
    ("Сегодня в России отмечается День оладушек — можно объедаться", "other"),
    ("Сегодня День матери", "other"),
    ("Сегодня день рождения у Путина", "society"),  # a person's birthday is no observance day
    ("Сегодня днём в центре Москвы прошла акция", "society"),
])
def test_observance_days_are_other(title, expected):
    assert rubric.split_society(title, "") == expected


def test_storm_warning_is_weather():
    assert rubric.split_society("Штормовое предупреждение объявлено в Москве", "Сильный ветер, шторм до вечера.") == "other"


def test_ded_moroz_is_no_frost():
    # "Дед Мороз" is a name, not weather; frost itself still is
    assert rubric.split_society("Поезд Деда Мороза приедет в Москву 3 января", "") == "society"
    assert rubric.split_society("Мороз до минус двадцати ударит в Москве", "") == "other"


def test_navec_word_scores_made_as_needed_are_the_whole_tables_to_the_bit():
    # the navec part's word scores are worked out word by word as texts bring them; the table made at once for
    # every word (code scores added in code order from zero) must be the same to the bit, for every word
    import numpy as np

    m = rubric.LinearModel.load(rubric.RUBRIC_MODEL_PATH)
    pq = rubric._embedding().pq
    q, _, d = pq.codes.shape
    code_scores = np.einsum("qkd,qdc->qkc", pq.codes[pq.qdims], m.dense_coef.reshape(q, d, -1)).astype(np.float32)
    codes = np.ascontiguousarray(pq.indexes.T)
    whole = np.zeros((codes.shape[1], code_scores.shape[2]), dtype=np.float32)
    for j in range(q):
        whole += code_scores[j][codes[j]]
    assert np.array_equal(m._navec_scores([5, 7, 5]), whole[[5, 7, 5]])
    words = np.arange(len(whole))
    lazy = np.concatenate([m._navec_scores(words[i:i + 20_000]) for i in range(0, len(words), 20_000)])
    assert lazy.dtype == whole.dtype and np.array_equal(lazy.view(np.uint32), whole.view(np.uint32))
