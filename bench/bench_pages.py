"""Server time per page (api/pages) on the Paperscape 1991–1996 sample + the profile page.

`scholargraph serve` (one worker) answers one request at a time from one client on loopback, so
the time from sending a request to the last byte is the server's time for the page. Per page
kind: one warm-up request (not counted), then ``--requests`` requests for distinct authors,
papers, author pairs or search words (fields: every category with ≥ 200 papers); median and
p95 are written to bench/results/pages.json. The response cache is off (``--cache`` keeps it):
the figures are the work of a page, not a cache lookup. The goal (issue 14) is ≤ 300 ms per
page.

    python -m bench.bench_pages                         # fresh Neo4j, loads and analyses
    NEO4J_URI=bolt://127.0.0.1:7687 python -m bench.bench_pages --skip-load
    ... --pages field_section                           # only the page kinds named (prefixes)
    ... --baseline old.json                             # keep an earlier run's figures as "before"
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from bench.common import DATA, DB, PAPERSCAPE, RESULTS, machine

GOAL_MS = 300.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def wait_for(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout}s")


def fetch(url: str) -> tuple[float, int]:
    """(milliseconds to the last byte, status)."""
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as resp:
            resp.read()
            status = resp.status
    except urllib.error.HTTPError as e:
        e.read()
        status = e.code
    return (time.perf_counter() - t0) * 1000, status


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - Linux only


def snapshot_cost(uri: str, runs: int = 3) -> dict[str, Any]:
    """The analytics snapshot (graph/snapshot.py) built here, in this process, as the server
    builds it on the first field request: wall time (export + arrays; median of ``runs``), the
    array-building part alone, the growth of this process's resident memory over the first
    (cold) build (the snapshot kept, the export's lists freed — what the allocator keeps of them
    included), the peak above the start, and the bytes the snapshot's arrays and ids take."""
    import asyncio
    import gc
    import resource

    from graph.repository import ReadScope
    from graph.settings import Neo4jSettings
    from graph.snapshot import SnapshotStore

    settings = Neo4jSettings(uri=uri)

    async def build() -> tuple[list[float], list[float], float, float, Any]:
        from graph.db import async_driver
        from graph.snapshot import read_fingerprint

        drv = async_driver(settings)
        try:
            scope = ReadScope(drv, DB, 300.0)
            await read_fingerprint(scope)  # the connection, not the snapshot
            gc.collect()
            before = rss_mb()
            peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            walls, arrays, kept = [], [], None
            grown = peak = 0.0
            for _ in range(runs):
                store = SnapshotStore()
                t0 = time.perf_counter()
                snap = await store.get(scope)
                walls.append(time.perf_counter() - t0)
                arrays.append(snap.build_seconds)
                if kept is None:  # the first (cold) build: what a fresh server pays
                    kept = snap
                    gc.collect()
                    grown = rss_mb() - before
                    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                    peak = max(0.0, peak - max(peak_before, before))
            return walls, arrays, grown, peak, kept
        finally:
            await drv.close()

    walls, arrays, grown, peak, snap = asyncio.run(build())
    return {
        "papers": snap.paper_count,
        "citations": snap.citation_count,
        "authors": snap.author_count,
        "categories": len(snap.category_ids),
        "build_s_median": round(statistics.median(walls), 3),
        "build_s_all": [round(w, 3) for w in walls],
        "arrays_s_median": round(statistics.median(arrays), 3),
        "rss_delta_mb": round(grown, 1),
        "rss_peak_over_start_mb": round(peak, 1),
        "accounted_mb": round(snap.nbytes() / 2**20, 1),
    }


def targets(driver: Any, n: int, seed: int) -> dict[str, list[str]]:
    """Distinct inputs per page kind, drawn from the loaded graph (seeded)."""
    rng = random.Random(seed)

    def column(query: str) -> list[Any]:
        records, _, _ = driver.execute_query(query, database_=DB)
        return [r[0] for r in records]

    authors = column(
        "MATCH (a:Author)-[:AUTHORED]->(p:Paper) WITH a, count(p) AS n WHERE n >= 3 "
        "RETURN a.id ORDER BY a.id"
    )
    papers = column(
        "MATCH (p:Paper) WHERE NOT coalesce(p.stub, false) AND p.citation_count >= 1 "
        "RETURN p.id ORDER BY p.id"
    )
    fields = column(
        "MATCH (p:Paper)-[:IN_CATEGORY]->(c:Category) WITH c, count(p) AS n WHERE n >= 200 "
        "RETURN c.id ORDER BY n DESC"
    )
    words = column(
        "MATCH (p:Paper) WHERE p.title IS NOT NULL RETURN p.title ORDER BY p.id LIMIT 5000"
    )
    picked_authors = rng.sample(authors, min(len(authors), 2 * n + 1))
    vocab = sorted(
        {w.strip(".,:;()$").lower() for t in words for w in t.split() if len(w) > 6 and w.isalpha()}
    )
    return {
        "authors": picked_authors[: n + 1],
        "pairs": [
            f"{a}|{b}" for a, b in zip(picked_authors[::2], picked_authors[1::2], strict=False)
        ][: n + 1],
        "papers": rng.sample(papers, min(len(papers), n + 1)),
        "fields": fields[: n + 1],  # the largest fields (≥ 200 papers)
        "words": rng.sample(vocab, min(len(vocab), n + 1)),
    }


