# Sociale kaart: the two commands that matter are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test i18n i18n-compile test-realdata test-postgres setup data init bench-routing bench-transit bench-streets bench-search bench-gaps load backup restore clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP) i18n-compile

# the participant's languages: compile the gettext catalogues (the .mo files are not committed)
i18n-compile: $(STAMP)
	@$(VENV)/bin/pybabel compile -d app/locale -D messages

# after changing a Dutch text in a template: extract it, merge into each language's .po, compile
i18n: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg --no-location --sort-output -k _ -k gettext -o app/locale/messages.pot .
	$(VENV)/bin/pybabel update -i app/locale/messages.pot -d app/locale -D messages --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d app/locale -D messages --statistics

data: setup
	$(VENV)/bin/sk data

init: data
	$(VENV)/bin/sk init

run: init
	$(VENV)/bin/sk serve --host 127.0.0.1 --port 8000

test: setup
	$(PY) -m pytest -q
ifeq ($(CI),true)
	$(PY) -m pytest -q -m realdata --realdata
	SK_TEST_DATABASE_URL=$(PG_URL) $(PY) -m pytest -q -m "not browser" --ignore=tests/routing --ignore=tests/geo
endif

test-realdata: setup
	$(PY) -m pytest -q -m realdata --realdata

test-postgres: setup
	SK_TEST_DATABASE_URL=$(PG_URL) $(PY) -m pytest -q

bench-routing: data
	$(PY) scripts/bench_routing.py

bench-transit: setup
	$(PY) scripts/bench_transit.py

bench-gaps: data
	$(PY) scripts/bench_gaps.py

bench-streets: data
	$(PY) scripts/bench_streets.py

bench-search: data
	$(PY) scripts/bench_search.py

DATABASE ?= sqlite
load: data
	$(PY) scripts/load_test.py --database $(DATABASE)

backup: setup
	$(VENV)/bin/sk backup $(FILE)

restore: setup
	@test -n "$(FILE)" || (echo "usage: make restore FILE=data/backups/..." >&2; exit 2)
	$(VENV)/bin/sk restore --yes $(FILE)

clean:
	rm -rf $(VENV) data/source data/geo data/networks data/*.db*
