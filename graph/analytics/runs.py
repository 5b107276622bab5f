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

**Atomic write-back.** A write run is recorded first with ``status: RUNNING``; its values go in
batches to the run's own *staged* properties (``pagerank__<run tag>``), which no reader looks
at, while ``heartbeat_at`` on the run moves with every batch. One final transaction copies the
staged values to the result keys on every node of the label, removes the staged ones and marks
the run ``COMPLETE``: readers see the whole previous run or the whole new one, never a mix. A
run that fails is marked ``FAILED`` and its staged values removed; a writer that was killed
leaves a RUNNING run whose heartbeat stops: the next write run marks it ``FAILED`` once the
heartbeat is ``stale_after`` seconds old and removes its staged values. Readers of runs
(``latest_runs``, ``latest_scores``, communities, suggestions) only follow COMPLETE runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import orjson
from neo4j import Driver, ManagedTransaction, RoutingControl

from graph.analytics import queries
from graph.analytics.algorithms import SEEDED, AlgorithmResult, run_algorithm
from graph.analytics.export import EdgeList, export_edges, to_igraph
from graph.analytics.spec import GraphKind, GraphSpec
from graph.errors import InputError, ScholarGraphError
from graph.labels import Label, identifier
from graph.repository import ReadScope, read
from graph.writes import AsyncWriter, Statement, Transactions, run_transactions

WRITE_BATCH = 10_000  # nodes per write transaction
STALE_AFTER = 900.0  # seconds without a heartbeat after which a RUNNING run counts as killed
MAX_TOP = 10_000
INTEGER_OUTPUTS = frozenset(
    {"community", "louvain", "component", "coreness", "novelty_papers", "scc",
     "label_propagation", "triangles", "distance"}
)  # fmt: skip


class AnalysedGraph(Protocol):
    """What a summary needs of the analysed graph: vertex ``i`` is ``node_ids[i]``, and each
    vertex's degree (both directions). ``EdgeList`` is one; the Spark engine's node table is
    another (its edges never come to Python)."""

    @property
    def spec(self) -> GraphSpec: ...
    @property
    def node_ids(self) -> list[str]: ...
    @property
    def node_count(self) -> int: ...
    @property
    def edge_count(self) -> int: ...
    def degrees(self) -> np.ndarray[Any, Any]: ...


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
    """The node property a run of ``spec`` writes ``output`` to (checked as an identifier).
    Seeded algorithms (``ppr``, ``distance``) key on the spec, the seeds and ``parameters``."""
    if output in SEEDED:
        digest = hashlib.sha256(
            (
                spec.canonical_json()
                + orjson.dumps(parameters or {}, option=orjson.OPT_SORT_KEYS).decode()
            ).encode()
        ).hexdigest()[:10]
        return identifier(f"{output}_{digest}")
    if not spec.is_whole_graph:
        return identifier(f"{output}_{spec.hash}")
    if spec.kind is GraphKind.AUTHOR_CITATION:
        return identifier(f"citation_{output}")
    return identifier(output)


# -- running -----------------------------------------------------------------------------------


def check_top(top: int) -> int:
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise InputError("top", top, f"an integer in 1..{MAX_TOP}")
    return top


def _seed_vertices(edges: EdgeList, seeds: Any) -> list[int]:
    if not seeds:
        raise InputError("seeds", seeds, "at least one node id (personalised PageRank, distance)")
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
    """Builds the igraph graph and runs ``algorithm`` (ppr/distance ``seeds`` as node ids)."""
    args = dict(params or {})
    if algorithm in SEEDED:
        args["seeds"] = _seed_vertices(edges, args.get("seeds"))
    return run_algorithm(algorithm, to_igraph(edges), **args)


def _top(edges: AnalysedGraph, values: np.ndarray[Any, Any], n: int) -> list[ScoredNode]:
    if values.size == 0:
        return []
    # highest score first; ties by node id order in the export (stable)
    order = np.argsort(-values, kind="stable")[:n]
    return [ScoredNode(edges.node_ids[i], float(values[i])) for i in order.tolist()]


def _communities(
    edges: AnalysedGraph, membership: np.ndarray[Any, Any], n: int
) -> list[CommunitySummary]:
    if membership.size == 0:
        return []
    m = membership.astype(np.int64)
    deg = edges.degrees()
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


