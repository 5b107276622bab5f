"""GraphQL API benchmark: ``python -m bench.bench_api`` (options: ``--duration``, ``--skip-load``).

With the Paperscape arXiv 1991-1996 set loaded, measures p50/p99 latency and requests/s of
(a) an author profile (author, 20 papers with categories and co-author names),
(b) a paper with 20 references and 20 citations,
(c) a filtered, sorted papers page,
at 1 and 16 concurrent clients against ``scholargraph serve`` (uvicorn, one worker) running in a
subprocess, plus the Bolt queries each request costs. Starts its own Neo4j (free port, temp dir)
unless NEO4J_URI is set. Writes bench/results/api.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from neo4j import AsyncGraphDatabase

from bench.common import machine
from graph.settings import Neo4jSettings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "paperscape-arxiv-1991-1996"
RESULTS = ROOT / "bench" / "results" / "api.json"
DB = "neo4j"

PROFILE = """query($id: ID!) { author(id: $id) { id name paperCount hIndex citationCount
  primaryCategory { id } categories { paperCount category { id } }
  papers(first: 20) { totalCount edges { node { id title year citationCount
    categories { id name } authors { name } } } }
  coauthors(first: 20) { jointPaperCount author { name } } } }"""

PAPER = """query($id: ID!) { paper(id: $id) { id title year authors { name }
  references(first: 20) { totalCount edges { node { id title year } } }
  citations(first: 20) { totalCount edges { node { id title year } } } } }"""

PAGE = """query($cat: ID!, $from: Int!, $to: Int!) { papers(first: 20,
  where: {year: {gte: $from, lte: $to}, category: {in: [$cat]}, citationCount: {gte: 5}},
  orderBy: [CITATION_COUNT_DESC, YEAR_DESC]) {
  edges { cursor node { id title year citationCount } } pageInfo { hasNextPage endCursor } } }"""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)$", text)
    if m is None:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
bodies = {%s}
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
function init(args)
  idx = tid * math.floor(#bodies / 2)  -- the two threads walk different halves
end
function request()
  idx = idx + 1
  return wrk.format(nil, nil, nil, bodies[(idx %% #bodies) + 1])
end
"""


