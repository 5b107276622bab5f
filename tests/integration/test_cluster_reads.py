"""The Neo4j side of a cluster, proven on the local server: ``neo4j://`` routing URIs for every
path (load, API reads, runAnalysis), and reads that carry the bookmarks of the process's own
writes — seen on the wire (the driver's Bolt log), not assumed (docs/cluster.md)."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from neo4j import Driver
from pydantic import SecretStr
from starlette.applications import Starlette

from api.app import create_app
from graph.db import WriteBookmarks, open_driver
from graph.settings import AppSettings, Neo4jSettings
from tests.integration.api_helpers import DB, app_client

TOKEN = "cluster-test-token-0123"
RUN = """mutation { runAnalysis(input: {graph: CITATION, algorithm: PAGERANK, top: 3}) {
  id top { output nodes { id score } } } }"""
COUNT = "{ papers(first: 1) { totalCount } }"


def routing(settings: Neo4jSettings) -> Neo4jSettings:
    """The same server through a routing URI (``neo4j://``): the driver asks it for a routing
    table and sends reads to its readers, writes to its writer, as on a cluster."""
    uri = re.sub(r"^bolt://", "neo4j://", settings.uri)
    assert uri.startswith("neo4j://"), settings.uri
    return settings.model_copy(update={"uri": uri})


@pytest.fixture(scope="module")
def loaded_through_routing(
    driver: Driver, neo4j_settings: Neo4jSettings, data_dir: Path
) -> Neo4jSettings:
    """Paperscape 1992 loaded by the writer through a ``neo4j://`` driver."""
    from loaders.writer import load_paths
    from tests.conftest import wipe

    wipe(driver)
    settings = routing(neo4j_settings)
    with open_driver(settings) as routed:
        summary = load_paths(
            routed, DB, [data_dir / "paperscape-arxiv-1991-1996" / "pscp-1992.csv"]
        )
    assert summary is not None
    return settings


@pytest_asyncio.fixture(loop_scope="session")
async def app(
    loaded_through_routing: Neo4jSettings,
) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    api = create_app(
        AppSettings(api_token=SecretStr(TOKEN), response_cache_ttl=0), loaded_through_routing
    )
    async for client in app_client(api):
        yield api, client


async def gql(client: httpx.AsyncClient, query: str, token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = await client.post("/graphql", json={"query": query}, headers=headers)
    assert r.status_code == 200, r.text
    body = dict(r.json())
    assert "errors" not in body, body["errors"]
    return dict(body["data"])


def test_the_server_hands_out_a_routing_table(loaded_through_routing: Neo4jSettings) -> None:
    """What a ``neo4j://`` driver asks first: the members to read from, write to and route by."""
    with open_driver(loaded_through_routing) as routed:
        records, _, _ = routed.execute_query(
            "CALL dbms.routing.getRoutingTable({}, $db)", db=DB, database_="system"
        )
    roles = {server["role"] for server in records[0]["servers"]}
    assert roles == {"READ", "WRITE", "ROUTE"}


def test_routed_load_wrote_the_same_graph_as_counted_directly(
    loaded_through_routing: Neo4jSettings, driver: Driver, data_dir: Path
) -> None:
    """The routed load wrote every Paperscape row: the graph's papers with the 1992 source
    number as many as the file's rows (counted here from the file)."""
    path = data_dir / "paperscape-arxiv-1991-1996" / "pscp-1992.csv"
    rows = sum(1 for line in path.read_text().splitlines() if line and not line.startswith("#"))
    records, _, _ = driver.execute_query(
        "MATCH (p:Paper) WHERE p.stub IS NULL OR NOT p.stub RETURN count(p) AS n", database_=DB
    )
    assert records[0]["n"] == rows


@pytest.mark.asyncio(loop_scope="session")
async def test_reads_carry_the_bookmarks_of_the_process_writes(
    app: tuple[Starlette, httpx.AsyncClient], caplog: pytest.LogCaptureFixture
) -> None:
    """Before any write, reads carry no bookmark; after ``runAnalysis`` committed, every read
    the API sends carries the bookmark of that write (what makes a cluster reader wait until
    it holds the new scores), and reads do not chain each other's bookmarks."""
    api, client = app
    own: WriteBookmarks = api.state.own_writes
    assert own.get() == frozenset()

    with caplog.at_level(logging.DEBUG, logger="neo4j"):
        await gql(client, COUNT)
    before = _read_bookmarks(caplog.records)
    assert before and all(b == [] for b in before), before
    caplog.clear()

    run = await gql(client, RUN, TOKEN)
    written = own.get()
    assert written, "runAnalysis committed writes but left no bookmark"
    top = {n["id"]: n["score"] for n in run["runAnalysis"]["top"][0]["nodes"]}
    aliases = " ".join(
        f'p{i}: paper(id: "{pid}") {{ id scores {{ pagerank }} }}' for i, pid in enumerate(top)
    )

    with caplog.at_level(logging.DEBUG, logger="neo4j"):
        read = await gql(client, f"{{ {aliases} }}")
        await gql(client, COUNT)
    sent = _read_bookmarks(caplog.records)
    assert len(sent) >= 2
    assert all(set(b) == written for b in sent), (sent, written)
    # the read answers with what the run wrote (read-your-own-writes)
    assert {v["id"]: v["scores"]["pagerank"] for v in read.values()} == pytest.approx(top)


def _read_bookmarks(records: list[logging.LogRecord]) -> list[list[str]]:
    """The bookmarks of every read transaction the driver began, from its Bolt log lines
    (``C: BEGIN {... 'bookmarks': [...], ... 'mode': 'r' ...}``)."""
    found = []
    for record in records:
        message = record.getMessage()
        if "C: BEGIN" not in message or "'mode': 'r'" not in message:
            continue
        match = re.search(r"'bookmarks': \[([^\]]*)\]", message)
        found.append(re.findall(r"'([^']+)'", match.group(1)) if match else [])
    return found
