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
IN_FIELD = RelType.IN_FIELD.value

#: The category predicate's pattern: from a paper to a category ``c`` it belongs to, itself or
#: an ancestor of its categories — one hop over the precomputed ``IN_FIELD`` (docs/model.md),
#: not a walk up ``SUBCATEGORY_OF``.
CATEGORY_TAIL = f"-[:{IN_FIELD}]->(c:{CATEGORY})"

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

#: One authorship ``r`` of author ``a`` as the API reads it.
AUTHORSHIP_ROW = """{position: r.position, raw_name: r.raw_name, author: a {.*},
                    match_rule: r.match_rule, match_score: r.match_score,
                    match_evidence: r.match_evidence}"""

AUTHORS_OF_PAPERS = f"""
UNWIND $ids AS id
MATCH (:{PAPER} {{id: id}})<-[r:{AUTHORED}]-(a:{AUTHOR})
WITH id, r, a ORDER BY id, r.position IS NULL, r.position, a.id
RETURN id, collect({AUTHORSHIP_ROW}) AS rows
"""

#: The authorships of paper ``p`` in author-list order, as the rows of AUTHORS_OF_PAPERS: read
#: with a page of papers when the request selects its papers' authors (one query, not two).
PAPER_AUTHORSHIPS = f"""COLLECT {{
    MATCH (p)<-[r:{AUTHORED}]-(a:{AUTHOR})
    WITH r, a ORDER BY r.position IS NULL, r.position, a.id
    RETURN {AUTHORSHIP_ROW}
  }}"""

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


def child_page_query(
    kind: str, order_by: str, seek: str, sort: str, authorships: bool = False
) -> str:
    """One page of child papers for every parent in ``$ids``: ``{node, sort}`` rows, ``sort``
    being the sort-key values the page's cursors carry (and ``authorships``, the papers'
    authorships as :data:`AUTHORS_OF_PAPERS` reads them, when asked).

    ``order_by`` and ``sort`` come from :func:`graph.repository.sort_keys` (closed field map,
    unique tie-breaker last); ``seek`` is the keyset condition after the cursor (values in
    ``$s…`` parameters), ``$limit`` the page size."""
    label, pattern = CHILD_PAGE_PATTERNS[kind]
    extra = f", authorships: {PAPER_AUTHORSHIPS}" if authorships else ""
    return f"""
UNWIND $ids AS id
MATCH (parent:{label.value} {{id: id}})
CALL (parent) {{
  MATCH {pattern}
  WITH DISTINCT p
  WITH p WHERE {seek}
  WITH p ORDER BY {order_by} LIMIT $limit
  RETURN collect({{node: p {{.*}}, sort: [{sort}]{extra}}}) AS rows
}}
RETURN id, rows
"""


def child_total_query(kind: str) -> str:
    """How many child papers each parent in ``$ids`` has (asked only for ``totalCount``)."""
    label, pattern = CHILD_PAGE_PATTERNS[kind]
    return f"""
UNWIND $ids AS id
MATCH (parent:{label.value} {{id: id}})
CALL (parent) {{
  MATCH {pattern}
  RETURN count(DISTINCT p) AS total
}}
RETURN id, total
"""


# --- top-level lists ------------------------------------------------------------------------

LIST_VARIABLE: dict[Label, str] = {Label.PAPER: "p", Label.AUTHOR: "a"}


def _list_match(label: Label, anchored: bool) -> str:
    """Where a list starts: every ``label`` node, or (``anchored``) only the papers in the
    categories ``$anchor`` or below them — one hop over the precomputed ``IN_FIELD`` from the
    category nodes, so a category filter costs the size of the category, not of the graph."""
    var = LIST_VARIABLE[label]
    if not anchored:
        return f"MATCH ({var}:{label.value})"
    if label is not Label.PAPER:
        raise ValueError(f"only paper lists are anchored on categories, not {label.value}")
    return (
        f"MATCH (anchor:{CATEGORY}) WHERE anchor.id IN $anchor "
        f"MATCH (anchor)<-[:{IN_FIELD}]-({var}:{label.value}) WITH DISTINCT {var}"
    )


