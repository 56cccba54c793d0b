# Faire avec — two commands: `make run` (demo on http://127.0.0.1:5000) and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
FLASK  := $(BIN)/flask --app participation

.PHONY: run test lint install translations-extract translations-compile clean

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

## Lint, then the whole suite with coverage (browser tests skip without Chromium).
test: $(VENV)/.installed-test
	$(BIN)/ruff check participation tests
	$(BIN)/python -m pytest --cov=participation --cov-report=term

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
