"""GraphQL object, input and enum types. Resolvers are thin: they read the node's stored
properties or ask a per-request DataLoader (``info.context.loaders``) for children."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, Generic, TypeVar

import orjson
import strawberry
from strawberry.scalars import JSON

from api.analytics_types import Scores
from api.collab_types import AuthorCollabFields, PaperCollabFields
from api.context import Info
from api.cost import where_terms
from api.pagination import check_first, decode_cursor, encode_cursor
from graph import influence
from graph.errors import InputError
from graph.repository import Node, Page

# --- enums ----------------------------------------------------------------------------------


@strawberry.enum(description="Sort keys for papers; missing values sort last, ties by id.")
class PaperOrder(Enum):
    CITATION_COUNT_DESC = ("citation_count", True)
    CITATION_COUNT_ASC = ("citation_count", False)
    YEAR_DESC = ("year", True)
    YEAR_ASC = ("year", False)
    DATE_DESC = ("date", True)
    DATE_ASC = ("date", False)
    TITLE_ASC = ("title", False)
    TITLE_DESC = ("title", True)
    PAGERANK_DESC = ("pagerank", True)
    PAGERANK_ASC = ("pagerank", False)
    ID_ASC = ("id", False)
    ID_DESC = ("id", True)


@strawberry.enum(description="Sort keys for authors; missing values sort last, ties by id.")
class AuthorOrder(Enum):
    NAME_ASC = ("name", False)
    NAME_DESC = ("name", True)
    PAPER_COUNT_DESC = ("paper_count", True)
    PAPER_COUNT_ASC = ("paper_count", False)
    H_INDEX_DESC = ("h_index", True)
    H_INDEX_ASC = ("h_index", False)
    CITATION_COUNT_DESC = ("citation_count", True)
    CITATION_COUNT_ASC = ("citation_count", False)
    PAGERANK_DESC = ("pagerank", True)
    PAGERANK_ASC = ("pagerank", False)
    ID_ASC = ("id", False)
    ID_DESC = ("id", True)


@strawberry.enum
class SearchType(Enum):
    PAPER = "paper"
    AUTHOR = "author"
    VENUE = "venue"


def order_keys(order: list[PaperOrder] | list[AuthorOrder] | None) -> tuple[tuple[str, bool], ...]:
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
    id: IdFilter | None = None
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


def _page_args(first: int | None, after: str | None) -> tuple[int, int]:
    return check_first(first), decode_cursor(after)


async def _child_page(
    info: Info,
    kind: str,
    parent: str,
    first: int | None,
    after: str | None,
    order: tuple[tuple[str, bool], ...],
) -> PaperConnection:
    n, skip = _page_args(first, after)
    page = await info.context.loaders.child_page.load((kind, parent, skip, n, order))
    return PaperConnection.build(page, skip, Paper.from_node)


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
        description="Co-authors (two authorships on one paper), most joint papers first."
    )
    async def coauthors(self, info: Info, first: int | None = 20) -> list[Coauthor]:
        n = check_first(first)
        rows = await info.context.loaders.coauthors.load((self.id, n))
        return [
            Coauthor(
                author=Author.from_node(r["author"]),
                joint_paper_count=r["joint"],
                first_year=r["first_year"],
                last_year=r["last_year"],
            )
            for r in rows
        ]


# --- connections ----------------------------------------------------------------------------


def _page_info(page: Page, skip: int) -> PageInfo:
    count = len(page.items)
    return PageInfo(
        has_next_page=page.has_next,
        has_previous_page=skip > 0,
        start_cursor=encode_cursor(skip + 1) if count else None,
        end_cursor=encode_cursor(skip + count) if count else None,
    )


NodeT = TypeVar("NodeT")


@strawberry.type
class Edge(Generic[NodeT]):  # named PaperEdge / AuthorEdge in the schema
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):  # named PaperConnection / AuthorConnection in the schema
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    total: strawberry.Private[int | None]
    count: strawberry.Private[Callable[[], Awaitable[int]] | None]

    @classmethod
    def build(
        cls,
        page: Page,
        skip: int,
        wrap: Callable[[Node], NodeT],
        count: Callable[[], Awaitable[int]] | None = None,
    ) -> Connection[NodeT]:
        edges = [
            Edge(cursor=encode_cursor(skip + i + 1), node=wrap(n)) for i, n in enumerate(page.items)
        ]
        return cls(edges=edges, page_info=_page_info(page, skip), total=page.total, count=count)

    @strawberry.field(description="Matches in all pages.")
    async def total_count(self) -> int:
        if self.total is None and self.count is not None:
            self.total = await self.count()
        return self.total or 0


PaperConnection = Connection[Paper]
AuthorConnection = Connection[Author]


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
