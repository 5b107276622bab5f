"""The Spark engine (GraphX) against igraph on real graphs, in local mode: the Paperscape
citation and co-authorship graphs of 1991-94 (a fifth of the sample's citations: CI time) read
through the Neo4j connector, a filtered spec through the
project's export, the bulk-import CSV snapshot of the OpenAlex sample, and a write run's
provenance. One Spark session for the module (``local[2]``, 2 shuffle partitions).

Tolerance (docs/scale-out.md): GraphX PageRank run to convergence (``CONVERGED``) and divided
by the vertex count is igraph's (unweighted) PageRank within ``PAGERANK_TOLERANCE``, with the
same top 20. (After GraphX's default 20 rounds the scores are within the same tolerance but two
near-tied authors of the whole co-authorship graph can swap places.)"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from neo4j import Driver
from pyspark.sql import SparkSession

from graph.analytics.export import EdgeList, export_edges
from graph.analytics.runs import analyze as igraph_analyze
from graph.analytics.runs import compute as igraph_compute
from graph.analytics.runs import latest_runs
from graph.analytics.spark import engine
from graph.analytics.spark.session import install_connector, open_session
from graph.analytics.spark.sources import CsvSource, Neo4jSource
from graph.analytics.spec import GraphKind, GraphSpec
from graph.errors import InputError
from graph.settings import Neo4jSettings, SparkSettings
from tests.conftest import DATABASE, wipe

PAGERANK_TOLERANCE = 1e-6  # absolute, on igraph's scale (scores sum to 1)
CONVERGED = {"tolerance": 1e-9}  # GraphX runUntilConvergence, on its scale (ranks sum to n)
TOP = 20
YEARS = "199[1-4]"


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    settings = SparkSettings(master="local[2]", shuffle_partitions=2, driver_memory="1g")
    install_connector(settings)  # `make install` fetched it; a fresh checkout fetches it here
    session = open_session(settings, "scholargraph-tests")
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture(scope="module")
def paperscape(driver: Driver, data_dir: Path) -> Driver:
    """Paperscape 1991-94, loaded once for this module's tests."""
    from loaders.writer import load_paths

    wipe(driver)
    paths = sorted((data_dir / "paperscape-arxiv-1991-1996").glob(f"pscp-{YEARS}.csv"))
    load_paths(driver, DATABASE, paths, "paperscape")
    return driver


def _by_id(ids: list[str], values: np.ndarray[Any, Any]) -> dict[str, float]:
    return dict(zip(ids, values.tolist(), strict=True))


def _same_partition(a: dict[str, float], b: dict[str, float]) -> bool:
    """Equal partitions whatever the labels: the label pairs are a bijection."""
    pairs = {(a[k], b[k]) for k in a}
    return len(pairs) == len(set(a.values())) == len(set(b.values()))


def _top(scores: dict[str, float], n: int) -> list[str]:
    return sorted(scores, key=lambda k: (-scores[k], k))[:n]


def _same_top_up_to_ties(mine: dict[str, float], ref: dict[str, float], n: int) -> bool:
    """The same top n, where nodes igraph scores equally (symmetric stubs of a small graph)
    may come in either order: equal score sequences, and any node in one top n and not the
    other is tied with the last one."""
    a, b = _top(mine, n), _top(ref, n)
    scores_match = all(
        abs(mine[x] - ref[y]) < PAGERANK_TOLERANCE for x, y in zip(a, b, strict=True)
    )
    last = ref[b[-1]]
    return scores_match and all(abs(ref[x] - last) < 1e-12 for x in set(a) ^ set(b))


