"""`scholargraph novelty [--write]`: our text novelty of papers and authors (docs/novelty.md).

Computes over every loaded paper; ``--write`` publishes paper and author values with two
``AnalysisRun`` nodes (atomic, like ``analyze --write``). ``--category`` / ``--year`` only choose
which papers the printed lists and the citation correlation cover.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cli.analytics import FLAG


def register(app: typer.Typer) -> None:
    """Adds ``novelty`` to the top-level app."""

    @app.command("novelty")
    def novelty(
        write: Annotated[
            bool,
            typer.Option(
                "--write/--no-write", metavar=FLAG, help="publish the values with AnalysisRun nodes"
            ),
        ] = False,
        category: Annotated[
            str | None, typer.Option("--category", help="list papers of this category only")
        ] = None,
        year: Annotated[int | None, typer.Option("--year", help="list papers of this year")] = None,
        first: Annotated[int, typer.Option("--first", min=1, max=1000, help="papers per list")] = 5,
        json: Annotated[
            bool, typer.Option("--json/--no-json", metavar=FLAG, help="print the outcome as JSON")
        ] = False,
    ) -> None:
        """Text novelty: 1 - max TF-IDF cosine to earlier papers of the primary category."""
        from rich.console import Console

        from cli.main import print_api_json
        from graph.analytics.novelty import run_novelty
        from graph.db import open_driver
        from graph.settings import Neo4jSettings

        settings = Neo4jSettings()
        with open_driver(settings) as driver:
            outcome = run_novelty(
                driver, settings.database, write=write, top=first, category=category, year=year
            )
        if json:
            print_api_json(outcome.as_dict())
            return
        out = Console()
        out.print(
            f"novelty: {outcome.scored:,} of {outcome.papers:,} papers, "
            f"{outcome.authors:,} authors; Spearman with citations: {outcome.spearman_citations}"
        )
        for name, rows in (("most novel", outcome.most), ("least novel", outcome.least)):
            out.print(f"[bold]{name}[/bold]")
            for p in rows:
                out.print(f"  {p.novelty:.3f}  {p.id}  {p.year}  {p.title}", markup=False)
        if outcome.paper_run_id:
            out.print(
                f"written: {outcome.paper_run_id} (papers), {outcome.author_run_id} (authors)"
            )
