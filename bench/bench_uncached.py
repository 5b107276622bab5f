"""Uncached workload benchmark: ``python -m bench.bench_uncached`` (``--help`` for options).

Over a thousand distinct requests drawn from the loaded graph with a fixed seed (author profiles,
filtered and sorted pages at depth 1, 10 and 100, counts over broad and narrow filters, facets,
influence for random (category, period), rising authors, similar papers, citing authors, search,
collaboration paths), sent once each to ``scholargraph serve`` (uvicorn, in a subprocess) with
the response cache off, at 1 and then 16 concurrent clients, in a shuffled order that mixes the
classes. Reports p50/p99 per class, and per class the Bolt queries of one request and the time
the database reported for them (a second, instrumented server whose driver logs every RUN it
sends and every SUCCESS with the server's ``t_first``/``t_last``; requests sent one at a time).

Then the peer side by side: the Neo4j GraphQL Library (``bench/peer``, Node) over the same
database answers the profile and filtered-page requests it can express; the answers are checked
equal field by field on a sample, both sides get the same warm-up and the same driver pool size
(100), and both are measured in turns at 1 and 16 clients.

Request classes the schema does not offer yet (facets) are left out and named in the results.
Without ``NEO4J_URI`` a fresh Neo4j is started in a temp dir and the Paperscape set is loaded;
with ``NEO4J_URI`` and ``--skip-load`` the graph there is only read. Writes
bench/results/uncached-<label>.json and bench/results/peer-<label>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from neo4j import Driver, GraphDatabase

from bench.bench_api import PROFILE, percentile, wait_for
from bench.common import PAPERSCAPE, RESULTS, ROOT, machine

DB = "neo4j"
PEER_DIR = ROOT / "bench" / "peer"
POOL_SIZE = 100  # driver connections on both sides (the Python driver's default)
SEED = 12

# --- requests --------------------------------------------------------------------------------

PAGE = """query($where: PaperWhere, $order: [PaperOrder!], $after: String) {
  papers(first: 20, after: $after, where: $where, orderBy: $order) {
    edges { cursor node { id title year citationCount } } pageInfo { hasNextPage endCursor } } }"""

WALK = """query($where: PaperWhere, $order: [PaperOrder!], $after: String, $first: Int) {
  papers(first: $first, after: $after, where: $where, orderBy: $order) {
    pageInfo { hasNextPage endCursor } } }"""

COUNT = """query($where: PaperWhere) { papers(first: 0, where: $where) { totalCount } }"""

INFLUENTIAL_PAPERS = """query($cat: ID, $from: Int, $to: Int) {
  influentialPapers(category: $cat, yearFrom: $from, yearTo: $to, first: 10) {
    score citations paper { id title year } } }"""

INFLUENTIAL_AUTHORS = """query($cat: ID, $from: Int, $to: Int, $by: InfluenceMeasure!) {
  influentialAuthors(category: $cat, yearFrom: $from, yearTo: $to, by: $by, first: 10) {
    score paperCount author { id name } } }"""

RISING = """query($cat: ID, $year: Int) { risingAuthors(category: $cat, year: $year, first: 10) {
  previousWindow { start end } recentWindow { start end }
  authors { velocityChange recentVelocity author { id name } } } }"""

SIMILAR = """query($id: ID!) { paper(id: $id) { id title
  similar(first: 10) { score cocitation coupling paper { id title year } } } }"""

CITING = """query($id: ID!) { author(id: $id) { id name
  topCitingAuthors(first: 10) { totalCitations selfCitations
    authors { citations citingPapers author { id name } } } } }"""

SEARCH_LIST = """query($q: String!) { search(query: $q, first: 10) { score
  ... on PaperHit { paper { id title year } } ... on AuthorHit { author { id name } }
  ... on VenueHit { venue { id name } } } }"""

PATH = """query($from: ID!, $to: ID!) { collaborationPath(from: $from, to: $to, maxHops: 6) {
  length authors { id name } hops { jointPaperCount } } }"""

# The subset the peer can express, asked of both sides; answers compared after `normalise`.
SHARED_PROFILE = """query($id: ID!) { author(id: $id) { id name paperCount citationCount hIndex
  papers(first: 20, orderBy: [CITATION_COUNT_DESC]) {
    edges { node { id title year citationCount authors { id name } } } }
  coauthors(first: 10) { %s } } }"""
SHARED_COAUTHORS_LIST = "jointPaperCount author { id name }"

PEER_PROFILE = """query($id: ID!) { authors(where: {id: {eq: $id}}) {
  id name paperCount citationCount hIndex
  papers(limit: 20, sort: [{citationCount: DESC}, {id: ASC}]) {
    id title year citationCount
    authorsConnection(sort: [{edge: {position: ASC}}, {node: {id: ASC}}]) {
      edges { node { id name } } } }
  coauthors(first: 10) { id name jointPaperCount } } }"""

PEER_PAGE = """query($where: PaperWhere, $offset: Int) {
  papers(where: $where, sort: [{citationCount: DESC}, {year: DESC}, {id: ASC}],
         limit: 20, offset: $offset) { id title year citationCount } }"""

ORDERS: list[list[str]] = [
    ["CITATION_COUNT_DESC"],
    ["YEAR_DESC", "CITATION_COUNT_DESC"],
    ["DATE_DESC"],
    ["TITLE_ASC"],
]
SHARED_ORDER = ["CITATION_COUNT_DESC", "YEAR_DESC"]

# Distinct requests per class in a full run (quick: a fifth); about 1,100 with facets.
FULL_COUNTS: dict[str, int] = {
    "profile": 200,
    "page_depth1": 100,
    "page_depth10": 60,
    "page_depth100": 40,
    "count_broad": 40,
    "count_narrow": 60,
    "facets": 60,
    "influence": 80,
    "rising": 40,
    "similar": 100,
    "citing_authors": 80,
    "search": 100,
    "path": 80,
}
GOALS_MS: dict[str, float] = {  # p99 at 16 clients on the 1M corpus (issue 12)
    "profile": 100,
    "page_depth1": 50,
    "page_depth10": 50,
    "page_depth100": 50,
    "count_broad": 200,
    "count_narrow": 200,
    "facets": 200,
    "influence": 500,
    "rising": 500,
    "similar": 50,
}
STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        """about above after again against among between both could during each every first from
        further have having into itself might more most other over same should some such than
        that their them then there these they this those through under until very were what when
        where which while with within would your using based study note""",
    )
)


@dataclass(frozen=True, slots=True)
class Request:
    klass: str
    query: str
    variables: dict[str, Any]

    def body(self) -> dict[str, Any]:
        return {"query": self.query, "variables": self.variables}


@dataclass(slots=True)
class Sample:
    """Real ids and shapes drawn from the graph (bench-only sampling reads)."""

    authors: list[str]
    cited_authors: list[str]
    papers: list[str]
    titles: list[str]
    categories: dict[str, int]  # id -> papers directly in it
    parents: set[str]  # categories with subcategories
    cat_years: dict[str, dict[int, int]]  # id -> year -> papers directly in it
    years: dict[int, int]


# --- pure helpers (unit-tested) --------------------------------------------------------------


def stats_ms(values: Sequence[float]) -> dict[str, float | int | None]:
    """n, p50, p99, mean and max of latencies in ms (None when there are none)."""
    if not values:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "mean_ms": None, "max_ms": None}
    return {
        "n": len(values),
        "p50_ms": round(percentile(list(values), 50), 2),
        "p99_ms": round(percentile(list(values), 99), 2),
        "mean_ms": round(sum(values) / len(values), 2),
        "max_ms": round(max(values), 2),
    }


_RUN = re.compile(r"C: RUN\b")
_TIMING = re.compile(r"""['"]t_(first|last)['"]\s*:\s*\{?\s*(?:['"]?low['"]?\s*:\s*)?['"]?(\d+)""")


