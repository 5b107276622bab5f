"""Centrality and community algorithms: pure functions over an ``igraph.Graph``.

Each function validates its parameters (``InputError`` naming the parameter, the value and what
is accepted), reads the graph, and returns an ``AlgorithmResult``: one numpy array per output
property (index = vertex number) plus, for community detection, the modularity and community
sizes. Nothing here touches Neo4j.

Choices (see docs/analytics.md for the measurements):

- Weights: the edge attribute ``weight`` when present (joint papers, author-to-author citations)
  is used by PageRank, degree/strength, eigenvector, HITS, Leiden and Louvain. Path-based
  measures (betweenness, harmonic closeness) use hop counts: a weight is a tie strength, not a
  distance.
- Betweenness: exact (Brandes, O(n·m)) when ``n <= EXACT_PATH_THRESHOLD``; above it only
  shortest paths of at most ``cutoff`` hops (default ``DEFAULT_PATH_CUTOFF``) are counted — the
  same ranking signal for local brokerage, bounded time. The result says which was used.
  Harmonic closeness follows the same rule.
- Community detection is defined on undirected graphs: a directed graph is collapsed to an
  undirected one first (reciprocal edges merged, weights summed).
- Leiden: igraph's own ``community_leiden(objective_function="modularity")`` and leidenalg's
  ``RBConfigurationVertexPartition`` both optimise modularity with a resolution; ``LEIDEN_BACKEND``
  is the one measured better on Paperscape (docs/analytics.md); the other stays selectable.

The registry (``ALGORITHMS``) names each function; the parameters callers may set are described
once in ``graph.analytics.parameters`` (``PARAMETER_SPECS``), from which ``PARAMETERS`` here,
the CLI's options and the GraphQL ``AnalysisInput`` fields are derived.
"""

from __future__ import annotations

import math
import random
import threading
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import igraph as ig
import numpy as np
import numpy.typing as npt

from graph.analytics.parameters import PARAMETER_SPECS as PARAMETER_SPECS  # re-exported
from graph.analytics.parameters import Parameter as Parameter  # re-exported
from graph.analytics.parameters import parameters_of
from graph.errors import InputError

FloatArray = npt.NDArray[np.float64]

EXACT_PATH_THRESHOLD = 10_000  # nodes: exact betweenness / harmonic closeness up to here
DEFAULT_PATH_CUTOFF = 4  # hops counted above the threshold
DEFAULT_SEED = 42
LeidenBackend = Literal["igraph", "leidenalg"]
LEIDEN_BACKEND: LeidenBackend = "igraph"


@dataclass(frozen=True, slots=True)
class AlgorithmResult:
    """Per-vertex outputs by property name, and what the run used."""

    algorithm: str
    values: dict[str, FloatArray]
    parameters: dict[str, Any]
    modularity: float | None = None
    community_sizes: list[int] = field(default_factory=list)  # largest first
    is_community: bool = False

    @property
    def primary(self) -> str:
        return next(iter(self.values))


# -- validation --------------------------------------------------------------------------------


def _damping(d: float) -> float:
    if isinstance(d, bool) or not isinstance(d, int | float) or not 0.0 < float(d) < 1.0:
        raise InputError("damping", d, "a number strictly between 0 and 1 (typically 0.85)")
    return float(d)


def _resolution(r: float) -> float:
    if (
        isinstance(r, bool)
        or not isinstance(r, int | float)
        or not math.isfinite(float(r))
        or float(r) <= 0
    ):
        raise InputError("resolution", r, "a finite number > 0 (1.0 = standard modularity)")
    return float(r)


def _cutoff(c: int | None) -> int | None:
    if c is None:
        return None
    if isinstance(c, bool) or not isinstance(c, int) or c < 1:
        raise InputError("cutoff", c, "an integer >= 1 (hops), or none for exact")
    return c


def _vertices(g: ig.Graph, seeds: Sequence[int]) -> list[int]:
    out = list(dict.fromkeys(int(s) for s in seeds))
    if not out:
        raise InputError("seeds", list(seeds), "at least one seed node in the graph")
    bad = [s for s in out if not 0 <= s < g.vcount()]
    if bad:
        raise InputError("seeds", bad, f"vertex numbers in 0..{g.vcount() - 1}")
    return out


def _weights(g: ig.Graph, use: bool) -> list[float] | None:
    if use and "weight" in g.es.attributes():
        w: list[float] = g.es["weight"]
        return w
    return None


def _arr(values: Sequence[float] | Sequence[int]) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


#: igraph's random number generator is process-wide: a seeded run holds this lock from setting
#: its generator until it is done, so concurrent runs in threads cannot draw from each other's
#: (the API runs each job in a worker process of its own; see ``graph.analytics.worker``).
RNG_LOCK = threading.RLock()


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """igraph draws from a process-wide RNG: give it a private, seeded one for this call."""
    with RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            yield
        finally:
            ig.set_random_number_generator(random)


