"""`scholargraph draw AUTHOR --out net.svg|png`: the author's co-author network as a picture.

The network is the one the /network page shows (api/pages/network.py: composed from GraphQL
``coauthors`` answers of the app's own schema, 1–2 hops, capped), laid out by igraph
(Fruchterman–Reingold, deterministic). SVG is written directly; PNG is drawn by matplotlib,
which must be installed for it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from api.pages.network import Network

FORMATS = (".svg", ".png")


def _compose(author: str, limit: int, hops: int) -> Network:
    from api.context import Context
    from api.pages import network
    from api.pages.gql import PageError, Runner
    from api.schema import build_schema
    from graph.db import async_driver
    from graph.repository import ReadScope
    from graph.settings import AppSettings, Neo4jSettings

    settings = Neo4jSettings()
    app_settings = AppSettings()

    async def main() -> Network:
        driver = async_driver(settings)
        try:
            await driver.verify_connectivity()
            scope = ReadScope(driver, settings.database, app_settings.read_timeout)
            run = Runner(
                build_schema(app_settings), lambda: Context(scope=scope, settings=app_settings)
            )
            try:
                return await network.compose(run, author, limit, hops)
            except PageError as e:
                raise typer.BadParameter(e.message, param_hint="AUTHOR") from e
        finally:
            await driver.close()

    return asyncio.run(main())


def register(app: typer.Typer) -> None:
    """Adds ``draw`` to the top-level app."""

    @app.command("draw")
    def draw(
        author: Annotated[str, typer.Argument(help="author id (any form: name:, orcid:, ...)")],
        out: Annotated[
            Path, typer.Option("--out", "-o", help="picture to write: .svg, or .png (matplotlib)")
        ],
        limit: Annotated[int, typer.Option(min=2, max=500, help="at most this many authors")] = 150,
        hops: Annotated[int, typer.Option(min=1, max=2, help="1: co-authors; 2: theirs too")] = 2,
    ) -> None:
        """Draw an author's co-author network (size: papers, colour: Leiden community)."""
        from api.pages import network

        suffix = out.suffix.lower()
        if suffix not in FORMATS:
            raise typer.BadParameter(
                f"{out.name!r} ends in {suffix or 'nothing'!r}: use .svg or .png",
                param_hint="--out",
            )
        if suffix == ".png":
            try:
                import matplotlib  # noqa: F401
            except ImportError:
                raise typer.BadParameter(
                    "PNG needs matplotlib (pip install matplotlib); .svg needs nothing",
                    param_hint="--out",
                ) from None
        try:
            net = _compose(author, limit, hops)
        except network.AuthorNotFound as e:
            raise typer.BadParameter(str(e), param_hint="AUTHOR") from e
        centre = next(n for n in net.nodes if n.hop == 0)
        title = f"Co-author network of {centre.name}"
        if suffix == ".svg":
            out.write_text(network.to_svg(net, title), encoding="utf-8")
        else:
            network.write_png(net, title, str(out))
        typer.echo(f"{out}: {network.caption_text(net)}", err=True)
