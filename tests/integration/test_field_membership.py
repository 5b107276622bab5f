"""Field membership (``IN_FIELD``: a paper to its categories and every ancestor) and the arXiv
taxonomy's Physics group, on real data (Paperscape 1991–1992) in the real Neo4j: both written at
load equal the hierarchy walk Cypher computes here; a graph loaded before (old hierarchy, no
field links) is brought to the same state by ``apply_schema``, and a second run changes nothing;
the category filter of the API counts what the walk counts; a new hierarchy link widens the
fields of papers loaded before it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from neo4j import Driver

from graph import ingest
from graph.ingest import IngestBatch, write_batch
from graph.repository import ReadScope
from graph.schema import apply_schema, migrate
from graph.settings import Neo4jSettings
from loaders import arxiv_taxonomy as tx
from loaders.arxiv_taxonomy import PHYSICS_GROUP_ID
from loaders.records import CategoryRef, Paper, PaperIds
from loaders.writer import load_paths, paper_row
from tests.conftest import wipe
from tests.integration.api_helpers import api_driver, data

DB = "neo4j"

#: The closure the relationship must hold, computed by walking the hierarchy.
WALKED = """
MATCH (p:Paper)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category)
RETURN DISTINCT p.id AS paper, c.id AS category
"""
STORED = "MATCH (p:Paper)-[:IN_FIELD]->(c:Category) RETURN p.id AS paper, c.id AS category"
WALK_COUNT = """
MATCH (p:Paper)
WHERE EXISTS { (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category)
               WHERE c.id = $cat }
RETURN count(p) AS n
"""


def pairs(driver: Driver, query: str) -> set[tuple[str, str]]:
    records, _, _ = driver.execute_query(query, database_=DB)
    return {(r["paper"], r["category"]) for r in records}


def one(driver: Driver, query: str, **params: object) -> int:
    records, _, _ = driver.execute_query(query, params, database_=DB)
    return int(records[0]["n"])


@pytest.fixture(scope="module")
def loaded(driver: Driver, data_dir: Path) -> Driver:
    wipe(driver)
    folder = data_dir / "paperscape-arxiv-1991-1996"
    summary = load_paths(driver, DB, [folder / "pscp-1991.csv", folder / "pscp-1992.csv"])
    assert not summary.failed_files
    return driver


def test_the_load_writes_every_category_and_ancestor(loaded: Driver) -> None:
    walked = pairs(loaded, WALKED)
    assert len(walked) > 5_000
    assert pairs(loaded, STORED) == walked
    # a hep-th paper is in hep-th and in the Physics group, not in the physics archive
    cats = {c for p, c in walked if p in {p for p, c in walked if c == "arxiv:hep-th"}}
    assert {"arxiv:hep-th", PHYSICS_GROUP_ID} <= cats


def test_physics_group_and_physics_archive_are_two_categories(loaded: Driver) -> None:
    records, _, _ = loaded.execute_query(
        "MATCH (c:Category)-[:SUBCATEGORY_OF]->(p:Category) RETURN c.id AS c, p.id AS p",
        database_=DB,
    )
    parent = {r["c"]: r["p"] for r in records}
    assert parent["arxiv:hep-th"] == PHYSICS_GROUP_ID
    assert parent.get("arxiv:physics", PHYSICS_GROUP_ID) == PHYSICS_GROUP_ID
    # nothing but physics.* hangs under the archive
    assert all(c.startswith("arxiv:physics.") for c, p in parent.items() if p == "arxiv:physics")
    group = one(loaded, WALK_COUNT, cat=PHYSICS_GROUP_ID)
    archive = one(loaded, WALK_COUNT, cat="arxiv:physics")
    hep_th = one(loaded, WALK_COUNT, cat="arxiv:hep-th")
    assert group >= hep_th > 0
    assert archive < hep_th  # the archive no longer counts hep-th and the rest


@pytest_asyncio.fixture(loop_scope="session")
async def scope(loaded: Driver, neo4j_settings: Neo4jSettings) -> AsyncIterator[ReadScope]:
    async with api_driver(neo4j_settings) as drv:
        yield ReadScope(drv, DB, 60.0)


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("cat", [PHYSICS_GROUP_ID, "arxiv:hep-th", "arxiv:nlin", "arxiv:math"])
async def test_the_category_filter_counts_what_the_walk_counts(
    scope: ReadScope, loaded: Driver, cat: str
) -> None:
    answer = await data(
        scope,
        "query($c: [ID!]!) { papers(where: {category: {in: $c}}) { totalCount } }",
        {"c": [cat]},
    )
    assert answer["papers"]["totalCount"] == one(loaded, WALK_COUNT, cat=cat)


WALK_PAGE = """
MATCH (p:Paper)
WHERE NOT coalesce(p.stub, false) AND p.year = $year
  AND EXISTS { (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category)
               WHERE c.id IN $cats }