def page_urls(base: str, t: dict[str, list[str]]) -> dict[str, list[str]]:
    def author(a: str) -> str:
        return f"{base}/authors/{quote(a, safe=':')}"

    return {
        "profile": [author(a) for a in t["authors"]],
        "profile_page_2_by_citations": [
            f"{author(a)}?{urlencode({'sort': 'cited', 'size': 10})}" for a in t["authors"]
        ],
        "network_page": [f"{base}/network?{urlencode({'author': a})}" for a in t["authors"]],
        "network_json_150": [
            f"{base}/network.json?{urlencode({'author': a})}" for a in t["authors"]
        ],
        "network_json_500": [
            f"{base}/network.json?{urlencode({'author': a, 'limit': 500})}" for a in t["authors"]
        ],
        "paper": [f"{base}/papers/{quote(p, safe=':/')}" for p in t["papers"]],
        "path": [
            f"{base}/path?{urlencode({'from': p.split('|')[0], 'to': p.split('|')[1]})}"
            for p in t["pairs"]
        ],
        "field": [f"{base}/fields/{quote(f, safe=':')}" for f in t["fields"]],
        **{
            f"field_section_{name}": [
                f"{base}/fields/{quote(f, safe=':')}/{name}?fragment=1" for f in t["fields"]
            ]
            for name in ("years", "influence", "rising", "communities")
        },
        "search": [f"{base}/search?{urlencode({'q': w})}" for w in t["words"]],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=30, help="measured requests per page kind")
    ap.add_argument("--skip-load", action="store_true", help="data already loaded (NEO4J_URI)")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--cache", action="store_true", help="keep the response cache on")
    ap.add_argument("--out", type=Path, default=RESULTS / "pages.json")
    ap.add_argument(
        "--pages", default="", help="comma-separated page kinds (prefixes) to measure; all if empty"
    )
    ap.add_argument(
        "--baseline", type=Path, help="an earlier result file whose figures are kept as 'before'"
    )
    args = ap.parse_args()
    wanted = [p.strip() for p in args.pages.split(",") if p.strip()]
    baseline = json.loads(args.baseline.read_text(encoding="utf-8")) if args.baseline else None

    from bench.common import neo4j_for_bench, wipe
    from graph.server import free_port
    from graph.stats import graph_stats

    proc = None
    with neo4j_for_bench(heap="1g", pagecache="512m") as (driver, uri):
        try:
            if not args.skip_load:
                from graph.analytics.runs import analyze
                from graph.analytics.spec import GraphKind, GraphSpec
                from loaders.writer import load_paths

                wipe(driver)
                load_paths(driver, DB, [PAPERSCAPE, DATA / "profile-page"])
                for kind, algorithm in (
                    (GraphKind.COAUTHORSHIP, "leiden"),
                    (GraphKind.COAUTHORSHIP, "pagerank"),
                    (GraphKind.CITATION, "pagerank"),
                ):
                    analyze(driver, DB, GraphSpec(kind), algorithm, write=True)
            stats = graph_stats(driver, DB)
            snapshot = snapshot_cost(uri)
            print("snapshot", json.dumps(snapshot), flush=True)
            picked = targets(driver, args.requests, args.seed)
            port = free_port()
            env = {**os.environ, "NEO4J_URI": uri, "NEO4J_DATABASE": DB}
            if not args.cache:  # measure the work, not the response cache
                env["SCHOLARGRAPH_RESPONSE_CACHE_TTL"] = "0"
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli", "serve", "--port", str(port)],
                cwd=Path(__file__).resolve().parents[1],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/healthz", proc)
            out: dict[str, Any] = {}
            for page, urls in page_urls(base, picked).items():
                if wanted and not any(page.startswith(w) for w in wanted):
                    continue
                first_ms, _ = fetch(urls[0])  # warm-up (schema, caches, the snapshot build)
                times, statuses = [], []
                for url in urls[1:]:
                    ms, status = fetch(url)
                    times.append(ms)
                    statuses.append(status)
                out[page] = {
                    "requests": len(times),
                    "median_ms": round(statistics.median(times), 1),
                    "p95_ms": round(percentile(times, 95), 1),
                    "max_ms": round(max(times), 1),
                    "first_ms": round(first_ms, 1),
                    "statuses": {str(s): statuses.count(s) for s in sorted(set(statuses))},
                    "example": urls[1].removeprefix(base),
                }
                print(page, json.dumps(out[page]), flush=True)
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    result = {
        "machine": machine(),
        "dataset": {
            "name": "paperscape-arxiv-1991-1996 + profile-page",
            "nodes": stats["nodes"],
            "relationships": stats["relationships"],
        },
        "server": "scholargraph serve (uvicorn, 1 worker), one client, loopback",
        "response_cache": "on" if args.cache else "off (SCHOLARGRAPH_RESPONSE_CACHE_TTL=0)",
        "load_average_at_end": os.getloadavg(),
        "goal_ms": GOAL_MS,
        "snapshot": snapshot,
        "pages": out,
        "within_goal": {k: v["median_ms"] <= GOAL_MS for k, v in out.items()},
    }
    if baseline is not None:
        result["before"] = {
            "note": "the same pages measured before the analytics snapshot (same machine)",
            "when": baseline.get("machine", {}).get("when"),
            "load_average_at_end": baseline.get("load_average_at_end"),
            "pages": {
                k: {f: v[f] for f in ("median_ms", "p95_ms", "max_ms", "statuses")}
                for k, v in baseline.get("pages", {}).items()
            },
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
