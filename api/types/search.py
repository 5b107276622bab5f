"""Full-text search hits (papers, authors, venues) and their page."""

from __future__ import annotations

from typing import Any

import strawberry

from api.types.authors import Author
from api.types.connections import PageInfo
from api.types.papers import Paper
from api.types.venues import Venue


@strawberry.type
class SearchEdge:
    cursor: str
    node: SearchHit


@strawberry.type(description="A page of full-text hits, best score first.")
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo


@strawberry.interface(description="A full-text hit; higher scores match better.")
class SearchHit:
    score: float


@strawberry.type
class PaperHit(SearchHit):
    paper: Paper


@strawberry.type
class AuthorHit(SearchHit):
    author: Author


@strawberry.type
class VenueHit(SearchHit):
    venue: Venue


def search_hit(hit: dict[str, Any]) -> SearchHit:
    kind, node, score = hit["kind"], hit["node"], hit["score"]
    if kind == "paper":
        return PaperHit(score=score, paper=Paper.from_node(node))
    if kind == "author":
        return AuthorHit(score=score, author=Author.from_node(node))
    return VenueHit(score=score, venue=Venue.from_node(node))
