"""The DEV posts labelled by reading (eval/data/rubric_posts_*.jsonl): the posts trained on are never the posts
scored or tuned on, and every label is a rubric."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from svodka.understand.rubric import RUBRICS

DATA = Path(__file__).resolve().parent.parent / "eval" / "data"
FILES = {"held out": "rubric_posts_dev.jsonl", "tuning": "rubric_posts_tune_dev.jsonl",
         "training": "rubric_posts_train_dev.jsonl", "more training": "rubric_posts_train2_dev.jsonl"}
TRAINING = ("training", "more training")


def read(name: str) -> list[dict]:
    path = DATA / FILES[name]
    if not path.exists():
        pytest.skip(f"{path.name} absent")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_the_slices_share_no_post():
    ids = {name: [r["id"] for r in read(name)] for name in FILES}
    for name, got in ids.items():
        assert len(got) == len(set(got)), name
    for train in TRAINING:
        assert not set(ids[train]) & set(ids["held out"])
        assert not set(ids[train]) & set(ids["tuning"])
    assert not set(ids["training"]) & set(ids["more training"])
    assert not set(ids["held out"]) & set(ids["tuning"])


def test_labels_are_rubrics():
    for name in FILES:
        assert {r["label"] for r in read(name)} <= set(RUBRICS), name


def test_training_titles_are_not_held_out_titles():
    # a cross-post of a held-out post under another id would leak it
    held = {r["title"] for name in ("held out", "tuning") for r in read(name)}
    for train in TRAINING:
        assert not {r["title"] for r in read(train)} & held, train
