"""Reads for the API: batched, one read transaction (with a timeout) per call.

Every function takes a :class:`ReadScope` (the async driver, the database and the read timeout)
and a *list* of keys, and answers all of them in one Bolt round trip: the API's per-request
DataLoaders call these, so a nested GraphQL query costs one query per level, not one per parent.
Nodes come back as plain property maps (``dict``); the API turns them into GraphQL objects.

Filters and sort orders arrive as plain data (nested mappings / field names) and are translated
by :class:`WhereBuilder` and :func:`order_clause` through closed maps of fields to Cypher
fragments; every value becomes a ``$parameter``.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from neo4j import AsyncDriver, Query, Record, RoutingControl
from neo4j.api import AsyncBookmarkManager
from neo4j.exceptions import ClientError

from graph import queries_read as q
from graph.db import detached
from graph.errors import BatchTooLarge, InputError, InvalidId, RequestTimeout, UnknownId
from graph.ids import (
    AUTHOR_ID_PROPERTY,
    PAPER_ID_PROPERTY,
    IdRef,
    parse_author_id,
    parse_paper_id,
)
from graph.labels import Label
from graph.stats import STATS_QUERY, stats_from_rows

Node = dict[str, Any]
logger = logging.getLogger("scholargraph.graph")
#: Transaction metadata key naming the API request a transaction belongs to (``terminate``).
REQUEST_TAG = "scholargraph_request"


class QueryTimeout(RequestTimeout):
    """One read ran past its transaction timeout (the server stopped it)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds, "the query")


@dataclass(frozen=True, slots=True)
class ReadScope:
    """Where reads go: one driver per process, the database, the per-transaction timeout and,
    for an API request, its deadline (``time.monotonic()``) and the tag its transactions carry.

    Every read of the request gets ``min(timeout, time left)`` as its server-side transaction
    timeout, so the database stops the work when the request's time is up. ``after_writes``
    (:class:`graph.db.AfterWrites`): the reads wait for the process's own committed writes, so
    on a cluster a reader answers only once it holds them (None: no bookmarks)."""

    driver: AsyncDriver
    database: str
    timeout: float = 15.0
    deadline: float | None = None
    request: str | None = None
    limit: float | None = None  # the request's whole time, in seconds (for messages)
    after_writes: AsyncBookmarkManager | None = None

    def for_request(self, seconds: float, request: str) -> ReadScope:
        """This scope with a deadline ``seconds`` from now and a request tag."""
        return replace(self, deadline=time.monotonic() + seconds, request=request, limit=seconds)

    def without_deadline(self) -> ReadScope:
        """For work shared beyond one request (a cache build): no deadline, no tag."""
        return replace(self, deadline=None, request=None, limit=None)

    def tx_timeout(self, timeout: float | None = None) -> float:
        """The server-side timeout of the next transaction; raises when the deadline passed."""
        wanted = self.timeout if timeout is None else timeout
        if self.deadline is None:
            return wanted
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise RequestTimeout(self.limit if self.limit is not None else wanted)
        return min(wanted, left)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: the nodes, the number of matches in all (None when not asked for),
    whether more follow, and per node its sort-key values (the node id last: what its cursor
    carries)."""

    items: list[Node]
    total: int | None
    has_next: bool
    keys: list[list[Any]] = field(default_factory=list)
    #: per paper of the page, its authorships (:func:`authors_of_papers` rows), when the page
    #: was read with them
    authorships: dict[str, list[Node]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Count:
    """A bounded count: exact up to :data:`COUNT_EXACT_LIMIT` matches, else an estimate from a
    uniform random sample of :data:`COUNT_SAMPLE` nodes (``exact`` False)."""

    value: int
    exact: bool


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One bucket of a facet: the year or the node's id, how many papers, the node (none for
    years)."""

    value: Any
    count: int
    node: Node | None


@dataclass(frozen=True, slots=True)
class Facet:
    """The largest buckets of one facet, most papers first (ties by value); ``truncated`` when
    more buckets exist than were returned."""

    values: list[FacetValue]
    truncated: bool


# Node and relationship totals come from the count store (O(1)); the number of finished
# analysis runs moves when a run is published, which adds no node (a few dozen runs at most).
GRAPH_TOTALS = f"""
CALL () {{ MATCH (n) RETURN count(n) AS nodes }}
CALL () {{ MATCH ()-[r]->() RETURN count(r) AS relationships }}
CALL () {{
  MATCH (r:{Label.ANALYSIS_RUN}) WHERE r.status IS NULL OR r.status <> 'RUNNING'
  RETURN count(r) AS finished_runs
}}
RETURN nodes, relationships, finished_runs
"""

_TIMEOUT_CODES = (
    "Neo.ClientError.Transaction.TransactionTimedOut",
    "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
    "Neo.ClientError.Transaction.Terminated",
    "Neo.TransientError.Transaction.Terminated",
)


CLIENT_GRACE = 0.2  # seconds past a transaction's timeout before the client gives up on it
_STOPPING: set[asyncio.Task[int]] = set()  # terminations under way (strong references)


async def read(
    scope: ReadScope, text: str, params: Mapping[str, Any], timeout: float | None = None
) -> list[Record]:
    """The one read gateway: a query in a read transaction (routed to a reader) whose
    server-side timeout is the scope's (or ``timeout``) capped by the request's deadline, and
    whose metadata names the request. ``text`` is built from the constants of ``graph``.

    Neo4j checks transaction timeouts only every few seconds and some work (planning a large
    predicate) not at all, so the client also stops waiting ``CLIENT_GRACE`` after the timeout
    and has the server terminate the transaction (by its tag) in the background."""
    seconds = scope.tx_timeout(timeout)
    tag = scope.request or uuid.uuid4().hex
    query = Query(text, metadata={REQUEST_TAG: tag}, timeout=seconds)
    try:
        async with asyncio.timeout(seconds + CLIENT_GRACE):
            records, _, _ = await scope.driver.execute_query(
                query,
                dict(params),
                routing_=RoutingControl.READ,
                database_=scope.database,
                bookmark_manager_=scope.after_writes,  # own writes only (graph.db)
            )
    except TimeoutError:
        task = asyncio.create_task(terminate_tagged(scope.driver, scope.database, tag))
        _STOPPING.add(task)
        task.add_done_callback(_stopped)
        raise QueryTimeout(seconds) from None
    except ClientError as e:
        if e.code in _TIMEOUT_CODES:
            raise QueryTimeout(seconds) from e
        raise
    return list(records)


