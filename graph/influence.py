"""Influence analysis: which papers and authors matter in a field and a period, and why.

Definitions (docs/collaboration.md repeats them with real answers):

- **Stored metrics** (refreshed by the loader after every load, ``graph.ingest_queries``):
  ``citation_count`` of a paper = papers in the graph citing it (``CITES``, stubs included as
  citers only when they cite — they never do); ``citation_count`` of an author = the sum over
  the author's papers; ``h_index`` = the largest h such that h of the author's papers have at
  least h citations each; ``i10_index`` = papers with at least 10 citations;
  ``source_citation_count`` = the largest cited-by figure a source reported for the paper (not
  computed; OpenAlex / S2 report one). ``reported_*`` = what a profile page printed.
- **Filtered subgraph**: ``category`` (with its subcategories), ``year_from``..``year_to`` —
  the analytics ``GraphSpec`` of the citation graph: papers matching the filter and the
  citations among them. By default it is a vertex mask over the in-memory analytics snapshot
  (``graph.snapshot``: read from Neo4j once per graph version; PageRank of a field in a
  thread, the result shared by concurrent requests and kept per version);
  ``source="export"`` exports it with one Cypher query per request instead (the reference the
  snapshot is tested against: tests/integration/test_snapshot.py; identical rankings).
- **A field's years** (``field_years``): papers published in year Y, and citations made in
  year Y to the field's papers (citations received, counted by the citing paper's year; citing
  papers from the whole graph; a citing paper without a year is not counted).
- ``by=PAGERANK``: PageRank (damping 0.85) of the filtered citation graph, computed by the
  analytics engine (``graph.analytics``) on that subgraph. ``by=CITATIONS``: citations received
  inside the subgraph; for authors, self-citations left out (a citation p → q of the author's
  paper q is a self-citation when the author also wrote p, as in ``topCitingAuthors``; the
  credit with them is reported beside it). ``by=HINDEX`` (authors only): the h-index over the
  author's papers in the subgraph with in-subgraph citation counts.
- **Author credit**: a paper's PageRank and citations are split equally among its authors in
  the graph (1/n each; a truncated author list divides by the authors the graph knows).
  h-index is not split.
- **Rising authors** (window W years ending at ``year``): recent = [year − W + 1, year],
  previous = the W years before. The default ``year`` is the last year with enough papers in
  the filter: at least ``YEAR_MIN_PAPERS`` (10) papers and at least ``YEAR_MIN_SHARE`` (10 %)
  of the papers of the field's busiest year. Citation velocity = citations per year received
  by the author's papers in the filter from papers dated in the window. Ranked by **growth** =
  (recent velocity + 1) / (max(previous velocity, 2) + 1) — a normalised change with a minimum
  base of 2 citations per year (an absolute change would put established, much-cited authors
  first; the base keeps a newcomer's first citation from counting as infinite growth) — then
  velocity change, then PageRank change (author PageRank credit × node count, 1 = average, on
  the citation graph of the filter up to the end of each window), then id.
- **Similar papers**: co-citation (papers citing both) + bibliographic coupling (references in
  common); the score is their sum.
- **Top citing authors**: citation links p → q with q by the author; a link is a self-citation
  when the author also wrote p: excluded from the ranking and counted separately.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, overload

import igraph as ig
import numpy as np
import numpy.typing as npt

from graph import influence_queries as q
from graph import repository as repo
from graph.analytics.algorithms import pagerank
from graph.analytics.export import EdgeList, to_igraph
from graph.analytics.queries import export_parameters
from graph.analytics.spec import GraphKind, GraphSpec
from graph.analytics.worker import shared_pool
from graph.collaboration import export_edges, read, resolve_authors
from graph.errors import InputError, NotFound, UnknownId
from graph.ids import parse_paper_id
from graph.labels import Label
from graph.repository import Node, ReadScope
from graph.snapshot import (
    SNAPSHOTS,
    Snapshot,
    Subgraph,
    YearCount,
    held_snapshot,
    shared,
    snapshot,
)

MAX_FIRST = 100
MAX_WINDOW = 50
DAMPING = 0.85

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class InfluenceMeasure(StrEnum):
    PAGERANK = "pagerank"
    CITATIONS = "citations"
    HINDEX = "hindex"

    @classmethod
    def parse(cls, value: str | InfluenceMeasure) -> InfluenceMeasure:
        if isinstance(value, InfluenceMeasure):
            return value
        try:
            return cls(value.strip().lower().replace("_", ""))
        except ValueError:
            raise InputError("by", value, "PAGERANK, CITATIONS or HINDEX") from None


async def check_category(scope: ReadScope, category: str | None) -> None:
    """An unknown category is an input error naming it (``repository.check_known``), not an
    empty ranking."""
    if category is not None:
        await repo.check_known(scope, categories=[("category", category)])


def _first(first: int) -> int:
    if isinstance(first, bool) or not isinstance(first, int) or not 1 <= first <= MAX_FIRST:
        raise InputError("first", first, f"an integer in 1..{MAX_FIRST}")
    return first


def citation_spec(
    category: str | None, year_from: int | None = None, year_to: int | None = None
) -> GraphSpec:
    return GraphSpec(
        GraphKind.CITATION,
        categories=(category,) if category else (),
        year_from=year_from,
        year_to=year_to,
    )


# -- reported figures (profile parity) --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportedMetrics:
    """What a source (a profile page) printed about an author, kept apart from computed ones."""

    h_index: int | None
    citation_count: int | None
    paper_count: int | None
    novelty: float | None  # a fraction: the page's "64%" is 0.64
    ai_score: float | None  # the site's own 0-100 scale
    source: str | None
    as_of: str | None


def reported_metrics(author: Node) -> ReportedMetrics | None:
    """The ``reported_*`` properties of an author node, or None when no source reported any."""
    if author.get("reported_source") is None:
        return None

    def whole(key: str) -> int | None:
        value = author.get(key)
        return None if value is None else int(value)

    return ReportedMetrics(
        h_index=whole("reported_h_index"),
        citation_count=whole("reported_citation_count"),
        paper_count=whole("reported_paper_count"),
        novelty=author.get("reported_novelty"),
        ai_score=author.get("reported_ai_score"),
        source=author.get("reported_source"),
        as_of=author.get("reported_as_of"),
    )


# -- scores on a filtered subgraph ------------------------------------------------------------


class Source(StrEnum):
    """Where a filtered citation graph comes from: the in-memory analytics snapshot
    (``graph.snapshot``: a vertex mask, no Cypher per request; the default) or one Cypher export
    of the subgraph per request (``graph.analytics``: the reference the snapshot is tested
    against, and cheaper for a one-shot command on a large graph)."""

    SNAPSHOT = "snapshot"
    EXPORT = "export"


#: Subgraphs with more citations than this run PageRank in the analytics worker process (igraph
#: holds the GIL: a long run in a thread would stall every request); smaller ones in a thread
#: (on Paperscape, a field's PageRank is a few milliseconds: less than a round trip to a worker).
THREAD_MAX_EDGES = 200_000


class IdView(Sequence[str]):
    """``ids[numbers[i]]`` as a sequence, without copying the strings (a snapshot subgraph's
    paper ids, a snapshot credit's author ids)."""

    __slots__ = ("_ids", "_numbers")

    def __init__(self, ids: list[str], numbers: IntArray) -> None:
        self._ids = ids
        self._numbers = numbers

    def __len__(self) -> int:
        return int(self._numbers.shape[0])

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self._ids[int(n)] for n in self._numbers[i]]
        return self._ids[int(self._numbers[i])]


