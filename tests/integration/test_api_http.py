"""The Starlette app over HTTP (lifespan, POST/GET /graphql, /healthz) and `scholargraph serve`,
against real Neo4j loaded with the real profile-page sample."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from neo4j import Driver
from starlette.applications import Starlette

from api.app import create_app
from graph.server import free_port
from graph.settings import AppSettings, Neo4jSettings
from graph.snapshot import SNAPSHOTS
from tests.integration.api_helpers import DB

pytestmark = pytest.mark.asyncio(loop_scope="session")

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def profile_loaded(driver: Driver, data_dir: Path) -> Driver:
    from loaders.writer import load_paths
    from tests.conftest import wipe

    wipe(driver)
    load_paths(driver, DB, [data_dir / "profile-page"])
    return driver


@pytest_asyncio.fixture(loop_scope="session")
async def app(profile_loaded: Driver, neo4j_settings: Neo4jSettings) -> AsyncIterator[Starlette]:
    application = create_app(AppSettings(), neo4j_settings)
    async with application.router.lifespan_context(application):  # driver opened + verified
        yield application


@pytest_asyncio.fixture(loop_scope="session")
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
        yield c


async def test_post_graphql_answers_from_the_graph(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/graphql",
        json={
            "query": "query($id: ID!) { author(id: $id) { name paperCount "
            "papers(first: 2, orderBy: [TITLE_ASC]) { totalCount edges { node { title } } } } }",
            "variables": {"id": "name:Lizhu Zhang"},
        },
    )
    assert r.status_code == 200
    body = r.json()
    assert "errors" not in body
    author = body["data"]["author"]
    assert author["name"] == "Lizhu Zhang" and author["paperCount"] == 17
    titles = [e["node"]["title"] for e in author["papers"]["edges"]]
    assert len(titles) == 2 and titles == sorted(titles)


async def test_input_errors_over_http_name_the_argument(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": '{ paper(id: "isbn:1") { id } }'})
    assert r.status_code == 200
    [err] = r.json()["errors"]
    assert err["message"].startswith("invalid paper id 'isbn:1'") and err["path"] == ["paper"]
    assert "Traceback" not in r.text and "neo4j" not in r.text.lower()


async def test_get_graphql_serves_graphiql(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert "graphiql" in r.text.lower()


async def test_healthz_reports_neo4j(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200 and r.json()["neo4j"] == "reachable"


async def test_healthz_is_503_when_neo4j_is_gone(app: Starlette, client: httpx.AsyncClient) -> None:
    from neo4j import AsyncGraphDatabase

    from graph.repository import ReadScope

    real = app.state.scope
    dead = AsyncGraphDatabase.driver(f"bolt://127.0.0.1:{free_port()}")
    app.state.scope = ReadScope(dead, real.database, real.timeout)
    try:
        r = await client.get("/healthz")
    finally:
        app.state.scope = real
        await dead.close()
    assert r.status_code == 503 and r.json()["neo4j"] == "unreachable"


async def test_the_app_builds_the_snapshot_at_start_when_asked(
    profile_loaded: Driver, neo4j_settings: Neo4jSettings
) -> None:
    """``snapshot_at_start`` (on in ``scholargraph serve``): the analytics snapshot is built in
    the background once the app is up, without a request asking for it; ``/healthz`` says
    whether it is held, being built or not asked for, and its size once held."""
    papers = profile_loaded.execute_query(
        "MATCH (p:Paper) RETURN count(p) AS n", database_=DB
    ).records[0]["n"]
    for at_start in (False, True):
        SNAPSHOTS.clear()
        app = create_app(AppSettings(snapshot_at_start=at_start), neo4j_settings)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
        ):
            seen, warm = [], []
            deadline = time.monotonic() + (2 if not at_start else 60)
            while time.monotonic() < deadline:
                health = (await c.get("/healthz")).json()
                seen.append(health["snapshot"])
                warm.append(health["warm_up"])
                if warm[-1]["state"] == "done":
                    break
                await asyncio.sleep(0.05)
            snap = SNAPSHOTS.current(app.state.scope)
            if at_start:
                assert snap is not None and snap.paper_count == papers
                assert seen[-1]["papers"] == papers and seen[-1]["build_seconds"] > 0
                assert seen[-1]["authors"] == snap.author_count
                # then the warm-up requests, every one answered
                assert warm[-1]["requests"] >= 7 and warm[-1]["failed"] == 0, warm[-1]
            else:
                assert snap is None and {s["state"] for s in seen} == {"none"}
                assert {w["state"] for w in warm} == {"none"}


async def test_app_refuses_to_start_without_neo4j() -> None:
    app = create_app(AppSettings(), Neo4jSettings(uri=f"bolt://127.0.0.1:{free_port()}"))
    with pytest.raises(Exception, match="(?i)connect|unavailable|refused"):
        async with app.router.lifespan_context(app):
            pass


async def test_serve_command_prints_the_url_and_serves(
    profile_loaded: Driver, neo4j_settings: Neo4jSettings
) -> None:
    port = free_port()
    env = {**os.environ, "NEO4J_URI": neo4j_settings.uri, "NEO4J_DATABASE": DB}
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url == f"http://127.0.0.1:{port}/graphql"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(url.replace("/graphql", "/healthz"), timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not come up"
                time.sleep(0.2)
        assert health.status_code == 200
        r = httpx.post(url, json={"query": "{ stats { papers authors } }"}, timeout=10)
        assert r.json()["data"]["stats"]["papers"] >= 17
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        if proc.stdout is not None:
            proc.stdout.close()
