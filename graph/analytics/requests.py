"""Analytics for API requests, on the process's one async driver: the export goes through the
read gateway (the request's deadline and transaction timeout), the algorithm runs off the event
loop (``Compute``: igraph in a killable worker process, ``graph.analytics.worker``, or the
Spark engine in a thread) and a write run is recorded, staged and published atomically
(``graph.analytics.runs``) through the API's writer (``graph.writes.AsyncWriter``). A write
run that fails or is cancelled stops at the next batch and is marked FAILED before the error
goes back to the caller.

Bounds for requests (the CLI and library callers keep the full ranges): ``cutoff`` of the
path-based algorithms in ``1..MAX_CUTOFF`` hops, Leiden ``iterations`` ``-1`` or
``1..MAX_ITERATIONS``.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from graph.analytics import runs
from graph.analytics.algorithms import AlgorithmResult
from graph.analytics.export import EdgeList, read_edges
from graph.analytics.spec import GraphSpec
from graph.analytics.worker import WorkerPool
from graph.errors import InputError
from graph.repository import ReadScope
from graph.writes import AsyncWriter

MAX_CUTOFF = 4  # hops; betweenness with cutoff 6 ran 44 s on the Paperscape citation graph
MAX_ITERATIONS = 10
WRITE_EXPORT_TIMEOUT = 300.0  # seconds for the export of a write run (runAnalysis)

#: The graph as the summary sees it, the algorithm's result and the timings (ms) of its steps.
Computed = tuple[runs.AnalysedGraph, AlgorithmResult, dict[str, float]]
#: Runs ``algorithm`` with its parameters on an exported graph, off the event loop.
Compute = Callable[[EdgeList, str, dict[str, Any]], Awaitable[Computed]]


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


def in_worker(scope: ReadScope, pool: WorkerPool) -> Compute:
    """igraph in a worker process of ``pool``, killed when the request's deadline passes."""

    async def compute(edges: EdgeList, algorithm: str, params: dict[str, Any]) -> Computed:
        t0 = time.perf_counter()
        result = await pool.run(runs.compute, edges, algorithm, params, timeout=_left(scope))
        return edges, result, {"algorithm": (time.perf_counter() - t0) * 1e3}

    return compute


async def analyze(
    scope: ReadScope,
    compute: Compute,
    spec: GraphSpec,
    algorithm: str,
    params: dict[str, Any] | None = None,
    *,
    top: int = 10,
    export_timeout: float | None = None,
) -> runs.AnalysisOutcome:
    """Ad hoc: export, compute, the top N. Nothing is written."""
    args = dict(params or {})
    check_request_params(algorithm, args)
    t0 = time.perf_counter()
    edges = await read_edges(scope, spec, export_timeout)
    t1 = time.perf_counter()
    graph, result, steps = await compute(edges, algorithm, args)
    timings = {"export": (t1 - t0) * 1e3, **steps}
    outcome = runs.summarize(graph, result, algorithm, args, top, timings)
    outcome.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return outcome


async def analyze_and_write(
    scope: ReadScope,
    compute: Compute,
    writer: AsyncWriter,
    spec: GraphSpec,
    algorithm: str,
    params: dict[str, Any] | None = None,
    *,
    top: int = 10,
    batch_size: int = runs.WRITE_BATCH,
    stale_after: float = runs.STALE_AFTER,
) -> runs.AnalysisOutcome:
    """A write run: recorded RUNNING first, computed, staged in batches and published in one
    transaction; a failure or cancellation marks it FAILED (the staging stopped first)."""
    args = dict(params or {})
    check_request_params(algorithm, args)
    t0 = time.perf_counter()
    starting = asyncio.ensure_future(runs.start_run_async(writer, spec, algorithm))
    writing: asyncio.Future[runs.AnalysisOutcome] | None = None
    stop = threading.Event()
    try:
        run = await asyncio.shield(starting)
        # a write run is the token holder's: its export may take longer than one API read
        # (the whole graphs of the 1M-paper corpus export in ~30 s); the deadline still caps it
        edges = await read_edges(scope, spec, max(scope.timeout, WRITE_EXPORT_TIMEOUT))
        t1 = time.perf_counter()
        graph, result, steps = await compute(edges, algorithm, args)
        timings = {"export": (t1 - t0) * 1e3, **steps}
        outcome = runs.summarize(graph, result, algorithm, args, top, timings)
        writing = asyncio.ensure_future(
            runs.write_run_async(
                writer, run, outcome, graph.node_ids, result, batch_size=batch_size,
                stale_after=stale_after, started=t0, should_stop=stop.is_set,
            )
        )  # fmt: skip
        outcome = await asyncio.shield(writing)
    except BaseException as e:
        stop.set()
        await asyncio.shield(_failed(writer, starting, writing, e))
        raise
    outcome.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return outcome


async def _failed(
    writer: AsyncWriter,
    starting: asyncio.Future[runs.RunHandle],
    writing: asyncio.Future[runs.AnalysisOutcome] | None,
    error: BaseException,
) -> None:
    """Marks the run FAILED once it is recorded and its staging, told to stop, has stopped (no
    batch lands after the staged values are removed)."""
    if writing is not None:
        with contextlib.suppress(BaseException):
            await writing
    try:
        run = await starting
    except Exception:  # never recorded: nothing to mark
        return
    await runs.fail_run_async(writer, run, error)