def list_page_query(
    label: Label,
    where: str,
    order_by: str,
    sort: str,
    anchored: bool = False,
    authorships: bool = False,
) -> str:
    """One page of ``label`` nodes matching ``where`` (built by ``graph.repository`` from the
    closed filter map and the keyset seek, values as parameters) in ``order_by`` order, each
    with its sort-key values (``sort``, the cursor's content) and, for papers when
    ``authorships``, its authorships (:data:`PAPER_AUTHORSHIPS`)."""
    var = LIST_VARIABLE[label]
    extra = f", {PAPER_AUTHORSHIPS} AS authorships" if authorships and label is Label.PAPER else ""
    return (
        f"{_list_match(label, anchored)} WITH {var} WHERE {where} "
        f"WITH {var} ORDER BY {order_by} LIMIT $limit "
        f"RETURN {var} {{.*}} AS node, [{sort}] AS sort{extra}"
    )


def papers_page_by_ids(sort: str, authorships: bool = False) -> str:
    """The papers ``$ids`` (a page chosen elsewhere: ``graph.paper_pages``) as
    :func:`list_page_query` returns them: node map, sort-key values (``sort``) and, when
    ``authorships``, their authorships."""
    extra = f", {PAPER_AUTHORSHIPS} AS authorships" if authorships else ""
    return (
        f"UNWIND $ids AS id MATCH (p:{PAPER} {{id: id}}) "
        f"RETURN p {{.*}} AS node, [{sort}] AS sort{extra}"
    )


def list_count_query(label: Label, where: str, anchored: bool = False) -> str:
    """Matches of ``where``, counted up to ``$cap`` (the matching stops there)."""
    var = LIST_VARIABLE[label]
    return (
        f"{_list_match(label, anchored)} WITH {var} WHERE {where} "
        f"WITH {var} LIMIT $cap RETURN count({var}) AS n"
    )


def list_estimate_query(label: Label, where: str, anchored: bool = False) -> str:
    """An estimate of the matches of ``where``: a uniform random sample of about ``$sample``
    nodes of ``label`` (all of them when there are no more), the matches among it, and the
    number of ``label`` nodes (count store). Anchored on categories: the population is the
    categories' ``IN_FIELD`` degrees (degree store; a paper in two of them counts twice, so
    the estimate errs high by the overlap) and the sample is drawn from their papers."""
    var = LIST_VARIABLE[label]
    if anchored:
        population = (
            f"MATCH (anchor:{CATEGORY}) WHERE anchor.id IN $anchor "
            f"RETURN sum(COUNT {{ (anchor)<-[:{IN_FIELD}]-() }}) AS population"
        )
    else:
        population = f"MATCH (x:{label.value}) RETURN count(x) AS population"
    return f"""
CALL () {{ {population} }}
CALL (population) {{
  {_list_match(label, anchored)}
  WITH {var} WHERE population <= $sample OR rand() * population < $sample
  WITH {var} WHERE {where}
  RETURN count({var}) AS hits
}}
RETURN population, hits
"""


# --- facets ---------------------------------------------------------------------------------

#: Facet -> the aggregation over the papers ``p`` of a source (a list filter or a child list):
#: ``value`` (the year, or the id of the category / venue / author), ``n`` (papers), ``node``.
FACET_TAILS: dict[str, str] = {
    "years": (
        "WITH p.year AS value, count(*) AS n WHERE value IS NOT NULL "
        "WITH value, n ORDER BY n DESC, value LIMIT $limit RETURN value, n, null AS node"
    ),
    "categories": (
        f"MATCH (p)-[:{IN_CATEGORY}]->(c:{CATEGORY}) WITH c, count(DISTINCT p) AS n "
        "ORDER BY n DESC, c.id LIMIT $limit RETURN c.id AS value, n, c {.*} AS node"
    ),
    "venues": (
        f"MATCH (p)-[:{PUBLISHED_IN}]->(v:{VENUE}) WITH v, count(DISTINCT p) AS n "
        "ORDER BY n DESC, v.id LIMIT $limit RETURN v.id AS value, n, v {.*} AS node"
    ),
    "authors": (
        f"MATCH (p)<-[:{AUTHORED}]-(a:{AUTHOR}) WHERE $exclude IS NULL OR a.id <> $exclude "
        "WITH a, count(DISTINCT p) AS n ORDER BY n DESC, a.id LIMIT $limit "
        "RETURN a.id AS value, n, a {.*} AS node"
    ),
}
FACETS = tuple(FACET_TAILS)


