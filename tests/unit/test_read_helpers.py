"""The pure helpers of the read path, without a database: cursors, sort keys and keyset seeks,
filters (fields, id forms, batch limit, the ids a filter names), cost of filter terms."""

from __future__ import annotations

import base64
import functools
from typing import Any

import orjson
import pytest

from api.cost import where_ids, where_terms
from api.pagination import check_first, decode_cursor, encode_cursor, first_or
from graph import repository as repo
from graph.errors import BatchTooLarge, InputError, InvalidCursor
from graph.labels import Label
from graph.repository import (
    PAPER_FILTER_FIELDS,
    PAPER_ORDER_FIELDS,
    SortKey,
    WhereBuilder,
    filter_ids,
    order_by,
    order_signature,
    seek_condition,
    sort_keys,
    top_level_ids,
)

# --- cursors --------------------------------------------------------------------------------


def test_a_cursor_round_trips_its_keys() -> None:
    for keys in ([12, "arxiv:1"], [None, "doi:x"], [0.125, "a", "title:é"], ["x" * 300, "id"]):
        cursor = encode_cursor("year-,id+", keys)
        assert decode_cursor(cursor, "year-,id+", len(keys)) == keys
        assert "=" not in cursor  # URL-safe, unpadded


def test_no_cursor_means_the_first_page() -> None:
    assert decode_cursor(None, "id+", 1) is None


