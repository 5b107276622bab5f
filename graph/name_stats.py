"""How ambiguous is a printed name? A prior estimated from the names the corpus itself prints.

Pure, no database. S2AND weighs name-only evidence by how common a name is, from external name
counts; here the counts come from what is loaded: **every printed author name** of every paper
(co-authors and strong-id authors included), so that "Wang" and "Lei" are frequent and
"Schreiber" and "Roller" rare.

The counts are over *distinct* full names ``F … S`` (a first given name ``F`` printed in full,
not an initial, and a surname ``S``): ``D`` distinct names seen, ``t(F)`` of them with first
given name ``F``, ``t(S)`` with surname ``S``. The expected number of people sharing the name is
the number of distinct names ``F … S`` one would expect if first names and surnames were paired
at random::

    expected people  ≈  D · f(F) · f(S)  =  t(F) · t(S) / D,   f(F) = t(F) / D,  f(S) = t(S) / D

Distinct names stand in for people: a prolific author's own papers print her name many times
but count once, so they do not make her name look common (counting every occurrence instead
was measured too, and favours names of few, prolific people less). It is ``None`` (no prior:
assume ambiguous) for an initial-only form ("R. Schreiber") or a name without given names, and
while fewer than ``min_names`` distinct names have been seen (a handful of records says nothing
about how common a name is).

The counts can be built incrementally (:meth:`NameStats.add_rows`), serialised
(:meth:`NameStats.to_dict`) and merged (:meth:`NameStats.merge`). They are a function of the
*set* of names printed so far: adding a paper again (a re-run, a second source, a paper in two
labelled blocks) changes nothing, and the order of records within what was seen does not
matter. ``graph.author_clustering.cluster_rows`` adds a batch's rows one by one and reads the
prior of each mention right after its own paper is counted, so the prior a mention sees is a
function of the records up to and including its own, in record order: where a batch ends
changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.ids import normalize_name

MIN_NAMES = 1000  # distinct full names seen before the prior says anything


def name_parts(name_key: str) -> tuple[str, str] | None:
    """``lei wang`` → ("lei", "wang"): first given-name token and surname of a name key; None
    without a given name."""
    tokens = name_key.split()
    if len(tokens) < 2:
        return None
    return tokens[0], tokens[-1]


@dataclass(slots=True)
class NameStats:
    """Distinct full names seen (``"F S"``: first given name in full, surname) and how many of
    them have each first given name (``given``, t(F)) and each surname (``surnames``, t(S))."""

    full: set[str] = field(default_factory=set)
    given: Counter[str] = field(default_factory=Counter)
    surnames: Counter[str] = field(default_factory=Counter)
    min_names: int = MIN_NAMES
    fixed: bool = False  # counts of the whole input known up front: adding rows changes nothing

    @property
    def names(self) -> int:
        """D, the number of distinct full names seen."""
        return len(self.full)

    # -- building ---------------------------------------------------------------------------

    def add_name(self, name: str) -> bool:
        """Counts one printed name (as printed; normalised here); True when it is a full name
        not seen before."""
        parts = name_parts(normalize_name(name))
        if self.fixed or parts is None or len(parts[0]) < 2:
            return False
        key = " ".join(parts)
        if key in self.full:
            return False
        self.full.add(key)
        self.given[parts[0]] += 1
        self.surnames[parts[1]] += 1
        return True

    def add_row(self, row: Mapping[str, Any], paper_node: str | None = None) -> int:
        """Counts the printed names of one paper row (``loaders.writer.paper_row`` shape; a stub
        prints none); returns how many full names were new. ``paper_node`` is not needed (a
        paper counted twice adds nothing) and kept for the writers' symmetry."""
        if row.get("stub"):
            return 0
        return sum(self.add_name(str(a["name"])) for a in row.get("authors") or () if a.get("name"))

    def add_rows(
        self, rows: Iterable[Mapping[str, Any]], paper_nodes: Sequence[str] | None = None
    ) -> int:
        """Counts a sequence of paper rows; returns how many full names were new."""
        return sum(self.add_row(row) for row in rows)

    def merge(self, other: NameStats) -> None:
        """Adds the names another count saw (the union: names both saw count once)."""
        for key in sorted(other.full - self.full):
            first, _, surname = key.partition(" ")
            self.full.add(key)
            self.given[first] += 1
            self.surnames[surname] += 1

    # -- the prior --------------------------------------------------------------------------

    def expected_people(self, given: Sequence[str], surname: str) -> float | None:
        """``t(F) · t(S) / D`` for the first given-name token ``F`` of ``given`` and surname
        ``S``; None for an initial-only or given-less form, or before ``min_names`` names."""
        if not given or len(given[0]) < 2 or self.names < max(1, self.min_names):
            return None
        return self.given[given[0]] * self.surnames[surname] / self.names

    def expected_people_of(self, name: str) -> float | None:
        """:meth:`expected_people` of a printed name."""
        parts = normalize_name(name).split()
        if len(parts) < 2:
            return None
        return self.expected_people(parts[:-1], parts[-1])

    # -- storage ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form (sorted, so equal counts serialise equally); the counters follow
        from the names."""
        return {"min_names": self.min_names, "names": sorted(self.full)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NameStats:
        stats = cls(min_names=int(data.get("min_names", MIN_NAMES)))
        stats.merge(cls(full={str(k) for k in data.get("names", [])}))
        return stats

    def copy(self) -> NameStats:
        return NameStats(
            set(self.full), Counter(self.given), Counter(self.surnames), self.min_names,
            self.fixed,
        )  # fmt: skip
