"""The site in real headless Chromium, against a real uvicorn server on a free loopback port.

Uses Debian's chromium (/usr/bin/chromium); skipped only when it is not installed. Screenshots go to
artifacts/screenshots/ for a person to look at.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytest_plugins = ["conftest_serve"]  # the sample database, built once a session

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
SEED_TITLE = "Путин предлагает США участие в добыче редкоземельных металлов"  # the sample's seed page
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is not installed "
                                "(apt-get install chromium; the CI script installs it)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(served_db, api_key):
    port = free_port()
    env = {**os.environ, "SVODKA_API_KEY": api_key}
    code = ("import sys, uvicorn; from svodka.serve.app import create_app; "
            "uvicorn.run(create_app(sys.argv[1]), host='127.0.0.1', port=int(sys.argv[2]), log_level='warning')")
    proc = subprocess.Popen([sys.executable, "-c", code, served_db, str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/static/site.css", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            pytest.fail("the server did not start")
        time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    """A page that records console errors (a CSP violation is one) and dialogs (an alert() that ran)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    pg = context.new_page()
    pg.console_errors, pg.dialogs = [], []
    pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_read_the_news(server, page):
    page.goto(server + "/")
    assert page.locator("h2.section", has_text="Главное").is_visible()
    assert page.locator("ol.stories > li").count() >= 4
    shot(page, "home")

    page.locator("a.headline", has_text=SEED_TITLE).first.click()
    page.wait_for_url("**/article/*")
    assert page.locator("h1").inner_text().startswith(SEED_TITLE)
    assert "25 февраля 2025, 07:00" in page.locator(".dateline").inner_text()
    related = page.locator(".related-list > li")
    assert related.count() >= 5
    reasons = page.locator(".related-list .reason").all_inner_texts()
    assert any(r.startswith("общие:") for r in reasons)
    assert page.locator(".quotes figcaption", has_text="Владимир Путин").count() >= 1
    shot(page, "article")

    page.locator(".body a.ent", has_text="Владимир Путин").first.click()
    page.wait_for_url("**/entity/PER/*")
    assert page.locator("h1").inner_text() == "Владимир Путин"
    assert page.locator(".items > li").count() >= 10
    shot(page, "entity")

    page.locator(".entity-stories a").first.click()
    page.wait_for_url("**/story/*")
    assert page.locator(".chart svg rect.bar").count() >= 1
    shot(page, "story")
    assert page.console_errors == []


def test_search(server, page):
    page.goto(server + "/")
    page.fill(".search-box input[name=q]", "редкоземельные")
    page.press(".search-box input[name=q]", "Enter")
    page.wait_for_url("**/search?q=*")
    titles = page.locator(".items a.headline").all_inner_texts()
    assert any(t.startswith(SEED_TITLE) for t in titles)
    shot(page, "search")
    page.select_option(".search-form select[name=rubric]", "sports")
    page.click(".search-form button")
    page.wait_for_url("**rubric=sports*")
    assert not any(t.startswith(SEED_TITLE) for t in page.locator(".items a.headline").all_inner_texts())
    assert page.console_errors == []


def test_hostile_article_stays_inert(server, page, api_key):
    article = {"title": "Проверка <script>alert(1)</script> заголовка",
               "text": "Текст <img src=x onerror=alert(1)> с картинкой.\n\n<svg onload=alert(2)></svg> Ещё абзац.",
               "source": "Тест", "published_at": "2025-02-19T10:00:00+00:00"}
    r = httpx.post(server + "/api/v1/ingest", json=article, headers={"X-API-Key": api_key}, timeout=60)
    assert r.status_code == 200, r.text
    response = page.goto(f"{server}/article/{r.json()['ids'][0]}")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    page.wait_for_timeout(300)
    assert page.dialogs == []
    assert "<script>alert(1)</script>" in page.locator("h1").inner_text()
    assert page.locator(".body img, .body svg, .body script").count() == 0
    shot(page, "hostile")
