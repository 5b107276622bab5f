"""The Spark engine: the registry's algorithms that GraphX has, on a graph read into Spark,
results written back by ``graph.analytics.runs`` (the same AnalysisRun provenance and atomic
publication as the igraph engine).

Registry name → GraphX (``SPARK_ALGORITHMS``); parameters are the registry's
(``graph.analytics.algorithms.PARAMETERS``) plus the engine's own round counts:

============== ===================================== ========================================
registry       GraphX (``org.apache.spark.graphx``)  engine notes
============== ===================================== ========================================
pagerank       ``lib.PageRank.run``                  ``iterations`` (default 20) or
                                                     ``tolerance``; unweighted; divided by the
                                                     vertex count (igraph's scale)
ppr            ``lib.PageRank.runWithOptions``       one run per seed, averaged (= a jump to
                                                     any seed); ``iterations``; unweighted
components     ``lib.ConnectedComponents``           weak components
scc            ``lib.StronglyConnectedComponents``   ``iterations`` (default 50)
label_propa…   ``lib.LabelPropagation``              ``iterations`` supersteps (default 5);
                                                     deterministic, no ``seed``
triangles      ``lib.TriangleCount``
distance       ``lib.ShortestPaths``                 hops to the nearest seed, -1: none
============== ===================================== ========================================

Anything else (betweenness, Leiden, …) is refused with the engine and the algorithm named.
Undirected graphs (co-authorship) go to GraphX with every edge in both directions. Community
outputs are renumbered as igraph's are (0 = the largest); modularity is not computed.
"""

from __future__ import annotations

import gc
import time
import warnings
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from neo4j import Driver
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from graph.analytics import runs
from graph.analytics.algorithms import (
    ALGORITHMS,
    PARAMETERS,
    SEEDED,
    AlgorithmResult,
    membership_result,
)
from graph.analytics.export import EdgeList
from graph.analytics.spark.graphx import GraphX, GraphXGraph
from graph.analytics.spark.sources import GraphSource, SparkGraphInput, from_edge_list
from graph.analytics.spec import GraphSpec
from graph.errors import InputError

ENGINE = "spark"
EXPORTED = "export"  # the source of a graph the caller exported (compute_exported)
DEFAULT_PAGERANK_ITERATIONS = 20
DEFAULT_SCC_ITERATIONS = 50
DEFAULT_LPA_ITERATIONS = 5
MAX_PPR_SEEDS = 20  # one PageRank per seed
COLLECT_BATCH = 100_000


@dataclass(frozen=True, slots=True)
class SparkAlgorithm:
    graphx: str  # the GraphX object that runs it
    engine_params: frozenset[str] = frozenset()  # accepted besides the registry's
    refused: frozenset[str] = frozenset()  # registry parameters GraphX has no counterpart for


SPARK_ALGORITHMS: dict[str, SparkAlgorithm] = {
    "pagerank": SparkAlgorithm("PageRank", frozenset({"iterations", "tolerance"})),
    "ppr": SparkAlgorithm("PageRank (personalised)", frozenset({"iterations"})),
    "components": SparkAlgorithm("ConnectedComponents"),
    "scc": SparkAlgorithm("StronglyConnectedComponents", frozenset({"iterations"})),
    "label_propagation": SparkAlgorithm(
        "LabelPropagation", frozenset({"iterations"}), frozenset({"seed"})
    ),
    "triangles": SparkAlgorithm("TriangleCount"),
    "distance": SparkAlgorithm("ShortestPaths"),
}


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(name, value, "an integer >= 1 (rounds)")
    return value