def _stopped(task: asyncio.Task[int]) -> None:
    _STOPPING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.warning("could not terminate a timed-out read: %r", task.exception())


_read = read

SHOW_REQUEST_TRANSACTIONS = f"""
SHOW TRANSACTIONS YIELD transactionId, metaData
WHERE metaData.{REQUEST_TAG} = $request
RETURN collect(transactionId) AS ids
"""


async def request_transactions(driver: AsyncDriver, database: str, request: str) -> list[str]:
    """Ids of the open transactions tagged with ``request`` (all databases of the server)."""
    async with driver.session(database=database) as session:
        result = await session.run(SHOW_REQUEST_TRANSACTIONS, request=request)
        record = await result.single(strict=True)
    return [str(i) for i in record["ids"]]


async def terminate_tagged(driver: AsyncDriver, database: str, tag: str) -> int:
    """Terminates the open transactions tagged ``tag``; returns how many. Runs to its end even
    when the caller stops waiting (its own deadline), so no connection is left half-open."""
    return await detached(driver, _terminate_tagged(driver, database, tag))


async def _terminate_tagged(driver: AsyncDriver, database: str, tag: str) -> int:
    ids = await request_transactions(driver, database, tag)
    if ids:
        async with driver.session(database=database) as session:
            result = await session.run("TERMINATE TRANSACTIONS $ids", ids=ids)
            await result.consume()
    return len(ids)


async def terminate(scope: ReadScope) -> int:
    """Terminates the open transactions of the scope's request (its deadline passed): the
    server stops them now rather than at its next timeout check. Returns how many."""
    if scope.request is None:
        return 0
    return await terminate_tagged(scope.driver, scope.database, scope.request)


def _keyed(records: Iterable[Record], value: str = "node") -> dict[str, Any]:
    return {r["id"]: r[value] for r in records}


# --- nodes ----------------------------------------------------------------------------------


async def nodes_by_ids(scope: ReadScope, label: Label, ids: Sequence[str]) -> dict[str, Node]:
    """``{id: properties}`` for the ids that exist (Paper, Author, Venue, Category)."""
    return _keyed(await _read(scope, q.NODES_BY_IDS[label], {"ids": list(ids)}))


async def papers_by_ids(scope: ReadScope, ids: Sequence[str]) -> dict[str, Node]:
    return await nodes_by_ids(scope, Label.PAPER, ids)


async def authors_by_ids(scope: ReadScope, ids: Sequence[str]) -> dict[str, Node]:
    return await nodes_by_ids(scope, Label.AUTHOR, ids)


def _ref_row(key: str, ref: IdRef, properties: Mapping[str, str]) -> dict[str, str]:
    prop = properties.get(ref.kind)
    if prop is None:  # name:, title: and the graph's own ids live in ``id``
        return {"key": key, "prop": "id", "value": ref.node_id}
    return {"key": key, "prop": prop, "value": ref.value}


async def _resolve(
    scope: ReadScope, label: Label, refs: Mapping[str, IdRef], properties: Mapping[str, str]
) -> dict[str, Node]:
    rows = [_ref_row(key, ref, properties) for key, ref in refs.items()]
    text = q.RESOLVE_PAPERS if label is Label.PAPER else q.RESOLVE_AUTHORS
    found: dict[str, Node] = {}
    for r in await _read(scope, text, {"refs": rows}):
        found.setdefault(r["key"], r["node"])
    return found


async def resolve_papers(scope: ReadScope, refs: Mapping[str, IdRef]) -> dict[str, Node]:
    """Papers by parsed id (``graph.ids.parse_paper_id``), keyed like ``refs``: each ref is an
    index seek on the uniqueness-constrained property of its kind (doi, arxiv_id, ...)."""
    return await _resolve(scope, Label.PAPER, refs, PAPER_ID_PROPERTY)


async def resolve_authors(scope: ReadScope, refs: Mapping[str, IdRef]) -> dict[str, Node]:
    """Authors by parsed id (``graph.ids.parse_author_id``), keyed like ``refs``."""
    return await _resolve(scope, Label.AUTHOR, refs, AUTHOR_ID_PROPERTY)


# --- children -------------------------------------------------------------------------------


async def authors_of_papers(scope: ReadScope, ids: Sequence[str]) -> dict[str, list[Node]]:
    """Per paper, its authorships in position order: ``{position, raw_name, author}``."""
    return _keyed(await _read(scope, q.AUTHORS_OF_PAPERS, {"ids": list(ids)}), "rows")


async def categories_of_papers(scope: ReadScope, ids: Sequence[str]) -> dict[str, list[Node]]:
    """Per paper, ``{primary, category}`` rows, the primary category first."""
    return _keyed(await _read(scope, q.CATEGORIES_OF_PAPERS, {"ids": list(ids)}), "rows")


async def venue_of_papers(scope: ReadScope, ids: Sequence[str]) -> dict[str, Node]:
    return _keyed(await _read(scope, q.VENUE_OF_PAPERS, {"ids": list(ids)}))


async def coauthors_of_authors(
    scope: ReadScope, ids: Sequence[str], first: int
) -> dict[str, list[Node]]:
    """Per author, co-authors derived from two ``AUTHORED`` on one paper: ``{author, joint,
    first_year, last_year}``, most joint papers first (ties by id)."""
    params = {"ids": list(ids), "first": first}
    return _keyed(await _read(scope, q.COAUTHORS_OF_AUTHORS, params), "rows")


