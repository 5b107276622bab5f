"""A paper's descriptive values when several sources print it: which source's title, year and
venue the paper shows, and what each source printed.

Every source that loads a paper leaves its own values in ``Paper.source_values`` (one JSON
string per source: ``{"source", "title", "year", "venue"}``); the values shown
(``title``, ``abstract``, ``year``, ``date``, ...) come from the source first in
:data:`SOURCE_PRECEDENCE` that printed them, whatever the order of the loads. A source later in
the order only fills values the paper lacks. Both writers (``graph.ingest``, ``graph.bulk``) and
the paper merge (``graph.ingest_queries.MERGE_TWO_PAPERS``) apply the same rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

#: Descriptive properties of a full paper record and their bulk-import types.
PAPER_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("title", "string"), ("abstract", "string"), ("year", "long"), ("date", "string"),
    ("url", "string"), ("has_code", "boolean"), ("code_url", "string"),
    ("doc_type", "string"), ("journal_ref", "string"), ("counts_by_year", "long[]"),
)  # fmt: skip
PAPER_PROPERTY_NAMES = tuple(name for name, _kind in PAPER_PROPERTIES)

#: Whose values a paper shows, best first: curated bibliographic databases (publisher metadata),
#: then the preprint server for its own records, then collections built from those, then
#: hand-kept bibliographies and pages, last Paperscape (titles with LaTeX markup left in).
SOURCE_PRECEDENCE = ("openalex", "dblp", "s2", "arxiv", "aminer", "bibtex", "profile", "paperscape")
UNRANKED = len(SOURCE_PRECEDENCE)  # a source not in the list: after every listed one


def source_rank(source: str) -> int:
    """Position of ``source`` in :data:`SOURCE_PRECEDENCE` (lower wins)."""
    return SOURCE_PRECEDENCE.index(source) if source in SOURCE_PRECEDENCE else UNRANKED


def source_value(source: str, props: Mapping[str, Any], venue: str | None) -> str:
    """What one source printed, as stored in ``Paper.source_values`` (the source first, so
    that :func:`source_value_prefix` finds a source's entry)."""
    value = {"source": source, "title": props.get("title"), "year": props.get("year"),
             "venue": venue}  # fmt: skip
    return orjson.dumps(value).decode()


def source_value_prefix(source: str) -> str:
    """The start of ``source``'s entry in ``Paper.source_values``."""
    return orjson.dumps({"source": source}).decode()[:-1]


def decode_source_values(values: list[str] | None) -> list[dict[str, Any]]:
    """``Paper.source_values`` read back, in precedence order."""
    decoded = [orjson.loads(v) for v in values or ()]
    return sorted(decoded, key=lambda v: (source_rank(str(v.get("source"))), str(v.get("source"))))
