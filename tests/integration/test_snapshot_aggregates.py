"""Counts and facets of a paper filter from the analytics snapshot (``graph.paper_aggregates``)
equal the Cypher answers (``graph.repository.list_count`` / ``list_facet``) on the real
samples, for filters on every field the snapshot holds, combined with AND / OR / NOT (papers
without a year stay out of a negated year condition, as in Cypher); a filter naming a field the
snapshot does not hold is answered by Cypher; a count from the snapshot sends no count query."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from neo4j import Driver

from graph import paper_aggregates as aggregates
from graph import repository as repo
from graph.labels import Label
from graph.repository import ReadScope
from graph.snapshot import snapshot
from tests.integration.api_helpers import DB, CountingDriver

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(scope="module", loop_scope="session", autouse=True)
async def held(scope: ReadScope) -> None:
    await snapshot(scope)  # held from here on


def _one(driver: Driver, query: str) -> Any:
    return driver.execute_query(query, database_=DB).records[0][0]


@pytest.fixture(scope="module")
def filters(loaded: Driver) -> list[dict[str, Any] | None]:
    """Filters over the sample's own values: a category with subcategories (its papers are
    mostly in the subcategories), the commonest venue, years some papers lack."""
    parent = _one(
        loaded,
        "MATCH (c:Category)<-[:SUBCATEGORY_OF]-(:Category)<-[:IN_CATEGORY]-(p) "
        "WITH c, count(DISTINCT p) AS n RETURN c.id ORDER BY n DESC, c.id LIMIT 1",
    )
    leaf = _one(loaded, "MATCH (c:Category)<-[:IN_CATEGORY]-(p) "
                "WHERE NOT (c)<-[:SUBCATEGORY_OF]-() "
                "WITH c, count(p) AS n RETURN c.id ORDER BY n DESC, c.id LIMIT 1")  # fmt: skip
    venue = _one(loaded, "MATCH (v:Venue)<-[:PUBLISHED_IN]-(p) "
                 "WITH v, count(p) AS n RETURN v.id ORDER BY n DESC, v.id LIMIT 1")  # fmt: skip
    assert _one(loaded, "MATCH (p:Paper) WHERE p.year IS NULL AND NOT coalesce(p.stub, false) "
                "RETURN count(p)") > 0  # fmt: skip
    return [
        None,
        {"year": {"gte": 2015}},
        {"not_": {"year": {"gte": 2015}}},
        {"year": {"in_": [1995, 2020, 2023]}},
        {"or_": [{"year": {"lt": 2000}}, {"citation_count": {"gte": 10}}]},
        {"category": {"in_": [parent]}},
        {"category": {"eq": parent, "in_": [leaf]}},
        {"and_": [{"category": {"eq": parent}}, {"not_": {"citation_count": {"eq": 0}}}]},
        {"venue": {"eq": venue}},
        {"not_": {"venue": {"eq": venue}}, "year": {"lte": 2021}},
        {"stub": True},
        {"or_": []},
    ]


async def test_counts_from_the_snapshot_equal_cypher(
    scope: ReadScope, filters: list[dict[str, Any] | None]
) -> None:
    snap = await snapshot(scope)
    counts = []
    for where in filters:
        assert aggregates.paper_mask(snap, where) is not None, where
        got = await aggregates.count_papers(scope, where)
        want = await repo.list_count(scope, Label.PAPER, where)
        assert want.exact and got == want, where
        counts.append(got.value)
    assert len(set(counts)) > 6  # the filters select different papers


@pytest.mark.parametrize("facet", ["years", "categories", "venues", "authors"])
async def test_facets_from_the_snapshot_equal_cypher(
    scope: ReadScope, filters: list[dict[str, Any] | None], facet: str
) -> None:
    for where in filters[1:]:  # None: Cypher counts from the count store (stubs included)
        got = await aggregates.paper_facet(scope, facet, where, 8)
        want = await repo.list_facet(scope, facet, where, 8)
        assert got == want, (facet, where)


async def test_a_field_the_snapshot_does_not_hold_goes_to_cypher(scope: ReadScope) -> None:
    snap = await snapshot(scope)
    where = {"title": {"contains": "learning"}, "year": {"gte": 2015}}
    assert aggregates.paper_mask(snap, where) is None
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    counted = ReadScope(counting, DB)  # type: ignore[arg-type]
    want = await repo.list_count(scope, Label.PAPER, where)
    assert await aggregates.count_papers(counted, where) == want
    assert any("$cap" in t for t in counting.queries)


async def test_a_count_from_the_snapshot_sends_no_count_query(
    scope: ReadScope, filters: list[dict[str, Any] | None]
) -> None:
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    counted = ReadScope(counting, DB)  # type: ignore[arg-type]
    await snapshot(counted)  # the store holds a snapshot per driver
    counting.queries.clear()
    await aggregates.count_papers(counted, filters[5])
    assert counting.queries and not any("$cap" in t for t in counting.queries)
