from datetime import datetime, timedelta, timezone

import pytest

from conftest import SEED
from svodka.ingest import read_file
from svodka.link.dedup import THRESHOLD, CopyFinder, minhash, normalised, same_letters
from svodka.link.linker import Linker, story_weight
from svodka.link.similarity import features, make_doc, pair_model
from svodka.model import Story
from svodka.store.sqlite import SQLiteStore

SEED_ID = next(read_file(str(SEED))).id  # the seed page's article (its teasers' stubs follow it)


@pytest.fixture(scope="module")
def linked(sample_db):
    store = SQLiteStore(sample_db)
    yield store, Linker(store)
    store.close()


def test_seed_related_is_about_its_matter_not_its_teasers(linked):
    store, linker = linked
    items = linker.related(SEED_ID, k=10)
    assert len(items) >= 6  # under the model's floor nothing is listed: a short list beats a random one
    # Ukraine's resources / a US-Ukraine deal / Putin and Trump: the matter, not only the country
    assert sum("ископаем" in i.title.lower() or "редкоземел" in i.title.lower() for i in items) >= 2
    assert any({"Владимир Путин", "Дональд Трамп"} & set(i.shared_entities) for i in items)
    assert sum("Украина" in i.shared_entities for i in items) >= 3
    assert any("редкоземельный" in i.shared_terms for i in items)  # the reason says what no name carries
    teaser_ids = {t.article_id for t in store.get(SEED_ID).teasers}
    assert not teaser_ids & {i.article_id for i in items}
    off_topic = ("школ", "стрельб", "итали", "цикад", "виноград")
    assert not any(word in i.title.lower() for i in items for word in off_topic)


def test_related_never_self_or_two_copies_and_carries_reasons(linked):
    store, linker = linked
    for article in store.list(limit=40, kinds=("post",)):
        items = linker.related(article.id, k=10)
        ids = [i.article_id for i in items]
        assert article.id not in ids and len(ids) == len(set(ids))
        roots = [linker.root(i) for i in ids]
        assert len(roots) == len(set(roots)) and linker.root(article.id) not in roots
        for item in items:
            assert 0 <= item.score <= 1 and set(item.parts) >= {"tfidf", "dense", "entities"}
        # best first; among near-equal scores (same to 2 decimals) the fresher goes first
        assert all(a.score >= b.score - 0.01 for a, b in zip(items, items[1:]))


def test_reposts_are_copies_of_one_text(linked):
    store, linker = linked
    assert len(linker.dup_of) >= 5  # the sample has reposts that differ by more than whitespace
    for copy, original in list(linker.dup_of.items())[:5]:
        assert linker.story_of[copy] == linker.story_of[original]


def test_stories_have_titles_from_members_and_rank_by_sources(linked):
    store, linker = linked
    top = linker.top_stories(n=10)
    assert len(top) == 10
    assert [s.weight for s in top] == sorted((s.weight for s in top), reverse=True)
    for story in top:
        full = store.story(story.id)
        assert story.title_article in full.members and store.get(story.title_article).title == story.title
        assert story.sources <= story.size
    assert max(s.sources for s in top) >= 3


def test_story_weight_prefers_sources_and_freshness():
    now = datetime(2024, 12, 4, 12, tzinfo=timezone.utc)
    many = Story(1, "a", "x", now, now, size=5, sources=5)
    copies = Story(2, "b", "y", now, now, size=20, sources=1)
    stale = Story(3, "c", "z", now - timedelta(hours=20), now - timedelta(hours=20), size=5, sources=5)
    assert story_weight(many, now) > story_weight(copies, now)
    assert story_weight(many, now) > story_weight(stale, now)
    assert story_weight(Story(4, "d", "w", now, now, size=1, sources=1), now) < story_weight(many, now)


def test_pair_model_tells_same_news_from_other_news():
    a = make_doc("a", "Путин предложил США совместную добычу редкоземельных металлов", "")
    b = make_doc("b", "Россия готова к сотрудничеству с США по редкоземельным металлам, заявил Путин", "")
    c = make_doc("c", "В Москве выпал первый снег", "")
    model = pair_model()
    assert model.score(features(a, b)) > model.threshold > model.score(features(a, c))


def test_copy_finder_window():
    finder = CopyFinder()
    text = "Дональд Трамп стал избранным президентом США, сообщает Reuters со ссылкой на спикера палаты представителей."
    t0 = datetime(2024, 11, 6, tzinfo=timezone.utc)
    assert finder.add("a", text, t0) is None
    assert finder.add("b", text + " Подписывайтесь.", t0 + timedelta(hours=1)) == "a"
    assert finder.add("c", text, t0 + timedelta(days=30)) is None  # the window has moved on
    assert finder.add("d", "Совсем другая новость о погоде в Москве и области на выходных.", t0) is None


