"""Telegram posts: sign-offs off (by language, by the learned table, by the batch), headlines that say what
happened, bodies that are never empty, look-alike letters folded. Texts written after the shapes seen in
telegram_news_ru."""
import io
import json
import subprocess
import sys

import pytest

from svodka.ingest.jsonl import EmptyPost, parse_jsonl, record_to_article
from svodka.ingest.posts import PostReader, learn_signoffs, read_post, shorten_at_clause
from svodka.model import Article
from svodka.textutil import fold_lookalikes

NO_TABLE = PostReader(table={}, learn=False)


def read(text, source="Канал", reader=NO_TABLE):
    title, body = read_post(text, source, reader)
    return title, [b.text for b in body]


def jsonl(records):
    return io.BytesIO("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8"))


def test_generic_subscribe_line_goes_and_a_one_sentence_post_keeps_its_sentence():
    title, body = read("Гололедица ожидается в Москве сегодня вечером.\n\n"
                       "🔴 [Подписаться](https://t.me/x) | [Прислать новость](https://t.me/x_bot)")
    assert title == "Гололедица ожидается в Москве сегодня вечером"
    assert body == ["Гололедица ожидается в Москве сегодня вечером."]


def test_other_sign_off_shapes_go():
    text = ("Курьер привёз заказ на самокате прямо в офис.\n\nОн ехал сорок минут.\n\n"
            "[👉 ](https://t.me/+a)[Канал +18. Подписаться](https://t.me/+b)\n\n"
            "__Прислали __[__через бота__](https://t.me/b)\n"
            "❗️ [Подписывайся на Канал](https://t.me/+c)\n#промо")
    assert read(text)[1] == ["Он ехал сорок минут."]
    assert read("Биткоин снова выше $95000. @banksta")[1] == ["Биткоин снова выше $95000."]
    title, body = read("Снежный барс в заповеднике чихнул, распространите\n\nЗверь попал в фотоловушку.")
    assert title == "Снежный барс в заповеднике чихнул" and body == ["Зверь попал в фотоловушку."]


def test_a_subscribe_word_inside_the_news_stays():
    text = "Путин подписал закон о штрафах за пропаганду.\n\nЗакон вступит в силу через десять дней после подписания."
    assert read(text) == ("Путин подписал закон о штрафах за пропаганду",
                          ["Закон вступит в силу через десять дней после подписания."])


def test_learned_table_line_goes_for_its_own_source_only():
    reader = PostReader(table={"Маш": frozenset({"с любовью маш рум"})}, learn=False)
    text = "Актёр купил квартиру у Патриарших прудов.\n\nСоседи недовольны.\n\n❤ [С любовью, Маш Рум](https://t.me/+x)"
    assert read(text, "Маш", reader)[1] == ["Соседи недовольны."]
    assert read(text, "Другой", reader)[1][-1] == "❤ С любовью, Маш Рум"


def test_learning_takes_repeated_linked_lines_not_repeated_labels():
    posts = [("Лента", f"Новость номер {i} о городе.\n\n🦊 [Лисий хвост](https://t.me/fox)") for i in range(32)]
    posts += [("Лента", f"⚡️**Минобороны РФ:**\n\n«Сбиты {i} беспилотников».\n\n🦊 [Лисий хвост](https://t.me/fox)")
              for i in range(8)]  # 20 % of the posts: a plain line needs 25 %
    assert learn_signoffs(posts) == {"Лента": ["лисий хвост"]}


def test_a_new_channel_sign_off_is_learned_from_the_batch():
    records = [{"id": f"-1:{i}", "channel": "Новый канал", "date": "2024-11-20T10:00:00+00:00",
                "text": f"В районе {i} открыли библиотеку.\n\nТам {i} тысяч книг.\n\n🌿 [Лесная газета](https://t.me/x)"}
               for i in range(8)]
    arts = [a for a in parse_jsonl(jsonl(records), "t.jsonl", posts=PostReader(table={})) if isinstance(a, Article)]
    assert [a.text for a in arts] == [f"Там {i} тысяч книг." for i in range(8)]
    # one post alone: nothing to learn from, the line stays
    assert read(records[0]["text"], "Новый канал")[1][-1] == "🌿 Лесная газета"


def test_speaker_label_is_joined_to_the_statement():
    title, body = read("**⚡️Минобороны РФ:\n\n**__«ПВО за ночь сбила 12 беспилотников над Брянской областью».__")
    assert title == "Минобороны РФ: «ПВО за ночь сбила 12 беспилотников над Брянской областью»"
    assert body == ["«ПВО за ночь сбила 12 беспилотников над Брянской областью»."]
    title, _ = read("⚡️**Зеленский**\n\nУкраина получит новые системы ПВО до конца года, заявил президент.")
    assert title.startswith("Зеленский: Украина получит новые системы ПВО до конца года")


