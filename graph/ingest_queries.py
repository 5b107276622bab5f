"""Cypher of the shared batched writer. Every statement takes one ``$rows`` list (UNWIND) so a
batch costs a fixed number of round trips; every MERGE is on a constraint-backed ``id``."""

from __future__ import annotations

from graph.identity import DISPLAY_NAME_FILLER
from graph.ids import AUTHOR_ID_PROPERTY, PAPER_ID_PROPERTY
from graph.paper_values import PAPER_PROPERTY_NAMES


def _lookup(label: str, props: dict[str, str], extra_return: str = "") -> str:
    # One branch per id kind, built from the fixed property tables (never from input).
    branches = [
        f"UNWIND ${kind} AS v MATCH (n:{label} {{{prop}: v}}) "
        f"RETURN '{kind}' AS kind, v AS value, n.id AS id{extra_return}"
        for kind, prop in props.items()
    ]
    return " UNION ALL ".join(branches)


_STRONG_NULL = " AND ".join(f"n.{p} IS NULL" for p in PAPER_ID_PROPERTY.values())

#: (kind, value) → node id for every strong paper id of a batch, plus weak-only title nodes.
PAPER_LOOKUP = _lookup("Paper", PAPER_ID_PROPERTY)

#: Existing papers under each title key of ``$titles`` (``graph.identity.TitleCandidate``):
#: whether they hold a strong id, their first printed author and their venue.
PAPER_TITLE_LOOKUP = f"""
UNWIND $titles AS t
MATCH (n:Paper {{title_key: t}})
RETURN t AS key, n.id AS id, ({_STRONG_NULL}) AS weak,
  head(COLLECT {{ MATCH (n)<-[a:AUTHORED]-(au:Author) WHERE a.position = 1
                 RETURN coalesce(a.raw_name, au.name) }}) AS first_author,
  head(COLLECT {{ MATCH (n)-[:PUBLISHED_IN]->(v:Venue) RETURN v.name }}) AS venue
"""

#: New nodes a merge moves weak-only nodes into (a strong record adopting them).
CREATE_PAPER_NODES = """
UNWIND $ids AS id
MERGE (p:Paper {id: id})
  ON CREATE SET p.stub = true
"""

_AUTHOR_IDS = ", ".join(f"{kind}: n.{prop}" for kind, prop in AUTHOR_ID_PROPERTY.items())

#: (kind, value) → author node id and the strong ids that node holds.
AUTHOR_LOOKUP = _lookup("Author", AUTHOR_ID_PROPERTY, f", {{{_AUTHOR_IDS}}} AS ids")

_SET_PAPER_IDS = ", ".join(
    f"p.{prop} = coalesce(p.{prop}, row.ids.{kind})" for kind, prop in PAPER_ID_PROPERTY.items()
)

_ADOPT_PAPER_IDS = ", ".join(
    f"keep.{prop} = coalesce(keep.{prop}, gp.{prop})" for prop in PAPER_ID_PROPERTY.values()
)

#: Nodes for every paper a batch mentions (full records and citation targets alike).
MERGE_PAPER_NODES = f"""
UNWIND $rows AS row
MERGE (p:Paper {{id: row.id}})
  ON CREATE SET p.stub = true
SET {_SET_PAPER_IDS}, p.title_key = coalesce(p.title_key, row.title_key)
"""

_FILL_GAPS = ", ".join(f"p.{n} = coalesce(p.{n}, row.props.{n})" for n in PAPER_PROPERTY_NAMES)

