# digests: `make run` serves the demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
PORT ?= 8000
export PORT

.PHONY: run dev test lint check setup clean bench bench-smoke bench-search bench-soak bench-mail browser-tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

setup: $(VENV)/.installed
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) collectstatic --noinput --verbosity 0
	$(MANAGE) load_demo
	$(MANAGE) ensure_editor --url http://127.0.0.1:$(PORT)/admin/

## Serve the demo site with gunicorn + whitenoise, DEBUG off, on http://127.0.0.1:$(PORT),
## with a task worker beside it (newsletter deliveries, mail); Ctrl-C stops both.
run: setup
	@echo "Serving on http://127.0.0.1:$(PORT)/ with a task worker (Ctrl-C stops both)"
	@DJANGO_DEBUG=0 $(MANAGE) worker & worker=$$!; \
	trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DJANGO_DEBUG=0 $(BIN)/gunicorn config.wsgi -c config/gunicorn.conf.py

## Development server with DEBUG on and auto-reload
dev: setup
	DJANGO_DEBUG=1 $(MANAGE) runserver 127.0.0.1:$(PORT)

## The whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL)
test: $(VENV)/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## Test-time tools from the npm registry, into var/node (git-ignored): axe-core
## (accessibility rules, MPL-2.0, used unmodified) and vnu-jar (the Nu Html Checker, MIT;
## needs Java). --ignore-scripts: vnu-jar's install script would download a Java; we use the system's.
browser-tools:
	@command -v npm >/dev/null || { echo "npm is needed: apt-get install npm"; exit 1; }
	npm install --prefix var/node --no-audit --no-fund --ignore-scripts --silent axe-core@4 vnu-jar@26

lint: $(VENV)/.installed
	$(BIN)/ruff check .

check: $(VENV)/.installed
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

clean:
	rm -rf $(VENV) var

## Load benchmark (real gunicorn + wrk, SQLite and PostgreSQL); writes bench/RESULTS.md
bench: $(VENV)/.installed
	@command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/run.py

## A few seconds of the benchmark on small data (CI runs this)
bench-smoke: $(VENV)/.installed
	$(BIN)/python bench/run.py --smoke
	$(BIN)/python bench/search.py --smoke
	$(BIN)/python bench/soak.py --smoke
	$(BIN)/python bench/mail.py --smoke

## Search at 25,000 papers, in-process, SQLite and PostgreSQL; writes bench/SEARCH_RESULTS.md
bench-search: $(VENV)/.installed
	$(BIN)/python bench/search.py

## One issue to 100,000 subscribers through the task queue and a local SMTP sink,
## embedded (SQLite) and production (PostgreSQL + Redis); writes bench/MAIL_RESULTS.md
bench-mail: $(VENV)/.installed
	$(BIN)/python bench/mail.py

## Readers and commenters together for 10 minutes (wrk + bench/soak.lua); writes bench/SOAK_RESULTS.md
bench-soak: $(VENV)/.installed
	@command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 1; }
	$(BIN)/python bench/soak.py
