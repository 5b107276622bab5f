"""The response cache in front of /graphql, against real Neo4j: hits, invalidation by the graph
totals, the entry lifetime for changes that move no totals, and what is never cached."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from neo4j import Driver
from starlette.applications import Starlette

from api.app import create_app
from graph.analytics.export import export_edges
from graph.analytics.runs import compute, start_run, summarize, write_run
from graph.analytics.spec import GraphKind, GraphSpec
from graph.settings import AppSettings, Neo4jSettings
from loaders.writer import load_paths
from tests.conftest import wipe
from tests.integration.api_helpers import DB, app_client

pytestmark = pytest.mark.asyncio(loop_scope="session")

STATS = {"query": "{ stats { papers authors } }"}
TITLE = "query($id: ID!) { paper(id: $id) { title } }"
TTL = 1.0


@pytest.fixture
def loaded(driver: Driver, data_dir: Path) -> Driver:
    wipe(driver)
    load_paths(driver, DB, [data_dir / "profile-page"])
    return driver


@pytest_asyncio.fixture(loop_scope="session")
async def client(loaded: Driver, neo4j_settings: Neo4jSettings) -> AsyncIterator[httpx.AsyncClient]:
    settings = AppSettings(response_cache_ttl=TTL, response_cache_check=0.0)
    async for c in app_client(create_app(settings, neo4j_settings)):
        yield c


async def test_concurrent_identical_misses_run_the_query_once(
    loaded: Driver, neo4j_settings: Neo4jSettings
) -> None:
    app: Starlette = create_app(AppSettings(), neo4j_settings)
    async for c in app_client(app):
        answers = await asyncio.gather(*(c.post("/graphql", json=STATS) for _ in range(8)))
    assert {r.status_code for r in answers} == {200}
    assert len({r.content for r in answers}) == 1
    assert app.state.response_cache.computed == 1


async def test_a_repeated_query_is_answered_from_the_cache(client: httpx.AsyncClient) -> None:
    first = await client.post("/graphql", json=STATS)
    second = await client.post("/graphql", json=STATS)
    assert first.headers["x-cache"] == "miss"
    assert second.headers["x-cache"] == "hit"
    assert second.json() == first.json()
    assert second.json()["data"]["stats"]["papers"] > 0


async def test_a_load_empties_the_cache(
    client: httpx.AsyncClient, loaded: Driver, data_dir: Path
) -> None:
    before = (await client.post("/graphql", json=STATS)).json()["data"]["stats"]
    await asyncio.to_thread(load_paths, loaded, DB, [data_dir / "arxiv-api-atom"])
    after = await client.post("/graphql", json=STATS)
    assert after.headers["x-cache"] == "miss"
    counted = loaded.execute_query(
        "MATCH (p:Paper) WHERE NOT p.stub RETURN count(p) AS n", database_=DB
    ).records[0]["n"]
    assert after.json()["data"]["stats"]["papers"] == counted > before["papers"]


async def test_a_change_that_moves_no_totals_shows_when_the_entry_expires(
    client: httpx.AsyncClient, loaded: Driver
) -> None:
    pid = loaded.execute_query(
        "MATCH (p:Paper) WHERE p.title IS NOT NULL RETURN p.id AS id ORDER BY id LIMIT 1",
        database_=DB,
    ).records[0]["id"]
    body = {"query": TITLE, "variables": {"id": pid}}
    original = (await client.post("/graphql", json=body)).json()["data"]["paper"]["title"]
    loaded.execute_query("MATCH (p:Paper {id: $id}) SET p.title = 'Edited'", id=pid, database_=DB)
    stale = await client.post("/graphql", json=body)
    assert stale.headers["x-cache"] == "hit"
    assert stale.json()["data"]["paper"]["title"] == original
    await asyncio.sleep(TTL + 0.1)
    fresh = await client.post("/graphql", json=body)
    assert fresh.headers["x-cache"] == "miss"
    assert fresh.json()["data"]["paper"]["title"] == "Edited"


async def test_errors_and_mutations_are_never_cached(client: httpx.AsyncClient) -> None:
    bad = {"query": "{ stats { noSuchField } }"}
    for _ in range(2):
        r = await client.post("/graphql", json=bad)
        assert r.headers["x-cache"] == "miss" and r.json()["errors"]
    mutation = {"query": "mutation { runAnalysis(input: {graph: CITATION, algorithm: PAGERANK}) "
                "{ id } }"}  # fmt: skip
    for _ in range(2):
        r = await client.post("/graphql", json=mutation)  # refused: no token configured
        assert r.headers["x-cache"] == "miss"


async def test_ttl_zero_turns_the_cache_off(loaded: Driver, neo4j_settings: Neo4jSettings) -> None:
    async for c in app_client(create_app(AppSettings(response_cache_ttl=0), neo4j_settings)):
        for _ in range(2):
            r = await c.post("/graphql", json=STATS)
            assert r.status_code == 200 and "x-cache" not in r.headers


async def test_shutdown_waits_for_a_background_reading(
    loaded: Driver, neo4j_settings: Neo4jSettings
) -> None:
    """A reading of the totals started in the background by the last request must end before
    the app closes its driver: cut off, its connection was left for the garbage collector, and
    "unclosed StreamWriter" failed whatever test ran next (filterwarnings = error)."""
    check = 2.0
    app = create_app(AppSettings(response_cache_check=check), neo4j_settings)
    async for c in app_client(app):
        await c.post("/graphql", json=STATS)  # the first reading: waited for
        reading = None
        for _ in range(5):  # a loaded machine may stall past two intervals: try again
            await asyncio.sleep(check + 0.1)  # older than one interval, younger than two
            hit = await c.post("/graphql", json=STATS)  # starts a reading, does not wait
            reading = app.state.response_cache.reading
            if hit.headers["x-cache"] == "hit" and reading is not None and not reading.done():
                break
        assert reading is not None and not reading.done(), "no reading was left in flight"
    assert reading.done() and not reading.cancelled()
    gc.collect()  # nothing left unclosed to warn about (warnings are errors here)


async def test_a_run_published_outside_the_api_empties_the_cache(
    loaded: Driver, neo4j_settings: Neo4jSettings
) -> None:
    """A write run adds its AnalysisRun when it starts and no node when it is published, so the
    cache must notice the publishing itself, done here outside the API process, before the TTL."""
    runs = {"query": "{ analysisRuns(first: 20) { id status } }"}
    settings = AppSettings(response_cache_ttl=3600.0, response_cache_check=0.0)
    spec = GraphSpec(GraphKind.CITATION)
    run = await asyncio.to_thread(start_run, loaded, DB, spec, "pagerank")
    async for c in app_client(create_app(settings, neo4j_settings)):
        running = (await c.post("/graphql", json=runs)).json()["data"]["analysisRuns"]
        assert running == [{"id": run.id, "status": "RUNNING"}]
        assert (await c.post("/graphql", json=runs)).headers["x-cache"] == "hit"
        edges = await asyncio.to_thread(export_edges, loaded, DB, spec)
        result = compute(edges, "pagerank", {})
        outcome = summarize(edges, result, "pagerank", {}, 5, {})
        await asyncio.to_thread(write_run, loaded, DB, run, outcome, edges.node_ids, result)
        after = await c.post("/graphql", json=runs)
    assert after.headers["x-cache"] == "miss"
    assert after.json()["data"]["analysisRuns"] == [{"id": run.id, "status": "COMPLETE"}]
