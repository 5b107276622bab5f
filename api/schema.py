"""The Query type and the schema with its limits (depth, aliases, tokens, introspection) and
error masking. Resolvers parse and bound their arguments, then ask the per-request loaders or
``graph.repository``; they never touch the driver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types

from api.analytics_schema import AnalyticsQuery, Mutation
from api.collab_schema import CollabQuery
from api.context import Info
from api.cost import ExpensiveGate, RequestLimits
from api.errors import MaskUnexpectedErrors, ScholarGraphSchema
from api.pagination import (
    MAX_FIRST,
    check_first,
    encode_cursor,
    first_or,
    page_selected,
    papers_authorships_selected,
)
from api.types import (
    Author,
    AuthorConnection,
    AuthorHit,
    AuthorOrder,
    AuthorWhere,
    Category,
    GraphStats,
    PageInfo,
    Paper,
    PaperConnection,
    PaperHit,
    PaperOrder,
    PaperWhere,
    SearchConnection,
    SearchEdge,
    SearchHit,
    SearchType,
    Venue,
    VenueHit,
    cursor_values,
    filter_tree,
    order_keys,
    search_hit,
)
from graph import paper_aggregates as aggregates
from graph import paper_pages
from graph import repository as repo
from graph.analytics.worker import shared_pool
from graph.ids import normalize_openalex, parse_author_id, parse_paper_id
from graph.labels import Label
from graph.repository import Facet
from graph.settings import AppSettings

MAX_CATEGORIES = 1000
MAX_SEARCH = 100


def _kinds(types: list[Any] | None) -> list[str]:
    return [t.value for t in types] if types is not None else list(repo.SEARCH_KINDS)


def _venue_id(raw: str) -> str:
    """Venue ids are the graph's own; OpenAlex source URLs are accepted too."""
    text = raw.strip()
    if "openalex.org/" in text.lower():
        oa = normalize_openalex(text)
        if oa and oa.startswith("S"):
            return f"openalex:{oa}"
    return text


