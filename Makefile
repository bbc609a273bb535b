# Party Portal. `make run` for the demo, `make test` for the suite; see README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV := DEBUG=true

.PHONY: run install tools test test-fast lint format migrations-check messages messages-check collectstatic clean \
        bench lighthouse load cluster scale

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# The page-quality tools of package.json (axe-core, the Nu Html Checker, Lighthouse), when npm
# is there; without them the quality tests say they skipped. --ignore-scripts: vnu-jar's
# install script would download a Java runtime of its own.
NPM := $(shell command -v npm 2>/dev/null)
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

tools: $(if $(NPM),node_modules/.installed)

run: install
	$(DEV) $(BIN)/python manage.py migrate --verbosity 0
	$(DEV) $(BIN)/python manage.py seed_demo
	@echo "Serving http://127.0.0.1:8000 (stop with Ctrl-C)"
	$(DEV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install tools
	$(BIN)/pytest -rfEs $(PYTEST_ARGS)

# Provincial scale, speed and robustness; none of these is part of `make test` (see README).
# The database must exist (createdb). The tenth for `make bench`'s growth columns:
#   createdb -h 127.0.0.1 -U postgres scale01
#   make scale SCALE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale01 SCALE_ARGS="--scale 0.1"
SCALE_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scale

scale: install
	DATABASE_URL=$(SCALE_DATABASE_URL) $(DEV) $(BIN)/python manage.py migrate --verbosity 0
	DATABASE_URL=$(SCALE_DATABASE_URL) $(DEV) $(BIN)/python manage.py seed_scale $(SCALE_ARGS)

# bench's writer saves members and marks lessons learned in BENCH_DATABASE_URL: point it at a
# copy (createdb -T scale scale_bench) to keep the scale data as seeded. The growth columns
# come from SCALE01_DATABASE_URL; bench/run.py skips them when that database does not exist.
BENCH_DATABASE_URL ?= $(SCALE_DATABASE_URL)
SCALE01_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/scale01

bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/run.py \
		--compare-url=$(SCALE01_DATABASE_URL) $(BENCH_ARGS)

lighthouse: install tools
	$(BIN)/python scripts/lighthouse.py

# The write mix: make load LOAD_ARGS="--writer --no-seed --database-url postgres://…/scale_bench"
load: install
	$(BIN)/python bench/load.py $(LOAD_ARGS)

cluster: install
	$(BIN)/python scripts/cluster.py

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
	rm -rf $(VENV) node_modules db.sqlite3 media staticfiles .test-media
