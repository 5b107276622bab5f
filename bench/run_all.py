"""Every benchmark in one command, then a short report with plots.

    python -m bench.run_all            # the full run (hours on 2 cores: 1M-paper corpus included)
    python -m bench.run_all --quick    # a few minutes: small slices, one repeat, 20k corpus
    python -m bench.run_all --report   # only rebuild bench/results/REPORT.md and the PNGs

Runs, each in its own process (each starts its own Neo4j unless NEO4J_URI is set):
ingest on Paperscape (batched vs naive writer), analytics (igraph vs networkx, Paperscape and a
1M-edge synthetic graph), API latency, collaboration-path latency, a cheap query's latency under
an expensive-query flood (``bench.bench_flood``), the uncached workload with the Neo4j GraphQL
Library side by side (``bench.bench_uncached`` on Paperscape; with ``--uncached-uri`` also on the
graph at that URI, read only: results uncached-1m.json and peer-1m.json), the demo graph's first
requests (``bench.bench_first_requests``); then the synthetic
corpus at 100k and 1M papers end to end (``bench.at_scale``: bulk load, analytics, API and path
latency on the loaded graph) and through both load paths side by side (``bench.ingest_scale``: bulk
import vs the transactional writer, each on a fresh server). Results land in
bench/results/*.json; the report in bench/results/REPORT.md with ingest.png and analytics.png.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from bench.common import RESULTS, ROOT


def _run(args: list[str], env: dict[str, str] | None = None) -> float:
    print("$", " ".join(args), flush=True)
    t0 = time.perf_counter()
    full_env = {**os.environ, **env} if env else None
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True, env=full_env)
    return time.perf_counter() - t0


def _corpus(papers: int) -> Path:
    path = Path("/tmp") / f"scholargraph-synth-{papers}.jsonl.gz"
    if not path.exists():
        _run(["-m", "bench.synth", "--papers", str(papers), "--seed", "7", "--out", str(path)])
    return path


def run(quick: bool, uncached_uri: str | None = None) -> dict[str, float]:
    flag = ["--quick"] if quick else []
    took = {
        "ingest": _run(["-m", "bench.bench_ingest", *flag]),
        "analytics": _run(["-m", "bench.bench_analytics", *flag]),
        "api": _run(["-m", "bench.bench_api", "--duration", "5" if quick else "10"]),
        "collab": _run(
            ["-m", "bench.bench_collab", "--load", "--pairs", "100" if quick else "300"]
        ),
        "flood": _run(["-m", "bench.bench_flood", "--duration", "10" if quick else "30"]),
        "uncached": _run(["-m", "bench.bench_uncached", "--label", "demo", *flag]),
        "first_requests": _run(
            ["-m", "bench.bench_first_requests", "--repeats", "2" if quick else "5"]
        ),
    }
    if uncached_uri and not quick:
        took["uncached_1m"] = _run(
            ["-m", "bench.bench_uncached", "--skip-load", "--label", "1m"],
            env={"NEO4J_URI": uncached_uri},
        )
    sizes = {"20k": 20_000} if quick else {"100k": 100_000, "1m": 1_000_000}
    scale_runs: list[str] = []
    for label, n in sizes.items():
        corpus = _corpus(n)
        scale_runs += ["--run", f"bulk:{corpus}", "--run", f"tx:{corpus}"]
        took[f"at_scale_{label}"] = _run(
            ["-m", "bench.at_scale", "--corpus", str(corpus), "--label", label,
             "--duration", "5" if quick else "10", "--pairs", "50" if quick else "200"]
        )  # fmt: skip
    memory = ["--heap", "4g", "--pagecache", "8g"]
    took["ingest_scale"] = _run(["-m", "bench.ingest_scale", *memory, *scale_runs])
    return took


def _load(name: str) -> dict[str, Any]:
    path = RESULTS / f"{name}.json"
    return dict(orjson.loads(path.read_bytes())) if path.exists() else {}


def _scale_section() -> list[str]:
    """One block per synthetic corpus run end to end by ``bench.at_scale``."""
    lines: list[str] = []
    for path in sorted(RESULTS.glob("scale-*.json")):
        run = dict(orjson.loads(path.read_bytes()))
        label = run["label"]
        stats, seconds = run["load"]["stats"], run["load"]["seconds"]
        lines += [
            f"## Synthetic {label} end to end ({run['corpus']})",
            "",
            f"- bulk load: {stats['total_nodes']:,} nodes, {stats['total_relationships']:,} "
            f"relationships in {seconds['total']:.0f} s "
            f"({', '.join(f'{k} {v:.0f} s' for k, v in seconds.items() if k != 'total')})",
            "",
            "| analysis (write) | nodes | edges | export s | algorithm s | write s | total s |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, a in run["analyse"].items():
            if not isinstance(a, dict) or "timings_s" not in a:
                continue
            t = a["timings_s"]
            lines.append(
                f"| {name} | {a['nodes']:,} | {a['edges']:,} | {t['export']:.2f} | "
                f"{t['algorithm']:.2f} | {t.get('write', 0):.2f} | {a['seconds']:.2f} |"
            )
        api, collab = _load(f"api-{label}"), _load(f"collab-{label}")
        if api.get("scenarios"):
            lines += ["", "| API scenario | clients | p50 ms | p99 ms | req/s |",
                      "|---|---|---|---|---|"]  # fmt: skip
            for name, sc in api["scenarios"].items():
                for r in sc["runs"]:
                    lines.append(f"| {name} | {r['clients']} | {r['p50_ms']} | {r['p99_ms']} | "
                                 f"{r['requests_per_s']} |")  # fmt: skip
        if collab.get("k1"):
            k1 = collab["k1"]
            lines.append(f"\n- collaborationPath k=1 over {k1['n']} pairs: p50 {k1['p50_ms']} ms, "
                         f"p99 {k1['p99_ms']} ms")  # fmt: skip
        lines.append("")
    return lines


def _uncached_section() -> list[str]:
    """p50/p99 per class of ``bench.bench_uncached`` and the peer ratios (docs/read-path.md)."""
    lines: list[str] = []
    for path in sorted(RESULTS.glob("uncached-*.json")):
        run = dict(orjson.loads(path.read_bytes()))
        levels = run["levels"]
        lines += [f"## Uncached workload, {run['label']} ({run['distinct_requests']} distinct "
                  "requests, response cache off)", "",
                  "| class | p50 ms, 1 client | p99 ms, 1 client | p50 ms, 16 | p99 ms, 16 | "
                  "errors | Bolt queries |", "|---|---|---|---|---|---|---|"]  # fmt: skip
        one_level, many_level = levels["clients_1"]["classes"], levels["clients_16"]["classes"]
        for klass in sorted(set(one_level) | set(many_level)):
            one, many = one_level.get(klass, {}), many_level.get(klass, {})
            bolt = run["bolt"].get(klass, {}).get("bolt_queries_per_request", {})
            lines.append(f"| {klass} | {one.get('p50_ms')} | {one.get('p99_ms')} | "
                         f"{many.get('p50_ms')} | {many.get('p99_ms')} | "
                         f"{one.get('errors')}/{many.get('errors')} | "
                         f"{bolt.get('median')} |")  # fmt: skip
        if run.get("skipped_classes"):
            lines.append(f"\nSkipped: {run['skipped_classes']}")
        peer = _load(f"peer-{run['label']}")
        if peer.get("ratios"):
            lines.append(f"\nNeo4j GraphQL Library side by side: {peer['ratios']}")
        lines.append("")
    return lines


def _first_requests_section() -> list[str]:
    """The demo graph's first requests (``bench.bench_first_requests``; docs/read-path.md)."""
    run = _load("first-requests")
    if not run.get("modes"):
        return []
    modes = run["modes"]
    lines = ["## First requests on the demo graph (response cache off)", "",
             "| request | goal ms | first ms, warmed at start | first ms, not warmed |",
             "|---|---|---|---|"]  # fmt: skip
    cold = {r["request"]: r for r in modes["no-snapshot"]["requests"]}
    for r in modes["snapshot"]["requests"]:
        lines.append(f"| {r['request']} | {r['goal_ms']} | {r['first_ms']} | "
                     f"{cold[r['request']]['first_ms']} |")  # fmt: skip
    return [*lines, ""]


