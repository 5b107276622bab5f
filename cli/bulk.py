"""``scholargraph bulk-import``: a big initial load of OpenAlex works through ``neo4j-admin``.

Parses the files with the normal parser, turns records into the shared writer's rows
(``loaders.writer.paper_row``), writes import CSVs (``graph.bulk``), checks that the database
is empty, stops the local server, runs ``neo4j-admin database import full`` against its store,
starts it again and applies the schema and the computed metrics. See docs/performance.md.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from cli.exit_codes import ExitCode
from cli.identity import OverridesOption, overrides_or_exit

if TYPE_CHECKING:
    from graph.overrides import Overrides

err = Console(stderr=True)

BULK_FORMATS = ("openalex",)  # sources whose every paper and reference has a strong W id


def register(app: typer.Typer) -> None:
    """Adds this module's commands to the top-level app."""
    app.command("bulk-import")(bulk_import)


@dataclass(slots=True)
class BulkResult:
    papers: int = 0
    parse_errors: int = 0
    csv: dict[str, int] = field(default_factory=dict)
    duplicates_skipped: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_formats(paths: list[str] | list[Path], fmt: str | None) -> list[tuple[list[Path], Any]]:
    """Every input's parser, or ``BulkImportError`` for an unknown or unsupported format."""
    from graph.bulk import BulkImportError
    from loaders.detect import expand, plan

    units = []
    for unit, module in plan(expand(paths), fmt):
        name = ", ".join(str(p) for p in unit)
        if isinstance(module, Exception):
            raise BulkImportError(str(module))
        if module.FORMAT not in BULK_FORMATS:
            raise BulkImportError(
                f"{name} is {module.FORMAT}; the bulk path takes {', '.join(BULK_FORMATS)} only "
                "(its identity rules need OpenAlex ids); use `scholargraph load`"
            )
        units.append((unit, module))
    return units