def list_facet_query(label: Label, where: str, facet: str) -> str:
    """One facet of the papers matching ``where`` (top-level list)."""
    return f"MATCH (p:{label.value}) WHERE {where} {FACET_TAILS[facet]}"


def child_facet_query(kind: str, facet: str) -> str:
    """One facet of the child papers of ``$parent`` (an author's papers, references, ...)."""
    label, pattern = CHILD_PAGE_PATTERNS[kind]
    return (
        f"MATCH (parent:{label.value} {{id: $parent}}) MATCH {pattern} WITH DISTINCT p "
        f"{FACET_TAILS[facet]}"
    )


#: Facets of all papers answered from the relationship-count store (a degree per node).
DEGREE_FACETS: dict[str, str] = {
    "categories": (
        f"MATCH (c:{CATEGORY}) WITH c, COUNT {{ (c)<-[:{IN_CATEGORY}]-() }} AS n WHERE n > 0 "
        "WITH c, n ORDER BY n DESC, c.id LIMIT $limit RETURN c.id AS value, n, c {.*} AS node"
    ),
    "venues": (
        f"MATCH (v:{VENUE}) WITH v, COUNT {{ (v)<-[:{PUBLISHED_IN}]-() }} AS n WHERE n > 0 "
        "WITH v, n ORDER BY n DESC, v.id LIMIT $limit RETURN v.id AS value, n, v {.*} AS node"
    ),
}

#: Which of the ids a filter names exist: the unknown category and venue ids.
UNKNOWN_IDS = f"""
RETURN [id IN $categories WHERE NOT EXISTS {{ MATCH (:{CATEGORY} {{id: id}}) }}] AS categories,
       [id IN $venues WHERE NOT EXISTS {{ MATCH (:{VENUE} {{id: id}}) }}] AS venues
"""

#: Venues holding any of ``$ids`` as another source's id (``Venue.alt_ids``: one venue printed
#: under a ``name:`` id by one source and an ``s2-venue:`` id by another): a scan of the venues,
#: run only for ids no venue holds as its own.
VENUES_BY_ALT_IDS = f"""
MATCH (v:{VENUE}) WHERE any(i IN coalesce(v.alt_ids, []) WHERE i IN $ids)
RETURN v.id AS node, [i IN v.alt_ids WHERE i IN $ids] AS ids, v {{.*}} AS properties
ORDER BY node
"""

# --- co-author pages ------------------------------------------------------------------------


def coauthor_page_query(seek: str) -> str:
    """One page of co-authors per author in ``$ids``, most joint papers first (ties by id),
    after the keyset ``seek`` over ``joint`` and ``c.id``; ``$limit`` rows."""
    return f"""
UNWIND $ids AS id
MATCH (a:{AUTHOR} {{id: id}})
CALL (a) {{
  MATCH (a)-[:{AUTHORED}]->(p:{PAPER})<-[:{AUTHORED}]-(c:{AUTHOR})
  WHERE c <> a
  WITH c, count(DISTINCT p) AS joint, min(p.year) AS first_year, max(p.year) AS last_year
  WITH c, joint, first_year, last_year WHERE {seek}
  WITH c, joint, first_year, last_year ORDER BY joint DESC, c.id LIMIT $limit
  RETURN collect({{author: c {{.*}}, joint: joint, first_year: first_year,
                  last_year: last_year, sort: [joint, c.id]}}) AS rows
}}
RETURN id, rows
"""


COAUTHOR_TOTALS = f"""
UNWIND $ids AS id
MATCH (a:{AUTHOR} {{id: id}})
CALL (a) {{
  MATCH (a)-[:{AUTHORED}]->(:{PAPER})<-[:{AUTHORED}]-(c:{AUTHOR}) WHERE c <> a
  RETURN count(DISTINCT c) AS total
}}
RETURN id, total
"""

