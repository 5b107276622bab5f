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

SAMPLES := $(addprefix $(DATA)/,profile-page arxiv-api-atom arxiv-kaggle-snapshot openalex-works-api \
	s2-graph-api-paper aminer-dblp-v12 dblp-xml bibtex-iridia paperscape-arxiv-1991-1996)

# Exit code 1 from `load` means some records were rejected and reported (the arXiv error feed
# in the samples is one, on purpose); anything above 1 is a real failure.
load: neo4j
	$(SG) load $(SAMPLES) --errors load-errors.jsonl; test $$? -le 1

analyze: load
	$(SG) analyze --graph citation --algorithm pagerank --write --top 5
	$(SG) analyze --graph coauthorship --algorithm pagerank --write --top 5
	$(SG) analyze --graph coauthorship --algorithm leiden --write --top 5

demo: analyze
	$(SG) stats
	$(SG) serve --host $(HOST) --port $(PORT)

test: install assets
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy graph

bench: install
	$(BIN)/python -m bench.run_all

bench-quick: install
	$(BIN)/python -m bench.run_all --quick

clean:
	-$(SG) neo4j stop
	rm -rf .neo4j
