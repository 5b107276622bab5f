"""GraphQL for analytics: ``analyze`` (stream: export a subgraph, run igraph, return the top N),
the ``runAnalysis`` mutation (atomic write-back with an ``AnalysisRun``; needs the API token),
``analysisRuns`` (every run with its status) and the persisted ``scores`` of authors and papers.

igraph holds the GIL, so the algorithm of a request runs in a worker process
(``graph.analytics.worker``) that is killed at the request's deadline; the export is an async
read with the request's timeout, and a write run is recorded and published through the
process's writer: everything on the API's one async driver. ``analyze`` is public and paid for
by the query cost (``api.cost``: a betweenness run with cutoff 4 nearly fills the default
budget); ``cutoff`` and ``iterations`` are bounded (``graph.analytics.requests``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import threading
import time
import uuid
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry.scalars import JSON

from api.context import Info
from api.pagination import check_first
from api.types.collab import GraphKind
from graph.analytics import requests, runs
from graph.analytics.algorithms import ALGORITHMS, SEEDED, check_parameters
from graph.analytics.export import EdgeList
from graph.analytics.parameters import EXPOSED
from graph.analytics.queries import RUN_COMPLETE, RUN_FAILED, RUN_RUNNING
from graph.analytics.spec import GraphSpec
from graph.analytics.worker import shared_pool
from graph.errors import InputError, RequestTimeout, ScholarGraphError
from graph.repository import ReadScope

MAX_TOP = 100

Algorithm = strawberry.enum(
    Enum("Algorithm", {name.upper(): name for name in ALGORITHMS}),  # type: ignore[misc]
    description="analytics algorithms (docs/analytics.md; on SPARK: docs/scale-out.md)",
)


@strawberry.enum(
    description="Where an analysis runs: igraph in a worker process of the API, "
    "or GraphX on the Spark master SCHOLARGRAPH_SPARK_MASTER (docs/scale-out.md)."
)
class Engine(Enum):
    IGRAPH = "igraph"
    SPARK = "spark"


class Unauthorized(ScholarGraphError):
    code = "UNAUTHENTICATED"


@strawberry.enum(description="Where an analysis run is: only COMPLETE runs' results are shown.")
class RunStatus(Enum):
    RUNNING = RUN_RUNNING
    COMPLETE = RUN_COMPLETE
    FAILED = RUN_FAILED


_Input = TypeVar("_Input", bound=type)


def parameter_fields(cls: _Input) -> _Input:
    """``cls`` with one optional field per exposed algorithm parameter (``PARAMETER_SPECS`` of
    ``graph.analytics.parameters``: name, type, description), placed before its ``top``."""
    annotations: dict[str, Any] = {}
    for name, annotation in cls.__annotations__.items():
        if name == "top":
            for p in EXPOSED:
                annotations[p.name] = p.type | None
                setattr(cls, p.name, strawberry.field(default=None, description=p.help))
        annotations[name] = annotation
    cls.__annotations__ = annotations
    return cls


@strawberry.input(description="A subgraph, an algorithm and its parameters.")
@parameter_fields
class AnalysisInput:
    graph: GraphKind = GraphKind.COAUTHORSHIP
    algorithm: Algorithm  # type: ignore[valid-type]
    categories: list[str] | None = strawberry.field(
        default=None, description="category ids; subcategories included"
    )
    year_from: int | None = None
    year_to: int | None = None
    venues: list[str] | None = None
    seeds: list[strawberry.ID] | None = strawberry.field(
        default=None, description="ego-network seeds (ppr: personalisation seeds)"
    )
    hops: int = 1
    min_weight: int = 1
    self_citations: bool = False
    # here: resolution, iterations, damping, cutoff (parameter_fields)
    top: int = 10
    engine: Engine = Engine.IGRAPH

    def spec(self) -> GraphSpec:
        algorithm = self.algorithm.value
        seeds = tuple(self.seeds or ())
        return GraphSpec(
            kind=self.graph.value,  # type: ignore[arg-type]
            categories=tuple(self.categories or ()),
            year_from=self.year_from,
            year_to=self.year_to,
            venues=tuple(self.venues or ()),
            seeds=() if algorithm in SEEDED else seeds,
            hops=self.hops,
            min_weight=self.min_weight,
            self_citations=self.self_citations,
        )

    def params(self) -> dict[str, Any]:
        """The algorithm parameters that are set (and ``seeds`` for ppr/distance). On the igraph
        engine one the algorithm does not take is an error naming it; the Spark engine checks
        its own (``engine.check_params``: it adds round counts)."""
        algorithm = self.algorithm.value
        out = {p.name: getattr(self, p.name) for p in EXPOSED}
        out = {name: value for name, value in out.items() if value is not None}
        if algorithm in SEEDED:
            out["seeds"] = list(self.seeds or ())
        if self.engine is Engine.IGRAPH:
            check_parameters(algorithm, out)
        return out


@strawberry.type
class ScoredNode:
    id: strawberry.ID
    score: float


@strawberry.type
class OutputTop:
    output: str = strawberry.field(description="e.g. pagerank, hub, authority")
    property: str = strawberry.field(description="node property a write run stores it in")
    nodes: list[ScoredNode]


@strawberry.type
class CommunityTop:
    community: int
    size: int
    members: list[strawberry.ID]


@strawberry.type
class AnalysisResult:
    graph: JSON
    spec_hash: str
    algorithm: str
    parameters: JSON
    node_count: int
    edge_count: int
    top: list[OutputTop]
    communities: list[CommunityTop]
    community_count: int | None
    modularity: float | None
    timings_ms: JSON
    run_id: str | None = None
    created_at: str | None = None

    @classmethod
    def build(cls, o: runs.AnalysisOutcome) -> AnalysisResult:
        d = o.as_dict()
        return cls(
            graph=d["graph"],
            spec_hash=d["spec_hash"],
            algorithm=o.algorithm,
            parameters=d["parameters"],
            node_count=o.node_count,
            edge_count=o.edge_count,
            top=[
                OutputTop(
                    output=name,
                    property=o.result_keys.get(name, name),
                    nodes=[ScoredNode(id=strawberry.ID(s.id), score=s.score) for s in scored],
                )
                for name, scored in o.top.items()
            ],
            communities=[
                CommunityTop(
                    community=c.community,
                    size=c.size,
                    members=[strawberry.ID(m) for m in c.members],
                )
                for c in o.communities
            ],
            community_count=o.community_count,
            modularity=o.modularity,
            timings_ms=d["timings_ms"],
            run_id=o.run_id,
            created_at=o.created_at,
        )


@strawberry.type(
    description="A write run: RUNNING while its results are staged (invisible), COMPLETE once "
    "published in one transaction, FAILED when it stopped (its staged results removed)."
)
class AnalysisRun:
    id: strawberry.ID
    algorithm: str
    graph: JSON
    parameters: JSON
    node_count: int = strawberry.field(description="0 until the run is COMPLETE")
    edge_count: int = strawberry.field(description="0 until the run is COMPLETE")
    duration_ms: float = strawberry.field(description="0 until the run is COMPLETE")
    created_at: str
    result_keys: list[str]
    modularity: float | None
    community_count: int | None
    top: list[OutputTop]
    communities: list[CommunityTop]
    status: RunStatus = RunStatus.COMPLETE
    started_at: str | None = None
    finished_at: str | None = None

    @classmethod
    def from_record(cls, r: dict[str, Any]) -> AnalysisRun:
        """A persisted run (``graph.analytics.runs.list_runs``); top N are not persisted."""
        graph: Any = r.get("graph") or {}
        parameters: Any = r.get("parameters") or {}
        return cls(
            id=strawberry.ID(str(r["id"])),
            algorithm=str(r.get("algorithm") or ""),
            graph=graph,
            parameters=parameters,
            node_count=int(r.get("node_count") or 0),
            edge_count=int(r.get("edge_count") or 0),
            duration_ms=float(r.get("duration_ms") or 0.0),
            created_at=str(r.get("created_at") or ""),
            result_keys=list(r.get("result_keys") or []),
            modularity=r.get("modularity"),
            community_count=r.get("community_count"),
            top=[],
            communities=[],
            status=RunStatus(r.get("status") or RUN_COMPLETE),
            started_at=r.get("started_at"),
            finished_at=r.get("finished_at"),
        )


def _checked(input: AnalysisInput) -> GraphSpec:
    if not 1 <= input.top <= MAX_TOP:
        raise InputError("top", input.top, f"an integer in 1..{MAX_TOP}")
    requests.check_request_params(input.algorithm.value, input.params())
    return input.spec()


def _on_spark(scope: ReadScope) -> requests.Compute:
    """GraphX on the exported graph (one Spark session per API process), in a thread: the JVM
    does the work. The request's deadline holds inside the run: its Spark jobs carry a job
    group that is cancelled when the time is up, and no later phase starts."""
    from graph.analytics.spark import engine
    from graph.analytics.spark.session import shared_session
    from graph.settings import SparkSettings

    async def compute(edges: EdgeList, algorithm: str, params: dict[str, Any]) -> requests.Computed:
        session = await asyncio.to_thread(shared_session, SparkSettings())
        group = f"scholargraph-run-{uuid.uuid4().hex[:12]}"
        stop = threading.Event()

        def stopped(phase: str) -> None:
            if stop.is_set():
                raise runs.RunCancelled(f"the Spark analysis was stopped before its {phase} phase")

        def job() -> requests.Computed:
            context = session.sparkContext
            context.setJobGroup(group, "scholargraph analysis", interruptOnCancel=True)
            try:
                return engine.compute_exported(session, edges, algorithm, params, on_phase=stopped)
            finally:
                context.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]

        task = asyncio.ensure_future(asyncio.to_thread(job))
        left = None if scope.deadline is None else max(0.0, scope.deadline - time.monotonic())
        try:
            return await asyncio.wait_for(asyncio.shield(task), left)
        except BaseException as e:
            stop.set()
            session.sparkContext.cancelJobGroup(group)
            with contextlib.suppress(BaseException):  # stopped before a write run is failed
                await task
            if isinstance(e, TimeoutError):
                raise RequestTimeout(scope.limit or left or 0.0, "the Spark analysis") from None
            raise

    return compute


async def _run(info: Info, input: AnalysisInput, write: bool) -> runs.AnalysisOutcome:
    """The export through the read gateway, the algorithm off the event loop (igraph in a
    worker process, or Spark), a write run through the process's writer: all on the API's
    one async driver (``graph.analytics.requests``)."""
    spec = _checked(input)
    settings = info.context.settings
    scope = info.context.scope
    algorithm, params = input.algorithm.value, input.params()
    export_timeout = None
    if input.engine is Engine.SPARK:
        from graph.analytics.spark import engine

        engine.check_params(algorithm, params)  # before a JVM starts
        compute = _on_spark(scope)
        # the engine of large graphs: the export gets a write run's time (the deadline caps it)
        export_timeout = max(scope.timeout, requests.WRITE_EXPORT_TIMEOUT)
    else:
        compute = requests.in_worker(scope, shared_pool(settings.analytics_workers))
    if not write:
        return await requests.analyze(
            scope, compute, spec, algorithm, params, top=input.top, export_timeout=export_timeout
        )
    writer = info.context.writer
    if writer is None:
        raise ScholarGraphError("analytics are not available in this process")
    return await requests.analyze_and_write(
        scope, compute, writer, spec, algorithm, params, top=input.top,
        batch_size=settings.analysis_write_batch, stale_after=settings.analysis_stale_after,
    )  # fmt: skip


def _check_token(info: Info) -> None:
    configured = info.context.settings.api_token
    if configured is None:
        raise Unauthorized(
            "runAnalysis is disabled: no API token is configured (set SCHOLARGRAPH_API_TOKEN)"
        )
    request = info.context.request
    header = request.headers.get("authorization", "") if request is not None else ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode(), configured.get_secret_value().encode()
    ):
        raise Unauthorized("runAnalysis needs the header 'Authorization: Bearer <API token>'")


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        description="Ad hoc analysis: export the subgraph, run igraph, return the top N. "
        "Nothing is written."
    )
    async def analyze(self, info: Info, input: AnalysisInput) -> AnalysisResult:
        return AnalysisResult.build(await _run(info, input, write=False))

    @strawberry.field(
        description="Analysis write runs, newest first, with their status (every status "
        "unless `status` is given)."
    )
    async def analysis_runs(
        self,
        info: Info,
        first: int | None = 20,
        status: RunStatus | None = None,
        algorithm: str | None = None,
    ) -> list[AnalysisRun]:
        n = check_first(first)
        rows = await runs.list_runs(
            info.context.scope,
            status=status.value if status is not None else None,
            algorithm=algorithm,
            first=n,
        )
        return [AnalysisRun.from_record(r) for r in rows]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Run an analysis and write the results back (scores, communities and an "
        "AnalysisRun). Needs 'Authorization: Bearer <SCHOLARGRAPH_API_TOKEN>'."
    )
    async def run_analysis(self, info: Info, input: AnalysisInput) -> AnalysisRun:
        _check_token(info)
        o = await _run(info, input, write=True)
        r = AnalysisResult.build(o)
        return AnalysisRun(
            status=RunStatus.COMPLETE,
            id=strawberry.ID(o.run_id or ""),
            algorithm=o.algorithm,
            graph=r.graph,
            parameters=r.parameters,
            node_count=o.node_count,
            edge_count=o.edge_count,
            duration_ms=round(o.timings_ms.get("total", 0.0), 3),
            created_at=o.created_at or "",
            result_keys=sorted(set(o.result_keys.values())),
            modularity=o.modularity,
            community_count=o.community_count,
            top=r.top,
            communities=r.communities,
        )
