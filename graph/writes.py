"""Write transactions described as data, so one piece of write logic runs on either driver.

A write procedure (``graph.analytics.runs``: record a run, stage its values, publish it) is a
generator of :class:`Statement` tuples: each ``yield`` hands one transaction to the caller's
executor and receives the rows of its statements; ``return`` gives the procedure's result. Two
executors run it:

- :func:`run_transactions`: a synchronous driver (the CLI, library callers, tests), every
  transaction through ``execute_write`` of one session whose bookmarks go to the driver's
  ``execute_query`` manager (its later queries see the writes);
- :class:`AsyncWriter`: the API process's one async driver, with the driver's default 30 s of
  transaction retries (lock contention with a load is worth waiting out, where a read gives up
  after ``Patience.retry``) and every commit recorded in the process's
  :class:`graph.db.WriteBookmarks`, which the API's reads wait for. A caller that is cancelled
  stops waiting; the transactions run on to the end of the procedure (``graph.db.detached``),
  so none is cut off half-way and the driver is not closed under them.

Transaction functions may be retried by the driver: a procedure's statements are built before
its transaction starts and are idempotent, as the writes of ``graph.analytics.runs`` are.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from neo4j import AsyncDriver, AsyncManagedTransaction, Driver, ManagedTransaction

from graph.db import WriteBookmarks, WriteChain, detached

_T = TypeVar("_T")

JOB_RETRY_TIME = 30.0  # seconds of transaction retries for analytics writes (the driver default)

Rows = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Statement:
    """One query of a write transaction. ``single``: it must return exactly one row, or the
    transaction fails and rolls back (``ResultNotSingleError``)."""

    query: str
    params: dict[str, Any] = field(default_factory=dict)
    single: bool = False


#: A write procedure: yields each transaction's statements, receives their rows, returns _T.
Transactions = Generator[tuple[Statement, ...], list[Rows], _T]


def _statements(tx: ManagedTransaction, statements: tuple[Statement, ...]) -> list[Rows]:
    out: list[Rows] = []
    for s in statements:
        result = tx.run(s.query, s.params)
        out.append([result.single(strict=True).data()] if s.single else result.data())
    return out


async def _statements_async(
    tx: AsyncManagedTransaction, statements: tuple[Statement, ...]
) -> list[Rows]:
    out: list[Rows] = []
    for s in statements:
        result = await tx.run(s.query, s.params)
        out.append([(await result.single(strict=True)).data()] if s.single else await result.data())
    return out


def run_transactions(driver: Driver, database: str, work: Transactions[_T]) -> _T:
    """Runs ``work`` on a synchronous driver, one ``execute_write`` per transaction."""
    with driver.session(
        database=database, bookmark_manager=driver.execute_query_bookmark_manager
    ) as session:
        try:
            statements = next(work)
            while True:
                statements = work.send(session.execute_write(_statements, statements))
        except StopIteration as done:
            result: _T = done.value
            return result
        finally:
            work.close()


@dataclass(frozen=True, slots=True)
class AsyncWriter:
    """Where the API process writes: its one async driver and database, the bookmarks its
    reads wait for, and how long a failed transaction is retried."""

    driver: AsyncDriver
    database: str
    bookmarks: WriteBookmarks = field(default_factory=WriteBookmarks)
    retry: float = JOB_RETRY_TIME

    async def run(self, work: Transactions[_T]) -> _T:
        """Runs ``work`` to its end, even when the caller stops waiting (module docstring)."""
        return await detached(self.driver, self._run(work))

    async def _run(self, work: Transactions[_T]) -> _T:
        async with self.driver.session(
            database=self.database,
            bookmark_manager=WriteChain(self.bookmarks),
            max_transaction_retry_time=self.retry,
        ) as session:
            try:
                statements = next(work)
                while True:
                    rows = await session.execute_write(_statements_async, statements)
                    statements = work.send(rows)
            except StopIteration as done:
                result: _T = done.value
                return result
            finally:
                work.close()
