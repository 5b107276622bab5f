"""Cypher of the author clustering (``graph.author_links``): reading and storing cluster
profiles, joining two clusters, and the evidence of name-only authorships and of strong-id
authors for the relink. Values always go in parameters."""

from __future__ import annotations

from graph.ingest_queries import _greater, _name_rank

#: The stored profiles of the name-only clusters under some blocking keys.
CLUSTER_PROFILES = """
UNWIND $blocks AS k
MATCH (a:Author {match_key: k})
WHERE a.cluster_profile IS NOT NULL
RETURN a.id AS id, k AS block, a.cluster_profile AS profile
"""

#: A cluster's evidence, after its mentions were written.
SET_CLUSTER_PROFILES = """
UNWIND $rows AS row
MATCH (a:Author {id: row.id})
SET a.cluster_profile = row.profile
"""

#: Authorships already on the papers of a batch (a re-run finds its own).
AUTHORSHIPS_ON = """
UNWIND $papers AS pid
MATCH (a:Author)-[r:AUTHORED]->(:Paper {id: pid})
RETURN pid AS paper, a.id AS author, r.raw_name AS raw_name, r.position AS position
"""

#: Which of some author ids a node already holds (a new cluster takes a free one).
AUTHOR_IDS_IN_USE = """
UNWIND $ids AS i
MATCH (a:Author {id: i})
RETURN a.id AS id
"""

_GONE_NAME_BETTER = _greater(_name_rank("gone.name"), _name_rank("keep.name"))

#: Two clusters of earlier loads that a batch showed to be one person: every authorship of the
#: absorbed one moves to the survivor (position, raw name and source kept), printed forms and
#: sources are united, the display name follows the writer's rule
#: (``graph.identity.display_name_rank``), and the absorbed node goes.
JOIN_CLUSTERS = f"""
UNWIND $rows AS row
MATCH (keep:Author {{id: row.survivor}}), (gone:Author {{id: row.absorbed}})
CALL (keep, gone) {{
  MATCH (gone)-[r:AUTHORED]->(x:Paper)
  MERGE (keep)-[r2:AUTHORED]->(x)
  SET r2.position = coalesce(r2.position, r.position),
      r2.raw_name = coalesce(r2.raw_name, r.raw_name),
      r2.source = coalesce(r2.source, r.source)
  DELETE r
}}
SET keep.name_variants = keep.name_variants +
        [n IN gone.name_variants WHERE NOT n IN keep.name_variants],
    keep.sources = keep.sources + [s IN gone.sources WHERE NOT s IN keep.sources],
    keep.affiliation = coalesce(keep.affiliation, gone.affiliation)
SET keep.name_variants_text = reduce(t = '', n IN keep.name_variants | t + ' ' + n)
SET keep.name_key = CASE WHEN {_GONE_NAME_BETTER} THEN gone.name_key ELSE keep.name_key END,
    keep.name = CASE WHEN {_GONE_NAME_BETTER} THEN gone.name ELSE keep.name END
WITH gone
DETACH DELETE gone
"""

#: What the paper of each name-only authorship says (the mention side of the relink).
MENTION_EVIDENCE = """
UNWIND $items AS it
MATCH (n:Author {id: it.author})-[r:AUTHORED]->(x:Paper {id: it.paper})
OPTIONAL MATCH (x)-[:PUBLISHED_IN]->(v:Venue)
RETURN it.author AS author, it.paper AS paper, coalesce(r.raw_name, n.name) AS name,
       r.position AS position, x.title AS title, x.abstract AS abstract, x.year AS year,
       v.name AS venue, [(x)-[:IN_CATEGORY]->(c:Category) | c.id] AS categories,
       [(x)<-[r2:AUTHORED]-(o:Author) WHERE o <> n | coalesce(r2.raw_name, o.name)] AS coauthors,
       [(x)<-[:AUTHORED]-(o:Author) | o.id] AS listed
"""

#: What the papers of each strong-id candidate say (the most recent ``$per_author``).
CANDIDATE_EVIDENCE = """
UNWIND $ids AS cid
MATCH (c:Author {id: cid})
CALL (c) {
  MATCH (c)-[r:AUTHORED]->(x:Paper)
  WITH r, x ORDER BY x.year DESC, x.id LIMIT $per_author
  OPTIONAL MATCH (x)-[:PUBLISHED_IN]->(v:Venue)
  RETURN collect({
    paper: x.id, name: coalesce(r.raw_name, c.name), title: x.title, abstract: x.abstract,
    year: x.year, venue: v.name, categories: [(x)-[:IN_CATEGORY]->(k:Category) | k.id],
    coauthors: [(x)<-[r2:AUTHORED]-(o:Author) WHERE o <> c | coalesce(r2.raw_name, o.name)]
  }) AS papers
}
RETURN c.id AS id, c.affiliation AS affiliation, papers
"""
