# The commands the README promises: `make demo`, `make serve` and `make test`.
# Each installs what it needs first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FACES ?= ../shared/data/faces

.PHONY: install assets browser demo serve test lint bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# The US Web Design System for the pages, from npm into node_modules/ (ignored by git).
# Without it the pages are plain HTML and still work.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

assets: node_modules/.installed

# Debian's Chromium for the end-to-end browser test; installed only when missing and root.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "note: /usr/bin/chromium is missing; the browser test will be skipped" \
	    "(as root: apt-get install -y chromium)"; fi; \
	fi

demo: install
	$(BIN)/facedocket demo --faces $(FACES) --no-serve

# The demo, then the web pages on http://127.0.0.1:8000 with the demo users' passwords.
serve: install assets
	$(BIN)/facedocket demo --faces $(FACES)

lint: install
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/mypy

test: lint assets browser
	$(BIN)/pytest

bench: install
	$(BIN)/python bench/accuracy.py --faces $(FACES)
	$(BIN)/python bench/speed.py --faces $(FACES)
