"""networkx: the same exported graph for cross-checks, and files for Gephi / Cytoscape.

``to_networkx`` builds a ``Graph``/``DiGraph`` whose nodes are the string ids of the export and
whose edges carry ``weight`` (weighted kinds). ``write_graph`` writes GraphML, GEXF or CSV; CSV
is two files: the edge list (``source,target[,weight]``) at the given path and the node table
(``id,degree``) beside it as ``<stem>.nodes.csv``.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np

from graph.analytics.export import EdgeList
from graph.errors import InputError

Format = Literal["graphml", "gexf", "csv"]
FORMATS: tuple[str, ...] = ("graphml", "gexf", "csv")


def to_networkx(edges: EdgeList) -> nx.Graph:
    g: nx.Graph = nx.DiGraph() if edges.directed else nx.Graph()
    ids = edges.node_ids
    g.add_nodes_from(ids)
    src = [ids[i] for i in edges.src.tolist()]
    dst = [ids[i] for i in edges.dst.tolist()]
    if edges.weight is not None:
        g.add_weighted_edges_from(zip(src, dst, edges.weight.tolist(), strict=True))
    else:
        g.add_edges_from(zip(src, dst, strict=True))
    return g


def nodes_path(path: Path) -> Path:
    return path.with_name(path.stem + ".nodes.csv")


def write_graph(edges: EdgeList, fmt: str, path: Path) -> list[Path]:
    """Writes ``edges`` in ``fmt``; returns the files written."""
    if fmt not in FORMATS:
        raise InputError("format", fmt, "one of " + ", ".join(FORMATS))
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        return _write_csv(edges, path)
    g = to_networkx(edges)
    g.graph["kind"] = edges.spec.kind.value
    g.graph["spec"] = edges.spec.canonical_json()
    if fmt == "graphml":
        nx.write_graphml(g, path)
    else:
        nx.write_gexf(g, path)
    return [path]


def _write_csv(edges: EdgeList, path: Path) -> list[Path]:
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
    npath = nodes_path(path)
    with npath.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "degree"])
        w.writerows(zip(ids, degree.tolist(), strict=True))
    return [path, npath]


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x
