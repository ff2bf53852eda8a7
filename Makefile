# cqpilot — everything a fresh clone needs, from two commands: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CQPILOT := $(BIN)/python -m cqpilot.cli

# The suite runs on every core, one test file per worker at a time (a file's module fixtures,
# such as the authorization matrix's world, are built once); PYTEST_ARGS= runs it in one process.
PYTEST_ARGS ?= -n auto --dist loadfile

.PHONY: demo test test-postgres lint format bench install chromium constraints smoke

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# requirements/constraints.txt pins every package to the version the suite passed with, so that
# an install a year from now gets the same ones; `make constraints` moves them to the newest
# versions pyproject.toml allows (then run `make test` and commit the file).
$(VENV)/.installed: pyproject.toml requirements/constraints.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $@

constraints: | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade -e '.[dev]'
	{ sed -n '/^#/p' requirements/constraints.txt; $(BIN)/pip freeze --exclude-editable; } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt
	touch $(VENV)/.installed

install: $(VENV)/.installed

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installation de Chromium (tests navigateur)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

demo: install
	DEBUG=1 $(CQPILOT) migrate --noinput
	DEBUG=1 $(CQPILOT) load-demo
	@echo ""
	@echo "cqpilot tourne sur http://127.0.0.1:8000 (Ctrl+C pour arrêter)"
	@# The worker runs the background jobs (batch issuance); it stops with the server.
	DEBUG=1 $(CQPILOT) db_worker --verbosity 0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(CQPILOT) runserver 127.0.0.1:8000

test: install chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-postgres: install chromium
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/cqpilot} $(BIN)/python -m pytest $(PYTEST_ARGS)

# A production set-up on PostgreSQL (base cqpilot_smoke, recreated), walked over HTTP.
smoke: install
	$(BIN)/python .ci/smoke.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark runs, even after a missed target; the missed ones are listed and make fails.
bench: install
	missed=""; for script in $(filter-out benchmarks/child.py,$(wildcard benchmarks/*.py)); do \
		echo "== $$script"; $(BIN)/python $$script || missed="$$missed $$script"; done; \
	if [ -n "$$missed" ]; then echo "Cibles manquées :$$missed"; exit 1; fi
