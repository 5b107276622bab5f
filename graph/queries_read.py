"""Read Cypher of the API: named constants and small documented builders.

Labels and relationship types come from :mod:`graph.labels`; property names from the fixed tables
in :mod:`graph.ids` and the closed maps below. Every value a user supplies is a ``$parameter``.
Every query is batched: it takes a list of keys (``$ids``/``$refs``) and answers all of them in one
round trip, returning the key beside each answer so the caller can re-order.
"""

from __future__ import annotations

from graph.ids import AUTHOR_ID_PROPERTY, PAPER_ID_PROPERTY
from graph.labels import Label, RelType

PAPER = Label.PAPER.value
AUTHOR = Label.AUTHOR.value
VENUE = Label.VENUE.value
CATEGORY = Label.CATEGORY.value
AUTHORED = RelType.AUTHORED.value
PUBLISHED_IN = RelType.PUBLISHED_IN.value
IN_CATEGORY = RelType.IN_CATEGORY.value
CITES = RelType.CITES.value
SUBCATEGORY_OF = RelType.SUBCATEGORY_OF.value

# --- nodes by their graph id ------------------------------------------------------------------

NODES_BY_IDS: dict[Label, str] = {
    label: f"UNWIND $ids AS id MATCH (n:{label.value} {{id: id}}) RETURN id, n {{.*}} AS node"
    for label in (Label.PAPER, Label.AUTHOR, Label.VENUE, Label.CATEGORY)
}


def _resolve_query(label: Label, properties: dict[str, str]) -> str:
    """``$refs`` is a list of ``{key, prop, value}``; one index seek per ref on the property it
    names (the graph ``id`` or a uniqueness-constrained external id)."""
    props = ["id", *sorted(set(properties.values()))]
    branches = " UNION ".join(
        f"MATCH (n:{label.value} {{{prop}: ref.value}}) WHERE ref.prop = '{prop}' RETURN n"
        for prop in props
    )
    return (
        f"UNWIND $refs AS ref CALL (ref) {{ {branches} }} RETURN ref.key AS key, n {{.*}} AS node"
    )


RESOLVE_PAPERS = _resolve_query(Label.PAPER, PAPER_ID_PROPERTY)
RESOLVE_AUTHORS = _resolve_query(Label.AUTHOR, AUTHOR_ID_PROPERTY)
RESOLVE_PROPERTIES: dict[Label, frozenset[str]] = {
    Label.PAPER: frozenset({"id", *PAPER_ID_PROPERTY.values()}),
    Label.AUTHOR: frozenset({"id", *AUTHOR_ID_PROPERTY.values()}),
}

# --- children of papers ---------------------------------------------------------------------

AUTHORS_OF_PAPERS = f"""
UNWIND $ids AS id
MATCH (:{PAPER} {{id: id}})<-[r:{AUTHORED}]-(a:{AUTHOR})
WITH id, r, a ORDER BY id, r.position IS NULL, r.position, a.id
RETURN id, collect({{position: r.position, raw_name: r.raw_name, author: a {{.*}},
                    match_rule: r.match_rule, match_score: r.match_score,
                    match_evidence: r.match_evidence}}) AS rows
"""

CATEGORIES_OF_PAPERS = f"""
UNWIND $ids AS id
MATCH (:{PAPER} {{id: id}})-[r:{IN_CATEGORY}]->(c:{CATEGORY})
WITH id, r, c ORDER BY id, coalesce(r.primary, false) DESC, c.id
RETURN id, collect({{primary: coalesce(r.primary, false), category: c {{.*}}}}) AS rows
"""

VENUE_OF_PAPERS = f"""
UNWIND $ids AS id
MATCH (:{PAPER} {{id: id}})-[:{PUBLISHED_IN}]->(v:{VENUE})
WITH id, v ORDER BY id, v.id
RETURN id, head(collect(v {{.*}})) AS node
"""

# --- children of authors and categories -----------------------------------------------------

COAUTHORS_OF_AUTHORS = f"""
UNWIND $ids AS id
MATCH (a:{AUTHOR} {{id: id}})
CALL (a) {{
  MATCH (a)-[:{AUTHORED}]->(p:{PAPER})<-[:{AUTHORED}]-(c:{AUTHOR})
  WHERE c <> a
  WITH c, count(DISTINCT p) AS joint, min(p.year) AS first_year, max(p.year) AS last_year
  ORDER BY joint DESC, c.id
  LIMIT $first
  RETURN collect({{author: c {{.*}}, joint: joint, first_year: first_year,
                  last_year: last_year}}) AS rows
}}
RETURN id, rows
"""

CATEGORIES_OF_AUTHORS = f"""
UNWIND $ids AS id
MATCH (a:{AUTHOR} {{id: id}})
CALL (a) {{
  MATCH (a)-[:{AUTHORED}]->(p:{PAPER})-[:{IN_CATEGORY}]->(c:{CATEGORY})
  WITH c, count(DISTINCT p) AS n ORDER BY n DESC, c.id
  RETURN collect({{category: c {{.*}}, paper_count: n}}) AS rows
}}
RETURN id, rows
"""

