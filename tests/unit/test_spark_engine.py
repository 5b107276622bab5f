"""The Spark engine's contract without a JVM: what it accepts (errors name the engine and the
algorithm), its settings, the parameter-free row queries the connector runs, the igraph
counterparts of GraphX's algorithms, and the compose profile of a Spark cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
import pytest
import yaml

from graph.analytics import queries
from graph.analytics.algorithms import ALGORITHMS, PARAMETERS, SEEDED, run_algorithm
from graph.analytics.runs import result_key
from graph.analytics.spark.engine import SPARK_ALGORITHMS, check_params
from graph.analytics.spec import GraphKind, GraphSpec
from graph.errors import InputError
from graph.settings import SparkSettings

ROOT = Path(__file__).resolve().parents[2]


# -- what the engine accepts -------------------------------------------------------------------


def test_every_spark_algorithm_is_a_registry_algorithm() -> None:
    assert set(SPARK_ALGORITHMS) <= set(ALGORITHMS)
    assert {"pagerank", "ppr", "components", "scc", "label_propagation", "triangles",
            "distance"} == set(SPARK_ALGORITHMS)  # fmt: skip


@pytest.mark.parametrize("algorithm", sorted(set(ALGORITHMS) - set(SPARK_ALGORITHMS)))
def test_algorithms_graphx_lacks_are_refused_naming_engine_and_algorithm(algorithm: str) -> None:
    with pytest.raises(InputError) as e:
        check_params(algorithm, {})
    assert "spark" in str(e.value) and algorithm in str(e.value)
    assert "igraph" in str(e.value)


@pytest.mark.parametrize(
    ("algorithm", "params", "field"),
    [
        ("pagerank", {"weighted": True}, "weighted"),
        ("pagerank", {"cutoff": 3}, "parameters"),
        ("pagerank", {"iterations": 0}, "iterations"),
        ("pagerank", {"damping": 1.5}, "damping"),
        ("pagerank", {"tolerance": -1}, "tolerance"),
        ("label_propagation", {"seed": 3}, "seed"),
        ("ppr", {}, "seeds"),
        ("ppr", {"seeds": [f"p{i}" for i in range(21)]}, "seeds"),
        ("distance", {"seeds": []}, "seeds"),
        ("nonsense", {}, "algorithm"),
    ],
)
def test_bad_parameters_name_the_field(algorithm: str, params: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as e:
        check_params(algorithm, params)
    assert e.value.argument == field


def test_engine_parameters_and_registry_parameters_are_accepted() -> None:
    check_params("pagerank", {"damping": 0.8, "iterations": 5, "weighted": False})
    check_params("pagerank", {"tolerance": 1e-6})
    check_params("ppr", {"seeds": ["a", "b"], "damping": 0.85})
    check_params("scc", {"iterations": 10})
    check_params("distance", {"seeds": ["a"]})


# -- settings -----------------------------------------------------------------------------------


def test_spark_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert SparkSettings().master == "local[*]"
    monkeypatch.setenv("SCHOLARGRAPH_SPARK_MASTER", "spark://10.0.0.5:7077")
    monkeypatch.setenv("SCHOLARGRAPH_SPARK_SHUFFLE_PARTITIONS", "64")
    settings = SparkSettings()
    assert settings.master == "spark://10.0.0.5:7077" and settings.shuffle_partitions == 64
    monkeypatch.setenv("SCHOLARGRAPH_SPARK_SHUFFLE_PARTITIONS", "0")
    with pytest.raises(ValueError):
        SparkSettings()


def test_the_pinned_pyspark_is_the_connector_build() -> None:
    """The connector jar is built for Scala 2.12 and Spark 3: pyspark 3.5 is that build."""
    text = (ROOT / "pyproject.toml").read_text()
    assert 'spark = ["pyspark==3.5.' in text
    assert "_2.12:" in SparkSettings().connector and "for_spark_3" in SparkSettings().connector
    lock = (ROOT / "requirements.lock").read_text()
    assert "\npyspark==3.5." in lock and "\npy4j==" in lock


# -- the connector's row queries ----------------------------------------------------------------


@pytest.mark.parametrize("kind", list(GraphKind))
def test_row_queries_of_whole_graphs_need_no_parameter(kind: GraphKind) -> None:
    spec = GraphSpec(kind)
    for query in (queries.node_rows_query(spec), queries.edge_rows_query(spec)):
        assert "$" not in query
    assert queries.node_rows_query(spec).endswith("RETURN id(n) AS key, n.id AS id")
    assert "RETURN id(a) AS src, id(b) AS dst" in queries.edge_rows_query(spec)


@pytest.mark.parametrize(
    "spec",
    [
        GraphSpec(GraphKind.CITATION, year_from=2000),
        GraphSpec(GraphKind.COAUTHORSHIP, min_weight=2),
        GraphSpec(GraphKind.COAUTHORSHIP, seeds=("a",)),
        GraphSpec(GraphKind.AUTHOR_CITATION, self_citations=True),
    ],
)
def test_row_queries_refuse_specs_with_values(spec: GraphSpec) -> None:
    with pytest.raises(ValueError):
        queries.edge_rows_query(spec)


# -- the igraph counterparts of GraphX's algorithms ---------------------------------------------


def _random_digraph(seed: int) -> ig.Graph:
    rng = np.random.default_rng(seed)
    g = ig.Graph(n=60, directed=True)
    g.add_edges(rng.integers(0, 60, size=(150, 2)).tolist())
    return g


def _nx(g: ig.Graph) -> nx.MultiDiGraph:
    h = nx.MultiDiGraph()
    h.add_nodes_from(range(g.vcount()))
    h.add_edges_from(g.get_edgelist())
    return h


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_triangles_match_networkx_on_the_simple_undirected_view(seed: int) -> None:
    g = _random_digraph(seed)
    simple = nx.Graph(_nx(g).to_undirected())
    simple.remove_edges_from(nx.selfloop_edges(simple))
    expected = nx.triangles(simple)
    got = run_algorithm("triangles", g).values["triangles"]
    assert got.tolist() == [float(expected[i]) for i in range(g.vcount())]
    assert got.sum() > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_distance_is_hops_to_the_nearest_seed_along_the_edges(seed: int) -> None:
    g = _random_digraph(seed)
    h = _nx(g)
    seeds = [0, 7]
    got = run_algorithm("distance", g, seeds=seeds).values["distance"]
    for v in range(g.vcount()):
        hops = [nx.shortest_path_length(h, v, s) for s in seeds if nx.has_path(h, v, s)]
        assert got[v] == (min(hops) if hops else -1)
    assert (got == -1).any() and (got > 1).any()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_strong_components_match_networkx(seed: int) -> None:
    g = _random_digraph(seed)
    got = run_algorithm("scc", g).values["scc"]
    parts = {frozenset(c) for c in nx.strongly_connected_components(_nx(g))}
    mine: dict[float, set[int]] = {}
    for v, c in enumerate(got.tolist()):
        mine.setdefault(c, set()).add(v)
    assert {frozenset(c) for c in mine.values()} == parts
    assert len(mine[0.0]) == max(len(c) for c in parts)  # 0 is the largest


def test_label_propagation_is_seeded_and_finds_two_cliques() -> None:
    g = ig.Graph.Full(6) + ig.Graph.Full(6)
    g.add_edge(0, 6)
    a = run_algorithm("label_propagation", g, seed=1).values["label_propagation"]
    b = run_algorithm("label_propagation", g, seed=1).values["label_propagation"]
    assert a.tolist() == b.tolist()
    assert len(set(a[:6].tolist())) == 1 and len(set(a[6:].tolist())) == 1


def test_seeded_algorithms_key_their_results_by_their_seeds() -> None:
    assert {"ppr", "distance"} == SEEDED
    assert all("seeds" in PARAMETERS[a] for a in SEEDED)
    spec = GraphSpec(GraphKind.CITATION)
    a = result_key(spec, "distance", {"seeds": ["p1"]})
    b = result_key(spec, "distance", {"seeds": ["p2"]})
    assert a.startswith("distance_") and a != b
    assert result_key(spec, "scc") == "scc"


# -- the compose profile of a Spark cluster ----------------------------------------------------


def test_compose_has_a_spark_master_and_worker_behind_a_profile() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    master, worker = services["spark-master"], services["spark-worker"]
    for service in (master, worker):
        assert service["profiles"] == ["spark"], "`docker compose up` must not start Spark"
        image = service["image"]
        assert image.startswith("apache/spark:3.5.") and "scala2.12" in image
        assert "java17" in image
        assert image.split(":")[1].split("-")[0] == _pinned_pyspark()
    assert "org.apache.spark.deploy.master.Master" in " ".join(master["command"])
    worker_cmd = " ".join(worker["command"])
    assert "org.apache.spark.deploy.worker.Worker" in worker_cmd
    port = master["environment"]["SPARK_MASTER_PORT"]
    assert f"spark://{master['environment']['SPARK_MASTER_HOST']}:{port}" in worker_cmd
    assert "spark-master" in worker["depends_on"]


def _pinned_pyspark() -> str:
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if line.startswith("pyspark=="):
            return line.split("==")[1].strip()
    raise AssertionError("pyspark is not pinned")
