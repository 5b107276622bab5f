"""Author identity on the full sample graph (what ``make load`` loads, in its order): people
who share a printed name stay apart unless evidence joins them, and a name-only authorship
moves to a strong-id author only on the clustering's own evidence.

Expectations come from the samples themselves, read with the product's loaders: which papers
print which name, and which source id a strong-id author has."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver

from graph.author_clustering import given_names_compatible, split_name
from graph.ids import names_compatible, normalize_name
from loaders.detect import expand, parse_unit, plan
from loaders.records import Paper
from loaders.writer import load_paths
from tests.conftest import wipe

DB = "neo4j"
SAMPLES = ["profile-page", "arxiv-api-atom", "arxiv-kaggle-snapshot", "openalex-works-api",
           "s2-graph-api-paper", "aminer-dblp-v12", "dblp-xml", "bibtex-iridia",
           "paperscape-arxiv-1991-1996"]  # fmt: skip


def _papers(folder: Path) -> list[Paper]:
    out: list[Paper] = []
    for unit, module in plan(expand([folder]), None):
        assert not isinstance(module, Exception)
        out.extend(r for r in parse_unit(unit, module) if isinstance(r, Paper))
    return out


@pytest.fixture(scope="module")
def records(data_dir: Path) -> dict[str, list[Paper]]:
    return {s: _papers(data_dir / s) for s in SAMPLES}


@pytest.fixture(scope="module")
def graph(driver: Driver, data_dir: Path) -> Iterator[Driver]:
    wipe(driver)
    load_paths(driver, DB, [data_dir / s for s in SAMPLES])
    yield driver
    wipe(driver)


def _printing(papers: list[Paper], name: str) -> list[tuple[Paper, str]]:
    """(paper, printed form) for every paper that prints ``name`` (by its name key)."""
    key = normalize_name(name)
    return [
        (p, a.raw_name or a.author.name)
        for p in papers
        for a in p.authors
        if normalize_name(a.author.name) == key
    ]


AUTHOR_OF = """
UNWIND $rows AS row
MATCH (a:Author)-[r:AUTHORED]->(p:Paper)
WHERE (p.title_key = row.title_key OR p.arxiv_id = row.arxiv OR p.doi = row.doi)
  AND r.raw_name = row.printed
RETURN row.i AS i, a.id AS author, a.s2_id AS s2, a.name AS name
"""


def _authors(driver: Driver, found: list[tuple[Paper, str]]) -> dict[int, set[str]]:
    rows = [
        {"i": i, "title_key": p.ids.title_key, "arxiv": p.ids.arxiv, "doi": p.ids.doi,
         "printed": printed}
        for i, (p, printed) in enumerate(found)
    ]  # fmt: skip
    records, _, _ = driver.execute_query(AUTHOR_OF, rows=rows, database_=DB)
    out: dict[int, set[str]] = {}
    for r in records:
        out.setdefault(r["i"], set()).add(r["author"])
    return out


@pytest.mark.parametrize("name", ["Ke Li", "Hao Yu"])
def test_one_printed_name_in_two_sources_is_two_people(
    graph: Driver, records: dict[str, list[Paper]], name: str
) -> None:
    """The profile page's co-author (LLM papers, 2025) and the BibTeX bibliography's author
    (evolutionary computation; the Rmpi R package) share no Author node."""
    page = _printing(records["profile-page"], name)
    bib = _printing(records["bibtex-iridia"], name)
    assert page and bib
    on_page = set().union(*_authors(graph, page).values())
    in_bib = set().union(*_authors(graph, bib).values())
    assert on_page and in_bib
    assert not on_page & in_bib


def _s2_author(records: dict[str, list[Paper]], name: str) -> str:
    ids = {
        a.author.s2
        for p in records["s2-graph-api-paper"]
        for a in p.authors
        if a.author.name == name and a.author.s2
    }
    assert len(ids) == 1, ids
    return ids.pop()


def _written_by(driver: Driver, s2_id: str, found: list[tuple[Paper, str]]) -> int:
    records, _, _ = driver.execute_query(
        "UNWIND $papers AS row MATCH (:Author {s2_id: $s2})-[:AUTHORED]->(p:Paper) "
        "WHERE p.title_key = row.title_key OR p.arxiv_id = row.arxiv RETURN count(p) AS n",
        s2=s2_id,
        papers=[{"title_key": p.ids.title_key, "arxiv": p.ids.arxiv} for p, _ in found],
        database_=DB,
    )
    return int(records[0]["n"])


def test_old_hep_th_papers_are_not_given_to_a_namesake_with_an_s2_id(
    graph: Driver, records: dict[str, list[Paper]]
) -> None:
    """D.K. Park's 1994–96 hep-th papers (Paperscape, name-only) stay off S2's Donghwi Park
    (a 2023 review): the names fit, the years do not."""
    park = _printing(records["paperscape-arxiv-1991-1996"], "D.K.Park")
    assert len(park) >= 6
    assert _written_by(graph, _s2_author(records, "Donghwi Park"), park) == 0
    assert all(_authors(graph, park).values())


def test_other_given_names_are_never_relinked(
    graph: Driver, records: dict[str, list[Paper]]
) -> None:
    """Xingya, Xin-Nian and Xinran Wang are not S2's Xiaolei Wang."""
    everything = [p for s in SAMPLES if s != "s2-graph-api-paper" for p in records[s]]
    others = [f for n in ("Xingya Wang", "Xin-Nian Wang", "Xinran Wang")
              for f in _printing(everything, n)]  # fmt: skip
    assert len({printed for _p, printed in others}) >= 3
    assert _written_by(graph, _s2_author(records, "Xiaolei Wang"), others) == 0


