"""``scholargraph load``: files, directories or globs into the graph, with a summary."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cli.exit_codes import ExitCode
from cli.identity import OverridesOption, overrides_or_exit
from loaders.detect import FORMATS

if TYPE_CHECKING:
    from loaders.writer import LoadSummary

err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command()(load)


def load(
    paths: Annotated[list[str], typer.Argument(help="files, directories or glob patterns")],
    format: Annotated[
        str | None, typer.Option("--format", "-f", help=f"one of: {', '.join(FORMATS)}")
    ] = None,
    errors: Annotated[
        Path, typer.Option(help="where bad records are reported (JSON lines)")
    ] = Path("load-errors.jsonl"),
    as_of: Annotated[
        str | None, typer.Option(help="capture date of a profile page (YYYY-MM-DD)")
    ] = None,
    batch_size: Annotated[int | None, typer.Option(help="records per transaction")] = None,
    overrides: OverridesOption = None,
) -> None:
    """Load bibliographic files (format auto-detected; .gz accepted). Re-running changes nothing.

    Exit codes: 0 everything loaded; 1 some records rejected (reported in the errors file),
    every valid one loaded; 2 bad arguments; 3 an input missing, unreadable or not recognised;
    4 Neo4j unreachable (docs/loaders.md#exit-codes).
    """
    from neo4j.exceptions import AuthError

    from graph.db import is_unavailable, open_driver
    from graph.settings import AppSettings, Neo4jSettings
    from loaders.detect import missing_inputs
    from loaders.records import Location, ParseIssue
    from loaders.writer import ErrorReport, load_paths

    settings = Neo4jSettings()
    app_settings = AppSettings()
    options: dict[str, Any] = {}
    if as_of:
        try:
            options["as_of"] = date.fromisoformat(as_of)
        except ValueError:
            err.print(f"[red]error:[/] invalid --as-of {as_of!r}: expected YYYY-MM-DD")
            raise typer.Exit(ExitCode.USAGE) from None
    if format and format not in FORMATS:
        err.print(
            f"[red]error:[/] unknown --format {format!r}: expected one of {', '.join(FORMATS)}"
        )
        raise typer.Exit(ExitCode.USAGE)
    fixes = overrides_or_exit(overrides)
    try:
        report = errors.open("wb")
    except OSError as e:
        err.print(f"[red]error:[/] cannot write the errors report {errors}: {e.strerror or e}")
        raise typer.Exit(ExitCode.USAGE) from None

    progress = Progress(
        TextColumn("{task.description}", style="cyan"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} records/s"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )
    tasks: dict[str, TaskID] = {}

    def on_progress(name: str, records: int) -> None:
        if name not in tasks:
            _finish(progress, tasks.values())  # files load one after another
            tasks[name] = progress.add_task(display_name(name), total=None, rate="-")
        task = tasks[name]
        elapsed = progress.tasks[task].elapsed or 1e-9
        progress.update(task, completed=records, rate=f"{records / elapsed:,.0f}")

    with report:
        missing = missing_inputs(paths)
        if missing:
            issues = ErrorReport(report)
            for problem in missing:
                err.print(f"[red]error:[/] {problem}")
                issues.add(ParseIssue(Location(problem.path), problem.reason, fatal=True))
            err.print("nothing was loaded")
            raise typer.Exit(ExitCode.INPUT_ERROR)
        try:
            with progress, open_driver(settings) as driver:
                summary = load_paths(
                    driver,
                    settings.database,
                    paths,
                    format,
                    batch_size=batch_size or app_settings.batch_size,
                    errors_to=report,
                    progress=on_progress,
                    overrides=fixes,
                    **options,
                )
                _finish(progress, tasks.values())
        except Exception as e:
            if not (is_unavailable(e) or isinstance(e, AuthError)):
                raise
            err.print(
                f"[bold red]error:[/] Neo4j at {settings.uri} is unavailable or refused the "
                f"connection ({e}); start it with `scholargraph neo4j start` or set NEO4J_URI, "
                "then re-run (what was written stays, a re-run changes nothing)"
            )
            raise typer.Exit(ExitCode.DATABASE_UNAVAILABLE) from None
    _print_summary(summary)
    if summary.errors or summary.failed_files:
        err.print(f"[yellow]{summary.errors} problem(s) reported in {errors}[/]")
    for failed in summary.failed_files:
        err.print(f"[red]error:[/] {failed.path}: {failed.failed}")
    code = exit_code(summary)
    if code is not ExitCode.OK:
        raise typer.Exit(code)


DISPLAY_WIDTH = 48


def display_name(name: str, width: int = DISPLAY_WIDTH) -> str:
    """A progress label that tells files apart: the path relative to the working directory
    (else the parent folder and the file name), elided in the middle when longer than
    ``width``; a unit of several files (``a, b``) shows its first file and ``+N``."""
    parts = name.split(", ")
    path = Path(parts[0])
    try:
        text = str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        text = str(Path(*path.parts[-2:])) if len(path.parts) > 1 else str(path)
    if len(text) > width:
        keep = width - 1
        text = text[: keep // 2] + "…" + text[len(text) - (keep - keep // 2) :]
    return text if len(parts) == 1 else f"{text} +{len(parts) - 1}"


def _finish(progress: Progress, tasks: Iterable[TaskID]) -> None:
    """Stops the timers of finished files (their elapsed time and rate stay as they ended)."""
    for task in tasks:
        state = progress.tasks[task]
        if not state.finished:
            progress.update(task, total=state.completed)
            progress.stop_task(task)


def exit_code(summary: LoadSummary) -> ExitCode:
    """INPUT_ERROR when a file could not be read (or recognised), RECORDS_REJECTED when only
    records were, else OK."""
    if summary.failed_files:
        return ExitCode.INPUT_ERROR
    if summary.errors:
        return ExitCode.RECORDS_REJECTED
    return ExitCode.OK


def _print_summary(summary: LoadSummary) -> None:
    files = Table(title="files")
    for col in ("file", "format", "records", "errors", "status"):
        files.add_column(col)
    for f in summary.files:
        files.add_row(f.path, f.format or "?", str(f.records), str(f.errors), f.failed or "ok")
    err.print(files)
    c = summary.counts
    table = Table(title="graph changes")
    for col in ("", "created", "matched"):
        table.add_column(col, justify="right")
    rows = [
        ("papers", c["papers_created"], c["papers_matched"]),
        ("citation stubs", c["stubs_created"], None),
        ("authors (distinct per batch)", None, c["authors_seen"]),
        ("authorships", c["authorships_created"], c["authorships_matched"]),
        ("venues", c["venues_created"], None),
        ("categories", c["categories_created"], None),
        ("citations", c["citations_created"], c["citations_matched"]),
        ("papers merged across sources", c["papers_merged"], None),
    ]
    for name, created, matched in rows:
        table.add_row(
            name,
            "" if created is None else f"{created:,}",
            "" if matched is None else f"{matched:,}",
        )
    err.print(table)
