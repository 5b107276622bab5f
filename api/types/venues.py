"""Categories (with their hierarchy and yearly figures) and venues."""

from __future__ import annotations

import strawberry

from api.context import Info
from graph import influence
from graph.repository import Node


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
    alt_ids: list[str] = strawberry.field(
        description="other ids sources gave this venue (one venue printed under a name: id and "
        "an s2-venue: id is one node); `venue(id:)` and filters accept them too"
    )

    @classmethod
    def from_node(cls, n: Node) -> Venue:
        return cls(
            id=strawberry.ID(n["id"]),
            name=n.get("name"),
            type=n.get("type"),
            issn=n.get("issn"),
            alt_ids=list(n.get("alt_ids") or []),
        )

    @strawberry.field
    async def paper_count(self, info: Info) -> int:
        return await info.context.loaders.venue_paper_count.load(self.id)
