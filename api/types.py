"""GraphQL object, input and enum types. Resolvers are thin: they read the node's stored
properties or ask a per-request DataLoader (``info.context.loaders``) for children."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import orjson
import strawberry
from strawberry.scalars import JSON

from api.analytics_types import Scores
from api.collab_types import AuthorCollabFields, PaperCollabFields
from api.context import Info
from api.cost import where_terms
from api.pagination import check_first, decode_cursor, encode_cursor, first_or
from graph import influence
from graph import repository as repo
from graph.errors import InputError
from graph.paper_values import decode_source_values
from graph.repository import Count, Facet, Node, Page, SortKey

# --- enums (graph's own, wrapped) ---------------------------------------------------------

PaperOrder = strawberry.enum(
    repo.PaperOrder, description="Sort keys for papers; missing values sort last, ties by id."
)
AuthorOrder = strawberry.enum(
    repo.AuthorOrder, description="Sort keys for authors; missing values sort last, ties by id."
)
SearchType = strawberry.enum(repo.SearchKind, name="SearchType", description="What to search.")


def order_keys(order: list[Any] | None) -> tuple[tuple[str, bool], ...]:
    return tuple(o.value for o in order or [])


# --- inputs ---------------------------------------------------------------------------------


@strawberry.input(description="Integer comparisons; all given conditions must hold.")
class IntFilter:
    eq: int | None = None
    in_: list[int] | None = strawberry.field(name="in", default=None)
    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


@strawberry.input(description="Case-insensitive text matching; all given conditions must hold.")
class StringFilter:
    eq: str | None = None
    contains: str | None = None
    starts_with: str | None = None


@strawberry.input(description="Matches one id or any of a list of ids.")
class IdFilter:
    eq: strawberry.ID | None = None
    in_: list[strawberry.ID] | None = strawberry.field(name="in", default=None)


@strawberry.input(description="Paper filter; the fields given must all hold.")
class PaperWhere:
    year: IntFilter | None = None
    title: StringFilter | None = None
    category: IdFilter | None = strawberry.field(
        default=None, description="category ids; papers in a subcategory match too"
    )
    venue: IdFilter | None = strawberry.field(default=None, description="venue ids")
    author: IdFilter | None = strawberry.field(
        default=None, description="author ids in any form (orcid:, openalex:, s2:, name:, ...)"
    )
    has_code: bool | None = None
    citation_count: IntFilter | None = None
    stub: bool | None = strawberry.field(
        default=None,
        description="papers known only as citation targets; left out of `papers` unless set",
    )
    id: IdFilter | None = strawberry.field(
        default=None,
        description="a batch lookup: paper ids in any form `paper(id:)` accepts (doi:, bare "
        "DOI, DOI URL, arxiv: with or without version, OpenAlex URL, s2:, ...), at most 500; "
        "stubs included; the connection's `missing` lists the ids that name no paper",
    )
    AND: list[PaperWhere] | None = None
    OR: list[PaperWhere] | None = None
    NOT: PaperWhere | None = None


@strawberry.input(description="Author filter; the fields given must all hold.")
class AuthorWhere:
    name: StringFilter | None = None
    category: IdFilter | None = strawberry.field(
        default=None, description="authors of a paper in these categories (or subcategories)"
    )
    paper_count: IntFilter | None = None
    h_index: IntFilter | None = None
    citation_count: IntFilter | None = None
    id: IdFilter | None = None
    AND: list[AuthorWhere] | None = None
    OR: list[AuthorWhere] | None = None
    NOT: AuthorWhere | None = None


_LOGIC_KEYS = {"AND": "and_", "OR": "or_", "NOT": "not_"}
MAX_WHERE_TERMS = 100  # field conditions, `in` elements and AND/OR members of one filter


def filter_tree(value: Any, argument: str = "where") -> Any:
    """An input object as the plain mapping ``graph.repository.WhereBuilder`` reads; a filter
    of more than ``MAX_WHERE_TERMS`` terms is an input error naming the argument."""
    tree = _tree(value)
    if tree is not None:
        terms = where_terms(tree)
        if terms > MAX_WHERE_TERMS:
            raise InputError(
                argument, f"a filter of {terms} terms", f"at most {MAX_WHERE_TERMS} terms"
            )
    return tree


def _tree(value: Any) -> Any:
    if isinstance(value, list):
        return [_tree(v) for v in value]
    if hasattr(value, "__strawberry_definition__"):
        out = {}
        for name, v in vars(value).items():
            if v is None or v is strawberry.UNSET:
                continue
            out[_LOGIC_KEYS.get(name, name)] = _tree(v)
        return out
    return value


# --- small objects --------------------------------------------------------------------------


@strawberry.type
class PaperExternalIds:
    doi: str | None
    arxiv: str | None
    openalex: str | None
    s2: str | None
    dblp: str | None
    aminer: str | None


@strawberry.type
class AuthorExternalIds:
    orcid: str | None
    openalex: str | None
    s2: str | None
    dblp: str | None
    aminer: str | None


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


# --- nodes ----------------------------------------------------------------------------------


@strawberry.type
class Category:
    id: strawberry.ID
    name: str | None
    scheme: str | None

    @classmethod
    def from_node(cls, n: Node) -> Category:
        return cls(id=strawberry.ID(n["id"]), name=n.get("name"), scheme=n.get("scheme"))

    @strawberry.field(description="The broader category (SUBCATEGORY_OF), if any.")
    async def parent(self, info: Info) -> Category | None:
        n = await info.context.loaders.parent_category.load(self.id)
        return Category.from_node(n) if n else None

    @strawberry.field
    async def subcategories(self, info: Info) -> list[Category]:
        rows = await info.context.loaders.subcategories.load(self.id)
        return [Category.from_node(n) for n in rows]

    @strawberry.field(description="Papers linked to this category directly.")
    async def paper_count(self, info: Info) -> int:
        return await info.context.loaders.category_paper_count.load(self.id)

    @strawberry.field(
        description="Per year of the period (every year from the first to the last with a "
        "paper or a citation): the papers of this category and its subcategories published "
        "that year, and the citations made that year to them (citations received, counted by "
        "the citing paper's year; citing papers from the whole graph). From the in-memory "
        "analytics snapshot."
    )
    async def yearly(
        self, info: Info, year_from: int | None = None, year_to: int | None = None
    ) -> list[CategoryYear]:
        rows = await influence.field_years(info.context.scope, self.id, year_from, year_to)
        return [CategoryYear(year=r.year, papers=r.papers, citations=r.citations) for r in rows]


@strawberry.type(description="One year of a category: papers published, citations made.")
class CategoryYear:
    year: int
    papers: int = strawberry.field(description="papers published this year")
    citations: int = strawberry.field(
        description="citations made this year to the category's papers (any publication year)"
    )


@strawberry.type
class Venue:
    id: strawberry.ID
    name: str | None
    type: str | None
    issn: str | None

    @classmethod
    def from_node(cls, n: Node) -> Venue:
        return cls(
            id=strawberry.ID(n["id"]), name=n.get("name"), type=n.get("type"), issn=n.get("issn")
        )

    @strawberry.field
    async def paper_count(self, info: Info) -> int:
        return await info.context.loaders.venue_paper_count.load(self.id)


@strawberry.type
class Authorship:
    author: Author
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


@strawberry.type
class AuthorCategory:
    category: Category
    paper_count: int = strawberry.field(description="the author's papers in this category")


@strawberry.type
class Coauthor:
    author: Author
    joint_paper_count: int
    first_year: int | None
    last_year: int | None


async def _child_page(
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
    page = await loaders.child_page.load((kind, parent, n, order, values))

    async def count() -> Count:
        return Count(await loaders.child_total.load((kind, parent)), True)

    def facet(name: str, k: int) -> Awaitable[Facet]:
        return repo.child_facet(scope, name, kind, parent, k)

    return PaperConnection.build(
        page, Paper.from_node, keys, values is not None, count, facets=facet, ids=None
    )


def cursor_values(after: str | None, keys: tuple[SortKey, ...]) -> tuple[Any, ...] | None:
    """The sort-key values of an ``after`` cursor made for this order (None: first page)."""
    values = decode_cursor(after, repo.order_signature(keys), len(keys))
    return tuple(values) if values is not None else None


@strawberry.type(description="Our novelty of an author: see docs/novelty.md.")
class AuthorNovelty:
    value: float = strawberry.field(description="mean novelty of the papers, 0..1")
    papers: int = strawberry.field(description="how many papers with a novelty it rests on")

    @classmethod
    def from_node(cls, n: Node) -> AuthorNovelty | None:
        value = n.get("novelty")
        if value is None:
            return None
        return cls(value=float(value), papers=int(n.get("novelty_papers") or 0))


@strawberry.type(description="What one source printed for a paper (its own title, year, venue).")
class PaperSourceValues:
    source: str
    title: str | None
    year: int | None
    venue: str | None


@strawberry.type
class Paper(PaperCollabFields):
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
                author=Author.from_node(r["author"]),
                position=r["position"],
                raw_name=r["raw_name"],
                match=AuthorshipMatch.from_row(r),
            )
            for r in rows
        ]

    @strawberry.field(description="Authors in author-list order (see authorsComplete).")
    async def authors(self, info: Info) -> list[Author]:
        rows = await info.context.loaders.authors_of_paper.load(self.id)
        return [Author.from_node(r["author"]) for r in rows]

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
        return await _child_page(info, "references", self.id, first, after, order)

    @strawberry.field(description="Papers citing this paper (default order: newest first).")
    async def citations(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        order_by: list[PaperOrder] | None = None,
    ) -> PaperConnection:
        order = order_keys(order_by) or (("year", True),)
        return await _child_page(info, "citations", self.id, first, after, order)


@strawberry.type
class Author(AuthorCollabFields):
    id: strawberry.ID
    name: str | None
    name_variants: list[str]
    orcid: str | None
    external_ids: AuthorExternalIds
    affiliation: str | None
    paper_count: int
    citation_count: int
    h_index: int
    i10_index: int
    sources: list[str]
    scores: Scores = strawberry.field(description="latest whole-graph analytics results")
    community: int | None = strawberry.field(
        description="Leiden community of the latest whole co-authorship run (0 = largest)"
    )
    primary_category_id: strawberry.Private[str | None]
    novelty: AuthorNovelty | None = strawberry.field(
        default=None,
        description="ours: the mean novelty of the author's papers that have one (see "
        "Paper.novelty); null when none has",
    )

    @classmethod
    def from_node(cls, n: Node) -> Author:
        return cls(
            id=strawberry.ID(n["id"]),
            name=n.get("name"),
            name_variants=list(n.get("name_variants") or []),
            orcid=n.get("orcid"),
            external_ids=AuthorExternalIds(
                orcid=n.get("orcid"),
                openalex=n.get("openalex_id"),
                s2=n.get("s2_id"),
                dblp=n.get("dblp_pid"),
                aminer=n.get("aminer_id"),
            ),
            affiliation=n.get("affiliation"),
            paper_count=n.get("paper_count") or 0,
            citation_count=n.get("citation_count") or 0,
            h_index=n.get("h_index") or 0,
            i10_index=n.get("i10_index") or 0,
            sources=list(n.get("sources") or []),
            scores=Scores.from_node(n),
            community=n.get("community"),
            primary_category_id=n.get("primary_category"),
            novelty=AuthorNovelty.from_node(n),
        )

    @strawberry.field(description="Categories of the author's papers with paper counts.")
    async def categories(self, info: Info) -> list[AuthorCategory]:
        rows = await info.context.loaders.categories_of_author.load(self.id)
        return [
            AuthorCategory(category=Category.from_node(r["category"]), paper_count=r["paper_count"])
            for r in rows
        ]

    @strawberry.field(
        description="The primary category a source reports, else the one with most papers."
    )
    async def primary_category(self, info: Info) -> Category | None:
        if self.primary_category_id:
            n = await info.context.loaders.category.load(self.primary_category_id)
            if n:
                return Category.from_node(n)
        rows = await info.context.loaders.categories_of_author.load(self.id)
        return Category.from_node(rows[0]["category"]) if rows else None

    @strawberry.field(description="The author's papers (default order: newest first).")
    async def papers(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        order_by: list[PaperOrder] | None = None,
    ) -> PaperConnection:
        order = order_keys(order_by) or (("year", True),)
        return await _child_page(info, "papers_of_author", self.id, first, after, order)

    @strawberry.field(
        description="Co-authors (two authorships on one paper), most joint papers first.",
        deprecation_reason="capped at 100 without a cursor: use coauthorConnection",
    )
    async def coauthors(self, info: Info, first: int | None = 20) -> list[Coauthor]:
        n = check_first(first)
        rows = await info.context.loaders.coauthors.load((self.id, n))
        return [_coauthor(r) for r in rows]

    @strawberry.field(
        description="Co-authors (two authorships on one paper), most joint papers first (ties "
        "by id), paged with cursors through all of them."
    )
    async def coauthor_connection(
        self, info: Info, first: int | None = 20, after: str | None = None
    ) -> CoauthorConnection:
        n = check_first(first)
        keys = repo.COAUTHOR_KEYS
        values = cursor_values(after, keys)
        loaders = info.context.loaders
        page = await loaders.coauthor_page.load((self.id, n, values))
        author = self.id

        async def count() -> Count:
            return Count(await loaders.coauthor_total.load(author), True)

        return CoauthorConnection.build(page, _coauthor, keys, values is not None, count)


def _coauthor(r: Node) -> Coauthor:
    return Coauthor(
        author=Author.from_node(r["author"]),
        joint_paper_count=r["joint"],
        first_year=r["first_year"],
        last_year=r["last_year"],
    )


# --- connections ----------------------------------------------------------------------------


def _page_info(page: Page, signature: str, has_previous: bool) -> PageInfo:
    keys = page.keys
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=has_previous,
        start_cursor=encode_cursor(signature, keys[0]) if keys else None,
        end_cursor=encode_cursor(signature, keys[-1]) if keys else None,
    )


NodeT = TypeVar("NodeT")
CountFn = Callable[[], Awaitable[Count]]


@strawberry.type
class Edge(Generic[NodeT]):  # named PaperEdge / AuthorEdge / CoauthorEdge in the schema
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):  # named PaperConnection / AuthorConnection ... in the schema
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    counter: strawberry.Private[CountFn | None]
    memo: strawberry.Private[dict[str, Any]]

    @staticmethod
    def parts(
        page: Page, wrap: Callable[[Node], NodeT], keys: tuple[SortKey, ...], has_previous: bool
    ) -> tuple[list[Edge[NodeT]], PageInfo]:
        signature = repo.order_signature(keys)
        edges = [
            Edge(cursor=encode_cursor(signature, k), node=wrap(n))
            for n, k in zip(page.items, page.keys, strict=True)
        ]
        return edges, _page_info(page, signature, has_previous)

    @classmethod
    def build(
        cls,
        page: Page,
        wrap: Callable[[Node], NodeT],
        keys: tuple[SortKey, ...],
        has_previous: bool,
        count: CountFn | None = None,
    ) -> Connection[NodeT]:
        edges, info = cls.parts(page, wrap, keys, has_previous)
        return cls(edges=edges, page_info=info, counter=count, memo={})

    async def _count(self) -> Count:
        """Counted once per connection, and only when a count field is selected."""
        task = self.memo.get("count")
        if task is None:
            if self.counter is None:
                return Count(0, True)
            task = self.memo["count"] = asyncio.ensure_future(self.counter())
        result: Count = await task
        return result

    @strawberry.field(
        description=f"Matches in all pages: exact up to {repo.COUNT_EXACT_LIMIT:,} (and always "
        "for child lists and co-authors), else an estimate from a uniform random sample of "
        f"{repo.COUNT_SAMPLE:,} nodes; see totalCountIsExact. Computed only when selected."
    )
    async def total_count(self) -> int:
        return (await self._count()).value

    @strawberry.field(description="Whether totalCount is exact (false: an estimate).")
    async def total_count_is_exact(self) -> bool:
        return (await self._count()).exact


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
    author: Author
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
            values=[
                AuthorCount(author=Author.from_node(v.node or {}), count=v.count) for v in f.values
            ],
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


AuthorConnection = Connection[Author]
CoauthorConnection = Connection[Coauthor]


@strawberry.type
class SearchEdge:
    cursor: str
    node: SearchHit


@strawberry.type(description="A page of full-text hits, best score first.")
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo


# --- search and stats -----------------------------------------------------------------------


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
