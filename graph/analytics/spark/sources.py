"""Where the Spark engine reads a graph from: a node table ``(key: long, id: string)`` and an
edge list ``(src: long, dst: long)`` as Spark DataFrames. No edge ever becomes a Python object.

- ``Neo4jSource``: whole-graph specs through the Neo4j Connector for Apache Spark, one
  parameter-free row query for the nodes and one for the edges
  (``graph.analytics.queries.node_rows_query``/``edge_rows_query``; keys are internal node
  numbers, as in the project's own export). The connector passes no query parameters, so a
  spec with values (filters, seeds, a minimum weight) is exported by the project's one export
  query instead (``graph.analytics.export.export_edges``: numpy arrays, read in chunks) and
  handed to Spark as a binary file per column: such subgraphs are the small ones.
- ``CsvSource``: the bulk-import CSV snapshot (``scholargraph bulk-import --keep-csv``, layout in
  ``graph.bulk``): no Bolt at all, the path docs/performance.md recommends at scale. Whole
  citation graph: ``papers.csv`` + ``stubs.csv`` and ``cites.csv``, keys the OpenAlex W numbers
  the import joins on. Whole co-authorship graph: ``authors.csv`` and the author pairs of
  ``authored.csv`` (keys: 64-bit hashes of the author ids, checked for collisions). The snapshot
  is the graph as imported: authorships ``finish_import`` relinked afterwards are not in it.
- The API exports every spec itself, through its async driver, and hands the arrays over
  (``from_edge_list``, by ``engine.compute_exported``).
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from neo4j import Driver
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from graph.analytics.export import EdgeList, export_edges
from graph.analytics.queries import edge_rows_query, node_rows_query
from graph.analytics.spec import GraphKind, GraphSpec
from graph.errors import InputError, ScholarGraphError
from graph.settings import Neo4jSettings

CONNECTOR_FORMAT = "org.neo4j.spark.DataSource"
EDGE_CHUNK = 1_000_000  # edges per block written for Spark


@dataclass(frozen=True, slots=True)
class SparkGraphInput:
    """A graph as DataFrames (cached; the counts were taken when it was read)."""

    spec: GraphSpec
    nodes: DataFrame  # key: long, id: string
    edges: DataFrame  # src: long, dst: long (undirected graphs: each edge once)
    node_count: int
    edge_count: int
    local_ids: list[str] | None = None  # key i is local_ids[i] (input from a numpy export)
    # GraphX graphs built from this input (py4j references), kept for the next algorithm
    graphs: dict[str, Any] = field(default_factory=dict)

    def release(self) -> None:
        for graph in self.graphs.values():
            graph.unpersist(False)
        self.graphs.clear()
        self.nodes.unpersist()
        self.edges.unpersist()


class GraphSource(Protocol):
    name: str

    def read(self, spark: SparkSession, spec: GraphSpec) -> SparkGraphInput: ...


def _cached(spec: GraphSpec, nodes: DataFrame, edges: DataFrame, parts: int) -> SparkGraphInput:
    """Cached and counted. Edges arriving in fewer than ``parts`` partitions (the connector's
    single reader) are spread first: GraphX runs one task per edge partition; files split by
    size already (``spark.sql.files.maxPartitionBytes``) and are not shuffled again."""
    if edges.rdd.getNumPartitions() < parts:
        edges = edges.repartition(parts)
    nodes, edges = nodes.persist(), edges.persist()
    return SparkGraphInput(spec, nodes, edges, nodes.count(), edges.count())


def _partitions(spark: SparkSession) -> int:
    return int(spark.conf.get("spark.sql.shuffle.partitions") or 8)


# -- Neo4j -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Neo4jSource:
    """The graph in Neo4j: the connector for whole graphs, the project's export otherwise
    (``driver`` answers that export)."""

    settings: Neo4jSettings
    driver: Driver
    name: str = "neo4j"

    def _connector(self, spark: SparkSession, query: str, schema: str) -> DataFrame:
        reader = (
            spark.read.format(CONNECTOR_FORMAT)
            .schema(schema)
            .option("url", self.settings.uri)
            .option("database", self.settings.database)
            .option("query", query)
            .option("partitions", "1")  # the row queries aggregate: one reader, then shuffled
        )
        if self.settings.password is None:
            reader = reader.option("authentication.type", "none")
        else:
            reader = (
                reader.option("authentication.type", "basic")
                .option("authentication.basic.username", self.settings.username)
                .option("authentication.basic.password", self.settings.password.get_secret_value())
            )
        return reader.load()

    def read(self, spark: SparkSession, spec: GraphSpec) -> SparkGraphInput:
        if not spec.is_whole_graph or spec.self_citations:
            return from_edge_list(spark, export_edges(self.driver, self.settings.database, spec))
        try:
            nodes = self._connector(spark, node_rows_query(spec), "key long, id string")
            edges = self._connector(spark, edge_rows_query(spec), "src long, dst long, w long")
            return _cached(spec, nodes, edges.select("src", "dst"), _partitions(spark))
        except Exception as e:
            if "org.neo4j.spark.DataSource" in str(e) or "DATA_SOURCE_NOT_FOUND" in str(e):
                raise ScholarGraphError(
                    "the Neo4j Connector for Apache Spark is not installed: run "
                    "`scholargraph spark install` (or read the CSV snapshot: --spark-source csv)"
                ) from e
            raise


def from_edge_list(spark: SparkSession, edges: EdgeList) -> SparkGraphInput:
    """Hands the export's numpy arrays to Spark as a CSV of vertex numbers written in chunks
    (parsed by the JVM; no Python object per edge on the way). Vertex ``i`` is key ``i``; the
    ids stay in Python (``local_ids``)."""
    folder = Path(tempfile.gettempdir()) / f"scholargraph-spark-{uuid.uuid4().hex}"
    folder.mkdir(parents=True)
    try:
        path = folder / "edges.csv"
        with path.open("w", encoding="ascii") as fh:
            for start in range(0, edges.edge_count, EDGE_CHUNK):
                stop = start + EDGE_CHUNK
                block = np.column_stack((edges.src[start:stop], edges.dst[start:stop]))
                np.savetxt(fh, block, fmt="%d", delimiter=",")
        e = spark.read.schema("src long, dst long").csv(str(path))
        n = spark.range(edges.node_count).select(
            F.col("id").alias("key"), F.lit(None).cast("string").alias("id")
        )
        graph = _cached(edges.spec, n, e, _partitions(spark))  # counted: the file is read
        return SparkGraphInput(graph.spec, graph.nodes, graph.edges, graph.node_count,
                               graph.edge_count, edges.node_ids)  # fmt: skip
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# -- the bulk-import CSV snapshot --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsvSource:
    """A folder written by ``scholargraph bulk-import --keep-csv --work-dir DIR``."""

    folder: Path
    name: str = "csv"

    def _csv(self, spark: SparkSession, file: str, multiline: bool = False) -> DataFrame:
        path = self.folder / file
        if not path.exists():
            raise InputError("csv folder", str(self.folder), f"a bulk-import snapshot ({file})")
        return (
            spark.read.option("header", "true")
            .option("quote", '"')
            .option("escape", '"')
            .option("multiLine", "true" if multiline else "false")
            .csv(str(path))
        )

    def read(self, spark: SparkSession, spec: GraphSpec) -> SparkGraphInput:
        if not spec.is_whole_graph or spec.kind is GraphKind.AUTHOR_CITATION:
            raise InputError(
                "spark source", "csv",
                "whole citation or co-authorship graphs (no filter, no seeds); read other "
                "specs from Neo4j (--spark-source neo4j)",
            )  # fmt: skip
        parts = _partitions(spark)
        if spec.kind is GraphKind.CITATION:
            return self._citation(spark, spec, parts)
        return self._coauthorship(spark, spec, parts)

    @staticmethod
    def _w(column: str) -> Column:
        return F.expr(f"substring(`{column}`, 2)").cast("long")

    def _citation(self, spark: SparkSession, spec: GraphSpec, parts: int) -> SparkGraphInput:
        # papers.csv holds titles and abstracts, which may span lines
        papers = self._csv(spark, "papers.csv", multiline=True)
        stubs = self._csv(spark, "stubs.csv")
        pid = papers.columns[0]
        nodes = papers.select(self._w(pid).alias("key"), F.col("id")).unionByName(
            stubs.select(self._w(stubs.columns[0]).alias("key"), F.col("id"))
        )
        cites = self._csv(spark, "cites.csv")
        a, b = cites.columns[:2]
        edges = cites.select(self._w(a).alias("src"), self._w(b).alias("dst"))
        return _cached(spec, nodes, edges, parts)

    def _coauthorship(self, spark: SparkSession, spec: GraphSpec, parts: int) -> SparkGraphInput:
        authors = self._csv(spark, "authors.csv", multiline=True)
        nodes = authors.select(F.xxhash64(authors.columns[0]).alias("key"),
                               F.col(f"`{authors.columns[0]}`").alias("id"))  # fmt: skip
        authored = self._csv(spark, "authored.csv", multiline=True)
        a, p = authored.columns[:2]
        links = authored.select(F.col(f"`{a}`").alias("a"), F.col(f"`{p}`").alias("p")).distinct()
        x, y = links.alias("x"), links.alias("y")
        pairs = (
            x.join(y, F.col("x.p") == F.col("y.p"))
            .where(F.col("x.a") < F.col("y.a"))
            .select(F.col("x.a").alias("a"), F.col("y.a").alias("b"))
            .distinct()
        )
        edges = pairs.select(F.xxhash64("a").alias("src"), F.xxhash64("b").alias("dst"))
        graph = _cached(spec, nodes, edges, parts)
        if graph.nodes.select("key").distinct().count() != graph.node_count:
            raise ScholarGraphError("two author ids share a 64-bit hash: read from Neo4j instead")
        return graph
