"""The site, server-rendered, over the ingested sample: pages, feeds, search, and untrusted text kept inert."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from urllib.parse import quote
from xml.etree import ElementTree as ET

pytest_plugins = ["conftest_serve"]  # the sample database, built once a session

from svodka.model import Analysis, Article, Block, Entity
from svodka.serve.web import hour_chart, marked_blocks, page, ru_datetime, story_cards

SEED_TITLE = "Путин предлагает США участие в добыче редкоземельных металлов"  # the sample's seed page
PUTIN = "/entity/PER/" + quote("Владимир Путин", safe="")
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JSON_LD = re.compile(r'<script type="application/ld\+json">[^<]*</script>')  # data, never run; no "<" inside


def without_json_ld(html: str) -> str:
    assert len(JSON_LD.findall(html)) <= 1
    return JSON_LD.sub("", html)


def html_of(client, path: str) -> str:
    r = client.get(path)
    assert r.status_code == 200, (path, r.status_code)
    assert r.headers["content-type"].startswith("text/html")
    return r.text


def test_home(client):
    r = client.get("/")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "unsafe-inline" not in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"
    html = r.text
    assert "Главное" in html and "Последние новости" in html
    assert len(re.findall(r'href="/story/\d+"', html)) >= 4
    assert SEED_TITLE in html  # the newest article of the sample
    assert 'rel="next"' in html
    second = html_of(client, "/?page=2")
    assert SEED_TITLE not in second and "Главное" not in second


def test_article_page(client, seed_id):
    html = html_of(client, f"/article/{seed_id}")
    assert "25 февраля 2025, 07:00" in html
    assert '<a class="rubric" href="/rubric/world">В мире</a>' in html
    assert f"<h1>{SEED_TITLE}" in html
    assert "<h2>Снижение военных расходов</h2>" in html
    assert f'<a class="ent" href="{PUTIN}">Владимир Путин</a>' in html
    related = html[html.index("Похожие новости"):]
    assert related.count('<a class="headline" href="/article/') >= 5
    assert "общие: " in related
    assert "Цитаты" in html and "Редкоземельные металлы являются крайне важным ресурсом" in html
    assert "На исходной странице" in html  # the page's own teasers, folded away
    assert "<script" not in without_json_ld(html) and not INLINE_HANDLER.search(html)


def test_article_unknown_is_404_page(client):
    r = client.get("/article/nope")
    assert r.status_code == 404 and "Страница не найдена" in r.text
    assert client.get("/no/such/page").status_code == 404


def test_story_page(client):
    story = max(client.get("/api/v1/stories/top", params={"n": 10, "since": "30d"}).json(), key=lambda s: s["size"])
    html = html_of(client, f"/story/{story['id']}")
    assert "Хроника" in html and "<svg" in html and 'class="bar"' in html
    assert html.count('<a class="headline"') == min(story["size"], 300)
    assert client.get("/story/999999999").status_code == 404


def test_entity_page(client):
    html = html_of(client, PUTIN)
    assert "<h1 class=\"page-title\">Владимир Путин</h1>" in html and "Персона" in html
    assert "Сюжеты" in html and "Цитаты" in html
    assert client.get("/entity/PER/Никто Никтоевич").status_code == 404
    assert client.get("/entity/XYZ/Владимир Путин").status_code == 404


def test_rubric_and_source_feeds(client):
    html = html_of(client, "/rubric/world")
    assert "<h1 class=\"page-title\">В мире</h1>" in html and SEED_TITLE in html
    assert client.get("/rubric/nonsense").status_code == 404
    source = client.get("/api/v1/articles", params={"limit": 2}).json()["items"][1]["source"]
    assert source in html_of(client, "/source/" + quote(source, safe=""))


def test_search_page(client, seed_id):
    html = html_of(client, "/search?q=редкоземельные")
    assert f'href="/article/{seed_id}"' in html
    assert f'href="/article/{seed_id}"' not in html_of(client, "/search?q=редкоземельные&rubric=sports")
    assert f'href="/article/{seed_id}"' in html_of(client, "/search?q=редкоземельные&from=2025-02-25&to=2025-02-25")
    assert f'href="/article/{seed_id}"' not in html_of(client, "/search?q=редкоземельные&to=2025-02-24")
    assert "Ничего не найдено" in html_of(client, "/search?q=зззщщщ")
    assert html_of(client, "/search?q=&from=garbage")


def rss_items(client, path: str) -> list[ET.Element]:
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/rss+xml")
    channel = ET.fromstring(r.content).find("channel")
    assert channel.findtext("title").startswith("Сводка")
    return channel.findall("item")


def test_feeds(client, seed_id):
    items = rss_items(client, "/rss.xml")
    assert len(items) == 50 and items[0].findtext("link").endswith(f"/article/{seed_id}")
    assert items[0].findtext("pubDate").startswith("Tue, 25 Feb 2025")
    assert rss_items(client, "/rubric/world/rss.xml")
    found = rss_items(client, "/search/rss.xml?q=редкоземельные")
    assert any(i.findtext("title").startswith(SEED_TITLE) for i in found)
    story = client.get("/api/v1/stories/top", params={"n": 1, "since": "30d"}).json()[0]
    assert rss_items(client, f"/story/{story['id']}/rss.xml")


def test_untrusted_text_is_inert(client, api_key):
    article = {"title": "Взлом <script>alert(1)</script> заголовка",
               "text": "Абзац с картинкой <img src=x onerror=alert(1)> и ссылкой.\n\n"
                       "Второй абзац </p><script>alert(2)</script> конец.",
               "url": "javascript:alert(3)", "source": "<b>Источник</b>",
               "published_at": "2025-02-20T10:00:00+00:00"}
    r = client.post("/api/v1/ingest", json=article, headers={"X-API-Key": api_key})
    assert r.status_code == 200, r.text
    article_id = r.json()["ids"][0]
    html = html_of(client, f"/article/{article_id}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in without_json_ld(html) and "<img" not in html and "<b>Источник" not in html
    assert not INLINE_HANDLER.search(html) and "javascript:" not in html
    feed = client.get("/rss.xml").text
    assert "<script>" not in feed


def test_marked_blocks_maps_offsets_and_escapes():
    article = Article(source="s", title="t", body=[Block("Первый <абзац>."), Block("Итоги", "h"),
                                                   Block("Путин & США: <b>да</b>.")])
    text = article.text
    start = text.index("Путин")
    usa = text.index("США")
    analysis = Analysis(language="ru", language_confidence=1, rubric="world", rubric_confidence=1, is_news=True,
                        news_probability=1, entities=[
                            Entity("Путин", "Владимир Путин", "PER", start, start + 5, [(start, start + 5)]),
                            Entity("США", "США", "LOC", usa, usa + 3, [(usa, usa + 3)]),
                            Entity("x", "Сломанный", "ORG", 0, 999, [(8, 999)])])  # crosses a block: dropped
    blocks = marked_blocks(article, analysis)
    assert [k for k, _ in blocks] == ["p", "h", "p"]
    assert str(blocks[0][1]) == "Первый &lt;абзац&gt;."
    assert str(blocks[2][1]) == (f'<a class="ent" href="{PUTIN}">Путин</a> &amp; '
                                 f'<a class="ent" href="/entity/LOC/{quote("США")}">США</a>: &lt;b&gt;да&lt;/b&gt;.')


def test_hour_chart_and_dates():
    t = datetime(2025, 2, 25, 4, 0, tzinfo=timezone.utc)
    assert ru_datetime(t) == "25 февраля 2025, 07:00"
    chart = hour_chart([t, t.replace(minute=30), t.replace(hour=6)])
    assert [b["count"] for b in chart["bars"]] == [2, 1] and chart["top"] == 2
    assert chart["labels"][0]["text"] == "07:00"
    assert hour_chart([None])["bars"] == []
    one_hour = hour_chart([t, t.replace(minute=40)])
    assert len(one_hour["bars"]) == 1 and one_hour["bars"][0]["w"] >= 640 / 4 - 2  # four slots, not twelve
    assert all(label["x"] <= 640 - 40 or label["anchor"] == "end" for label in one_hour["labels"])
    long = hour_chart([t + timedelta(hours=h) for h in range(0, 30, 3)])
    assert long["labels"][-1]["anchor"] == "end" or long["labels"][-1]["x"] <= 640 - 80  # nothing clipped


def test_no_story_card_is_a_bare_title(app):
    d = app.state.desk
    stories = d.top_stories(n=1000, since=None, min_size=2)
    cards = story_cards(d, stories)
    assert set(cards) == {s.id for s in stories}
    assert all(c["heads"] or c["also"] or c["lead"] for c in cards.values())
    # stories whose every member carries the title's headline (one wire text): the other sources that carried it
    one_headline = [s for s in stories if not cards[s.id]["heads"]]
    assert one_headline, "the sample has stories told in one headline"
    for story in one_headline:
        title_source = d.items_by_id([story.title_article])[0].source
        also = cards[story.id]["also"]
        assert all(i.source != title_source for i in also) and len({i.source for i in also}) == len(also)
        assert set(i.id for i in also) <= set(story.members)
    story = next(s for s in one_headline if cards[s.id]["also"])
    html = page("home.html", stories=[(story, cards[story.id])], items=[], pager={"page": 1, "prev": None, "next": None}).body.decode()
    card = html[html.index('<li class="story-card'):html.index("</li>", html.index('<li class="story-card'))]
    assert "Также сообщают:" in card
    assert all(f'<a href="/article/{i.id}">' in card for i in cards[story.id]["also"])


def test_story_card_fallbacks_without_other_headlines():
    from svodka.model import Story
    from svodka.serve.app import Item

    t = datetime(2024, 12, 4, 8, 0, tzinfo=timezone.utc)

    def item(aid, source, title="Одна и та же новость", lead="Подробности этой новости в одном длинном абзаце."):
        return Item(aid, "post", source, title, lead, None, t, None)

    class Desk:
        def __init__(self, items):
            self.items = {i.id: i for i in items}

        def items_by_id(self, ids):
            return [self.items[i] for i in ids if i in self.items]

    def story(sid, members):
        return Story(sid, "Одна и та же новость", members[0], t, t, len(members), 1, members=members)

    one_source = story(1, ["a", "b"])  # two copies in one source: no other headline, no other source
    other_head = story(2, ["c", "d"])
    cards = story_cards(Desk([item("a", "S"), item("b", "S"), item("c", "S"), item("d", "T", title="Другое")]),
                        [one_source, other_head])
    assert cards[1] == {"heads": [], "also": [], "lead": "Подробности этой новости в одном длинном абзаце."}
    assert [i.id for i in cards[2]["heads"]] == ["d"] and cards[2]["also"] == [] and cards[2]["lead"] == ""
    long_lead = Desk([item("a", "S", lead="слово " * 100), item("b", "S")])
    lead = story_cards(long_lead, [one_source])[1]["lead"]
    assert lead.endswith("…") and len(lead) <= 221 and lead.startswith("слово слово")