def summarize(
    edges: AnalysedGraph,
    result: AlgorithmResult,
    algorithm: str,
    params: dict[str, Any] | None,
    top: int,
    timings: dict[str, float],
) -> AnalysisOutcome:
    """The outcome of one computed result: result keys, top N or community summaries."""
    spec = edges.spec
    parameters = dict(result.parameters)
    key_params: dict[str, Any] = {}
    if algorithm in SEEDED:  # the seeds are part of what the result means, and of its key
        seeds = (params or {})["seeds"]
        parameters["seeds"] = sorted({seeds} if isinstance(seeds, str) else set(seeds))
        key_params["seeds"] = parameters["seeds"]
        if "damping" in parameters:
            key_params["damping"] = parameters["damping"]
    keys = {out: result_key(spec, out, key_params) for out in result.values}
    outcome_top = (
        {} if result.is_community else {k: _top(edges, v, top) for k, v in result.values.items()}
    )
    comms = _communities(edges, result.values[result.primary], top) if result.is_community else []
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
    )


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
    stale_after: float = STALE_AFTER,
    on_phase: Callable[[str], None] | None = None,
) -> AnalysisOutcome:
    """Stream (default: nothing is written) or write back atomically with an ``AnalysisRun``.
    ``on_phase`` is told each phase as it starts: ``export``, ``algorithm``, ``write``."""
    top = check_top(top)
    phase = on_phase or (lambda _: None)
    t0 = time.perf_counter()
    run = start_run(driver, database, spec, algorithm) if write else None
    try:
        phase("export")
        edges = export_edges(driver, database, spec)
        t1 = time.perf_counter()
        phase("algorithm")
        result = compute(edges, algorithm, params)
        t2 = time.perf_counter()
        timings = {"export": (t1 - t0) * 1e3, "algorithm": (t2 - t1) * 1e3}
        outcome = summarize(edges, result, algorithm, params, top, timings)
        if run is not None:
            phase("write")
            outcome = write_run(
                driver, database, run, outcome, edges.node_ids, result,
                batch_size=batch_size, stale_after=stale_after, started=t0,
            )  # fmt: skip
    except BaseException as e:
        if run is not None:
            fail_run(driver, database, run, e)
        raise
    outcome.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return outcome


# -- write-back --------------------------------------------------------------------------------
#
# Each step is written once, as a procedure of transactions (``graph.writes``): the functions
# below run it on a synchronous driver (the CLI, library callers), their ``_async`` twins on the
# API's async driver (``graph.writes.AsyncWriter``).


class RunCancelled(ScholarGraphError):
    """A write run stopped before it was published (its deadline passed)."""

    code = "TIMEOUT"


@dataclass(frozen=True, slots=True)
class RunHandle:
    """A RUNNING ``AnalysisRun``: its id, the tag its staged properties carry and its start."""

    id: str
    tag: str
    label: Label
    created_at: str


def _start(spec: GraphSpec, algorithm: str) -> Transactions[RunHandle]:
    tag = uuid.uuid4().hex[:12]
    run = RunHandle(f"run:{tag}", f"r{tag}", spec.label, datetime.now(UTC).isoformat())
    params = {
        "id": run.id,
        "graph": spec.canonical_json(),
        "spec_hash": spec.hash,
        "kind": spec.kind.value,
        "label": spec.label.value,
        "whole_graph": spec.is_whole_graph and algorithm not in SEEDED,
        "algorithm": algorithm,
        "created_at": run.created_at,
    }
    yield (Statement(queries.START_RUN, params),)
    return run


def _drop(label: Label, staged: list[str], batch_size: int) -> Transactions[None]:
    """Removes staged values in batches until a batch finds fewer than ``batch_size``."""
    if not staged:
        return
    query = queries.drop_staged_query(label, staged)
    while True:
        (rows,) = yield (Statement(query, {"batch": batch_size}, single=True),)
        if int(rows[0]["removed"]) < batch_size:
            return


def _drop_published(
    run_id: str, label: Label, staged: list[str] | None, batch_size: int
) -> Transactions[None]:
    """Drops a published run's staged copies in batches, then records that none are left."""
    yield from _drop(label, list(staged or []), batch_size)
    yield (Statement(queries.STAGED_DROPPED, {"id": run_id}),)