# a short post and its word-by-word rewrite 14 minutes later in another channel (telegram_news_ru DEV, 2 Oct 2024,
# a copy pair of news_flow_dev's copies.json): shingle Jaccard ~0.4, below THRESHOLD; the letters are 87 % alike
TOBACCO = ("В России хотят запретить сигареты и электронки для тех, кто родился после 2009 года, — законопроект "
           "направлен в Госдуму\nЦель законопроекта — сократить число курильщиков и снизить расходы на их лечение, "
           "которые на данный момент обходятся в ₽1 трлн в год.")
TOBACCO_REWRITE = ("В России предлагается запретить сигареты и электронки для тех, кто родился после 31 декабря 2009 "
                   "года\nЗаконопроект направлен в Госдуму. Цель — сократить число курильщиков и снизить расходы на "
                   "их лечение, которые на данный момент составляют 1 триллион рублей в год.")


def test_copy_finder_takes_a_rewrite_of_a_short_post_by_its_letters():
    assert minhash(TOBACCO).jaccard(minhash(TOBACCO_REWRITE)) < THRESHOLD
    finder = CopyFinder()
    t0 = datetime(2024, 10, 2, 8, 44, tzinfo=timezone.utc)
    assert finder.add("a", TOBACCO, t0) is None
    assert finder.add("b", TOBACCO_REWRITE, t0 + timedelta(minutes=14)) == "a"
    # the same letters a week later with other figures: a recurring text, another news item
    assert finder.add("c", TOBACCO_REWRITE.replace("2009", "2010"), t0 + timedelta(days=6)) is None


def test_a_rewrite_is_a_copy_of_a_text_linked_before_a_restart_or_by_another_process(tmp_path, monkeypatch):
    """A linker started on a store gives its copy finder the store's texts of the last two days, and the texts
    another process links while it follows: the next `svodka ingest` finds the rewrite of a post the last one
    stored, as one long run would."""
    from svodka.model import Article, Block
    from svodka.understand.analyze import analyze_article

    monkeypatch.setenv("SVODKA_EVENT_VECTORS", "0")
    store = SQLiteStore(str(tmp_path / "copies.db"))
    t0 = datetime(2024, 10, 2, 8, 44, tzinfo=timezone.utc)

    def post(source: str, text: str, minutes: float) -> Article:
        head, _, rest = text.partition("\n")
        return Article(source=source, title=head, body=[Block(rest)], kind="post",
                       published_at=t0 + timedelta(minutes=minutes))

    def stored(lnk: Linker, article: Article) -> str:
        store.add_batch([article])
        lnk.add_batch([(article, analyze_article(article))])
        return lnk.root(article.id)

    first = post("Mash", TOBACCO, 0)
    stored(Linker(store), first)
    restarted = Linker(store)
    assert stored(restarted, post("ТОПОР", TOBACCO_REWRITE, 14)) == first.id
    # another process links while this one follows
    other, follower = Linker(store), Linker(store)
    stored(follower, post("112", "Прогноз погоды на 3 октября\nВ Москве до +12, без осадков.", 30))
    later = post("Mash", TOBACCO.replace("2009", "2010"), 60 * 24)  # another bill: other figures, a day later
    assert stored(other, later) == later.id
    follower.follow()
    again = post("Москва Live", TOBACCO_REWRITE.replace("2009", "2010"), 60 * 24 + 20)
    assert stored(follower, again) == later.id
    store.close()


def test_same_letters_tells_a_rewrite_from_another_report_of_the_event():
    rewrite = same_letters(normalised(TOBACCO), normalised(TOBACCO_REWRITE))
    other = same_letters(normalised(TOBACCO), normalised(
        "Госдума рассмотрит законопроект о запрете продажи табака людям, родившимся после 2009 года. Автор "
        "инициативы считает, что мера сократит расходы на лечение курильщиков."))
    cut = same_letters(normalised(TOBACCO), normalised(TOBACCO[:-25]))  # a repost that lost its last words
    assert (rewrite, other, cut) == (True, False, True)


def test_an_update_with_a_changed_figure_is_no_copy_however_alike():
    finder = CopyFinder()
    t0 = datetime(2024, 10, 2, 8, 0, tzinfo=timezone.utc)
    first = "Число погибших при обрушении дома в Нижнем Тагиле выросло до 5 человек, сообщили в МЧС региона."
    assert finder.add("a", first, t0) is None
    assert finder.add("b", first.replace("до 5", "до 7"), t0 + timedelta(hours=1)) is None
    assert finder.add("c", first.replace("сообщили в МЧС региона", "сообщает МЧС"), t0 + timedelta(hours=2)) == "a"


