"""The graph's write stamp: one node whose random value every writer replaces, last in its
transaction.

Written by each load batch (``graph.ingest``, whether the clustering is on or off), the metrics
refresh that ends a load or a bulk import, an overrides run (``graph.overrides``) and the relink
sweep after a bulk import. Read by

* a load that keeps cluster profiles in memory (``graph.author_clustering.KeptProfiles``): when
  its last batch replaced the stamp it had seen, nobody else wrote since, and its next batch
  reads nothing it already holds;
* the analytics snapshot (``graph.snapshot``) and the co-author graph cache
  (``graph.collaboration``), as part of their fingerprint: a write that moves no count (a year
  or citation count changed by a re-load, an authorship moved between two authors that both
  stay) is seen by the next request.

Writes made around the project's writers (Cypher typed by hand) do not replace it: they are seen
at the next write through the writers, or the next change of a count.
"""

from __future__ import annotations

import uuid

from neo4j import ManagedTransaction

LABEL = "WriteStamp"

#: The stamp the last writer left (no row before the first write).
READ_STAMP = f"MATCH (s:{LABEL} {{id: 'graph'}}) RETURN s.stamp AS stamp"

#: A new stamp, returning the one it replaced: the lock is taken (``SET s.locked``) before the
#: old stamp is read, so no other writer's stamp can come between the read and the write.
REPLACE_STAMP = f"""
MERGE (s:{LABEL} {{id: 'graph'}})
SET s.locked = true
WITH s
WITH s, s.stamp AS before
SET s.stamp = $stamp
RETURN before
"""

#: The node's uniqueness constraint (``graph.schema``).
CONSTRAINT = (
    f"CREATE CONSTRAINT writestamp_id_unique IF NOT EXISTS FOR (n:{LABEL}) REQUIRE n.id IS UNIQUE"
)


def replace_stamp(tx: ManagedTransaction) -> tuple[str | None, str]:
    """Writes a new stamp; returns (the one it replaced, the new one). Run it last in a write
    transaction: it holds the node's lock until the commit."""
    stamp = uuid.uuid4().hex
    record = tx.run(REPLACE_STAMP, stamp=stamp).single()
    return (record["before"] if record else None), stamp
