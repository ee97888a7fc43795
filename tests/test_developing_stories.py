"""A story gone quiet for days is carried on by a report that names the rare person it is about; a recurring kind
of news (magnetic storms) that comes back days later with the same words is a new story."""
from datetime import datetime, timezone

from story_posts import add, linker, posts_from  # noqa: F401 (linker: the tests' fixture)
from svodka.link.linker import DEVELOPING_GAP_H, STORY_GAP_H, Linker
from svodka.understand.analyze import analyze_article

T0 = datetime(2024, 10, 23, 10, 0, tzinfo=timezone.utc)
post = posts_from(T0)


GUF = [
    ("Mash", "Рэпера Гуфа задержали в подмосковной Апрелевке за драку в бане",
     "Рэпер Гуф подрался с полицейским у банного комплекса в Апрелевке, его задержали."),
    ("112", "Рэпер Гуф задержан после драки в бане в Апрелевке",
     "Музыканта Гуфа задержали после драки в банном комплексе в Апрелевке, на него составили протокол."),
    ("Mash", "Рэпера Гуфа доставили в суд Наро-Фоминска после драки в бане",
     "Гуфа доставили в суд Наро-Фоминска по делу о драке в бане в Апрелевке."),
]
STORM = [
    ("Москва Live", "На Землю надвигается сильная магнитная буря",
     "После вспышки на Солнце к Земле летит облако плазмы: ожидается сильная магнитная буря."),
    ("ТОПОР", "Сильная магнитная буря ожидается на Земле завтра",
     "Учёные предупреждают о сильной магнитной буре после вспышки на Солнце."),
]


def test_a_quiet_story_is_carried_on_by_its_rare_name(linker):
    first = {add(linker, post(s, t, x, h)) for (s, t, x), h in zip(GUF, (0, 0.5, 2))}
    assert len(first) == 1  # the first reports are one story
    later = post("Mash", "Рэперу Гуфу надели электронный браслет по делу о драке в бане",
                 "Рэперу Гуфу надели электронный браслет: суд в Наро-Фоминске решил, что он может скрыться.",
                 2 + STORY_GAP_H + 36)
    assert add(linker, later) in first


def test_a_recurring_kind_of_news_days_later_is_a_new_story(linker):
    first = {add(linker, post(s, t, x, h)) for (s, t, x), h in zip(STORM, (0, 1))}
    assert len(first) == 1
    later = post("Москва Live", "На Землю надвигается новая сильная магнитная буря",
                 "После новой вспышки на Солнце к Земле летит облако плазмы: ожидается магнитная буря.",
                 1 + STORY_GAP_H + 36)
    assert add(linker, later) not in first


MROT = [
    ("РИА Новости", "Госдума приняла закон о повышении МРОТ до 22 440 рублей",
     "Госдума приняла закон о повышении минимального размера оплаты труда с 1 января 2025 года до 22 440 рублей "
     "в месяц."),
    ("ТАСС", "Дума приняла закон о МРОТ в 22 440 рублей с 1 января",
     "Депутаты Госдумы приняли закон, по которому минимальный размер оплаты труда с 1 января 2025 года составит "
     "22 440 рублей в месяц."),
]


def test_a_law_is_carried_on_by_its_figure(linker):
    """A law names no rare person: its signing a week after the vote carries the story on by the law's own figure
    and by reading as the same event."""
    first = {add(linker, post(s, t, x, h)) for (s, t, x), h in zip(MROT, (0, 0.5))}
    assert len(first) == 1
    signed = post("РИА Новости", "Путин подписал закон о повышении МРОТ до 22 440 рублей",
                  "Президент подписал закон о повышении минимального размера оплаты труда с 1 января 2025 года до "
                  "22 440 рублей в месяц.", 0.5 + STORY_GAP_H + 120)
    assert add(linker, signed) in first