def split_runs(text: str) -> list[tuple[str, int]]:
    """Each query sent (its ``C: RUN`` line) with the server-reported ms that followed it:
    ``t_first`` (until the first record was available) plus ``t_last`` (until the last was
    consumed), from the SUCCESS summaries as the Python and the JavaScript drivers log them."""
    runs: list[tuple[str, int]] = []
    for line in text.splitlines():
        if _RUN.search(line):
            runs.append((line, 0))
        elif runs:
            ms = sum(int(m.group(2)) for m in _TIMING.finditer(line))
            if ms:
                runs[-1] = (runs[-1][0], runs[-1][1] + ms)
    return runs


def parse_bolt_log(text: str) -> tuple[int, int]:
    """(queries sent, server-reported ms) of a stretch of driver debug log."""
    runs = split_runs(text)
    return len(runs), sum(ms for _, ms in runs)


def title_word(title: str, rng: random.Random) -> str | None:
    """A search term a user might type: a word of 5+ letters from a real title."""
    words = [w.lower() for w in re.findall(r"[A-Za-z]{5,}", title or "")]
    words = [w for w in words if w not in STOPWORDS]
    return rng.choice(words) if words else None


def unwrap(value: Any) -> Any:
    """Connections as plain lists (``{edges: [{node: x}]}`` -> ``[x]``), recursively."""
    if isinstance(value, dict):
        if set(value) == {"edges"} and isinstance(value["edges"], list):
            return [unwrap(e.get("node", e)) for e in value["edges"]]
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def normalise_profile(data: dict[str, Any], peer: bool) -> dict[str, Any] | None:
    """One shape for both sides' profile answers: the author's figures, the 20 papers in order
    with their authors in author-list order, the co-authors as (id, name, joint papers)."""
    if peer:
        found = data.get("authors") or []
        if not found:
            return None
        a = found[0]
        papers = [
            {
                **{k: p[k] for k in ("id", "title", "year", "citationCount")},
                "authors": unwrap(p["authorsConnection"]),
            }
            for p in a["papers"]
        ]
        coauthors = [(c["id"], c["name"], c["jointPaperCount"]) for c in a["coauthors"]]
    else:
        a = data.get("author")
        if a is None:
            return None
        a = unwrap(a)
        papers = list(a["papers"])
        coauthors = [
            (c["author"]["id"], c["author"]["name"], c["jointPaperCount"]) for c in a["coauthors"]
        ]
    head = {k: a[k] for k in ("id", "name", "paperCount", "citationCount", "hIndex")}
    return {**head, "papers": papers, "coauthors": coauthors}


def normalise_page(data: dict[str, Any], peer: bool) -> list[dict[str, Any]]:
    rows = data["papers"] if peer else [e["node"] for e in data["papers"]["edges"]]
    return [{k: r[k] for k in ("id", "title", "year", "citationCount")} for r in rows]