def report() -> Path:
    """REPORT.md + ingest.png + analytics.png from whatever results exist."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lines = ["# Benchmark report", "", "Generated by `python -m bench.run_all --report` from "
             "bench/results/*.json (2-core machine; medians).", ""]  # fmt: skip

    ingest, scale = _load("ingest"), _load("ingest_scale")
    points: dict[str, list[tuple[int, float]]] = {}
    if ingest.get("full_set"):
        f = ingest["full_set"]
        points.setdefault("transactional (Paperscape)", []).append((f["papers"], f["s"]))
        s = ingest.get("side_by_side", {})
        lines += [
            "## Ingest",
            "",
            f"- Paperscape full set: {f['papers']:,} papers in {f['s']:.1f} s "
            f"({f['papers_per_s']:.0f} papers/s, {f['rows_per_s']:.0f} rows/s)",
            f"- same {s.get('papers', 0):,}-paper slice: batched {s.get('batched_s', 0):.2f} s vs "
            f"naive {s.get('naive_s', 0):.2f} s, ratio {s.get('ratio', 0):.1f}x",
            f"- peak RSS: {ingest.get('peak_rss_mb', {})}",
            "",
        ]
    for row in scale.get("summary", []):
        memory = row.get("memory", "heap 2g, page cache 1g")
        label = f"{row['method']} (synthetic, {memory})"
        points.setdefault(label, []).append((row["papers"], row["median_total_seconds"]))
        lines.append(
            f"- synthetic {row['papers']:,} papers, {row['method']}, {memory}: "
            f"{row['median_total_seconds']:.0f} s ({row['papers_per_second']:.0f} papers/s; "
            f"load average before: {row.get('load_average_before')})"
        )
    for path in sorted(RESULTS.glob("scale-*.json")):  # bulk loads of bench.at_scale
        run = dict(orjson.loads(path.read_bytes()))
        stats, total = run["load"]["stats"], run["load"]["seconds"]["total"]
        papers = stats["nodes"]["Paper"] - stats["stub_papers"]
        memory = f"heap {run['memory']['heap']}, page cache {run['memory']['pagecache']}"
        points.setdefault(f"bulk (synthetic, {memory})", []).append((papers, total))
        lines.append(f"- synthetic {papers:,} papers, bulk ({path.name}), {memory}: {total:.0f} s")
    if points:
        fig, ax = plt.subplots(figsize=(6, 4))
        for label, pts in sorted(points.items()):
            pts.sort()
            ax.loglog([p for p, _ in pts], [t for _, t in pts], marker="o", label=label)
        ax.set_xlabel("papers")
        ax.set_ylabel("seconds (load + metrics)")
        ax.set_title("Ingest time vs corpus size")
        ax.legend()
        fig.tight_layout()
        fig.savefig(RESULTS / "ingest.png", dpi=110)
        lines += ["", "![ingest](ingest.png)", ""]

    analytics = _load("analytics")
    rows = []
    for name, block in analytics.items():
        if isinstance(block, dict) and "edges" in block and "pipeline" in block:
            rows.append((block["edges"], block["pipeline"], name, block))
    if rows:
        lines += ["## Analytics (export + PageRank + Leiden pipeline)", ""]
        lines += ["| graph | nodes | edges | export s | igraph pipeline s | networkx s | ratio |",
                  "|---|---|---|---|---|---|---|"]  # fmt: skip
        fig, ax = plt.subplots(figsize=(6, 4))
        xs, ig_s, nx_s = [], [], []
        for edges, pipe, name, block in sorted(rows, key=lambda r: r[0]):
            lines.append(
                f"| {name} | {block['nodes']:,} | {edges:,} | {block.get('export_s', 0):.2f} | "
                f"{pipe.get('igraph_s', 0):.2f} | {pipe.get('networkx_s') or 0:.2f} | "
                f"{pipe.get('ratio') or 0:.1f} |"
            )
            xs.append(edges)
            ig_s.append(pipe.get("igraph_s", 0))
            nx_s.append(pipe.get("networkx_s") or float("nan"))
        ax.loglog(xs, ig_s, marker="o", label="igraph")
        ax.loglog(xs, nx_s, marker="s", label="networkx")
        ax.set_xlabel("edges")
        ax.set_ylabel("seconds")
        ax.set_title("Analytics pipeline time vs graph size")
        ax.legend()
        fig.tight_layout()
        fig.savefig(RESULTS / "analytics.png", dpi=110)
        lines += ["", "![analytics](analytics.png)", ""]

    lines += _scale_section()
    api = _load("api")
    if api.get("scenarios"):
        lines += ["## API latency", "", "| scenario | clients | p50 ms | p99 ms | req/s |",
                  "|---|---|---|---|---|"]  # fmt: skip
        for name, sc in api["scenarios"].items():
            for r in sc["runs"]:
                lines.append(f"| {name} | {r['clients']} | {r['p50_ms']} | {r['p99_ms']} | "
                             f"{r['requests_per_s']} |")  # fmt: skip
    flood = _load("flood")
    if flood.get("cheap_alone"):
        alone, flooded = flood["cheap_alone"], flood["cheap_under_flood"]
        lines += ["", "## A cheap query under an expensive flood", "",
                  f"{flood['flood']['clients']} clients at the cost limit "
                  f"({flood['settings']['max_query_cost']}); docs/limits.md", "",
                  "| cheap query | p50 ms | p99 ms | requests |", "|---|---|---|---|",
                  f"| alone | {alone['p50_ms']} | {alone['p99_ms']} | {alone['requests']} |",
                  f"| under the flood | {flooded['p50_ms']} | {flooded['p99_ms']} | "
                  f"{flooded['requests']} |"]  # fmt: skip
    lines += _uncached_section()
    lines += _first_requests_section()
    collab = _load("collab")
    if collab:
        lines += ["", "## Collaboration paths", "", "```", orjson.dumps(
            {k: v for k, v in collab.items() if k != "machine"}, option=orjson.OPT_INDENT_2
        ).decode()[:1500], "```"]  # fmt: skip
    out = RESULTS / "REPORT.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="minutes instead of hours")
    parser.add_argument("--report", action="store_true", help="only rebuild the report")
    parser.add_argument(
        "--uncached-uri", default=None, help="also the uncached workload on the graph at this URI"
    )
    args = parser.parse_args()
    if not args.report:
        took = run(args.quick, args.uncached_uri)
        print("benchmarks took", {k: round(v) for k, v in took.items()}, "seconds")
    print("wrote", report())


if __name__ == "__main__":
    main()