#: Descriptive properties of full paper records; a stub becomes a real paper here. The values
#: shown come from the best-ranked source that printed them (``graph.paper_values``): a row
#: from a better or equal source sets its values, a worse one fills gaps; every source's own
#: title, year and venue stay in ``source_values``.
SET_PAPER_PROPERTIES = f"""
UNWIND $rows AS row
MATCH (p:Paper {{id: row.id}})
WITH p, row, row.rank <= coalesce(p.value_rank, 1000) AS wins
SET p += CASE WHEN wins THEN row.props ELSE {{}} END,
    p.value_rank = CASE WHEN wins THEN row.rank ELSE p.value_rank END,
    p.value_source = CASE WHEN wins THEN row.source ELSE p.value_source END,
    p.source_values = [v IN coalesce(p.source_values, []) WHERE NOT v STARTS WITH row.source_prefix]
                      + row.source_value
SET {_FILL_GAPS},
    p.stub = false,
    p.title_key = CASE WHEN wins THEN coalesce(row.title_key, p.title_key)
                       ELSE coalesce(p.title_key, row.title_key) END,
    p.authors_complete = coalesce(p.authors_complete, false) OR row.authors_complete,
    p.source_citation_count = CASE
        WHEN row.source_citation_count IS NULL THEN p.source_citation_count
        WHEN p.source_citation_count IS NULL OR p.source_citation_count < row.source_citation_count
        THEN row.source_citation_count ELSE p.source_citation_count END,
    p.sources = CASE WHEN row.source IN coalesce(p.sources, []) THEN p.sources
                     ELSE coalesce(p.sources, []) + row.source END
"""

_TAKE_BETTER = ", ".join(
    f"keep.{n} = CASE WHEN better AND gp.{n} IS NOT NULL THEN gp.{n} ELSE keep.{n} END"
    for n in PAPER_PROPERTY_NAMES
)
_KEEP_FILL = ", ".join(f"keep.{n} = coalesce(keep.{n}, gp.{n})" for n in PAPER_PROPERTY_NAMES)

#: Moves every relationship of ``$absorbed`` onto ``$survivor`` and deletes it (same paper
#: found under two nodes). Relationship types are the closed set of the model. The survivor
#: shows the better-ranked node's values (``graph.paper_values``) and keeps both nodes'
#: ``source_values``.
MERGE_TWO_PAPERS = f"""
MATCH (keep:Paper {{id: $survivor}}), (gone:Paper {{id: $absorbed}})
CALL (keep, gone) {{
  MATCH (gone)-[r:CITES]->(x) WHERE x <> gone
  MERGE (keep)-[:CITES]->(x)
  DELETE r
}}
CALL (keep, gone) {{
  MATCH (x)-[r:CITES]->(gone) WHERE x <> gone
  MERGE (x)-[:CITES]->(keep)
  DELETE r
}}
CALL (keep, gone) {{
  MATCH (a:Author)-[r:AUTHORED]->(gone)
  MERGE (a)-[r2:AUTHORED]->(keep)
  SET r2.position = coalesce(r2.position, r.position),
      r2.raw_name = coalesce(r2.raw_name, r.raw_name),
      r2.source = coalesce(r2.source, r.source)
  DELETE r
}}
CALL (keep, gone) {{
  MATCH (gone)-[r:PUBLISHED_IN]->(v)
  MERGE (keep)-[:PUBLISHED_IN]->(v)
  DELETE r
}}
CALL (keep, gone) {{
  MATCH (gone)-[r:IN_CATEGORY]->(c)
  MERGE (keep)-[r2:IN_CATEGORY]->(c)
  SET r2.primary = coalesce(r2.primary, false) OR coalesce(r.primary, false)
  DELETE r
}}
WITH keep, gone, properties(gone) AS gp
DETACH DELETE gone
WITH keep, gp
SET {_ADOPT_PAPER_IDS}
WITH keep, gp, coalesce(gp.value_rank, 1000) < coalesce(keep.value_rank, 1000) AS better
SET {_TAKE_BETTER}
SET {_KEEP_FILL},
    keep.value_rank = CASE WHEN better THEN gp.value_rank ELSE keep.value_rank END,
    keep.value_source = CASE WHEN better THEN gp.value_source ELSE keep.value_source END,
    keep.source_values = coalesce(keep.source_values, []) +
        [v IN coalesce(gp.source_values, []) WHERE NOT v IN coalesce(keep.source_values, [])],
    keep.stub = coalesce(keep.stub, true) AND coalesce(gp.stub, true),
    keep.title_key = coalesce(keep.title_key, gp.title_key),
    keep.authors_complete = coalesce(keep.authors_complete, false)
        OR coalesce(gp.authors_complete, false),
    keep.sources = coalesce(keep.sources, []) +
        [s IN coalesce(gp.sources, []) WHERE NOT s IN coalesce(keep.sources, [])]
"""