# --- similar papers and citing authors, batched ---------------------------------------------

#: Per paper in ``$ids``: papers similar by co-citation (papers citing both) and bibliographic
#: coupling (references in common); score = co-citations + shared references; best ``$first``.
SIMILAR_OF_PAPERS = f"""
UNWIND $ids AS id
MATCH (p:{PAPER} {{id: id}})
CALL (p) {{
  CALL (p) {{
    MATCH (p)<-[:{CITES}]-(c:{PAPER})-[:{CITES}]->(q:{PAPER}) WHERE q <> p
    RETURN q, count(DISTINCT c) AS cocitation, 0 AS coupling
    UNION ALL
    MATCH (p)-[:{CITES}]->(r:{PAPER})<-[:{CITES}]-(q:{PAPER}) WHERE q <> p
    RETURN q, 0 AS cocitation, count(DISTINCT r) AS coupling
  }}
  WITH q, sum(cocitation) AS cocitation, sum(coupling) AS coupling
  WITH q, cocitation, coupling, cocitation + coupling AS score
  ORDER BY score DESC, q.id
  LIMIT $first
  RETURN collect({{paper: q {{.*}}, cocitation: cocitation, coupling: coupling,
                  score: score}}) AS rows
}}
RETURN id, rows
"""

#: Per author in ``$ids``: who cites the author most. A citation is a link ``p -> q`` where the
#: author wrote ``q``; a self-citation when the author also wrote ``p`` (excluded from the
#: ranking, counted apart). Per citing author: citation links and distinct citing papers.
TOP_CITING_OF_AUTHORS = f"""
UNWIND $ids AS id
MATCH (t:{AUTHOR} {{id: id}})
CALL (t) {{
  OPTIONAL MATCH (t)-[:{AUTHORED}]->(q:{PAPER})<-[:{CITES}]-(p:{PAPER})
  WITH DISTINCT p, q WHERE p IS NOT NULL
  RETURN count(*) AS total, sum(CASE WHEN EXISTS {{ (t)-[:{AUTHORED}]->(p) }} THEN 1 ELSE 0 END)
         AS self_citations
}}
CALL (t) {{
  MATCH (t)-[:{AUTHORED}]->(q:{PAPER})<-[:{CITES}]-(p:{PAPER})<-[:{AUTHORED}]-(c:{AUTHOR})
  WHERE NOT EXISTS {{ (t)-[:{AUTHORED}]->(p) }}
  WITH DISTINCT c, p, q
  WITH c, count(*) AS citations, count(DISTINCT p) AS citing_papers
  ORDER BY citations DESC, citing_papers DESC, c.id
  LIMIT $first
  RETURN collect({{author: c {{.*}}, citations: citations, citing_papers: citing_papers}}) AS rows
}}
RETURN id, total, self_citations, rows
"""


# --- full-text search -----------------------------------------------------------------------

# Search kind -> (full-text index from graph/schema.py, label).
SEARCH_INDEXES: dict[str, tuple[str, Label]] = {
    "paper": ("paper_text", Label.PAPER),
    "author": ("author_names", Label.AUTHOR),
    "venue": ("venue_names", Label.VENUE),
}


def search_query(kinds: list[str], seek: str) -> str:
    """Scored hits from each chosen index (kinds from :data:`SEARCH_INDEXES` only), at most
    ``$depth`` per index, after the keyset ``seek`` over ``score`` (descending), ``kind`` and
    ``node.id``; each branch gives its best ``$limit``."""
    parts = []
    for kind in kinds:
        index, _label = SEARCH_INDEXES[kind]
        parts.append(
            f"CALL () {{ CALL db.index.fulltext.queryNodes('{index}', $query, {{limit: $depth}}) "
            f"YIELD node, score WITH node, score, '{kind}' AS kind WHERE {seek} "
            f"WITH node, score, kind ORDER BY score DESC, node.id LIMIT $limit "
            f"RETURN kind, node {{.*}} AS node, score }} RETURN kind, node, score"
        )
    return " UNION ALL ".join(parts)
