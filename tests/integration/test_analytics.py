"""Analytics against the real Neo4j: export = expectations computed independently, filters,
stream vs write, result keys, provenance, and the Paperscape top-10 PageRank check."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import igraph as ig
import numpy as np
import pytest
from neo4j import Driver

from graph.analytics.export import EdgeList, export_edges
from graph.analytics.runs import analyze, latest_runs, latest_scores
from graph.analytics.spec import GraphKind, GraphSpec
from graph.errors import InputError
from graph.labels import Label
from graph.schema import backfill_in_field
from graph.stats import graph_stats
from tests.conftest import DATABASE

# -- a small graph written with Cypher, and the same facts as Python data ----------------------

CATEGORIES = {  # id -> parent
    "arxiv:physics": None,
    "arxiv:hep-th": "arxiv:physics",
    "arxiv:math": None,
    "arxiv:math.AG": "arxiv:math",
}
PAPERS = {  # id -> (year, category, venue, authors)
    "p1": (1990, "arxiv:hep-th", "v1", ["a", "b"]),
    "p2": (1991, "arxiv:hep-th", "v1", ["a", "b", "c"]),
    "p3": (1992, "arxiv:math.AG", "v2", ["c", "d"]),
    "p4": (1993, "arxiv:physics", "v2", ["d"]),
    "p5": (1994, "arxiv:math", "v1", ["d", "e"]),
    "p6": (1995, "arxiv:hep-th", "v2", ["a", "b"]),
    "p7": (1995, "arxiv:math", "v2", ["f"]),
}
STUB = "s1"
CITES = [
    ("p2", "p1"), ("p3", "p1"), ("p4", "p2"), ("p5", "p3"), ("p6", "p2"), ("p6", "p4"),
    ("p6", STUB), ("p1", STUB), ("p2", "p6"), ("p6", "p6"), ("p3", "p2"),
]  # fmt: skip
AUTHORS = sorted({a for *_, authors in PAPERS.values() for a in authors})

SETUP = """
UNWIND $cats AS c MERGE (:Category {id: c.id, name: c.id, scheme: 'arxiv'})
WITH count(*) AS _
UNWIND [c IN $cats WHERE c.parent IS NOT NULL] AS c
MATCH (child:Category {id: c.id}), (parent:Category {id: c.parent})
MERGE (child)-[:SUBCATEGORY_OF]->(parent)
WITH count(*) AS _
UNWIND $papers AS p
MERGE (v:Venue {id: p.venue})
CREATE (n:Paper {id: p.id, year: p.year, title: p.id})
CREATE (n)-[:PUBLISHED_IN]->(v)
WITH n, p MATCH (c:Category {id: p.cat}) CREATE (n)-[:IN_CATEGORY {primary: true}]->(c)
WITH n, p UNWIND range(0, size(p.authors) - 1) AS i
MERGE (a:Author {id: p.authors[i]})
CREATE (a)-[:AUTHORED {position: i + 1}]->(n)
WITH count(*) AS _
CREATE (:Paper {id: $stub, stub: true})
WITH count(*) AS _
UNWIND $cites AS e MATCH (a:Paper {id: e[0]}), (b:Paper {id: e[1]}) CREATE (a)-[:CITES]->(b)
"""


@pytest.fixture()
def small(db: Driver) -> Driver:
    db.execute_query(
        SETUP,
        cats=[{"id": c, "parent": p} for c, p in CATEGORIES.items()],
        papers=[
            {"id": k, "year": y, "cat": c, "venue": v, "authors": a}
            for k, (y, c, v, a) in PAPERS.items()
        ],
        stub=STUB,
        cites=[list(e) for e in CITES],
        database_=DATABASE,
    )
    backfill_in_field(db, DATABASE)  # the field membership the writers keep (docs/model.md)
    return db


def _ancestors(cat: str) -> set[str]:
    out = set()
    cur: str | None = cat
    while cur is not None:
        out.add(cur)
        cur = CATEGORIES[cur]
    return out


def _paper_ok(spec: GraphSpec, pid: str) -> bool:
    if pid == STUB:
        return not spec.has_paper_filter
    year, cat, venue, _ = PAPERS[pid]
    return (
        (spec.year_from is None or year >= spec.year_from)
        and (spec.year_to is None or year <= spec.year_to)
        and (not spec.categories or bool(_ancestors(cat) & set(spec.categories)))
        and (not spec.venues or venue in spec.venues)
    )


def expected(spec: GraphSpec) -> tuple[set[str], dict[tuple[str, str], int]]:
    """Node set and weighted edges computed in Python from the fixture's facts."""
    papers = [p for p in [*PAPERS, STUB] if _paper_ok(spec, p)]
    authors_of = {p: PAPERS[p][3] for p in papers if p != STUB}
    edges: Counter[tuple[str, str]] = Counter()
    if spec.kind is GraphKind.CITATION:
        nodes = set(papers)
        edges.update((a, b) for a, b in CITES if a in nodes and b in nodes)
    else:
        nodes = set(AUTHORS) if not spec.has_paper_filter else {
            a for authors in authors_of.values() for a in authors
        }  # fmt: skip
        if spec.kind is GraphKind.COAUTHORSHIP:
            for authors in authors_of.values():
                edges.update(itertools.combinations(sorted(authors), 2))
        else:
            for p, q in CITES:
                if p in authors_of and q in authors_of:
                    edges.update(
                        (a, b)
                        for a in authors_of[p]
                        for b in authors_of[q]
                        if a != b or spec.self_citations
                    )
    if spec.seeds:
        adj: dict[str, set[str]] = {n: set() for n in nodes}
        for a, b in edges:
            adj[a].add(b)
            adj[b].add(a)
        reach = {s for s in spec.seeds if s in nodes}
        frontier = set(reach)
        for _ in range(spec.hops):
            frontier = {m for n in frontier for m in adj[n]} - reach
            reach |= frontier
        nodes = reach
        edges = Counter({e: w for e, w in edges.items() if e[0] in nodes and e[1] in nodes})
    kept = {e: w for e, w in edges.items() if w >= spec.min_weight}
    return nodes, kept


