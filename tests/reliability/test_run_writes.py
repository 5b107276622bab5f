"""Write procedures written once (``graph.writes``) and run by either executor, against the real
Neo4j: the sync one (CLI, library callers) and the API's async one commit the same
transactions and return the same result; a statement that must return one row rolls its
transaction back when it does not; a write run (``graph.analytics.runs``) stages its values in
batches under the run's own property, publishes them in one transaction, and when told to stop
between batches publishes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest
from neo4j import Driver
from neo4j.exceptions import ResultNotSingleError

from graph.analytics import queries, runs
from graph.analytics.algorithms import AlgorithmResult
from graph.analytics.spec import GraphKind, GraphSpec
from graph.db import WriteBookmarks
from graph.settings import Neo4jSettings
from graph.writes import AsyncWriter, Statement, Transactions, run_transactions
from tests.integration.api_helpers import DB, api_driver

CITATION = GraphSpec(GraphKind.CITATION)


def _procedure(tag: str) -> Transactions[int]:
    """Three transactions: create, read back and extend, count."""
    create = "UNWIND range(1, 3) AS k CREATE (:Probe {tag: $tag, k: k})"
    yield (Statement(create, {"tag": tag}),)
    total = "MATCH (p:Probe {tag: $tag}) RETURN sum(p.k) AS n"
    extend = (
        "MATCH (p:Probe {tag: $tag}) WITH max(p.k) AS top CREATE (:Probe {tag: $tag, k: top + 1})"
    )
    (first, written) = yield (
        Statement(total, {"tag": tag}, single=True),
        Statement(extend, {"tag": tag}),
    )
    assert written == []
    (second,) = yield (Statement(total, {"tag": tag}, single=True),)
    return int(first[0]["n"]) * 100 + int(second[0]["n"])


def _probes(driver: Driver, tag: str) -> list[int]:
    records = driver.execute_query(
        "MATCH (p:Probe {tag: $tag}) RETURN p.k AS k ORDER BY k", tag=tag, database_=DB
    ).records
    return [int(r["k"]) for r in records]


def test_both_executors_commit_one_procedure_alike(
    db: Driver, neo4j_settings: Neo4jSettings
) -> None:
    assert run_transactions(db, DB, _procedure("sync")) == 6 * 100 + 10
    shared = WriteBookmarks()

    async def run_async() -> int:
        async with api_driver(neo4j_settings) as drv:
            return await AsyncWriter(drv, DB, shared).run(_procedure("async"))

    assert asyncio.run(run_async()) == 6 * 100 + 10
    assert _probes(db, "sync") == _probes(db, "async") == [1, 2, 3, 4]
    assert shared.get(), "the async writer records its commits for the API's reads to wait for"


def _fails_half_way(tag: str) -> Transactions[None]:
    yield (Statement("CREATE (:Probe {tag: $tag, k: 1})", {"tag": tag}),)
    yield (
        Statement("CREATE (:Probe {tag: $tag, k: 2})", {"tag": tag}),
        Statement("MATCH (p:Probe {tag: 'nobody'}) RETURN p", single=True),
    )


def test_a_statement_that_must_return_one_row_rolls_its_transaction_back(
    db: Driver, neo4j_settings: Neo4jSettings
) -> None:
    with pytest.raises(ResultNotSingleError):
        run_transactions(db, DB, _fails_half_way("sync"))

    async def run_async() -> None:
        async with api_driver(neo4j_settings) as drv:
            await AsyncWriter(drv, DB).run(_fails_half_way("async"))

    with pytest.raises(ResultNotSingleError):
        asyncio.run(run_async())
    # the first transaction committed, the second rolled back whole
    assert _probes(db, "sync") == _probes(db, "async") == [1]


def _papers(driver: Driver, n: int) -> list[str]:
    ids = [f"probe:{i}" for i in range(n)]
    driver.execute_query("UNWIND $ids AS id CREATE (:Paper {id: id})", ids=ids, database_=DB)
    return ids


def _to_write(
    driver: Driver, ids: list[str]
) -> tuple[runs.RunHandle, runs.AnalysisOutcome, AlgorithmResult, np.ndarray[Any, Any]]:
    values = np.linspace(0.1, 0.5, len(ids))
    result = AlgorithmResult("pagerank", {"pagerank": values}, {})
    outcome = runs.AnalysisOutcome(
        CITATION, "pagerank", {"damping": 0.85}, len(ids), 0, {"pagerank": "pagerank"}, {},
        timings_ms={"export": 1.0},
    )  # fmt: skip
    return runs.start_run(driver, DB, CITATION, "pagerank"), outcome, result, values


def _count(driver: Driver, prop: str) -> int:
    query = f"MATCH (p:Paper) WHERE p.`{prop}` IS NOT NULL RETURN count(p) AS n"
    return int(driver.execute_query(query, database_=DB).records[0]["n"])


def _status(driver: Driver, run_id: str) -> dict[str, Any]:
    query = "MATCH (r:AnalysisRun {id: $id}) RETURN r.status AS status, r.node_count AS n"
    return dict(driver.execute_query(query, id=run_id, database_=DB).records[0])


def test_a_write_run_stages_in_batches_then_publishes_in_one_transaction(db: Driver) -> None:
    ids = _papers(db, 5)
    run, outcome, result, values = _to_write(db, ids)
    staged = queries.staged_property("pagerank", run.tag)
    seen: list[tuple[int, int]] = []  # (staged, published) before each batch and before publishing

    def should_stop() -> bool:
        seen.append((_count(db, staged), _count(db, "pagerank")))
        return False

    written = runs.write_run(
        db, DB, run, outcome, ids, result, batch_size=2, should_stop=should_stop
    )
    assert seen == [(0, 0), (2, 0), (4, 0), (5, 0)]
    stored = db.execute_query(
        "MATCH (p:Paper) RETURN p.id AS id, p.pagerank AS v", database_=DB
    ).records
    assert {r["id"]: r["v"] for r in stored} == dict(zip(ids, values.tolist(), strict=True))
    assert _count(db, staged) == 0, "published: the staged copies are gone"
    assert _status(db, run.id) == {"status": "COMPLETE", "n": 5}
    assert written.run_id == run.id and set(written.timings_ms) == {"export", "write"}
    assert outcome.run_id is None  # the outcome given is left as it was


@pytest.mark.parametrize("stop_after", [0, 1, 3])
def test_a_write_run_told_to_stop_publishes_nothing(db: Driver, stop_after: int) -> None:
    ids = _papers(db, 6)
    run, outcome, result, _ = _to_write(db, ids)
    staged = queries.staged_property("pagerank", run.tag)
    asked = 0

    def should_stop() -> bool:
        nonlocal asked
        asked += 1
        return asked > stop_after

    with pytest.raises(runs.RunCancelled, match=run.id):
        runs.write_run(db, DB, run, outcome, ids, result, batch_size=2, should_stop=should_stop)
    assert _count(db, staged) == min(2 * stop_after, 6)
    assert _count(db, "pagerank") == 0
    assert _status(db, run.id)["status"] == "RUNNING"
    runs.fail_run(db, DB, run, RuntimeError("stopped"))  # what ``analyze`` does next
    assert _status(db, run.id)["status"] == "FAILED"
    assert _count(db, staged) == 0
