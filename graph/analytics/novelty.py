"""Text novelty: how unlike anything published earlier in its category a paper reads.

For a paper *p* with text (title + abstract) and comparison category *c* (the category its
source marked primary, else its smallest category id)::

    novelty(p) = 1 - max { cos(v(p), v(q)) : q in category c, q has text, date(q) < date(p) }

``v`` is a TF-IDF vector over word tokens: ``tf = 1 + ln(count)``, ``idf = ln((1 + N) / (1 +
df)) + 1`` over the N papers with text in the batch, L2-normalised. "Earlier" is strict: papers
of the same date are never compared, and later papers are never used. A paper without text or
without an earlier paper with text in its category gets no value. An author's novelty is the
mean over their papers that have one, with the number of those papers. docs/novelty.md gives
the reasons and the limits.

Pure numpy: the max similarity runs over an inverted index (term -> earlier papers), chunk by
chunk, so only pairs of papers that share a word are ever touched.
"""

from __future__ import annotations

import bisect
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from neo4j import Driver, RoutingControl

from graph.analytics import queries
from graph.analytics.algorithms import AlgorithmResult
from graph.analytics.runs import (
    WRITE_BATCH,
    AnalysisOutcome,
    ScoredNode,
    fail_run,
    start_run,
    write_run,
)
from graph.analytics.spec import GraphKind, GraphSpec

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ALGORITHM = "novelty"
PAPER_KEY = "novelty"
AUTHOR_KEY = "novelty"
AUTHOR_PAPERS_KEY = "novelty_papers"
CHUNK_PAIRS = 4_000_000  # (query term, earlier paper) pairs expanded at once

_TOKEN = re.compile(r"[a-z][a-z0-9]+")
_LATEX = re.compile(r"\\[a-zA-Z]+")
_STOPWORD_TEXT = """
    a about above after again against all also an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having here how however if in into is it its itself just more most no
    nor not of off on once only or other our out over own paper same show shown so some such
    than that the their them then there these they this those through thus to too under until
    up very via was we were what when where which while who whom why will with within without
    would new results study present
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of at least two characters, LaTeX commands and stop words out."""
    cleaned = _LATEX.sub(" ", text.lower())
    return [t for t in _TOKEN.findall(cleaned) if t not in STOPWORDS]


def order_key(date: str | None, year: int | None) -> tuple[int, int, int] | None:
    """``(year, month, day)`` from an ISO date (missing parts 0), else ``(year, 0, 0)``.

    A paper known only by its year therefore comes before the dated papers of that year."""
    if date:
        parts = [int(x) for x in re.findall(r"\d+", date)[:3]]
        if parts:
            parts += [0] * (3 - len(parts))
            return (parts[0], parts[1], parts[2])
    if year is not None:
        return (int(year), 0, 0)
    return None


def tfidf(docs: Sequence[list[str]]) -> tuple[IntArray, IntArray, FloatArray]:
    """CSR rows (``indptr``, ``indices``, ``data``) of L2-normalised TF-IDF vectors."""
    vocab: dict[str, int] = {}
    rows: list[IntArray] = []
    counts: list[IntArray] = []
    for doc in docs:
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for t in doc), np.int64, len(doc))
        terms, tf = np.unique(ids, return_counts=True)
        rows.append(terms)
        counts.append(tf.astype(np.int64))
    lengths = np.fromiter((r.size for r in rows), np.int64, len(rows))
    indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    indices = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    tf_all = np.concatenate(counts) if counts else np.zeros(0, np.int64)
    n = int((lengths > 0).sum())
    df = np.bincount(indices, minlength=len(vocab)).astype(np.float64)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    data = (1.0 + np.log(tf_all.astype(np.float64))) * idf[indices]
    row_of = np.repeat(np.arange(len(rows)), lengths)
    norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=len(rows)))
    data = data / np.where(norms > 0, norms, 1.0)[row_of]
    return indptr, indices.astype(np.int64), data