def check_params(algorithm: str, params: dict[str, Any]) -> None:
    """What the Spark engine accepts, with errors that name the engine and the algorithm."""
    if algorithm not in ALGORITHMS:
        raise InputError("algorithm", algorithm, "one of " + ", ".join(ALGORITHMS))
    spark = SPARK_ALGORITHMS.get(algorithm)
    if spark is None:
        raise InputError(
            "algorithm", algorithm,
            f"one the {ENGINE} engine (GraphX) runs: {', '.join(SPARK_ALGORITHMS)}; GraphX has "
            f"no {algorithm}: use the igraph engine for it",
        )  # fmt: skip
    allowed = PARAMETERS[algorithm] | spark.engine_params
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise InputError(
            "parameters", unknown, f"for {algorithm} on {ENGINE}: {', '.join(sorted(allowed))}"
        )
    for name in sorted(spark.refused & set(params)):
        raise InputError(
            name, params[name], f"not taken by {algorithm} on the {ENGINE} engine "
            f"(GraphX {spark.graphx} has no such parameter)",
        )  # fmt: skip
    if params.get("weighted"):
        raise InputError(
            "weighted", True, f"false: GraphX {spark.graphx} is unweighted ({ENGINE} engine)"
        )
    for name in ("iterations",):
        if name in params:
            _positive(name, params[name])
    tolerance = params.get("tolerance")
    if tolerance is not None and (
        isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance <= 0
    ):
        raise InputError("tolerance", tolerance, "a number > 0")
    if "damping" in params:
        d = params["damping"]
        if isinstance(d, bool) or not isinstance(d, int | float) or not 0.0 < float(d) < 1.0:
            raise InputError("damping", d, "a number strictly between 0 and 1 (typically 0.85)")
    if algorithm in SEEDED:
        seeds = params.get("seeds")
        if not seeds:
            raise InputError("seeds", seeds, f"at least one node id for {algorithm}")
        if algorithm == "ppr" and len(seeds) > MAX_PPR_SEEDS:
            raise InputError(
                "seeds", f"{len(seeds)} seeds", f"at most {MAX_PPR_SEEDS} for ppr on {ENGINE}"
            )


# -- one run -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SparkNodes:
    """The analysed graph as the summary sees it (``runs.AnalysedGraph``)."""

    spec: GraphSpec
    node_ids: list[str]
    edge_count: int
    degree: np.ndarray[Any, Any] | None  # collected for community outputs only

    @property
    def node_count(self) -> int:
        return len(self.node_ids)

    def degrees(self) -> np.ndarray[Any, Any]:
        if self.degree is None:
            raise ValueError("degrees were not collected for this result")
        return self.degree


COMMUNITIES = frozenset({"components", "scc", "label_propagation"})


def _graph(gx: GraphX, data: SparkGraphInput) -> GraphXGraph:
    """The GraphX graph of ``data``, built once and kept with it (released with it)."""
    cached = data.graphs.get("graphx")
    if isinstance(cached, GraphXGraph):
        return cached
    edges = data.edges
    if not data.spec.directed:
        edges = edges.unionByName(
            edges.select(F.col("dst").alias("src"), F.col("src").alias("dst"))
        )
    graph = gx.graph(data.nodes.select("key"), edges)
    if graph.vertex_count != data.node_count:
        raise InputError(
            "graph", data.spec.kind.value,
            f"edges between nodes of the node table ({graph.vertex_count - data.node_count} "
            "endpoints are not in it: was the graph changed while it was read?)",
        )  # fmt: skip
    data.graphs["graphx"] = graph
    return graph


def _seed_keys(spark: SparkSession, data: SparkGraphInput, seeds: Any) -> list[int]:
    wanted = [seeds] if isinstance(seeds, str) else list(dict.fromkeys(seeds))
    if data.local_ids is not None:
        index = {v: i for i, v in enumerate(data.local_ids)}
        found = {s: index[s] for s in wanted if s in index}
    else:
        rows = data.nodes.where(F.col("id").isin(wanted)).select("key", "id").collect()
        found = {str(r["id"]): int(r["key"]) for r in rows}
    missing = [s for s in wanted if s not in found]
    if missing:
        raise InputError("seeds", missing[:5], "ids of nodes in the analysed graph")
    del spark
    return [found[s] for s in wanted]


