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
"""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver

from graph.ids import AUTHOR_ID_PROPERTY, PAPER_ID_PROPERTY
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
    definition changed, and wait for them all to come online."""
    for index in outdated_fulltext_indexes(driver, database):
        driver.execute_query(index.drop(), database_=database)
    for stmt in SCHEMA_STATEMENTS:
        driver.execute_query(stmt, database_=database)
    driver.execute_query("CALL db.awaitIndexes(300)", database_=database)
    return len(SCHEMA_STATEMENTS)