def _clean(stale_after: float, batch_size: int, current: str | None) -> Transactions[list[str]]:
    params = {"stale_after": float(stale_after), "current": current}
    (abandoned,) = yield (Statement(queries.ABANDONED_RUNS, params),)
    for r in abandoned:
        yield from _drop(Label(r["label"]), list(r["staged_keys"] or []), batch_size)
    (leftover,) = yield (Statement(queries.LEFTOVER_STAGED, params),)
    for r in leftover:
        yield from _drop_published(str(r["id"]), Label(r["label"]), r["staged_keys"], batch_size)
    return [str(r["id"]) for r in abandoned]


def _fail(run: RunHandle, error: BaseException) -> Transactions[None]:
    params = {"id": run.id, "error": type(error).__name__}
    (rows,) = yield (Statement(queries.FAIL_RUN, params),)
    for r in rows:
        yield from _drop(run.label, list(r["staged_keys"] or []), WRITE_BATCH)


def _write(
    run: RunHandle,
    outcome: AnalysisOutcome,
    node_ids: list[str],
    result: AlgorithmResult,
    batch_size: int,
    stale_after: float,
    started: float | None,
    should_stop: Callable[[], bool] | None,
) -> Transactions[AnalysisOutcome]:
    t_write = time.perf_counter()

    def check_stop() -> None:
        if should_stop is not None and should_stop():
            raise RunCancelled(f"analysis run {run.id} stopped before it was published")

    yield from _clean(stale_after, batch_size, run.id)
    outputs = list(result.values)
    props = [outcome.result_keys[o] for o in outputs]
    staged = [queries.staged_property(p, run.tag) for p in props]
    columns: list[list[Any]] = [
        result.values[o].astype(np.int64).tolist()
        if o in INTEGER_OUTPUTS
        else result.values[o].tolist()
        for o in outputs
    ]
    stage = {
        "id": run.id,
        "staged_keys": staged,
        "result_key": outcome.result_keys[result.primary],
        "result_keys": props,
    }
    yield (Statement(queries.STAGE_RUN, stage),)
    query = queries.write_scores_query(run.label, staged)
    heartbeat = Statement(queries.HEARTBEAT, {"id": run.id})
    for start in range(0, len(node_ids), batch_size):
        check_stop()
        stop = start + batch_size
        values = {"ids": node_ids[start:stop], "values": [c[start:stop] for c in columns]}
        yield (Statement(query, values), heartbeat)
    check_stop()
    t_end = time.perf_counter()
    complete = {
        "id": run.id,
        "parameters": orjson.dumps(outcome.parameters, option=orjson.OPT_SORT_KEYS).decode(),
        "node_count": outcome.node_count,
        "edge_count": outcome.edge_count,
        "duration_ms": round((t_end - (started if started is not None else t_write)) * 1e3, 3),
        "finished_at": datetime.now(UTC).isoformat(),
        "modularity": outcome.modularity,
        "community_count": outcome.community_count,
    }
    yield (
        Statement(queries.publish_query(run.label, props, staged)),
        Statement(queries.COMPLETE_RUN, complete, single=True),  # still RUNNING: not failed
    )
    yield from _drop_published(run.id, run.label, staged, batch_size)
    timings = dict(outcome.timings_ms)
    timings["write"] = (time.perf_counter() - t_write) * 1e3
    return replace(outcome, timings_ms=timings, run_id=run.id, created_at=run.created_at)


def start_run(driver: Driver, database: str, spec: GraphSpec, algorithm: str) -> RunHandle:
    """Records the run (status RUNNING) before anything is computed or written."""
    return run_transactions(driver, database, _start(spec, algorithm))


def drop_staged(
    driver: Driver, database: str, label: Label, staged: list[str], batch_size: int = WRITE_BATCH
) -> None:
    """Removes staged values of an unpublished run, in batches."""
    run_transactions(driver, database, _drop(label, staged, batch_size))


def clean_abandoned(
    driver: Driver,
    database: str,
    stale_after: float = STALE_AFTER,
    batch_size: int = WRITE_BATCH,
    current: str | None = None,
) -> list[str]:
    """Marks RUNNING runs without a heartbeat for ``stale_after`` seconds FAILED (their writer
    was killed) and removes their staged values, and drops the staged copies a published run
    left behind (its writer died after publishing); returns the FAILED runs' ids.
    ``current``: the caller's own run, never touched."""
    return run_transactions(driver, database, _clean(stale_after, batch_size, current))


