"""Counts and facets of a paper filter, answered from the analytics snapshot when it can.

``papers(where:) { totalCount facets }`` asks Cypher to read every matching paper (seconds at
1M papers for a broad filter, and an estimate past ``COUNT_EXACT_LIMIT``). When the process holds
the analytics snapshot (:mod:`graph.snapshot`) and the filter names only what the snapshot
holds, the filter becomes a boolean mask over the snapshot's papers, and the count and the
facets are sums and bincounts over it: exact at any size, in milliseconds. A count or facet
asked before any snapshot is held is answered by Cypher and starts the build in the background
(influence, the field pages and similar papers build it too).

What the snapshot holds: ``year``, ``citationCount`` (the stored count, exported with the
papers), ``category`` (with its subcategories, as ``IN_FIELD``), ``venue``, ``stub``, and
``AND``/``OR``/``NOT`` of those. Conditions follow Cypher's three-valued logic: a paper without a
year is neither inside nor outside a year condition, so ``NOT`` does not select it either. A
filter naming anything else (``title``, ``author``, ``id``, ``hasCode``), or no snapshot held,
goes to Cypher (:func:`graph.repository.list_count`, :func:`graph.repository.list_facet`); the
filter is checked by the Cypher translation first in every case, so a bad filter gets the same
error either way.

The snapshot is as fresh as its fingerprint (counts of nodes and relationships, read before
every use): a load that adds or merges anything is seen at once; a change of a property alone
(a paper's year corrected by a later source) is seen at the next change of the counts.
"""

from __future__ import annotations

import asyncio
import bisect
import operator
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from graph import repository as repo
from graph.labels import Label
from graph.repository import Count, Facet, FacetValue, ReadScope
from graph.snapshot import SNAPSHOTS, Snapshot, held_snapshot

BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
Truth = tuple[BoolArray, BoolArray]  # (where true, where false); neither: unknown (null)

_COMPARE = {"eq": operator.eq, "gt": operator.gt, "gte": operator.ge, "lt": operator.lt,
            "lte": operator.le}  # fmt: skip
FACET_LABELS = {"categories": Label.CATEGORY, "venues": Label.VENUE, "authors": Label.AUTHOR}


class _NotHeld(Exception):
    """The filter names a field the snapshot does not hold."""


def paper_mask(snap: Snapshot, where: Mapping[str, Any] | None) -> BoolArray | None:
    """The papers ``where`` selects, as the paper list does (stubs left out unless the filter
    names ``stub`` or ``id`` at its top level), or None when the snapshot cannot tell."""
    try:
        selected, _ = _truth(snap, where)
    except _NotHeld:
        return None
    named = where is not None and (where.get("stub") is not None or where.get("id") is not None)
    return selected if named else selected & ~snap.stub


def _all(snap: Snapshot) -> Truth:
    n = snap.paper_count
    return np.ones(n, dtype=np.bool_), np.zeros(n, dtype=np.bool_)


def _and(a: Truth, b: Truth) -> Truth:
    return a[0] & b[0], a[1] | b[1]


def _or(a: Truth, b: Truth) -> Truth:
    return a[0] | b[0], a[1] & b[1]


def _truth(snap: Snapshot, tree: Mapping[str, Any] | None) -> Truth:
    out = _all(snap)
    for key, value in (tree or {}).items():
        if value is None:
            continue
        if key == "and_":
            for sub in value:
                out = _and(out, _truth(snap, sub))
        elif key == "or_":
            either = (np.zeros_like(out[0]), np.ones_like(out[1]))
            for sub in value:
                either = _or(either, _truth(snap, sub))
            out = _and(out, either)
        elif key == "not_":
            t, f = _truth(snap, value)
            out = _and(out, (f, t))
        else:
            out = _and(out, _field(snap, key, value))
    return out


def _field(snap: Snapshot, key: str, value: Any) -> Truth:
    if key == "stub":
        return (snap.stub == value), (snap.stub != value)
    if key == "year":
        return _numbers(snap.year.astype(np.int64), snap.has_year, value)
    if key == "citation_count":
        return _numbers(snap.stored_citations, None, value)
    if key in ("category", "venue"):
        papers_of = _category_papers if key == "category" else _venue_papers
        out = _all(snap)
        for op, v in value.items():  # each of eq / in: a paper in one of its ids
            if v is not None:
                ids = [str(v)] if op == "eq" else [str(i) for i in v]
                out = _and(out, _members(papers_of(snap, ids), snap.paper_count))
        return out
    raise _NotHeld(key)


def _numbers(values: IntArray, known: BoolArray | None, ops: Mapping[str, Any]) -> Truth:
    t = np.ones(values.shape[0], dtype=np.bool_)
    for op, v in ops.items():
        if v is None:
            continue
        if op == "in_":
            t &= np.isin(values, np.asarray(list(v), dtype=np.int64))
        else:
            t &= _COMPARE[op](values, v)
    if known is None:
        return t, ~t
    return t & known, ~t & known


def _members(papers: IntArray, n: int) -> Truth:
    t = np.zeros(n, dtype=np.bool_)
    t[papers] = True
    return t, ~t


