"""Per-request DataLoaders: every child object and child list of a GraphQL query goes through
one of these, so all parents of one level are answered by one batched read (no N+1)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from graph import repository as repo
from graph.ids import IdRef
from graph.labels import Label
from graph.repository import Node, Page, ReadScope

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Order = tuple[tuple[str, bool], ...]
# (kind, parent id, skip, first, order) -> one page of child papers
PageKey = tuple[str, str, int, int, Order]


def _keyed_loader(
    fetch: Callable[[list[K]], Awaitable[dict[K, V]]], default: Any = None
) -> DataLoader[K, Any]:
    """A loader whose batch function is one ``fetch`` of all keys, answered in key order."""

    async def load(keys: list[K]) -> list[Any]:
        found = await fetch(keys)
        return [found.get(k, default() if callable(default) else default) for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """Every loader of one request. Batch functions are thin calls into ``graph.repository``."""

    def __init__(self, scope: ReadScope) -> None:
        self.scope = scope
        s = scope
        self.paper: DataLoader[str, Node | None] = _keyed_loader(
            lambda ids: repo.nodes_by_ids(s, Label.PAPER, ids)
        )
        self.author: DataLoader[str, Node | None] = _keyed_loader(
            lambda ids: repo.nodes_by_ids(s, Label.AUTHOR, ids)
        )
        self.venue: DataLoader[str, Node | None] = _keyed_loader(
            lambda ids: repo.nodes_by_ids(s, Label.VENUE, ids)
        )
        self.category: DataLoader[str, Node | None] = _keyed_loader(
            lambda ids: repo.nodes_by_ids(s, Label.CATEGORY, ids)
        )
        self.paper_ref: DataLoader[IdRef, Node | None] = _keyed_loader(self._resolve_papers)
        self.author_ref: DataLoader[IdRef, Node | None] = _keyed_loader(self._resolve_authors)
        self.authors_of_paper: DataLoader[str, list[Node]] = _keyed_loader(
            lambda ids: repo.authors_of_papers(s, ids), list
        )
        self.categories_of_paper: DataLoader[str, list[Node]] = _keyed_loader(
            lambda ids: repo.categories_of_papers(s, ids), list
        )
        self.venue_of_paper: DataLoader[str, Node | None] = _keyed_loader(
            lambda ids: repo.venue_of_papers(s, ids)
        )
        self.categories_of_author: DataLoader[str, list[Node]] = _keyed_loader(
            lambda ids: repo.categories_of_authors(s, ids), list
        )
        self.parent_category: DataLoader[str, Node | None] = _keyed_loader(
            lambda ids: repo.parents_of_categories(s, ids)
        )
        self.subcategories: DataLoader[str, list[Node]] = _keyed_loader(
            lambda ids: repo.subcategories_of_categories(s, ids), list
        )
        self.category_paper_count: DataLoader[str, int] = _keyed_loader(
            lambda ids: repo.paper_counts(s, Label.CATEGORY, ids), 0
        )
        self.venue_paper_count: DataLoader[str, int] = _keyed_loader(
            lambda ids: repo.paper_counts(s, Label.VENUE, ids), 0
        )
        self.coauthors: DataLoader[tuple[str, int], list[Node]] = DataLoader(
            load_fn=self._coauthors
        )
        self.child_page: DataLoader[PageKey, Page] = DataLoader(load_fn=self._child_pages)

    async def _resolve_papers(self, refs: list[IdRef]) -> dict[IdRef, Node]:
        found = await repo.resolve_papers(self.scope, {str(i): r for i, r in enumerate(refs)})
        return {r: found[str(i)] for i, r in enumerate(refs) if str(i) in found}

    async def _resolve_authors(self, refs: list[IdRef]) -> dict[IdRef, Node]:
        found = await repo.resolve_authors(self.scope, {str(i): r for i, r in enumerate(refs)})
        return {r: found[str(i)] for i, r in enumerate(refs) if str(i) in found}

    async def _coauthors(self, keys: Sequence[tuple[str, int]]) -> list[list[Node]]:
        """Keys with the same ``first`` share one query."""
        groups: dict[int, list[str]] = defaultdict(list)
        for author_id, first in keys:
            groups[first].append(author_id)
        firsts = list(groups)
        answers = await asyncio.gather(
            *(repo.coauthors_of_authors(self.scope, groups[f], f) for f in firsts)
        )
        by_first = dict(zip(firsts, answers, strict=True))
        return [by_first[first].get(author_id, []) for author_id, first in keys]

    async def _child_pages(self, keys: Sequence[PageKey]) -> list[Page]:
        """Keys with the same kind and page arguments share one query."""
        groups: dict[tuple[str, int, int, Order], list[str]] = defaultdict(list)
        for kind, parent, skip, first, order in keys:
            groups[(kind, skip, first, order)].append(parent)
        specs = list(groups)
        answers = await asyncio.gather(
            *(
                repo.child_pages(
                    self.scope, kind, groups[spec], skip=skip, first=first, order=order
                )
                for spec in specs
                for kind, skip, first, order in [spec]
            )
        )
        by_spec = dict(zip(specs, answers, strict=True))
        empty = Page([], 0, False)
        return [
            by_spec[(kind, skip, first, order)].get(parent, empty)
            for kind, parent, skip, first, order in keys
        ]
