"""networkx: the same exported graph for cross-checks, and files for Gephi / Cytoscape.

``to_networkx`` builds a ``Graph``/``DiGraph`` whose nodes are the string ids of the export and
whose edges carry ``weight`` (weighted kinds). ``node_table`` reads what a reader of the file
needs next to each id (name or title, year, paper count, citations, and the values of the
latest COMPLETE whole-graph analysis runs: ``pagerank``, ``community``, …) in two batched
reads. ``write_graph`` writes GraphML, GEXF or CSV with those node attributes; CSV is two files:
the edge list (``source,target[,weight]``) at the given path and the node table
(``id,degree,<attributes>``) beside it as ``<stem>.nodes.csv``.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import numpy as np
from neo4j import Driver

from graph.analytics.export import EdgeList, node_attributes
from graph.analytics.runs import latest_scores
from graph.errors import InputError
from graph.labels import Label

Format = Literal["graphml", "gexf", "csv"]
FORMATS: tuple[str, ...] = ("graphml", "gexf", "csv")

NodeTable = Mapping[str, Mapping[str, str | int | float]]
"""``{node_id: {attribute: value}}``; a missing attribute is left out (never None)."""

_FIXED = ("label", "name", "title", "year", "paper_count", "citations")


def node_table(driver: Driver, database: str, edges: EdgeList) -> dict[str, dict[str, Any]]:
    """Attributes of every node of ``edges``: ``label`` (what Gephi/Cytoscape show), ``name``
    (authors) or ``title`` (papers), ``year`` (a paper's year; an author's first), ``paper_count``,
    ``citations``, then one attribute per result key of the latest COMPLETE whole-graph runs."""
    label = edges.spec.kind.label
    ids = edges.node_ids
    attrs = node_attributes(driver, database, label, ids)
    scores = latest_scores(driver, database, label, ids)
    text = "name" if label is Label.AUTHOR else "title"
    table: dict[str, dict[str, Any]] = {}
    for node_id in ids:
        row: dict[str, Any] = {}
        a = attrs.get(node_id)
        if a is not None:
            if a.label is not None:
                row["label"] = a.label
                row[text] = a.label
            if a.year is not None:
                row["year"] = a.year
            row["paper_count"] = a.paper_count
            row["citations"] = a.citations
        for key, value in sorted(scores.get(node_id, {}).items()):
            if key in _FIXED or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            row[key] = value if isinstance(value, int) else float(value)
        table[node_id] = row
    return table


def to_networkx(edges: EdgeList, nodes: NodeTable | None = None) -> nx.Graph:
    g: nx.Graph = nx.DiGraph() if edges.directed else nx.Graph()
    ids = edges.node_ids
    if nodes is None:
        g.add_nodes_from(ids)
    else:
        g.add_nodes_from((i, dict(nodes.get(i, {}))) for i in ids)
    src = [ids[i] for i in edges.src.tolist()]
    dst = [ids[i] for i in edges.dst.tolist()]
    if edges.weight is not None:
        g.add_weighted_edges_from(zip(src, dst, edges.weight.tolist(), strict=True))
    else:
        g.add_edges_from(zip(src, dst, strict=True))
    return g


def nodes_path(path: Path) -> Path:
    return path.with_name(path.stem + ".nodes.csv")


def write_graph(
    edges: EdgeList, fmt: str, path: Path, nodes: NodeTable | None = None
) -> list[Path]:
    """Writes ``edges`` (and node attributes ``nodes``, see ``node_table``) in ``fmt``;
    returns the files written. GraphML declares one typed key per attribute; GEXF uses
    ``label`` as the node label and the rest as typed attvalues."""
    if fmt not in FORMATS:
        raise InputError("format", fmt, "one of " + ", ".join(FORMATS))
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return _write_csv(edges, path, nodes or {})
    g = to_networkx(edges, nodes)
    g.graph["kind"] = edges.spec.kind.value
    g.graph["spec"] = edges.spec.canonical_json()
    if fmt == "graphml":
        nx.write_graphml(g, path)
    else:
        nx.write_gexf(g, path)
    return [path]


def _write_csv(edges: EdgeList, path: Path, nodes: NodeTable) -> list[Path]:
    ids = edges.node_ids
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        if edges.weight is not None:
            w.writerow(["source", "target", "weight"])
            w.writerows(
                (ids[s], ids[t], _num(x))
                for s, t, x in zip(
                    edges.src.tolist(), edges.dst.tolist(), edges.weight.tolist(), strict=True
                )
            )
        else:
            w.writerow(["source", "target"])
            w.writerows(
                (ids[s], ids[t])
                for s, t in zip(edges.src.tolist(), edges.dst.tolist(), strict=True)
            )
    degree = np.bincount(edges.src, minlength=edges.node_count) + np.bincount(
        edges.dst, minlength=edges.node_count
    )
    columns = list(dict.fromkeys(k for i in ids for k in nodes.get(i, {})))
    npath = nodes_path(path)
    with npath.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "degree", *columns])
        for node_id, d in zip(ids, degree.tolist(), strict=True):
            row = nodes.get(node_id, {})
            w.writerow([node_id, d, *(row.get(c, "") for c in columns)])
    return [path, npath]


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x
