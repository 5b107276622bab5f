"""ScholarGraph: a scholarly knowledge graph on Neo4j (settings are read when a command starts)."""

from __future__ import annotations

import sys
from typing import Annotated

import orjson
import typer
from rich.console import Console

from graph.errors import ScholarGraphError
from graph.server import LocalNeo4j
from graph.settings import LocalServerSettings, Neo4jSettings

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
neo4j_app = typer.Typer(no_args_is_help=True, help="The local Neo4j server (no Docker needed).")
app.add_typer(neo4j_app, name="neo4j")

err = Console(stderr=True)
out = Console()


def print_json(value: object) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


def local_server(port: int | None = None) -> LocalNeo4j:
    s = LocalServerSettings()
    return LocalNeo4j(
        s.home / "default",
        cache_dir=s.home / "cache",
        version=s.version,
        port=port or s.port,
        heap=s.heap,
        pagecache=s.pagecache,
        transaction_timeout=s.transaction_timeout,
        startup_timeout=s.startup_timeout,
    )


@neo4j_app.command("start")
def neo4j_start(
    port: Annotated[int | None, typer.Option(help="Bolt port (default 7687)")] = None,
) -> None:
    """Provision Neo4j from Maven Central (first time), start it, wait until Bolt answers."""
    server = local_server(port)
    before = server.status()
    with err.status("Starting Neo4j …"):
        status = server.start()
    word = "already running" if before.running else "started"
    err.print(f"Neo4j {word} (pid {status.pid}, data {status.data_dir}, log {status.log_path})")
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
    was_running = server.stop()
    err.print("Neo4j stopped" if was_running else "Neo4j was not running")


@neo4j_app.command("status")
def neo4j_status() -> None:
    """Running or stopped, with URI, pid, data dir and log path (JSON)."""
    status = local_server().status()
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
    """Counts of nodes by label and relationships by type, as JSON."""
    from graph.db import open_driver
    from graph.stats import graph_stats

    settings = Neo4jSettings()
    with open_driver(settings) as driver:
        print_json(graph_stats(driver, settings.database))


def _register_commands() -> None:
    from cli import analytics, bulk, collab, load, serve

    for module in (load, bulk, analytics, collab, serve):
        module.register(app)


_register_commands()


def main() -> None:
    from neo4j.exceptions import AuthError, ServiceUnavailable

    try:
        app()
    except ScholarGraphError as e:
        err.print(f"[bold red]error:[/] {e}")
        sys.exit(2)
    except ServiceUnavailable as e:
        uri = Neo4jSettings().uri
        err.print(
            f"[bold red]error:[/] Neo4j is not reachable at {uri} ({e}); start it with "
            "`scholargraph neo4j start` or set NEO4J_URI"
        )
        sys.exit(2)
    except AuthError as e:
        err.print(
            f"[bold red]error:[/] Neo4j refused the credentials (NEO4J_USERNAME/PASSWORD): {e}"
        )
        sys.exit(2)
