"""Analytics through the API: ``analyze`` streams and writes nothing, ``runAnalysis`` needs the
bearer token and writes back, and the written numbers read back through ``scores``/``orderBy``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import igraph as ig
import pytest
import pytest_asyncio
from neo4j import Driver
from pydantic import SecretStr

from api.app import create_app
from graph.settings import AppSettings, Neo4jSettings
from graph.stats import graph_stats
from tests.integration.api_helpers import DB, app_client

pytestmark = pytest.mark.asyncio(loop_scope="session")

TOKEN = "test-token-0123456789"
ANALYZE = """query($input: AnalysisInput!) { analyze(input: $input) {
  algorithm nodeCount edgeCount modularity communityCount parameters
  top { output property nodes { id score } } communities { community size members } } }"""
RUN = """mutation($input: AnalysisInput!) { runAnalysis(input: $input) {
  id algorithm nodeCount edgeCount resultKeys createdAt top { output nodes { id score } } } }"""


@pytest.fixture(scope="module")
def loaded(driver: Driver, data_dir: Path) -> Driver:
    from loaders.writer import load_paths
    from tests.conftest import wipe

    wipe(driver)
    load_paths(driver, DB, [data_dir / "paperscape-arxiv-1991-1996" / "pscp-1992.csv"])
    return driver


@pytest_asyncio.fixture(loop_scope="session")
async def client(loaded: Driver, neo4j_settings: Neo4jSettings) -> AsyncIterator[httpx.AsyncClient]:
    settings = AppSettings(api_token=SecretStr(TOKEN))
    async for c in app_client(create_app(settings, neo4j_settings)):
        yield c


@pytest_asyncio.fixture(loop_scope="session")
async def tokenless(
    loaded: Driver, neo4j_settings: Neo4jSettings
) -> AsyncIterator[httpx.AsyncClient]:
    async for c in app_client(create_app(AppSettings(api_token=None), neo4j_settings)):
        yield c


async def gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert r.status_code == 200
    return dict(r.json())


def _citation_pagerank_from_graph(driver: Driver) -> dict[str, float]:
    """PageRank computed here from a plain Cypher edge list (independent of the export)."""
    nodes = [
        r["id"]
        for r in driver.execute_query("MATCH (p:Paper) RETURN p.id AS id", database_=DB).records
    ]
    index = {n: i for i, n in enumerate(nodes)}
    edges = driver.execute_query(
        "MATCH (a:Paper)-[:CITES]->(b:Paper) WHERE a <> b RETURN a.id AS s, b.id AS t", database_=DB
    ).records
    g = ig.Graph(n=len(nodes), edges=[(index[e["s"]], index[e["t"]]) for e in edges], directed=True)
    return dict(zip(nodes, g.pagerank(damping=0.85), strict=True))


async def test_analyze_streams_and_writes_nothing(
    client: httpx.AsyncClient, loaded: Driver
) -> None:
    before = graph_stats(loaded, DB)
    body = await gql(
        client, ANALYZE, {"input": {"graph": "CITATION", "algorithm": "PAGERANK", "top": 5}}
    )
    assert "errors" not in body, body
    result = body["data"]["analyze"]
    assert result["nodeCount"] == before["nodes"]["Paper"]
    top = result["top"][0]["nodes"]
    assert len(top) == 5
    expected = _citation_pagerank_from_graph(loaded)
    for node in top:
        assert node["score"] == pytest.approx(expected[node["id"]], abs=1e-6)
    assert [n["id"] for n in top] == sorted(expected, key=lambda k: -expected[k])[:5]
    assert graph_stats(loaded, DB) == before
    written = loaded.execute_query(
        "MATCH (p:Paper) WHERE p.pagerank IS NOT NULL RETURN count(p) AS n", database_=DB
    ).records[0]["n"]
    assert written == 0


async def test_run_analysis_refused_without_configured_token(tokenless: httpx.AsyncClient) -> None:
    body = await gql(
        tokenless, RUN, {"input": {"graph": "CITATION", "algorithm": "PAGERANK"}}, TOKEN
    )
    assert "SCHOLARGRAPH_API_TOKEN" in body["errors"][0]["message"]


async def test_run_analysis_refused_with_a_wrong_token(client: httpx.AsyncClient) -> None:
    variables = {"input": {"graph": "CITATION", "algorithm": "PAGERANK"}}
    for token in (None, "wrong"):
        body = await gql(client, RUN, variables, token)
        assert "Bearer" in body["errors"][0]["message"]


async def test_run_analysis_writes_and_scores_read_back(
    client: httpx.AsyncClient, loaded: Driver
) -> None:
    variables = {"input": {"graph": "CITATION", "algorithm": "PAGERANK", "top": 10}}
    body = await gql(client, RUN, variables, TOKEN)
    assert "errors" not in body, body
    run = body["data"]["runAnalysis"]
    assert run["resultKeys"] == ["pagerank"]
    stored = loaded.execute_query(
        "MATCH (r:AnalysisRun {id: $id}) RETURN r.algorithm AS a, r.node_count AS n",
        id=run["id"],
        database_=DB,
    ).records[0]
    assert (stored["a"], stored["n"]) == ("pagerank", run["nodeCount"])

    page = await gql(
        client,
        "{ papers(first: 10, orderBy: [PAGERANK_DESC]) "
        "{ edges { node { id scores { pagerank } } } } }",
        {},
    )
    listed = [
        (e["node"]["id"], e["node"]["scores"]["pagerank"]) for e in page["data"]["papers"]["edges"]
    ]
    expected = loaded.execute_query(
        "MATCH (p:Paper) WHERE NOT p.stub RETURN p.id AS id, p.pagerank AS pr "
        "ORDER BY pr DESC, id LIMIT 10",
        database_=DB,
    ).records
    assert listed == [(r["id"], r["pr"]) for r in expected]

    # the streamed top 10 (stub papers included: they are cited) read back one by one
    streamed = {n["id"]: n["score"] for n in run["top"][0]["nodes"]}
    aliases = " ".join(
        f'p{i}: paper(id: "{pid}") {{ id scores {{ pagerank }} }}' for i, pid in enumerate(streamed)
    )
    back = (await gql(client, f"{{ {aliases} }}", {}))["data"]
    assert {v["id"]: v["scores"]["pagerank"] for v in back.values()} == pytest.approx(streamed)


async def test_leiden_community_on_authors(client: httpx.AsyncClient, loaded: Driver) -> None:
    variables = {"input": {"graph": "COAUTHORSHIP", "algorithm": "LEIDEN", "resolution": 1.0}}
    body = await gql(client, RUN, variables, TOKEN)
    assert "errors" not in body, body
    row = loaded.execute_query(
        "MATCH (a:Author) WHERE a.community IS NOT NULL "
        "RETURN a.id AS id, a.community AS c LIMIT 1",
        database_=DB,
    ).records[0]
    author = await gql(
        client,
        "query($id: ID!) { author(id: $id) { community scores { community } } }",
        {"id": row["id"]},
    )
    assert author["data"]["author"]["community"] == row["c"]
    assert author["data"]["author"]["scores"]["community"] == row["c"]


async def test_bad_parameters_name_the_field(client: httpx.AsyncClient) -> None:
    bad = [
        ({"graph": "CITATION", "algorithm": "PAGERANK", "damping": 1.5}, "damping"),
        ({"graph": "COAUTHORSHIP", "algorithm": "LEIDEN", "resolution": -1}, "resolution"),
        ({"graph": "CITATION", "algorithm": "PAGERANK", "top": 1000}, "top"),
        ({"graph": "CITATION", "algorithm": "PAGERANK", "yearFrom": 1995, "yearTo": 1990}, "year"),
    ]
    for input_, field in bad:
        body = await gql(client, ANALYZE, {"input": input_})
        assert field in body["errors"][0]["message"], body
