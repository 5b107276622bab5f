"""Paper identity beyond ids, on the real records: one work printed by two sources is one
node in either load order, showing the better source's values; two works that share a title
and a year stay two."""

from __future__ import annotations

from pathlib import Path

import pytest
from neo4j import Driver

from graph.ids import normalize_title, surname_key
from graph.ingest import IngestBatch, write_batch
from graph.paper_values import source_rank
from graph.repository import ReadScope
from graph.settings import Neo4jSettings
from loaders.detect import expand, parse_unit, plan
from loaders.records import Paper
from loaders.writer import add_record
from tests.conftest import wipe
from tests.integration.api_helpers import api_driver, data

DB = "neo4j"
GRATCH = "Adaptive Problem-solving for Large-scale Scheduling Problems: A Case Study"
ACO = "Ant Colony Optimization"


def _papers(path: Path) -> list[Paper]:
    out: list[Paper] = []
    for unit, module in plan(expand([path]), None):
        assert not isinstance(module, Exception)
        out.extend(r for r in parse_unit(unit, module) if isinstance(r, Paper))
    return out


@pytest.fixture(scope="module")
def bibtex(data_dir: Path) -> list[Paper]:
    return _papers(data_dir / "bibtex-iridia")


@pytest.fixture(scope="module")
def paperscape_1996(data_dir: Path) -> list[Paper]:
    return _papers(data_dir / "paperscape-arxiv-1991-1996" / "pscp-1996.csv")


def _titled(papers: list[Paper], title: str) -> list[Paper]:
    return [p for p in papers if p.title and normalize_title(p.title) == normalize_title(title)]


def _write(driver: Driver, papers: list[Paper]) -> None:
    batch = IngestBatch()
    for p in papers:
        add_record(batch, p)
    write_batch(driver, DB, batch)


def _nodes(driver: Driver, title: str) -> list[dict[str, object]]:
    records = driver.execute_query(
        "MATCH (p:Paper) WHERE p.title_key STARTS WITH $t + '|' "
        "RETURN p.id AS id, p.arxiv_id AS arxiv, p.year AS year, p.sources AS sources, "
        "COUNT { (p)<-[:AUTHORED]-() } AS authorships ORDER BY id",
        t=normalize_title(title),
        database_=DB,
    ).records
    return [dict(r) for r in records]


@pytest.mark.parametrize("bibtex_first", [True, False], ids=["bibtex-first", "paperscape-first"])
def test_one_work_in_two_sources_is_one_paper_in_either_order(
    driver: Driver, bibtex: list[Paper], paperscape_1996: list[Paper], bibtex_first: bool
) -> None:
    (bib,) = _titled(bibtex, GRATCH)
    (pscp,) = _titled(paperscape_1996, GRATCH)
    assert bib.ids.strong() == {} and pscp.ids.arxiv == "cs/9605104"  # BibTeX has no id
    wipe(driver)
    order = [bib, pscp] if bibtex_first else [pscp, bib]
    for paper in order:
        _write(driver, [paper])
    nodes = _nodes(driver, GRATCH)
    assert len(nodes) == 1, nodes
    (node,) = nodes
    assert node["id"] == "arxiv:cs/9605104" and node["arxiv"] == "cs/9605104"
    assert set(node["sources"]) == {bib.source, pscp.source}  # type: ignore[arg-type]
    for paper in order:  # a re-run changes nothing
        _write(driver, [paper])
    assert _nodes(driver, GRATCH) == nodes
    wipe(driver)
    _write(driver, order)  # both in one batch: the same
    assert [n["id"] for n in _nodes(driver, GRATCH)] == ["arxiv:cs/9605104"]
    wipe(driver)


