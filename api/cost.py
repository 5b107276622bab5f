"""What one GraphQL request may spend: a cost computed before it runs, and a deadline that ends
it (docs/limits.md).

**Cost** (:func:`query_cost`, checked by :class:`RequestLimits` after validation, before any
resolver runs; the variables' values are part of it):

- A leaf field (a scalar or enum) costs nothing, except those priced in ``FIELD_COSTS`` (a
  connection's bounded ``totalCount``). An object or list field costs, per parent
  instance, its base cost (``FIELD_COSTS``, 0 for a plain field, high for analytics) plus the
  number of objects it produces: ``first`` for a field with a ``first`` argument (the value
  given, from the variables when it is a variable, else the field's default), ``LIST_SIZE`` for
  other lists, 1 for a single object. Its children are multiplied by that number, so nested
  connections multiply: ``papers(first: 100) { … citations(first: 100) }`` costs over 10,000.
- Arguments: every term of a ``where`` filter (a field condition, an element of an ``in`` list,
  each ``AND``/``OR`` member) costs ``WHERE_TERM_COST``, an ``id`` condition (a batch lookup of
  up to 500 ids) one term plus ``ID_COST`` per id; every element of any other list
  argument (``avoid``, ``seeds``, ``categories`` …) costs 1; both per parent instance.
- ``analyze`` / ``runAnalysis`` cost ``ANALYZE_COST``; Leiden and Louvain twice that; the
  path-based algorithms (betweenness, harmonic) add ``PATH_HOP_COST`` per hop of ``cutoff``
  (a missing cutoff counts as the default 4), so ``BETWEENNESS, cutoff: 4`` with its top
  lists nearly fills the default budget and ``cutoff: 5`` is over it. ``collaborationPath``
  costs per path asked (``k``).
- Introspection (``__schema``, ``__type``) is not counted.

A request over ``AppSettings.max_query_cost`` is refused with ``CostLimitExceeded`` naming the
cost and the budget (``extensions.code`` ``COST_LIMIT_EXCEEDED``); nothing is read. A request
costing at least ``expensive_cost`` waits until fewer than ``expensive_concurrency`` expensive
requests run in this process (:class:`ExpensiveGate`; the wait counts against its deadline), so
a flood of expensive requests cannot take every core from the cheap ones.

**Deadline** (:class:`RequestLimits`, which also applies the cost and the turns): a query must
finish within ``AppSettings.request_timeout`` seconds, a mutation within ``mutation_timeout``.
Every read of the request gets the time left as its server-side transaction timeout and carries
the request's tag; when the time is up the request is cancelled (its analytics worker process is
killed), its open transactions are terminated by tag (right after the answer), and the client
gets ``RequestTimeout`` (``extensions.code`` ``TIMEOUT``).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    is_leaf_type,
    value_from_ast_untyped,
)
from strawberry.extensions import SchemaExtension

from api.dataloaders import Loaders
from api.pagination import check_first
from graph.errors import CostLimitExceeded, RequestTimeout
from graph.repository import ReadScope, terminate

logger = logging.getLogger("scholargraph.api")

LARGEST_FIRST = 1000  # the largest `first` any field accepts (`categories`)
LIST_SIZE = 10  # objects assumed in a list without `first` (authors of a paper, categories …)
WHERE_TERM_COST = 25
ID_COST = 1  # per id of a batch lookup (an index seek)
FACETS_COST = 100  # the facets of one list: up to four aggregate queries
COUNT_COST = 5  # a bounded count (exact up to a threshold, else a sample)
ANALYZE_COST = 1000
PATH_HOP_COST = 900
DEFAULT_CUTOFF = 4
TERMINATE_TIMEOUT = 3.0  # seconds allowed to terminate a late request's transactions

#: Base cost per call of a field (``Type.field``), on top of the objects it produces.
FIELD_COSTS: dict[str, int] = {
    "Query.analyze": ANALYZE_COST,
    "Mutation.runAnalysis": ANALYZE_COST,
    "Query.influentialPapers": 500,
    "Query.influentialAuthors": 500,
    "Query.risingAuthors": 1000,  # two windows: two exports and two PageRanks
    "Query.communities": 300,
    "Query.collaborationPath": 100,  # per path (k)
    "Query.suggestCollaborators": 200,
    "Query.search": 10,
    "Query.stats": 10,
    "Query.papers": 5,
    "Query.authors": 5,
    "Query.analysisRuns": 5,
    "Author.topCitingAuthors": 20,
    "Paper.similar": 20,
    "Query.searchConnection": 10,
    "PaperConnection.facets": FACETS_COST,
    "PaperConnection.totalCount": COUNT_COST,
    "PaperConnection.totalCountIsExact": COUNT_COST,
    "AuthorConnection.totalCount": COUNT_COST,
    "AuthorConnection.totalCountIsExact": COUNT_COST,
    "PaperConnection.missing": 5,
}
#: Lists that do not multiply: they hold the objects their parent connection already counted.
SINGLE = frozenset({"edges"})
#: Fields of a connection answered once per list, not per item: not multiplied by its `first`.
PER_LIST = frozenset({"facets", "totalCount", "totalCountIsExact", "missing", "pageInfo"})
_PATH_ALGORITHMS = frozenset({"BETWEENNESS", "HARMONIC"})
_COMMUNITY_ALGORITHMS = frozenset({"LEIDEN", "LOUVAIN"})


def where_terms(value: Any) -> int:
    """Terms of a filter value (a parsed ``where`` input): each field condition, each element
    of an ``in`` list and each ``AND``/``OR`` member counts; an ``id`` condition (a batch
    lookup, index seeks) counts as one term, its ids priced apart (:func:`where_ids`)."""
    if isinstance(value, list):
        return sum(max(1, where_terms(v)) for v in value)
    if isinstance(value, Mapping):
        return sum(
            1 if k == "id" or not isinstance(v, Mapping | list) else where_terms(v)
            for k, v in value.items()
        )
    return 1


def where_ids(value: Any) -> int:
    """The ids of every ``id`` condition of a filter value (``ID_COST`` each)."""
    if isinstance(value, list):
        return sum(where_ids(v) for v in value)
    if not isinstance(value, Mapping):
        return 0
    total = 0
    for k, v in value.items():
        if k == "id" and isinstance(v, Mapping):
            total += sum(len(x) if isinstance(x, list) else 1 for x in v.values() if x is not None)
        elif isinstance(v, Mapping | list):
            total += where_ids(v)
    return total


def _list_elements(value: Any) -> int:
    if isinstance(value, list):
        return len(value) + sum(_list_elements(v) for v in value)
    if isinstance(value, Mapping):
        return sum(_list_elements(v) for v in value.values())
    return 0


def _analysis_cost(args: Mapping[str, Any]) -> int:
    spec = args.get("input")
    if not isinstance(spec, Mapping):
        return ANALYZE_COST
    algorithm = str(spec.get("algorithm", "")).upper()
    if algorithm in _COMMUNITY_ALGORITHMS:
        return 2 * ANALYZE_COST
    if algorithm in _PATH_ALGORITHMS:
        cutoff = spec.get("cutoff")
        hops = cutoff if isinstance(cutoff, int) and not isinstance(cutoff, bool) else None
        return ANALYZE_COST + PATH_HOP_COST * max(1, hops or DEFAULT_CUTOFF)
    return ANALYZE_COST


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    seen: frozenset[str] = frozenset()

    def args(self, node: FieldNode, field: GraphQLField) -> dict[str, Any]:
        out: dict[str, Any] = {
            name: arg.default_value
            for name, arg in field.args.items()
            if arg.default_value is not None and not _is_undefined(arg.default_value)
        }
        for arg in node.arguments or ():
            out[arg.name.value] = value_from_ast_untyped(arg.value, dict(self.variables))
        return out

    def field_cost(self, key: str, args: Mapping[str, Any]) -> int:
        if key in ("Query.analyze", "Mutation.runAnalysis"):
            return _analysis_cost(args)
        base = FIELD_COSTS.get(key, 0)
        if key == "Query.collaborationPath":
            k = args.get("k")
            return base * (k if isinstance(k, int) and not isinstance(k, bool) and k > 0 else 1)
        return base

    def selection(
        self, parent: GraphQLNamedType, node: SelectionSetNode, m: int, once: int | None = None
    ) -> int:
        total = 0
        for sel in node.selections:
            if isinstance(sel, FieldNode):
                per_list = once is not None and sel.name.value in PER_LIST
                total += self.field(parent, sel, once if per_list and once is not None else m)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                target = self.schema.get_type(cond.name.value) if cond else parent
                total += self.selection(target or parent, sel.selection_set, m, once)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                frag = self.fragments.get(name)
                if frag is None or name in self.seen:
                    continue
                target = self.schema.get_type(frag.type_condition.name.value) or parent
                inner = _Walk(self.schema, self.fragments, self.variables, self.seen | {name})
                total += inner.selection(target, frag.selection_set, m, once)
        return total

    def field(self, parent: GraphQLNamedType, node: FieldNode, m: int) -> int:
        name = node.name.value
        if name.startswith("__") or not isinstance(
            parent, GraphQLObjectType | GraphQLInterfaceType
        ):
            return 0
        field = parent.fields.get(name)
        if field is None:
            return 0
        named = get_named_type(field.type)
        if is_leaf_type(named):  # a plain scalar is free; a priced one (a count) is not
            return m * FIELD_COSTS.get(f"{parent.name}.{name}", 0)
        args = self.args(node, field)
        size = self.size(name, field.type, args)
        cost = m * (self.field_cost(f"{parent.name}.{name}", args) + size)
        where = args.get("where")
        if where is not None:
            cost += m * (WHERE_TERM_COST * where_terms(where) + ID_COST * where_ids(where))
        cost += m * sum(_list_elements(v) for k, v in args.items() if k != "where")
        if node.selection_set is not None:
            once = m if named.name.endswith("Connection") else None
            cost += self.selection(named, node.selection_set, m * size, once)
        return cost

    def size(self, name: str, type_: GraphQLType, args: Mapping[str, Any]) -> int:
        first = args.get("first")
        if "first" in args or first is not None:
            if isinstance(first, int) and not isinstance(first, bool):
                # Out of every field's range: the input error the resolver would raise, not
                # a cost that only reflects a typo (no field takes more than LARGEST_FIRST)
                check_first(first, maximum=LARGEST_FIRST)
                return max(1, first)
            return LIST_SIZE if _is_list(type_) else 1
        if _is_list(type_) and name not in SINGLE:
            return LIST_SIZE
        return 1


def _is_list(type_: GraphQLType) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _is_undefined(value: Any) -> bool:
    return type(value).__name__ == "UndefinedType"


def query_cost(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any] | None = None,
) -> int:
    """The cost of one operation with its variables (module docstring)."""
    values = dict(variables or {})
    for definition in operation.variable_definitions or ():  # declared defaults count when not sent
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value)
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }[operation.operation]
    if root is None:
        return 0
    return _Walk(schema, fragments, values).selection(root, operation.selection_set, 1)


def _operation(document: Any, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if name is None or (o.name and o.name.value == name)]
    return chosen[0] if len(chosen) == 1 else None


class ExpensiveGate:
    """At most ``limit`` expensive operations at a time in this process (one gate per schema;
    its semaphore belongs to the event loop that first uses it)."""

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._semaphore: asyncio.Semaphore | None = None
        self.waiting = 0

    def semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._semaphore is None or self._loop is not loop:
            self._loop, self._semaphore = loop, asyncio.Semaphore(self.limit)
        return self._semaphore


class RequestLimits(SchemaExtension):
    """Cost, turn and deadline of one operation, in this order and in one hook (so a request
    waiting for its turn is still inside its deadline, and leaves cleanly when it passes):

    1. refuses the operation when its cost is over ``budget`` (nothing has run);
    2. gives the request a deadline: its reads get the time left as their transaction timeout
       and carry its tag (a fresh ``ReadScope`` and loaders in the context);
    3. an operation costing at least ``expensive`` waits for its turn at ``gate``;
    4. at the deadline the operation is cancelled (its analytics worker killed), its tagged
       transactions are terminated right after, and ``RequestTimeout`` is answered."""

    def __init__(
        self,
        *,
        budget: int,
        expensive: int,
        gate: ExpensiveGate,
        query_seconds: float,
        mutation_seconds: float,
    ) -> None:
        self.budget = budget
        self.expensive = expensive
        self.gate = gate
        self.query_seconds = query_seconds
        self.mutation_seconds = mutation_seconds

    def cost(self) -> int:
        ec = self.execution_context
        document = ec.graphql_document
        operation = _operation(document, ec.operation_name) if document is not None else None
        if operation is None:
            return 0
        fragments = {
            d.name.value: d
            for d in document.definitions  # type: ignore[union-attr]
            if isinstance(d, FragmentDefinitionNode)
        }
        variables = ec.variables if isinstance(ec.variables, Mapping) else {}
        return query_cost(ec.schema._schema, operation, fragments, variables)

    async def on_execute(self) -> AsyncIterator[None]:
        cost = self.cost()
        if cost > self.budget:
            raise CostLimitExceeded(cost, self.budget)
        ec = self.execution_context
        mutation = getattr(ec.operation_type, "value", None) == "mutation"
        seconds = self.mutation_seconds if mutation else self.query_seconds
        context = ec.context
        scope = getattr(context, "scope", None)
        if scope is None or seconds <= 0:
            yield
            return
        scope = scope.for_request(seconds, uuid.uuid4().hex)
        context.scope = scope
        context.loaders = Loaders(scope)
        semaphore = self.gate.semaphore() if cost >= self.expensive else None
        acquired = False
        try:
            async with asyncio.timeout(seconds):
                if semaphore is not None:
                    self.gate.waiting += 1
                    try:
                        await semaphore.acquire()
                        acquired = True
                    finally:
                        self.gate.waiting -= 1
                yield
        except TimeoutError:
            # the client is answered now; the server's transactions are ended right after
            task = asyncio.create_task(_terminate(scope))
            _TERMINATING.add(task)
            task.add_done_callback(_TERMINATING.discard)
            raise RequestTimeout(seconds) from None
        finally:
            if acquired and semaphore is not None:
                semaphore.release()


_TERMINATING: set[asyncio.Task[None]] = set()  # strong references until each one ends


async def _terminate(scope: ReadScope) -> None:
    try:
        async with asyncio.timeout(TERMINATE_TIMEOUT):
            count = await terminate(scope)
        if count:
            logger.info("terminated %d transaction(s) of a request past its deadline", count)
    except Exception:  # noqa: BLE001 - nothing to answer to; the server's own timeout remains
        logger.warning("could not terminate the transactions of a late request", exc_info=True)
