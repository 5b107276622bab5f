"""Shared fixtures. The Neo4j server is real: started once per session on a free port with a
fresh data folder (or taken from NEO4J_URI when set), and stopped at the end even on failure."""

from __future__ import annotations

import asyncio
import gc
import os
import shutil
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver, GraphDatabase

from graph.schema import apply_schema
from graph.server import LocalNeo4j, free_port
from graph.settings import LocalServerSettings, Neo4jSettings

PROJECT = Path(__file__).resolve().parents[1]
DATA = PROJECT.parent / "shared" / "data"
DATABASE = "neo4j"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.integration)


def _trace_stream_writers() -> None:
    """Each asyncio ``StreamWriter`` (a Bolt socket of an async driver) remembers the test and
    the await chain that opened it, and one collected unclosed prints them: the warning alone
    names neither, and it comes whenever the collector runs, often tests later."""
    init, delete = asyncio.StreamWriter.__init__, asyncio.StreamWriter.__del__

    def traced_init(self: asyncio.StreamWriter, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self._opened_by = (  # type: ignore[attr-defined]
            os.environ.get("PYTEST_CURRENT_TEST", "(no test)"),
            "".join(traceback.format_stack(limit=24)[:-1]),
        )

    def traced_del(self: asyncio.StreamWriter) -> None:
        if not self.transport.is_closing():
            test, stack = getattr(self, "_opened_by", ("?", ""))
            port = (self.transport.get_extra_info("sockname") or ("?", "?"))[1]
            sys.stderr.write(f"\nStreamWriter (port {port}) unclosed, opened in {test}:\n{stack}")
        delete(self)

    asyncio.StreamWriter.__init__ = traced_init  # type: ignore[method-assign]
    asyncio.StreamWriter.__del__ = traced_del  # type: ignore[method-assign]


_trace_stream_writers()


@pytest.fixture(scope="module", autouse=True)
def collected() -> Iterator[None]:
    """Collects the garbage each module leaves as it ends. An object that warns when it is
    collected unclosed (a Bolt socket's ``StreamWriter`` sits in a reference cycle, so only the
    cycle collector finds it) then fails the module that left it, in its last test's teardown,
    not whichever test runs when the collector next happens to run."""
    yield
    gc.collect()


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not DATA.is_dir():
        pytest.fail(f"the shared sample data is missing: expected {DATA}")
    return DATA


def scratch_neo4j(
    home: Path, heap: str = "512m", pagecache: str = "128m", password: str | None = None
) -> LocalNeo4j:
    """A Neo4j instance of the project's version in ``home``, on a free port (not started)."""
    local = LocalServerSettings()
    return LocalNeo4j(
        home,
        cache_dir=local.home / "cache",
        version=local.version,
        port=free_port(),
        heap=heap,
        pagecache=pagecache,
        password=password,
    )


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jSettings]:
    if os.environ.get("NEO4J_URI"):
        yield Neo4jSettings()
        return
    home = tmp_path_factory.mktemp("neo4j")
    server = scratch_neo4j(home, heap="1g", pagecache="512m")
    server.start()
    try:
        yield Neo4jSettings(uri=server.uri, password=None, database=DATABASE)
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def driver(neo4j_settings: Neo4jSettings) -> Iterator[Driver]:
    drv = GraphDatabase.driver(
        neo4j_settings.uri, auth=neo4j_settings.auth(), notifications_min_severity="OFF"
    )
    drv.verify_connectivity()
    apply_schema(drv, neo4j_settings.database)
    try:
        yield drv
    finally:
        drv.close()


def wipe(driver: Driver) -> None:
    with driver.session(database=DATABASE) as session:
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()


@pytest.fixture()
def db(driver: Driver) -> Iterator[Driver]:
    """An empty database (schema kept) for one test."""
    wipe(driver)
    yield driver
