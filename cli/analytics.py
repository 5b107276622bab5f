"""`scholargraph analyze` and `scholargraph export`: igraph analytics and Gephi/Cytoscape files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

from graph.errors import ScholarGraphError

err = Console(stderr=True)
out = Console()

ALGORITHM_NAMES = (
    "pagerank", "ppr", "betweenness", "eigenvector", "hits", "degree", "harmonic", "coreness",
    "components", "leiden", "louvain",
)  # fmt: skip

GraphOpt = Annotated[
    str, typer.Option("--graph", "-g", help="coauthorship | citation | author-citation")
]
CategoryOpt = Annotated[
    list[str] | None,
    typer.Option("--category", help="category id (subcategories included); repeatable"),
]
YearFromOpt = Annotated[int | None, typer.Option("--year-from", help="first paper year")]
YearToOpt = Annotated[int | None, typer.Option("--year-to", help="last paper year")]
VenueOpt = Annotated[list[str] | None, typer.Option("--venue", help="venue id; repeatable")]
SeedOpt = Annotated[
    list[str] | None,
    typer.Option("--seed", help="ego-network seed id (ppr: personalisation seed); repeatable"),
]
HopsOpt = Annotated[int, typer.Option("--hops", help="ego-network radius around the seeds")]
MinWeightOpt = Annotated[int, typer.Option("--min-weight", help="drop lighter edges")]
SelfCiteOpt = Annotated[
    bool, typer.Option("--self-citations", help="author-citation: keep author self-loops")
]


def register(app: typer.Typer) -> None:
    app.command()(analyze)
    app.command()(export)


def _spec(
    graph: str,
    category: list[str] | None,
    year_from: int | None,
    year_to: int | None,
    venue: list[str] | None,
    seeds: list[str] | None,
    hops: int,
    min_weight: int,
    self_citations: bool,
) -> Any:
    from graph.analytics.spec import GraphKind, GraphSpec

    return GraphSpec(
        kind=GraphKind.parse(graph),
        categories=tuple(category or ()),
        year_from=year_from,
        year_to=year_to,
        venues=tuple(venue or ()),
        seeds=tuple(seeds or ()),
        hops=hops,
        min_weight=min_weight,
        self_citations=self_citations,
    )


def _fail(e: ScholarGraphError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {e}")
    return typer.Exit(2)


def analyze(
    graph: GraphOpt,
    algorithm: Annotated[str, typer.Option("--algorithm", "-a", help=" | ".join(ALGORITHM_NAMES))],
    category: CategoryOpt = None,
    year_from: YearFromOpt = None,
    year_to: YearToOpt = None,
    venue: VenueOpt = None,
    seed: SeedOpt = None,
    hops: HopsOpt = 1,
    min_weight: MinWeightOpt = 1,
    self_citations: SelfCiteOpt = False,
    resolution: Annotated[
        float | None, typer.Option("--resolution", help="leiden/louvain resolution (> 0)")
    ] = None,
    iterations: Annotated[
        int | None, typer.Option("--iterations", help="leiden: iterations (-1: until stable)")
    ] = None,
    damping: Annotated[
        float | None, typer.Option("--damping", help="pagerank/ppr damping in (0, 1)")
    ] = None,
    cutoff: Annotated[
        int | None, typer.Option("--cutoff", help="betweenness/harmonic: max path hops")
    ] = None,
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="write results back atomically: an AnalysisRun RUNNING, staged values, then "
            "all published at once (COMPLETE)",
        ),
    ] = False,
    batch_size: Annotated[
        int | None,
        typer.Option(
            "--batch-size",
            min=1,
            help="nodes per staged write transaction (default SCHOLARGRAPH_ANALYSIS_WRITE_BATCH)",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="rows to show")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Export a subgraph in one query, run an igraph algorithm, show the top N (or --write)."""
    from graph.analytics.runs import analyze as run_analysis
    from graph.db import open_driver
    from graph.settings import AppSettings, Neo4jSettings

    params: dict[str, Any] = {}
    if resolution is not None:
        params["resolution"] = resolution
    if iterations is not None:
        params["iterations"] = iterations
    if damping is not None:
        params["damping"] = damping
    if cutoff is not None:
        params["cutoff"] = cutoff
    try:
        if algorithm == "ppr":
            # ppr seeds personalise the walk on the (unseeded) graph
            params["seeds"] = list(seed or [])
            spec = _spec(graph, category, year_from, year_to, venue, None, hops, min_weight,
                         self_citations)  # fmt: skip
        else:
            spec = _spec(graph, category, year_from, year_to, venue, seed, hops, min_weight,
                         self_citations)  # fmt: skip
        settings = Neo4jSettings()
        app = AppSettings()
        with open_driver(settings) as driver:
            outcome = run_analysis(
                driver, settings.database, spec, algorithm, params, write=write, top=top,
                batch_size=batch_size or app.analysis_write_batch,
                stale_after=app.analysis_stale_after,
            )  # fmt: skip
    except ScholarGraphError as e:
        raise _fail(e) from e
    if as_json:
        sys.stdout.write(
            orjson.dumps(outcome.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n"
        )
        return
    _print(outcome)


def _print(outcome: Any) -> None:
    head = (
        f"{outcome.spec.kind.value} graph ({outcome.spec.hash}): {outcome.node_count:,} nodes, "
        f"{outcome.edge_count:,} edges; {outcome.algorithm} in "
        f"{outcome.timings_ms['algorithm']:.0f} ms (export {outcome.timings_ms['export']:.0f} ms)"
    )
    err.print(head)
    if outcome.communities:
        table = Table("community", "size", "members (highest degree)")
        for c in outcome.communities:
            table.add_row(str(c.community), f"{c.size:,}", ", ".join(c.members))
        out.print(table)
        extra = f"; modularity {outcome.modularity:.4f}" if outcome.modularity is not None else ""
        err.print(f"{outcome.community_count:,} communities{extra}")
    for name, rows in outcome.top.items():
        table = Table("#", "id", name)
        for i, row in enumerate(rows, 1):
            table.add_row(str(i), row.id, f"{row.score:.6g}")
        out.print(table)
    if outcome.run_id:
        keys = ", ".join(outcome.result_keys.values())
        err.print(f"written to {keys} (AnalysisRun {outcome.run_id})")


def export(
    graph: GraphOpt,
    format: Annotated[str, typer.Option("--format", "-f", help="graphml | gexf | csv")],
    output: Annotated[Path, typer.Option("--output", "-o", help="file to write")],
    category: CategoryOpt = None,
    year_from: YearFromOpt = None,
    year_to: YearToOpt = None,
    venue: VenueOpt = None,
    seed: SeedOpt = None,
    hops: HopsOpt = 1,
    min_weight: MinWeightOpt = 1,
    self_citations: SelfCiteOpt = False,
) -> None:
    """Write a subgraph as GraphML, GEXF or CSV (edge list + node table) for Gephi/Cytoscape."""
    from graph.analytics.export import export_edges
    from graph.analytics.interchange import FORMATS, write_graph
    from graph.db import open_driver
    from graph.errors import InputError
    from graph.settings import Neo4jSettings

    try:
        if format not in FORMATS:
            raise InputError("format", format, "one of " + ", ".join(FORMATS))
        spec = _spec(graph, category, year_from, year_to, venue, seed, hops, min_weight,
                     self_citations)  # fmt: skip
        settings = Neo4jSettings()
        with open_driver(settings) as driver:
            edges = export_edges(driver, settings.database, spec)
        paths = write_graph(edges, format, output)
    except ScholarGraphError as e:
        raise _fail(e) from e
    err.print(
        f"{edges.node_count:,} nodes, {edges.edge_count:,} edges -> "
        + ", ".join(str(p) for p in paths)
    )
