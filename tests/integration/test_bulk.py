"""The bulk path (neo4j-admin import of CSVs) gives the same graph as the transactional writer.

Two fresh local servers (own temp folders, free ports): one filled by ``bulk-import``'s code
path, one by ``load_paths``; the same synthetic OpenAlex corpus (~2k papers) goes into both.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from neo4j import Driver, GraphDatabase

from bench.synth import SynthConfig, write_corpus
from cli.bulk import run_bulk_import
from graph.bulk import BulkImportError
from graph.schema import apply_schema
from graph.server import LocalNeo4j, free_port
from graph.settings import LocalServerSettings
from graph.stats import graph_stats
from loaders.writer import load_paths

DB = "neo4j"
#: Every node of the model (the writers' stamp, ``graph.stamp``, is bookkeeping of the
#: transactional writer: a random value per batch).
NODES = "MATCH (n) WHERE NOT n:WriteStamp RETURN labels(n)[0] AS label, properties(n) AS props"
RELS = "MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS src, b.id AS dst, properties(r) AS props"


def _server(root: Path, name: str) -> LocalNeo4j:
    local = LocalServerSettings()
    return LocalNeo4j(
        root / name, cache_dir=local.home / "cache", version=local.version, port=free_port(),
        heap="512m", pagecache="128m",
    )  # fmt: skip


def _work(w: str, people: list[tuple[str | None, str]], title: str | None = None) -> bytes:
    return orjson.dumps({
        "id": f"https://openalex.org/{w}", "title": title or f"Work {w}", "publication_year": 2020,
        "ids": {"openalex": f"https://openalex.org/{w}"}, "referenced_works": [],
        "authorships": [
            {"author": {"id": a and f"https://openalex.org/{a}", "display_name": n},
             "raw_author_name": n} for a, n in people
        ],
    })  # fmt: skip


KE_LI = [  # (work, authorships, title)
    ("W990000011", [(None, "Ke Li"), ("A990000021", "Hugo Touvron")], "Language model scaling"),
    ("W990000012", [("A990000021", "Hugo Touvron"), (None, "Ke Li")], "Language model tuning"),
    ("W990000013", [(None, "Ke Li"), ("A990000022", "Qingfu Zhang")], "Evolutionary search"),
    ("W990000014", [(None, "K. Li"), ("A990000022", "Qingfu Zhang")], "Decomposition methods"),
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("synth")
    out = folder / "synth-2k.jsonl.gz"
    write_corpus(SynthConfig(papers=2000, seed=11), out)
    # an authorship without an author id (name-only) whose co-author wrote with Jane Doe
    extra = folder / "name-only.jsonl"
    extra.write_bytes(
        _work("W990000001", [("A990000001", "Jane Doe"), ("A990000002", "Carl Roe")]) + b"\n"
        + _work("W990000002", [(None, "J. Doe"), ("A990000003", "C. Roe")]) + b"\n"
        # two people printed "Ke Li", name-only: clustered by their co-authors, not by name
        + b"".join(_work(w, team, title) + b"\n" for w, team, title in KE_LI)
    )  # fmt: skip
    return [out, extra]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalNeo4j, LocalNeo4j]]:
    root = tmp_path_factory.mktemp("bulk")
    bulk, tx = _server(root, "bulk"), _server(root, "tx")
    try:
        yield bulk, tx
    finally:
        bulk.stop()
        tx.stop()
        shutil.rmtree(root, ignore_errors=True)


def _driver(server: LocalNeo4j) -> Driver:
    return GraphDatabase.driver(server.uri, auth=None, notifications_min_severity="OFF")


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _graph(driver: Driver) -> tuple[set[Any], set[Any]]:
    nodes, _, _ = driver.execute_query(NODES, database_=DB)
    rels, _, _ = driver.execute_query(RELS, database_=DB)
    return (
        {(r["label"], _freeze(r["props"])) for r in nodes},
        {(r["type"], r["src"], r["dst"], _freeze(r["props"])) for r in rels},
    )


@pytest.fixture(scope="module")
def loaded(
    corpus: list[Path], servers: tuple[LocalNeo4j, LocalNeo4j]
) -> Iterator[tuple[Driver, Driver, Any]]:
    bulk, tx = servers
    result = run_bulk_import(bulk, corpus)
    tx.start()
    with _driver(bulk) as bulk_driver, _driver(tx) as tx_driver:
        apply_schema(tx_driver, DB)
        load_paths(tx_driver, DB, corpus)
        yield bulk_driver, tx_driver, result


def test_bulk_import_counts_equal_transactional(loaded: tuple[Driver, Driver, Any]) -> None:
    bulk_driver, tx_driver, result = loaded
    stats = graph_stats(bulk_driver, DB)
    assert stats == graph_stats(tx_driver, DB)
    assert stats == result.stats
    assert stats["nodes"]["Paper"] - stats["stub_papers"] == 2002 + len(KE_LI)
    assert stats["relationships"]["CITES"] > 10_000
    # field membership: every category link and its ancestors, written by both writers
    assert stats["relationships"]["IN_FIELD"] >= stats["relationships"]["IN_CATEGORY"] > 0
    assert stats["stub_papers"] > 0
    assert result.parse_errors == 0


def test_bulk_import_same_ids_and_properties(loaded: tuple[Driver, Driver, Any]) -> None:
    """Every node with every property and every relationship with its properties is equal
    (computed metrics included: both ran ``refresh_metrics``)."""
    bulk_driver, tx_driver, _ = loaded
    bulk_nodes, bulk_rels = _graph(bulk_driver)
    tx_nodes, tx_rels = _graph(tx_driver)
    assert bulk_nodes == tx_nodes
    assert bulk_rels == tx_rels
    # IN_FIELD is part of that equality, and both are the hierarchy walk's closure
    walked, _, _ = bulk_driver.execute_query(
        "MATCH (p:Paper)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category) "
        "RETURN DISTINCT p.id AS p, c.id AS c",
        database_=DB,
    )
    in_field = {(src, dst) for kind, src, dst, _ in bulk_rels if kind == "IN_FIELD"}
    assert in_field == {(r["p"], r["c"]) for r in walked}
    assert len(in_field) > len([r for r in bulk_rels if r[0] == "IN_CATEGORY"])


def test_bulk_import_links_name_only_authorships_by_coauthor(
    loaded: tuple[Driver, Driver, Any],
) -> None:
    for driver in loaded[:2]:
        records, _, _ = driver.execute_query(
            "MATCH (a:Author)-[r:AUTHORED]->(:Paper {openalex_id: 'W990000002'}) "
            "RETURN r.position AS pos, coalesce(a.openalex_id, a.id) AS id",
            database_=DB,
        )
        assert {r["pos"]: r["id"] for r in records} == {1: "A990000001", 2: "A990000003"}


def test_both_writers_cluster_name_only_authorships_by_evidence(
    loaded: tuple[Driver, Driver, Any],
) -> None:
    """Same clusters from both paths (the equality test above compares every node and
    relationship, cluster profiles included); here: which works share a name-only node."""
    works = [w for w, _team, _title in KE_LI]
    for driver in loaded[:2]:
        records, _, _ = driver.execute_query(
            "UNWIND $works AS w MATCH (a:Author)-[:AUTHORED]->(:Paper {openalex_id: w}) "
            "WHERE a.id STARTS WITH 'name:' RETURN w, a.id AS author, a.cluster_profile AS p",
            works=works, database_=DB,
        )  # fmt: skip
        node = {r["w"]: r["author"] for r in records}
        assert set(node) == set(works) and all(r["p"] for r in records)
        # the two works of each team share a node; the two teams do not
        assert node[works[0]] == node[works[1]] != node[works[2]] == node[works[3]]


def test_bulk_import_applies_schema(loaded: tuple[Driver, Driver, Any]) -> None:
    bulk_driver, _, _ = loaded
    names, _, _ = bulk_driver.execute_query("SHOW CONSTRAINTS YIELD name", database_=DB)
    assert "paper_id_unique" in {r["name"] for r in names}


def test_bulk_import_refuses_a_non_empty_database(
    loaded: tuple[Driver, Driver, Any], corpus: list[Path], servers: tuple[LocalNeo4j, LocalNeo4j]
) -> None:
    bulk, _ = servers
    before = graph_stats(loaded[0], DB)
    with pytest.raises(BulkImportError, match="only fills an empty"):
        run_bulk_import(bulk, corpus)
    assert graph_stats(loaded[0], DB) == before  # nothing was touched


def test_bulk_import_refuses_other_formats(
    data_dir: Path, servers: tuple[LocalNeo4j, LocalNeo4j]
) -> None:
    bulk, _ = servers
    sample = next((data_dir / "paperscape-arxiv-1991-1996").glob("pscp-1991.csv"))
    with pytest.raises(BulkImportError, match="openalex only"):
        run_bulk_import(bulk, [sample])
