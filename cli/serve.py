"""`scholargraph` commands: serve.

Neo4j is checked before the server starts: when it cannot be reached (or refuses the
credentials) ``serve`` prints one line and exits with ``ExitCode.DATABASE_UNAVAILABLE`` (4)
instead of letting the server's lifespan fail with a traceback.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from cli.exit_codes import ExitCode


def _check_neo4j() -> None:
    """One connection attempt with the driver's default patience; exits 4 on failure."""
    from neo4j.exceptions import AuthError

    from graph.db import is_unavailable, open_driver
    from graph.settings import Neo4jSettings

    settings = Neo4jSettings()
    try:
        with open_driver(settings):
            pass
    except AuthError as e:
        typer.echo(f"error: Neo4j at {settings.uri} refused the credentials: {e.message}", err=True)
        raise typer.Exit(ExitCode.DATABASE_UNAVAILABLE) from None
    except Exception as e:
        if not is_unavailable(e):
            raise
        typer.echo(
            f"error: Neo4j is not reachable at {settings.uri}; start it with "
            "`scholargraph neo4j start` or set NEO4J_URI",
            err=True,
        )
        raise typer.Exit(ExitCode.DATABASE_UNAVAILABLE) from None


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the top-level app."""

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port")] = 8000,
        workers: Annotated[
            int, typer.Option(help="worker processes (one per core serves most requests/s)")
        ] = 1,
        snapshot: Annotated[
            bool,
            typer.Option(
                help="build the analytics snapshot at start, in the background (pages, counts, "
                "facets and influence answer from it once built)"
            ),
        ] = True,
    ) -> None:
        """Serve the GraphQL API: /graphql (GraphiQL on GET) and /healthz."""
        import uvicorn

        from api.app import create_app
        from api.server_protocol import NoDelayH11Protocol
        from graph.settings import AppSettings, Neo4jSettings

        _check_neo4j()
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        typer.echo(f"GraphQL API at http://{shown}:{port}/graphql (health: /healthz)", err=True)
        print(f"http://{shown}:{port}/graphql", flush=True)
        if snapshot:  # read by each worker's AppSettings too
            os.environ["SCHOLARGRAPH_SNAPSHOT_AT_START"] = "true"
        if workers > 1:  # each worker builds its own app (and driver) from the environment
            uvicorn.run(
                "api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", http=NoDelayH11Protocol,
            )  # fmt: skip
        else:
            app = create_app(AppSettings(), Neo4jSettings())
            uvicorn.run(app, host=host, port=port, http=NoDelayH11Protocol)
