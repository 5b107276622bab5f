"""Opaque keyset cursors and the `first` bound shared by every connection.

A cursor carries the sort-key values of an edge and its node id (the unique tie-breaker every
order ends with), plus the order it was made for: ``base64url(JSON {"v", "o", "k"})``. Paging
with ``after: endCursor`` asks for the items *after those values* (a seek, ``(key, id) > (...)``),
not after a position, so a page costs the same at any depth and an item written or deleted
elsewhere in the list neither shifts nor repeats the following pages. Clients must treat cursors
as opaque strings; one taken from another order (or forged, or an offset cursor of an earlier
version) is refused with an error naming the argument.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from typing import Any

import orjson
from strawberry.types.nodes import SelectedField

from graph.errors import InputError, InvalidCursor

DEFAULT_FIRST = 20
MAX_FIRST = 100
MAX_CURSOR_CHARS = 4096  # a title sort key is the longest value a cursor carries
CURSOR_VERSION = "k1"
_OFFSET_PREFIX = "sg1:"  # offset cursors of earlier versions (refused with a clear message)
_SCALARS = (str, int, float, type(None))


def encode_cursor(order: str, keys: Sequence[Any]) -> str:
    """The cursor of an edge: its sort-key values ``keys`` (the node id last) under ``order``
    (a signature of the sort keys, :func:`graph.repository.order_signature`)."""
    payload = orjson.dumps({"v": CURSOR_VERSION, "o": order, "k": list(keys)})
    return base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=")


def decode_cursor(
    cursor: str | None, order: str, key_count: int, argument: str = "after"
) -> list[Any] | None:
    """The sort-key values a page after ``cursor`` starts behind (None without a cursor).

    Refused (:class:`InvalidCursor`, naming ``argument``): not base64 JSON of the expected shape,
    made for another order, a key count that does not match the order, a non-scalar key, a node
    id that is not a string, an offset cursor of an earlier version."""
    if cursor is None:
        return None
    if len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidCursor(argument, cursor, f"longer than {MAX_CURSOR_CHARS} characters")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode("ascii"))
    except (ValueError, UnicodeError, binascii.Error) as e:
        raise InvalidCursor(argument, cursor) from e
    if raw.startswith(_OFFSET_PREFIX.encode()):
        raise InvalidCursor(argument, cursor, "offset cursors are no longer accepted; start again")
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise InvalidCursor(argument, cursor) from e
    if not isinstance(payload, dict) or payload.get("v") != CURSOR_VERSION:
        raise InvalidCursor(argument, cursor)
    if payload.get("o") != order:
        raise InvalidCursor(argument, cursor, "it was made for another orderBy")
    keys = payload.get("k")
    if (
        not isinstance(keys, list)
        or len(keys) != key_count
        or not all(_scalar(k) for k in keys)
        or not isinstance(keys[-1], str)
    ):
        raise InvalidCursor(argument, cursor)
    return keys


def _scalar(value: Any) -> bool:
    """A sort-key value a cursor may carry: text, a 64-bit integer, a float, or null."""
    if isinstance(value, bool) or not isinstance(value, _SCALARS):
        return False
    return not isinstance(value, int) or -(2**63) <= value < 2**63


def check_first(first: int | None, argument: str = "first", maximum: int = MAX_FIRST) -> int:
    """The one `first` validator: within 0..maximum (default 20), else an error naming the
    argument."""
    if first is None:
        return DEFAULT_FIRST
    if first < 0 or first > maximum:
        raise InputError(argument, first, f"an integer from 0 to {maximum}")
    return first


def first_or(default: int, first: int | None, maximum: int = MAX_FIRST) -> int:
    """`first` with a field's own default (a null `first` means the default)."""
    return check_first(default if first is None else first, maximum=maximum)


#: The connection fields that need the page itself (the rest — counts, facets, ``missing`` —
#: are answered by queries of their own).
PAGE_FIELDS = frozenset({"edges", "nodes", "pageInfo"})


def page_selected(info: Any) -> bool:
    """Whether the request selects the page of the connection being resolved (edges, nodes
    or pageInfo), looking through fragments; a ``{ totalCount }`` or facets-only request
    then costs no page query."""
    return any(s.name in PAGE_FIELDS for f in info.selected_fields for s in _fields(f.selections))


#: The paper fields answered from its authorships (``authors_of_paper``).
AUTHORSHIP_FIELDS = frozenset({"authors", "authorships"})


def papers_authorships_selected(info: Any) -> bool:
    """Whether the request selects the authors (or authorships) of the papers of the paper
    connection being resolved (``edges { node { authors } }``, through fragments): the page
    is then read with them, in one query."""
    return any(
        a.name in AUTHORSHIP_FIELDS
        for f in info.selected_fields
        for edges in _fields(f.selections)
        if edges.name == "edges"
        for node in _fields(edges.selections)
        if node.name == "node"
        for a in _fields(node.selections)
    )


def _fields(selections: Any) -> Iterator[SelectedField]:
    """The fields of a selection set, those of its fragments included."""
    for s in selections:
        if isinstance(s, SelectedField):
            yield s
        else:  # fragment spread / inline fragment
            yield from _fields(getattr(s, "selections", ()))
