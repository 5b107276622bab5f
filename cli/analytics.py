"""`scholargraph analyze` and `scholargraph export`: igraph analytics and Gephi/Cytoscape files."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from graph.analytics.parameters import EXPOSED
from graph.errors import ScholarGraphError

err = Console(stderr=True)
out = Console()

ENGINES = ("igraph", "spark")
SPARK_SOURCES = ("neo4j", "csv")

FLAG = " "  # flags take no value; typer's help would otherwise show them as <bool>
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
FirstOpt = Annotated[int, typer.Option("--first", min=1, help="rows to show")]
TopOpt = Annotated[
    int | None, typer.Option("--top", min=1, hidden=True, help="deprecated: use --first")
]
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json/--no-json", metavar=FLAG, help="print JSON (camelCase keys) instead of a table"
    ),
]
SelfCiteOpt = Annotated[
    bool,
    typer.Option(
        "--self-citations/--no-self-citations",
        metavar=FLAG,
        help="author-citation: keep author self-loops",
    ),
]


def register(app: typer.Typer) -> None:
    app.command()(analyze)
    app.command()(export)
    spark = typer.Typer(help="The Spark engine of the analytics (docs/scale-out.md).")
    spark.command("install")(spark_install)
    app.add_typer(spark, name="spark")


def spark_install() -> None:
    """Fetch the Neo4j Connector for Apache Spark jar from Maven Central (once; part of
    `make install`). Exit codes: 0 installed; 5 Maven failed."""
    from graph.analytics.spark.session import SparkUnavailable, install_connector
    from graph.settings import SparkSettings

    try:
        jar = install_connector(SparkSettings())
    except SparkUnavailable as e:
        err.print(f"[bold red]error:[/] {e}")
        raise typer.Exit(5) from e
    err.print(f"connector: {jar}")


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


def parameter_options(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with one option per exposed algorithm parameter (``PARAMETER_SPECS`` of
    ``graph.analytics.parameters``: flag, type, help) in place of its ``params`` argument,
    which receives the options given as ``{name: value}``."""
    signature = inspect.signature(command, eval_str=True)
    options = [
        inspect.Parameter(
            p.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=None,
            annotation=Annotated[p.type | None, typer.Option(p.flag, help=p.help)],
        )
        for p in EXPOSED
    ]
    shown: list[inspect.Parameter] = []
    for param in signature.parameters.values():
        shown += options if param.name == "params" else [param]

    @functools.wraps(command)
    def with_options(**kwargs: Any) -> None:
        given = {p.name: kwargs.pop(p.name) for p in EXPOSED}
        command(**kwargs, params={k: v for k, v in given.items() if v is not None})

    with_options.__signature__ = signature.replace(parameters=shown)  # type: ignore[attr-defined]
    return with_options


