"""``scholargraph identity evaluate``: author identity measured on labelled data, end to end;
``scholargraph identity review``: the least certain author links, or one author's, with why.

Each set's records go through the same writer as ``scholargraph load`` (batched
``graph.ingest.write_batch`` transactions, then the metrics refresh); the graph is read back and
scored (``graph.identity_eval``): pairwise and B³ precision/recall/F1, pooled and per block, and
the worst blocks. The writes need a database of their own: an empty one at ``NEO4J_URI``, or
``--scratch`` for a throwaway local server (every set then starts from an empty graph).
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from neo4j import Driver

    from graph.identity_eval import SetEvaluation
    from graph.overrides import Overrides
    from graph.settings import Neo4jSettings
    from loaders.labelled import LabelledSet
    from loaders.records import Record

err = Console(stderr=True)
identity_app = typer.Typer(
    no_args_is_help=True, help="Author identity: measure it, and review why links were made."
)

WORST_BLOCKS = 10


#: ``--overrides`` of ``load`` and ``bulk-import``.
OverridesOption = Annotated[
    Path | None,
    typer.Option(
        help="identity overrides (TOML: merge, split, never; docs/identity.md); default "
        "SCHOLARGRAPH_IDENTITY_OVERRIDES"
    ),
]


def overrides_or_exit(path: Path | None) -> Overrides | None:
    """The overrides file given (else ``SCHOLARGRAPH_IDENTITY_OVERRIDES``, else none), read
    before anything is written; a bad one ends the command with exit code 2, naming the file,
    the entry and the field."""
    from cli.exit_codes import ExitCode
    from graph.errors import InputError
    from graph.overrides import read_overrides
    from graph.settings import AppSettings

    try:
        return read_overrides(path or AppSettings().identity_overrides)
    except InputError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(ExitCode.USAGE) from None


def register(app: typer.Typer) -> None:
    """Adds the ``identity`` command group to the top-level app."""
    app.add_typer(identity_app, name="identity")


def write_records(
    driver: Driver, database: str, records: Iterable[Record], batch_size: int | None = None
) -> Counter[str]:
    """The ``load`` command's writer on records already in memory: batches of
    ``batch_size`` records, one write transaction each, then the metrics refresh."""
    from graph.author_clustering import IdentityRules, KeptProfiles
    from graph.author_links import printed_names
    from graph.ingest import IngestBatch, refresh_metrics, write_batch
    from loaders.writer import DEFAULT_BATCH_SIZE, add_record

    size = batch_size or DEFAULT_BATCH_SIZE
    counts: Counter[str] = Counter()
    rules = IdentityRules(  # as `load` does
        name_stats=printed_names(driver, database), kept=KeptProfiles()
    )
    batch = IngestBatch()
    for record in records:
        add_record(batch, record)
        if len(batch) >= size:
            counts.update(write_batch(driver, database, batch, rules))
            batch = IngestBatch()
    if len(batch):
        counts.update(write_batch(driver, database, batch, rules))
    refresh_metrics(driver, database)
    return counts


def evaluate_sets(
    driver: Driver,
    database: str,
    sets: Iterable[LabelledSet],
    *,
    before_each: Callable[[], None] | None = None,
    batch_size: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[SetEvaluation]:
    """Loads and scores each set in turn (``before_each`` may empty a scratch database)."""
    from graph.identity_eval import evaluate_loaded

    out = []
    for labelled in sets:
        if before_each is not None:
            before_each()
        if progress is not None:
            skipped = f", {labelled.skipped:,} skipped" if labelled.skipped else ""
            progress(f"{labelled.name}: {len(labelled.mentions):,} mentions{skipped}")
        evaluation = evaluate_loaded(
            driver,
            database,
            labelled.name,
            labelled.source,
            labelled.mentions,
            partial(write_records, driver, database, labelled.records, batch_size),
        )
        evaluation.skipped = labelled.skipped
        out.append(evaluation)
    return out


def report(
    evaluations: Sequence[SetEvaluation],
    worst: int = WORST_BLOCKS,
    pooled_over: Sequence[str] | None = None,
    per_block: bool = True,
) -> dict[str, Any]:
    """The evaluation as JSON: every set (with every block's scores when ``per_block``), and the
    sets named in ``pooled_over`` (default: all) pooled."""
    from graph.identity_eval import pooled

    names = list(pooled_over) if pooled_over is not None else [e.name for e in evaluations]
    chosen = [e for e in evaluations if e.name in names]
    return {
        "sets": [e.as_dict(worst, per_block) for e in evaluations],
        "pooled": pooled(chosen).as_dict() if len(chosen) > 1 else None,
        "pooled_over": [e.name for e in chosen],
    }


@contextmanager
def scratch_server() -> Iterator[str]:
    """A throwaway local Neo4j (temp folder, free port), stopped and removed afterwards."""
    from graph.server import LocalNeo4j, free_port
    from graph.settings import LocalServerSettings

    local = LocalServerSettings()
    home = Path(tempfile.mkdtemp(prefix="sg-identity-"))
    server = LocalNeo4j(home, cache_dir=local.home / "cache", version=local.version,
                        port=free_port(), heap="1g", pagecache="512m")  # fmt: skip
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


@identity_app.command("evaluate")
def evaluate(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="a labelled set (a folder or file with mentions.jsonl, a folder of its "
            "original <person> XML files, or a folder of such sets), or any source file whose "
            "authors carry ids (OpenAlex, S2, dblp): its ids are the gold labels and are "
            "stripped before loading",
            exists=True,
        ),
    ],
    out: Annotated[Path | None, typer.Option("--out", help="write the JSON report here")] = None,
    limit_blocks: Annotated[
        int | None, typer.Option("--limit-blocks", min=1, help="first N blocks of each set")
    ] = None,
    worst: Annotated[int, typer.Option(min=0, help="worst blocks listed")] = WORST_BLOCKS,
    scratch: Annotated[
        bool, typer.Option(help="use a throwaway local Neo4j instead of NEO4J_URI")
    ] = False,
) -> None:
    """Load labelled authorships through the product's writer, read back which Author each
    landed on, and print pairwise and B³ precision/recall/F1 (pooled, per set, worst blocks)."""
    from graph.identity_eval import clear_scratch_database, node_count
    from graph.schema import apply_schema
    from graph.settings import Neo4jSettings
    from loaders.labelled import iter_sets

    settings = Neo4jSettings()
    sets = list(iter_sets(paths, limit_blocks))
    with _database(settings, scratch) as (driver, database):
        if not scratch and node_count(driver, database):
            err.print(
                f"[red]error:[/] the database at {settings.uri} is not empty: the evaluation "
                "writes its records into the graph; point NEO4J_URI at an empty database or "
                "pass --scratch"
            )
            raise typer.Exit(2)
        apply_schema(driver, database)
        evaluations = evaluate_sets(
            driver,
            database,
            sets,
            before_each=(lambda: clear_scratch_database(driver, database)) if scratch else None,
            progress=lambda line: err.print(f"loading {line}"),
        )
    result = report(evaluations, worst)
    _print(result, worst)
    if out is not None:
        out.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")
        err.print(f"report written to {out}")


@identity_app.command("review")
def review(
    author: Annotated[
        str | None,
        typer.Option("--author", help="this author's links (any id form) instead"),
    ] = None,
    first: Annotated[int, typer.Option(min=1, max=1000, help="links listed")] = 20,
    rule: Annotated[
        str | None,
        typer.Option(help="only this rule: evidence (joined a cluster) or relinked"),
    ] = None,
    json: Annotated[bool, typer.Option("--json/--no-json", help="JSON instead of a table")] = False,
) -> None:
    """The author links closest to the threshold (lowest evidence score first), each with its
    rule, score and what agreed; or, with --author, every link of one author."""
    from cli.main import print_api_json
    from graph.db import open_driver
    from graph.identity_review import author_links, least_certain
    from graph.settings import Neo4jSettings

    settings = Neo4jSettings()
    with open_driver(settings) as driver:
        if author is not None:
            links = author_links(driver, settings.database, author, first)
        else:
            links = least_certain(driver, settings.database, first, rule)
    if json:
        print_api_json([link.as_dict() for link in links])
        return
    table = Table(title=f"links of {author}" if author else "least certain author links")
    for col in ("author", "paper", "year", "printed", "rule", "score", "what agreed"):
        table.add_column(col, overflow="fold")
    for link in links:
        table.add_row(
            f"{link.name or ''}\n{link.author}", f"{(link.title or '')[:60]}\n{link.paper}",
            str(link.year or ""), link.printed or "", link.rule or "-",
            "" if link.score is None else f"{link.score:.2f}", _agreed(link.evidence),
        )  # fmt: skip
    Console().print(table)
    if not links:
        err.print("no links found" + (f" for {author}" if author else " with a score"))


def _agreed(evidence: dict[str, Any] | None) -> str:
    """The evidence in words: what agreed between the mention and the cluster."""
    if not evidence:
        return ""
    parts = []
    if evidence.get("coauthors"):
        parts.append("co-authors " + ", ".join(evidence["coauthors"]))
    if evidence.get("venue"):
        parts.append("venue")
    if evidence.get("categories"):
        parts.append(f"{evidence['categories']} categories")
    if evidence.get("terms"):
        parts.append(f"words {evidence['terms']:.2f}")
    if evidence.get("affiliation"):
        parts.append("affiliation")
    if evidence.get("year_gap"):
        parts.append(f"{evidence['year_gap']} years apart")
    return "; ".join(parts)


@contextmanager
def _database(settings: Neo4jSettings, scratch: bool) -> Iterator[tuple[Driver, str]]:
    from graph.db import open_driver
    from graph.settings import Neo4jSettings

    with ExitStack() as stack:
        if scratch:
            with err.status("starting a scratch Neo4j …"):
                uri = stack.enter_context(scratch_server())
            settings = Neo4jSettings(uri=uri, password=None, database="neo4j")
        yield stack.enter_context(open_driver(settings)), settings.database


def _print(result: dict[str, Any], worst: int) -> None:
    table = Table(title="author identity (pairwise and B³)")
    for col in ("set", "mentions", "gold", "clusters", "pw P", "pw R", "pw F1", "B³ P", "B³ R",
                "B³ F1"):  # fmt: skip
        table.add_column(col, justify="right", no_wrap=True)

    def row(name: str, s: dict[str, Any]) -> None:
        pw, b3 = s["pairwise"], s["bcubed"]
        table.add_row(
            name, f"{s['mentions']:,}", f"{s['gold_clusters']:,}",
            f"{s['predicted_clusters']:,}",
            *(f"{x:.3f}" for x in (pw["precision"], pw["recall"], pw["f1"], b3["precision"],
                                   b3["recall"], b3["f1"])),
        )  # fmt: skip

    for s in result["sets"]:
        row(s["name"], s)
    if result["pooled"] is not None:
        row("pooled", result["pooled"])
    err.print(table, width=max(err.width, 120))  # a full row, even when not a terminal
    for s in result["sets"]:
        if s["missing_authorships"]:
            err.print(f"[yellow]{s['name']}: {s['missing_authorships']} mentions not found[/]")
        if s["skipped_mentions"]:
            err.print(
                f"[yellow]{s['name']}: {s['skipped_mentions']} mentions skipped (no title or "
                "no gold label), not scored[/]"
            )
        if worst and s["worst_blocks"]:
            names = ", ".join(
                f"{b['block']} ({b['bcubed']['f1']:.2f})" for b in s["worst_blocks"][:worst]
            )
            err.print(f"{s['name']} worst blocks by B³ F1: {names}")
