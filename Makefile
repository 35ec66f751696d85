# One command each, from a fresh clone: `make run` serves http://127.0.0.1:5580, `make test` tests.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: install run test lint browser worker bench chaos clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/hotline serve --with-worker

worker: install
	$(BIN)/hotline worker

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

browser:
	@scripts/ensure-browser

test: install browser lint
	$(BIN)/pytest -n 2

# Benchmarks and fault scenarios: never part of `make test`. PostgreSQL from DATABASE_URL (its
# tables are emptied); without it, SQLite and a message saying what was skipped.
bench: install
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } \
		|| echo "bench: webhooks.py needs wrk (Debian package wrk)" >&2
	$(BIN)/python bench/run_all.py

chaos: install
	$(BIN)/python -m chaos.run

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
