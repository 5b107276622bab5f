"""Pages of a paper filter chosen from the analytics snapshot (``graph.paper_pages``) equal the
Cypher pages (``graph.repository.list_page``) on the real samples: every page of a walk, its
cursors and its authorships, for filters on every field the snapshot holds and orders on
citations, year, date, title and id in both directions; a cursor from one path continues on
the other; a paper without a stored citation count sorts last either way; a filter or order
the snapshot cannot tell goes to Cypher; a page from the snapshot sends no list query."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from neo4j import Driver

from graph import paper_pages
from graph import repository as repo
from graph.labels import Label
from graph.repository import Page, ReadScope
from graph.snapshot import snapshot
from graph.stamp import replace_stamp
from tests.integration.api_helpers import DB, CountingDriver

pytestmark = pytest.mark.asyncio(loop_scope="session")

ORDERS: list[list[tuple[str, bool]]] = [
    [],
    [("citation_count", True), ("year", True)],
    [("year", False), ("citation_count", False)],
    [("citation_count", False), ("id", True)],
    [("year", True)],
    [("date", True)],
    [("title", False)],
    [("title", True), ("citation_count", True)],
]
PAGE = 40


@pytest_asyncio.fixture(scope="module", loop_scope="session", autouse=True)
async def held(scope: ReadScope) -> None:
    await snapshot(scope)  # held from here on


def _one(driver: Driver, query: str) -> Any:
    return driver.execute_query(query, database_=DB).records[0][0]


@pytest.fixture(scope="module")
def filters(loaded: Driver) -> list[dict[str, Any] | None]:
    """Filters over the sample's own values: the category with most papers below it, the
    commonest venue, years some papers lack, citation bounds."""
    parent = _one(
        loaded,
        "MATCH (c:Category)<-[:SUBCATEGORY_OF]-(:Category)<-[:IN_CATEGORY]-(p) "
        "WITH c, count(DISTINCT p) AS n RETURN c.id ORDER BY n DESC, c.id LIMIT 1",
    )
    venue = _one(loaded, "MATCH (v:Venue)<-[:PUBLISHED_IN]-(p) "
                 "WITH v, count(p) AS n RETURN v.id ORDER BY n DESC, v.id LIMIT 1")  # fmt: skip
    return [
        None,
        {"year": {"gte": 2015}},
        {"or_": [{"year": {"lt": 2000}}, {"citation_count": {"gte": 10}}]},
        {"and_": [{"category": {"eq": parent}}, {"not_": {"citation_count": {"eq": 0}}}]},
        {"not_": {"venue": {"eq": venue}}, "year": {"lte": 2021}},
        {"stub": True},
    ]


async def _walk(
    scope: ReadScope,
    where: dict[str, Any] | None,
    order: list[tuple[str, bool]],
    snapshot_pages: bool,
    authorships: bool = False,
) -> list[Page]:
    pages: list[Page] = []
    after: list[Any] | None = None
    while True:
        if snapshot_pages:
            page = await paper_pages.list_papers(
                scope, where, order, first=PAGE, after=after, authorships=authorships
            )
        else:
            page = await repo.list_page(
                scope, Label.PAPER, where, order, first=PAGE, after=after, authorships=authorships
            )
        pages.append(page)
        if not page.has_next:
            return pages
        after = page.keys[-1]


async def test_every_page_from_the_snapshot_equals_cypher(
    scope: ReadScope, filters: list[dict[str, Any] | None]
) -> None:
    snap = await snapshot(scope)
    walked = 0
    for where in filters:
        for order in ORDERS:
            keys = repo.list_order(Label.PAPER, order)
            assert paper_pages.page_order(snap, keys) is not None, order
            got = await _walk(scope, where, order, True)
            want = await _walk(scope, where, order, False)
            assert got == want, (where, order)
            walked += sum(len(p.items) for p in got)
    assert walked > 1000


async def test_authorships_come_with_the_page(scope: ReadScope) -> None:
    order = [("citation_count", True)]
    got = await _walk(scope, {"year": {"gte": 2010}}, order, True, authorships=True)
    want = await _walk(scope, {"year": {"gte": 2010}}, order, False, authorships=True)
    assert got == want
    assert sum(len(rows) for p in got for rows in p.authorships.values()) > 100


async def test_a_cursor_continues_on_the_other_path(scope: ReadScope) -> None:
    order = [("citation_count", True), ("year", True)]
    cypher = await _walk(scope, None, order, False)
    assert len(cypher) > 3
    for i in (0, 2, len(cypher) - 2):
        after = cypher[i].keys[-1]
        got = await paper_pages.list_papers(scope, None, order, first=PAGE, after=after)
        assert got == cypher[i + 1]


async def test_a_cursor_between_papers_seeks_its_place(scope: ReadScope) -> None:
    """Cursor values no paper holds (a paper deleted or changed since the cursor was made):
    the next page starts where such a paper would have been, as in Cypher."""
    order = [("citation_count", True), ("year", True)]
    first = await repo.list_page(scope, Label.PAPER, None, order, first=PAGE)
    most, year, _ = first.keys[0]  # the most cited paper
    assert most > 1 and year is not None
    for after in ([most, year, "~"], [most, year - 1, ""], [most - 1, None, ""]):
        want = await repo.list_page(scope, Label.PAPER, None, order, first=PAGE, after=after)
        got = await paper_pages.list_papers(scope, None, order, first=PAGE, after=after)
        assert got == want and got.items, after


async def test_a_page_from_the_snapshot_sends_no_list_query(scope: ReadScope) -> None:
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    counted = ReadScope(counting, DB)  # type: ignore[arg-type]
    await snapshot(counted)  # the store holds a snapshot per driver
    order = [("citation_count", True)]
    page = await paper_pages.list_papers(counted, {"year": {"gte": 2000}}, order, first=PAGE)
    counting.queries.clear()
    deeper = await paper_pages.list_papers(
        counted, {"year": {"gte": 2000}}, order, first=PAGE, after=page.keys[-1]
    )
    assert deeper.items and not any("ORDER BY" in t for t in counting.queries)
    # a filter on a field the snapshot does not hold: the Cypher page
    counting.queries.clear()
    where = {"title": {"contains": "learning"}}
    got = await paper_pages.list_papers(counted, where, order, first=PAGE)
    assert got == await repo.list_page(scope, Label.PAPER, where, order, first=PAGE)
    assert any("ORDER BY" in t for t in counting.queries)


async def test_a_missing_citation_count_sorts_last(loaded: Driver, scope: ReadScope) -> None:
    """Papers without a stored citation count come after every counted one in either
    direction, as ``ORDER BY x IS NULL, x`` puts them (the snapshot keeps them apart from 0)."""
    ids = [
        r["id"]
        for r in loaded.execute_query(
            "MATCH (p:Paper) WHERE NOT coalesce(p.stub, false) AND p.citation_count > 0 "
            "RETURN p.id AS id, p.citation_count AS n ORDER BY p.id LIMIT 6",
            database_=DB,
        ).records
    ]
    saved = {
        r["id"]: r["n"]
        for r in loaded.execute_query(
            "MATCH (p:Paper) WHERE p.id IN $ids RETURN p.id AS id, p.citation_count AS n",
            ids=ids,
            database_=DB,
        ).records
    }

    def write(query: str, **params: Any) -> None:
        with loaded.session(database=DB) as session:
            session.execute_write(lambda tx: (tx.run(query, **params).consume(), replace_stamp(tx)))

    write("MATCH (p:Paper) WHERE p.id IN $ids REMOVE p.citation_count", ids=ids)
    try:
        snap = await snapshot(scope)
        uncounted = int((~snap.has_citations & ~snap.stub).sum())
        assert uncounted >= len(ids)
        for descending in (True, False):
            order = [("citation_count", descending)]
            got = await _walk(scope, None, order, True)
            want = await _walk(scope, None, order, False)
            assert got == want, descending
            nodes = [n for p in got for n in p.items]
            assert all(n.get("citation_count") is None for n in nodes[-uncounted:])
            assert set(ids) <= {n["id"] for n in nodes[-uncounted:]}
            assert nodes[-uncounted - 1].get("citation_count") is not None
    finally:
        write(
            "UNWIND keys($saved) AS id MATCH (p:Paper {id: id}) SET p.citation_count = $saved[id]",
            saved=saved,
        )
