"""Collaboration discovery: co-authors, collaboration paths with evidence, explainable
collaborator suggestions and Leiden communities of the co-authorship graph.

Everything here reads through a :class:`graph.repository.ReadScope` (the API's async driver,
the database, a per-transaction timeout and a request's deadline) and its one gateway
``graph.repository.read``; synchronous callers (CLI, tests, benchmarks) wrap calls in
``asyncio.run``.

**Paths.** The co-authorship graph (authors; an edge per pair with a joint paper, weight = joint
papers) is exported once with the analytics export (``graph.analytics``: ``GraphSpec``,
``export_query``, ``to_igraph``) and kept in a small in-process cache, keyed by the subgraph
spec (a year range is a different spec) and validated on every call by a count-store
fingerprint (authors, papers, authorships, and the writers' stamp ``graph.stamp``): any load,
merge or deletion rebuilds it, and so does any write through the writers. A path
search is then igraph BFS (k = 1) or Yen's k shortest paths (k > 1) in C, plus one Cypher read
for the joint papers of every hop. Measured on Paperscape 1991–1996 (29k authors): see
``bench/results/collab.json`` and docs/collaboration.md. The plain Cypher alternative
(``shortestPath`` over ``AUTHORED*..2·maxHops``) was measured at p99 ≈ 130 ms and worst case
≈ 600 ms on the same pairs, because an unreachable pair exhausts the BFS in the server.

**Suggestions.** Candidates are the authors at co-authorship distance exactly 2 (at least one
common co-author; existing co-authors and the author are never candidates). Each gets::

    score = adamic_adar + CATEGORY_WEIGHT · jaccard + COMMUNITY_WEIGHT · same_community

- ``adamic_adar`` = Σ over common co-authors z of 1 / ln(deg z), deg = distinct co-authors of z
  (deg ≥ 2 for a common co-author);
- ``jaccard`` = |C(u) ∩ C(v)| / |C(u) ∪ C(v)| over the sets of categories of each author's
  papers (``IN_CATEGORY``, as stored; 0 when both are empty);
- ``same_community`` = 1 when both authors carry the same value of the latest persisted Leiden
  run of the whole co-authorship graph (``AnalysisRun`` kind ``coauthorship``, algorithm
  ``leiden``), else 0 (also 0 when no such run exists).

Ties are broken by author id. Every suggestion carries its reasons: the common co-authors, the
shared categories and the community.
"""

from __future__ import annotations

import asyncio
import math
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import numpy as np
import numpy.typing as npt

from graph import collab_queries as q
from graph import repository as repo
from graph.analytics.export import EdgeList, read_edges
from graph.analytics.spec import GraphKind, GraphSpec
from graph.db import driver_key
from graph.errors import InputError, NotFound, ScholarGraphError
from graph.ids import parse_author_id
from graph.labels import Label
from graph.repository import Node, ReadScope
from graph.snapshot import Fingerprint, Snapshot, held_snapshot, shared, snapshot

DEFAULT_MAX_HOPS = 6
MAX_HOPS = 10
MAX_PATHS = 10  # k
MAX_AVOID = 100
PAPERS_PER_HOP = 5
MAX_FIRST = 100
MAX_CANDIDATES = 1000  # suggestion candidates scored (highest Adamic–Adar first)
COMMON_SHOWN = 5  # common co-authors named in a suggestion's reasons

CATEGORY_WEIGHT = 1.0
COMMUNITY_WEIGHT = 0.5


class NoAnalysisRun(ScholarGraphError):
    """A feature needs a persisted analytics run that does not exist yet."""

    def __init__(self, what: str, command: str) -> None:
        super().__init__(f"no persisted {what} run yet; run `{command}` first")


# -- reading -----------------------------------------------------------------------------------

#: Every read goes through the repository's gateway (timeout capped by the request deadline,
#: transactions tagged with the request).
read = repo.read


#: The analytics export read through the gateway (``graph.analytics.export.read_edges``).
export_edges = read_edges


async def resolve_authors(scope: ReadScope, raw: Mapping[str, str]) -> dict[str, Node]:
    """``{argument: author node}`` for user-typed ids (any form), in one round trip; an unknown
    author is ``NotFound`` naming the id."""
    refs = {arg: parse_author_id(value) for arg, value in raw.items()}
    found = await repo.resolve_authors(scope, refs)
    for arg, value in raw.items():
        if arg not in found:
            raise NotFound("author", value)
    return found


