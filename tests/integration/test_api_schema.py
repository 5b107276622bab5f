"""GraphQL schema over real Neo4j loaded with the real samples (profile page, OpenAlex, S2,
arXiv Kaggle + Atom, dblp): every field, paging, filters against Cypher, id forms, search,
limits and errors, and the Bolt round-trip bounds."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from neo4j import Driver

from api.sdl import SDL_PATH, current_sdl
from api.types import Author
from graph.repository import ReadScope
from graph.settings import AppSettings
from graph.stats import graph_stats
from tests.integration.api_helpers import (
    DB,
    CountingDriver,
    data,
    error,
    execute,
)

pytestmark = pytest.mark.asyncio(loop_scope="session")

TURING = "doi:10.1093/mind/lix.236.433"  # S2 sample: 1000 citing papers in the graph
OWNER = "name:lizhu zhang"  # the profile page's owner


def cypher(driver: Driver, query: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = driver.execute_query(query, params, database_=DB)
    return [dict(r) for r in records]


async def test_sdl_is_committed_and_current() -> None:
    assert SDL_PATH.read_text(encoding="utf-8") == current_sdl(), "run: python -m api.sdl"


# --- every field ----------------------------------------------------------------------------

PAPER_FIELDS = """
  id title abstract year date doi arxivId url hasCode codeUrl docType journalRef
  citationCount referenceCount sourceCitationCount authorsComplete stub sources
  externalIds { doi arxiv openalex s2 dblp aminer }
  authors { id name }
  authorships { position rawName author { id } }
  venue { id name type issn paperCount }
  categories { id name scheme paperCount parent { id } subcategories { id } }
  categoryLinks { primary category { id } }
  primaryCategory { id }
  references(first: 3) { totalCount edges { cursor node { id } } pageInfo { hasNextPage } }
  citations(first: 3) { totalCount edges { node { id } } pageInfo { endCursor } }
"""


async def test_paper_every_field_matches_the_graph(scope: ReadScope, loaded: Driver) -> None:
    row = cypher(
        loaded,
        "MATCH (p:Paper) WHERE p.arxiv_id IS NOT NULL AND p.doi IS NOT NULL "
        "AND EXISTS { (p)-[:PUBLISHED_IN]->() } AND EXISTS { (p)-[:IN_CATEGORY]->() } "
        "RETURN p {.*} AS p ORDER BY p.id LIMIT 1",
    )[0]["p"]
    got = (await data(scope, f'{{ paper(id: "{row["id"]}") {{ {PAPER_FIELDS} }} }}'))["paper"]
    assert got["id"] == row["id"] and got["title"] == row["title"]
    assert got["year"] == row["year"] and got["doi"] == row["doi"]
    assert got["arxivId"] == row["arxiv_id"] == got["externalIds"]["arxiv"]
    assert got["abstract"] == row.get("abstract") and got["date"] == row.get("date")
    assert got["citationCount"] == row["citation_count"]
    assert got["referenceCount"] == row["reference_count"]
    assert got["stub"] is False and set(got["sources"]) == set(row["sources"])
    authors = cypher(
        loaded,
        "MATCH (:Paper {id: $id})<-[r:AUTHORED]-(a) RETURN a.id AS id, r.position AS pos, "
        "r.raw_name AS raw ORDER BY r.position",
        id=row["id"],
    )
    assert [a["id"] for a in got["authors"]] == [a["id"] for a in authors]
    assert [(a["position"], a["rawName"]) for a in got["authorships"]] == [
        (a["pos"], a["raw"]) for a in authors
    ]
    venue = cypher(
        loaded, "MATCH (:Paper {id: $id})-[:PUBLISHED_IN]->(v) RETURN v.id AS id", id=row["id"]
    )
    assert got["venue"]["id"] == venue[0]["id"] and got["venue"]["paperCount"] >= 1
    cats = cypher(
        loaded, "MATCH (:Paper {id: $id})-[:IN_CATEGORY]->(c) RETURN c.id AS id", id=row["id"]
    )
    assert {c["id"] for c in got["categories"]} == {c["id"] for c in cats}
    arxiv_cs = [c for c in got["categories"] if c["id"].startswith("arxiv:")]
    assert all(c["scheme"] for c in arxiv_cs)


async def test_citations_and_references_pages(scope: ReadScope, loaded: Driver) -> None:
    got = (await data(scope, f'{{ paper(id: "{TURING}") {{ {PAPER_FIELDS} }} }}'))["paper"]
    expected = cypher(loaded, "MATCH (p:Paper)-[:CITES]->(:Paper {id: $id}) RETURN count(p) AS n",
                      id=TURING)[0]["n"]  # fmt: skip
    assert got["citations"]["totalCount"] == expected == got["citationCount"]
    assert len(got["citations"]["edges"]) == 3
    # walk every citing paper once, 100 at a time
    seen: list[str] = []
    after = None
    while True:
        page = (
            await data(
                scope,
                "query($id: ID!, $after: String) { paper(id: $id) { citations(first: 100, "
                "after: $after) { edges { node { id year } } pageInfo { hasNextPage endCursor } "
                "} } }",
                {"id": TURING, "after": after},
            )
        )["paper"]["citations"]
        seen += [e["node"]["id"] for e in page["edges"]]
        years = [e["node"]["year"] for e in page["edges"] if e["node"]["year"] is not None]
        assert years == sorted(years, reverse=True)  # default order: newest first
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == expected


AUTHOR_FIELDS = """
  id name nameVariants orcid affiliation paperCount citationCount hIndex i10Index sources
  externalIds { orcid openalex s2 dblp aminer }
  primaryCategory { id name }
  categories { paperCount category { id } }
  papers(first: 5) { totalCount edges { node { id year } } pageInfo { hasNextPage } }
  coauthors(first: 5) { jointPaperCount firstYear lastYear author { id name } }