async def categories_of_authors(scope: ReadScope, ids: Sequence[str]) -> dict[str, list[Node]]:
    """Per author, ``{category, paper_count}`` over the author's papers, largest first."""
    return _keyed(await _read(scope, q.CATEGORIES_OF_AUTHORS, {"ids": list(ids)}), "rows")


async def parents_of_categories(scope: ReadScope, ids: Sequence[str]) -> dict[str, Node]:
    return _keyed(await _read(scope, q.PARENTS_OF_CATEGORIES, {"ids": list(ids)}))


async def subcategories_of_categories(
    scope: ReadScope, ids: Sequence[str]
) -> dict[str, list[Node]]:
    return _keyed(await _read(scope, q.SUBCATEGORIES_OF_CATEGORIES, {"ids": list(ids)}), "rows")


async def paper_counts(scope: ReadScope, label: Label, ids: Sequence[str]) -> dict[str, int]:
    """Papers per Category or Venue (degree counts)."""
    return _keyed(await _read(scope, q.PAPER_COUNTS[label], {"ids": list(ids)}), "n")


async def categories(scope: ReadScope, scheme: str | None, first: int) -> list[Node]:
    records = await _read(scope, q.CATEGORIES, {"scheme": scheme, "first": first})
    return [r["node"] for r in records]


# --- ordering and keyset seeks -------------------------------------------------------------

# Sort field -> Cypher expression over the list variable. Unique tie-breaker: the node id.
PAPER_ORDER_FIELDS: dict[str, str] = {
    "citation_count": "p.citation_count",
    "year": "p.year",
    "date": "p.date",
    "title": "p.title",
    "pagerank": "p.pagerank",  # latest whole citation-graph run
    "id": "p.id",
}
AUTHOR_ORDER_FIELDS: dict[str, str] = {
    "name": "a.name",
    "paper_count": "a.paper_count",
    "h_index": "a.h_index",
    "citation_count": "a.citation_count",
    "pagerank": "a.pagerank",  # latest whole co-authorship run
    "id": "a.id",
}


def _order_enum(name: str, fields: Mapping[str, str]) -> type[Enum]:
    """``<FIELD>_DESC`` / ``<FIELD>_ASC`` members whose values are ``(field, descending)``."""
    members = {f"{f.upper()}_{d}": (f, d == "DESC") for f in fields for d in ("DESC", "ASC")}
    return Enum(name, members)  # type: ignore[return-value]


#: The sort orders of papers and authors (the API wraps these enums, it does not copy them).
PaperOrder = _order_enum("PaperOrder", PAPER_ORDER_FIELDS)
AuthorOrder = _order_enum("AuthorOrder", AUTHOR_ORDER_FIELDS)


@dataclass(frozen=True, slots=True)
class SortKey:
    """One key of a total order: a field name, its Cypher expression, its direction. Missing
    values sort last in either direction."""

    name: str
    expr: str
    descending: bool


def sort_keys(
    fields: Mapping[str, str], order: Sequence[tuple[str, bool]], var: str
) -> tuple[SortKey, ...]:
    """``[(field, descending)]`` → the keys of a total order: ``<var>.id`` ends every order (a
    unique tie-breaker, so pages are stable); keys after an ``id`` key are dropped."""
    keys: list[SortKey] = []
    for name, descending in order:
        expr = fields.get(name)
        if expr is None:
            raise InputError("orderBy", name, f"one of {sorted(fields)}")
        keys.append(SortKey(name, expr, descending))
        if name == "id":
            return tuple(keys)
    keys.append(SortKey("id", f"{var}.id", False))
    return tuple(keys)


def order_by(keys: Sequence[SortKey]) -> str:
    """An ORDER BY body: missing values last in either direction."""
    return ", ".join(
        f"{k.expr} ASC"
        if k.name == "id" and not k.descending
        else f"{k.expr} IS NULL, {k.expr} {'DESC' if k.descending else 'ASC'}"
        for k in keys
    )


def order_clause(fields: Mapping[str, str], order: Sequence[tuple[str, bool]], var: str) -> str:
    """``[(field, descending)]`` → an ORDER BY body (see :func:`sort_keys`)."""
    return order_by(sort_keys(fields, order, var))


def sort_values(keys: Sequence[SortKey]) -> str:
    """The list of the keys' expressions (returned beside each row: its cursor's content)."""
    return ", ".join(k.expr for k in keys)


def order_signature(keys: Sequence[SortKey]) -> str:
    """What a cursor records of its order, so one made for another order is refused."""
    return ",".join(f"{k.name}{'-' if k.descending else '+'}" for k in keys)


def seek_condition(
    keys: Sequence[SortKey], values: Sequence[Any] | None, params: dict[str, Any]
) -> str:
    """The rows strictly after ``values`` in the order of ``keys``: ``(k1, .., id) > (v1, ..,
    vid)`` expanded into comparisons (Cypher has no row comparison), with missing values last:
    ``gt(k1) OR (eq(k1) AND (gt(k2) OR (eq(k2) AND ...)))``. Values go into ``params`` as
    ``$s0, $s1, ...``; no values: ``true``."""
    if values is None:
        return "true"
    if len(values) != len(keys):
        raise ValueError(f"{len(values)} cursor values for {len(keys)} sort keys")
    cond: str | None = None
    for k, v in reversed(list(zip(keys, values, strict=True))):
        if v is None:  # the row's own key is missing: only missing keys tie, none is after
            gt: str | None = None
            eq = f"{k.expr} IS NULL"
        else:
            name = f"s{len(params)}"
            params[name] = v
            gt = f"{k.expr} IS NULL OR {k.expr} {'<' if k.descending else '>'} ${name}"
            eq = f"{k.expr} = ${name}"
        if cond is None:
            cond = gt or "false"
        else:
            tie = f"{eq} AND ({cond})"
            cond = f"{gt} OR ({tie})" if gt else tie
    return f"({cond})"


# --- filters --------------------------------------------------------------------------------

_INT_OPS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_TEXT_OPS = {"eq": "=", "contains": "CONTAINS", "starts_with": "STARTS WITH"}
_CATEGORY_TAIL = q.CATEGORY_TAIL


