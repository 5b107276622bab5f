"""Small text helpers shared by the JSON source parsers.

* ``collapse_ws`` — one space for any run of whitespace (hard line breaks included).
* ``strip_markup`` — HTML tags and entities some sources leave in titles (``<i>…</i>``,
  ``<sup>th</sup>``, ``&amp;``).
* ``rebuild_inverted_index`` — OpenAlex and AMiner ship abstracts only as an inverted index
  (``{word: [positions]}``); this puts the words back in position order. Used by both parsers so
  the rule lives in one place.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping

_WS = re.compile(r"\s+")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")


def collapse_ws(text: str | None) -> str | None:
    """Whitespace runs (including newlines and tabs) → one space; empty → None."""
    if text is None:
        return None
    out = _WS.sub(" ", text).strip()
    return out or None


def strip_markup(text: str | None) -> str | None:
    """Drop HTML tags, decode HTML entities and collapse whitespace; empty → None."""
    if text is None:
        return None
    return collapse_ws(html.unescape(_TAG.sub(" ", text)))


def rebuild_inverted_index(
    index: object, fix_word: Callable[[str], str] | None = None
) -> str | None:
    """The text of an inverted index ``{word: [position, ...]}``; None for null/empty.

    Positions may have gaps (the sources drop some tokens); words are joined in position order.
    ``fix_word`` cleans each word first (e.g. AMiner's ``u0027`` artefacts). A value that is not
    a mapping of word → list of integer positions raises ``ValueError``.
    """
    if index is None:
        return None
    if not isinstance(index, Mapping):
        raise ValueError(f"inverted index is not an object but {type(index).__name__}")
    slots: dict[int, str] = {}
    for word, positions in index.items():
        if not isinstance(positions, list):
            raise ValueError(f"inverted index entry {word!r} has no position list")
        token = fix_word(word) if fix_word else word
        for position in positions:
            if not isinstance(position, int) or isinstance(position, bool) or position < 0:
                raise ValueError(f"inverted index entry {word!r} has bad position {position!r}")
            slots.setdefault(position, token)
    return collapse_ws(" ".join(slots[p] for p in sorted(slots)))
