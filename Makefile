# Reglament — two commands: `make demo` serves the platform, `make test` runs every test.
VENV    ?= .venv
PYTHON  ?= python3
BIN      = $(VENV)/bin
STAMP    = $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 5000
PG_URL  ?= postgresql+psycopg://root@127.0.0.1:5432/test
# Debian packages: WeasyPrint's libraries and the PT fonts of the documents; poppler-utils and zbar-tools for their tests;
# wrk for bench/inbox.py.
DEB_PACKAGES ?= fonts-paratype fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 \
                poppler-utils zbar-tools chromium nodejs wrk
# The worklist's browser code (form-js, htmx) is bundled from npm into web/static/build/ (not committed).
ASSETS   = web/assets
BUILT    = web/static/build/.built

.PHONY: install system-packages assets translations migrate demo serve test lint bench clean

install: $(STAMP) $(BUILT)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

assets: $(BUILT)

$(BUILT): $(ASSETS)/package.json $(ASSETS)/build.mjs $(wildcard $(ASSETS)/src/*.js) | system-packages
	@command -v npm >/dev/null || apt-get install -y -q npm  # Debian's nodejs ships without npm (NodeSource's has it)
	cd $(ASSETS) && npm install --no-audit --no-fund --loglevel=error && npm run --silent build
	touch $(BUILT)

# Extract the messages (Russian source), update the English catalog and compile the committed .mo.
translations: install
	$(BIN)/python web/translations/update.py

system-packages:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then apt-get update -q && apt-get install -y -q $$missing; fi

migrate: install
	mkdir -p instance
	$(BIN)/reglament db upgrade

demo: install system-packages migrate
	$(BIN)/reglament deploy processes forms
	$(BIN)/reglament seed-demo
	@echo "Serving http://$(HOST):$(PORT)  (engine REST API: http://$(HOST):$(PORT)/engine-rest, Basic auth demo/demo)"
	$(BIN)/reglament serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .

# Every test: SQLite always, and PostgreSQL (127.0.0.1:5432, database `test`) whenever it answers.
test: install system-packages lint
	REGLAMENT_TEST_PG_URL=$(PG_URL) $(BIN)/pytest -n 2 -p no:cacheprovider

bench: install
	$(BIN)/python bench/engine.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache web/static/build $(ASSETS)/node_modules