@dataclass(frozen=True, slots=True)
class _Field:
    kind: str  # int | text | bool | ids | paper_ids | authors
    expr: str  # the expression, or for ids/authors an EXISTS pattern with {ids} placeholder


# Filter field -> how it reaches Cypher. The only text interpolated into WHERE clauses.
PAPER_FILTER_FIELDS: dict[str, _Field] = {
    "year": _Field("int", "p.year"),
    "citation_count": _Field("int", "coalesce(p.citation_count, 0)"),
    "title": _Field("text", "p.title"),
    "has_code": _Field("bool", "coalesce(p.has_code, false)"),
    "stub": _Field("bool", "coalesce(p.stub, false)"),
    "id": _Field("paper_ids", ""),
    "category": _Field("ids", f"EXISTS {{ MATCH (p){_CATEGORY_TAIL} WHERE c.id IN {{ids}} }}"),
    "venue": _Field(
        "ids", f"EXISTS {{ MATCH (p)-[:{q.PUBLISHED_IN}]->(v:{q.VENUE}) WHERE v.id IN {{ids}} }}"
    ),
    "author": _Field("authors", f"EXISTS {{ MATCH (a:{q.AUTHOR})-[:{q.AUTHORED}]->(p) WHERE "),
}
AUTHOR_FILTER_FIELDS: dict[str, _Field] = {
    "name": _Field("text", "a.name"),
    "paper_count": _Field("int", "coalesce(a.paper_count, 0)"),
    "h_index": _Field("int", "coalesce(a.h_index, 0)"),
    "citation_count": _Field("int", "coalesce(a.citation_count, 0)"),
    "id": _Field("ids", "a.id IN {ids}"),
    "category": _Field(
        "ids",
        f"EXISTS {{ MATCH (a)-[:{q.AUTHORED}]->(:{q.PAPER}){_CATEGORY_TAIL} "
        "WHERE c.id IN {ids} }",
    ),
}
_LOGIC = ("and_", "or_", "not_")


@dataclass
class WhereBuilder:
    """Translates a filter tree into a WHERE expression and its parameters.

    The tree is a mapping of field name (see ``PAPER_FILTER_FIELDS``/``AUTHOR_FILTER_FIELDS``)
    to an operator mapping (``eq``, ``in_``, ``gt``, ``gte``, ``lt``, ``lte`` for numbers;
    ``eq``, ``contains``, ``starts_with`` for text, case-insensitive; ``eq``/``in_`` for ids;
    a bool for flags), plus ``and_``/``or_`` (lists of trees) and ``not_`` (a tree). ``None``
    values are ignored. Unknown fields or operators raise :class:`InputError`."""

    fields: Mapping[str, _Field]
    params: dict[str, Any] = field(default_factory=dict)

    def _param(self, value: Any) -> str:
        name = f"w{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def build(self, tree: Mapping[str, Any] | None, path: str = "where") -> str:
        if not tree:
            return "true"
        parts: list[str] = []
        for key, value in tree.items():
            if value is None:
                continue
            at = f"{path}.{key.rstrip('_')}"
            if key == "and_" or key == "or_":
                subs = [self.build(t, f"{at}[{i}]") for i, t in enumerate(value)]
                if key == "or_":
                    subs = self._merged_or(value, subs, at)
                joiner = " AND " if key == "and_" else " OR "
                default = "true" if key == "and_" else "false"
                parts.append("(" + (joiner.join(subs) if subs else default) + ")")
            elif key == "not_":
                parts.append(f"NOT ({self.build(value, at)})")
            elif key in self.fields:
                parts.append(self._field(self.fields[key], value, at))
            else:
                raise InputError(path, key, f"a filter field: {sorted(self.fields)} or AND/OR/NOT")
        return " AND ".join(parts) if parts else "true"

    def _merged_or(self, trees: list[Any], built: list[str], at: str) -> list[str]:
        """An OR's alternatives with the id terms of one relationship field (``author``,
        ``category``, ``venue``: one ``EXISTS`` subquery each) joined into one term per field
        over all their ids, in chunks of ``MAX_ID_BATCH``. Neo4j's planner took seconds for an
        OR of 100 such subqueries, and minutes in some database states; the union of their id
        lists means the same. Every alternative was built first, so its errors name it."""
        ids: dict[str, list[Any]] = {}
        first: dict[str, int] = {}
        out: list[str | None] = list(built)
        for i, tree in enumerate(trees):
            term = _single_id_term(tree, self.fields)
            if term is None:
                continue
            name, values = term
            ids.setdefault(name, []).extend(values)
            first.setdefault(name, i)
            out[i] = None
        if not ids:
            return built
        for name, values in ids.items():
            unique = list(dict.fromkeys(values))
            f = self.fields[name]
            chunks = [unique[k : k + MAX_ID_BATCH] for k in range(0, len(unique), MAX_ID_BATCH)]
            terms = [self._op(f, "in_", chunk, f"{at}.{name}") for chunk in chunks]
            out[first[name]] = " OR ".join(terms) if terms else "false"  # no id: no paper
        # the parameters of the alternatives built first stay unused: harmless
        return [t for t in out if t is not None]

    def _field(self, f: _Field, value: Any, at: str) -> str:
        if f.kind == "bool":
            if not isinstance(value, bool):
                raise InputError(at, value, "true or false")
            return f"{f.expr} = {self._param(value)}"
        if not isinstance(value, Mapping):
            raise InputError(at, value, "an operator object")
        conds: list[str] = []
        for op, v in value.items():
            if v is None:
                continue
            conds.append(self._op(f, op, v, f"{at}.{op.rstrip('_')}"))
        return "(" + " AND ".join(conds) + ")" if conds else "true"

    def _op(self, f: _Field, op: str, v: Any, at: str) -> str:
        if f.kind == "int":
            if op == "in_":
                return f"{f.expr} IN {self._param(list(v))}"
            if op in _INT_OPS:
                return f"{f.expr} {_INT_OPS[op]} {self._param(v)}"
            raise InputError(at, op, "one of eq, in, gt, gte, lt, lte")
        if f.kind == "text":
            if op in _TEXT_OPS:
                return f"toLower({f.expr}) {_TEXT_OPS[op]} {self._param(str(v).lower())}"
            raise InputError(at, op, "one of eq, contains, startsWith")
        if op not in ("eq", "in_"):
            raise InputError(at, op, "one of eq, in")
        values = [v] if op == "eq" else list(v)
        if len(values) > MAX_ID_BATCH:
            raise BatchTooLarge(at, len(values), MAX_ID_BATCH)
        if f.kind == "ids":
            return f.expr.replace("{ids}", self._param([str(x) for x in values]))
        if f.kind == "paper_ids":
            return self._papers(values, at)
        return self._authors(f.expr, values, at)

    def _papers(self, values: list[Any], at: str) -> str:
        """Papers by any id form ``paper(id:)`` accepts (bare DOI, DOI URL, OpenAlex URL, arXiv
        id with version, ...): one index lookup per id property named."""
        by_prop: dict[str, list[str]] = {}
        for raw in values:
            ref = parse_paper_ref(str(raw), at)
            prop = PAPER_ID_PROPERTY.get(ref.kind)
            by_prop.setdefault(prop or "id", []).append(ref.value if prop else ref.node_id)
            by_prop.setdefault("id", []).append(str(raw).strip())  # the graph's own id as typed
        return (
            "("
            + " OR ".join(f"p.{prop} IN {self._param(vals)}" for prop, vals in by_prop.items())
            + ")"
        )

    def _authors(self, head: str, values: list[Any], at: str) -> str:
        by_prop: dict[str, list[str]] = {}
        for raw in values:
            try:
                ref = parse_author_id(str(raw))
            except InvalidId as e:
                raise InputError(at, raw, e.expected) from e
            prop = AUTHOR_ID_PROPERTY.get(ref.kind)
            if prop is None:
                by_prop.setdefault("id", []).append(ref.node_id)
            else:
                by_prop.setdefault(prop, []).append(ref.value)
            by_prop.setdefault("id", []).append(str(raw).strip())  # the graph's own id as typed
        ors = " OR ".join(f"a.{prop} IN {self._param(vals)}" for prop, vals in by_prop.items())
        return f"{head}{ors} }}"


