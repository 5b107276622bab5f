"""Input types and sort enums: paper and author filters (``where``), ``orderBy`` keys and
search kinds (``graph.repository``'s own enums, wrapped)."""

from __future__ import annotations

from typing import Any

import strawberry

from api.cost import where_terms
from graph import repository as repo
from graph.errors import InputError

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
