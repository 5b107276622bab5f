"""First requests on the demo graph: ``python -m bench.bench_first_requests``.

The graph is the one ``make demo`` serves, built by the same recipe (``make analyze``: the nine
samples loaded, PageRank and Leiden written, novelty) into a fresh local Neo4j in a temp dir
(``--skip-load``: the graph at ``NEO4J_URI`` as it is). Then ``scholargraph serve`` with the
response cache off, once per way of starting it:

- ``snapshot``: as ``make demo`` serves (``--snapshot``, the default): the analytics snapshot is
  built in the background as the server starts, then a few warm-up requests run through the
  schema (api/warmup.py). The requests are sent once ``/healthz`` says the warm-up is done; the
  time from start until then is recorded.
- ``no-snapshot`` (``--no-snapshot``): nothing is built or warmed before the first request; the
  first request that needs the snapshot builds it.

In each, the requests of the read-path issue's table (a filtered page, a count over a category
group, influence for a (category, period), rising authors with and without a year), then
influence for other categories and periods, rising authors' default year for other categories
and a facet request, are sent one at a time: first once each (the first request of a fresh
server; Neo4j's query plans are cleared before each way of starting), then ``--repeats`` times
more. Each answer's size is recorded beside its time, and the
answers of both ways of starting are checked equal. Writes bench/results/first-requests.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from neo4j import GraphDatabase

from bench.bench_uncached import our_server
from bench.common import DB, ROOT, median, write_results

# (name, goal ms, query, variables): the table first, in its order
TABLE: list[tuple[str, int, str, dict[str, Any]]] = [
    (
        "page hep-th 1994-95, >= 5 citations",
        50,
        """query($where: PaperWhere) { papers(first: 20, where: $where,
             orderBy: [CITATION_COUNT_DESC]) {
           edges { node { id title year citationCount } } pageInfo { endCursor } } }""",
        {
            "where": {
                "category": {"in": ["arxiv:hep-th"]},
                "year": {"gte": 1994, "lte": 1995},
                "citationCount": {"gte": 5},
            }
        },
    ),
    (
        "count arxiv:physics",
        200,
        """query { papers(first: 0, where: {category: {in: ["arxiv:physics"]}}) {
             totalCount totalCountIsExact } }""",
        {},
    ),
    (
        "influentialPapers hep-th 1994-95",
        500,
        """query { influentialPapers(category: "arxiv:hep-th", yearFrom: 1994, yearTo: 1995,
             first: 10) { score citations paper { id title year } } }""",
        {},
    ),
    (
        "risingAuthors hep-th 1996",
        500,
        """query { risingAuthors(category: "arxiv:hep-th", year: 1996, first: 10) {
             recentWindow { start end } authors { velocityChange author { id name } } } }""",
        {},
    ),
    (
        "risingAuthors hep-th, default year",
        500,
        """query { risingAuthors(category: "arxiv:hep-th", first: 10) {
             recentWindow { start end } authors { velocityChange author { id name } } } }""",
        {},
    ),
]

INFLUENCE = """query($cat: ID, $from: Int, $to: Int) { influentialPapers(category: $cat,
  yearFrom: $from, yearTo: $to, first: 10) { score citations paper { id title year } } }"""
RISING_DEFAULT = """query($cat: ID) { risingAuthors(category: $cat, first: 10) {
  recentWindow { start end } authors { velocityChange author { id name } } } }"""
FACETS = """query($where: PaperWhere) { papers(first: 0, where: $where) { totalCount
  facets(first: 10) { years { values { year count } }
    categories { values { category { id } count } }
    venues { values { venue { id } count } } } } }"""

OTHERS: list[tuple[str, int, str, dict[str, Any]]] = [
    *(
        (
            f"influentialPapers {cat} {y0}-{y1}",
            500,
            INFLUENCE,
            {"cat": f"arxiv:{cat}", "from": y0, "to": y1},
        )  # fmt: skip
        for cat, y0, y1 in [
            ("astro-ph", 1995, 1996),
            ("gr-qc", 1992, 1993),
            ("hep-ph", 1991, 1996),
            ("cond-mat", 1993, 1994),
            ("physics", 1991, 1996),
        ]
    ),
    *(
        (f"risingAuthors {cat}, default year", 500, RISING_DEFAULT, {"cat": f"arxiv:{cat}"})
        for cat in ("astro-ph", "cs.AI", "cs.LG")
    ),
    (
        "facets arxiv:hep-ph 1995",
        200,
        FACETS,
        {"where": {"category": {"in": ["arxiv:hep-ph"]}, "year": {"eq": 1995}}},
    ),  # fmt: skip
]


def size(data: Any) -> Any:
    """What an answer holds, in a few numbers (recorded beside its time, and compared)."""
    if isinstance(data, dict):
        if "totalCount" in data:
            return {"totalCount": data["totalCount"], "exact": data.get("totalCountIsExact")}
        if "authors" in data and "recentWindow" in data:
            return {"window": data["recentWindow"], "authors": len(data["authors"])}
        if "edges" in data:
            return {"rows": len(data["edges"])}
        return {k: size(v) for k, v in data.items()}
    if isinstance(data, list):
        return {"rows": len(data)}
    return data


def send(http: httpx.Client, url: str, query: str, variables: dict[str, Any]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    r = http.post(url, json={"query": query, "variables": variables})
    ms = (time.perf_counter() - t0) * 1000
    body = r.json()
    if r.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{r.status_code}: {body.get('errors')} for {query[:80]!r}")
    return ms, body["data"]


def measure(uri: str, mode: str, repeats: int) -> dict[str, Any]:
    # each way of starting finds Neo4j without query plans, as after `make analyze`
    with GraphDatabase.driver(uri, notifications_min_severity="OFF") as driver:
        driver.execute_query("CALL db.clearQueryCaches()", database_=DB)
    started = time.perf_counter()
    with our_server(uri, workers=1, serve_args=[f"--{mode}"]) as url:
        # our_server yields once /healthz answers and the warm-up (if asked for) is done
        out: dict[str, Any] = {"ready_s": round(time.perf_counter() - started, 2)}
        health = httpx.get(url.replace("/graphql", "/healthz"), timeout=10).json()
        out["snapshot"], out["warm_up"] = health["snapshot"], health["warm_up"]
        rows = []
        with httpx.Client(timeout=120) as http:
            for group in (TABLE, OTHERS):
                for name, goal, query, variables in group:
                    first_ms, data = send(http, url, query, variables)
                    again = [send(http, url, query, variables)[0] for _ in range(repeats)]
                    rows.append(
                        {
                            "request": name,
                            "in_table": group is TABLE,
                            "goal_ms": goal,
                            "first_ms": round(first_ms, 1),
                            "again_median_ms": round(median(again), 1),
                            "again_max_ms": round(max(again), 1),
                            "answer": size(data),
                        }
                    )
                    print(f"  {mode:12} {name:42} first {first_ms:8.1f} ms, "
                          f"then {median(again):7.1f} ms  {size(data)}", flush=True)  # fmt: skip
        out["requests"] = rows
        return out


@contextmanager
def demo_graph(skip_load: bool) -> Iterator[tuple[str, float | None]]:
    """The demo graph's Bolt URI (and the seconds ``make analyze`` took to build it)."""
    if skip_load:
        yield os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"), None
        return
    from graph.server import free_port

    home = tempfile.mkdtemp(prefix="sg-first-")
    port = free_port()
    env = {
        **os.environ,
        "SCHOLARGRAPH_NEO4J_HOME": home,
        "SCHOLARGRAPH_NEO4J_PORT": str(port),
        "NEO4J_URI": f"bolt://127.0.0.1:{port}",
    }
    sg = [sys.executable, "-m", "cli"]
    try:
        t0 = time.perf_counter()
        subprocess.run(["make", "-s", "analyze"], cwd=ROOT, env=env, check=True)
        yield env["NEO4J_URI"], round(time.perf_counter() - t0, 1)
    finally:
        subprocess.run([*sg, "neo4j", "stop"], cwd=ROOT, env=env, check=False)
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="sends after the first (default 5)")
    ap.add_argument("--skip-load", action="store_true", help="measure the graph at NEO4J_URI")
    args = ap.parse_args()
    with demo_graph(args.skip_load) as (uri, build_s):
        modes = {mode: measure(uri, mode, args.repeats) for mode in ("snapshot", "no-snapshot")}
    answers = [[r["answer"] for r in m["requests"]] for m in modes.values()]
    table = modes["snapshot"]["requests"]
    payload = {
        "graph": "make analyze (the demo graph)" if build_s is not None else "NEO4J_URI as is",
        "build_seconds": build_s,
        "repeats": args.repeats,
        "server": "scholargraph serve, 1 uvicorn worker, SCHOLARGRAPH_RESPONSE_CACHE_TTL=0",
        "answers_equal_across_modes": answers[0] == answers[1],
        "within_goal_first_request_with_snapshot": {
            r["request"]: r["first_ms"] <= r["goal_ms"] for r in table
        },
        "modes": modes,
    }
    path = write_results("first-requests", payload)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