def _max_earlier(
    indptr: IntArray, indices: IntArray, data: FloatArray, limit: IntArray
) -> FloatArray:
    """For each row r (rows in date order), the max dot product with rows ``[0, limit[r])``."""
    n = limit.size
    best = np.zeros(n, np.float64)
    if n == 0 or indices.size == 0:
        return best
    lengths = np.diff(indptr)
    row_of = np.repeat(np.arange(n, dtype=np.int64), lengths)
    post_key = indices * n + row_of
    order = np.argsort(post_key, kind="stable")
    post_key, post_doc, post_val = post_key[order], row_of[order], data[order]
    lo = np.searchsorted(post_key, indices * n)
    hi = np.searchsorted(post_key, indices * n + limit[row_of])
    pairs = hi - lo
    row_pairs = np.cumsum(np.bincount(row_of, weights=pairs, minlength=n))
    start = 0
    while start < n:
        # as many rows as fit in the pair budget (at least one)
        done = row_pairs[start - 1] if start else 0.0
        stop = int(np.searchsorted(row_pairs, done + CHUNK_PAIRS, side="right"))
        stop = min(n, max(start + 1, stop))
        e0, e1 = int(indptr[start]), int(indptr[stop])
        cnt = pairs[e0:e1]
        total = int(cnt.sum())
        if total:
            first = np.repeat(lo[e0:e1] - (np.cumsum(cnt) - cnt), cnt)
            pidx = first + np.arange(total, dtype=np.int64)
            q = np.repeat(row_of[e0:e1], cnt)
            contrib = np.repeat(data[e0:e1], cnt) * post_val[pidx]
            uniq, inv = np.unique(q * n + post_doc[pidx], return_inverse=True)
            sums = np.bincount(inv.ravel(), weights=contrib)
            np.maximum.at(best, uniq // n, sums)
        start = stop
    return best


def novelty_scores(
    texts: Sequence[str | None],
    keys: Sequence[tuple[int, int, int] | None],
    groups: Sequence[str | None],
) -> FloatArray:
    """Novelty of every paper (NaN where there is none): see the module docstring."""
    n = len(texts)
    docs = [tokens(t) if t else [] for t in texts]
    indptr, indices, data = tfidf(docs)
    out = np.full(n, np.nan)
    has_text = np.diff(indptr) > 0
    by_group: dict[str, list[int]] = {}
    for i in range(n):
        g, k = groups[i], keys[i]
        if g is not None and k is not None and has_text[i]:
            by_group.setdefault(g, []).append(i)
    for members in by_group.values():
        members.sort(key=lambda i: keys[i] or (0, 0, 0))
        idx = np.asarray(members, np.int64)
        sort_keys = [keys[i] or (0, 0, 0) for i in members]
        # limit[r]: how many group members are strictly earlier than member r
        limit = np.fromiter(
            (bisect.bisect_left(sort_keys, k) for k in sort_keys), np.int64, len(members)
        )
        lengths = np.diff(indptr)[idx]
        sub_ptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        take = np.concatenate([np.arange(indptr[i], indptr[i + 1]) for i in idx.tolist()])
        best = _max_earlier(sub_ptr, indices[take], data[take], limit)
        values = 1.0 - np.clip(best, 0.0, 1.0)
        values[limit == 0] = np.nan
        out[idx] = values
    return out


def author_means(
    author_ids: Sequence[str], paper_ids: Sequence[str], paper_values: dict[str, float]
) -> tuple[list[str], FloatArray, IntArray]:
    """Mean novelty per author over (author, paper) pairs, and the number of papers."""
    pairs = sorted({(a, p) for a, p in zip(author_ids, paper_ids, strict=True)})
    names = sorted({a for a, _ in pairs})
    index = {a: i for i, a in enumerate(names)}
    who = np.fromiter((index[a] for a, _ in pairs), np.int64, len(pairs))
    vals = np.fromiter((paper_values[p] for _, p in pairs), np.float64, len(pairs))
    counts = np.bincount(who, minlength=len(names)).astype(np.int64)
    sums = np.bincount(who, weights=vals, minlength=len(names))
    means = sums / np.where(counts > 0, counts, 1)
    return names, means, counts


# -- batch run over the stored graph ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaperNovelty:
    id: str
    title: str | None
    year: int | None
    category: str | None
    citations: int
    novelty: float


@dataclass(slots=True)
class NoveltyOutcome:
    papers: int  # papers loaded
    scored: int  # papers with a value
    authors: int  # authors with a value
    most: list[PaperNovelty]
    least: list[PaperNovelty]
    spearman_citations: float | None
    paper_run_id: str | None = None
    author_run_id: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        def rows(items: list[PaperNovelty]) -> list[dict[str, Any]]:
            return [
                {
                    "id": p.id,
                    "title": p.title,
                    "year": p.year,
                    "category": p.category,
                    "citations": p.citations,
                    "novelty": round(p.novelty, 4),
                }
                for p in items
            ]

        return {
            "papers": self.papers,
            "scored": self.scored,
            "authors": self.authors,
            "most_novel": rows(self.most),
            "least_novel": rows(self.least),
            "spearman_citations": self.spearman_citations,
            "paper_run_id": self.paper_run_id,
            "author_run_id": self.author_run_id,
            "timings_ms": self.timings_ms,
        }


def _ranks(x: FloatArray) -> FloatArray:
    """Average ranks (ties share the mean rank)."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    ranks = np.empty(x.size, np.float64)
    bounds = np.flatnonzero(np.diff(xs)) + 1
    starts = np.concatenate(([0], bounds))
    ends = np.concatenate((bounds, [x.size]))
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        ranks[order[s:e]] = (s + e - 1) / 2.0
    return ranks


def spearman(x: FloatArray, y: FloatArray) -> float | None:
    """Spearman's rank correlation (Pearson on average ranks); None when undefined."""
    if x.size < 3:
        return None
    rx, ry = _ranks(x), _ranks(y)
    sx, sy = rx.std(), ry.std()
    if sx == 0 or sy == 0:
        return None
    return float(((rx - rx.mean()) * (ry - ry.mean())).mean() / (sx * sy))


def _text(title: str | None, abstract: str | None) -> str | None:
    text = " ".join(t for t in (title, abstract) if t)
    return text or None


def _pick(rows: list[dict[str, Any]], values: FloatArray, order: IntArray) -> list[PaperNovelty]:
    return [
        PaperNovelty(
            rows[i]["id"],
            rows[i]["title"],
            rows[i]["year"],
            rows[i]["category"],
            int(rows[i]["citations"]),
            float(values[i]),
        )
        for i in order.tolist()
    ]


def run_novelty(
    driver: Driver,
    database: str,
    *,
    write: bool = False,
    top: int = 5,
    category: str | None = None,
    year: int | None = None,
    batch_size: int = WRITE_BATCH,
) -> NoveltyOutcome:
    """Computes paper and author novelty over every loaded paper; ``write`` publishes them
    with two ``AnalysisRun`` nodes (one per label) through :mod:`graph.analytics.runs`.
    ``category``/``year`` only choose which papers the top lists and the correlation show."""
    t0 = time.perf_counter()
    records, _, _ = driver.execute_query(
        queries.NOVELTY_PAPERS, database_=database, routing_=RoutingControl.READ
    )
    rows = [dict(r) for r in records]
    t1 = time.perf_counter()
    values = novelty_scores(
        [_text(r["title"], r["abstract"]) for r in rows],
        [order_key(r["date"], r["year"]) for r in rows],
        [r["category"] for r in rows],
    )
    t2 = time.perf_counter()
    has = ~np.isnan(values)
    scored_idx = np.flatnonzero(has)
    paper_ids = [rows[i]["id"] for i in scored_idx.tolist()]
    paper_values = {rows[i]["id"]: float(values[i]) for i in scored_idx.tolist()}

    shown = np.asarray(
        [
            bool(has[i])
            and (category is None or rows[i]["category"] == category)
            and (year is None or rows[i]["year"] == year)
            for i in range(len(rows))
        ],
        dtype=bool,
    )
    sel = np.flatnonzero(shown)
    by_value = sel[np.lexsort(([rows[i]["id"] for i in sel.tolist()], values[sel]))]
    citations = np.asarray([float(rows[i]["citations"]) for i in sel.tolist()])
    rho = spearman(values[sel], citations)

    auth_records, _, _ = driver.execute_query(
        queries.NOVELTY_AUTHORSHIPS, ids=paper_ids, database_=database,
        routing_=RoutingControl.READ,
    )  # fmt: skip
    pairs = auth_records[0] if auth_records else {"authors": [], "papers": []}
    names, means, counts = author_means(pairs["authors"], pairs["papers"], paper_values)
    t3 = time.perf_counter()
    outcome = NoveltyOutcome(
        papers=len(rows),
        scored=len(paper_ids),
        authors=len(names),
        most=_pick(rows, values, by_value[::-1][:top]),
        least=_pick(rows, values, by_value[:top]),
        spearman_citations=None if rho is None else round(rho, 4),
        timings_ms={"read": (t1 - t0) * 1e3, "compute": (t2 - t1) * 1e3 + (t3 - t2) * 1e3},
    )
    if write:
        parameters = {
            "text": "title+abstract",
            "weighting": "tf=1+ln(count), idf=ln((1+N)/(1+df))+1, l2",
            "compare": "strictly earlier papers of the same primary category",
            "author": "mean over scored papers",
        }
        paper_result = AlgorithmResult(ALGORITHM, {PAPER_KEY: values[scored_idx]}, dict(parameters))
        outcome.paper_run_id = _write(
            driver, database, GraphSpec(GraphKind.CITATION), paper_ids, paper_result,
            {PAPER_KEY: PAPER_KEY}, batch_size,
        )  # fmt: skip
        author_result = AlgorithmResult(
            ALGORITHM,
            {AUTHOR_KEY: means, AUTHOR_PAPERS_KEY: counts.astype(np.float64)},
            dict(parameters),
        )
        outcome.author_run_id = _write(
            driver, database, GraphSpec(GraphKind.COAUTHORSHIP), names, author_result,
            {AUTHOR_KEY: AUTHOR_KEY, AUTHOR_PAPERS_KEY: AUTHOR_PAPERS_KEY}, batch_size,
        )  # fmt: skip
        outcome.timings_ms["write"] = (time.perf_counter() - t3) * 1e3
    outcome.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
    return outcome


def _write(
    driver: Driver,
    database: str,
    spec: GraphSpec,
    node_ids: list[str],
    result: AlgorithmResult,
    keys: dict[str, str],
    batch_size: int,
) -> str:
    """One atomic write run (RUNNING → staged batches → publish → COMPLETE)."""
    started = time.perf_counter()
    run = start_run(driver, database, spec, ALGORITHM)
    try:
        primary = result.values[result.primary]
        order = np.argsort(-primary, kind="stable")[:10]
        outcome = AnalysisOutcome(
            spec=spec,
            algorithm=ALGORITHM,
            parameters=result.parameters,
            node_count=len(node_ids),
            edge_count=0,
            result_keys=keys,
            top={result.primary: [ScoredNode(node_ids[i], float(primary[i])) for i in order]},
        )
        written = write_run(
            driver, database, run, outcome, node_ids, result,
            batch_size=batch_size, started=started,
        )  # fmt: skip
    except BaseException as e:
        fail_run(driver, database, run, e)
        raise
    assert written.run_id is not None
    return written.run_id


__all__ = [
    "author_means",
    "novelty_scores",
    "order_key",
    "run_novelty",
    "spearman",
    "tfidf",
    "tokens",
]
