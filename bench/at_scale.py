"""One synthetic corpus end to end: bulk-load it, analyse it, query it.

    python -m bench.at_scale --corpus /tmp/scholargraph-synth-1000000.jsonl.gz --label 1m

On a fresh local Neo4j (own folder, free port, ``--heap``/``--pagecache``):

1. **load** — ``scholargraph bulk-import``'s code path (parse in worker processes, CSVs,
   ``neo4j-admin database import full``, schema, computed metrics), phase by phase;
2. **analyse** — write-mode runs a user would start on a new graph: PageRank on the whole
   citation graph, PageRank and Leiden (2 iterations) on the whole co-authorship graph, and
   PageRank on one
   field and period (the biggest category, the last five years); export / algorithm / write
   times each, plus peak RSS of this process;
3. **query** — ``bench.bench_api`` (profile, paper, filtered page at 1 and 16 clients, against
   ``scholargraph serve``) and ``bench.bench_collab`` (collaboration paths) against the loaded
   graph, in subprocesses, written to ``api-<label>.json`` and ``collab-<label>.json``.

Results: ``bench/results/scale-<label>.json``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import DB, RESULTS, ROOT, write_results
from graph.analytics.runs import analyze
from graph.analytics.spec import GraphKind, GraphSpec
from graph.db import open_driver
from graph.server import LocalNeo4j, free_port
from graph.settings import LocalServerSettings, Neo4jSettings

BIGGEST_CATEGORY = """
MATCH (c:Category)<-[:IN_CATEGORY]-(p:Paper)
RETURN c.id AS id, count(p) AS papers ORDER BY papers DESC, id LIMIT 1
"""
LEIDEN_ITERATIONS = 2  # bounded: "until stable" took 406 s on the 1M corpus's 7M-edge graph
LAST_YEAR = "MATCH (p:Paper) WHERE p.year IS NOT NULL RETURN max(p.year) AS year"


def _rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def load(server: LocalNeo4j, corpus: Path) -> dict[str, Any]:
    from cli.bulk import run_bulk_import

    work = Path("/tmp/sgbench")
    work.mkdir(parents=True, exist_ok=True)
    result = run_bulk_import(server, [corpus], work_dir=work)
    return {"seconds": result.seconds, "csv": result.csv, "errors": result.parse_errors,
            "stats": result.stats}  # fmt: skip


def analyse(settings: Neo4jSettings, out: dict[str, Any]) -> None:
    """Fills ``out`` run by run (what finished is kept if a later run fails)."""
    with open_driver(settings) as driver:
        category = driver.execute_query(BIGGEST_CATEGORY, database_=DB).records[0]
        last = int(driver.execute_query(LAST_YEAR, database_=DB).records[0]["year"])
        field = GraphSpec(GraphKind.CITATION, categories=(category["id"],),
                          year_from=last - 4, year_to=last)  # fmt: skip
        coauthorship = GraphSpec(GraphKind.COAUTHORSHIP)
        runs: dict[str, tuple[GraphSpec, str, dict[str, Any]]] = {
            "citation_pagerank": (GraphSpec(GraphKind.CITATION), "pagerank", {}),
            "coauthorship_pagerank": (coauthorship, "pagerank", {}),
            "coauthorship_leiden": (coauthorship, "leiden", {"iterations": LEIDEN_ITERATIONS}),
            "field_period_pagerank": (field, "pagerank", {}),
        }
        out["field_period"] = field.as_dict()
        for name, (spec, algorithm, params) in runs.items():
            t0 = time.perf_counter()
            outcome = analyze(driver, DB, spec, algorithm, params, write=True, top=5)
            seconds = round(time.perf_counter() - t0, 2)
            out[name] = {
                "nodes": outcome.node_count,
                "edges": outcome.edge_count,
                "seconds": seconds,
                "timings_s": {k: round(v / 1e3, 2) for k, v in outcome.timings_ms.items()},
                "edges_per_s_export": round(
                    outcome.edge_count / max(outcome.timings_ms["export"] / 1e3, 1e-9)
                ),
                "parameters": outcome.parameters,
                "communities": outcome.community_count,
                "modularity": outcome.modularity,
                "rss_mb_after": _rss_mb(),
            }
            print(name, out[name], flush=True)


def query(uri: str, label: str, duration: float, pairs: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_PASSWORD"}  # no auth here
    env.update(NEO4J_URI=uri, NEO4J_DATABASE=DB)
    files = {"api": RESULTS / f"api-{label}.json", "collab": RESULTS / f"collab-{label}.json"}
    dataset = f"synthetic {label}"
    commands = {
        "api": ["-m", "bench.bench_api", "--skip-load", "--duration", str(duration),
                "--dataset", dataset, "--out", str(files["api"])],
        "collab": ["-m", "bench.bench_collab", "--pairs", str(pairs), "--dataset", dataset,
                   "--out", str(files["collab"])],
    }  # fmt: skip
    out = {}
    for name, args in commands.items():
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=False)
        out[name] = str(files[name].relative_to(ROOT)) if done.returncode == 0 else (
            f"failed with exit code {done.returncode} (see the run's output)"
        )  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, required=True, help="synthetic OpenAlex JSONL(.gz)")
    ap.add_argument("--label", required=True, help="results name suffix, e.g. 100k or 1m")
    ap.add_argument("--heap", default="4g")
    ap.add_argument("--pagecache", default="8g")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per API measurement")
    ap.add_argument("--pairs", type=int, default=200, help="author pairs for collaboration paths")
    ap.add_argument("--keep", action="store_true", help="leave the loaded server running")
    args = ap.parse_args()

    local = LocalServerSettings()
    folder = Path("/tmp/sgbench") / f"scale-{args.label}-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    server = LocalNeo4j(
        folder, cache_dir=local.home / "cache", version=local.version, port=free_port(),
        heap=args.heap, pagecache=args.pagecache, transaction_timeout="3600s",
    )  # fmt: skip
    memory = {"heap": args.heap, "pagecache": args.pagecache}
    result: dict[str, Any] = {"corpus": args.corpus.name, "label": args.label, "memory": memory}
    t0 = time.perf_counter()
    try:
        server.start()
        result["load"] = load(server, args.corpus)
        print("load", result["load"]["seconds"], flush=True)
        settings = Neo4jSettings(uri=server.uri, password=None, database=DB)
        result["analyse"] = {}
        analyse(settings, result["analyse"])
        result["query"] = query(server.uri, args.label, args.duration, args.pairs)
    except BaseException as e:
        result["failed"] = repr(e)
        raise
    finally:
        if args.keep:
            print(f"server left running at {server.uri} ({folder})", flush=True)
        else:
            server.stop()
            shutil.rmtree(folder, ignore_errors=True)
        result["total_seconds"] = round(time.perf_counter() - t0, 1)
        result["machine_at_end"] = {"load_average": os.getloadavg()}
        print("wrote", write_results(f"scale-{args.label}", result), flush=True)


if __name__ == "__main__":
    main()