def test_bare_exclamation_and_one_word_caption_give_way_to_the_statement():
    title, _ = read("«Вон дрон!»\n\nЖители Курска сняли беспилотник над жилыми домами.")
    assert title == "Жители Курска сняли беспилотник над жилыми домами"
    title, _ = read("Классика\n\nВодитель каршеринга припарковался на тротуаре у мэрии.")
    assert title == "Водитель каршеринга припарковался на тротуаре у мэрии"
    title, _ = read("«Я тебе всё отрежу! Ещё раз говорю».\n\nВ Челябинске мужчина ворвался в школу и напал на учителя.")
    assert title == "В Челябинске мужчина ворвался в школу и напал на учителя"


def test_a_line_broken_mid_sentence_is_read_on():
    title, _ = read("Пять человек погибли, еще четверо пострадали после наезда минивэна на\n\n"
                    "пешеходов в Благовещенске.")
    assert title == "Пять человек погибли, еще четверо пострадали после наезда минивэна на пешеходов в Благовещенске"


def test_long_sentence_shortened_at_a_clause_boundary():
    long = ("Стрельба в центре Москвы — неизвестный открыл огонь возле кафе на Большой Никитской улице, "
            "предварительно один человек ранен, стрелявшие скрылись на автомобиле, который позже нашли во дворе")
    title, body = read(long + ".")
    assert title == "Стрельба в центре Москвы — неизвестный открыл огонь возле кафе на Большой Никитской улице"
    assert body == [long + "."]
    cut = shorten_at_clause("Власти предложили " + "очень " * 40 + "длинную меру без единой запятой для")
    assert cut.endswith("…") and not cut[:-1].endswith((" для", ",")) and len(cut) <= 201
    quote = ("Сергей Собянин: «Силами ПВО в Раменском округе отражена атака беспилотника, летевшего на Москву. "
             "На месте падения обломков, по предварительным данным, разрушений и пострадавших нет. Специалисты "
             "экстренных служб работают на месте».")
    assert read(quote)[0] == ("Сергей Собянин: «Силами ПВО в Раменском округе отражена атака беспилотника, "
                              "летевшего на Москву»")


def test_lookalike_letters_folded_real_latin_kept():
    assert fold_lookalikes("Дeнь шoкoлaдныx cюpпpизoв") == "День шоколадных сюрпризов"
    assert fold_lookalikes("новый iPhone и сopy в ВМW, ШтормZ") == "новый iPhone и copy в BMW, ШтормZ"
    title, body = read("Дeнь шoкoлaдныx cюpпpизoв отмечают в Москве\n\nВ пaркax раздают iPhone.")
    assert title == "День шоколадных сюрпризов отмечают в Москве" and body == ["В парках раздают iPhone."]


def test_link_and_hashtag_only_lines_are_no_body():
    title, body = read("Биологи раскрыли генетику зловония «трупного цветка»\n\nhttps://naked-science.ru/a/1\n#наука")
    assert title == "Биологи раскрыли генетику зловония «трупного цветка»"
    assert body == ["Биологи раскрыли генетику зловония «трупного цветка»"]


def test_a_post_of_sign_offs_only_is_passed_over_in_a_file_and_refused_alone():
    empty = {"id": "-1:1", "channel": "Канал", "date": "2024-11-20T10:00:00+00:00",
             "text": "🔴 [Подписаться на Москву - новостную](https://t.me/moskva)\n\nhttps://t.me/moskva/1"}
    news = dict(empty, id="-1:2", text="В Москве открыли новую станцию метро.")
    items = list(parse_jsonl(jsonl([empty, news, {"id": "-1:3", "channel": "Канал"}]), "t.jsonl"))
    assert [a.title for a in items if isinstance(a, Article)] == ["В Москве открыли новую станцию метро"]
    (err,) = [e for e in items if not isinstance(e, Article)]
    assert err.position == "line 3"  # a record without text is still an error
    with pytest.raises(EmptyPost, match="no text of its own"):
        record_to_article(empty, "api")


