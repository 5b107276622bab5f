"""Analytics benchmark: export, build, algorithms and write-back, igraph vs networkx.

Run (from the project root)::

    python -m bench.bench_analytics            # full: Paperscape + 1M-edge synthetic, 3 runs
    python -m bench.bench_analytics --quick    # smoke run: 1991-1993 files, 100k edges, 1 run

Starts its own Neo4j (``graph.server.LocalNeo4j``, temp dir, free port) unless ``NEO4J_URI`` is
set; writes ``bench/results/analytics.json`` (with versions and the machine).

Graphs:

- Paperscape arXiv 1991-1996 loaded with the project loader (``loaders.writer.load_paths``):
  the CITATION graph (~50k papers incl. stubs, 147k edges) and the COAUTHORSHIP graph
  (~28k authors, ~107k weighted edges);
- synthetic: ``igraph.Graph.Barabasi(n=200_000, m=5, directed=True)`` with igraph's RNG seeded
  by ``random.Random(7)`` — 1M citation edges from new to old papers — written into Neo4j as
  ``Paper`` nodes and ``CITES`` relationships with batched ``UNWIND`` so the export is measured
  from the database.

For every graph: export time (median) and edges/s; igraph build from arrays vs from per-edge
tuples (``Graph.TupleList``); each algorithm in igraph and, where networkx has the same
computation, in networkx; write-back of PageRank. The "pipeline" ratio sums build + the
algorithms both libraries run (PageRank, HITS, eigenvector, degree, coreness, components,
Louvain) on each side; the export is shared and reported separately. Medians of ``--runs`` runs
(default 3); networkx runs once on the synthetic graph (its eigenvector centrality alone takes
3 minutes there) and its Louvain is skipped above 300k edges (3 runs on the 1M-edge graph had not
finished after 50 minutes). Betweenness and harmonic closeness run in igraph only (exact
networkx versions are O(n·m): hours on these graphs); on the synthetic graph they use a 2-hop
cutoff.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import igraph as ig
import networkx as nx
import numpy as np
from neo4j import Driver

from bench.common import PAPERSCAPE, median, neo4j_for_bench, wipe, write_results
from graph.analytics import algorithms as alg
from graph.analytics.export import EdgeList, export_edges, to_igraph, to_igraph_per_edge
from graph.analytics.interchange import to_networkx
from graph.analytics.queries import SYNTHETIC_CITES, SYNTHETIC_PAPERS
from graph.analytics.runs import result_key, write_values
from graph.analytics.spec import GraphKind, GraphSpec

SEED = 7
DB = "neo4j"
# networkx's Louvain on the 1M-edge synthetic graph did not finish 3 runs in 50 minutes
NX_LOUVAIN_MAX_EDGES = 300_000


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return median(times), out


def _nx_core(g: nx.Graph) -> Any:
    h = g.copy()
    h.remove_edges_from(list(nx.selfloop_edges(h)))
    return nx.core_number(h)


def nx_algorithms(directed: bool, weighted: bool) -> dict[str, Callable[[nx.Graph], Any]]:
    w = "weight" if weighted else None
    out: dict[str, Callable[[nx.Graph], Any]] = {
        "pagerank": lambda g: nx.pagerank(g, weight=w),
        "eigenvector": lambda g: nx.eigenvector_centrality(
            g.to_undirected() if directed else g, weight=w, max_iter=1000
        ),
        "degree": lambda g: dict(g.in_degree(weight=w) if directed else g.degree(weight=w)),
        "coreness": _nx_core,
        "components": (
            nx.number_weakly_connected_components if directed else nx.number_connected_components
        ),
        "louvain": lambda g: nx.community.louvain_communities(
            g.to_undirected() if directed else g, weight="weight", seed=42
        ),
    }
    if directed:
        out["hits"] = lambda g: nx.hits(g)
    return out


def bench_graph(
    driver: Driver,
    name: str,
    spec: GraphSpec,
    runs: int,
    path_cutoff: int | None,
    log: Any,
    nx_runs: int | None = None,
) -> dict[str, Any]:
    nx_runs = nx_runs or runs
    res: dict[str, Any] = {"spec": spec.as_dict(), "runs": runs, "networkx_runs": nx_runs}
    t_export, edges = timed(lambda: export_edges(driver, DB, spec), runs)
    assert isinstance(edges, EdgeList)
    m = edges.edge_count
    res.update(nodes=edges.node_count, edges=m, export_s=t_export, export_edges_per_s=m / t_export)
    log(f"{name}: {edges.node_count:,} nodes {m:,} edges, export {t_export:.3f}s "
        f"({m / t_export:,.0f} edges/s)")  # fmt: skip
    t_arr, g = timed(lambda: to_igraph(edges), runs)
    t_obj, _ = timed(lambda: to_igraph_per_edge(edges), runs)
    t_nx, nxg = timed(lambda: to_networkx(edges), nx_runs)
    res["build_s"] = {"igraph_arrays": t_arr, "igraph_per_edge_tuples": t_obj, "networkx": t_nx}
    log(f"  build arrays {t_arr:.3f}s, per-edge {t_obj:.3f}s, networkx {t_nx:.3f}s")
    nx_algos = nx_algorithms(edges.directed, edges.weight is not None)
    if m > NX_LOUVAIN_MAX_EDGES:
        del nx_algos["louvain"]
        res["networkx_skipped"] = {
            "louvain": f"> {NX_LOUVAIN_MAX_EDGES:,} edges: did not finish 3 runs in 50 min"
        }
    algos: dict[str, Callable[[], Any]] = {
        "pagerank": lambda: alg.pagerank(g),
        "eigenvector": lambda: alg.eigenvector(g),
        "degree": lambda: alg.degree(g),
        "coreness": lambda: alg.coreness(g),
        "components": lambda: alg.components(g),
        "louvain": lambda: alg.louvain(g),
        "leiden": lambda: alg.leiden(g),
        "betweenness": lambda: alg.betweenness(g, cutoff=path_cutoff),
        "harmonic": lambda: alg.harmonic(g, cutoff=path_cutoff),
    }
    if edges.directed:
        algos["hits"] = lambda: alg.hits(g)
    res["algorithms"] = {}
    ig_sum = t_arr
    nx_sum = t_nx
    for a, fn in algos.items():
        t_ig, out = timed(fn, runs)
        row: dict[str, Any] = {"igraph_s": t_ig}
        if isinstance(out, alg.AlgorithmResult):
            row["parameters"] = out.parameters
            if out.modularity is not None:
                row["modularity"] = out.modularity
            if out.community_sizes:
                row["communities"] = len(out.community_sizes)
        if a in nx_algos:
            try:
                t_n, nx_out = timed(lambda f=nx_algos[a]: f(nxg), nx_runs)  # type: ignore[misc]
            except nx.NetworkXException as e:
                row["networkx_error"] = f"{type(e).__name__}: {e}"
            else:
                row["networkx_s"] = t_n
                row["ratio"] = t_n / t_ig if t_ig > 0 else None
                if a == "louvain":
                    row["networkx_modularity"] = nx.community.modularity(
                        nxg.to_undirected() if edges.directed else nxg, nx_out, weight="weight"
                    )
                ig_sum += t_ig
                nx_sum += t_n
        res["algorithms"][a] = row
        log(f"  {a}: igraph {t_ig:.3f}s" + (f", networkx {row['networkx_s']:.3f}s "
            f"(x{row['ratio']:.1f})" if "networkx_s" in row else ""))  # fmt: skip
    res["pipeline"] = {"igraph_s": ig_sum, "networkx_s": nx_sum, "ratio": nx_sum / ig_sum}
    log(f"  pipeline igraph {ig_sum:.2f}s vs networkx {nx_sum:.2f}s: x{nx_sum / ig_sum:.1f}")
    pr = alg.pagerank(g)
    keys = {"pagerank": result_key(GraphSpec(spec.kind, year_from=1000), "pagerank")}
    t_w, _ = timed(lambda: write_values(driver, DB, spec.label, edges.node_ids, pr, keys), runs)
    res["write_back"] = {"s": t_w, "nodes_per_s": edges.node_count / t_w, "property": keys}
    log(f"  write-back {t_w:.2f}s ({edges.node_count / t_w:,.0f} nodes/s)")
    return res


def leiden_backends(driver: Driver, spec: GraphSpec, log: Any) -> dict[str, Any]:
    """igraph's community_leiden vs leidenalg, modularity objective, 3 seeds each."""
    g = to_igraph(export_edges(driver, DB, spec))
    out: dict[str, Any] = {}
    for backend in ("igraph", "leidenalg"):
        rows = []
        for seed in (1, 2, 3):
            t = time.perf_counter()
            r = alg.leiden(g, seed=seed, backend=backend)  # type: ignore[arg-type]
            rows.append((time.perf_counter() - t, r.modularity, len(r.community_sizes)))
        out[backend] = {
            "median_s": median([x[0] for x in rows]),
            "modularity": [x[1] for x in rows],
            "communities": [x[2] for x in rows],
        }
        log(f"leiden {backend}: {out[backend]}")
    return out