def _single_id_term(tree: Any, fields: Mapping[str, _Field]) -> tuple[str, list[Any]] | None:
    """``(field, ids)`` when ``tree`` is one relationship id term and nothing else
    (``{author: {in: [...]}}``, ``{category: {eq: ...}}``), else None."""
    if not isinstance(tree, Mapping):
        return None
    items = [(k, v) for k, v in tree.items() if v is not None]
    if len(items) != 1:
        return None
    name, ops = items[0]
    f = fields.get(name)
    if f is None or f.kind not in ("ids", "authors") or "EXISTS" not in f.expr:
        return None
    if not isinstance(ops, Mapping):
        return None
    given = [(op, v) for op, v in ops.items() if v is not None]
    if len(given) != 1 or given[0][0] not in ("eq", "in_"):
        return None
    op, v = given[0]
    return name, [v] if op == "eq" else list(v)


# --- id lists and known ids -----------------------------------------------------------------

MAX_ID_BATCH = 500  # ids in one `in` list (a batch lookup), like common scholarly batch APIs


def parse_paper_ref(raw: str, argument: str) -> IdRef:
    """``graph.ids.parse_paper_id`` whose error names ``argument``."""
    try:
        return parse_paper_id(raw)
    except InvalidId as e:
        raise InputError(argument, raw, e.expected) from e


def filter_ids(
    tree: Mapping[str, Any] | None, name: str, path: str = "where"
) -> list[tuple[str, str]]:
    """Every ``(argument path, id)`` a filter tree names under field ``name`` (``eq`` and
    ``in``), at any depth of ``AND``/``OR``/``NOT``: what :func:`check_known` verifies."""
    found: list[tuple[str, str]] = []
    for key, value in (tree or {}).items():
        if value is None:
            continue
        at = f"{path}.{key.rstrip('_')}"
        if key in ("and_", "or_"):
            for i, sub in enumerate(value):
                found += filter_ids(sub, name, f"{at}[{i}]")
        elif key == "not_":
            found += filter_ids(value, name, at)
        elif key == name and isinstance(value, Mapping):
            if value.get("eq") is not None:
                found.append((f"{at}.eq", str(value["eq"])))
            for v in value.get("in_") or ():
                found.append((f"{at}.in", str(v)))
    return found


def top_level_ids(tree: Mapping[str, Any] | None) -> list[str] | None:
    """The ids of a top-level ``id`` condition (a batch lookup), else None."""
    cond = (tree or {}).get("id")
    if not isinstance(cond, Mapping):
        return None
    ids = [str(cond["eq"])] if cond.get("eq") is not None else []
    return ids + [str(v) for v in cond.get("in_") or ()]


async def check_known(
    scope: ReadScope,
    categories: Sequence[tuple[str, str]] = (),
    venues: Sequence[tuple[str, str]] = (),
) -> dict[str, str]:
    """Raises :class:`UnknownId` naming the first ``(argument, id)`` whose category or venue does
    not exist: an unknown id in a filter or an analysis argument is an input error, not an empty
    answer. A venue id may be one a venue is known under besides its own (``Venue.alt_ids``);
    returns those ids with the id of their venue. One query (index lookups), a second only for
    venue ids no venue holds as its own, none when there is nothing to check."""
    if not categories and not venues:
        return {}
    params = {"categories": [c for _, c in categories], "venues": [v for _, v in venues]}
    row = (await _read(scope, q.UNKNOWN_IDS, params))[0]
    unknown_categories, unknown_venues = set(row["categories"]), set(row["venues"])
    for argument, ident in categories:
        if ident in unknown_categories:
            raise UnknownId(argument, "category", ident)
    aliases = await venues_by_alt_ids(scope, sorted(unknown_venues)) if unknown_venues else {}
    for argument, ident in venues:
        if ident in unknown_venues and ident not in aliases:
            raise UnknownId(argument, "venue", ident)
    return {alt: node["id"] for alt, node in aliases.items()}


