# The two commands: `make run` and `make test`. Everything else is a step of theirs.
VENV   ?= .venv
PYTHON ?= python3
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
FLASK  := $(VENV)/bin/flask --app roadmap
HOST   ?= 127.0.0.1
PORT   ?= 5000
CATALOGS := $(wildcard roadmap/translations/*/LC_MESSAGES/messages.po)

.PHONY: run test install install-test system-deps translations extract-messages \
        update-catalogs migrate demo test-fast clean

run: install translations migrate demo ## set up everything and serve on http://127.0.0.1:5000 (web + worker)
	ROADMAP_SECURE_COOKIES=$${ROADMAP_SECURE_COOKIES:-0} FLASK=$(VENV)/bin/flask HOST=$(HOST) PORT=$(PORT) \
	  scripts/serve-dev.sh

test: install-test system-deps translations ## install what the tests need and run the whole suite
	$(VENV)/bin/pytest

test-fast: install-test translations ## the suite without the browser tests
	$(VENV)/bin/pytest -m "not browser"

$(VENV)/bin/activate:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: $(VENV)/bin/activate pyproject.toml
	$(PIP) install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

system-deps: ## Debian's Chromium and Noto fonts for the browser tests, when missing
	scripts/system-deps.sh

translations: install ## compile the ar/fr/en catalogues
	$(VENV)/bin/pybabel -q compile -d roadmap/translations

extract-messages: install ## refresh messages.pot and merge it into the catalogues
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -o roadmap/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i roadmap/translations/messages.pot -d roadmap/translations --no-fuzzy-matching
	$(PY) scripts/fill-english-catalogue.py roadmap/translations/en/LC_MESSAGES/messages.po

migrate: install
	$(FLASK) db upgrade

demo: install
	$(FLASK) demo

clean:
	rm -rf $(VENV) .pytest_cache test-results
