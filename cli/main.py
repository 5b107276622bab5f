"""ScholarGraph: a scholarly knowledge graph on Neo4j (settings are read when a command starts)."""

from __future__ import annotations

import re
import sys
from typing import Annotated

import orjson
import typer
from rich.console import Console

from cli.exit_codes import ExitCode
from graph.errors import LocalServerError, ScholarGraphError
from graph.server import INITIAL_USER, LocalNeo4j
from graph.settings import LocalServerSettings, Neo4jSettings

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
neo4j_app = typer.Typer(no_args_is_help=True, help="The local Neo4j server (no Docker needed).")
app.add_typer(neo4j_app, name="neo4j")

err = Console(stderr=True)
out = Console()


def print_json(value: object) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def camel_keys(value: object) -> object:
    """``value`` with every snake_case dict key renamed as the GraphQL API names it
    (``joint_paper_count`` -> ``jointPaperCount``); labels, ids and other keys stay."""
    if isinstance(value, dict):
        return {
            (_camel(k) if isinstance(k, str) and _SNAKE.match(k) else k): camel_keys(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [camel_keys(v) for v in value]
    return value


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def print_api_json(value: object) -> None:
    """JSON on stdout with the API's camelCase field names (path, suggest, stats, …)."""
    print_json(camel_keys(value))


def local_server(port: int | None = None) -> LocalNeo4j:
    """The project-managed instance. NEO4J_PASSWORD, when set, turns its authentication on
    (user ``neo4j``) and is what every command sends (graph.settings.Neo4jSettings)."""
    s = LocalServerSettings()
    conn = Neo4jSettings()
    password = None if conn.password is None else conn.password.get_secret_value()
    return LocalNeo4j(
        s.home / "default",
        cache_dir=s.home / "cache",
        version=s.version,
        port=port or s.port,
        heap=s.heap,
        pagecache=s.pagecache,
        transaction_timeout=s.transaction_timeout,
        startup_timeout=s.startup_timeout,
        password=password,
    )


@neo4j_app.command("start")
def neo4j_start(
    port: Annotated[int | None, typer.Option(help="Bolt port (default 7687)")] = None,
) -> None:
    """Provision Neo4j from Maven Central (first time), start it, wait until Bolt answers.

    With NEO4J_PASSWORD set, authentication is on (docs/neo4j.md)."""
    conn = Neo4jSettings()
    if conn.password is not None and conn.username != INITIAL_USER:
        raise LocalServerError(
            f"NEO4J_USERNAME is {conn.username!r}, but the local server's password is set for "
            f"its {INITIAL_USER!r} user; unset NEO4J_USERNAME or set it to {INITIAL_USER}"
        )
    server = local_server(port)
    before = server.status()
    with err.status("Starting Neo4j …"):
        status = server.start()
    word = "already running" if before.running else "started"
    err.print(f"Neo4j {word} (pid {status.pid}, data {status.data_dir}, log {status.log_path})")
    if not status.auth_enabled:
        err.print(
            f"[yellow]warning:[/] authentication is off: any local user can connect to "
            f"{status.uri}; set NEO4J_PASSWORD (8+ characters) before the first start to "
            "require it (docs/deployment.md)"
        )
    print(status.uri)


@neo4j_app.command("install")
def neo4j_install() -> None:
    """Fetch the Neo4j jars from Maven Central into the local Maven cache (start does it too)."""
    server = local_server()
    with err.status(f"Resolving Neo4j {server.version} with Maven …"):
        cp = server.classpath()
    err.print(f"Neo4j {server.version}: {len(cp.split(':'))} jars ready")


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the local server (SIGTERM, then a bounded wait)."""
    server = local_server()
    _report_stale_pid(server)
    was_running = server.stop()
    err.print("Neo4j stopped" if was_running else "Neo4j was not running")


def _report_stale_pid(server: LocalNeo4j) -> None:
    stale = server.remove_stale_pid_file()
    if stale is not None:
        err.print(
            f"[yellow]warning:[/] removed a stale PID file: process {stale} is not this "
            f"instance's Neo4j (home {server.instance_dir}); nothing was signalled"
        )


@neo4j_app.command("status")
def neo4j_status() -> None:
    """Running or stopped, with URI, pid, data dir and log path (JSON)."""
    status = local_server().status()
    if status.stale_pid is not None:
        err.print(
            f"[yellow]warning:[/] stale PID file: process {status.stale_pid} is not this "
            "instance's Neo4j (`scholargraph neo4j stop` removes the file)"
        )
    print_json(status.as_dict())
    raise typer.Exit(0 if status.running else 3)


@app.command()
def schema() -> None:
    """Apply constraints and indexes (idempotent)."""
    from graph.db import open_driver
    from graph.schema import apply_schema

    settings = Neo4jSettings()
    with open_driver(settings) as driver:
        n = apply_schema(driver, settings.database)
    err.print(f"schema applied: {n} constraints and indexes present")


@app.command()
def stats() -> None:
    """Counts of nodes by label and relationships by type, as JSON (the API's field names)."""
    from graph.db import open_driver
    from graph.stats import graph_stats

    settings = Neo4jSettings()
    with open_driver(settings) as driver:
        print_api_json(graph_stats(driver, settings.database))


def _register_commands() -> None:
    from cli import analytics, bulk, collab, draw, identity, load, novelty, serve

    for module in (load, bulk, analytics, collab, serve, identity, draw, novelty):
        module.register(app)


_register_commands()


def main() -> None:
    from neo4j.exceptions import AuthError, ServiceUnavailable

    try:
        app()
    except ScholarGraphError as e:
        err.print(f"[bold red]error:[/] {e}")
        sys.exit(ExitCode.USAGE)
    except ServiceUnavailable as e:
        uri = Neo4jSettings().uri
        err.print(
            f"[bold red]error:[/] Neo4j is not reachable at {uri} ({e}); start it with "
            "`scholargraph neo4j start` or set NEO4J_URI"
        )
        sys.exit(ExitCode.DATABASE_UNAVAILABLE)
    except AuthError as e:
        err.print(
            f"[bold red]error:[/] Neo4j refused the credentials (NEO4J_USERNAME/PASSWORD): {e}"
        )
        sys.exit(ExitCode.DATABASE_UNAVAILABLE)