def _category_papers(snap: Snapshot, ids: Sequence[str]) -> IntArray:
    parts = [
        snap.cat_papers[snap.cat_ptr[i] : snap.cat_ptr[i + 1]].astype(np.int64)
        for c in ids
        if (i := snap._cat_index.get(c)) is not None
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _venue_papers(snap: Snapshot, ids: Sequence[str]) -> IntArray:
    wanted = [i for v in ids if (i := _index(snap.venue_ids, v)) is not None]
    hit = np.isin(snap.pub_venue, np.asarray(wanted, dtype=np.int32))
    return snap.pub_paper[hit].astype(np.int64)


def _index(ids: list[str], wanted: str) -> int | None:
    i = bisect.bisect_left(ids, wanted)
    return i if i < len(ids) and ids[i] == wanted else None


def top_counts(counts: IntArray, first: int) -> list[tuple[int, int]]:
    """``(index, count)`` of the ``first`` largest non-zero counts, largest first, ties by
    index (an index is an id's rank: the snapshot's id lists are sorted)."""
    found = np.flatnonzero(counts)
    if found.size == 0:
        return []
    key = (int(counts.max()) - counts[found]) * counts.shape[0] + found
    if found.size > first:
        part = np.argpartition(key, first - 1)[:first]
        found, key = found[part], key[part]
    top = found[np.argsort(key, kind="stable")]
    return [(int(i), int(counts[i])) for i in top.tolist()]


def _distinct_pairs(papers: npt.NDArray[Any], others: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """``others`` once per distinct (paper, other) pair; the rows are sorted by paper, then
    other (the snapshot's pair arrays are), so a repeated pair is adjacent."""
    if papers.size < 2:
        return others
    repeated = (papers[1:] == papers[:-1]) & (others[1:] == others[:-1])
    return others[np.concatenate(([True], ~repeated))]


def facet_counts(snap: Snapshot, facet: str, mask: BoolArray) -> tuple[IntArray, list[str]]:
    """Per bucket of ``facet`` (years: offset from the first year), the matching papers, and
    the buckets' ids (years: as strings)."""
    if facet == "years":
        years = snap.year[mask & snap.has_year].astype(np.int64)
        if years.size == 0:
            return np.zeros(0, dtype=np.int64), []
        low = int(years.min())
        counts = np.bincount(years - low)
        return counts, [str(low + i) for i in range(counts.shape[0])]
    if facet == "categories":
        hit = mask[snap.incat_paper]
        others = _distinct_pairs(snap.incat_paper[hit], snap.incat_cat[hit])
        return np.bincount(others, minlength=len(snap.category_ids)), snap.category_ids
    if facet == "venues":
        hit = mask[snap.pub_paper]
        others = _distinct_pairs(snap.pub_paper[hit], snap.pub_venue[hit])
        return np.bincount(others, minlength=len(snap.venue_ids)), snap.venue_ids
    if facet == "authors":
        paper = snap.authorship_papers()
        hit = mask[paper]
        others = _distinct_pairs(paper[hit], snap.auth_author[hit])
        return np.bincount(others, minlength=snap.author_count), snap.author_ids
    raise ValueError(f"unknown facet {facet!r}")


def filter_key(where: Mapping[str, Any] | None) -> bytes:
    """A filter as a memo key (the same filter in any key order gives the same key)."""
    return orjson.dumps(where, option=orjson.OPT_SORT_KEYS)


async def held_mask(
    scope: ReadScope, where: Mapping[str, Any] | None, *, warm: bool = True
) -> tuple[Snapshot, BoolArray] | None:
    """The held snapshot and the papers ``where`` selects in it, or None: no snapshot held
    (when ``warm``, one is then built in the background for the next requests) or a filter it
    cannot tell."""
    repo.list_condition(Label.PAPER, where)  # the filter's errors, whoever answers
    snap = await held_snapshot(scope)
    if snap is None:
        if warm:
            SNAPSHOTS.warm(scope)
        return None
    # one mask per filter and snapshot, shared by the count and the four facets of a request
    key = ("paper_mask", filter_key(where))
    held = snap.memo_get(key)
    if held is None:
        held = (await asyncio.to_thread(paper_mask, snap, where),)  # off the event loop
        snap.memo_put(key, held)
    mask: BoolArray | None = held[0]
    return None if mask is None else (snap, mask)


async def count_papers(scope: ReadScope, where: Mapping[str, Any] | None) -> Count:
    """``papers(where:) { totalCount }``: exact from the held snapshot, else from Cypher."""
    held = await held_mask(scope, where)
    if held is None:
        return await repo.list_count(scope, Label.PAPER, where)
    return Count(int(np.count_nonzero(held[1])), True)


async def paper_facet(
    scope: ReadScope, facet: str, where: Mapping[str, Any] | None, first: int
) -> Facet:
    """One facet of the papers matching ``where``: from the held snapshot (one read for the
    buckets' nodes), else from Cypher."""
    if facet not in repo.FACETS:
        raise ValueError(f"unknown facet {facet!r}")
    held = await held_mask(scope, where)
    if held is None:
        return await repo.list_facet(scope, facet, where, first)
    snap, mask = held

    def count() -> tuple[list[tuple[int, int]], list[str]]:
        counts, ids = facet_counts(snap, facet, mask)
        return top_counts(counts, first + 1), ids

    top, ids = await asyncio.to_thread(count)  # off the event loop
    if facet == "years":
        values = [FacetValue(int(ids[i]), n, None) for i, n in top]
    else:
        label = FACET_LABELS[facet]
        nodes = await repo.nodes_by_ids(scope, label, [ids[i] for i, _ in top])
        values = [FacetValue(ids[i], n, nodes[ids[i]]) for i, n in top if ids[i] in nodes]
    return Facet(values[:first], len(values) > first)
