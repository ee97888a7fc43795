"""Saved article pages, each showing one layout rule (tests/fixtures/pages/expected.json says which), read exactly."""
import json
from datetime import datetime

import pytest

from svodka.ingest import read_file
from svodka.model import Article, IngestError

from conftest import FIXTURES

PAGES = FIXTURES / "pages"
EXPECTED = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_page_title_time_rubric_source_and_body(name):
    want = EXPECTED[name]
    (a,) = read_file(str(PAGES / name))
    assert isinstance(a, Article), a
    assert a.title == want["title"]
    assert a.published_at == datetime.fromisoformat(want["published_at"])
    assert a.rubric == want["rubric"]
    assert a.source == want["source"]
    assert [b.text for b in a.body] == want["body"]
    assert a.lead == want["body"][0]


def page(body: str, head: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def parse(tmp_path, html: str) -> Article | IngestError:
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    (item,) = read_file(str(path))
    return item


TEXT = ("<p>Городская дума утвердила новые правила благоустройства дворов и парков на заседании во вторник.</p>"
        "<p>Правила вступят в силу весной, когда закончится отопительный сезон.</p>")


def test_an_h1_logo_is_not_the_headline_and_a_title_suffix_is_not_the_site(tmp_path):
    a = parse(tmp_path, page(f"<h1>Вестник</h1><article><h1>Дума утвердила правила благоустройства</h1>{TEXT}"
                             "</article>", "<title>Дума утвердила правила — Вестник</title>"))
    assert a.title == "Дума утвердила правила благоустройства"
    assert a.source == "web"  # no site name stated and no URL: not the page title


def test_without_h1_the_og_title_loses_the_site_suffix(tmp_path):
    a = parse(tmp_path, page(f"<article>{TEXT}</article>",
                             '<meta property="og:title" content="Дума утвердила правила — Вестник">'
                             '<meta property="og:site_name" content="Вестник">'))
    assert a.title == "Дума утвердила правила" and a.source == "Вестник"


def test_time_text_with_a_day_only_machine_date(tmp_path):
    a = parse(tmp_path, page(f'<article><h1>Дума утвердила правила благоустройства</h1>'
                             f'<time datetime="2020-10-15">15.10.2020 21:55</time>{TEXT}</article>'))
    assert a.published_at == datetime.fromisoformat("2020-10-15T18:55:00+00:00")


def test_a_shown_time_on_another_day_than_the_machine_date_does_not_win(tmp_path):
    a = parse(tmp_path, page(f'<article><h1>Дума утвердила правила благоустройства</h1>'
                             f'<span class="date">03.01.2021 10:00</span>{TEXT}</article>',
                             '<meta property="article:published_time" content="2020-10-15">'))
    assert a.published_at.date().isoformat() == "2020-10-14"  # midnight in Moscow, the machine date's day


def test_an_impossible_machine_date_is_an_error(tmp_path):
    err = parse(tmp_path, page(f"<article><h1>Дума утвердила правила благоустройства</h1>{TEXT}</article>",
                               '<meta property="article:published_time" content="2024-02-30T10:00:00">'))
    assert isinstance(err, IngestError) and "impossible date" in err.reason


def test_svodka_parse_json_shows_the_page_as_read(capsys):
    from svodka.cli import main

    name = "wrapper_div_visible_time_read_also.html"
    assert main(["parse", str(PAGES / name), "--json"]) == 0
    (a,) = json.loads(capsys.readouterr().out)
    want = EXPECTED[name]
    assert (a["title"], a["published_at"], a["rubric"], a["source"]) == \
        (want["title"], want["published_at"], want["rubric"], want["source"])
    assert [b["text"] for b in a["body"]] == want["body"]


def test_promo_credit_and_tag_lines_are_not_body(tmp_path):
    a = parse(tmp_path, page("<article><h1>Дума утвердила правила благоустройства</h1>"
                             "<p>Фото: пресс-служба городской думы</p>" + TEXT +
                             "<p>Подписывайтесь на наш канал в Telegram, чтобы первыми узнавать новости.</p>"
                             "<p>Теги: дума, благоустройство</p>"
                             "<p>Фото на стенде показали депутатам заранее, и они одобрили проект.</p></article>"))
    assert [b.text[:20] for b in a.body] == ["Городская дума утвер", "Правила вступят в си", "Фото на стенде показ"]


def test_a_description_in_the_footer_is_no_lead(tmp_path):
    a = parse(tmp_path, page(f"<article><h1>Дума утвердила правила благоустройства</h1>{TEXT}</article>"
                             '<footer><div class="site-description">Городской портал: новости, афиша, погода и '
                             "всё о жизни нашего города каждый день</div></footer>"))
    assert a.lead.startswith("Городская дума") and "портал" not in a.text


def test_a_menu_of_rubrics_is_not_the_rubric_but_the_link_by_the_headline_is(tmp_path):
    menu = '<nav><a class="menu__rubric" href="/politics">Политика</a></nav>'
    a = parse(tmp_path, page(f'{menu}<article><h1>Дума утвердила правила благоустройства</h1>{TEXT}</article>'))
    assert a.rubric is None
    a = parse(tmp_path, page(f'{menu}<article><a class="article__rubric" href="/city">Город</a>'
                             f'<h1>Дума утвердила правила благоустройства</h1>{TEXT}</article>'))
    assert a.rubric == "Город" and "Город" not in [b.text for b in a.body]


def test_an_article_element_holding_only_furniture_leaves_the_page_to_trafilatura(tmp_path):
    a = parse(tmp_path, page('<article class="promo"><p>Читайте также: новости дня</p></article>'
                             f'<div class="main"><h1>Дума утвердила правила благоустройства</h1>{TEXT}</div>'))
    assert isinstance(a, Article) and a.body[0].text.startswith("Городская дума")
