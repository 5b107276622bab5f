"""Fixtures shared by the reliability tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from loaders.writer import load_paths
from tests.conftest import wipe
from tests.integration.api_helpers import DB

PAPERSCAPE_1992 = ("paperscape-arxiv-1991-1996", "pscp-1992.csv")


@pytest.fixture(scope="module")
def loaded(driver: Driver, data_dir: Path) -> Driver:
    """The database holding one real year of Paperscape (1992: papers, authors, citations)."""
    wipe(driver)
    load_paths(driver, DB, [data_dir.joinpath(*PAPERSCAPE_1992)])
    return driver
