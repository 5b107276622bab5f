"""GraphQL types of collaboration discovery and influence analysis, and the field mixins that
``api.types.Author`` / ``api.types.Paper`` inherit (``reported``, ``topCitingAuthors``,
``similar``). ``Author``, ``Paper`` and ``Category`` are referenced lazily (``strawberry.lazy``)
so ``api.types`` can import this module without a cycle. Scores are defined in
docs/collaboration.md and in ``graph.collaboration`` / ``graph.influence``."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.context import Info
from api.pagination import check_first
from graph import collaboration as collab
from graph import influence

if TYPE_CHECKING:
    from api.types import Author, Category, Paper, Venue

AuthorT = Annotated["Author", strawberry.lazy("api.types")]
PaperT = Annotated["Paper", strawberry.lazy("api.types")]
CategoryT = Annotated["Category", strawberry.lazy("api.types")]
VenueT = Annotated["Venue", strawberry.lazy("api.types")]


def author_of(node: dict[str, Any]) -> Author:
    from api.types import Author as A

    return A.from_node(node)


def paper_of(node: dict[str, Any]) -> Paper:
    from api.types import Paper as P

    return P.from_node(node)


def category_of(node: dict[str, Any]) -> Category:
    from api.types import Category as C

    return C.from_node(node)


def venue_of(node: dict[str, Any]) -> Venue:
    from api.types import Venue as V

    return V.from_node(node)


# --- enums ----------------------------------------------------------------------------------


@strawberry.enum(description="What an influence ranking is ordered by (see docs/collaboration.md).")
class InfluenceMeasure(Enum):
    PAGERANK = "pagerank"
    CITATIONS = "citations"
    HINDEX = "hindex"


@strawberry.enum(description="Which graph: co-authorship (authors), citation (papers), …")
class GraphKind(Enum):
    COAUTHORSHIP = "coauthorship"
    CITATION = "citation"
    AUTHOR_CITATION = "author-citation"


# --- profile parity -------------------------------------------------------------------------


@strawberry.type(description="Figures a source (a profile page) printed, not computed here.")
class ReportedMetrics:
    h_index: int | None
    citation_count: int | None
    paper_count: int | None
    novelty: float | None = strawberry.field(description="a fraction: the page's 64% is 0.64")
    ai_score: float | None = strawberry.field(description="the site's own 0-100 score")
    source: str | None
    as_of: str | None = strawberry.field(description="when the source was captured")

    @classmethod
    def build(cls, r: influence.ReportedMetrics) -> ReportedMetrics:
        return cls(
            h_index=r.h_index,
            citation_count=r.citation_count,
            paper_count=r.paper_count,
            novelty=r.novelty,
            ai_score=r.ai_score,
            source=r.source,
            as_of=r.as_of,
        )


# --- collaboration --------------------------------------------------------------------------


@strawberry.type(description="Two consecutive authors of a path and the joint papers linking them.")
class CollaborationHop:
    source: AuthorT = strawberry.field(name="from")
    target: AuthorT = strawberry.field(name="to")
    papers: list[PaperT] = strawberry.field(description="joint papers, oldest first (at most 5)")
    joint_paper_count: int


@strawberry.type
class CollaborationPath:
    authors: list[AuthorT] = strawberry.field(description="from the first author to the last")
    hops: list[CollaborationHop]
    length: int = strawberry.field(description="number of hops")
    alternatives: list[CollaborationPath] = strawberry.field(
        description="the next shortest distinct paths (k - 1 at most), shortest first"
    )

    @classmethod
    def build(
        cls, p: collab.CollaborationPath, alternatives: list[CollaborationPath] | None = None
    ) -> CollaborationPath:
        return cls(
            authors=[author_of(a) for a in p.authors],
            hops=[
                CollaborationHop(
                    source=author_of(h.source),
                    target=author_of(h.target),
                    papers=[paper_of(x) for x in h.papers],
                    joint_paper_count=h.joint_paper_count,
                )
                for h in p.hops
            ],
            length=p.length,
            alternatives=alternatives or [],
        )


@strawberry.type(description="Why an author is suggested.")
class SuggestionReasons:
    common_coauthors: list[AuthorT] = strawberry.field(description="at most 5, rarest first")
    common_coauthor_count: int
    shared_categories: list[strawberry.ID]
    community: int | None = strawberry.field(
        description="the suggested author's community in the latest Leiden run"
    )
    same_community: bool


@strawberry.type(description="score = adamicAdar + 1.0 * categoryJaccard + 0.5 * (same community)")
class CollaboratorSuggestion:
    author: AuthorT
    score: float
    adamic_adar: float
    category_jaccard: float
    reasons: SuggestionReasons

    @classmethod
    def build(cls, s: collab.Suggestion) -> CollaboratorSuggestion:
        return cls(
            author=author_of(s.author),
            score=s.score,
            adamic_adar=s.adamic_adar,
            category_jaccard=s.category_jaccard,
            reasons=SuggestionReasons(
                common_coauthors=[author_of(a) for a in s.common_coauthors],
                common_coauthor_count=s.common_coauthor_count,
                shared_categories=[strawberry.ID(c) for c in s.shared_categories],
                community=s.community,
                same_community=s.same_community,
            ),
        )


@strawberry.type
class CommunityMember:
    author: AuthorT
    pagerank: float | None = strawberry.field(description="persisted whole-graph PageRank")
    degree: int = strawberry.field(description="distinct co-authors")


@strawberry.type
class CategoryShare:
    category: CategoryT
    paper_count: int = strawberry.field(description="member papers in this category")


@strawberry.type
class NetworkAuthor:
    author: AuthorT
    hop: int = strawberry.field(description="0 = the author, 1 = co-author, 2 = theirs")


@strawberry.type
class NetworkLink:
    source: strawberry.ID
    target: strawberry.ID
    joint_paper_count: int


@strawberry.type(
    description="An author's co-author network: the author, up to 100 co-authors (most joint "
    "papers first) and, for two hops, the co-authors of those (at most 30 each) ranked by their "
    "joint papers with them, up to `limit` authors; a link joins two shown authors when either "
    "lists the other among its 30 most frequent co-authors."
)
class CoauthorNetwork:
    centre: strawberry.ID
    found: int = strawberry.field(description="authors found within the hops (before the cap)")
    nodes: list[NetworkAuthor]
    links: list[NetworkLink]

    @classmethod
    def build(cls, net: collab.CoauthorNetwork) -> CoauthorNetwork:
        return cls(
            centre=strawberry.ID(net.centre),
            found=net.found,
            nodes=[NetworkAuthor(author=author_of(n.author), hop=n.hop) for n in net.nodes],
            links=[
                NetworkLink(source=strawberry.ID(a), target=strawberry.ID(b), joint_paper_count=w)
                for a, b, w in net.edges
            ],
        )


@strawberry.type
class VenueShare:
    venue: VenueT
    paper_count: int = strawberry.field(description="member papers in this venue")


@strawberry.type(description="A Leiden community of the co-authorship graph (a persisted run).")
class Community:
    id: int
    size: int
    top_members: list[CommunityMember]
    dominant_categories: list[CategoryShare]
    dominant_venues: list[VenueShare]
    internal_edges: int = strawberry.field(description="co-author pairs inside the community")
    density: float = strawberry.field(description="internalEdges / (size (size - 1) / 2)")
    paper_count: int = strawberry.field(description="distinct papers of the members")
    categorised_paper_count: int = strawberry.field(
        description="papers of the members with a category"
    )
    venue_paper_count: int = strawberry.field(description="papers of the members with a venue")
    field_paper_count: int | None = strawberry.field(
        description="papers of the members in the `category` asked for (with subcategories)"
    )
    label: str = strawberry.field(
        description="What the community works on and how much of it that covers: its dominant "
        'categories with their papers out of all its papers ("hep-th 812, hep-ph 120 of 1,638 '
        'papers"), or its dominant venues when fewer than half its papers have a category '
        '("Phys. Rev. D 40 of 1,638 papers; categories on 23").'
    )
    run_id: str | None
    run_created_at: str | None

    @classmethod
    def build(cls, c: collab.Community) -> Community:
        return cls(
            id=c.community,
            size=c.size,
            top_members=[
                CommunityMember(author=author_of(m.author), pagerank=m.pagerank, degree=m.degree)
                for m in c.top_members
            ],
            dominant_categories=[
                CategoryShare(category=category_of(n), paper_count=k) for n, k in c.categories
            ],
            dominant_venues=[VenueShare(venue=venue_of(n), paper_count=k) for n, k in c.venues],
            internal_edges=c.internal_edges,
            density=c.density,
            paper_count=c.paper_count,
            categorised_paper_count=c.categorised_papers,
            venue_paper_count=c.venue_papers,
            field_paper_count=c.field_papers,
            label=c.label,
            run_id=c.run.get("id"),
            run_created_at=c.run.get("created_at"),
        )


# --- influence ------------------------------------------------------------------------------


@strawberry.type
class PaperScore:
    paper: PaperT
    score: float = strawberry.field(description="the value of the `by` measure")
    pagerank: float = strawberry.field(description="PageRank in the filtered citation graph")
    citations: int = strawberry.field(description="citations inside the filtered graph")

    @classmethod
    def build(cls, s: influence.PaperScore) -> PaperScore:
        return cls(
            paper=paper_of(s.paper), score=s.score, pagerank=s.pagerank, citations=s.citations
        )


@strawberry.type
class AuthorScore:
    author: AuthorT
    score: float = strawberry.field(description="the value of the `by` measure")
    pagerank: float = strawberry.field(description="paper PageRank split 1/n among authors")
    citations: float = strawberry.field(
        description="in-subgraph citations split 1/n, self-citations included"
    )
    citations_excluding_self: float = strawberry.field(
        description="in-subgraph citations split 1/n without self-citations (a citing paper "
        "the author also wrote); what `by: CITATIONS` ranks by"
    )
    h_index: int = strawberry.field(description="h-index inside the filtered graph")
    paper_count: int = strawberry.field(description="papers inside the filtered graph")

    @classmethod
    def build(cls, s: influence.AuthorScore) -> AuthorScore:
        return cls(
            author=author_of(s.author),
            score=s.score,
            pagerank=s.pagerank,
            citations=s.citations,
            citations_excluding_self=s.citations_no_self,
            h_index=s.h_index,
            paper_count=s.paper_count,
        )


@strawberry.type
class CitingAuthor:
    author: AuthorT
    citations: int = strawberry.field(description="citation links to the author's papers")
    citing_papers: int


@strawberry.type(description="Who cites an author; self-citations excluded and counted apart.")
class CitingAuthors:
    total_citations: int
    self_citations: int = strawberry.field(
        description="citations from papers the author co-wrote (not in `authors`)"
    )
    authors: list[CitingAuthor]


@strawberry.type
class RisingAuthor:
    author: AuthorT
    recent_velocity: float = strawberry.field(description="citations per year, recent window")
    previous_velocity: float
    velocity_change: float
    pagerank_recent: float = strawberry.field(description="PageRank credit × nodes (1 = mean)")
    pagerank_previous: float
    pagerank_change: float
    growth: float = strawberry.field(
        description="(recentVelocity + 1) / (max(previousVelocity, 2) + 1): the ranking"
    )


@strawberry.type
class YearRange:
    start: int
    end: int


@strawberry.type
class RisingAuthors:
    previous_window: YearRange
    recent_window: YearRange
    authors: list[RisingAuthor]


@strawberry.type
class SimilarPaper:
    paper: PaperT
    score: int = strawberry.field(description="cocitation + coupling")
    cocitation: int = strawberry.field(description="papers citing both")
    coupling: int = strawberry.field(description="references in common")


# --- mixins for api.types.Author / api.types.Paper ------------------------------------------


@strawberry.type
class AuthorCollabFields:
    """Inherited by ``api.types.Author`` (which has ``id``)."""

    @strawberry.field(
        description="Figures a source reported (profile page), separate from computed ones."
    )
    async def reported(self, info: Info) -> ReportedMetrics | None:
        node = await info.context.loaders.author.load(self.id)  # type: ignore[attr-defined]
        r = influence.reported_metrics(node) if node else None
        return ReportedMetrics.build(r) if r else None

    @strawberry.field(
        description="Authors citing this author's papers most; self-citations excluded."
    )
    async def top_citing_authors(self, info: Info, first: int | None = 10) -> CitingAuthors:
        n = check_first(10 if first is None else first)
        r = await info.context.loaders.top_citing.load((self.id, n))  # type: ignore[attr-defined]
        return CitingAuthors(
            total_citations=r["total"],
            self_citations=r["self_citations"],
            authors=[
                CitingAuthor(
                    author=author_of(a["author"]),
                    citations=a["citations"],
                    citing_papers=a["citing_papers"],
                )
                for a in r["rows"]
            ],
        )


@strawberry.type
class PaperCollabFields:
    """Inherited by ``api.types.Paper`` (which has ``id``)."""

    @strawberry.field(description="Similar papers by co-citation and bibliographic coupling.")
    async def similar(self, info: Info, first: int | None = 10) -> list[SimilarPaper]:
        n = check_first(10 if first is None else first)
        rows = await info.context.loaders.similar.load((self.id, n))  # type: ignore[attr-defined]
        return [
            SimilarPaper(
                paper=paper_of(s["paper"]),
                score=s["score"],
                cocitation=s["cocitation"],
                coupling=s["coupling"],
            )
            for s in rows
        ]
