import json
import os
import subprocess
import sys

from conftest import SEED, fixture

pytest_plugins = ["conftest_serve"]  # the sample database, built once a session (for `stories --since`)


def svodka(*args, db=None, env_db=None):
    env = dict(os.environ)
    env.pop("SVODKA_DB", None)
    if env_db:
        env["SVODKA_DB"] = env_db
    cmd = [sys.executable, "-m", "svodka.cli", *(["--db", db] if db else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def test_parse_json_prints_the_article_without_storing(tmp_path):
    r = svodka("parse", str(SEED), "--json", db=str(tmp_path / "x.db"))
    assert r.returncode == 0, r.stderr
    (page,) = json.loads(r.stdout)
    assert page["rubric"] == "В мире" and page["published_at"] == "2025-02-25T04:00:00+00:00"
    assert len(page["teasers"]) == 12 and page["teasers"][-1]["truncated"] is True
    assert page["body"][4] == {"text": "Снижение военных расходов", "kind": "h"}
    assert not (tmp_path / "x.db").exists()


def test_ingest_summary_errors_named_and_rest_stored(tmp_path):
    db = str(tmp_path / "s.db")
    r = svodka("ingest", str(SEED), fixture("articles.jsonl"), fixture("empty.txt"), fixture("binary_junk.bin"), db=db)
    assert r.returncode == 1  # some input was bad
    assert r.stdout.strip().splitlines()[-1] == "read 4, stored 4, duplicates 0, errors 4"
    assert "articles.jsonl:line 3: broken JSON" in r.stderr
    assert "empty.txt: empty file" in r.stderr and "binary_junk.bin: binary data" in r.stderr
    again = svodka("ingest", str(SEED), fixture("articles.jsonl"), db=db)
    assert again.stdout.strip().splitlines()[-1] == "read 4, stored 0, duplicates 4, errors 2"


def test_list_json_and_show_with_env_db(tmp_path):
    db = str(tmp_path / "e.db")
    assert svodka("ingest", str(SEED), fixture("feed_rss.xml"), env_db=db).returncode == 0
    lines = svodka("list", "--json", env_db=db).stdout.strip().splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 3 and rows[0]["rubric"] == "В мире"  # stubs are left out unless asked for
    assert {"id", "source", "url", "published_at", "rubric", "title", "lead"} <= set(rows[0])
    assert len(svodka("list", "--json", "--all", env_db=db).stdout.strip().splitlines()) == 15
    shown = json.loads(svodka("show", rows[0]["id"], "--json", env_db=db).stdout)
    assert shown["title"] == rows[0]["title"] and len(shown["teasers"]) == 12
    text = svodka("show", rows[0]["id"], env_db=db).stdout
    assert "## Снижение военных расходов" in text and "Похожие новости" in text
    feed_source = next(r["source"] for r in rows if r["source"] != rows[0]["source"])
    by_prefix = svodka("list", "--json", "--source", feed_source[:3].lower(), env_db=db)
    assert by_prefix.returncode == 0 and {json.loads(line)["source"] for line in by_prefix.stdout.splitlines()} \
        == {feed_source}
    unknown = svodka("list", "--source", "РИА", env_db=db)
    assert unknown.returncode == 1 and "no source 'РИА'" in unknown.stderr and feed_source in unknown.stderr


def test_list_json_gives_posts_the_analysis_rubric_and_language(tmp_path):
    db = str(tmp_path / "p.db")
    assert svodka("ingest", fixture("telegram_export_excerpt.jsonl"), env_db=db).returncode == 0
    posts = [json.loads(line) for line in svodka("list", "--json", "--kind", "post", env_db=db).stdout.splitlines()]
    assert posts and all(p["rubric"] and p["language"] == "ru" for p in posts)  # a post names neither itself
    missing = svodka("show", "nope", env_db=db)
    assert missing.returncode == 1 and "no article 'nope'" in missing.stderr


def test_source_names_a_page_dump(tmp_path):
    r = svodka("parse", str(SEED), "--json", "--source", "Пример.ру")
    assert json.loads(r.stdout)[0]["source"] == "Пример.ру"
    assert json.loads(svodka("parse", str(SEED), "--json").stdout)[0]["source"] == "page"


def test_stories_since_lists_only_stories_last_reported_within_the_span(served_db):
    from datetime import datetime, timedelta

    from svodka.link.linker import reference_time
    from svodka.store import open_store

    store = open_store(served_db)
    try:
        now = reference_time(store)
    finally:
        store.close()

    def stories(*args):
        r = svodka("stories", "--top", "100000", "--json", *args, db=served_db)
        assert r.returncode == 0, r.stderr
        return [json.loads(line) for line in r.stdout.splitlines()]

    every = stories()
    day = stories("--since", "24h")
    within = {s["id"] for s in every if abs(datetime.fromisoformat(s["last_at"]) - now) <= timedelta(hours=24)}
    assert day and len(within) < len(every)
    assert {s["id"] for s in day} == within
    assert all(now - timedelta(hours=24) <= datetime.fromisoformat(s["last_at"]) <= now + timedelta(hours=24)
               for s in day)
    # the seed page, dated months after the rest of the sample, is no story of the sample's last day
    seed = next(s for s in every if s["last_at"].startswith("2025-02-25"))
    assert seed["id"] not in {s["id"] for s in day}
