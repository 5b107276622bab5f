"""`scholargraph` commands: serve."""

from __future__ import annotations

from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the top-level app."""

    @app.command()
    def serve(
        host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="TCP port")] = 8000,
        workers: Annotated[
            int, typer.Option(help="worker processes (one per core serves most requests/s)")
        ] = 1,
    ) -> None:
        """Serve the GraphQL API: /graphql (GraphiQL on GET) and /healthz."""
        import uvicorn

        from api.app import create_app
        from api.server_protocol import NoDelayH11Protocol
        from graph.settings import AppSettings, Neo4jSettings

        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        typer.echo(f"GraphQL API at http://{shown}:{port}/graphql (health: /healthz)", err=True)
        print(f"http://{shown}:{port}/graphql", flush=True)
        if workers > 1:  # each worker builds its own app (and driver) from the environment
            uvicorn.run(
                "api.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", http=NoDelayH11Protocol,
            )  # fmt: skip
        else:
            app = create_app(AppSettings(), Neo4jSettings())
            uvicorn.run(app, host=host, port=port, http=NoDelayH11Protocol)
