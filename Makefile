# The two commands a newcomer needs: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SG := $(BIN)/scholargraph
DATA ?= ../shared/data
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install lock assets demo neo4j load analyze serve test lint bench bench-quick bench-s2and bench-identity bench-spark sdl clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# Every dependency is pinned in requirements.lock (a pip constraints file, all platforms): the
# same versions on every machine and in CI. `make lock` after changing pyproject.toml.
LOCK := requirements.lock
UV_VERSION := 0.13.8

install: $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c $(LOCK) -e '.[dev,leiden,spark]'
	$(SG) neo4j install
	$(SG) spark install

# Re-pins from pyproject.toml, keeping the current pins that still fit (UPGRADE=1: newest).
lock: $(BIN)/python
	$(BIN)/pip install -q 'uv==$(UV_VERSION)'
	$(BIN)/uv pip compile pyproject.toml --extra dev --extra leiden --extra spark --universal \
		--python-version 3.11 $(if $(UPGRADE),--upgrade) -q -o $(LOCK)

assets: api/static/vendor/VERSIONS api/static/vendor/cytoscape/VERSIONS
api/static/vendor/VERSIONS: tools/graphiql/package.json tools/graphiql/package-lock.json tools/graphiql/fetch.sh
	bash tools/graphiql/fetch.sh
# after the GraphiQL assets: their fetch replaces api/static/vendor/ as a whole
api/static/vendor/cytoscape/VERSIONS: api/static/vendor/VERSIONS tools/netviz/package.json tools/netviz/package-lock.json tools/netviz/fetch.sh
	bash tools/netviz/fetch.sh

neo4j: install assets
	$(SG) neo4j start
	$(SG) schema

SAMPLES := $(addprefix $(DATA)/,profile-page arxiv-api-atom arxiv-kaggle-snapshot openalex-works-api \
	s2-graph-api-paper aminer-dblp-v12 dblp-xml bibtex-iridia paperscape-arxiv-1991-1996)

# `load` exits 1 when some records were rejected and reported while every valid one loaded (the
# arXiv error feed in the samples is one, on purpose); any other non-zero code is a real failure
# (docs/loaders.md#exit-codes).
load: neo4j
	$(SG) load $(SAMPLES) --errors load-errors.jsonl; rc=$$?; test $$rc -eq 0 -o $$rc -eq 1

analyze: load
	$(SG) analyze --graph citation --algorithm pagerank --write --first 5
	$(SG) analyze --graph coauthorship --algorithm pagerank --write --first 5
	$(SG) analyze --graph coauthorship --algorithm leiden --write --first 5
	$(SG) novelty --write

demo: analyze
	$(SG) stats
	$(SG) serve --host $(HOST) --port $(PORT)

test: install assets
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy graph

# The @neo4j/graphql peer of the uncached benchmark (bench/peer, its own lock file).
bench/peer/node_modules: bench/peer/package.json bench/peer/package-lock.json
	cd bench/peer && npm ci --no-audit --no-fund
	touch $@

bench: install bench/peer/node_modules
	$(BIN)/python -m bench.run_all $(if $(UNCACHED_URI),--uncached-uri $(UNCACHED_URI))

bench-quick: install bench/peer/node_modules
	$(BIN)/python -m bench.run_all --quick

# Author identity: quality on the labelled sets through the writer, and what it costs the
# writers (clustering on vs off, side by side), docs/identity.md.
bench-identity: install
	$(BIN)/python -m bench.bench_identity
	$(BIN)/python -m bench.bench_identity_cost --papers 200000
	$(BIN)/python -m bench.clustering_scale --papers 400000
	$(BIN)/python -m bench.relink_sweep --papers 200000

# igraph vs Spark (GraphX) at 100k and 1M papers, per phase (docs/scale-out.md). SPARK_ARGS
# picks the corpora, e.g. SPARK_ARGS='--skip-1m'.
bench-spark: install
	$(BIN)/python -m bench.bench_spark $(SPARK_ARGS)

# S2AND side by side on the same labelled mentions, in its own venv (docs/identity.md).
bench-s2and: install
	bash bench/s2and/setup.sh
	$(BIN)/python -m bench.s2and.export_mentions
	bench/s2and/.venv/bin/python bench/s2and/run_s2and.py

clean:
	-$(SG) neo4j stop
	rm -rf .neo4j
