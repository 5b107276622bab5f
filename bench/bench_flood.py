"""Expensive-query flood: ``python -m bench.bench_flood`` (options: ``--duration``,
``--clients``, ``--skip-load``, ``--workers``).

With the Paperscape arXiv 1991-1996 set loaded and ``scholargraph serve`` running in a
subprocess (response cache off, so every answer is computed), one client sends a cheap query
(a paper by id with a few fields, a different paper each time) one request after another and
its latency is measured twice, side by side in one run: alone, then while ``--clients`` flood
clients (8) send expensive requests *at the cost limit* in a loop — each as close to
``max_query_cost`` as its shape allows (``api.cost.query_cost`` picks the sizes):

- ``analyze`` BETWEENNESS on the citation graph, cutoff 4 (igraph in the worker process);
- nested connections: papers → citations → references at the largest ``first`` in budget;
- a ``where`` filter of author terms (each checked against every paper) at the largest size
  in budget, with ``totalCount``;
- ``influentialAuthors`` of the whole citation graph plus ``risingAuthors``.

Reports the cheap query's p50/p99 with and without the flood, what the flood got (answers,
``TIMEOUT``, other errors) and writes bench/results/flood.json. Starts its own Neo4j (free
port, temp dir) unless NEO4J_URI is set. Goal: cheap p99 <= 250 ms under the flood on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from graphql import OperationDefinitionNode, parse

from api.cost import query_cost
from api.schema import build_schema
from bench.bench_api import percentile, wait_for
from bench.common import DB, PAPERSCAPE, ROOT, machine
from graph.settings import AppSettings

RESULTS = ROOT / "bench" / "results" / "flood.json"

CHEAP = "query($id: ID!) { paper(id: $id) { id title year citationCount } }"
ANALYZE = """query { analyze(input: {graph: CITATION, algorithm: BETWEENNESS, cutoff: 4, top: 5})
  { nodeCount edgeCount top { nodes { id score } } } }"""
NESTED = """query { papers(first: %d, orderBy: [CITATION_COUNT_DESC]) { edges { node { id title
  citations(first: %d) { edges { node { id title references(first: %d) { totalCount } } } } }
  } } }"""
WHERE = (
    "query($w: PaperWhere) { papers(where: $w, first: 10) { totalCount edges { node { id } } } }"
)
INFLUENCE = """query { influentialAuthors(first: 100) { score author { id name } }
  influentialPapers(first: 100) { score paper { id title } }
  risingAuthors(first: 100) { authors { velocityChange author { id } } } }"""


def cost(query: str, variables: dict[str, Any] | None = None) -> int:
    schema = build_schema(AppSettings())._schema  # type: ignore[attr-defined]
    document = parse(query)
    (op,) = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    return query_cost(schema, op, {}, variables)


def largest(build: Any, budget: int, high: int = 100) -> tuple[int, dict[str, Any]]:
    """The largest size (1..high) whose request costs at most ``budget``, and that request."""
    best = 1
    for n in range(1, high + 1):
        query, variables = build(n)
        if cost(query, variables) <= budget:
            best = n
    query, variables = build(best)
    return best, {"query": query, "variables": variables}


def flood_bodies(budget: int) -> dict[str, dict[str, Any]]:
    def nested(n: int) -> tuple[str, dict[str, Any]]:
        return NESTED % (n, n, n), {}

    def where(n: int) -> tuple[str, dict[str, Any]]:
        terms = [{"author": {"in": [f"name:nobody number{i}"]}} for i in range(n)]
        return WHERE, {"w": {"OR": terms}}

    _, nested_body = largest(nested, budget)
    _, where_body = largest(where, budget)
    bodies = {
        "analyze_betweenness": {"query": ANALYZE, "variables": {}},
        "nested_connections": nested_body,
        "where_author_terms": where_body,
        "influence": {"query": INFLUENCE, "variables": {}},
    }
    for body in bodies.values():
        body["cost"] = cost(body["query"], body["variables"])
        assert body["cost"] <= budget, body
    return bodies


async def cheap_run(url: str, ids: list[str], duration: float, offset: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(timeout=60) as http:
        stop = time.perf_counter() + duration
        i = offset
        while time.perf_counter() < stop:
            i += 1
            body = {"query": CHEAP, "variables": {"id": ids[i % len(ids)]}}
            t0 = time.perf_counter()
            r = await http.post(url, json=body)
            latencies.append((time.perf_counter() - t0) * 1000)
            try:
                if r.status_code != 200 or "errors" in r.json():
                    errors += 1
            except ValueError:
                errors += 1
    return {
        "requests": len(latencies),
        "errors": errors,
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 99), 2),
        "max_ms": round(max(latencies), 2),
    }


async def flood_client(
    http: httpx.AsyncClient,
    url: str,
    bodies: list[dict[str, Any]],
    start: int,
    stop: asyncio.Event,
    outcomes: Counter[str],
    seconds: list[float],
) -> None:
    i = start
    while not stop.is_set():
        body = bodies[i % len(bodies)]
        i += 1
        t0 = time.perf_counter()
        try:
            r = await http.post(url, json={"query": body["query"], "variables": body["variables"]})
            answer = r.json()
        except httpx.HTTPError as e:
            outcomes[f"{body['name']}:{type(e).__name__}"] += 1
            continue
        except ValueError:  # not JSON: count the HTTP status
            outcomes[f"{body['name']}:HTTP {r.status_code}"] += 1
            continue
        seconds.append(time.perf_counter() - t0)
        errors = answer.get("errors") or []
        code = (errors[0].get("extensions") or {}).get("code", "ERROR") if errors else "OK"
        outcomes[f"{body['name']}:{code}"] += 1


async def measure(
    url: str, ids: list[str], bodies: dict[str, dict[str, Any]], clients: int, duration: float
) -> dict[str, Any]:
    alone = await cheap_run(url, ids, duration, 0)
    named = [{"name": k, **v} for k, v in bodies.items()]
    outcomes: Counter[str] = Counter()
    seconds: list[float] = []
    stop = asyncio.Event()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        flood = [
            asyncio.create_task(flood_client(http, url, named, k, stop, outcomes, seconds))
            for k in range(clients)
        ]
        await asyncio.sleep(min(5.0, duration / 4))  # the flood is under way
        flooded = await cheap_run(url, ids, duration, len(ids) // 2)
        stop.set()
        await asyncio.gather(*flood)
    return {
        "cheap_alone": alone,
        "cheap_under_flood": flooded,
        "flood": {
            "clients": clients,
            "answers": dict(sorted(outcomes.items())),
            "median_s": round(statistics.median(seconds), 2) if seconds else None,
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--duration", type=float, default=30.0, help="seconds per measurement")
    ap.add_argument("--clients", type=int, default=8, help="flood clients")
    ap.add_argument("--skip-load", action="store_true", help="data already loaded (NEO4J_URI)")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results file")
    args = ap.parse_args()

    from bench.common import neo4j_for_bench, wipe
    from graph.server import free_port
    from graph.stats import graph_stats

    settings = AppSettings()
    bodies = flood_bodies(settings.max_query_cost)
    proc = None
    with neo4j_for_bench(heap="1g", pagecache="512m") as (driver, uri):
        try:
            if not args.skip_load:
                from loaders.writer import load_paths

                wipe(driver)
                load_paths(driver, DB, [PAPERSCAPE])
            stats = graph_stats(driver, DB)
            ids = [r["id"] for r in driver.execute_query(
                "MATCH (p:Paper) WHERE NOT coalesce(p.stub, false) RETURN p.id AS id "
                "ORDER BY p.id", database_=DB,
            ).records]  # fmt: skip
            port = free_port()
            env = {**os.environ, "NEO4J_URI": uri, "NEO4J_DATABASE": DB,
                   "SCHOLARGRAPH_RESPONSE_CACHE_TTL": "0"}  # fmt: skip
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "serve", "--port", str(port),
                 "--workers", str(args.workers)],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
            )  # fmt: skip
            wait_for(f"http://127.0.0.1:{port}/healthz", proc)
            url = f"http://127.0.0.1:{port}/graphql"
            for body in bodies.values():  # warm-up: workers started, every shape answers
                r = httpx.post(url, json={"query": body["query"], "variables": body["variables"]},
                               timeout=120)  # fmt: skip
                print("warm-up", r.status_code, r.text[:160], flush=True)
            result = asyncio.run(measure(url, ids, bodies, args.clients, args.duration))
            print(json.dumps(result, indent=2), flush=True)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    payload = {
        "machine": machine(),
        "dataset": {"name": str(PAPERSCAPE.relative_to(ROOT.parent)),
                    "nodes": stats["nodes"], "relationships": stats["relationships"]},
        "server": f"scholargraph serve (uvicorn, {args.workers} worker), response cache off",
        "settings": {"max_query_cost": settings.max_query_cost,
                     "request_timeout_s": settings.request_timeout,
                     "analytics_workers": settings.analytics_workers},
        "duration_s_per_measurement": args.duration,
        "cheap_query": CHEAP,
        "flood_requests": {k: {"cost": v["cost"], "query": v["query"],
                               "variables": "OR list of "
                               f"{len(v['variables']['w']['OR'])} author terms"
                               if v["variables"] else None}
                           for k, v in bodies.items()},
        **result,
        "goal": {"cheap_p99_ms_under_flood": 250,
                 "measured": result["cheap_under_flood"]["p99_ms"]},
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