def test_an_organisations_rare_names_are_its_rare_lemmas():
    """"Минобороны России" names no rare word: "России" is "россия" by lemma (in every other text), and the "за" of
    "Альянс за объединение румын" is no name (function words are not in the idf table: they read as unseen, rarest
    of all); "Роскомнадзор" is rare."""
    doc = make_doc("a", "Минобороны России и Роскомнадзор", "Текст.",
                   entities=[("ORG", "Минобороны России"), ("ORG", "Альянс за объединение румын"),
                             ("ORG", "Роскомнадзор")])
    assert "роскомнадзор" in doc.rare_names
    assert not {"россии", "россия", "за"} & doc.rare_names


def _at(hours: float) -> datetime:
    return datetime(2024, 10, 9, 8, 0, tzinfo=timezone.utc) + timedelta(hours=hours)


def test_a_report_giving_fewer_of_the_same_numbers_about_the_same_matter_is_no_recurring_report():
    """The marathon's closures announced for "12 октября" and, that Saturday, "в воскресенье": alike, days apart,
    one gives no number; both headlines name the marathon, so no figure changed and it is one event's news."""
    from svodka.link.similarity import figures_changed, link_features, recurring
    before = make_doc("a", "12 октября из-за Московского марафона перекроют набережные",
                      "12 октября из-за Московского марафона перекроют Фрунзенскую и Пречистенскую набережные.",
                      published_at=_at(0))
    that_day = make_doc("b", "В воскресенье центр Москвы перекроют из-за марафона",
                        "В воскресенье из-за Московского марафона перекроют Фрунзенскую и Пречистенскую набережные.",
                        published_at=_at(72))
    parts = link_features(before, that_day)
    assert parts["tfidf"] >= 0.45  # alike enough to be taken for a template if a figure had changed
    assert not figures_changed(before, that_day)
    assert not recurring(before, that_day, parts)


def test_the_next_nights_drone_report_without_a_count_is_still_the_next_nights():
    """One night's "22 беспилотника" and the next night's report that gives no count: the headlines share no rare
    word (a routine report's headline is its template), so the numbers tell two nights apart as before."""
    from svodka.link.similarity import figures_changed, link_features, recurring
    night = make_doc("a", "ПВО за ночь уничтожила 22 беспилотника над регионами",
                     "Дежурные средства ПВО за ночь перехватили и уничтожили 22 украинских беспилотника над "
                     "территорией Белгородской и Курской областей.", published_at=_at(0))
    next_night = make_doc("b", "Над регионами за ночь уничтожены беспилотники",
                          "Дежурные средства ПВО за ночь перехватили и уничтожили украинские беспилотники над "
                          "территорией Белгородской области.", published_at=_at(24))
    parts = link_features(night, next_night)
    assert figures_changed(night, next_night)
    assert recurring(night, next_night, parts)


def test_a_wire_dateline_is_no_evidence_that_two_articles_report_one_event():
    """Every RIA article opens "МОСКВА, <day> - РИА Новости.": the agency is no entity the two share, "Интерфакс"
    no rare word, the day no figure of theirs."""
    from svodka.understand.analyze import analyze

    a = "МОСКВА, 11 окт - РИА Новости. Президент подписал указ об обязательной продаже валютной выручки."
    b = "Москва. 12 октября. INTERFAX.RU - Глава Минэнерго рассказал о поставках нефти в Саудовскую Аравию."
    names = {e.normalised for e in analyze(a, "Указ о валютной выручке").entities}
    assert not {"РИА Новости", "Москва"} & names
    da, db = make_doc("a", "Указ о валютной выручке", a), make_doc("b", "Поставки нефти", b)
    assert not da.numbers and not db.numbers
    assert not {"риа", "москва", "интерфакс", "окт", "октябрь"} & (da.lemmas.keys() | db.lemmas.keys())
    assert "указ" in da.lemmas and "нефть" in db.lemmas