def _check_int(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(name, value, f"an integer in {low}..{high}")
    return value


# -- the co-author graph cache -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoauthorGraph:
    """A co-authorship graph: vertex ``i`` is author ``node_ids[i]``, vertices in author-id
    order and edges ``a < b`` sorted, so the graph — and every search answer on it — is the
    same whether the Cypher export or the analytics snapshot made it."""

    spec: GraphSpec
    fingerprint: Fingerprint
    graph: ig.Graph
    node_ids: list[str]
    index: dict[str, int]
    component: list[int]  # connected component of each vertex: "no path" without a search
    ends: npt.NDArray[np.int64] | None = None  # per edge id: (a, b, joint papers)


def _graph(
    spec: GraphSpec,
    fp: Fingerprint,
    node_ids: list[str],
    src: npt.NDArray[np.int64],
    dst: npt.NDArray[np.int64],
    weight: npt.NDArray[Any],
) -> CoauthorGraph:
    """The graph from id-ordered vertices and undirected edges (any order, any direction)."""
    a, b = np.minimum(src, dst), np.maximum(src, dst)
    order = np.lexsort((b, a))
    graph = ig.Graph(n=len(node_ids), directed=False)
    graph.add_edges(np.column_stack((a[order], b[order])))
    graph.es["weight"] = np.asarray(weight, dtype=np.float64)[order]
    component = graph.connected_components(mode="weak").membership
    index = {a_id: i for i, a_id in enumerate(node_ids)}
    w = np.asarray(weight, dtype=np.int64)[order]
    ends = np.column_stack((a[order], b[order], w)).astype(np.int64)  # edge ids in this order
    return CoauthorGraph(spec, fp, graph, node_ids, index, component, ends)


def _build(spec: GraphSpec, fp: Fingerprint, edges: EdgeList) -> CoauthorGraph:
    """From the Cypher export (vertices renumbered into id order)."""
    order = sorted(range(edges.node_count), key=edges.node_ids.__getitem__)
    rank = np.empty(edges.node_count, dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(edges.node_count, dtype=np.int64)
    ids = [edges.node_ids[i] for i in order]
    weight = edges.weight if edges.weight is not None else np.ones(edges.edge_count)
    return _graph(spec, fp, ids, rank[edges.src], rank[edges.dst], weight)


def from_snapshot(snap: Snapshot, spec: GraphSpec) -> CoauthorGraph:
    """The co-authorship graph of ``spec`` (whole, or a year range) from the snapshot's
    authorship arrays: the export's nodes (every author; with a year range, the authors with a
    paper in it) and edges (pairs with a joint paper in the range, weight = joint papers)."""
    if spec.has_paper_filter:
        mask = snap.mask((), spec.year_from, spec.year_to)
        a, b, w = snap.coauthor_pairs(mask)
        _row, authors = snap.authorships(np.flatnonzero(mask))
        nodes = np.unique(authors).astype(np.int64)
    else:
        a, b, w = snap.coauthor_pairs()
        nodes = np.arange(snap.author_count, dtype=np.int64)
    ids = [snap.author_ids[int(v)] for v in nodes]
    local_a, local_b = np.searchsorted(nodes, a), np.searchsorted(nodes, b)
    return _graph(spec, snap.fingerprint, ids, local_a, local_b, w)


async def coauthor_graph(
    scope: ReadScope, spec: GraphSpec, cache: CoauthorGraphCache | None = None
) -> CoauthorGraph:
    """The co-authorship graph of ``spec``: from the analytics snapshot once one is built
    (``graph.snapshot.held_snapshot``; one graph per snapshot version and spec, the whole graph
    kept for the snapshot's life), else from the Cypher export cache (the fallback)."""
    snap = await held_snapshot(scope)
    if snap is None:
        return await (cache or GRAPH_CACHE).get(scope, spec)
    cg: CoauthorGraph = await shared(
        snap,
        ("coauthor_graph", spec.year_from, spec.year_to),
        lambda: asyncio.to_thread(from_snapshot, snap, spec),
        pinned=not spec.has_paper_filter,
    )
    return cg


GRAPH_EXPORT_TIMEOUT = 300.0  # seconds, for the cached co-author graph export


class CoauthorGraphCache:
    """The last few exported co-authorship graphs, keyed by subgraph spec, rebuilt when the
    count-store fingerprint of the database (or the writers' stamp) changes.

    A build is one task per key shared by every request that needs it; it runs without the
    requests' deadlines (a request that gives up stops waiting, the build goes on for the next
    one) and is forgotten when it ends, so the cache holds at most ``max_entries`` graphs and
    one pending build per key being built — nothing per key outlives its use."""

    def __init__(self, max_entries: int = 8) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[int, str, str], CoauthorGraph] = OrderedDict()
        self._builds: dict[tuple[int, str, str, Fingerprint], asyncio.Task[CoauthorGraph]]
        self._builds = {}

    def clear(self) -> None:
        self._entries.clear()

    @property
    def pending(self) -> int:
        """Builds in progress (each key being built has one)."""
        return len(self._builds)

    async def get(self, scope: ReadScope, spec: GraphSpec) -> CoauthorGraph:
        rows = await read(scope, q.COAUTHOR_FINGERPRINT, {})
        row = rows[0]
        fp = (int(row["authors"]), int(row["papers"]), int(row["authorships"]), row["stamp"])
        key = (driver_key(scope.driver), scope.database, spec.canonical_json())
        entry = self._entries.get(key)
        if entry is not None and entry.fingerprint == fp:
            self._entries.move_to_end(key)
            return entry
        build_key = (*key, fp)
        task = self._builds.get(build_key)
        if task is None:
            task = asyncio.create_task(self._build(scope.without_deadline(), spec, key, fp))
            self._builds[build_key] = task
            task.add_done_callback(lambda t: self._forget(build_key, t))
        # a request that gives up (its deadline) leaves the shared build running
        return await asyncio.shield(task)

    def _forget(
        self,
        build_key: tuple[int, str, str, Fingerprint],
        task: asyncio.Task[CoauthorGraph],
    ) -> None:
        self._builds.pop(build_key, None)
        if not task.cancelled():
            task.exception()  # seen here: a failed build is re-raised to its waiters only

    async def _build(
        self,
        scope: ReadScope,
        spec: GraphSpec,
        key: tuple[int, str, str],
        fp: Fingerprint,
    ) -> CoauthorGraph:
        # built once and shared by every later request: allowed longer than one read
        # (the whole co-author graph of the 1M-paper corpus exports in ~27 s)
        timeout = max(scope.timeout, GRAPH_EXPORT_TIMEOUT)
        edges = await export_edges(scope, spec, timeout)
        entry = await asyncio.to_thread(_build, spec, fp, edges)
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return entry


GRAPH_CACHE = CoauthorGraphCache()


def coauthorship_spec(year_from: int | None = None, year_to: int | None = None) -> GraphSpec:
    return GraphSpec(GraphKind.COAUTHORSHIP, year_from=year_from, year_to=year_to)


# -- co-authors --------------------------------------------------------------------------------


async def coauthors(scope: ReadScope, author_id: str, first: int = 20) -> list[Node]:
    """Co-authors ranked by joint papers (then id): ``{author, joint, first_year, last_year}``
    — the repository's batched read, for one author given in any id form."""
    first = _check_int("first", first, 1, MAX_FIRST)
    author = (await resolve_authors(scope, {"author": author_id}))["author"]
    rows = await repo.coauthors_of_authors(scope, [author["id"]], first)
    return list(rows.get(author["id"], []))


# -- collaboration paths -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathHop:
    """Two consecutive authors of a path and the joint papers linking them (oldest first, at
    most ``PAPERS_PER_HOP``; ``joint_paper_count`` counts them all)."""

    source: Node
    target: Node
    papers: list[Node]
    joint_paper_count: int


@dataclass(frozen=True, slots=True)
class CollaborationPath:
    authors: list[Node]
    hops: list[PathHop]

    @property
    def length(self) -> int:
        return len(self.hops)

    @property
    def author_ids(self) -> list[str]:
        return [a["id"] for a in self.authors]


def _search(
    cg: CoauthorGraph, source: int, target: int, k: int, max_hops: int, avoid: list[int]
) -> list[list[int]]:
    """Vertex paths, shortest first, at most ``max_hops`` edges, avoiding ``avoid``."""
    if cg.component[source] != cg.component[target]:
        return []  # avoiding authors only removes edges: still apart
    g = cg.graph
    if avoid:
        g = g.copy()
        g.delete_edges(g.es.select(_incident=avoid))
    if k == 1:  # one BFS that stops at the target (an unreachable target warns: silenced)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            path: list[int] = g.get_shortest_path(source, target, mode="all")
        return [path] if path and len(path) - 1 <= max_hops else []
    # distances() reports an unreachable pair as inf (no igraph warning)
    hops = g.distances(source, target, mode="all")[0][0]
    if not math.isfinite(hops) or hops > max_hops:
        return []
    return _k_shortest(g, source, target, k, int(hops), max_hops)


def _k_shortest(
    g: ig.Graph, source: int, target: int, k: int, hops: int, max_hops: int
) -> list[list[int]]:
    """Yen's k shortest paths, run on a small subgraph: a simple path of length L from s to t
    only visits vertices v with d(s, v) + d(v, t) <= L, so for a length bound L the vertices
    outside that band cannot matter. The bound grows from the shortest distance until k paths
    fit (or ``max_hops`` is reached); the answer is the whole graph's (on a 900k-author graph,
    Yen on the whole graph took seconds per pair)."""
    from_s = g.distances(source, mode="all")[0]
    from_t = g.distances(target, mode="all")[0]
    through = [a + b for a, b in zip(from_s, from_t, strict=True)]
    paths: list[list[int]] = []
    for bound in range(hops, max_hops + 1):
        keep = [v for v, d in enumerate(through) if d <= bound]
        sub = g.induced_subgraph(keep)
        index = {v: i for i, v in enumerate(keep)}
        found = sub.get_k_shortest_paths(index[source], index[target], k=k, mode="all")
        paths = [[keep[i] for i in p] for p in found if p and len(p) - 1 <= bound]
        if len(paths) >= k:
            break
    return paths[:k]


async def collaboration_paths(
    scope: ReadScope,
    from_id: str,
    to_id: str,
    *,
    max_hops: int = DEFAULT_MAX_HOPS,
    k: int = 1,
    year_from: int | None = None,
    year_to: int | None = None,
    avoid: Sequence[str] = (),
    papers_per_hop: int = PAPERS_PER_HOP,
    cache: CoauthorGraphCache | None = None,
) -> list[CollaborationPath]:
    """Up to ``k`` shortest co-authorship paths from one author to another, shortest first
    (distinct author sequences; Yen's algorithm when k > 1), each at most ``max_hops`` hops.
    Only joint papers in ``year_from..year_to`` link authors; ``avoid`` authors are never
    intermediates. Empty when no path exists within ``max_hops``."""
    max_hops = _check_int("maxHops", max_hops, 1, MAX_HOPS)
    k = _check_int("k", k, 1, MAX_PATHS)
    papers_per_hop = _check_int("papersPerHop", papers_per_hop, 1, MAX_FIRST)
    if isinstance(avoid, str):
        raise InputError("avoid", avoid, "a list of author ids")
    if len(avoid) > MAX_AVOID:
        raise InputError("avoid", f"{len(avoid)} ids", f"at most {MAX_AVOID} author ids")
    spec = coauthorship_spec(year_from, year_to)  # validates the years
    raw = {"from": from_id, "to": to_id} | {f"avoid[{i}]": a for i, a in enumerate(avoid)}
    # id resolution and the cache's fingerprint check are independent: one round trip of time
    found, cg = await asyncio.gather(
        resolve_authors(scope, raw), coauthor_graph(scope, spec, cache)
    )
    source, target = found["from"]["id"], found["to"]["id"]
    avoid_ids = {found[f"avoid[{i}]"]["id"] for i in range(len(avoid))}
    if avoid_ids & {source, target}:
        raise InputError("avoid", sorted(avoid_ids & {source, target}), "not the path's ends")
    if source == target:
        return [CollaborationPath([found["from"]], [])]
    if source not in cg.index or target not in cg.index:
        return []  # no paper in the year range
    avoid_v = [cg.index[a] for a in avoid_ids if a in cg.index]
    vpaths = await asyncio.to_thread(
        _search, cg, cg.index[source], cg.index[target], k, max_hops, avoid_v
    )
    if not vpaths:
        return []
    id_paths = [[cg.node_ids[v] for v in p] for p in vpaths]
    return await _with_evidence(scope, id_paths, year_from, year_to, papers_per_hop)


async def _with_evidence(
    scope: ReadScope,
    id_paths: list[list[str]],
    year_from: int | None,
    year_to: int | None,
    per_hop: int,
) -> list[CollaborationPath]:
    pairs = list(dict.fromkeys((p[i], p[i + 1]) for p in id_paths for i in range(len(p) - 1)))
    authors = list(dict.fromkeys(a for p in id_paths for a in p))
    rows = await read(
        scope,
        q.PATH_EVIDENCE,
        {
            "authors": authors,
            "pairs": [list(pair) for pair in pairs],
            "year_from": year_from,
            "year_to": year_to,
            "per_hop": per_hop,
        },
    )
    nodes = {a["id"]: a for a in rows[0]["authors"]}
    hops = {(h["a"], h["b"]): h for h in rows[0]["hops"]}
    out = []
    for p in id_paths:
        path_hops = []
        for a, b in zip(p, p[1:], strict=False):
            h = hops[(a, b)]
            path_hops.append(PathHop(nodes[a], nodes[b], list(h["papers"]), int(h["total"])))
        out.append(CollaborationPath([nodes[a] for a in p], path_hops))
    return out


async def collaboration_path(
    scope: ReadScope, from_id: str, to_id: str, **options: Any
) -> CollaborationPath | None:
    """The shortest path (see :func:`collaboration_paths`), or None within ``max_hops``."""
    paths = await collaboration_paths(scope, from_id, to_id, **options)
    return paths[0] if paths else None


# -- an author's co-author network ---------------------------------------------------------------

NETWORK_FIRST_HOP = 100  # co-authors of the author (most joint papers first)
NETWORK_PER_AUTHOR = 30  # co-authors considered per other author
NETWORK_MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class NetworkNode:
    author: Node
    hop: int  # 0 = the author, 1 = co-author, 2 = co-author of a co-author


@dataclass(frozen=True, slots=True)
class CoauthorNetwork:
    centre: str
    nodes: list[NetworkNode]
    edges: list[tuple[str, str, int]]  # (author id, author id, joint papers), ids ordered
    found: int  # authors found within the hops read (before the cap)


def _ranked(cg: CoauthorGraph, v: int, first: int) -> list[tuple[int, int]]:
    """``v``'s co-authors as (vertex, joint papers), most joint papers first, then id."""
    eids = np.asarray(cg.graph.incident(v), dtype=np.int64)
    if eids.size == 0 or cg.ends is None:
        return []
    ends = cg.ends[eids]
    others = np.where(ends[:, 0] == v, ends[:, 1], ends[:, 0])
    order = np.lexsort((others, -ends[:, 2]))[:first]
    return list(zip(others[order].tolist(), ends[order, 2].tolist(), strict=True))


def network_of(
    cg: CoauthorGraph, centre: int, limit: int, hops: int, paper_count: Mapping[int, int]
) -> tuple[dict[int, int], dict[tuple[int, int], int], int]:
    """The network's vertices (vertex → hop), edges ((a, b) with a < b → joint papers) and the
    authors found: the author and up to ``NETWORK_FIRST_HOP`` co-authors; for two hops, the
    co-authors of every first-hop author (at most ``NETWORK_PER_AUTHOR`` each) ranked by their
    joint papers with the first-hop authors (then papers, then id) up to ``limit``. An edge joins
    two shown authors when either lists the other among its ``NETWORK_PER_AUTHOR`` most frequent
    co-authors. ``paper_count`` gives the papers of the second-hop candidates."""
    nodes: dict[int, int] = {centre: 0}
    weights: dict[tuple[int, int], int] = {}

    def link(a: int, b: int, w: int) -> None:
        if a != b:
            key = (a, b) if a < b else (b, a)
            weights[key] = max(weights.get(key, 0), w)

    first = _ranked(cg, centre, NETWORK_FIRST_HOP)
    for u, w in first[: limit - 1]:
        nodes[u] = 1
        link(centre, u, w)
    found = 1 + len(first)
    if hops == 1:
        return nodes, weights, found
    lists = {s: _ranked(cg, s, NETWORK_PER_AUTHOR) for s, hop in nodes.items() if hop == 1}
    strength: dict[int, int] = {}
    for source, coauthors in lists.items():
        for u, w in coauthors:
            if u in nodes:
                link(source, u, w)
            else:
                strength[u] = strength.get(u, 0) + w
    found += len(strength)
    room = max(limit - len(nodes), 0)
    ranked = sorted(strength, key=lambda u: (-strength[u], -paper_count.get(u, 0), u))
    for u in ranked[:room]:
        nodes[u] = 2
    for source, coauthors in lists.items():
        for u, w in coauthors:
            if u in nodes:
                link(source, u, w)
    for source in [v for v, hop in nodes.items() if hop == 2]:
        for u, w in _ranked(cg, source, NETWORK_PER_AUTHOR):
            if u in nodes:
                link(source, u, w)
    return nodes, weights, found


async def coauthor_network(
    scope: ReadScope, author_id: str, limit: int = 150, hops: int = 2
) -> CoauthorNetwork:
    """An author's co-author network (``network_of``) over the whole co-author graph (from the
    analytics snapshot once built, else the export cache: ``coauthor_graph``), with one read of
    the shown authors' nodes (and the second-hop candidates' paper counts)."""
    limit = _check_int("limit", limit, 2, NETWORK_MAX_LIMIT)
    hops = _check_int("hops", hops, 1, 2)
    found_ids, cg = await asyncio.gather(
        resolve_authors(scope, {"author": author_id}),
        coauthor_graph(scope, coauthorship_spec()),
    )
    author = found_ids["author"]
    centre = cg.index.get(author["id"])
    if centre is None:
        return CoauthorNetwork(author["id"], [NetworkNode(author, 0)], [], 1)
    candidates: set[int] = set()
    if hops == 2:
        for s, _w in _ranked(cg, centre, NETWORK_FIRST_HOP)[: limit - 1]:
            candidates.update(u for u, _ in _ranked(cg, s, NETWORK_PER_AUTHOR))
    wanted = [cg.node_ids[u] for u in sorted(candidates)]
    counts = await read(scope, q.PAPER_COUNTS_OF_AUTHORS, {"ids": wanted}) if wanted else []
    papers = {cg.index[r["id"]]: int(r["n"] or 0) for r in counts}
    nodes, weights, found = await asyncio.to_thread(network_of, cg, centre, limit, hops, papers)
    rows = await read(scope, q.NETWORK_AUTHORS, {"ids": [cg.node_ids[v] for v in nodes]})
    shown = {r["id"]: dict(r["node"]) for r in rows}
    return CoauthorNetwork(
        centre=author["id"],
        nodes=[
            NetworkNode(shown[cg.node_ids[v]], hop)
            for v, hop in nodes.items()
            if cg.node_ids[v] in shown
        ],
        edges=[(cg.node_ids[a], cg.node_ids[b], w) for (a, b), w in sorted(weights.items())],
        found=found,
    )


# -- suggestions -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A collaborator suggestion, its score and the reasons the score is made of."""

    author: Node
    score: float
    adamic_adar: float
    category_jaccard: float
    same_community: bool
    common_coauthors: list[Node]  # up to COMMON_SHOWN, highest Adamic–Adar weight first
    common_coauthor_count: int
    shared_categories: list[str]
    community: int | None  # the candidate's community in the latest Leiden run


def suggestion_score(adamic_adar: float, jaccard: float, same_community: bool) -> float:
    """The documented formula (module docstring)."""
    return adamic_adar + CATEGORY_WEIGHT * jaccard + COMMUNITY_WEIGHT * float(same_community)


def _adamic_adar(g: ig.Graph, u: int) -> tuple[dict[int, float], dict[int, list[int]]]:
    neighbours = set(g.neighbors(u))
    degree: list[int] = g.degree()
    aa: dict[int, float] = {}
    common: dict[int, list[int]] = {}
    for z in sorted(neighbours, key=lambda z: degree[z]):  # rarest common co-author first
        if degree[z] < 2:
            continue
        weight = 1.0 / math.log(degree[z])
        for v in g.neighbors(z):
            if v != u and v not in neighbours:
                aa[v] = aa.get(v, 0.0) + weight
                common.setdefault(v, []).append(z)
    return aa, common


async def latest_run(scope: ReadScope, kind: GraphKind, algorithm: str) -> dict[str, Any] | None:
    rows = await read(scope, q.LATEST_WHOLE_GRAPH_RUN, {"kind": kind.value, "algorithm": algorithm})
    return dict(rows[0]["run"]) if rows else None


async def suggest_collaborators(
    scope: ReadScope,
    author_id: str,
    first: int = 10,
    cache: CoauthorGraphCache | None = None,
) -> list[Suggestion]:
    """Authors who are not yet co-authors, best first by :func:`suggestion_score`."""
    first = _check_int("first", first, 1, MAX_FIRST)
    found, cg = await asyncio.gather(
        resolve_authors(scope, {"authorId": author_id}),
        coauthor_graph(scope, coauthorship_spec(), cache),
    )
    author = found["authorId"]
    if author["id"] not in cg.index:
        return []
    aa, common = await asyncio.to_thread(_adamic_adar, cg.graph, cg.index[author["id"]])
    pool = sorted(aa, key=lambda v: (-aa[v], cg.node_ids[v]))[:MAX_CANDIDATES]
    run = await latest_run(scope, GraphKind.COAUTHORSHIP, "leiden")
    rows = await read(
        scope,
        q.SUGGESTION_FACTS,
        {
            "author": author["id"],
            "candidates": [cg.node_ids[v] for v in pool],
            "community_key": run["result_key"] if run else None,
        },
    )
    facts = rows[0]
    mine = set(facts["categories"])
    my_community = facts["community"]
    scored = []
    for c in facts["candidates"]:
        v = cg.index[c["node"]["id"]]
        theirs = set(c["categories"])
        union = mine | theirs
        jaccard = len(mine & theirs) / len(union) if union else 0.0
        same = my_community is not None and c["community"] == my_community
        score = suggestion_score(aa[v], jaccard, same)
        scored.append((score, c, v, jaccard, same, sorted(mine & theirs)))
    scored.sort(key=lambda s: (-s[0], s[1]["node"]["id"]))
    top = scored[:first]
    shown = {z for _score, _c, v, *_rest in top for z in common[v][:COMMON_SHOWN]}
    names = {r["id"]: r["node"] for r in await read(
        scope, q.AUTHORS_BY_IDS, {"ids": [cg.node_ids[z] for z in shown]}
    )}  # fmt: skip
    return [
        Suggestion(
            author=c["node"],
            score=score,
            adamic_adar=aa[v],
            category_jaccard=jaccard,
            same_community=same,
            common_coauthors=[names[cg.node_ids[z]] for z in common[v][:COMMON_SHOWN]],
            common_coauthor_count=len(common[v]),
            shared_categories=shared,
            community=None if c["community"] is None else int(c["community"]),
        )
        for score, c, v, jaccard, same, shared in top
    ]


# -- communities -------------------------------------------------------------------------------

#: Categories label a community when at least this share of its papers carries one; below it
#: (sparse categories) the label names the community's venues.
CATEGORY_COVERAGE = 0.5


@dataclass(frozen=True, slots=True)
class CommunityMember:
    author: Node
    pagerank: float | None
    degree: int  # distinct co-authors in the whole graph


@dataclass(frozen=True, slots=True)
class Community:
    community: int
    size: int
    top_members: list[CommunityMember]
    categories: list[tuple[Node, int]]  # dominant categories with member paper counts
    internal_edges: int
    run: dict[str, Any] = field(default_factory=dict)
    paper_count: int = 0  # distinct papers of the members
    categorised_papers: int = 0  # of which with a category (IN_CATEGORY)
    venue_papers: int = 0  # of which with a venue
    venues: list[tuple[Node, int]] = field(default_factory=list)  # dominant venues
    field_papers: int | None = None  # papers in the field asked for (with subcategories)

    @property
    def density(self) -> float:
        """Internal co-author pairs / possible pairs, n (n − 1) / 2 (0 for one member)."""
        possible = self.size * (self.size - 1) / 2
        return self.internal_edges / possible if possible else 0.0

    @property
    def label(self) -> str:
        """What the community works on and how much of it that covers: its dominant categories
        with their papers out of all its papers ("hep-th 812, hep-ph 120 of 1,638 papers"), or,
        when fewer than ``CATEGORY_COVERAGE`` of its papers have a category, its dominant
        venues ("Phys. Rev. D 40 of 1,638 papers; categories on 23")."""
        total = f"{self.paper_count:,} papers"
        dense = self.categorised_papers >= CATEGORY_COVERAGE * self.paper_count > 0
        if self.categories and (dense or not self.venues):
            parts = ", ".join(f"{_short_category(c)} {k:,}" for c, k in self.categories)
            note = "" if dense else f"; categories on {self.categorised_papers:,}"
            return f"{parts} of {total}{note}"
        if self.venues:
            parts = ", ".join(f"{v.get('name') or v.get('id')} {k:,}" for v, k in self.venues)
            return f"{parts} of {total}; categories on {self.categorised_papers:,}"
        return f"{total}, none with a category or a venue"


def _short_category(cat: Node) -> str:
    """``cs.AI`` for an arXiv category (its code), else the category's name."""
    cid = str(cat.get("id") or "")
    if cid.startswith("arxiv:"):
        return cid.partition(":")[2]
    return str(cat.get("name") or cid)


async def communities(
    scope: ReadScope,
    graph: GraphKind | str = GraphKind.COAUTHORSHIP,
    first: int = 20,
    top_members: int = 5,
    top_categories: int = 3,
    category: str | None = None,
    source: str = "snapshot",
) -> list[Community]:
    """The largest communities of the latest persisted Leiden run of the whole co-authorship
    graph; top members by the persisted whole-graph PageRank of authors when present, else by
    number of distinct co-authors. With ``category``: the communities with papers in that field
    (with its subcategories), most such papers first (``field_papers``).

    ``source="snapshot"`` (default) answers from the analytics snapshot's arrays plus the run's
    stored community ids (read once per snapshot version and run); ``"export"`` is the Cypher
    reference (``graph.collab_queries.COMMUNITIES``; no ``category``)."""
    kind = GraphKind.parse(graph)
    if kind is not GraphKind.COAUTHORSHIP:
        raise InputError("graph", kind.value, "COAUTHORSHIP (communities of authors)")
    first = _check_int("first", first, 1, MAX_FIRST)
    top_members = _check_int("topMembers", top_members, 1, 50)
    top_categories = _check_int("topCategories", top_categories, 1, 20)
    if source not in ("snapshot", "export"):
        raise InputError("source", source, "snapshot or export")
    if category is not None:
        await repo.check_known(scope, categories=[("category", category)])
    run, pagerank = await asyncio.gather(
        latest_run(scope, kind, "leiden"), latest_run(scope, kind, "pagerank")
    )
    if run is None:
        raise NoAnalysisRun(
            "Leiden (co-authorship)",
            "scholargraph analyze --graph coauthorship --algorithm leiden --write",
        )
    if source == "snapshot":
        snap = await snapshot(scope)
        return await _snapshot_communities(
            scope, snap, run, pagerank, first, top_members, top_categories, category
        )
    if category is not None:
        raise InputError("category", category, "no category with source=export")
    rows = await read(
        scope,
        q.COMMUNITIES,
        {
            "key": run["result_key"],
            "rank_key": pagerank["result_key"] if pagerank else None,
            "first": first,
            "top": top_members,
            "top_categories": top_categories,
        },
    )
    return [
        Community(
            community=int(r["community"]),
            size=int(r["size"]),
            top_members=[
                CommunityMember(m["node"], m["rank"], int(m["degree"])) for m in r["top_members"]
            ],
            categories=[(c["category"], int(c["papers"])) for c in r["categories"]],
            internal_edges=int(r["internal_edges"]),
            run=run,
            paper_count=int(r["papers"]),
            categorised_papers=int(r["categorised"]),
            venue_papers=int(r["with_venue"]),
            venues=[(v["venue"], int(v["papers"])) for v in r["venues"]],
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class CommunityTables:
    """One community run joined to a snapshot: per author its community (index into ``ids``,
    -1 for none) and rank value; per community its size, internal edges and papers."""

    ids: npt.NDArray[np.int64]  # community values, largest community first (then value)
    size: npt.NDArray[np.int64]
    of_author: npt.NDArray[np.int64]
    rank: npt.NDArray[np.float64]  # nan: no rank value
    degree: npt.NDArray[np.int64]  # distinct co-authors in the whole graph
    internal_edges: npt.NDArray[np.int64]
    cp_ptr: npt.NDArray[np.int64]  # community -> its distinct papers (CSR over cp_paper)
    cp_paper: npt.NDArray[np.int64]


def community_tables(
    snap: Snapshot, ids: list[str], values: list[Any], ranks: list[Any]
) -> CommunityTables:
    """The tables from the run's stored values (``COMMUNITY_VALUES``) and the snapshot."""
    index = snap.author_index()
    m = snap.author_count
    known = [(index[a], v, r) for a, v, r in zip(ids, values, ranks, strict=True) if a in index]
    who = np.asarray([k[0] for k in known], dtype=np.int64)
    value = np.asarray([int(k[1]) for k in known], dtype=np.int64)
    rank = np.full(m, np.nan)
    rank[who] = np.asarray([np.nan if k[2] is None else float(k[2]) for k in known])
    uniq, code, size = np.unique(value, return_inverse=True, return_counts=True)
    order = np.lexsort((uniq, -size))  # largest first, then community value
    position = np.empty(uniq.size, dtype=np.int64)
    position[order] = np.arange(uniq.size, dtype=np.int64)
    of_author = np.full(m, -1, dtype=np.int64)
    of_author[who] = position[code]
    n_comm = int(uniq.size)
    a, b, _w = snap.coauthor_pairs()
    degree = (np.bincount(a, minlength=m) + np.bincount(b, minlength=m)).astype(np.int64)
    inside = (of_author[a] >= 0) & (of_author[a] == of_author[b])
    internal = np.bincount(of_author[a][inside], minlength=n_comm).astype(np.int64)
    author, paper = snap.papers_of_authors(of_author >= 0)
    n = max(snap.paper_count, 1)
    keys = np.unique(of_author[author] * n + paper)
    cp_comm, cp_paper = keys // n, keys % n
    cp_ptr = np.concatenate(([0], np.cumsum(np.bincount(cp_comm, minlength=n_comm))))
    return CommunityTables(
        uniq[order], size[order], of_author, rank, degree, internal,
        cp_ptr.astype(np.int64), cp_paper.astype(np.int64),
    )  # fmt: skip


def _top_by_papers(
    papers: npt.NDArray[np.int64], link_paper: npt.NDArray[Any], link_to: npt.NDArray[Any],
    names: list[str], top: int,
) -> tuple[list[tuple[int, int]], int]:  # fmt: skip
    """The ``top`` targets (categories or venues) by distinct papers among ``papers`` over
    links sorted by paper (count descending, then id), and how many papers have a link."""
    lo = np.searchsorted(link_paper, papers, side="left")
    hi = np.searchsorted(link_paper, papers, side="right")
    counts = hi - lo
    linked = int(np.count_nonzero(counts))
    if not linked:
        return [], 0
    offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    targets = link_to[np.repeat(lo, counts) + offset].astype(np.int64)
    via = np.repeat(papers, counts)
    pairs = np.unique(via * (len(names) + 1) + targets)  # distinct (paper, target)
    uniq, k = np.unique(pairs % (len(names) + 1), return_counts=True)
    # target numbers are in id order: ties by number are ties by id
    order = np.lexsort((uniq, -k))[:top]
    return [(int(uniq[i]), int(k[i])) for i in order], linked


async def _snapshot_communities(
    scope: ReadScope,
    snap: Snapshot,
    run: dict[str, Any],
    pagerank: dict[str, Any] | None,
    first: int,
    top_members: int,
    top_categories: int,
    category: str | None,
) -> list[Community]:
    key, rank_key = run["result_key"], pagerank["result_key"] if pagerank else None

    async def tables() -> CommunityTables:
        rows = await read(scope, q.COMMUNITY_VALUES, {"key": key, "rank_key": rank_key})
        r = rows[0]
        return await asyncio.to_thread(community_tables, snap, r["ids"], r["community"], r["rank"])

    t: CommunityTables = await shared(
        snap, ("communities", run.get("id"), pagerank.get("id") if pagerank else None), tables
    )
    picked, field_counts = _pick_communities(snap, t, first, category)
    chosen = []
    for c in picked:
        papers = t.cp_paper[t.cp_ptr[c] : t.cp_ptr[c + 1]]
        members = np.flatnonzero(t.of_author == c)
        rank = np.where(np.isnan(t.rank[members]), -1.0, t.rank[members])
        order = np.lexsort((members, -t.degree[members], -rank))[:top_members]
        cats, categorised = _top_by_papers(
            papers, snap.incat_paper, snap.incat_cat, snap.category_ids, top_categories
        )
        venues, with_venue = _top_by_papers(
            papers, snap.pub_paper, snap.pub_venue, snap.venue_ids, top_categories
        )
        chosen.append((c, members[order], cats, categorised, venues, with_venue, papers.size))
    author_ids = list({snap.author_ids[int(a)] for x in chosen for a in x[1]})
    cat_ids = list({snap.category_ids[i] for x in chosen for i, _k in x[2]})
    venue_ids = list({snap.venue_ids[i] for x in chosen for i, _k in x[4]})
    authors, cats_n, venues_n = await asyncio.gather(
        repo.nodes_by_ids(scope, Label.AUTHOR, author_ids),
        repo.nodes_by_ids(scope, Label.CATEGORY, cat_ids),
        repo.nodes_by_ids(scope, Label.VENUE, venue_ids),
    )
    out = []
    for c, members, cats, categorised, venues, with_venue, n_papers in chosen:
        top = []
        for a in members.tolist():
            aid = snap.author_ids[a]
            if aid in authors:
                value = t.rank[a]
                top.append(
                    CommunityMember(
                        authors[aid], None if np.isnan(value) else float(value),
                        int(t.degree[a]),
                    )
                )  # fmt: skip
        out.append(
            Community(
                community=int(t.ids[c]),
                size=int(t.size[c]),
                top_members=top,
                categories=[
                    (cats_n[snap.category_ids[i]], k)
                    for i, k in cats
                    if snap.category_ids[i] in cats_n
                ],
                internal_edges=int(t.internal_edges[c]),
                run=run,
                paper_count=int(n_papers),
                categorised_papers=categorised,
                venue_papers=with_venue,
                venues=[
                    (venues_n[snap.venue_ids[i]], k)
                    for i, k in venues
                    if snap.venue_ids[i] in venues_n
                ],
                field_papers=None if field_counts is None else int(field_counts[c]),
            )  # fmt: skip
        )
    return out


def _pick_communities(
    snap: Snapshot, t: CommunityTables, first: int, category: str | None
) -> tuple[list[int], npt.NDArray[np.int64] | None]:
    """The communities to show: the largest ones, or with ``category`` the ones with most
    papers in that field (then size, then value)."""
    if category is None:
        return list(range(min(first, int(t.ids.size)))), None
    in_field = snap.category_mask([category])
    comm = np.repeat(np.arange(t.ids.size, dtype=np.int64), np.diff(t.cp_ptr))
    counts = np.bincount(comm[in_field[t.cp_paper]], minlength=t.ids.size).astype(np.int64)
    cand = np.flatnonzero(counts > 0)
    order = np.lexsort((cand, -counts[cand]))[:first]  # position order = size, then value
    return [int(cand[i]) for i in order], counts