def _values(
    gx: GraphX, graph: GraphXGraph, data: SparkGraphInput, algorithm: str, params: dict[str, Any]
) -> tuple[DataFrame, dict[str, Any]]:
    """GraphX's per-vertex result ``(key, value)`` and the parameters it ran with."""
    d = float(params.get("damping", 0.85))
    iterations = params.get("iterations")
    if algorithm == "pagerank":
        tol = params.get("tolerance")
        n = DEFAULT_PAGERANK_ITERATIONS if iterations is None else int(iterations)
        frame = gx.pagerank(graph, n, 1.0 - d, None if tol is None else float(tol))
        frame = frame.select("key", (F.col("value") / F.lit(graph.vertex_count)).alias("value"))
        used: dict[str, Any] = {"damping": d, "weighted": False}
        used.update({"tolerance": float(tol)} if tol is not None else {"iterations": n})
        return frame, used
    if algorithm == "ppr":
        n = DEFAULT_PAGERANK_ITERATIONS if iterations is None else int(iterations)
        keys = _seed_keys(gx.spark, data, params["seeds"])
        parts = [gx.personalized_pagerank(graph, k, n, 1.0 - d) for k in keys]
        frame = parts[0]
        for part in parts[1:]:
            frame = frame.unionByName(part)
        frame = frame.groupBy("key").agg((F.sum("value") / F.lit(len(keys))).alias("value"))
        return frame, {"damping": d, "weighted": False, "iterations": n, "seed_count": len(keys)}
    if algorithm == "components":
        return gx.connected_components(graph), {"mode": "weak"}
    if algorithm == "scc":
        n = DEFAULT_SCC_ITERATIONS if iterations is None else int(iterations)
        return gx.strongly_connected_components(graph, n), {"mode": "strong", "iterations": n}
    if algorithm == "label_propagation":
        n = DEFAULT_LPA_ITERATIONS if iterations is None else int(iterations)
        return gx.label_propagation(graph, n), {"iterations": n}
    if algorithm == "triangles":
        return gx.triangle_count(graph), {}
    if algorithm == "distance":
        keys = _seed_keys(gx.spark, data, params["seeds"])
        return gx.shortest_paths(graph, keys), {"seed_count": len(keys)}
    raise InputError("algorithm", algorithm, "one of " + ", ".join(SPARK_ALGORITHMS))


def _collect(
    data: SparkGraphInput, values: DataFrame, with_degree: bool
) -> tuple[list[str], np.ndarray[Any, Any], np.ndarray[Any, Any] | None]:
    """Node ids, values (null → NaN) and, for communities, degrees to the driver, streamed
    partition by partition into flat arrays (one Python row at a time, never the edges)."""
    table = data.nodes.join(values, "key", "left")
    if with_degree:
        ends = data.edges.select(F.col("src").alias("key")).unionByName(
            data.edges.select(F.col("dst").alias("key"))
        )
        degree = ends.groupBy("key").agg(F.count(F.lit(1)).alias("degree"))
        table = table.join(degree, "key", "left")
    else:
        table = table.withColumn("degree", F.lit(0))
    table = table.select("key", "id", F.col("value").cast("double"), "degree")
    ids: list[str] = []
    keys = array("q")
    vals = array("d")
    degs = array("q")
    with warnings.catch_warnings():
        # pyspark leaves the local socket each partition is served on to the garbage collector
        warnings.simplefilter("ignore", ResourceWarning)
        rows = table.toLocalIterator(prefetchPartitions=True)
        for row in rows:
            keys.append(int(row[0]))
            ids.append(row[1])
            vals.append(float("nan") if row[2] is None else float(row[2]))
            degs.append(0 if row[3] is None else int(row[3]))
        del rows
        gc.collect()
    value_arr = np.frombuffer(vals, dtype=np.float64).copy()
    degree_arr = np.frombuffer(degs, dtype=np.int64).copy() if with_degree else None
    if data.local_ids is not None:
        order = np.frombuffer(keys, dtype=np.int64)
        local = data.local_ids
        ids = [local[k] for k in order.tolist()]
    return ids, value_arr, degree_arr


def _result(algorithm: str, values: np.ndarray[Any, Any], used: dict[str, Any]) -> AlgorithmResult:
    if algorithm in COMMUNITIES:
        output = "component" if algorithm == "components" else algorithm
        return membership_result(algorithm, output, values.astype(np.int64), used)
    if algorithm == "distance":
        values = np.where(np.isnan(values), -1.0, values)
    return AlgorithmResult(algorithm, {algorithm: values}, used)


