"""igraph vs Spark (GraphX, local mode) on the same graphs, phase by phase (docs/scale-out.md).

    python -m bench.bench_spark                     # builds the 100k corpus on a scratch server
    python -m bench.bench_spark --target 1m bolt://127.0.0.1:7697 /work/bench1m/csv/<folder>

For each target (a loaded Neo4j and the CSV snapshot its bulk import kept), each case runs in
a subprocess of its own, so its peak memory is its own: the Python process's peak RSS
(``ru_maxrss``) and, for Spark, the JVM's (sampled every 0.2 s over the process tree). Cases
on the whole citation graph (``write`` = the atomic write-back of ``graph.analytics.runs``):

- ``igraph``: PageRank and components, export / algorithm / write;
- ``spark-csv`` and ``spark-neo4j``: the same through GraphX, reading the CSV snapshot or
  Neo4j (connector): session start / read / graph build / algorithm / collect / write;
- ``spark-rounds``: PageRank with 5 and 20 rounds on one read (no write), for the cost of one
  round per edge;
- ``spark-csv read`` / ``spark-neo4j read``: the read alone (into Spark, cached, counted);
- ``spark-csv both`` / ``spark-neo4j both``: one read, then PageRank and components each
  written back (the end-to-end run at 1M on 2 cores);
- ``export``: the igraph export alone, its peak memory per edge.

Results: ``bench/results/spark.json`` (merged per target, so targets can run separately).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import orjson
import psutil

from bench.common import DB, RESULTS, write_results

RESULT = "spark"
SPARK_MEMORY = "4g"  # local mode: one JVM is driver and executor (6g was OOM-killed here)


class PeakSampler:
    """Peak RSS of this process's children (the Spark JVM), sampled in a thread."""

    def __init__(self, every: float = 0.2) -> None:
        self.peak_children = 0
        self._stop = threading.Event()
        self._every = every
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            self.peak_children = max(self.peak_children, total)
            self._stop.wait(self._every)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _mb(n: float) -> float:
    return round(n / 2**20, 1)


def _ms(timings: dict[str, float]) -> dict[str, float]:
    return {k: round(v / 1e3, 2) for k, v in timings.items()}  # seconds


# -- one case, in its own process ----------------------------------------------------------------


def run_case(case: dict[str, Any]) -> dict[str, Any]:
    from graph.analytics.export import export_edges
    from graph.analytics.runs import analyze
    from graph.analytics.spec import GraphKind, GraphSpec
    from graph.db import open_driver
    from graph.settings import Neo4jSettings, SparkSettings

    settings = Neo4jSettings(uri=case["uri"], password=None, database=DB)
    spec = GraphSpec(GraphKind(case.get("graph", "citation")))
    out: dict[str, Any] = {"case": case["name"], "algorithm": case.get("algorithm")}
    with PeakSampler() as sampler, open_driver(settings) as driver:
        before = psutil.Process().memory_info().rss  # interpreter, imports, driver
        t0 = time.perf_counter()
        if case["engine"] == "export":
            edges = export_edges(driver, DB, spec)
            out["seconds"] = {"export": round(time.perf_counter() - t0, 2)}
            out["nodes"], out["edges"] = edges.node_count, edges.edge_count
            arrays = edges.src.nbytes + edges.dst.nbytes
            out["arrays_mb"] = _mb(arrays)
        elif case["engine"] == "igraph":
            o = analyze(driver, DB, spec, case["algorithm"], {}, write=True)
            out["seconds"] = _ms(o.timings_ms)
            out["nodes"], out["edges"] = o.node_count, o.edge_count
            out["run_id"] = o.run_id
        else:
            from graph.analytics.spark import engine
            from graph.analytics.spark.session import open_session
            from graph.analytics.spark.sources import CsvSource, GraphSource, Neo4jSource

            spark_settings = SparkSettings(
                master=case.get("master", "local[*]"),
                driver_memory=SPARK_MEMORY,
                shuffle_partitions=int(case.get("partitions", 8)),
            )
            session = open_session(spark_settings, "scholargraph-bench")
            started = time.perf_counter() - t0
            source: GraphSource = (
                CsvSource(Path(case["csv"])) if case["source"] == "csv"
                else Neo4jSource(settings, driver)
            )  # fmt: skip
            try:
                if case["engine"] == "spark-both":  # one read, both algorithms written back
                    t1 = time.perf_counter()
                    data = source.read(session, spec)
                    out["seconds"] = {"session": round(started, 2),
                                      "read": round(time.perf_counter() - t1, 2)}  # fmt: skip
                    for algorithm in ("pagerank", "components"):
                        o = engine.analyze(driver, DB, session, source, spec, algorithm, {},
                                           write=True, data=data)  # fmt: skip
                        out[algorithm] = {"seconds": _ms(o.timings_ms), "run_id": o.run_id}
                    out["nodes"], out["edges"] = data.node_count, data.edge_count
                    data.release()
                elif case["engine"] == "spark-read":  # the read phase alone
                    t1 = time.perf_counter()
                    data = source.read(session, spec)
                    out["seconds"] = {"session": round(started, 2),
                                      "read": round(time.perf_counter() - t1, 2)}  # fmt: skip
                    out["nodes"], out["edges"] = data.node_count, data.edge_count
                    data.release()
                elif case["engine"] == "spark-rounds":
                    t1 = time.perf_counter()
                    data = source.read(session, spec)
                    read = time.perf_counter() - t1
                    rounds: dict[str, Any] = {}
                    for n in case["rounds"]:
                        _, _, steps = engine.compute(session, data, "pagerank", {"iterations": n})
                        rounds[str(n)] = _ms(steps)
                    data.release()
                    out["seconds"] = {"session": round(started, 2), "read": round(read, 2)}
                    out["rounds"] = rounds
                    out["nodes"], out["edges"] = data.node_count, data.edge_count
                else:
                    o = engine.analyze(driver, DB, session, source, spec, case["algorithm"], {},
                                       write=True)  # fmt: skip
                    out["seconds"] = {"session": round(started, 2), **_ms(o.timings_ms)}
                    out["nodes"], out["edges"] = o.node_count, o.edge_count
                    out["run_id"] = o.run_id
            finally:
                session.stop()
        out["wall_seconds"] = round(time.perf_counter() - t0, 2)
    out["peak_rss_mb"] = {
        "python": _mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024),
        "jvm": _mb(sampler.peak_children),
    }
    if case["engine"] == "export":  # what the export added to the process at its peak
        added = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
        out["rss_before_mb"] = _mb(before)
        out["peak_added_mb"] = _mb(added)
        out["peak_added_bytes_per_edge"] = round(added / max(out["edges"], 1), 1)
    return out