def test_the_same_figure_in_other_news_carries_nothing(linker):
    first = {add(linker, post(s, t, x, h)) for (s, t, x), h in zip(MROT, (0, 0.5))}
    other = post("РИА Новости", "Средняя пенсия в регионе составила 22 440 рублей",
                 "Средний размер пенсии в Тамбовской области в октябре составил 22 440 рублей, сообщил Соцфонд.",
                 0.5 + STORY_GAP_H + 120)
    assert add(linker, other) not in first


NIGHT = [
    ("Москва - новостная", "Собянин: силами ПВО в Раменском городском округе отражена атака беспилотника",
     "Сергей Собянин: «Силами ПВО Минобороны в Раменском городском округе отражена атака беспилотника, летевшего на "
     "Москву. На месте падения обломков разрушений и пострадавших нет»."),
    ("Mash", "ПВО отразили атаку беспилотника, летевшего на Москву, в Раменском",
     "ПВО Минобороны отразили атаку беспилотника, летевшего на Москву, в Раменском городском округе, сообщил "
     "Сергей Собянин. Пострадавших нет."),
    ("Москва Live", "Под Москвой сбит беспилотник — Собянин",
     "Беспилотник, летевший на Москву, сбит в Раменском городском округе, сообщил мэр Сергей Собянин."),
]
MAYOR = [
    ("Москва Live", "Собянин открыл новую станцию метро «Новаторская»",
     "Мэр Москвы Сергей Собянин открыл станцию «Новаторская» Большой кольцевой линии метро."),
    ("Москва - новостная", "Собянин рассказал о ремонте поликлиник в Москве",
     "Сергей Собянин сообщил, что до конца года в Москве отремонтируют ещё 40 поликлиник."),
    ("Mash", "Собянин утвердил новые правила парковки во дворах",
     "Сергей Собянин подписал постановление о новых правилах парковки во дворах жилых домов."),
    ("Москва Live", "Собянин поздравил москвичей с Днём народного единства",
     "Мэр Москвы Сергей Собянин поздравил горожан с Днём народного единства."),
]
NEXT_NIGHT = ("Москва - новостная", "Собянин: силами ПВО в Раменском городском округе отражена атака беспилотника",
              "Сергей Собянин: «Силами ПВО Минобороны в Раменском городском округе отражена атака беспилотника, "
              "летевшего на Москву. Пострадавших нет».")


# the same night with the mayor in the news, not telling it: what the own-share tests need (an announcer's name
# carries nothing whatever its share)
VISIT = [
    ("Москва - новостная", "Собянин приехал в Раменское после атаки беспилотника",
     "Сергей Собянин приехал в Раменский городской округ, где силами ПВО отражена атака беспилотника, летевшего на "
     "Москву. Мэр осмотрел место падения обломков."),
    ("Mash", "Собянин осмотрел место падения беспилотника в Раменском",
     "Мэр Москвы Сергей Собянин осмотрел место падения обломков беспилотника в Раменском городском округе."),
    ("Москва Live", "Собянин побывал на месте падения обломков беспилотника",
     "Сергей Собянин побывал в Раменском городском округе на месте падения обломков беспилотника, летевшего на "
     "Москву."),
]
NEXT_VISIT = ("Москва - новостная", "Собянин приехал в Раменское после атаки беспилотника",
              "Сергей Собянин приехал в Раменский городской округ, где отражена атака беспилотника, летевшего на "
              "Москву. Мэр осмотрел место падения обломков.")


def _night_then_mayor(linker, mayor_news: int, night=VISIT, next_night=NEXT_VISIT) -> tuple[set[int], int]:
    for k, (s, t, x) in enumerate(MAYOR[:mayor_news]):  # weeks apart: each its own story
        add(linker, post(s, t, x, -DEVELOPING_GAP_H * (k + 2)))
    first = {add(linker, post(s, t, x, h)) for (s, t, x), h in zip(night, (0, 0.3, 0.6))}
    return first, add(linker, post(*next_night, 0.6 + STORY_GAP_H + 100))


