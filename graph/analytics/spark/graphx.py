"""Spark's own GraphX (``org.apache.spark.graphx.lib``), reached from Python through the JVM
gateway pyspark already runs: the one place that speaks to GraphX's Scala API.

GraphX is Scala-only; its algorithms take a ``Graph[VD, ED]`` plus implicit ``ClassTag``s, which
from the gateway are plain extra arguments (``ClassTag$.MODULE$.Long()``). Data crosses between
Spark SQL and GraphX without any Python per row:

- in: a DataFrame of ``(key: long, …)`` becomes an ``RDD[(Long, Long)]`` through
  ``Dataset.as(Encoders.tuple(LONG, LONG)).rdd()``; ``Graph.fromEdgeTuples`` builds the edge
  partitions and ``Graph.apply`` joins them with every vertex (isolated ones too: PageRank
  normalises over all of them);
- out: a result graph's ``vertices`` (an ``RDD[(Long, X)]``) become a DataFrame through
  ``SparkSession.createDataset(rdd, Encoders.tuple(LONG, X))``. ``ShortestPaths`` keeps a Scala
  ``Map`` per vertex, which no Java encoder reads: its vertices go through a text file in the
  session's scratch folder and are parsed by Spark SQL.

Every function returns a DataFrame ``(key: long, value)``; ``key`` is the vertex id given in.
Scores are GraphX's own: PageRank sums to the vertex count (divide by it for igraph's scale),
components are named by their smallest vertex id.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

JavaObject = Any  # a py4j reference to a JVM object (no static types cross the gateway)


@dataclass(frozen=True, slots=True)
class GraphXGraph:
    """A ``Graph[Int, Int]`` (attributes unused) living in the JVM, with its sizes."""

    java: JavaObject
    vertex_count: int
    edge_count: int

    def unpersist(self, blocking: bool = False) -> None:
        self.java.unpersist(blocking)


class GraphX:
    """GraphX for one ``SparkSession``: build graphs from DataFrames, run ``graphx.lib``."""

    def __init__(self, spark: SparkSession) -> None:
        self.spark = spark
        jvm = spark.sparkContext._jvm
        if jvm is None:
            raise RuntimeError("the Spark session has no JVM gateway")
        self._jvm = jvm
        self._encoders = jvm.org.apache.spark.sql.Encoders
        self._int = getattr(getattr(jvm.scala.reflect, "ClassTag$"), "MODULE$").Int()
        self._level = jvm.org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK()
        self._lib = jvm.org.apache.spark.graphx.lib

    # -- gateway helpers ----------------------------------------------------------------------
    def _module(self, owner: JavaObject, name: str) -> JavaObject:
        """A Scala ``object`` (its ``MODULE$`` singleton)."""
        return getattr(getattr(owner, f"{name}$"), "MODULE$")

    def _pairs(self, df: DataFrame, value: JavaObject) -> JavaObject:
        """``RDD[(Long, X)]`` from a two-column DataFrame (no Python per row)."""
        encoder = self._encoders.tuple(self._encoders.LONG(), value)
        return getattr(df._jdf, "as")(encoder).rdd()

    def _frame(self, vertices: JavaObject, value: JavaObject) -> DataFrame:
        """A result graph's vertices as a DataFrame ``(key, value)``."""
        encoder = self._encoders.tuple(self._encoders.LONG(), value)
        jdf = self.spark._jsparkSession.createDataset(vertices, encoder).toDF()
        return DataFrame(jdf, self.spark).toDF("key", "value")

    def _longs(self, values: list[int]) -> JavaObject:
        """A Scala ``Seq[Long]`` of boxed ``java.lang.Long`` (a Python int crosses the gateway
        as an ``Integer`` when it fits, which GraphX's erased generics would not cast)."""
        df = self.spark.createDataFrame([(int(v),) for v in values], "v long")
        java_list = getattr(df._jdf, "as")(self._encoders.LONG()).collectAsList()
        converters = self._jvm.scala.collection.JavaConverters
        return converters.asScalaBufferConverter(java_list).asScala().toSeq()

    # -- graphs --------------------------------------------------------------------------------
    def graph(self, vertices: DataFrame, edges: DataFrame) -> GraphXGraph:
        """``vertices``: ``(key: long)``; ``edges``: ``(src: long, dst: long)``, directed."""
        v = vertices.select(F.col("key").cast("long"), F.lit(0).cast("int").alias("attr"))
        e = edges.select(F.col("src").cast("long"), F.col("dst").cast("long"))
        graphs = self._module(self._jvm.org.apache.spark.graphx, "Graph")
        none = self._module(self._jvm.scala, "None")
        tuples = graphs.fromEdgeTuples(
            self._pairs(e, self._encoders.LONG()), 0, none, self._level, self._level, self._int
        )
        g = graphs.apply(
            self._pairs(v, self._encoders.INT()), tuples.edges(), 0,
            self._level, self._level, self._int, self._int,
        )  # fmt: skip
        g = g.cache()
        ops = g.ops()
        return GraphXGraph(g, int(ops.numVertices()), int(ops.numEdges()))

    def release(self, graph: GraphXGraph) -> None:
        graph.java.unpersist(False)

    # -- graphx.lib ----------------------------------------------------------------------------
    def pagerank(
        self, graph: GraphXGraph, iterations: int, reset: float, tolerance: float | None = None
    ) -> DataFrame:
        """``PageRank.run`` (``iterations`` rounds) or ``runUntilConvergence`` (``tolerance``);
        ranks sum to the vertex count."""
        pr = self._module(self._lib, "PageRank")
        if tolerance is not None:
            out = pr.runUntilConvergence(graph.java, float(tolerance), float(reset),
                                         self._int, self._int)  # fmt: skip
        else:
            out = pr.run(graph.java, int(iterations), float(reset), self._int, self._int)
        return self._frame(out.vertices(), self._encoders.DOUBLE())

    def personalized_pagerank(
        self, graph: GraphXGraph, source: int, iterations: int, reset: float
    ) -> DataFrame:
        """``PageRank.runWithOptions`` with ``srcId = Some(source)``: ranks sum to 1."""
        pr = self._module(self._lib, "PageRank")
        src = self._longs([source]).headOption()
        out = pr.runWithOptions(graph.java, int(iterations), float(reset), src,
                                self._int, self._int)  # fmt: skip
        return self._frame(out.vertices(), self._encoders.DOUBLE())

    def connected_components(self, graph: GraphXGraph) -> DataFrame:
        """``ConnectedComponents.run``: weak components, named by their smallest key."""
        cc = self._module(self._lib, "ConnectedComponents")
        out = cc.run(graph.java, self._int, self._int)
        return self._frame(out.vertices(), self._encoders.LONG())

    def strongly_connected_components(self, graph: GraphXGraph, iterations: int) -> DataFrame:
        scc = self._module(self._lib, "StronglyConnectedComponents")
        out = scc.run(graph.java, int(iterations), self._int, self._int)
        return self._frame(out.vertices(), self._encoders.LONG())

    def label_propagation(self, graph: GraphXGraph, steps: int) -> DataFrame:
        """``LabelPropagation.run`` (synchronous, ``steps`` supersteps, edges both ways)."""
        lpa = self._module(self._lib, "LabelPropagation")
        out = lpa.run(graph.java, int(steps), self._int)
        return self._frame(out.vertices(), self._encoders.LONG())

    def triangle_count(self, graph: GraphXGraph) -> DataFrame:
        """``TriangleCount.run``: triangles through each vertex, edge direction ignored."""
        tc = self._module(self._lib, "TriangleCount")
        out = tc.run(graph.java, self._int, self._int)
        return self._frame(out.vertices(), self._encoders.INT())

    def shortest_paths(self, graph: GraphXGraph, landmarks: list[int]) -> DataFrame:
        """``ShortestPaths.run``: hops from each vertex to the nearest landmark along the edge
        direction (``value`` null where none is reachable)."""
        sp = self._module(self._lib, "ShortestPaths")
        out = sp.run(graph.java, self._longs(landmarks), self._int)
        folder = Path(tempfile.gettempdir()) / f"scholargraph-graphx-{uuid.uuid4().hex}"
        try:
            out.vertices().saveAsTextFile(str(folder))  # lines: (key,Map(landmark -> hops, …))
            text = self.spark.read.text(str(folder))
            key = F.regexp_extract("value", r"^\((-?\d+),", 1).cast("long")
            hops = F.expr(r"transform(regexp_extract_all(value, '-> (\\d+)', 1), x -> int(x))")
            frame = text.select(key.alias("key"), F.array_min(hops).alias("value"))
            return frame.localCheckpoint(eager=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
