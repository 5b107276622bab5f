"""Query fields of collaboration discovery and influence analysis; ``api.schema`` merges them
into ``Query`` (``strawberry.tools.merge_types``). Resolvers are thin: they
bound their arguments and call ``graph.collaboration`` / ``graph.influence``."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.context import Info
from api.pagination import check_first
from api.types.authors import Author
from api.types.collab import (
    AuthorScore,
    CoauthorNetwork,
    CollaborationPath,
    CollaboratorSuggestion,
    Community,
    GraphKind,
    InfluenceMeasure,
    PaperScore,
    RisingAuthor,
    RisingAuthors,
    YearRange,
)
from graph import collaboration as collab
from graph import influence


def _first(first: int | None, default: int) -> int:
    return check_first(default if first is None else first)


@strawberry.type
class CollabQuery:
    @strawberry.field(
        description="A shortest co-authorship path with the joint papers of every hop, and up "
        "to k - 1 alternative distinct paths; null when none within maxHops. Only joint papers "
        "in yearFrom..yearTo count; `avoid` authors are never on the path."
    )
    async def collaboration_path(
        self,
        info: Info,
        from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID,
        max_hops: int | None = collab.DEFAULT_MAX_HOPS,
        k: int | None = 1,
        year_from: int | None = None,
        year_to: int | None = None,
        avoid: list[strawberry.ID] | None = None,
    ) -> CollaborationPath | None:
        paths = await collab.collaboration_paths(
            info.context.scope,
            from_,
            to,
            max_hops=collab.DEFAULT_MAX_HOPS if max_hops is None else max_hops,
            k=1 if k is None else k,
            year_from=year_from,
            year_to=year_to,
            avoid=list(avoid or []),
        )
        if not paths:
            return None
        rest = [CollaborationPath.build(p) for p in paths[1:]]
        return CollaborationPath.build(paths[0], rest)

    @strawberry.field(
        description="An author's co-author network, 1 or 2 hops, at most `limit` (2..500) "
        "authors (the network page's picture)."
    )
    async def coauthor_network(
        self, info: Info, author: strawberry.ID, hops: int = 2, limit: int = 150
    ) -> CoauthorNetwork:
        net = await collab.coauthor_network(info.context.scope, author, limit, hops)
        return CoauthorNetwork.build(net)

    @strawberry.field(
        description="Authors who are not yet co-authors, best first: Adamic–Adar over the "
        "co-author graph + category overlap + same Leiden community, with the reasons."
    )
    async def suggest_collaborators(
        self, info: Info, author_id: strawberry.ID, first: int | None = 10
    ) -> list[CollaboratorSuggestion]:
        rows = await collab.suggest_collaborators(info.context.scope, author_id, _first(first, 10))
        return [CollaboratorSuggestion.build(s) for s in rows]

    @strawberry.field(
        description="Leiden communities of the co-authorship graph from the latest persisted "
        "run, largest first; with `category`, the communities with papers in that field (with "
        "its subcategories), most such papers first."
    )
    async def communities(
        self,
        info: Info,
        graph: GraphKind = GraphKind.COAUTHORSHIP,
        first: int | None = 20,
        category: strawberry.ID | None = None,
    ) -> list[Community]:
        rows = await collab.communities(
            info.context.scope, graph.value, _first(first, 20), category=category
        )
        return [Community.build(c) for c in rows]

    @strawberry.field(
        description="Most influential authors of the citation graph filtered by category "
        "(with subcategories) and years; PageRank and citations split 1/n among authors. "
        "`by: CITATIONS` ranks by citations without self-citations (a citing paper the author "
        "also wrote, as in `topCitingAuthors`); both figures are given."
    )
    async def influential_authors(
        self,
        info: Info,
        category: strawberry.ID | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        by: InfluenceMeasure = InfluenceMeasure.PAGERANK,
        first: int | None = 10,
    ) -> list[AuthorScore]:
        rows = await influence.influential_authors(
            info.context.scope, category, year_from, year_to, by.value, _first(first, 10)
        )
        return [AuthorScore.build(s) for s in rows]

    @strawberry.field(
        description="Most influential papers of the filtered citation graph (PAGERANK or "
        "CITATIONS inside the subgraph)."
    )
    async def influential_papers(
        self,
        info: Info,
        category: strawberry.ID | None = None,
        year_from: int | None = None,
        year_to: int | None = None,
        by: InfluenceMeasure = InfluenceMeasure.PAGERANK,
        first: int | None = 10,
    ) -> list[PaperScore]:
        rows = await influence.influential_papers(
            info.context.scope, category, year_from, year_to, by.value, _first(first, 10)
        )
        return [PaperScore.build(s) for s in rows]

    @strawberry.field(
        description="Authors whose citation velocity (citations per year to their papers in "
        "the category) grew most between two windows of `window` years ending at `year`. "
        "Default `year`: the last year with enough papers in the category (at least 10, and at "
        "least 10% of its busiest year's). Ranked by growth = (recent + 1) / (max(previous, 2) "
        "+ 1) over the velocities (a normalised change with a minimum base of 2 citations per "
        "year), then velocity change, then PageRank change."
    )
    async def rising_authors(
        self,
        info: Info,
        category: strawberry.ID | None = None,
        window: int = 2,
        year: int | None = None,
        first: int | None = 10,
    ) -> RisingAuthors:
        w, rows = await influence.rising_authors(
            info.context.scope, category, window, year, _first(first, 10)
        )
        return RisingAuthors(
            previous_window=YearRange(start=w.previous[0], end=w.previous[1]),
            recent_window=YearRange(start=w.recent[0], end=w.recent[1]),
            authors=[
                RisingAuthor(
                    author=Author.from_node(r.author),
                    recent_velocity=r.recent_velocity,
                    previous_velocity=r.previous_velocity,
                    velocity_change=r.velocity_change,
                    pagerank_recent=r.pagerank_recent,
                    pagerank_previous=r.pagerank_previous,
                    pagerank_change=r.pagerank_change,
                    growth=r.growth,
                )
                for r in rows
            ],
        )
