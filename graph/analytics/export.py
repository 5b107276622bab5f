"""Export one subgraph with one read query into numpy arrays, and build the igraph graph.

The export query returns a node table (internal node numbers + string ids) and the edge list
as internal numbers (see ``graph.analytics.queries``); endpoints are mapped to vertices
``0..n-1`` with numpy (sort + binary search), never a per-edge Python loop. The igraph graph is
built from an ``(m, 2)`` int array in one call, weights assigned as one array.

Stub papers (``stub: true``, known only as citation targets) are nodes of the unfiltered
CITATION graph: they are cited, so they receive rank, and dropping them would change every
other paper's PageRank. They carry no year, category or venue, so any paper filter excludes
them. Isolated nodes (a paper without citations in the subgraph, an author without co-authors)
are kept: they are part of the node set PageRank normalises over.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import igraph as ig
import numpy as np
import numpy.typing as npt
from neo4j import Driver, ManagedTransaction

from graph.analytics.queries import EXPORT_CHUNK, export_parameters, export_query
from graph.analytics.spec import GraphSpec
from graph.labels import Label, RelType
from graph.repository import ReadScope, read

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class EdgeList:
    """A subgraph as arrays: ``node_ids[i]`` is vertex ``i``; edges ``src[k] -> dst[k]``."""

    spec: GraphSpec
    node_ids: list[str]
    src: IntArray
    dst: IntArray
    weight: FloatArray | None  # None for unweighted graphs (CITATION)

    def __post_init__(self) -> None:
        if self.src.shape != self.dst.shape:
            raise ValueError("src and dst differ in length")
        if self.weight is not None and self.weight.shape != self.src.shape:
            raise ValueError("weights and edges differ in length")

    @property
    def node_count(self) -> int:
        return len(self.node_ids)

    @property
    def edge_count(self) -> int:
        return int(self.src.shape[0])

    @property
    def directed(self) -> bool:
        return self.spec.directed

    @classmethod
    def from_keys(
        cls,
        spec: GraphSpec,
        node_keys: npt.ArrayLike,
        node_ids: list[str],
        src_keys: npt.ArrayLike,
        dst_keys: npt.ArrayLike,
        weights: npt.ArrayLike | None,
    ) -> EdgeList:
        """Maps endpoint keys (any integers naming nodes) to vertex numbers with numpy: the
        keys are sorted once and every endpoint found by binary search."""
        keys = np.asarray(node_keys, dtype=np.int64)
        if keys.shape[0] != len(node_ids):
            raise ValueError("node keys and node ids differ in length")
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        if sorted_keys.size > 1 and bool(np.any(sorted_keys[1:] == sorted_keys[:-1])):
            raise ValueError("duplicate nodes in export")
        src = _positions(sorted_keys, order, np.asarray(src_keys, dtype=np.int64))
        dst = _positions(sorted_keys, order, np.asarray(dst_keys, dtype=np.int64))
        w = None if weights is None else np.asarray(weights, dtype=np.float64)
        if w is not None and w.size == 0 and src.size:
            w = None
        if w is None and spec.kind.weighted:
            w = np.ones(src.shape[0], dtype=np.float64)
        return cls(spec, list(node_ids), src, dst, w)

    @classmethod
    def from_ids(
        cls,
        spec: GraphSpec,
        node_ids: list[str],
        src_ids: list[str],
        dst_ids: list[str],
        weights: list[int] | list[float] | None = None,
    ) -> EdgeList:
        """The same from string endpoints (tests, interchange): positions via one dict."""
        index = dict(zip(node_ids, range(len(node_ids)), strict=True))
        if len(index) != len(node_ids):
            raise ValueError("duplicate node ids")
        try:
            src = np.fromiter(map(index.__getitem__, src_ids), np.int64, len(src_ids))
            dst = np.fromiter(map(index.__getitem__, dst_ids), np.int64, len(dst_ids))
        except KeyError as e:
            raise ValueError(f"edge endpoint {e.args[0]!r} is not a node") from e
        keys = np.arange(len(node_ids), dtype=np.int64)
        return cls.from_keys(spec, keys, node_ids, src, dst, weights)

    def degrees(self) -> IntArray:
        """Edges at each vertex, both directions (a self-loop counts twice)."""
        n = self.node_count
        return np.bincount(self.src, minlength=n) + np.bincount(self.dst, minlength=n)

    def index(self) -> dict[str, int]:
        """Node id -> vertex number (built on demand)."""
        return dict(zip(self.node_ids, range(len(self.node_ids)), strict=True))


def _positions(sorted_keys: IntArray, order: IntArray, wanted: IntArray) -> IntArray:
    pos = np.searchsorted(sorted_keys, wanted)
    pos = np.minimum(pos, max(sorted_keys.size - 1, 0))
    if wanted.size and (sorted_keys.size == 0 or bool(np.any(sorted_keys[pos] != wanted))):
        raise ValueError("an edge endpoint is not a node of the export")
    return order[pos].astype(np.int64, copy=False)


@dataclass(slots=True)
class _Columns:
    """The export's columns as numpy chunks (the string ids as one list): each record's lists
    become arrays as they arrive, so no more than one record's Python objects live at once."""

    keys: list[IntArray]
    ids: list[str]
    src: list[IntArray]
    dst: list[IntArray]
    w: list[FloatArray]

    @classmethod
    def empty(cls) -> _Columns:
        return cls([], [], [], [], [])

    def add(self, values: list[Any]) -> None:
        keys, ids, src, dst, w = values
        self.keys.append(np.asarray(keys, dtype=np.int64))
        self.ids += ids
        self.src.append(np.asarray(src, dtype=np.int64))
        self.dst.append(np.asarray(dst, dtype=np.int64))
        self.w.append(np.asarray(w, dtype=np.float64))

    def edge_list(self, spec: GraphSpec) -> EdgeList:
        def cat(parts: list[Any], dtype: Any) -> Any:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        w = cat(self.w, np.float64) if spec.kind.weighted else None
        return EdgeList.from_keys(spec, cat(self.keys, np.int64), self.ids,
                                  cat(self.src, np.int64), cat(self.dst, np.int64), w)  # fmt: skip


