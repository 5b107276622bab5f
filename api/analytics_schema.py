"""GraphQL for analytics: ``analyze`` (stream: export a subgraph, run igraph, return the top N),
the ``runAnalysis`` mutation (atomic write-back with an ``AnalysisRun``; needs the API token),
``analysisRuns`` (every run with its status) and the persisted ``scores`` of authors and papers.

igraph holds the GIL, so the algorithm of a request runs in a worker process
(``graph.analytics.worker``) that is killed at the request's deadline; the export is an async
read with the request's timeout. ``analyze`` is public and paid for by the query cost
(``api.cost``: a betweenness run with cutoff 4 nearly fills the default budget); ``cutoff`` and
``iterations`` are bounded (``graph.analytics.requests``).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import threading
import time
import uuid
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.context import Info
from api.pagination import check_first
from api.types.collab import GraphKind
from graph.analytics import requests, runs
from graph.analytics.algorithms import ALGORITHMS, SEEDED
from graph.analytics.queries import RUN_COMPLETE, RUN_FAILED, RUN_RUNNING
from graph.analytics.spec import GraphSpec
from graph.analytics.worker import shared_pool
from graph.errors import InputError, RequestTimeout, ScholarGraphError

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


@strawberry.input(description="A subgraph, an algorithm and its parameters.")
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
    resolution: float | None = None
    iterations: int | None = strawberry.field(
        default=None, description="leiden: iterations, -1 = until stable (default)"
    )
    damping: float | None = None
    cutoff: int | None = None
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
        out: dict[str, Any] = {}
        if self.resolution is not None:
            out["resolution"] = self.resolution
        if self.iterations is not None:
            out["iterations"] = self.iterations
        if self.damping is not None:
            out["damping"] = self.damping
        if self.cutoff is not None:
            out["cutoff"] = self.cutoff
        if self.algorithm.value in SEEDED:
            out["seeds"] = list(self.seeds or ())
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


async def _run_spark(
    info: Info, spec: GraphSpec, input: AnalysisInput, write: bool
) -> runs.AnalysisOutcome:
    """On Spark (one session per API process), in a thread: the JVM does the work. The graph
    comes through the project's export on the jobs driver (``ExportSource``). The request's
    deadline holds inside the run: its Spark jobs carry a job group that is cancelled when the
    time is up, no later phase starts, and nothing is published (the run is marked FAILED)."""
    from graph.analytics.spark import engine
    from graph.analytics.spark.session import shared_session
    from graph.analytics.spark.sources import ExportSource
    from graph.settings import SparkSettings

    algorithm, params = input.algorithm.value, input.params()
    engine.check_params(algorithm, params)
    jobs = info.context.jobs
    if jobs is None:
        raise ScholarGraphError("analytics are not available in this process")
    settings = info.context.settings
    scope = info.context.scope
    session = await asyncio.to_thread(shared_session, SparkSettings())
    group = f"scholargraph-run-{uuid.uuid4().hex[:12]}"
    stop = threading.Event()

    def stopped(phase: str) -> None:
        if stop.is_set():
            raise runs.RunCancelled(f"the Spark analysis was stopped before its {phase} phase")

    def job() -> runs.AnalysisOutcome:
        context = session.sparkContext
        context.setJobGroup(group, "runAnalysis", interruptOnCancel=True)
        try:
            return engine.analyze(
                jobs, scope.database, session, ExportSource(jobs, scope.database), spec,
                algorithm, params, write=write, top=input.top,
                batch_size=settings.analysis_write_batch, stale_after=settings.analysis_stale_after,
                on_phase=stopped, should_stop=stop.is_set,
            )  # fmt: skip
        finally:
            context.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]

    task = asyncio.ensure_future(asyncio.to_thread(job))
    left = None if scope.deadline is None else max(0.0, scope.deadline - time.monotonic())
    try:
        return await asyncio.wait_for(asyncio.shield(task), left)
    except BaseException as e:
        stop.set()
        session.sparkContext.cancelJobGroup(group)
        with contextlib.suppress(BaseException):  # the run is marked FAILED before we answer
            await task
        if isinstance(e, TimeoutError):
            raise RequestTimeout(scope.limit or left or 0.0, "the Spark analysis") from None
        raise


async def _run(info: Info, input: AnalysisInput, write: bool) -> runs.AnalysisOutcome:
    spec = _checked(input)
    if input.engine is Engine.SPARK:
        return await _run_spark(info, spec, input, write)
    settings = info.context.settings
    pool = shared_pool(settings.analytics_workers)
    scope = info.context.scope
    algorithm, params = input.algorithm.value, input.params()
    if not write:
        return await requests.analyze(scope, pool, spec, algorithm, params, top=input.top)
    jobs = info.context.jobs
    if jobs is None:
        raise ScholarGraphError("analytics are not available in this process")
    return await requests.analyze_and_write(
        scope, pool, jobs, spec, algorithm, params, top=input.top,
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
