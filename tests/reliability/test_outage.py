"""Neo4j dies under a running API: uncached queries answer within a few seconds with a clear
"database unavailable" (HTTP 503, ``DATABASE_UNAVAILABLE``) instead of hanging ~58 s and then
saying "Internal server error"; when the same server comes back on the same port and folder the
API answers again by itself. The test runs its own Neo4j, so killing it touches nothing else."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase

from api.app import create_app
from graph.schema import apply_schema
from graph.server import LocalNeo4j
from graph.settings import AppSettings, Neo4jSettings
from tests.conftest import scratch_neo4j
from tests.integration.api_helpers import DB, app_client

pytestmark = pytest.mark.asyncio(loop_scope="session")

FAST = 5.0  # seconds: the most an answer may take while the database is down
PAPER = "query($id: ID!) { paper(id: $id) { id title } }"


@pytest.fixture(scope="module")
def own_neo4j(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Iterator[LocalNeo4j]:
    from loaders.writer import load_paths

    home = tmp_path_factory.mktemp("outage-neo4j")
    server = scratch_neo4j(home)
    server.start()
    try:
        with GraphDatabase.driver(server.uri, auth=None) as driver:
            apply_schema(driver, DB)
            load_paths(driver, DB, [data_dir / "profile-page"])
        yield server
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def kill(server: LocalNeo4j) -> None:
    """SIGKILL, as a crash or an OOM killer would: no clean shutdown, connections just drop."""
    pid = server.pid()
    assert pid is not None, "the test's Neo4j is not running"
    os.killpg(pid, signal.SIGKILL)
    # Reap it through its Popen (the server is this process's child): a Popen dropped without
    # ``wait`` warns "subprocess ... is still running" when collected, in whatever test runs then.
    proc = server._proc
    assert proc is not None and proc.pid == pid
    proc.wait(timeout=30)
    assert server.pid() is None


def paper_ids(server: LocalNeo4j, n: int) -> list[str]:
    with GraphDatabase.driver(server.uri, auth=None) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (p:Paper) WHERE p.title IS NOT NULL RETURN p.id AS id ORDER BY id LIMIT $n",
            n=n,
            database_=DB,
        )
    return [r["id"] for r in records]


async def test_an_outage_answers_fast_and_clearly_and_recovers_by_itself(
    own_neo4j: LocalNeo4j,
) -> None:
    ids = paper_ids(own_neo4j, 6)
    assert len(ids) == 6
    app = create_app(AppSettings(), Neo4jSettings(uri=own_neo4j.uri, password=None, database=DB))
    async for c in app_client(app):
        before = await c.post("/graphql", json={"query": PAPER, "variables": {"id": ids[0]}})
        assert before.status_code == 200 and before.json()["data"]["paper"]["id"] == ids[0]

        kill(own_neo4j)
        timings = []
        for paper_id in ids[1:4]:  # each one uncached
            started = time.perf_counter()
            r = await c.post("/graphql", json={"query": PAPER, "variables": {"id": paper_id}})
            timings.append(time.perf_counter() - started)
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"].isdigit()
            [error] = r.json()["errors"]
            assert error["extensions"]["code"] == "DATABASE_UNAVAILABLE"
            assert "database is unavailable" in error["message"]
            assert "neo4j" not in r.text.lower() and "Internal server error" not in r.text
        print(f"outage answers took {', '.join(f'{t:.2f} s' for t in timings)}")
        assert max(timings) < FAST, f"answers while Neo4j was down took {timings}"
        health = await c.get("/healthz")
        assert health.status_code == 503

        own_neo4j.start()  # the same port and data folder
        deadline = time.monotonic() + 60
        while True:
            r = await c.post("/graphql", json={"query": PAPER, "variables": {"id": ids[4]}})
            if r.status_code == 200:
                break
            assert r.status_code == 503, r.text
            assert time.monotonic() < deadline, "the API did not recover within 60 s"
            await asyncio.sleep(0.5)
        assert "errors" not in r.json() and r.json()["data"]["paper"]["id"] == ids[4]
        again = await c.post("/graphql", json={"query": PAPER, "variables": {"id": ids[0]}})
        assert again.json() == before.json()
        assert (await c.get("/healthz")).status_code == 200


async def test_a_partial_answer_keeps_status_200(own_neo4j: LocalNeo4j) -> None:
    """Only a request that failed as a whole is a 503: an input error next to it is not."""
    app = create_app(AppSettings(), Neo4jSettings(uri=own_neo4j.uri, password=None, database=DB))
    async for c in app_client(app):
        r = await c.post(
            "/graphql", json={"query": '{ paper(id: "isbn:1") { id } stats { papers } }'}
        )
    assert r.status_code == 200
    assert r.json()["data"]["stats"]["papers"] > 0