"""


async def test_author_every_field_matches_the_graph(scope: ReadScope, loaded: Driver) -> None:
    got = (await data(scope, f'{{ author(id: "{OWNER}") {{ {AUTHOR_FIELDS} }} }}'))["author"]
    assert got["name"] == "Lizhu Zhang" and got["paperCount"] == 17
    assert got["primaryCategory"]["id"] == "arxiv:cs.CL"  # the profile page's own figure
    assert got["papers"]["totalCount"] == 17 and got["papers"]["pageInfo"]["hasNextPage"]
    cats = cypher(
        loaded,
        "MATCH (:Author {id: $id})-[:AUTHORED]->(p)-[:IN_CATEGORY]->(c) "
        "RETURN c.id AS id, count(DISTINCT p) AS n ORDER BY n DESC, id",
        id=OWNER,
    )
    assert [(c["category"]["id"], c["paperCount"]) for c in got["categories"]] == [
        (c["id"], c["n"]) for c in cats
    ]
    co = cypher(
        loaded,
        "MATCH (a:Author {id: $id})-[:AUTHORED]->(p)<-[:AUTHORED]-(c) WHERE c <> a "
        "RETURN c.id AS id, count(DISTINCT p) AS n, min(p.year) AS y0, max(p.year) AS y1 "
        "ORDER BY n DESC, id LIMIT 5",
        id=OWNER,
    )
    assert [
        (c["author"]["id"], c["jointPaperCount"], c["firstYear"], c["lastYear"])
        for c in got["coauthors"]
    ] == [(c["id"], c["n"], c["y0"], c["y1"]) for c in co]


async def test_venue_category_categories_and_stats(scope: ReadScope, loaded: Driver) -> None:
    got = await data(
        scope,
        '{ category(id: "arxiv:cs") { id subcategories { id parent { id } } } '
        'venue(id: "arxiv") { id name type paperCount } '
        'categories(scheme: "arxiv", first: 1000) { id scheme } '
        "stats { papers stubPapers authors venues categories citations authorships totalNodes "
        "totalRelationships nodes { name count } relationships { name count } } }",
    )
    subs = cypher(loaded, "MATCH (c)-[:SUBCATEGORY_OF]->(:Category {id: 'arxiv:cs'}) "
                  "RETURN c.id AS id ORDER BY id")  # fmt: skip
    assert [s["id"] for s in got["category"]["subcategories"]] == [s["id"] for s in subs]
    assert all(s["parent"]["id"] == "arxiv:cs" for s in got["category"]["subcategories"])
    n_arxiv = cypher(loaded, "MATCH (c:Category {scheme: 'arxiv'}) RETURN count(c) AS n")[0]["n"]
    assert len(got["categories"]) == n_arxiv and {c["scheme"] for c in got["categories"]} == {
        "arxiv"
    }
    stats = graph_stats(loaded, DB)
    assert got["stats"]["papers"] == stats["nodes"]["Paper"]
    assert got["stats"]["stubPapers"] == stats["stub_papers"]
    assert got["stats"]["citations"] == stats["relationships"]["CITES"]
    assert got["stats"]["totalNodes"] == stats["total_nodes"]
    if got["venue"] is not None:
        assert got["venue"]["paperCount"] > 0


# --- paging ---------------------------------------------------------------------------------

PAGE = """query($after: String, $order: [PaperOrder!], $where: PaperWhere) {
  papers(first: 100, after: $after, orderBy: $order, where: $where) {
    totalCount edges { cursor node { id year citationCount title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"""


async def _walk(scope: ReadScope, variables: dict[str, Any]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await data(scope, PAGE, {**variables, "after": after}))["papers"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        if page["edges"]:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


@pytest.mark.parametrize("order", [None, ["YEAR_DESC"], ["CITATION_COUNT_DESC", "TITLE_ASC"]])
async def test_paging_visits_every_paper_once(
    scope: ReadScope, loaded: Driver, order: list[str] | None
) -> None:
    nodes = await _walk(scope, {"order": order})
    ids = [n["id"] for n in nodes]
    expected = cypher(loaded, "MATCH (p:Paper) WHERE NOT coalesce(p.stub, false) "
                      "RETURN p.id AS id ORDER BY id")  # fmt: skip
    assert len(ids) == len(set(ids)) == len(expected) > 2000
    assert sorted(ids) == [e["id"] for e in expected]
    if order == ["YEAR_DESC"]:
        years = [n["year"] for n in nodes]
        non_null = [y for y in years if y is not None]
        assert non_null == sorted(non_null, reverse=True)
        assert years[len(non_null) :] == [None] * (len(years) - len(non_null))  # nulls last


async def test_first_defaults_to_20_and_is_capped(scope: ReadScope) -> None:
    got = await data(scope, "{ papers { edges { node { id } } } authors { edges { cursor } } }")
    assert len(got["papers"]["edges"]) == 20 and len(got["authors"]["edges"]) == 20
    message = await error(scope, "{ papers(first: 101) { totalCount } }")
    assert "first" in message and "101" in message and "100" in message
    message = await error(
        scope, f'{{ author(id: "{OWNER}") {{ papers(first: 500) {{ totalCount }} }} }}'
    )
    assert "first" in message and "500" in message


async def test_bad_cursor_is_a_clear_error(scope: ReadScope) -> None:
    for bad in ("nonsense", "c2cxOi0x", "!!!"):
        message = await error(scope, "query($a: String) { papers(after: $a) { totalCount } }",
                              {"a": bad})  # fmt: skip
        assert message.startswith("invalid after") and "cursor" in message


async def test_authors_paging_and_order(scope: ReadScope, loaded: Driver) -> None:
    query = """query($after: String) { authors(first: 100, after: $after,
      orderBy: [PAPER_COUNT_DESC, NAME_ASC], where: {paperCount: {gte: 2}}) {
      totalCount edges { node { id paperCount name } } pageInfo { hasNextPage endCursor } } }"""
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = (await data(scope, query, {"after": after}))["authors"]
        seen += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    expected = cypher(loaded, "MATCH (a:Author) WHERE a.paper_count >= 2 RETURN a.id AS id "
                      "ORDER BY a.paper_count DESC, a.name, a.id")  # fmt: skip
    assert [a["id"] for a in seen] == [e["id"] for e in expected]
    assert page["totalCount"] == len(expected)


# --- filters against Cypher -----------------------------------------------------------------

PAPER_FILTERS: list[tuple[dict[str, Any], str]] = [
    ({"year": {"eq": 2007}}, "p.year = 2007"),
    ({"year": {"in": [1995, 2021]}}, "p.year IN [1995, 2021]"),
    ({"year": {"gte": 2020, "lt": 2024}}, "p.year >= 2020 AND p.year < 2024"),
    ({"title": {"contains": "Neural"}}, "toLower(p.title) CONTAINS 'neural'"),
    ({"title": {"startsWith": "on "}}, "toLower(p.title) STARTS WITH 'on '"),
    ({"hasCode": True}, "p.has_code"),
    ({"citationCount": {"gte": 2}}, "p.citation_count >= 2"),
    (
        {"category": {"eq": "arxiv:cs"}},
        "EXISTS { (p)-[:IN_CATEGORY]->()-[:SUBCATEGORY_OF*0..]->(:Category {id: 'arxiv:cs'}) }",
    ),
    (
        {"category": {"in": ["arxiv:cs.CL", "arxiv:hep-ph"]}},
        "EXISTS { MATCH (p)-[:IN_CATEGORY]->()-[:SUBCATEGORY_OF*0..]->(c) "
        "WHERE c.id IN ['arxiv:cs.CL', 'arxiv:hep-ph'] }",
    ),
    ({"venue": {"eq": "arxiv"}}, "EXISTS { (p)-[:PUBLISHED_IN]->(:Venue {id: 'arxiv'}) }"),
    ({"author": {"eq": OWNER}}, "EXISTS { (:Author {id: 'name:lizhu zhang'})-[:AUTHORED]->(p) }"),
    (
        {"author": {"eq": "https://orcid.org/0000-0001-5019-2870"}},
        "EXISTS { (:Author {orcid: '0000-0001-5019-2870'})-[:AUTHORED]->(p) }",
    ),
    (
        {"OR": [{"year": {"lt": 1990}}, {"AND": [{"hasCode": True}, {"year": {"gte": 2025}}]}]},
        "(p.year < 1990 OR (p.has_code AND p.year >= 2025))",
    ),
    ({"NOT": {"year": {"gte": 2000}}}, "NOT (p.year >= 2000)"),
    ({"stub": True}, "p.stub"),
]


@pytest.mark.parametrize(("where", "cond"), PAPER_FILTERS)
async def test_paper_filters_match_cypher(
    scope: ReadScope, loaded: Driver, where: dict[str, Any], cond: str
) -> None:
    stub = "" if "stub" in where else "NOT coalesce(p.stub, false) AND "
    expected = cypher(loaded, f"MATCH (p:Paper) WHERE {stub}({cond}) RETURN p.id AS id")
    got = await _walk(scope, {"where": where})
    assert sorted(n["id"] for n in got) == sorted(e["id"] for e in expected)
    page = await data(scope, PAGE, {"where": where, "after": None})
    assert page["papers"]["totalCount"] == len(expected)
    assert expected or where in ({"hasCode": True},), f"filter {where} selects nothing"


AUTHOR_FILTERS: list[tuple[dict[str, Any], str]] = [
    ({"name": {"contains": "zhang"}}, "toLower(a.name) CONTAINS 'zhang'"),
    ({"paperCount": {"gte": 3, "lte": 10}}, "a.paper_count >= 3 AND a.paper_count <= 10"),
    ({"hIndex": {"gte": 1}}, "a.h_index >= 1"),
    (
        {"category": {"eq": "arxiv:cs.CL"}},
        "EXISTS { (a)-[:AUTHORED]->()-[:IN_CATEGORY]->()-[:SUBCATEGORY_OF*0..]->"
        "(:Category {id: 'arxiv:cs.CL'}) }",
    ),
    (
        {"NOT": {"name": {"startsWith": "a"}}, "paperCount": {"gt": 4}},
        "NOT toLower(a.name) STARTS WITH 'a' AND a.paper_count > 4",
    ),  # fmt: skip
]


@pytest.mark.parametrize(("where", "cond"), AUTHOR_FILTERS)
async def test_author_filters_match_cypher(
    scope: ReadScope, loaded: Driver, where: dict[str, Any], cond: str
) -> None:
    expected = cypher(loaded, f"MATCH (a:Author) WHERE {cond} RETURN a.id AS id")
    query = "query($w: AuthorWhere) { authors(where: $w, first: 100) { totalCount } }"
    got = await data(scope, query, {"w": where})
    assert got["authors"]["totalCount"] == len(expected) > 0


async def test_bad_filters_name_the_argument(scope: ReadScope) -> None:
    message = await error(scope, '{ papers(where: {author: {eq: "bogus"}}) { totalCount } }')
    assert "where.author.eq" in message and "bogus" in message and "orcid:" in message
    result = await execute(scope, '{ papers(where: {year: {eq: "x"}}) { totalCount } }')
    assert result.errors and "Int cannot represent" in result.errors[0].message
    assert result.errors[0].locations  # graphql validation points at the bad value
    message = await error(scope, "{ papers(orderBy: [SIZE]) { totalCount } }")
    assert "SIZE" in message and "PaperOrder" in message


# --- lookups by every id form -------------------------------------------------------------


async def test_paper_lookup_by_every_id_form(scope: ReadScope, loaded: Driver) -> None:
    both = cypher(loaded, "MATCH (p:Paper) WHERE p.doi IS NOT NULL AND p.arxiv_id =~ '\\\\d.*' "
                  "RETURN p.id AS id, p.doi AS doi, p.arxiv_id AS arxiv LIMIT 1")[0]  # fmt: skip
    oa = cypher(loaded, "MATCH (p:Paper) WHERE p.openalex_id IS NOT NULL "
                "RETURN p.id AS id, p.openalex_id AS v LIMIT 1")[0]  # fmt: skip
    s2 = cypher(loaded, "MATCH (p:Paper) WHERE p.s2_id IS NOT NULL AND NOT p.stub "
                "RETURN p.id AS id, p.s2_id AS v LIMIT 1")[0]  # fmt: skip
    dblp = cypher(loaded, "MATCH (p:Paper) WHERE p.dblp_key IS NOT NULL "
                  "RETURN p.id AS id, p.dblp_key AS v LIMIT 1")[0]  # fmt: skip
    old = cypher(loaded, "MATCH (p:Paper) WHERE p.arxiv_id CONTAINS '/' "
                 "RETURN p.id AS id, p.arxiv_id AS v LIMIT 1")  # fmt: skip
    forms = {
        f"doi:{both['doi']}": both["id"],
        both["doi"].upper(): both["id"],
        f"https://doi.org/{both['doi']}": both["id"],
        f"arxiv:{both['arxiv']}": both["id"],
        f"arXiv:{both['arxiv']}v2": both["id"],
        both["arxiv"]: both["id"],
        f"https://arxiv.org/abs/{both['arxiv']}v1": both["id"],
        f"openalex:{oa['v']}": oa["id"],
        f"https://openalex.org/{oa['v']}": oa["id"],
        f"https://api.openalex.org/works/{oa['v']}": oa["id"],
        f"s2:{s2['v']}": s2["id"],
        s2["v"]: s2["id"],
        f"dblp:{dblp['v']}": dblp["id"],
    }
    for row in old:
        forms[f"arxiv:{row['v']}v3"] = row["id"]
    aliases = " ".join(f"p{i}: paper(id: $i{i}) {{ id }}" for i in range(len(forms)))
    params = ", ".join(f"$i{i}: ID!" for i in range(len(forms)))
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    got = await data(
        ReadScope(counting, DB),  # type: ignore[arg-type]
        f"query({params}) {{ {aliases} }}",
        {f"i{i}": form for i, form in enumerate(forms)},
    )
    assert [got[f"p{i}"] and got[f"p{i}"]["id"] for i in range(len(forms))] == list(
        forms.values()
    ), forms
    assert len(counting.queries) == 1  # every alias resolved in one batched query


async def test_author_lookup_by_every_id_form(scope: ReadScope, loaded: Driver) -> None:
    a = cypher(loaded, "MATCH (a:Author) WHERE a.orcid IS NOT NULL AND a.openalex_id IS NOT NULL "
               "RETURN a.id AS id, a.orcid AS orcid, a.openalex_id AS oa LIMIT 1")[0]  # fmt: skip
    s2 = cypher(loaded, "MATCH (a:Author) WHERE a.s2_id IS NOT NULL "
                "RETURN a.id AS id, a.s2_id AS v LIMIT 1")[0]  # fmt: skip
    dblp = cypher(loaded, "MATCH (a:Author) WHERE a.dblp_pid IS NOT NULL "
                  "RETURN a.id AS id, a.dblp_pid AS v LIMIT 1")[0]  # fmt: skip
    forms = {
        f"orcid:{a['orcid']}": a["id"],
        f"https://orcid.org/{a['orcid']}": a["id"],
        a["orcid"]: a["id"],
        f"openalex:{a['oa']}": a["id"],
        f"https://openalex.org/{a['oa']}": a["id"],
        f"s2:{s2['v']}": s2["id"],
        f"dblp:{dblp['v']}": dblp["id"],
        "name:Lizhu  ZHANG": OWNER,
    }
    for form, expected in forms.items():
        got = await data(scope, "query($id: ID!) { author(id: $id) { id } }", {"id": form})
        assert got["author"] and got["author"]["id"] == expected, form


async def test_unknown_and_missing_ids(scope: ReadScope) -> None:
    got = await data(scope, '{ paper(id: "doi:10.9999/does-not-exist") { id } '
                     'author(id: "orcid:0000-0002-1825-0097") { id } venue(id: "nope") { id } '
                     'category(id: "arxiv:xx.YY") { id } }')  # fmt: skip
    assert got == {"paper": None, "author": None, "venue": None, "category": None}
    message = await error(scope, '{ paper(id: "isbn:12345") { id } }')
    assert message.startswith("invalid paper id 'isbn:12345'") and "doi:" in message
    message = await error(scope, '{ author(id: "orcid:0000-0002-1825-0098") { id } }')
    assert "author id" in message and "check digit" in message
    message = await error(scope, '{ author(id: "W123") { id } }')
    assert "invalid author id" in message


# --- search ---------------------------------------------------------------------------------


async def test_search_is_scored_and_typed(scope: ReadScope) -> None:
    got = await data(
        scope,
        '{ search(query: "distillation", first: 5) { __typename score '
        "... on PaperHit { paper { id title } } ... on AuthorHit { author { id } } } "
        'authors: search(query: "Lizhu Zhang", types: [AUTHOR]) { score ... on AuthorHit '
        "{ author { id } } } "
        'venues: search(query: "physical review", types: [VENUE], first: 3) { __typename '
        "... on VenueHit { venue { name } } } }",
    )
    hits = got["search"]
    assert 0 < len(hits) <= 5 and all(h["__typename"] == "PaperHit" for h in hits)
    assert all("distillation" in (h["paper"]["title"] or "").lower() for h in hits[:1])
    scores = [h["score"] for h in hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert got["authors"][0]["author"]["id"] == OWNER
    assert got["venues"] and all(h["__typename"] == "VenueHit" for h in got["venues"])
    assert "physical review" in got["venues"][0]["venue"]["name"].lower()  # best hit: both words


async def test_search_syntax_errors_are_input_errors(scope: ReadScope) -> None:
    for bad in ('title:"unclosed', "AND OR (", ""):
        message = await error(scope, "query($q: String!) { search(query: $q) { score } }",
                              {"q": bad})  # fmt: skip
        assert message.startswith("invalid query") and "Neo" not in message, message


# --- limits and masking ---------------------------------------------------------------------


async def test_depth_alias_and_token_limits(scope: ReadScope) -> None:
    deep = "{ author(id: \"x\") { papers { edges { node { authors { papers { edges { node { " \
           "authors { papers { edges { node { id } } } } } } } } } } } } }"  # fmt: skip
    message = await error(scope, deep)
    assert "exceeds maximum operation depth" in message
    many = "{ " + " ".join(f"a{i}: stats {{ papers }}" for i in range(40)) + " }"
    assert "aliases" in (await error(scope, many)).lower()
    huge = "{ stats { " + " ".join(["papers"] * 2100) + " } }"
    assert "token" in (await error(scope, huge)).lower()


async def test_introspection_can_be_switched_off(scope: ReadScope) -> None:
    query = "{ __schema { queryType { name } } }"
    on = await execute(scope, query)
    assert on.errors is None and on.data == {"__schema": {"queryType": {"name": "Query"}}}
    off = await execute(scope, query, settings=AppSettings(introspection=False))
    assert off.errors and "introspection" in off.errors[0].message.lower()


async def test_unexpected_errors_are_masked_and_logged(
    scope: ReadScope, caplog: pytest.LogCaptureFixture
) -> None:
    broken = ReadScope(scope.driver, "no-such-database", 5.0)
    with caplog.at_level(logging.ERROR, logger="scholargraph.api"):
        result = await execute(broken, "{ stats { papers } }")
    assert result.errors and [e.message for e in result.errors] == ["Internal server error"]
    assert any("no-such-database" in r.getMessage() or r.exc_info for r in caplog.records)


# --- round trips ----------------------------------------------------------------------------

NESTED = """{ authors(first: 20, orderBy: [PAPER_COUNT_DESC]) { edges { node { name
  papers(first: 5) { edges { node { title authors { name } categories { id } } } } } } } }"""


async def test_nested_query_costs_one_query_per_level(scope: ReadScope) -> None:
    counting = CountingDriver(scope.driver)  # type: ignore[arg-type]
    result = await data(ReadScope(counting, DB), NESTED)  # type: ignore[arg-type]
    authors = result["authors"]["edges"]
    papers = [p for a in authors for p in a["node"]["papers"]["edges"]]
    assert len(authors) == 20 and len(papers) > 40
    assert any(p["node"]["authors"] for p in papers) and any(
        p["node"]["categories"] for p in papers
    )
    # level 1 authors page, level 2 papers of all 20 authors, level 3 authors + categories of
    # all those papers: four queries, whatever the fan-out
    assert len(counting.queries) <= 4, counting.queries


async def test_a_loader_batch_runs_once_with_all_keys(
    scope: ReadScope, loaded: Driver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph import repository

    calls: list[list[str]] = []
    real = repository.authors_of_papers

    async def spy(s: ReadScope, ids: list[str]) -> Any:
        calls.append(list(ids))
        return await real(s, ids)

    monkeypatch.setattr(repository, "authors_of_papers", spy)
    # similar papers' authors go through the loader (a page reads its own papers' authors
    # with the page: test_api_read_path)
    got = await data(scope, "{ papers(first: 12, orderBy: [CITATION_COUNT_DESC]) { edges { "
                     "node { similar(first: 5) { paper { id authors { id } "
                     "authorships { position } } } } } } }")  # fmt: skip
    ids = {s["paper"]["id"] for e in got["papers"]["edges"] for s in e["node"]["similar"]}
    assert len(ids) > 10
    assert len(calls) == 1 and sorted(calls[0]) == sorted(ids)  # once, every key, no repeats


async def test_author_type_reads_missing_metrics_as_zero() -> None:
    a = Author.from_node({"id": "name:x"})
    assert (a.paper_count, a.h_index, a.name_variants) == (0, 0, [])