async def venues_by_alt_ids(scope: ReadScope, ids: Sequence[str]) -> dict[str, Node]:
    """``{id: venue}`` for the ids a venue holds as another source's id (``alt_ids``)."""
    out: dict[str, Node] = {}
    for r in await _read(scope, q.VENUES_BY_ALT_IDS, {"ids": list(ids)}):
        for ident in r["ids"]:
            out.setdefault(ident, r["properties"])
    return out


async def check_filter_ids(
    scope: ReadScope, label: Label, tree: Mapping[str, Any] | None
) -> Mapping[str, Any] | None:
    """:func:`check_known` for the category and venue ids of a Paper or Author filter; returns
    the filter with every venue id a venue holds as another source's id replaced by the venue's
    own id (the filter then reads as if the venue's id had been given)."""
    venues = filter_ids(tree, "venue") if label is Label.PAPER else []
    aliases = await check_known(scope, filter_ids(tree, "category"), venues)
    return replace_ids(tree, "venue", aliases) if aliases else tree


def replace_ids(
    tree: Mapping[str, Any] | None, name: str, ids: Mapping[str, str]
) -> Mapping[str, Any] | None:
    """``tree`` with the ids of field ``name`` (``eq`` and ``in``, at any depth of
    ``AND``/``OR``/``NOT``) mapped through ``ids`` (the others unchanged)."""
    if tree is None:
        return None
    out: dict[str, Any] = {}
    for key, value in tree.items():
        if key in ("and_", "or_") and value is not None:
            out[key] = [replace_ids(sub, name, ids) for sub in value]
        elif key == "not_" and value is not None:
            out[key] = replace_ids(value, name, ids)
        elif key == name and isinstance(value, Mapping):
            cond = dict(value)
            if cond.get("eq") is not None:
                cond["eq"] = ids.get(str(cond["eq"]), cond["eq"])
            if cond.get("in_") is not None:
                cond["in_"] = [ids.get(str(v), v) for v in cond["in_"]]
            out[key] = cond
        else:
            out[key] = value
    return out


async def missing_papers(scope: ReadScope, ids: Sequence[str]) -> list[str]:
    """The ids (any form ``paper(id:)`` accepts) that name no paper in the graph, in the order
    given: the ``missing`` list of a batch lookup."""
    refs = {str(i): parse_paper_ref(raw, "where.id") for i, raw in enumerate(ids)}
    found = await resolve_papers(scope, refs) if refs else {}
    return [raw for i, raw in enumerate(ids) if str(i) not in found]


# --- top-level lists ------------------------------------------------------------------------

_LIST_FIELDS: dict[Label, tuple[Mapping[str, _Field], Mapping[str, str], str]] = {
    Label.PAPER: (PAPER_FILTER_FIELDS, PAPER_ORDER_FIELDS, "p"),
    Label.AUTHOR: (AUTHOR_FILTER_FIELDS, AUTHOR_ORDER_FIELDS, "a"),
}
COUNT_EXACT_LIMIT = 10_000  # totalCount is exact up to this many matches, else an estimate
COUNT_SAMPLE = 20_000  # nodes sampled for an estimate (all of them in a smaller graph)