def test_same_title_and_year_other_first_author_are_two_papers(
    driver: Driver, bibtex: list[Paper]
) -> None:
    chapters = [p for p in _titled(bibtex, ACO) if p.year == 2011]
    assert len(chapters) == 2
    firsts = {p.authors[0].author.name for p in chapters}
    assert len(firsts) == 2  # different first authors, different books
    wipe(driver)
    _write(driver, chapters)
    in_2011 = [n for n in _nodes(driver, ACO) if n["year"] == 2011]
    assert len(in_2011) == 2, in_2011
    key = chapters[0].ids.title_key
    second = surname_key(chapters[1].authors[0].author.name)
    assert [n["id"] for n in in_2011] == [f"title:{key}", f"title:{key}#{second}"]
    _write(driver, chapters[::-1])  # a re-run, in the other order, changes nothing
    assert [n for n in _nodes(driver, ACO) if n["year"] == 2011] == in_2011
    wipe(driver)
    for chapter in chapters:  # one batch each: the second finds the first and stays apart
        _write(driver, [chapter])
    assert len([n for n in _nodes(driver, ACO) if n["year"] == 2011]) == 2
    wipe(driver)


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("bibtex_first", [True, False], ids=["bibtex-first", "paperscape-first"])
async def test_values_come_from_the_better_source_whatever_the_order(
    driver: Driver,
    neo4j_settings: Neo4jSettings,
    bibtex: list[Paper],
    paperscape_1996: list[Paper],
    bibtex_first: bool,
) -> None:
    """BibTeX ranks before Paperscape (graph.paper_values.SOURCE_PRECEDENCE): the merged paper
    shows BibTeX's values in either load order, and keeps what each source printed."""
    (bib,) = _titled(bibtex, GRATCH)
    (pscp,) = _titled(paperscape_1996, GRATCH)
    wipe(driver)
    for paper in [bib, pscp] if bibtex_first else [pscp, bib]:
        _write(driver, [paper])
    async with api_driver(neo4j_settings) as drv:
        got = await data(
            ReadScope(drv, DB, 30.0),
            """{ paper(id: "arxiv:cs/9605104") { title year valueSource
                 sourceValues { source title year venue } } }""",
        )
    wipe(driver)
    paper = got["paper"]
    assert source_rank(bib.source) < source_rank(pscp.source)
    assert paper["valueSource"] == bib.source and paper["title"] == bib.title
    assert paper["sourceValues"] == [
        {"source": p.source, "title": p.title, "year": p.year,
         "venue": p.venue.name if p.venue else None}
        for p in (bib, pscp)
    ]  # fmt: skip


def test_matching_keys_of_a_graph_written_before_are_migrated_once(
    driver: Driver, bibtex: list[Paper]
) -> None:
    """A graph written before venues carried ``name_key`` and title-keyed citation ends their
    ``title_key``: ``migrate`` sets both (what a load writes now), and a second run finds
    nothing to do."""
    from graph.schema import migrate

    wipe(driver)
    _write(driver, [p for p in bibtex if p.venue is not None][:50])
    driver.execute_query("MERGE (p:Paper {id: 'title:a cited work|1990'})", database_=DB)

    def keys() -> tuple[dict[str, object], dict[str, object]]:
        venues, _, _ = driver.execute_query(
            "MATCH (v:Venue) RETURN v.id AS id, v.name_key AS k", database_=DB
        )
        titled, _, _ = driver.execute_query(
            "MATCH (p:Paper) WHERE p.id STARTS WITH 'title:' RETURN p.id AS id, p.title_key AS k",
            database_=DB,
        )
        return {r["id"]: r["k"] for r in venues}, {r["id"]: r["k"] for r in titled}

    venue_keys, _ = keys()
    assert venue_keys and all(venue_keys.values())
    driver.execute_query("MATCH (v:Venue) REMOVE v.name_key", database_=DB)
    done = migrate(driver, DB)
    assert done["venue_name_keys_set"] == len(venue_keys) and done["title_keys_set"] >= 1
    after_venues, after_titles = keys()
    assert after_venues == venue_keys
    assert after_titles["title:a cited work|1990"] == "a cited work|1990"
    assert all(after_titles.values())
    again = migrate(driver, DB)
    assert again["venue_name_keys_set"] == 0 and again["title_keys_set"] == 0
    wipe(driver)
