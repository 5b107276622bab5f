"""Read path on the demo graph: filtered sorted pages at depth 1/10/100, counts, facets.

The Paperscape arXiv 1991–1996 sample plus the profile page, loaded with the project loader
into a fresh Neo4j (or ``NEO4J_URI``); every request goes through the GraphQL schema in-process
(no HTTP, no response cache), the first run and the median of ``--runs`` repeats reported in
milliseconds. ``--before DIR`` also measures the code checked out in ``DIR`` (e.g. an
``git archive`` of an earlier commit) on the same database, in a subprocess, so both columns
come from one load of one server.

    python -m bench.bench_read_path [--runs 7] [--before /tmp/before] [--from-year 1991]

Results: ``bench/results/read-path.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench.common import DATA, DB, PAPERSCAPE, ROOT, median, neo4j_for_bench, wipe, write_results

PAGE = """query($where: PaperWhere, $after: String) {
  papers(where: $where, orderBy: [CITATION_COUNT_DESC], first: 20, after: $after) {
    edges { node { id title year citationCount } } pageInfo { hasNextPage endCursor } } }"""
COUNT = "query($where: PaperWhere) { papers(where: $where) { totalCount } }"
FACETS = """query($where: PaperWhere) { papers(where: $where, first: 0) { facets(first: 10) {
  years { values { year count } } categories { values { count category { id } } }
  venues { values { count venue { id } } } } } }"""

BROAD = {"year": {"gte": 1991}}
HEP_TH = {
    "category": {"eq": "arxiv:hep-th"},
    "year": {"gte": 1994, "lte": 1995},
    "citationCount": {"gte": 5},
}
DEPTH_FILTER = {"year": {"gte": 1993}}

#: name -> (query, variables, cursor depth in pages or None)
REQUESTS: dict[str, tuple[str, dict[str, Any], int | None]] = {
    "page_hep_th_depth_1": (PAGE, {"where": HEP_TH}, 1),
    "page_depth_1": (PAGE, {"where": DEPTH_FILTER}, 1),
    "page_depth_10": (PAGE, {"where": DEPTH_FILTER}, 10),
    "page_depth_100": (PAGE, {"where": DEPTH_FILTER}, 100),
    "count_broad": (COUNT, {"where": BROAD}, None),
    "count_narrow": (COUNT, {"where": HEP_TH}, None),
    "facets_all": (FACETS, {"where": None}, None),
    "facets_hep_th": (FACETS, {"where": HEP_TH}, None),
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


async def measure(uri: str, runs: int) -> dict[str, Any]:
    """Every request of ``REQUESTS`` against the server at ``uri`` with this checkout's code."""
    from api.context import Context
    from api.schema import build_schema
    from graph.db import async_driver
    from graph.repository import ReadScope
    from graph.settings import AppSettings, Neo4jSettings

    settings = AppSettings()
    schema = build_schema(settings)
    driver = async_driver(Neo4jSettings(uri=uri, password=None, database=DB))
    scope = ReadScope(driver, DB, 60.0)

    async def run(query: str, variables: dict[str, Any]) -> tuple[float, Any]:
        ctx = Context(scope=scope, settings=settings)
        t = time.perf_counter()
        result = await schema.execute(query, variable_values=variables, context_value=ctx)
        ms = (time.perf_counter() - t) * 1000
        if result.errors:
            return ms, {"error": result.errors[0].message}
        return ms, result.data

    out: dict[str, Any] = {}
    try:
        for name, (query, variables, depth) in REQUESTS.items():
            after = None
            for _ in range((depth or 1) - 1):  # walk to the page (not timed)
                _, got = await run(query, {**variables, "after": after})
                after = got["papers"]["pageInfo"]["endCursor"]
            values = {**variables, "after": after} if depth else variables
            times: list[float] = []
            answer: Any = None
            for _ in range(runs):
                ms, answer = await run(query, values)
                times.append(ms)
            if isinstance(answer, dict) and "error" in answer:
                out[name] = {"error": answer["error"]}
            else:
                out[name] = {
                    "first_ms": round(times[0], 1),
                    "median_ms": round(median(times), 1),
                    "times_ms": [round(t, 1) for t in times],
                }
                if query is COUNT:
                    out[name]["total"] = answer["papers"]["totalCount"]
            log(f"{name}: {out[name]}")
    finally:
        await driver.close()
    return out


def _measure_in(checkout: Path, uri: str, runs: int) -> dict[str, Any]:
    """``measure`` with the code of ``checkout``, in a subprocess."""
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_read_path", "--runs", str(runs), "--measure-only", uri],
        cwd=checkout, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    sys.stderr.write(proc.stderr[-4000:])
    if proc.returncode != 0:
        raise RuntimeError(f"measuring {checkout} failed")
    return orjson.loads(proc.stdout)  # type: ignore[no-any-return]


def _combine(answers: list[dict[str, Any]]) -> dict[str, Any]:
    """Per request: the first request of the first round, the median of every run."""
    out: dict[str, Any] = {}
    for name in answers[0]:
        first = answers[0][name]
        if "error" in first:
            out[name] = {"error": first["error"]}
            continue
        times = [t for a in answers for t in a[name]["times_ms"]]
        out[name] = {
            "first_ms": first["first_ms"],
            "median_ms": round(median(times), 1),
            "runs": len(times),
        }
        if "total" in first:
            out[name]["total"] = first["total"]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="repeats per request (default 7)")
    ap.add_argument("--before", type=Path, help="also measure the code checked out here")
    ap.add_argument(
        "--from-year", type=int, default=1991, help="load the Paperscape years from this one on"
    )
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    ap.add_argument("--measure-only", help=argparse.SUPPRESS)  # the URI of a loaded server
    args = ap.parse_args(argv)
    if args.measure_only:
        print(orjson.dumps(asyncio.run(measure(args.measure_only, args.runs))).decode())
        return 0
    files = [f for f in sorted(PAPERSCAPE.glob("pscp-*.csv")) if int(f.stem[5:]) >= args.from_year]
    graph = f"paperscape {args.from_year}-1996 + profile-page"
    results: dict[str, Any] = {"runs": args.runs, "graph": graph}
    with neo4j_for_bench(heap="2g", pagecache="1g") as (driver, uri):
        from loaders.writer import load_paths

        wipe(driver)
        t = time.perf_counter()
        load_paths(driver, DB, [*files, DATA / "profile-page"])
        results["load_s"] = round(time.perf_counter() - t, 1)
        log(f"loaded in {results['load_s']} s")
        checkouts = {"after": ROOT}
        if args.before is not None:
            checkouts = {"before": args.before, "after": ROOT}
        rounds: dict[str, list[dict[str, Any]]] = {label: [] for label in checkouts}
        for i in range(args.rounds):  # interleaved, so both see the same machine load
            for label, checkout in checkouts.items():
                log(f"round {i + 1}: {label}")
                rounds[label].append(_measure_in(checkout, uri, args.runs))
        for label, answers in rounds.items():
            results[label] = _combine(answers)
    path = write_results("read-path", results)
    log(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
