"""Ingest benchmark on the Paperscape set (49,264 papers, 111,535 authorships, 146,964 citations).

    python -m bench.bench_ingest [--quick]

Measures, in one run on one server:
* the batched writer on the full set: papers/s and rows/s (rows = papers + authorships +
  citations + category links), median of the repeats;
* the same slice through the batched writer and the naive one-record-per-transaction writer,
  side by side, and their ratio;
* the batch size sweep that chose the default;
* peak memory (max RSS) of a full-set load vs a 5k-paper slice, each in its own process.
Results go to bench/results/ingest.json.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
from neo4j import Driver

from bench.common import DB, PAPERSCAPE, RESULTS, median, neo4j_for_bench, wipe, write_results
from bench.naive_writer import write_one
from graph.stats import graph_stats
from loaders import paperscape
from loaders.records import Paper
from loaders.writer import DEFAULT_BATCH_SIZE, load_paths


def slice_file(n: int, out: Path) -> Path:
    """The first ``n`` papers of the set, in the original format."""
    lines: list[str] = []
    for f in sorted(PAPERSCAPE.glob("pscp-*.csv")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                lines.append(line)
            if len(lines) >= n:
                break
    out.write_text("\n".join(lines[:n]) + "\n", encoding="utf-8")
    return out


def rows_written(driver: Driver) -> int:
    s = graph_stats(driver, DB)
    rel = s["relationships"]
    return int(s["nodes"]["Paper"] + rel["AUTHORED"] + rel["CITES"] + rel["IN_CATEGORY"])


def timed_load(driver: Driver, paths: list[Path], batch_size: int) -> float:
    wipe(driver)
    t0 = time.perf_counter()
    load_paths(driver, DB, paths, batch_size=batch_size, refresh=False)
    return time.perf_counter() - t0


def naive_load(driver: Driver, path: Path) -> float:
    wipe(driver)
    t0 = time.perf_counter()
    for rec in paperscape.parse(path):
        if isinstance(rec, Paper):
            write_one(driver, DB, rec)
    return time.perf_counter() - t0


def peak_rss_mb(uri: str, path: Path) -> float:
    code = (
        "import resource,sys;from pathlib import Path;from neo4j import GraphDatabase;"
        "from loaders.writer import DEFAULT_BATCH_SIZE, load_paths;"
        f"d=GraphDatabase.driver({uri!r},auth=None,notifications_min_severity='OFF');"
        f"load_paths(d,'neo4j',[Path({str(path)!r})],refresh=False);"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller slices")
    parser.add_argument("--naive-papers", type=int, help="slice size of the side-by-side run")
    parser.add_argument(
        "--only",
        choices=["side-by-side", "sweep", "full", "memory"],
        action="append",
        help="run only these parts (repeatable); other figures in the results file are kept",
    )
    args = parser.parse_args()
    parts = set(args.only or ["side-by-side", "sweep", "full", "memory"])
    repeats = 1 if args.quick else 3
    naive_n = args.naive_papers or (300 if args.quick else 2000)
    tmp = Path(__import__("tempfile").mkdtemp(prefix="sg-ingest-"))
    files = sorted(PAPERSCAPE.glob("pscp-*.csv"))
    previous = RESULTS / "ingest.json"
    results: dict[str, object] = {}
    if args.only and previous.exists():  # keep the parts not re-measured
        results = {k: v for k, v in orjson.loads(previous.read_bytes()).items() if k != "machine"}

    with neo4j_for_bench() as (driver, uri):
        if "side-by-side" in parts:
            side_by_side(driver, tmp, naive_n, repeats, results)
        if "sweep" in parts:
            sweep(driver, repeats, args.quick, results)
        if "full" in parts:
            full_set(driver, files, 1 if args.quick else 2, results)
        if "memory" in parts:
            memory(driver, uri, tmp, results)

    path = write_results("ingest", {**results, "quick": args.quick})
    print(f"wrote {path}")


Results = dict[str, Any]


def side_by_side(driver: Driver, tmp: Path, naive_n: int, repeats: int, results: Results) -> None:
    """The same slice through the naive and the batched writer, in one run."""
    small = slice_file(naive_n, tmp / f"slice-{naive_n}.csv")
    # Warm-up, discarded: the server's JIT and query plans (a fresh server loads the same slice
    # 5x slower the first time and 2.5x slower the second), for both writers alike.
    for _ in range(2):
        timed_load(driver, [small], DEFAULT_BATCH_SIZE)
    naive_load(driver, slice_file(100, tmp / "warm-up-100.csv"))
    naive = [naive_load(driver, small) for _ in range(repeats)]
    naive_rows = rows_written(driver)
    batched = [timed_load(driver, [small], DEFAULT_BATCH_SIZE) for _ in range(repeats)]
    assert rows_written(driver) == naive_rows, "the two writers must write the same rows"
    results["side_by_side"] = {
        "papers": naive_n,
        "rows": naive_rows,
        "naive_s": median(naive),
        "batched_s": median(batched),
        "naive_papers_per_s": naive_n / median(naive),
        "batched_papers_per_s": naive_n / median(batched),
        "ratio": median(naive) / median(batched),
    }
    print("side by side", results["side_by_side"])


def sweep(driver: Driver, repeats: int, quick: bool, results: Results) -> None:
    """Batch sizes on one year (10,088 papers)."""
    sweep_file = PAPERSCAPE / "pscp-1994.csv"
    sizes = [250, 1000, 2500] if quick else [250, 500, 1000, 2000, 5000]
    out = {}
    for size in sizes:
        times = [timed_load(driver, [sweep_file], size) for _ in range(repeats)]
        out[str(size)] = {"s": median(times), "papers_per_s": 10088 / median(times)}
        print("batch", size, out[str(size)])
    results["batch_size_sweep"] = out


def full_set(driver: Driver, files: list[Path], repeats: int, results: Results) -> None:
    full = [timed_load(driver, files, DEFAULT_BATCH_SIZE) for _ in range(repeats)]
    rows = rows_written(driver)
    results["full_set"] = {
        "papers": 49264,
        "rows": rows,
        "s": median(full),
        "papers_per_s": 49264 / median(full),
        "rows_per_s": rows / median(full),
    }
    print("full set", results["full_set"])


def memory(driver: Driver, uri: str, tmp: Path, results: Results) -> None:
    """Peak RSS of a full-set load vs a 5k-paper slice, each in a fresh process."""
    five_k = slice_file(5000, tmp / "slice-5000.csv")
    wipe(driver)
    mem_small = peak_rss_mb(uri, five_k)
    wipe(driver)
    mem_full = peak_rss_mb(uri, PAPERSCAPE)
    results["peak_rss_mb"] = {"slice_5k": mem_small, "full_49k": mem_full,
                              "ratio": mem_full / mem_small}  # fmt: skip
    print("peak rss", results["peak_rss_mb"])


if __name__ == "__main__":
    main()