def observed(edges: EdgeList) -> tuple[set[str], dict[tuple[str, str], int]]:
    ids = edges.node_ids
    w = edges.weight.tolist() if edges.weight is not None else [1.0] * edges.edge_count
    out: dict[tuple[str, str], int] = {}
    for s, t, x in zip(edges.src.tolist(), edges.dst.tolist(), w, strict=True):
        a, b = ids[s], ids[t]
        if not edges.directed:
            a, b = sorted((a, b))
        assert (a, b) not in out, "duplicate edge in export"
        out[(a, b)] = int(x)
    return set(ids), out


SPECS = [
    GraphSpec(GraphKind.CITATION),
    GraphSpec(GraphKind.COAUTHORSHIP),
    GraphSpec(GraphKind.AUTHOR_CITATION),
    GraphSpec(GraphKind.AUTHOR_CITATION, self_citations=True),
    GraphSpec(GraphKind.CITATION, year_from=1991, year_to=1994),
    GraphSpec(GraphKind.COAUTHORSHIP, year_from=1991),
    GraphSpec(GraphKind.CITATION, categories=("arxiv:physics",)),  # hep-th papers via subcategory
    GraphSpec(GraphKind.COAUTHORSHIP, categories=("arxiv:math",)),
    GraphSpec(GraphKind.AUTHOR_CITATION, categories=("arxiv:physics",), year_to=1994),
    GraphSpec(GraphKind.CITATION, venues=("v2",)),
    GraphSpec(GraphKind.COAUTHORSHIP, min_weight=2),
    GraphSpec(GraphKind.AUTHOR_CITATION, min_weight=2),
    GraphSpec(GraphKind.CITATION, seeds=("p3",), hops=1),
    GraphSpec(GraphKind.CITATION, seeds=("p3",), hops=2),
    GraphSpec(GraphKind.COAUTHORSHIP, seeds=("e",), hops=2),
    GraphSpec(GraphKind.COAUTHORSHIP, seeds=("e",), hops=0),
    GraphSpec(GraphKind.AUTHOR_CITATION, seeds=("f", "e"), hops=1),
    GraphSpec(GraphKind.COAUTHORSHIP, seeds=("a",), hops=3, year_from=1991),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.canonical_json())
def test_export_equals_independent_expectation(small: Driver, spec: GraphSpec) -> None:
    got = observed(export_edges(small, DATABASE, spec))
    assert got == expected(spec)