def test_a_number_word_two_reports_share_names_no_matter():
    """A shooting in Kazan and a drift in the Sea of Okhotsk, a day apart, each of a "46-летний" man: the word is as
    rare as a name, but it names an age, not the matter, so the two read as unrelated news of different days."""
    from svodka.link.similarity import RARE_IDF, idf, link_features, recurring, shares_rare_word
    kazan = make_doc("a", "В Казани 46-летний мужчина открыл стрельбу в колонии",
                     "В исправительной колонии Казани 46-летний осуждённый открыл стрельбу.", published_at=_at(0))
    okhotsk = make_doc("b", "В Охотском море нашли дрейфующую лодку",
                       "В Охотском море на дрейфующей лодке нашли 46-летнего мужчину и тело его брата.",
                       published_at=_at(30))
    shared = kazan.lemmas.keys() & okhotsk.lemmas.keys()
    number_words = {w for w in shared if w[0].isdigit()}
    assert number_words and all(idf(w) >= RARE_IDF for w in number_words)  # rare as a word: the case this is about
    assert not shares_rare_word(kazan, okhotsk)
    assert recurring(kazan, okhotsk, link_features(kazan, okhotsk))


def test_a_name_with_a_number_in_it_is_a_rare_word_two_reports_share():
    """The M-2 highway names the place of a mass crash: the crash and the clearing of the road the next day share
    it as they would share a town's name."""
    from svodka.link.similarity import RARE_IDF, idf, shares_rare_word
    crash = make_doc("a", "Массовое ДТП произошло на трассе М-2 в Подмосковье",
                     "На трассе М-2 под Серпуховом столкнулись восемь машин.", published_at=_at(0))
    next_day = make_doc("b", "Спасатели убирают отбойник, разделяющий полосы",
                        "Спасатели убирают отбойник на М-2, чтобы пропустить машины.", published_at=_at(26))
    shared = crash.lemmas.keys() & next_day.lemmas.keys()
    assert {w for w in shared if idf(w) >= RARE_IDF} == {"м-2"}  # the road's name is all that is rare in common
    assert shares_rare_word(crash, next_day)


def test_a_reason_names_the_rare_words_two_texts_dwell_on_and_the_rarest_name_first():
    """"Похожие новости" under the rare-earths article: what a reader is told the two share is the matter
    ("редкоземельный", in both headlines), not a rare word said once in passing, not a shared name twice over, and
    of the names the specific one before the country."""
    from svodka.link.linker import shared_names, shared_terms
    from svodka.model import Related
    from svodka.present import reason_line
    seed = make_doc("a", "Путин предложил США добычу редкоземельных металлов",
                    "Путин заявил о готовности к сотрудничеству. Запасы редкоземельных металлов велики.",
                    entities=[("PER", "Владимир Путин"), ("LOC", "США"), ("LOC", "Средиземное море")])
    other = make_doc("b", "Без редкоземельных металлов промышленность немыслима",
                     "Спрос растёт, о готовности говорят все. Учения в Средиземном море.",
                     entities=[("PER", "Владимир Путин"), ("LOC", "США"), ("LOC", "Средиземное море")])
    terms = shared_terms(seed, other)
    assert "редкоземельный" in terms  # in both headlines
    assert "готовность" in seed.lemmas.keys() & other.lemmas.keys() and "готовность" not in terms  # said in passing
    assert "средиземный" not in terms  # the shared name already says it
    assert shared_names(seed, other)[-1] == "США"  # the commonest name last
    line = reason_line(Related(article_id="b", title=other.title, source="", published_at=None, score=0.5,
                               shared_entities=shared_names(seed, other), shared_terms=terms))
    assert line.startswith("общие: ") and "слова: редкоземельный" in line


def test_a_rare_verb_two_reports_share_names_no_matter():
    """The Superjet that burned in Antalya and the DHL Boeing that crashed in Vilnius, a day apart: "проверяться"
    is as rare in the idf table as a name, but a verb says how news is told, not what it is about; the pilot, a
    noun, still counts where the two share it."""
    from svodka.link.similarity import RARE_IDF, idf, link_features, recurring, shares_rare_word
    from svodka.understand.lemmas import names_a_matter
    antalya = make_doc("a", "Самолёт Superjet загорелся после жёсткой посадки в Анталье",
                       "Двигатели самолёта будут проверяться, сообщили в авиакомпании.", published_at=_at(0))
    vilnius = make_doc("b", "В Вильнюсе разбился грузовой Boeing компании DHL",
                       "Версии крушения будут проверяться, сообщили следователи.", published_at=_at(26))
    shared = antalya.lemmas.keys() & vilnius.lemmas.keys()
    assert "проверяться" in shared and idf("проверяться") >= RARE_IDF  # rare as a word: the case this is about
    assert not names_a_matter("проверяться") and names_a_matter("пилот") and names_a_matter("бпла")
    assert not shares_rare_word(antalya, vilnius)
    assert recurring(antalya, vilnius, link_features(antalya, vilnius))
