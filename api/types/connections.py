"""Cursor connections: ``Edge`` / ``Connection`` (named PaperEdge, AuthorConnection, ... in the
schema), ``PageInfo``, and the keyset cursors that carry the sort-key values."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry

from api.pagination import decode_cursor, encode_cursor
from graph import repository as repo
from graph.repository import Count, Node, Page, SortKey


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def cursor_values(after: str | None, keys: tuple[SortKey, ...]) -> tuple[Any, ...] | None:
    """The sort-key values of an ``after`` cursor made for this order (None: first page)."""
    values = decode_cursor(after, repo.order_signature(keys), len(keys))
    return tuple(values) if values is not None else None


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
