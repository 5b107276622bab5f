"""The in-memory analytics snapshot: the citation and authorship graphs of the whole database as
integer arrays, read once per graph version and answered from with numpy and igraph.

What it holds (:class:`Snapshot`), every paper a vertex ``0..n-1`` in paper-id order and every
author a number ``0..m-1`` in author-id order (so a tie broken "by id" is a tie broken by
number):

- ``year[v]`` (``NO_YEAR`` when the paper has none: stubs), the citations ``src[k] -> dst[k]``
  (citing -> cited, stubs included as cited papers) and ``cited_by[v]`` (in-degree);
- category membership **with the hierarchy**: a paper belongs to its categories and to every
  ancestor of them along ``SUBCATEGORY_OF`` — the analytics filter's
  ``(p)-[:IN_CATEGORY]->()-[:SUBCATEGORY_OF*0..]->(c)`` — as one sorted paper list per category
  (CSR: ``cat_ptr``, ``cat_papers``);
- authorship as CSR over papers (``auth_ptr``, ``auth_author``: the authors of paper ``v`` are
  ``auth_author[auth_ptr[v]:auth_ptr[v + 1]]``).

A field and a period are then a boolean **vertex mask** (:meth:`Snapshot.mask`), and the
filtered citation graph is the edges whose two ends are in the mask (:meth:`Snapshot.subgraph`)
— the same subgraph as the analytics export of ``GraphSpec(CITATION, categories, years)``, with
no Cypher per request. Influence (``graph.influence``) and the field pages' yearly counts
(:meth:`Snapshot.yearly`) answer from it.

**Versions** (:class:`SnapshotStore`): every call reads the count-store fingerprint
(``graph.snapshot_queries.FINGERPRINT``: papers, authors, categories, citations, authorships,
category links, hierarchy links; one O(1) query) — the signal the co-author graph cache uses.
When it differs from the held snapshot's, one build runs (one export query, then numpy in a
worker thread, off the event loop), shared by every request that arrives meanwhile; requests
wait for it (they never see a graph older than the fingerprint they read) and the new snapshot
replaces the old one in one assignment — a request already holding the old one finishes with
it. The fingerprint also holds the writers' stamp (``graph.stamp``), so a write through the
writers that moves no count (a year or citation count changed by a re-load) is seen too; a
change typed in Cypher around the writers is seen at the next write or change of counts.

Measured on Paperscape 1991–1996 (50k papers, 28k authors, 147k citations): see docs/snapshot.md.
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from graph import repository as repo
from graph import snapshot_queries as q
from graph.db import detached, driver_key
from graph.repository import ReadScope

logger = logging.getLogger("scholargraph.snapshot")

IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

NO_YEAR = -(2**31)  # a paper without a year (the export's coalesce value)
EXPORT_CHUNK = 250_000  # list elements per record of the export
DENSE_SPREAD = 4  # internal node numbers at most this sparse map through a lookup table
BUILD_TIMEOUT = 300.0  # seconds for the export of a build (shared by every later request)
MEMO_ENTRIES = 32  # filtered-subgraph results kept per snapshot (LRU)
# similar papers count by sorting when fewer than papers / SPARSE_REACH papers were reached,
# else with dense per-paper counters (measured: bench/bench_snapshot_scale.py)
SPARSE_REACH = 16

Fingerprint = tuple[int | str | None, ...]  # counts, then the writers' stamp (``graph.stamp``)
T = TypeVar("T")


# -- the snapshot ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Subgraph:
    """A filtered citation graph: vertex ``i`` is snapshot paper ``vertices[i]``; edges
    ``src[k] -> dst[k]`` in those local numbers."""

    vertices: IntArray
    src: Int32Array
    dst: Int32Array

    @property
    def node_count(self) -> int:
        return int(self.vertices.shape[0])


@dataclass(frozen=True, slots=True)
class YearCount:
    """One year of a field: papers published, and citations made in that year to the field's
    papers (counted by the citing paper's year, citing papers from anywhere in the graph)."""

    year: int
    papers: int
    citations: int


@dataclass(frozen=True, slots=True, eq=False)
class Snapshot:
    """The arrays (module docstring). Immutable once built; safe to share between requests."""

    fingerprint: Fingerprint
    paper_ids: list[str]
    year: Int32Array
    has_year: BoolArray
    src: Int32Array
    dst: Int32Array
    cited_by: IntArray
    author_ids: list[str]
    auth_ptr: IntArray
    auth_author: Int32Array
    category_ids: list[str]
    cat_ptr: IntArray
    cat_papers: Int32Array
    incat_paper: Int32Array = field(default_factory=lambda: np.zeros(0, np.int32))
    incat_cat: Int32Array = field(default_factory=lambda: np.zeros(0, np.int32))
    venue_ids: list[str] = field(default_factory=list)
    pub_paper: Int32Array = field(default_factory=lambda: np.zeros(0, np.int32))
    pub_venue: Int32Array = field(default_factory=lambda: np.zeros(0, np.int32))
    # per paper: known only as a citation target, the stored ``citation_count`` (what the
    # paper filter reads, missing as 0; set from the citations after every load) and whether
    # it is stored at all (a page sorted by it puts the missing ones last, as Cypher does)
    stub: BoolArray = field(default_factory=lambda: np.zeros(0, np.bool_))
    stored_citations: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    has_citations: BoolArray = field(default_factory=lambda: np.zeros(0, np.bool_))
    # per paper: the rank of its ``date`` (an ISO string) among ``dates``, the distinct dates
    # sorted; -1 when it has none (pages sorted by date: ``graph.paper_pages``)
    date_rank: Int32Array = field(default_factory=lambda: np.zeros(0, np.int32))
    dates: npt.NDArray[np.str_] = field(default_factory=lambda: np.zeros(0, np.str_))
    # per paper: the rank of its ``title`` among the distinct titles (-1 without one), and the
    # title's ``hash()`` (this process's; a cursor's title is placed through its paper's rank
    # when the hashes agree); the titles themselves are not kept
    title_rank: Int32Array = field(default_factory=lambda: np.zeros(0, np.int32))
    title_hash: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    build_seconds: float = 0.0
    _cat_index: dict[str, int] = field(default_factory=dict)
    _memo: OrderedDict[tuple[Any, ...], Any] = field(default_factory=OrderedDict)
    _lazy: dict[Any, Any] = field(default_factory=dict)

    # -- sizes ---------------------------------------------------------------------------------

    @property
    def paper_count(self) -> int:
        return len(self.paper_ids)

    @property
    def author_count(self) -> int:
        return len(self.author_ids)

    @property
    def citation_count(self) -> int:
        return int(self.src.shape[0])

    def nbytes(self) -> int:
        """Bytes held: the arrays plus the id strings and their lists (an estimate of what the
        process keeps; docs/snapshot.md compares it with the measured RSS growth)."""
        arrays = [self.year, self.has_year, self.src, self.dst, self.cited_by, self.auth_ptr,
                  self.auth_author, self.cat_ptr, self.cat_papers, self.incat_paper,
                  self.incat_cat, self.pub_paper, self.pub_venue, self.stub,
                  self.stored_citations, self.has_citations, self.date_rank,
                  self.dates, self.title_rank, self.title_hash]  # fmt: skip
        for held in self._lazy.values():
            parts = held if isinstance(held, tuple) else (held,)
            arrays += [a for a in parts if isinstance(a, np.ndarray)]
        strings = sum(
            sys.getsizeof(ids) + sum(sys.getsizeof(s) for s in ids)
            for ids in (self.paper_ids, self.author_ids, self.category_ids, self.venue_ids)
        )
        return int(sum(a.nbytes for a in arrays)) + strings

    # -- lookups -------------------------------------------------------------------------------

    def paper_number(self, paper_id: str) -> int | None:
        """The vertex of a paper id (binary search over the sorted ids), None when absent."""
        return _find(self.paper_ids, paper_id)

    def author_number(self, author_id: str) -> int | None:
        return _find(self.author_ids, author_id)

    def author_index(self) -> dict[str, int]:
        """Author id -> number for bulk lookups (built on first use, kept)."""
        held: dict[str, int] | None = self._lazy.get("author_index")
        if held is None:
            held = {a: i for i, a in enumerate(self.author_ids)}
            self._lazy["author_index"] = held
        return held

    # -- citation neighbourhoods ---------------------------------------------------------------

    def _out_ptr(self) -> IntArray:
        ptr: IntArray | None = self._lazy.get("out_ptr")
        if ptr is None:
            counts = np.bincount(self.src, minlength=self.paper_count)
            ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
            self._lazy["out_ptr"] = ptr
        return ptr

    def _in_csr(self) -> tuple[IntArray, Int32Array]:
        """(ptr, citing papers) per cited paper, citing papers ascending."""
        held = self._lazy.get("in_csr")
        if held is None:
            _, citing = _sorted_pairs(self.dst, self.src, self.paper_count)
            ptr = np.concatenate(([0], np.cumsum(self.cited_by))).astype(np.int64)
            held = (ptr, citing)
            self._lazy["in_csr"] = held
        return held

    def references(self, v: int) -> Int32Array:
        ptr = self._out_ptr()
        return self.dst[ptr[v] : ptr[v + 1]]

    def citing(self, v: int) -> Int32Array:
        ptr, citing = self._in_csr()
        return citing[ptr[v] : ptr[v + 1]]

    def similar(self, v: int, first: int) -> list[tuple[int, int, int, int]]:
        """Papers similar to paper ``v``: ``(paper, score, cocitation, coupling)``, best first
        (score descending, then id). Co-citation: distinct papers citing both; bibliographic
        coupling: distinct references in common; score = their sum — the Cypher
        ``graph.queries_read.SIMILAR_OF_PAPERS`` over the arrays."""
        out_ptr = self._out_ptr()
        in_ptr, in_src = self._in_csr()
        citers = _distinct(self.citing(v).astype(np.int64))
        refs = _distinct(self.references(v).astype(np.int64))
        n = max(self.paper_count, 1)
        co_q = _reached(out_ptr, self.dst, citers)
        cp_q = _reached(in_ptr, in_src, refs)
        if (co_q.size + cp_q.size) * SPARSE_REACH < n:
            # a small neighbourhood: count by sorting what was reached, not over every paper
            reached = np.concatenate((co_q, cp_q))
            found, inverse = np.unique(reached, return_inverse=True)
            co = np.bincount(inverse[: co_q.size], minlength=found.size)
            cp = np.bincount(inverse[co_q.size :], minlength=found.size)
        else:
            co_all = np.bincount(co_q, minlength=n)
            cp_all = np.bincount(cp_q, minlength=n)
            found = np.flatnonzero(co_all + cp_all)
            co, cp = co_all[found], cp_all[found]
        keep = found != v
        found, co, cp = found[keep], co[keep], cp[keep]
        if found.size == 0 or first <= 0:
            return []
        score = co + cp
        # best first: score descending, then paper number (the id order)
        key = (int(score.max()) - score) * n + found
        if found.size > first:
            part = np.argpartition(key, first - 1)[:first]
        else:
            part = np.arange(found.size)
        top = part[np.argsort(key[part], kind="stable")]
        return [(int(found[i]), int(score[i]), int(co[i]), int(cp[i])) for i in top.tolist()]

    # -- co-authorship -------------------------------------------------------------------------

    def coauthor_pairs(self, mask: BoolArray | None = None) -> tuple[IntArray, IntArray, IntArray]:
        """Distinct co-author pairs ``a < b`` (author numbers) with their joint papers, over the
        papers of ``mask`` (every paper when None): the analytics co-authorship export's edges
        (an author listed twice on a paper is one author there)."""
        if mask is None:
            key = "coauthor_pairs"
            held = self._lazy.get(key)
            if held is not None:
                return held  # type: ignore[no-any-return]
        paper = np.repeat(np.arange(self.paper_count, dtype=np.int64), np.diff(self.auth_ptr))
        author = self.auth_author.astype(np.int64)
        if mask is not None:
            keep = mask[paper]
            paper, author = paper[keep], author[keep]
        # rows are sorted by (paper, author): drop an author repeated on one paper
        dup = np.zeros(paper.shape[0], dtype=np.bool_)
        dup[1:] = (paper[1:] == paper[:-1]) & (author[1:] == author[:-1])
        paper, author = paper[~dup], author[~dup]
        starts = np.flatnonzero(np.concatenate(([True], paper[1:] != paper[:-1])))
        sizes = np.diff(np.concatenate((starts, [paper.shape[0]])))
        size_of = np.repeat(sizes, sizes)
        pos = np.arange(paper.shape[0]) - np.repeat(starts, sizes)
        partners = size_of - 1 - pos  # later authors of the same paper
        row = np.repeat(np.arange(paper.shape[0]), partners)
        offset = np.arange(row.shape[0]) - np.repeat(np.cumsum(partners) - partners, partners)
        a, b = author[row], author[row + 1 + offset]
        m = max(self.author_count, 1)
        pairs, weight = np.unique(a * m + b, return_counts=True)
        out = (pairs // m, pairs % m, weight.astype(np.int64))
        if mask is None:
            self._lazy["coauthor_pairs"] = out
        return out

    def authorship_papers(self) -> IntArray:
        """The paper of every authorship row (``auth_author``'s parallel array), kept."""
        held: IntArray | None = self._lazy.get("authorship_papers")
        if held is None:
            held = np.repeat(np.arange(self.paper_count, dtype=np.int64), np.diff(self.auth_ptr))
            self._lazy["authorship_papers"] = held
        return held

    def papers_of_authors(self, authors: BoolArray) -> tuple[IntArray, IntArray]:
        """Every authorship as (author, paper) rows, for the authors flagged in ``authors``
        (a boolean array over author numbers)."""
        paper = self.authorship_papers()
        author = self.auth_author.astype(np.int64)
        keep = authors[author]
        return author[keep], paper[keep]

    # -- filters -------------------------------------------------------------------------------

    def has_category(self, category: str) -> bool:
        return category in self._cat_index

    def category_mask(self, categories: Iterable[str]) -> BoolArray:
        """Papers in any of ``categories`` or their subcategories (unknown ids match none)."""
        mask = np.zeros(self.paper_count, dtype=np.bool_)
        for c in categories:
            i = self._cat_index.get(c)
            if i is not None:
                mask[self.cat_papers[self.cat_ptr[i] : self.cat_ptr[i + 1]]] = True
        return mask

    def mask(
        self,
        categories: Sequence[str] = (),
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> BoolArray:
        """The analytics paper filter as a vertex mask: in a category (with subcategories) when
        any is given, year within the bounds given (a paper without a year fails any bound)."""
        if categories:
            mask = self.category_mask(categories)
        else:
            mask = np.ones(self.paper_count, dtype=np.bool_)
        if year_from is not None or year_to is not None:
            mask &= self.has_year
        if year_from is not None:
            mask &= self.year >= year_from
        if year_to is not None:
            mask &= self.year <= year_to
        return mask

    def subgraph(self, mask: BoolArray) -> Subgraph:
        """The papers of ``mask`` and the citations among them (both ends in the mask)."""
        vertices = np.flatnonzero(mask)
        local = np.full(self.paper_count, -1, dtype=np.int32)
        local[vertices] = np.arange(vertices.shape[0], dtype=np.int32)
        keep = mask[self.src] & mask[self.dst]
        return Subgraph(vertices, local[self.src[keep]], local[self.dst[keep]])

    def authorships(self, vertices: IntArray) -> tuple[IntArray, Int32Array]:
        """Every authorship of the papers ``vertices``: (position in ``vertices``, author)."""
        starts = self.auth_ptr[vertices]
        counts = self.auth_ptr[vertices + 1] - starts
        row = np.repeat(np.arange(vertices.shape[0], dtype=np.int64), counts)
        offset = np.arange(row.shape[0], dtype=np.int64) - np.repeat(
            np.cumsum(counts) - counts, counts
        )
        return row, self.auth_author[np.repeat(starts, counts) + offset]

    def latest_year(self, mask: BoolArray) -> int | None:
        years = self.year[mask & self.has_year]
        return int(years.max()) if years.size else None

    # -- field answers -------------------------------------------------------------------------

    def yearly(
        self,
        categories: Sequence[str],
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> list[YearCount]:
        """Per year of the period (every year from the first to the last with a paper or a
        citation; gaps are zeros): the field's papers published that year, and the citations
        made that year to the field's papers (of any year), by the citing paper's year."""
        in_field = self.category_mask(categories) if categories else np.ones(self.paper_count, bool)
        has_year = self.has_year
        paper_years = self.year[in_field & has_year].astype(np.int64)
        citing_years = self.year[self.src[in_field[self.dst] & has_year[self.src]]].astype(np.int64)
        if year_from is not None:
            paper_years = paper_years[paper_years >= year_from]
            citing_years = citing_years[citing_years >= year_from]
        if year_to is not None:
            paper_years = paper_years[paper_years <= year_to]
            citing_years = citing_years[citing_years <= year_to]
        both = np.concatenate((paper_years, citing_years))
        if both.size == 0:
            return []
        first, last = int(both.min()), int(both.max())
        papers = np.bincount(paper_years - first, minlength=last - first + 1)
        cites = np.bincount(citing_years - first, minlength=last - first + 1)
        return [
            YearCount(first + i, int(p), int(c))
            for i, (p, c) in enumerate(zip(papers.tolist(), cites.tolist(), strict=True))
        ]

    # -- memo ----------------------------------------------------------------------------------

    def memo_get(self, key: tuple[Any, ...]) -> Any:
        value = self._memo.get(key)
        if value is not None:
            self._memo.move_to_end(key)
        return value

    def memo_put(self, key: tuple[Any, ...], value: Any) -> None:
        self._memo[key] = value
        self._memo.move_to_end(key)
        while len(self._memo) > MEMO_ENTRIES:
            self._memo.popitem(last=False)


# -- building ----------------------------------------------------------------------------------


def _find(ids: list[str], wanted: str) -> int | None:
    i = bisect.bisect_left(ids, wanted)
    return i if i < len(ids) and ids[i] == wanted else None


def _reached(ptr: IntArray, values: npt.NDArray[Any], rows: npt.NDArray[Any]) -> IntArray:
    """``values[ptr[r]:ptr[r + 1]]`` for every ``r`` in ``rows`` (distinct), concatenated, once
    per distinct (row, value) pair (as Cypher's ``count(DISTINCT ...)`` sees them). Each row's
    values are sorted (the snapshot's CSR arrays are), so a repeated pair is adjacent."""
    rows = rows.astype(np.int64)
    starts = ptr[rows]
    counts = ptr[rows + 1] - starts
    offset = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts
    )
    reached: IntArray = values[np.repeat(starts, counts) + offset].astype(np.int64)
    if reached.size < 2:
        return reached
    via = np.repeat(rows, counts)
    repeated = (via[1:] == via[:-1]) & (reached[1:] == reached[:-1])
    kept: IntArray = reached[np.concatenate(([True], ~repeated))]
    return kept


def _distinct(values: IntArray) -> IntArray:
    """``np.unique(values)`` by a sort (numpy's hashing unique is several times slower on
    millions of integers)."""
    if values.size == 0:
        return values
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]


def _rank_by_id(ids: list[str]) -> tuple[list[str], IntArray]:
    """(ids sorted, position of each original row in the sorted order)."""
    order = sorted(range(len(ids)), key=ids.__getitem__)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(ids), dtype=np.int64)
    return [ids[i] for i in order], rank


def _mapper(keys: Sequence[int], rank: IntArray) -> Callable[[Sequence[int]], Int32Array]:
    """A function from internal node numbers to vertex numbers: a lookup table when the numbers
    are dense (Neo4j's usually are: at most :data:`DENSE_SPREAD` times as many slots as keys),
    else a sort and a binary search. A number outside ``keys`` is refused (ValueError)."""
    k = np.asarray(keys, dtype=np.int64)
    if k.size and int(k.min()) >= 0 and int(k.max()) < DENSE_SPREAD * k.size + 1024:
        table = np.full(int(k.max()) + 1, -1, dtype=np.int64)
        table[k] = rank

        def look_up(wanted: Sequence[int]) -> Int32Array:
            w = np.asarray(wanted, dtype=np.int64)
            if not w.size:
                return np.zeros(0, dtype=np.int32)
            inside = (w >= 0) & (w < table.size)
            v = table[np.where(inside, w, 0)]
            if not bool(np.all(inside)) or bool(np.any(v < 0)):
                raise ValueError("a snapshot row names a node outside the export")
            return v.astype(np.int32)

        return look_up
    order = np.argsort(k, kind="stable")
    sorted_keys = k[order]

    def to_vertex(wanted: Sequence[int]) -> Int32Array:
        w = np.asarray(wanted, dtype=np.int64)
        pos = np.minimum(np.searchsorted(sorted_keys, w), max(sorted_keys.size - 1, 0))
        if w.size and (sorted_keys.size == 0 or bool(np.any(sorted_keys[pos] != w))):
            raise ValueError("a snapshot row names a node outside the export")
        return rank[order[pos]].astype(np.int32)

    return to_vertex


def _ancestors(n_cats: int, child: Int32Array, parent: Int32Array) -> list[list[int]]:
    """Per category: itself and every category above it along SUBCATEGORY_OF (cycles safe)."""
    parents: list[list[int]] = [[] for _ in range(n_cats)]
    for c, p in zip(child.tolist(), parent.tolist(), strict=True):
        parents[c].append(p)
    out = []
    for c in range(n_cats):
        seen, stack = {c}, [c]
        while stack:
            for p in parents[stack.pop()]:
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        out.append(sorted(seen))
    return out


def _csr(groups: IntArray, members: IntArray, n_groups: int) -> tuple[IntArray, IntArray]:
    """(ptr, members sorted by group then member), duplicates removed."""
    if members.size:
        span = int(members.max()) + 1
        key = _distinct(groups.astype(np.int64) * span + members)
        groups, members = key // span, key % span
    counts = np.bincount(groups, minlength=n_groups) if groups.size else np.zeros(n_groups, int)
    ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return ptr, members.astype(np.int64)


def _sorted_pairs(major: Int32Array, minor: Int32Array, span: int) -> tuple[Int32Array, Int32Array]:
    """The pairs ``(major[i], minor[i])`` sorted by major, then minor (``0 <= minor < span``),
    duplicates kept: one sort of a combined key, cheaper than ``np.lexsort`` and a gather."""
    key = np.sort(major.astype(np.int64) * max(span, 1) + minor)
    return (key // max(span, 1)).astype(np.int32), (key % max(span, 1)).astype(np.int32)


def build_snapshot(fingerprint: Fingerprint, cols: dict[str, list[Any]]) -> Snapshot:
    """The snapshot from the export's columns (pure: numpy, no database)."""
    started = time.perf_counter()
    paper_ids, paper_rank = _rank_by_id([str(x) for x in cols["paper_ids"]])
    n = len(paper_ids)
    year = np.empty(n, dtype=np.int32)
    year[paper_rank] = np.asarray(cols["paper_years"], dtype=np.int64).astype(np.int32)
    stub = np.zeros(n, dtype=np.bool_)
    stored_citations = np.zeros(n, dtype=np.int64)
    has_citations = np.zeros(n, dtype=np.bool_)
    if "paper_stubs" in cols:
        stub[paper_rank] = np.asarray(cols["paper_stubs"], dtype=np.bool_)
        stored_citations[paper_rank] = np.asarray(cols["paper_citations"], dtype=np.int64)
    if "paper_counted" in cols:
        has_citations[paper_rank] = np.asarray(cols["paper_counted"], dtype=np.bool_)
    date_rank = np.full(n, -1, dtype=np.int32)
    dated = np.full(n, "", dtype=object)
    if "paper_dates" in cols:
        dated[paper_rank] = np.asarray(cols["paper_dates"], dtype=object)
    has_date = dated != ""
    dates, ranks = np.unique(dated[has_date].astype(str), return_inverse=True)
    date_rank[has_date] = ranks
    title_rank, title_hash = _title_ranks(cols, paper_rank, n)
    paper_v = _mapper(cols["paper_keys"], paper_rank)

    src, dst = paper_v(cols["cite_src"]), paper_v(cols["cite_dst"])
    src, dst = _sorted_pairs(src, dst, n)
    cited_by = np.bincount(dst, minlength=n).astype(np.int64)

    author_ids, author_rank = _rank_by_id([str(x) for x in cols["author_ids"]])
    author_v = _mapper(cols["author_keys"], author_rank)
    a_author, a_paper = author_v(cols["auth_author"]), paper_v(cols["auth_paper"])
    # by paper, then author; duplicates kept (as Cypher)
    a_paper, a_author = _sorted_pairs(a_paper, a_author, len(author_ids))
    auth_ptr = np.concatenate(([0], np.cumsum(np.bincount(a_paper, minlength=n)))).astype(np.int64)

    category_ids, cat_rank = _rank_by_id([str(x) for x in cols["cat_ids"]])
    cat_v = _mapper(cols["cat_keys"], cat_rank)
    ancestors = _ancestors(len(category_ids), cat_v(cols["sub_child"]), cat_v(cols["sub_parent"]))
    in_paper, in_cat = paper_v(cols["in_paper"]), cat_v(cols["in_cat"])
    reach = np.asarray([len(a) for a in ancestors], dtype=np.int64)
    flat = np.asarray([c for a in ancestors for c in a], dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(reach)[:-1])) if reach.size else reach
    per_row = reach[in_cat] if in_cat.size else np.zeros(0, np.int64)
    rows = np.repeat(np.arange(in_cat.shape[0]), per_row)
    offset = np.arange(rows.shape[0]) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    groups = flat[starts[in_cat[rows]] + offset] if rows.size else np.zeros(0, np.int64)
    cat_ptr, cat_papers = _csr(groups, in_paper[rows].astype(np.int64), len(category_ids))
    incat_paper, incat_cat = _sorted_pairs(in_paper, in_cat, len(category_ids))

    venue_ids, venue_rank = _rank_by_id([str(x) for x in cols.get("venue_ids", [])])
    venue_v = _mapper(cols.get("venue_keys", []), venue_rank)
    pub_paper, pub_venue = paper_v(cols.get("pub_paper", [])), venue_v(cols.get("pub_venue", []))
    pub_paper, pub_venue = _sorted_pairs(pub_paper, pub_venue, len(venue_ids))

    snap = Snapshot(
        fingerprint=fingerprint,
        paper_ids=paper_ids,
        year=year,
        has_year=year != NO_YEAR,
        src=src,
        dst=dst,
        cited_by=cited_by,
        author_ids=author_ids,
        auth_ptr=auth_ptr,
        auth_author=a_author,
        category_ids=category_ids,
        cat_ptr=cat_ptr,
        cat_papers=cat_papers.astype(np.int32),
        incat_paper=incat_paper,
        incat_cat=incat_cat,
        venue_ids=venue_ids,
        pub_paper=pub_paper,
        pub_venue=pub_venue,
        stub=stub,
        stored_citations=stored_citations,
        has_citations=has_citations,
        date_rank=date_rank,
        dates=dates,
        title_rank=title_rank,
        title_hash=title_hash,
        _cat_index={c: i for i, c in enumerate(category_ids)},
    )
    snap._out_ptr(), snap._in_csr()  # the citation neighbourhoods, here rather than in a request
    return replace(snap, build_seconds=time.perf_counter() - started)


def _title_ranks(
    cols: dict[str, list[Any]], paper_rank: IntArray, n: int
) -> tuple[Int32Array, IntArray]:
    """Per paper (vertex order) the rank of its title among the distinct titles, ascending by
    code point as Cypher orders strings (-1 without a title), and its title's ``hash()``."""
    title_rank = np.full(n, -1, dtype=np.int32)
    title_hash = np.zeros(n, dtype=np.int64)
    if "paper_titles" not in cols:
        return title_rank, title_hash
    titles: list[str] = cols["paper_titles"]
    titled: list[bool] = cols["paper_titled"]
    rows = sorted((i for i in range(len(titles)) if titled[i]), key=titles.__getitem__)
    ranks = np.empty(len(rows), dtype=np.int32)
    rank, previous = -1, None
    for j, i in enumerate(rows):
        if titles[i] != previous:
            rank, previous = rank + 1, titles[i]
        ranks[j] = rank
    title_rank[paper_rank[np.asarray(rows, dtype=np.int64)]] = ranks
    title_hash[paper_rank] = np.fromiter((hash(t) for t in titles), np.int64, len(titles))
    return title_rank, title_hash


async def read_fingerprint(scope: ReadScope) -> Fingerprint:
    rows = await repo.read(scope, q.FINGERPRINT, {})
    row = rows[0]
    return tuple(row[f] if f == "stamp" else int(row[f]) for f in q.FINGERPRINT_FIELDS)


async def export_columns(scope: ReadScope, timeout: float | None = None) -> dict[str, list[Any]]:
    """The export query's columns, concatenated over its records."""
    records = await repo.read(scope, q.EXPORT, {"no_year": NO_YEAR, "chunk": EXPORT_CHUNK}, timeout)
    cols: dict[str, list[Any]] = {c: [] for c in q.EXPORT_COLUMNS}
    for record in records:
        for c in q.EXPORT_COLUMNS:
            cols[c] += record[c]
    return cols


# -- the store ---------------------------------------------------------------------------------


class SnapshotStore:
    """The current snapshot per (driver, database), rebuilt when the fingerprint changes.

    A build is one task per (key, fingerprint) shared by every request that needs it; it runs
    without the requests' deadlines (a request that gives up stops waiting, the build goes on
    for the next one) and is forgotten when it ends."""

    def __init__(self, max_entries: int = 2) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[int, str], Snapshot] = OrderedDict()
        self._builds: dict[tuple[int, str, Fingerprint], asyncio.Task[Snapshot]] = {}
        self._reading: dict[tuple[int, str], asyncio.Future[Fingerprint]] = {}
        self.builds = 0  # completed builds (observability, tests)
        self._took: dict[tuple[int, str], float] = {}  # each held one's build, export included

    def clear(self) -> None:
        self._entries.clear()
        self._took.clear()

    @property
    def pending(self) -> int:
        return len(self._builds)

    def status(self, scope: ReadScope) -> dict[str, Any]:
        """What ``/healthz`` says of ``scope``'s snapshot (no read): ``ready`` with its size and
        build time when one is held (a rebuild may be under way: ``rebuilding``), ``building``
        before the first one is, else ``none`` (built by the first request that needs it)."""
        key = (driver_key(scope.driver), scope.database)
        building = key in _WARMING or any(b[:2] == key for b in self._builds)
        held = self._entries.get(key)
        if held is None:
            return {"state": "building" if building else "none"}
        return {
            "state": "ready",
            "rebuilding": building,
            "papers": held.paper_count,
            "citations": held.citation_count,
            "authors": held.author_count,
            "build_seconds": round(self._took.get(key, held.build_seconds), 2),
        }

    def current(self, scope: ReadScope) -> Snapshot | None:
        """The held snapshot, whatever its version (no read)."""
        return self._entries.get((driver_key(scope.driver), scope.database))

    async def _fingerprint(self, scope: ReadScope, key: tuple[int, str]) -> Fingerprint:
        """The current fingerprint; concurrent callers (the resolvers of one request, e.g.
        ``categories { yearly }``) share one read in flight rather than one read each."""
        task = self._reading.get(key)
        if task is None:
            task = asyncio.ensure_future(read_fingerprint(scope))
            self._reading[key] = task
            task.add_done_callback(lambda _t: self._reading.pop(key, None))
        return await asyncio.shield(task)

    async def get(self, scope: ReadScope) -> Snapshot:
        key = (driver_key(scope.driver), scope.database)
        fp = await self._fingerprint(scope, key)
        entry = self._entries.get(key)
        if entry is not None and entry.fingerprint == fp:
            return entry
        build_key = (*key, fp)
        task = self._builds.get(build_key)
        if task is None:
            # registered with the driver (graph.db.detached): closing it waits for the build,
            # which would otherwise go on between its reads and open a connection after
            task = asyncio.ensure_future(
                detached(scope.driver, self._build(scope.without_deadline(), key, fp))
            )
            self._builds[build_key] = task
            task.add_done_callback(lambda t: self._forget(build_key, t))
        return await asyncio.shield(task)

    def warm(self, scope: ReadScope) -> None:
        """Starts building the snapshot of ``scope``'s database in the background, unless one
        is held or being built: the caller answers without it this time (a count or a facet
        from Cypher), the requests after the build from it. A failed build is logged."""
        key = (driver_key(scope.driver), scope.database)
        if key in self._entries or any(b[:2] == key for b in self._builds) or key in _WARMING:
            return
        # registered with the driver (graph.db.detached): closing it waits for the build first
        task = asyncio.ensure_future(detached(scope.driver, self.get(scope.without_deadline())))
        _WARMING[key] = task
        task.add_done_callback(lambda t: _warmed(key, t))

    def _forget(
        self, build_key: tuple[int, str, Fingerprint], task: asyncio.Task[Snapshot]
    ) -> None:
        self._builds.pop(build_key, None)
        if not task.cancelled():
            task.exception()  # seen here: a failed build is re-raised to its waiters only

    async def _build(self, scope: ReadScope, key: tuple[int, str], fp: Fingerprint) -> Snapshot:
        started = time.perf_counter()
        cols = await export_columns(scope, max(scope.timeout, BUILD_TIMEOUT))
        snap = await asyncio.to_thread(build_snapshot, fp, cols)
        del cols
        self._entries[key] = snap  # the swap: one assignment
        self._took[key] = time.perf_counter() - started
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._took.pop(self._entries.popitem(last=False)[0], None)
        self.builds += 1
        logger.info(
            "analytics snapshot built in %.2fs (arrays %.2fs): %d papers, %d citations, "
            "%d authors", time.perf_counter() - started, snap.build_seconds, snap.paper_count,
            snap.citation_count, snap.author_count,
        )  # fmt: skip
        return snap