@pytest.mark.parametrize("kind", [GraphKind.CITATION, GraphKind.COAUTHORSHIP])
def test_paperscape_pagerank_and_components_equal_igraph(
    spark: SparkSession, paperscape: Driver, neo4j_settings: Neo4jSettings, kind: GraphKind
) -> None:
    spec = GraphSpec(kind)
    source = Neo4jSource(neo4j_settings, paperscape)
    data = source.read(spark, spec)
    try:
        nodes, pr, _ = engine.compute(spark, data, "pagerank", CONVERGED)
        _, cc, _ = engine.compute(spark, data, "components", {})
    finally:
        data.release()
    edges = export_edges(paperscape, DATABASE, spec)
    assert edges.edge_count > 20_000
    assert (data.node_count, data.edge_count) == (edges.node_count, edges.edge_count)
    assert sorted(nodes.node_ids) == sorted(edges.node_ids)
    mine = _by_id(nodes.node_ids, pr.values["pagerank"])
    ref = _by_id(edges.node_ids, igraph_compute(edges, "pagerank", {"weighted": False}).values[
        "pagerank"])  # fmt: skip
    assert _top(mine, TOP) == _top(ref, TOP)
    assert max(abs(mine[k] - ref[k]) for k in ref) < PAGERANK_TOLERANCE
    assert abs(sum(mine.values()) - 1.0) < 1e-9
    comp = _by_id(nodes.node_ids, cc.values["component"])
    ref_cc = _by_id(edges.node_ids, igraph_compute(edges, "components").values["component"])
    assert _same_partition(comp, ref_cc)
    assert cc.community_sizes == igraph_compute(edges, "components").community_sizes
    # largest first, as igraph numbers them
    assert sum(1 for v in comp.values() if v == 0) == cc.community_sizes[0]


def test_filtered_spec_goes_through_the_export(
    spark: SparkSession, paperscape: Driver, neo4j_settings: Neo4jSettings
) -> None:
    spec = GraphSpec(GraphKind.CITATION, year_from=1993, year_to=1994)
    outcome = engine.analyze(
        paperscape, DATABASE, spark, Neo4jSource(neo4j_settings, paperscape), spec,
        "triangles", top=5,
    )  # fmt: skip
    edges = export_edges(paperscape, DATABASE, spec)
    ref = igraph_compute(edges, "triangles")
    assert outcome.node_count == edges.node_count and outcome.edge_count == edges.edge_count
    expected = _by_id(edges.node_ids, ref.values["triangles"])
    assert [s.score for s in outcome.top["triangles"]] == sorted(expected.values())[::-1][:5]
    assert all(expected[s.id] == s.score for s in outcome.top["triangles"])
    assert outcome.parameters["engine"] == "spark"


def test_write_run_records_provenance_and_publishes(
    spark: SparkSession, paperscape: Driver, neo4j_settings: Neo4jSettings
) -> None:
    spec = GraphSpec(GraphKind.CITATION)
    phases: list[str] = []
    outcome = engine.analyze(
        paperscape, DATABASE, spark, Neo4jSource(neo4j_settings, paperscape), spec,
        "components", write=True, batch_size=5000, on_phase=phases.append,
    )  # fmt: skip
    assert phases == ["export", "algorithm", "write"]
    assert outcome.run_id and outcome.result_keys == {"component": "component"}
    run = latest_runs(paperscape, DATABASE, algorithm="components", limit=1)[0]
    assert run["id"] == outcome.run_id and run["status"] == "COMPLETE"
    assert run["parameters"]["engine"] == "spark" and run["parameters"]["source"] == "neo4j"
    assert run["node_count"] == outcome.node_count
    records, _, _ = paperscape.execute_query(
        "MATCH (p:Paper) RETURN p.id AS id, p.component AS c", database_=DATABASE
    )
    stored = {r["id"]: r["c"] for r in records}
    assert all(isinstance(c, int) for c in stored.values())
    edges = export_edges(paperscape, DATABASE, spec)
    ref = _by_id(edges.node_ids, igraph_compute(edges, "components").values["component"])
    assert _same_partition({k: float(v) for k, v in stored.items()}, ref)
    # the igraph engine writing the same key afterwards replaces the whole run
    again = igraph_analyze(paperscape, DATABASE, spec, "components", write=True)
    assert latest_runs(paperscape, DATABASE, algorithm="components", limit=1)[0]["id"] == (
        again.run_id
    )


