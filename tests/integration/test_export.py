"""`scholargraph export` files carry what Neo4j holds: names/titles, years, counts, the latest
COMPLETE analysis values and communities, read back with networkx (and the CSV with csv)."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest
from neo4j import Driver
from typer.testing import CliRunner

from cli.main import app
from graph.analytics.runs import analyze
from graph.analytics.spec import GraphKind, GraphSpec
from graph.settings import Neo4jSettings
from tests.conftest import DATABASE
from tests.integration.test_analytics import CATEGORIES, CITES, PAPERS, SETUP, STUB

NAMES = "MATCH (a:Author) SET a.name = 'Author ' + toUpper(a.id)"
TRUTH = {
    "citation": """
MATCH (n:Paper)
RETURN n.id AS id, n.title AS label, n.year AS year,
       CASE WHEN n.stub THEN 0 ELSE 1 END AS paper_count,
       COUNT { (n)<-[:CITES]-(:Paper) } AS citations, n.pagerank AS pagerank
""",
    "coauthorship": """
MATCH (n:Author)-[:AUTHORED]->(p:Paper)
WITH n, min(p.year) AS year, count(p) AS paper_count,
     sum(COUNT { (p)<-[:CITES]-(:Paper) }) AS citations
RETURN n.id AS id, n.name AS label, year, paper_count, citations, n.community AS community
""",
}


@pytest.fixture()
def analysed(db: Driver) -> Driver:
    """The small graph of test_analytics, authors named, PageRank and Leiden written."""
    db.execute_query(
        SETUP,
        cats=[{"id": c, "parent": p} for c, p in CATEGORIES.items()],
        papers=[
            {"id": k, "year": y, "cat": c, "venue": v, "authors": a}
            for k, (y, c, v, a) in PAPERS.items()
        ],
        stub=STUB,
        cites=[list(e) for e in CITES],
        database_=DATABASE,
    )
    db.execute_query(NAMES, database_=DATABASE)
    analyze(db, DATABASE, GraphSpec(GraphKind.CITATION), "pagerank", write=True)
    analyze(db, DATABASE, GraphSpec(GraphKind.COAUTHORSHIP), "leiden", write=True)
    return db


def _truth(driver: Driver, graph: str) -> dict[str, dict[str, object]]:
    records, _, _ = driver.execute_query(TRUTH[graph], database_=DATABASE)
    return {r["id"]: r.data() for r in records}


def _export(
    monkeypatch: pytest.MonkeyPatch, settings: Neo4jSettings, graph: str, fmt: str, out: Path
) -> None:
    monkeypatch.setenv("NEO4J_URI", settings.uri)
    monkeypatch.setenv("NEO4J_DATABASE", settings.database)
    result = CliRunner().invoke(app, ["export", "-g", graph, "-f", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
@pytest.mark.parametrize("graph", ["citation", "coauthorship"])
def test_files_carry_what_neo4j_holds(
    analysed: Driver,
    neo4j_settings: Neo4jSettings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    graph: str,
    fmt: str,
) -> None:
    out = tmp_path / f"g.{fmt}"
    _export(monkeypatch, neo4j_settings, graph, fmt, out)
    back = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
    truth = _truth(analysed, graph)
    assert set(back.nodes) == set(truth)
    text = "title" if graph == "citation" else "name"
    score = "pagerank" if graph == "citation" else "community"
    for node_id, want in truth.items():
        got = back.nodes[node_id]
        if want["label"] is not None:
            assert got["label"] == want["label"] and got[text] == want["label"]
        if want["year"] is not None:
            assert got["year"] == want["year"]
        assert got["paper_count"] == want["paper_count"]
        assert got["citations"] == want["citations"]
        assert want[score] is not None
        assert got[score] == pytest.approx(want[score])
    if graph == "coauthorship":  # communities: integers, as many as Leiden found
        assert all(isinstance(back.nodes[n]["community"], int) for n in back.nodes)


def test_csv_node_table_has_a_header_and_the_attributes(
    analysed: Driver,
    neo4j_settings: Neo4jSettings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    _export(monkeypatch, neo4j_settings, "citation", "csv", tmp_path / "g.csv")
    with (tmp_path / "g.nodes.csv").open(encoding="utf-8") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    truth = _truth(analysed, "citation")
    assert set(rows) == set(truth)
    p6 = rows["p6"]
    assert p6["title"] == "p6" and p6["year"] == "1995" and p6["paper_count"] == "1"
    assert int(p6["citations"]) == truth["p6"]["citations"]
    assert float(p6["pagerank"]) == pytest.approx(truth["p6"]["pagerank"])
    assert (tmp_path / "g.csv").read_text().splitlines()[0] == "source,target"


def test_only_complete_runs_count(
    analysed: Driver,
    neo4j_settings: Neo4jSettings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A run that never completed leaves its key out of the file."""
    analysed.execute_query(
        "MATCH (r:AnalysisRun {algorithm: 'pagerank'}) SET r.status = 'FAILED'",
        database_=DATABASE,
    )
    out = tmp_path / "g.graphml"
    _export(monkeypatch, neo4j_settings, "citation", "graphml", out)
    back = nx.read_graphml(out)
    assert all("pagerank" not in back.nodes[n] for n in back.nodes)
    assert back.nodes["p1"]["title"] == "p1"