# -- centrality --------------------------------------------------------------------------------


def pagerank(g: ig.Graph, damping: float = 0.85, weighted: bool = True) -> AlgorithmResult:
    d = _damping(damping)
    if g.vcount() == 0:
        return AlgorithmResult("pagerank", {"pagerank": _arr([])}, {"damping": d})
    w = _weights(g, weighted)
    pr = g.pagerank(damping=d, weights=w, directed=g.is_directed())
    return AlgorithmResult("pagerank", {"pagerank": _arr(pr)}, {"damping": d, "weighted": bool(w)})


def personalized_pagerank(
    g: ig.Graph, seeds: Sequence[int], damping: float = 0.85, weighted: bool = True
) -> AlgorithmResult:
    """PageRank whose random jumps return to ``seeds`` only (relevance around the seeds)."""
    d = _damping(damping)
    vs = _vertices(g, seeds)
    w = _weights(g, weighted)
    pr = g.personalized_pagerank(reset_vertices=vs, damping=d, weights=w, directed=g.is_directed())
    return AlgorithmResult(
        "ppr", {"ppr": _arr(pr)}, {"damping": d, "weighted": bool(w), "seed_count": len(vs)}
    )


def _path_cutoff(g: ig.Graph, cutoff: int | None, exact_threshold: int) -> int | None:
    c = _cutoff(cutoff)
    if c is None and g.vcount() > exact_threshold:
        return DEFAULT_PATH_CUTOFF
    return c


def betweenness(
    g: ig.Graph, cutoff: int | None = None, exact_threshold: int = EXACT_PATH_THRESHOLD
) -> AlgorithmResult:
    """Exact up to ``exact_threshold`` nodes; beyond, paths of at most ``cutoff`` hops."""
    c = _path_cutoff(g, cutoff, exact_threshold)
    b = g.betweenness(directed=g.is_directed(), cutoff=c) if g.vcount() else []
    return AlgorithmResult(
        "betweenness", {"betweenness": _arr(b)}, {"cutoff": c, "exact": c is None}
    )


def harmonic(
    g: ig.Graph, cutoff: int | None = None, exact_threshold: int = EXACT_PATH_THRESHOLD
) -> AlgorithmResult:
    """Harmonic closeness (mean inverse distance, normalised to 0..1); incoming paths on
    directed graphs (a paper is close when many papers reach it)."""
    c = _path_cutoff(g, cutoff, exact_threshold)
    mode = "in" if g.is_directed() else "all"
    h = g.harmonic_centrality(mode=mode, cutoff=c, normalized=True) if g.vcount() else []
    return AlgorithmResult(
        "harmonic", {"harmonic": _arr(h)}, {"cutoff": c, "exact": c is None, "mode": mode}
    )


def eigenvector(g: ig.Graph, weighted: bool = True) -> AlgorithmResult:
    """Eigenvector centrality of the undirected view (maximum scaled to 1). The directed version
    is zero everywhere on an acyclic citation graph, so it is not offered. On a disconnected
    graph the components other than the dominant one get values near 0 (igraph's caveat)."""
    u = _undirected(g)
    w = _weights(u, weighted)
    if u.vcount() == 0:
        ev: list[float] = []
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ev = u.eigenvector_centrality(weights=w)
    return AlgorithmResult("eigenvector", {"eigenvector": _arr(ev)}, {"weighted": bool(w)})


def hits(g: ig.Graph, weighted: bool = True) -> AlgorithmResult:
    """Hub and authority scores (directed graphs only; maximum scaled to 1)."""
    if not g.is_directed():
        raise InputError("algorithm", "hits", "a directed graph (citation or author-citation)")
    w = _weights(g, weighted)
    if g.vcount() == 0 or g.ecount() == 0:
        zeros = np.zeros(g.vcount())
        return AlgorithmResult("hits", {"hub": zeros, "authority": zeros.copy()}, {})
    # igraph warns when >30% of scores are 0 (non-unique solution): the rule, not the exception,
    # on citation graphs, where most papers cite nothing in the set or are never cited
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        hub = g.hub_score(weights=w)
        auth = g.authority_score(weights=w)
    return AlgorithmResult(
        "hits", {"hub": _arr(hub), "authority": _arr(auth)}, {"weighted": bool(w)}
    )


def degree(g: ig.Graph, weighted: bool = True) -> AlgorithmResult:
    """Strength (sum of edge weights; = degree when unweighted). Directed graphs count
    incoming edges: citations received."""
    mode = "in" if g.is_directed() else "all"
    w = _weights(g, weighted)
    s = g.strength(mode=mode, weights=w, loops=True)
    return AlgorithmResult("degree", {"degree": _arr(s)}, {"mode": mode, "weighted": bool(w)})


