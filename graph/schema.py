"""Constraints and indexes, applied idempotently (``IF NOT EXISTS``).

Every node label has a uniqueness constraint on ``id``; every external id property has one too,
so ``MERGE`` on a key is an index seek and two nodes can never share a DOI or an ORCID.

Full-text search folds accents, so "Stutzle" finds Stützle and "Lopez Ibanez" finds
López-Ibáñez, and text in any script stays searchable as printed: every full-text index uses
Neo4j's ``standard-folding`` analyzer (Lucene's standard tokenizer with ASCII folding; like the
standard English analyzer it leaves out 33 English stop words such as "the", "of" and "an", so a
surname that is one of them, like An, is not a search term on its own). ``author_names`` also
indexes ``name_key``, the graph's own folded and transliterated key
(``graph.ids.normalize_name``), so transliterations find names printed in other scripts
("Andrey Kolpakov" finds Андрей Колпаков, "Chengyang Wang" finds 王成阳) while ``name`` keeps
the printed script searchable (王成阳 finds 王成阳).

Changing a full-text index's analyzer or fields needs the index dropped and created again:
``apply_schema`` compares each one with what the server holds and rebuilds only those that
differ, so a graph made before the change is brought up to date and a second run does nothing.

Data migrations run there too, each idempotent (a second run finds nothing to do):

- **the arXiv Physics group** (``loaders.arxiv_taxonomy``): a graph loaded when the Physics group
  and the ``physics`` archive were one node holds ``SUBCATEGORY_OF`` links from the physics
  archives (``hep-th``, ``astro-ph`` …) to ``arxiv:physics``; they move to the group
  ``arxiv-group:physics`` (created when missing), and ``arxiv:physics`` itself hangs under it;
- **field membership** (``IN_FIELD``, docs/model.md): written by both writers at load; a graph
  loaded before it existed, or whose hierarchy the migration above changed, gets it computed
  for every paper, in write transactions of ``BACKFILL_BATCH`` papers (by id). The check that
  decides it is one query that stops at the first paper missing its links;
- **matching keys** (docs/identity.md, "Papers"): a title-keyed node made from a citation end
  gets its ``title_key``, and a venue its ``name_key`` (normalised name), which title and venue
  matching look up.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from neo4j import Driver, ManagedTransaction

from graph import stamp
from graph.errors import IndexesNotOnline
from graph.ids import AUTHOR_ID_PROPERTY, PAPER_ID_PROPERTY, normalize_title
from graph.labels import Label, identifier

FOLDING = "standard-folding"
DEFAULT_ANALYZER = "standard-no-stop-words"


@dataclass(frozen=True, slots=True)
class FullTextIndex:
    name: str
    label: Label
    properties: tuple[str, ...]
    analyzer: str

    def create(self) -> str:
        # Names and properties come from the fixed table below (checked), never from input.
        fields = ", ".join(f"n.{identifier(p)}" for p in self.properties)
        return (
            f"CREATE FULLTEXT INDEX {identifier(self.name)} IF NOT EXISTS "
            f"FOR (n:{self.label.value}) ON EACH [{fields}] "
            f"OPTIONS {{indexConfig: {{`fulltext.analyzer`: '{self.analyzer}'}}}}"
        )

    def drop(self) -> str:
        return f"DROP INDEX {identifier(self.name)} IF EXISTS"

    def matches(self, labels: list[str], properties: list[str], analyzer: str | None) -> bool:
        """Whether an index the server reports is this definition."""
        return (
            labels == [self.label.value]
            and tuple(properties) == self.properties
            and (analyzer or DEFAULT_ANALYZER) == self.analyzer
        )


FULLTEXT_INDEXES: tuple[FullTextIndex, ...] = (
    FullTextIndex("paper_text", Label.PAPER, ("title", "abstract"), FOLDING),
    FullTextIndex(
        "author_names", Label.AUTHOR, ("name", "name_variants_text", "name_key"), FOLDING
    ),
    FullTextIndex("venue_names", Label.VENUE, ("name",), FOLDING),
)

SHOW_FULLTEXT_INDEXES = (
    "SHOW FULLTEXT INDEXES YIELD name, labelsOrTypes, properties, options "
    "RETURN name, labelsOrTypes AS labels, properties, "
    "options.indexConfig.`fulltext.analyzer` AS analyzer"
)


def _unique(label: Label, prop: str) -> str:
    name = f"{label.value.lower()}_{prop}_unique"
    return (
        f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label.value}) REQUIRE n.{prop} IS UNIQUE"
    )


def _statements() -> list[str]:
    # Labels and properties below come from closed enums and fixed tables, never from input.
    stmts = [_unique(label, "id") for label in Label]
    stmts += [_unique(Label.PAPER, p) for p in PAPER_ID_PROPERTY.values()]
    stmts += [_unique(Label.AUTHOR, p) for p in AUTHOR_ID_PROPERTY.values()]
    stmts += [stamp.CONSTRAINT]  # the one node of the writers' stamp (``graph.stamp``)
    stmts += [
        "CREATE INDEX paper_year IF NOT EXISTS FOR (p:Paper) ON (p.year)",
        "CREATE INDEX paper_date IF NOT EXISTS FOR (p:Paper) ON (p.date)",
        "CREATE INDEX paper_title_key IF NOT EXISTS FOR (p:Paper) ON (p.title_key)",
        "CREATE INDEX paper_citation_count IF NOT EXISTS FOR (p:Paper) ON (p.citation_count)",
        "CREATE INDEX author_name_key IF NOT EXISTS FOR (a:Author) ON (a.name_key)",
        "CREATE INDEX author_match_key IF NOT EXISTS FOR (a:Author) ON (a.match_key)",
        "CREATE INDEX author_paper_count IF NOT EXISTS FOR (a:Author) ON (a.paper_count)",
        "CREATE INDEX category_scheme IF NOT EXISTS FOR (c:Category) ON (c.scheme)",
        "CREATE INDEX venue_issn IF NOT EXISTS FOR (v:Venue) ON (v.issn)",
        "CREATE INDEX venue_name_key IF NOT EXISTS FOR (v:Venue) ON (v.name_key)",
        "CREATE INDEX analysis_run_key IF NOT EXISTS FOR (r:AnalysisRun) ON (r.result_key)",
    ]
    stmts += [index.create() for index in FULLTEXT_INDEXES]
    return stmts


SCHEMA_STATEMENTS: tuple[str, ...] = tuple(_statements())


def outdated_fulltext_indexes(driver: Driver, database: str) -> list[FullTextIndex]:
    """The full-text indexes the server holds under one of our names with other fields or another
    analyzer (made by an earlier version)."""
    records, _, _ = driver.execute_query(SHOW_FULLTEXT_INDEXES, database_=database)
    held = {r["name"]: r for r in records}
    return [
        index
        for index in FULLTEXT_INDEXES
        if index.name in held
        and not index.matches(
            list(held[index.name]["labels"] or []),
            list(held[index.name]["properties"] or []),
            held[index.name]["analyzer"],
        )
    ]


def apply_schema(driver: Driver, database: str) -> int:
    """Create every constraint and index that is missing, rebuild full-text indexes whose
    definition changed, wait for them all to come online, then run the data migrations
    (module docstring)."""
    for index in outdated_fulltext_indexes(driver, database):
        driver.execute_query(index.drop(), database_=database)
    for stmt in SCHEMA_STATEMENTS:
        driver.execute_query(stmt, database_=database)
    await_indexes(driver, database)
    migrate(driver, database)
    return len(SCHEMA_STATEMENTS)


INDEX_STATES = (
    "SHOW INDEXES YIELD name, state, populationPercent RETURN name, state, populationPercent"
)


def await_indexes(
    driver: Driver, database: str, timeout: float = 1800.0, poll: float = 1.0
) -> None:
    """Waits until every index is ONLINE, polling its state in short reads (one long
    ``db.awaitIndexes`` call is stopped by the transaction timeout when population is slow, as
    on a busy machine at 1M papers). Raises :class:`IndexesNotOnline` for a FAILED index or
    after ``timeout`` seconds, naming the indexes still populating."""
    deadline = time.monotonic() + timeout
    while True:
        records, _, _ = driver.execute_query(INDEX_STATES, database_=database)
        failed = [r["name"] for r in records if r["state"] == "FAILED"]
        waiting = {r["name"]: r["populationPercent"] for r in records if r["state"] != "ONLINE"}
        if failed or (waiting and time.monotonic() > deadline):
            raise IndexesNotOnline(failed, waiting, timeout)
        if not waiting:
            return
        time.sleep(poll)


# -- data migrations ---------------------------------------------------------------------------

logger = logging.getLogger("scholargraph.schema")

PHYSICS_ARCHIVE = "arxiv:physics"
PHYSICS_GROUP = {"id": "arxiv-group:physics", "name": "Physics (group)", "scheme": "arxiv"}
BACKFILL_BATCH = 10_000

#: Links from a physics archive to the ``physics`` archive (made when the group and the archive
#: were one node) move to the group; returns how many moved.
MOVE_TO_PHYSICS_GROUP = """
MATCH (c:Category)-[r:SUBCATEGORY_OF]->(old:Category {id: $archive})
WHERE NOT c.id STARTS WITH $archive + '.'
MERGE (g:Category {id: $group.id})
  ON CREATE SET g.name = $group.name, g.scheme = $group.scheme