def load_synthetic(driver: Driver, n: int, m: int) -> dict[str, Any]:
    ig.set_random_number_generator(random.Random(SEED))
    try:
        g = ig.Graph.Barabasi(n=n, m=m, directed=True)
    finally:
        ig.set_random_number_generator(random)
    ids = [f"synthetic:{i}" for i in range(n)]
    edges = np.asarray(g.get_edgelist(), dtype=np.int64)
    t = time.perf_counter()
    with driver.session(database=DB) as s:
        for i in range(0, n, 50_000):
            s.execute_write(lambda tx, b=ids[i : i + 50_000]: tx.run(
                SYNTHETIC_PAPERS, ids=b, year=2000).consume())  # fmt: skip
        for i in range(0, len(edges), 20_000):
            chunk = edges[i : i + 20_000]
            src = [ids[x] for x in chunk[:, 0].tolist()]
            dst = [ids[x] for x in chunk[:, 1].tolist()]
            s.execute_write(
                lambda tx, a=src, b=dst: tx.run(SYNTHETIC_CITES, src=a, dst=b).consume()
            )
    return {"generator": f"igraph.Graph.Barabasi(n={n}, m={m}, directed=True), seed {SEED}",
            "nodes": n, "edges": len(edges), "write_s": time.perf_counter() - t}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small inputs, one run")
    ap.add_argument("--runs", type=int, default=None, help="runs per measurement (default 3)")
    args = ap.parse_args(argv)
    runs = args.runs or (1 if args.quick else 3)
    files = sorted(PAPERSCAPE.glob("pscp-*.csv"))
    if args.quick:
        files = files[:3]
    synth_n = 20_000 if args.quick else 200_000

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    results: dict[str, Any] = {"runs": runs, "quick": args.quick}
    with neo4j_for_bench(heap="4g", pagecache="2g") as (driver, uri):
        from loaders.writer import load_paths

        wipe(driver)
        t = time.perf_counter()
        load_paths(driver, DB, [Path(f) for f in files], "paperscape")
        results["paperscape_load_s"] = time.perf_counter() - t
        log(f"paperscape loaded in {results['paperscape_load_s']:.0f}s")
        results["paperscape_citation"] = bench_graph(
            driver, "paperscape citation", GraphSpec(GraphKind.CITATION), runs, None, log
        )
        results["paperscape_coauthorship"] = bench_graph(
            driver, "paperscape coauthorship", GraphSpec(GraphKind.COAUTHORSHIP), runs, None, log
        )
        results["leiden_backends"] = leiden_backends(driver, GraphSpec(GraphKind.COAUTHORSHIP), log)
        wipe(driver)
        results["synthetic_load"] = load_synthetic(driver, synth_n, 5)
        log(f"synthetic: {results['synthetic_load']}")
        results["synthetic_citation"] = bench_graph(
            driver, "synthetic citation", GraphSpec(GraphKind.CITATION), runs, 2, log, nx_runs=1
        )
    path = write_results("analytics", results)
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
