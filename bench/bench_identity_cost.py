"""What the identity work costs the writers, side by side in one run.

    .venv/bin/python -m bench.bench_identity_cost [--papers N] [--load-papers N] [--repeats R]
        [--load-repeats R] [--only WRITER]

Each writer runs with the clustering of name-only authorships on (the product) and off (one
author per printed name, the rule before it: ``cluster_authors=False``), alternating, on the
same input and the same machine, and the medians are compared:

* ``scholargraph load``'s transactional writer on Paperscape arXiv 1991–1996 (49,264 papers,
  111,535 authorships, every one name-only: the worst case for the clustering), into a fresh
  local Neo4j wiped between runs, after one untimed load of 1991 in each mode;
* ``scholargraph load``'s transactional writer on the bulk run's kind of input
  (``transactional-openalex``: a synthetic OpenAlex corpus of ``--load-papers``, 20 % of the
  authorships name-only), the same way;
* ``scholargraph bulk-import`` on a synthetic OpenAlex corpus (``bench.synth``, ``--papers``,
  20 % of the authorships printed without an author id, as name-only authorships), each run
  into a fresh local Neo4j (the time to start it excluded); ``--only bulk-1m-ids`` and
  ``--only bulk-1m`` run it on 1,000,000 papers (the benchmark corpus, every authorship with an
  author id, and the same size with 20 % name-only), with the 1M benchmark's memory settings.

Results go to bench/results/identity-cost.json.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from bench.common import (
    DB,
    PAPERSCAPE,
    RESULTS,
    machine,
    median,
    neo4j_for_bench,
    wipe,
    write_results,
)
from bench.synth import SynthConfig, write_corpus
from cli.bulk import run_bulk_import
from graph.server import LocalNeo4j, free_port
from graph.settings import LocalServerSettings
from graph.stats import graph_stats
from loaders.writer import load_paths

MODES = {"clustering on": True, "clustering off": False}
WRITERS = ("transactional", "transactional-openalex", "bulk")
# The 1M-paper bulk import itself (``--only``, about an hour for both): the benchmark corpus
# (``bench.at_scale``'s, every authorship with an author id) and the same size with 20 % of the
# authorships name-only, with the benchmark's memory settings.
MILLION = {"bulk-1m-ids": 0.0, "bulk-1m": 0.2}


def transactional(repeats: int) -> dict[str, Any]:
    files = sorted(PAPERSCAPE.glob("pscp-*.csv"))
    return _loads(files, files[:1], repeats, "paperscape-arxiv-1991-1996")


def transactional_openalex(papers: int, repeats: int) -> dict[str, Any]:
    """``load`` on the bulk run's kind of input (a smaller corpus: a transactional load is
    slower per paper), so both writers are also compared on like input."""
    tmp = Path(tempfile.mkdtemp(prefix="sg-idcost-"))
    try:
        corpus, warm = tmp / "works.jsonl", tmp / "warm.jsonl"
        write_corpus(SynthConfig(papers=papers, p_name_only=0.2), corpus)
        write_corpus(SynthConfig(papers=max(1, papers // 10), p_name_only=0.2, seed=11), warm)
        return _loads([corpus], [warm], repeats, f"synthetic OpenAlex, {papers:,} papers, 20 % "
                                                 "of authorships without an author id")  # fmt: skip
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _loads(files: list[Path], warm: list[Path], repeats: int, name: str) -> dict[str, Any]:
    """``load`` of ``files`` with the clustering on and off, alternating, into one local server
    wiped before each load, after one untimed load of ``warm`` in each mode."""
    seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
    authors: dict[str, int] = {}
    with neo4j_for_bench() as (driver, _uri):
        for on in MODES.values():  # warm-up, untimed: the server's first queries compile plans
            wipe(driver)
            load_paths(driver, DB, warm, cluster_authors=on)
        for _ in range(repeats):
            for mode, on in MODES.items():
                wipe(driver)
                t0 = time.perf_counter()
                load_paths(driver, DB, files, cluster_authors=on)
                seconds[mode].append(round(time.perf_counter() - t0, 2))
                authors[mode] = int(graph_stats(driver, DB)["nodes"].get("Author", 0))
    return _compare(seconds, {"input": name, "authors": authors})


def bulk(
    papers: int, repeats: int, name_only: float = 0.2, heap: str = "2g", pagecache: str = "1g"
) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="sg-idcost-"))
    try:
        corpus = tmp / "works.jsonl"
        write_corpus(SynthConfig(papers=papers, p_name_only=name_only), corpus)
        seconds: dict[str, list[float]] = {mode: [] for mode in MODES}
        phases: dict[str, dict[str, list[float]]] = {mode: {} for mode in MODES}
        authors: dict[str, int] = {}
        local = LocalServerSettings()
        for i in range(repeats):
            for mode, on in MODES.items():
                home = tmp / f"neo4j-{i}-{on}"
                server = LocalNeo4j(home, cache_dir=local.home / "cache", version=local.version,
                                    port=free_port(), heap=heap, pagecache=pagecache)  # fmt: skip
                try:
                    result = run_bulk_import(server, [corpus], cluster_authors=on)
                finally:
                    server.stop()
                    shutil.rmtree(home, ignore_errors=True)
                s = result.seconds
                seconds[mode].append(round(s["total"] - s["start_and_check_empty"], 2))
                for phase, value in s.items():
                    if phase not in ("total", "start_and_check_empty"):
                        phases[mode].setdefault(phase, []).append(value)
                authors[mode] = int(result.stats["nodes"].get("Author", 0))
        share = f"{name_only:.0%} of authorships without an author id"
        out = _compare(seconds, {"input": f"synthetic OpenAlex, {papers:,} papers, {share}",
                                 "memory": {"heap": heap, "pagecache": pagecache},
                                 "authors": authors})  # fmt: skip
        out["parse_and_csv_median_s"] = {
            mode: median(p["parse_and_csv"]) for mode, p in phases.items()
        }
        out["phase_median_s"] = {
            mode: {phase: median(v) for phase, v in p.items()} for mode, p in phases.items()
        }
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _compare(seconds: dict[str, list[float]], extra: dict[str, Any]) -> dict[str, Any]:
    on, off = median(seconds["clustering on"]), median(seconds["clustering off"])
    return {
        **extra,
        "seconds": seconds,
        "median_s": {"clustering on": on, "clustering off": off},
        "added_percent": round(100 * (on - off) / off, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=200_000, help="bulk corpus size")
    parser.add_argument(
        "--load-papers", type=int, default=20_000, help="corpus size of transactional-openalex"
    )
    parser.add_argument("--repeats", type=int, default=2, help="runs per mode of bulk-import")
    parser.add_argument(
        "--load-repeats", type=int, default=3, help="runs per mode of each load row"
    )
    parser.add_argument(
        "--only",
        choices=(*WRITERS, *MILLION),
        default=None,
        help="measure one writer (the other's figures "
        "stay as the results file has them, each with the machine and time of its own run)",
    )
    args = parser.parse_args()
    path = RESULTS / "identity-cost.json"
    results: dict[str, Any] = {}
    if args.only and path.is_file():
        old = orjson.loads(path.read_bytes())
        results = {w: {"machine": old.get("machine"), **old[w]} if "machine" not in old[w]
                   else old[w] for w in (*WRITERS, *MILLION) if w in old}  # fmt: skip
    for name in WRITERS if args.only is None else (args.only,):
        if name == "transactional":
            run = transactional(args.load_repeats)
        elif name == "transactional-openalex":
            run = transactional_openalex(args.load_papers, args.load_repeats)
        elif name in MILLION:
            run = bulk(1_000_000, args.repeats, MILLION[name], heap="4g", pagecache="8g")
        else:
            run = bulk(args.papers, args.repeats)
        results[name] = {"machine": machine(), **run}
    results["goal"] = "the identity work adds at most 25 % to each writer"
    for name in (*WRITERS, *MILLION):
        if name not in results:
            continue
        r = results[name]
        print(f"{name}: on {r['median_s']['clustering on']} s, off "
              f"{r['median_s']['clustering off']} s: +{r['added_percent']} %")  # fmt: skip
    print(f"wrote {write_results('identity-cost', results)}")


if __name__ == "__main__":
    main()
