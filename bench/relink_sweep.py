"""The relink sweep after a bulk import, with its decisions in a worker process and inline.

    .venv/bin/python -m bench.relink_sweep [--papers N] [--rounds R]

A synthetic OpenAlex corpus (``bench.synth``, 20 % of the authorships name-only, as
``bench.bench_identity_cost``'s bulk rows) goes through the bulk path's CSV pass once; each
round then imports those CSVs into one local Neo4j (``neo4j-admin``, heap 2g, page cache 1g),
applies the schema and times the sweep, alternating the two ways:

* ``worker process`` — ``graph.ingest.link_by_coauthor_everywhere`` as the import runs it:
  each group of whole blocking keys is read, decided in a worker process while the next group
  is read, and its moves written after;
* ``inline`` — each group read, decided and written in one write transaction in this process
  (``graph.author_links.relink_to_strong``, the sweep before the worker process).

Both must move the same authorships to the same authors with the same scores; the run stops
if they do not. Results go to bench/results/relink-sweep.json.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median
from typing import Any

from neo4j import Driver, GraphDatabase, ManagedTransaction

from bench.common import write_results
from bench.synth import SynthConfig, write_corpus
from cli.bulk import BulkResult, paper_rows
from graph import ingest_queries as q
from graph.author_clustering import Rule
from graph.author_links import relink_to_strong
from graph.bulk import CsvSet, import_offline, write_csvs
from graph.ingest import _packed, link_by_coauthor_everywhere
from graph.schema import apply_schema
from graph.server import LocalNeo4j, free_port
from graph.settings import LocalServerSettings
from graph.stamp import replace_stamp

DB = "neo4j"
MOVED = """
MATCH (a:Author)-[r:AUTHORED]->(p:Paper) WHERE r.match_rule = $rule
RETURN p.id AS paper, a.id AS author, r.match_score AS score
"""


def inline(driver: Driver, database: str, batch: int = 5000) -> int:
    """The sweep with each group read, decided and written in one transaction."""
    records, _, _ = driver.execute_query(q.ALL_NAME_ONLY_AUTHORSHIPS, database_=database)
    by_key: dict[str, dict[tuple[str, str], str]] = {}
    for r in records:
        by_key.setdefault(r["key"], {})[(r["author"], r["paper"])] = r["key"]

    def one_group(tx: ManagedTransaction, items: dict[tuple[str, str], str]) -> int:
        moved = relink_to_strong(tx, items)
        replace_stamp(tx)
        return moved

    with driver.session(database=database) as session:
        return sum(session.execute_write(one_group, g) for g in _packed(by_key, batch))


WAYS: dict[str, Callable[[Driver, str], int]] = {
    "worker process": link_by_coauthor_everywhere,
    "inline": inline,
}


def _round(server: LocalNeo4j, csvs: CsvSet, way: Callable[[Driver, str], int]) -> dict[str, Any]:
    import_offline(server, csvs, DB)
    with GraphDatabase.driver(server.uri, auth=None, notifications_min_severity="OFF") as driver:
        apply_schema(driver, DB)
        t0 = time.perf_counter()
        moved = way(driver, DB)
        seconds = time.perf_counter() - t0
        rows, _, _ = driver.execute_query(MOVED, rule=Rule.RELINKED, database_=DB)
    outcome = sorted((r["paper"], r["author"], r["score"]) for r in rows)
    return {"seconds": round(seconds, 2), "moved": moved, "outcome": outcome}


def run(papers: int, rounds: int) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="sg-sweep-"))
    local = LocalServerSettings()
    server = LocalNeo4j(tmp / "neo4j", cache_dir=local.home / "cache", version=local.version,
                        port=free_port(), heap="2g", pagecache="1g")  # fmt: skip
    try:
        corpus = tmp / "works.jsonl"
        write_corpus(SynthConfig(papers=papers, p_name_only=0.2), corpus)
        csvs = write_csvs(paper_rows([corpus], None, BulkResult(), None), tmp / "csv")
        server.start()
        seconds: dict[str, list[float]] = {way: [] for way in WAYS}
        outcomes: dict[str, list[Any]] = {}
        moved = 0
        for i in range(rounds):
            for way, sweep in WAYS.items():
                got = _round(server, csvs, sweep)
                seconds[way].append(got["seconds"])
                print(f"round {i + 1}, {way}: {got['seconds']} s, {got['moved']:,} moved",
                      flush=True)  # fmt: skip
                outcomes.setdefault(way, got["outcome"])
                if got["outcome"] != outcomes[next(iter(WAYS))] or got["moved"] != len(
                    got["outcome"]
                ):
                    raise SystemExit(f"round {i + 1}, {way}: not the moves of the others")
                moved = got["moved"]
    finally:
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    med = {way: median(s) for way, s in seconds.items()}
    return {
        "input": f"synthetic OpenAlex, {papers:,} papers, 20 % of authorships name-only",
        "memory": {"heap": "2g", "pagecache": "1g"},
        "authorships_moved": moved,
        "seconds": seconds,
        "median_s": med,
        "inline_over_worker": round(med["inline"] / med["worker process"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    out = run(args.papers, args.rounds)
    print(f"median: {out['median_s']}, inline / worker process: {out['inline_over_worker']}")
    print(f"wrote {write_results('relink-sweep', out)}")


if __name__ == "__main__":
    main()
