"""The local server lifecycle, its clear errors, the schema and the stats command."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from neo4j import Driver
from neo4j.exceptions import ConstraintError

from graph.errors import LocalServerError
from graph.schema import SCHEMA_STATEMENTS, apply_schema
from graph.server import LocalNeo4j, free_port
from graph.settings import LocalServerSettings, Neo4jSettings
from graph.stats import graph_stats

DB = "neo4j"


def _schema_names(driver: Driver) -> set[str]:
    cons, _, _ = driver.execute_query("SHOW CONSTRAINTS YIELD name", database_=DB)
    idx, _, _ = driver.execute_query("SHOW INDEXES YIELD name", database_=DB)
    return {r["name"] for r in cons} | {r["name"] for r in idx}


def test_schema_applied_twice_changes_nothing(db: Driver) -> None:
    before = _schema_names(db)
    apply_schema(db, DB)
    apply_schema(db, DB)
    assert _schema_names(db) == before
    # every constraint and index statement left a named object behind
    created = {s.split("IF NOT EXISTS")[0].split()[-1] for s in SCHEMA_STATEMENTS}
    assert created <= before


@pytest.mark.parametrize(
    ("label", "prop", "value"),
    [
        ("Paper", "id", "doi:10.1/x"),
        ("Paper", "doi", "10.1/x"),
        ("Author", "orcid", "0000-0002-1825-0097"),
    ],
)
def test_duplicate_key_is_rejected(db: Driver, label: str, prop: str, value: str) -> None:
    db.execute_query(f"CREATE (:{label} {{id: 'a', {prop}: $v}})", v=value, database_=DB)
    with pytest.raises(ConstraintError):
        db.execute_query(f"CREATE (:{label} {{id: 'b', {prop}: $v}})", v=value, database_=DB)


def test_stats_exact_after_known_inserts(db: Driver) -> None:
    db.execute_query(
        """
        CREATE (a:Author {id: 'name:a'}), (b:Author {id: 'name:b'}),
               (p:Paper {id: 'arxiv:1'}), (q:Paper {id: 'arxiv:2'}),
               (s:Paper {id: 'arxiv:3', stub: true}),
               (v:Venue {id: 'arxiv'}), (c:Category {id: 'arxiv:cs.CL'}),
               (a)-[:AUTHORED]->(p), (b)-[:AUTHORED]->(p), (a)-[:AUTHORED]->(q),
               (p)-[:CITES]->(q), (p)-[:CITES]->(s), (p)-[:PUBLISHED_IN]->(v),
               (p)-[:IN_CATEGORY]->(c)
        """,
        database_=DB,
    )
    stats = graph_stats(db, DB)
    assert stats["nodes"] == {"Paper": 3, "Author": 2, "Venue": 1, "Category": 1, "AnalysisRun": 0}
    assert stats["relationships"]["AUTHORED"] == 3
    assert stats["relationships"]["CITES"] == 2
    assert stats["relationships"]["PUBLISHED_IN"] == 1
    assert stats["relationships"]["SUBCATEGORY_OF"] == 0
    assert stats["stub_papers"] == 1
    assert stats["total_nodes"] == 7


def test_cli_stats_prints_json(db: Driver, neo4j_settings: Neo4jSettings) -> None:
    db.execute_query("CREATE (:Paper {id: 'arxiv:9'})", database_=DB)
    env = {**os.environ, "NEO4J_URI": neo4j_settings.uri}
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "stats"], capture_output=True, text=True, env=env, check=True
    )
    assert json.loads(proc.stdout)["nodes"]["Paper"] == 1


def _server(tmp_path: Path, port: int) -> LocalNeo4j:
    local = LocalServerSettings()
    return LocalNeo4j(
        tmp_path / "instance", cache_dir=local.home / "cache", version=local.version, port=port,
        heap="512m", pagecache="128m", startup_timeout=120,
    )  # fmt: skip


def test_lifecycle_start_status_stop_keeps_data(tmp_path: Path) -> None:
    server = _server(tmp_path, free_port())
    assert not server.status().running
    started = server.start()
    try:
        assert started.running and started.pid
        assert server.start().pid == started.pid  # a second start is a no-op
        from neo4j import GraphDatabase

        with GraphDatabase.driver(server.uri, auth=None) as drv:
            drv.execute_query("CREATE (:Paper {id: 'kept'})", database_=DB)
    finally:
        assert server.stop()
    status = server.status()
    assert not status.running and status.pid is None
    assert not server.stop()  # stopping a stopped server says so
    # a development server keeps its data between stop and start
    server.start()
    try:
        from neo4j import GraphDatabase

        with GraphDatabase.driver(server.uri, auth=None) as drv:
            records, _, _ = drv.execute_query(
                "MATCH (p:Paper {id: 'kept'}) RETURN count(p) AS n", database_=DB
            )
            assert records[0]["n"] == 1
    finally:
        server.stop()


def test_missing_java_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without java
    with pytest.raises(LocalServerError, match="Java is not on PATH"):
        _server(tmp_path, free_port()).start()


def test_taken_port_is_explained(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(LocalServerError, match=f"port {port} .* already in use"):
            _server(tmp_path, port).start()


def test_missing_maven_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java_only = tmp_path / "bin"
    java_only.mkdir()
    (java_only / "java").symlink_to(
        Path("/usr/bin/java").resolve() if Path("/usr/bin/java").exists() else "/bin/true"
    )
    monkeypatch.setenv("PATH", str(java_only))
    server = LocalNeo4j(
        tmp_path / "i", cache_dir=tmp_path / "empty-cache", version="5.26.30", port=free_port()
    )
    with pytest.raises(LocalServerError, match="Maven"):
        server.start()


def test_startup_failure_shows_log_tail(tmp_path: Path) -> None:
    server = _server(tmp_path, free_port())
    server.heap = "1k"  # the JVM refuses to start with this heap
    with pytest.raises(LocalServerError, match="exited with code"):
        server.start()
