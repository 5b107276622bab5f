"""`scholargraph` commands: path, suggest, influential (collaboration and influence, as JSON)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer

T = TypeVar("T")


def _run(fn: Callable[[Any], Awaitable[T]]) -> T:
    """Opens the async driver for one command, runs ``fn(scope)``, closes the driver."""
    from graph.db import async_driver
    from graph.repository import ReadScope
    from graph.settings import AppSettings, Neo4jSettings

    settings = Neo4jSettings()
    timeout = AppSettings().read_timeout

    async def main() -> T:
        driver = async_driver(settings)
        try:
            await driver.verify_connectivity()
            return await fn(ReadScope(driver, settings.database, timeout))
        finally:
            await driver.close()

    return asyncio.run(main())


def _path_dict(p: Any) -> dict[str, Any]:
    return {
        "length": p.length,
        "authors": [{"id": a["id"], "name": a.get("name")} for a in p.authors],
        "hops": [
            {
                "from": h.source["id"],
                "to": h.target["id"],
                "joint_paper_count": h.joint_paper_count,
                "papers": [
                    {"id": x["id"], "title": x.get("title"), "year": x.get("year")}
                    for x in h.papers
                ],
            }
            for h in p.hops
        ],
    }


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the top-level app."""
    from cli.main import print_api_json

    @app.command("path")
    def path(
        source: Annotated[str, typer.Argument(metavar="FROM", help="author id (any form)")],
        target: Annotated[str, typer.Argument(metavar="TO", help="author id (any form)")],
        max_hops: Annotated[int, typer.Option(help="longest path accepted")] = 6,
        k: Annotated[int, typer.Option(help="number of distinct paths")] = 1,
        year_from: Annotated[int | None, typer.Option(help="joint papers from this year")] = None,
        year_to: Annotated[int | None, typer.Option(help="joint papers up to this year")] = None,
        avoid: Annotated[list[str] | None, typer.Option(help="author never on the path")] = None,
    ) -> None:
        """Shortest co-authorship path(s) with the joint papers of every hop (JSON; [] if none)."""
        from graph.collaboration import collaboration_paths

        paths = _run(
            lambda scope: collaboration_paths(
                scope, source, target, max_hops=max_hops, k=k, year_from=year_from,
                year_to=year_to, avoid=avoid or [],
            )
        )  # fmt: skip
        print_api_json([_path_dict(p) for p in paths])

    @app.command("suggest")
    def suggest(
        author: Annotated[str, typer.Argument(help="author id (any form)")],
        first: Annotated[int, typer.Option(help="number of suggestions")] = 10,
    ) -> None:
        """Suggested collaborators with score and reasons (JSON)."""
        from graph.collaboration import suggest_collaborators

        rows = _run(lambda scope: suggest_collaborators(scope, author, first))
        print_api_json(
            [
                {
                    "author": {"id": s.author["id"], "name": s.author.get("name")},
                    "score": s.score,
                    "adamic_adar": s.adamic_adar,
                    "category_jaccard": s.category_jaccard,
                    "same_community": s.same_community,
                    "community": s.community,
                    "common_coauthors": [a["id"] for a in s.common_coauthors],
                    "common_coauthor_count": s.common_coauthor_count,
                    "shared_categories": s.shared_categories,
                }
                for s in rows
            ]
        )

    @app.command("influential")
    def influential(
        category: Annotated[str | None, typer.Option(help="category id, e.g. arxiv:hep-th")] = None,
        year_from: Annotated[int | None, typer.Option()] = None,
        year_to: Annotated[int | None, typer.Option()] = None,
        by: Annotated[str, typer.Option(help="pagerank, citations or hindex")] = "pagerank",
        papers: Annotated[
            bool, typer.Option("--papers/--authors", metavar=" ", help="rank papers")
        ] = False,
        first: Annotated[int, typer.Option()] = 10,
    ) -> None:
        """Most influential authors (or papers) of a filtered citation graph (JSON)."""
        from graph import influence

        if papers:
            ps = _run(
                lambda scope: influence.influential_papers(
                    scope, category, year_from, year_to, by, first
                )
            )
            print_api_json(
                [
                    {
                        "id": s.paper["id"],
                        "title": s.paper.get("title"),
                        "score": s.score,
                        "pagerank": s.pagerank,
                        "citations": s.citations,
                    }
                    for s in ps
                ]  # fmt: skip
            )
            return
        rows = _run(
            lambda scope: influence.influential_authors(
                scope, category, year_from, year_to, by, first
            )
        )
        print_api_json(
            [
                {
                    "id": s.author["id"],
                    "name": s.author.get("name"),
                    "score": s.score,
                    "pagerank": s.pagerank,
                    "citations": s.citations,
                    "h_index": s.h_index,
                    "paper_count": s.paper_count,
                }
                for s in rows
            ]  # fmt: skip
        )
