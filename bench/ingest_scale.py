"""Ingest at scale: transactional writer (``load_paths``) vs bulk import (``neo4j-admin``).

Each run gets a fresh local Neo4j (own folder, free port), started before the clock runs.
``python -m bench.ingest_scale --run bulk:/tmp/synth-100k.jsonl.gz --run tx:/tmp/s.jsonl.gz
--repeat 3`` appends every measured run to ``bench/results/ingest_scale.json`` (medians are
computed by ``summarise``).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import orjson

from graph.db import open_driver
from graph.ingest import refresh_metrics
from graph.schema import apply_schema
from graph.server import LocalNeo4j, free_port
from graph.settings import LocalServerSettings, Neo4jSettings
from graph.stats import graph_stats

RESULTS = Path(__file__).resolve().parent / "results" / "ingest_scale.json"


def machine() -> dict[str, Any]:
    java = subprocess.run(["java", "-version"], capture_output=True, text=True, check=False)
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    return {
        "cpus": os.cpu_count(), "cpu": cpu, "memory_gb": round(int(mem) / 2**20, 1),
        "python": platform.python_version(), "java": java.stderr.splitlines()[0],
        "neo4j": LocalServerSettings().version, "platform": platform.platform(),
    }  # fmt: skip


MEMORY = {"heap": "2g", "pagecache": "1g"}  # --heap / --pagecache


def _server(name: str) -> LocalNeo4j:
    local = LocalServerSettings()
    folder = Path("/tmp/sgbench") / f"inst-{name}-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    return LocalNeo4j(
        folder, cache_dir=local.home / "cache", version=local.version, port=free_port(),
        heap=MEMORY["heap"], pagecache=MEMORY["pagecache"], transaction_timeout="3600s",
    )  # fmt: skip


def run_tx(path: Path, batch_size: int) -> dict[str, Any]:
    from loaders.writer import load_paths

    server = _server("tx")
    server.start()
    try:
        settings = Neo4jSettings(uri=server.uri, password=None)
        with open_driver(settings) as driver:
            apply_schema(driver, "neo4j")
            t0 = time.perf_counter()
            trace: list[tuple[int, float]] = []  # (records, seconds): the rate as the graph grows

            def progress(_name: str, records: int) -> None:
                if not trace or records - trace[-1][0] >= 50_000:
                    trace.append((records, round(time.perf_counter() - t0, 1)))
                    print(f"  {records:,} records in {trace[-1][1]:,.0f} s", flush=True)

            summary = load_paths(
                driver, "neo4j", [path], batch_size=batch_size, refresh=False, progress=progress
            )
            t1 = time.perf_counter()
            refresh_metrics(driver, "neo4j")
            t2 = time.perf_counter()
            stats = graph_stats(driver, "neo4j")
        seconds = {"load": round(t1 - t0, 2), "metrics": round(t2 - t1, 2),
                   "total": round(t2 - t0, 2)}  # fmt: skip
        return {"method": "transactional", "batch_size": batch_size, "seconds": seconds,
                "errors": summary.errors, "stats": stats, "trace": trace}  # fmt: skip
    finally:
        server.stop()
        shutil.rmtree(server.instance_dir, ignore_errors=True)


def run_bulk(path: Path) -> dict[str, Any]:
    from cli.bulk import run_bulk_import

    server = _server("bulk")
    server.start()
    try:
        result = run_bulk_import(server, [path], work_dir=Path("/tmp/sgbench"))
        return {"method": "bulk", "seconds": result.seconds, "csv": result.csv,
                "errors": result.parse_errors, "stats": result.stats}  # fmt: skip
    finally:
        server.stop()
        shutil.rmtree(server.instance_dir, ignore_errors=True)


def _memory(run: dict[str, Any]) -> str:
    m = run.get("memory") or {"heap": "2g", "pagecache": "1g"}  # runs before the option existed
    return f"heap {m['heap']}, page cache {m['pagecache']}"


def summarise(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median total seconds per (method, corpus, memory) with per-entity costs."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for run in runs:
        groups.setdefault((run["method"], run["corpus"], _memory(run)), []).append(run)
    out = []
    for (method, corpus, memory), rs in sorted(groups.items()):
        total = statistics.median(r["seconds"]["total"] for r in rs)
        stats = rs[0]["stats"]
        nodes, rels = stats["total_nodes"], stats["total_relationships"]
        papers = stats["nodes"]["Paper"] - stats["stub_papers"]
        out.append({
            "method": method, "corpus": corpus, "memory": memory, "runs": len(rs),
            "papers": papers, "nodes": nodes, "relationships": rels,
            "median_total_seconds": total,
            "median_phase_seconds": {
                k: statistics.median(r["seconds"].get(k, 0.0) for r in rs)
                for k in rs[0]["seconds"]
            },
            "papers_per_second": round(papers / total, 1),
            "us_per_entity": round(1e6 * total / (nodes + rels), 2),
            "load_average_before": [r.get("load_average", {}).get("before") for r in rs],
        })  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_scale")
    parser.add_argument("--run", action="append", default=[],
                        help="method:path, method = tx | bulk")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--heap", default=MEMORY["heap"], help="Neo4j heap, e.g. 4g")
    parser.add_argument("--pagecache", default=MEMORY["pagecache"], help="page cache, e.g. 6g")
    args = parser.parse_args()
    MEMORY.update(heap=args.heap, pagecache=args.pagecache)
    doc: dict[str, Any] = orjson.loads(RESULTS.read_bytes()) if RESULTS.exists() else {"runs": []}
    doc["machine"] = machine()
    for _ in range(args.repeat):
        for spec in args.run:
            method, _, path = spec.partition(":")
            t = time.strftime("%Y-%m-%dT%H:%M:%S")
            load_before = os.getloadavg()
            run = run_tx(Path(path), args.batch_size) if method == "tx" else run_bulk(Path(path))
            run.update(
                corpus=Path(path).name,
                started=t,
                memory=dict(MEMORY),
                load_average={"before": load_before, "after": os.getloadavg()},
            )
            doc["runs"].append(run)
            doc["summary"] = summarise(doc["runs"])
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
            print(orjson.dumps({k: run[k] for k in ("method", "corpus", "seconds")}).decode(),
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
