"""Per-request DataLoaders: every child object and child list of a GraphQL query goes through
one of these, so all parents of one level are answered by one batched read (no N+1)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from graph import influence
from graph import repository as repo
from graph.ids import IdRef
from graph.influence import SimilarPaper
from graph.labels import Label
from graph.repository import Node, Page, ReadScope

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
Order = tuple[tuple[str, bool], ...]
After = tuple[Any, ...] | None  # a cursor's sort-key values (None: the first page)
# (kind, parent id, first, order, after, with the papers' authorships) -> one page of child
# papers
PageKey = tuple[str, str, int, Order, After, bool]


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
        self.coauthor_page: DataLoader[tuple[str, int, After], Page] = DataLoader(
            load_fn=self._coauthor_pages
        )
        self.coauthor_total: DataLoader[str, int] = _keyed_loader(
            lambda ids: repo.coauthor_totals(s, ids), 0
        )
        self.child_page: DataLoader[PageKey, Page] = DataLoader(load_fn=self._child_pages)
        self.child_total: DataLoader[tuple[str, str], int] = DataLoader(load_fn=self._child_totals)
        self.similar: DataLoader[tuple[str, int], list[SimilarPaper]] = DataLoader(
            load_fn=self._similar
        )
        self.top_citing: DataLoader[tuple[str, int], Node] = DataLoader(load_fn=self._top_citing)

    async def _resolve_papers(self, refs: list[IdRef]) -> dict[IdRef, Node]:
        found = await repo.resolve_papers(self.scope, {str(i): r for i, r in enumerate(refs)})
        return {r: found[str(i)] for i, r in enumerate(refs) if str(i) in found}

    async def _resolve_authors(self, refs: list[IdRef]) -> dict[IdRef, Node]:
        found = await repo.resolve_authors(self.scope, {str(i): r for i, r in enumerate(refs)})
        return {r: found[str(i)] for i, r in enumerate(refs) if str(i) in found}

    async def _coauthors(self, keys: Sequence[tuple[str, int]]) -> list[list[Node]]:
        """Keys with the same ``first`` share one query."""
        found = await _by_group(
            keys,
            lambda k: k[1],
            lambda first, ids: repo.coauthors_of_authors(self.scope, ids, first),
        )
        return [found[first].get(author_id, []) for author_id, first in keys]

    async def _coauthor_pages(self, keys: Sequence[tuple[str, int, After]]) -> list[Page]:
        """Keys with the same page arguments share one query."""
        found = await _by_group(
            keys,
            lambda k: (k[1], k[2]),
            lambda spec, ids: repo.coauthor_pages(self.scope, ids, first=spec[0], after=spec[1]),
        )
        return [found[(first, after)].get(a, _EMPTY) for a, first, after in keys]

    async def _child_pages(self, keys: Sequence[PageKey]) -> list[Page]:
        """Keys with the same kind and page arguments share one query. A page read with its
        papers' authorships fills ``authors_of_paper`` for them: no query of their own."""
        found = await _by_group(
            keys,
            lambda k: (k[0], k[2], k[3], k[4], k[5]),
            lambda spec, ids: repo.child_pages(
                self.scope,
                spec[0],
                ids,
                first=spec[1],
                order=spec[2],
                after=spec[3],
                authorships=spec[4],
            ),
            parent=1,
        )
        pages = [
            found[(kind, first, order, after, joined)].get(parent, _EMPTY)
            for kind, parent, first, order, after, joined in keys
        ]
        for page in pages:
            self.authors_of_paper.prime_many(page.authorships)
        return pages

    async def _child_totals(self, keys: Sequence[tuple[str, str]]) -> list[int]:
        """Keys of one kind share one query."""
        found = await _by_group(
            keys,
            lambda k: k[0],
            lambda kind, ids: repo.child_totals(self.scope, kind, ids),
            parent=1,
        )
        return [found[kind].get(parent, 0) for kind, parent in keys]

    async def _similar(self, keys: Sequence[tuple[str, int]]) -> list[list[SimilarPaper]]:
        """Papers of one level with the same ``first`` share one answer: from the analytics
        snapshot when one is held (one read for the answer papers), else one Cypher query."""
        found = await _by_group(
            keys,
            lambda k: k[1],
            lambda first, ids: influence.similar_of_papers(self.scope, ids, first),
        )
        return [found[first].get(paper, []) for paper, first in keys]

    async def _top_citing(self, keys: Sequence[tuple[str, int]]) -> list[Node]:
        """Authors of one level with the same ``first`` share one query."""
        found = await _by_group(
            keys,
            lambda k: k[1],
            lambda first, ids: repo.top_citing_of_authors(self.scope, ids, first),
        )
        none = {"total": 0, "self_citations": 0, "rows": []}
        return [found[first].get(author, none) for author, first in keys]


_EMPTY = Page([], 0, False)
G = TypeVar("G", bound=Hashable)


async def _by_group(
    keys: Sequence[tuple[Any, ...]],
    group: Callable[[tuple[Any, ...]], G],
    fetch: Callable[[G, list[str]], Awaitable[dict[str, V]]],
    parent: int = 0,
) -> dict[G, dict[str, V]]:
    """Runs ``fetch`` once per group of keys (the same page arguments), concurrently, with the
    distinct parent ids of the group (a key's parent id is its element ``parent``); answers
    ``{group: {parent id: value}}``."""
    groups: dict[G, list[str]] = defaultdict(list)
    for key in keys:
        pid = key[parent]
        if pid not in groups[group(key)]:
            groups[group(key)].append(pid)
    specs = list(groups)
    answers = await asyncio.gather(*(fetch(spec, groups[spec]) for spec in specs))
    return dict(zip(specs, answers, strict=True))