@dataclass(frozen=True, slots=True)
class SubgraphScores:
    """Per paper of a filtered citation graph (vertex ``i`` is ``paper_ids[i]``): PageRank and
    in-subgraph citations. ``id_rank`` orders the vertices by paper id (ties are broken by
    it); ``vertices`` are the snapshot's paper numbers (None for an export)."""

    paper_ids: Sequence[str]
    id_rank: IntArray
    pagerank: FloatArray
    citations: FloatArray
    vertices: IntArray | None = None
    src: IntArray | None = None  # the subgraph's citations, local vertex numbers
    dst: IntArray | None = None

    @property
    def node_count(self) -> int:
        return len(self.paper_ids)


def _id_rank(ids: list[str]) -> IntArray:
    """Each position's rank in id order."""
    order = np.asarray(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids), dtype=np.int64)
    return rank


def subgraph_pagerank(n: int, src: npt.NDArray[Any], dst: npt.NDArray[Any]) -> FloatArray:
    """PageRank (damping ``DAMPING``) of a directed graph on ``0..n-1`` given as arrays: the
    analytics engine's algorithm (``graph.analytics.algorithms.pagerank``, igraph PRPACK)."""
    g = ig.Graph(n=n, directed=True)
    g.add_edges(np.column_stack((src, dst)))
    return pagerank(g, damping=DAMPING).values["pagerank"]