def _forge(payload: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "nonsense!",
        "!!!",
        base64.urlsafe_b64encode(b"not json").decode(),
        _forge([1, "x"]),  # not an object
        _forge({"v": "k0", "o": "year-,id+", "k": [1, "x"]}),  # another version
        _forge({"v": "k1", "o": "year-,id+", "k": [1]}),  # a key short
        _forge({"v": "k1", "o": "year-,id+", "k": [1, 2]}),  # the id is not a string
        _forge({"v": "k1", "o": "year-,id+", "k": [[1], "x"]}),  # not a scalar
        _forge({"v": "k1", "o": "year-,id+", "k": [True, "x"]}),  # a boolean
        base64.urlsafe_b64encode(  # not a signed 64-bit integer
            b'{"v":"k1","o":"year-,id+","k":[18446744073709551615,"x"]}'
        ).decode(),
        "A" * 5000,  # too long
    ],
)
def test_a_forged_cursor_is_an_input_error_naming_the_argument(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as e:
        decode_cursor(cursor, "year-,id+", 2, argument="after")
    assert str(e.value).startswith("invalid after") and "cursor" in str(e.value)
    assert e.value.code == "BAD_USER_INPUT"


def test_a_cursor_of_another_order_is_refused() -> None:
    cursor = encode_cursor("year-,id+", [1999, "x"])
    with pytest.raises(InvalidCursor, match="another orderBy"):
        decode_cursor(cursor, "title+,id+", 2)


def test_an_offset_cursor_of_an_earlier_version_is_refused_clearly() -> None:
    old = base64.urlsafe_b64encode(b"sg1:40").decode().rstrip("=")
    with pytest.raises(InvalidCursor, match="offset cursors are no longer accepted"):
        decode_cursor(old, "id+", 1)


def test_one_first_validator() -> None:
    assert check_first(None) == 20 and check_first(0) == 0 and check_first(100) == 100
    assert first_or(10, None) == 10 and first_or(10, 3) == 3
    for bad in (-1, 101):
        with pytest.raises(InputError, match="first"):
            check_first(bad)
    assert check_first(500, maximum=500) == 500


# --- sort keys and seeks --------------------------------------------------------------------


def test_every_order_ends_with_the_id() -> None:
    keys = sort_keys(PAPER_ORDER_FIELDS, [("citation_count", True), ("title", False)], "p")
    assert [(k.name, k.descending) for k in keys] == [
        ("citation_count", True), ("title", False), ("id", False)]  # fmt: skip
    assert order_signature(keys) == "citation_count-,title+,id+"
    assert order_by(keys) == (
        "p.citation_count IS NULL, p.citation_count DESC, p.title IS NULL, p.title ASC, p.id ASC"
    )
    # an id key ends the order; nothing after it counts
    keys = sort_keys(PAPER_ORDER_FIELDS, [("id", True), ("year", False)], "p")
    assert [k.name for k in keys] == ["id"] and order_by(keys) == "p.id IS NULL, p.id DESC"
    with pytest.raises(InputError, match="orderBy"):
        sort_keys(PAPER_ORDER_FIELDS, [("size", True)], "p")


def test_the_paper_order_enum_is_derived_from_the_sort_fields() -> None:
    names = {m.name: m.value for m in repo.PaperOrder}  # type: ignore[attr-defined]
    assert names["CITATION_COUNT_DESC"] == ("citation_count", True)
    assert names["TITLE_ASC"] == ("title", False)
    assert len(names) == 2 * len(PAPER_ORDER_FIELDS)


KEYS = (SortKey("year", "p.year", True), SortKey("id", "p.id", False))


def test_a_seek_expands_the_row_comparison() -> None:
    params: dict[str, Any] = {}
    cond = seek_condition(KEYS, [1995, "arxiv:1"], params)
    assert cond == (
        "(p.year IS NULL OR p.year < $s1 OR (p.year = $s1 AND (p.id IS NULL OR p.id > $s0)))"
    )
    assert params == {"s0": "arxiv:1", "s1": 1995}
    assert seek_condition(KEYS, None, {}) == "true"
    with pytest.raises(ValueError):
        seek_condition(KEYS, [1995], {})


def test_a_seek_after_a_missing_key_stays_among_the_missing() -> None:
    params: dict[str, Any] = {}
    cond = seek_condition(KEYS, [None, "arxiv:1"], params)
    assert cond == "(p.year IS NULL AND (p.id IS NULL OR p.id > $s0))"


def _python_order(rows: list[dict[str, Any]], keys: tuple[SortKey, ...]) -> list[dict[str, Any]]:
    """The order of ``order_by`` in Python: missing values last in either direction."""

    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for k in keys:
            x, y = a[k.name], b[k.name]
            if x == y:
                continue
            if x is None or y is None:
                return 1 if x is None else -1
            less = x < y
            return (1 if less else -1) if k.descending else (-1 if less else 1)
        return 0

    return sorted(rows, key=functools.cmp_to_key(compare))


def _evaluate(cond: str, row: dict[str, Any], params: dict[str, Any]) -> bool:
    """Evaluates a seek condition over one row in Python (only the forms seeks produce)."""
    text = cond
    for name in sorted(params, key=len, reverse=True):
        text = text.replace(f"${name}", repr(params[name]))
    for k in ("year", "id"):
        text = text.replace(f"p.{k} IS NULL", f"_null({row[k]!r})")
        text = text.replace(f"p.{k}", f"_v({row[k]!r})")
    text = text.replace(" = ", " == ").replace("OR", "or").replace("AND", "and")

    class _V:  # Cypher's null comparison: false in a WHERE
        def __init__(self, v: Any) -> None:
            self.v = v

        def _cmp(self, other: Any, op: str) -> bool:
            if self.v is None:
                return False
            return bool(eval(f"a {op} b", {}, {"a": self.v, "b": other}))  # noqa: S307

        def __lt__(self, o: Any) -> bool:
            return self._cmp(o, "<")

        def __gt__(self, o: Any) -> bool:
            return self._cmp(o, ">")

        def __eq__(self, o: object) -> bool:
            return self._cmp(o, "==")

        __hash__ = object.__hash__

    return bool(eval(text, {"_v": _V, "_null": lambda v: v is None}, {}))  # noqa: S307


def test_paging_by_seeks_visits_every_row_once_in_order() -> None:
    rows = [
        {"year": y, "id": f"p{i:02d}"}
        for i, y in enumerate([1995, None, 1991, 1995, None, 2001, 1991, 1995, 2001, None])
    ]
    ordered = _python_order(rows, KEYS)
    seen: list[str] = []
    after: list[Any] | None = None
    while True:
        params: dict[str, Any] = {}
        cond = seek_condition(KEYS, after, params)
        page = [r for r in ordered if cond == "true" or _evaluate(cond, r, params)][:3]
        if not page:
            break
        seen += [r["id"] for r in page]
        after = [page[-1]["year"], page[-1]["id"]]
    assert seen == [r["id"] for r in ordered]


# --- filters --------------------------------------------------------------------------------


def test_paper_ids_in_any_form_become_index_lookups() -> None:
    b = WhereBuilder(PAPER_FILTER_FIELDS)
    cond = b.build({"id": {"in_": [
        "10.1000/ABC", "https://doi.org/10.1000/x", "https://openalex.org/W123", "2101.00001v3",
        "title:some key"]}})  # fmt: skip
    values = {v for p in b.params.values() for v in p}
    assert "p.doi IN" in cond and "p.openalex_id IN" in cond and "p.arxiv_id IN" in cond
    assert {"10.1000/abc", "10.1000/x", "W123", "2101.00001", "title:some key"} <= values


def test_an_or_of_relationship_id_terms_is_one_subquery_per_field() -> None:
    """100 ``author`` alternatives used to be 100 ``EXISTS`` subqueries, which Neo4j's planner
    took seconds (and in some database states minutes) to plan."""
    alternatives = [{"author": {"in_": [f"name:nobody {i}"]}} for i in range(100)]
    alternatives += [{"category": {"eq": "arxiv:hep-th"}}, {"year": {"eq": 1992}},
                     {"category": {"in_": ["arxiv:gr-qc", "arxiv:hep-th"]}}]  # fmt: skip
    b = WhereBuilder(PAPER_FILTER_FIELDS)
    cond = b.build({"or_": alternatives})
    assert cond.count("EXISTS") == 2  # one for the authors, one for the categories
    assert "p.year = " in cond and cond.count(" OR ") == 2
    used = {name for name in b.params if f"${name} " in cond or f"${name})" in cond}
    ids = {v for name in used if isinstance(b.params[name], list) for v in b.params[name]}
    assert {f"name:nobody {i}" for i in range(100)} | {"arxiv:gr-qc", "arxiv:hep-th"} <= ids
    # an alternative that is more than one id term stays as it is, and errors name their place
    mixed = WhereBuilder(PAPER_FILTER_FIELDS).build(
        {"or_": [{"author": {"eq": "name:a b"}, "year": {"eq": 1}}, {"author": {"eq": "name:c"}}]}
    )
    assert mixed.count("EXISTS") == 2
    with pytest.raises(InputError, match=r"where\.or\[1\]\.author\.eq"):
        WhereBuilder(PAPER_FILTER_FIELDS).build(
            {"or_": [{"author": {"eq": "name:a b"}}, {"author": {"eq": "not an id"}}]}
        )


def test_a_batch_over_the_limit_names_the_limit() -> None:
    ids = [f"10.1000/{i}" for i in range(repo.MAX_ID_BATCH + 1)]
    with pytest.raises(BatchTooLarge) as e:
        WhereBuilder(PAPER_FILTER_FIELDS).build({"id": {"in_": ids}})
    assert "where.id.in" in str(e.value) and str(repo.MAX_ID_BATCH) in str(e.value)


def test_a_bad_paper_id_names_the_argument() -> None:
    with pytest.raises(InputError, match=r"where\.id\.eq 'nope'"):
        WhereBuilder(PAPER_FILTER_FIELDS).build({"id": {"eq": "nope"}})


def test_the_ids_a_filter_names_with_their_paths() -> None:
    tree = {
        "category": {"eq": "arxiv:cs"},
        "or_": [{"year": {"eq": 1}}, {"category": {"in_": ["a", "b"]}}],
        "not_": {"venue": {"eq": "v"}},
    }
    assert filter_ids(tree, "category") == [
        ("where.category.eq", "arxiv:cs"), ("where.or[1].category.in", "a"),
        ("where.or[1].category.in", "b")]  # fmt: skip
    assert filter_ids(tree, "venue") == [("where.not.venue.eq", "v")]
    assert filter_ids(None, "venue") == []


def test_a_batch_lookup_is_a_top_level_id_condition() -> None:
    assert top_level_ids({"id": {"in_": ["a", "b"]}}) == ["a", "b"]
    assert top_level_ids({"id": {"eq": "a"}}) == ["a"]
    assert top_level_ids({"and_": [{"id": {"eq": "a"}}]}) is None
    assert top_level_ids(None) is None


def test_stubs_are_left_out_unless_named() -> None:
    assert repo.list_condition(Label.PAPER, None)[0].startswith("NOT coalesce(p.stub, false)")
    assert "stub" not in repo.list_condition(Label.PAPER, {"id": {"eq": "doi:10.1000/x"}})[0]
    assert "p.stub" not in repo.list_condition(Label.AUTHOR, None)[0]


def test_an_id_list_is_one_filter_term_priced_per_id() -> None:
    where = {"id": {"in": [f"10.1/{i}" for i in range(400)]}, "year": {"gte": 1, "lte": 2}}
    assert where_terms(where) == 3 and where_ids(where) == 400
    assert where_ids({"OR": [{"id": {"eq": "x"}}, {"year": {"eq": 1}}]}) == 1


def test_venue_ids_of_a_filter_are_replaced_at_any_depth_and_nothing_else() -> None:
    tree = {
        "venue": {"eq": "s2-venue:a"},
        "year": {"gte": 2000},
        "or_": [
            {"venue": {"in_": ["s2-venue:a", "name:b", "s2-venue:c"]}},
            {"category": {"eq": "x"}},
        ],
        "not_": {"venue": {"eq": "name:b"}},
    }
    ids = {"s2-venue:a": "name:a", "s2-venue:c": "issn:c"}
    out = repo.replace_ids(tree, "venue", ids)
    assert out == {
        "venue": {"eq": "name:a"},
        "year": {"gte": 2000},
        "or_": [{"venue": {"in_": ["name:a", "name:b", "issn:c"]}}, {"category": {"eq": "x"}}],
        "not_": {"venue": {"eq": "name:b"}},
    }
    assert tree["venue"] == {"eq": "s2-venue:a"}  # the given tree is left as it was
    assert [i for _, i in repo.filter_ids(out, "venue")] == [
        ids.get(i, i) for _, i in repo.filter_ids(tree, "venue")
    ]