def coreness(g: ig.Graph) -> AlgorithmResult:
    """k-core number of each node (edges in both directions count)."""
    return AlgorithmResult("coreness", {"coreness": _arr(g.coreness(mode="all"))}, {})


# -- communities -------------------------------------------------------------------------------


def _undirected(g: ig.Graph) -> ig.Graph:
    if not g.is_directed():
        return g
    u = g.copy()
    if "weight" not in u.es.attributes():
        u.es["weight"] = 1.0
    u.to_undirected(mode="collapse", combine_edges={"weight": "sum"})
    return u


def _sizes(membership: Sequence[int] | npt.NDArray[np.int64]) -> list[int]:
    if not len(membership):
        return []
    counts = np.bincount(np.asarray(membership, dtype=np.int64))
    return sorted((int(c) for c in counts if c), reverse=True)


def _relabel(membership: Sequence[int] | npt.NDArray[np.int64]) -> FloatArray:
    """Community 0 is the largest, then 1, ...: ids comparable across runs of similar graphs."""
    m = np.asarray(membership, dtype=np.int64)
    if m.size == 0:
        return m.astype(np.float64)
    counts = np.bincount(m)
    order = np.lexsort((np.arange(counts.size), -counts))  # by size desc, then old id
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[m].astype(np.float64)


def _community(
    name: str, g: ig.Graph, membership: Sequence[int], resolution: float, params: dict[str, Any]
) -> AlgorithmResult:
    w = _weights(g, True)
    q = g.modularity(list(membership), weights=w, resolution=resolution) if g.ecount() else 0.0
    return AlgorithmResult(
        name,
        {name: _relabel(membership)},
        {"resolution": resolution, **params},
        modularity=float(q),
        community_sizes=_sizes(membership),
        is_community=True,
    )


def leiden(
    g: ig.Graph,
    resolution: float = 1.0,
    seed: int = DEFAULT_SEED,
    backend: LeidenBackend = LEIDEN_BACKEND,
    iterations: int = -1,
) -> AlgorithmResult:
    """Leiden optimising modularity (``resolution`` > 1: more, smaller communities).

    ``iterations``: -1 (default) repeats until an iteration changes nothing — the best
    partition, but on a 7M-edge co-authorship graph that took 406 s here; a small positive
    number (igraph's own default is 2) bounds the time (docs/analytics.md).
    """
    r = _resolution(resolution)
    if (
        not isinstance(iterations, int)
        or isinstance(iterations, bool)
        or (iterations == 0 or iterations < -1)
    ):
        raise InputError("iterations", iterations, "a positive number, or -1 (until stable)")
    if backend not in ("igraph", "leidenalg"):
        raise InputError("backend", backend, "igraph or leidenalg")
    u = _undirected(g)
    w = _weights(u, True)
    if u.vcount() == 0:
        membership: list[int] = []
    elif backend == "leidenalg":
        try:
            import leidenalg
        except ImportError as e:  # an optional extra: igraph's Leiden is the default
            raise InputError(
                "backend", backend,
                "igraph, or install the leiden extra first: pip install 'scholargraph[leiden]'",
            ) from e  # fmt: skip

        part = leidenalg.find_partition(
            u,
            leidenalg.RBConfigurationVertexPartition,
            weights=w,
            resolution_parameter=r,
            n_iterations=iterations,
            seed=seed,
        )
        membership = list(part.membership)
    else:
        with _seeded(seed):
            membership = u.community_leiden(
                objective_function="modularity", weights=w, resolution=r, n_iterations=iterations
            ).membership
    params = {"backend": backend, "seed": seed, "iterations": iterations}
    return _community("community", u, membership, r, params)


def louvain(g: ig.Graph, resolution: float = 1.0, seed: int = DEFAULT_SEED) -> AlgorithmResult:
    """Louvain (igraph ``community_multilevel``), final level."""
    r = _resolution(resolution)
    u = _undirected(g)
    w = _weights(u, True)
    if u.vcount() == 0:
        membership: list[int] = []
    else:
        with _seeded(seed):
            membership = u.community_multilevel(weights=w, resolution=r).membership
    return _community("louvain", u, membership, r, {"seed": seed})


def components(g: ig.Graph) -> AlgorithmResult:
    """Connected components (weak on directed graphs); component 0 is the largest."""
    membership = g.connected_components(mode="weak").membership if g.vcount() else []
    return AlgorithmResult(
        "components",
        {"component": _relabel(membership)},
        {"mode": "weak"},
        community_sizes=_sizes(membership),
        is_community=True,
    )


