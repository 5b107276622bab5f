"""Driver lifecycle: one driver per process, opened by the command or the app, closed on exit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from neo4j import AsyncDriver, AsyncGraphDatabase, Driver, GraphDatabase

from graph.settings import Neo4jSettings


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


def sync_driver(settings: Neo4jSettings) -> Driver:
    """A synchronous driver for library code that runs in worker threads (analytics)."""
    return GraphDatabase.driver(
        settings.uri, auth=settings.auth(), notifications_min_severity="OFF"
    )


def async_driver(settings: Neo4jSettings) -> AsyncDriver:
    """The API's driver; the Starlette lifespan verifies and closes it."""
    return AsyncGraphDatabase.driver(
        settings.uri, auth=settings.auth(), notifications_min_severity="OFF"
    )