def test_unsupported_algorithm_is_refused_before_any_work(
    spark: SparkSession, paperscape: Driver, neo4j_settings: Neo4jSettings
) -> None:
    before = len(latest_runs(paperscape, DATABASE, status=None, limit=1000))
    with pytest.raises(InputError, match="spark.*leiden|leiden.*spark"):
        engine.analyze(
            paperscape, DATABASE, spark, Neo4jSource(neo4j_settings, paperscape),
            GraphSpec(GraphKind.COAUTHORSHIP), "leiden", write=True,
        )  # fmt: skip
    assert len(latest_runs(paperscape, DATABASE, status=None, limit=1000)) == before


# -- the bulk-import CSV snapshot ---------------------------------------------------------------


@pytest.fixture(scope="module")
def snapshot(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The OpenAlex sample written as `bulk-import --keep-csv` writes it."""
    from cli.bulk import BulkResult, paper_rows
    from graph.bulk import write_csvs

    folder = tmp_path_factory.mktemp("snapshot")
    files = sorted((data_dir / "openalex-works-api").glob("*.json"))
    write_csvs(paper_rows(files, None, BulkResult(), None, workers=0), folder)
    return folder


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))[1:]


def _snapshot_edges(folder: Path, kind: GraphKind) -> EdgeList:
    """The same graph read from the CSV files with Python's csv module (the reference)."""
    spec = GraphSpec(kind)
    if kind is GraphKind.CITATION:
        w_to_id = {r[0]: r[1] for f in ("papers.csv", "stubs.csv")
                   for r in _csv_rows(folder / f)}  # fmt: skip
        cites = _csv_rows(folder / "cites.csv")
        ids = list(w_to_id.values())
        return EdgeList.from_ids(spec, ids, [w_to_id[a] for a, b in cites],
                                 [w_to_id[b] for a, b in cites])  # fmt: skip
    authors = [r[0] for r in _csv_rows(folder / "authors.csv")]
    by_paper: dict[str, set[str]] = {}
    for r in _csv_rows(folder / "authored.csv"):
        by_paper.setdefault(r[1], set()).add(r[0])
    pairs = sorted({(a, b) for group in by_paper.values() for a in group for b in group if a < b})
    return EdgeList.from_ids(spec, authors, [a for a, _ in pairs], [b for _, b in pairs],
                             [1] * len(pairs))  # fmt: skip


@pytest.mark.parametrize("kind", [GraphKind.CITATION, GraphKind.COAUTHORSHIP])
def test_csv_snapshot_source_equals_igraph_on_the_same_files(
    spark: SparkSession, snapshot: Path, kind: GraphKind
) -> None:
    data = CsvSource(snapshot).read(spark, GraphSpec(kind))
    try:
        nodes, pr, _ = engine.compute(spark, data, "pagerank", CONVERGED)
        _, cc, _ = engine.compute(spark, data, "components", {})
    finally:
        data.release()
    edges = _snapshot_edges(snapshot, kind)
    assert edges.edge_count > 0
    assert (data.node_count, data.edge_count) == (edges.node_count, edges.edge_count)
    mine = _by_id(nodes.node_ids, pr.values["pagerank"])
    ref = _by_id(edges.node_ids, igraph_compute(edges, "pagerank", {"weighted": False}).values[
        "pagerank"])  # fmt: skip
    assert _same_top_up_to_ties(mine, ref, TOP)
    assert max(abs(mine[k] - ref[k]) for k in ref) < PAGERANK_TOLERANCE
    comp = _by_id(nodes.node_ids, cc.values["component"])
    assert _same_partition(comp, _by_id(edges.node_ids, igraph_compute(edges, "components")
                                        .values["component"]))  # fmt: skip


def test_csv_snapshot_refuses_filtered_specs(spark: SparkSession, snapshot: Path) -> None:
    with pytest.raises(InputError, match="spark source"):
        CsvSource(snapshot).read(spark, GraphSpec(GraphKind.CITATION, year_from=2000))


# -- through the API (last: it shares the loaded graph) -----------------------------------------

RUN = """mutation($input: AnalysisInput!) { runAnalysis(input: $input) {
  id algorithm nodeCount edgeCount parameters resultKeys top { output nodes { id score } } } }"""


@pytest.mark.asyncio(loop_scope="session")
async def test_run_analysis_on_spark_through_the_api(
    spark: SparkSession, paperscape: Driver, neo4j_settings: Neo4jSettings
) -> None:
    from pydantic import SecretStr

    from api.app import create_app
    from graph.settings import AppSettings
    from tests.integration.api_helpers import app_client

    token = "spark-token-0123456789"
    variables = {"input": {"graph": "CITATION", "algorithm": "PAGERANK", "engine": "SPARK",
                           "yearFrom": 1994, "top": 5}}  # fmt: skip
    async for client in app_client(create_app(AppSettings(api_token=SecretStr(token)),
                                              neo4j_settings)):  # fmt: skip
        r = await client.post("/graphql", json={"query": RUN, "variables": variables},
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        body = r.json()
        assert "errors" not in body, body
        run = body["data"]["runAnalysis"]
        assert run["parameters"]["engine"] == "spark"
        spec = GraphSpec(GraphKind.CITATION, year_from=1994)
        edges = export_edges(paperscape, DATABASE, spec)
        ref = _by_id(edges.node_ids, igraph_compute(edges, "pagerank", {"weighted": False})
                     .values["pagerank"])  # fmt: skip
        top = run["top"][0]["nodes"]
        assert [n["id"] for n in top] == _top(ref, 5)
        assert run["nodeCount"] == edges.node_count
        key = run["resultKeys"][0]
        assert key.startswith("pagerank_")
        records, _, _ = paperscape.execute_query(
            "MATCH (r:AnalysisRun {id: $id}) RETURN r.status AS s", id=run["id"],
            database_=DATABASE,
        )  # fmt: skip
        assert records[0]["s"] == "COMPLETE"
        bad = dict(variables["input"], algorithm="LEIDEN")
        r = await client.post("/graphql", json={"query": RUN, "variables": {"input": bad}},
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        message = r.json()["errors"][0]["message"]
        assert "spark" in message and "leiden" in message


@pytest.mark.asyncio(loop_scope="session")
async def test_the_request_deadline_stops_a_spark_run(
    spark: SparkSession, paperscape: Driver, neo4j_settings: Neo4jSettings
) -> None:
    """A runAnalysis on Spark that outlives its mutation deadline is stopped inside the run:
    its Spark jobs are cancelled or no later phase starts, the answer is a TIMEOUT error, the
    run is FAILED and nothing is published."""
    from pydantic import SecretStr

    from api.app import create_app
    from graph.settings import AppSettings
    from tests.integration.api_helpers import app_client

    def runs_by_status() -> dict[str, int]:
        records, _, _ = paperscape.execute_query(
            "MATCH (r:AnalysisRun) RETURN r.status AS s, count(r) AS n", database_=DATABASE
        )
        return {r["s"]: r["n"] for r in records}

    before = runs_by_status()
    token = "spark-token-0123456789"
    variables = {"input": {"graph": "CITATION", "algorithm": "PAGERANK", "engine": "SPARK",
                           "top": 5}}  # fmt: skip
    settings = AppSettings(api_token=SecretStr(token), mutation_timeout=0.5)
    async for client in app_client(create_app(settings, neo4j_settings)):
        r = await client.post("/graphql", json={"query": RUN, "variables": variables},
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        (err,) = r.json()["errors"]
        assert err["extensions"]["code"] == "TIMEOUT", err
    after = runs_by_status()
    assert after.get("FAILED", 0) == before.get("FAILED", 0) + 1
    assert after.get("COMPLETE", 0) == before.get("COMPLETE", 0)
    assert after.get("RUNNING", 0) == before.get("RUNNING", 0) == 0
    staged, _, _ = paperscape.execute_query(
        "MATCH (p:Paper) WHERE any(k IN keys(p) WHERE k CONTAINS '__r') RETURN count(p) AS n",
        database_=DATABASE,
    )
    assert staged[0]["n"] == 0
