"""Node and relationship counts of the graph."""

from __future__ import annotations

from typing import Any

import strawberry


@strawberry.type
class NameCount:
    name: str
    count: int


@strawberry.type
class GraphStats:
    papers: int = strawberry.field(description="Paper nodes, stubs included")
    stub_papers: int
    authors: int
    venues: int
    categories: int
    citations: int = strawberry.field(description="CITES relationships")
    authorships: int = strawberry.field(description="AUTHORED relationships")
    total_nodes: int
    total_relationships: int
    nodes: list[NameCount] = strawberry.field(description="nodes by label")
    relationships: list[NameCount] = strawberry.field(description="relationships by type")

    @classmethod
    def from_stats(cls, s: dict[str, Any]) -> GraphStats:
        nodes, rels = s["nodes"], s["relationships"]
        return cls(
            papers=nodes.get("Paper", 0),
            stub_papers=s["stub_papers"],
            authors=nodes.get("Author", 0),
            venues=nodes.get("Venue", 0),
            categories=nodes.get("Category", 0),
            citations=rels.get("CITES", 0),
            authorships=rels.get("AUTHORED", 0),
            total_nodes=s["total_nodes"],
            total_relationships=s["total_relationships"],
            nodes=[NameCount(name=k, count=v) for k, v in sorted(nodes.items())],
            relationships=[NameCount(name=k, count=v) for k, v in sorted(rels.items())],
        )
