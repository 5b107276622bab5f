"""The in-memory analytics snapshot on a large graph (the 1M-paper corpus): build time and the
memory the API process holds, and what it then answers from the arrays.

    NEO4J_URI=bolt://127.0.0.1:7697 python -m bench.bench_snapshot_scale [--pairs 50]

Read-only: one export (graph/snapshot.py), then in this process: the whole co-author graph
from the arrays (what paths and communities use), similar papers for the most cited papers,
collaboration paths between random authors (the search on the snapshot's graph, the hop
evidence from Cypher), and the communities of the latest Leiden run when the graph has one.
Resident memory is read from /proc (VmRSS, VmHWM) before, after the build and at the end. The
issue's goal: build ≤ 60 s and ≤ 3 GB. Results: bench/results/snapshot-scale.json.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import time
from typing import Any

from bench.common import machine, write_results
from graph import collaboration as collab
from graph import influence
from graph.db import async_driver
from graph.errors import ScholarGraphError
from graph.repository import ReadScope
from graph.settings import Neo4jSettings
from graph.snapshot import SNAPSHOTS, read_fingerprint


def status_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 1)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(values),
        "median_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "max_ms": round(ordered[-1], 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Neo4jSettings()
    drv = async_driver(settings)
    out: dict[str, Any] = {"uri": settings.uri}
    try:
        scope = ReadScope(drv, settings.database, 600.0)
        await read_fingerprint(scope)  # the connection, not the snapshot
        gc.collect()
        rss0 = status_mb("VmRSS")
        t0 = time.perf_counter()
        snap = await SNAPSHOTS.get(scope)
        build_s = time.perf_counter() - t0
        gc.collect()
        out["snapshot"] = {
            "papers": snap.paper_count,
            "citations": snap.citation_count,
            "authors": snap.author_count,
            "authorships": int(snap.auth_author.shape[0]),
            "categories": len(snap.category_ids),
            "venues": len(snap.venue_ids),
            "build_s": round(build_s, 2),
            "arrays_s": round(snap.build_seconds, 2),
            "rss_start_mb": round(rss0, 1),
            "rss_after_build_mb": round(status_mb("VmRSS"), 1),
            "rss_peak_mb": round(status_mb("VmHWM"), 1),
            "accounted_mb": round(snap.nbytes() / 2**20, 1),
        }
        print("snapshot", out["snapshot"], flush=True)

        t0 = time.perf_counter()
        cg = await collab.coauthor_graph(scope, collab.coauthorship_spec())
        gc.collect()
        out["coauthor_graph"] = {
            "build_ms": ms(t0),
            "vertices": cg.graph.vcount(),
            "edges": cg.graph.ecount(),
            "rss_after_mb": round(status_mb("VmRSS"), 1),
            "rss_peak_mb": round(status_mb("VmHWM"), 1),
            "accounted_mb_with_pairs": round(snap.nbytes() / 2**20, 1),
        }
        print("coauthor graph", out["coauthor_graph"], flush=True)

        top = sorted(range(snap.paper_count), key=lambda v: -int(snap.cited_by[v]))[: args.papers]
        times = []
        for v in top:
            t0 = time.perf_counter()
            await influence.similar_papers_of(scope, snap.paper_ids[v], 10, source="snapshot")
            times.append((time.perf_counter() - t0) * 1000)
        out["similar_most_cited"] = summary(times)
        print("similar", out["similar_most_cited"], flush=True)

        rng = random.Random(7)
        degree = cg.graph.degree()
        people = [cg.node_ids[i] for i, d in enumerate(degree) if d > 0]
        times, found = [], 0
        for _ in range(args.pairs):
            a, b = rng.sample(people, 2)
            t0 = time.perf_counter()
            path = await collab.collaboration_path(scope, a, b, max_hops=6)
            times.append((time.perf_counter() - t0) * 1000)
            found += path is not None
        out["paths"] = {**summary(times), "found": found}
        print("paths", out["paths"], flush=True)

        try:
            t0 = time.perf_counter()
            await collab.communities(scope, first=10)
            first_ms = ms(t0)
            times = []
            for cat in snap.category_ids[: args.fields]:
                t0 = time.perf_counter()
                await collab.communities(scope, first=10, category=cat)
                times.append((time.perf_counter() - t0) * 1000)
            out["communities"] = {"first_call_ms": first_ms, "per_field": summary(times)}
        except ScholarGraphError as e:  # no persisted Leiden run on that graph
            out["communities"] = {"skipped": str(e)}
        print("communities", out["communities"], flush=True)
        gc.collect()
        out["rss_end_mb"] = round(status_mb("VmRSS"), 1)
        out["rss_peak_mb"] = round(status_mb("VmHWM"), 1)
    finally:
        await drv.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--pairs", type=int, default=50)
    ap.add_argument("--papers", type=int, default=50)
    ap.add_argument("--fields", type=int, default=20)
    ap.add_argument("--name", default="snapshot-scale")
    args = ap.parse_args()
    result = asyncio.run(run(args))
    print(write_results(args.name, {"machine": machine(), **result}))


if __name__ == "__main__":
    main()
