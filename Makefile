# The two commands a new machine needs: `make demo` (offline demo crawl into the
# embedded Postgres) and `make test` (the whole suite). Both do their own set-up.
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint

setup:
	@./scripts/bootstrap.sh

demo: setup
	$(BIN)/scrapy demo

test: setup
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check .
