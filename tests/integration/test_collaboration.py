"""Collaboration discovery on the real Paperscape 1991–1996 sample, checked against the raw CSV
files: path lengths equal a BFS computed here, every hop is backed by a paper whose author list
holds both authors, suggestions never name co-authors and follow the documented score,
communities match the persisted Leiden run."""

from __future__ import annotations

import asyncio
import itertools
import math
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import networkx as nx
import pytest
import pytest_asyncio
from neo4j import Driver

from graph import collaboration as collab
from graph import snapshot as snap_mod
from graph.analytics.runs import analyze
from graph.analytics.spec import GraphKind, GraphSpec
from graph.errors import InputError, NotFound
from graph.repository import ReadScope
from graph.settings import Neo4jSettings
from loaders.writer import load_paths
from tests.conftest import wipe
from tests.integration.api_helpers import api_driver
from tests.integration.paperscape_raw import FOLDER, Raw, read_raw

pytestmark = pytest.mark.asyncio(loop_scope="session")

DB = "neo4j"


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw(data_dir: Path) -> Raw:
    return read_raw(data_dir / FOLDER)


@pytest.fixture(scope="module")
def loaded(driver: Driver, data_dir: Path) -> Iterator[Driver]:
    wipe(driver)
    # Identity by printed name (the clustering off): the expectations below are computed from
    # the raw files by name key, which tests the collaboration algorithms on their own; the
    # clustering of name-only authorships is tested in test_identity_*.py and test_bulk.py.
    summary = load_paths(driver, DB, [data_dir / FOLDER], cluster_authors=False)
    assert not summary.failed_files
    analyze(driver, DB, GraphSpec(GraphKind.COAUTHORSHIP), "leiden", write=True)
    analyze(driver, DB, GraphSpec(GraphKind.COAUTHORSHIP), "pagerank", write=True)
    yield driver


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def scope(loaded: Driver, neo4j_settings: Neo4jSettings) -> AsyncIterator[ReadScope]:
    async with api_driver(neo4j_settings) as drv:
        collab.GRAPH_CACHE.clear()
        yield ReadScope(drv, DB, 60.0)


def key(node_id: str) -> str:
    assert node_id.startswith("name:")
    return node_id.removeprefix("name:")