def first_difference(a: Any, b: Any, path: str = "") -> str | None:
    """Where two JSON values first differ (None when equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            d = first_difference(a.get(k), b.get(k), f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return f"{path}: {len(a)} vs {len(b)} items"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            d = first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    return None if a == b else f"{path}: {a!r} vs {b!r}"


def cursor_kind(cursor: str | None) -> str:
    """``keyset`` (sort-key values), ``offset`` or ``unknown``, from an endCursor."""
    if not cursor:
        return "unknown"
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except ValueError:
        return "unknown"
    if raw.startswith(b"{") and b'"k"' in raw:
        return "keyset"
    return "offset" if raw[:4].isalnum() or raw.startswith(b"sg") else "unknown"


# --- schema discovery ------------------------------------------------------------------------

INTROSPECTION = """{ __schema { types { name kind
  fields { name args { name defaultValue type { kind name ofType { kind name ofType { kind name
    ofType { kind name } } } } }
    type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
  enumValues { name } } } }"""


def _named(t: dict[str, Any]) -> tuple[str, bool, bool]:
    """(type name, is a list, is non-null) of an introspected type reference."""
    is_list = non_null = False
    first = True
    while t.get("ofType") is not None and t["kind"] in ("NON_NULL", "LIST"):
        if t["kind"] == "LIST":
            is_list = True
        if t["kind"] == "NON_NULL" and first:
            non_null = True
        first = False
        t = t["ofType"]
    return t["name"], is_list, non_null


@dataclass(slots=True)
class SchemaInfo:
    types: dict[str, dict[str, Any]]
    notes: dict[str, str] = field(default_factory=dict)

    def field(self, type_name: str, name: str) -> dict[str, Any] | None:
        for f in self.types.get(type_name, {}).get("fields") or []:
            if f["name"] == name:
                return dict(f)
        return None

    def selection(self, type_name: str, depth: int = 2) -> str:
        """Every field without required arguments, objects ``depth`` levels down, entities (a
        type with an ``id``) as their id and name: enough to ask a field whose shape this
        benchmark does not know (facets, a search connection)."""
        t = self.types.get(type_name)
        if t is None or t["kind"] in ("SCALAR", "ENUM"):
            return ""
        parts: list[str] = ["__typename"] if t["kind"] in ("INTERFACE", "UNION") else []
        names = {f["name"] for f in t.get("fields") or []}
        if "id" in names and parts == []:  # an entity (category, venue, author): as a client would
            return " ".join(n for n in ("id", "name", "title") if n in names)
        for f in t.get("fields") or []:
            if any(_named(a["type"])[2] and a["defaultValue"] is None for a in f["args"]):
                continue
            name, _, _ = _named(f["type"])
            kind = self.types.get(name, {}).get("kind", "SCALAR")
            if kind in ("SCALAR", "ENUM"):
                parts.append(f["name"])
            elif depth > 0:
                sub = self.selection(name, depth - 1)
                if sub:
                    parts.append(f"{f['name']} {{ {sub} }}")
        return " ".join(parts)


def discover(url: str) -> SchemaInfo:
    r = httpx.post(url, json={"query": INTROSPECTION}, timeout=60)
    r.raise_for_status()
    types = {t["name"]: t for t in r.json()["data"]["__schema"]["types"]}
    return SchemaInfo(types)


def facet_query(info: SchemaInfo) -> str | None:
    """A papers query selecting every facet field of the connection, or None without facets."""
    fields = [
        f
        for f in info.types.get("PaperConnection", {}).get("fields") or []
        if "facet" in f["name"].lower() or f["name"].lower().startswith("by")
    ]
    if not fields:
        return None
    parts = []
    for f in fields:
        name, _, _ = _named(f["type"])
        sub = info.selection(name, 3)
        args = []
        for a in f["args"]:  # a required enum list (which facets): ask for all of them
            an, is_list, required = _named(a["type"])
            if required and a["defaultValue"] is None:
                values = [v["name"] for v in info.types.get(an, {}).get("enumValues") or []]
                if not values:
                    break
                args.append(
                    f"{a['name']}: [{', '.join(values)}]"
                    if is_list
                    else f"{a['name']}: {values[0]}"
                )
        else:
            arg_text = f"({', '.join(args)})" if args else ""
            parts.append(f"{f['name']}{arg_text}" + (f" {{ {sub} }}" if sub else ""))
    if not parts:
        return None
    return (
        f"query($where: PaperWhere) {{ papers(first: 0, where: $where) {{ {' '.join(parts)} }} }}"
    )


def search_query(info: SchemaInfo) -> str:
    """The list form of ``search``, or every field of whatever it returns now."""
    f = info.field("Query", "search")
    name, is_list, _ = _named(f["type"]) if f else ("SearchHit", True, True)
    if is_list and name == "SearchHit":
        return SEARCH_LIST
    return f"query($q: String!) {{ search(query: $q, first: 10) {{ {info.selection(name, 3)} }} }}"


def shared_profile_query(info: SchemaInfo) -> str:
    f = info.field("Author", "coauthors")
    name, is_list, _ = _named(f["type"]) if f else ("Coauthor", True, True)
    sel = SHARED_COAUTHORS_LIST if is_list else f"edges {{ node {{ {SHARED_COAUTHORS_LIST} }} }}"
    return SHARED_PROFILE % sel


def profile_query(info: SchemaInfo) -> str:
    """The API benchmark's profile, its co-author list in whatever form the schema has."""
    f = info.field("Author", "coauthors")
    _, is_list, _ = _named(f["type"]) if f else ("Coauthor", True, True)
    if is_list:
        return PROFILE
    return PROFILE.replace(
        "coauthors(first: 20) { jointPaperCount author { name } }",
        "coauthors(first: 20) { edges { node { jointPaperCount author { name } } } }",
    )


# --- sampling the graph (bench-only reads) ---------------------------------------------------


def _rows(driver: Driver, cypher: str, **params: Any) -> list[Any]:
    return list(driver.execute_query(cypher, params, database_=DB, routing_="r").records)


def sample_graph(driver: Driver, seed: int) -> Sample:
    rng = random.Random(seed)
    # degrees from the relationship-count store, not the stored metrics (which a graph whose
    # metrics step has not run lacks)
    authors = sorted(r["id"] for r in _rows(
        driver, "MATCH (a:Author) WHERE COUNT { (a)-[:AUTHORED]->() } >= $min RETURN a.id AS id",
        min=3))  # fmt: skip
    cited = sorted(r["id"] for r in _rows(
        driver, "MATCH (p:Paper) WHERE COUNT { (p)<-[:CITES]-() } >= $min "
        "MATCH (a:Author)-[:AUTHORED]->(p) RETURN DISTINCT a.id AS id", min=5))  # fmt: skip
    papers = sorted(r["id"] for r in _rows(
        driver, "MATCH (p:Paper) WHERE COUNT { (p)<-[:CITES]-() } >= $min "
        "AND COUNT { (p)-[:CITES]->() } >= $min AND NOT coalesce(p.stub, false) "
        "RETURN p.id AS id", min=2))  # fmt: skip
    picked_titles = rng.sample(papers, min(2000, len(papers)))
    titles = [
        r["t"]
        for r in _rows(
            driver,
            "UNWIND $ids AS id MATCH (p:Paper {id: id}) RETURN p.title AS t ORDER BY id",
            ids=picked_titles,
        )
    ]
    cats = {
        r["id"]: r["n"]
        for r in _rows(
            driver, "MATCH (c:Category) RETURN c.id AS id, COUNT { (c)<-[:IN_CATEGORY]-() } AS n"
        )
    }
    parents = {
        r["id"]
        for r in _rows(
            driver, "MATCH (c:Category)<-[:SUBCATEGORY_OF]-() RETURN DISTINCT c.id AS id"
        )
    }
    cat_years: dict[str, dict[int, int]] = defaultdict(dict)
    for r in _rows(
        driver,
        "MATCH (p:Paper)-[:IN_CATEGORY]->(c:Category) WHERE p.year IS NOT NULL "
        "RETURN c.id AS c, p.year AS y, count(*) AS n",
    ):
        cat_years[r["c"]][int(r["y"])] = int(r["n"])
    years = {
        int(r["y"]): int(r["n"])
        for r in _rows(
            driver, "MATCH (p:Paper) WHERE p.year IS NOT NULL RETURN p.year AS y, count(*) AS n"
        )
    }
    return Sample(authors, cited, papers, titles, cats, parents, dict(cat_years), years)


# --- the workload ----------------------------------------------------------------------------


def _span(rng: random.Random, sample: Sample, need: int, tries: int = 200) -> tuple[str, int, int]:
    """A (category, yearFrom, yearTo) with at least ``need`` papers directly in the category."""
    cats = sorted(c for c, ys in sample.cat_years.items() if sum(ys.values()) >= need)
    if not cats:
        raise RuntimeError(f"no category has {need} papers with a year")
    for _ in range(tries):
        cat = rng.choice(cats)
        ys = sorted(sample.cat_years[cat])
        width = rng.randint(1, 6)
        start = rng.choice(ys)
        end = start + width - 1
        if sum(n for y, n in sample.cat_years[cat].items() if start <= y <= end) >= need:
            return cat, start, end
    cat = max(cats, key=lambda c: sum(sample.cat_years[c].values()))
    return cat, min(sample.cat_years[cat]), max(sample.cat_years[cat])


def _where(cat: str, y0: int, y1: int, min_cites: int) -> dict[str, Any]:
    w: dict[str, Any] = {"year": {"gte": y0, "lte": y1}, "category": {"in": [cat]}}
    if min_cites:
        w["citationCount"] = {"gte": min_cites}
    return w


def build_requests(
    sample: Sample, info: SchemaInfo, counts: dict[str, int], seed: int
) -> tuple[list[Request], dict[str, str]]:
    """The distinct requests of every class the schema offers, and why any class is left out.
    Pages at depth 10 and 100 carry ``$depth``; their cursors are found by walking (setup)."""
    rng = random.Random(seed)
    out: list[Request] = []
    skipped: dict[str, str] = {}
    years = sorted(sample.years)
    big_years = [y for y in years if sample.years[y] >= 20]
    ranked = sorted(sample.categories, key=lambda c: -sample.categories[c])

    profile = profile_query(info)
    for a in rng.sample(sample.authors, min(counts["profile"], len(sample.authors))):
        out.append(Request("profile", profile, {"id": a}))
    for depth, klass in ((1, "page_depth1"), (10, "page_depth10"), (100, "page_depth100")):
        seen: set[str] = set()
        # every walk to page 100 also yields a page-10 request (place_cursors)
        wanted = counts[klass] - (counts["page_depth100"] if depth == 10 else 0)
        for _ in range(max(0, wanted) * 5):
            if len([r for r in out if r.klass == klass]) >= wanted:
                break
            need = 20 * depth + 20
            cat, y0, y1 = _span(rng, sample, need * 2 if depth > 1 else 40)
            min_cites = rng.choice([0, 1, 5]) if depth == 1 else 0
            order = rng.choice(ORDERS)
            v = {"where": _where(cat, y0, y1, min_cites), "order": order, "depth": depth}
            key = json.dumps(v, sort_keys=True)
            if key not in seen:
                seen.add(key)
                out.append(Request(klass, PAGE, v))
    for _ in range(counts["count_broad"]):
        if rng.random() < 0.5 and sample.parents:
            where: dict[str, Any] = {"category": {"in": [rng.choice(sorted(sample.parents))]}}
        elif rng.random() < 0.5:
            where = {"category": {"in": [rng.choice(ranked[:10])]}}
        else:
            where = {"year": {"gte": rng.choice(big_years)}}
        out.append(Request("count_broad", COUNT, {"where": where}))
    for _ in range(counts["count_narrow"]):
        cat, y0, y1 = _span(rng, sample, 5)
        where = _where(cat, y0, y1, rng.choice([1, 5, 10]))
        out.append(Request("count_narrow", COUNT, {"where": where}))
    facets = facet_query(info)
    if facets is None:
        skipped["facets"] = "the schema has no facet fields on PaperConnection yet"
    else:
        for _ in range(counts["facets"]):
            if rng.random() < 0.3:
                where = {"category": {"in": [rng.choice(ranked[:20])]}}
            else:
                cat, y0, y1 = _span(rng, sample, 20)
                where = _where(cat, y0, y1, rng.choice([0, 1, 5]))
            out.append(Request("facets", facets, {"where": where}))
    for i in range(counts["influence"]):
        cat, y0, y1 = _span(rng, sample, 50)
        if i % 2:
            out.append(Request("influence", INFLUENTIAL_PAPERS, {"cat": cat, "from": y0, "to": y1}))
        else:
            by = rng.choice(["PAGERANK", "CITATIONS", "HINDEX"])
            out.append(
                Request(
                    "influence", INFLUENTIAL_AUTHORS, {"cat": cat, "from": y0, "to": y1, "by": by}
                )
            )
    for i in range(counts["rising"]):
        cat, _, y1 = _span(rng, sample, 100)
        year = None if i % 2 else max(y1, years[0] + 4)
        out.append(Request("rising", RISING, {"cat": cat, "year": year}))
    for p in rng.sample(sample.papers, min(counts["similar"], len(sample.papers))):
        out.append(Request("similar", SIMILAR, {"id": p}))
    pool = sample.cited_authors or sample.authors
    for a in rng.sample(pool, min(counts["citing_authors"], len(pool))):
        out.append(Request("citing_authors", CITING, {"id": a}))
    search = search_query(info)
    terms: list[str] = []
    for t in rng.sample(sample.titles, len(sample.titles)):
        w = title_word(t, rng)
        if w and w not in terms:
            terms.append(w)
        if len(terms) >= counts["search"]:
            break
    out += [Request("search", search, {"q": w}) for w in terms]
    for _ in range(counts["path"]):
        a, b = rng.sample(sample.authors, 2)
        out.append(Request("path", PATH, {"from": a, "to": b}))
    return out, skipped


async def _post(http: httpx.AsyncClient, url: str, body: dict[str, Any]) -> dict[str, Any]:
    r = await http.post(url, json=body)
    r.raise_for_status()
    return dict(r.json())


async def place_cursors(url: str, requests: list[Request], parallel: int = 4) -> list[Request]:
    """Deep pages: walk each filter to its page (``first`` up to 100 at a time) and put the
    cursor of the page before it in ``after``; a walk to page 100 passes page 10 and yields a
    page-10 request too. A filter that ends before its page is dropped. Order is kept."""
    gate = asyncio.Semaphore(parallel)

    async def walk(http: httpx.AsyncClient, r: Request) -> list[Request]:
        depth = r.variables.get("depth", 1)
        v = {k: x for k, x in r.variables.items() if k != "depth"}
        if depth == 1:
            return [Request(r.klass, r.query, {**v, "after": None})]
        out: list[Request] = []
        walked, target, after = 0, 20 * (depth - 1), None
        async with gate:
            while walked < target:
                step = min(100, target - walked, 180 - walked if walked < 180 else 100)
                body = {"query": WALK, "variables": {**v, "after": after, "first": step}}
                answer = await _post(http, url, body)
                if answer.get("errors") or not answer.get("data"):
                    return []  # a step past the deadline: the filter is left out
                page = answer["data"]["papers"]["pageInfo"]
                after, walked = page["endCursor"], walked + step
                if not page["hasNextPage"]:
                    return []
                if walked == 180 and depth == 100:
                    out.append(Request("page_depth10", r.query, {**v, "after": after}))
        return [*out, Request(r.klass, r.query, {**v, "after": after})]

    async with httpx.AsyncClient(timeout=300) as http:
        placed = await asyncio.gather(*(walk(http, r) for r in requests))
    return [r for rs in placed for r in rs]


@dataclass(slots=True)
class Outcome:
    klass: str
    ms: float
    error: str | None


async def run_level(
    url: str, requests: list[Request], clients: int, timeout: float, budget: float
) -> tuple[list[Outcome], float, int]:
    """Every request once, ``clients`` at a time, in the given order; stops starting new ones
    after ``budget`` seconds. (outcomes, elapsed s, requests not started)."""
    outcomes: list[Outcome] = []
    queue = iter(requests)
    stop_at = time.perf_counter() + budget
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as http:

        async def worker() -> None:
            for r in queue:
                if time.perf_counter() > stop_at:
                    return
                t0 = time.perf_counter()
                error = None
                try:
                    resp = await http.post(url, json=r.body())
                    if resp.status_code != 200:
                        error = f"HTTP {resp.status_code}"
                    else:
                        payload = resp.json()
                        if payload.get("errors"):
                            error = str(payload["errors"][0].get("message", "error"))[:160]
                except httpx.TimeoutException:
                    error = f"client timeout ({timeout:.0f} s)"
                except httpx.HTTPError as e:
                    error = type(e).__name__
                outcomes.append(Outcome(r.klass, (time.perf_counter() - t0) * 1000, error))

        t_start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - t_start
    return outcomes, elapsed, len(requests) - len(outcomes)


def summarise(outcomes: list[Outcome], elapsed: float, not_run: int) -> dict[str, Any]:
    by_class: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_class[o.klass].append(o)
    classes = {}
    for klass, os_ in sorted(by_class.items()):
        ok = [o.ms for o in os_ if o.error is None]
        errors: dict[str, int] = defaultdict(int)
        for o in os_:
            if o.error:
                errors[o.error] += 1
        classes[klass] = {
            **stats_ms(ok),
            "errors": sum(errors.values()),
            "error_kinds": dict(errors) or None,
            "p99_ms_errors_included": stats_ms([o.ms for o in os_])["p99_ms"],
        }
    return {
        "requests": len(outcomes),
        "not_run_budget": not_run,
        "elapsed_s": round(elapsed, 1),
        "requests_per_s": round(len(outcomes) / elapsed, 2) if elapsed else None,
        "classes": classes,
    }


# --- servers ---------------------------------------------------------------------------------


def serve_logged(log_path: str, port: int) -> None:
    """``scholargraph serve`` (one worker) with the driver's RUN and SUCCESS lines in a file:
    the instrumented server of the Bolt pass. Run as ``python -c``."""
    import logging

    class _Bolt(logging.Filter):
        def filter(self, record: logging.LogRecord) -> bool:
            text = record.getMessage()
            return "C: RUN" in text or ("S: SUCCESS" in text and "t_" in text)

    handler = logging.FileHandler(log_path)
    handler.addFilter(_Bolt())
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("neo4j.io")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    logger.propagate = False
    sys.argv = ["scholargraph", "serve", "--port", str(port), "--workers", "1"]
    from cli.main import main

    main()


@contextmanager
def our_server(
    uri: str, workers: int, bolt_log: Path | None = None, serve_args: Sequence[str] = ()
) -> Iterator[str]:
    from graph.server import free_port

    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": uri,
        "NEO4J_DATABASE": DB,
        "SCHOLARGRAPH_RESPONSE_CACHE_TTL": "0",
    }
    if bolt_log is None:
        cmd = [sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers", str(workers),
               *serve_args]  # fmt: skip
    else:
        code = f"import bench.bench_uncached as b; b.serve_logged({str(bolt_log)!r}, {port})"
        cmd = [sys.executable, "-c", code]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", proc, timeout=120)
        wait_warm(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        _stop(proc)


def wait_warm(health: str, timeout: float = 600) -> float:
    """Seconds until ``/healthz`` says the server's warm-up at start (the snapshot, then the
    warm-up requests: api/warmup.py) is done or was not asked for: what is measured after it
    does not share the cores with it."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if httpx.get(health, timeout=10).json()["warm_up"]["state"] in ("none", "done"):
            return time.perf_counter() - t0
        time.sleep(0.2)
    raise RuntimeError(f"the server's warm-up did not end within {timeout} s")


@contextmanager
def peer_server(uri: str, bolt_log: Path | None = None) -> Iterator[str]:
    from graph.server import free_port

    port = free_port()
    env = {
        **os.environ,
        "NEO4J_URI": uri,
        "NEO4J_DATABASE": DB,
        "PORT": str(port),
        "POOL_SIZE": str(POOL_SIZE),
    }
    if bolt_log is not None:
        env["BOLT_LOG"] = str(bolt_log)
    proc = subprocess.Popen(
        ["node", "server.mjs"],
        cwd=PEER_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError("the peer server exited (npm ci in bench/peer?)")
            try:
                if httpx.post(url, json={"query": "{__typename}"}, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the peer server did not come up")
            time.sleep(0.3)
        yield url
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def bolt_pass(
    url: str, log: Path, requests: list[Request], per_class: int
) -> dict[str, dict[str, Any]]:
    """Per class, over ``per_class`` requests sent one at a time to an instrumented server:
    Bolt queries per request and the time the database reported for them."""
    by_class: dict[str, list[Request]] = defaultdict(list)
    for r in requests:
        if len(by_class[r.klass]) < per_class:
            by_class[r.klass].append(r)
    out: dict[str, dict[str, Any]] = {}
    with httpx.Client(timeout=300) as http:
        for klass, rs in by_class.items():
            queries, db_ms, e2e = [], [], []
            slowest: tuple[str, int] = ("", -1)
            for r in rs:
                before = log.stat().st_size if log.exists() else 0
                t0 = time.perf_counter()
                http.post(url, json=r.body()).raise_for_status()
                e2e.append((time.perf_counter() - t0) * 1000)
                time.sleep(0.05)  # the log handler flushes per line; let it land
                with log.open("rb") as f:
                    f.seek(before)
                    runs = split_runs(f.read().decode("utf-8", "replace"))
                queries.append(len(runs))
                db_ms.append(sum(ms for _, ms in runs))
                for line, ms in runs:
                    if ms > slowest[1]:
                        slowest = (line[line.index("C: RUN") :][:3000], ms)
            out[klass] = {
                "requests": len(rs),
                "bolt_queries_per_request": {
                    "min": min(queries),
                    "median": sorted(queries)[len(queries) // 2],
                    "max": max(queries),
                },
                "db_ms": stats_ms(db_ms),
                "end_to_end_ms": stats_ms(e2e),
                "slowest_query": {"db_ms": slowest[1], "run": slowest[0]},
            }
    return out


# --- the peer, side by side ------------------------------------------------------------------


def shared_requests(
    requests: list[Request], info: SchemaInfo, n_profile: int, n_page: int, parents: set[str]
) -> list[tuple[Request, Request]]:
    """(ours, peer) pairs: profiles, and pages at depth 1 and 10 ordered by citations then year
    over a category without subcategories (the peer matches a category directly)."""
    profile = shared_profile_query(info)
    pairs: list[tuple[Request, Request]] = []
    for r in [r for r in requests if r.klass == "profile"][:n_profile]:
        pairs.append(
            (
                Request("profile", profile, r.variables),
                Request("profile", PEER_PROFILE, r.variables),
            )
        )
    return pairs + list(_shared_pages(requests, n_page, parents))


def _shared_pages(
    requests: list[Request], n: int, parents: set[str]
) -> Iterator[tuple[Request, Request]]:
    for klass in ("page_depth1", "page_depth10"):
        count = 0
        for r in requests:
            if r.klass != klass or count >= n:
                continue
            if set(r.variables["where"]["category"]["in"]) & parents:
                continue  # the peer matches a category itself, not its subcategories
            count += 1
            w = r.variables["where"]
            peer_where: dict[str, Any] = {
                "year": w["year"],
                "categories": {"some": {"id": {"in": w["category"]["in"]}}},
            }
            if "citationCount" in w:
                peer_where["citationCount"] = w["citationCount"]
            depth = 1 if klass == "page_depth1" else 10
            ours = Request(klass, PAGE, {"where": w, "order": SHARED_ORDER, "depth": depth})
            peer = Request(klass, PEER_PAGE, {"where": peer_where, "offset": 20 * (depth - 1)})
            yield ours, peer


def compare_answers(
    our_url: str, peer_url: str, pairs: list[tuple[Request, Request]], n: int
) -> dict[str, Any]:
    """Both sides' answers to the same requests, normalised and compared field by field."""
    checked: dict[str, int] = defaultdict(int)
    equal: dict[str, int] = defaultdict(int)
    diffs: list[dict[str, Any]] = []
    with httpx.Client(timeout=300) as http:
        for ours, peer in pairs:
            if checked[ours.klass] >= n:
                continue
            a = http.post(our_url, json=ours.body()).json()
            b = http.post(peer_url, json=peer.body()).json()
            if a.get("errors") or b.get("errors"):
                diffs.append(
                    {
                        "class": ours.klass,
                        "variables": ours.variables,
                        "errors": [a.get("errors"), b.get("errors")],
                    }
                )
                checked[ours.klass] += 1
                continue
            if ours.klass == "profile":
                x, y = normalise_profile(a["data"], False), normalise_profile(b["data"], True)
            else:
                x, y = normalise_page(a["data"], False), normalise_page(b["data"], True)
            checked[ours.klass] += 1
            d = first_difference(x, y)
            if d is None:
                equal[ours.klass] += 1
            else:
                diffs.append({"class": ours.klass, "variables": ours.variables, "first": d})
    return {"checked": dict(checked), "equal": dict(equal), "differences": diffs[:10]}


def side_by_side(
    uri: str,
    requests: list[Request],
    info: SchemaInfo,
    quick: bool,
    timeout: float,
    budget: float,
    workdir: Path,
    parents: set[str],
) -> dict[str, Any]:
    """``requests`` as planned (pages with their ``depth``, before any walk)."""
    n_profile, n_page = (40, 20) if quick else (200, 50)
    pairs = shared_requests(requests, info, n_profile + 10, n_page, parents)
    warm, pairs = pairs[:10], pairs[10:]  # the same warm-up on both sides, not measured
    rng = random.Random(SEED + 1)
    order = rng.sample(pairs, len(pairs))
    result: dict[str, Any] = {
        "pool_size": POOL_SIZE,
        "warm_up_requests": len(warm) * 2,
        "servers": {
            "ours": "scholargraph serve, 1 uvicorn worker, response cache off",
            "peer": "@neo4j/graphql + @apollo/server standalone, one Node process",
        },
    }
    with our_server(uri, workers=1) as our_url, peer_server(uri) as peer_url:
        matched: list[tuple[Request, Request]] = []
        for o, p in order:  # a page whose filter ends before its depth is left out on both sides
            walked = [o] if o.klass == "profile" else asyncio.run(place_cursors(our_url, [o]))
            if walked:
                matched.append((walked[0], p))
        result["answers"] = compare_answers(our_url, peer_url, matched, 20)
        for url, idx in ((our_url, 0), (peer_url, 1)):
            asyncio.run(run_level(url, [w[idx] for w in warm] * 2, 4, timeout, budget))
        runs: dict[str, dict[str, Any]] = {}
        for clients in (1, 16):
            for side, url, idx in (("ours", our_url, 0), ("peer", peer_url, 1)):
                outs, elapsed, not_run = asyncio.run(
                    run_level(url, [m[idx] for m in matched], clients, timeout, budget)
                )
                runs[f"{side}_{clients}"] = summarise(outs, elapsed, not_run)
                runs[f"{side}_{clients}"]["load_average"] = os.getloadavg()
                print(side, clients, json.dumps(runs[f"{side}_{clients}"]["classes"]), flush=True)
        result["runs"] = runs
    # database time and queries per request, each side on an instrumented server
    logs = {"ours": workdir / "ours-bolt.log", "peer": workdir / "peer-bolt.log"}
    with our_server(uri, 1, logs["ours"]) as our_url:
        result["bolt_ours"] = bolt_pass(our_url, logs["ours"], [m[0] for m in matched], 10)
    with peer_server(uri, logs["peer"]) as peer_url:
        result["bolt_peer"] = bolt_pass(peer_url, logs["peer"], [m[1] for m in matched], 10)
    result["ratios"] = _ratios(runs)
    return result


def _ratios(runs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for clients in (1, 16):
        ours, peer = runs[f"ours_{clients}"], runs[f"peer_{clients}"]
        entry: dict[str, Any] = {
            "throughput_ours_over_peer": round(ours["requests_per_s"] / peer["requests_per_s"], 2)
            if peer["requests_per_s"]
            else None
        }
        for klass, c in ours["classes"].items():
            p = peer["classes"].get(klass, {})
            if c.get("p99_ms") and p.get("p99_ms"):
                entry[f"{klass}_p99_ours_over_peer"] = round(c["p99_ms"] / p["p99_ms"], 2)
        out[f"clients_{clients}"] = entry
    return out


# --- main ------------------------------------------------------------------------------------


@contextmanager
def _database(skip_load: bool) -> Iterator[tuple[Driver, str, float | None]]:
    """The graph to measure: NEO4J_URI read as it is (``--skip-load``), else a fresh server with
    Paperscape loaded."""
    if skip_load:
        from graph.settings import Neo4jSettings

        settings = Neo4jSettings()
        with GraphDatabase.driver(
            settings.uri, auth=settings.auth(), notifications_min_severity="OFF"
        ) as driver:
            yield driver, settings.uri, None
        return
    from bench.common import neo4j_for_bench, wipe
    from loaders.writer import load_paths

    with neo4j_for_bench(heap="1g", pagecache="512m") as (driver, uri):
        wipe(driver)
        t0 = time.perf_counter()
        load_paths(driver, DB, [PAPERSCAPE])
        yield driver, uri, round(time.perf_counter() - t0, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--label", default="demo", help="results name: uncached-<label>.json")
    ap.add_argument("--skip-load", action="store_true", help="read the graph at NEO4J_URI")
    ap.add_argument("--quick", action="store_true", help="a fifth of the requests")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn workers of the workload server")
    ap.add_argument("--timeout", type=float, default=60.0, help="client timeout per request, s")
    ap.add_argument("--budget", type=float, default=900.0, help="seconds per client level")
    ap.add_argument("--no-peer", action="store_true", help="skip the side-by-side peer run")
    ap.add_argument(
        "--peer-budget", type=float, default=None, help="seconds per side-by-side run (--budget)"
    )
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument(
        "--deep",
        type=int,
        default=None,
        help="pages at depth 100 (each walked in 20 requests first; default 40, quick 8)",
    )
    args = ap.parse_args()

    counts = {k: max(3, v // 5) if args.quick else v for k, v in FULL_COUNTS.items()}
    if args.deep is not None:
        counts["page_depth100"] = args.deep
    workdir = Path(tempfile.mkdtemp(prefix="sg-uncached-"))
    started = time.time()
    with _database(args.skip_load) as (driver, uri, load_s):
        from graph.stats import graph_stats

        stats = graph_stats(driver, DB)
        t0 = time.perf_counter()
        sample = sample_graph(driver, args.seed)
        sample_s = round(time.perf_counter() - t0, 1)
        load_before = os.getloadavg()
        with our_server(uri, args.workers) as url:
            info = discover(url)
            planned, skipped = build_requests(sample, info, counts, args.seed)
            t0 = time.perf_counter()
            requests = asyncio.run(place_cursors(url, planned))
            walk_s = round(time.perf_counter() - t0, 1)
            page1 = next((r for r in requests if r.klass == "page_depth10"), None)
            kind = cursor_kind(page1.variables["after"]) if page1 else "unknown"
            rng = random.Random(args.seed)
            shuffled = rng.sample(requests, len(requests))
            # first request of each class (snapshot builds, plan caches): timed, then excluded
            firsts: dict[str, Any] = {}
            warm = build_requests(sample, info, {k: 1 for k in counts}, args.seed + 99)[0]
            for r in asyncio.run(place_cursors(url, warm)):
                outs, _, _ = asyncio.run(run_level(url, [r], 1, max(args.timeout, 300), 1e9))
                firsts[r.klass] = {"ms": round(outs[0].ms, 1), "error": outs[0].error}
            print("first requests", json.dumps(firsts), flush=True)
            levels = {}
            for clients in (1, 16):
                outs, elapsed, not_run = asyncio.run(
                    run_level(url, shuffled, clients, args.timeout, args.budget)
                )
                levels[f"clients_{clients}"] = {
                    **summarise(outs, elapsed, not_run),
                    "load_average_after": os.getloadavg(),
                }
                print(clients, json.dumps(levels[f"clients_{clients}"]), flush=True)
        with our_server(uri, 1, workdir / "bolt.log") as url:
            bolt = bolt_pass(url, workdir / "bolt.log", shuffled, 5)
        print("bolt", json.dumps(bolt), flush=True)
        peer: dict[str, Any] | None = None
        if not args.no_peer:
            if (PEER_DIR / "node_modules").exists() and shutil.which("node"):
                peer = side_by_side(
                    uri,
                    planned,
                    info,
                    args.quick,
                    args.timeout,
                    args.peer_budget or args.budget,
                    workdir,
                    sample.parents,
                )
            else:
                peer = {"skipped": "bench/peer/node_modules missing: run npm ci in bench/peer"}
    by_class: dict[str, int] = defaultdict(int)
    for r in requests:
        by_class[r.klass] += 1
    goals = {}
    at16 = levels["clients_16"]["classes"]
    for klass, goal in GOALS_MS.items():
        got = at16.get(klass, {}).get("p99_ms_errors_included")
        goals[klass] = {
            "goal_p99_ms": goal,
            "p99_ms_at_16": got,
            "met": None if got is None else got <= goal,
        }
    result = {
        "machine": machine(),
        "label": args.label,
        "dataset": {
            "uri": uri if args.skip_load else "fresh scratch server",
            "name": "Paperscape arXiv 1991-1996" if not args.skip_load else args.label,
            "load_seconds": load_s,
            "nodes": stats["nodes"],
            "relationships": stats["relationships"],
        },
        "server": f"scholargraph serve (uvicorn, {args.workers} worker(s)), "
        "SCHOLARGRAPH_RESPONSE_CACHE_TTL=0",
        "load_generator": "httpx asyncio in the benchmark process (same machine)",
        "load_average_before": load_before,
        "seed": args.seed,
        "distinct_requests": len(requests),
        "requests_per_class": dict(by_class),
        "skipped_classes": skipped,
        "dropped_pages": len(planned) - len(requests),
        "cursor_kind": kind,
        "setup_seconds": {"sample": sample_s, "walk_to_deep_pages": walk_s},
        "first_request_per_class": firsts,
        "levels": levels,
        "bolt": bolt,
        "goals_1m_16_clients": goals,
        "queries": {
            "page": PAGE,
            "count": COUNT,
            "influential_papers": INFLUENTIAL_PAPERS,
            "influential_authors": INFLUENTIAL_AUTHORS,
            "rising": RISING,
            "similar": SIMILAR,
            "citing": CITING,
            "path": PATH,
            "facets": facet_query(info),
            "search": search_query(info),
            "profile": profile_query(info),
        },
        "wall_seconds": round(time.time() - started),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"uncached-{args.label}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("wrote", path)
    if peer is not None:
        peer_path = RESULTS / f"peer-{args.label}.json"
        peer_out = {
            "machine": machine(),
            "label": args.label,
            **peer,
            "queries": {
                "ours_profile": shared_profile_query(info),
                "peer_profile": PEER_PROFILE,
                "ours_page": PAGE,
                "peer_page": PEER_PAGE,
                "order": SHARED_ORDER,
            },
        }
        peer_path.write_text(json.dumps(peer_out, indent=2) + "\n", encoding="utf-8")
        print("wrote", peer_path)
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
