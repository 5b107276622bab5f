"""The in-memory analytics snapshot (graph/snapshot.py) against the real Neo4j, on real data
(Paperscape 1991–1993): its answers equal the per-request Cypher export's (both computed here),
its yearly counts equal plain Cypher counts, ancestor categories count (a hep-th paper is a
physics paper: SUBCATEGORY_OF), concurrent first requests share one build, and a write (a new
paper citing an old one) shows after the rebuild it triggers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from neo4j import Driver

from graph import influence
from graph import snapshot as snap_mod
from graph.ingest import refresh_metrics
from graph.repository import ReadScope
from graph.schema import backfill_in_field
from graph.settings import Neo4jSettings
from graph.snapshot_queries import FINGERPRINT
from loaders.writer import load_paths
from tests.conftest import wipe
from tests.integration.api_helpers import CountingDriver, api_driver, data

pytestmark = pytest.mark.asyncio(loop_scope="session")

DB = "neo4j"
YEARS = ("1991", "1992", "1993")
# (category, year_from, year_to): a leaf field and a period, a whole field, a parent group
FILTERS = [
    ("arxiv:hep-th", 1992, 1993),
    ("arxiv:hep-ph", None, None),
    ("arxiv-group:physics", 1993, None),
]

IN_FIELD = (
    "EXISTS { (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category) "
    "WHERE c.id = $cat }"
)
PAPERS_PER_YEAR = (
    f"MATCH (p:Paper) WHERE p.year IS NOT NULL AND {IN_FIELD} RETURN p.year AS year, count(*) AS n"
)
CITATIONS_PER_YEAR = (
    f"MATCH (s:Paper)-[:CITES]->(p:Paper) WHERE s.year IS NOT NULL AND {IN_FIELD} "
    "RETURN s.year AS year, count(*) AS n"
)


@pytest.fixture(scope="module")
def loaded(driver: Driver, data_dir: Path) -> Driver:
    wipe(driver)
    folder = data_dir / "paperscape-arxiv-1991-1996"
    summary = load_paths(driver, DB, [folder / f"pscp-{y}.csv" for y in YEARS])
    assert not summary.failed_files
    return driver


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def scope(loaded: Driver, neo4j_settings: Neo4jSettings) -> AsyncIterator[ReadScope]:
    async with api_driver(neo4j_settings) as drv:
        yield ReadScope(drv, DB, 60.0)


def per_year(driver: Driver, query: str, cat: str) -> dict[int, int]:
    records, _, _ = driver.execute_query(query, cat=cat, database_=DB)
    return {int(r["year"]): int(r["n"]) for r in records}


# -- the same answers as the Cypher export ----------------------------------------------------


@pytest.mark.parametrize(("cat", "year_from", "year_to"), FILTERS)
async def test_influential_papers_equal_the_export(
    scope: ReadScope, cat: str, year_from: int | None, year_to: int | None
) -> None:
    for by in ("PAGERANK", "CITATIONS"):
        got = await influence.influential_papers(scope, cat, year_from, year_to, by, 20)
        want = await influence.influential_papers(
            scope, cat, year_from, year_to, by, 20, source="export"
        )
        assert len(got) == 20
        assert [s.paper["id"] for s in got] == [s.paper["id"] for s in want]
        assert [s.citations for s in got] == [s.citations for s in want]
        for a, b in zip(got, want, strict=True):
            assert a.pagerank == pytest.approx(b.pagerank, rel=1e-9)


@pytest.mark.parametrize(("cat", "year_from", "year_to"), FILTERS)
async def test_influential_authors_equal_the_export(
    scope: ReadScope, cat: str, year_from: int | None, year_to: int | None
) -> None:
    for by in ("PAGERANK", "CITATIONS", "HINDEX"):
        got = await influence.influential_authors(scope, cat, year_from, year_to, by, 20)
        want = await influence.influential_authors(
            scope, cat, year_from, year_to, by, 20, source="export"
        )
        assert len(got) == 20
        assert [s.author["id"] for s in got] == [s.author["id"] for s in want]
        for a, b in zip(got, want, strict=True):
            assert (a.h_index, a.paper_count) == (b.h_index, b.paper_count)
            assert a.citations == pytest.approx(b.citations, rel=1e-12)
            assert a.citations_no_self == pytest.approx(b.citations_no_self, rel=1e-12)
            assert a.pagerank == pytest.approx(b.pagerank, rel=1e-9)


@pytest.mark.parametrize(("cat", "year"), [("arxiv:hep-th", None), ("arxiv-group:physics", 1992)])
async def test_rising_authors_equal_the_export(
    scope: ReadScope, cat: str, year: int | None
) -> None:
    w_got, got = await influence.rising_authors(scope, cat, 1, year, 15)
    w_want, want = await influence.rising_authors(scope, cat, 1, year, 15, source="export")
    assert w_got == w_want
    assert len(got) == 15
    assert [r.author["id"] for r in got] == [r.author["id"] for r in want]
    for a, b in zip(got, want, strict=True):
        assert (a.recent_velocity, a.previous_velocity) == (b.recent_velocity, b.previous_velocity)
        assert a.pagerank_change == pytest.approx(b.pagerank_change, rel=1e-9, abs=1e-12)


async def test_similar_papers_from_the_snapshot_equal_the_cypher_ones(
    scope: ReadScope, loaded: Driver
) -> None:
    records, _, _ = loaded.execute_query(
        "MATCH (p:Paper) WHERE p.citation_count > 0 "
        "RETURN p.id AS id ORDER BY p.citation_count DESC, p.id LIMIT 12",
        database_=DB,
    )
    ids = [r["id"] for r in records]
    records, _, _ = loaded.execute_query(
        "MATCH (p:Paper) WHERE p.reference_count > 5 AND p.citation_count = 0 "
        "RETURN p.id AS id ORDER BY p.id LIMIT 4",
        database_=DB,
    )
    ids += [r["id"] for r in records]  # coupling only
    snap = await snap_mod.snapshot(scope)
    batch = await influence.similar_from_snapshot(scope, snap, ids, 15)
    for pid in ids:
        got = await influence.similar_papers_of(scope, pid, 15, source="snapshot")
        want = await influence.similar_papers_of(scope, pid, 15, source="export")
        assert want, pid
        as_rows = [(s.paper["id"], s.score, s.cocitation, s.coupling) for s in got]
        assert as_rows == [(s.paper["id"], s.score, s.cocitation, s.coupling) for s in want]
        assert [(s.paper["id"], s.score) for s in batch[pid]] == [r[:2] for r in as_rows]
        # with a snapshot held, the default answer is the snapshot's
        default = await influence.similar_papers_of(scope, pid, 15)
        assert [s.paper["id"] for s in default] == [r[0] for r in as_rows]


# -- yearly counts and the category hierarchy -------------------------------------------------


@pytest.mark.parametrize("cat", ["arxiv:hep-th", "arxiv-group:physics", "arxiv:nlin"])
async def test_yearly_counts_equal_cypher_counts(
    scope: ReadScope, loaded: Driver, cat: str
) -> None:
    papers = per_year(loaded, PAPERS_PER_YEAR, cat)
    citations = per_year(loaded, CITATIONS_PER_YEAR, cat)
    rows = await influence.field_years(scope, cat)
    assert {r.year: r.papers for r in rows if r.papers} == papers
    assert {r.year: r.citations for r in rows if r.citations} == citations
    assert sum(papers.values()) > 0 and sum(citations.values()) > 0
    # one GraphQL field answers the same (what the field page's chart shows)
    answer = await data(
        scope,
        "query($id: ID!) { category(id: $id) { yearly(yearFrom: 1992) "
        "{ year papers citations } } }",
        {"id": cat},
    )
    assert answer["category"]["yearly"] == [
        {"year": r.year, "papers": r.papers, "citations": r.citations}
        for r in rows
        if r.year >= 1992
    ]


async def test_a_subcategory_paper_counts_for_its_ancestors(
    scope: ReadScope, loaded: Driver
) -> None:
    snap = await snap_mod.snapshot(scope)
    records, _, _ = loaded.execute_query(
        "MATCH (c:Category)-[:SUBCATEGORY_OF]->(p:Category {id: 'arxiv-group:physics'}) "
        "RETURN collect(c.id) AS children",
        database_=DB,
    )
    children = records[0]["children"]
    assert {"arxiv:hep-th", "arxiv:hep-ph", "arxiv:nlin"} <= set(children)
    physics = snap.mask(["arxiv-group:physics"])
    for child in ("arxiv:hep-th", "arxiv:hep-ph", "arxiv:nlin.SI"):
        inside = snap.mask([child])
        assert inside.any()
        assert not (inside & ~physics).any(), f"a {child} paper missing from the Physics group"
    # nlin.SI -> nlin -> the group: two levels up
    assert not (snap.mask(["arxiv:nlin.SI"]) & ~snap.mask(["arxiv:nlin"])).any()
    # the physics archive is not the group: only cross-listed hep-th papers are in it
    hep_th, archive = snap.mask(["arxiv:hep-th"]), snap.mask(["arxiv:physics"])
    assert int((hep_th & ~archive).sum()) > int((hep_th & archive).sum())
    assert int(archive.sum()) < int(hep_th.sum()) < int(physics.sum())
    # no paper is linked to the group directly: every one comes through a subcategory
    direct, _, _ = loaded.execute_query(
        "MATCH (:Category {id: 'arxiv-group:physics'})<-[:IN_CATEGORY]-(p) RETURN count(p) AS n",
        database_=DB,
    )
    assert direct[0]["n"] < int(physics.sum())
    papers = per_year(loaded, PAPERS_PER_YEAR, "arxiv-group:physics")
    assert int(physics.sum()) == sum(papers.values())
    assert snap.mask(["arxiv:no-such"]).sum() == 0


# -- versions ---------------------------------------------------------------------------------


async def test_concurrent_first_requests_share_one_build(scope: ReadScope) -> None:
    store = snap_mod.SnapshotStore()
    got = await asyncio.gather(*(store.get(scope) for _ in range(5)))
    assert store.builds == 1 and store.pending == 0
    assert all(s is got[0] for s in got)
    again = await store.get(scope)  # same version: no rebuild
    assert again is got[0] and store.builds == 1


async def test_yearly_of_many_categories_costs_one_version_read(scope: ReadScope) -> None:
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    counted = ReadScope(counting, DB, 60.0)  # type: ignore[arg-type]
    await snap_mod.snapshot(counted)  # built (or found) before counting
    counting.queries.clear()
    answer = await data(counted, "{ categories(first: 200) { id yearly { year papers } } }")
    cats = answer["categories"]
    assert len(cats) > 50 and sum(1 for c in cats if c["yearly"]) > 20
    assert counting.queries.count(FINGERPRINT) == 1  # not one per category
    assert len(counting.queries) <= 3  # the categories, one fingerprint; no export


async def test_a_write_that_moves_no_count_rebuilds_the_snapshot(
    scope: ReadScope, loaded: Driver
) -> None:
    """A citation of the most cited hep-th paper of 1992 moves to the second (typed in Cypher:
    no count changes, and no writer replaced the stamp, so the held snapshot stays); the metrics
    refresh that ends every load then replaces the writers' stamp, and the next request gets a
    snapshot that holds the move."""
    before = await snap_mod.snapshot(scope)
    first, second = await influence.influential_papers(
        scope, "arxiv:hep-th", 1992, 1992, "CITATIONS", 2
    )
    moved = loaded.execute_query(
        "MATCH (s:Paper {year: 1992})-[r:CITES]->(:Paper {id: $a}) "
        "WHERE NOT (s)-[:CITES]->(:Paper {id: $b}) "
        "WITH s, r ORDER BY s.id LIMIT 1 DELETE r "
        "WITH s MATCH (t:Paper {id: $b}) CREATE (s)-[:CITES]->(t) RETURN s.id AS s",
        a=first.paper["id"],
        b=second.paper["id"],
        database_=DB,
    ).records
    assert len(moved) == 1
    assert await snap_mod.read_fingerprint(scope) == before.fingerprint
    refresh_metrics(loaded, DB)
    after = await snap_mod.snapshot(scope)
    assert after is not before
    assert after.fingerprint[:-1] == before.fingerprint[:-1]  # the counts; the stamp moved
    got = {
        s.paper["id"]: s.citations
        for s in await influence.influential_papers(
            scope, "arxiv:hep-th", 1992, 1992, "CITATIONS", 20
        )
    }
    assert got[first.paper["id"]] == first.citations - 1
    assert got[second.paper["id"]] == second.citations + 1


async def test_a_write_rebuilds_the_snapshot_and_shows(scope: ReadScope, loaded: Driver) -> None:
    """Runs last: it adds a paper. The new paper (hep-th, 1993) cites the most cited hep-th
    paper of 1992 and is written by an existing author."""
    before = await snap_mod.snapshot(scope)
    top = (await influence.influential_papers(scope, "arxiv:hep-th", 1992, 1992, "CITATIONS", 1))[0]
    wide = await influence.influential_papers(scope, "arxiv:hep-th", 1992, 1993, "CITATIONS", 1)
    assert wide[0].paper["id"] == top.paper["id"]
    years = {r.year: r for r in await influence.field_years(scope, "arxiv:hep-th")}
    loaded.execute_query(
        "MATCH (old:Paper {id: $old}), (c:Category {id: 'arxiv:hep-th'}) "
        "MATCH (a:Author)-[:AUTHORED]->(old) WITH old, c, a ORDER BY a.id LIMIT 1 "
        "CREATE (p:Paper {id: 'test:snapshot-new', title: 'A new paper', year: 1993}) "
        "CREATE (p)-[:CITES]->(old), (p)-[:IN_CATEGORY {primary: true}]->(c), "
        "(a)-[:AUTHORED {position: 1}]->(p)",
        old=top.paper["id"],
        database_=DB,
    )
    backfill_in_field(loaded, DB)  # its field membership, as the writers keep it
    after = await snap_mod.snapshot(scope)
    assert after is not before and after.fingerprint != before.fingerprint
    assert after.paper_count == before.paper_count + 1
    assert "test:snapshot-new" in after.paper_ids and "test:snapshot-new" not in before.paper_ids
    now = {r.year: r for r in await influence.field_years(scope, "arxiv:hep-th")}
    assert now[1993].papers == years[1993].papers + 1
    assert now[1993].citations == years[1993].citations + 1
    again = await influence.influential_papers(scope, "arxiv:hep-th", 1992, 1993, "CITATIONS", 1)
    assert again[0].paper["id"] == top.paper["id"]
    assert again[0].citations == wide[0].citations + 1
    want = await influence.influential_papers(
        scope, "arxiv:hep-th", 1992, 1993, "CITATIONS", 20, source="export"
    )
    got = await influence.influential_papers(scope, "arxiv:hep-th", 1992, 1993, "CITATIONS", 20)
    assert [(s.paper["id"], s.citations) for s in got] == [
        (s.paper["id"], s.citations) for s in want
    ]
