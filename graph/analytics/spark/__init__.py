"""The Spark engine of the analytics (``--engine spark``, docs/scale-out.md): the same
``GraphSpec`` runs on GraphX, reading from Neo4j (the Neo4j Connector for Apache Spark) or from
the bulk-import CSV snapshot, and writes back through ``graph.analytics.runs``."""
