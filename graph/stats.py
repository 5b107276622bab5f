"""Counts of nodes by label and relationships by type."""

from __future__ import annotations

from typing import Any

from neo4j import Driver, RoutingControl

from graph.labels import Label, RelType

# Built once from the closed enums: each branch is answered from the count store. The count is
# taken before the literal columns are added, so an empty label still yields its zero row.
STATS_QUERY = " UNION ALL ".join(
    [f"MATCH (n:{label.value}) WITH count(n) AS n RETURN 'node' AS kind, '{label.value}' AS name, n"
     for label in Label]
    + [f"MATCH ()-[r:{rel.value}]->() WITH count(r) AS n "
       f"RETURN 'rel' AS kind, '{rel.value}' AS name, n"
       for rel in RelType]
    + ["MATCH (p:Paper) WHERE p.stub WITH count(p) AS n RETURN 'stub' AS kind, 'Paper' AS name, n"]
)  # fmt: skip


def graph_stats(driver: Driver, database: str) -> dict[str, Any]:
    records, _, _ = driver.execute_query(
        STATS_QUERY, database_=database, routing_=RoutingControl.READ
    )
    return stats_from_rows([(r["kind"], r["name"], r["n"]) for r in records])


def stats_from_rows(rows: list[tuple[str, str, int]]) -> dict[str, Any]:
    nodes = {name: n for kind, name, n in rows if kind == "node"}
    rels = {name: n for kind, name, n in rows if kind == "rel"}
    stubs = next((n for kind, _, n in rows if kind == "stub"), 0)
    return {
        "nodes": nodes,
        "relationships": rels,
        "stub_papers": stubs,
        "total_nodes": sum(nodes.values()),
        "total_relationships": sum(rels.values()),
    }
