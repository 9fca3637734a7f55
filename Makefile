# Two commands do all the set-up on a fresh machine with only Python 3.11+:
#   make run    install, migrate, load the demo town, serve with a Celery worker and beat
#               (DEBUG off, gunicorn + WhiteNoise, keys kept in var/; DEBUG=1 for runserver)
#   make test   install what the tests need and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run serve test lint messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $@

# Front-end packages (Bootstrap, ECharts) from the npm registry, checked against assets.lock.json.
var/vendor/.fetched: assets.lock.json scripts/fetch_assets.py | $(BIN)/python
	$(BIN)/python scripts/fetch_assets.py
	touch $@

install: $(STAMP) var/vendor/.fetched

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	HOST=$(HOST) PORT=$(PORT) BIN=$(BIN) bash scripts/run_dev.sh

test: install
	$(BIN)/python -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --ignore=.venv --ignore=var --ignore=tests
	$(BIN)/python scripts/compile_messages.py

clean:
	rm -rf $(VENV) var
