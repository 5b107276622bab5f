"""The relink sweep after a bulk import (``graph.ingest.link_by_coauthor_everywhere``): group
by group, its decisions in a worker process while the next group is read, it moves exactly the
authorships that one reading and deciding of every blocking key at once moves.

One fresh local server holds a synthetic OpenAlex corpus with a fifth of its authorships
name-only, imported by the bulk path's CSVs and ``neo4j-admin`` without the sweep.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from neo4j import Driver, GraphDatabase

from bench.synth import SynthConfig, write_corpus
from cli.bulk import BulkResult, paper_rows
from graph import ingest_queries as q
from graph.author_clustering import Rule
from graph.author_links import decide_relink, read_relink
from graph.bulk import import_offline, write_csvs
from graph.ingest import _packed, link_by_coauthor_everywhere
from graph.schema import apply_schema
from graph.server import LocalNeo4j, free_port
from graph.settings import LocalServerSettings

DB = "neo4j"
BATCH = 40  # small groups: the sweep reads, decides and writes many of them, overlapped
MOVED = """
MATCH (a:Author)-[r:AUTHORED]->(p:Paper) WHERE r.match_rule = $rule
RETURN p.id AS paper, a.id AS author, r.match_score AS score
"""


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    root = tmp_path_factory.mktemp("sweep")
    corpus = root / "synth.jsonl"
    write_corpus(SynthConfig(papers=1500, seed=5, p_name_only=0.2), corpus)
    local = LocalServerSettings()
    server = LocalNeo4j(
        root / "neo4j", cache_dir=local.home / "cache", version=local.version, port=free_port(),
        heap="512m", pagecache="128m",
    )  # fmt: skip
    try:
        server.start()
        csvs = write_csvs(paper_rows([corpus], None, BulkResult(), None, workers=0), root / "csv")
        import_offline(server, csvs, DB)
        with GraphDatabase.driver(
            server.uri, auth=None, notifications_min_severity="OFF"
        ) as driver:
            apply_schema(driver, DB)
            yield driver
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_the_sweep_moves_what_deciding_every_key_at_once_moves(imported: Driver) -> None:
    driver = imported
    records, _, _ = driver.execute_query(q.ALL_NAME_ONLY_AUTHORSHIPS, database_=DB)
    items = {(r["author"], r["paper"]): r["key"] for r in records}
    by_key: dict[str, dict[tuple[str, str], str]] = {}
    for item, key in items.items():
        by_key.setdefault(key, {})[item] = key
    assert len(list(_packed(by_key, BATCH))) > 10  # many groups, overlapped
    with driver.session(database=DB) as session:
        reads = session.execute_read(read_relink, items)
    assert reads is not None
    want = {(m["paper"], m["strong"], m["match_score"]) for m in decide_relink(reads)}
    assert len(want) > 20  # the corpus gives the sweep work

    assert link_by_coauthor_everywhere(driver, DB, batch=BATCH) == len(want)
    moved, _, _ = driver.execute_query(MOVED, rule=Rule.RELINKED, database_=DB)
    assert {(r["paper"], r["author"], r["score"]) for r in moved} == want
