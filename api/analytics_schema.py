"""GraphQL for analytics: ``analyze`` (stream: export a subgraph, run igraph, return the top N),
the ``runAnalysis`` mutation (write-back with an ``AnalysisRun``; needs the API token) and the
persisted ``scores`` of authors and papers.

The analytics library (``graph.analytics.runs``) is synchronous and CPU-bound, so a request runs
it in a worker thread through the app's job driver; the event loop never blocks on it.
"""

from __future__ import annotations

import asyncio
import hmac
from enum import Enum
from typing import Any

import strawberry
from strawberry.scalars import JSON

from api.collab_types import GraphKind
from api.context import Info
from graph.analytics import runs
from graph.analytics.algorithms import ALGORITHMS
from graph.analytics.spec import GraphSpec
from graph.errors import InputError, ScholarGraphError

MAX_TOP = 100

Algorithm = strawberry.enum(
    Enum("Algorithm", {name.upper(): name for name in ALGORITHMS}),  # type: ignore[misc]
    description="igraph algorithms (docs/analytics.md)",
)


class Unauthorized(ScholarGraphError):
    pass


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

    def spec(self) -> GraphSpec:
        algorithm = self.algorithm.value
        seeds = tuple(self.seeds or ())
        return GraphSpec(
            kind=self.graph.value,  # type: ignore[arg-type]
            categories=tuple(self.categories or ()),
            year_from=self.year_from,
            year_to=self.year_to,
            venues=tuple(self.venues or ()),
            seeds=() if algorithm == "ppr" else seeds,
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
        if self.algorithm.value == "ppr":
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


@strawberry.type
class AnalysisRun:
    id: strawberry.ID
    algorithm: str
    graph: JSON
    parameters: JSON
    node_count: int
    edge_count: int
    duration_ms: float
    created_at: str
    result_keys: list[str]
    modularity: float | None
    community_count: int | None
    top: list[OutputTop]
    communities: list[CommunityTop]


async def _run(info: Info, input: AnalysisInput, write: bool) -> runs.AnalysisOutcome:
    if not 1 <= input.top <= MAX_TOP:
        raise InputError("top", input.top, f"an integer in 1..{MAX_TOP}")
    spec = input.spec()
    jobs = info.context.jobs
    if jobs is None:
        raise ScholarGraphError("analytics are not available in this process")
    return await asyncio.to_thread(
        runs.analyze,
        jobs,
        info.context.scope.database,
        spec,
        input.algorithm.value,
        input.params(),
        write=write,
        top=input.top,
    )


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