MERGE (c)-[:SUBCATEGORY_OF]->(g)
MERGE (old)-[:SUBCATEGORY_OF]->(g)
DELETE r
RETURN count(*) AS moved
"""

#: Whether some paper with a category lacks its field links (stops at the first one).
MISSING_IN_FIELD = """
MATCH (p:Paper)-[:IN_CATEGORY]->()
WHERE NOT EXISTS { (p)-[:IN_FIELD]->() }
RETURN p.id AS id LIMIT 1
"""

#: The field links of the next ``$batch`` papers (by id, after ``$after``) made equal to their
#: categories and the ancestors of those (stale ones deleted, missing ones merged).
BACKFILL_IN_FIELD = """
MATCH (p:Paper) WHERE p.id > $after
WITH p ORDER BY p.id LIMIT $batch
CALL (p) {
  OPTIONAL MATCH (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category)
  WITH p, collect(DISTINCT c) AS fields
  CALL (p, fields) {
    MATCH (p)-[r:IN_FIELD]->(x) WHERE NOT x IN fields
    DELETE r
  }
  FOREACH (c IN fields | MERGE (p)-[:IN_FIELD]->(c))
}
RETURN max(p.id) AS last, count(p) AS papers
"""


#: Title-keyed nodes made from a citation end before such nodes carried their key: title
#: matching finds nodes by ``title_key``.
WEAK_TITLE_KEYS = """
MATCH (p:Paper) WHERE p.id STARTS WITH 'title:' AND p.title_key IS NULL
SET p.title_key = substring(p.id, 6)
RETURN count(p) AS keyed
"""


#: Venues written before venues carried their normalised name (venue matching reads it).
VENUES_WITHOUT_NAME_KEY = """
MATCH (v:Venue) WHERE v.name_key IS NULL RETURN v.id AS id, v.name AS name LIMIT $batch
"""
SET_VENUE_NAME_KEYS = "UNWIND $rows AS row MATCH (v:Venue {id: row.id}) SET v.name_key = row.key"


def migrate(driver: Driver, database: str) -> dict[str, int]:
    """The data migrations (module docstring); returns what each changed."""
    with driver.session(database=database) as session:
        moved = session.run(
            MOVE_TO_PHYSICS_GROUP, archive=PHYSICS_ARCHIVE, group=PHYSICS_GROUP
        ).single(strict=True)["moved"]
        missing = session.run(MISSING_IN_FIELD).single() is not None
        keyed = session.run(WEAK_TITLE_KEYS).single(strict=True)["keyed"]
        venues = 0
        while rows := [dict(r) for r in session.run(VENUES_WITHOUT_NAME_KEY, batch=10_000)]:
            keys = [{"id": r["id"], "key": normalize_title(r["name"] or "")} for r in rows]
            session.run(SET_VENUE_NAME_KEYS, rows=keys).consume()
            venues += len(rows)
    backfilled = 0
    if moved or missing:
        backfilled = backfill_in_field(driver, database)
        logger.info("field membership computed for the graph (%d links made)", backfilled)
    return {
        "hierarchy_moved": int(moved),
        "in_field_created": backfilled,
        "title_keys_set": int(keyed),
        "venue_name_keys_set": venues,
    }


def backfill_in_field(driver: Driver, database: str, batch: int = BACKFILL_BATCH) -> int:
    """Every paper's ``IN_FIELD`` links recomputed from ``IN_CATEGORY`` and the hierarchy, one
    write transaction per ``batch`` papers in id order (each short, whatever the graph's size;
    idempotent); returns the links created."""

    def step(tx: ManagedTransaction, after: str) -> tuple[str | None, int]:
        result = tx.run(BACKFILL_IN_FIELD, after=after, batch=batch)
        row = result.single(strict=True)
        created = result.consume().counters.relationships_created
        return (row["last"] if row["papers"] else None), int(created)

    created, after = 0, ""
    with driver.session(database=database) as session:
        while True:
            last, made = session.execute_write(step, after)
            created += made
            if last is None:
                return created
            after = last
