"""Cypher of influence analysis (``graph.influence``): named constants and small builders over
the analytics paper filter (``graph.analytics.queries.paper_conditions``). Values only as
``$parameters``; labels and relationship types from ``graph.labels``."""

from __future__ import annotations

from graph.analytics.queries import paper_conditions
from graph.analytics.spec import GraphSpec
from graph.labels import Label, RelType

AUTHOR = Label.AUTHOR.value
PAPER = Label.PAPER.value
CATEGORY = Label.CATEGORY.value
AUTHORED = RelType.AUTHORED.value
CITES = RelType.CITES.value
IN_CATEGORY = RelType.IN_CATEGORY.value
SUBCATEGORY_OF = RelType.SUBCATEGORY_OF.value


def _where(conds: list[str]) -> str:
    return ("WHERE " + " AND ".join(conds)) if conds else ""


def authorships_query(spec: GraphSpec) -> str:
    """Every authorship of a paper in ``spec``'s paper filter, as two parallel lists (the
    parameters are ``graph.analytics.queries.export_parameters(spec)``)."""
    return (
        f"MATCH (a:{AUTHOR})-[:{AUTHORED}]->(p:{PAPER}) {_where(paper_conditions(spec, 'p'))} "
        "RETURN collect(a.id) AS authors, collect(p.id) AS papers"
    )


def velocity_query(spec: GraphSpec) -> str:
    """Per author with a paper ``q`` in ``spec``'s filter: the citations ``p -> q`` from papers
    dated in the previous window and in the recent window (all citing papers in the graph)."""
    conds = [*paper_conditions(spec, "q"), "p.year >= $previous_from", "p.year <= $recent_to"]
    return (
        f"MATCH (a:{AUTHOR})-[:{AUTHORED}]->(q:{PAPER})<-[:{CITES}]-(p:{PAPER}) {_where(conds)} "
        "WITH a, p, q "
        "WITH a, sum(CASE WHEN p.year >= $recent_from THEN 1 ELSE 0 END) AS recent, "
        "sum(CASE WHEN p.year < $recent_from THEN 1 ELSE 0 END) AS previous "
        "RETURN collect(a.id) AS authors, collect(recent) AS recent, collect(previous) AS previous"
    )


def papers_per_year_query(spec: GraphSpec) -> str:
    """Papers per year in ``spec``'s filter (dated papers), as two parallel lists."""
    conds = [*paper_conditions(spec, "p"), "p.year IS NOT NULL"]
    return (
        f"MATCH (p:{PAPER}) {_where(conds)} WITH p.year AS year, count(*) AS n ORDER BY year "
        "RETURN collect(year) AS years, collect(n) AS papers"
    )
