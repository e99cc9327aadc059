# The commands the README promises: `make demo`, `make serve` and `make test`.
# Each installs what it needs first, so a fresh clone needs nothing else.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FACES ?= ../shared/data/faces

.PHONY: install lock audit-deps assets browser demo serve test lint bench

# Every package comes from requirements.lock, checked against its hashes; the project
# itself is then installed offline (--no-index), which fails if pyproject.toml asks for
# something the lock does not hold. After changing a dependency: `make lock`.
$(BIN)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip==26.3
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-index --no-build-isolation -e '.[dev]' || \
	  { echo "error: requirements.lock lacks what pyproject.toml asks for; run make lock"; exit 1; }
	touch $@

install: $(BIN)/.installed

# The lock for Python 3.11 to 3.13 on every platform, from pyproject.toml's pins.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --generate-hashes --quiet -o requirements.lock

# Known vulnerabilities in the locked packages, from PyPI's advisory service. Where that
# service cannot be reached (this CI machine reaches only a package mirror) it says so.
audit-deps: install
	@first=$$(grep -m1 -oE '^[A-Za-z0-9_.-]+==[^ ;\\]+' requirements.lock); \
	if curl -sf -o /dev/null --max-time 10 "https://pypi.org/pypi/$${first%%==*}/$${first##*==}/json"; then \
	  $(BIN)/pip-audit --strict --disable-pip --require-hashes -r requirements.lock; \
	else echo "note: PyPI's vulnerability service is unreachable; dependency audit not run" \
	  "(make audit-deps where it is reachable)"; fi

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
	$(BIN)/lint-imports

# Two test processes (pytest-xdist; the race tests share one, see tests/conftest.py), branch
# coverage with its floor ([tool.coverage]), and the slowest tests at the end.
TEST_PROCESSES ?= 2
test: lint audit-deps assets browser
	$(BIN)/pytest -n $(TEST_PROCESSES) --dist loadgroup --durations=25 \
	  --cov --cov-report=term:skip-covered

bench: install
	$(BIN)/python bench/accuracy.py --faces $(FACES)
	$(BIN)/python bench/speed.py --faces $(FACES)