def test_the_profile_paper_lists_the_people_it_prints(
    graph: Driver, records: dict[str, list[Paper]]
) -> None:
    """ "Thought Communication in Multiagent Collaboration": every author node's name fits the
    name printed on the page (Yujia Zheng and Zijian Li, not a namesake with an S2 id)."""
    paper = next(p for p in records["profile-page"] if p.title.startswith("Thought Communication"))
    printed = {a.raw_name or a.author.name for a in paper.authors}
    rows, _, _ = graph.execute_query(
        "MATCH (a:Author)-[r:AUTHORED]->(p:Paper {title_key: $k}) "
        "RETURN r.raw_name AS printed, a.name AS name",
        k=paper.ids.title_key,
        database_=DB,
    )
    assert {r["printed"] for r in rows} == printed
    for r in rows:
        given_printed, surname = split_name(normalize_name(r["printed"]))
        given_node, node_surname = split_name(normalize_name(r["name"]))
        assert node_surname == surname
        assert given_names_compatible(given_printed, given_node), (r["printed"], r["name"])


def test_one_slot_of_an_author_list_is_one_authorship(graph: Driver) -> None:
    """Two sources printing one author list ("J.Gratch" and "Jonathan Gratch", both first)
    give one authorship per slot: no paper holds two authorships at one position under
    compatible names."""
    rows, _, _ = graph.execute_query(
        "MATCH (a:Author)-[r:AUTHORED]->(p:Paper) WHERE r.position IS NOT NULL "
        "WITH p, r.position AS pos, collect(r.raw_name) AS printed WHERE size(printed) > 1 "
        "RETURN p.id AS paper, pos, printed",
        database_=DB,
    )
    doubled = [
        (r["paper"], r["pos"], r["printed"])
        for r in rows
        if any(
            names_compatible(a, b)
            for i, a in enumerate(r["printed"])
            for b in r["printed"][i + 1 :]
        )
    ]
    assert not doubled, doubled[:5]


def test_one_work_printed_by_bibtex_and_paperscape_is_one_paper(
    graph: Driver, records: dict[str, list[Paper]]
) -> None:
    """Gratch & Chien 1996 is BibTeX ``GraChi1996jair`` (no id) and Paperscape ``cs/9605104``:
    one node, in the order ``make load`` uses (both orders: test_paper_matching.py)."""
    title = "Adaptive Problem-solving for Large-scale Scheduling Problems"
    (bib,) = [p for p in records["bibtex-iridia"] if p.title and p.title.startswith(title)]
    rows, _, _ = graph.execute_query(
        "MATCH (p:Paper) WHERE p.title_key STARTS WITH $t RETURN p.id AS id, p.sources AS s",
        t=(bib.ids.title_key or "").rpartition("|")[0],
        database_=DB,
    )
    assert [(r["id"], sorted(r["s"])) for r in rows] == [
        ("arxiv:cs/9605104", sorted({"bibtex", "paperscape"}))
    ]


def test_one_venue_under_several_source_ids_is_one_node(graph: Driver) -> None:
    """IEEE Transactions on Evolutionary Computation is a BibTeX journal (``name:`` id) and an
    S2 venue (``s2-venue:`` id): one node. Generally, venues that share a normalised name are
    apart only when their ISSNs differ."""
    from graph.ids import normalize_title

    rows, _, _ = graph.execute_query(
        "MATCH (v:Venue) WHERE v.name_key IS NOT NULL "
        "WITH v.name_key AS key, collect(v.issn) AS issns, count(v) AS n WHERE n > 1 "
        "RETURN key, issns, n",
        database_=DB,
    )
    assert all(len(set(r["issns"])) == r["n"] for r in rows), [dict(r) for r in rows][:5]
    tec, _, _ = graph.execute_query(
        "MATCH (v:Venue {name_key: $k}) RETURN v.id AS id, v.alt_ids AS alt",
        k=normalize_title("IEEE Transactions on Evolutionary Computation"),
        database_=DB,
    )
    assert len(tec) == 1, [dict(r) for r in tec]
    ids = {tec[0]["id"], *(tec[0]["alt"] or [])}
    assert any(i.startswith("s2-venue:") for i in ids) and any(i.startswith("name:") for i in ids)
