# Reglament — two commands: `make demo` serves the platform, `make test` runs every test.
VENV    ?= .venv
PYTHON  ?= python3
BIN      = $(VENV)/bin
STAMP    = $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 5000
PG_URL  ?= postgresql+psycopg://root@127.0.0.1:5432/test
# Debian packages: WeasyPrint's libraries and the PT fonts of the documents; poppler-utils and zbar-tools for their tests.
DEB_PACKAGES ?= fonts-paratype fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 \
                poppler-utils zbar-tools

.PHONY: install system-packages migrate demo serve test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(STAMP)

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
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