def test_svodka_parse_json_shows_the_post_headline_and_body(tmp_path):
    path = tmp_path / "posts.jsonl"
    path.write_text(json.dumps({"id": "-1:9", "channel": "Топор Live", "date": "2024-11-20T10:00:00+00:00",
                                "text": "**⚡️Зеленский:**\n\n«Генералы должны быть в окопах».\n\n"
                                        "[👉 Топор Live. Подписаться](https://t.me/+HWF)"}, ensure_ascii=False)
                    + "\n", encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "svodka.cli", "parse", str(path), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    (post,) = json.loads(r.stdout)
    assert post["title"] == "Зеленский: «Генералы должны быть в окопах»"
    assert [b["text"] for b in post["body"]] == ["«Генералы должны быть в окопах»."]
    assert post["kind"] == "post" and post["source"] == "Топор Live"


def test_credits_and_link_captions_go_a_caption_with_a_verb_stays():
    title, body = read("Сирийские повстанцы вошли в Алеппо\n\nСилы повстанцев заняли районы города.\n\n"
                       "__Фото: Reuters__\n\nПодробнее: https://example.org/a/1")
    assert body == ["Силы повстанцев заняли районы города."]
    assert read("Видео опубликовали очевидцы\n\nПожар начался ночью.")[0] == "Видео опубликовали очевидцы"


def test_a_long_sentence_with_numbers_and_a_list_is_cut_at_a_clause_not_at_a_number():
    text = ("Средние цены на дизельное топливо на заправках Москвы с 28 октября по 5 ноября увеличились на 30 копеек, "
            "до 66,82 рубля за литр, цена бензина АИ-92 выросла до 56,10 рубля, АИ-95 — до 61,35 рубля, а АИ-98 — до "
            "78,02 рубля, сообщает Росстат по итогам еженедельного мониторинга цен на заправках.")
    title, body = read(text)
    assert 40 <= len(title) <= 200 and not title.endswith(("…", ",")) and text.startswith(title)
    assert body == [text]
    title, _ = read("⚡️Минобороны РФ:\n\n«ПВО за ночь перехватила и уничтожила 47 беспилотников над регионами: "
                    "29 над Ростовской областью, 8 - над Краснодарским краем, по 3 – над Белгородской, Брянской и "
                    "Воронежской областями и один – над Крымом».")
    assert title.startswith("Минобороны РФ: «ПВО за ночь перехватила") and title.endswith("»")
    assert not title.endswith(", 8»")


def test_a_closing_list_of_platform_links_goes_a_single_link_line_stays():
    text = ("Новый выпуск подкаста о науке вышел сегодня.\n\nГость выпуска — физик из МГУ.\n\n"
            "[VK Музыка](https://vk.com/p) | [Яндекс Музыка](https://music.yandex.ru/a) | [Apple Podcasts](https://a.b/c)")
    assert read(text)[1] == ["Гость выпуска — физик из МГУ."]
    digest = "Главное к утру\n\nВ Москве выпал снег.\n\n[Путин подписал указ о ядерном сдерживании](https://x.ru/1)"
    assert read(digest)[1][-1] == "Путин подписал указ о ядерном сдерживании"


def test_a_long_sentence_without_a_comma_is_cut_before_a_phrase_not_mid_phrase():
    text = ("Международный уголовный суд выдал ордеры на арест премьер-министра Израиля Биньямина Нетаньяху и "
            "экс-министра обороны Йоава Галанта за преступления против человечности и военные преступления в "
            "секторе Газа и на Западном берегу реки Иордан.")
    title, body = read(text)
    assert title == ("Международный уголовный суд выдал ордеры на арест премьер-министра Израиля Биньямина "
                     "Нетаньяху и экс-министра обороны Йоава Галанта за преступления против человечности и военные "
                     "преступления")
    assert not title.endswith("…") and body == [text]


def test_hash_normalisation_unchanged_by_its_faster_form():
    import re

    from svodka.model import normalise_for_hash

    soft = str.maketrans({"ё": "е", "\u00ad": None, "\u200b": None, "\ufeff": None})

    def before(text):  # the form stored hashes were made with
        return re.sub(r"\s+", " ", text.lower().translate(soft)).strip()

    spaces = "".join(chr(c) for c in range(0x3100) if chr(c).isspace())
    for text in ("  Ёлка\u00a0\u200bи\n\tШАР\u00adЫ \ufeff", spaces + "a" + spaces + "б", "", "x\u200b"):
        assert normalise_for_hash(text) == before(text)
    assert normalise_for_hash("  Ёлка\u00a0\u200bи\n\tШАР\u00adЫ \ufeff") == "елка и шары"


def test_a_last_line_about_a_subscription_is_news_not_a_sign_off():
    title, body = read("Яндекс повышает цены на сервисы\n\nПодписка на Плюс подорожает до 399 рублей в месяц")
    assert body == ["Подписка на Плюс подорожает до 399 рублей в месяц"]


def test_a_digest_item_with_its_link_stays():
    text = "Главное за неделю\n\n— Маск призвал колонизировать Луну https://example.org/1\n\nОтвет: https://example.org/2"
    assert read(text)[1] == ["— Маск призвал колонизировать Луну https://example.org/1"]
