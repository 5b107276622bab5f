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
from typing import Any

from neo4j import AsyncDriver, Query, Record, RoutingControl
from neo4j.exceptions import ClientError

from graph import queries_read as q
from graph.db import detached
from graph.errors import InputError, InvalidId, RequestTimeout
from graph.ids import AUTHOR_ID_PROPERTY, PAPER_ID_PROPERTY, IdRef, parse_author_id
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
    timeout, so the database stops the work when the request's time is up."""

    driver: AsyncDriver
    database: str
    timeout: float = 15.0
    deadline: float | None = None
    request: str | None = None
    limit: float | None = None  # the request's whole time, in seconds (for messages)

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
    """One page of a list: the nodes, the number of matches in all (None when not asked for)
    and whether more follow."""

    items: list[Node]
    total: int | None
    has_next: bool


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
                bookmark_manager_=None,  # read-only API: no causal chaining between requests
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


# --- ordering -------------------------------------------------------------------------------

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


def order_clause(fields: Mapping[str, str], order: Sequence[tuple[str, bool]], var: str) -> str:
    """``[(field, descending)]`` → an ORDER BY body. Missing values sort last in either
    direction, and ``<var>.id`` ends every order so the order is total (stable pages)."""
    parts: list[str] = []
    for name, descending in order:
        expr = fields.get(name)
        if expr is None:
            raise InputError("orderBy", name, f"one of {sorted(fields)}")
        parts.append(f"{expr} IS NULL, {expr} {'DESC' if descending else 'ASC'}")
        if name == "id":
            return ", ".join(parts)
    parts.append(f"{var}.id ASC")
    return ", ".join(parts)


# --- filters --------------------------------------------------------------------------------

_INT_OPS = {"eq": "=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_TEXT_OPS = {"eq": "=", "contains": "CONTAINS", "starts_with": "STARTS WITH"}
_CATEGORY_TAIL = f"-[:{q.IN_CATEGORY}]->(:{q.CATEGORY})-[:{q.SUBCATEGORY_OF}*0..]->(c:{q.CATEGORY})"


@dataclass(frozen=True, slots=True)
class _Field:
    kind: str  # int | text | bool | ids | authors
    expr: str  # the expression, or for ids/authors an EXISTS pattern with {ids} placeholder


# Filter field -> how it reaches Cypher. The only text interpolated into WHERE clauses.
PAPER_FILTER_FIELDS: dict[str, _Field] = {
    "year": _Field("int", "p.year"),
    "citation_count": _Field("int", "coalesce(p.citation_count, 0)"),
    "title": _Field("text", "p.title"),
    "has_code": _Field("bool", "coalesce(p.has_code, false)"),
    "stub": _Field("bool", "coalesce(p.stub, false)"),
    "id": _Field("ids", "p.id IN {ids}"),
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
        if f.kind == "ids":
            return f.expr.replace("{ids}", self._param([str(x) for x in values]))
        return self._authors(f.expr, values, at)

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


# --- top-level lists ------------------------------------------------------------------------

_LIST_FIELDS: dict[Label, tuple[Mapping[str, _Field], Mapping[str, str], str]] = {
    Label.PAPER: (PAPER_FILTER_FIELDS, PAPER_ORDER_FIELDS, "p"),
    Label.AUTHOR: (AUTHOR_FILTER_FIELDS, AUTHOR_ORDER_FIELDS, "a"),
}


def list_queries(
    label: Label, where: Mapping[str, Any] | None, order: Sequence[tuple[str, bool]]
) -> tuple[str, str, dict[str, Any]]:
    """(page query, count query, parameters) for a filtered, sorted list of Paper or Author.

    Papers known only as citation targets (stubs) are left out unless the filter names
    ``stub`` at its top level."""
    filters, orders, var = _LIST_FIELDS[label]
    builder = WhereBuilder(filters)
    cond = builder.build(where)
    if label is Label.PAPER and (where is None or where.get("stub") is None):
        cond = f"NOT coalesce(p.stub, false) AND ({cond})"
    by = order_clause(orders, order, var)
    return q.list_page_query(label, cond, by), q.list_count_query(label, cond), builder.params


async def list_page(
    scope: ReadScope,
    label: Label,
    where: Mapping[str, Any] | None,
    order: Sequence[tuple[str, bool]],
    *,
    skip: int,
    first: int,
) -> Page:
    """One page (``first`` items after ``skip``); ``total`` is left None (see list_count)."""
    page_text, _, params = list_queries(label, where, order)
    records = await _read(scope, page_text, {**params, "skip": skip, "limit": first + 1})
    items = [r["node"] for r in records]
    return Page(items[:first], None, len(items) > first)


async def list_count(scope: ReadScope, label: Label, where: Mapping[str, Any] | None) -> int:
    _, count_text, params = list_queries(label, where, ())
    records = await _read(scope, count_text, params)
    return int(records[0]["n"])


# --- child pages ----------------------------------------------------------------------------

CHILD_PAGE_KINDS = tuple(q.CHILD_PAGE_PATTERNS)


async def child_pages(
    scope: ReadScope,
    kind: str,
    ids: Sequence[str],
    *,
    skip: int,
    first: int,
    order: Sequence[tuple[str, bool]],
) -> dict[str, Page]:
    """For every parent in ``ids``, one page of its child papers: ``papers_of_author``,
    ``references`` (papers it cites) or ``citations`` (papers citing it), with totals."""
    if kind not in q.CHILD_PAGE_PATTERNS:
        raise ValueError(f"unknown child page kind {kind!r}")
    text = q.child_page_query(kind, order_clause(PAPER_ORDER_FIELDS, order, "p"))
    records = await _read(scope, text, {"ids": list(ids), "skip": skip, "limit": first})
    return {
        r["id"]: Page(r["rows"], int(r["total"]), skip + len(r["rows"]) < int(r["total"]))
        for r in records
    }


# --- search and stats -----------------------------------------------------------------------

SEARCH_KINDS = tuple(q.SEARCH_INDEXES)
_LUCENE_HINT = (
    'Lucene query syntax: words, "quoted phrases", AND/OR/NOT, field-less; escape the '
    'special characters + - && || ! ( ) { } [ ] ^ " ~ * ? : \\ / with a backslash'
)


async def search(scope: ReadScope, query: str, kinds: Sequence[str], first: int) -> list[Node]:
    """Full-text hits over the chosen kinds (``paper``: title + abstract, ``author``: names,
    ``venue``: names), best score first: ``{kind, node, score}``."""
    if not query.strip():
        raise InputError("query", query, "a non-empty search text")
    chosen = [k for k in SEARCH_KINDS if k in set(kinds)]
    if not chosen:
        return []
    try:
        records = await _read(scope, q.search_query(chosen), {"query": query, "first": first})
    except ClientError as e:
        if e.code == "Neo.ClientError.Procedure.ProcedureCallFailed":
            raise InputError("query", query, _LUCENE_HINT) from e
        raise
    hits = [{"kind": r["kind"], "node": r["node"], "score": float(r["score"])} for r in records]
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