@parameter_options
def analyze(
    graph: GraphOpt,
    algorithm: Annotated[
        str, typer.Option("--algorithm", "-a", help="a name of the registry (docs/analytics.md)")
    ],
    category: CategoryOpt = None,
    year_from: YearFromOpt = None,
    year_to: YearToOpt = None,
    venue: VenueOpt = None,
    seed: SeedOpt = None,
    hops: HopsOpt = 1,
    min_weight: MinWeightOpt = 1,
    self_citations: SelfCiteOpt = False,
    params: dict[str, Any] | None = None,  # the registry's parameters: see parameter_options
    tolerance: Annotated[
        float | None,
        typer.Option("--tolerance", help="spark pagerank: rounds until ranks move less than this"),
    ] = None,
    write: Annotated[
        bool,
        typer.Option(
            "--write/--no-write",
            metavar=FLAG,
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
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="igraph (one machine) | spark (GraphX on SCHOLARGRAPH_SPARK_MASTER, "
            "docs/scale-out.md)",
        ),
    ] = "igraph",
    spark_source: Annotated[
        str,
        typer.Option(
            "--spark-source",
            help="spark: neo4j (the connector) | csv (a bulk-import snapshot, --csv-dir)",
        ),
    ] = "neo4j",
    csv_dir: Annotated[
        Path | None,
        typer.Option("--csv-dir", help="spark: folder of `bulk-import --keep-csv` CSV files"),
    ] = None,
    first: FirstOpt = 10,
    top: TopOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Export a subgraph in one query, run an igraph algorithm, show the first N (or --write).
    With --engine spark the same graph runs on GraphX (docs/scale-out.md).

    Exit codes: 0 done; 2 bad arguments; 4 Neo4j unreachable (docs/cli.md)."""
    from graph.analytics.algorithms import SEEDED, check_parameters
    from graph.analytics.runs import analyze as run_analysis
    from graph.db import open_driver
    from graph.errors import InputError
    from graph.settings import AppSettings, Neo4jSettings

    params = dict(params or {})
    if tolerance is not None:  # the Spark engine's own (graph.analytics.spark.engine)
        params["tolerance"] = tolerance
    try:
        if engine not in ENGINES:
            raise InputError("engine", engine, " or ".join(ENGINES))
        if spark_source not in SPARK_SOURCES:
            raise InputError("spark source", spark_source, " or ".join(SPARK_SOURCES))
        if spark_source == "csv" and csv_dir is None:
            raise InputError(
                "csv dir", None, "the snapshot folder (--csv-dir) for --spark-source csv"
            )
        if algorithm in SEEDED:
            # ppr/distance seeds are nodes of the (unseeded) graph
            params["seeds"] = list(seed or [])
            spec = _spec(graph, category, year_from, year_to, venue, None, hops, min_weight,
                         self_citations)  # fmt: skip
        else:
            spec = _spec(graph, category, year_from, year_to, venue, seed, hops, min_weight,
                         self_citations)  # fmt: skip
        if engine == "igraph":
            check_parameters(algorithm, params)  # before anything is read or recorded
        settings = Neo4jSettings()
        app = AppSettings()
        if top is not None:
            err.print("[yellow]--top is deprecated: use --first[/]")
        with open_driver(settings) as driver, err.status("starting") as status:

            def on_phase(phase: str) -> None:
                status.update(PHASES.get(phase, phase).format(algorithm=algorithm))

            common: dict[str, Any] = {
                "write": write, "top": first if top is None else top,
                "batch_size": batch_size or app.analysis_write_batch,
                "stale_after": app.analysis_stale_after, "on_phase": on_phase,
            }  # fmt: skip
            if engine == "spark":
                outcome = _spark(driver, settings, spec, algorithm, params, spark_source,
                                 csv_dir, common, status)  # fmt: skip
            else:
                outcome = run_analysis(driver, settings.database, spec, algorithm, params,
                                       **common)  # fmt: skip
            status.update("reading names")
            names = _names(driver, settings.database, outcome)
    except ScholarGraphError as e:
        raise _fail(e) from e
    if as_json:
        from cli.main import print_api_json

        print_api_json(outcome.as_dict())
        return
    _print(outcome, names)


def _spark(
    driver: Any,
    settings: Any,
    spec: Any,
    algorithm: str,
    params: dict[str, Any],
    source_name: str,
    csv_dir: Path | None,
    common: dict[str, Any],
    status: Any,
) -> Any:
    """One run on Spark: settings read now, the session stopped at the end."""
    from graph.analytics.spark.engine import analyze as spark_analyze
    from graph.analytics.spark.engine import check_params
    from graph.analytics.spark.session import open_session
    from graph.analytics.spark.sources import CsvSource, GraphSource, Neo4jSource
    from graph.settings import SparkSettings

    check_params(algorithm, params)  # before a JVM starts
    spark_settings = SparkSettings()
    status.update(f"starting Spark ({spark_settings.master})")
    session = open_session(spark_settings)
    try:
        source: GraphSource = (
            CsvSource(csv_dir) if source_name == "csv" and csv_dir is not None
            else Neo4jSource(settings, driver)
        )  # fmt: skip
        return spark_analyze(driver, settings.database, session, source, spec, algorithm,
                             params, **common)  # fmt: skip
    finally:
        session.stop()


PHASES = {
    "export": "exporting the subgraph",
    "algorithm": "running {algorithm}",
    "write": "writing results (staged, then published at once)",
}


def _names(driver: Any, database: str, outcome: Any) -> dict[str, str]:
    """Name or title of every id the tables show, in one read."""
    from graph.analytics.export import node_attributes

    ids = [row.id for rows in outcome.top.values() for row in rows]
    ids += [m for c in outcome.communities for m in c.members]
    if not ids:
        return {}
    attrs = node_attributes(driver, database, outcome.spec.kind.label, ids)
    return {i: a.label for i, a in attrs.items() if a.label}


def _print(outcome: Any, names: dict[str, str]) -> None:
    head = (
        f"{outcome.spec.kind.value} graph ({outcome.spec.hash}): {outcome.node_count:,} nodes, "
        f"{outcome.edge_count:,} edges; {outcome.algorithm} in "
        f"{outcome.timings_ms['algorithm']:.0f} ms (export {outcome.timings_ms['export']:.0f} ms)"
        + (" on spark" if outcome.parameters.get("engine") == "spark" else "")
    )
    err.print(head)
    text = "name" if outcome.spec.kind.label.value == "Author" else "title"
    if outcome.communities:
        table = Table("community", "size", "members (highest degree)")
        for c in outcome.communities:
            members = ", ".join(f"{names[m]} ({m})" if m in names else m for m in c.members)
            table.add_row(str(c.community), f"{c.size:,}", members)
        out.print(table)
        extra = f"; modularity {outcome.modularity:.4f}" if outcome.modularity is not None else ""
        err.print(f"{outcome.community_count:,} communities{extra}")
    for name, rows in outcome.top.items():
        table = Table("#", "id", text, name)
        for i, row in enumerate(rows, 1):
            table.add_row(str(i), row.id, names.get(row.id, ""), f"{row.score:.6g}")
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
    """Write a subgraph as GraphML, GEXF or CSV (edge list + node table) for Gephi/Cytoscape.

    Nodes carry label (name or title), year, paper_count, citations and the latest COMPLETE
    whole-graph analysis values (pagerank, community, ...). Exit codes: 0 written; 2 bad
    arguments; 4 Neo4j unreachable (docs/cli.md)."""
    from graph.analytics.export import export_edges
    from graph.analytics.interchange import FORMATS, node_table, write_graph
    from graph.db import open_driver
    from graph.errors import InputError
    from graph.settings import Neo4jSettings

    try:
        if format not in FORMATS:
            raise InputError("format", format, "one of " + ", ".join(FORMATS))
        spec = _spec(graph, category, year_from, year_to, venue, seed, hops, min_weight,
                     self_citations)  # fmt: skip
        settings = Neo4jSettings()
        with open_driver(settings) as driver, err.status("exporting the subgraph") as status:
            edges = export_edges(driver, settings.database, spec)
            status.update(f"reading attributes of {edges.node_count:,} nodes")
            nodes = node_table(driver, settings.database, edges)
            status.update(f"writing {format}")
            paths = write_graph(edges, format, output, nodes)
    except ScholarGraphError as e:
        raise _fail(e) from e
    err.print(
        f"{edges.node_count:,} nodes, {edges.edge_count:,} edges -> "
        + ", ".join(str(p) for p in paths)
    )