def paper_rows(
    paths: list[str] | list[Path],
    fmt: str | None,
    result: BulkResult,
    errors_to: IO[bytes] | None,
    *,
    workers: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Rows of every paper in ``paths``; bad records go to the errors report and are counted.

    Files are parsed by ``workers`` processes (default: one per core; 0 = in this process),
    in input order, so the rows and the identity decisions are those of a serial parse.
    """
    from graph.errors import SourceError
    from loaders.parallel import paper_rows as parsed_rows
    from loaders.records import ParseIssue
    from loaders.writer import ErrorReport

    report = ErrorReport(errors_to)
    for unit, module in check_formats(paths, fmt):
        for path in unit:
            for item in parsed_rows(path, module, workers=workers):
                if isinstance(item, ParseIssue):
                    result.parse_errors += 1
                    report.add(item)
                    if item.fatal:  # the file cannot be read on: the import stops
                        raise SourceError(str(item.location), item.reason)
                    continue
                result.papers += 1
                yield item


def run_bulk_import(
    server: Any,
    paths: list[str] | list[Path],
    fmt: str | None = None,
    *,
    database: str = "neo4j",
    work_dir: Path | None = None,
    errors_to: IO[bytes] | None = None,
    keep_csv: bool = False,
    threads: int | None = None,
    parse_workers: int | None = None,
    overrides: Overrides | None = None,
    cluster_authors: bool = True,
) -> BulkResult:
    """The whole bulk path against a ``graph.server.LocalNeo4j`` (started if needed)."""
    from graph import bulk
    from graph.author_clustering import IdentityRules
    from graph.db import open_driver
    from graph.gc_tuning import batch_job_gc
    from graph.settings import Neo4jSettings
    from graph.stats import graph_stats

    result = BulkResult()
    check_formats(paths, fmt)  # refuse unsupported input before touching the server
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)  # a new folder is fine; a file is not
    folder = Path(tempfile.mkdtemp(prefix="scholargraph-bulk-", dir=work_dir))
    try:
        t0 = time.perf_counter()
        server.start()
        settings = Neo4jSettings(uri=server.uri, password=server.password, database=database)
        with open_driver(settings) as driver:
            bulk.ensure_empty(driver, database)  # refuse before any work
        result.seconds["start_and_check_empty"] = round(time.perf_counter() - t0, 3)
        t1 = time.perf_counter()
        rows = paper_rows(paths, fmt, result, errors_to, workers=parse_workers)
        rules = IdentityRules(cluster=cluster_authors, apart=overrides.apart if overrides else None)
        with batch_job_gc():  # the clustering's profiles live through the whole pass
            csvs = bulk.write_csvs(rows, folder, rules)
        result.seconds["parse_and_csv"] = round(time.perf_counter() - t1, 3)
        result.csv = csvs.counts
        result.duplicates_skipped = csvs.duplicates_skipped
        with open_driver(settings) as driver:
            bulk.ensure_empty(driver, database)  # still empty right before the store is replaced
        report = bulk.import_offline(server, csvs, database, threads=threads)
        result.seconds.update(
            stop=report.stop_seconds, neo4j_admin_import=report.import_seconds,
            start=report.start_seconds,
        )  # fmt: skip
        with open_driver(settings) as driver:
            done = bulk.finish_import(driver, database, overrides)
            result.stats = graph_stats(driver, database)
        result.seconds.update(
            schema=done.schema_seconds, relink=done.relink_seconds, metrics=done.metrics_seconds
        )
        result.seconds["total"] = round(time.perf_counter() - t0, 3)
    finally:
        if keep_csv:
            err.print(f"CSV files kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return result


def bulk_import(
    paths: Annotated[list[str], typer.Argument(help="OpenAlex works files (JSONL, .gz accepted)")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="openalex (auto-detected)")
    ] = None,
    errors: Annotated[
        Path, typer.Option(help="where bad records are reported (JSON lines)")
    ] = Path("load-errors.jsonl"),
    work_dir: Annotated[
        Path | None,
        typer.Option(
            help="folder for the temporary CSV files, created if missing (default: system tmp)",
            file_okay=False,
        ),
    ] = None,
    keep_csv: Annotated[bool, typer.Option(help="keep the CSV files after the import")] = False,
    threads: Annotated[int | None, typer.Option(help="import tool worker threads")] = None,
    parse_workers: Annotated[
        int | None,
        typer.Option(help="parser processes (default: one per core; 0 = parse in-process)"),
    ] = None,
    overrides: OverridesOption = None,
) -> None:
    """Initial load of an EMPTY local database with neo4j-admin (faster than `load` at scale).

    The local server is stopped for the import and started again; a non-empty database is
    refused. Only OpenAlex works are accepted (see docs/performance.md for the assumptions).
    Exit codes as `load` (docs/loaders.md#exit-codes); 5 when the import itself is refused or
    fails (a non-empty database, the import tool).
    """
    import os

    import orjson

    from cli.main import local_server
    from graph.bulk import BulkImportError
    from graph.db import is_unavailable
    from graph.errors import LocalServerError, SourceError
    from graph.settings import Neo4jSettings
    from loaders.detect import missing_inputs

    if format and format not in BULK_FORMATS:
        err.print(f"[red]error:[/] --format {format!r}: the bulk path takes "
                  f"{', '.join(BULK_FORMATS)} only; use `scholargraph load`")  # fmt: skip
        raise typer.Exit(ExitCode.USAGE)
    missing = missing_inputs(paths)
    for problem in missing:
        err.print(f"[red]error:[/] {problem}")
    if missing:
        err.print("nothing was imported")
        raise typer.Exit(ExitCode.INPUT_ERROR)
    try:
        check_formats(paths, format)
    except BulkImportError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(ExitCode.INPUT_ERROR) from None
    fixes = overrides_or_exit(overrides)
    server = local_server()
    settings = Neo4jSettings()
    if os.environ.get("NEO4J_URI") and settings.uri.rstrip("/") != server.uri:
        err.print(f"[red]error:[/] NEO4J_URI is {settings.uri}, but the bulk import writes the "
                  f"store of the local server ({server.uri}) offline")  # fmt: skip
        raise typer.Exit(ExitCode.USAGE)
    try:
        report = errors.open("wb")
    except OSError as e:
        err.print(f"[red]error:[/] cannot write the errors report {errors}: {e.strerror or e}")
        raise typer.Exit(ExitCode.USAGE) from None
    try:
        with report, err.status("bulk import: parsing and writing CSVs …"):
            result = run_bulk_import(
                server, paths, format, database=settings.database, work_dir=work_dir,
                errors_to=report, keep_csv=keep_csv, threads=threads, parse_workers=parse_workers,
                overrides=fixes,
            )  # fmt: skip
    except SourceError as e:
        err.print(f"[red]error:[/] {e}; the import stopped before replacing the store")
        raise typer.Exit(ExitCode.INPUT_ERROR) from None
    except BulkImportError as e:
        err.print(f"[red]error:[/] {e}")
        raise typer.Exit(ExitCode.FAILED) from None
    except Exception as e:
        if not (is_unavailable(e) or isinstance(e, LocalServerError)):
            raise
        err.print(f"[bold red]error:[/] the local Neo4j is unavailable: {e}")
        raise typer.Exit(ExitCode.DATABASE_UNAVAILABLE) from None
    sys.stdout.write(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    if result.parse_errors:
        err.print(f"[yellow]{result.parse_errors} problem(s) reported in {errors}[/]")
        raise typer.Exit(ExitCode.RECORDS_REJECTED)
