"""Analysis runs: export a subgraph, run one algorithm, stream the top N or write results back.

Result keys (the node property a run writes) keep runs on different subgraphs apart:

- the whole CITATION graph (papers) and the whole COAUTHORSHIP graph (authors) write the bare
  output name: ``pagerank``, ``betweenness``, ``eigenvector``, ``hub``/``authority``, ``degree``,
  ``harmonic``, ``coreness``, ``component``, ``community`` (Leiden), ``louvain``;
- the whole AUTHOR_CITATION graph writes ``citation_<name>`` (``citation_pagerank``), since it
  scores the same Author nodes as co-authorship;
- any filtered spec writes ``<name>_<spechash>`` (``pagerank_3f9c0a1b2d``), and personalised
  PageRank always writes ``ppr_<hash of spec + seeds + damping>``.

Every write creates an ``AnalysisRun`` node (graph spec JSON, algorithm, parameters JSON, counts,
duration, time, ``result_key`` = the primary property, ``result_keys`` = all of them). A
property holds the latest run for its key; nodes that fell out of the subgraph lose the key.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
from neo4j import Driver, ManagedTransaction, RoutingControl

from graph.analytics import queries
from graph.analytics.algorithms import AlgorithmResult, run_algorithm
from graph.analytics.export import EdgeList, export_edges, to_igraph
from graph.analytics.spec import GraphKind, GraphSpec
from graph.errors import InputError
from graph.labels import Label, identifier

WRITE_BATCH = 10_000  # nodes per write transaction
MAX_TOP = 10_000
INTEGER_OUTPUTS = frozenset({"community", "louvain", "component", "coreness"})


@dataclass(frozen=True, slots=True)
class ScoredNode:
    id: str
    score: float


@dataclass(frozen=True, slots=True)
class CommunitySummary:
    community: int
    size: int
    members: list[str]  # up to 5 ids, highest degree first


@dataclass(frozen=True, slots=True)
class AnalysisOutcome:
    spec: GraphSpec
    algorithm: str
    parameters: dict[str, Any]
    node_count: int
    edge_count: int
    result_keys: dict[str, str]  # output name -> node property (the write target)
    top: dict[str, list[ScoredNode]]  # output name -> top N (score algorithms)
    communities: list[CommunitySummary] = field(default_factory=list)
    community_count: int | None = None
    modularity: float | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    run_id: str | None = None  # set when written
    created_at: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "graph": self.spec.as_dict(),
            "spec_hash": self.spec.hash,
            "algorithm": self.algorithm,
            "parameters": self.parameters,
            "node_count": self.node_count,
            "edge_count": self.edge_count,
            "result_keys": self.result_keys,
            "top": {k: [{"id": s.id, "score": s.score} for s in v] for k, v in self.top.items()},
            "communities": [
                {"community": c.community, "size": c.size, "members": c.members}
                for c in self.communities
            ],
            "community_count": self.community_count,
            "modularity": self.modularity,
            "timings_ms": self.timings_ms,
            "run_id": self.run_id,
            "created_at": self.created_at,
        }


# -- result keys -------------------------------------------------------------------------------


def result_key(spec: GraphSpec, output: str, parameters: dict[str, Any] | None = None) -> str:
    """The node property a run of ``spec`` writes ``output`` to (checked as an identifier)."""
    if output == "ppr":
        digest = hashlib.sha256(
            (
                spec.canonical_json()
                + orjson.dumps(parameters or {}, option=orjson.OPT_SORT_KEYS).decode()
            ).encode()
        ).hexdigest()[:10]
        return identifier(f"ppr_{digest}")
    if not spec.is_whole_graph:
        return identifier(f"{output}_{spec.hash}")
    if spec.kind is GraphKind.AUTHOR_CITATION:
        return identifier(f"citation_{output}")
    return identifier(output)


# -- running -----------------------------------------------------------------------------------


def _check_top(top: int) -> int:
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise InputError("top", top, f"an integer in 1..{MAX_TOP}")
    return top


def _ppr_seeds(edges: EdgeList, seeds: Any) -> list[int]:
    if not seeds:
        raise InputError("seeds", seeds, "at least one node id for personalised PageRank")
    if isinstance(seeds, str):
        seeds = [seeds]
    index = edges.index()
    missing = [s for s in seeds if s not in index]
    if missing:
        raise InputError("seeds", missing[:5], "ids of nodes in the analysed graph")
    return [index[s] for s in seeds]


def compute(
    edges: EdgeList, algorithm: str, params: dict[str, Any] | None = None
) -> AlgorithmResult:
    """Builds the igraph graph and runs ``algorithm`` (ppr ``seeds`` given as node ids)."""
    args = dict(params or {})
    if algorithm == "ppr":
        args["seeds"] = _ppr_seeds(edges, args.get("seeds"))
    return run_algorithm(algorithm, to_igraph(edges), **args)


def _top(edges: EdgeList, values: np.ndarray[Any, Any], n: int) -> list[ScoredNode]:
    if values.size == 0:
        return []
    # highest score first; ties by node id order in the export (stable)
    order = np.argsort(-values, kind="stable")[:n]
    return [ScoredNode(edges.node_ids[i], float(values[i])) for i in order.tolist()]


def _communities(
    edges: EdgeList, membership: np.ndarray[Any, Any], n: int
) -> list[CommunitySummary]:
    if membership.size == 0:
        return []
    m = membership.astype(np.int64)
    deg = np.bincount(edges.src, minlength=m.size) + np.bincount(edges.dst, minlength=m.size)
    order = np.lexsort((-deg, m))  # by community, then degree desc
    sizes = np.bincount(m)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    out = []
    for c in range(min(n, sizes.size)):  # communities are numbered by size, largest first
        members = order[starts[c] : starts[c] + min(5, sizes[c])]
        out.append(
            CommunitySummary(c, int(sizes[c]), [edges.node_ids[i] for i in members.tolist()])
        )
    return out


def analyze(
    driver: Driver,
    database: str,
    spec: GraphSpec,
    algorithm: str,
    params: dict[str, Any] | None = None,
    *,
    write: bool = False,
    top: int = 10,
    batch_size: int = WRITE_BATCH,
) -> AnalysisOutcome:
    """Stream (default: nothing is written) or write back with an ``AnalysisRun``."""
    top = _check_top(top)
    t0 = time.perf_counter()
    edges = export_edges(driver, database, spec)
    t1 = time.perf_counter()
    result = compute(edges, algorithm, params)
    t2 = time.perf_counter()
    parameters = dict(result.parameters)
    if algorithm == "ppr":  # the seeds are part of what a ppr result means, and of its key
        seeds = (params or {})["seeds"]
        parameters["seeds"] = sorted({seeds} if isinstance(seeds, str) else set(seeds))
    key_params = (
        {"seeds": parameters["seeds"], "damping": parameters["damping"]}
        if algorithm == "ppr"
        else {}
    )
    keys = {out: result_key(spec, out, key_params) for out in result.values}
    timings = {"export": (t1 - t0) * 1e3, "algorithm": (t2 - t1) * 1e3}
    outcome_top = (
        {} if result.is_community else {k: _top(edges, v, top) for k, v in result.values.items()}
    )
    comms = _communities(edges, result.values[result.primary], top) if result.is_community else []
    run_id = created = None
    if write:
        write_values(driver, database, spec.label, edges.node_ids, result, keys, batch_size)
        t3 = time.perf_counter()
        timings["write"] = (t3 - t2) * 1e3
        created = datetime.now(UTC).isoformat()
        run_id = _record_run(
            driver, database, spec, algorithm, parameters, edges, result, keys,
            duration_ms=(t3 - t0) * 1e3, created_at=created,
        )  # fmt: skip
    timings["total"] = (time.perf_counter() - t0) * 1e3
    return AnalysisOutcome(
        spec=spec,
        algorithm=algorithm,
        parameters=parameters,
        node_count=edges.node_count,
        edge_count=edges.edge_count,
        result_keys=keys,
        top=outcome_top,
        communities=comms,
        community_count=len(result.community_sizes) if result.is_community else None,
        modularity=result.modularity,
        timings_ms=timings,
        run_id=run_id,
        created_at=created,
    )


# -- write-back --------------------------------------------------------------------------------


def _write_batch(
    tx: ManagedTransaction, query: str, ids: list[str], values: list[list[Any]]
) -> None:
    tx.run(query, ids=ids, values=values).consume()


def _clear_stale(tx: ManagedTransaction, query: str, keep: list[str], batch: int) -> int:
    record = tx.run(query, keep=keep, batch=batch).single(strict=True)
    return int(record["removed"])


def write_values(
    driver: Driver,
    database: str,
    label: Label,
    node_ids: list[str],
    result: AlgorithmResult,
    keys: dict[str, str],
    batch_size: int = WRITE_BATCH,
) -> None:
    """Batched ``UNWIND`` write of every output to its result key, then stale keys removed."""
    outputs = list(result.values)
    props = [keys[o] for o in outputs]
    columns: list[list[Any]] = [
        result.values[o].astype(np.int64).tolist()
        if o in INTEGER_OUTPUTS
        else result.values[o].tolist()
        for o in outputs
    ]
    query = queries.write_scores_query(label, props)
    with driver.session(database=database) as session:
        for start in range(0, len(node_ids), batch_size):
            stop = start + batch_size
            session.execute_write(
                _write_batch, query, node_ids[start:stop], [c[start:stop] for c in columns]
            )
        clear = queries.clear_stale_query(label, props)
        while session.execute_write(_clear_stale, clear, node_ids, batch_size) >= batch_size:
            pass


def _record_run(
    driver: Driver,
    database: str,
    spec: GraphSpec,
    algorithm: str,
    parameters: dict[str, Any],
    edges: EdgeList,
    result: AlgorithmResult,
    keys: dict[str, str],
    *,
    duration_ms: float,
    created_at: str,
) -> str:
    run_id = f"run:{uuid.uuid4().hex}"
    driver.execute_query(
        queries.CREATE_RUN,
        id=run_id,
        graph=spec.canonical_json(),
        spec_hash=spec.hash,
        kind=spec.kind.value,
        label=spec.label.value,
        whole_graph=spec.is_whole_graph and algorithm != "ppr",
        algorithm=algorithm,
        parameters=orjson.dumps(parameters, option=orjson.OPT_SORT_KEYS).decode(),
        node_count=edges.node_count,
        edge_count=edges.edge_count,
        duration_ms=round(duration_ms, 3),
        created_at=created_at,
        result_key=keys[result.primary],
        result_keys=list(keys.values()),
        modularity=result.modularity,
        community_count=len(result.community_sizes) if result.is_community else None,
        database_=database,
        routing_=RoutingControl.WRITE,
    )
    return run_id


# -- reading results back (for the API) --------------------------------------------------------


def latest_scores(
    driver: Driver,
    database: str,
    label: Label,
    node_ids: list[str],
    keys: list[str] | None = None,
) -> dict[str, dict[str, float]]:
    """``{node_id: {result_key: value}}`` for many nodes in one query. Default keys: every
    whole-graph result key recorded for ``label`` (``pagerank``, ``community``, …)."""
    label = Label(label)
    if label not in queries.LATEST_SCORES:
        raise InputError("label", label.value, "Paper or Author")
    if keys is not None:
        keys = [identifier(k) for k in keys]
    records, _, _ = driver.execute_query(
        queries.LATEST_SCORES[label],
        label=label.value,
        ids=list(dict.fromkeys(node_ids)),
        keys=keys,
        database_=database,
        routing_=RoutingControl.READ,
    )
    return {r["id"]: {k: v for k, v in r["scores"]} for r in records}


def latest_runs(
    driver: Driver,
    database: str,
    label: Label | None = None,
    algorithm: str | None = None,
    whole_graph: bool | None = None,
    limit: int = 20,
) -> list[dict[str, Any]]:
    """Newest ``AnalysisRun`` nodes first, ``graph`` and ``parameters`` decoded from JSON."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise InputError("limit", limit, "an integer in 1..1000")
    records, _, _ = driver.execute_query(
        queries.LATEST_RUNS,
        label=Label(label).value if label is not None else None,
        algorithm=algorithm,
        whole_graph=whole_graph,
        limit=limit,
        database_=database,
        routing_=RoutingControl.READ,
    )
    runs = []
    for r in records:
        run = dict(r["run"])
        for k in ("graph", "parameters"):
            if isinstance(run.get(k), str):
                run[k] = orjson.loads(run[k])
        runs.append(run)
    return runs