def test_whole_graph_counts_equal_cypher_counts(small: Driver) -> None:
    def count(q: str) -> int:
        records, _, _ = small.execute_query(q, database_=DATABASE)
        return int(records[0][0])

    cit = export_edges(small, DATABASE, GraphSpec(GraphKind.CITATION))
    assert cit.node_count == count("MATCH (p:Paper) RETURN count(p)")
    assert cit.edge_count == count("MATCH (:Paper)-[c:CITES]->(:Paper) RETURN count(c)")
    assert STUB in cit.node_ids  # stubs are nodes of the unfiltered citation graph
    co = export_edges(small, DATABASE, GraphSpec(GraphKind.COAUTHORSHIP))
    assert co.edge_count == count(
        "MATCH (a:Author)-[:AUTHORED]->(:Paper)<-[:AUTHORED]-(b:Author) WHERE a.id < b.id "
        "RETURN count(DISTINCT [a, b])"
    )
    assert co.weight is not None
    assert co.weight.sum() == count(
        "MATCH (a:Author)-[:AUTHORED]->(p:Paper)<-[:AUTHORED]-(b:Author) WHERE a.id < b.id "
        "RETURN count(*)"
    )


def test_stream_writes_nothing(small: Driver) -> None:
    before = graph_stats(small, DATABASE)
    outcome = analyze(small, DATABASE, GraphSpec(GraphKind.CITATION), "pagerank", top=3)
    assert outcome.run_id is None and len(outcome.top["pagerank"]) == 3
    assert graph_stats(small, DATABASE) == before
    records, _, _ = small.execute_query(
        "MATCH (n) WHERE n.pagerank IS NOT NULL RETURN count(n)", database_=DATABASE
    )
    assert records[0][0] == 0


def test_write_back_reads_back_the_same_numbers(small: Driver) -> None:
    spec = GraphSpec(GraphKind.CITATION)
    outcome = analyze(small, DATABASE, spec, "pagerank", write=True, top=100)
    streamed = {s.id: s.score for s in outcome.top["pagerank"]}
    assert len(streamed) == len(PAPERS) + 1
    stored = latest_scores(small, DATABASE, Label.PAPER, list(streamed))
    assert {k: v["pagerank"] for k, v in stored.items()} == streamed
    assert abs(sum(streamed.values()) - 1.0) < 1e-9
    # the same numbers as igraph on the independently computed edge list
    nodes, edges = expected(spec)
    order = sorted(nodes)
    g = ig.Graph(n=len(order), edges=[(order.index(a), order.index(b)) for a, b in edges],
                 directed=True)  # fmt: skip
    ref = dict(zip(order, g.pagerank(), strict=True))
    assert all(abs(ref[k] - v) < 1e-12 for k, v in streamed.items())


def test_whole_and_filtered_runs_keep_their_own_results(small: Driver) -> None:
    whole = GraphSpec(GraphKind.COAUTHORSHIP)
    part = GraphSpec(GraphKind.COAUTHORSHIP, year_to=1993)
    w = analyze(small, DATABASE, whole, "leiden", write=True)
    p = analyze(small, DATABASE, part, "leiden", write=True)
    d = analyze(small, DATABASE, whole, "degree", write=True, top=50)
    assert w.result_keys == {"community": "community"}
    assert p.result_keys == {"community": f"community_{part.hash}"}
    both = latest_scores(
        small, DATABASE, Label.AUTHOR, AUTHORS, keys=["community", f"community_{part.hash}"]
    )
    assert set(both["e"]) == {"community"}  # e has no paper up to 1993
    assert set(both["d"]) == {"community", f"community_{part.hash}"}
    assert all(isinstance(v, int) for s in both.values() for v in s.values())
    # default keys: every whole-graph result key (community and degree), not the filtered one
    default = latest_scores(small, DATABASE, Label.AUTHOR, ["a", "d"])
    assert set(default["d"]) == {"community", "degree"}
    assert default["a"]["degree"] == {s.id: s.score for s in d.top["degree"]}["a"]
    # rerunning on the filtered graph does not touch the whole-graph values
    analyze(small, DATABASE, part, "leiden", write=True, params={"resolution": 2.0})
    again = latest_scores(small, DATABASE, Label.AUTHOR, AUTHORS, keys=["community"])
    assert {k: v["community"] for k, v in again.items()} == {
        k: v["community"] for k, v in both.items()
    }


