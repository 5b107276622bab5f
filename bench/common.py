"""Shared benchmark plumbing: a Neo4j to measure against, machine facts, results files."""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson
from neo4j import Driver, GraphDatabase

from graph.schema import apply_schema
from graph.server import LocalNeo4j, free_port
from graph.settings import LocalServerSettings, Neo4jSettings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
PAPERSCAPE = DATA / "paperscape-arxiv-1991-1996"
RESULTS = ROOT / "bench" / "results"
DB = "neo4j"


def machine() -> dict[str, Any]:
    versions = {}
    for pkg in ("neo4j", "neo4j-rust-ext", "igraph", "networkx", "leidenalg", "strawberry-graphql"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "neo4j_server": LocalServerSettings().version,
        "packages": versions,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def median(values: list[float]) -> float:
    return float(statistics.median(values))


@contextmanager
def neo4j_for_bench(heap: str = "2g", pagecache: str = "1g") -> Iterator[tuple[Driver, str]]:
    """NEO4J_URI when set, else a fresh local server in a temp dir on a free port."""
    if os.environ.get("NEO4J_URI"):
        settings = Neo4jSettings()
        with GraphDatabase.driver(settings.uri, auth=settings.auth(),
                                  notifications_min_severity="OFF") as driver:  # fmt: skip
            apply_schema(driver, settings.database)
            yield driver, settings.uri
        return
    local = LocalServerSettings()
    home = Path(tempfile.mkdtemp(prefix="sg-bench-"))
    server = LocalNeo4j(home, cache_dir=local.home / "cache", version=local.version,
                        port=free_port(), heap=heap, pagecache=pagecache)  # fmt: skip
    server.start()
    try:
        with GraphDatabase.driver(
            server.uri, auth=None, notifications_min_severity="OFF"
        ) as driver:
            apply_schema(driver, DB)
            yield driver, server.uri
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def wipe(driver: Driver) -> None:
    with driver.session(database=DB) as session:
        session.run(
            "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"
        ).consume()


def write_results(name: str, payload: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"machine": machine(), **payload}
    path.write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2))
    return path