def pairs(raw: Raw, n: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    people = sorted(a for a in raw.neighbours if raw.neighbours[a])
    return [tuple(rng.sample(people, 2)) for _ in range(n)]  # type: ignore[misc]


def check_hops(
    raw: Raw, path: collab.CollaborationPath, years: tuple[int, int] | None = None
) -> None:
    for hop in path.hops:
        a, b = key(hop.source["id"]), key(hop.target["id"])
        joint = raw.joint(a, b)
        if years:
            joint = {p for p in joint if years[0] <= raw.year[p] <= years[1]}
        assert hop.papers, f"hop {a} - {b} without a paper"
        for paper in hop.papers:
            assert {a, b} <= set(raw.authors[paper["id"]]), (paper["id"], a, b)
        assert hop.joint_paper_count == len(joint)
    ids = path.author_ids
    assert [h.source["id"] for h in path.hops] == ids[:-1]
    assert [h.target["id"] for h in path.hops] == ids[1:]
    assert len(set(ids)) == len(ids)


# -- paths ------------------------------------------------------------------------------------


async def test_path_length_is_the_bfs_distance_and_every_hop_has_a_joint_paper(
    scope: ReadScope, raw: Raw
) -> None:
    found = 0
    for a, b in pairs(raw, 40, seed=3):
        distance = raw.bfs(a, b)
        path = await collab.collaboration_path(scope, f"name:{a}", f"name:{b}", max_hops=6)
        if distance is None or distance > 6:
            assert path is None, (a, b, distance)
            continue
        assert path is not None, (a, b, distance)
        found += 1
        assert path.length == distance
        assert (path.author_ids[0], path.author_ids[-1]) == (f"name:{a}", f"name:{b}")
        check_hops(raw, path)
    assert found >= 5  # the sample must exercise real paths


async def test_k_alternatives_are_distinct_shortest_first_and_backed(
    scope: ReadScope, raw: Raw
) -> None:
    a, b = "s d odintsov", "e witten"
    paths = await collab.collaboration_paths(scope, f"name:{a}", f"name:{b}", k=4)
    assert len(paths) == 4
    assert paths[0].length == raw.bfs(a, b)
    # the same lengths as the k shortest simple paths of the whole raw co-author graph
    # (networkx, an independent implementation; the search itself runs on a subgraph)
    g = nx.Graph((x, y) for x, ns in raw.neighbours.items() for y in ns)
    expected = [len(p) - 1 for p in itertools.islice(nx.shortest_simple_paths(g, a, b), 4)]
    assert [p.length for p in paths] == expected
    assert [p.length for p in paths] == sorted(p.length for p in paths)
    assert len({tuple(p.author_ids) for p in paths}) == 4
    for p in paths:
        check_hops(raw, p)


async def test_year_range_and_avoided_authors(scope: ReadScope, raw: Raw) -> None:
    a, b = "s d odintsov", "e witten"
    years = (1994, 1995)
    path = await collab.collaboration_path(
        scope, f"name:{a}", f"name:{b}", year_from=years[0], year_to=years[1]
    )
    assert path is not None
    assert path.length == raw.bfs(a, b, years=years)
    check_hops(raw, path, years)
    for hop in path.hops:
        assert all(years[0] <= p["year"] <= years[1] for p in hop.papers)

    first = await collab.collaboration_path(scope, f"name:{a}", f"name:{b}")
    assert first is not None
    avoided = first.author_ids[1]
    detour = await collab.collaboration_path(scope, f"name:{a}", f"name:{b}", avoid=[avoided])
    expected = raw.bfs(a, b, avoid=frozenset({key(avoided)}))
    if expected is None or expected > 6:
        assert detour is None
    else:
        assert detour is not None and avoided not in detour.author_ids
        assert detour.length == expected
        check_hops(raw, detour)


async def test_none_beyond_max_hops_and_bad_input(scope: ReadScope, raw: Raw) -> None:
    a, b = "s d odintsov", "e witten"
    distance = raw.bfs(a, b)
    assert distance is not None and distance >= 2
    assert (
        await collab.collaboration_path(scope, f"name:{a}", f"name:{b}", max_hops=distance - 1)
        is None
    )
    assert await collab.collaboration_path(scope, f"name:{a}", f"name:{b}", max_hops=distance)
    same = await collab.collaboration_path(scope, f"name:{a}", f"name:{a}")
    assert same is not None and same.length == 0
    with pytest.raises(NotFound, match="nobody"):
        await collab.collaboration_path(scope, "name:nobody at all", f"name:{b}")
    with pytest.raises(InputError, match="maxHops"):
        await collab.collaboration_path(scope, f"name:{a}", f"name:{b}", max_hops=0)
    with pytest.raises(InputError, match="avoid"):
        await collab.collaboration_path(scope, f"name:{a}", f"name:{b}", avoid=[f"name:{b}"])


async def test_cache_follows_the_database(scope: ReadScope, loaded: Driver) -> None:
    """A new joint paper is seen by the next path query (fingerprint changes)."""
    before = await collab.collaboration_path(scope, "name:s d odintsov", "name:e witten")
    assert before is not None and before.length > 1
    loaded.execute_query(
        "CREATE (p:Paper {id: 'test:joint', year: 1996, title: 'test'}) WITH p "
        "MATCH (a:Author {id: 'name:s d odintsov'}), (b:Author {id: 'name:e witten'}) "
        "CREATE (a)-[:AUTHORED]->(p), (b)-[:AUTHORED]->(p)",
        database_=DB,
    )
    try:
        after = await collab.collaboration_path(scope, "name:s d odintsov", "name:e witten")
        assert after is not None and after.length == 1
        assert after.hops[0].papers[0]["id"] == "test:joint"
    finally:
        loaded.execute_query("MATCH (p:Paper {id: 'test:joint'}) DETACH DELETE p", database_=DB)
    again = await collab.collaboration_path(scope, "name:s d odintsov", "name:e witten")
    assert again is not None and again.length == before.length


async def test_coauthors_ranked_with_first_and_last_year(scope: ReadScope, raw: Raw) -> None:
    a = "s d odintsov"
    rows = await collab.coauthors(scope, f"name:{a}", first=10)
    assert rows
    joints = [r["joint"] for r in rows]
    assert joints == sorted(joints, reverse=True)
    expected_top = max(len(raw.joint(a, c)) for c in raw.neighbours[a])
    assert joints[0] == expected_top
    for r in rows:
        joint = raw.joint(a, key(r["author"]["id"]))
        assert r["joint"] == len(joint)
        assert r["first_year"] == min(raw.year[p] for p in joint)
        assert r["last_year"] == max(raw.year[p] for p in joint)


# -- suggestions ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["e witten", "s d odintsov", "c vafa"])
async def test_suggestions_exclude_coauthors_and_follow_the_score(
    scope: ReadScope, raw: Raw, loaded: Driver, who: str
) -> None:
    rows = await collab.suggest_collaborators(scope, f"name:{who}", first=15)
    assert rows
    degree = {a: len(n) for a, n in raw.neighbours.items()}
    scores = [s.score for s in rows]
    assert scores == sorted(scores, reverse=True)
    records, _, _ = loaded.execute_query(
        "MATCH (a:Author) WHERE a.id IN $ids RETURN a.id AS id, a.community AS c",
        ids=[f"name:{who}"] + [s.author["id"] for s in rows],
        database_=DB,
    )
    community = {r["id"]: r["c"] for r in records}
    for s in rows:
        other = key(s.author["id"])
        assert other != who and other not in raw.neighbours[who]  # never an existing co-author
        common = raw.neighbours[who] & raw.neighbours[other]
        assert s.common_coauthor_count == len(common)
        assert {key(c["id"]) for c in s.common_coauthors} <= common
        assert s.adamic_adar == pytest.approx(sum(1 / math.log(degree[z]) for z in common))
        assert s.same_community == (community[s.author["id"]] == community[f"name:{who}"])
        assert s.score == pytest.approx(
            s.adamic_adar + 1.0 * s.category_jaccard + 0.5 * s.same_community
        )
        assert 0.0 <= s.category_jaccard <= 1.0
        assert (s.category_jaccard > 0) == bool(s.shared_categories)


# -- communities ------------------------------------------------------------------------------


async def test_communities_from_the_persisted_leiden_run(
    scope: ReadScope, raw: Raw, loaded: Driver
) -> None:
    comms = await collab.communities(scope, first=5)
    assert len(comms) == 5
    assert [c.size for c in comms] == sorted((c.size for c in comms), reverse=True)
    records, _, _ = loaded.execute_query(
        "MATCH (a:Author) WHERE a.community IS NOT NULL RETURN a.id AS id, a.community AS c",
        database_=DB,
    )
    members: dict[int, set[str]] = defaultdict(set)
    for r in records:
        members[r["c"]].add(key(r["id"]))
    sizes = sorted((len(m) for m in members.values()), reverse=True)
    assert [c.size for c in comms] == sizes[:5]
    for c in comms:
        group = members[c.community]
        assert c.size == len(group)
        internal = sum(len(raw.neighbours[a] & group) for a in group) // 2
        assert c.internal_edges == internal
        assert c.density == pytest.approx(internal / (c.size * (c.size - 1) / 2))
        ranks = [m.pagerank for m in c.top_members if m.pagerank is not None]
        assert len(ranks) == len(c.top_members) and ranks == sorted(ranks, reverse=True)
        assert all(key(m.author["id"]) in group for m in c.top_members)
        assert c.categories and c.run["algorithm"] == "leiden"


# -- the analytics snapshot answers as the Cypher export does ------------------------------


@pytest.mark.parametrize("years", [(None, None), (1993, 1995)])
async def test_the_snapshot_coauthor_graph_is_the_exported_one(
    scope: ReadScope, raw: Raw, years: tuple[int | None, int | None]
) -> None:
    """The co-author graph made from the snapshot's arrays is the Cypher export's graph (same
    vertices in the same order, same edges and weights), so paths searched on either are the
    same paths; the public path answer then comes from the snapshot."""
    spec = collab.coauthorship_spec(*years)
    snap = await snap_mod.snapshot(scope)
    mine = collab.from_snapshot(snap, spec)
    theirs = await collab.CoauthorGraphCache().get(scope, spec)
    assert mine.node_ids == theirs.node_ids
    assert mine.graph.get_edgelist() == theirs.graph.get_edgelist()
    assert mine.graph.es["weight"] == theirs.graph.es["weight"]
    assert mine.component == theirs.component
    searched = 0
    for a, b in pairs(raw, 30, seed=11):
        s, t = mine.index.get(f"name:{a}"), mine.index.get(f"name:{b}")
        if s is None or t is None:
            continue
        for k in (1, 3):
            assert collab._search(mine, s, t, k, 6, []) == collab._search(theirs, s, t, k, 6, [])
        searched += 1
    assert searched >= 10
    # with the snapshot held, the answer is the snapshot's graph's, backed by joint papers
    assert snap_mod.SNAPSHOTS.current(scope) is not None
    for a, b in pairs(raw, 10, seed=5):
        path = await collab.collaboration_path(scope, f"name:{a}", f"name:{b}", max_hops=6)
        distance = raw.bfs(a, b)
        assert (path is None) == (distance is None or distance > 6)
        if path is not None:
            assert path.length == distance
            check_hops(raw, path)


async def test_communities_from_the_snapshot_equal_the_cypher_ones(
    scope: ReadScope, loaded: Driver
) -> None:
    got = await collab.communities(scope, first=8, top_categories=3)
    want = await collab.communities(scope, first=8, top_categories=3, source="export")
    assert [c.community for c in got] == [c.community for c in want]
    for a, b in zip(got, want, strict=True):
        assert (a.size, a.internal_edges, a.paper_count) == (
            b.size,
            b.internal_edges,
            b.paper_count,
        )
        assert (a.categorised_papers, a.venue_papers) == (b.categorised_papers, b.venue_papers)
        assert [m.author["id"] for m in a.top_members] == [m.author["id"] for m in b.top_members]
        assert [m.degree for m in a.top_members] == [m.degree for m in b.top_members]
        assert [(c["id"], k) for c, k in a.categories] == [(c["id"], k) for c, k in b.categories]
        assert [(v["id"], k) for v, k in a.venues] == [(v["id"], k) for v, k in b.venues]
        assert a.label == b.label
        assert f"of {a.paper_count:,} papers" in a.label


async def test_a_communitys_label_says_how_much_it_covers(scope: ReadScope, loaded: Driver) -> None:
    comms = await collab.communities(scope, first=20)
    for c in comms:
        assert c.paper_count > 0 and c.categorised_papers <= c.paper_count
        if c.categorised_papers >= collab.CATEGORY_COVERAGE * c.paper_count:
            top, k = c.categories[0]
            assert c.label.startswith(f"{top['id'].removeprefix('arxiv:')} {k:,}")
        elif c.venues:
            assert c.label.startswith(c.venues[0][0]["name"])
            assert f"categories on {c.categorised_papers:,}" in c.label
    # a community whose papers mostly carry no category is labelled by its venues
    sparse = collab.Community(
        community=1, size=1537, top_members=[], internal_edges=0, paper_count=1638,
        categories=[({"id": "arxiv:cs.AI"}, 6), ({"id": "arxiv:hep-th"}, 5)],
        categorised_papers=23, venue_papers=900,
        venues=[({"id": "issn:x", "name": "Phys. Rev. D"}, 400)],
    )  # fmt: skip
    assert sparse.label == "Phys. Rev. D 400 of 1,638 papers; categories on 23"
    no_venue = collab.Community(
        community=1, size=1537, top_members=[], internal_edges=0, paper_count=1638,
        categories=[({"id": "arxiv:cs.AI"}, 6)], categorised_papers=23,
    )  # fmt: skip
    assert no_venue.label == "cs.AI 6 of 1,638 papers; categories on 23"


async def test_communities_of_a_field_rank_by_their_papers_in_it(
    scope: ReadScope, loaded: Driver
) -> None:
    cat = "arxiv:hep-ph"
    got = await collab.communities(scope, first=5, category=cat)
    assert got
    records, _, _ = loaded.execute_query(
        "MATCH (a:Author)-[:AUTHORED]->(p:Paper)-[:IN_FIELD]->(:Category {id: $cat}) "
        "WHERE a.community IS NOT NULL "
        "RETURN a.community AS c, count(DISTINCT p) AS n ORDER BY n DESC, c LIMIT 20",
        cat=cat,
        database_=DB,
    )
    counts = {r["c"]: r["n"] for r in records}
    assert [c.field_papers for c in got] == [r["n"] for r in records[: len(got)]]
    for c in got:
        assert c.field_papers == counts[c.community]


async def test_the_graph_cache_stays_bounded_over_many_year_ranges(scope: ReadScope) -> None:
    """Every year range is its own cached graph: the cache keeps at most ``max_entries`` of
    them, and nothing per range (a build, a lock) outlives its use."""
    cache = collab.CoauthorGraphCache(max_entries=3)
    ranges = [(1991 + i % 6, 1996) for i in range(6)] + [(1991, 1991 + i) for i in range(6)]
    for year_from, year_to in ranges:
        spec = collab.coauthorship_spec(year_from, year_to)
        graph = await cache.get(scope, spec)
        assert graph.spec == spec
        assert len(cache._entries) <= 3 and cache.pending == 0
    # concurrent requests for one new range share a single build
    spec = collab.coauthorship_spec(1992, 1994)
    first, second = await asyncio.gather(cache.get(scope, spec), cache.get(scope, spec))
    assert first is second and cache.pending == 0 and len(cache._entries) <= 3
