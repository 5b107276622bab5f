"""The query cost model (api/cost.py) on the real schema, without a database."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse

from api.cost import (
    ANALYZE_COST,
    LIST_SIZE,
    WHERE_TERM_COST,
    query_cost,
    where_terms,
)
from api.schema import build_schema
from api.types import MAX_WHERE_TERMS, filter_tree
from graph.errors import InputError
from graph.settings import AppSettings

SCHEMA = build_schema(AppSettings())._schema  # type: ignore[attr-defined]


def cost(query: str, variables: dict[str, Any] | None = None) -> int:
    document = parse(query)
    (operation,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return query_cost(SCHEMA, operation, fragments, variables)


def test_leaves_are_free_and_objects_count_once_per_parent() -> None:
    assert cost('{ paper(id: "x") { id title year } }') == 1
    # the paper, then LIST_SIZE authors assumed
    assert cost('{ paper(id: "x") { title authors { name } } }') == 1 + LIST_SIZE


def test_nested_connections_multiply_by_first() -> None:
    small = cost("{ papers(first: 10) { edges { node { citations(first: 10) { totalCount } } } } }")
    big = cost("{ papers(first: 100) { edges { node { citations(first: 100) { totalCount } } } } }")
    assert big > 10_000 > small
    # the field default (first = 20) counts when the argument is left out
    assert cost("{ papers { edges { node { id } } } }") == cost(
        "{ papers(first: 20) { edges { node { id } } } }"
    )


def test_variables_count_like_literals() -> None:
    literal = cost(
        "{ papers(first: 100) { edges { node { citations(first: 100) { totalCount } } } } }"
    )
    through_variables = cost(
        "query($n: Int) { papers(first: $n) { edges { node { citations(first: $n) "
        "{ totalCount } } } } }",
        {"n": 100},
    )
    assert through_variables == literal
    # a declared default counts when the variable is not sent
    assert (
        cost(
            "query($n: Int = 100) { papers(first: $n) { edges { node { citations(first: $n) "
            "{ totalCount } } } } }"
        )
        == literal
    )


def test_where_terms_from_variables_are_counted() -> None:
    where = {"OR": [{"year": {"eq": 1990 + i}} for i in range(5000)]}
    c = cost("query($w: PaperWhere) { papers(where: $w) { totalCount } }", {"w": where})
    assert c >= 5000 * WHERE_TERM_COST
    assert where_terms({"year": {"in": [1, 2, 3]}, "title": {"contains": "x"}}) == 4


def test_fragments_and_inline_fragments_are_followed() -> None:
    spread = cost(
        "query { papers(first: 50) { edges { node { ...P } } } } "
        "fragment P on Paper { citations(first: 50) { totalCount } }"
    )
    assert spread > 50 * 50
    inline = cost('{ search(query: "x") { ... on PaperHit { paper { authors { name } } } } }')
    assert inline > LIST_SIZE * LIST_SIZE


def test_analytics_are_expensive_and_cutoff_counts() -> None:
    pagerank = cost("{ analyze(input: {algorithm: PAGERANK}) { nodeCount } }")
    assert pagerank >= ANALYZE_COST
    four = cost("{ analyze(input: {algorithm: BETWEENNESS, cutoff: 4}) { nodeCount } }")
    six = cost("{ analyze(input: {algorithm: BETWEENNESS, cutoff: 6}) { nodeCount } }")
    budget = AppSettings().max_query_cost
    assert four <= budget < six


def test_introspection_is_not_counted() -> None:
    assert cost("{ __schema { types { fields { args { type { name } } } } } }") == 0


def test_filter_tree_bounds_the_terms_and_names_the_argument() -> None:
    ok = {"OR": [{"year": {"eq": 1990}}] * MAX_WHERE_TERMS}

    assert filter_tree(ok) == ok
    with pytest.raises(InputError) as e:
        filter_tree({"OR": [{"year": {"eq": 1990}}] * (MAX_WHERE_TERMS + 1)})
    assert e.value.argument == "where" and str(MAX_WHERE_TERMS) in str(e.value)
