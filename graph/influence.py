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
  citations among them.
- ``by=PAGERANK``: PageRank (damping 0.85) of the filtered citation graph, computed by the
  analytics engine (``graph.analytics``) on that subgraph. ``by=CITATIONS``: citations received
  inside the subgraph. ``by=HINDEX`` (authors only): the h-index over the author's papers in the
  subgraph with in-subgraph citation counts.
- **Author credit**: a paper's PageRank and citations are split equally among its authors in
  the graph (1/n each; a truncated author list divides by the authors the graph knows).
  h-index is not split.
- **Rising authors** (window W years ending at ``year``, default the latest paper year of the
  filter): recent = [year − W + 1, year], previous = the W years before. Citation velocity =
  citations per year received by the author's papers in the filter from papers dated in the
  window. PageRank change = author PageRank credit × node count (1 = average) on the citation
  graph of the filter up to the end of each window. Ranked by velocity change, then PageRank
  change.
- **Similar papers**: co-citation (papers citing both) + bibliographic coupling (references in
  common); the score is their sum.
- **Top citing authors**: citation links p → q with q by the author; a link is a self-citation
  when the author also wrote p: excluded from the ranking and counted separately.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

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
from graph.errors import InputError, NotFound
from graph.ids import parse_paper_id
from graph.labels import Label
from graph.repository import Node, ReadScope

MAX_FIRST = 100
MAX_WINDOW = 50
DAMPING = 0.85

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


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


@dataclass(frozen=True, slots=True)
class SubgraphScores:
    """Per paper of a filtered citation graph: PageRank and in-subgraph citations."""

    edges: EdgeList
    pagerank: FloatArray
    citations: FloatArray


def _scores(edges: EdgeList) -> SubgraphScores:
    pr = pagerank(to_igraph(edges), damping=DAMPING).values["pagerank"]
    cites = np.bincount(edges.dst, minlength=edges.node_count).astype(np.float64)
    return SubgraphScores(edges, pr, cites)


async def subgraph_scores(scope: ReadScope, spec: GraphSpec) -> SubgraphScores:
    """PageRank runs in a worker process (igraph holds the GIL), killed at the deadline."""
    edges = await export_edges(scope, spec)
    left = None if scope.deadline is None else max(0.0, scope.deadline - time.monotonic())
    return await shared_pool().run(_scores, edges, timeout=left)


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
) -> list[PaperScore]:
    measure, first = InfluenceMeasure.parse(by), _first(first)
    if measure is InfluenceMeasure.HINDEX:
        raise InputError("by", "HINDEX", "PAGERANK or CITATIONS for papers")
    s = await subgraph_scores(scope, citation_spec(category, year_from, year_to))
    primary = s.pagerank if measure is InfluenceMeasure.PAGERANK else s.citations
    secondary = s.citations if measure is InfluenceMeasure.PAGERANK else s.pagerank
    ids = s.edges.node_ids
    order = sorted(range(len(ids)), key=lambda i: (-primary[i], -secondary[i], ids[i]))[:first]
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
    h_index: int  # in the subgraph, not split
    paper_count: int  # papers in the subgraph


@dataclass(frozen=True, slots=True)
class AuthorCredit:
    """Per author (``author_ids[j]``) of a subgraph: split PageRank and citations, h-index."""

    author_ids: list[str]
    pagerank: FloatArray
    citations: FloatArray
    h_index: IntArray
    papers: IntArray


def author_credit(s: SubgraphScores, authors: list[str], papers: list[str]) -> AuthorCredit:
    """Numpy aggregation of paper scores to authors (``authors[i]`` wrote ``papers[i]``)."""
    index = s.edges.index()
    keep = [i for i, p in enumerate(papers) if p in index]
    paper_v = np.fromiter((index[papers[i]] for i in keep), np.int64, len(keep))
    uniq, author_code = np.unique(np.asarray([authors[i] for i in keep], dtype=object),
                                  return_inverse=True)  # fmt: skip
    author_code = author_code.astype(np.int64)
    n_authors = np.bincount(paper_v, minlength=s.edges.node_count)[paper_v]
    share = 1.0 / n_authors
    m = uniq.size
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
    return AuthorCredit([str(a) for a in uniq.tolist()], pr, cites, h, paper_count)