RETURN p.id AS id ORDER BY coalesce(p.citation_count, 0) DESC, p.id
"""
PAGE = """query($c: [ID!]!, $y: Int!, $after: String) {
  papers(first: 7, after: $after, orderBy: [CITATION_COUNT_DESC],
         where: {category: {in: $c}, year: {eq: $y}}) {
    totalCount totalCountIsExact pageInfo { hasNextPage endCursor } edges { node { id } } } }"""


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("cats", [["arxiv:hep-th"], ["arxiv:hep-lat", "arxiv:gr-qc"]])
async def test_a_category_list_pages_what_the_walk_lists(
    scope: ReadScope, loaded: Driver, cats: list[str]
) -> None:
    """A category filter starts from the categories' ``IN_FIELD`` papers (not from every
    paper): with another filter and a sort, page after page by cursor, it lists exactly what
    the hierarchy walk lists, in the same order, and counts it."""
    records, _, _ = loaded.execute_query(WALK_PAGE, cats=cats, year=1992, database_=DB)
    expected = [r["id"] for r in records]
    assert len(expected) > 14  # at least three pages
    listed: list[str] = []
    after = None
    while True:
        answer = await data(scope, PAGE, {"c": cats, "y": 1992, "after": after})
        page = answer["papers"]
        assert (page["totalCount"], page["totalCountIsExact"]) == (len(expected), True)
        listed += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert listed == expected


def hierarchy(driver: Driver) -> set[tuple[str, str]]:
    records, _, _ = driver.execute_query(
        "MATCH (c:Category)-[:SUBCATEGORY_OF]->(p:Category) RETURN c.id AS c, p.id AS p",
        database_=DB,
    )
    return {(r["c"], r["p"]) for r in records}


def make_it_old(loaded: Driver) -> None:
    """The old hierarchy (physics archives under ``arxiv:physics``, no group) and no field
    links: a graph loaded before both existed."""
    loaded.execute_query(
        "MERGE (old:Category {id: 'arxiv:physics'}) "
        "  ON CREATE SET old.name = 'Physics', old.scheme = 'arxiv' "
        "WITH old MATCH (c:Category)-[r:SUBCATEGORY_OF]->(:Category {id: $group}) "
        "WHERE c <> old MERGE (c)-[:SUBCATEGORY_OF]->(old) DELETE r",
        group=PHYSICS_GROUP_ID,
        database_=DB,
    )
    loaded.execute_query(
        "MATCH (g:Category {id: $group}) DETACH DELETE g", group=PHYSICS_GROUP_ID, database_=DB
    )
    loaded.execute_query("MATCH ()-[r:IN_FIELD]->() DELETE r", database_=DB)
    assert one(loaded, "MATCH ()-[r:IN_FIELD]->() RETURN count(r) AS n") == 0
    assert ("arxiv:hep-th", "arxiv:physics") in hierarchy(loaded)


def test_a_graph_loaded_before_is_migrated_once(loaded: Driver) -> None:
    """apply_schema (``scholargraph schema``) brings an old graph to what a load writes now,
    and a second run finds nothing to do."""
    want_fields, want_links = pairs(loaded, STORED), hierarchy(loaded)
    # the old graph's group node stays as the physics archive, under the group
    want_links.add(("arxiv:physics", PHYSICS_GROUP_ID))
    make_it_old(loaded)
    apply_schema(loaded, DB)
    assert hierarchy(loaded) == want_links
    assert pairs(loaded, STORED) == want_fields
    assert migrate(loaded, DB) == {"hierarchy_moved": 0, "in_field_created": 0,
                                   "title_keys_set": 0, "venue_name_keys_set": 0}  # fmt: skip


def test_a_load_into_an_old_graph_ends_with_the_new_hierarchy(loaded: Driver) -> None:
    """A load (its first batch) migrates the graph it writes into; loading again changes
    nothing."""
    want_fields, want_links = pairs(loaded, STORED), hierarchy(loaded)
    want_links.add(("arxiv:physics", PHYSICS_GROUP_ID))
    make_it_old(loaded)
    ingest._MIGRATED.clear()  # a new process
    hep_th = tx.category("hep-th")
    write_batch(loaded, DB, IngestBatch(papers=[_paper("0701.0001", hep_th)]))
    assert hierarchy(loaded) == want_links
    fields = pairs(loaded, STORED)
    assert fields == want_fields | {("arxiv:0701.0001", "arxiv:hep-th"),
                                    ("arxiv:0701.0001", PHYSICS_GROUP_ID)}  # fmt: skip
    write_batch(loaded, DB, IngestBatch(papers=[_paper("0701.0001", hep_th)]))
    assert pairs(loaded, STORED) == fields and hierarchy(loaded) == want_links


def test_a_stale_field_link_is_removed_by_the_backfill(loaded: Driver) -> None:
    from graph.schema import backfill_in_field

    records, _, _ = loaded.execute_query(
        "MATCH (p:Paper)-[:IN_FIELD]->(:Category {id: 'arxiv:hep-th'}) "
        "MATCH (c:Category {id: 'arxiv:math'}) WITH p, c LIMIT 1 "
        "MERGE (p)-[:IN_FIELD]->(c) RETURN p.id AS id",
        database_=DB,
    )
    assert records
    backfill_in_field(loaded, DB, batch=500)
    assert pairs(loaded, STORED) == pairs(loaded, WALKED)


def _paper(arxiv: str, cat: CategoryRef) -> dict[str, object]:
    return paper_row(
        Paper(ids=PaperIds(arxiv=arxiv), source="test", title=f"Paper {arxiv}", year=2001,
              categories=(cat,), primary_category=cat.id)
    )  # fmt: skip


def test_a_new_hierarchy_link_widens_earlier_papers(db: Driver) -> None:
    leaf = CategoryRef("test:leaf", "Leaf", "test")
    root = CategoryRef("test:root", "Root", "test")
    top = CategoryRef("test:top", "Top", "test")
    write_batch(db, DB, IngestBatch(papers=[_paper("0101.0001", leaf)]))
    assert pairs(db, STORED) == {("arxiv:0101.0001", "test:leaf")}
    # a later source knows the leaf's parents: the earlier paper is in them too
    nested = CategoryRef("test:leaf", "Leaf", "test", CategoryRef("test:root", "Root", "test", top))
    write_batch(db, DB, IngestBatch(papers=[_paper("0101.0002", nested)]))
    assert pairs(db, STORED) == pairs(db, WALKED)
    assert ("arxiv:0101.0001", "test:top") in pairs(db, STORED)
    assert root.id in {c for _p, c in pairs(db, STORED)}
