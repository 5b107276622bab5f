# The two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SG := $(BIN)/scholargraph
DATA ?= ../shared/data
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install assets demo neo4j load analyze serve test lint bench bench-quick sdl clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(SG) neo4j install

assets: api/static/vendor/VERSIONS
api/static/vendor/VERSIONS: tools/graphiql/package.json tools/graphiql/package-lock.json tools/graphiql/fetch.sh
	bash tools/graphiql/fetch.sh

neo4j: install assets
	$(SG) neo4j start
	$(SG) schema

demo: neo4j
	$(SG) stats

test: install assets
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy graph

clean:
	-$(SG) neo4j stop
	rm -rf .neo4j
