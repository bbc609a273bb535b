# Party Portal. `make run` for the demo, `make test` for the suite; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := DEBUG=true

.PHONY: run install test test-fast lint format migrations-check messages messages-check collectstatic clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(DEV) $(BIN)/python manage.py migrate --verbosity 0
	$(DEV) $(BIN)/python manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000 (stop with Ctrl-C)"
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	$(BIN)/pytest -rfEs $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) migrations-check

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(DEV) $(BIN)/python manage.py makemigrations --check --dry-run

# Rebuild both catalogues from the code and templates, then compile them (needs gettext).
messages: install
	$(DEV) $(BIN)/python manage.py makemessages --locale zh_Hans --locale en --no-obsolete --ignore '.venv/*' --ignore 'tests/*'
	$(BIN)/python scripts/fill_english_catalogue.py
	$(DEV) $(BIN)/python manage.py compilemessages --ignore '.venv/*'

collectstatic: install
	$(BIN)/python manage.py collectstatic --noinput

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .test-media
