"""Opaque cursors and the `first` bound shared by every connection.

A cursor encodes the position of an edge in a totally ordered list (every order ends with the
node id, a unique tie-breaker), so paging with ``after: endCursor`` visits each item exactly once
while the data does not change. Clients must treat cursors as opaque strings.
"""

from __future__ import annotations

import base64
import binascii

from graph.errors import InputError

DEFAULT_FIRST = 20
MAX_FIRST = 100
# No list is longer than this: a larger offset can only come from a forged cursor (and one at
# 2**63 or more would not even fit Neo4j's SKIP).
MAX_OFFSET = 2**31 - 1
_MAX_CURSOR_CHARS = 64
_PREFIX = "sg1:"


def encode_cursor(offset: int) -> str:
    """The cursor of the edge at 0-based ``offset - 1``: paging after it starts at ``offset``."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, argument: str = "after") -> int:
    """The offset a page after ``cursor`` starts at (0 without a cursor)."""
    if cursor is None:
        return 0
    try:
        if len(cursor) > _MAX_CURSOR_CHARS:
            raise ValueError("too long")
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
        if not text.startswith(_PREFIX):
            raise ValueError(text)
        digits = text.removeprefix(_PREFIX)
        if not digits.isdigit():  # no sign, blanks or underscores: only what encode_cursor writes
            raise ValueError(text)
        offset = int(digits)
        if offset > MAX_OFFSET:
            raise ValueError(text)
    except (ValueError, UnicodeError, binascii.Error) as e:
        raise InputError(
            argument, cursor, "a cursor taken from this connection's edges or pageInfo"
        ) from e
    return offset


def check_first(first: int | None, argument: str = "first", maximum: int = MAX_FIRST) -> int:
    """``first`` within 0..maximum (default 20), else an error naming the argument."""
    if first is None:
        return DEFAULT_FIRST
    if first < 0 or first > maximum:
        raise InputError(argument, first, f"an integer from 0 to {maximum}")
    return first
