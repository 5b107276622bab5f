"""``Author``: identity, figures a source reported, who cites them, co-authors (a cursor
connection) and papers."""

from __future__ import annotations

import strawberry

from api.context import Info
from api.pagination import check_first
from api.types.connections import Connection, cursor_values
from api.types.inputs import PaperOrder, order_keys
from api.types.papers import PaperConnection, child_page
from api.types.scores import Scores
from api.types.venues import Category
from graph import influence
from graph import repository as repo
from graph.repository import Count, Node


@strawberry.type
class AuthorExternalIds:
    orcid: str | None
    openalex: str | None
    s2: str | None
    dblp: str | None
    aminer: str | None


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


@strawberry.type
class CitingAuthor:
    author: Author
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
class Author:
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
        return await child_page(info, "papers_of_author", self.id, first, after, order)

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

    @strawberry.field(
        description="Figures a source reported (profile page), separate from computed ones."
    )
    async def reported(self, info: Info) -> ReportedMetrics | None:
        node = await info.context.loaders.author.load(self.id)
        r = influence.reported_metrics(node) if node else None
        return ReportedMetrics.build(r) if r else None

    @strawberry.field(
        description="Authors citing this author's papers most; self-citations excluded."
    )
    async def top_citing_authors(self, info: Info, first: int | None = 10) -> CitingAuthors:
        n = check_first(10 if first is None else first)
        r = await info.context.loaders.top_citing.load((self.id, n))
        return CitingAuthors(
            total_citations=r["total"],
            self_citations=r["self_citations"],
            authors=[
                CitingAuthor(
                    author=Author.from_node(a["author"]),
                    citations=a["citations"],
                    citing_papers=a["citing_papers"],
                )
                for a in r["rows"]
            ],
        )


def _coauthor(r: Node) -> Coauthor:
    return Coauthor(
        author=Author.from_node(r["author"]),
        joint_paper_count=r["joint"],
        first_year=r["first_year"],
        last_year=r["last_year"],
    )


AuthorConnection = Connection[Author]
CoauthorConnection = Connection[Coauthor]
