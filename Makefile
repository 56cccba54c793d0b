# Faire avec — two commands: `make run` (demo on http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
FLASK  := $(BIN)/flask --app participation

.PHONY: run serve-prod test lint install translations-extract translations-compile clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run

## Apply migrations, load the demo data if the database is empty, serve on $(PORT).
run: $(VENV)/.installed-run
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	@echo ""
	@echo "Faire avec : http://$(HOST):$(PORT)/"
	$(FLASK) run --host $(HOST) --port $(PORT)

## gunicorn (gunicorn.conf.py: WEB_CONCURRENCY workers) on PostgreSQL and Redis, as in
## production but over plain HTTP (no PARTICIPATION_PRODUCTION: secure cookies need
## HTTPS). Creates the database if missing, migrates, loads the demo if empty.
serve-prod: $(VENV)/.installed-run
	export PARTICIPATION_DATABASE_URL="$${PARTICIPATION_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/faireavec}"; \
	export PARTICIPATION_REDIS_URL="$${PARTICIPATION_REDIS_URL:-redis://127.0.0.1:6379/0}"; \
	$(FLASK) check-database --create && \
	$(FLASK) db upgrade && \
	$(FLASK) seed-demo --if-empty && \
	echo "" && echo "Faire avec (gunicorn) : http://$(HOST):$${PORT:-8000}/" && \
	exec env PORT=$${PORT:-8000} GUNICORN_BIND=$(HOST):$${PORT:-8000} $(BIN)/gunicorn -c gunicorn.conf.py

## Lint, then the whole suite with coverage (browser tests skip without Chromium).
test: $(VENV)/.installed-test
	$(BIN)/ruff check participation tests
	$(BIN)/python -m pytest --cov=participation --cov-report=term

## Benchmarks S1–S5 (BENCHMARKS.md): BENCH_SCALE=small (default, a few minutes) or
## full (the real run, on a quiet machine); BENCH_DATABASES=sqlite,postgresql.
## Installs wrk with apt-get if missing; PostgreSQL gets its own faireavec_bench
## database, dropped afterwards. Prints the table (BENCH_OUTPUT=FILE saves it).
.PHONY: bench
bench: $(VENV)/.installed-run
	$(BIN)/python -m bench.run

lint: $(VENV)/.installed-test
	$(BIN)/ruff check participation tests
	$(BIN)/ruff format --check participation tests
	$(BIN)/bandit -q -ll -r participation

## Re-extract the French msgids (--ignore-dirs: Babel skips _partials/ and _macros/
## by default) and merge them into each catalogue; then translate and compile.
translations-extract: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* __pycache__' \
		--project='Faire avec' \
		-o participation/translations/messages.pot .
	$(BIN)/pybabel update -i participation/translations/messages.pot -d participation/translations --no-fuzzy-matching

translations-compile: $(VENV)/.installed-run
	$(BIN)/pybabel compile -d participation/translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov
