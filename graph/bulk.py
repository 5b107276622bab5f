"""Bulk path for a big initial load: CSV files for ``neo4j-admin database import full``.

The transactional writer (``graph.ingest``) resolves identity batch by batch against the graph;
an offline import cannot look anything up, so this path resolves identity in memory while it
writes the CSVs, under assumptions that hold for **one OpenAlex works dump** and are checked:

1. **Every paper and every reference carries an OpenAlex W id** (the OpenAlex parser guarantees
   it). The W id is the import's ID space for papers, so ``CITES`` rows are written as they
   stream and the import tool joins them; papers keep their normal ``id`` property (DOI >
   arXiv > OpenAlex precedence, as the transactional writer gives a paper loaded before anything
   cites it). A W id that appears twice is written once (the first record) and counted.
2. **Distinct works never share a DOI or arXiv id.** The transactional writer would merge such
   works into one node; the bulk path stops with ``BulkImportError`` naming both works (load
   that input with ``scholargraph load`` instead).
3. **A cited work that is not in the input is a stub** ``Paper {id: 'openalex:W…', openalex_id,
   stub: true}``, exactly what the transactional writer creates for an unloaded citation target.
4. **Authors** are resolved with the writer's own rule (``graph.identity.resolve_author``, ORCID
   > OpenAlex A id) over an in-memory table of every author seen (about 300 bytes per author:
   fine for tens of millions of authors, not for a whole OpenAlex author set, where the
   OpenAlex authors entity dump would be the node file). Authorships without an author id are
   clustered by the writer's own rule too (``graph.author_clustering.cluster_rows``, mentions
   in record order, so where a batch ends does not matter), every ``CLUSTER_BATCH`` rows,
   against in-memory cluster profiles (``MemoryClusters``, bounded per cluster): the clusters
   are those ``scholargraph load`` makes from the same rows. The clustering runs in processes
   of its own (``ClusteringProcess``, one per core, each deciding the blocking keys of its part),
   one batch behind the CSV writing, so they use every core; each decides the batches in order
   and no decision looks across blocks, so the clusters are those of running it inline.
5. **The target database is empty** (``ensure_empty``): nothing is merged with existing data.

Node ids, properties and relationship properties are those of docs/model.md and of the
transactional writer (the integration test compares both on the same corpus). Computed metrics
(``citation_count``, ``h_index``, …) and the schema are applied after the import with
``finish_import`` (``graph.schema.apply_schema``, the name-only → strong-id links of
``graph.ingest.link_by_coauthor_everywhere`` and ``graph.ingest.refresh_metrics``).

Phases: ``BulkCsvWriter`` (rows → CSV files), ``ensure_empty``, ``import_offline`` (stop the
local server, run ``org.neo4j.cli.AdminTool database import full`` from the server's own
classpath against its data directory, start it again), ``finish_import``.
"""

from __future__ import annotations

import csv
import gc
import os
import pickle
import shutil
import subprocess
import time
from array import array
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from multiprocessing import get_context
from pathlib import Path
from typing import IO, Any

import numpy as np
from neo4j import Driver, RoutingControl

from graph.author_clustering import (
    DEFAULT_RULES,
    Apart,
    BatchClusters,
    IdentityRules,
    Match,
    MemoryClusters,
    Profile,
    Rule,
)
from graph.author_links import profile_json, profile_token
from graph.errors import ScholarGraphError
from graph.identity import paper_key
from graph.ids import AUTHOR_ID_KINDS, AUTHOR_ID_PROPERTY, PAPER_ID_PROPERTY
from graph.ingest import link_by_coauthor_everywhere, refresh_metrics
from graph.name_stats import NameStats
from graph.overrides import Overrides, apply_overrides
from graph.paper_values import PAPER_PROPERTIES
from graph.rows import AuthorTable, PaperRow, VenueTable
from graph.schema import apply_schema
from graph.server import LocalNeo4j

ADMIN_MAIN_CLASS = "org.neo4j.cli.AdminTool"  # in org.neo4j:neo4j-command-line (server classpath)
ARRAY_DELIMITER = "\x1f"  # unit separator: never part of a name or a source label

COUNT_NODES = "MATCH (n) RETURN count(n) AS n"
CLUSTER_BATCH = 1000  # rows per clustering step (name-only authorships wait for it)


class BulkImportError(ScholarGraphError):
    """The bulk path cannot take this input or this database (the message says why)."""


# -- CSV layout ---------------------------------------------------------------------------------
_PAPER_ID_COLUMNS = tuple(p for k, p in PAPER_ID_PROPERTY.items() if k != "openalex")
_AUTHOR_ID_COLUMNS = tuple(AUTHOR_ID_PROPERTY.values())

PAPER_HEADER = (
    ["openalex_id:ID(Paper)", "id", *_PAPER_ID_COLUMNS]
    + [f"{name}:{kind}" for name, kind in PAPER_PROPERTIES]
    + ["title_key", "authors_complete:boolean", "source_citation_count:long", "sources:string[]",
       "stub:boolean", "value_source", "value_rank:long", "source_values:string[]"]
)  # fmt: skip
STUB_HEADER = ["openalex_id:ID(Paper)", "id", "stub:boolean"]
AUTHOR_HEADER = [
    "id:ID(Author)", "name", "name_key", "match_key", "name_variants:string[]",
    "name_variants_text", "affiliation", "sources:string[]", *_AUTHOR_ID_COLUMNS,
    "cluster_profile", "profile_token",
]  # fmt: skip


def _stored_profile(profile: Profile | None) -> tuple[str | None, str | None]:
    """An author's ``cluster_profile`` and ``profile_token`` columns."""
    if profile is None:
        return None, None
    stored = profile_json(profile)
    return stored, profile_token(stored)


VENUE_HEADER = [
    "id:ID(Venue)",
    "name",
    "type",
    "issn",
    "openalex_id",
    "dblp_key",
    "name_key",
    "alt_ids:string[]",
]
CATEGORY_HEADER = ["id:ID(Category)", "name", "scheme"]
AUTHORED_HEADER = [
    ":START_ID(Author)",
    ":END_ID(Paper)",
    "position:long",
    "raw_name",
    "source",
    "match_rule",
    "match_score:double",
    "match_evidence",
]
PUBLISHED_IN_HEADER = [":START_ID(Paper)", ":END_ID(Venue)"]
IN_CATEGORY_HEADER = [":START_ID(Paper)", ":END_ID(Category)", "primary:boolean"]
CITES_HEADER = [":START_ID(Paper)", ":END_ID(Paper)"]
SUBCATEGORY_HEADER = [":START_ID(Category)", ":END_ID(Category)"]
IN_FIELD_HEADER = [":START_ID(Paper)", ":END_ID(Category)"]


@dataclass(slots=True)
class CsvSet:
    """The files of one import and what they hold."""

    folder: Path
    nodes: list[tuple[str, Path]] = field(default_factory=list)  # (label, file)
    relationships: list[tuple[str, Path]] = field(default_factory=list)  # (type, file)
    counts: dict[str, int] = field(default_factory=dict)
    multiline: bool = False  # some value holds a line break (the importer must be told)
    duplicates_skipped: int = 0
    seconds: float = 0.0


def _bool(value: Any) -> str | None:
    return None if value is None else ("true" if value else "false")


def _array(values: Iterable[Any]) -> str:
    return ARRAY_DELIMITER.join(str(v) for v in values)


def _w_number(w: str) -> int:
    number = w[1:]
    if not (w.startswith("W") and number.isdigit() and str(int(number)) == number):
        raise BulkImportError(f"not an OpenAlex work id: {w!r} (the bulk path keys papers by it)")
    return int(number)


def _csv_field(value: str) -> str:
    """One CSV field as ``csv.writer`` quotes it (category ids may hold commas or quotes)."""
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


_ID_ROW = Match(Rule.ID).row()  # an authorship whose record carried a strong author id

# -- the clustering in processes of their own ---------------------------------------------------
_STORE: MemoryClusters | None = None  # one clustering process's clusters (``ClusteringProcess``)


def _open_store(apart: Apart | None, part: tuple[int, int]) -> None:
    global _STORE
    gc.disable()  # profiles and rows hold no cycles (``cyclic_gc_paused``)
    _STORE = MemoryClusters(apart=apart, name_stats=NameStats(), part=part)


def _store_batch(batch: bytes) -> BatchClusters:
    """One batch (pickled rows and paper nodes) decided in a clustering process for its part of
    the blocks; what the CSV writer needs of it: where each name-only authorship goes, its
    match properties, the clusters joined."""
    assert _STORE is not None
    rows, nodes = pickle.loads(batch)
    out = _STORE.batch(rows, nodes)
    out.build_rows()
    return BatchClusters(out.node_of, {}, out.merges, {}, rows=out.rows)


def _store_final() -> tuple[dict[str, str], dict[str, tuple[str | None, str | None]]]:
    """The clusters absorbed (absorbed → survivor) and every profile's stored columns."""
    assert _STORE is not None
    return dict(_STORE.absorbed), {i: _stored_profile(p) for i, p in _STORE.profiles.items()}


def clustering_parts() -> int:
    """How many clustering processes a bulk import runs: one per core, at most four."""
    return max(1, min(os.cpu_count() or 1, 4))


@dataclass(frozen=True, slots=True)
class DecidedBatch:
    """A batch being decided by every part's process; :meth:`result` waits for all of them."""

    parts: list[Future[BatchClusters]]

    def result(self) -> BatchClusters:
        out = BatchClusters({}, {}, [], {})
        for part in self.parts:  # the parts' blocks are disjoint: so are their outcomes
            got = part.result()
            out.node_of.update(got.node_of)
            out.merges.extend(got.merges)
            out.rows.update(got.rows)
        return out


class ClusteringProcess:
    """``MemoryClusters`` in worker processes, one per part of the blocking keys
    (``graph.author_clustering.block_part``): every batch goes to each, which decides the
    name-only authorships of its blocks. Batches are submitted in record order and each process
    decides them in that order, so the clusters are those of deciding them inline, while the
    caller goes on writing CSV rows. A failure in a worker is raised by the batch's
    ``result()``."""

    def __init__(self, apart: Apart | None, parts: int = 1) -> None:
        self._pools = [
            ProcessPoolExecutor(
                1, mp_context=get_context("fork"), initializer=_open_store,
                initargs=(apart, (k, parts)),
            )
            for k in range(parts)
        ]  # fmt: skip

    def submit(self, rows: list[PaperRow], nodes: list[str]) -> DecidedBatch:
        batch = pickle.dumps((rows, nodes), protocol=pickle.HIGHEST_PROTOCOL)  # once for all
        return DecidedBatch([pool.submit(_store_batch, batch) for pool in self._pools])

    def final(self) -> tuple[dict[str, str], dict[str, tuple[str | None, str | None]]]:
        absorbed: dict[str, str] = {}
        stored: dict[str, tuple[str | None, str | None]] = {}
        for got in [pool.submit(_store_final) for pool in self._pools]:
            part_absorbed, part_stored = got.result()
            absorbed.update(part_absorbed)
            stored.update(part_stored)
        return absorbed, stored

    def close(self) -> None:
        for pool in self._pools:
            pool.shutdown(wait=True, cancel_futures=True)


def _match_row(clusters: BatchClusters, paper: int, author: int) -> dict[str, Any]:
    return clusters.match_row((paper, author))


def _final(absorbed: dict[str, str], cluster: str) -> str:
    while cluster in absorbed:
        cluster = absorbed[cluster]
    return cluster


class BulkCsvWriter:
    """Streams paper rows (``loaders.writer.paper_row`` shape) into import CSV files.

    Papers, authorships, venues, categories and citations are written as they arrive; authors,
    venues, categories and stubs are written by ``close`` from the in-memory tables.
    """

    def __init__(
        self,
        folder: Path,
        cluster_batch: int = CLUSTER_BATCH,
        rules: IdentityRules = DEFAULT_RULES,
        cluster_parts: int | None = None,
    ) -> None:
        """``cluster_parts``: clustering processes (default :func:`clustering_parts`)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._files: dict[str, IO[str]] = {}
        self._writers: dict[str, Any] = {}
        self._t0 = time.perf_counter()
        self.counts: dict[str, int] = {}
        self.multiline = False
        self.duplicates_skipped = 0
        self._works: set[int] = set()
        self._work_numbers = array("q")
        self._ref_numbers = array("q")
        self._strong_owner: dict[tuple[str, str], str] = {}  # (kind, doi/arxiv) → W id
        self._authors = AuthorTable()
        self._venues = VenueTable()
        self._categories: dict[str, dict[str, str | None]] = {}
        self._hierarchy: set[tuple[str, str]] = set()
        # the name prior counts the names of the rows as they come (the database is empty)
        parts = cluster_parts or clustering_parts()
        self._clusters = ClusteringProcess(rules.apart, parts) if rules.cluster else None
        self._cluster_batch = cluster_batch
        self._batch_rows = 0
        self._pending: list[tuple[PaperRow, str]] = []  # rows of the batch, authorships not written
        # the batch being clustered, its authorships written when its clusters come back
        self._in_flight: tuple[DecidedBatch, list[tuple[PaperRow, str]]] | None = None
        self._name_only_authored: list[list[Any]] = []  # written at the end (clusters may join)
        for name, header in (
            ("papers", PAPER_HEADER), ("authored", AUTHORED_HEADER),
            ("published_in", PUBLISHED_IN_HEADER), ("in_category", IN_CATEGORY_HEADER),
        ):  # fmt: skip
            self._open(name, header)
        self._cites = self._open_raw("cites", CITES_HEADER)

    def _open(self, name: str, header: list[str]) -> None:
        fh = (self.folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
        self._files[name] = fh
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        self._writers[name] = writer
        self.counts[name] = 0

    def _open_raw(self, name: str, header: list[str]) -> IO[str]:
        self._open(name, header)
        return self._files[name]

    def _text(self, value: Any) -> Any:
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            self.multiline = True
        return value

    def _row(self, name: str, values: list[Any]) -> None:
        self._writers[name].writerow(values)
        self.counts[name] += 1

    # -- papers ---------------------------------------------------------------------------------
    def add_paper(self, row: PaperRow) -> None:
        self._batch_rows += 1
        try:
            self._add_paper(row)
        finally:
            if self._batch_rows >= self._cluster_batch:
                self._flush_authorships()

    def _add_paper(self, row: PaperRow) -> None:
        if row.get("stub"):
            return  # a stub record adds nothing an unresolved reference would not
        ids: dict[str, str] = row["ids"]
        w = ids.get("openalex")
        if not w:
            raise BulkImportError(
                f"paper {paper_key(ids, row.get('title_key'))} has no OpenAlex id; the bulk path "
                "takes OpenAlex works only (use `scholargraph load`)"
            )
        number = _w_number(w)
        if number in self._works:
            self.duplicates_skipped += 1
            return
        for kind in ("doi", "arxiv"):
            if ids.get(kind):
                owner = self._strong_owner.setdefault((kind, ids[kind]), w)
                if owner != w:
                    raise BulkImportError(
                        f"works {owner} and {w} share the {kind} {ids[kind]!r}: the transactional "
                        "writer would merge them; load this input with `scholargraph load`"
                    )
        self._works.add(number)
        self._work_numbers.append(number)
        node = paper_key(ids, row.get("title_key"))
        props = row["props"]
        values: list[Any] = [w, node, *(ids.get(k) for k, p in PAPER_ID_PROPERTY.items()
                                        if k != "openalex")]  # fmt: skip
        for name, kind in PAPER_PROPERTIES:
            value = props.get(name)
            if kind == "boolean":
                value = _bool(value)
            elif kind == "long[]" and value is not None:
                value = _array(value)
            values.append(self._text(value))
        values += [
            row.get("title_key"),
            _bool(row.get("authors_complete", True)),
            row.get("source_citation_count"),
            row["source"],
            "false",
            row["source"],
            row["rank"],
            row["source_value"],
        ]
        self._row("papers", values)
        self._pending.append((row, w))
        self._venue_and_categories(row, w)
        refs = self._cites
        for ref in row["references"]:
            target = ref["ids"].get("openalex")
            if not target:
                raise BulkImportError(f"work {w} cites a paper without an OpenAlex id")
            self._ref_numbers.append(_w_number(target))
            refs.write(f"{w},{target}\n")
        self.counts["cites"] += len(row["references"])

    def _flush_authorships(self) -> None:
        """The batch's authorships: name-only ones clustered first (``cluster_rows``), in the
        clustering process; this batch is handed over, then the one before it written."""
        self._batch_rows = 0
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        if self._clusters is None:
            self._write_authorships(pending, BatchClusters({}, {}, [], {}))
            return
        rows = [row for row, _w in pending]
        nodes = [paper_key(row["ids"], row.get("title_key")) for row in rows]
        decided = self._clusters.submit(rows, nodes)
        self._settle()
        self._in_flight = (decided, pending)

    def _settle(self) -> None:
        """The batch being clustered: wait for its clusters, write its authorships."""
        if self._in_flight is not None:
            decided, pending = self._in_flight
            self._in_flight = None
            self._write_authorships(pending, decided.result())

    def _write_authorships(
        self, pending: list[tuple[PaperRow, str]], clusters: BatchClusters
    ) -> None:
        by_paper: dict[int, dict[int, str]] = {}
        for (pi, ai), node in clusters.node_of.items():
            by_paper.setdefault(pi, {})[ai] = node
        for pi, (row, w) in enumerate(pending):
            self._authorships(row, w, by_paper.get(pi, {}), partial(_match_row, clusters, pi))
        self._join(clusters)

    def _join(self, clusters: BatchClusters) -> None:
        """Clusters of earlier batches shown to be one person (``JOIN_AUTHORS``' rule)."""
        for survivor, gone in clusters.merges:
            self._authors.join(survivor, gone)

    def _authorships(
        self, row: PaperRow, w: str, clustered: dict[int, str],
        match_of: Callable[[int], dict[str, Any]],
    ) -> None:  # fmt: skip
        authored: dict[str, list[Any]] = {}
        for ai, ref in enumerate(row["authors"]):
            node = self._authors.assign(ref, row["source"], clustered.get(ai))
            why = _ID_ROW if ref["ids"] else match_of(ai)
            authored[node] = [node, w, ref.get("position"), self._text(ref.get("raw_name")),
                              row["source"], why["match_rule"], why["match_score"],
                              self._text(why["match_evidence"])]  # fmt: skip
        for node, values in authored.items():
            if node in clustered.values():
                self._name_only_authored.append(values)
            else:
                self._row("authored", values)

    def _venue_and_categories(self, row: PaperRow, w: str) -> None:
        if row["venue"]:  # the transactional writer's rule (graph.rows.VenueTable), in memory
            self._row("published_in", [w, self._venues.add(row["venue"])])
        for cat in row["categories"]:
            chain = [cat, *cat["parents"]]
            for c in chain:
                self._categories[c["id"]] = {"name": c["name"], "scheme": c["scheme"]}
            for child, parent in zip(chain, chain[1:], strict=False):
                self._hierarchy.add((child["id"], parent["id"]))
            self._row("in_category", [w, cat["id"], _bool(cat["primary"])])

    def _write_in_field(self) -> None:
        """``IN_FIELD`` rows: each paper to its categories and every ancestor of them in the
        final hierarchy (the transactional writer's rule), read back from ``in_category.csv``
        (a paper's rows are consecutive there)."""
        parents: dict[str, list[str]] = {}
        for child, parent in self._hierarchy:
            parents.setdefault(child, []).append(parent)
        closure: dict[str, list[str]] = {}

        def above(cat: str) -> list[str]:
            held = closure.get(cat)
            if held is None:
                seen, stack = {cat}, [cat]
                while stack:
                    for p in parents.get(stack.pop(), ()):
                        if p not in seen:
                            seen.add(p)
                            stack.append(p)
                held = closure[cat] = sorted(seen)
            return held

        self._files["in_category"].flush()
        self._open("in_field", IN_FIELD_HEADER)
        out = self._files["in_field"]
        paper, fields = "", set[str]()

        def flush() -> None:
            for c in sorted(fields):
                out.write(f"{paper},{_csv_field(c)}\n")
            self.counts["in_field"] += len(fields)

        with (self.folder / "in_category.csv").open(encoding="utf-8", newline="") as fh:
            rows = csv.reader(fh)
            next(rows)
            for w, cat, _primary in rows:
                if w != paper:
                    flush()
                    paper, fields = w, set()
                fields.update(above(cat))
        flush()

    def abort(self) -> None:
        for fh in self._files.values():
            fh.close()
        if self._clusters is not None:
            self._clusters.close()

    # -- the end --------------------------------------------------------------------------------
    def close(self) -> CsvSet:
        """Write the aggregated node files and the stubs; returns the import's file set."""
        self._flush_authorships()
        self._settle()
        absorbed: dict[str, str] = {}
        stored: dict[str, tuple[str | None, str | None]] = {}
        if self._clusters is not None:
            absorbed, stored = self._clusters.final()
            self._clusters.close()
        written: set[tuple[str, str]] = set()
        for values in self._name_only_authored:  # on the cluster that absorbed theirs, once
            values[0] = _final(absorbed, values[0])
            if (values[0], values[1]) not in written:
                written.add((values[0], values[1]))
                self._row("authored", values)
        self._open("authors", AUTHOR_HEADER)
        for node, a in self._authors.nodes.items():
            self._row(
                "authors",
                [node, self._text(a["name"]), a["name_key"], a["match_key"],
                 _array(a["variants"]),
                 "".join(" " + v for v in a["variants"]), self._text(a["affiliation"]),
                 _array(a["sources"]), *(a["ids"].get(k) for k in AUTHOR_ID_KINDS),
                 *stored.get(node, (None, None))],
            )  # fmt: skip
        self._open("venues", VENUE_HEADER)
        for vid, v in self._venues.nodes.items():
            self._row("venues", [vid, self._text(v["name"]), v["type"], v["issn"],
                                 v["openalex_id"], v["dblp_key"], v["name_key"],
                                 _array(v["alt_ids"]) if v["alt_ids"] else None])  # fmt: skip
        self._open("categories", CATEGORY_HEADER)
        for cid, c in self._categories.items():
            self._row("categories", [cid, self._text(c["name"]), c["scheme"]])
        self._open("subcategory_of", SUBCATEGORY_HEADER)
        for child, parent in sorted(self._hierarchy):
            self._row("subcategory_of", [child, parent])
        self._write_in_field()
        self._open("stubs", STUB_HEADER)
        refs = np.unique(np.frombuffer(self._ref_numbers, dtype=np.int64))
        works = np.frombuffer(self._work_numbers, dtype=np.int64)
        stubs = np.setdiff1d(refs, works, assume_unique=False)
        fh = self._files["stubs"]
        for number in stubs.tolist():
            fh.write(f"W{number},openalex:W{number},true\n")
        self.counts["stubs"] = int(stubs.size)
        for fh in self._files.values():
            fh.close()
        f = self.folder
        return CsvSet(
            folder=f,
            nodes=[("Paper", f / "papers.csv"), ("Paper", f / "stubs.csv"),
                   ("Author", f / "authors.csv"), ("Venue", f / "venues.csv"),
                   ("Category", f / "categories.csv")],
            relationships=[("AUTHORED", f / "authored.csv"),
                           ("PUBLISHED_IN", f / "published_in.csv"),
                           ("IN_CATEGORY", f / "in_category.csv"),
                           ("IN_FIELD", f / "in_field.csv"), ("CITES", f / "cites.csv"),
                           ("SUBCATEGORY_OF", f / "subcategory_of.csv")],
            counts=dict(self.counts),
            multiline=self.multiline,
            duplicates_skipped=self.duplicates_skipped,
            seconds=round(time.perf_counter() - self._t0, 3),
        )  # fmt: skip


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Rows, records and the identity tables hold no reference cycles, but the cyclic
    collector would still walk the growing tables again and again (measured: unpickling 20k
    rows took 2.4x as long with it on). Reference counting frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_csvs(
    rows: Iterable[PaperRow], folder: Path, rules: IdentityRules = DEFAULT_RULES
) -> CsvSet:
    """All rows into one CSV set (files closed on any error); ``rules``: the clustering on or
    off and the authors it never joins (``graph.overrides``)."""
    writer = BulkCsvWriter(folder, rules=rules)
    try:
        with cyclic_gc_paused():
            for row in rows:
                writer.add_paper(row)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


# -- the database side --------------------------------------------------------------------------
def ensure_empty(driver: Driver, database: str) -> None:
    """Refuse a database that holds any node: the import replaces the store wholesale."""
    records, _, _ = driver.execute_query(
        COUNT_NODES, database_=database, routing_=RoutingControl.READ
    )
    count = int(records[0]["n"])
    if count:
        raise BulkImportError(
            f"database {database!r} holds {count:,} nodes; the bulk import only fills an empty "
            "database (use `scholargraph load` to add to it, or start from an empty instance)"
        )


@dataclass(frozen=True, slots=True)
class ImportReport:
    stop_seconds: float
    import_seconds: float
    start_seconds: float
    command: list[str]
    output_tail: str


def admin_command(
    server: LocalNeo4j, csvs: CsvSet, database: str, *, threads: int | None = None,
    max_off_heap: str = "30%",
) -> list[str]:  # fmt: skip
    """The ``neo4j-admin database import full`` command line for ``server``'s store."""
    java = shutil.which("java")
    if java is None:
        raise BulkImportError("Java is not on PATH; the import tool runs on the server's JVM")
    args = [
        java, "-Xmx1g", "-XX:+UseG1GC", "-cp", server.classpath(), ADMIN_MAIN_CLASS,
        "database", "import", "full", database,  # before the variadic --nodes/--relationships
        "--overwrite-destination=true",  # the store of an empty database (checked before)
        f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}",
        "--ignore-empty-strings=true",
        f"--max-off-heap-memory={max_off_heap}",
        f"--report-file={csvs.folder / 'import.report'}",
        f"--multiline-fields={'true' if csvs.multiline else 'false'}",
    ]  # fmt: skip
    if threads:
        args.append(f"--threads={threads}")
    args += [f"--nodes={label}={path}" for label, path in csvs.nodes]
    args += [f"--relationships={rel}={path}" for rel, path in csvs.relationships]
    return args


def import_offline(
    server: LocalNeo4j, csvs: CsvSet, database: str = "neo4j", *, threads: int | None = None
) -> ImportReport:
    """Stop the local server, import the CSVs into its store, start it again.

    The caller has checked ``ensure_empty``; the server is restarted even when the import fails
    (the old, empty store is then left as it was by the import tool).
    """
    command = admin_command(server, csvs, database, threads=threads)
    t0 = time.perf_counter()
    server.stop()
    t1 = time.perf_counter()
    env = {**os.environ, "NEO4J_HOME": str(server.instance_dir),
           "NEO4J_CONF": str(server.instance_dir)}  # fmt: skip
    try:
        proc = subprocess.run(
            command, capture_output=True, text=True, env=env, cwd=server.instance_dir, check=False
        )
    finally:
        t2 = time.perf_counter()
        server.start()
    t3 = time.perf_counter()
    output = (proc.stdout + proc.stderr).strip()
    tail = "\n".join(output.splitlines()[-25:])
    if proc.returncode != 0:
        raise BulkImportError(f"neo4j-admin database import failed ({proc.returncode}):\n{tail}")
    return ImportReport(round(t1 - t0, 3), round(t2 - t1, 3), round(t3 - t2, 3), command, tail)


@dataclass(frozen=True, slots=True)
class FinishReport:
    schema_seconds: float
    relink_seconds: float  # the name-only → strong-id relink sweep
    metrics_seconds: float  # the overrides and the computed metrics


def finish_import(
    driver: Driver, database: str, overrides: Overrides | None = None
) -> FinishReport:
    """Constraints and indexes (they also validate uniqueness), the name-only → strong-id
    links the transactional writer makes batch by batch, the overrides' merges and splits,
    then the computed metrics."""
    t0 = time.perf_counter()
    apply_schema(driver, database)
    t1 = time.perf_counter()
    apart = overrides.apart if overrides else None
    link_by_coauthor_everywhere(driver, database, apart=apart)  # no OpenAlex id: name-only
    t2 = time.perf_counter()
    if overrides:
        apply_overrides(driver, database, overrides)
    refresh_metrics(driver, database)
    t3 = time.perf_counter()
    return FinishReport(round(t1 - t0, 3), round(t2 - t1, 3), round(t3 - t2, 3))
