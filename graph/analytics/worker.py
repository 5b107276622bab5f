"""Killable worker processes for the CPU-bound analytics of API requests.

python-igraph holds the GIL while its C code runs, so an algorithm run in a thread of the API
process stalls every other request (a betweenness run of 44 s blocked all clients for 43 s). API
analytics therefore run in a small pool of separate processes: the API process only waits, and a
job that passes its deadline (or whose request is cancelled) has its process killed and replaced
— the work really stops.

- ``WorkerPool.run(fn, *args, timeout=...)`` sends a picklable module-level function and its
  arguments to an idle worker and awaits the answer; at most ``size`` jobs run at once, the
  others wait for a free worker (inside the same deadline).
- Workers come from a ``forkserver`` whose preloaded modules (numpy, igraph, the analytics code)
  make a replacement cheap; each worker serves one job at a time, so igraph's process-wide
  random number generator is never shared between concurrent runs.
- Errors travel back as data: an ``InputError`` keeps its argument, value and expectation; any
  other ``ScholarGraphError`` its message; anything else becomes ``WorkerError`` (masked for API
  clients like any unexpected error).
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any, Literal, TypeVar

from graph.errors import InputError, RequestTimeout, ScholarGraphError

T = TypeVar("T")
POLL = 0.02  # seconds between checks for a cancelled job while waiting for its answer
PRELOAD = ["numpy", "igraph", "graph.analytics.runs", "graph.influence"]


class WorkerError(RuntimeError):
    """A job failed in its worker with an unexpected error (its text is logged, not shown)."""


def _serve(conn: Connection) -> None:
    """A worker's loop: one job at a time until the pipe closes."""
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer: tuple[str, Any] = ("ok", fn(*args))
        except InputError as e:
            answer = ("input", (e.argument, e.value, e.expected))
        except ScholarGraphError as e:
            answer = ("error", str(e))
        except Exception as e:  # noqa: BLE001 - sent to the caller, which raises it
            answer = ("unexpected", f"{type(e).__name__}: {e}")
        conn.send(answer)


@dataclass(slots=True)
class _Worker:
    process: BaseProcess
    conn: Connection

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """Up to ``size`` worker processes; idle ones are kept for the next job."""

    def __init__(
        self, size: int = 1, method: Literal["forkserver", "spawn"] = "forkserver"
    ) -> None:
        if size < 1:
            raise InputError("analytics_workers", size, "at least 1 worker process")
        self.size = size
        self._ctx: ForkServerContext | SpawnContext
        if method == "forkserver":
            self._ctx = mp.get_context("forkserver")
            self._ctx.set_forkserver_preload(PRELOAD)
        else:
            self._ctx = mp.get_context("spawn")
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()
        self.killed = 0  # workers killed at a deadline or cancellation (observability, tests)

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_serve, args=(child,), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def _take(self) -> _Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.process.is_alive():
                    return worker
                worker.conn.close()
        return self._spawn()

    def warm(self) -> None:
        """Starts the workers now rather than at the first job."""
        with self._lock:
            missing = self.size - len(self._idle)
        for _ in range(missing):
            worker = self._spawn()
            with self._lock:
                self._idle.append(worker)

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()

    def call(
        self,
        fn: Callable[..., T],
        args: tuple[Any, ...],
        timeout: float | None,
        cancelled: threading.Event | None = None,
    ) -> T:
        """Runs ``fn(*args)`` in a worker, blocking; the worker is killed (and later replaced)
        when ``timeout`` seconds pass or ``cancelled`` is set."""
        end = None if timeout is None else time.monotonic() + timeout
        if not self._slots.acquire(timeout=timeout):
            raise RequestTimeout(timeout or 0.0, "the analysis (waiting for a free worker)")
        try:
            worker = self._take()
            try:
                worker.conn.send((fn, args))
                while not worker.conn.poll(POLL):
                    if cancelled is not None and cancelled.is_set():
                        raise asyncio.CancelledError
                    if end is not None and time.monotonic() >= end:
                        raise RequestTimeout(timeout or 0.0, "the analysis")
                    if not worker.process.is_alive():
                        raise WorkerError(f"worker exited with {worker.process.exitcode}")
                kind, value = worker.conn.recv()
            except BaseException:
                self.killed += 1
                worker.kill()
                raise
            with self._lock:
                self._idle.append(worker)
        finally:
            self._slots.release()
        if kind == "ok":
            result: T = value
            return result
        if kind == "input":
            raise InputError(*value)
        if kind == "error":
            raise ScholarGraphError(value)
        raise WorkerError(value)

    async def run(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """``fn(*args)`` in a worker, awaited; cancelling the caller kills the worker."""
        cancelled = threading.Event()
        try:
            return await asyncio.to_thread(self.call, fn, args, timeout, cancelled)
        except asyncio.CancelledError:
            cancelled.set()
            raise


_POOL: WorkerPool | None = None
_POOL_LOCK = threading.Lock()


def shared_pool(size: int = 1) -> WorkerPool:
    """The process's pool (created at first use with ``size`` workers)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = WorkerPool(size)
        return _POOL
