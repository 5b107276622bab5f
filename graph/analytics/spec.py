"""The subgraph spec: one typed, validated value naming which graph an analysis runs on.

The same ``GraphSpec`` is built by the CLI, the GraphQL API and library callers. It has a stable
canonical JSON form (sorted keys, sorted de-duplicated id lists) and a short hash of it, so the
same subgraph always gets the same result key (see ``graph.analytics.runs``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from graph.errors import InputError
from graph.labels import Label

MAX_HOPS = 3  # ego networks beyond 3 hops are most of a scholarly graph: ask for the whole one
MAX_IDS = 1_000  # seeds, categories and venues per spec
YEAR_MIN, YEAR_MAX = 1000, 2999


class GraphKind(StrEnum):
    """Which graph: its node label, direction and what an edge weight counts."""

    COAUTHORSHIP = "coauthorship"  # authors, undirected, weight = joint papers
    CITATION = "citation"  # papers, directed citing -> cited, weight 1
    AUTHOR_CITATION = "author-citation"  # authors, directed, weight = paper citations a -> b

    @property
    def label(self) -> Label:
        return Label.PAPER if self is GraphKind.CITATION else Label.AUTHOR

    @property
    def directed(self) -> bool:
        return self is not GraphKind.COAUTHORSHIP

    @property
    def weighted(self) -> bool:
        return self is not GraphKind.CITATION

    @classmethod
    def parse(cls, value: str | GraphKind) -> GraphKind:
        if isinstance(value, GraphKind):
            return value
        norm = value.strip().lower().replace("_", "-")
        try:
            return cls(norm)
        except ValueError:
            raise InputError("graph", value, "one of " + ", ".join(k.value for k in cls)) from None


def _ids(field: str, values: tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        raise InputError(field, values, "a list of ids, not a single string")
    out: set[str] = set()
    for v in values:
        if not isinstance(v, str) or not v.strip():
            raise InputError(field, v, "non-empty id strings")
        out.add(v.strip())
    if len(out) > MAX_IDS:
        raise InputError(field, f"{len(out)} ids", f"at most {MAX_IDS} ids")
    return tuple(sorted(out))


@dataclass(frozen=True, slots=True)
class GraphSpec:
    """A subgraph of the stored graph.

    - ``categories``: papers in any of these categories *or their subcategories*
      (``SUBCATEGORY_OF*``); ``venues``: papers published in any of these venues;
      ``year_from``/``year_to``: inclusive paper years. Paper filters apply to every paper the
      graph is made of (both ends of a citation; the joint papers of a co-authorship).
    - ``seeds`` + ``hops``: the ego network — nodes within ``hops`` edges of a seed in the
      filtered graph, and every edge among them (induced subgraph).
    - ``min_weight``: drops edges lighter than this (nodes stay).
    - ``self_citations``: AUTHOR_CITATION only — keep author self-loops (a cites a).
    """

    kind: GraphKind
    categories: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    venues: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    hops: int = 1
    min_weight: int = 1
    self_citations: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", GraphKind.parse(self.kind))
        object.__setattr__(self, "categories", _ids("categories", self.categories))
        object.__setattr__(self, "venues", _ids("venues", self.venues))
        object.__setattr__(self, "seeds", _ids("seeds", self.seeds))
        for name in ("year_from", "year_to"):
            year = getattr(self, name)
            if year is not None and (
                isinstance(year, bool)
                or not isinstance(year, int)
                or not YEAR_MIN <= year <= YEAR_MAX
            ):
                raise InputError(name, year, f"an integer year in {YEAR_MIN}..{YEAR_MAX}")
        if (
            self.year_from is not None
            and self.year_to is not None
            and self.year_from > self.year_to
        ):
            raise InputError("year_to", self.year_to, f">= year_from ({self.year_from})")
        if isinstance(self.hops, bool) or not isinstance(self.hops, int):
            raise InputError("hops", self.hops, f"an integer in 0..{MAX_HOPS}")
        if not 0 <= self.hops <= MAX_HOPS:
            raise InputError("hops", self.hops, f"an integer in 0..{MAX_HOPS}")
        if isinstance(self.min_weight, bool) or not isinstance(self.min_weight, int):
            raise InputError("min_weight", self.min_weight, "an integer >= 1")
        if self.min_weight < 1:
            raise InputError("min_weight", self.min_weight, "an integer >= 1")
        if self.kind is GraphKind.CITATION and self.min_weight != 1:
            raise InputError("min_weight", self.min_weight, "1 for the citation graph (unweighted)")
        if self.self_citations and self.kind is not GraphKind.AUTHOR_CITATION:
            raise InputError("self_citations", True, "only for the author-citation graph")

    # -- derived --------------------------------------------------------------------------
    @property
    def label(self) -> Label:
        return self.kind.label

    @property
    def directed(self) -> bool:
        return self.kind.directed

    @property
    def has_paper_filter(self) -> bool:
        return bool(
            self.categories or self.venues or self.year_from is not None or self.year_to is not None
        )

    @property
    def is_whole_graph(self) -> bool:
        """No filter at all: results of this graph are the default scores of its label."""
        return not (self.has_paper_filter or self.seeds) and self.min_weight == 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "categories": list(self.categories),
            "year_from": self.year_from,
            "year_to": self.year_to,
            "venues": list(self.venues),
            "seeds": list(self.seeds),
            "hops": self.hops if self.seeds else 0,  # hops mean nothing without seeds
            "min_weight": self.min_weight,
            "self_citations": self.self_citations,
        }

    def canonical_json(self) -> str:
        """Stable text: sorted keys, sorted ids, no whitespace. Equal specs give equal text."""
        return orjson.dumps(self.as_dict(), option=orjson.OPT_SORT_KEYS).decode()

    @property
    def hash(self) -> str:
        """10 hex digits of SHA-256 over the canonical JSON (a result-key suffix)."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()[:10]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GraphSpec:
        known = {
            "kind",
            "categories",
            "year_from",
            "year_to",
            "venues",
            "seeds",
            "hops",
            "min_weight",
            "self_citations",
        }
        unknown = set(data) - known
        if unknown:
            raise InputError(
                "graph spec", sorted(unknown), "keys among " + ", ".join(sorted(known))
            )
        if "kind" not in data:
            raise InputError("graph spec", data, "a 'kind'")
        args = dict(data)
        for key in ("categories", "venues", "seeds"):
            if key in args and args[key] is not None:
                args[key] = tuple(args[key]) if isinstance(args[key], list) else args[key]
        if not args.get("seeds") and args.get("hops") == 0:
            args.pop("hops")
        return cls(**args)
