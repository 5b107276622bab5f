"""The local server's PID file and password, against real processes and a real Neo4j."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError
from typer.testing import CliRunner

from cli.main import app
from graph.errors import LocalServerError
from graph.server import MAIN_CLASS, LocalNeo4j, free_port
from tests.conftest import scratch_neo4j


def _server(folder: Path, password: str | None = None) -> LocalNeo4j:
    return scratch_neo4j(folder, pagecache="64m", password=password)


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    """A live process in its own process group, like the server's."""
    return subprocess.Popen(args, start_new_session=True, stdin=subprocess.DEVNULL)


@pytest.fixture()
def unrelated() -> Iterator[subprocess.Popen[bytes]]:
    proc = _spawn("sleep", "60")
    try:
        yield proc
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _write_pid_file(folder: Path, pid: int) -> Path:
    pid_file = folder / "run" / "scholargraph.pid"
    pid_file.parent.mkdir(parents=True, exist_ok=True)
    pid_file.write_text(str(pid))
    return pid_file


def test_a_stale_pid_file_is_neither_running_nor_signalled(
    tmp_path: Path, unrelated: subprocess.Popen[bytes]
) -> None:
    pid_file = _write_pid_file(tmp_path, unrelated.pid)
    server = _server(tmp_path)

    status = server.status()
    assert not status.running
    assert status.pid is None
    assert status.stale_pid == unrelated.pid

    assert server.stop(timeout=2) is False
    assert unrelated.poll() is None, "stop signalled an unrelated process"
    assert not pid_file.exists(), "the stale PID file is removed"
    assert server.status().stale_pid is None


def test_another_instances_jvm_is_not_this_server(tmp_path: Path) -> None:
    # Same main class, another home folder: a second instance on the host is left alone.
    other = _spawn(
        sys.executable, "-c", "import time; time.sleep(60)",
        MAIN_CLASS, f"--home-dir={tmp_path / 'elsewhere'}", "--console-mode",
    )  # fmt: skip
    try:
        _write_pid_file(tmp_path, other.pid)
        server = _server(tmp_path)
        assert not server.is_this_server(other.pid)
        assert not server.status().running
        server.stop(timeout=2)
        assert other.poll() is None
    finally:
        os.killpg(other.pid, signal.SIGKILL)
        other.wait()


def test_cli_stop_and_status_report_the_stale_pid_file(
    tmp_path: Path, unrelated: subprocess.Popen[bytes]
) -> None:
    pid_file = _write_pid_file(tmp_path / "default", unrelated.pid)
    env = {"SCHOLARGRAPH_NEO4J_HOME": str(tmp_path), "NEO4J_PASSWORD": None}
    runner = CliRunner()

    status = runner.invoke(app, ["neo4j", "status"], env=env)
    assert status.exit_code == 3, status.output
    assert '"running": false' in status.stdout
    assert f'"stale_pid": {unrelated.pid}' in status.stdout

    stop = runner.invoke(app, ["neo4j", "stop"], env=env)
    assert stop.exit_code == 0, stop.output
    assert "stale PID file" in stop.output
    assert "Neo4j was not running" in stop.output
    assert unrelated.poll() is None
    assert not pid_file.exists()


def test_a_short_password_is_refused_before_anything_runs(tmp_path: Path) -> None:
    server = _server(tmp_path, password="short")
    with pytest.raises(LocalServerError, match="at least 8"):
        server.start()
    assert not (tmp_path / "neo4j.conf").exists()
    assert server.stop() is False  # stop and status still work


def test_a_password_turns_authentication_on(tmp_path: Path) -> None:
    # A development instance created without a password, as before this setting existed ...
    open_server = _server(tmp_path)
    try:
        assert not open_server.start().auth_enabled
        with GraphDatabase.driver(open_server.uri, auth=None) as anonymous:
            anonymous.verify_connectivity()
    finally:
        open_server.stop()

    # ... started with one: anonymous and wrong credentials are refused, the password works.
    password = "a-local-secret-42"
    server = _server(tmp_path, password=password)
    try:
        status = server.start()
        assert status.running and status.auth_enabled
        assert password not in (tmp_path / "neo4j.conf").read_text()
        auth_file = tmp_path / "data" / "dbms" / "auth.ini"
        if auth_file.exists():
            assert password not in auth_file.read_text()
            assert auth_file.stat().st_mode & 0o077 == 0
        with GraphDatabase.driver(server.uri, auth=None) as anonymous, pytest.raises(AuthError):
            anonymous.verify_connectivity()
        with (
            GraphDatabase.driver(server.uri, auth=("neo4j", "not-the-password")) as wrong,
            pytest.raises(AuthError),
        ):
            wrong.verify_connectivity()
        with GraphDatabase.driver(server.uri, auth=server.auth) as good:
            records, _, _ = good.execute_query("RETURN 1 AS one", database_="neo4j")
            assert records[0]["one"] == 1
    finally:
        server.stop()
    assert not server.status().running

    # The store keeps that password: another one is refused with a message that says why,
    # and the server is not left running.
    other = _server(tmp_path, password="another-secret-43")
    with pytest.raises(LocalServerError, match="ALTER USER"):
        other.start()
    assert not other.status().running


def test_the_commands_use_the_same_password(tmp_path: Path) -> None:
    """`neo4j start` turns authentication on from NEO4J_PASSWORD; `stats` (like every command,
    through Neo4jSettings) connects with it, and without it is refused. Each command runs as
    its own process, as a user runs them (the server outlives `start`)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(
        SCHOLARGRAPH_NEO4J_HOME=str(tmp_path), SCHOLARGRAPH_NEO4J_PORT=str(port),
        SCHOLARGRAPH_NEO4J_HEAP="512m", SCHOLARGRAPH_NEO4J_PAGECACHE="64m",
        NEO4J_URI=f"bolt://127.0.0.1:{port}", NEO4J_PASSWORD="a-local-secret-44",
    )  # fmt: skip

    def scholargraph(*args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
        command = [str(Path(sys.executable).parent / "scholargraph"), *args]
        run_env = {**env, **overrides}
        return subprocess.run(command, env=run_env, capture_output=True, text=True, timeout=300)

    start = scholargraph("neo4j", "start")
    try:
        assert start.returncode == 0, start.stderr
        assert "authentication is off" not in start.stderr
        assert '"auth_enabled": true' in scholargraph("neo4j", "status").stdout

        stats = scholargraph("stats")
        assert stats.returncode == 0, stats.stderr
        assert "Paper" in stats.stdout or "nodes" in stats.stdout
        env.pop("NEO4J_PASSWORD")
        refused = scholargraph("stats")
        assert refused.returncode != 0
        assert "refused" in refused.stderr or "unauthorized" in refused.stderr.lower()
    finally:
        stop = scholargraph("neo4j", "stop")
    assert "Neo4j stopped" in stop.stderr
