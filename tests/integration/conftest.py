"""Fixtures of the API tests over the real samples (a module may define its own instead)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from neo4j import Driver

from graph.repository import ReadScope
from graph.settings import Neo4jSettings
from tests.integration.api_helpers import DB, api_driver, load_samples


@pytest.fixture(scope="module")
def loaded(driver: Driver, data_dir: Path) -> Iterator[Driver]:
    """The database holding the real samples (:data:`SAMPLES`), for one test module."""
    load_samples(driver, data_dir)
    yield driver


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def scope(loaded: Driver, neo4j_settings: Neo4jSettings) -> AsyncIterator[ReadScope]:
    """Reads of :func:`loaded` through the API's own driver."""
    async with api_driver(neo4j_settings) as drv:
        await drv.verify_connectivity()
        yield ReadScope(drv, DB, 15.0)
