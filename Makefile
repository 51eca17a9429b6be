# ncasite: `make run` serves the demo site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-lock
DEV_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-true}
MANAGE := $(DEV_ENV) $(BIN)/python manage.py

.PHONY: install run test lint format bench lock clean

install: $(INSTALLED)

$(INSTALLED): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	touch $@

run: install
	mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	$(MANAGE) ensure_editor
	@echo "Serving http://127.0.0.1:8000/ with a task worker; press Ctrl-C to stop both."
	@$(MANAGE) db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

# The HTML and browser checks need Node's tools (npm) and Chromium; without them they skip.
test: install
	@if command -v npm >/dev/null && [ ! -d node_modules/axe-core ]; then npm ci --no-audit --no-fund; fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks (see bench/README.md); use DATABASE_URL=postgres://... for figures that matter.
bench: install
	$(BIN)/python bench/http.py
	$(BIN)/python bench/send_issue.py
	@if [ -n "$$DATABASE_URL" ]; then $(BIN)/python bench/scale.py; else echo "bench/scale.py needs DATABASE_URL (PostgreSQL)"; fi

# Regenerate requirements.lock from requirements.in (needs the package index).
lock:
	$(PYTHON) -m venv var/lock-tools
	var/lock-tools/bin/pip install --quiet pip-tools
	var/lock-tools/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
		-o requirements.lock requirements.in

clean:
	rm -rf $(VENV) var
