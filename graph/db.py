"""Driver lifecycle: one driver per process, opened by the command or the app, closed on exit.

The API's one driver (:func:`async_driver`) takes :class:`Patience`: how long a request waits
for an unreachable server. The driver's defaults (60 s to get a connection, 30 s of
transaction retries) made a request hang ~58 s when Neo4j was down; the API gives up after a few
seconds and answers "database unavailable" (:func:`is_unavailable` tells those errors apart).
The driver reconnects by itself when the server is back: nothing is restarted.

**Reading your own writes on a cluster** (docs/cluster.md). A read routed to a secondary may
not yet hold a write a primary just committed. The process keeps the bookmarks of its own
committed writes (:class:`WriteBookmarks`); its write sessions chain their writes through
them (:class:`WriteChain`, used by ``graph.writes.AsyncWriter``) and its reads wait for them
(:class:`AfterWrites`) without chaining one read after another (an API request does not wait
for other requests' reads).
On one server a bookmark is satisfied at once; nothing waits.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import weakref
from collections.abc import Awaitable, Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from neo4j import AsyncDriver, AsyncGraphDatabase, Driver, GraphDatabase
from neo4j.api import AsyncBookmarkManager, BookmarkManager
from neo4j.exceptions import (
    ConnectionAcquisitionTimeoutError,
    DriverError,
    ServiceUnavailable,
    SessionExpired,
)
from neo4j.exceptions import DatabaseUnavailable as Neo4jDatabaseUnavailable

from graph.settings import Neo4jSettings

_T = TypeVar("_T")

# What a driver raises when the server cannot be reached or is not serving the database (down,
# restarting, a dropped connection); every other Neo4j error is a bug or a bad query.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    ServiceUnavailable,  # also IncompleteCommit and the routing variants
    SessionExpired,
    ConnectionAcquisitionTimeoutError,
    Neo4jDatabaseUnavailable,
)


@dataclass(frozen=True, slots=True)
class Patience:
    """How long a caller waits for an unreachable server, in seconds: to open a connection, to
    get one from the pool (opening included) and retrying a transaction that failed on a
    connection error."""

    connect: float = 2.0
    acquire: float = 3.0
    retry: float = 1.0

    def config(self) -> dict[str, Any]:
        return {
            "connection_timeout": self.connect,
            "connection_acquisition_timeout": max(self.acquire, self.connect),
            "max_transaction_retry_time": self.retry,
            # the first retry after 0.2 s, then 0.4, 0.8 ... (the driver's 1, 2, 4 s would
            # overshoot a short retry time by seconds: it sleeps before checking the clock)
            "initial_retry_delay": min(0.2, self.retry / 4),
        }


def is_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what it was raised from) says the server is unreachable."""
    seen: BaseException | None = error
    for _ in range(5):  # a short walk down the ``raise ... from`` chain
        if seen is None:
            return False
        if isinstance(seen, UNAVAILABLE_ERRORS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class WriteBookmarks:
    """The bookmarks of the writes this process committed last (thread-safe, so any thread may
    record or look). A bookmark names a committed transaction; a read that
    carries it runs only on a server that has applied that transaction."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: frozenset[str] = frozenset()

    def get(self) -> frozenset[str]:
        with self._lock:
            return self._values

    def replace(self, previous: Collection[str], new: Collection[str]) -> None:
        """A write that started after ``previous`` committed as ``new`` (the driver's rule: the
        new bookmark supersedes the ones the transaction waited for)."""
        with self._lock:
            self._values = (self._values - frozenset(previous)) | frozenset(new)


class WriteChain(BookmarkManager):
    """For write sessions (a sync manager; async sessions take it too): each write waits for
    the process's earlier writes and records its own bookmark in ``shared``."""

    def __init__(self, shared: WriteBookmarks) -> None:
        self.shared = shared

    def update_bookmarks(
        self, previous_bookmarks: Collection[str], new_bookmarks: Collection[str]
    ) -> None:
        self.shared.replace(previous_bookmarks, new_bookmarks)

    def get_bookmarks(self) -> Collection[str]:
        return self.shared.get()


class AfterWrites(AsyncBookmarkManager):
    """For the API's reads: each waits for the process's committed writes (a ``runAnalysis``
    that just finished is visible on whichever reader answers), and records nothing, so reads
    never wait for one another."""

    def __init__(self, shared: WriteBookmarks) -> None:
        self.shared = shared

    async def update_bookmarks(
        self, previous_bookmarks: Collection[str], new_bookmarks: Collection[str]
    ) -> None:
        return None  # a read's bookmark adds nothing another read must wait for

    async def get_bookmarks(self) -> Collection[str]:
        return self.shared.get()


@contextmanager
def open_driver(settings: Neo4jSettings) -> Iterator[Driver]:
    """A connected driver (``verify_connectivity`` at start), closed when the block ends."""
    driver = GraphDatabase.driver(
        settings.uri, auth=settings.auth(), notifications_min_severity="OFF"
    )
    try:
        driver.verify_connectivity()
        yield driver
    finally:
        driver.close()


def async_driver(settings: Neo4jSettings, patience: Patience | None = None) -> AsyncDriver:
    """The API's driver; the Starlette lifespan verifies and closes it.

    Its ``execute_query`` cannot be cancelled half-way (see :func:`_uncancellable`)."""
    extra = patience.config() if patience is not None else {}
    driver = AsyncGraphDatabase.driver(
        settings.uri, auth=settings.auth(), notifications_min_severity="OFF", **extra
    )
    _closed_while_closing(driver)
    driver.execute_query = _uncancellable(driver, driver.execute_query)  # type: ignore[method-assign,assignment]
    return driver


def _closed_while_closing(driver: AsyncDriver) -> None:
    """``driver`` refuses new work from the moment its ``close`` starts. The driver itself
    counts as closed only once its pool has said goodbye on every connection; a query started
    while it does that (work that :func:`drain` did not wait for) opened a new connection in
    the emptied pool, and that socket was never closed."""
    close, session, execute_query = driver.close, driver.session, driver.execute_query
    closing = threading.Event()

    def refuse_when_closing() -> None:
        if closing.is_set():
            raise DriverError("Driver closed")

    async def guarded_close() -> None:
        closing.set()
        await close()

    def guarded_session(*args: Any, **kwargs: Any) -> Any:
        refuse_when_closing()
        return session(*args, **kwargs)

    async def guarded_execute_query(*args: Any, **kwargs: Any) -> Any:
        refuse_when_closing()
        return await execute_query(*args, **kwargs)

    driver.close = guarded_close  # type: ignore[method-assign]
    driver.session = guarded_session  # type: ignore[method-assign]
    driver.execute_query = guarded_execute_query  # type: ignore[method-assign]


#: The queries of each API driver still running, their callers possibly gone (see drain()).
_INFLIGHT: weakref.WeakKeyDictionary[AsyncDriver, set[asyncio.Future[Any]]] = (
    weakref.WeakKeyDictionary()
)


_KEYS: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_NEXT_KEY = itertools.count(1)


def driver_key(driver: Any) -> int:
    """A number naming ``driver`` for as long as it lives, never given to another driver. The
    caches per driver (the analytics snapshot, the co-author graph, the migrations run) key on
    it: ``id(driver)`` is reused once a closed driver is collected, and a new driver then found
    the old one's entries, including work still in flight on the closed driver."""
    key = _KEYS.get(driver)
    if key is None:
        key = _KEYS[driver] = next(_NEXT_KEY)
    return key


def _underlying(driver: Any) -> Any:
    """The real driver behind a wrapper that names it as ``__wrapped__`` (the ``functools``
    convention; the tests' query-counting driver does): its work is drained with the driver."""
    while (inner := getattr(driver, "__wrapped__", None)) is not None:
        driver = inner
    return driver


async def drain(driver: AsyncDriver, timeout: float = 5.0) -> None:
    """Waits, at most ``timeout`` seconds, for the work a cancelled caller left running (see
    :func:`detached`), so none of it opens a connection on a driver that is being closed.
    Tasks created just before (a deadline's termination of a request's transactions, started
    as the request is answered) first get one turn of the event loop to register theirs, and
    work registered while it waits (a snapshot build's export after its version read) is
    waited for too."""
    loop = asyncio.get_running_loop()
    until = loop.time() + timeout
    await asyncio.sleep(0)
    while (pending := set(_INFLIGHT.get(_underlying(driver), ()))) and loop.time() < until:
        await asyncio.wait(pending, timeout=until - loop.time())
        await asyncio.sleep(0)


async def detached(driver: AsyncDriver, work: Awaitable[_T]) -> _T:
    """``work`` (which uses ``driver``) run as a task of its own that a cancelled caller stops
    waiting for but does not interrupt. graphql-core cancels the sibling fields of one that
    fails, a deadline cancels a whole request and a health check gives up after a few seconds;
    work cancelled while the driver opens a connection leaves that socket unclosed (found by
    the garbage collector later, as a ``ResourceWarning``). Left to finish, it returns its
    connection to the pool; the server-side transaction timeout (and a deadline's termination)
    still bound it, and :func:`drain` waits for it before the driver is closed."""
    task = asyncio.ensure_future(work)
    inflight = _INFLIGHT.setdefault(_underlying(driver), set())
    inflight.add(task)
    task.add_done_callback(inflight.discard)
    task.add_done_callback(_retrieve)
    return await asyncio.shield(task)


def _uncancellable(
    driver: AsyncDriver, call: Callable[..., Awaitable[_T]]
) -> Callable[..., Awaitable[_T]]:
    """``call`` (a method of ``driver``) that a cancelled caller does not interrupt."""

    async def run(*args: Any, **kwargs: Any) -> _T:
        return await detached(driver, call(*args, **kwargs))

    return run


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()  # the caller may be gone: nobody else will look at it
