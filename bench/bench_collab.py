"""collaborationPath latency at Paperscape scale: p50/p99 over random author pairs.

Uses NEO4J_URI when set (the database must hold the Paperscape 1991–1996 sample, or pass
``--load``); otherwise starts a throw-away LocalNeo4j like tests/conftest.py and loads it.
Writes bench/results/collab.json.

    python -m bench.bench_collab [--pairs 300] [--load] [--out FILE --dataset LABEL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

import orjson
from neo4j import AsyncGraphDatabase

from bench.common import DB, machine, neo4j_for_bench
from graph import collaboration as collab
from graph.repository import ReadScope
from graph.settings import Neo4jSettings
from loaders.writer import load_paths

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "paperscape-arxiv-1991-1996"
OUT = ROOT / "bench" / "results" / "collab.json"


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def summary(ms: list[float]) -> dict[str, float]:
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 0.50), 2),
        "p90_ms": round(pct(ms, 0.90), 2),
        "p99_ms": round(pct(ms, 0.99), 2),
        "max_ms": round(max(ms), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


async def measure(settings: Neo4jSettings, pairs: int, seed: int) -> dict[str, Any]:
    driver = AsyncGraphDatabase.driver(
        settings.uri, auth=settings.auth(), notifications_min_severity="OFF"
    )
    scope = ReadScope(driver, settings.database, 30.0)
    try:
        records, _, _ = await driver.execute_query(
            "MATCH (a:Author) WHERE a.paper_count >= 1 RETURN a.id AS id ORDER BY id",
            database_=settings.database,
        )
        ids = [r["id"] for r in records]
        rng = random.Random(seed)
        sample = [tuple(rng.sample(ids, 2)) for _ in range(pairs)]
        cache = collab.CoauthorGraphCache()
        t0 = time.perf_counter()
        await collab.collaboration_paths(scope, sample[0][0], sample[0][1], cache=cache)
        cold_ms = (time.perf_counter() - t0) * 1e3
        results: dict[str, Any] = {"authors": len(ids), "cold_first_call_ms": round(cold_ms, 1)}
        rtt: list[float] = []  # context: one trivial Bolt round trip on this machine
        for _ in range(pairs):
            t = time.perf_counter()
            await driver.execute_query("RETURN 1", database_=settings.database)
            rtt.append((time.perf_counter() - t) * 1e3)
        results["bolt_round_trip"] = summary(rtt)
        for label, k in (("k1", 1), ("k3", 3)):
            ms: list[float] = []
            found = 0
            lengths: dict[int, int] = {}
            for a, b in sample:
                t = time.perf_counter()
                paths = await collab.collaboration_paths(scope, a, b, k=k, cache=cache)
                ms.append((time.perf_counter() - t) * 1e3)
                if paths:
                    found += 1
                    lengths[paths[0].length] = lengths.get(paths[0].length, 0) + 1
            results[label] = {
                **summary(ms),
                "found": found,
                "lengths": {str(n): c for n, c in sorted(lengths.items())},
            }
        # connected pairs only (the case a user asks about most)
        connected = [
            (a, b)
            for a, b in sample
            if await collab.collaboration_paths(scope, a, b, max_hops=10, cache=cache)
        ]
        ms = []
        for a, b in connected:
            t = time.perf_counter()
            await collab.collaboration_paths(scope, a, b, cache=cache)
            ms.append((time.perf_counter() - t) * 1e3)
        if ms:
            results["k1_connected_pairs"] = summary(ms)
        return results
    finally:
        await driver.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--load", action="store_true", help="load Paperscape into NEO4J_URI")
    parser.add_argument("--dataset", default=None, help="label of the loaded data (no --load)")
    parser.add_argument("--out", type=Path, default=OUT, help="results file")
    args = parser.parse_args()
    load = args.load or not os.environ.get("NEO4J_URI")  # a fresh server starts empty
    with neo4j_for_bench(heap="1g", pagecache="512m") as (driver, uri):
        load_s = None
        if load:
            t = time.perf_counter()
            load_paths(driver, DB, [DATA])
            load_s = round(time.perf_counter() - t, 1)
        external = bool(os.environ.get("NEO4J_URI"))  # its credentials come from the env
        settings = (
            Neo4jSettings(uri=uri, database=DB)
            if external
            else Neo4jSettings(uri=uri, password=None, database=DB)
        )
        results = asyncio.run(measure(settings, args.pairs, args.seed))
    results.update(
        dataset=args.dataset or "paperscape-arxiv-1991-1996",
        pairs=args.pairs,
        seed=args.seed,
        load_seconds=load_s,
        method="igraph BFS / Yen k-shortest on the cached co-author graph + 1 Cypher "
        "read for hop evidence; 3 queries per call in 2 sequential Bolt round trips "
        "(fingerprint and id resolution concurrently, then evidence)",
        machine=machine(),
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2) + b"\n")
    print(args.out.read_text())


if __name__ == "__main__":
    main()
