"""The persisted analytics results shown on ``Author.scores`` and ``Paper.scores``."""

from __future__ import annotations

from typing import Any

import strawberry

#: Whole-graph result properties (graph.analytics.runs.result_key) shown by ``scores``.
SCORE_PROPERTIES = (
    "pagerank", "betweenness", "eigenvector", "hub", "authority", "degree", "harmonic",
    "coreness", "component", "community", "louvain",
)  # fmt: skip


@strawberry.type(description="Latest whole-graph analytics results stored on this node.")
class Scores:
    pagerank: float | None = None
    betweenness: float | None = None
    eigenvector: float | None = None
    hub: float | None = None
    authority: float | None = None
    degree: float | None = None
    harmonic: float | None = None
    coreness: float | None = None
    component: int | None = None
    community: int | None = None
    louvain: int | None = None
    citation_pagerank: float | None = strawberry.field(
        default=None, description="authors: PageRank on the author-citation graph"
    )

    @classmethod
    def from_node(cls, n: dict[str, Any]) -> Scores:
        values = {k: n.get(k) for k in SCORE_PROPERTIES}
        return cls(**values, citation_pagerank=n.get("citation_pagerank"))
