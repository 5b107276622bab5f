"""Shared pieces of the API tests: real sample loading, a Bolt-query counter, schema calls."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
from neo4j import AsyncDriver, Driver
from starlette.applications import Starlette
from strawberry.types import ExecutionResult

from api.context import Context
from api.schema import build_schema
from graph.db import async_driver, drain
from graph.repository import ReadScope
from graph.settings import AppSettings, Neo4jSettings

DB = "neo4j"

# The real samples the API tests run on (profile page, OpenAlex, S2, arXiv, dblp).
SAMPLES = (
    "profile-page",
    "openalex-works-api",
    "s2-graph-api-paper",
    "arxiv-kaggle-snapshot",
    "arxiv-api-atom",
    "dblp-xml",
)


def load_samples(driver: Driver, data_dir: Path) -> None:
    from loaders.writer import load_paths
    from tests.conftest import wipe

    wipe(driver)
    summary = load_paths(driver, DB, [data_dir / name for name in SAMPLES])
    assert summary is not None


@contextlib.asynccontextmanager
async def api_driver(settings: Neo4jSettings) -> AsyncIterator[AsyncDriver]:
    """The API's own driver (``graph.db.async_driver``: a read whose caller is cancelled runs
    to its end and returns its connection), drained and closed when the block ends."""
    drv = async_driver(settings)
    try:
        yield drv
    finally:
        await drain(drv)
        await drv.close()


class CountingDriver:
    """Wraps the real async driver and records every query sent (one Bolt round trip each:
    the repository runs each read as a single ``execute_query``)."""

    def __init__(self, inner: AsyncDriver) -> None:
        self.inner = inner
        self.__wrapped__ = inner  # work detached on the wrapper is drained with the driver
        self.queries: list[str] = []

    async def execute_query(self, query: Any, *args: Any, **kwargs: Any) -> Any:
        self.queries.append(getattr(query, "text", query))
        return await self.inner.execute_query(query, *args, **kwargs)

    def request_queries(self) -> list[str]:
        """The queries sent, less an analytics snapshot's build (a count or facet asked before
        any snapshot is held starts one in the background: ``graph.paper_aggregates``)."""
        from graph import snapshot_queries

        build = {snapshot_queries.FINGERPRINT, snapshot_queries.EXPORT}
        return [t for t in self.queries if t not in build]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def execute(
    scope: ReadScope,
    query: str,
    variables: dict[str, Any] | None = None,
    settings: AppSettings | None = None,
) -> ExecutionResult:
    s = settings or AppSettings()
    schema = build_schema(s)
    return await schema.execute(
        query, variable_values=variables, context_value=Context(scope=scope, settings=s)
    )


async def data(scope: ReadScope, query: str, variables: dict[str, Any] | None = None) -> Any:
    """The data of a query that must succeed."""
    result = await execute(scope, query, variables)
    assert result.errors is None, [e.message for e in result.errors]
    return result.data


async def error(scope: ReadScope, query: str, variables: dict[str, Any] | None = None) -> str:
    """The single error message of a query that must fail."""
    result = await execute(scope, query, variables)
    assert result.errors, f"expected an error, got {result.data}"
    return "; ".join(e.message for e in result.errors)


async def app_client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on ``app`` in-process, inside its lifespan (driver opened and closed)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as c:
            yield c


# How long the served app keeps an idle connection (uvicorn's ``timeout_keep_alive``), and how long
# a test client keeps one in its pool. httpx's default expiry (5 s) equals uvicorn's default: a
# request sent on a connection idle for just under 5 s can cross the server's close on the wire
# and fail with "Server disconnected without sending a response" (a fuzz test in CI, 2026-12-03;
# reproduced with a busy thread beside the server: 2 of 24 requests at an idle of 4.990-5.001 s,
# none with the client's expiry at 2 s). The client gives a connection up well before the server.
SERVER_KEEP_ALIVE_S = 5
CLIENT_KEEP_ALIVE_S = 2.0


def served_client(base: str, timeout: float) -> httpx.Client:
    """A client on a :func:`serve_in_thread` server whose pooled connections expire before the
    server closes them."""
    limits = httpx.Limits(keepalive_expiry=CLIENT_KEEP_ALIVE_S)
    return httpx.Client(base_url=base, timeout=timeout, limits=limits)


@contextlib.contextmanager
def serve_in_thread(app: Starlette, **config: Any) -> Iterator[str]:
    """``app`` served by a real uvicorn (h11, as ``scholargraph serve``) on a free loopback port,
    in a thread, lifespan included; yields the base URL and shuts the server down after."""
    import uvicorn

    from api.server_protocol import NoDelayH11Protocol
    from graph.server import free_port

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            http=NoDelayH11Protocol,
            **{"timeout_keep_alive": SERVER_KEEP_ALIVE_S, **config},
        )
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive(), "uvicorn stopped during startup"
            assert time.monotonic() < deadline, "uvicorn did not start within 60 s"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        assert not thread.is_alive(), "uvicorn did not stop within 30 s"