_SET_AUTHOR_IDS = ", ".join(
    f"a.{prop} = coalesce(a.{prop}, row.ids.{kind})" for kind, prop in AUTHOR_ID_PROPERTY.items()
)


def _name_rank(expr: str) -> list[str]:
    """``graph.identity.display_name_rank`` of a name expression, term by term."""
    stripped = expr
    for c in DISPLAY_NAME_FILLER:
        stripped = f"replace({stripped}, '{c}', '')"
    mixed_case = (
        f"CASE WHEN toUpper({expr}) <> {expr} AND toLower({expr}) <> {expr} THEN 1 ELSE 0 END"
    )
    return [f"size({stripped})", mixed_case, expr]


def _greater(left: list[str], right: list[str]) -> str:
    """Lexicographic ``left > right`` over equally long lists of Cypher terms."""
    head = f"{left[0]} > {right[0]}"
    if len(left) == 1:
        return head
    return f"{head} OR ({left[0]} = {right[0]} AND ({_greater(left[1:], right[1:])}))"


_BETTER_NAME = f"a.name IS NULL OR {_greater(_name_rank('row.name'), _name_rank('a.name'))}"

#: Authors of a batch. The display name is the best printed form seen (``row.name`` is the
#: batch's best; ``graph.identity.display_name_rank``), whatever the order of loads: each SET
#: reads the property it writes, so Cypher locks the node before reading, and concurrent loads
#: cannot lose a name. ``name_key`` follows the chosen name.
MERGE_AUTHORS = f"""
UNWIND $rows AS row
MERGE (a:Author {{id: row.id}})
  ON CREATE SET a.name_variants = [], a.sources = []
SET {_SET_AUTHOR_IDS},
    a.affiliation = coalesce(row.affiliation, a.affiliation),
    a.match_key = coalesce(a.match_key, row.match_key),
    a.name_variants = a.name_variants + [n IN row.variants WHERE NOT n IN a.name_variants],
    a.sources = a.sources + [s IN row.sources WHERE NOT s IN a.sources]
SET a.name_variants_text = reduce(t = '', n IN a.name_variants | t + ' ' + n)
SET a.name = CASE WHEN {_BETTER_NAME} THEN row.name ELSE a.name END
SET a.name_key = CASE WHEN a.name = row.name THEN row.name_key ELSE a.name_key END
"""

#: Authorships already in the graph for the papers of a batch (for evidence-based linking).
EXISTING_AUTHORSHIPS = """
UNWIND $papers AS pid
MATCH (a:Author)-[r:AUTHORED]->(:Paper {id: pid})
RETURN pid AS paper, a.id AS author, a.name AS name, r.raw_name AS raw_name,
       r.position AS position
"""

ALL_NAME_ONLY_AUTHORSHIPS = """
MATCH (n:Author)-[:AUTHORED]->(x:Paper)
WHERE n.id STARTS WITH 'name:'
RETURN n.id AS author, x.id AS paper, n.match_key AS key
"""

#: Name-only authorships under the blocking keys of strong-id authors a batch wrote.
NAME_ONLY_UNDER_KEYS = """
UNWIND $keys AS k
MATCH (n:Author {match_key: k})-[:AUTHORED]->(x:Paper)
WHERE n.id STARTS WITH 'name:'
RETURN n.id AS author, x.id AS paper, k AS key
"""

