"""What a server does before its first request when asked (``scholargraph serve --snapshot``,
``SCHOLARGRAPH_SNAPSHOT_AT_START``): it builds the analytics snapshot, then sends a few
representative requests through its own schema (a filtered page and the page after it, a count
with facets, influence, rising authors, an author's profile, a collaboration path, a paper with
its similar papers, a search). Neo4j then holds plans for their queries and the process has run
their code paths, so the first user request of each shape does not pay for either
(docs/read-path.md: on the demo graph, the first filtered page took 123–208 ms without this,
most of it Cypher planning).

The ids come from the snapshot: the most cited paper, its first two authors, its most specific
category and its year. Runs in the background; a failed request is logged and counted, never
raised (``/healthz`` shows the count).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import strawberry

from api.context import Context
from graph.repository import ReadScope
from graph.settings import AppSettings
from graph.snapshot import SNAPSHOTS, Snapshot

logger = logging.getLogger("scholargraph.api")

PAGE = """query($where: PaperWhere, $after: String) {
  papers(first: 20, after: $after, where: $where, orderBy: [CITATION_COUNT_DESC]) {
    edges { node { id title year citationCount authors { id name } } }
    pageInfo { hasNextPage endCursor } } }"""
# a page without the authors reads the papers with another query (no authorships)
PAGE_PAPERS = """query($where: PaperWhere) {
  papers(first: 20, where: $where, orderBy: [CITATION_COUNT_DESC]) {
    edges { node { id title year citationCount } } pageInfo { hasNextPage endCursor } } }"""
COUNT = """query($where: PaperWhere) { papers(first: 0, where: $where) { totalCount
  facets(first: 10) { years { values { year count } }
    categories { values { category { id name } count } }
    venues { values { venue { id name } count } } } } }"""
INFLUENCE = """query($cat: ID, $from: Int, $to: Int) {
  influentialPapers(category: $cat, yearFrom: $from, yearTo: $to, first: 10) {
    score citations paper { id title year } }
  influentialAuthors(category: $cat, yearFrom: $from, yearTo: $to, first: 10) {
    score paperCount author { id name } } }"""
RISING = """query($cat: ID) { risingAuthors(category: $cat, first: 10) {
  recentWindow { start end } authors { velocityChange author { id name } } } }"""
PROFILE = """query($id: ID!) { author(id: $id) { id name paperCount citationCount hIndex
  papers(first: 20, orderBy: [CITATION_COUNT_DESC]) {
    edges { node { id title year citationCount authors { id name } } } }
  coauthorConnection(first: 10) { edges { node { jointPaperCount author { id name } } } }
  topCitingAuthors(first: 10) { totalCitations authors { citations author { id name } } } } }"""
PAPER = """query($id: ID!) { paper(id: $id) { id title year citationCount
  authors { id name } categories { id name }
  similar(first: 10) { score paper { id title year } } } }"""
PATH = """query($from: ID!, $to: ID!) { collaborationPath(from: $from, to: $to, maxHops: 6) {
  length authors { id name } hops { jointPaperCount } } }"""
SEARCH = """query($q: String!) { searchConnection(query: $q, first: 10) { edges { node { score
  ... on PaperHit { paper { id title year } } ... on AuthorHit { author { id name } } } } } }"""


@dataclass
class WarmUp:
    """How the warm-up went (``/healthz``)."""

    state: str = "none"  # none | waiting (for the snapshot) | running | done
    requests: int = 0
    failed: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "requests": self.requests, "failed": self.failed,
                "seconds": round(self.seconds, 2)}  # fmt: skip


def sample(snap: Snapshot) -> dict[str, Any] | None:
    """The ids the warm-up asks about: the most cited paper with a year, two of its authors,
    the smallest category that holds it, its year (None on an empty graph)."""
    dated = np.flatnonzero(snap.has_year & ~snap.stub)
    if dated.shape[0] == 0:
        return None
    v = int(dated[np.argmax(snap.cited_by[dated])])
    out: dict[str, Any] = {"paper": snap.paper_ids[v], "year": int(snap.year[v])}
    authors = snap.auth_author[snap.auth_ptr[v] : snap.auth_ptr[v + 1]]
    if authors.shape[0]:
        out["author"] = snap.author_ids[int(authors[0])]
    if authors.shape[0] > 1:
        out["coauthor"] = snap.author_ids[int(authors[1])]
    sizes = np.diff(snap.cat_ptr)
    holding = [
        i
        for i in range(len(snap.category_ids))
        if np.any(snap.cat_papers[snap.cat_ptr[i] : snap.cat_ptr[i + 1]] == v)
    ]
    if holding:
        out["category"] = snap.category_ids[min(holding, key=lambda i: int(sizes[i]))]
    return out


def requests(ids: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The (query, variables) the warm-up sends, for what ``ids`` holds."""
    year = ids["year"]
    out: list[tuple[str, dict[str, Any]]] = []
    if "category" in ids:
        cat = ids["category"]
        # a whole category: full pages (Neo4j keeps a plan per size class of a list
        # parameter, so a page of 3 ids would not plan the query a page of 21 ids runs)
        where = {"category": {"in": [cat]}}
        out += [
            (PAGE, {"where": where}),
            (PAGE_PAPERS, {"where": where}),
            (COUNT, {"where": {**where, "year": {"gte": year - 1, "lte": year}}}),
            (INFLUENCE, {"cat": cat, "from": year - 1, "to": year}),
            (RISING, {"cat": cat}),
        ]
    if "author" in ids:
        out.append((PROFILE, {"id": ids["author"]}))
    if "coauthor" in ids:  # builds the co-author graph the paths are searched in
        out.append((PATH, {"from": ids["author"], "to": ids["coauthor"]}))
    out.append((PAPER, {"id": ids["paper"]}))
    return out


async def warm_up(
    schema: strawberry.Schema, scope: ReadScope, settings: AppSettings, status: WarmUp
) -> None:
    """Build the snapshot, then send the warm-up requests one at a time (module docstring)."""
    status.state = "waiting"
    snap = await SNAPSHOTS.get(scope)
    status.state = "running"
    started = time.perf_counter()
    ids = sample(snap)
    todo = requests(ids) if ids is not None else []
    for query, variables in todo:
        result = await schema.execute(
            query, variable_values=variables, context_value=Context(scope=scope, settings=settings)
        )
        status.requests += 1
        if result.errors:
            status.failed += 1
            logger.warning("warm-up request failed: %s (%s)", result.errors[0], query[:60])
        elif query is PAGE and variables.get("after") is None and result.data:
            info = result.data["papers"]["pageInfo"]
            if info["hasNextPage"]:  # the page after it: the cursor's seek
                todo.append((PAGE, {**variables, "after": info["endCursor"]}))
        elif query is PAPER and result.data and result.data["paper"]:
            words = re.findall(r"[^\W\d_]{4,}", result.data["paper"]["title"] or "")
            if words:  # a word of its title, searched
                todo.append((SEARCH, {"q": max(words, key=len)}))
    status.seconds = time.perf_counter() - started
    status.state = "done"
    logger.info("warm-up: %d requests (%d failed) in %.2fs", status.requests, status.failed,
                status.seconds)  # fmt: skip
