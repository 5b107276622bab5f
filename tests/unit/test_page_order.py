"""The snapshot's page order (``graph.paper_pages``: sort keys joined into one integer per
paper) against Cypher's ordering written out in Python: missing values last in either
direction, the id as the last key; every page of a walk, and a seek after cursor values that
no paper holds, equal sorting and filtering plain tuples."""

from __future__ import annotations

import functools
import random
from typing import Any

import numpy as np
import pytest

from graph import paper_pages
from graph import repository as repo
from graph.labels import Label
from graph.snapshot import NO_YEAR, Snapshot, build_snapshot

Row = tuple[Any, ...]


def _snapshot(rng: random.Random, n: int = 400) -> tuple[Snapshot, dict[str, dict[str, Any]]]:
    ids = [f"p{rng.randrange(10**5):05d}-{i}" for i in range(n)]
    years = [rng.choice([NO_YEAR, 1991, 1995, 2003, 2003, 2020]) for _ in range(n)]
    counted = [rng.random() > 0.15 for _ in range(n)]
    cites = [rng.choice([0, 0, 1, 2, 7, 40, 41]) for _ in range(n)]
    dates = [rng.choice(["", "1995-03", "1995-03-01", "2003-11-30", "2003-12", "2020"])
             for _ in range(n)]  # fmt: skip
    titles = [rng.choice([None, "", "Ant colony optimization", "ant colony", "Über Graphen",
                          "王成阳的论文", "Zeta", "Ant colony optimization\U0001F600"])
              for _ in range(n)]  # fmt: skip
    empty: list[int] = []
    cols = {
        "paper_keys": list(range(n)),
        "paper_ids": ids,
        "paper_years": years,
        "paper_stubs": [False] * n,
        "paper_citations": [c if k else 0 for c, k in zip(cites, counted, strict=True)],
        "paper_counted": counted,
        "paper_dates": dates,
        "paper_titles": [t or "" for t in titles],
        "paper_titled": [t is not None for t in titles],
        "cite_src": empty, "cite_dst": empty, "author_keys": empty, "author_ids": empty,
        "auth_author": empty, "auth_paper": empty, "cat_keys": empty, "cat_ids": empty,
        "in_paper": empty, "in_cat": empty, "sub_child": empty, "sub_parent": empty,
    }  # fmt: skip
    values = {
        i: {
            "id": i,
            "year": None if y == NO_YEAR else y,
            "citation_count": c if k else None,
            "date": d or None,
            "title": t,
        }
        for i, y, c, k, d, t in zip(ids, years, cites, counted, dates, titles, strict=True)
    }
    return build_snapshot((0,) * 10, cols), values


def _compare(keys: tuple[repo.SortKey, ...], a: Row, b: Row) -> int:
    """Cypher's order of two rows of key values: missing last, then the direction."""
    for k, x, y in zip(keys, a, b, strict=True):
        if x == y:
            continue
        if x is None or y is None:
            return 1 if x is None else -1
        less = x < y
        return (-1 if less else 1) * (-1 if k.descending else 1)
    return 0


ORDERS = [
    [],
    [("citation_count", True), ("year", True)],
    [("year", False), ("citation_count", False)],
    [("citation_count", False), ("id", True)],
    [("year", True), ("id", True)],
    [("date", True)],
    [("date", False), ("citation_count", True)],
    [("title", False)],
    [("title", True), ("year", False)],
]


@pytest.mark.parametrize("order", ORDERS)
def test_pages_follow_cypher_order(order: list[tuple[str, bool]]) -> None:
    rng = random.Random(len(order) * 7 + 1)
    snap, values = _snapshot(rng)
    keys = repo.list_order(Label.PAPER, order)
    page_order = paper_pages.page_order(snap, keys)
    assert page_order is not None
    row = {i: tuple(v[k.name] for k in keys) for i, v in values.items()}
    cmp = functools.partial(_compare, keys)
    want = sorted(values, key=lambda i: functools.cmp_to_key(cmp)(row[i]))
    mask = np.asarray([rng.random() < 0.7 for _ in snap.paper_ids])
    wanted = [i for i in want if mask[snap.paper_ids.index(i)]]

    first = paper_pages.first_page(page_order, mask, 25)
    assert [snap.paper_ids[v] for v in first.tolist()] == wanted[:25]
    ordered = paper_pages.sorted_keys(page_order, mask)
    walked, after = [], row[wanted[24]]
    while True:
        cursor = page_order.cursor_key(snap, after)
        assert cursor is not None
        page = paper_pages.page_after(page_order, ordered, cursor, 25, snap.paper_count)
        if page.size == 0:
            break
        walked += [snap.paper_ids[v] for v in page.tolist()]
        after = row[walked[-1]]
    assert walked == wanted[25:]

    # cursor values no paper holds: the papers strictly after them, as Cypher's seek
    for _ in range(60):
        choices = {
            "id": ["", "p5", "p50000", "~", rng.choice(snap.paper_ids)],
            "date": [None, "", "1995", "1995-03", "1995-03-01", "2003-11-31", "2021"],
        }
        if any(k.name == "title" for k in keys):  # titles are placed through their paper
            paper = rng.choice(snap.paper_ids)
            cursor_row = tuple(rng.choice([values[paper][k.name], None]) for k in keys[:-1])
            cursor_row += (paper,)
            if cursor_row[0] is not None and values[paper]["title"] is None:
                continue  # no title for this paper: refused below
            cursor = page_order.cursor_key(snap, cursor_row)
            assert cursor is not None, cursor_row
            got = paper_pages.page_after(page_order, ordered, cursor, 10**6, snap.paper_count)
            after_cursor = [i for i in wanted if cmp(row[i], cursor_row) > 0]
            assert [snap.paper_ids[v] for v in got.tolist()] == after_cursor, cursor_row
            continue
        cursor_row = tuple(
            rng.choice(choices.get(k.name, [None, -1, 0, 3, 40, 42, 1990, 1996, 2003, 2030]))
            for k in keys
        )
        cursor = page_order.cursor_key(snap, cursor_row)
        assert cursor is not None
        got = paper_pages.page_after(page_order, ordered, cursor, 10**6, snap.paper_count)
        after_cursor = [i for i in wanted if cmp(row[i], cursor_row) > 0]
        assert [snap.paper_ids[v] for v in got.tolist()] == after_cursor, cursor_row


def test_a_key_the_snapshot_does_not_hold_or_a_bad_cursor_value_is_refused() -> None:
    snap, values = _snapshot(random.Random(3))
    assert paper_pages.page_order(snap, repo.list_order(Label.PAPER, [("pagerank", True)])) is None
    order = paper_pages.page_order(snap, repo.list_order(Label.PAPER, [("year", True)]))
    assert order is not None
    assert order.cursor_key(snap, ["1995", "p1"]) is None
    assert order.cursor_key(snap, [True, "p1"]) is None
    assert order.cursor_key(snap, [1995, 7]) is None
    by_date = paper_pages.page_order(snap, repo.list_order(Label.PAPER, [("date", True)]))
    assert by_date is not None
    assert by_date.cursor_key(snap, [1995, "p1"]) is None
    assert by_date.cursor_key(snap, ["1995-03-01\x00", "p1"]) is None
