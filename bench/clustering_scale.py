"""How the clustering of name-only authorships grows with the corpus, in memory.

    .venv/bin/python -m bench.clustering_scale [--papers N] [--step S]

A synthetic OpenAlex corpus (``bench.synth``, 20 % of the authorships name-only, as
``bench.bench_identity_cost``'s bulk rows) is parsed by the OpenAlex loader and its rows are
clustered batch by batch (1,000 papers) by ``MemoryClusters``, as the bulk import's CSV pass
does, without the database. The seconds spent clustering are recorded every ``--step`` papers,
with the clusters at that point, so a cost that grows with the blocks shows as a rising step
time. The corpus is written to a temporary file and removed.

Results go to bench/results/clustering-scale.json.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import machine, write_results
from bench.synth import SynthConfig, write_corpus
from graph.author_clustering import MemoryClusters
from graph.identity import paper_key
from graph.name_stats import NameStats
from loaders.openalex import parse
from loaders.records import Paper
from loaders.writer import paper_row

BATCH = 1000  # the bulk import's clustering step (graph.bulk.CLUSTER_BATCH)


def run(papers: int, step: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="sg-clscale-"))
    try:
        corpus = tmp / "works.jsonl"
        write_corpus(SynthConfig(papers=papers, p_name_only=0.2), corpus)
        rows = [paper_row(r) for r in parse(corpus) if isinstance(r, Paper)]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    store = MemoryClusters(name_stats=NameStats())
    marks: list[dict[str, Any]] = []
    spent = 0.0
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        nodes = [paper_key(r["ids"], r.get("title_key")) for r in batch]
        t0 = time.perf_counter()
        store.batch(batch, nodes)
        spent += time.perf_counter() - t0
        done = start + len(batch)
        if done % step == 0 or done == len(rows):
            marks.append({"papers": done, "seconds": round(spent, 2),
                          "clusters": len(store.profiles)})  # fmt: skip
            print(f"{done:>9,} papers  {spent:8.1f} s  {len(store.profiles):>9,} clusters",
                  flush=True)  # fmt: skip
    before = [0.0, *(m["seconds"] for m in marks)]
    steps = [round(m["seconds"] - b, 2) for b, m in zip(before, marks, strict=False)]
    return {"input": f"synthetic OpenAlex, {papers:,} papers, 20 % of authorships name-only",
            "batch": BATCH, "marks": marks, "step_seconds": steps}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=400_000)
    parser.add_argument("--step", type=int, default=50_000)
    args = parser.parse_args()
    out = {"machine": machine(), **run(args.papers, args.step)}
    print(f"wrote {write_results('clustering-scale', out)}")


if __name__ == "__main__":
    main()