def test_analysis_run_provenance(small: Driver) -> None:
    spec = GraphSpec(GraphKind.CITATION, categories=("arxiv:physics",))
    outcome = analyze(small, DATABASE, spec, "pagerank", {"damping": 0.9}, write=True)
    (run,) = latest_runs(small, DATABASE, label=Label.PAPER, algorithm="pagerank")
    assert run["id"] == outcome.run_id
    assert GraphSpec.from_dict(run["graph"]) == spec
    assert run["parameters"]["damping"] == 0.9
    assert run["node_count"] == outcome.node_count == len(expected(spec)[0])
    assert run["edge_count"] == outcome.edge_count == len(expected(spec)[1])
    assert run["result_key"] == f"pagerank_{spec.hash}" and run["whole_graph"] is False
    assert run["duration_ms"] > 0 and run["created_at"].startswith("20")
    assert run["spec_hash"] == spec.hash and run["kind"] == "citation"


def test_stale_scores_are_removed_when_a_node_leaves_the_graph(small: Driver) -> None:
    spec = GraphSpec(GraphKind.COAUTHORSHIP)
    analyze(small, DATABASE, spec, "degree", write=True)
    small.execute_query("MATCH (a:Author {id: 'f'}) DETACH DELETE a", database_=DATABASE)
    small.execute_query("CREATE (:Author {id: 'g', degree: 99.0})", database_=DATABASE)
    analyze(small, DATABASE, spec, "degree", write=True)
    scores = latest_scores(small, DATABASE, Label.AUTHOR, ["g"])
    assert scores["g"]["degree"] == 0  # g is an isolated node of the graph now


def test_bad_inputs_are_input_errors(small: Driver) -> None:
    with pytest.raises(InputError, match="seeds"):
        analyze(small, DATABASE, GraphSpec(GraphKind.CITATION), "ppr", {"seeds": ["nope"]})
    with pytest.raises(InputError, match="identifier"):
        latest_scores(small, DATABASE, Label.PAPER, ["p1"], keys=["x} DETACH DELETE n //"])
    with pytest.raises(InputError, match="top"):
        analyze(small, DATABASE, GraphSpec(GraphKind.CITATION), "pagerank", top=0)


def test_personalized_pagerank_prefers_the_seed_neighbourhood(small: Driver) -> None:
    out = analyze(
        small, DATABASE, GraphSpec(GraphKind.CITATION), "ppr", {"seeds": ["p5"]}, write=True
    )
    top = [s.id for s in out.top["ppr"]]
    assert top[0] == "p5" and "p3" in top[:3]
    assert out.result_keys["ppr"].startswith("ppr_")


# -- Paperscape through the project loader -----------------------------------------------------


def _raw_top10(data_dir: Path) -> list[str]:
    nodes: dict[str, int] = {}
    src: list[int] = []
    dst: list[int] = []
    for path in sorted((data_dir / "paperscape-arxiv-1991-1996").glob("pscp-*.csv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line or line.startswith("#"):
                continue
            fields = line.split(";", 6)
            a = nodes.setdefault(fields[0], len(nodes))
            for ref in dict.fromkeys(r for r in fields[4].split(",") if r):
                src.append(a)
                dst.append(nodes.setdefault(ref, len(nodes)))
    g = ig.Graph(n=len(nodes), edges=list(zip(src, dst, strict=True)), directed=True)
    pr = np.asarray(g.pagerank())
    names = list(nodes)
    return [names[i] for i in np.argsort(-pr, kind="stable")[:10]]


def test_paperscape_top10_pagerank_equals_raw_computation(db: Driver, data_dir: Path) -> None:
    from loaders.writer import load_paths

    paths = sorted((data_dir / "paperscape-arxiv-1991-1996").glob("pscp-*.csv"))
    load_paths(db, DATABASE, paths, "paperscape")
    spec = GraphSpec(GraphKind.CITATION)
    edges = export_edges(db, DATABASE, spec)
    records, _, _ = db.execute_query(
        "MATCH (p:Paper) WITH count(p) AS n MATCH (:Paper)-[c:CITES]->(:Paper) "
        "RETURN n, count(c) AS m",
        database_=DATABASE,
    )
    assert (edges.node_count, edges.edge_count) == (records[0]["n"], records[0]["m"])
    assert edges.edge_count == 146_964
    outcome = analyze(db, DATABASE, spec, "pagerank", write=True, top=10)
    mine = [s.id.removeprefix("arxiv:") for s in outcome.top["pagerank"]]
    assert mine == _raw_top10(data_dir)
    co = export_edges(db, DATABASE, GraphSpec(GraphKind.COAUTHORSHIP))
    assert co.node_count > 25_000 and co.edge_count > 100_000