#: Strong-id authors under blocking keys: the candidates of the name-only → strong-id relink.
STRONG_UNDER_KEYS = """
UNWIND $keys AS k
MATCH (a:Author {match_key: k})
WHERE NOT a.id STARTS WITH 'name:'
RETURN k AS key, a.id AS id
"""

#: A name-only authorship moved to the strong-id author it was shown to be (position and raw
#: name kept); the name-only node goes when nothing else holds it.
MOVE_AUTHORSHIP = """
UNWIND $rows AS row
MATCH (n:Author {id: row.author})-[r:AUTHORED]->(x:Paper {id: row.paper})
MATCH (s:Author {id: row.strong})
MERGE (s)-[moved:AUTHORED]->(x)
SET moved.position = coalesce(moved.position, r.position),
    moved.raw_name = coalesce(moved.raw_name, r.raw_name),
    moved.source = coalesce(moved.source, r.source),
    moved.match_rule = row.match_rule, moved.match_score = row.match_score,
    moved.match_evidence = row.match_evidence
DELETE r
WITH DISTINCT n
WHERE NOT (n)-[:AUTHORED]->() AND n.reported_source IS NULL
WITH n, n.id AS id
DELETE n
RETURN id
"""

MERGE_AUTHORED = """
UNWIND $rows AS row
MATCH (a:Author {id: row.author}), (p:Paper {id: row.paper})
MERGE (a)-[r:AUTHORED]->(p)
WITH r, row, r.match_rule IS NULL AS unexplained
SET r.position = coalesce(r.position, row.position),
    r.raw_name = coalesce(r.raw_name, row.raw_name),
    r.source = coalesce(r.source, row.source),
    r.match_rule = CASE WHEN unexplained THEN row.match_rule ELSE r.match_rule END,
    r.match_score = CASE WHEN unexplained THEN row.match_score ELSE r.match_score END,
    r.match_evidence = CASE WHEN unexplained THEN row.match_evidence ELSE r.match_evidence END
"""

#: A name-only authorship superseded by the same person with a strong id on the same paper.
DELETE_SUPERSEDED_AUTHORED = """
UNWIND $rows AS row
MATCH (a:Author {id: row.author})-[r:AUTHORED]->(:Paper {id: row.paper})
DELETE r
WITH DISTINCT a
WHERE NOT (a)-[:AUTHORED]->() AND a.reported_source IS NULL
WITH a, a.id AS id
DELETE a
RETURN id
"""

#: Existing venues a batch's venue references may denote (``graph.identity.VenueIndex``): by
#: id, by ISSN, by normalised name.
VENUE_LOOKUP = """
UNWIND $ids AS i MATCH (v:Venue {id: i})
RETURN v.id AS node, v.issn AS issn, v.name_key AS name_key, coalesce(v.alt_ids, []) AS alt_ids
UNION
UNWIND $issns AS i MATCH (v:Venue {issn: i})
RETURN v.id AS node, v.issn AS issn, v.name_key AS name_key, coalesce(v.alt_ids, []) AS alt_ids
UNION
UNWIND $names AS i MATCH (v:Venue {name_key: i})
RETURN v.id AS node, v.issn AS issn, v.name_key AS name_key, coalesce(v.alt_ids, []) AS alt_ids
"""

#: ``row.id``: the node; ``row.alt_ids``: the other ids the batch's sources gave it.
MERGE_VENUES = """
UNWIND $rows AS row
MERGE (v:Venue {id: row.id})
  ON CREATE SET v.name = row.name, v.type = row.type
SET v.issn = coalesce(v.issn, row.issn), v.openalex_id = coalesce(v.openalex_id, row.openalex_id),
    v.dblp_key = coalesce(v.dblp_key, row.dblp_key),
    v.name_key = coalesce(v.name_key, row.name_key),
    v.alt_ids = CASE WHEN size(row.alt_ids) = 0 THEN v.alt_ids ELSE coalesce(v.alt_ids, []) +
        [i IN row.alt_ids WHERE NOT i IN coalesce(v.alt_ids, [])] END
"""