def compute(
    spark: SparkSession, data: SparkGraphInput, algorithm: str, params: dict[str, Any]
) -> tuple[SparkNodes, AlgorithmResult, dict[str, float]]:
    """GraphX on the read graph; returns the node table, the result and the timings (ms) of
    building the graph (once per input), running the algorithm and collecting the values."""
    gx = GraphX(spark)
    t0 = time.perf_counter()
    graph = _graph(gx, data)
    t1 = time.perf_counter()
    frame, used = _values(gx, graph, data, algorithm, params)
    frame = frame.localCheckpoint(eager=True)  # the GraphX run happens here
    t2 = time.perf_counter()
    ids, values, degree = _collect(data, frame, algorithm in COMMUNITIES)
    t3 = time.perf_counter()
    nodes = SparkNodes(data.spec, ids, data.edge_count, degree)
    timings = {"graph": (t1 - t0) * 1e3, "algorithm": (t2 - t1) * 1e3, "collect": (t3 - t2) * 1e3}
    return nodes, _result(algorithm, values, used), timings


def _computed(
    spark: SparkSession,
    graph: SparkGraphInput,
    algorithm: str,
    params: dict[str, Any],
    source: str,
    release: bool,
    phase: Callable[[str], None],
) -> tuple[SparkNodes, AlgorithmResult, dict[str, float]]:
    """``compute``, the graph released after when ``release``; the parameters record the
    engine and the source."""
    try:
        phase("algorithm")
        nodes, result, steps = compute(spark, graph, algorithm, params)
    finally:
        if release:
            graph.release()
    result.parameters.update({"engine": ENGINE, "source": source})
    return nodes, result, steps


def compute_exported(
    spark: SparkSession,
    edges: EdgeList,
    algorithm: str,
    params: dict[str, Any],
    *,
    on_phase: Callable[[str], None] | None = None,
) -> tuple[SparkNodes, AlgorithmResult, dict[str, float]]:
    """GraphX on a graph the caller exported itself (the API reads it through its own async
    driver): handed to Spark (``from_edge_list``), run, released. Timings: ``load`` (into
    Spark), then those of ``compute``; the parameters record ``source: export``. ``on_phase``
    is told ``load`` and ``algorithm`` as they start."""
    args = dict(params)
    check_params(algorithm, args)
    phase = on_phase or (lambda _: None)
    phase("load")
    t0 = time.perf_counter()
    data = from_edge_list(spark, edges)
    t1 = time.perf_counter()
    nodes, result, steps = _computed(spark, data, algorithm, args, EXPORTED, True, phase)
    return nodes, result, {"load": (t1 - t0) * 1e3, **steps}


def analyze(
    driver: Driver,
    database: str,
    spark: SparkSession,
    source: GraphSource,
    spec: GraphSpec,
    algorithm: str,
    params: dict[str, Any] | None = None,
    *,
    write: bool = False,
    top: int = 10,
    batch_size: int = runs.WRITE_BATCH,
    stale_after: float = runs.STALE_AFTER,
    on_phase: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    data: SparkGraphInput | None = None,
) -> runs.AnalysisOutcome:
    """``graph.analytics.runs.analyze`` on Spark: read (``source``), GraphX, and a write run
    through ``runs`` (RUNNING first, staged batches, published at once, FAILED on error).
    Timings: ``export`` (read into Spark, counted), ``graph``, ``algorithm``, ``collect``,
    ``write``, ``total``; the parameters record ``engine`` and ``source``. ``data``: a graph
    already read from ``source`` for ``spec`` (several algorithms on one read; kept cached)."""
    args = dict(params or {})
    check_params(algorithm, args)
    runs.check_top(top)
    phase = on_phase or (lambda _: None)
    t0 = time.perf_counter()
    run = runs.start_run(driver, database, spec, algorithm) if write else None
    try:
        phase("export")
        graph = source.read(spark, spec) if data is None else data
        if graph.spec != spec:
            raise ValueError("the graph given was read for another spec")
        t1 = time.perf_counter()
        nodes, result, steps = _computed(
            spark, graph, algorithm, args, source.name, data is None, phase
        )
        timings = {"export": (t1 - t0) * 1e3, **steps}
        outcome = runs.summarize(nodes, result, algorithm, args, top, timings)
        if run is not None:
            phase("write")
            outcome = runs.write_run(
                driver, database, run, outcome, nodes.node_ids, result, batch_size=batch_size,
                stale_after=stale_after, started=t0, should_stop=should_stop,
            )  # fmt: skip
    except BaseException as e:
        if run is not None:
            runs.fail_run(driver, database, run, e)
        raise
    outcome.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return outcome
