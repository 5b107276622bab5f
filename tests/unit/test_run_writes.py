"""Write procedures written once (``graph.writes``) and run by either executor: the sync one
(CLI, library callers) and the API's async one give the same transactions and the same result;
a write run's procedure (``graph.analytics.runs``) stages in batches with a heartbeat, publishes
in one transaction and stops between batches when told to. Fake drivers: no database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from graph.analytics import queries, runs
from graph.analytics.algorithms import AlgorithmResult
from graph.analytics.spec import GraphKind, GraphSpec
from graph.db import WriteBookmarks, WriteChain
from graph.writes import JOB_RETRY_TIME, AsyncWriter, Statement, Transactions, run_transactions

Answer = Callable[[str], list[dict[str, Any]]]
Log = list[list[tuple[str, dict[str, Any]]]]  # per transaction: (query, params) in order


class Record:
    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def data(self) -> dict[str, Any]:
        return dict(self.row)


class Result:
    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def data(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.rows]

    def single(self, strict: bool) -> Record:
        assert strict and len(self.rows) == 1, self.rows
        return Record(self.rows[0])


class AsyncResult(Result):
    async def data(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return Result.data(self)

    async def single(self, strict: bool) -> Record:  # type: ignore[override]
        return Result.single(self, strict)


class Tx:
    def __init__(self, answer: Answer, log: Log) -> None:
        self.answer = answer
        log.append([])
        self.statements = log[-1]

    def run(self, query: str, params: dict[str, Any]) -> Result:
        self.statements.append((query, params))
        return Result(self.answer(query))


class AsyncTx(Tx):
    async def run(self, query: str, params: dict[str, Any]) -> AsyncResult:  # type: ignore[override]
        self.statements.append((query, params))
        return AsyncResult(self.answer(query))


class Driver:
    """Sessions whose ``execute_write`` runs the transaction function once on a fake tx."""

    execute_query_bookmark_manager = object()

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.log: Log = []
        self.sessions: list[dict[str, Any]] = []

    def session(self, **config: Any) -> Driver:
        self.sessions.append(config)
        return self

    def __enter__(self) -> Driver:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def execute_write(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(Tx(self.answer, self.log), *args)


class AsyncDriver(Driver):
    async def __aenter__(self) -> AsyncDriver:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def execute_write(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await fn(AsyncTx(self.answer, self.log), *args)


def _procedure() -> Transactions[int]:
    (counted,) = yield (Statement("COUNT", {"x": 1}),)
    one, written = yield (Statement("ONE", single=True), Statement("WRITE", {"y": 2}))
    assert written == []
    return int(counted[0]["n"]) + int(one[0]["n"])


def _answers(query: str) -> list[dict[str, Any]]:
    return {"COUNT": [{"n": 2}], "ONE": [{"n": 40}]}.get(query, [])


def test_both_executors_run_one_procedure_alike() -> None:
    sync = Driver(_answers)
    assert run_transactions(sync, "db", _procedure()) == 42  # type: ignore[arg-type]
    shared = WriteBookmarks()
    driver = AsyncDriver(_answers)
    writer = AsyncWriter(driver, "db", shared)  # type: ignore[arg-type]
    assert asyncio.run(writer.run(_procedure())) == 42
    expected = [[("COUNT", {"x": 1})], [("ONE", {}), ("WRITE", {"y": 2})]]
    assert sync.log == driver.log == expected
    # the CLI's later queries see the writes; the API's reads wait for them (graph.db)
    assert sync.sessions == [
        {"database": "db", "bookmark_manager": Driver.execute_query_bookmark_manager}
    ]
    (config,) = driver.sessions
    assert config["max_transaction_retry_time"] == JOB_RETRY_TIME == 30.0
    chain = config["bookmark_manager"]
    assert isinstance(chain, WriteChain) and chain.shared is shared


def _write_answers(query: str) -> list[dict[str, Any]]:
    if query == queries.COMPLETE_RUN:
        return [{"id": "run:x"}]
    if "removed" in query:
        return [{"removed": 0}]
    return []


def _run_to_write(n: int) -> tuple[runs.RunHandle, runs.AnalysisOutcome, AlgorithmResult]:
    spec = GraphSpec(GraphKind.CITATION)
    result = AlgorithmResult("pagerank", {"pagerank": np.linspace(0.1, 0.5, n)}, {})
    outcome = runs.AnalysisOutcome(
        spec, "pagerank", {"damping": 0.85}, n, 0, {"pagerank": "pagerank"}, {},
        timings_ms={"export": 1.0},
    )  # fmt: skip
    return runs.RunHandle("run:x", "rx", spec.label, "2024-01-01T00:00:00"), outcome, result


def test_a_write_run_stages_in_batches_then_publishes_in_one_transaction() -> None:
    run, outcome, result = _run_to_write(5)
    driver = Driver(_write_answers)
    ids = [f"p{i}" for i in range(5)]
    written = runs.write_run(driver, "db", run, outcome, ids, result, batch_size=2)  # type: ignore[arg-type]
    batches = [tx for tx in driver.log if (queries.HEARTBEAT, {"id": run.id}) in tx]
    assert [tx[0][1]["ids"] for tx in batches] == [["p0", "p1"], ["p2", "p3"], ["p4"]]
    (publish,) = [tx for tx in driver.log if any(q == queries.COMPLETE_RUN for q, _ in tx)]
    assert len(publish) == 2 and publish[1][1]["node_count"] == 5
    assert driver.log.index(publish) > driver.log.index(batches[-1])
    assert written.run_id == run.id and set(written.timings_ms) == {"export", "write"}
    assert outcome.run_id is None  # the outcome given is left as it was


@pytest.mark.parametrize("stop_after", [0, 1, 3])
def test_a_write_run_told_to_stop_stops_before_the_next_batch(stop_after: int) -> None:
    run, outcome, result = _run_to_write(6)
    driver = Driver(_write_answers)

    def should_stop() -> bool:
        return sum(1 for tx in driver.log if len(tx) == 2) >= stop_after

    with pytest.raises(runs.RunCancelled, match=run.id):
        runs.write_run(
            driver, "db", run, outcome, [f"p{i}" for i in range(6)], result,  # type: ignore[arg-type]
            batch_size=2, should_stop=should_stop,
        )  # fmt: skip
    assert sum(1 for tx in driver.log if len(tx) == 2) == stop_after
    assert not any(q == queries.COMPLETE_RUN for tx in driver.log for q, _ in tx)
