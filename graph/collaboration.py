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
fingerprint (authors, papers, authorships): any load, merge or deletion rebuilds it. A path
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

from graph import collab_queries as q
from graph import repository as repo
from graph.analytics.export import EdgeList, read_edges, to_igraph
from graph.analytics.spec import GraphKind, GraphSpec
from graph.errors import InputError, NotFound, ScholarGraphError
from graph.ids import parse_author_id
from graph.repository import Node, ReadScope

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
    """An exported co-authorship graph: vertex ``i`` is author ``node_ids[i]``."""

    spec: GraphSpec
    fingerprint: tuple[int, int, int]
    graph: ig.Graph
    node_ids: list[str]
    index: dict[str, int]
    component: list[int]  # connected component of each vertex: "no path" without a search


def _build(spec: GraphSpec, fp: tuple[int, int, int], edges: EdgeList) -> CoauthorGraph:
    graph = to_igraph(edges)
    component = graph.connected_components(mode="weak").membership
    return CoauthorGraph(spec, fp, graph, edges.node_ids, edges.index(), component)


GRAPH_EXPORT_TIMEOUT = 300.0  # seconds, for the cached co-author graph export


class CoauthorGraphCache:
    """The last few exported co-authorship graphs, keyed by subgraph spec, rebuilt when the
    count-store fingerprint of the database changes.

    A build is one task per key shared by every request that needs it; it runs without the
    requests' deadlines (a request that gives up stops waiting, the build goes on for the next
    one) and is forgotten when it ends, so the cache holds at most ``max_entries`` graphs and
    one pending build per key being built — nothing per key outlives its use."""

    def __init__(self, max_entries: int = 8) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[int, str, str], CoauthorGraph] = OrderedDict()
        self._builds: dict[tuple[int, str, str, tuple[int, int, int]], asyncio.Task[CoauthorGraph]]
        self._builds = {}

    def clear(self) -> None:
        self._entries.clear()

    @property
    def pending(self) -> int:
        """Builds in progress (each key being built has one)."""
        return len(self._builds)

    async def get(self, scope: ReadScope, spec: GraphSpec) -> CoauthorGraph:
        rows = await read(scope, q.COAUTHOR_FINGERPRINT, {})
        fp = (int(rows[0]["authors"]), int(rows[0]["papers"]), int(rows[0]["authorships"]))
        key = (id(scope.driver), scope.database, spec.canonical_json())
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
        build_key: tuple[int, str, str, tuple[int, int, int]],
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
        fp: tuple[int, int, int],
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
    cache: CoauthorGraphCache = GRAPH_CACHE,
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
    found, cg = await asyncio.gather(resolve_authors(scope, raw), cache.get(scope, spec))
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
    cache: CoauthorGraphCache = GRAPH_CACHE,
) -> list[Suggestion]:
    """Authors who are not yet co-authors, best first by :func:`suggestion_score`."""
    first = _check_int("first", first, 1, MAX_FIRST)
    found, cg = await asyncio.gather(
        resolve_authors(scope, {"authorId": author_id}), cache.get(scope, coauthorship_spec())
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

    @property
    def density(self) -> float:
        """Internal co-author pairs / possible pairs, n (n − 1) / 2 (0 for one member)."""
        possible = self.size * (self.size - 1) / 2
        return self.internal_edges / possible if possible else 0.0


async def communities(
    scope: ReadScope,
    graph: GraphKind | str = GraphKind.COAUTHORSHIP,
    first: int = 20,
    top_members: int = 5,
    top_categories: int = 3,
) -> list[Community]:
    """The largest communities of the latest persisted Leiden run of the whole co-authorship
    graph; top members by the persisted whole-graph PageRank of authors when present, else by
    number of distinct co-authors."""
    kind = GraphKind.parse(graph)
    if kind is not GraphKind.COAUTHORSHIP:
        raise InputError("graph", kind.value, "COAUTHORSHIP (communities of authors)")
    first = _check_int("first", first, 1, MAX_FIRST)
    top_members = _check_int("topMembers", top_members, 1, 50)
    top_categories = _check_int("topCategories", top_categories, 1, 20)
    run, pagerank = await asyncio.gather(
        latest_run(scope, kind, "leiden"), latest_run(scope, kind, "pagerank")
    )
    if run is None:
        raise NoAnalysisRun(
            "Leiden (co-authorship)",
            "scholargraph analyze --graph coauthorship --algorithm leiden --write",
        )
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
        )
        for r in rows
    ]