def wrk_run(
    url: str, bodies: list[dict[str, Any]], clients: int, duration: float
) -> dict[str, float]:
    """The same measurement with wrk (a C load generator: it leaves the cores to the server).
    Requests cycle through ``bodies`` (one body: the same request again and again)."""
    script = Path(tempfile.mkdtemp()) / "post.lua"
    script.write_text(WRK_SCRIPT % ", ".join(json.dumps(json.dumps(b)) for b in bodies))
    threads = min(clients, 2)
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{clients}", f"-d{int(duration)}s", "--latency", "--timeout",
         "30s",
         "-s", str(script), url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    pct = dict(re.findall(r"^\s+(\d+)%\s+(\S+)$", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (int(timeouts.group(1)) if timeouts else 0)
    if "50" not in pct:  # nothing answered in time: wrk prints no distribution
        return {"clients": clients, "requests": requests, "errors": errors, "p50_ms": None,
                "p99_ms": None, "requests_per_s": 0.0}  # fmt: skip
    return {
        "clients": clients,
        "requests": requests,
        "errors": errors,
        "p50_ms": round(_ms(pct["50"]), 2),
        "p99_ms": round(_ms(pct["99"]), 2),
        "requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def load_run(
    url: str, bodies: list[dict[str, Any]], clients: int, duration: float
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        for body in bodies[:3]:  # warm-up
            (await http.post(url, json=body)).raise_for_status()
        stop = time.perf_counter() + duration

        async def worker(start: int) -> None:
            nonlocal errors
            i = start
            while time.perf_counter() < stop:
                i += 1
                body = bodies[i % len(bodies)]
                t0 = time.perf_counter()
                r = await http.post(url, json=body)
                latencies.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200 or "errors" in r.json():
                    errors += 1

        t_start = time.perf_counter()
        step = max(1, len(bodies) // clients)
        await asyncio.gather(*(worker(k * step) for k in range(clients)))
        elapsed = time.perf_counter() - t_start
    return {
        "clients": clients,
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "requests_per_s": round(len(latencies) / elapsed, 1),
    }


async def bolt_queries(uri: str, auth: Any, query: str, variables: dict[str, Any]) -> int:
    """Bolt round trips of one request, counted in-process through the same schema."""
    from api.context import Context
    from api.schema import build_schema
    from graph.repository import ReadScope
    from graph.settings import AppSettings
    from tests.integration.api_helpers import CountingDriver

    drv = AsyncGraphDatabase.driver(uri, auth=auth, notifications_min_severity="OFF")
    try:
        counting = CountingDriver(drv)
        ctx = Context(scope=ReadScope(counting, DB), settings=AppSettings())  # type: ignore[arg-type]
        result = await build_schema().execute(query, variable_values=variables, context_value=ctx)
        assert result.errors is None, result.errors
        return len(counting.queries)
    finally:
        await drv.close()


def page_filter(driver: Any) -> dict[str, Any]:
    """The biggest category and the two years before the last: hep-th 1994-1995 on Paperscape."""
    cat = driver.execute_query(
        "MATCH (c:Category)<-[:IN_CATEGORY]-(p:Paper) "
        "RETURN c.id AS id, count(p) AS n ORDER BY n DESC, id LIMIT 1",
        database_=DB,
    ).records[0]["id"]
    last = driver.execute_query(
        "MATCH (p:Paper) WHERE p.year IS NOT NULL RETURN max(p.year) AS y", database_=DB
    ).records[0]["y"]
    return {"cat": cat, "from": last - 2, "to": last - 1}


def many_authors(driver: Any, n: int, seed: int = 7) -> list[str]:
    """``n`` authors with at least 3 papers, drawn at random (seeded): profiles a cache has
    not seen (ordered by id first so the draw is reproducible)."""
    ids = [r["id"] for r in driver.execute_query(
        "MATCH (a:Author) WHERE a.paper_count >= 3 RETURN a.id AS id ORDER BY id", database_=DB
    ).records]  # fmt: skip
    return random.Random(seed).sample(ids, min(n, len(ids)))


def pick_targets(driver: Any) -> tuple[str, str]:
    author = driver.execute_query(
        "MATCH (a:Author) RETURN a.id AS id ORDER BY a.paper_count DESC, a.id LIMIT 1",
        database_=DB,
    ).records[0]["id"]
    paper = driver.execute_query(
        "MATCH (p:Paper) WHERE p.reference_count >= 20 AND NOT coalesce(p.stub, false) "
        "RETURN p.id AS id ORDER BY p.citation_count DESC, p.id LIMIT 1",
        database_=DB,
    ).records[0]["id"]
    return author, paper


def wait_for(url: str, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the API server exited")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the API server did not come up")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    ap.add_argument("--skip-load", action="store_true", help="data already loaded (NEO4J_URI)")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--dataset", default=None, help="label of the loaded data (with --skip-load)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results file")
    ap.add_argument("--distinct-authors", type=int, default=5000,
                    help="profiles cycled through by a_author_profile_distinct")  # fmt: skip
    args = ap.parse_args()

    from bench.common import neo4j_for_bench, wipe
    from graph.server import free_port
    from graph.stats import graph_stats

    proc = None
    with neo4j_for_bench(heap="1g", pagecache="512m") as (driver, uri):
        try:
            load_seconds = None
            if not args.skip_load:
                from loaders.writer import load_paths

                wipe(driver)
                t0 = time.perf_counter()
                load_paths(driver, DB, [DATA])
                load_seconds = round(time.perf_counter() - t0, 1)
            stats = graph_stats(driver, DB)
            author, paper = pick_targets(driver)
            page_vars = page_filter(driver)
            rotating = many_authors(driver, args.distinct_authors)
            port = free_port()
            env = {**os.environ, "NEO4J_URI": uri, "NEO4J_DATABASE": DB}
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "serve", "--port", str(port),
                 "--workers", str(args.workers)],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
            )  # fmt: skip
            wait_for(f"http://127.0.0.1:{port}/healthz", proc)
            url = f"http://127.0.0.1:{port}/graphql"
            scenarios = {
                "a_author_profile": (PROFILE, [{"id": author}]),
                "a_author_profile_distinct": (PROFILE, [{"id": a} for a in rotating]),
                "b_paper_refs_cits": (PAPER, [{"id": paper}]),
                "c_filtered_sorted_page": (PAGE, [page_vars]),
            }
            out: dict[str, Any] = {}
            for name, (query, variable_sets) in scenarios.items():
                bodies = [{"query": query, "variables": v} for v in variable_sets]
                asyncio.run(load_run(url, bodies[:1], 1, 1.0))  # warm-up; checks for errors
                if shutil.which("wrk"):
                    runs = [wrk_run(url, bodies, c, args.duration) for c in (1, 16)]
                else:
                    runs = [asyncio.run(load_run(url, bodies, c, args.duration)) for c in (1, 16)]
                auth = Neo4jSettings().auth() if os.environ.get("NEO4J_URI") else None
                bolt = asyncio.run(bolt_queries(uri, auth, query, variable_sets[0]))
                out[name] = {"distinct_requests": len(bodies), "bolt_queries_per_request": bolt,
                             "variables": variable_sets[0], "runs": runs}  # fmt: skip
                print(name, json.dumps(out[name]), flush=True)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=15)
    dataset = args.dataset or str(DATA.relative_to(ROOT.parent))
    result = {
        "machine": machine(),
        "dataset": {"name": dataset, "load_seconds": load_seconds,
                    "nodes": stats["nodes"], "relationships": stats["relationships"]},
        "server": f"scholargraph serve (uvicorn, {args.workers} workers)",
        "load_generator": "wrk" if shutil.which("wrk") else "httpx asyncio",
        "duration_s_per_run": args.duration,
        "scenarios": out,
        "goal": {"a_author_profile_p99_ms_at_16_clients": 50,
                 "measured": out["a_author_profile"]["runs"][1]["p99_ms"],
                 "distinct_profiles": out["a_author_profile_distinct"]["runs"][1]["p99_ms"]},
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
