"""Atomic analytics write-back against the real Neo4j, on the Paperscape 1992 slice: a write
run killed (SIGKILL) in the middle of writing leaves the scores of the previous complete run
everywhere — in the stored properties and in what the API serves — and shows as not complete;
the next run marks it FAILED, removes what it staged, and its own scores become visible only
once it is complete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from neo4j import Driver

from api.context import Context
from api.schema import build_schema
from graph.analytics.runs import analyze, latest_runs
from graph.analytics.spec import GraphKind, GraphSpec
from graph.labels import Label
from graph.repository import ReadScope
from graph.settings import AppSettings, Neo4jSettings
from tests.integration.api_helpers import DB, api_driver

pytestmark = pytest.mark.asyncio(loop_scope="session")

ROOT = Path(__file__).resolve().parents[2]
CITATION = GraphSpec(GraphKind.CITATION)
TOP = """{ papers(first: 20, orderBy: [PAGERANK_DESC]) { edges { node { id
  scores { pagerank } } } } }"""
LISTED: set[str] = set()
RUNS = """query($status: RunStatus) { analysisRuns(first: 10, status: $status) {
  id status algorithm parameters nodeCount startedAt finishedAt } }"""


@pytest_asyncio.fixture(loop_scope="session")
async def scope(loaded: Driver, neo4j_settings: Neo4jSettings) -> AsyncIterator[ReadScope]:
    async with api_driver(neo4j_settings) as drv:
        yield ReadScope(drv, DB, 60.0)


async def gql(scope: ReadScope, query: str, variables: dict[str, Any] | None = None) -> Any:
    s = AppSettings()
    result = await build_schema(s).execute(
        query, variable_values=variables, context_value=Context(scope=scope, settings=s)
    )
    assert result.errors is None, [e.message for e in result.errors]
    return result.data


def stored(driver: Driver) -> dict[str, float | None]:
    records = driver.execute_query(
        "MATCH (p:Paper) RETURN p.id AS id, p.pagerank AS pr", database_=DB
    ).records
    return {r["id"]: r["pr"] for r in records}


def staged_count(driver: Driver, key: str) -> int:
    return int(
        driver.execute_query(
            f"MATCH (p:Paper) WHERE p.{key} IS NOT NULL RETURN count(p) AS n", database_=DB
        ).records[0]["n"]
    )


def running_run(driver: Driver) -> tuple[str, str] | None:
    records = driver.execute_query(
        "MATCH (r:AnalysisRun {status: 'RUNNING'}) WHERE size(r.staged_keys) > 0 "
        "RETURN r.id AS id, r.staged_keys[0] AS key",
        database_=DB,
    ).records
    return (records[0]["id"], records[0]["key"]) if records else None


async def served_top(scope: ReadScope) -> list[tuple[str, float]]:
    data = await gql(scope, TOP)
    return [(e["node"]["id"], e["node"]["scores"]["pagerank"]) for e in data["papers"]["edges"]]


def listed(driver: Driver) -> set[str]:
    """Papers ``papers`` lists (stubs, known only as citation targets, are left out)."""
    records = driver.execute_query(
        "MATCH (p:Paper) WHERE NOT coalesce(p.stub, false) RETURN p.id AS id", database_=DB
    ).records
    return {r["id"] for r in records}


def top_of(values: dict[str, float | None], n: int = 20) -> list[tuple[str, float]]:
    scored = [(k, v) for k, v in values.items() if v is not None and k in LISTED]
    return sorted(scored, key=lambda kv: (-kv[1], kv[0]))[:n]


async def test_a_killed_write_run_leaves_no_partial_scores(
    loaded: Driver, neo4j_settings: Neo4jSettings, scope: ReadScope
) -> None:
    driver = loaded
    LISTED.update(listed(driver))
    complete = analyze(driver, DB, CITATION, "pagerank", {"damping": 0.85}, write=True)
    before = stored(driver)
    total = len(before)
    assert all(v is not None for v in before.values())
    assert await served_top(scope) == top_of(before)

    # a second run (another damping: other numbers) written 5 nodes per transaction, killed
    env = {
        **os.environ,
        "NEO4J_URI": neo4j_settings.uri,
        "NEO4J_DATABASE": DB,
        "SCHOLARGRAPH_ANALYSIS_WRITE_BATCH": "5",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "cli", "analyze", "--graph", "citation", "--algorithm",
         "pagerank", "--damping", "0.5", "--write"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    killed_id = key = None
    served_meanwhile: list[list[tuple[str, float]]] = []
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else proc.returncode
            found = running_run(driver)
            if found is not None:
                killed_id, key = found
                written = staged_count(driver, key)
                if written >= total // 10:
                    served_meanwhile.append(await served_top(scope))
                if written >= total // 4:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the write run never got a quarter of the way")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        if proc.stderr:
            proc.stderr.close()
    assert killed_id is not None and key is not None
    partial = staged_count(driver, key)
    assert 0 < partial < total, partial  # killed mid-write: some values staged, not all

    # nothing of the killed run is visible: stored scores, the API, the runs readers follow
    assert stored(driver) == before
    assert all(top == top_of(before) for top in served_meanwhile)
    assert await served_top(scope) == top_of(before)
    (latest,) = latest_runs(driver, DB, label=Label.PAPER, algorithm="pagerank")
    assert latest["id"] == complete.run_id
    running = (await gql(scope, RUNS, {"status": "RUNNING"}))["analysisRuns"]
    assert [r["id"] for r in running] == [killed_id]
    assert running[0]["finishedAt"] is None and running[0]["nodeCount"] == 0
    runs = (await gql(scope, RUNS))["analysisRuns"]
    assert {r["id"]: r["status"] for r in runs} == {
        killed_id: "RUNNING",
        complete.run_id: "COMPLETE",
    }

    # the next run cleans the abandoned one up and is visible as a whole when complete
    nxt = analyze(
        driver, DB, CITATION, "pagerank", {"damping": 0.6}, write=True, stale_after=0, top=100
    )
    after = stored(driver)
    assert set(after) == set(before) and all(v is not None for v in after.values())
    assert all(after[k] != before[k] for k in before)  # every paper moved to the new run
    served = await served_top(scope)
    assert served == top_of(after)
    computed = {t.id: t.score for t in nxt.top["pagerank"]}  # the run's own top 100
    shown = [(k, v) for k, v in served if k in computed]
    assert shown and all(v == pytest.approx(computed[k]) for k, v in shown)
    assert staged_count(driver, key) == 0
    statuses = {r["id"]: r["status"] for r in (await gql(scope, RUNS))["analysisRuns"]}
    assert statuses == {
        killed_id: "FAILED",
        complete.run_id: "COMPLETE",
        nxt.run_id: "COMPLETE",
    }
    (latest,) = latest_runs(driver, DB, label=Label.PAPER, algorithm="pagerank", limit=1)
    assert latest["id"] == nxt.run_id and latest["status"] == "COMPLETE"


async def test_a_failing_run_is_marked_failed_and_publishes_nothing(
    loaded: Driver, scope: ReadScope
) -> None:
    driver = loaded
    before = stored(driver)
    with pytest.raises(Exception, match="damping"):
        analyze(driver, DB, CITATION, "pagerank", {"damping": 2.0}, write=True)
    assert stored(driver) == before
    failed = (await gql(scope, RUNS, {"status": "FAILED"}))["analysisRuns"]
    assert failed and failed[0]["algorithm"] == "pagerank" and failed[0]["finishedAt"]
    assert running_run(driver) is None


async def test_staged_copies_a_published_run_left_are_dropped_by_the_next_run(
    loaded: Driver,
) -> None:
    """Publishing sets the visible values only; the staged copies are dropped after it. A
    writer that died between the two leaves its run COMPLETE with ``staged_keys`` still set:
    the next run drops those copies and clears the list, and the published values stay."""
    driver = loaded
    done = analyze(driver, DB, CITATION, "pagerank", {}, write=True, top=5)
    (run,) = driver.execute_query(
        "MATCH (r:AnalysisRun {id: $id}) RETURN r.staged_keys AS keys, r.result_key AS key",
        id=done.run_id, database_=DB,
    ).records  # fmt: skip
    assert run["keys"] == []  # dropped right after publishing
    visible = stored(driver)
    # The writer dies after publishing: its copies are still on the nodes, its run lists them.
    tag = done.run_id.removeprefix("run:")
    leftover = f"{run['key']}__r{tag}"
    driver.execute_query(
        f"MATCH (p:Paper) WHERE p.pagerank IS NOT NULL SET p.`{leftover}` = p.pagerank "
        "WITH count(p) AS n MATCH (r:AnalysisRun {id: $id}) "
        "SET r.staged_keys = [$key], r.heartbeat_at = datetime() - duration('PT1H')",
        id=done.run_id, key=leftover, database_=DB,
    )  # fmt: skip
    assert staged_count(driver, leftover) > 0
    analyze(driver, DB, CITATION, "components", {}, write=True, stale_after=60, top=5)
    assert staged_count(driver, leftover) == 0
    (after,) = driver.execute_query(
        "MATCH (r:AnalysisRun {id: $id}) RETURN r.staged_keys AS keys, r.status AS status",
        id=done.run_id, database_=DB,
    ).records  # fmt: skip
    assert after["keys"] == [] and after["status"] == "COMPLETE"
    assert stored(driver) == visible  # the published values are untouched
