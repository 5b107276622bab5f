"""The parameters callers set on an algorithm, each described once: its name (the keyword of
the algorithm function), its type, its help text and the registry algorithms that take it.

Derived from this table: ``graph.analytics.algorithms.PARAMETERS`` (what ``run_algorithm``
accepts), and for the ``exposed`` parameters the options of ``scholargraph analyze``
(``cli/analytics.py``) and the fields of the GraphQL ``AnalysisInput``
(``api/analytics_schema.py``). Standard library only: the CLI reads it when it starts, before
igraph is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_CENTRALITY_WEIGHTED = frozenset({"pagerank", "ppr", "eigenvector", "hits", "degree"})
_PATH_BASED = frozenset({"betweenness", "harmonic"})


@dataclass(frozen=True, slots=True)
class Parameter:
    """One parameter: ``exposed`` ones are a CLI option (``flag``) and an optional
    ``AnalysisInput`` field of type ``type``; the others are for library callers (``seeds``
    reach the CLI and the API through their own seed options)."""

    name: str
    type: type[Any]
    help: str
    algorithms: frozenset[str]
    exposed: bool = True

    def __post_init__(self) -> None:
        if not self.name.isidentifier() or not self.algorithms:
            raise ValueError(f"parameter {self.name!r}: a keyword taken by some algorithm")

    @property
    def flag(self) -> str:
        """The CLI option: ``--cutoff``, ``--exact-threshold``."""
        return "--" + self.name.replace("_", "-")


PARAMETER_SPECS: tuple[Parameter, ...] = (
    Parameter(
        "resolution", float, "leiden/louvain resolution (> 0)", frozenset({"leiden", "louvain"})
    ),
    Parameter(
        "iterations",
        int,
        "leiden: iterations (-1: until stable); spark: pagerank/ppr/scc/label_propagation rounds",
        frozenset({"leiden"}),  # the Spark engine adds its own (engine.SPARK_ALGORITHMS)
    ),
    Parameter("damping", float, "pagerank/ppr damping in (0, 1)", frozenset({"pagerank", "ppr"})),
    Parameter("cutoff", int, "betweenness/harmonic: max path hops", _PATH_BASED),
    Parameter(
        "seeds",
        list,
        "ppr: personalisation seeds; distance: the nodes measured from (node ids)",
        frozenset({"ppr", "distance"}),
        exposed=False,
    ),
    Parameter(
        "weighted", bool, "use the edge weights when present", _CENTRALITY_WEIGHTED, exposed=False
    ),
    Parameter(
        "exact_threshold",
        int,
        "betweenness/harmonic: exact up to this many nodes",
        _PATH_BASED,
        exposed=False,
    ),
    Parameter(
        "seed",
        int,
        "random seed of the randomised community algorithms",
        frozenset({"leiden", "louvain", "label_propagation"}),
        exposed=False,
    ),
    Parameter("backend", str, "leiden: igraph or leidenalg", frozenset({"leiden"}), exposed=False),
)

#: The parameters that are a CLI option and an ``AnalysisInput`` field, in table order.
EXPOSED: tuple[Parameter, ...] = tuple(p for p in PARAMETER_SPECS if p.exposed)


def parameters_of(algorithm: str) -> frozenset[str]:
    """The names of the parameters ``algorithm`` takes (empty for an unknown name)."""
    return frozenset(p.name for p in PARAMETER_SPECS if algorithm in p.algorithms)
