"""``Paper``, its authorships, source values, similar papers, facets and the paper connection.

``Author`` is referenced lazily (``api.types.authors`` imports this module)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

import orjson
import strawberry
from strawberry.scalars import JSON

from api.context import Info
from api.pagination import check_first, first_or, papers_authorships_selected
from api.types.connections import Connection, CountFn, cursor_values
from api.types.inputs import PaperOrder, order_keys
from api.types.scores import Scores
from api.types.venues import Category, Venue
from graph import repository as repo
from graph.errors import InputError
from graph.paper_values import decode_source_values
from graph.repository import Count, Facet, Node, Page, SortKey

if TYPE_CHECKING:
    from api.types.authors import Author

AuthorT = Annotated["Author", strawberry.lazy("api.types.authors")]


def author_of(node: Node) -> Author:
    """An ``Author`` from its node (imported here, not at module level: authors import papers)."""
    from api.types.authors import Author

    return Author.from_node(node)


@strawberry.type
class PaperExternalIds:
    doi: str | None
    arxiv: str | None
    openalex: str | None
    s2: str | None
    dblp: str | None
    aminer: str | None


@strawberry.type
class Authorship:
    author: AuthorT
    position: int | None = strawberry.field(description="1-based; null when the source hid it")
    raw_name: str | None = strawberry.field(description="the name as the source printed it")
    match: AuthorshipMatch | None = strawberry.field(
        default=None,
        description="why this authorship is on this author (null: written before evidence "
        "was recorded)",
    )


@strawberry.type(description="How an authorship came to its author (docs/identity.md).")
class AuthorshipMatch:
    rule: str = strawberry.field(
        description="id (a strong author id on the record), same-slot (a strong-id author "
        "already holds this slot), profile-owner, new-cluster (no cluster of the name reached "
        "the threshold), evidence (joined a cluster by evidence), relinked (moved to a "
        "strong-id author by the same evidence), override (the overrides file)"
    )
    score: float | None = strawberry.field(
        description="the evidence score (the threshold is 3.0); null for rules without one"
    )
    evidence: JSON | None = strawberry.field(
        description="what agreed: shared co-authors, venue, categories, words, affiliation, "
        "years apart"
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AuthorshipMatch | None:
        if row.get("match_rule") is None:
            return None
        evidence = row.get("match_evidence")
        return cls(
            rule=row["match_rule"],
            score=row.get("match_score"),
            evidence=orjson.loads(evidence) if evidence else None,
        )


@strawberry.type
class PaperCategory:
    category: Category
    primary: bool


@strawberry.type(description="What one source printed for a paper (its own title, year, venue).")
class PaperSourceValues:
    source: str
    title: str | None
    year: int | None
    venue: str | None


@strawberry.type
class SimilarPaper:
    paper: Paper
    score: int = strawberry.field(description="cocitation + coupling")
    cocitation: int = strawberry.field(description="papers citing both")
    coupling: int = strawberry.field(description="references in common")


@strawberry.type
class Paper:
    id: strawberry.ID
    title: str | None
    abstract: str | None
    year: int | None
    date: str | None = strawberry.field(description="ISO YYYY-MM-DD or YYYY-MM")
    doi: str | None
    arxiv_id: str | None
    external_ids: PaperExternalIds
    url: str | None
    has_code: bool
    code_url: str | None
    doc_type: str | None
    journal_ref: str | None
    citation_count: int = strawberry.field(description="citing papers in the graph")
    reference_count: int = strawberry.field(description="cited papers in the graph")
    source_citation_count: int | None = strawberry.field(
        description="the largest cited-by figure a source reported"
    )
    authors_complete: bool = strawberry.field(
        description="false when a source truncated the author list (et al.)"
    )
    stub: bool = strawberry.field(description="known only as the target of a citation so far")
    sources: list[str]
    value_source: str | None = strawberry.field(
        description="the source whose title, year and other values the paper shows: the first "
        "in the documented precedence that printed them (docs/identity.md)"
    )
    source_values: list[PaperSourceValues] = strawberry.field(
        description="every source's own title, year and venue, in precedence order"
    )
    scores: Scores = strawberry.field(description="latest whole-graph analytics results")
    novelty: float | None = strawberry.field(
        default=None,
        description="ours: 1 - the highest TF-IDF cosine similarity of title + abstract to a "
        "strictly earlier paper of its primary category (0..1; null without text or without an "
        "earlier paper); written by the latest COMPLETE novelty run, see docs/novelty.md",
    )

    @classmethod
    def from_node(cls, n: Node) -> Paper:
        return cls(
            id=strawberry.ID(n["id"]),
            title=n.get("title"),
            abstract=n.get("abstract"),
            year=n.get("year"),
            date=n.get("date"),
            doi=n.get("doi"),
            arxiv_id=n.get("arxiv_id"),
            external_ids=PaperExternalIds(
                doi=n.get("doi"),
                arxiv=n.get("arxiv_id"),
                openalex=n.get("openalex_id"),
                s2=n.get("s2_id"),
                dblp=n.get("dblp_key"),
                aminer=n.get("aminer_id"),
            ),
            url=n.get("url"),
            has_code=bool(n.get("has_code")),
            code_url=n.get("code_url"),
            doc_type=n.get("doc_type"),
            journal_ref=n.get("journal_ref"),
            citation_count=n.get("citation_count") or 0,
            reference_count=n.get("reference_count") or 0,
            source_citation_count=n.get("source_citation_count"),
            authors_complete=n.get("authors_complete") is not False,
            stub=bool(n.get("stub")),
            sources=list(n.get("sources") or []),
            value_source=n.get("value_source"),
            source_values=[
                PaperSourceValues(
                    source=str(v.get("source")),
                    title=v.get("title"),
                    year=v.get("year"),
                    venue=v.get("venue"),
                )
                for v in decode_source_values(n.get("source_values"))
            ],  # fmt: skip
            scores=Scores.from_node(n),
            novelty=n.get("novelty"),
        )

    @strawberry.field(description="Authorships in author-list order, with raw names.")
    async def authorships(self, info: Info) -> list[Authorship]:
        rows = await info.context.loaders.authors_of_paper.load(self.id)
        return [
            Authorship(
                author=author_of(r["author"]),
                position=r["position"],
                raw_name=r["raw_name"],
                match=AuthorshipMatch.from_row(r),
            )
            for r in rows
        ]

    @strawberry.field(description="Authors in author-list order (see authorsComplete).")
    async def authors(self, info: Info) -> list[AuthorT]:
        rows = await info.context.loaders.authors_of_paper.load(self.id)
        return [author_of(r["author"]) for r in rows]

    @strawberry.field
    async def venue(self, info: Info) -> Venue | None:
        n = await info.context.loaders.venue_of_paper.load(self.id)
        return Venue.from_node(n) if n else None

    @strawberry.field(description="Categories, the primary one first.")
    async def categories(self, info: Info) -> list[Category]:
        rows = await info.context.loaders.categories_of_paper.load(self.id)
        return [Category.from_node(r["category"]) for r in rows]

    @strawberry.field(description="Categories with the source's primary flag.")
    async def category_links(self, info: Info) -> list[PaperCategory]:
        rows = await info.context.loaders.categories_of_paper.load(self.id)
        return [
            PaperCategory(category=Category.from_node(r["category"]), primary=r["primary"])
            for r in rows
        ]

    @strawberry.field(description="The category a source marked primary, if any.")
    async def primary_category(self, info: Info) -> Category | None:
        rows = await info.context.loaders.categories_of_paper.load(self.id)
        primary = next((r for r in rows if r["primary"]), None)
        return Category.from_node(primary["category"]) if primary else None

    @strawberry.field(description="Papers this paper cites (default order: most cited first).")
    async def references(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        order_by: list[PaperOrder] | None = None,
    ) -> PaperConnection:
        order = order_keys(order_by) or (("citation_count", True),)
        return await child_page(info, "references", self.id, first, after, order)

    @strawberry.field(description="Papers citing this paper (default order: newest first).")
    async def citations(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        order_by: list[PaperOrder] | None = None,
    ) -> PaperConnection:
        order = order_keys(order_by) or (("year", True),)
        return await child_page(info, "citations", self.id, first, after, order)

    @strawberry.field(description="Similar papers by co-citation and bibliographic coupling.")
    async def similar(self, info: Info, first: int | None = 10) -> list[SimilarPaper]:
        n = check_first(10 if first is None else first)
        rows = await info.context.loaders.similar.load((self.id, n))
        return [
            SimilarPaper(
                paper=Paper.from_node(s.paper),
                score=s.score,
                cocitation=s.cocitation,
                coupling=s.coupling,
            )
            for s in rows
        ]


async def child_page(
    info: Info,
    kind: str,
    parent: str,
    first: int | None,
    after: str | None,
    order: tuple[tuple[str, bool], ...],
) -> PaperConnection:
    n = check_first(first)
    keys = repo.child_order(order)
    values = cursor_values(after, keys)
    loaders, scope = info.context.loaders, info.context.scope
    joined = papers_authorships_selected(info)
    page = await loaders.child_page.load((kind, parent, n, order, values, joined))

    async def count() -> Count:
        return Count(await loaders.child_total.load((kind, parent)), True)

    def facet(name: str, k: int) -> Awaitable[Facet]:
        return repo.child_facet(scope, name, kind, parent, k)

    return PaperConnection.build(
        page, Paper.from_node, keys, values is not None, count, facets=facet, ids=None
    )


@strawberry.type
class YearCount:
    year: int
    count: int = strawberry.field(description="papers")


@strawberry.type
class CategoryCount:
    category: Category
    count: int = strawberry.field(description="papers linked to the category directly")


@strawberry.type
class VenueCount:
    venue: Venue
    count: int = strawberry.field(description="papers")


@strawberry.type
class AuthorCount:
    author: AuthorT
    count: int = strawberry.field(description="papers")


@strawberry.type(description="The largest buckets of a facet, most papers first (ties by value).")
class YearFacet:
    values: list[YearCount]
    truncated: bool = strawberry.field(description="more buckets exist than `first`")


@strawberry.type(description="The largest buckets of a facet, most papers first (ties by id).")
class CategoryFacet:
    values: list[CategoryCount]
    truncated: bool = strawberry.field(description="more buckets exist than `first`")


@strawberry.type(description="The largest buckets of a facet, most papers first (ties by id).")
class VenueFacet:
    values: list[VenueCount]
    truncated: bool = strawberry.field(description="more buckets exist than `first`")


@strawberry.type(description="The largest buckets of a facet, most papers first (ties by id).")
class AuthorFacet:
    values: list[AuthorCount]
    truncated: bool = strawberry.field(description="more buckets exist than `first`")


FacetFn = Callable[[str, int], Awaitable[Facet]]


@strawberry.type(
    description="Counts of the papers of a list (all pages) by year, category, venue and "
    "author; each facet computed only when selected and capped at `first` buckets. Without a "
    "filter, categories and venues come from the count store and years from an aggregate kept "
    "per graph version; otherwise one aggregate query each, bounded by the read timeout."
)
class PaperFacets:
    source: strawberry.Private[FacetFn]
    first: strawberry.Private[int]

    @strawberry.field(description="Papers per publication year (papers without a year left out).")
    async def years(self) -> YearFacet:
        f = await self.source("years", self.first)
        return YearFacet(
            values=[YearCount(year=int(v.value), count=v.count) for v in f.values],
            truncated=f.truncated,
        )

    @strawberry.field(description="Papers per category they are linked to directly.")
    async def categories(self) -> CategoryFacet:
        f = await self.source("categories", self.first)
        return CategoryFacet(
            values=[
                CategoryCount(category=Category.from_node(v.node or {}), count=v.count)
                for v in f.values
            ],
            truncated=f.truncated,
        )

    @strawberry.field(description="Papers per venue.")
    async def venues(self) -> VenueFacet:
        f = await self.source("venues", self.first)
        return VenueFacet(
            values=[
                VenueCount(venue=Venue.from_node(v.node or {}), count=v.count) for v in f.values
            ],
            truncated=f.truncated,
        )

    @strawberry.field(
        description="Papers per author; for an author's papers: per co-author (the author "
        "left out)."
    )
    async def authors(self) -> AuthorFacet:
        f = await self.source("authors", self.first)
        return AuthorFacet(
            values=[AuthorCount(author=author_of(v.node or {}), count=v.count) for v in f.values],
            truncated=f.truncated,
        )


MAX_FACET_VALUES = repo.MAX_FACET_VALUES


@strawberry.type
class PaperConnection(Connection[Paper]):
    facet_source: strawberry.Private[FacetFn | None]
    ids: strawberry.Private[list[str] | None]

    @classmethod
    def build(  # type: ignore[override]
        cls,
        page: Page,
        wrap: Callable[[Node], Paper],
        keys: tuple[SortKey, ...],
        has_previous: bool,
        count: CountFn | None = None,
        *,
        facets: FacetFn | None = None,
        ids: list[str] | None = None,
    ) -> PaperConnection:
        edges, info = cls.parts(page, wrap, keys, has_previous)
        return cls(
            edges=edges,
            page_info=info,
            counter=count,
            memo={},
            facet_source=facets,
            ids=ids,
        )

    @strawberry.field(
        description="Counts by year, category, venue and author over all matching papers "
        f"(the largest `first` buckets of each, at most {MAX_FACET_VALUES})."
    )
    def facets(self, first: int | None = 10) -> PaperFacets:
        n = first_or(10, first, maximum=MAX_FACET_VALUES)
        source = self.facet_source
        if source is None:
            raise InputError("facets", "this list", "a paper list with facets")
        return PaperFacets(source=source, first=n)

    @strawberry.field(
        description="For a batch lookup (`where: {id: {in: [...]}}`): the ids given that "
        "name no paper in the graph, in the order given; empty otherwise."
    )
    async def missing(self, info: Info) -> list[str]:
        if not self.ids:
            return []
        return await repo.missing_papers(info.context.scope, self.ids)