@strawberry.type
class CoreQuery:
    """Lookups, lists, search and graph counts; ``Query`` merges it with the collaboration and
    analytics fields (``strawberry.tools.merge_types``)."""

    @strawberry.field(description="An author by any id form: orcid:, ORCID URL, openalex:A…, …")
    async def author(self, info: Info, id: strawberry.ID) -> Author | None:
        n = await info.context.loaders.author_ref.load(parse_author_id(id))
        return Author.from_node(n) if n else None

    @strawberry.field(description="Authors matching `where`, sorted by `orderBy` (then id).")
    async def authors(
        self,
        info: Info,
        where: AuthorWhere | None = None,
        order_by: list[AuthorOrder] | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> AuthorConnection:
        n = check_first(first)
        tree, order, scope = filter_tree(where), order_keys(order_by), info.context.scope
        keys = repo.list_order(Label.AUTHOR, order)
        values = cursor_values(after, keys)
        tree = await repo.check_filter_ids(scope, Label.AUTHOR, tree)
        page = (
            await repo.list_page(scope, Label.AUTHOR, tree, order, first=n, after=values)
            if page_selected(info)
            else repo.Page([], None, False)
        )
        count = lambda: repo.list_count(scope, Label.AUTHOR, tree)  # noqa: E731
        return AuthorConnection.build(page, Author.from_node, keys, values is not None, count)

    @strawberry.field(description="A paper by any id form: doi:, DOI URL, arxiv:, openalex:W…, …")
    async def paper(self, info: Info, id: strawberry.ID) -> Paper | None:
        n = await info.context.loaders.paper_ref.load(parse_paper_id(id))
        return Paper.from_node(n) if n else None

    @strawberry.field(
        description="Papers matching `where`, sorted by `orderBy` (then id). Stubs (papers known "
        "only as citation targets) are left out unless `where.stub` is given."
    )
    async def papers(
        self,
        info: Info,
        where: PaperWhere | None = None,
        order_by: list[PaperOrder] | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> PaperConnection:
        tree, order, scope = filter_tree(where), order_keys(order_by), info.context.scope
        ids = repo.top_level_ids(tree)
        n = check_first(first, maximum=repo.MAX_ID_BATCH if ids else MAX_FIRST)
        keys = repo.list_order(Label.PAPER, order)
        values = cursor_values(after, keys)
        tree = await repo.check_filter_ids(scope, Label.PAPER, tree)
        if page_selected(info):
            joined = papers_authorships_selected(info)
            page = await paper_pages.list_papers(
                scope, tree, order, first=n, after=values, authorships=joined
            )
            info.context.loaders.authors_of_paper.prime_many(page.authorships)
        else:
            page = repo.Page([], None, False)  # only counts or facets asked for: no page query
        count = lambda: aggregates.count_papers(scope, tree)  # noqa: E731

        def facet(name: str, k: int) -> Awaitable[Facet]:
            return aggregates.paper_facet(scope, name, tree, k)

        return PaperConnection.build(
            page, Paper.from_node, keys, values is not None, count, facets=facet, ids=ids
        )

    @strawberry.field(
        description="A venue by its id (issn:…, openalex:S…, dblp:…, arxiv, name:…) or by an id "
        "another source gave it (its `altIds`)"
    )
    async def venue(self, info: Info, id: strawberry.ID) -> Venue | None:
        vid = _venue_id(id)
        n = await info.context.loaders.venue.load(vid)
        if n is None:  # an id the venue is known under besides its own (Venue.alt_ids)
            n = (await repo.venues_by_alt_ids(info.context.scope, [vid])).get(vid)
        return Venue.from_node(n) if n else None

    @strawberry.field(description="A category by its id (arxiv:cs.CL, openalex-topic:T…, …)")
    async def category(self, info: Info, id: strawberry.ID) -> Category | None:
        n = await info.context.loaders.category.load(id.strip())
        return Category.from_node(n) if n else None

    @strawberry.field(description="Categories, optionally of one scheme, by id (at most 1000).")
    async def categories(
        self, info: Info, scheme: str | None = None, first: int | None = 100
    ) -> list[Category]:
        n = first_or(100, first, maximum=MAX_CATEGORIES)
        rows = await repo.categories(info.context.scope, scheme, n)
        return [Category.from_node(r) for r in rows]

    @strawberry.field(
        description="Full-text search (Lucene syntax) over paper titles and abstracts, author "
        "names and venue names; best score first.",
        deprecation_reason="a plain list without a cursor: use searchConnection",
    )
    async def search(
        self,
        info: Info,
        query: str,
        types: list[SearchType] | None = None,
        first: int | None = 10,
    ) -> list[SearchHit]:
        n = first_or(10, first, maximum=MAX_SEARCH)
        hits = await repo.search(info.context.scope, query, _kinds(types), n)
        return [search_hit(h) for h in hits]

    @strawberry.field(
        description="Full-text search (Lucene syntax) over paper titles and abstracts, author "
        "names and venue names; best score first (ties by type, then id), paged with cursors "
        f"through the best {repo.SEARCH_DEPTH:,} hits of each type."
    )
    async def search_connection(
        self,
        info: Info,
        query: str,
        types: list[SearchType] | None = None,
        first: int | None = 10,
        after: str | None = None,
    ) -> SearchConnection:
        n = first_or(10, first, maximum=MAX_SEARCH)
        keys = repo.SEARCH_KEYS
        signature = repo.order_signature(keys)
        values = cursor_values(after, keys)
        hits = await repo.search(info.context.scope, query, _kinds(types), n + 1, values)
        shown = hits[:n]
        edges = [SearchEdge(cursor=encode_cursor(signature, h["sort"]), node=search_hit(h))
                 for h in shown]  # fmt: skip
        return SearchConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(hits) > n,
                has_previous_page=values is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
        )

    @strawberry.field(description="Counts of nodes and relationships.")
    async def stats(self, info: Info) -> GraphStats:
        return GraphStats.from_stats(await repo.graph_stats(info.context.scope))


Query = merge_types("Query", (CoreQuery, CollabQuery, AnalyticsQuery))


def build_schema(settings: AppSettings | None = None) -> strawberry.Schema:
    """The schema with the limits of ``settings`` (depth, aliases, tokens, introspection, the
    query cost budget and the request deadlines: ``api.cost``)."""
    s = settings or AppSettings()
    # The limiters' validation rules are built once, so the validation cache can key on them:
    # a document validated once (limits included) is not validated again.
    depth = QueryDepthLimiter(max_depth=s.max_query_depth)
    aliases = MaxAliasesLimiter(max_alias_count=s.max_aliases)
    gate = ExpensiveGate(s.expensive_concurrency)
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        lambda: ParserCache(maxsize=1024),
        lambda: AddValidationRules(depth.validation_rules),
        lambda: AddValidationRules(aliases.validation_rules),
        lambda: MaxTokensLimiter(max_token_count=s.max_tokens),
        lambda: ValidationCache(maxsize=1024),
        lambda: RequestLimits(
            budget=s.max_query_cost,
            expensive=s.expensive_cost,
            gate=gate,
            query_seconds=s.request_timeout,
            mutation_seconds=s.mutation_timeout,
        ),
        MaskUnexpectedErrors,
    ]
    shared_pool(s.analytics_workers)  # the process's analytics workers (started at first use)
    if not s.introspection:
        extensions.append(DisableIntrospection)
    return ScholarGraphSchema(
        query=Query,
        mutation=Mutation,
        types=[PaperHit, AuthorHit, VenueHit],
        extensions=extensions,
    )