def membership_result(
    algorithm: str, output: str, labels: npt.ArrayLike, parameters: dict[str, Any]
) -> AlgorithmResult:
    """A partition given as any per-vertex labels (e.g. another engine's component ids),
    renumbered as the algorithms here number theirs: 0 is the largest part."""
    values = np.asarray(labels)
    membership = np.unique(values, return_inverse=True)[1].reshape(-1) if values.size else values
    return AlgorithmResult(
        algorithm,
        {output: _relabel(membership.astype(np.int64))},
        parameters,
        community_sizes=_sizes(membership.astype(np.int64)),
        is_community=True,
    )


def strong_components(g: ig.Graph) -> AlgorithmResult:
    """Strongly connected components (= connected components on an undirected graph);
    component 0 is the largest. Most papers of a citation graph are a component of their own."""
    membership = g.connected_components(mode="strong").membership if g.vcount() else []
    return AlgorithmResult(
        "scc",
        {"scc": _relabel(membership)},
        {"mode": "strong"},
        community_sizes=_sizes(membership),
        is_community=True,
    )


def label_propagation(g: ig.Graph, seed: int = DEFAULT_SEED) -> AlgorithmResult:
    """Label propagation on the undirected view (weights as tie strengths); community 0 is
    the largest. Randomised: ``seed`` fixes the order."""
    u = _undirected(g)
    w = _weights(u, True)
    if u.vcount() == 0:
        membership: list[int] = []
    else:
        with _seeded(seed):
            membership = u.community_label_propagation(weights=w).membership
    return AlgorithmResult(
        "label_propagation",
        {"label_propagation": _relabel(membership)},
        {"seed": seed},
        community_sizes=_sizes(membership),
        is_community=True,
    )


def triangles(g: ig.Graph) -> AlgorithmResult:
    """Triangles through each node in the simple undirected view (direction, multiple edges
    and self-loops ignored)."""
    u = g.as_undirected(mode="collapse") if g.is_directed() else g.copy()
    u.simplify(multiple=True, loops=True)
    counts = np.zeros(u.vcount(), dtype=np.float64)
    if u.vcount() and u.ecount():
        tri = np.asarray(u.list_triangles(), dtype=np.int64).reshape(-1)
        counts = np.bincount(tri, minlength=u.vcount()).astype(np.float64)
    return AlgorithmResult("triangles", {"triangles": counts}, {})


def distance(g: ig.Graph, seeds: Sequence[int]) -> AlgorithmResult:
    """Hops from each node to the nearest seed following the edges' direction (a citing paper
    reaches the papers it cites); -1 where no seed is reachable."""
    vs = _vertices(g, seeds)
    d = np.asarray(g.distances(source=vs, mode="in"), dtype=np.float64).min(axis=0)
    d[~np.isfinite(d)] = -1.0
    return AlgorithmResult("distance", {"distance": d}, {"seed_count": len(vs)})


# -- registry ----------------------------------------------------------------------------------

ALGORITHMS: dict[str, Callable[..., AlgorithmResult]] = {
    "pagerank": pagerank,
    "ppr": personalized_pagerank,
    "betweenness": betweenness,
    "eigenvector": eigenvector,
    "hits": hits,
    "degree": degree,
    "harmonic": harmonic,
    "coreness": coreness,
    "components": components,
    "leiden": leiden,
    "louvain": louvain,
    "scc": strong_components,
    "label_propagation": label_propagation,
    "triangles": triangles,
    "distance": distance,
}

#: The parameters each algorithm accepts from callers (CLI / API) besides the graph, derived
#: from their descriptions (``graph.analytics.parameters.PARAMETER_SPECS``).
PARAMETERS: dict[str, frozenset[str]] = {name: parameters_of(name) for name in ALGORITHMS}

#: Algorithms whose ``seeds`` parameter names nodes of the analysed graph (the graph itself is
#: not an ego network around them); their seeds are part of the result key.
SEEDED = frozenset(name for name, params in PARAMETERS.items() if "seeds" in params)


def check_parameters(name: str, params: Mapping[str, Any]) -> None:
    """``name`` is in the registry and takes every parameter in ``params`` (an ``InputError``
    names the algorithm or the parameters it does not take)."""
    if name not in ALGORITHMS:
        raise InputError("algorithm", name, "one of " + ", ".join(ALGORITHMS))
    unknown = sorted(set(params) - PARAMETERS[name])
    if unknown:
        allowed = ", ".join(sorted(PARAMETERS[name])) or "none"
        raise InputError("parameters", unknown, f"for {name}: {allowed}")


def run_algorithm(name: str, g: ig.Graph, **params: Any) -> AlgorithmResult:
    """Dispatch by name with the parameter names checked (unknown names are an error)."""
    check_parameters(name, params)
    return ALGORITHMS[name](g, **params)