def list_condition(label: Label, where: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """(WHERE expression, parameters) of a filter over Paper or Author.

    Papers known only as citation targets (stubs) are left out unless the filter names ``stub``
    or ``id`` (a lookup of named papers) at its top level."""
    filters, _, _ = _LIST_FIELDS[label]
    builder = WhereBuilder(filters)
    cond = builder.build(where)
    named = where is not None and (where.get("stub") is not None or where.get("id") is not None)
    if label is Label.PAPER and not named:
        cond = f"NOT coalesce(p.stub, false) AND ({cond})"
    return cond, builder.params


def list_order(label: Label, order: Sequence[tuple[str, bool]]) -> tuple[SortKey, ...]:
    _, orders, var = _LIST_FIELDS[label]
    return sort_keys(orders, order, var)


def list_queries(
    label: Label,
    where: Mapping[str, Any] | None,
    order: Sequence[tuple[str, bool]],
    after: Sequence[Any] | None = None,
    authorships: bool = False,
) -> tuple[str, str, dict[str, Any]]:
    """(page query, count query, parameters) for a filtered, sorted list of Paper or Author,
    the page starting after the sort-key values ``after`` (a cursor's content), papers with
    their authorships when ``authorships``."""
    cond, params = list_condition(label, where)
    anchored = _anchor(label, where, params)
    keys = list_order(label, order)
    seek = seek_condition(keys, after, params)
    page = q.list_page_query(
        label, f"{cond} AND {seek}", order_by(keys), sort_values(keys), anchored, authorships
    )
    return page, q.list_count_query(label, cond, anchored), params


def _anchor(label: Label, where: Mapping[str, Any] | None, params: dict[str, Any]) -> bool:
    """Whether a paper list can start from its categories: the filter names categories at its
    top level (every match is in one of them), so the list is read from their ``IN_FIELD``
    papers instead of from every paper. Sets ``$anchor``."""
    if label is not Label.PAPER or not where or not isinstance(where.get("category"), Mapping):
        return False
    ops = where["category"]
    ids = [ops["eq"]] if ops.get("eq") is not None else list(ops.get("in_") or [])
    if not ids or (ops.get("eq") is not None and ops.get("in_") is not None):
        return False  # both given: the filter is their intersection, left to the WHERE
    params["anchor"] = [str(i) for i in ids]
    return True


async def list_page(
    scope: ReadScope,
    label: Label,
    where: Mapping[str, Any] | None,
    order: Sequence[tuple[str, bool]],
    *,
    first: int,
    after: Sequence[Any] | None = None,
    authorships: bool = False,
) -> Page:
    """One page of ``first`` items after the sort-key values ``after`` (a keyset seek: the same
    cost at any depth), papers with their authorships when ``authorships`` (one query);
    ``total`` is left None (see :func:`list_count`)."""
    joined = authorships and label is Label.PAPER
    page_text, _, params = list_queries(label, where, order, after, joined)
    records = await _read(scope, page_text, {**params, "limit": first + 1})
    return page_of(records, first, joined)


def page_of(records: Sequence[Any], first: int, authorships: bool) -> Page:
    """The page of list records (``node``, ``sort``, and ``authorships`` when read with them),
    up to ``first`` of them; one more means another page follows."""
    rows = records[:first]
    return Page(
        [r["node"] for r in rows],
        None,
        len(records) > first,
        [list(r["sort"]) for r in rows],
        {r["node"]["id"]: r["authorships"] for r in rows} if authorships else {},
    )


async def list_count(scope: ReadScope, label: Label, where: Mapping[str, Any] | None) -> Count:
    """The matches of ``where``: exact up to :data:`COUNT_EXACT_LIMIT` (the count stops there),
    else estimated from a uniform random sample of :data:`COUNT_SAMPLE` nodes (exact when the
    sample is the whole label)."""
    cond, params = list_condition(label, where)
    anchored = _anchor(label, where, params)
    rows = await _read(
        scope,
        q.list_count_query(label, cond, anchored),
        {**params, "cap": COUNT_EXACT_LIMIT + 1},
    )
    n = int(rows[0]["n"])
    if n <= COUNT_EXACT_LIMIT:
        return Count(n, True)
    rows = await _read(
        scope, q.list_estimate_query(label, cond, anchored), {**params, "sample": COUNT_SAMPLE}
    )
    population, hits = int(rows[0]["population"]), int(rows[0]["hits"])
    if population <= COUNT_SAMPLE:
        return Count(hits, True)
    return Count(max(n, round(hits * population / COUNT_SAMPLE)), False)


# --- facets ---------------------------------------------------------------------------------

FACETS = q.FACETS
MAX_FACET_VALUES = 100
# Facets of all papers by year: one aggregate per graph version (the count-store totals), kept
# per database: {database: (totals, limit -> Facet)}.
_UNFILTERED_YEARS: dict[str, tuple[tuple[int, int, int], dict[int, Facet]]] = {}


def _facet(records: Sequence[Record], first: int) -> Facet:
    values = [FacetValue(r["value"], int(r["n"]), r["node"]) for r in records]
    return Facet(values[:first], len(values) > first)


async def list_facet(
    scope: ReadScope, facet: str, where: Mapping[str, Any] | None, first: int
) -> Facet:
    """The ``first`` largest buckets of ``facet`` (years, categories, venues, authors) over
    the papers matching ``where``. Without a filter, categories and venues come from the
    relationship-count store and years from an aggregate kept per graph version; otherwise one
    aggregate query (bounded by the read timeout)."""
    if facet not in q.FACET_TAILS:
        raise ValueError(f"unknown facet {facet!r}")
    params: dict[str, Any] = {"limit": first + 1, "exclude": None}
    if not where and facet in q.DEGREE_FACETS:
        return _facet(await _read(scope, q.DEGREE_FACETS[facet], params), first)
    if not where and facet == "years":
        return await _unfiltered_years(scope, first)
    cond, where_params = list_condition(Label.PAPER, where)
    text = q.list_facet_query(Label.PAPER, cond, facet)
    return _facet(await _read(scope, text, {**where_params, **params}), first)


async def _unfiltered_years(scope: ReadScope, first: int) -> Facet:
    totals = await graph_totals(scope)
    cached = _UNFILTERED_YEARS.get(scope.database)
    if cached is None or cached[0] != totals:
        cached = (totals, {})
        _UNFILTERED_YEARS[scope.database] = cached
    facet = cached[1].get(first)
    if facet is None:
        cond, params = list_condition(Label.PAPER, None)
        text = q.list_facet_query(Label.PAPER, cond, "years")
        rows = await _read(scope, text, {**params, "limit": first + 1, "exclude": None})
        facet = cached[1][first] = _facet(rows, first)
    return facet


async def child_facet(scope: ReadScope, facet: str, kind: str, parent: str, first: int) -> Facet:
    """One facet of a parent's child papers (an author's papers: ``authors`` are the
    co-authors, the author left out)."""
    if facet not in q.FACET_TAILS or kind not in q.CHILD_PAGE_PATTERNS:
        raise ValueError(f"unknown facet {facet!r} or child list {kind!r}")
    exclude = parent if kind == "papers_of_author" else None
    params = {"parent": parent, "limit": first + 1, "exclude": exclude}
    return _facet(await _read(scope, q.child_facet_query(kind, facet), params), first)


# --- child pages ----------------------------------------------------------------------------

CHILD_PAGE_KINDS = tuple(q.CHILD_PAGE_PATTERNS)


def child_order(order: Sequence[tuple[str, bool]]) -> tuple[SortKey, ...]:
    return sort_keys(PAPER_ORDER_FIELDS, order, "p")


async def child_pages(
    scope: ReadScope,
    kind: str,
    ids: Sequence[str],
    *,
    first: int,
    order: Sequence[tuple[str, bool]],
    after: Sequence[Any] | None = None,
    authorships: bool = False,
) -> dict[str, Page]:
    """For every parent in ``ids``, one page of its child papers after the sort-key values
    ``after``: ``papers_of_author``, ``references`` (papers it cites) or ``citations`` (papers
    citing it), with each paper's authorships when ``authorships`` (in the same query). Totals
    are asked apart (:func:`child_totals`)."""
    if kind not in q.CHILD_PAGE_PATTERNS:
        raise ValueError(f"unknown child page kind {kind!r}")
    keys = child_order(order)
    params: dict[str, Any] = {"ids": list(ids), "limit": first + 1}
    seek = seek_condition(keys, after, params)
    text = q.child_page_query(kind, order_by(keys), seek, sort_values(keys), authorships)
    pages: dict[str, Page] = {}
    for r in await _read(scope, text, params):
        rows = r["rows"][:first]
        pages[r["id"]] = Page(
            [x["node"] for x in rows],
            None,
            len(r["rows"]) > first,
            [list(x["sort"]) for x in rows],
            {x["node"]["id"]: x["authorships"] for x in rows} if authorships else {},
        )
    return pages


async def child_totals(scope: ReadScope, kind: str, ids: Sequence[str]) -> dict[str, int]:
    """How many child papers each parent has (exact: a parent's degree)."""
    return _keyed(await _read(scope, q.child_total_query(kind), {"ids": list(ids)}), "total")


# --- co-authors -----------------------------------------------------------------------------

COAUTHOR_KEYS = (SortKey("joint", "joint", True), SortKey("id", "c.id", False))


async def coauthor_pages(
    scope: ReadScope, ids: Sequence[str], *, first: int, after: Sequence[Any] | None = None
) -> dict[str, Page]:
    """Per author, one page of co-authors (two authorships on one paper) after ``after``
    (``[joint papers, author id]``): ``{author, joint, first_year, last_year}`` rows, most joint
    papers first, ties by id."""
    params: dict[str, Any] = {"ids": list(ids), "limit": first + 1}
    seek = seek_condition(COAUTHOR_KEYS, after, params)
    pages: dict[str, Page] = {}
    for r in await _read(scope, q.coauthor_page_query(seek), params):
        rows = r["rows"]
        pages[r["id"]] = Page(
            rows[:first], None, len(rows) > first, [list(x["sort"]) for x in rows[:first]]
        )
    return pages


async def coauthor_totals(scope: ReadScope, ids: Sequence[str]) -> dict[str, int]:
    return _keyed(await _read(scope, q.COAUTHOR_TOTALS, {"ids": list(ids)}), "total")


# --- similar papers and citing authors, batched ---------------------------------------------


async def similar_of_papers(
    scope: ReadScope, ids: Sequence[str], first: int
) -> dict[str, list[Node]]:
    """Per paper, its most similar papers (co-citation + bibliographic coupling):
    ``{paper, score, cocitation, coupling}``, best first (ties by id)."""
    params = {"ids": list(ids), "first": first}
    return _keyed(await _read(scope, q.SIMILAR_OF_PAPERS, params), "rows")


async def top_citing_of_authors(
    scope: ReadScope, ids: Sequence[str], first: int
) -> dict[str, Node]:
    """Per author, who cites them most, self-citations excluded and counted apart:
    ``{total, self_citations, rows: [{author, citations, citing_papers}]}``."""
    records = await _read(scope, q.TOP_CITING_OF_AUTHORS, {"ids": list(ids), "first": first})
    return {
        r["id"]: {
            "total": int(r["total"]),
            "self_citations": int(r["self_citations"] or 0),
            "rows": r["rows"],
        }
        for r in records
    }


# --- search and stats -----------------------------------------------------------------------


#: What full-text search can look for (the API wraps this enum).
class SearchKind(Enum):
    PAPER = "paper"
    AUTHOR = "author"
    VENUE = "venue"


SEARCH_KINDS = tuple(k.value for k in SearchKind)
assert set(SEARCH_KINDS) == set(q.SEARCH_INDEXES)
SEARCH_DEPTH = 1000  # hits per kind a search pages through (the best ones)
SEARCH_KEYS = (
    SortKey("score", "score", True),
    SortKey("kind", "kind", False),
    SortKey("id", "node.id", False),
)
_LUCENE_HINT = (
    'Lucene query syntax: words, "quoted phrases", AND/OR/NOT, field-less; escape the '
    'special characters + - && || ! ( ) { } [ ] ^ " ~ * ? : \\ / with a backslash'
)


async def search(
    scope: ReadScope,
    query: str,
    kinds: Sequence[str],
    first: int,
    after: Sequence[Any] | None = None,
) -> list[Node]:
    """Full-text hits over the chosen kinds (``paper``: title + abstract, ``author``: names,
    ``venue``: names), best score first (ties by kind, then id): ``{kind, node, score, sort}``,
    at most ``first`` of them after the sort-key values ``after`` (``[score, kind, id]``),
    within the best :data:`SEARCH_DEPTH` hits per kind."""
    if not query.strip():
        raise InputError("query", query, "a non-empty search text")
    chosen = [k for k in SEARCH_KINDS if k in set(kinds)]
    if not chosen:
        return []
    params: dict[str, Any] = {"query": query, "limit": first, "depth": SEARCH_DEPTH}
    seek = seek_condition(SEARCH_KEYS, after, params)
    try:
        records = await _read(scope, q.search_query(chosen, seek), params)
    except ClientError as e:
        if e.code == "Neo.ClientError.Procedure.ProcedureCallFailed":
            raise InputError("query", query, _LUCENE_HINT) from e
        raise
    hits = [
        {
            "kind": r["kind"],
            "node": r["node"],
            "score": float(r["score"]),
            "sort": [float(r["score"]), r["kind"], r["node"]["id"]],
        }
        for r in records
    ]
    hits.sort(key=lambda h: (-h["score"], h["kind"], h["node"]["id"]))
    return hits[:first]


async def graph_stats(scope: ReadScope) -> dict[str, Any]:
    """Counts by label and relationship type (the same query as ``scholargraph stats``)."""
    records = await _read(scope, STATS_QUERY, {})
    return stats_from_rows([(r["kind"], r["name"], r["n"]) for r in records])


async def graph_totals(scope: ReadScope) -> tuple[int, int, int]:
    """(nodes, relationships, finished analysis runs): moves with any add or delete and with
    every analysis run that is published or fails, whichever process wrote it."""
    rows = await _read(scope, GRAPH_TOTALS, {})
    row = rows[0]
    return int(row["nodes"]), int(row["relationships"]), int(row["finished_runs"])


async def ping(scope: ReadScope) -> None:
    """Raises when Neo4j cannot be reached (used by /healthz, which stops waiting after a few
    seconds: the check itself finishes, so it leaves no half-open connection)."""
    await detached(scope.driver, scope.driver.verify_connectivity())
