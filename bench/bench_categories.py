"""The category filter before and after field membership (``IN_FIELD``), and the snapshot's
similar papers and communities against their Cypher, on a loaded graph (the demo graph:
Paperscape 1991–1996 + the profile page, analysed).

    NEO4J_URI=bolt://127.0.0.1:7687 python -m bench.bench_categories [--runs 5]

Category counts: the count query the API runs for ``papers(where: {category: {in: [C]}})
{ totalCount }`` with the predicate it used before (a walk up ``SUBCATEGORY_OF*`` from every
paper's categories) and the one it uses now (one ``IN_FIELD`` hop), and the same count started
from the category (index seek + one hop) and read from the count store (the category's
``IN_FIELD`` degree), for a broad category (the Physics group) and a narrow one, first
(cold) run and the median of ``--runs`` warm runs; then the
GraphQL request itself (response cache off). Similar papers: Cypher ``SIMILAR_OF_PAPERS`` vs the
snapshot, per paper, for the most cited papers. Communities: the field communities section's
data (``communities(category:)``) from the snapshot vs the Cypher reference (all communities,
filtered after, as the page did). Results: bench/results/categories.json.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

from neo4j import GraphDatabase

from bench.common import DB, machine, write_results
from graph import collaboration as collab
from graph import influence
from graph import snapshot as snap_mod
from graph.db import async_driver
from graph.repository import ReadScope
from graph.settings import Neo4jSettings

OLD = (
    "MATCH (p:Paper) WHERE EXISTS { MATCH (p)-[:IN_CATEGORY]->(:Category)"
    "-[:SUBCATEGORY_OF*0..]->(c:Category) WHERE c.id IN $ids } RETURN count(p) AS n"
)
NEW = (
    "MATCH (p:Paper) WHERE EXISTS { MATCH (p)-[:IN_FIELD]->(c:Category) WHERE c.id IN $ids } "
    "RETURN count(p) AS n"
)
#: The same count started from the category (an index seek on its id, then one hop): what the
#: count query can do when the category is the filter (issue 12: "an index lookup + one hop").
SEEDED = (
    "MATCH (c:Category)<-[:IN_FIELD]-(p:Paper) WHERE c.id IN $ids WITH DISTINCT p "
    "RETURN count(p) AS n"
)
#: One category and nothing else: the relationship count store (the node's degree).
DEGREE = (
    "MATCH (c:Category) WHERE c.id IN $ids RETURN sum(COUNT { (c)<-[:IN_FIELD]-(:Paper) }) AS n"
)
CATEGORIES = {"broad": "arxiv-group:physics", "narrow": "arxiv:hep-lat"}


def timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def counts(driver: Any, runs: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kind, cat in CATEGORIES.items():
        row: dict[str, Any] = {"category": cat}
        for name, query in (
            ("before", OLD),
            ("after", NEW),
            ("after_seeded", SEEDED),
            ("after_degree", DEGREE),
        ):

            def run(q: str = query, c: str = cat) -> int:
                records, _, _ = driver.execute_query(q, ids=[c], database_=DB)
                return int(records[0]["n"])

            first_ms, n = timed(run)
            warm = [timed(run)[0] for _ in range(runs)]
            row[name] = {"count": n, "first_ms": round(first_ms, 1),
                         "median_ms": round(statistics.median(warm), 1)}  # fmt: skip
        assert (
            len({row[k]["count"] for k in ("before", "after", "after_seeded", "after_degree")}) == 1
        )
        out[kind] = row
    return out


async def graphql_counts(scope: ReadScope, runs: int) -> dict[str, Any]:
    from api.context import Context
    from api.schema import build_schema
    from graph.settings import AppSettings

    settings = AppSettings()
    schema = build_schema(settings)
    out: dict[str, Any] = {}
    for kind, cat in CATEGORIES.items():
        times = []
        total = None
        for _ in range(runs + 1):
            t0 = time.perf_counter()
            result = await schema.execute(
                "query($c: [ID!]!) { papers(where: {category: {in: $c}}) { totalCount } }",
                variable_values={"c": [cat]},
                context_value=Context(scope=scope, settings=settings),
            )
            times.append((time.perf_counter() - t0) * 1000)
            assert result.errors is None, result.errors
            total = result.data["papers"]["totalCount"] if result.data else None
        out[kind] = {"category": cat, "totalCount": total, "first_ms": round(times[0], 1),
                     "median_ms": round(statistics.median(times[1:]), 1)}  # fmt: skip
    return out


async def snapshot_side(scope: ReadScope, driver: Any, runs: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    snap = await snap_mod.snapshot(scope)
    build_ms = (time.perf_counter() - t0) * 1000
    records, _, _ = driver.execute_query(
        "MATCH (p:Paper) RETURN p.id AS id ORDER BY p.citation_count DESC LIMIT 50", database_=DB
    )
    ids = [r["id"] for r in records]
    cypher, mine = [], []
    for pid in ids:
        t0 = time.perf_counter()
        await influence.similar_papers_of(scope, pid, 10, source="export")
        cypher.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        await influence.similar_papers_of(scope, pid, 10, source="snapshot")
        mine.append((time.perf_counter() - t0) * 1000)
    fields = ["arxiv:hep-th", "arxiv:hep-ph", "arxiv:astro-ph", "arxiv:cond-mat", "arxiv:gr-qc"]
    comm_snap, comm_cypher = [], []
    await collab.communities(scope, first=10, category=fields[0])  # the run's values, once
    for cat in fields * max(1, runs // 2):
        t0 = time.perf_counter()
        await collab.communities(scope, first=10, category=cat)
        comm_snap.append((time.perf_counter() - t0) * 1000)
    for _ in range(2):
        t0 = time.perf_counter()
        await collab.communities(scope, first=30, source="export")
        comm_cypher.append((time.perf_counter() - t0) * 1000)
    return {
        "snapshot_build_ms": round(build_ms, 1),
        "snapshot_bytes": snap.nbytes(),
        "similar_papers": {
            "papers": len(ids),
            "cypher_median_ms": round(statistics.median(cypher), 1),
            "cypher_p95_ms": round(sorted(cypher)[int(0.95 * (len(cypher) - 1))], 1),
            "snapshot_median_ms": round(statistics.median(mine), 1),
            "snapshot_p95_ms": round(sorted(mine)[int(0.95 * (len(mine) - 1))], 1),
        },
        "communities": {
            "snapshot_field_median_ms": round(statistics.median(comm_snap), 1),
            "cypher_first30_median_ms": round(statistics.median(comm_cypher), 1),
        },
    }


async def amain(args: argparse.Namespace) -> dict[str, Any]:
    settings = Neo4jSettings()
    with GraphDatabase.driver(settings.uri, auth=settings.auth(),
                              notifications_min_severity="OFF") as driver:  # fmt: skip
        result: dict[str, Any] = {"counts_cypher": counts(driver, args.runs)}
        adrv = async_driver(settings)
        try:
            scope = ReadScope(adrv, settings.database, 120.0)
            result["counts_graphql"] = await graphql_counts(scope, args.runs)
            result.update(await snapshot_side(scope, driver, args.runs))
        finally:
            await adrv.close()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    result = asyncio.run(amain(args))
    path = write_results("categories", {"machine": machine(), **result})
    print(path)
    print(result)


if __name__ == "__main__":
    main()