_WARMING: dict[tuple[int, str], asyncio.Task[Snapshot]] = {}  # background builds (strong refs)


def _warmed(key: tuple[int, str], task: asyncio.Task[Snapshot]) -> None:
    _WARMING.pop(key, None)
    if not task.cancelled() and task.exception() is not None:
        logger.warning("background snapshot build failed: %r", task.exception())


SNAPSHOTS = SnapshotStore()


async def snapshot(scope: ReadScope, store: SnapshotStore | None = None) -> Snapshot:
    """The snapshot of ``scope``'s database at its current version (built when needed)."""
    return await (store or SNAPSHOTS).get(scope)


async def held_snapshot(scope: ReadScope, store: SnapshotStore | None = None) -> Snapshot | None:
    """The snapshot at the current version when one has been built for ``scope``'s database
    (rebuilt first when the graph changed since), else None: the caller answers with Cypher
    (the fallback before the first build; influence and the field pages build it)."""
    store = store or SNAPSHOTS
    if store.current(scope) is None:
        return None
    return await store.get(scope)


async def shared(
    snap: Snapshot, key: tuple[Any, ...], compute: Callable[[], Any], *, pinned: bool = False
) -> Any:
    """``await compute()`` once per ``key`` and snapshot: concurrent callers share one run
    (a task kept in the memo until it ends), later ones get the memoised answer. ``pinned``
    answers (the whole co-author graph) stay for the snapshot's life, outside the LRU memo."""
    store: Any = snap._lazy if pinned else snap._memo
    held = store.get(("shared", *key)) if pinned else snap.memo_get(key)
    if held is None:
        held = asyncio.ensure_future(compute())
        if pinned:
            store[("shared", *key)] = held
        else:
            snap.memo_put(key, held)

        def drop_failed(t: asyncio.Future[Any]) -> None:
            failed = t.cancelled() or t.exception() is not None
            k = ("shared", *key) if pinned else key
            if failed and store.get(k) is t:
                del store[k]

        held.add_done_callback(drop_failed)
    return await asyncio.shield(held)
