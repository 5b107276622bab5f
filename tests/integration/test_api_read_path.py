"""The read path's newer capabilities over real Neo4j loaded with the real samples: keyset
cursors (exact paging across writes), bounded counts, facets against Cypher, batch lookup by
any id form, unknown category/venue ids, co-author and search connections, and the Bolt
round trips of `similar` and `topCitingAuthors`."""

from __future__ import annotations

import base64
from typing import Any

import orjson
import pytest
from neo4j import Driver

from graph import influence
from graph import repository as repo
from graph.queries_read import AUTHORS_OF_PAPERS, SIMILAR_OF_PAPERS
from graph.repository import ReadScope
from graph.snapshot import snapshot
from tests.integration.api_helpers import (
    DB,
    CountingDriver,
    data,
    error,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

OWNER = "name:lizhu zhang"  # the profile page's owner
TURING = "doi:10.1093/mind/lix.236.433"  # S2 sample: 1000 citing papers in the graph


def cypher(driver: Driver, query: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, params, database_=DB)
    return [dict(r) for r in records]


PAGE = """query($where: PaperWhere, $order: [PaperOrder!], $first: Int, $after: String) {
  papers(where: $where, orderBy: $order, first: $first, after: $after) {
    edges { cursor node { id citationCount } } pageInfo { hasNextPage endCursor } } }"""


async def _page(scope: ReadScope, **variables: Any) -> dict[str, Any]:
    got = await data(scope, PAGE, {"where": None, "order": None, "first": 20, "after": None,
                                   **variables})  # fmt: skip
    return got["papers"]  # type: ignore[no-any-return]


# --- keyset cursors -------------------------------------------------------------------------


async def test_paging_is_exact_across_a_write_between_pages(
    scope: ReadScope, loaded: Driver
) -> None:
    """Page 1, then a paper written before the cursor and one after it, then the rest: nothing
    is skipped or repeated, the paper before the cursor is not seen, the one after it is."""
    where = {"year": {"gte": 2000}}
    order = ["CITATION_COUNT_DESC"]
    first = await _page(scope, where=where, order=order, first=50)
    seen = [e["node"]["id"] for e in first["edges"]]
    assert first["pageInfo"]["hasNextPage"]
    before, after = "test:keyset-before", "test:keyset-after"
    cypher(loaded, "CREATE (:Paper {id: $a, year: 2020, citation_count: $high}), "
           "(:Paper {id: $b, year: 2020})",
           a=before, b=after, high=first["edges"][0]["node"]["citationCount"] + 1)  # fmt: skip
    try:
        cursor = first["pageInfo"]["endCursor"]
        while cursor:
            page = await _page(scope, where=where, order=order, first=100, after=cursor)
            seen += [e["node"]["id"] for e in page["edges"]]
            cursor = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
        expected = [r["id"] for r in cypher(
            loaded, "MATCH (p:Paper) WHERE NOT coalesce(p.stub, false) AND p.year >= 2000 "
            "RETURN p.id AS id ORDER BY p.citation_count IS NULL, p.citation_count DESC, "
            "p.id")]  # fmt: skip
        assert len(seen) == len(set(seen))  # nothing repeated
        assert before not in seen and after in seen
        assert seen == [i for i in expected if i != before]  # nothing skipped, in order
    finally:
        cypher(loaded, "MATCH (p:Paper) WHERE p.id IN $ids DETACH DELETE p", ids=[before, after])


async def test_a_deep_cursor_seeks_to_the_same_items_as_walking(scope: ReadScope) -> None:
    order = ["YEAR_DESC", "TITLE_ASC"]
    walked: list[str] = []
    cursor = None
    for _ in range(5):
        page = await _page(scope, order=order, first=40, after=cursor)
        walked += [e["node"]["id"] for e in page["edges"]]
        cursor = page["pageInfo"]["endCursor"]
    # the cursor of item 100 (taken from its edge) starts a page at item 101
    page = await _page(scope, order=order, first=100)
    hundredth = page["edges"][99]["cursor"]
    resumed = await _page(scope, order=order, first=100, after=hundredth)
    assert [e["node"]["id"] for e in resumed["edges"]] == walked[100:200]


async def test_cursors_are_validated(scope: ReadScope) -> None:
    page = await _page(scope, order=["YEAR_DESC"], first=5)
    cursor = page["pageInfo"]["endCursor"]
    # made for another order
    message = await error(scope, PAGE, {"order": ["TITLE_ASC"], "after": cursor})
    assert message.startswith("invalid after") and "another orderBy" in message
    # forged: the right shape with a non-string id, or a key too many
    payload = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    for keys in ([2000, 7], [2000, "x", "y"], [{"a": 1}, "x"]):
        forged = base64.urlsafe_b64encode(orjson.dumps({**payload, "k": keys})).decode()
        message = await error(scope, PAGE, {"order": ["YEAR_DESC"], "after": forged})
        assert message.startswith("invalid after") and "cursor" in message
    # an offset cursor of an earlier version
    old = base64.urlsafe_b64encode(b"sg1:20").decode().rstrip("=")
    message = await error(scope, PAGE, {"after": old})
    assert "offset cursors are no longer accepted" in message


async def test_child_lists_page_with_keyset_cursors(scope: ReadScope, loaded: Driver) -> None:
    query = """query($id: ID!, $after: String) { paper(id: $id) { citations(first: 100,
      after: $after, orderBy: [YEAR_ASC]) { totalCount totalCountIsExact edges { node { id } }
      pageInfo { hasNextPage endCursor } } } }"""
    seen: list[str] = []
    after = None
    while True:
        page = (await data(scope, query, {"id": TURING, "after": after}))["paper"]["citations"]
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = [r["id"] for r in cypher(
        loaded, "MATCH (p:Paper)-[:CITES]->(:Paper {id: $id}) RETURN p.id AS id "
        "ORDER BY p.year IS NULL, p.year, p.id", id=TURING)]  # fmt: skip
    assert seen == expected and page["totalCount"] == len(expected) and page["totalCountIsExact"]


# --- bounded counts -------------------------------------------------------------------------


async def test_total_count_is_computed_only_when_selected(scope: ReadScope) -> None:
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    counted = ReadScope(counting, DB)  # type: ignore[arg-type]
    await data(counted, "{ papers(first: 5) { edges { node { id } } } }")
    assert not any("$cap" in t for t in counting.queries)
    counting.queries.clear()
    await data(counted, "{ papers(first: 5) { totalCount totalCountIsExact } }")
    assert sum("$cap" in t for t in counting.queries) == 1  # both fields, one count


async def test_total_count_is_exact_below_the_threshold_else_estimated(
    scope: ReadScope, loaded: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "query($w: PaperWhere) { papers(where: $w) { totalCount totalCountIsExact } }"
    exact = cypher(loaded, "MATCH (p:Paper) WHERE NOT coalesce(p.stub, false) "
                   "RETURN count(p) AS n")[0]["n"]  # fmt: skip
    got = (await data(scope, query))["papers"]
    assert got == {"totalCount": exact, "totalCountIsExact": True}
    # over the threshold and a sample smaller than the label: an estimate, flagged (a title
    # filter: Cypher counts it whether or not an analytics snapshot is held, which would give
    # an exact count for a filter it holds: graph.paper_aggregates)
    monkeypatch.setattr(repo, "COUNT_EXACT_LIMIT", 100)
    monkeypatch.setattr(repo, "COUNT_SAMPLE", 3000)
    population = cypher(loaded, "MATCH (p:Paper) RETURN count(p) AS n")[0]["n"]
    assert population > 3000
    spaced = cypher(loaded, "MATCH (p:Paper) WHERE NOT coalesce(p.stub, false) AND "
                    "p.title CONTAINS ' ' RETURN count(p) AS n")[0]["n"]  # fmt: skip
    assert spaced > 100
    got = (await data(scope, query, {"w": {"title": {"contains": " "}}}))["papers"]
    assert got["totalCountIsExact"] is False
    assert abs(got["totalCount"] - spaced) < 0.25 * spaced  # a 3,000-node sample of the label
    # a narrow filter stays exact
    narrow = {"year": {"eq": 1995}}
    n = cypher(loaded, "MATCH (p:Paper) WHERE NOT coalesce(p.stub, false) AND p.year = 1995 "
               "RETURN count(p) AS n")[0]["n"]  # fmt: skip
    assert 0 < n <= 100
    got = (await data(scope, query, {"w": narrow}))["papers"]
    assert got == {"totalCount": n, "totalCountIsExact": True}


# --- facets ---------------------------------------------------------------------------------

FACETS = """query($w: PaperWhere, $n: Int) { papers(where: $w) { facets(first: $n) {
  years { truncated values { year count } }
  categories { truncated values { count category { id } } }
  venues { truncated values { count venue { id } } }
  authors { truncated values { count author { id } } } } } }"""

_NON_STUB = "NOT coalesce(p.stub, false)"


def _expected_facets(driver: Driver, cond: str, n: int) -> dict[str, Any]:
    match = f"MATCH (p:Paper) WHERE {_NON_STUB} AND ({cond})"
    years = cypher(driver, f"{match} WITH p.year AS y, count(*) AS c WHERE y IS NOT NULL "
                   "RETURN y, c ORDER BY c DESC, y")  # fmt: skip

    def rel(pattern: str) -> list[dict[str, Any]]:
        return cypher(driver, f"{match} MATCH {pattern} WITH x, count(DISTINCT p) AS c "
                      "RETURN x.id AS id, c ORDER BY c DESC, id")  # fmt: skip

    def shape(rows: list[dict[str, Any]], key: str, name: str) -> dict[str, Any]:
        values = [{"count": r["c"], name: {"id": r[key]}} if name != "year"
                  else {"year": r["y"], "count": r["c"]} for r in rows[:n]]  # fmt: skip
        return {"truncated": len(rows) > n, "values": values}

    return {
        "years": shape(years, "y", "year"),
        "categories": shape(rel("(p)-[:IN_CATEGORY]->(x:Category)"), "id", "category"),
        "venues": shape(rel("(p)-[:PUBLISHED_IN]->(x:Venue)"), "id", "venue"),
        "authors": shape(rel("(p)<-[:AUTHORED]-(x:Author)"), "id", "author"),
    }


@pytest.mark.parametrize(
    ("where", "cond"),
    [
        (None, "true"),
        ({"year": {"gte": 1994, "lte": 1995}}, "p.year >= 1994 AND p.year <= 1995"),
        ({"venue": {"eq": "arxiv"}}, "EXISTS { (p)-[:PUBLISHED_IN]->(:Venue {id: 'arxiv'}) }"),
        ({"title": {"contains": "neural"}}, "toLower(p.title) CONTAINS 'neural'"),
    ],
)
async def test_facets_match_cypher(
    scope: ReadScope, loaded: Driver, where: dict[str, Any] | None, cond: str
) -> None:
    got = (await data(scope, FACETS, {"w": where, "n": 5}))["papers"]["facets"]
    expected = _expected_facets(loaded, cond, 5)
    assert got == expected
    assert got["years"]["values"] and got["authors"]["values"]


async def test_facets_of_an_author_count_co_authors(scope: ReadScope, loaded: Driver) -> None:
    query = """query($id: ID!) { author(id: $id) { id papers { facets(first: 100) {
      authors { truncated values { count author { id } } } years { values { year count } } } }
      coauthorConnection(first: 100) { edges { node { jointPaperCount author { id } } } } } }"""
    got = (await data(scope, query, {"id": OWNER}))["author"]
    facet = got["papers"]["facets"]["authors"]
    coauthors = [(e["node"]["author"]["id"], e["node"]["jointPaperCount"])
                 for e in got["coauthorConnection"]["edges"]]  # fmt: skip
    assert coauthors and got["id"] not in [v["author"]["id"] for v in facet["values"]]
    assert [(v["author"]["id"], v["count"]) for v in facet["values"]] == coauthors[:100]
    years = cypher(loaded, "MATCH (:Author {id: $id})-[:AUTHORED]->(p:Paper) WHERE p.year IS "
                   "NOT NULL RETURN p.year AS year, count(DISTINCT p) AS count "
                   "ORDER BY count DESC, year", id=got["id"])  # fmt: skip
    assert got["papers"]["facets"]["years"]["values"] == years[:100]


async def test_facets_are_capped_and_say_so(scope: ReadScope) -> None:
    got = (await data(scope, FACETS, {"w": None, "n": 1}))["papers"]["facets"]
    assert all(len(f["values"]) == 1 and f["truncated"] for f in got.values())
    message = await error(scope, "{ papers { facets(first: 101) { years { truncated } } } }")
    assert "first" in message and "100" in message


# --- batch lookup by any id form -------------------------------------------------------------


async def test_batch_lookup_accepts_every_id_form_and_lists_the_missing(
    scope: ReadScope, loaded: Driver
) -> None:
    rows = cypher(loaded, """
      CALL () { MATCH (p:Paper) WHERE p.doi IS NOT NULL RETURN p.id AS id, p.doi AS v, 'doi' AS k
                ORDER BY p.id LIMIT 2 }
      RETURN id, v, k UNION ALL
      CALL () { MATCH (p:Paper) WHERE p.openalex_id IS NOT NULL
                RETURN p.id AS id, p.openalex_id AS v, 'oa' AS k ORDER BY p.id LIMIT 1 }
      RETURN id, v, k UNION ALL
      CALL () { MATCH (p:Paper) WHERE p.arxiv_id =~ '\\\\d{4}\\\\.\\\\d+'
                RETURN p.id AS id, p.arxiv_id AS v, 'arxiv' AS k ORDER BY p.id LIMIT 1 }
      RETURN id, v, k""")  # fmt: skip
    forms = {
        "doi": lambda v, i: v if i == 0 else f"https://doi.org/{v}",
        "oa": lambda v, i: f"https://openalex.org/{v}",
        "arxiv": lambda v, i: f"{v}v2",
    }
    ids = [forms[r["k"]](r["v"], i) for i, r in enumerate(rows)]
    assert len(ids) == 4 and {r["k"] for r in rows} == {"doi", "oa", "arxiv"}
    unknown = ["10.9999/no-such-paper", "arxiv:9912.99999"]
    query = """query($ids: [ID!]) { papers(where: {id: {in: $ids}}, first: 500) {
      missing totalCount edges { node { id } } } }"""
    got = (await data(scope, query, {"ids": ids + unknown}))["papers"]
    assert sorted(e["node"]["id"] for e in got["edges"]) == sorted({r["id"] for r in rows})
    assert got["missing"] == unknown and got["totalCount"] == len({r["id"] for r in rows})


async def test_a_batch_has_a_documented_limit(scope: ReadScope) -> None:
    ids = [f"10.1000/x{i}" for i in range(501)]
    query = "query($ids: [ID!]) { papers(where: {id: {in: $ids}}) { totalCount } }"
    message = await error(scope, query, {"ids": ids})
    assert "where.id.in" in message and "500" in message
    got = await data(scope, query, {"ids": ids[:500]})  # 500 fit the cost budget
    assert got["papers"]["totalCount"] == 0
    message = await error(scope, query, {"ids": ["not a paper id"]})
    assert "where.id.in" in message and "not a paper id" in message


# --- unknown category / venue ids -----------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "argument", "ident"),
    [
        ({"category": {"eq": "arxiv:no-such"}}, "where.category.eq", "arxiv:no-such"),
        (
            {"OR": [{"year": {"eq": 1995}}, {"category": {"in": ["arxiv:cs", "arxiv:zz"]}}]},
            "where.or[1].category.in",
            "arxiv:zz",
        ),
        ({"NOT": {"venue": {"eq": "nowhere"}}}, "where.not.venue.eq", "nowhere"),
    ],
)
async def test_an_unknown_category_or_venue_is_an_input_error(
    scope: ReadScope, where: dict[str, Any], argument: str, ident: str
) -> None:
    query = "query($w: PaperWhere) { papers(where: $w) { totalCount } }"
    message = await error(scope, query, {"w": where})
    assert argument in message and ident in message
    assert ("category" in message) != ("venue" in message)


async def test_known_ids_cost_one_cheap_query(scope: ReadScope) -> None:
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    await data(ReadScope(counting, DB),  # type: ignore[arg-type]
               '{ papers(where: {category: {in: ["arxiv:cs", "arxiv:hep-th"]}, venue: '
               '{eq: "arxiv"}}, first: 3) { edges { node { id } } } }')  # fmt: skip
    assert len(counting.queries) == 2  # the id check, then the page
    message = await error(scope, '{ authors(where: {category: {eq: "x:y"}}) { totalCount } }')
    assert "where.category.eq" in message and "x:y" in message


async def test_a_count_alone_sends_no_page_query(scope: ReadScope, loaded: Driver) -> None:
    """``{ totalCount }`` (also through a fragment) costs the id check and the count, not a
    page; asking for the page too adds exactly the page query, and the counts agree."""
    where = {"category": {"in": ["arxiv:hep-th"]}, "year": {"gte": 1995}}
    alone = "query($w: PaperWhere) { papers(where: $w) { totalCount } }"
    fragment = (
        "query($w: PaperWhere) { papers(where: $w) { ...C } } "
        "fragment C on PaperConnection { totalCount pageInfo { hasNextPage } }"
    )
    counted = []
    for text in (alone, fragment):
        counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
        answer = await data(ReadScope(counting, DB), text, {"w": where})  # type: ignore[arg-type]
        counted.append((len(counting.request_queries()), answer["papers"]["totalCount"]))
    records, _, _ = loaded.execute_query(
        "MATCH (p:Paper)-[:IN_FIELD]->(:Category {id: 'arxiv:hep-th'}) "
        "WHERE p.year >= 1995 AND NOT coalesce(p.stub, false) RETURN count(p) AS n",
        database_=DB,
    )
    n = records[0]["n"]
    assert counted == [(2, n), (3, n)]  # id check + count; id check + page + count


# --- co-author and search connections -------------------------------------------------------


async def test_coauthor_connection_pages_through_every_co_author(
    scope: ReadScope, loaded: Driver
) -> None:
    query = """query($id: ID!, $after: String) { author(id: $id) {
      coauthors(first: 7) { author { id } jointPaperCount }
      coauthorConnection(first: 7, after: $after) { totalCount
        edges { node { jointPaperCount author { id } } } pageInfo { hasNextPage endCursor } } } }"""
    seen: list[tuple[str, int]] = []
    after = None
    old: list[dict[str, Any]] = []
    while True:
        got = (await data(scope, query, {"id": OWNER, "after": after}))["author"]
        old = old or got["coauthors"]
        conn = got["coauthorConnection"]
        seen += [(e["node"]["author"]["id"], e["node"]["jointPaperCount"]) for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    expected = cypher(loaded, """MATCH (a:Author {id: $id})-[:AUTHORED]->(p:Paper)
      <-[:AUTHORED]-(c:Author) WHERE c <> a WITH c, count(DISTINCT p) AS n
      RETURN c.id AS id, n ORDER BY n DESC, id""", id=OWNER)  # fmt: skip
    assert seen == [(e["id"], e["n"]) for e in expected] and len(seen) > 7
    assert conn["totalCount"] == len(expected)
    assert [(c["author"]["id"], c["jointPaperCount"]) for c in old] == seen[:7]  # old field


async def test_search_connection_pages_through_the_hits(scope: ReadScope) -> None:
    all_hits = (await data(scope, '{ search(query: "quantum OR model", first: 100) { score '
                           "... on PaperHit { paper { id } } ... on AuthorHit { author { id } } "
                           "... on VenueHit { venue { id } } } }"))["search"]  # fmt: skip
    assert len(all_hits) > 15
    query = """query($after: String) { searchConnection(query: "quantum OR model", first: 6,
      after: $after) { edges { cursor node { score ... on PaperHit { paper { id } }
      ... on AuthorHit { author { id } } ... on VenueHit { venue { id } } } }
      pageInfo { hasNextPage endCursor } } }"""
    seen: list[dict[str, Any]] = []
    after = None
    while len(seen) < len(all_hits):
        conn = (await data(scope, query, {"after": after}))["searchConnection"]
        seen += [e["node"] for e in conn["edges"]]
        assert conn["pageInfo"]["hasNextPage"]
        after = conn["pageInfo"]["endCursor"]
    assert seen[: len(all_hits)] == all_hits


# --- round trips of similar and topCitingAuthors --------------------------------------------


PROFILE = """query($id: ID!) { author(id: $id) { id
  papers(first: 20, orderBy: [CITATION_COUNT_DESC]) { edges { node { id
    authors { id name } ...Written } } } } }
fragment Written on Paper { authorships { position rawName } }"""


async def test_a_page_and_its_papers_authors_are_one_query(scope: ReadScope) -> None:
    """A child page whose papers' authors are selected (here through a fragment too) reads them
    with the page: the author, then the page with authorships; no query of their own. The
    authorships equal the ones read apart."""
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    got = await data(ReadScope(counting, DB), PROFILE, {"id": OWNER})  # type: ignore[arg-type]
    papers = [e["node"] for e in got["author"]["papers"]["edges"]]
    assert len(papers) > 3 and all(p["authors"] for p in papers)
    assert len(counting.queries) == 2, counting.queries
    assert AUTHORS_OF_PAPERS not in counting.queries
    apart = await repo.authors_of_papers(scope, [p["id"] for p in papers])
    for p in papers:
        rows = apart[p["id"]]
        assert p["authors"] == [{"id": r["author"]["id"], "name": r["author"].get("name")}
                                for r in rows]  # fmt: skip
        assert p["authorships"] == [{"position": r["position"], "rawName": r["raw_name"]}
                                    for r in rows]  # fmt: skip
    # a top-level page too: one query
    counting.queries.clear()
    listed = await data(
        ReadScope(counting, DB),  # type: ignore[arg-type]
        """{ papers(first: 15, orderBy: [CITATION_COUNT_DESC]) {
          edges { node { id authors { id } } } } }""",
    )
    assert len(counting.queries) == 1, counting.queries
    top = [e["node"] for e in listed["papers"]["edges"]]
    apart = await repo.authors_of_papers(scope, [p["id"] for p in top])
    assert len(top) == 15 and sum(bool(p["authors"]) for p in top) > 5
    assert [p["authors"] for p in top] == [
        [{"id": r["author"]["id"]} for r in apart.get(p["id"], [])] for p in top
    ]
    # without authors selected, the page is read without them
    counting.queries.clear()
    plain = PROFILE.replace("authors { id name } ...Written", "title")
    plain = plain[: plain.index("fragment")]
    await data(ReadScope(counting, DB), plain, {"id": OWNER})  # type: ignore[arg-type]
    assert len(counting.queries) == 2 and "COLLECT" not in counting.queries[1], counting.queries


async def test_similar_is_one_query_per_level_and_equals_the_single_query(
    scope: ReadScope,
) -> None:
    query = """{ papers(first: 30, orderBy: [CITATION_COUNT_DESC]) { edges { node { id
      similar(first: 5) { score cocitation coupling paper { id } } } } } }"""
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    got = await data(ReadScope(counting, DB), query)  # type: ignore[arg-type]
    papers = [e["node"] for e in got["papers"]["edges"]]
    assert len(papers) == 30 and sum(bool(p["similar"]) for p in papers) > 10
    # the page, then all 30 papers at once: the Cypher query, or the snapshot's one read of
    # the answer papers when one is held (a first ask starts its build in the background)
    queries = counting.request_queries()
    assert len(queries) == 2, queries
    for p in papers[:10]:
        single = await influence.similar_papers_of(scope, p["id"], 5)
        assert p["similar"] == [
            {"score": s.score, "cocitation": s.cocitation, "coupling": s.coupling,
             "paper": {"id": s.paper["id"]}} for s in single]  # fmt: skip


async def test_similar_answers_from_a_held_snapshot_as_cypher_would(scope: ReadScope) -> None:
    """With the analytics snapshot held, ``similar`` is computed over its arrays (one read for
    the answer papers, no similarity query) and equals the Cypher reference."""
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    counted = ReadScope(counting, DB)  # type: ignore[arg-type]
    await snapshot(counted)  # snapshots are held per driver and database
    query = """{ papers(first: 12, orderBy: [CITATION_COUNT_DESC]) { edges { node { id
      similar(first: 7) { score cocitation coupling paper { id title } } } } } }"""
    got = await data(counted, query)
    queries = counting.request_queries()
    assert len(queries) == 2 and SIMILAR_OF_PAPERS not in queries, queries
    papers = [e["node"] for e in got["papers"]["edges"]]
    assert sum(bool(p["similar"]) for p in papers) > 5
    for p in papers:
        cypher_rows = await influence.similar_papers_of(scope, p["id"], 7, source="export")
        assert p["similar"] == [
            {"score": s.score, "cocitation": s.cocitation, "coupling": s.coupling,
             "paper": {"id": s.paper["id"], "title": s.paper.get("title")}}
            for s in cypher_rows]  # fmt: skip


async def test_top_citing_authors_is_one_query_per_level_and_equals_the_single_query(
    scope: ReadScope,
) -> None:
    query = """{ authors(first: 25, orderBy: [CITATION_COUNT_DESC]) { edges { node { id
      topCitingAuthors(first: 5) { totalCitations selfCitations
        authors { citations citingPapers author { id } } } } } } }"""
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    got = await data(ReadScope(counting, DB), query)  # type: ignore[arg-type]
    authors = [e["node"] for e in got["authors"]["edges"]]
    assert len(authors) == 25 and sum(bool(a["topCitingAuthors"]["authors"]) for a in authors) > 5
    assert len(counting.queries) == 2, counting.queries
    for a in authors[:10]:
        single = await influence.top_citing_authors(scope, a["id"], 5)
        assert a["topCitingAuthors"] == {
            "totalCitations": single.total_citations,
            "selfCitations": single.self_citations,
            "authors": [{"citations": c.citations, "citingPapers": c.citing_papers,
                         "author": {"id": c.author["id"]}} for c in single.authors],
        }  # fmt: skip


async def test_a_venue_is_found_and_filtered_by_an_id_another_source_gave_it(
    scope: ReadScope, loaded: Driver
) -> None:
    """One venue printed under two sources' ids is one node holding the other id in
    ``alt_ids``; ``venue(id:)`` and the paper filter accept that id as the venue's own."""
    rows = cypher(
        loaded,
        "MATCH (v:Venue) WHERE size(coalesce(v.alt_ids, [])) > 0 "
        "RETURN v.id AS id, v.alt_ids[0] AS alt, COUNT { (v)<-[:PUBLISHED_IN]-() } AS papers "
        "ORDER BY papers DESC, id LIMIT 1",
    )
    assert rows, "the samples hold no venue known under two sources' ids"
    own, alt, papers = rows[0]["id"], rows[0]["alt"], rows[0]["papers"]
    query = "query($id: ID!) { venue(id: $id) { id altIds paperCount } }"
    by_alt = (await data(scope, query, {"id": alt}))["venue"]
    assert by_alt == {"id": own, "altIds": by_alt["altIds"], "paperCount": papers}
    assert alt in by_alt["altIds"]
    count = "query($w: PaperWhere) { papers(where: $w) { totalCount } }"
    for given in (own, alt):
        got = await data(scope, count, {"w": {"venue": {"in": [given]}}})
        assert got["papers"]["totalCount"] == papers
    assert "venue" in await error(scope, count, {"w": {"venue": {"eq": alt + "-no-such"}}})
