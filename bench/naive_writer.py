"""The baseline the batched writer is measured against: one record per transaction and one
statement (one Bolt round trip) per node and relationship, the pattern of weaker loaders.

It writes the same nodes and relationships as ``loaders.writer`` for single-source,
name-keyed data such as Paperscape (no cross-source identity resolution), so the two can be
timed on the same slice. Benchmark code only; it is not part of the product.
"""

from __future__ import annotations

from neo4j import Driver, ManagedTransaction

from loaders.records import Paper
from loaders.writer import author_row

PAPER = (
    "MERGE (p:Paper {id: $id}) SET p.title = $title, p.year = $year, p.date = $date, p.stub = false"
)
STUB = "MERGE (p:Paper {id: $id}) ON CREATE SET p.stub = true"
AUTHOR = "MERGE (a:Author {id: $id}) ON CREATE SET a.name = $name"
AUTHORED = (
    "MATCH (a:Author {id: $author}), (p:Paper {id: $paper}) "
    "MERGE (a)-[r:AUTHORED]->(p) SET r.position = $position"
)
CATEGORY = "MERGE (c:Category {id: $id}) SET c.name = $name"
IN_CATEGORY = (
    "MATCH (p:Paper {id: $paper}), (c:Category {id: $cat}) MERGE (p)-[r:IN_CATEGORY]->(c) "
    "SET r.primary = $primary"
)
CITES = "MATCH (a:Paper {id: $src}), (b:Paper {id: $dst}) MERGE (a)-[:CITES]->(b)"


def write_one(driver: Driver, database: str, paper: Paper) -> None:
    """One transaction for the record, one statement per node and relationship."""

    def work(tx: ManagedTransaction) -> None:
        pid = paper.ids.key()
        tx.run(PAPER, id=pid, title=paper.title, year=paper.year, date=paper.date).consume()
        for a in paper.authors:
            aid = "name:" + author_row(a.author)["name_key"]
            tx.run(AUTHOR, id=aid, name=a.author.name).consume()
            tx.run(AUTHORED, author=aid, paper=pid, position=a.position).consume()
        for c in paper.categories:
            tx.run(CATEGORY, id=c.id, name=c.name).consume()
            tx.run(
                IN_CATEGORY, paper=pid, cat=c.id, primary=c.id == paper.primary_category
            ).consume()
        for ref in paper.references:
            tx.run(STUB, id=ref.key()).consume()
            tx.run(CITES, src=pid, dst=ref.key()).consume()

    with driver.session(database=database) as session:
        session.execute_write(work)