def _scores(edges: EdgeList) -> SubgraphScores:
    pr = pagerank(to_igraph(edges), damping=DAMPING).values["pagerank"]
    cites = np.bincount(edges.dst, minlength=edges.node_count).astype(np.float64)
    ids = list(edges.node_ids)
    src, dst = edges.src.astype(np.int64), edges.dst.astype(np.int64)
    return SubgraphScores(ids, _id_rank(ids), pr, cites, None, src, dst)


def _left(scope: ReadScope) -> float | None:
    return None if scope.deadline is None else max(0.0, scope.deadline - time.monotonic())


async def exported_scores(scope: ReadScope, spec: GraphSpec) -> SubgraphScores:
    """One Cypher export of the subgraph; PageRank in a worker process (igraph holds the GIL),
    killed at the deadline."""
    edges = await export_edges(scope, spec)
    return await shared_pool().run(_scores, edges, timeout=_left(scope))


def _masked(snap: Snapshot, spec: GraphSpec) -> Subgraph:
    return snap.subgraph(snap.mask(spec.categories, spec.year_from, spec.year_to))


async def _snapshot_scores(scope: ReadScope, snap: Snapshot, spec: GraphSpec) -> SubgraphScores:
    sub = await asyncio.to_thread(_masked, snap, spec)
    if sub.src.shape[0] <= THREAD_MAX_EDGES:
        pr = await asyncio.to_thread(subgraph_pagerank, sub.node_count, sub.src, sub.dst)
    else:
        pr = await shared_pool().run(
            subgraph_pagerank, sub.node_count, sub.src, sub.dst, timeout=_left(scope)
        )
    cites = np.bincount(sub.dst, minlength=sub.node_count).astype(np.float64)
    ids = IdView(snap.paper_ids, sub.vertices)
    src, dst = sub.src.astype(np.int64), sub.dst.astype(np.int64)
    return SubgraphScores(ids, sub.vertices, pr, cites, sub.vertices, src, dst)  # id order


def _spec_key(kind: str, spec: GraphSpec) -> tuple[Any, ...]:
    return (kind, spec.categories, spec.year_from, spec.year_to)


async def subgraph_scores(
    scope: ReadScope, spec: GraphSpec, source: Source | str = Source.SNAPSHOT
) -> SubgraphScores:
    """PageRank and in-subgraph citations of ``spec``'s citation graph. From the snapshot, one
    computation per (snapshot version, filter) is shared by concurrent requests and kept."""
    if Source(source) is Source.EXPORT:
        return await exported_scores(scope, spec)
    return await _shared_scores(scope, await snapshot(scope), spec)


async def _shared_scores(scope: ReadScope, snap: Snapshot, spec: GraphSpec) -> SubgraphScores:
    scores: SubgraphScores = await shared(
        snap, _spec_key("scores", spec), lambda: _snapshot_scores(scope, snap, spec)
    )
    return scores


def _top(primary: FloatArray, secondary: FloatArray, id_rank: IntArray, first: int) -> list[int]:
    """Positions of the ``first`` best: ``primary`` descending, then ``secondary``, then id."""
    return [int(i) for i in np.lexsort((id_rank, -secondary, -primary))[:first]]


@dataclass(frozen=True, slots=True)
class PaperScore:
    paper: Node
    score: float
    pagerank: float
    citations: int  # inside the subgraph


async def influential_papers(
    scope: ReadScope,
    category: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    by: InfluenceMeasure | str = InfluenceMeasure.PAGERANK,
    first: int = 10,
    source: Source | str = Source.SNAPSHOT,
) -> list[PaperScore]:
    measure, first = InfluenceMeasure.parse(by), _first(first)
    if measure is InfluenceMeasure.HINDEX:
        raise InputError("by", "HINDEX", "PAGERANK or CITATIONS for papers")
    spec = citation_spec(category, year_from, year_to)
    await check_category(scope, category)
    s = await subgraph_scores(scope, spec, source)
    primary = s.pagerank if measure is InfluenceMeasure.PAGERANK else s.citations
    secondary = s.citations if measure is InfluenceMeasure.PAGERANK else s.pagerank
    ids = s.paper_ids
    order = _top(primary, secondary, s.id_rank, first)
    nodes = await repo.nodes_by_ids(scope, Label.PAPER, [ids[i] for i in order])
    return [
        PaperScore(nodes[ids[i]], float(primary[i]), float(s.pagerank[i]), int(s.citations[i]))
        for i in order
        if ids[i] in nodes
    ]