async def influential_authors(
    scope: ReadScope,
    category: str | None = None,
    year_from: int | None = None,
    year_to: int | None = None,
    by: InfluenceMeasure | str = InfluenceMeasure.PAGERANK,
    first: int = 10,
) -> list[AuthorScore]:
    measure, first = InfluenceMeasure.parse(by), _first(first)
    spec = citation_spec(category, year_from, year_to)
    s, rows = await asyncio.gather(
        subgraph_scores(scope, spec),
        read(scope, q.authorships_query(spec), export_parameters(spec)),
    )
    credit = await asyncio.to_thread(author_credit, s, rows[0]["authors"], rows[0]["papers"])
    primary = {
        InfluenceMeasure.PAGERANK: credit.pagerank,
        InfluenceMeasure.CITATIONS: credit.citations,
        InfluenceMeasure.HINDEX: credit.h_index.astype(np.float64),
    }[measure]
    ids = credit.author_ids
    order = sorted(range(len(ids)), key=lambda j: (-primary[j], -credit.pagerank[j], ids[j]))[
        :first
    ]
    nodes = await repo.nodes_by_ids(scope, Label.AUTHOR, [ids[j] for j in order])
    return [
        AuthorScore(
            author=nodes[ids[j]],
            score=float(primary[j]),
            pagerank=float(credit.pagerank[j]),
            citations=float(credit.citations[j]),
            h_index=int(credit.h_index[j]),
            paper_count=int(credit.papers[j]),
        )
        for j in order
        if ids[j] in nodes
    ]


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
    rows = await read(scope, q.TOP_CITING_AUTHORS, {"author": author["id"], "first": first})
    r = rows[0]
    return CitingAuthors(
        total_citations=int(r["total"]),
        self_citations=int(r["self_citations"] or 0),
        authors=[
            CitingAuthor(x["author"], int(x["citations"]), int(x["citing_papers"]))
            for x in r["rows"]
        ],
    )


# -- rising authors ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RisingAuthor:
    author: Node
    recent_velocity: float  # citations per year, recent window
    previous_velocity: float
    velocity_change: float
    pagerank_recent: float  # credit × node count (1 = average paper)
    pagerank_previous: float
    pagerank_change: float


@dataclass(frozen=True, slots=True)
class Windows:
    previous: tuple[int, int]
    recent: tuple[int, int]


def windows(year: int, window: int) -> Windows:
    return Windows((year - 2 * window + 1, year - window), (year - window + 1, year))


async def _scaled_credit(scope: ReadScope, spec: GraphSpec) -> dict[str, float]:
    s, rows = await asyncio.gather(
        subgraph_scores(scope, spec),
        read(scope, q.authorships_query(spec), export_parameters(spec)),
    )
    credit = await asyncio.to_thread(author_credit, s, rows[0]["authors"], rows[0]["papers"])
    scale = float(s.edges.node_count)
    return dict(zip(credit.author_ids, (credit.pagerank * scale).tolist(), strict=True))


async def rising_authors(
    scope: ReadScope,
    category: str | None = None,
    window: int = 2,
    year: int | None = None,
    first: int = 10,
) -> tuple[Windows, list[RisingAuthor]]:
    first = _first(first)
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= MAX_WINDOW:
        raise InputError("window", window, f"a number of years in 1..{MAX_WINDOW}")
    base = citation_spec(category)
    if year is None:
        rows = await read(scope, q.latest_year_query(base), export_parameters(base))
        year = rows[0]["year"]
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
    items.sort(key=lambda x: (-(x[1] - x[2]), -(x[4] - x[3]), x[0]))
    top = items[:first]
    nodes = await repo.nodes_by_ids(scope, Label.AUTHOR, [x[0] for x in top])
    return w, [
        RisingAuthor(nodes[a], rv, pv, rv - pv, after, before, after - before)
        for a, rv, pv, before, after in top
        if a in nodes
    ]


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


async def similar_papers_of(scope: ReadScope, paper_id: str, first: int) -> list[SimilarPaper]:
    """By the graph's own paper id (already resolved)."""
    rows = await read(scope, q.SIMILAR_PAPERS, {"paper": paper_id, "first": _first(first)})
    return [
        SimilarPaper(r["paper"], int(r["score"]), int(r["cocitation"]), int(r["coupling"]))
        for r in rows
    ]


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