PARENTS_OF_CATEGORIES = f"""
UNWIND $ids AS id
MATCH (:{CATEGORY} {{id: id}})-[:{SUBCATEGORY_OF}]->(c:{CATEGORY})
WITH id, c ORDER BY id, c.id
RETURN id, head(collect(c {{.*}})) AS node
"""

SUBCATEGORIES_OF_CATEGORIES = f"""
UNWIND $ids AS id
MATCH (:{CATEGORY} {{id: id}})<-[:{SUBCATEGORY_OF}]-(c:{CATEGORY})
WITH id, c ORDER BY id, c.id
RETURN id, collect(c {{.*}}) AS rows
"""

# Degree counts: answered from the relationship-count store, no expansion.
PAPER_COUNTS: dict[Label, str] = {
    Label.CATEGORY: (
        f"UNWIND $ids AS id MATCH (n:{CATEGORY} {{id: id}}) "
        f"RETURN id, COUNT {{ (n)<-[:{IN_CATEGORY}]-() }} AS n"
    ),
    Label.VENUE: (
        f"UNWIND $ids AS id MATCH (n:{VENUE} {{id: id}}) "
        f"RETURN id, COUNT {{ (n)<-[:{PUBLISHED_IN}]-() }} AS n"
    ),
}

CATEGORIES = f"""
MATCH (c:{CATEGORY}) WHERE $scheme IS NULL OR c.scheme = $scheme
WITH c ORDER BY c.id LIMIT $first
RETURN c.id AS id, c {{.*}} AS node
"""

# --- child pages (papers of authors, references, citations) ---------------------------------

# How a parent reaches the papers of each kind of child page; ``p`` is the child paper.
CHILD_PAGE_PATTERNS: dict[str, tuple[Label, str]] = {
    "papers_of_author": (Label.AUTHOR, f"(parent)-[:{AUTHORED}]->(p:{PAPER})"),
    "references": (Label.PAPER, f"(parent)-[:{CITES}]->(p:{PAPER})"),
    "citations": (Label.PAPER, f"(parent)<-[:{CITES}]-(p:{PAPER})"),
}


def child_page_query(kind: str, order_by: str) -> str:
    """One page of child papers for every parent in ``$ids``, with each parent's total.

    ``order_by`` comes from :func:`graph.repository.order_clause` (closed field map, unique
    tie-breaker last); ``$skip``/``$limit`` select the page."""
    label, pattern = CHILD_PAGE_PATTERNS[kind]
    return f"""
UNWIND $ids AS id
MATCH (parent:{label.value} {{id: id}})
CALL (parent) {{
  MATCH {pattern}
  WITH DISTINCT p ORDER BY {order_by} SKIP $skip LIMIT $limit
  RETURN collect(p {{.*}}) AS rows
}}
CALL (parent) {{
  MATCH {pattern}
  RETURN count(DISTINCT p) AS total
}}
RETURN id, rows, total
"""


# --- top-level lists ------------------------------------------------------------------------

LIST_VARIABLE: dict[Label, str] = {Label.PAPER: "p", Label.AUTHOR: "a"}


def list_page_query(label: Label, where: str, order_by: str) -> str:
    """One page of ``label`` nodes matching ``where`` (built by ``graph.repository`` from the
    closed filter map, values as parameters) in ``order_by`` order."""
    var = LIST_VARIABLE[label]
    return (
        f"MATCH ({var}:{label.value}) WHERE {where} "
        f"WITH {var} ORDER BY {order_by} SKIP $skip LIMIT $limit "
        f"RETURN {var} {{.*}} AS node"
    )


def list_count_query(label: Label, where: str) -> str:
    var = LIST_VARIABLE[label]
    return f"MATCH ({var}:{label.value}) WHERE {where} RETURN count({var}) AS n"


# --- full-text search -----------------------------------------------------------------------

# Search kind -> (full-text index from graph/schema.py, label).
SEARCH_INDEXES: dict[str, tuple[str, Label]] = {
    "paper": ("paper_text", Label.PAPER),
    "author": ("author_names", Label.AUTHOR),
    "venue": ("venue_names", Label.VENUE),
}


def search_query(kinds: list[str]) -> str:
    """Scored hits from each chosen index (kinds from :data:`SEARCH_INDEXES` only)."""
    parts = []
    for kind in kinds:
        index, _label = SEARCH_INDEXES[kind]
        parts.append(
            f"CALL db.index.fulltext.queryNodes('{index}', $query, {{limit: $first}}) "
            f"YIELD node, score RETURN '{kind}' AS kind, node {{.*}} AS node, score"
        )
    return " UNION ALL ".join(parts)
