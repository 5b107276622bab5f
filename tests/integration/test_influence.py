"""Influence analysis and profile parity on the real samples (Paperscape 1991–1996 + the profile
page), checked against the raw files read here with plain Python: stored h-index and citation
counts, in-subgraph citations and PageRank (networkx, an independent implementation), author
credit split 1/n, who cites an author (self-citations apart), similar papers."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import pytest_asyncio
from neo4j import Driver

from graph import influence
from graph.errors import InputError
from graph.repository import ReadScope
from graph.settings import Neo4jSettings
from loaders.writer import load_paths
from tests.conftest import wipe
from tests.integration.api_helpers import api_driver, data
from tests.integration.paperscape_raw import FOLDER, Raw, read_raw

pytestmark = pytest.mark.asyncio(loop_scope="session")

DB = "neo4j"
OWNER = "name:lizhu zhang"


def h_index(counts: list[int]) -> int:
    counts = sorted(counts, reverse=True)
    return sum(1 for i, c in enumerate(counts, start=1) if c >= i)


@pytest.fixture(scope="module")
def raw(data_dir: Path) -> Raw:
    return read_raw(data_dir / FOLDER)


@pytest.fixture(scope="module")
def loaded(driver: Driver, data_dir: Path) -> Iterator[Driver]:
    wipe(driver)
    # Identity by printed name (the clustering off): the expectations are computed from the raw
    # files by name key; the clustering is tested in test_identity_*.py and test_bulk.py.
    summary = load_paths(
        driver, DB, [data_dir / FOLDER, data_dir / "profile-page"], cluster_authors=False
    )
    assert not summary.failed_files
    yield driver


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def scope(loaded: Driver, neo4j_settings: Neo4jSettings) -> AsyncIterator[ReadScope]:
    async with api_driver(neo4j_settings) as drv:
        yield ReadScope(drv, DB, 60.0)


def node(driver: Driver, author_id: str) -> dict[str, Any]:
    records, _, _ = driver.execute_query(
        "MATCH (a:Author {id: $id}) RETURN properties(a) AS p", id=author_id, database_=DB
    )
    return dict(records[0]["p"])


# -- stored metrics ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["e witten", "s d odintsov", "n seiberg", "j polchinski", "c vafa"])
async def test_stored_citation_count_h_index_i10_match_the_raw_citation_lists(
    loaded: Driver, raw: Raw, who: str
) -> None:
    counts = [len(raw.cited_by[p]) for p in raw.papers_of[who]]
    got = node(loaded, f"name:{who}")
    assert got["paper_count"] == len(counts)
    assert got["citation_count"] == sum(counts)
    assert got["h_index"] == h_index(counts)
    assert got["i10_index"] == sum(1 for c in counts if c >= 10)


# -- profile parity ---------------------------------------------------------------------------

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_HEADER = re.compile(r"^([A-Z]{2})([A-Z][a-z]{2}) (\d{1,2})(?:, (\d{4}))?(Code)?$")


def parse_page(text: str) -> dict[str, Any]:
    lines = text.splitlines()
    head = [x.strip() for x in lines[:12] if x.strip()]
    page: dict[str, Any] = {
        "name": head[0],
        "category": "arxiv:cs." + head[1],
        "h": int(head[2].removeprefix("h-index")),
        "papers": int(head[3].removesuffix("papers")),
        "citations": int(head[4].removesuffix("citations")),
        "novelty": int(head[5].removeprefix("Novelty").removesuffix("%")) / 100,
        "ai": int(head[6].removeprefix("AI Score")),
    }
    blocks = re.split(r"\n\s*\n", text.split(" Papers\n", 1)[1].strip())
    out = []
    for i in range(0, len(blocks), 3):  # "header\ntitle", authors, abstract
        top, authors, abstract = blocks[i : i + 3]
        header, title = top.split("\n", 1)
        m = _HEADER.match(header.strip())
        assert m, header
        cat, mon, day, year, code = m.groups()
        names = authors.strip()
        complete = not names.endswith(" et al.")
        out.append(
            {
                "category": "arxiv:cs." + cat,
                "date": date(int(year or 2026), _MONTHS[mon], int(day)).isoformat(),
                "code": bool(code),
                "title": title.strip(),
                "authors": [n.strip() for n in names.removesuffix(" et al.").split(",")],
                "complete": complete,
                "abstract": " ".join(abstract.split()),
            }
        )
    page["list"] = out
    return page


PROFILE_QUERY = """
query($id: ID!) {
  author(id: $id) {
    id name paperCount citationCount hIndex
    primaryCategory { id }
    papers(first: 50) {
      totalCount
      edges { node {
        title date hasCode codeUrl abstract authorsComplete
        primaryCategory { id }
        authors { name }
      } }
    }
  }
}
"""


async def test_profile_parity_field_by_field(
    scope: ReadScope, loaded: Driver, data_dir: Path
) -> None:
    page = parse_page((data_dir / "profile-page" / "lizhu-zhang.profile.txt").read_text("utf-8"))
    assert len(page["list"]) == page["papers"] == 17
    got = (await data(scope, PROFILE_QUERY, {"id": OWNER}))["author"]
    assert got["name"] == page["name"]
    assert got["primaryCategory"]["id"] == page["category"]
    assert got["paperCount"] == page["papers"]
    assert got["papers"]["totalCount"] == 17
    by_title = {e["node"]["title"]: e["node"] for e in got["papers"]["edges"]}
    assert len(by_title) == 17
    for expected in page["list"]:
        paper = by_title[expected["title"]]
        assert paper["date"] == expected["date"]
        assert paper["primaryCategory"]["id"] == expected["category"]
        # the Code badge, or a repository link in the abstract (docs/loaders.md)
        assert paper["hasCode"] == (expected["code"] or paper["codeUrl"] is not None)
        if expected["code"]:
            assert paper["hasCode"]
        assert paper["authorsComplete"] == expected["complete"]
        names = [a["name"] for a in paper["authors"]]
        assert names[: len(expected["authors"])] == expected["authors"]  # in page order
        assert page["name"] in names  # the owner wrote every listed paper
        if expected["complete"]:
            assert len(names) == len(expected["authors"])
        assert " ".join(paper["abstract"].split()) == expected["abstract"]
    # the page's own figures, kept apart from the computed ones
    reported = influence.reported_metrics(node(loaded, OWNER))
    assert reported is not None
    assert (reported.h_index, reported.citation_count, reported.paper_count) == (
        page["h"],
        page["citations"],
        page["papers"],
    )
    assert reported.novelty == pytest.approx(page["novelty"])
    assert reported.ai_score == page["ai"]
    assert reported.source == "profile"
    # computed from the graph: nobody in it cites these 2025-2026 papers
    assert (got["citationCount"], got["hIndex"]) == (0, 0)
    assert influence.reported_metrics(node(loaded, "name:e witten")) is None


# -- influence on filtered subgraphs ----------------------------------------------------------

CAT, YEARS = "arxiv:hep-th", (1994, 1995)


def subgraph(raw: Raw) -> tuple[set[str], dict[str, int]]:
    papers = {
        p for p in raw.authors if "hep-th" in raw.cats[p] and YEARS[0] <= raw.year[p] <= YEARS[1]
    }
    cites = {p: len(raw.cited_by[p] & papers) for p in papers}
    return papers, cites


async def test_influential_papers_by_citations_and_pagerank(scope: ReadScope, raw: Raw) -> None:
    papers, cites = subgraph(raw)
    top = await influence.influential_papers(scope, CAT, *YEARS, by="CITATIONS", first=10)
    assert [t.score for t in top] == sorted(cites.values(), reverse=True)[:10]
    for t in top:
        assert t.citations == cites[t.paper["id"]] == t.score
    g = nx.DiGraph()
    g.add_nodes_from(papers)
    g.add_edges_from((p, r) for p in papers for r in raw.refs[p] if r in papers)
    pr = nx.pagerank(g, alpha=0.85, tol=1e-12)
    ranked = await influence.influential_papers(scope, CAT, *YEARS, by="PAGERANK", first=5)
    expected = sorted(pr, key=lambda p: -pr[p])[:5]
    assert [t.paper["id"] for t in ranked] == expected
    for t in ranked:
        assert t.score == pytest.approx(pr[t.paper["id"]], rel=1e-4)
    with pytest.raises(InputError, match="by"):
        await influence.influential_papers(scope, CAT, by="HINDEX")


async def test_influential_authors_split_credit_and_subgraph_h_index(
    scope: ReadScope, raw: Raw
) -> None:
    papers, cites = subgraph(raw)
    credit: dict[str, float] = defaultdict(float)
    no_self: dict[str, float] = defaultdict(float)
    per_author: dict[str, list[int]] = defaultdict(list)
    for p in papers:
        for a in raw.authors[p]:
            credit[a] += cites[p] / len(raw.authors[p])
            per_author[a].append(cites[p])
            # a citation from a paper the author also wrote is a self-citation: left out
            others = sum(1 for c in raw.cited_by[p] & papers if a not in raw.authors[c])
            no_self[a] += others / len(raw.authors[p])
    assert any(no_self[a] < credit[a] for a in credit)  # the sample has self-citations
    by_cites = await influence.influential_authors(scope, CAT, *YEARS, by="CITATIONS", first=5)
    assert [t.score for t in by_cites] == pytest.approx(sorted(no_self.values(), reverse=True)[:5])
    for t in by_cites:
        a = t.author["id"].removeprefix("name:")
        assert t.citations == pytest.approx(credit[a])
        assert t.citations_no_self == pytest.approx(no_self[a]) == pytest.approx(t.score)
        assert t.paper_count == len(per_author[a])
        assert t.h_index == h_index(per_author[a])
    by_h = await influence.influential_authors(scope, CAT, *YEARS, by="HINDEX", first=5)
    best = sorted((h_index(c) for c in per_author.values()), reverse=True)[:5]
    assert [t.h_index for t in by_h] == best
    by_pr = await influence.influential_authors(scope, CAT, *YEARS, by="PAGERANK", first=5)
    assert [t.score for t in by_pr] == sorted((t.score for t in by_pr), reverse=True)
    assert sum(t.pagerank for t in by_pr) < 1.0


async def test_top_citing_authors_exclude_self_citations(scope: ReadScope, raw: Raw) -> None:
    who = "e witten"
    counts: Counter[str] = Counter()
    total = self_cites = 0
    for q in raw.papers_of[who]:
        for p in raw.cited_by[q]:
            total += 1
            if who in raw.authors[p]:
                self_cites += 1
                continue
            for c in raw.authors[p]:
                counts[c] += 1
    got = await influence.top_citing_authors(scope, f"name:{who}", first=10)
    assert (got.total_citations, got.self_citations) == (total, self_cites)
    assert self_cites > 0
    assert [a.citations for a in got.authors] == [c for _, c in counts.most_common(10)]
    for a in got.authors:
        k = a.author["id"].removeprefix("name:")
        assert k != who
        assert a.citations == counts[k]


async def test_similar_papers_by_cocitation_and_coupling(scope: ReadScope, raw: Raw) -> None:
    target = "arxiv:hep-th/9503124"
    cocited: Counter[str] = Counter()
    for c in raw.cited_by[target]:
        for q in raw.refs.get(c, []):
            if q != target:
                cocited[q] += 1
    coupled: Counter[str] = Counter()
    for r in raw.refs[target]:
        for q in raw.cited_by[r]:
            if q != target:
                coupled[q] += 1
    total = cocited + coupled
    got = await influence.similar_papers(scope, target, first=8)
    assert [s.score for s in got] == sorted(total.values(), reverse=True)[:8]
    for s in got:
        pid = s.paper["id"]
        assert (s.cocitation, s.coupling) == (cocited[pid], coupled[pid])


async def test_rising_authors_default_year_has_enough_papers(
    scope: ReadScope, loaded: Driver
) -> None:
    """A few hep-th papers of a later year (as another source adds to the demo graph): the
    default year is the last one with enough papers (at least 10 and 10 % of the busiest
    year's), not the latest."""
    from graph.ingest import IngestBatch, write_batch
    from loaders.arxiv_taxonomy import category
    from loaders.records import Paper, PaperIds
    from loaders.writer import paper_row

    hep_th = category("hep-th")
    late = [
        paper_row(Paper(ids=PaperIds(arxiv=f"0701.000{i}"), source="test", title=f"Late {i}",
                        year=2007, categories=(hep_th,), primary_category=hep_th.id))
        for i in range(1, 6)
    ]  # fmt: skip
    write_batch(loaded, DB, IngestBatch(papers=late))
    try:
        records, _, _ = loaded.execute_query(
            "MATCH (p:Paper)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->"
            "(:Category {id: 'arxiv:hep-th'}) WHERE p.year IS NOT NULL "
            "RETURN p.year AS year, count(DISTINCT p) AS n ORDER BY year",
            database_=DB,
        )
        per_year = {r["year"]: r["n"] for r in records}
        enough = max(10, 0.1 * max(per_year.values()))
        expected = max(y for y, n in per_year.items() if n >= enough)
        assert max(per_year) == 2007 > expected  # a later year, with too few papers
        for source in ("snapshot", "export"):
            windows, rows = await influence.rising_authors(
                scope, "arxiv:hep-th", window=2, first=5, source=source
            )
            assert windows.recent[1] == expected == 1996
            assert rows
    finally:
        loaded.execute_query(
            "MATCH (p:Paper) WHERE p.id STARTS WITH 'arxiv:0701.000' DETACH DELETE p",
            database_=DB,
        )


async def test_rising_authors_velocity_from_raw_citations(scope: ReadScope, raw: Raw) -> None:
    windows, rows = await influence.rising_authors(scope, "arxiv:hep-th", window=2, first=5)
    assert (windows.previous, windows.recent) == ((1993, 1994), (1995, 1996))
    growths = [r.growth for r in rows]
    assert growths == sorted(growths, reverse=True)
    for r in rows:  # the documented normalised growth with its minimum base
        assert r.growth == pytest.approx(
            (r.recent_velocity + 1) / (max(r.previous_velocity, 2) + 1)
        )
    for r in rows[:3]:
        who = r.author["id"].removeprefix("name:")
        links = [
            raw.year[p]
            for q in raw.papers_of[who]
            if "hep-th" in raw.cats[q]
            for p in raw.cited_by[q]
        ]
        assert r.recent_velocity == sum(1 for y in links if 1995 <= y <= 1996) / 2
        assert r.previous_velocity == sum(1 for y in links if 1993 <= y <= 1994) / 2


async def test_an_unknown_category_is_an_input_error_naming_it(scope: ReadScope) -> None:
    from graph import collaboration as collab

    calls = [
        lambda: influence.influential_papers(scope, "arxiv:no-such"),
        lambda: influence.influential_authors(scope, "arxiv:no-such"),
        lambda: influence.rising_authors(scope, "arxiv:no-such"),
        lambda: influence.field_years(scope, "arxiv:no-such"),
        lambda: collab.communities(scope, category="arxiv:no-such"),
    ]
    for call in calls:
        with pytest.raises(InputError, match="arxiv:no-such"):
            await call()
