"""igraph analytics vs networkx on graphs parsed directly from the raw Paperscape CSV files.

No database and no project loader: the files are split here (``split(';', 6)``, field 4 = the
referenced arXiv ids, field 5 = the authors) so a loader bug cannot hide an analytics bug.

Tolerances: PageRank values agree within 1e-6 (both solve the same linear system: igraph's
PRPACK directly, networkx by power iteration run to tol 1e-12). Community detection is
randomised, so modularity is compared within ``MODULARITY_TOLERANCE`` = 0.01 of networkx's
Louvain (observed gaps are ~0.001-0.005 on this graph).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from pathlib import Path

import igraph as ig
import networkx as nx
import numpy as np
import pytest

from graph.analytics import algorithms as alg
from graph.analytics.export import EdgeList, to_igraph, to_igraph_per_edge
from graph.analytics.interchange import to_networkx, write_graph
from graph.analytics.queries import clear_stale_query, export_query, write_scores_query
from graph.analytics.runs import result_key
from graph.analytics.spec import GraphKind, GraphSpec
from graph.errors import InputError
from graph.labels import Label

MODULARITY_TOLERANCE = 0.01


def _raw_lines(data_dir: Path) -> list[list[str]]:
    rows = []
    for path in sorted((data_dir / "paperscape-arxiv-1991-1996").glob("pscp-*.csv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                rows.append(line.split(";", 6))
    return rows


@pytest.fixture(scope="module")
def raw(data_dir: Path) -> list[list[str]]:
    rows = _raw_lines(data_dir)
    assert len(rows) == 49_264  # SOURCE.md
    return rows


@pytest.fixture(scope="module")
def citation(raw: list[list[str]]) -> EdgeList:
    """Nodes: every arXiv id seen as a paper or a reference target; edges: distinct citations."""
    nodes: dict[str, None] = {}
    src: list[str] = []
    dst: list[str] = []
    for fields in raw:
        nodes.setdefault(fields[0])
        for ref in dict.fromkeys(r for r in fields[4].split(",") if r):
            nodes.setdefault(ref)
            src.append(fields[0])
            dst.append(ref)
    return EdgeList.from_ids(GraphSpec(GraphKind.CITATION), list(nodes), src, dst)


@pytest.fixture(scope="module")
def coauthorship(raw: list[list[str]]) -> EdgeList:
    weights: Counter[tuple[str, str]] = Counter()
    nodes: dict[str, None] = {}
    for fields in raw:
        authors = sorted({a for a in fields[5].split(",") if a})
        nodes.update(dict.fromkeys(authors))
        weights.update(itertools.combinations(authors, 2))
    pairs = list(weights)
    return EdgeList.from_ids(
        GraphSpec(GraphKind.COAUTHORSHIP),
        list(nodes),
        [a for a, _ in pairs],
        [b for _, b in pairs],
        [weights[p] for p in pairs],
    )


# -- the graph build ---------------------------------------------------------------------------


def test_citation_graph_matches_the_source_statistics(citation: EdgeList) -> None:
    g = to_igraph(citation)
    assert g.is_directed()
    assert g.ecount() == 146_964  # SOURCE.md: sum of num-found-refs
    assert g.vcount() == citation.node_count
    assert sum(1 for e in g.es if e.source == e.target) == 30  # the 30 self-citations


def test_array_build_equals_per_edge_build(coauthorship: EdgeList) -> None:
    fast = to_igraph(coauthorship)
    slow = to_igraph_per_edge(coauthorship)
    assert (fast.vcount(), fast.ecount()) == (coauthorship.node_count, coauthorship.edge_count)
    # TupleList drops isolated vertices: compare on the vertices that have edges
    assert slow.ecount() == fast.ecount()
    assert sum(fast.es["weight"]) == sum(slow.es["weight"])


# -- igraph vs networkx ------------------------------------------------------------------------


def test_pagerank_equals_networkx(citation: EdgeList) -> None:
    mine = alg.pagerank(to_igraph(citation)).values["pagerank"]
    ref = nx.pagerank(to_networkx(citation), alpha=0.85, tol=1e-12, max_iter=1000)
    theirs = np.array([ref[i] for i in citation.node_ids])
    assert math.isclose(mine.sum(), 1.0, abs_tol=1e-9)
    assert np.max(np.abs(mine - theirs)) < 1e-6
    assert list(np.argsort(-mine)[:10]) == list(np.argsort(-theirs)[:10])


def test_weighted_pagerank_equals_networkx(coauthorship: EdgeList) -> None:
    mine = alg.pagerank(to_igraph(coauthorship)).values["pagerank"]
    ref = nx.pagerank(to_networkx(coauthorship), weight="weight", tol=1e-12, max_iter=1000)
    theirs = np.array([ref[i] for i in coauthorship.node_ids])
    assert np.max(np.abs(mine - theirs)) < 1e-6


def test_personalized_pagerank_equals_networkx(citation: EdgeList) -> None:
    seeds = [citation.node_ids.index("hep-th/9407087")]
    mine = alg.personalized_pagerank(to_igraph(citation), seeds).values["ppr"]
    nxg = to_networkx(citation)
    ref = nx.pagerank(nxg, personalization={"hep-th/9407087": 1.0}, tol=1e-12, max_iter=1000)
    theirs = np.array([ref[i] for i in citation.node_ids])
    assert np.max(np.abs(mine - theirs)) < 1e-6


def test_component_counts_equal_networkx(citation: EdgeList, coauthorship: EdgeList) -> None:
    for edges in (citation, coauthorship):
        mine = alg.components(to_igraph(edges))
        nxg = to_networkx(edges)
        expected = (
            nx.number_weakly_connected_components(nxg)
            if edges.directed
            else nx.number_connected_components(nxg)
        )
        assert len(mine.community_sizes) == expected
        assert sum(mine.community_sizes) == edges.node_count
        assert mine.values["component"].max() == expected - 1


def test_communities_reach_networkx_louvain_modularity(coauthorship: EdgeList) -> None:
    nxg = to_networkx(coauthorship)
    parts = nx.community.louvain_communities(nxg, weight="weight", seed=42)
    reference = nx.community.modularity(nxg, parts, weight="weight")
    g = to_igraph(coauthorship)
    for result in (alg.leiden(g), alg.louvain(g)):
        assert result.modularity is not None
        assert result.modularity > reference - MODULARITY_TOLERANCE, result.parameters
        assert sum(result.community_sizes) == coauthorship.node_count
        # the reported modularity is the modularity of the returned membership (networkx)
        membership = result.values[result.primary].astype(int)
        groups: dict[int, set[str]] = {}
        for node, c in zip(coauthorship.node_ids, membership.tolist(), strict=True):
            groups.setdefault(c, set()).add(node)
        q = nx.community.modularity(nxg, groups.values(), weight="weight")
        assert abs(q - result.modularity) < 1e-9


def test_leidenalg_backend_on_the_karate_club() -> None:
    # leidenalg is the slower backend (28-79 s on the co-authorship graph): a small graph here
    nxg = nx.karate_club_graph()
    parts = nx.community.louvain_communities(nxg, weight=None, seed=42)
    reference = nx.community.modularity(nxg, parts, weight=None)
    result = alg.leiden(ig.Graph.Famous("Zachary"), backend="leidenalg")
    assert result.modularity is not None
    assert result.modularity > reference - MODULARITY_TOLERANCE
    assert result.parameters["backend"] == "leidenalg"


def test_bounded_leiden_iterations_stay_close_to_the_stable_partition(
    coauthorship: EdgeList,
) -> None:
    g = to_igraph(coauthorship)
    stable = alg.leiden(g)
    one = alg.leiden(g, iterations=1)
    assert stable.parameters["iterations"] == -1 and one.parameters["iterations"] == 1
    assert stable.modularity is not None and one.modularity is not None
    assert one.modularity <= stable.modularity + 1e-9  # more iterations never lose modularity
    assert one.modularity > stable.modularity - 0.02


def test_resolution_changes_the_number_of_communities(coauthorship: EdgeList) -> None:
    g = to_igraph(coauthorship)
    coarse = alg.leiden(g, resolution=0.1)
    fine = alg.leiden(g, resolution=5.0)
    assert len(fine.community_sizes) > len(coarse.community_sizes)


def test_betweenness_exact_equals_networkx_and_cutoff_is_reported() -> None:
    g = ig.Graph.Famous("Zachary")
    exact = alg.betweenness(g)
    ref = nx.betweenness_centrality(nx.karate_club_graph(), normalized=False)
    assert np.allclose(exact.values["betweenness"], [ref[i] for i in range(34)])
    assert exact.parameters == {"cutoff": None, "exact": True}
    limited = alg.betweenness(g, exact_threshold=10)
    assert limited.parameters == {"cutoff": alg.DEFAULT_PATH_CUTOFF, "exact": False}


def test_centralities_on_small_graphs_equal_networkx() -> None:
    g = ig.Graph.Famous("Zachary")
    nxg = nx.karate_club_graph()
    h = alg.harmonic(g).values["harmonic"]
    ref = nx.harmonic_centrality(nxg)
    assert np.allclose(h, [ref[i] / 33 for i in range(34)])
    ev = alg.eigenvector(g, weighted=False).values["eigenvector"]
    ref = nx.eigenvector_centrality_numpy(nxg)
    assert np.allclose(ev / ev.max(), np.array([ref[i] for i in range(34)]) / max(ref.values()))
    core = alg.coreness(g).values["coreness"]
    assert core.tolist() == [nx.core_number(nxg)[i] for i in range(34)]
    d = ig.Graph([(0, 1), (0, 2), (1, 2), (3, 2)], directed=True)
    assert alg.degree(d).values["degree"].tolist() == [0, 1, 3, 0]  # citations received
    hits = alg.hits(d)
    hub, auth = nx.hits(nx.DiGraph([(0, 1), (0, 2), (1, 2), (3, 2)]))
    mine_auth = hits.values["authority"]
    assert np.argmax(mine_auth) == max(auth, key=lambda k: auth[k])
    assert np.argmax(hits.values["hub"]) == max(hub, key=lambda k: hub[k])


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("damping", [0, 1, 1.5, -0.1, True])
def test_bad_damping_is_rejected(damping: float) -> None:
    with pytest.raises(InputError, match="damping"):
        alg.pagerank(ig.Graph(3), damping=damping)


@pytest.mark.parametrize("resolution", [0, -1, float("nan"), float("inf")])
def test_bad_resolution_is_rejected(resolution: float) -> None:
    with pytest.raises(InputError, match="resolution"):
        alg.leiden(ig.Graph(3), resolution=resolution)
    with pytest.raises(InputError, match="resolution"):
        alg.louvain(ig.Graph(3), resolution=resolution)


def test_other_parameter_errors() -> None:
    with pytest.raises(InputError, match="directed"):
        alg.hits(ig.Graph(3))
    with pytest.raises(InputError, match="seeds"):
        alg.personalized_pagerank(ig.Graph(3), [])
    with pytest.raises(InputError, match="seeds"):
        alg.personalized_pagerank(ig.Graph(3), [7])
    with pytest.raises(InputError, match="cutoff"):
        alg.betweenness(ig.Graph(3), cutoff=0)
    with pytest.raises(InputError, match="algorithm"):
        alg.run_algorithm("pagernk", ig.Graph(3))
    with pytest.raises(InputError, match="parameters"):
        alg.run_algorithm("pagerank", ig.Graph(3), resolution=1.0)
    with pytest.raises(InputError, match="backend"):
        alg.leiden(ig.Graph(3), backend="networkx")  # type: ignore[arg-type]
    for bad in (0, -2, 1.5):
        with pytest.raises(InputError, match="iterations"):
            alg.leiden(ig.Graph(3), iterations=bad)  # type: ignore[arg-type]


def test_empty_graph_gives_empty_results() -> None:
    g = ig.Graph(0, directed=True)
    for name in alg.ALGORITHMS:
        if name in alg.SEEDED:  # need seed nodes
            continue
        result = alg.run_algorithm(name, g)
        assert all(v.size == 0 for v in result.values.values()), name


# -- spec --------------------------------------------------------------------------------------


def test_spec_canonical_json_and_hash_are_stable() -> None:
    a = GraphSpec("citation", categories=("arxiv:hep-th", "arxiv:hep-ph", "arxiv:hep-th"))  # type: ignore[arg-type]
    b = GraphSpec(GraphKind.CITATION, categories=("arxiv:hep-ph", "arxiv:hep-th"))
    assert a == b and a.hash == b.hash and len(a.hash) == 10
    assert a.canonical_json() == b.canonical_json()
    assert GraphSpec.from_dict(a.as_dict()) == a
    assert a.hash != GraphSpec(GraphKind.CITATION).hash
    assert GraphSpec(GraphKind.COAUTHORSHIP).hash != GraphSpec(GraphKind.AUTHOR_CITATION).hash
    assert GraphSpec(GraphKind.CITATION).is_whole_graph and not a.is_whole_graph


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"kind": "friendship"}, "graph"),
        ({"kind": "citation", "year_from": 2000, "year_to": 1999}, "year_to"),
        ({"kind": "citation", "year_from": 99999}, "year_from"),
        ({"kind": "citation", "hops": 4, "seeds": ("arxiv:x",)}, "hops"),
        ({"kind": "coauthorship", "min_weight": 0}, "min_weight"),
        ({"kind": "citation", "min_weight": 2}, "min_weight"),
        ({"kind": "coauthorship", "self_citations": True}, "self_citations"),
        ({"kind": "citation", "seeds": ("",)}, "seeds"),
        ({"kind": "citation", "categories": "arxiv:hep-th"}, "categories"),
    ],
)
def test_spec_validation_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        GraphSpec(**kwargs)  # type: ignore[arg-type]
    assert info.value.argument == field


def test_result_keys_separate_subgraphs() -> None:
    whole = GraphSpec(GraphKind.CITATION)
    filtered = GraphSpec(GraphKind.CITATION, year_from=1995)
    assert result_key(whole, "pagerank") == "pagerank"
    assert result_key(filtered, "pagerank") == f"pagerank_{filtered.hash}"
    assert result_key(GraphSpec(GraphKind.AUTHOR_CITATION), "pagerank") == "citation_pagerank"
    a = result_key(whole, "ppr", {"seeds": ["arxiv:a"]})
    assert a.startswith("ppr_") and a != result_key(whole, "ppr", {"seeds": ["arxiv:b"]})


def test_injection_through_property_names_is_refused() -> None:
    evil = "x = 1 WITH n MATCH (m) DETACH DELETE m //"
    with pytest.raises(InputError, match="identifier"):
        write_scores_query(Label.PAPER, [evil])
    with pytest.raises(InputError, match="identifier"):
        clear_stale_query(Label.AUTHOR, [evil])


def test_export_query_uses_parameters_for_values() -> None:
    spec = GraphSpec(
        GraphKind.COAUTHORSHIP,
        categories=("arxiv:cs.CL' })-[:X]-(n) DETACH DELETE n //",),
        venues=("v",),
        year_from=1990,
        seeds=("name:a",),
        hops=2,
    )
    q = export_query(spec)
    assert "DETACH" not in q and "arxiv:" not in q and "1990" not in q
    assert "$categories" in q and "$venues" in q and "$seeds" in q and "{0,2}" in q


def test_interchange_files(coauthorship: EdgeList, tmp_path: Path) -> None:
    small = EdgeList.from_ids(
        GraphSpec(GraphKind.COAUTHORSHIP), ["a", "b", "c", "d"], ["a", "b"], ["b", "c"], [2, 1]
    )
    for fmt in ("graphml", "gexf"):
        (path,) = write_graph(small, fmt, tmp_path / f"g.{fmt}")
        back = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
        assert back.number_of_nodes() == 4 and back.number_of_edges() == 2
        assert back["a"]["b"]["weight"] == 2
    edges_csv, nodes_csv = write_graph(small, "csv", tmp_path / "g.csv")
    assert edges_csv.read_text().splitlines() == ["source,target,weight", "a,b,2", "b,c,1"]
    assert nodes_csv.read_text().splitlines()[1:] == ["a,1", "b,2", "c,1", "d,0"]
    with pytest.raises(InputError, match="format"):
        write_graph(small, "pajek", tmp_path / "g.net")


def test_concurrent_seeded_runs_equal_sequential_runs(
    coauthorship: EdgeList, monkeypatch: pytest.MonkeyPatch
) -> None:
    """igraph's RNG is process-wide: seeded Leiden/Louvain runs in threads at the same time
    must give what the same runs give one after another. A thread switch right after a run
    installs its generator (forced here by a short sleep) is where unguarded runs mix up."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    real = ig.set_random_number_generator

    def set_then_yield(generator: object) -> None:
        real(generator)
        time.sleep(0.01)

    monkeypatch.setattr(alg.ig, "set_random_number_generator", set_then_yield)
    g = to_igraph(coauthorship)
    jobs = [("leiden", seed) for seed in (1, 2, 3, 4)] + [("louvain", seed) for seed in (5, 6)]

    def run(job: tuple[str, int]) -> list[float]:
        name, seed = job
        result = alg.run_algorithm(name, g, seed=seed)
        return list(result.values[result.primary].tolist())

    sequential = [run(j) for j in jobs]
    with ThreadPoolExecutor(len(jobs)) as pool:
        for _ in range(3):
            assert list(pool.map(run, jobs)) == sequential


def test_staged_and_publish_queries_check_property_names() -> None:
    from graph.analytics.queries import drop_staged_query, publish_query, staged_property

    staged = staged_property("pagerank", "r0123456789ab")
    assert staged == "pagerank__r0123456789ab"
    text = publish_query(Label.PAPER, ["pagerank"], [staged])
    assert "n.pagerank = n.pagerank__r0123456789ab" in text
    assert "REMOVE" not in text  # one change per node and output; staged copies dropped after
    evil = "x} DETACH DELETE n //"
    for build in (
        lambda: staged_property(evil, "r1"),
        lambda: publish_query(Label.PAPER, [evil], [staged]),
        lambda: drop_staged_query(Label.PAPER, [evil]),
    ):
        with pytest.raises(InputError):
            build()