def _read_export(tx: ManagedTransaction, query: str, params: dict[str, Any]) -> _Columns:
    cols = _Columns.empty()
    for record in tx.run(query, params):  # one record per chunk of ids
        cols.add(record.values())
    return cols


def export_edges(
    driver: Driver, database: str, spec: GraphSpec, chunk: int = EXPORT_CHUNK
) -> EdgeList:
    """Runs the spec's single export query in a read transaction. Peak memory: the arrays
    (8 bytes per key, 24 bytes per edge with weights) plus the node ids and one record of
    Python objects (``EXPORT_CHUNK`` values per column; the driver fetches two records ahead)."""
    with driver.session(database=database, fetch_size=2) as session:
        query, params = export_query(spec), export_parameters(spec, chunk)
        cols = session.execute_read(_read_export, query, params)
    return cols.edge_list(spec)


async def read_edges(scope: ReadScope, spec: GraphSpec, timeout: float | None = None) -> EdgeList:
    """The same export through the API's read gateway (async driver, the request's deadline)."""
    records = await read(scope, export_query(spec), export_parameters(spec), timeout)
    cols = _Columns.empty()
    for record in records:
        cols.add(record.values())
    return cols.edge_list(spec)


# -- node attributes for interchange files -----------------------------------------------------

_PAPER = Label.PAPER.value
_AUTHOR = Label.AUTHOR.value
_AUTHORED = RelType.AUTHORED.value
_CITES = RelType.CITES.value

#: What a reader of an exported file sees next to each id, for many nodes in one read: a paper's
#: title and year, an author's name and first publication year; ``paper_count`` (1 for a paper)
#: and ``citations`` (citing papers in the graph; an author's sum over their papers) counted
#: live, so they match the graph whether or not the metrics were refreshed.
NODE_ATTRIBUTES: dict[Label, str] = {
    Label.PAPER: f"""
UNWIND $ids AS node_id
MATCH (n:{_PAPER} {{id: node_id}})
RETURN n.id AS id, n.title AS label, n.year AS year,
       CASE WHEN n.stub THEN 0 ELSE 1 END AS paper_count,
       COUNT {{ (n)<-[:{_CITES}]-(:{_PAPER}) }} AS citations
""",
    Label.AUTHOR: f"""
UNWIND $ids AS node_id
MATCH (n:{_AUTHOR} {{id: node_id}})
OPTIONAL MATCH (n)-[:{_AUTHORED}]->(p:{_PAPER})
WITH n, p, CASE WHEN p IS NULL THEN 0 ELSE COUNT {{ (p)<-[:{_CITES}]-(:{_PAPER}) }} END AS c
RETURN n.id AS id, n.name AS label, min(p.year) AS year, count(p) AS paper_count,
       sum(c) AS citations
""",
}


@dataclass(frozen=True, slots=True)
class NodeAttributes:
    """One exported node's descriptive attributes (``label``: an author's name or a paper's
    title; None when the graph has none, e.g. a stub paper)."""

    id: str
    label: str | None
    year: int | None
    paper_count: int
    citations: int


def node_attributes(
    driver: Driver, database: str, label: Label, node_ids: list[str]
) -> dict[str, NodeAttributes]:
    """``{id: NodeAttributes}`` for ``node_ids`` (Paper or Author) in one read query."""
    query = NODE_ATTRIBUTES.get(Label(label))
    if query is None:
        raise ValueError(f"no node attributes for label {label!r}")
    with driver.session(database=database) as session:
        rows = session.execute_read(_read_rows, query, {"ids": list(dict.fromkeys(node_ids))})
    return {
        str(r["id"]): NodeAttributes(
            id=str(r["id"]),
            label=None if r["label"] is None else str(r["label"]),
            year=None if r["year"] is None else int(r["year"]),
            paper_count=int(r["paper_count"]),
            citations=int(r["citations"]),
        )
        for r in rows
    }


def _read_rows(tx: ManagedTransaction, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [record.data() for record in tx.run(query, params)]


def to_igraph(edges: EdgeList) -> ig.Graph:
    """The igraph graph from the arrays: one constructor call, weights as one array."""
    g = ig.Graph(n=edges.node_count, directed=edges.directed)
    # add_edges takes the (m, 2) array directly; measured ~1.5x faster than edges= in the
    # constructor on igraph 1.0 (both convert element-wise; there is no buffer fast path)
    g.add_edges(np.column_stack((edges.src, edges.dst)))
    if edges.weight is not None:
        g.es["weight"] = edges.weight
    return g


def to_igraph_per_edge(
    edges: EdgeList,
) -> ig.Graph:
    """The baseline the benchmark measures against: one Python tuple per edge (TupleList)."""
    ids = edges.node_ids
    if edges.weight is not None:
        rows: list[tuple[Any, ...]] = [
            (ids[s], ids[t], w)
            for s, t, w in zip(
                edges.src.tolist(), edges.dst.tolist(), edges.weight.tolist(), strict=True
            )
        ]
        g = ig.Graph.TupleList(rows, directed=edges.directed, weights=True)
    else:
        rows = [
            (ids[s], ids[t]) for s, t in zip(edges.src.tolist(), edges.dst.tolist(), strict=True)
        ]
        g = ig.Graph.TupleList(rows, directed=edges.directed)
    return g