def fail_run(driver: Driver, database: str, run: RunHandle, error: BaseException) -> None:
    """Marks a run FAILED and removes what it staged (best effort: a dead database leaves it
    RUNNING, and the next run cleans it up once its heartbeat is stale)."""
    with contextlib.suppress(Exception):  # the original error is what the caller must see
        run_transactions(driver, database, _fail(run, error))


def write_run(
    driver: Driver,
    database: str,
    run: RunHandle,
    outcome: AnalysisOutcome,
    node_ids: list[str],
    result: AlgorithmResult,
    *,
    batch_size: int = WRITE_BATCH,
    stale_after: float = STALE_AFTER,
    started: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> AnalysisOutcome:
    """Stages every output under the run's own properties in batches, then publishes them and
    marks the run COMPLETE in one transaction. ``should_stop`` is asked between batches."""
    work = _write(run, outcome, node_ids, result, batch_size, stale_after, started, should_stop)
    return run_transactions(driver, database, work)


async def start_run_async(writer: AsyncWriter, spec: GraphSpec, algorithm: str) -> RunHandle:
    """:func:`start_run` on the API's async driver."""
    return await writer.run(_start(spec, algorithm))


async def fail_run_async(writer: AsyncWriter, run: RunHandle, error: BaseException) -> None:
    """:func:`fail_run` on the API's async driver (best effort as well)."""
    with contextlib.suppress(Exception):  # the original error is what the caller must see
        await writer.run(_fail(run, error))


async def write_run_async(
    writer: AsyncWriter,
    run: RunHandle,
    outcome: AnalysisOutcome,
    node_ids: list[str],
    result: AlgorithmResult,
    *,
    batch_size: int = WRITE_BATCH,
    stale_after: float = STALE_AFTER,
    started: float | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> AnalysisOutcome:
    """:func:`write_run` on the API's async driver."""
    work = _write(run, outcome, node_ids, result, batch_size, stale_after, started, should_stop)
    return await writer.run(work)


def _write_plain(
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
    """Batched ``UNWIND`` write of every output straight to its result key, then stale keys
    removed. Not atomic and records no run (the write benchmark measures this writer); runs
    go through :func:`write_run`."""
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
                _write_plain, query, node_ids[start:stop], [c[start:stop] for c in columns]
            )
        clear = queries.clear_stale_query(label, props)
        while session.execute_write(_clear_stale, clear, node_ids, batch_size) >= batch_size:
            pass


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
    status: str | None = queries.RUN_COMPLETE,
    skip: int = 0,
) -> list[dict[str, Any]]:
    """Newest ``AnalysisRun`` nodes first (COMPLETE ones unless ``status`` says otherwise;
    None: all), ``graph`` and ``parameters`` decoded from JSON."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise InputError("limit", limit, "an integer in 1..1000")
    if status is not None and status not in queries.RUN_STATUSES:
        raise InputError("status", status, "one of " + ", ".join(queries.RUN_STATUSES))
    records, _, _ = driver.execute_query(
        queries.LATEST_RUNS,
        label=Label(label).value if label is not None else None,
        algorithm=algorithm,
        whole_graph=whole_graph,
        status=status,
        skip=skip,
        limit=limit,
        database_=database,
        routing_=RoutingControl.READ,
    )
    return [decode_run(r["run"]) for r in records]


async def list_runs(
    scope: ReadScope,
    *,
    status: str | None = None,
    algorithm: str | None = None,
    first: int = 20,
    skip: int = 0,
) -> list[dict[str, Any]]:
    """``latest_runs`` through the API's read gateway: newest first, any status unless given."""
    if status is not None and status not in queries.RUN_STATUSES:
        raise InputError("status", status, "one of " + ", ".join(queries.RUN_STATUSES))
    records = await read(
        scope,
        queries.LATEST_RUNS,
        {
            "label": None,
            "algorithm": algorithm,
            "whole_graph": None,
            "status": status,
            "skip": skip,
            "limit": first,
        },
    )
    return [decode_run(r["run"]) for r in records]


def decode_run(record: dict[str, Any]) -> dict[str, Any]:
    """An ``AnalysisRun`` row with ``graph`` and ``parameters`` decoded from JSON."""
    run = dict(record)
    for k in ("graph", "parameters"):
        if isinstance(run.get(k), str):
            run[k] = orjson.loads(run[k])
    return run
