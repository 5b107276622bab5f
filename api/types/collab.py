"""Collaboration discovery and influence analysis: paths, suggestions, communities, the
co-author network, influence rankings and rising authors. Scores are defined in
docs/collaboration.md and in ``graph.collaboration`` / ``graph.influence``."""

from __future__ import annotations

import strawberry

from api.types.authors import Author
from api.types.papers import Paper
from api.types.venues import Category, Venue
from graph import collaboration as collab
from graph import influence
from graph.analytics.spec import GraphKind as _GraphKind

InfluenceMeasure = strawberry.enum(
    influence.InfluenceMeasure,
    description="What an influence ranking is ordered by (see docs/collaboration.md).",
)
GraphKind = strawberry.enum(
    _GraphKind, description="Which graph: co-authorship (authors), citation (papers), …"
)


@strawberry.type(description="Two consecutive authors of a path and the joint papers linking them.")
class CollaborationHop:
    source: Author = strawberry.field(name="from")
    target: Author = strawberry.field(name="to")
    papers: list[Paper] = strawberry.field(description="joint papers, oldest first (at most 5)")
    joint_paper_count: int


@strawberry.type
class CollaborationPath:
    authors: list[Author] = strawberry.field(description="from the first author to the last")
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
            authors=[Author.from_node(a) for a in p.authors],
            hops=[
                CollaborationHop(
                    source=Author.from_node(h.source),
                    target=Author.from_node(h.target),
                    papers=[Paper.from_node(x) for x in h.papers],
                    joint_paper_count=h.joint_paper_count,
                )
                for h in p.hops
            ],
            length=p.length,
            alternatives=alternatives or [],
        )


@strawberry.type(description="Why an author is suggested.")
class SuggestionReasons:
    common_coauthors: list[Author] = strawberry.field(description="at most 5, rarest first")
    common_coauthor_count: int
    shared_categories: list[strawberry.ID]
    community: int | None = strawberry.field(
        description="the suggested author's community in the latest Leiden run"
    )
    same_community: bool


@strawberry.type(description="score = adamicAdar + 1.0 * categoryJaccard + 0.5 * (same community)")
class CollaboratorSuggestion:
    author: Author
    score: float
    adamic_adar: float
    category_jaccard: float
    reasons: SuggestionReasons

    @classmethod
    def build(cls, s: collab.Suggestion) -> CollaboratorSuggestion:
        return cls(
            author=Author.from_node(s.author),
            score=s.score,
            adamic_adar=s.adamic_adar,
            category_jaccard=s.category_jaccard,
            reasons=SuggestionReasons(
                common_coauthors=[Author.from_node(a) for a in s.common_coauthors],
                common_coauthor_count=s.common_coauthor_count,
                shared_categories=[strawberry.ID(c) for c in s.shared_categories],
                community=s.community,
                same_community=s.same_community,
            ),
        )


@strawberry.type
class CommunityMember:
    author: Author
    pagerank: float | None = strawberry.field(description="persisted whole-graph PageRank")
    degree: int = strawberry.field(description="distinct co-authors")


@strawberry.type
class CategoryShare:
    category: Category
    paper_count: int = strawberry.field(description="member papers in this category")


@strawberry.type
class NetworkAuthor:
    author: Author
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
            nodes=[NetworkAuthor(author=Author.from_node(n.author), hop=n.hop) for n in net.nodes],
            links=[
                NetworkLink(source=strawberry.ID(a), target=strawberry.ID(b), joint_paper_count=w)
                for a, b, w in net.edges
            ],
        )


@strawberry.type
class VenueShare:
    venue: Venue
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
                CommunityMember(
                    author=Author.from_node(m.author), pagerank=m.pagerank, degree=m.degree
                )
                for m in c.top_members
            ],
            dominant_categories=[
                CategoryShare(category=Category.from_node(n), paper_count=k)
                for n, k in c.categories
            ],
            dominant_venues=[
                VenueShare(venue=Venue.from_node(n), paper_count=k) for n, k in c.venues
            ],
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


@strawberry.type
class PaperScore:
    paper: Paper
    score: float = strawberry.field(description="the value of the `by` measure")
    pagerank: float = strawberry.field(description="PageRank in the filtered citation graph")
    citations: int = strawberry.field(description="citations inside the filtered graph")

    @classmethod
    def build(cls, s: influence.PaperScore) -> PaperScore:
        return cls(
            paper=Paper.from_node(s.paper),
            score=s.score,
            pagerank=s.pagerank,
            citations=s.citations,
        )


@strawberry.type
class AuthorScore:
    author: Author
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
            author=Author.from_node(s.author),
            score=s.score,
            pagerank=s.pagerank,
            citations=s.citations,
            citations_excluding_self=s.citations_no_self,
            h_index=s.h_index,
            paper_count=s.paper_count,
        )


@strawberry.type
class RisingAuthor:
    author: Author
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