# -- the driver -------------------------------------------------------------------------------


def cases(label: str, uri: str, csv: str) -> list[dict[str, Any]]:
    base = {"uri": uri, "csv": csv, "target": label}
    both = [{**base, "name": f"spark-{source} {kind}", "engine": f"spark-{kind}", "source": source}
            for kind in ("read", "both") for source in ("csv", "neo4j")]  # fmt: skip
    out: list[dict[str, Any]] = [{**base, "name": "export", "engine": "export"}]
    for algorithm in ("pagerank", "components"):
        out.append({**base, "name": f"igraph {algorithm}", "engine": "igraph",
                    "algorithm": algorithm})  # fmt: skip
        for source in ("csv", "neo4j"):
            out.append({**base, "name": f"spark-{source} {algorithm}", "engine": "spark",
                        "source": source, "algorithm": algorithm})  # fmt: skip
    out.append({**base, "name": "spark-rounds", "engine": "spark-rounds", "source": "csv",
                "rounds": [5, 20]})  # fmt: skip
    return out + both


def _load_previous() -> dict[str, Any]:
    path = RESULTS / f"{RESULT}.json"
    if path.exists():
        previous: dict[str, Any] = orjson.loads(path.read_bytes())
        previous.pop("machine", None)
        return previous
    return {"targets": {}}


def run_target(label: str, uri: str, csv: str, only: set[str] | None, timeout: float) -> None:
    for case in cases(label, uri, csv):
        if only and case["name"] not in only:
            continue
        print(f"[{label}] {case['name']} ...", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.bench_spark", "--case", json.dumps(case)],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
        line = next((x for x in proc.stdout.splitlines()[::-1] if x.startswith("{")), None)
        if proc.returncode != 0 or line is None:
            entry: dict[str, Any] = {"failed": proc.stderr.strip().splitlines()[-5:]}
        else:
            entry = json.loads(line)
        entry["load_average"] = [round(x, 1) for x in os.getloadavg()]
        results = _load_previous()  # re-read: another run may have added cases meanwhile
        target = results["targets"].setdefault(label, {"uri": uri, "csv": csv, "cases": {}})
        target["cases"][case["name"]] = entry
        print(f"  {round(time.perf_counter() - t0, 1)} s: {entry}", flush=True)
        write_results(RESULT, results)  # after every case: a long run keeps what it measured


def build_100k(work: Path) -> tuple[str, str, Any]:
    """Generates the 100k corpus and bulk-imports it into a scratch server (CSV kept)."""
    from cli.bulk import run_bulk_import
    from graph.server import LocalNeo4j, free_port
    from graph.settings import LocalServerSettings

    corpus = Path("/tmp/scholargraph-synth-100000.jsonl.gz")
    if not corpus.exists():
        subprocess.run([sys.executable, "-m", "bench.synth", "--papers", "100000", "--seed", "7",
                        "--out", str(corpus)], check=True)  # fmt: skip
    local = LocalServerSettings()
    server = LocalNeo4j(work / "neo4j", cache_dir=local.home / "cache", version=local.version,
                        port=free_port(), heap="2g", pagecache="1g")  # fmt: skip
    run_bulk_import(server, [corpus], work_dir=work, keep_csv=True)
    csv = next(p for p in work.iterdir() if p.name.startswith("scholargraph-bulk-"))
    return server.uri, str(csv), server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--target", nargs=3, action="append", metavar=("LABEL", "URI", "CSV_DIR"),
                    help="a loaded Neo4j and its bulk-import CSV folder; repeatable")  # fmt: skip
    ap.add_argument("--only", action="append", help="case names to run (default: all)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="seconds per case")
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(json.loads(args.case))), flush=True)
        return
    only = set(args.only) if args.only else None
    if args.target:
        for label, uri, csv in args.target:
            run_target(label, uri, csv, only, args.timeout)
        return
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="sg-bench-spark-"))
    uri, csv, server = build_100k(work)
    try:
        run_target("100k", uri, csv, only, args.timeout)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