def test_a_name_that_much_else_names_carries_no_night_into_the_next(linker):
    """The mayor is in each night's drone news and in much else: of the texts that named him, the first night's
    story holds three of seven, so a report six days later is that night's own story, not the first night's (the
    own-share rule; the nights he only announces are the announcer test's)."""
    night, later = _night_then_mayor(linker, mayor_news=4)
    assert len(night) == 1
    assert later not in night


def test_a_name_only_its_story_names_still_carries_it(linker):
    """The same visits with nothing else naming the mayor: his name is the story's own, and the report days later
    is carried on as the Гуф test's is (what the share rule leaves as it was)."""
    night, later = _night_then_mayor(linker, mayor_news=0)
    assert later in night


def test_a_name_that_only_announces_carries_no_story_even_when_only_its_story_names_it(linker):
    """The same reports with nothing else naming the mayor: his name is the story's own, but every report only says
    who told the news ("— Собянин", "сообщил Сергей Собянин"), so the report days later is the next night's own
    story (news_flow_dev November: the 10 November attack on Раменское took the 18 November one this way)."""
    night, later = _night_then_mayor(linker, mayor_news=0, night=NIGHT, next_night=NEXT_NIGHT)
    assert len(night) == 1
    assert later not in night


def test_who_tells_the_news_is_told_from_who_is_in_it():
    from svodka.link.similarity import announcers, attributes
    from svodka.model import Entity

    def per(text: str, name: str, *forms: str) -> Entity:
        spans = [(text.index(f), text.index(f) + len(f)) for f in forms]
        return Entity(text=forms[0], normalised=name, type="PER", start=spans[0][0], end=spans[0][1], mentions=spans)

    told = ["Сергей Собянин: «Силами ПВО отражена атака беспилотника».",
            "Беспилотник сбит над Раменским, — Сергей Собянин.",
            "Об этом сообщил мэр Москвы Сергей Собянин.",
            "Сергей Собянин объявил, что беспилотник сбит.",
            "Согласно сообщению Собянина, пострадавших нет."]
    for text in told:
        form = "Сергей Собянин" if "Сергей Собянин" in text else "Собянина"
        assert announcers(text, [per(text, "Сергей Собянин", form)]) == {"собянин"}, text
    in_it = ["Собянин открыл новую станцию метро.",
             "Мэр Сергей Собянин осмотрел место падения обломков.",
             "Президент Аслан Бжания заявил, что уйдёт. Оппозиция требует отставки Бжании."]
    for text in in_it[:2]:
        form = "Сергей Собянин" if "Сергей Собянин" in text else "Собянин"
        assert announcers(text, [per(text, "Сергей Собянин", form)]) == frozenset(), text
    text = in_it[2]
    bzhania = per(text, "Аслан Бжания", "Аслан Бжания", "Бжании")
    assert attributes(text, *bzhania.mentions[0]) and not attributes(text, *bzhania.mentions[1])
    assert announcers(text, [bzhania]) == frozenset()  # also the news: his name can carry his story


def test_a_restarted_linker_judges_a_quiet_storys_names_as_the_one_that_ran_on(linker):
    """The names of the texts linked before a restart are read back from the store: the report six days later is
    told from the first night's story by a linker started after them, as by the one that linked them."""
    def stored(lnk: Linker, article) -> int:  # linked as a desk links a batch: written to the store
        lnk.store.add_batch([article])
        lnk.add_batch([(article, analyze_article(article))])
        return lnk.story_of[article.id]

    for k, (s, t, x) in enumerate(MAYOR):
        stored(linker, post(s, t, x, -DEVELOPING_GAP_H * (k + 2)))
    night = {stored(linker, post(s, t, x, h)) for (s, t, x), h in zip(VISIT, (0, 0.3, 0.6))}
    restarted = Linker(linker.store)
    assert set(restarted.stories) >= night
    assert stored(restarted, post(*NEXT_VISIT, 0.6 + STORY_GAP_H + 100)) not in night
