"""Author identity benchmark: the product's own identity resolution, measured on labelled data.

    .venv/bin/python -m bench.bench_identity [--limit-blocks N]

Starts a throwaway Neo4j (or uses NEO4J_URI, which it empties), then for every set, from an
empty graph: the records go through the ``load`` command's writer, the graph is read back and
scored (``scholargraph identity evaluate`` does the same; see cli/identity.py). Sets:

* the two labelled sets of ``../shared/data/author-disambiguation`` (Qian-DBLP and half of
  AMiner-110), pooled as the headline;
* three real samples whose authors carry source ids, loaded with the ids stripped and scored
  against them: OpenAlex A-ids, Semantic Scholar authorIds, dblp person names (with their
  homonym numbers).

Writes ``bench/results/identity.json`` (figures per set, pooled, worst blocks),
``bench/results/identity-blocks.jsonl`` (every block of the labelled sets) and the figures table
in ``docs/identity.md`` (between its ``identity-bench`` markers).
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

import orjson

from bench.common import DATA, DB, RESULTS, ROOT, neo4j_for_bench, wipe, write_results
from cli.identity import evaluate_sets, report
from graph.identity_eval import SetEvaluation, markdown_table
from loaders.labelled import read_mentions, read_strong_id_sample

LABELLED = ("aminer110-half", "qian-dblp")
STRONG_ID_SAMPLES = ("openalex-works-api", "s2-graph-api-paper", "dblp-xml")
DOC = ROOT / "docs" / "identity.md"
BLOCKS = RESULTS / "identity-blocks.jsonl"  # every block of the labelled sets, one per line
START, END = "<!-- identity-bench:start -->", "<!-- identity-bench:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-blocks", type=int, default=None, help="first N blocks per set")
    args = parser.parse_args()

    sets = [read_mentions(DATA / "author-disambiguation" / name, args.limit_blocks)
            for name in LABELLED]  # fmt: skip
    sets += [read_strong_id_sample(DATA / name) for name in STRONG_ID_SAMPLES]
    t0 = time.perf_counter()
    with neo4j_for_bench() as (driver, _uri):
        evaluations = evaluate_sets(
            driver, DB, sets, before_each=lambda: wipe(driver), progress=print
        )
    payload = {
        "what": "author identity of name-only authorships, end to end through the load writer",
        "identity_rules": "evidence-based clustering of name-only authorships "
        "(graph.author_clustering, docs/identity.md), through the load writer",
        "limit_blocks": args.limit_blocks,
        "seconds": round(time.perf_counter() - t0, 1),
        "per_block_scores": BLOCKS.name,
        **report(evaluations, pooled_over=LABELLED, per_block=False),
    }
    path = write_results("identity", payload)
    _write_blocks(BLOCKS, [e for e in evaluations if e.name in LABELLED])
    table = markdown_table(evaluations, pooled_over=LABELLED) + _details(evaluations)
    print(table)
    if args.limit_blocks is None:
        _update_doc(DOC, table)
    print(f"wrote {path}")


def _write_blocks(path: Path, evaluations: list[SetEvaluation]) -> None:
    with path.open("wb") as fh:
        for e in evaluations:
            for block, scores in e.scores.blocks.items():
                fh.write(orjson.dumps({"set": e.name, "block": block, **scores.as_dict()}) + b"\n")


def _details(evaluations: list[SetEvaluation]) -> str:
    """The unweighted per-block mean and the worst blocks of each set, under the table."""
    lines = ["", "Unweighted mean over blocks (every block counts once), B³ P / R / F1:", ""]
    for e in evaluations:
        avg = e.scores.block_average()
        lines.append(
            f"- {e.name} ({len(e.scores.blocks):,} blocks): "
            f"{avg.precision:.3f} / {avg.recall:.3f} / {avg.f1:.3f}"
        )
    lines += ["", "Worst blocks by B³ F1 (mentions, B³ P / R / F1):", ""]
    for e in evaluations:
        worst = ", ".join(
            f"{block} ({s.mentions}, {s.bcubed.precision:.2f} / {s.bcubed.recall:.2f} / "
            f"{s.bcubed.f1:.2f})"
            for block, s in e.scores.worst(5)
        )
        lines.append(f"- {e.name}: {worst}")
    return "\n".join(lines) + "\n"


def _update_doc(doc: Path, table: str) -> None:
    text = doc.read_text(encoding="utf-8")
    block = f"{START}\n{table}{END}"
    doc.write_text(re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text,
                          flags=re.S), encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    main()