MERGE_PUBLISHED_IN = """
UNWIND $rows AS row
MATCH (p:Paper {id: row.paper}), (v:Venue {id: row.venue})
MERGE (p)-[:PUBLISHED_IN]->(v)
"""

MERGE_CATEGORIES = """
UNWIND $rows AS row
MERGE (c:Category {id: row.id})
SET c.name = row.name, c.scheme = row.scheme
"""

MERGE_SUBCATEGORY_OF = """
UNWIND $rows AS row
MATCH (c:Category {id: row.child}), (parent:Category {id: row.parent})
MERGE (c)-[:SUBCATEGORY_OF]->(parent)
"""

MERGE_IN_CATEGORY = """
UNWIND $rows AS row
MATCH (p:Paper {id: row.paper}), (c:Category {id: row.category})
MERGE (p)-[r:IN_CATEGORY]->(c)
SET r.primary = coalesce(r.primary, false) OR row.primary
"""

#: The hierarchy links of a batch that the graph holds already (the others are new).
EXISTING_SUBCATEGORY_OF = """
UNWIND $rows AS row
MATCH (:Category {id: row.child})-[:SUBCATEGORY_OF]->(:Category {id: row.parent})
RETURN row.child AS child, row.parent AS parent
"""

#: Field membership of the papers of a batch: a paper is IN_FIELD of each category it is
#: IN_CATEGORY of and of every ancestor along SUBCATEGORY_OF (docs/model.md). Existing links
#: stay (MERGE), so a re-run changes nothing.
MERGE_IN_FIELD = """
UNWIND $papers AS pid
MATCH (p:Paper {id: pid})-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category)
WITH DISTINCT p, c
MERGE (p)-[:IN_FIELD]->(c)
"""

#: A new hierarchy link ``child -> parent`` widens the fields of every paper already in
#: ``child``: they are also in ``parent`` and its ancestors.
PROPAGATE_IN_FIELD = """
UNWIND $rows AS row
MATCH (:Category {id: row.parent})-[:SUBCATEGORY_OF*0..]->(a:Category)
WITH row, collect(DISTINCT a) AS above
MATCH (:Category {id: row.child})<-[:IN_FIELD]-(p:Paper)
FOREACH (a IN above | MERGE (p)-[:IN_FIELD]->(a))
"""

MERGE_CITES = """
UNWIND $rows AS row
MATCH (a:Paper {id: row.src}), (b:Paper {id: row.dst})
MERGE (a)-[:CITES]->(b)
"""

SET_AUTHOR_REPORTED = """
UNWIND $rows AS row
MATCH (a:Author {id: row.id})
SET a += row.props
"""

#: Computed metrics, refreshed after a load (auto-commit, in batches of rows).
REFRESH_PAPER_METRICS = """
MATCH (p:Paper)
CALL (p) {
  SET p.citation_count = COUNT { (p)<-[:CITES]-(:Paper) },
      p.reference_count = COUNT { (p)-[:CITES]->(:Paper) }
} IN TRANSACTIONS OF 10000 ROWS
"""

REFRESH_AUTHOR_METRICS = """
MATCH (a:Author)
CALL (a) {
  OPTIONAL MATCH (a)-[:AUTHORED]->(p:Paper)
  WITH a, coalesce(p.citation_count, 0) AS c, p ORDER BY c DESC
  WITH a, collect(c) AS cs, count(p) AS n
  SET a.paper_count = n,
      a.citation_count = reduce(s = 0, x IN cs[..n] | s + x),
      a.h_index = size([i IN range(0, n - 1) WHERE cs[i] >= i + 1]),
      a.i10_index = size([x IN cs[..n] WHERE x >= 10])
} IN TRANSACTIONS OF 5000 ROWS
"""
