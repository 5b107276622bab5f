"""GraphQL object, input and enum types, a module per domain:

* ``inputs``: filters (``PaperWhere``, ``AuthorWhere``), ``orderBy`` keys, search kinds;
* ``connections``: cursor connections and ``PageInfo``;
* ``venues``: ``Category`` and ``Venue``;
* ``papers``: ``Paper`` with its authorships, similar papers, facets and ``PaperConnection``;
* ``authors``: ``Author`` with reported figures, citing authors and co-authors;
* ``collab``: collaboration paths, suggestions, communities, networks, influence rankings;
* ``search``, ``stats``, ``scores``.

Resolvers are thin: they read the node's stored properties or ask a per-request DataLoader
(``info.context.loaders``) for children. ``papers`` refers to ``Author`` lazily
(``strawberry.lazy``); every other reference is a plain import, so there is no import cycle.
"""

from api.types.authors import Author, AuthorConnection, CoauthorConnection
from api.types.collab import GraphKind, InfluenceMeasure
from api.types.connections import PageInfo, cursor_values
from api.types.inputs import (
    MAX_WHERE_TERMS,
    AuthorOrder,
    AuthorWhere,
    PaperOrder,
    PaperWhere,
    SearchType,
    filter_tree,
    order_keys,
)
from api.types.papers import Paper, PaperConnection
from api.types.search import (
    AuthorHit,
    PaperHit,
    SearchConnection,
    SearchEdge,
    SearchHit,
    VenueHit,
    search_hit,
)
from api.types.stats import GraphStats
from api.types.venues import Category, Venue

__all__ = [
    "MAX_WHERE_TERMS",
    "Author",
    "AuthorConnection",
    "AuthorHit",
    "AuthorOrder",
    "AuthorWhere",
    "Category",
    "CoauthorConnection",
    "GraphKind",
    "GraphStats",
    "InfluenceMeasure",
    "PageInfo",
    "Paper",
    "PaperConnection",
    "PaperHit",
    "PaperOrder",
    "PaperWhere",
    "SearchConnection",
    "SearchEdge",
    "SearchHit",
    "SearchType",
    "Venue",
    "VenueHit",
    "cursor_values",
    "filter_tree",
    "order_keys",
    "search_hit",
]
