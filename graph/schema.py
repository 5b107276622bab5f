"""Constraints and indexes, applied idempotently (``IF NOT EXISTS``).

Every node label has a uniqueness constraint on ``id``; every external id property has one too,
so ``MERGE`` on a key is an index seek and two nodes can never share a DOI or an ORCID.
"""

from __future__ import annotations

from neo4j import Driver

from graph.ids import AUTHOR_ID_PROPERTY, PAPER_ID_PROPERTY
from graph.labels import Label


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
    stmts += [
        "CREATE INDEX paper_year IF NOT EXISTS FOR (p:Paper) ON (p.year)",
        "CREATE INDEX paper_date IF NOT EXISTS FOR (p:Paper) ON (p.date)",
        "CREATE INDEX paper_title_key IF NOT EXISTS FOR (p:Paper) ON (p.title_key)",
        "CREATE INDEX paper_citation_count IF NOT EXISTS FOR (p:Paper) ON (p.citation_count)",
        "CREATE INDEX author_name_key IF NOT EXISTS FOR (a:Author) ON (a.name_key)",
        "CREATE INDEX author_match_key IF NOT EXISTS FOR (a:Author) ON (a.match_key)",
        "CREATE INDEX author_paper_count IF NOT EXISTS FOR (a:Author) ON (a.paper_count)",
        "CREATE INDEX category_scheme IF NOT EXISTS FOR (c:Category) ON (c.scheme)",
        "CREATE INDEX analysis_run_key IF NOT EXISTS FOR (r:AnalysisRun) ON (r.result_key)",
        "CREATE FULLTEXT INDEX paper_text IF NOT EXISTS "
        "FOR (p:Paper) ON EACH [p.title, p.abstract]",
        "CREATE FULLTEXT INDEX author_names IF NOT EXISTS "
        "FOR (a:Author) ON EACH [a.name, a.name_variants_text]",
        "CREATE FULLTEXT INDEX venue_names IF NOT EXISTS FOR (v:Venue) ON EACH [v.name]",
    ]
    return stmts


SCHEMA_STATEMENTS: tuple[str, ...] = tuple(_statements())


def apply_schema(driver: Driver, database: str) -> int:
    """Create every constraint and index that is missing and wait for them to come online."""
    for stmt in SCHEMA_STATEMENTS:
        driver.execute_query(stmt, database_=database)
    driver.execute_query("CALL db.awaitIndexes(300)", database_=database)
    return len(SCHEMA_STATEMENTS)
