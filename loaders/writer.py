"""The shared batched writer: canonical records → batches of rows → ``graph.ingest``.

The rows are the typed contract of ``graph.rows``; the bulk path (``graph.bulk``) takes the
same rows from :func:`paper_row`.

Streams each file through its parser, turns records into plain rows, and writes them in
batches of ``batch_size`` records, one write transaction per batch. Bad records are reported
(file, line or index, reason) to an errors report and counted; the valid ones around them are
written. Re-running a load changes nothing (every write is a MERGE).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from neo4j import Driver

from graph.author_clustering import IdentityRules, KeptProfiles
from graph.author_links import printed_names
from graph.errors import UnknownFormat
from graph.gc_tuning import batch_job_gc
from graph.ids import (
    match_key,
    normalize_name,
    normalize_title,
    surname_key,
    title_key,
    venue_key,
)
from graph.ingest import refresh_metrics, write_batch
from graph.overrides import Overrides, apply_overrides
from graph.paper_values import PAPER_PROPERTY_NAMES, source_rank, source_value, source_value_prefix
from graph.rows import (
    AuthorRow,
    CategoryRow,
    CitationRow,
    IngestBatch,
    PaperRow,
    ParentRow,
    ProfileRow,
    RefRow,
    VenueRow,
)
from loaders.detect import expand, parse_unit, plan
from loaders.records import (
    AuthorProfile,
    AuthorRef,
    CategoryRef,
    Citation,
    Location,
    Paper,
    PaperIds,
    ParseIssue,
    Record,
    VenueRef,
)

DEFAULT_BATCH_SIZE = 1000  # papers (with their links) per transaction; see docs/performance.md

#: What a record's attributes give (``counts_by_year`` is flattened below).
_PAPER_PROPS = tuple(name for name in PAPER_PROPERTY_NAMES if name != "counts_by_year")


# -- records → rows -----------------------------------------------------------------------------
def ref_row(ids: PaperIds) -> RefRow:
    return {"ids": ids.strong(), "title_key": ids.title_key}


def author_row(author: AuthorRef) -> AuthorRow:
    name_key = normalize_name(author.name)
    return {
        "ids": author.strong(),
        "name": author.name,
        "name_key": name_key,
        "match_key": match_key(name_key),
        "affiliation": author.affiliation,
    }


def venue_row(venue: VenueRef) -> VenueRow:
    return {
        "id": venue.key(),
        "name": venue.name,
        "name_key": normalize_title(venue.name) or None,  # venue matching (graph.identity)
        "type": venue.type,
        "issn": venue.issn,
        "openalex_id": venue.openalex,
        "dblp_key": venue.dblp,
    }


def _parents(cat: CategoryRef) -> list[ParentRow]:
    out: list[ParentRow] = []
    parent = cat.parent
    while parent is not None:
        out.append({"id": parent.id, "name": parent.name, "scheme": parent.scheme})
        parent = parent.parent
    return out


def paper_row(paper: Paper) -> PaperRow:
    props = {k: v for k in _PAPER_PROPS if (v := getattr(paper, k)) is not None}
    if paper.counts_by_year:
        props["counts_by_year"] = [x for pair in paper.counts_by_year for x in pair]
    authors: list[AuthorRow] = []
    for a in paper.authors:
        row = author_row(a.author)
        row["position"] = a.position
        row["raw_name"] = a.raw_name or a.author.name
        authors.append(row)
    venue_name = paper.venue.name if paper.venue else None
    placed = [a for a in paper.authors if a.position is not None]
    first = (
        min(placed, key=lambda a: a.position or 0) if placed else next(iter(paper.authors), None)
    )
    key = paper.ids.title_key
    if key is None and paper.title and not paper.stub:  # strong ids and a title: matchable too
        key = title_key(paper.title, paper.year)
    return {
        "ids": paper.ids.strong(),
        "title_key": key,
        # what title matching compares (graph.identity.same_work)
        "first_author": surname_key(first.raw_name or first.author.name) if first else None,
        "venue_key": venue_key(paper.venue.name) if paper.venue else None,
        "source": paper.source,
        "rank": source_rank(paper.source),  # graph.paper_values: whose values the paper shows
        "source_value": source_value(paper.source, props, venue_name),
        "source_prefix": source_value_prefix(paper.source),
        "stub": paper.stub,
        "props": props,
        "authors_complete": paper.authors_complete,
        "source_citation_count": paper.source_citation_count,
        "authors": authors,
        "venue": venue_row(paper.venue) if paper.venue else None,
        "categories": [
            CategoryRow(
                id=c.id,
                name=c.name,
                scheme=c.scheme,
                primary=c.id == paper.primary_category,
                parents=_parents(c),
            )
            for c in paper.categories
        ],  # fmt: skip
        "references": [ref_row(r) for r in paper.references],
    }


def citation_row(citation: Citation) -> CitationRow:
    return {"citing": ref_row(citation.citing), "cited": ref_row(citation.cited)}


def profile_row(profile: AuthorProfile) -> ProfileRow:
    props: dict[str, Any] = {f"reported_{k}": v for k, v in profile.reported}
    props["reported_source"] = profile.source
    props["reported_as_of"] = profile.as_of
    if profile.primary_category is not None:
        props["primary_category"] = profile.primary_category.id
    return {"author": author_row(profile.author), "props": props}


def add_record(batch: IngestBatch, record: Record) -> None:
    if isinstance(record, Paper):
        batch.papers.append(paper_row(record))
    elif isinstance(record, Citation):
        batch.citations.append(citation_row(record))
    elif isinstance(record, AuthorProfile):
        batch.profiles.append(profile_row(record))


# -- the load -----------------------------------------------------------------------------------
@dataclass(slots=True)
class FileResult:
    path: str
    format: str | None
    records: int = 0
    errors: int = 0
    failed: str | None = None  # a file-level failure (unreadable, unknown format)


@dataclass(slots=True)
class LoadSummary:
    files: list[FileResult] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        return sum(f.errors for f in self.files)

    @property
    def failed_files(self) -> list[FileResult]:
        return [f for f in self.files if f.failed]

    @property
    def ok(self) -> bool:
        return self.errors == 0 and not self.failed_files

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [asdict(f) for f in self.files],
            "counts": dict(sorted(self.counts.items())),
            "errors": self.errors,
        }


ProgressHook = Callable[[str, int], None]  # (file, records parsed so far)


class ErrorReport:
    """Bad records as JSON lines: ``{file, line, index, offset, reason}``."""

    def __init__(self, stream: IO[bytes] | None) -> None:
        self.stream = stream

    def add(self, issue: ParseIssue) -> None:
        if self.stream is not None:
            loc = issue.location
            self.stream.write(
                orjson.dumps({**asdict(loc), "reason": issue.reason, "fatal": issue.fatal}) + b"\n"
            )


def _batched(
    records: Iterable[Record | ParseIssue], size: int, result: FileResult, report: ErrorReport
) -> Iterator[IngestBatch]:
    batch = IngestBatch()
    for item in records:
        if isinstance(item, ParseIssue):
            result.errors += 1
            report.add(item)
            if item.fatal:
                result.failed = item.reason
            continue
        result.records += 1
        try:
            add_record(batch, item)
        except ValueError as e:  # a record the writer cannot place (should not happen)
            result.errors += 1
            report.add(ParseIssue(Location(result.path, index=result.records), str(e)))
        if len(batch) >= size:
            yield batch
            batch = IngestBatch()
    if len(batch):
        yield batch


def load_paths(
    driver: Driver,
    database: str,
    paths: list[Path] | list[str],
    fmt: str | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    errors_to: IO[bytes] | None = None,
    progress: ProgressHook | None = None,
    refresh: bool = True,
    overrides: Overrides | None = None,
    cluster_authors: bool = True,
    **options: Any,
) -> LoadSummary:
    """Load files, directories or globs; returns what was created, matched and rejected.
    ``overrides`` (``graph.overrides``): authors kept apart while clustering, merges and
    splits applied after the last batch. ``cluster_authors=False``: one author per printed
    name (the rule before the clustering; the benchmark of its cost compares both)."""
    rules = IdentityRules(
        cluster=cluster_authors,
        apart=overrides.apart if overrides else None,
        name_stats=printed_names(driver, database) if cluster_authors else None,
        kept=KeptProfiles() if cluster_authors else None,
    )
    summary = LoadSummary()
    report = ErrorReport(errors_to)
    with batch_job_gc():  # the clustering's state lives from batch to batch
        for unit, module in plan(expand(paths), fmt):
            name = ", ".join(str(p) for p in unit)
            if isinstance(module, Exception):
                summary.files.append(FileResult(name, None, failed=str(module)))
                report.add(ParseIssue(Location(name), str(module), fatal=True))
                continue
            result = FileResult(name, module.FORMAT)
            summary.files.append(result)
            try:
                records = parse_unit(unit, module, **options)
                for batch in _batched(records, batch_size, result, report):
                    summary.counts.update(write_batch(driver, database, batch, rules))
                    if progress is not None:
                        progress(name, result.records)
            except (OSError, UnknownFormat) as e:
                result.failed = str(e)
                report.add(ParseIssue(Location(name), str(e), fatal=True))
            if fmt and not result.failed and result.records == 0 and result.errors:
                result.failed = (
                    f"--format {fmt} recognised no record in this file ({result.errors} problem(s) "
                    "reported); nothing was written from it"
                )
                report.add(ParseIssue(Location(name), result.failed, fatal=True))
    if overrides:
        summary.counts.update(apply_overrides(driver, database, overrides))
    if refresh:
        refresh_metrics(driver, database)
    return summary