@dataclass(frozen=True, slots=True)
class AuthorScore:
    author: Node
    score: float
    pagerank: float  # split 1/n
    citations: float  # in-subgraph citations, split 1/n
    citations_no_self: float  # the same without self-citations (what CITATIONS ranks by)
    h_index: int  # in the subgraph, not split
    paper_count: int  # papers in the subgraph


@dataclass(frozen=True, slots=True)
class AuthorCredit:
    """Per author (``author_ids[j]``) of a subgraph: split PageRank and citations, h-index;
    ``id_rank`` orders the authors by id; ``numbers`` are the snapshot's author numbers (None
    for an export)."""

    author_ids: Sequence[str]
    pagerank: FloatArray
    citations: FloatArray
    h_index: IntArray
    papers: IntArray
    id_rank: IntArray
    numbers: IntArray | None = None
    citations_no_self: FloatArray | None = None  # split 1/n, self-citations left out


def _credit(
    s: SubgraphScores, paper_v: IntArray, author_code: IntArray, m: int
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """Numpy aggregation of paper scores to authors: authorship ``k`` is author
    ``author_code[k]`` (``0..m-1``) of subgraph vertex ``paper_v[k]``. Returns split PageRank,
    split citations, h-index and papers per author."""
    n_authors = np.bincount(paper_v, minlength=s.node_count)[paper_v]
    share = 1.0 / n_authors
    pr = np.bincount(author_code, weights=s.pagerank[paper_v] * share, minlength=m).astype(
        np.float64
    )
    cites = np.bincount(author_code, weights=s.citations[paper_v] * share, minlength=m).astype(
        np.float64
    )
    paper_count = np.bincount(author_code, minlength=m)
    # h-index: per author, citations sorted descending; h = #{rank r : c_r >= r}
    c = s.citations[paper_v]
    order = np.lexsort((-c, author_code))
    starts = np.concatenate(([0], np.cumsum(paper_count)[:-1]))
    rank = np.arange(order.size) - starts[author_code[order]] + 1
    h = np.bincount(author_code[order], weights=(c[order] >= rank), minlength=m).astype(np.int64)
    return pr, cites, h, paper_count


def _credit_without_self(
    s: SubgraphScores, paper_v: IntArray, author_code: IntArray, m: int
) -> FloatArray:
    """Per author: in-subgraph citations of the author's papers split 1/n, leaving out every
    citation ``p -> q`` whose citing paper ``p`` the author also wrote (a self-citation, as
    ``topCitingAuthors`` counts them)."""
    assert s.src is not None and s.dst is not None
    n = s.node_count
    order = np.lexsort((author_code, paper_v))
    pv, ac = paper_v[order], author_code[order]
    ptr = np.concatenate(([0], np.cumsum(np.bincount(pv, minlength=n)))).astype(np.int64)
    counts = ptr[s.dst + 1] - ptr[s.dst]  # authors of each cited paper
    edge = np.repeat(np.arange(s.src.shape[0], dtype=np.int64), counts)
    offset = np.arange(edge.shape[0], dtype=np.int64) - np.repeat(
        np.cumsum(counts) - counts, counts
    )
    author = ac[np.repeat(ptr[s.dst], counts) + offset]
    wrote = np.unique(pv * max(m, 1) + ac)  # (paper, author) keys of the authorships
    key = s.src[edge] * max(m, 1) + author
    pos = np.minimum(np.searchsorted(wrote, key), max(wrote.size - 1, 0))
    is_self = (wrote[pos] == key) if wrote.size else np.zeros(key.shape[0], np.bool_)
    share = 1.0 / np.maximum(counts[edge], 1)
    weights = np.where(is_self, 0.0, share)
    return np.bincount(author, weights=weights, minlength=m).astype(np.float64)


def author_credit(s: SubgraphScores, authors: list[str], papers: list[str]) -> AuthorCredit:
    """Author credit from exported authorship rows (``authors[i]`` wrote ``papers[i]``)."""
    index = dict(zip(s.paper_ids, range(s.node_count), strict=True))
    keep = [i for i, p in enumerate(papers) if p in index]
    paper_v = np.fromiter((index[papers[i]] for i in keep), np.int64, len(keep))
    uniq, author_code = np.unique(np.asarray([authors[i] for i in keep], dtype=object),
                                  return_inverse=True)  # fmt: skip
    codes = author_code.astype(np.int64)
    pr, cites, h, paper_count = _credit(s, paper_v, codes, uniq.size)
    no_self = _credit_without_self(s, paper_v, codes, uniq.size)
    ids = [str(a) for a in uniq.tolist()]
    return AuthorCredit(
        ids, pr, cites, h, paper_count, np.arange(len(ids), dtype=np.int64), None, no_self
    )


def snapshot_credit(snap: Snapshot, s: SubgraphScores) -> AuthorCredit:
    """Author credit from the snapshot's authorship of the subgraph's papers."""
    assert s.vertices is not None
    row, author = snap.authorships(s.vertices)
    uniq, code = np.unique(author, return_inverse=True)  # ascending number = id order
    codes = code.astype(np.int64)
    pr, cites, h, paper_count = _credit(s, row, codes, uniq.size)
    no_self = _credit_without_self(s, row, codes, uniq.size)
    numbers = uniq.astype(np.int64)
    return AuthorCredit(
        IdView(snap.author_ids, numbers), pr, cites, h, paper_count, numbers, numbers, no_self
    )


async def subgraph_credit(
    scope: ReadScope, spec: GraphSpec, source: Source | str = Source.SNAPSHOT
) -> tuple[SubgraphScores, AuthorCredit]:
    """Paper scores of ``spec``'s citation graph and their credit to authors."""
    if Source(source) is Source.EXPORT:
        s, rows = await asyncio.gather(
            exported_scores(scope, spec),
            read(scope, q.authorships_query(spec), export_parameters(spec)),
        )
        exported = await asyncio.to_thread(author_credit, s, rows[0]["authors"], rows[0]["papers"])
        return s, exported
    return await _shared_credit(scope, await snapshot(scope), spec)


async def _shared_credit(
    scope: ReadScope, snap: Snapshot, spec: GraphSpec
) -> tuple[SubgraphScores, AuthorCredit]:
    s = await _shared_scores(scope, snap, spec)

    async def compute() -> AuthorCredit:
        return await asyncio.to_thread(snapshot_credit, snap, s)

    credit: AuthorCredit = await shared(snap, _spec_key("credit", spec), compute)
    return s, credit


async def influential_authors(
    scope: ReadScope,
    category: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    by: InfluenceMeasure | str = InfluenceMeasure.PAGERANK,
    first: int = 10,
    source: Source | str = Source.SNAPSHOT,
) -> list[AuthorScore]:
    measure, first = InfluenceMeasure.parse(by), _first(first)
    spec = citation_spec(category, year_from, year_to)
    await check_category(scope, category)
    _s, credit = await subgraph_credit(scope, spec, source)
    assert credit.citations_no_self is not None
    primary = {
        InfluenceMeasure.PAGERANK: credit.pagerank,
        InfluenceMeasure.CITATIONS: credit.citations_no_self,
        InfluenceMeasure.HINDEX: credit.h_index.astype(np.float64),
    }[measure]
    ids = credit.author_ids
    # split credits are sums of 1/n shares: equal values may differ in the last bits with the
    # order of summation (snapshot vs export), so ties are judged on rounded values
    order = _top(np.round(primary, 9), credit.pagerank, credit.id_rank, first)
    nodes = await repo.nodes_by_ids(scope, Label.AUTHOR, [ids[j] for j in order])
    return [
        AuthorScore(
            author=nodes[ids[j]],
            score=float(primary[j]),
            pagerank=float(credit.pagerank[j]),
            citations=float(credit.citations[j]),
            citations_no_self=float(credit.citations_no_self[j]),
            h_index=int(credit.h_index[j]),
            paper_count=int(credit.papers[j]),
        )
        for j in order
        if ids[j] in nodes
    ]


# -- a field's years ----------------------------------------------------------------------------


async def field_years(
    scope: ReadScope,
    category: str | None,
    year_from: int | None = None,
    year_to: int | None = None,
) -> list[YearCount]:
    """Papers and citations per year of a field (with its subcategories) in a period, from the
    snapshot (``graph.snapshot.Snapshot.yearly``): papers published in year Y, and citations
    made in year Y to the field's papers — citations received, counted by the citing paper's
    year (citing papers from the whole graph)."""
    spec = citation_spec(category, year_from, year_to)  # validates the years
    snap = await snapshot(scope)
    if category is not None and not snap.has_category(category):
        raise UnknownId("category", "category", category)
    return snap.yearly(spec.categories, spec.year_from, spec.year_to)


# -- citing authors ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CitingAuthor:
    author: Node
    citations: int  # citation links from this author's papers to the target's papers
    citing_papers: int


@dataclass(frozen=True, slots=True)
class CitingAuthors:
    total_citations: int  # all citation links to the author's papers
    self_citations: int  # links whose citing paper the author co-wrote (excluded below)
    authors: list[CitingAuthor]


async def top_citing_authors(scope: ReadScope, author_id: str, first: int = 10) -> CitingAuthors:
    first = _first(first)
    author = (await resolve_authors(scope, {"author": author_id}))["author"]
    r = (await repo.top_citing_of_authors(scope, [author["id"]], first))[author["id"]]
    return CitingAuthors(
        total_citations=int(r["total"]),
        self_citations=int(r["self_citations"] or 0),
        authors=[
            CitingAuthor(x["author"], int(x["citations"]), int(x["citing_papers"]))
            for x in r["rows"]
        ],
    )


# -- rising authors ---------------------------------------------------------------------------


#: "Enough papers" for the default year of rising authors: a year counts when the field has
#: at least ``YEAR_MIN_PAPERS`` papers in it and at least ``YEAR_MIN_SHARE`` of its busiest
#: year's papers (a tail of a few late papers from another source is not the field's present).
YEAR_MIN_PAPERS = 10
YEAR_MIN_SHARE = 0.1
#: The growth measure: (recent + GROWTH_K) / (max(previous, GROWTH_MIN_BASE) + GROWTH_K), over
#: citation velocities (citations per year); the minimum base keeps a newcomer's first few
#: citations from counting as infinite growth.
GROWTH_K = 1.0
GROWTH_MIN_BASE = 2.0


def growth(recent: FloatArray, previous: FloatArray) -> FloatArray:
    """The normalised growth of citation velocity (``GROWTH_K``, ``GROWTH_MIN_BASE``)."""
    return (recent + GROWTH_K) / (np.maximum(previous, GROWTH_MIN_BASE) + GROWTH_K)


def default_year(years: npt.NDArray[Any], papers: npt.NDArray[Any]) -> int | None:
    """The last year with enough papers (``YEAR_MIN_PAPERS``, ``YEAR_MIN_SHARE``), from the
    field's papers per year; None for a field without dated papers."""
    if papers.size == 0:
        return None
    enough = max(float(YEAR_MIN_PAPERS), YEAR_MIN_SHARE * float(papers.max()))
    ok = years[papers >= enough]
    return int(ok.max()) if ok.size else int(years[papers.argmax()])


@dataclass(frozen=True, slots=True)
class RisingAuthor:
    author: Node
    recent_velocity: float  # citations per year, recent window
    previous_velocity: float
    velocity_change: float
    pagerank_recent: float  # credit × node count (1 = average paper)
    pagerank_previous: float
    pagerank_change: float
    growth: float  # (recent + K) / (max(previous, MIN_BASE) + K)


@dataclass(frozen=True, slots=True)
class Windows:
    previous: tuple[int, int]
    recent: tuple[int, int]


def windows(year: int, window: int) -> Windows:
    return Windows((year - 2 * window + 1, year - window), (year - window + 1, year))


async def _scaled_credit(
    scope: ReadScope, spec: GraphSpec, source: Source | str = Source.EXPORT
) -> dict[str, float]:
    s, credit = await subgraph_credit(scope, spec, source)
    scale = float(s.node_count)
    return dict(zip(credit.author_ids, (credit.pagerank * scale).tolist(), strict=True))


def _check_window(window: int) -> int:
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MAX_WINDOW:
        raise InputError("window", window, f"a number of years in 1..{MAX_WINDOW}")
    return window


async def rising_authors(
    scope: ReadScope,
    category: str | None = None,
    window: int = 2,
    year: int | None = None,
    first: int = 10,
    source: Source | str = Source.SNAPSHOT,
) -> tuple[Windows, list[RisingAuthor]]:
    first, window = _first(first), _check_window(window)
    await check_category(scope, category)
    if Source(source) is Source.SNAPSHOT:
        return await _rising_from_snapshot(scope, category, window, year, first)
    base = citation_spec(category)
    if year is None:
        rows = await read(scope, q.papers_per_year_query(base), export_parameters(base))
        year = default_year(
            np.asarray(rows[0]["years"], dtype=np.int64),
            np.asarray(rows[0]["papers"], dtype=np.int64),
        )
        if year is None:
            return windows(0, window), []
    w = windows(year, window)
    # both specs first: one that raises must not leave the read below created and never awaited
    previous, recent = (citation_spec(category, year_to=y) for y in (w.previous[1], w.recent[1]))
    vel_rows, pr_prev, pr_recent = await asyncio.gather(
        read(
            scope,
            q.velocity_query(base),
            {
                **export_parameters(base),
                "previous_from": w.previous[0],
                "recent_from": w.recent[0],
                "recent_to": w.recent[1],
            },
        ),
        _scaled_credit(scope, previous),
        _scaled_credit(scope, recent),
    )
    v = vel_rows[0]
    items = []
    for aid, recent, previous in zip(v["authors"], v["recent"], v["previous"], strict=True):
        if recent <= 0:
            continue
        before, after = pr_prev.get(aid, 0.0), pr_recent.get(aid, 0.0)
        items.append((aid, recent / window, previous / window, before, after))
    g = growth(np.asarray([x[1] for x in items]), np.asarray([x[2] for x in items]))
    ranked = sorted(
        zip(items, g.tolist(), strict=True),
        key=lambda x: (-x[1], -(x[0][1] - x[0][2]), -(x[0][4] - x[0][3]), x[0][0]),
    )
    top = ranked[:first]
    nodes = await repo.nodes_by_ids(scope, Label.AUTHOR, [x[0][0] for x in top])
    return w, [
        RisingAuthor(nodes[a], rv, pv, rv - pv, after, before, after - before, gr)
        for (a, rv, pv, before, after), gr in top
        if a in nodes
    ]


def velocity(snap: Snapshot, field: BoolArray, w: Windows) -> tuple[FloatArray, FloatArray]:
    """Per author (snapshot numbers): citations ``p -> q`` to their papers ``q`` in ``field``
    from papers ``p`` dated in the recent window, and in the previous window (citing papers from
    the whole graph; an author listed twice on a paper counts twice, as the Cypher does)."""
    src_year = snap.year[snap.src]
    sel = field[snap.dst] & snap.has_year[snap.src]
    sel &= (src_year >= w.previous[0]) & (src_year <= w.recent[1])
    is_recent = src_year[sel] >= w.recent[0]
    row, author = snap.authorships(snap.dst[sel].astype(np.int64))
    m = snap.author_count
    recent = np.bincount(author, weights=is_recent[row], minlength=m).astype(np.float64)
    previous = np.bincount(author, weights=~is_recent[row], minlength=m).astype(np.float64)
    return recent, previous


async def _scaled_pagerank(scope: ReadScope, snap: Snapshot, spec: GraphSpec) -> FloatArray:
    """Author PageRank credit × node count, per snapshot author number (0 for none)."""
    s, credit = await _shared_credit(scope, snap, spec)
    out = np.zeros(snap.author_count, dtype=np.float64)
    assert credit.numbers is not None
    out[credit.numbers] = credit.pagerank * float(s.node_count)
    return out


async def _rising_from_snapshot(
    scope: ReadScope, category: str | None, window: int, year: int | None, first: int
) -> tuple[Windows, list[RisingAuthor]]:
    base = citation_spec(category)
    snap = await snapshot(scope)
    field = await asyncio.to_thread(snap.mask, base.categories)
    if year is None:
        dated = snap.year[field & snap.has_year].astype(np.int64)
        years, papers = np.unique(dated, return_counts=True)
        year = default_year(years, papers)
        if year is None:
            return windows(0, window), []
    w = windows(year, window)
    previous, recent = (citation_spec(category, year_to=y) for y in (w.previous[1], w.recent[1]))
    (rec, prev), pr_prev, pr_recent = await asyncio.gather(
        asyncio.to_thread(velocity, snap, field, w),
        _scaled_pagerank(scope, snap, previous),
        _scaled_pagerank(scope, snap, recent),
    )
    cand = np.flatnonzero(rec > 0)
    rv, pv = rec[cand] / window, prev[cand] / window
    before, after = pr_prev[cand], pr_recent[cand]
    g = growth(rv, pv)
    order = np.lexsort((cand, -(after - before), -(rv - pv), -g))[:first]
    ids = [snap.author_ids[int(cand[i])] for i in order]
    nodes = await repo.nodes_by_ids(scope, Label.AUTHOR, ids)
    out = []
    for i, a in zip(order.tolist(), ids, strict=True):
        if a in nodes:
            r, p, b, f = float(rv[i]), float(pv[i]), float(before[i]), float(after[i])
            out.append(RisingAuthor(nodes[a], r, p, r - p, f, b, f - b, float(g[i])))
    return w, out


# -- similar papers ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimilarPaper:
    paper: Node
    score: int
    cocitation: int  # papers citing both
    coupling: int  # references in common


async def similar_papers(scope: ReadScope, paper_id: str, first: int = 10) -> list[SimilarPaper]:
    first = _first(first)
    found = await repo.resolve_papers(scope, {"paper": parse_paper_id(paper_id)})
    if "paper" not in found:
        raise NotFound("paper", paper_id)
    return await similar_papers_of(scope, found["paper"]["id"], first)


async def similar_papers_of(
    scope: ReadScope, paper_id: str, first: int, source: Source | str | None = None
) -> list[SimilarPaper]:
    """By the graph's own paper id (already resolved); see :func:`similar_of_papers`."""
    return (await similar_of_papers(scope, [paper_id], first, source)).get(paper_id, [])


async def similar_of_papers(
    scope: ReadScope, paper_ids: Sequence[str], first: int, source: Source | str | None = None
) -> dict[str, list[SimilarPaper]]:
    """Similar papers of several papers (by the graph's own ids), best first. ``source``:
    None = the analytics snapshot when one is held (``graph.snapshot.held_snapshot``), else
    the Cypher query, a snapshot build then starting in the background for the next asks;
    ``SNAPSHOT`` builds it when needed; ``EXPORT`` always asks Cypher (the reference). Both
    give the same answer (``tests/integration/test_snapshot.py``)."""
    first = _first(first)
    if source is None:
        snap = await held_snapshot(scope)
        if snap is None:
            SNAPSHOTS.warm(scope)
    elif Source(source) is Source.SNAPSHOT:
        snap = await snapshot(scope)
    else:
        snap = None
    if snap is not None:
        return await similar_from_snapshot(scope, snap, paper_ids, first)
    found = await repo.similar_of_papers(scope, list(dict.fromkeys(paper_ids)), first)
    return {
        pid: [
            SimilarPaper(r["paper"], int(r["score"]), int(r["cocitation"]), int(r["coupling"]))
            for r in rows
        ]
        for pid, rows in found.items()
    }


async def similar_from_snapshot(
    scope: ReadScope, snap: Snapshot, paper_ids: Sequence[str], first: int
) -> dict[str, list[SimilarPaper]]:
    """Similar papers of several papers from the snapshot's citation arrays (co-citation and
    coupling, as ``graph.queries_read.SIMILAR_OF_PAPERS``), with one read for the answer
    papers' properties."""

    def compute() -> dict[str, list[tuple[int, int, int, int]]]:
        found = {}
        for pid in dict.fromkeys(paper_ids):
            v = snap.paper_number(pid)
            found[pid] = [] if v is None else snap.similar(v, first)
        return found

    # off the event loop: a hub paper's neighbourhood is millions of array elements, and
    # numpy lets go of the GIL for most of the work
    found = await asyncio.to_thread(compute)
    wanted = list(dict.fromkeys(snap.paper_ids[r[0]] for rows in found.values() for r in rows))
    nodes = await repo.nodes_by_ids(scope, Label.PAPER, wanted) if wanted else {}
    out: dict[str, list[SimilarPaper]] = {}
    for pid, rows in found.items():
        out[pid] = [
            SimilarPaper(nodes[snap.paper_ids[v]], score, co, cp)
            for v, score, co, cp in rows
            if snap.paper_ids[v] in nodes
        ]
    return out


def as_dict(value: Any) -> Any:
    """Plain data for JSON output (CLI): dataclasses and tuples turned into dicts and lists."""
    if hasattr(value, "__dataclass_fields__"):
        return {k: as_dict(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, list | tuple):
        return [as_dict(v) for v in value]
    if isinstance(value, dict):
        return {k: as_dict(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value
