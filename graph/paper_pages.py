"""Pages of a paper filter, answered from the analytics snapshot when it can.

A page from Cypher reads every paper the filter matches and sorts them (the sort keys'
``IS NULL`` terms keep any index from ordering them), whatever the page's depth: a category of
300,000 papers costs its 300,000 rows on page 1 and on page 100. When the process holds the
analytics snapshot (:mod:`graph.snapshot`), the filter names only what it holds
(:func:`graph.paper_aggregates.held_mask`, the mask counts and facets share) and the order
only ``citationCount``, ``year``, ``date``, ``title`` and ``id``, the page is chosen in memory
and one query reads its ``first`` papers by id.

**The order as one integer per paper.** Each sort key becomes a digit: the rank of the paper's
value among the distinct values held (in the key's direction, a missing value after every
other, as ``ORDER BY x IS NULL, x DESC`` puts it), and the id's rank last (the snapshot numbers
papers in id order). The digits joined in mixed radix give one ``int64`` whose order is the
page order. A cursor's values are placed between ranks when the snapshot holds no paper with
them (ranks are doubled; a value between two held ones gets the odd number between), so a
cursor made before a write, or by the Cypher path, seeks the same place. Titles are held as
ranks only (and a hash per paper): a cursor's title is placed through its paper, when that
paper still has it; otherwise Cypher answers.

**Choosing the page.** Page 1 of a filter: the ``first + 1`` smallest keys of its papers
(``argpartition``, no full sort). A deeper page: the filter's keys sorted once per snapshot and
order (memoised beside its mask), then a binary search for the cursor and a slice. Both run in
a worker thread, off the event loop.

**The read.** The chosen ids are read in one query with the same node map, sort values and
(when asked) authorships as the Cypher page, so the answer and its cursors are the same; the
fingerprint check before every use (:func:`graph.snapshot.held_snapshot`) keeps the snapshot at
the graph's version. A filter or order the snapshot cannot tell, a cursor it cannot place (a
value of the wrong type), key ranges too wide for 62 bits, or no snapshot held: the page comes
from Cypher (:func:`graph.repository.list_page`). A page does not start a build (a count, a
facet, influence or similar papers do): its Cypher answer costs one query, a build an export of
the whole graph.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from graph import paper_aggregates as aggregates
from graph import queries_read as q
from graph import repository as repo
from graph.labels import Label
from graph.repository import Page, ReadScope, SortKey
from graph.snapshot import Snapshot

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

HELD_KEYS = ("citation_count", "year", "date", "title", "id")  # sort keys the snapshot holds
KEY_BITS = 62  # the joined digits must fit an int64 with room to spare


@dataclass(frozen=True, slots=True)
class _Digit:
    """One sort key as a digit of the joined order, of base ``radix``. ``kind``: ``id`` (the
    paper numbers), ``values`` (``distinct``: the sorted distinct values held) or ``title``
    (only the ranks are held: a cursor's title is placed through its paper, ``ranks``)."""

    kind: str
    descending: bool
    radix: int
    distinct: npt.NDArray[Any] | None = None
    ranks: npt.NDArray[np.int32] | None = None

    @property
    def size(self) -> int:
        """Distinct values (papers, for the id)."""
        return (self.radix - 2) // 2


@dataclass(frozen=True, slots=True)
class PageOrder:
    """An order over the snapshot's papers: ``key[v]`` is paper ``v``'s place in it."""

    digits: tuple[_Digit, ...]
    key: IntArray

    def cursor_key(self, snap: Snapshot, values: Sequence[Any]) -> int | None:
        """The joined key of a cursor's values (between papers when no paper has them), None
        when a value has a type the key cannot hold, or a title no paper of the snapshot holds
        under the cursor's id."""
        paper = values[-1]
        v = snap.paper_number(paper) if isinstance(paper, str) else None
        joined = 0
        for digit, value in zip(self.digits, values, strict=True):
            d = _title_digit(snap, digit, value, v) if digit.kind == "title" else (
                _value_digit(snap, digit, value)
            )  # fmt: skip
            if d is None:
                return None
            joined = joined * digit.radix + d
        return joined

    def vertices(self, keys: IntArray, n: int) -> IntArray:
        """The papers of joined keys (the id digit is the last)."""
        last = self.digits[-1]
        rank = (keys % last.radix - 1) // 2
        return (n - 1 - rank) if last.descending else rank


def _held_values(snap: Snapshot, name: str) -> tuple[IntArray, BoolArray, npt.NDArray[Any]]:
    """Per paper the rank of its value among the distinct values held (ascending), whether it
    has one, and the distinct values."""
    if name == "date":
        return snap.date_rank.astype(np.int64), snap.date_rank >= 0, snap.dates
    values, known = (
        (snap.stored_citations, snap.has_citations)
        if name == "citation_count"
        else (snap.year.astype(np.int64), snap.has_year)
    )
    distinct = np.unique(values[known])
    return np.searchsorted(distinct, values).astype(np.int64), known, distinct


def _paper_digits(snap: Snapshot, key: SortKey) -> tuple[_Digit, IntArray]:
    """The digit of every paper for ``key``: ``2 * rank + 1``, a missing value after all."""
    n = snap.paper_count
    if key.name == "id":
        rank = np.arange(n, dtype=np.int64)
        if key.descending:
            rank = n - 1 - rank
        return _Digit("id", key.descending, 2 * n + 2), 2 * rank + 1
    if key.name == "title":
        rank = snap.title_rank.astype(np.int64)
        known = rank >= 0
        size = int(rank.max()) + 1 if n else 0
        digit = _Digit("title", key.descending, 2 * size + 2, ranks=snap.title_rank)
    else:
        rank, known, distinct = _held_values(snap, key.name)
        size = distinct.shape[0]
        digit = _Digit("values", key.descending, 2 * size + 2, distinct=distinct)
    if key.descending:
        rank = size - 1 - rank
    return digit, np.where(known, 2 * rank + 1, 2 * size + 1)


def _title_digit(snap: Snapshot, digit: _Digit, value: Any, paper: int | None) -> int | None:
    """A cursor's title: the digit of the cursor's paper when that paper still has this
    title (its hash agrees), the missing digit for none; else None (the titles themselves are
    not held, so a title between two others cannot be placed)."""
    if value is None:
        return 2 * digit.size + 1
    if paper is None or not isinstance(value, str) or digit.ranks is None:
        return None
    rank = int(digit.ranks[paper])
    if rank < 0 or int(snap.title_hash[paper]) != hash(value):
        return None
    return 2 * (digit.size - 1 - rank if digit.descending else rank) + 1


def _value_digit(snap: Snapshot, digit: _Digit, value: Any) -> int | None:
    """A cursor value's digit: ``2 * rank + 1`` for a value held, the even number between its
    neighbours for one that is not; None for a value of the wrong type."""
    size = digit.size
    if digit.distinct is None:
        if not isinstance(value, str):
            return None
        i = bisect.bisect_left(snap.paper_ids, value)
        held = i < size and snap.paper_ids[i] == value
    else:
        if value is None:
            return 2 * size + 1
        strings = digit.distinct.dtype.kind == "U"
        if strings != isinstance(value, str) or isinstance(value, bool):
            return None
        if strings and "\x00" in value:  # numpy's strings drop trailing NULs
            return None
        if not strings and not isinstance(value, int):
            return None
        i = int(np.searchsorted(digit.distinct, value))
        held = i < size and digit.distinct[i] == value
    if digit.descending:  # place among the values in descending order
        half = 2 * (size - 1 - i) if held else 2 * (size - i) - 1
    else:
        half = 2 * i if held else 2 * i - 1
    return half + 1


def page_order(snap: Snapshot, keys: Sequence[SortKey]) -> PageOrder | None:
    """The joined order of ``keys`` over the snapshot's papers (built once per snapshot and
    order), None when a key is not held or the digits do not fit :data:`KEY_BITS`."""
    if any(k.name not in HELD_KEYS for k in keys) or keys[-1].name != "id":
        return None
    memo_key = ("page_order", repo.order_signature(keys))
    if memo_key in snap._lazy:
        held: PageOrder | None = snap._lazy[memo_key]
        return held
    parts = [_paper_digits(snap, k) for k in keys]
    if sum(float(np.log2(d.radix)) for d, _ in parts) >= KEY_BITS:
        order = None
    else:
        joined = np.zeros(snap.paper_count, dtype=np.int64)
        for digit, values in parts:
            joined = joined * digit.radix + values
        order = PageOrder(tuple(d for d, _ in parts), joined)
    snap._lazy[memo_key] = order
    return order


def first_page(order: PageOrder, mask: BoolArray, first: int) -> IntArray:
    """The papers of page 1: the ``first`` smallest keys in ``mask``, in order."""
    found = np.flatnonzero(mask)
    keys = order.key[found]
    if found.shape[0] > first:
        part = np.argpartition(keys, first - 1)[:first]
        found, keys = found[part], keys[part]
    return found[np.argsort(keys, kind="stable")]


def sorted_keys(order: PageOrder, mask: BoolArray) -> IntArray:
    """The keys of every paper in ``mask``, sorted (what deeper pages search)."""
    return np.sort(order.key[mask])


def page_after(order: PageOrder, ordered: IntArray, after: int, first: int, n: int) -> IntArray:
    """The papers of the ``first`` keys after ``after`` in the sorted keys ``ordered``."""
    start = int(np.searchsorted(ordered, after, side="right"))
    return order.vertices(ordered[start : start + first], n)


async def _chosen(
    scope: ReadScope,
    where: Mapping[str, Any] | None,
    keys: Sequence[SortKey],
    after: Sequence[Any] | None,
    first: int,
) -> list[str] | None:
    """The ids of the page's papers (``first`` of them, one more when another follows) from
    the held snapshot, or None when it cannot choose them."""
    held = await aggregates.held_mask(scope, where, warm=False)
    if held is None:
        return None
    snap, mask = held
    order = await asyncio.to_thread(page_order, snap, keys)
    if order is None:
        return None
    if after is None:
        chosen = await asyncio.to_thread(first_page, order, mask, first)
    else:
        cursor = order.cursor_key(snap, after)
        if cursor is None:
            return None
        memo_key = ("page_keys", repo.order_signature(keys), aggregates.filter_key(where))
        ordered = snap.memo_get(memo_key)
        if ordered is None:
            ordered = await asyncio.to_thread(sorted_keys, order, mask)
            snap.memo_put(memo_key, ordered)
        chosen = page_after(order, ordered, cursor, first, snap.paper_count)
    return [snap.paper_ids[v] for v in chosen.tolist()]


async def list_papers(
    scope: ReadScope,
    where: Mapping[str, Any] | None,
    order: Sequence[tuple[str, bool]],
    *,
    first: int,
    after: Sequence[Any] | None = None,
    authorships: bool = False,
) -> Page:
    """One page of papers, as :func:`graph.repository.list_page` answers it: chosen from the
    held snapshot when it can (module docstring), else by Cypher."""
    keys = repo.list_order(Label.PAPER, order)
    ids = await _chosen(scope, where, keys, after, first + 1)
    if ids is None:
        return await repo.list_page(
            scope, Label.PAPER, where, order, first=first, after=after, authorships=authorships
        )
    query = q.papers_page_by_ids(repo.sort_values(keys), authorships)
    records = await repo.read(scope, query, {"ids": ids})
    by_id = {r["node"]["id"]: r for r in records}
    return repo.page_of([by_id[i] for i in ids if i in by_id], first, authorships)
