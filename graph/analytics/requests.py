"""Analytics for API requests: the export goes through the read gateway (the request's deadline
and transaction timeout), igraph runs in a killable worker process (``graph.analytics.worker``)
and a write run is staged and published atomically (``graph.analytics.runs``) by the job
driver in a thread that stops between batches when the request is cancelled.

Bounds for requests (the CLI and library callers keep the full ranges): ``cutoff`` of the
path-based algorithms in ``1..MAX_CUTOFF`` hops, Leiden ``iterations`` ``-1`` or
``1..MAX_ITERATIONS``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from neo4j import Driver

from graph.analytics import runs
from graph.analytics.export import read_edges
from graph.analytics.spec import GraphSpec
from graph.analytics.worker import WorkerPool
from graph.errors import InputError
from graph.repository import ReadScope

MAX_CUTOFF = 4  # hops; betweenness with cutoff 6 ran 44 s on the Paperscape citation graph
MAX_ITERATIONS = 10
WRITE_EXPORT_TIMEOUT = 300.0  # seconds for the export of a write run (runAnalysis)


def check_request_params(algorithm: str, params: dict[str, Any]) -> None:
    """The request bounds of ``cutoff`` and ``iterations`` (errors name the argument)."""
    cutoff = params.get("cutoff")
    if cutoff is not None and (
        isinstance(cutoff, bool) or not isinstance(cutoff, int) or not 1 <= cutoff <= MAX_CUTOFF
    ):
        raise InputError("cutoff", cutoff, f"an integer in 1..{MAX_CUTOFF} (path hops)")
    iterations = params.get("iterations")
    if iterations is not None and (
        isinstance(iterations, bool)
        or not isinstance(iterations, int)
        or not (iterations == -1 or 1 <= iterations <= MAX_ITERATIONS)
    ):
        raise InputError(
            "iterations", iterations, f"-1 (until stable) or an integer in 1..{MAX_ITERATIONS}"
        )


def _left(scope: ReadScope) -> float | None:
    return None if scope.deadline is None else max(0.0, scope.deadline - time.monotonic())


async def analyze(
    scope: ReadScope,
    pool: WorkerPool,
    spec: GraphSpec,
    algorithm: str,
    params: dict[str, Any] | None = None,
    *,
    top: int = 10,
) -> runs.AnalysisOutcome:
    """Ad hoc: export, compute in a worker, the top N. Nothing is written."""
    args = dict(params or {})
    check_request_params(algorithm, args)
    t0 = time.perf_counter()
    edges = await read_edges(scope, spec)
    t1 = time.perf_counter()
    result = await pool.run(runs.compute, edges, algorithm, args, timeout=_left(scope))
    t2 = time.perf_counter()
    timings = {"export": (t1 - t0) * 1e3, "algorithm": (t2 - t1) * 1e3}
    outcome = runs.summarize(edges, result, algorithm, args, top, timings)
    outcome.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return outcome


async def analyze_and_write(
    scope: ReadScope,
    pool: WorkerPool,
    jobs: Driver,
    spec: GraphSpec,
    algorithm: str,
    params: dict[str, Any] | None = None,
    *,
    top: int = 10,
    batch_size: int = runs.WRITE_BATCH,
    stale_after: float = runs.STALE_AFTER,
) -> runs.AnalysisOutcome:
    """A write run: recorded RUNNING first, computed in a worker, staged in batches and
    published in one transaction; a failure or cancellation marks it FAILED."""
    args = dict(params or {})
    check_request_params(algorithm, args)
    t0 = time.perf_counter()
    run = await asyncio.to_thread(runs.start_run, jobs, scope.database, spec, algorithm)
    stop = threading.Event()
    try:
        # a write run is the token holder's: its export may take longer than one API read
        # (the whole graphs of the 1M-paper corpus export in ~30 s); the deadline still caps it
        edges = await read_edges(scope, spec, max(scope.timeout, WRITE_EXPORT_TIMEOUT))
        t1 = time.perf_counter()
        result = await pool.run(runs.compute, edges, algorithm, args, timeout=_left(scope))
        t2 = time.perf_counter()
        timings = {"export": (t1 - t0) * 1e3, "algorithm": (t2 - t1) * 1e3}
        outcome = runs.summarize(edges, result, algorithm, args, top, timings)
        outcome = await asyncio.to_thread(
            runs.write_run, jobs, scope.database, run, outcome, edges.node_ids, result,
            batch_size=batch_size, stale_after=stale_after, started=t0, should_stop=stop.is_set,
        )  # fmt: skip
    except BaseException as e:
        stop.set()
        await asyncio.shield(asyncio.to_thread(runs.fail_run, jobs, scope.database, run, e))
        raise
    outcome.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return outcome
