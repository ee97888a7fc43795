PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DB ?= svodka.db
SAMPLE := svodka/sample/seed_page.txt svodka/sample/telegram_news.jsonl

.PHONY: run test install sample bench eval clean

run: $(VENV)/.installed
	# event vectors: the ones the sample ships (svodka/sample/event_vectors.npz, when present), none made here;
	# `svodka relink` makes the rest (~5 min for the sample)
	SVODKA_EVENT_VECTORS=known $(BIN)/svodka --db $(DB) ingest --source "Новостной сайт (пример)" $(SAMPLE)
	$(BIN)/svodka --db $(DB) stories --top 5
	$(BIN)/svodka --db $(DB) serve --host 127.0.0.1 --port 8000

test: $(VENV)/.installed
	$(BIN)/python -m pytest

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

bench: $(VENV)/.installed
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) $(DB) $(DB)-wal $(DB)-shm $(DB).linker
